"""What the law obliges the school to keep: the cases still in force and their evidence.

A case holds its records while it is open (proceedings under way), and once confirmed while
its ban runs or until ``cases`` days after its last decision (the period the school must keep
proof). A held case keeps the submission it is about and every submission its frozen evidence
names (the other side of each match): their texts and reports are what the evidence shows.
It also keeps the evaluations it rests on as a repeat (the student's project evaluated before,
``ladder.makes_a_repeat``): without them the record would no longer show why the case is a
repeat, and a discontinuation would no longer match the ladder's proposal.
Dismissed cases, and confirmed ones past that period, hold nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import ladder
from ..cases import HANDED_IN, case_record, evaluation_record
from ..store.models import CaseRow, DecisionRow, EvaluationRow, Submission
from .policy import RetentionPolicy

# Students per query when the held cases' evaluations are read: well under every database's
# limit on bound parameters.
IN_BATCH = 200


@dataclass
class Holds:
    """The cases in force (id -> why) and the submissions they hold (id -> the case ids)."""

    cases: dict[str, str] = field(default_factory=dict)
    submissions: dict[str, set[str]] = field(default_factory=dict)
    # The submission each held case is about, so a caller tells its own case from evidence.
    case_submission: dict[str, str] = field(default_factory=dict)
    # The evaluations (id -> the case ids) the held cases rest on as repeats.
    evaluations: dict[int, set[str]] = field(default_factory=dict)


def why_held(case: CaseRow, last: DecisionRow | None, policy: RetentionPolicy,
             now: datetime) -> str | None:
    """Why ``case`` must be kept now (its last decision ``last``), or None if it need not be."""
    if last is None:
        return "open: awaiting a staff decision"
    if last.decision != "confirmed":
        return None
    if last.banned_until is not None and last.banned_until > now:
        return f"sanction in force: banned until {last.banned_until.isoformat()}"
    if policy.cases == 0:
        return "confirmed; cases are kept for ever (ORIGINALITY_RETAIN_CASES_DAYS=0)"
    until = last.decided_at + timedelta(days=policy.cases)
    if until > now:
        return f"confirmed ({last.sanction}); proof kept until {until.date().isoformat()}"
    return None


def last_decisions(session: Session, case_ids: list[str] | None = None) -> dict[str, DecisionRow]:
    """Each case's decision in force: the last one entered (decisions are append-only)."""
    query = select(DecisionRow).order_by(DecisionRow.id)
    if case_ids is not None:
        query = query.where(DecisionRow.case_id.in_(case_ids))
    last: dict[str, DecisionRow] = {}
    for row in session.scalars(query):
        last[row.case_id] = row
    return last


def holds(session: Session, policy: RetentionPolicy, now: datetime) -> Holds:
    """Every case in force and the submissions and evaluations it holds, read in two queries
    and one per ``IN_BATCH`` students with a case in force."""
    found = Holds()
    last = last_decisions(session)
    held: dict[str, list[ladder.CaseRecord]] = {}
    for case, handed_in in session.execute(
            select(CaseRow, HANDED_IN).join(Submission, Submission.id == CaseRow.submission_id)
            .order_by(CaseRow.opened_at, CaseRow.id)):
        why = why_held(case, last.get(case.id), policy, now)
        if why is None:
            continue
        found.cases[case.id] = why
        found.case_submission[case.id] = case.submission_id
        named = {case.submission_id} | {str(m.get("submission_id")) for m in json.loads(case.evidence)}
        for sid in named:
            found.submissions.setdefault(sid, set()).add(case.id)
        held.setdefault(case.student_id, []).append(case_record(case, handed_in))
    students = sorted(held)
    for start in range(0, len(students), IN_BATCH):
        for row in session.scalars(select(EvaluationRow).where(
                EvaluationRow.student_id.in_(students[start:start + IN_BATCH]))):
            evaluation = evaluation_record(row)
            for case in held[row.student_id]:
                if ladder.makes_a_repeat(evaluation, case):
                    found.evaluations.setdefault(row.id, set()).add(case.case_id)
    return found
