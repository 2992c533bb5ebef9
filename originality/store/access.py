"""Bearer tokens (stored as SHA-256 digests, never in clear): made, listed, expired and revoked;
and the report access log."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..errors import NotFound, TokenExpired, TokenRevoked, Unauthenticated, UsageError
from .db import Database
from .models import AccessLog, AuditLog, Submission, Token, utcnow

ROLES = ("platform", "assessor", "staff")
# Random bytes of a token (``secrets.token_urlsafe``): 256 bits, the ``secrets`` module's own
# default (``secrets.DEFAULT_ENTROPY``).
TOKEN_BYTES = 32
# A token lives at most about ten years: a longer expiry is almost surely a typo (a date
# pasted as a number of days).
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's id, role and name (an assessor's name is their assessor_id)."""

    token_id: int
    role: str
    name: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_state(row: Token, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked`` (revoked wins: it was someone's decision)."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def token_info(row: Token) -> dict[str, Any]:
    """A token as listed: never its secret (which is not stored anyway)."""
    return {"id": row.id, "name": row.name, "role": row.role, "created_at": row.created_at,
            "expires_at": row.expires_at, "revoked_at": row.revoked_at,
            "status": token_state(row)}


def issue_token(db: Database, role: str, name: str, expires_in_days: int | None = None,
                actor: str = "cli", actor_role: str = "cli") -> tuple[int, str]:
    """A new random token for ``role``, expiring after ``expires_in_days`` (None: never);
    only its digest is stored, and the making is audited. Returns its id and the token."""
    problems = []
    if role not in ROLES:
        problems.append(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not name.strip():
        problems.append("a token needs a name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        problems.append(f"expires_in_days must be from 1 to {MAX_EXPIRY_DAYS}, got {expires_in_days}")
    if problems:
        raise UsageError("; ".join(problems))
    token = "orig_" + secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    expires = now + timedelta(days=expires_in_days) if expires_in_days is not None else None
    with db.session() as session:
        row = Token(name=name, role=role, token_hash=token_digest(token), created_at=now,
                    expires_at=expires)
        session.add(row)
        session.flush()
        session.add(AuditLog(at=now, actor=actor, role=actor_role, action="token.created",
                             subject=f"token:{row.id}", why="",
                             detail=json.dumps({"role": role, "name": name,
                                                "expires_in_days": expires_in_days})))
        return row.id, token


def create_token(db: Database, role: str, name: str, expires_in_days: int | None = None) -> str:
    """``issue_token`` from the command line: the token alone."""
    return issue_token(db, role, name, expires_in_days)[1]


def list_tokens(db: Database) -> list[dict[str, Any]]:
    """Every token ever made, oldest first, with its state."""
    with db.sessions() as session:
        return [token_info(row) for row in session.scalars(select(Token).order_by(Token.id))]


def get_token(db: Database, token_id: int) -> dict[str, Any]:
    with db.sessions() as session:
        row = session.get(Token, token_id)
        if row is None:
            raise NotFound(f"no token {token_id}")
        return token_info(row)


def revoke_token(db: Database, token_id: int, actor: str = "cli", actor_role: str = "cli",
                 why: str = "") -> dict[str, Any]:
    """Revoke a token now: its requests get 401 ``token_revoked`` and its page sessions end.
    Revoking it again changes nothing (the first time stays); audited once."""
    with db.session() as session:
        row = session.get(Token, token_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(AuditLog(at=row.revoked_at, actor=actor, role=actor_role,
                                 action="token.revoked", subject=f"token:{row.id}", why=why,
                                 detail=json.dumps({"role": row.role, "name": row.name})))
        session.flush()
        return token_info(row)


def principal_of_token(row: Token | None) -> Principal:
    """The principal of a token's row; raises ``Unauthenticated`` saying why it is not valid."""
    if row is None:
        raise Unauthenticated("a valid bearer token is required")
    state = token_state(row)
    if state == "revoked":
        raise TokenRevoked("this token was revoked; ask for a new one")
    if state == "expired":
        raise TokenExpired("this token has expired; ask for a new one")
    return Principal(row.id, row.role, row.name)


def resolve(db: Database, token: str) -> Principal:
    """The principal of a bearer token; raises ``Unauthenticated`` (401) with a code that says
    why: ``unauthorized`` (none, or unknown), ``token_revoked`` or ``token_expired``."""
    if not token:
        raise Unauthenticated("a valid bearer token is required")
    with db.sessions() as session:
        return principal_of_token(session.scalar(select(Token).filter_by(token_hash=token_digest(token))))


def authenticate(db: Database, token: str) -> Principal | None:
    """The principal of a valid token, else None."""
    try:
        return resolve(db, token)
    except Unauthenticated:
        return None


def may_see(who: Principal, submission: Submission | None) -> bool:
    """The scope rule of API and pages alike: an assessor sees only the submissions assigned
    to them; the other roles see every one. A missing submission is seen by nobody."""
    return submission is not None and (who.role != "assessor" or submission.assessor_id == who.name)


def log_access(db: Database, principal: Principal | None, submission_id: str, action: str,
               outcome: int, student_id: str | None = None, project_id: str | None = None) -> None:
    """One read of personal data: a submission's report (``submission_id``), data about a
    student as a whole (``student_id``), or a page naming a project's students
    (``project_id``); ``submission_id`` is empty for the last two."""
    with db.session() as session:
        session.add(AccessLog(at=utcnow(), token_id=principal.token_id if principal else None,
                              role=principal.role if principal else None,
                              name=principal.name if principal else None,
                              submission_id=submission_id[:64], action=action, outcome=outcome,
                              student_id=student_id[:200] if student_id is not None else None,
                              project_id=project_id))
