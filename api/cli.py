"""``originality serve``: registered through the ``originality.commands`` entry point."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the HTTP API (Werkzeug's threaded server; put a WSGI server in front in production)."""
    from . import create_app

    create_app().run(host=host, port=port, threaded=True)
