"""``GET /healthz``: is the database reachable, and the broker."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

blp = Blueprint("health", __name__, description="Liveness")


@blp.route("/healthz")
@blp.response(200)
def healthz() -> tuple[dict[str, Any], int]:
    """Database and broker status; 503 when the database does not answer."""
    archive = current_app.extensions["originality"]
    settings = current_app.extensions["originality.settings"]
    result = {"status": "ok", "database": "ok", "redis": "ok"}
    try:
        with archive.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        result.update(status="unavailable", database="unreachable")
    try:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        client.ping()
        client.close()
    except Exception:
        result["redis"] = "unreachable"  # uploads still queue in the database; workers recover them
    return result, 200 if result["database"] == "ok" else 503
