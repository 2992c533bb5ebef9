"""The pages' sessions, kept in the database (``web_sessions``).

The session cookie is signed, but a signed cookie alone stays valid until it expires, wherever
it was copied to. So the cookie carries a random key, and the key's digest names a row here:
each request looks the row up, signing out ends it, and revoking (or the expiry of) the token
it was signed in with ends it too.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from ..errors import Unauthenticated
from .access import Principal, principal_of_token
from .db import Database
from .models import Token, WebSession, utcnow

# Random bytes of a page session's key (``secrets.token_urlsafe``): 256 bits, the ``secrets``
# module's own default (``secrets.DEFAULT_ENTROPY``).
KEY_BYTES = 32


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(db: Database, token_id: int, hours: float) -> str:
    """A new session for the principal of ``token_id``, ending after ``hours`` at the latest;
    returns the key for the cookie (only its digest is stored)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    now = utcnow()
    with db.session() as session:
        # Sessions that ended or expired are of no further use: each sign-in clears them.
        session.execute(delete(WebSession).where(
            or_(WebSession.expires_at <= now, WebSession.ended_at.is_not(None))))
        session.add(WebSession(key_hash=_digest(key), token_id=token_id, created_at=now,
                               expires_at=now + timedelta(hours=hours)))
    return key


def session_principal(db: Database, key: str) -> Principal | None:
    """Who the session with this key belongs to; None once it was signed out, has expired, or
    its token was revoked or has expired."""
    if not key:
        return None
    with db.sessions() as session:
        found = session.execute(
            select(WebSession, Token).join(Token, Token.id == WebSession.token_id)
            .where(WebSession.key_hash == _digest(key))).first()
        if found is None:
            return None
        row, token = found
        if row.ended_at is not None or row.expires_at <= utcnow():
            return None
        try:
            return principal_of_token(token)
        except Unauthenticated:
            return None


def end_session(db: Database, key: str) -> None:
    """Sign out: the key's session ends now, whoever holds a copy of the cookie."""
    if not key:
        return
    with db.session() as session:
        session.execute(update(WebSession)
                        .where(WebSession.key_hash == _digest(key), WebSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))
