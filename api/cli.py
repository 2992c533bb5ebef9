"""``originality serve`` and ``originality report-pdf``: registered through the
``originality.commands`` entry point."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path
from typing import Any

import click


# Processes and threads per API machine (docs/deploy.md). A request mostly waits: on the
# upload's bytes, on the database, on Redis; threads serve those well, and a few processes keep
# one slow report page from holding the others up.
WEB_WORKERS = 2
WEB_THREADS = 8
# Seconds a worker process may stay silent before gunicorn replaces it. Threads answer
# requests while the process keeps reporting in, so this bounds a hung process, not an upload.
WEB_TIMEOUT = 60
# Seconds a stopping worker has to finish the requests it holds (SIGTERM: a deployment).
GRACEFUL_SECONDS = 30


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="ORIGINALITY_HOST",
              help="Address to listen on ($ORIGINALITY_HOST); 0.0.0.0 behind a load balancer.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              envvar="ORIGINALITY_PORT", help="$ORIGINALITY_PORT")
@click.option("--workers", default=WEB_WORKERS, show_default=True, type=click.IntRange(1),
              envvar="ORIGINALITY_WEB_WORKERS", help="Processes ($ORIGINALITY_WEB_WORKERS).")
@click.option("--threads", default=WEB_THREADS, show_default=True, type=click.IntRange(1),
              envvar="ORIGINALITY_WEB_THREADS", help="Threads per process ($ORIGINALITY_WEB_THREADS).")
@click.option("--timeout", default=WEB_TIMEOUT, show_default=True, type=click.IntRange(1),
              envvar="ORIGINALITY_WEB_TIMEOUT",
              help="Seconds before a silent process is replaced ($ORIGINALITY_WEB_TIMEOUT).")
@click.option("--dev", is_flag=True,
              help="Werkzeug's development server instead (one process; never in production).")
def serve(host: str, port: int, workers: int, threads: int, timeout: int, dev: bool) -> None:
    """Run the HTTP API and pages under gunicorn (Werkzeug only with --dev)."""
    from originality.errors import SecretKeyMissing
    from originality.store.db import Database
    from originality.store.settings import Settings

    from .pages.session import session_secret

    # Checked (or, on SQLite, migrated) once here, before any process forks: a schema behind
    # the code is one line and exit 1, not every worker failing to boot.
    settings = Settings.from_env()
    try:
        # A missing cookie key is one line and exit 1 here, not a boot failure in each worker.
        session_secret(settings, development=dev)
    except SecretKeyMissing as error:
        raise click.ClickException(f"{error.code}: {error.message}") from error
    Database(settings.sqlalchemy_url, settings.data_dir,
             migrate_now=settings.migrate_at_start).dispose()
    if dev:
        from originality import logs

        from . import create_app

        logs.configure(settings.log_format)
        create_app({"DEVELOPMENT": True}).run(host=host, port=port, threaded=True)
        return
    _run_gunicorn({
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers, "threads": threads, "worker_class": "gthread",
        "timeout": timeout, "graceful_timeout": GRACEFUL_SECONDS,
        "accesslog": "-", "errorlog": "-", "proc_name": "originality-api",
        # Its default control socket is one path per user ($HOME/.gunicorn/gunicorn.ctl): two
        # servers on one machine would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        **_log_options(settings.log_format),
    })


def _log_options(log_format: str) -> dict[str, object]:
    """gunicorn's own log formats for ``text``; JSON lines for its logs and the app's for
    ``json`` (``ORIGINALITY_LOG_FORMAT``, docs/deploy.md)."""
    if log_format != "json":
        return {}
    from originality.logs import gunicorn_json_config

    return {"logconfig_dict": gunicorn_json_config()}


def _run_gunicorn(options: dict[str, object]) -> None:
    """gunicorn, in this process, with these settings. Each worker process builds its own app
    (and database pool) after the fork, so no connection is shared between processes.
    ``FORWARDED_ALLOW_IPS`` (the load balancers' addresses) is read by gunicorn itself."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            from . import create_app

            return create_app()

    Server().run()


# The PDF is printed by the Chromium Debian ships; another one can be named in this variable.
CHROMIUM_ENV = "ORIGINALITY_CHROMIUM"
# Chromium prints pages full of student content, so it runs in its sandbox. The sandbox cannot
# run as root: then Chromium runs as this unprivileged user (root can switch to it), named in
# ORIGINALITY_CHROMIUM_USER.
CHROMIUM_USER_ENV = "ORIGINALITY_CHROMIUM_USER"
CHROMIUM_USER = "nobody"
PDF_TIMEOUT_SECONDS = 180
# Who the access log says read the report: the command line has the database, not a token.
CLI_READER = "originality report-pdf"


@click.command("report-pdf")
@click.argument("submission_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The PDF file to write.")
def report_pdf(submission_id: str, out: str) -> None:
    """Write SUBMISSION_ID's printable evidence (its report's matches side by side) as a PDF.

    The print page is rendered in this process, as staff would see it, and printed by headless
    Chromium (A4 landscape). The read is logged like any other.
    """
    chromium = _chromium()
    user = _chromium_user()
    target = Path(out).resolve()
    html, assets = _print_page(submission_id)
    with tempfile.TemporaryDirectory(prefix="originality-pdf-") as tmp:
        folder = Path(tmp)
        for name, data in assets.items():
            (folder / name).write_bytes(data)
        page = folder / "evidence.html"
        page.write_text(html, encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = folder / "evidence.pdf"
        if user is not None:  # the folder is its: the page to read, the profile and the PDF
            for path in (folder, *folder.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)
        # Sandboxed: no --no-sandbox. No background traffic (updates, sync): the PDF needs none,
        # and closed networks refuse it.
        command = [chromium, "--headless", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync",
                   "--no-pdf-header-footer", f"--user-data-dir={folder / 'profile'}",
                   f"--print-to-pdf={partial}", page.as_uri()]
        switch: dict[str, Any] = {}
        if user is not None:
            switch = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [],
                      "env": {**os.environ, "HOME": str(folder)}}
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PDF_TIMEOUT_SECONDS, check=False, **switch)
        except subprocess.TimeoutExpired as error:
            raise click.ClickException(f"Chromium did not finish within {PDF_TIMEOUT_SECONDS} s") from error
        if not partial.is_file() or not partial.read_bytes().startswith(b"%PDF"):
            why = done.stderr.strip()[-2000:]
            if "sandbox" in why.lower():
                why = ("its sandbox could not start (it needs unprivileged user namespaces, "
                       "kernel.unprivileged_userns_clone=1, or Chromium's setuid sandbox "
                       f"helper; docs/deploy.md): {why}")
            raise click.ClickException(f"Chromium wrote no PDF (exit {done.returncode}): {why}")
        # Moved into place whole: a reader of --out never sees half a PDF.
        temporary = target.with_name(f".{target.name}.partial")
        temporary.write_bytes(partial.read_bytes())
        temporary.replace(target)
    click.echo(f"wrote {target}")


