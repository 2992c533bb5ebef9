"""Strong matches flagged for review, written with the report that found them.

A check stores its report and, in the same transaction, its match links (``links.py``). From
those links, ``write`` flags every pair with another student that reaches the project's review
threshold, on both sides: the later submission (``copied``: its report holds the match) and the
earlier one (``shared``: its work was matched; sharing one's work for copying breaks the rules
too, a softer suspicion). A student's new attempt that matches a copy of their own earlier
attempt is not flagged: the copy's report names the first attempt at the threshold, whose pair
is flagged already (the rule is ``own_work.py``'s). A student's own work is theirs under their pseudonym too (past cohorts
renamed by ``privacy/pseudonymize.py``). One ``TriageItem`` per submission and pair, whatever the number of
checks: a recheck (or a report scored again as its project grew, ``archive/rescoring.py``) finds
the item there and only refreshes the similarity of one still waiting, to the pair's new score
even when it fell under the threshold; an item cleared (by a case or a dismissal) keeps the
score it was judged on and is never raised again for the same pair.

Every new item leaves a ``submission.flagged`` event in the outbox (``originality/outbox.py``),
in the same transaction; the relay delivers it. People decide what an item means:
``originality/triage.py`` reads the items, clears them and finds the possible repeats.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from .. import outbox
from .db import driver_rows, rows_in
from .models import ProjectSetting, Submission, TriageItem, utcnow
from .own_work import copies_of_own_work

SUBMISSION_FLAGGED = "submission.flagged"
COPIED = "copied"
SHARED = "shared"
KINDS = (COPIED, SHARED)
# Earlier submissions per query: well under every database's limit on bound parameters.
IN_BATCH = 500


def review_threshold(session: Session, project_id: str, default: float) -> float:
    """The project's own review threshold, else the service's ``default``."""
    own = session.get(ProjectSetting, project_id)
    return own.review_threshold if own is not None else default


def write(session: Session, submission: Submission, default_threshold: float,
          student_ids: Collection[str] = ()) -> list[dict[str, Any]]:
    """Flag the pairs of ``submission``'s stored links that reach the review threshold, in the
    caller's transaction (after ``links.write``); returns the events of the new items, added to
    the outbox. ``student_ids``: the ids the student's work may be stored under (theirs by
    default, ``Archive.student_ids``).

    What it reads of the earlier submissions (their rows, which of them matched this student's
    own work, their items) comes in a few queries for all of them, and the new items are
    written in one statement: on one task with 20,000 entries an upload has hundreds of strong
    pairs, and a query or a flush per pair took a quarter of the worker's time per upload
    (docs/benchmarks.md, "Archive check as the archive grows")."""
    threshold = review_threshold(session, submission.project_id, default_threshold)
    mine = set(student_ids) | {submission.student_id}
    strong = driver_rows(session, "SELECT other_id, similarity FROM match_links WHERE submission_id = {0} "
                                  "AND own = {0} AND similarity >= {0} ORDER BY similarity DESC, other_id",
                         (submission.id, False, threshold))
    ids = [other for other, _ in strong]
    earlier = {s.id: s for batch in _batches(ids)
               for s in session.scalars(select(Submission).where(Submission.id.in_(batch)))}
    others = [other for other in ids if other in earlier and earlier[other].student_id not in mine]
    copied = copies_of_own_work(session, others, mine, threshold)
    items = _items(session, submission.id, others)
    made: list[dict[str, Any]] = []
    for other_id, similarity in strong:
        if other_id not in earlier or earlier[other_id].student_id in mine:
            continue  # the student's own work is never plagiarism
        if other_id in copied:
            continue  # a new attempt matching the copy of the student's own earlier work
        for flagged, against, kind in ((submission.id, other_id, COPIED), (other_id, submission.id, SHARED)):
            item = items.get((flagged, against))
            if item is None:
                # Each its own time: the relay delivers events in the order they were made.
                made.append({"submission_id": flagged, "other_id": against, "kind": kind,
                             "similarity": similarity, "flagged_at": utcnow()})
            elif item.case_id is None and item.dismissed_at is None:
                item.similarity = similarity  # a recheck's score; a cleared item keeps the one judged
    _refresh_weak(session, submission.id, {other: similarity for other, similarity in strong})
    if not made:
        return []
    session.execute(insert(TriageItem), made)  # one statement; the ids are read back below
    items = _items(session, submission.id, others)
    people = {submission.id: submission, **earlier}
    events = []
    for row in made:
        item, flagged, against = (items[(row["submission_id"], row["other_id"])], people[row["submission_id"]],
                                  people[row["other_id"]])
        events.append(outbox.record(session, SUBMISSION_FLAGGED, {
            "item_id": item.id, "kind": item.kind, "submission_id": flagged.id,
            "student_id": flagged.student_id, "project_id": flagged.project_id,
            "assessor_id": flagged.assessor_id, "other_submission_id": against.id,
            "other_student_id": against.student_id, "similarity": item.similarity,
            "review_threshold": threshold}, row["flagged_at"]))
    return events


def _refresh_weak(session: Session, submission_id: str, strong: dict[str, float]) -> None:
    """Waiting items of the submission's pairs that its report, scored again, no longer holds
    at the threshold take the pair's score now (0 when it is not listed): the queue shows what
    the report says, and an assessor clears the item."""
    waiting = session.scalars(select(TriageItem).where(
        or_(TriageItem.submission_id == submission_id, TriageItem.other_id == submission_id),
        TriageItem.case_id.is_(None), TriageItem.dismissed_at.is_(None))).all()
    # The pairs this report holds: this submission copied (its items) or shared (the earlier one's).
    weak = [item for item in waiting
            if (item.kind == COPIED and item.submission_id == submission_id and item.other_id not in strong)
            or (item.kind == SHARED and item.other_id == submission_id and item.submission_id not in strong)]
    if not weak:
        return
    others = [item.other_id if item.kind == COPIED else item.submission_id for item in weak]
    listed = dict(rows_in(session, "SELECT other_id, similarity FROM match_links WHERE submission_id = {p} "
                                   "AND other_id {in_}", (submission_id,), sorted(set(others))))
    for item, other in zip(weak, others):
        item.similarity = float(listed.get(other, 0.0))


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[start:start + IN_BATCH] for start in range(0, len(ids), IN_BATCH)]


def _items(session: Session, submission_id: str, others: list[str]) -> dict[tuple[str, str], TriageItem]:
    """The items already raised on the pairs of ``submission_id`` and ``others``, either way."""
    found: dict[tuple[str, str], TriageItem] = {}
    for batch in _batches(others):
        for item in session.scalars(select(TriageItem).where(or_(
                and_(TriageItem.submission_id == submission_id, TriageItem.other_id.in_(batch)),
                and_(TriageItem.other_id == submission_id, TriageItem.submission_id.in_(batch))))):
            found[(item.submission_id, item.other_id)] = item
    return found
