"""The outbox: webhook events written with what caused them, and the relay that delivers them.

An event (``submission.checked``, ``submission.flagged``, ``sanction.decided``) is a row of
``events`` added by :func:`record` in the caller's own transaction, so it exists exactly when
what it reports was committed, whatever happens to the broker or the receiver afterwards.
:class:`Outbox` relays each pending event to the webhook URL until the receiver answers 2xx:
at least once, retried with exponential backoff, and after ``attempts`` failures left ``dead``
for staff to see and re-send. Any number of relays may run (every worker runs one): each claims
an event in the database before posting it, so two never post it at the same time.

Each delivery is signed over a timestamp and the body, afresh at each attempt
(:func:`signature`), so a receiver can refuse an old one replayed (:func:`verify`;
``docs/contract.md``, "Webhooks"). The body is the stored JSON, the same bytes at every
attempt; its ``id`` lets a receiver drop a delivery it has handled already.

Like the rest of the engine it imports neither Flask nor Celery: the worker runs the relay.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .errors import EventConflict, NotFound, UsageError
from .store.db import Database
from .store.models import AuditLog, EventRow, utcnow
from .store.settings import WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF

log = logging.getLogger("originality.relay")

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
STATUSES = (PENDING, DELIVERED, DEAD)
SIGNATURE_HEADER = "X-Originality-Signature"
EVENT_HEADER = "X-Originality-Event"
EVENT_ID_HEADER = "X-Originality-Event-Id"
# How old a signature receivers should accept (docs/contract.md). Each attempt is signed when
# it is sent, so only a replay or a clock off by minutes is refused.
TOLERANCE_SECONDS = 300
# No answer within this long is a failed attempt, as docs/contract.md ("Webhooks") tells
# receivers: a judgment, not measured; a receiver answers once the event is stored and does
# the slow work after (step 4 there).
POST_TIMEOUT_SECONDS = 10.0
# A claimed event is due again this long after its claim if its relay never recorded how the
# post went (the process died): longer than any post may take.
CLAIM_SECONDS = 6 * POST_TIMEOUT_SECONDS
# The wait between attempts doubles from the settings' base up to this.
# An hour, as docs/contract.md ("Webhooks") promises: with ``settings.WEBHOOK_ATTEMPTS`` from
# 30 s, a receiver may be down about five hours. A judgment, not measured.
MAX_BACKOFF_SECONDS = 3600.0
# Events per relay pass; the next pass takes the rest.
# A judgment, not measured: posts go one after another, so a pass to a receiver that hangs
# takes at most 100 x POST_TIMEOUT_SECONDS.
BATCH = 100
# Characters of a failed attempt's error kept on its event (``last_error``, listed for staff):
# a judgment, enough for an exception's message or an HTTP status.
ERROR_CHARS = 500

# Posts a body to a URL with headers; returns the HTTP status, raises when nothing answered.
Poster = Callable[[str, bytes, dict[str, str]], int]


def record(session: Session, event_type: str, data: dict[str, Any],
           now: datetime | None = None) -> dict[str, Any]:
    """Add an event to the outbox in the caller's transaction; returns the event as posted."""
    if now is None:
        at = utcnow()
    else:  # stored times are naive UTC
        at = now if now.tzinfo is None else now.astimezone(UTC).replace(tzinfo=None)
    event = {"id": uuid.uuid4().hex, "type": event_type,
             # To the microsecond: deliveries come in any order, and a check failed and run again
             # within a second sends two submission.checked the receiver must put in order.
             "created_at": at.replace(tzinfo=UTC).isoformat(timespec="microseconds"), "data": data}
    session.add(EventRow(id=event["id"], type=event_type, created_at=at,
                         data=json.dumps(event, sort_keys=True), status=PENDING, attempts=0,
                         next_attempt_at=at, **named(data)))
    return event


def named(data: dict[str, Any]) -> dict[str, str | None]:
    """The submission and the case an event's data names, as its row keeps them."""
    return {"submission_id": data.get("submission_id"), "case_id": data.get("case_id")}


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return f"t={timestamp},v1=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify(secret: str, header: str, body: bytes, now: float | None = None,
           tolerance: float = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header parses, its time is within ``tolerance`` of ``now``,
    and one of its ``v1`` signatures matches (compared in constant time)."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        [raw_t] = parts.get("t", [])
        timestamp = int(raw_t)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))


