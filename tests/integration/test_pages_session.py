"""Signing in to the pages: the session cookie, CSRF, redirects and revocation (Flask test
client on a real SQLite database)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from originality.store.access import create_token, token_digest
from originality.store.models import Token, utcnow


def make_app(root: Path) -> Flask:
    from api import create_app

    return create_app({"DATA_DIR": str(root / "data"), "INDEX": "memory",
                       "REDIS_URL": "redis://127.0.0.1:9/0", "TESTING": True})


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORIGINALITY_SECRET_KEY", raising=False)
    built = make_app(tmp_path)
    try:
        yield built
    finally:
        built.extensions["originality"].close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: Any, token: str, next_url: str = "/") -> Any:
    form = client.get("/signin")
    return client.post("/signin", data={"token": token, "next": next_url,
                                        "csrf_token": csrf_of(form.get_data(as_text=True))})


def test_signing_in_sets_a_hardened_cookie_and_leads_where_the_person_was_going(app: Flask) -> None:
    token = create_token(app.extensions["originality"].db, "staff", "dean")
    client = app.test_client()
    answer = client.get("/queue")
    assert answer.status_code == 401 and 'name="token"' in answer.get_data(as_text=True)
    answer = sign_in(client, token, "/queue?status=all")
    assert answer.status_code == 303 and answer.headers["Location"] == "/queue?status=all"
    cookie = answer.headers["Set-Cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=Lax"):
        assert flag in cookie
    assert token not in cookie  # the session names the token's id, never the token
    page = client.get("/queue")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_sign_in_never_redirects_to_another_site(app: Flask, target: str) -> None:
    token = create_token(app.extensions["originality"].db, "staff", "dean")
    answer = sign_in(app.test_client(), token, target)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"


def test_a_wrong_token_or_a_missing_csrf_secret_signs_nobody_in(app: Flask) -> None:
    token = create_token(app.extensions["originality"].db, "staff", "dean")
    client = app.test_client()
    answer = sign_in(client, "orig_wrong")
    assert answer.status_code == 401 and "not valid" in answer.get_data(as_text=True)
    answer = client.post("/signin", data={"token": token})  # no CSRF secret: a forged form
    assert answer.status_code == 400
    assert client.get("/queue").status_code == 401


def test_revoking_the_token_ends_its_sessions(app: Flask) -> None:
    db = app.extensions["originality"].db
    token = create_token(db, "staff", "dean")
    client = app.test_client()
    sign_in(client, token)
    assert client.get("/queue").status_code == 200
    with db.session() as session:
        session.execute(update(Token).where(Token.token_hash == token_digest(token))
                        .values(revoked_at=utcnow()))
    assert client.get("/queue").status_code == 401


def test_every_process_of_an_installation_accepts_the_same_session(app: Flask, tmp_path: Path) -> None:
    token = create_token(app.extensions["originality"].db, "staff", "dean")
    client = app.test_client()
    sign_in(client, token)
    cookie = client.get_cookie("originality_session")
    assert cookie is not None
    other = make_app(tmp_path)  # a second process on the same data dir
    try:
        assert other.secret_key == app.secret_key
        second = other.test_client()
        second.set_cookie("originality_session", cookie.value)
        assert second.get("/queue").status_code == 200
    finally:
        other.extensions["originality"].close()


def test_the_bearer_header_opens_pages_without_a_session_or_csrf(app: Flask) -> None:
    token = create_token(app.extensions["originality"].db, "assessor", "ada")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert client.get("/submissions", headers=headers).status_code == 200
    assert client.get("/queue", headers=headers).status_code == 403
    assert client.get("/submissions", headers={"Authorization": "Bearer orig_wrong"}).status_code == 401
