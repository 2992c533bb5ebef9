"""Strong matches flagged for review, written with the report that found them.

A check stores its report and, in the same transaction, its match links (``links.py``). From
those links, ``write`` flags every pair with another student that reaches the project's review
threshold, on both sides: the later submission (``copied``: its report holds the match) and the
earlier one (``shared``: its work was matched; sharing one's work for copying breaks the rules
too, a softer suspicion). A student's new attempt that matches a copy of their own earlier
attempt is not flagged: the copy's report names the first attempt, whose pair is flagged
already. One ``TriageItem`` per submission and pair, whatever the number of
checks: a recheck finds the item there and only refreshes the similarity of one still waiting;
an item cleared (by a case or a dismissal) is never raised again for the same pair.

Every new item leaves a ``submission.flagged`` event in the outbox (``originality/outbox.py``),
in the same transaction; the relay delivers it. People decide what an item means:
``originality/triage.py`` reads the items, clears them and finds the possible repeats.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import outbox
from .models import MatchLink, ProjectSetting, Submission, TriageItem, utcnow

SUBMISSION_FLAGGED = "submission.flagged"
COPIED = "copied"
SHARED = "shared"
KINDS = (COPIED, SHARED)


def review_threshold(session: Session, project_id: str, default: float) -> float:
    """The project's own review threshold, else the service's ``default``."""
    own = session.get(ProjectSetting, project_id)
    return own.review_threshold if own is not None else default


def write(session: Session, submission: Submission, default_threshold: float) -> list[dict[str, Any]]:
    """Flag the pairs of ``submission``'s stored links that reach the review threshold, in the
    caller's transaction (after ``links.write``); returns the events of the new items, added to
    the outbox."""
    threshold = review_threshold(session, submission.project_id, default_threshold)
    strong = list(session.scalars(
        select(MatchLink).where(MatchLink.submission_id == submission.id,
                                MatchLink.own.is_(False), MatchLink.similarity >= threshold)
        .order_by(MatchLink.similarity.desc(), MatchLink.other_id)))
    events: list[dict[str, Any]] = []
    for link in strong:
        earlier = session.get(Submission, link.other_id)
        if earlier is None or earlier.student_id == submission.student_id:
            continue  # the student's own work is never plagiarism
        if _copied_from(session, earlier, submission.student_id):
            continue  # a new attempt matching the copy of the student's own earlier work
        for flagged, other, kind in ((submission, earlier, COPIED), (earlier, submission, SHARED)):
            event = _flag(session, flagged, other, kind, link.similarity, threshold)
            if event is not None:
                events.append(event)
    return events


def _copied_from(session: Session, earlier: Submission, student_id: str) -> bool:
    """Whether ``earlier``'s own report matches an earlier attempt of ``student_id``: then
    that student's new attempt matches ``earlier`` because ``earlier`` matches their work (the
    pair of the first attempt is flagged already), and is not a copy of it."""
    return session.scalar(
        select(MatchLink.other_id)
        .join(Submission, Submission.id == MatchLink.other_id)
        .where(MatchLink.submission_id == earlier.id, MatchLink.own.is_(False),
               Submission.student_id == student_id).limit(1)) is not None


def _flag(session: Session, flagged: Submission, other: Submission, kind: str, similarity: float,
          threshold: float) -> dict[str, Any] | None:
    item = session.scalar(select(TriageItem).filter_by(submission_id=flagged.id, other_id=other.id))
    if item is not None:
        if item.case_id is None and item.dismissed_at is None:
            item.similarity = similarity  # a recheck's score; a cleared item keeps the one judged
        return None
    now = utcnow()
    item = TriageItem(submission_id=flagged.id, other_id=other.id, kind=kind,
                      similarity=similarity, flagged_at=now)
    session.add(item)
    session.flush()
    return outbox.record(session, SUBMISSION_FLAGGED, {
        "item_id": item.id, "kind": kind, "submission_id": flagged.id,
        "student_id": flagged.student_id, "project_id": flagged.project_id,
        "assessor_id": flagged.assessor_id, "other_submission_id": other.id,
        "other_student_id": other.student_id, "similarity": similarity,
        "review_threshold": threshold}, now)
