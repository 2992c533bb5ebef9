"""``originality worker``: registered through the ``originality.commands`` entry point."""

from __future__ import annotations

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for the check pipeline; extra arguments go to ``celery worker``."""
    from originality.store.db import Database

    from .app import app as celery
    from .app import settings

    # As `serve` does: a schema behind the code stops the worker here, in one line, instead of
    # failing every task it takes (on SQLite, by default, it is brought up to date instead).
    Database(settings.sqlalchemy_url, settings.data_dir,
             migrate_now=settings.migrate_at_start).dispose()
    leading: list[str] = []
    if settings.log_format == "json":
        from originality import logs

        # JSON lines from the first line on (warnings too), and no banner on stdout: Celery's
        # own set-up, later, keeps this format (worker/app.py).
        logs.configure("json")
        leading = ["--quiet"]
    celery.worker_main([*leading, "worker", "--loglevel=INFO", *celery_args])
