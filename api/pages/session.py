"""Who is looking at a page: the bearer token header or the signed-in session, the sign-in and
sign-out forms, CSRF protection and the pages' security headers.

The session cookie holds a random session key and a CSRF secret, signed with the
installation's key (``ORIGINALITY_SECRET_KEY``); never the token. Each request looks the session
up in the database (``originality/store/sessions.py``): signing out ends it on the server, so a
copied cookie stops working, and a revoked or expired token ends its sessions at once. Forms
posted with a session carry the CSRF secret in a hidden field; a request that brings its bearer
header needs none (no browser adds that header by itself).
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from originality.archive import Archive
from originality.errors import OriginalityError, SecretKeyMissing, Unauthenticated
from originality.percents import percent as shown_percent
from originality.store.access import Principal, authenticate, resolve
from originality.store.sessions import end_session, session_principal, start_session
from originality.store.settings import Settings

blp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
                static_url_path="/assets")

F = TypeVar("F", bound=Callable[..., Any])

SESSION_HOURS = 8
SECRET_FILE = "session_secret"
# 32 characters: a key made by `openssl rand -hex 32` has 64; anything shorter is a placeholder.
MIN_SECRET_CHARS = 32
SESSION_KEY = "sid"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere: what the pages need comes from /assets.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'")


class PageError(Exception):
    """A page that cannot be shown, with the status and the words for the person."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def archive() -> Archive:
    return current_app.extensions["originality"]  # type: ignore[no-any-return]


def configure(app: Flask) -> None:
    settings: Settings = app.extensions["originality.settings"]
    app.secret_key = session_secret(settings, development=bool(
        app.testing or app.config.get("DEVELOPMENT")))
    app.config.update(
        SESSION_COOKIE_NAME="originality_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.jinja_env.globals.update(csrf_field=csrf_field, viewer=lambda: g.get("principal"))
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["percent"] = percent


def session_secret(settings: Settings, development: bool) -> str:
    """The key that signs session cookies: ``ORIGINALITY_SECRET_KEY``, the same on every API
    machine, or a cookie made by one is refused by the others. Only in development (``serve
    --dev``, the tests) is one made when it is missing, kept in the data dir; elsewhere a
    missing or short key stops the process before it serves anything."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_CHARS:
            raise SecretKeyMissing(f"ORIGINALITY_SECRET_KEY is {len(settings.secret_key)} characters "
                                   f"long; it needs at least {MIN_SECRET_CHARS} random ones "
                                   f"(e.g. openssl rand -hex 32)")
        return settings.secret_key
    if development:
        return _installation_secret(settings.data_dir)
    raise SecretKeyMissing("ORIGINALITY_SECRET_KEY is not set: give every API machine the same "
                           "random value (e.g. openssl rand -hex 32), or run 'originality serve "
                           "--dev' on a laptop")


def _installation_secret(data_dir: Path) -> str:
    """A development key kept in ``data_dir``, made on first use; the first process to write it
    wins, so the processes of one machine accept each other's cookies."""
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be between creating and writing it
            value = path.read_text(encoding="ascii").strip()
            if value:
                return value
            time.sleep(0.02)
        raise
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


# -- who is looking ----------------------------------------------------------------------------


def _bearer() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def current_principal() -> Principal | None:
    """The bearer token's principal, else the signed-in session's."""
    db = archive().db
    token = _bearer()
    if token:
        g.via_header = True
        return authenticate(db, token)
    g.via_header = False
    key = session.get(SESSION_KEY)
    return session_principal(db, key) if isinstance(key, str) else None


def page(*roles: str) -> Callable[[F], F]:
    """Show the page only to a principal of one of ``roles``; ``g.principal`` is set.

    Nobody signed in: 401 with the sign-in form. A role that may not: 403.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = current_principal()
            if who is None:
                return signin_page(401, next_url=request.full_path.rstrip("?"))
            g.principal = who
            if who.role not in roles:
                raise PageError(403, "Not for your role",
                                f"This page is for {' or '.join(roles)}; you are signed in as "
                                f"{who.role} {who.name}.")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def principal() -> Principal:
    return g.principal  # type: ignore[no-any-return]


# -- CSRF ---------------------------------------------------------------------------------------


def csrf_secret() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_secret())


@blp.before_request
def check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or _bearer():
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise PageError(400, "The form has expired",
                        "This form was not sent from a page of this session (or the session "
                        "ended). Go back, reload the page and send it again.")


# -- sign-in ------------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return url_for("pages.home")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return url_for("pages.home")
    return value


def signin_page(status: int = 200, next_url: str | None = None, error: str | None = None) -> Any:
    return render_template("pages/signin.html", next_url=_safe_next(next_url), error=error), status


@blp.route("/signin", methods=["GET"])
def signin_form() -> Any:
    return signin_page(next_url=request.args.get("next"))


SIGNIN_REFUSALS = {"token_revoked": "That token was revoked. Ask for a new one.",
                   "token_expired": "That token has expired. Ask for a new one."}


@blp.route("/signin", methods=["POST"])
def signin() -> Any:
    token = request.form.get("token", "").strip()
    next_url = request.form.get("next")
    try:
        who = resolve(archive().db, token)
    except Unauthenticated as error:
        return signin_page(401, next_url, SIGNIN_REFUSALS.get(
            error.code, "That token is not valid. Check that you copied all of it, or ask for "
                        "a new one."))
    session.clear()  # a new session for a new sign-in: no fixation of an earlier one
    session.permanent = True
    session[SESSION_KEY] = start_session(archive().db, who.token_id, SESSION_HOURS)
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(_safe_next(next_url), 303)


@blp.route("/signout", methods=["POST"])
def signout() -> Any:
    key = session.get(SESSION_KEY)
    if isinstance(key, str):
        end_session(archive().db, key)  # a copy of the cookie elsewhere ends with it
    session.clear()
    return redirect(url_for("pages.signin_form"), 303)


# -- how pages look and fail --------------------------------------------------------------------


@blp.after_request
def page_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "pages.static":  # reports are personal data: never kept in caches
        response.headers["Cache-Control"] = "no-store"
    return response


@blp.app_errorhandler(PageError)
def page_error(error: PageError) -> Any:
    return render_template("pages/error.html", title=error.title, message=error.message), error.status


@blp.errorhandler(OriginalityError)
def domain_error(error: OriginalityError) -> Any:
    titles = {404: "Not found", 409: "Not possible now", 400: "Not accepted"}
    return render_template("pages/error.html", title=titles.get(error.http_status, "Error"),
                           message=error.message, code=error.code), error.http_status


def when(value: datetime | str | None) -> Markup:
    """A moment as ``<time>``: UTC in the HTML, the viewer's zone once assets/local-time.js ran."""
    if value is None:
        return Markup("\u2014")
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return Markup('<time datetime="{}">{} UTC</time>').format(
        value.strftime("%Y-%m-%dT%H:%M:%SZ"), value.strftime("%Y-%m-%d %H:%M"))


def percent(value: float | None) -> str:
    """A similarity, share or threshold as every page and report shows it (``percents``)."""
    return "\u2014" if value is None else shown_percent(value)
