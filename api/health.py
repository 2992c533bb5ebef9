"""``GET /healthz`` (liveness) and ``GET /readyz`` (readiness), for load balancers and
orchestrators (docs/deploy.md, "Health and readiness").

Liveness asks nothing of the database or Redis: a database outage must take the machines out
of the load balancer (readiness), not have them all restarted at once.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from originality.errors import SchemaOutOfDate
from originality.store.db import require_current

blp = Blueprint("health", __name__, description="Liveness and readiness")

# A probe must answer well within a load balancer's timeout (typically 2-5 s).
PROBE_TIMEOUT_SECONDS = 1.0


@blp.route("/healthz")
@blp.response(200)
def healthz() -> dict[str, Any]:
    """This process answers requests."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200)
def readyz() -> tuple[dict[str, Any], int]:
    """Ready to take traffic: the database answers with the schema this version needs (503
    otherwise). Redis is reported but not required: an upload is kept in the database and
    the workers' recovery queues it once the broker is back, so with Redis down the API still
    serves (``"status": "degraded"``) rather than every machine leaving the load balancer."""
    archive = current_app.extensions["originality"]
    settings = current_app.extensions["originality.settings"]
    result = {"status": "ok", "database": "ok", "redis": "ok"}
    try:
        require_current(archive.db.engine)
    except SchemaOutOfDate:
        result["database"] = "schema_out_of_date"
    except Exception:
        result["database"] = "unreachable"
    try:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_timeout=PROBE_TIMEOUT_SECONDS,
                                      socket_connect_timeout=PROBE_TIMEOUT_SECONDS)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        result["redis"] = "unreachable"
    if result["database"] != "ok":
        result["status"] = "unavailable"
        return result, 503
    if result["redis"] != "ok":
        result["status"] = "degraded"
    return result, 200
