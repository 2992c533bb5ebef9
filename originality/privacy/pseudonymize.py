"""The pseudonymized archive: past cohorts kept under a keyed pseudonym of their student ids.

A school may keep old cohorts' work for comparison without keeping whom it belongs to in
clear: ``pseudonymize`` replaces the student id of every submission uploaded before a date by
``exposure.pseudonym`` (HMAC-SHA-256 under ``ORIGINALITY_PSEUDONYM_SECRET``), in the submission,
its archive entry, the reports that list it and the cases' evidence that cites it. The same
student gets the same pseudonym everywhere, so their own attempts still read as theirs and a
match with them still leads staff to a case; only someone holding the key can tell whose work
it was (``originality student pseudonym ID``). Export and erasure find the student's
pseudonymized work through the same key.

A submission a case in force of its own student is about keeps the id: a ban is enforced by it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import ArchiveEntry, AuditLog, Submission, utcnow
from .erasure import ERASED_PREFIX, cases_citing, reports_mentioning
from .exposure import PSEUDONYM_PREFIX, also_known_as, pseudonym
from .holds import holds
from .policy import RetentionPolicy

if TYPE_CHECKING:
    from ..archive import Archive

ACTION = "archive.pseudonymized"


def require_secret(secret: str) -> str:
    if len(secret) < 16:
        raise UsageError("set ORIGINALITY_PSEUDONYM_SECRET to a secret of 16 characters or more "
                         "(and keep it: it is the only way back from a pseudonym)")
    return secret


def _rename_mentions(session: Session, aliases: dict[str, str]) -> None:
    """Reports listing these submissions, and cases citing them, name each by its alias (each
    report and case rewritten once, however many of them it names)."""
    def renamed(match: dict[str, Any]) -> dict[str, Any]:
        return {**match, "student_id": aliases[match["submission_id"]], "name": None}

    reports_mentioning(session, aliases, renamed)
    cases_citing(session, aliases, renamed)


def pseudonymize(archive: Archive, secret: str, before: datetime, policy: RetentionPolicy,
                 project_id: str | None = None, actor: str = "cli") -> int:
    """Pseudonymize the submissions uploaded before ``before`` (of one project, or all);
    returns how many were. Idempotent: a pseudonym is never pseudonymized again."""
    require_secret(secret)
    now = utcnow()
    count = 0
    with archive.db.session() as session:
        found = holds(session, policy, now)
        own_held = {found.case_submission[c] for c in found.cases}
        query = select(Submission).where(Submission.created_at < before,
                                         Submission.erased_at.is_(None))
        if project_id is not None:
            query = query.where(Submission.project_id == project_id)
        aliases: dict[str, str] = {}
        for submission in list(session.scalars(query.order_by(Submission.created_at))):
            student = submission.student_id
            if student.startswith((PSEUDONYM_PREFIX, ERASED_PREFIX)) or submission.id in own_held:
                continue
            alias = pseudonym(secret, student)
            submission.student_id = alias
            submission.name = None
            session.execute(update(ArchiveEntry).where(ArchiveEntry.submission_id == submission.id)
                            .values(student_id=alias))
            aliases[submission.id] = alias
            count += 1
        _rename_mentions(session, aliases)
        session.add(AuditLog(at=now, actor=actor, role="staff", action=ACTION,
                             subject=f"project:{project_id}" if project_id else "archive",
                             why=f"submissions uploaded before {before.date().isoformat()}",
                             detail=json.dumps({"submissions": count})))
    return count


__all__ = ["ACTION", "pseudonymize", "require_secret"]