def backoff(attempt: int, base: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...)."""
    return float(min(MAX_BACKOFF_SECONDS, base * 2 ** (attempt - 1)))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the receiver's answer, not followed: urllib turns a 301, 302 or 303 after a
    POST into a GET without the body, which the new place may answer 200, and the event would
    be marked delivered though its body never arrived. A 3xx is a failed attempt (retried, then
    dead for staff to see), as docs/contract.md says of any status but 2xx."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST with the standard library, never following a redirect; an HTTP error status is
    returned, not raised."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _OPENER.open(request, timeout=POST_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except urllib.error.URLError as error:
        # What staff read in ``last_error``: "ConnectionRefusedError: ...", not urllib's wrapper.
        if isinstance(error.reason, Exception):
            raise error.reason from error
        raise


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.replace(tzinfo=UTC).isoformat()


class Outbox:
    """The events of one database: relayed to ``url`` signed with ``secret`` (the relay), and
    listed and re-sent for staff (which needs neither)."""

    def __init__(self, db: Database, url: str = "", secret: str = "",
                 attempts: int = WEBHOOK_ATTEMPTS, backoff_seconds: float = WEBHOOK_BACKOFF,
                 poster: Poster = post) -> None:
        if url and not secret:
            raise UsageError("a webhook URL needs a webhook secret to sign its events")
        self.db, self.url, self.secret = db, url, secret
        self.attempts, self.backoff_seconds, self.poster = attempts, backoff_seconds, poster

    # -- the relay ---------------------------------------------------------------------------

    def due(self, limit: int = BATCH) -> list[str]:
        """Pending events whose time has come, oldest first."""
        with self.db.sessions() as session:
            return list(session.scalars(
                select(EventRow.id).where(EventRow.status == PENDING,
                                          EventRow.next_attempt_at <= utcnow())
                .order_by(EventRow.created_at, EventRow.id).limit(limit)))

    def relay(self, limit: int = BATCH) -> int:
        """Deliver the events that are due; returns how many a receiver took. Without a
        webhook URL nothing is sent, and the events wait."""
        if not self.url:
            return 0
        return sum(self.deliver(event_id) == DELIVERED for event_id in self.due(limit))

    def deliver(self, event_id: str) -> str | None:
        """One attempt at one event, if it is due and no other relay holds it; returns its
        status afterwards (None when it was not ours to send)."""
        if not self.url:
            return None
        now = utcnow()
        with self.db.session() as session:
            claimed = session.execute(
                update(EventRow)
                .where(EventRow.id == event_id, EventRow.status == PENDING,
                       EventRow.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
                        attempts=EventRow.attempts + 1)).rowcount  # type: ignore[attr-defined]
            if claimed != 1:
                return None
            row = session.get(EventRow, event_id)
            assert row is not None
            body, event_type, attempt = row.data.encode("utf-8"), row.type, row.attempts
        headers = {"Content-Type": "application/json", "User-Agent": "originality-relay",
                   EVENT_HEADER: event_type, EVENT_ID_HEADER: event_id,
                   SIGNATURE_HEADER: signature(self.secret, body, int(time.time()))}
        try:
            answered = self.poster(self.url, body, headers)
            error = None if 200 <= answered < 300 else f"HTTP {answered}"
        except Exception as failure:  # refused, timed out, DNS: the receiver is not there
            error = f"{type(failure).__name__}: {failure}"
        return self._outcome(event_id, event_type, attempt, error)

    def _outcome(self, event_id: str, event_type: str, attempt: int, error: str | None) -> str:
        now = utcnow()
        values: dict[str, Any]
        if error is None:
            status = DELIVERED
            values = {"status": DELIVERED, "delivered_at": now, "next_attempt_at": None,
                      "last_error": None}
        elif attempt >= self.attempts:
            status = DEAD
            values = {"status": DEAD, "next_attempt_at": None, "last_error": error[:ERROR_CHARS]}
        else:
            status = PENDING
            wait = backoff(attempt, self.backoff_seconds)
            values = {"next_attempt_at": now + timedelta(seconds=wait),
                      "last_error": error[:ERROR_CHARS]}
        with self.db.session() as session:
            session.execute(update(EventRow)
                            .where(EventRow.id == event_id, EventRow.status == PENDING)
                            .values(**values))
        where = {"event_id": event_id, "event_type": event_type, "attempt": attempt}
        if status == DELIVERED:
            log.info("delivered %s %s (attempt %d)", event_type, event_id, attempt, extra=where)
        elif status == DEAD:
            log.error("gave up on %s %s after %d attempts: %s", event_type, event_id, attempt,
                      error, extra=where)
        else:
            log.warning("delivery of %s %s failed (attempt %d of %d): %s; next in %.0f s",
                        event_type, event_id, attempt, self.attempts, error,
                        backoff(attempt, self.backoff_seconds), extra=where)
        return status

    def adopt(self, event: dict[str, Any]) -> bool:
        """Take over an event a release before the outbox queued for direct delivery (a
        process not yet upgraded, during a rolling upgrade): stored if it is not (that release
        never stored ``submission.checked``), or made pending if the row is one that release
        wrote (``delivered`` by the column's default, never tried here). True if it is now
        the relay's to send."""
        now = utcnow()
        with self.db.session() as session:
            row = session.get(EventRow, event["id"])
            if row is None:
                session.add(EventRow(id=event["id"], type=event["type"], created_at=now,
                                     data=json.dumps(event, sort_keys=True), status=PENDING,
                                     attempts=0, next_attempt_at=now,
                                     **named(event.get("data") or {})))
                return True
            if row.status == DELIVERED and row.delivered_at is None and row.attempts == 0:
                row.status, row.next_attempt_at = PENDING, now
                return True
            return False

    # -- for staff ---------------------------------------------------------------------------

    def events(self, status: str | None = DEAD, limit: int = 100,
               after: str | None = None) -> list[dict[str, Any]]:
        """Events of one status (every status for None), newest first; ``after``: those that
        come after that event in this order (a page's last), so any number can be walked."""
        if status is not None and status not in STATUSES:
            raise UsageError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        query = select(EventRow).order_by(EventRow.created_at.desc(), EventRow.id).limit(limit)
        if status is not None:
            query = query.where(EventRow.status == status)
        with self.db.sessions() as session:
            if after is not None:
                last = session.get(EventRow, after)
                if last is None:
                    raise NotFound(f"no event {after}")
                query = query.where(or_(EventRow.created_at < last.created_at,
                                        and_(EventRow.created_at == last.created_at, EventRow.id > last.id)))
            return [self._dict(row) for row in session.scalars(query)]

    def counts(self) -> dict[str, int]:
        """How many events are in each status."""
        with self.db.sessions() as session:
            found = {status: count for status, count in session.execute(
                select(EventRow.status, func.count()).group_by(EventRow.status))}
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def get(self, event_id: str) -> dict[str, Any]:
        with self.db.sessions() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"no event {event_id}")
            return self._dict(row)

    def resend(self, event_id: str, actor: str, role: str, note: str = "") -> dict[str, Any]:
        """Put a dead (or delivered) event back in the queue with a fresh count of attempts;
        audited. The receiver gets the same body, with the same id."""
        now = utcnow()
        with self.db.session() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise NotFound(f"no event {event_id}")
            if row.status == PENDING:
                raise EventConflict(f"event {event_id} is already waiting to be delivered")
            before, attempts = row.status, row.attempts
            row.status, row.attempts, row.next_attempt_at = PENDING, 0, now
            row.last_error = row.delivered_at = None  # pending again: delivered at the next success
            session.add(AuditLog(at=now, actor=actor, role=role, action="event.resent",
                                 subject=f"event:{event_id}", why=note,
                                 detail=json.dumps({"type": row.type, "status": before,
                                                    "attempts": attempts})))
        return self.get(event_id)

    @staticmethod
    def _dict(row: EventRow) -> dict[str, Any]:
        return {"id": row.id, "type": row.type, "status": row.status, "attempts": row.attempts,
                "created_at": _iso(row.created_at), "next_attempt_at": _iso(row.next_attempt_at),
                "delivered_at": _iso(row.delivered_at), "last_error": row.last_error,
                "event": json.loads(row.data)}


__all__ = ["DEAD", "DELIVERED", "EVENT_HEADER", "EVENT_ID_HEADER", "Outbox", "PENDING",
           "SIGNATURE_HEADER", "STATUSES", "TOLERANCE_SECONDS", "backoff", "post", "record",
           "signature", "verify"]