def _chromium() -> str:
    named = os.environ.get(CHROMIUM_ENV)
    found = shutil.which(named) if named else shutil.which("chromium")
    if not found:
        raise click.UsageError(
            f"Chromium was not found ({'$' + CHROMIUM_ENV + '=' + named if named else 'no chromium on PATH'}). "
            f"Install it (apt-get install chromium) or set {CHROMIUM_ENV} to its executable.")
    return found


def _chromium_user() -> Any:
    """The unprivileged account Chromium runs as when this process is root (whose Chromium
    cannot sandbox itself); None when this process is not root and Chromium runs as it."""
    if os.geteuid() != 0:
        return None
    import pwd

    name = os.environ.get(CHROMIUM_USER_ENV) or CHROMIUM_USER
    try:
        found = pwd.getpwnam(name)
    except KeyError:
        raise click.UsageError(f"run as root, Chromium runs as an unprivileged user, and there "
                               f"is no user {name!r}: create it or name another in "
                               f"{CHROMIUM_USER_ENV}") from None
    if found.pw_uid == 0:
        raise click.UsageError(f"{CHROMIUM_USER_ENV}={name} is root: Chromium's sandbox needs "
                               f"an unprivileged user")
    return found


def _print_page(submission_id: str) -> tuple[str, dict[str, bytes]]:
    """The print page's HTML and the files it links, renamed to sit beside it on disk.

    Scripts are left out: the evidence is a fixed document, its times in UTC.
    """
    from flask import g

    from originality.store.access import Principal

    from . import create_app
    from .pages.report import render_print
    from .pages.session import PageError

    # No cookie leaves this process: a throwaway key signs nothing anyone keeps.
    app = create_app({"SECRET_KEY": secrets.token_hex(32)})
    try:
        with app.test_request_context(f"/reports/{submission_id}/print"):
            # A staff view without a token; the access log has no token id for it.
            g.principal = Principal(None, "staff", CLI_READER)  # type: ignore[arg-type]
            try:
                result = render_print(submission_id)
            except PageError as error:
                raise click.UsageError(f"no submission {submission_id}" if error.status == 404
                                       else error.message) from error
        html, status = result if isinstance(result, tuple) else (result, 200)
        if status != 200:
            submission = app.extensions["originality"].get(submission_id)
            if submission is not None and submission.origin == "archive":
                why = "it was imported with 'archive add', which keeps no report of its own"
            else:
                why = f"it is {submission.status if submission else 'unknown'}"
            raise click.UsageError(f"submission {submission_id} has no report to print ({why})")
        html = re.sub(r"<script\b[^>]*>\s*</script>\s*", "", html)
        assets: dict[str, bytes] = {}
        client = app.test_client()

        def local(found: re.Match[str]) -> str:
            url = unescape(found.group(2))
            name = re.sub(r"[^A-Za-z0-9._-]", "_", url.split("?")[0].rsplit("/", 1)[-1])
            if name not in assets:
                response = client.get(url)
                try:  # a static file's response holds the file open until closed
                    if response.status_code != 200:
                        raise click.ClickException(f"{url} answered {response.status_code}")
                    assets[name] = response.get_data()
                finally:
                    response.close()
            return f'{found.group(1)}="{name}"'

        html = re.sub(r'(href|src)="(/assets/[^"]+)"', local, html)
        return html, assets
    finally:
        app.extensions["originality"].close()
