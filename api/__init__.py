"""The HTTP API: a Flask shell around the archive (``create_app`` is the factory).

Settings come from ``originality.store.settings.Settings`` (defaults, then ``ORIGINALITY_*``
environment variables), then from the ``config`` mapping given to ``create_app``: a key that
names a setting in upper case (``DATA_DIR``, ``DATABASE_URL``, ``REDIS_URL``, ...) overrides
it; every other key goes to Flask's config.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Mapping

from flask import Flask

from originality.archive import Archive
from originality.store.settings import Settings

from .errors import OriginalityApi, register_error_handlers
from .cases import blp as cases_blp
from .cases import students_blp
from .events import blp as events_blp
from .health import blp as health_blp
from .pages import register_pages
from .projects import blp as projects_blp
from .submissions import blp as submissions_blp
from .tokens import blp as tokens_blp
from .triage import blp as triage_blp

API_PREFIX = "/api/v1"
# Multipart framing and the metadata fields, on top of the ZIP itself.
FORM_OVERHEAD = 64 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    names = {f.name for f in fields(Settings)}
    overrides = {k.lower(): config.pop(k) for k in list(config) if k.lower() in names and k.isupper()}
    settings = Settings.from_env(**overrides)

    app = Flask(__name__)
    app.config.update(
        API_TITLE="originality",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FORM_OVERHEAD,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)

    from worker.app import make_celery

    app.extensions["originality.celery"] = make_celery(settings)
    # The schema is checked by `originality serve` before gunicorn forks, and reported by
    # /readyz; an app process must not fail to build on it: gunicorn stops the whole server
    # when a worker process it restarts (after a timeout) fails to boot, and a database
    # blip or an upgrade under way would then take the machine down instead of out of the
    # load balancer.
    archive = Archive.open(settings, require_schema=False)
    app.extensions["originality"] = archive
    app.extensions["originality.settings"] = settings

    api = OriginalityApi(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_blueprint(health_blp)
    api.register_blueprint(submissions_blp, url_prefix=f"{API_PREFIX}/submissions")
    api.register_blueprint(cases_blp, url_prefix=f"{API_PREFIX}/cases")
    api.register_blueprint(students_blp, url_prefix=f"{API_PREFIX}/students")
    api.register_blueprint(projects_blp, url_prefix=f"{API_PREFIX}/projects")
    api.register_blueprint(triage_blp, url_prefix=f"{API_PREFIX}/triage")
    api.register_blueprint(events_blp, url_prefix=f"{API_PREFIX}/events")
    api.register_blueprint(tokens_blp, url_prefix=f"{API_PREFIX}/tokens")
    register_pages(app)
    register_error_handlers(app)
    return app
