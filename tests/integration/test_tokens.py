"""Tokens and sessions: made with an expiry, listed and revoked from the command line and by
staff through the API; an expired or revoked token answered 401 with its own code; signing out
ends the session on the server, so a copied cookie stops working. Real SQLite database, the
Flask test client, and the command line as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from originality.errors import SecretKeyMissing
from originality.store.access import create_token, token_digest
from originality.store.models import AuditLog, Token, WebSession, utcnow
from tests.integration.test_pages_session import make_app, sign_in
from tests.support import ServiceApp, running

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceApp]:
    yield from running(ServiceApp, tmp_path, monkeypatch)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(answer: object) -> str:
    return answer.get_json()["error"]["code"]  # type: ignore[attr-defined, no-any-return]


def test_staff_make_list_and_revoke_tokens_through_the_api(service: ServiceApp) -> None:
    made = service.client.post("/api/v1/tokens", headers=service.headers("staff"),
                               json={"role": "assessor", "name": "carol", "expires_in_days": 30})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["token"].startswith("orig_") and body["status"] == "active"
    assert body["role"] == "assessor" and body["name"] == "carol" and body["revoked_at"] is None
    days = (body["expires_at"], body["created_at"])
    assert all(day.endswith("+00:00") for day in days)
    carol = bearer(body["token"])
    assert service.client.get("/api/v1/projects/p1/review-threshold", headers=carol).status_code == 200

    listed = service.get("/api/v1/tokens").get_json()["tokens"]
    assert [t["name"] for t in listed] == ["lms", "dean", "ada", "bob", "carol"]
    assert all("token" not in t and "token_hash" not in t for t in listed)

    revoked = service.client.post(f"/api/v1/tokens/{body['id']}/revoke",
                                  headers=service.headers("staff"), json={"why": "left the school"})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    answer = service.client.get("/api/v1/projects/p1/review-threshold", headers=carol)
    assert answer.status_code == 401 and error_of(answer) == "token_revoked"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    # Revoking again keeps the first time; an unknown id is 404.
    again = service.client.post(f"/api/v1/tokens/{body['id']}/revoke", headers=service.headers("staff"))
    assert again.status_code == 200 and again.get_json()["revoked_at"] == revoked.get_json()["revoked_at"]
    assert service.client.post("/api/v1/tokens/999/revoke",
                               headers=service.headers("staff")).status_code == 404

    with service.archive.db.sessions() as session:
        # The fixture's four tokens came first, made as by the command line.
        audit = [(row.action, row.actor, row.subject, row.why)
                 for row in session.scalars(select(AuditLog).order_by(AuditLog.id))][4:]
    assert audit == [("token.created", "dean", f"token:{body['id']}", ""),
                     ("token.revoked", "dean", f"token:{body['id']}", "left the school")]


@pytest.mark.parametrize("role", ["platform", "assessor", None])
def test_only_staff_may_touch_tokens(service: ServiceApp, role: str | None) -> None:
    status = 401 if role is None else 403
    assert service.get("/api/v1/tokens", role=role).status_code == status
    made = service.client.post("/api/v1/tokens", headers=service.headers(role),
                               json={"role": "staff", "name": "mallory"})
    assert made.status_code == status
    assert service.client.post("/api/v1/tokens/1/revoke",
                               headers=service.headers(role)).status_code == status


@pytest.mark.parametrize("body, field", [({"role": "root", "name": "x"}, "role"),
                                         ({"role": "staff", "name": ""}, "name"),
                                         ({"role": "staff", "name": "   "}, "name"),
                                         ({"role": "staff", "name": "x", "expires_in_days": 0},
                                          "expires_in_days")])
def test_a_bad_token_request_is_refused_with_the_field_named(service: ServiceApp, body: dict[str, object],
                                                             field: str) -> None:
    answer = service.client.post("/api/v1/tokens", headers=service.headers("staff"), json=body)
    assert answer.status_code == 422 and field in answer.get_json()["error"]["message"]


def test_an_expired_token_is_refused_with_its_own_code(service: ServiceApp) -> None:
    db = service.archive.db
    token = create_token(db, "staff", "temp", expires_in_days=1)
    assert service.client.get("/api/v1/tokens", headers=bearer(token)).status_code == 200
    with db.session() as session:
        session.execute(update(Token).where(Token.token_hash == token_digest(token))
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    answer = service.client.get("/api/v1/tokens", headers=bearer(token))
    assert answer.status_code == 401 and error_of(answer) == "token_expired"
    listed = {t["name"]: t["status"] for t in service.get("/api/v1/tokens").get_json()["tokens"]}
    assert listed["temp"] == "expired"
    unknown = service.client.get("/api/v1/tokens", headers=bearer("orig_nobody"))
    assert unknown.status_code == 401 and error_of(unknown) == "unauthorized"


# -- pages: sessions on the server ---------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    built = make_app(tmp_path)
    try:
        yield built
    finally:
        built.extensions["originality"].close()


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app: Flask) -> None:
    token = create_token(app.extensions["originality"].db, "staff", "dean")
    client = app.test_client()
    sign_in(client, token)
    cookie = client.get_cookie("originality_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("originality_session", cookie.value)
    assert thief.get("/queue").status_code == 200
    page = client.get("/queue").get_data(as_text=True)
    from tests.integration.test_pages_session import csrf_of

    assert client.post("/signout", data={"csrf_token": csrf_of(page)}).status_code == 303
    assert thief.get("/queue").status_code == 401  # the copy is dead with the original
    assert client.get("/queue").status_code == 401
    with app.extensions["originality"].db.sessions() as session:
        [row] = session.scalars(select(WebSession))
        assert row.ended_at is not None


def test_a_session_ends_after_its_hours_and_with_its_token(app: Flask) -> None:
    db = app.extensions["originality"].db
    token = create_token(db, "staff", "dean")
    client = app.test_client()
    sign_in(client, token)
    assert client.get("/queue").status_code == 200
    with db.session() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/queue").status_code == 401

    sign_in(client, token)
    assert client.get("/queue").status_code == 200
    with db.session() as session:
        session.execute(update(Token).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/queue").status_code == 401
    refused = sign_in(client, token)
    assert refused.status_code == 401 and "expired" in refused.get_data(as_text=True)
    with db.session() as session:
        session.execute(update(Token).values(expires_at=None))
    sign_in(client, token)  # a sign-in clears the sessions that expired
    with db.sessions() as session:
        left = session.scalars(select(WebSession)).all()
    assert len(left) == 2 and all(row.expires_at > utcnow() for row in left)


# -- the cookie key -------------------------------------------------------------------------------


def test_the_api_refuses_to_build_without_a_cookie_key_outside_development(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import create_app

    monkeypatch.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORIGINALITY_SECRET_KEY")
    config = {"DATA_DIR": str(tmp_path / "data"), "INDEX": "memory",
              "REDIS_URL": "redis://127.0.0.1:9/0"}
    with pytest.raises(SecretKeyMissing, match="ORIGINALITY_SECRET_KEY is not set"):
        create_app(config)
    with pytest.raises(SecretKeyMissing, match="at least 32"):
        create_app({**config, "SECRET_KEY": "short"})
    key = "k" * 64
    built = create_app({**config, "SECRET_KEY": key})
    try:
        assert built.secret_key == key
    finally:
        built.extensions["originality"].close()
    assert not (tmp_path / "data" / "session_secret").exists()  # nothing kept on the disk


# -- the command line -----------------------------------------------------------------------------


def originality(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env["ORIGINALITY_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "originality", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=REPO)


def test_token_create_list_and_revoke_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = originality(data, "token", "create", "--role", "platform", "--name", "lms",
                       "--expires-in", "90")
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[0] == "token 1 for platform lms, expires in 90 days:"
    token = made.stdout.splitlines()[-1]
    assert originality(data, "token", "create", "--role", "staff", "--name", "dean").returncode == 0

    listed = originality(data, "token", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert [(r[0], r[1], r[2], r[-1]) for r in rows] == [("1", "platform", "active", "lms"),
                                                         ("2", "staff", "active", "dean")]
    assert token not in listed.stdout

    revoked = originality(data, "token", "revoke", "1", "--why", "leaked in a log")
    assert revoked.returncode == 0 and revoked.stdout.startswith("token 1 (platform lms) revoked at")
    listed = originality(data, "token", "list").stdout
    assert listed.splitlines()[1].split()[2] == "revoked"

    app = make_app(tmp_path)
    try:
        answer = app.test_client().get("/api/v1/submissions/x", headers=bearer(token))
        assert answer.status_code == 401 and error_of(answer) == "token_revoked"
    finally:
        app.extensions["originality"].close()

    missing = originality(data, "token", "revoke", "7")
    assert missing.returncode == 1 and "not_found: no token 7" in missing.stderr
    bad = originality(data, "token", "create", "--role", "staff", "--name", "x", "--expires-in", "0")
    assert bad.returncode == 2 and "expires_in_days must be from 1" in bad.stderr
