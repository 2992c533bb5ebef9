"""The triage: strong matches waiting for a person, and the possible repeats among them.

A check flags the pairs that reach the project's review threshold (``store/flags.py``); this
module is what people do with them. An assessor sees the items of the submissions assigned to
them, strongest first, and clears each one either by opening a case on the submission
(:meth:`originality.cases.CaseBook.open` clears every waiting item of it) or by dismissing it
with a reason, kept on the item and in the audit log. A cleared item stays cleared: the pair is
never flagged again.

A waiting item whose student had a confirmed case (a sanction still in force) when she handed
in the work matched is a possible repeat, as the ladder judges a warning (at the hand-in:
``ladder.repeat_reasons``): the ladder's step 4 ends the training, and staff review repeats, so
such items are also in the staff queue, apart from the cases assessors opened, with the earlier
case at hand. Whether an item is a possible repeat is read from the student's history at the
time of asking, never stored: a case confirmed or reversed tomorrow changes the answer tomorrow.

Like the rest of the engine it imports neither Flask nor Celery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import aliased

from originality import ladder
from originality.archive import Archive
from originality.cases import HANDED_IN, Actor, CaseBook, aware, iso
from originality.errors import CaseConflict, NotFound, UsageError
from originality.store.flags import COPIED, KINDS, SHARED, review_threshold
from originality.store.db import unindexed
from originality.store.models import (
    AuditLog,
    CaseRow,
    DecisionRow,
    JobStatus,
    ProjectSetting,
    Submission,
    TriageItem,
    utcnow,
)

# A dismissal's reason, in characters: a judgment, not measured; pages of explanation fit, a
# pasted file does not.
MAX_REASON = 10_000
# Students per query: well under every database's limit on bound parameters.
IN_BATCH = 200
# Item ids are 64-bit signed integers in every database; a larger number names no item (and
# must not reach the driver, which cannot even bind it).
MAX_ID = 2**63 - 1
# What the two kinds of item say, for people; the softer one first says it is softer.
KIND_WORDS = {
    COPIED: "matches an earlier submission of another student",
    SHARED: "shared their work: a later submission of another student matches it",
}


@dataclass(frozen=True)
class RepeatsPage:
    """A page of the possible repeats, and the item the next one starts after (None: the
    last page)."""

    items: tuple[dict[str, Any], ...]
    next: int | None


@dataclass(frozen=True)
class Counts:
    """The numbers the pages show, counted from the items themselves."""

    to_review: int
    possible_repeats: int


class Triage:
    """The to-review items of one archive's database."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db
        self.cases = CaseBook(archive)

    # -- the review threshold ----------------------------------------------------------------

    def threshold(self, project_id: str) -> dict[str, Any]:
        """The review threshold in effect for a project, and whether it is the project's own."""
        with self.db.sessions() as session:
            own = session.get(ProjectSetting, project_id)
            value = review_threshold(session, project_id, self.archive.review_threshold)
        return {"project_id": project_id, "review_threshold": value,
                "source": "project" if own is not None else "default",
                "default": self.archive.review_threshold,
                "set_by": own.set_by if own is not None else None,
                "updated_at": iso(own.updated_at) if own is not None else None}

    def set_threshold(self, actor: Actor, project_id: str, value: float) -> dict[str, Any]:
        """Give a project its own review threshold, for the checks from now on (items already
        flagged stay); audited."""
        if not project_id or len(project_id) > 200:
            raise UsageError("a project id is 1 to 200 characters")
        if not 0.0 < value <= 1.0:
            raise UsageError("review_threshold must be a similarity above 0 and at most 1")
        now = utcnow()
        with self.db.session() as session:
            own = session.get(ProjectSetting, project_id)
            before = own.review_threshold if own is not None else None
            if own is None:
                session.add(ProjectSetting(project_id=project_id, review_threshold=value,
                                           set_by=actor.name, updated_at=now))
            else:
                own.review_threshold, own.set_by, own.updated_at = value, actor.name, now
            session.add(AuditLog(at=now, actor=actor.name, role=actor.role,
                                 action="project.review_threshold", subject=f"project:{project_id}",
                                 why="", detail=json.dumps({"review_threshold": value,
                                                            "before": before})))
        return self.threshold(project_id)

    # -- reading -----------------------------------------------------------------------------

    @staticmethod
    def _waiting(assessor: str | None, project: str | None, *columns: Any) -> Select[Any]:
        """``columns`` (by default the item and both submissions) of the items not cleared yet,
        of checked submissions on both sides (a check being redone shows its items again when
        it is done); an assessor's own only when ``assessor`` is given, one project's only
        when ``project`` is."""
        other = aliased(Submission)
        query = (select(*(columns or (TriageItem, Submission, other)))
                 .select_from(TriageItem)
                 .join(Submission, Submission.id == TriageItem.submission_id)
                 .join(other, other.id == TriageItem.other_id)
                 .where(TriageItem.case_id.is_(None), TriageItem.dismissed_at.is_(None),
                        # Nearly every submission is done: no query should start from there.
                        unindexed(Submission.status) == JobStatus.DONE,
                        unindexed(other.status) == JobStatus.DONE))
        if assessor is not None:
            query = query.where(Submission.assessor_id == assessor)
        if project is not None:
            query = query.where(Submission.project_id == project)
        return query

    def items(self, assessor: str | None = None, project: str | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
        """The waiting items, strongest first (then the copied side before the shared one, then
        oldest), at most ``limit``; an assessor's only when ``assessor`` is given, a project's
        when ``project`` is. Each says whether it is a possible repeat."""
        query = self._waiting(assessor, project).order_by(
            TriageItem.similarity.desc(), TriageItem.kind, TriageItem.id)
        with self.db.sessions() as session:
            rows = session.execute(query if limit is None else query.limit(limit)).all()
        earlier = self._sanctions({s.student_id for _, s, _ in rows})
        return [self._dict(item, s, o, earlier.get(s.student_id, ())) for item, s, o in rows]

    def waiting_of(self, submission_id: str) -> list[dict[str, Any]]:
        """The items of one submission still waiting, strongest first (its report shows them)."""
        query = self._waiting(None, None).where(TriageItem.submission_id == submission_id)
        with self.db.sessions() as session:
            rows = session.execute(query.order_by(
                TriageItem.similarity.desc(), TriageItem.kind, TriageItem.id)).all()
        earlier = self._sanctions({s.student_id for _, s, _ in rows})
        return [self._dict(item, s, o, earlier.get(s.student_id, ())) for item, s, o in rows]

    def possible_repeats(self) -> list[dict[str, Any]]:
        """The waiting items whose student has a confirmed case in force: strongest first."""
        return self.possible_repeats_page(None).items

    def possible_repeats_page(self, limit: int | None, after: int | None = None) -> RepeatsPage:
        """The possible repeats, strongest first (then the copied side, then oldest), at most
        ``limit`` items read, from after the item ``after`` (keyset: the page starts after the
        last item the one before read, so a later page costs what the first does). An item
        read may turn out not to be a repeat (the student's sanction no longer in force, or
        decided after she handed the work in): it is left out, so a page may hold fewer than
        ``limit``."""
        query = self._waiting(None, None).where(_confirmed_before_hand_in())
        with self.db.sessions() as session:
            if after is not None:
                mark = session.get(TriageItem, after) if 0 < after <= MAX_ID else None
                if mark is None:
                    raise NotFound(f"no triage item {after}")
                query = query.where(or_(
                    TriageItem.similarity < mark.similarity,
                    and_(TriageItem.similarity == mark.similarity,
                         or_(TriageItem.kind > mark.kind,
                             and_(TriageItem.kind == mark.kind, TriageItem.id > mark.id)))))
            query = query.order_by(TriageItem.similarity.desc(), TriageItem.kind, TriageItem.id)
            rows = session.execute(query if limit is None else query.limit(limit + 1)).all()
        more = limit is not None and len(rows) > limit
        rows = rows[:limit] if more else rows
        # The students of the page, or (every item asked for) the same students chosen by a
        # query: a fixed number of queries however many they are.
        earlier = self._sanctions(
            {s.student_id for _, s, _ in rows} if limit is not None else
            self._waiting(None, None, Submission.student_id)
            .where(Submission.student_id.in_(_ever_confirmed())))
        return RepeatsPage(tuple(self._dict(item, s, o, earlier.get(s.student_id, ()))
                                 for item, s, o in rows
                                 if _warned_before(earlier.get(s.student_id, ()), _handed_in(s)) is not None),
                           rows[-1][0].id if more else None)

    def counts(self, assessor: str | None = None, project: str | None = None) -> Counts:
        """How many items wait (for ``assessor``, or for everyone; in ``project`` or in all),
        and how many of them are possible repeats."""
        with self.db.sessions() as session:
            students = session.execute(
                self._waiting(assessor, project, Submission.student_id, HANDED_IN, func.count(TriageItem.id))
                .group_by(Submission.student_id, HANDED_IN)).all()
        earlier = self._sanctions({student for student, _, _ in students})
        return Counts(to_review=sum(n for _, _, n in students),
                      possible_repeats=_repeats(students, earlier))

    def possible_repeat_count(self) -> int:
        """How many possible repeats wait: :meth:`counts`'s figure, from the items of the
        students with a confirmed decision on record only (the others cannot be repeats), so
        it does not grow with everyone who waits."""
        confirmed = _confirmed_before_hand_in()
        with self.db.sessions() as session:
            students = session.execute(
                self._waiting(None, None, Submission.student_id, HANDED_IN, func.count(TriageItem.id))
                .where(confirmed).group_by(Submission.student_id, HANDED_IN)).all()
        return _repeats(students, self._sanctions(_ever_confirmed()))

    def get(self, item_id: int) -> dict[str, Any]:
        """One item, waiting or cleared."""
        if not 0 < item_id <= MAX_ID:
            raise NotFound(f"no triage item {item_id}")
        other = aliased(Submission)
        with self.db.sessions() as session:
            row = session.execute(
                select(TriageItem, Submission, other)
                .join(Submission, Submission.id == TriageItem.submission_id)
                .join(other, other.id == TriageItem.other_id)
                .where(TriageItem.id == item_id)).first()
        if row is None:
            raise NotFound(f"no triage item {item_id}")
        item, submission, other_submission = row
        earlier = self._sanctions({submission.student_id})
        return self._dict(item, submission, other_submission, earlier.get(submission.student_id, ()))

    def _sanctions(self, students: set[str] | Select[Any]) -> dict[str, tuple[ladder.SanctionInForce, ...]]:
        """Per student with a sanction in force, those sanctions, in the order they were
        decided: what makes a match of work handed in after one a possible repeat. ``students``
        is a set of ids, or a query selecting them (then in a fixed number of queries, whatever
        their number)."""
        now = datetime.now(UTC)
        # Only a student with a confirmed decision on record can have a sanction in force: one
        # query spares reading the whole history of everyone else.
        confirmed: set[str] | Select[Any]
        if isinstance(students, Select):
            confirmed = _ever_confirmed().where(CaseRow.student_id.in_(students))
        else:
            confirmed = set()
            wanted = sorted(students)
            with self.db.sessions() as session:
                for start in range(0, len(wanted), IN_BATCH):
                    confirmed.update(session.scalars(_ever_confirmed().where(
                        CaseRow.student_id.in_(wanted[start : start + IN_BATCH]))))
        return {student: tuple(sorted(standing.sanctions, key=lambda s: (s.decided_at, s.case_id)))
                for student, standing in sorted(self.cases.standings(
                    confirmed if isinstance(confirmed, Select) else sorted(confirmed), now).items())
                if standing.sanctions}

    @staticmethod
    def _dict(item: TriageItem, submission: Submission, other: Submission,
              sanctions: tuple[ladder.SanctionInForce, ...]) -> dict[str, Any]:
        status = ("case" if item.case_id is not None
                  else "dismissed" if item.dismissed_at is not None else "waiting")
        warned = _warned_before(sanctions, _handed_in(submission))
        earlier_case = None if warned is None else {
            "case_id": warned.case_id, "project_id": warned.project, "sanction": warned.sanction.value,
            "decided_at": iso(warned.decided_at)}
        return {
            "id": item.id, "kind": item.kind, "kind_description": KIND_WORDS[item.kind],
            "status": status, "similarity": item.similarity, "flagged_at": iso(item.flagged_at),
            "submission_id": submission.id, "student_id": submission.student_id,
            "project_id": submission.project_id, "assessor_id": submission.assessor_id,
            "attempt": submission.attempt, "other_submission_id": other.id,
            "other_student_id": other.student_id,
            "possible_repeat": earlier_case is not None and status == "waiting",
            "earlier_case": earlier_case,
            "case_id": item.case_id,
            "dismissal": None if item.dismissed_at is None else {
                "by": item.dismissed_by, "role": item.dismissed_by_role,
                "at": iso(item.dismissed_at), "reason": item.dismissal_reason},
        }

    # -- clearing ----------------------------------------------------------------------------

    def dismiss(self, actor: Actor, item_id: int, reason: str) -> dict[str, Any]:
        """Clear a waiting item as no plagiarism; the reason is kept on the item and in the
        audit log, and the pair is not flagged again."""
        reason = reason.strip()
        if not reason:
            raise UsageError("a dismissal needs a reason: it is kept for the student's file")
        if len(reason) > MAX_REASON:
            raise UsageError(f"the reason is too long: keep it under {MAX_REASON:,} characters")
        if not 0 < item_id <= MAX_ID:
            raise NotFound(f"no triage item {item_id}")
        now = utcnow()
        with self.db.session() as session:
            item = session.get(TriageItem, item_id)
            if item is None:
                raise NotFound(f"no triage item {item_id}")
            # One clearing per item, even for two people at once: the update only takes an
            # item still waiting.
            cleared = session.execute(
                update(TriageItem)
                .where(TriageItem.id == item_id, TriageItem.case_id.is_(None),
                       TriageItem.dismissed_at.is_(None))
                .values(dismissed_by=actor.name, dismissed_by_role=actor.role, dismissed_at=now,
                        dismissal_reason=reason))
            if cleared.rowcount != 1:  # type: ignore[attr-defined]
                raise CaseConflict(f"triage item {item_id} is already cleared")
            session.add(AuditLog(at=now, actor=actor.name, role=actor.role,
                                 action="triage.dismissed", subject=f"triage:{item_id}", why=reason,
                                 detail=json.dumps({"submission_id": item.submission_id,
                                                    "other_id": item.other_id, "kind": item.kind,
                                                    "similarity": item.similarity})))
        return self.get(item_id)


def _handed_in(submission: Submission) -> datetime:
    """When the student handed the submission in (``cases.HANDED_IN``)."""
    return aware(submission.submitted_at or submission.created_at)


def _warned_before(sanctions: tuple[ladder.SanctionInForce, ...],
                   handed_in: datetime) -> ladder.SanctionInForce | None:
    """The first of a student's sanctions in force decided before she handed in some work:
    the warning that makes a copy in it a possible repeat; None when there is none."""
    return next((s for s in sanctions if s.decided_at < handed_in), None)


def _repeats(rows: list[Any], sanctions: dict[str, tuple[ladder.SanctionInForce, ...]]) -> int:
    """How many of the items counted by (student, hand-in time, count) are possible repeats."""
    return sum(n for student, handed_in, n in rows
               if _warned_before(sanctions.get(student, ()), aware(handed_in)) is not None)


def _confirmed_before_hand_in() -> Any:
    """Whether a waiting item's student had a case confirmed (reversed since or not) before she
    handed its submission in: in the database, so that a page of possible repeats is not read
    only to be left out; whether the sanction is still in force is the ladder's to say."""
    return (select(DecisionRow.id).join(CaseRow, CaseRow.id == DecisionRow.case_id)
            .where(CaseRow.student_id == Submission.student_id,
                   DecisionRow.decision == ladder.Decision.CONFIRMED.value,
                   DecisionRow.decided_at < func.coalesce(Submission.submitted_at, Submission.created_at))
            .exists())


def _ever_confirmed() -> Select[Any]:
    """The students with a confirmed decision on record (reversed or not): only they can have a
    sanction in force, which the ladder then says from their whole history."""
    # Never correlated: it is a whole list, also inside queries on the cases themselves.
    return (select(CaseRow.student_id).distinct()
            .join(DecisionRow, DecisionRow.case_id == CaseRow.id)
            .where(DecisionRow.decision == ladder.Decision.CONFIRMED.value)
            .correlate(None))


__all__ = ["COPIED", "Counts", "KINDS", "KIND_WORDS", "RepeatsPage", "SHARED", "Triage"]
