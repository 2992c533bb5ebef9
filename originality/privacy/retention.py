"""The retention run: data past its period (``policy.py``) removed, kind by kind.

``apply`` is what ``originality retention apply`` and the worker's daily run call. With
``dry_run`` it counts and changes nothing. Submissions are dated by their upload; a submission
a case in force holds (``holds.py``) keeps its upload, texts and report however old, and an
evaluation a case in force rests on as a repeat stays however old its submission. What was
removed is counted per kind and written to the audit log (``retention.applied``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..store.db import Database, transaction_lock
from ..store.models import (
    AccessLog,
    ArchiveEntry,
    AuditLog,
    CaseRow,
    JobStatus,
    ProjectStarter,
    Submission,
    utcnow,
)
from .erasure import (Removal, delete_case, erase_submission, finish, forget_fingerprints, forget_texts,
                      redact_and_clear)
from .holds import holds, last_decisions
from .policy import KINDS, RetentionPolicy

if TYPE_CHECKING:
    from ..archive import Archive

ACTION = "retention.applied"
# The run acts for the school's platform: in the audit log, and on the items it clears.
ROLE = "platform"


def _old(session: Session, cutoff: datetime) -> list[Submission]:
    """Finished, not erased submissions uploaded before ``cutoff``."""
    return list(session.scalars(select(Submission).where(
        Submission.created_at < cutoff, Submission.erased_at.is_(None),
        Submission.status.in_(JobStatus.FINISHED)).order_by(Submission.created_at, Submission.id)))


def last_run(db: Database) -> datetime | None:
    """When the retention policy was last applied (its latest audit row), if ever."""
    with db.sessions() as session:
        return session.scalar(select(func.max(AuditLog.at)).where(AuditLog.action == ACTION))


def due(db: Database, interval_seconds: float, now: datetime | None = None) -> bool:
    """Whether a scheduled run is due: never run, or last run ``interval_seconds`` ago. Read
    from the database, so a restarted worker (or one of several) does not run it again."""
    last = last_run(db)
    now = now or utcnow()
    return last is None or (now - last).total_seconds() >= interval_seconds


def apply(archive: Archive, policy: RetentionPolicy, now: datetime | None = None,
          dry_run: bool = False, actor: str = "retention") -> dict[str, Any]:
    """Remove what is past its period; returns ``{"dry_run", "removed": {kind: count}}``."""
    now = now or utcnow()
    removal = Removal()
    with archive.db.session() as session:
        # One run at a time (several workers may find it due at once); the second then finds
        # nothing left to remove.
        transaction_lock(session, "retention")
        found = holds(session, policy, now)
        held = set(found.submissions)
        # Whole submissions first: what they remove is not counted again below.
        cutoff = policy.cutoff("submissions", now)
        if cutoff is not None:
            erased = [s for s in _old(session, cutoff) if s.id not in held]
            for submission in erased:
                erase_submission(session, submission, now, removal, found.evaluations)
            # Once for them all: a cohort's reports name one another.
            redact_and_clear(session, [s.id for s in erased], now, actor, ROLE, removal)
        cutoff = policy.cutoff("fingerprints", now)
        if cutoff is not None:
            for submission in session.scalars(select(Submission).join(
                    ArchiveEntry, ArchiveEntry.submission_id == Submission.id)
                    .where(Submission.created_at < cutoff)):
                forget_fingerprints(session, submission, removal)
        cutoff = policy.cutoff("texts", now)
        if cutoff is not None:
            ids = [s.id for s in _old(session, cutoff) if s.id not in held]
            for start in range(0, len(ids), 200):
                forget_texts(session, ids[start : start + 200], removal)
        cutoff = policy.cutoff("uploads", now)
        if cutoff is not None:
            removal.expired |= _expired_uploads(session, cutoff, held)
        cutoff = policy.cutoff("cases", now)
        if cutoff is not None:
            last = last_decisions(session)
            for case in list(session.scalars(select(CaseRow))):
                decided = last.get(case.id)
                if case.id not in found.cases and decided is not None and decided.decided_at < cutoff:
                    delete_case(session, case.id, removal)
        cutoff = policy.cutoff("access_log", now)
        if cutoff is not None:
            removal.add("access_log", int(session.execute(
                delete(AccessLog).where(AccessLog.at < cutoff)).rowcount or 0))  # type: ignore[attr-defined]
        cutoff = policy.cutoff("audit_log", now)
        if cutoff is not None:
            # A case in force keeps its history, however old.
            kept = [f"case:{c}" for c in found.cases]
            query = delete(AuditLog).where(AuditLog.at < cutoff)
            if kept:
                query = query.where(AuditLog.subject.not_in(kept))
            removal.add("audit_log", int(session.execute(query).rowcount or 0))  # type: ignore[attr-defined]
        if dry_run:
            session.rollback()
            removal.add("uploads", finish(archive, removal, dry_run=True))
            return _answer(removal, dry_run=True)
    removal.add("uploads", finish(archive, removal))
    answer = _answer(removal, dry_run=False)
    with archive.db.session() as session:
        session.add(AuditLog(at=now, actor=actor, role=ROLE, action=ACTION,
                             subject="retention", why="the retention policy (docs/privacy.md)",
                             detail=json.dumps({"removed": answer["removed"],
                                                "policy_days": {k: getattr(policy, k) for k in KINDS}},
                                               sort_keys=True)))
    return answer


def _expired_uploads(session: Session, cutoff: datetime, held: set[str]) -> set[str]:
    """Digests of uploads only old, unheld submissions use (two students' identical ZIPs are
    one file: it goes when the last of them may go), and no starter code."""
    expired: set[str] = set()
    for submission in _old(session, cutoff):
        if submission.id not in held and submission.sha256:
            expired.add(submission.sha256)
    if not expired:
        return expired
    young = select(Submission).where(Submission.sha256.in_(expired))
    for other in session.scalars(young):
        if other.created_at >= cutoff or other.id in held or other.status not in JobStatus.FINISHED:
            expired.discard(other.sha256)
    expired -= set(session.scalars(select(ProjectStarter.sha256)))
    return expired


def _answer(removal: Removal, dry_run: bool) -> dict[str, Any]:
    return {"dry_run": dry_run, "removed": dict(sorted(removal.counts.items()))}


__all__ = ["ACTION", "apply", "due", "last_run"]
