"""Bearer tokens (stored as SHA-256 digests, never in clear) and the report access log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..errors import UsageError
from .db import Database
from .models import AccessLog, Submission, Token, utcnow

ROLES = ("platform", "assessor", "staff")
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's id, role and name (an assessor's name is their assessor_id)."""

    token_id: int
    role: str
    name: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, role: str, name: str) -> str:
    """A new random token for ``role``; only its digest is stored."""
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not name.strip():
        raise UsageError("a token needs a name")
    token = "orig_" + secrets.token_urlsafe(TOKEN_BYTES)
    with db.session() as session:
        session.add(Token(name=name, role=role, token_hash=token_digest(token), created_at=utcnow()))
    return token


def authenticate(db: Database, token: str) -> Principal | None:
    if not token:
        return None
    with db.sessions() as session:
        row = session.scalar(select(Token).filter_by(token_hash=token_digest(token)))
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.role, row.name)


def may_see(who: Principal, submission: Submission | None) -> bool:
    """The scope rule of API and pages alike: an assessor sees only the submissions assigned
    to them; the other roles see every one. A missing submission is seen by nobody."""
    return submission is not None and (who.role != "assessor" or submission.assessor_id == who.name)


def principal_of(db: Database, token_id: int) -> Principal | None:
    """The principal of a signed-in session: its token, unless revoked since."""
    with db.sessions() as session:
        row = session.get(Token, token_id)
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.role, row.name)


def log_access(db: Database, principal: Principal | None, submission_id: str, action: str,
               outcome: int, student_id: str | None = None) -> None:
    """One read of personal data: a submission's report (``submission_id``), or data about a
    student as a whole (``student_id``, with an empty ``submission_id``)."""
    with db.session() as session:
        session.add(AccessLog(at=utcnow(), token_id=principal.token_id if principal else None,
                              role=principal.role if principal else None,
                              name=principal.name if principal else None,
                              submission_id=submission_id[:64], action=action, outcome=outcome,
                              student_id=student_id[:200] if student_id is not None else None))
