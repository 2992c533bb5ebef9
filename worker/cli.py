"""``originality worker``: registered through the ``originality.commands`` entry point."""

from __future__ import annotations

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for the check pipeline; extra arguments go to ``celery worker``."""
    from .app import app as celery

    celery.worker_main(["worker", "--loglevel=INFO", *celery_args])
