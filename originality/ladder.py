"""The penalty ladder: from a student's recorded history to the sanction the policy proposes.

The engine suggests; people decide. This module is the pure core the service calls: it never
stores anything, never decides, and never reads a clock. The service keeps the append-only
records (:class:`CaseRecord`, :class:`DecisionRecord`, :class:`Evaluation`) and asks
:func:`standing`, :func:`is_repeat` and :func:`propose` about them.

The policy (``docs/contract.md``, "The penalty ladder"): a confirmed first case gets a written
warning (found while creating), plus rework (found in submitted deliverables), or plus a full
redo (found throughout the project); a repeat, after at least one warning or after a
deliverable has been evaluated, means training discontinued and no new training for 2 years
from the decision. A repeat is never automatic: it waits in the staff queue, marked.

Semantics chosen here (each is pinned by ``tests/unit/test_ladder.py``):

* **Append-only history, later entry wins.** A case has any number of decisions. The one in
  force at a time ``t`` is the latest with ``decided_at <= t``, ties broken by the order of
  entry. A reversal is a new :class:`DecisionRecord` whose ``reverses`` names the decision it
  supersedes; nothing is deleted, so the standing at any past instant can be recomputed.
* **What counts.** Only a case whose decision in force is CONFIRMED counts. Open and
  dismissed cases count for nothing. Every confirmed sanction includes a written warning, so
  ``warnings`` is the number of confirmed cases.
* **Repeat.** Case ``C`` is a repeat when either

  1. strictly before the student handed in the work ``C`` is about (``C.handed_in_at``),
     another case of the student stood confirmed (its decision in force just before
     ``C.handed_in_at`` was CONFIRMED) *and* that confirmation still stands at ``as_of``
     (reversing the earlier case takes the repeat away), or
  2. strictly before ``C`` was opened, the project ``C`` is about had been evaluated (an
     :class:`Evaluation` of ``C.project`` before ``C.opened_at``): plagiarism that got through
     an evaluation is treated as step 4. Evaluations of *other* projects do not count,
     otherwise every student past their first project would be discontinued on a first offense.

  The warning is judged at the hand-in: the school's rule is "repeat plagiarism, after at
  least one warning", and a student can only have been warned before she handed the copied
  work in, never by when staff happened to open or decide its case. Two copied hand-ins both
  handed in before any warning are both first offenses, whichever case staff open or confirm
  first; work handed in after a warning is a repeat. An evaluation is judged at the case's
  opening: what an evaluation let through and a case found afterwards is the school's "after
  a deliverable has been evaluated". "Strictly before" uses instants, not days; equal
  instants are not "before".
* **Sanctions in force** come from the staff's decision (``DecisionRecord.sanction``), not from
  the ladder: staff may depart from the proposal. :attr:`Standing.to_revisit` lists confirmed
  cases whose sanction no longer matches what the ladder proposes now (typically after an
  earlier case was reversed), for staff to look at; nothing changes on its own.
* **Ban.** A DISCONTINUATION in force bans the student until :func:`ban_until` of its decision:
  exactly two calendar years later, in UTC, same time of day; 29 February maps to 28 February
  of a common year, so the ban never exceeds two years.
"""

from __future__ import annotations

import calendar
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from originality.errors import UsageError
from originality.model import Fragment

# The school's plagiarism policy (docs/contract.md, "The penalty ladder"): on a repeat, training
# is discontinued, with no new training for 2 years from the decision.
BAN_YEARS = 2


@functools.total_ordering
class Sanction(enum.Enum):
    """What a confirmed case costs the student. Declaration order is severity (``<``, ``max``)."""

    WRITTEN_WARNING = "written_warning"
    REWORK = "rework"  # written warning + the project must be reworked before evaluation
    FULL_REDO = "full_redo"  # written warning + the project must be entirely redone
    DISCONTINUATION = "discontinuation"  # training discontinued + no new training for 2 years

    @property
    def rank(self) -> int:
        """0 for the mildest; follows declaration order."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Sanction):
            return NotImplemented
        return self.rank < other.rank

    @property
    def description(self) -> str:
        """What the sanction means, in a sentence a student can read."""
        return _DESCRIPTION[self]


_RANK: dict[Sanction, int] = {s: i for i, s in enumerate(Sanction)}

_DESCRIPTION: dict[Sanction, str] = {
    Sanction.WRITTEN_WARNING: "This is a written warning.",
    Sanction.REWORK: (
        "This is a written warning, and the project cannot be evaluated: "
        "it must be reworked before it is submitted again."
    ),
    Sanction.FULL_REDO: (
        "This is a written warning, and the project cannot be evaluated: "
        "it must be entirely redone."
    ),
    Sanction.DISCONTINUATION: (
        "Your training is discontinued, and no new training can be started "
        f"for {BAN_YEARS} years from this decision."
    ),
}


class Stage(str, enum.Enum):
    """Where plagiarism was found."""

    CREATION = "creation"  # while the deliverables were being created
    SUBMISSION = "submission"  # in one or more submitted deliverables
    THROUGHOUT = "throughout"  # throughout the project


_STAGE_PHRASE: dict[Stage, str] = {
    Stage.CREATION: "while the deliverables were being created",
    Stage.SUBMISSION: "in one or more of the submitted deliverables",
    Stage.THROUGHOUT: "throughout the project",
}


class Decision(str, enum.Enum):
    """A staff decision on a case."""

    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class CaseStatus(str, enum.Enum):
    """Where a case stands in the review queue."""

    OPEN = "open"  # waiting for a staff decision
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


# ---------------------------------------------------------------------------------------------
# The records (append-only; the service stores them)


@dataclass(frozen=True)
class CaseRecord:
    """A case opened on a student's project, at the stage where plagiarism was found.

    ``handed_in_at`` is when the student handed in the work the case is about: whether the
    case is a repeat is judged at that instant; ``opened_at`` orders the queue."""

    case_id: str
    student_id: str
    project: str
    stage: Stage
    opened_at: datetime
    handed_in_at: datetime


@dataclass(frozen=True)
class DecisionRecord:
    """One staff decision on a case. A later one on the same case supersedes it.

    ``sanction`` is what staff applied: required when CONFIRMED, None when DISMISSED.
    ``reverses`` names the decision this one supersedes (None for a case's first decision).
    """

    decision_id: str
    case_id: str
    decision: Decision
    decided_at: datetime
    sanction: Sanction | None = None
    reverses: str | None = None
    decided_by: str = ""
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    """A deliverable of the student's project was evaluated at ``evaluated_at``."""

    student_id: str
    project: str
    evaluated_at: datetime
    deliverable: str = ""


@dataclass(frozen=True)
class History:
    """Everything recorded about one student, validated once on construction.

    Problems (naive datetimes, unknown or duplicate ids, a decision before its case was
    opened, a broken reversal chain, a sanction that contradicts its decision) are all listed
    in a single :class:`~originality.errors.UsageError`.
    """

    student_id: str
    cases: tuple[CaseRecord, ...] = ()
    decisions: tuple[DecisionRecord, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cases", tuple(self.cases))
        object.__setattr__(self, "decisions", tuple(self.decisions))
        object.__setattr__(self, "evaluations", tuple(self.evaluations))
        problems = _validate(self)
        if problems:
            raise UsageError("invalid case history: " + "; ".join(problems))

    def case(self, case_id: str) -> CaseRecord:
        """The case with this id; UsageError if the history has none."""
        for c in self.cases:
            if c.case_id == case_id:
                return c
        raise UsageError(f"case {case_id!r} is not in the history of {self.student_id!r}")

    def decisions_on(self, case_id: str) -> tuple[DecisionRecord, ...]:
        """The decisions on one case, oldest first (by time, then order of entry)."""
        on = [(d.decided_at, i, d) for i, d in enumerate(self.decisions) if d.case_id == case_id]
        return tuple(d for _, _, d in sorted(on, key=lambda t: (t[0], t[1])))


def _validate(h: History) -> list[str]:
    problems: list[str] = []
    case_ids: dict[str, CaseRecord] = {}
    for c in h.cases:
        if c.case_id in case_ids:
            problems.append(f"duplicate case id {c.case_id!r}")
        case_ids[c.case_id] = c
        if c.student_id != h.student_id:
            problems.append(f"case {c.case_id!r} belongs to {c.student_id!r}")
        if not isinstance(c.stage, Stage):
            problems.append(f"case {c.case_id!r} has no valid stage")
        if not _aware(c.opened_at):
            problems.append(f"case {c.case_id!r}: opened_at must be timezone-aware")
        if not _aware(c.handed_in_at):
            problems.append(f"case {c.case_id!r}: handed_in_at must be timezone-aware")
    for e in h.evaluations:
        if e.student_id != h.student_id:
            problems.append(f"evaluation of {e.project!r} belongs to {e.student_id!r}")
        if not _aware(e.evaluated_at):
            problems.append(f"evaluation of {e.project!r}: evaluated_at must be timezone-aware")

    seen: set[str] = set()
    for d in h.decisions:
        where = f"decision {d.decision_id!r}"
        if d.decision_id in seen:
            problems.append(f"duplicate decision id {d.decision_id!r}")
        seen.add(d.decision_id)
        if not _aware(d.decided_at):
            problems.append(f"{where}: decided_at must be timezone-aware")
            continue
        case = case_ids.get(d.case_id)
        if case is None:
            problems.append(f"{where} is on unknown case {d.case_id!r}")
        elif _aware(case.opened_at) and d.decided_at < case.opened_at:
            problems.append(f"{where} predates its case {d.case_id!r}")
        if d.decision is Decision.CONFIRMED and not isinstance(d.sanction, Sanction):
            problems.append(f"{where} confirms without a sanction")
        if d.decision is Decision.DISMISSED and d.sanction is not None:
            problems.append(f"{where} dismisses with a sanction")
    if problems:
        return problems

    # Each decision after a case's first must supersede the one just before it: a broken
    # chain means two people decided at once, or a record went missing.
    for case_id in case_ids:
        previous: DecisionRecord | None = None
        for d in h.decisions_on(case_id):
            expected = previous.decision_id if previous is not None else None
            if d.reverses != expected:
                problems.append(
                    f"decision {d.decision_id!r} on case {case_id!r} reverses {d.reverses!r}, "
                    f"expected {expected!r}"
                )
            previous = d
    return problems


def _aware(t: object) -> bool:
    return isinstance(t, datetime) and t.tzinfo is not None and t.utcoffset() is not None


def _require_aware(t: datetime, name: str) -> None:
    if not _aware(t):
        raise UsageError(f"{name} must be a timezone-aware datetime")


# ---------------------------------------------------------------------------------------------
# The ladder


def sanction_for(stage: Stage, repeat: bool) -> Sanction:
    """The rung of the ladder for a confirmed case: by stage, or DISCONTINUATION on a repeat."""
    if repeat:
        return Sanction.DISCONTINUATION
    return _BY_STAGE[Stage(stage)]


_BY_STAGE: dict[Stage, Sanction] = {
    Stage.CREATION: Sanction.WRITTEN_WARNING,
    Stage.SUBMISSION: Sanction.REWORK,
    Stage.THROUGHOUT: Sanction.FULL_REDO,
}


def ban_until(decided_at: datetime) -> datetime:
    """The end of the ban from a discontinuation decided at ``decided_at`` (UTC, aware).

    Exactly ``BAN_YEARS`` calendar years later, same time of day, computed in UTC. 29 February
    becomes 28 February of a common year (rather than 1 March) so that the ban never lasts
    longer than the policy says.
    """
    _require_aware(decided_at, "decided_at")
    utc = decided_at.astimezone(timezone.utc)
    year = utc.year + BAN_YEARS
    day = utc.day
    if utc.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return utc.replace(year=year, day=day)


def decision_in_force(
    history: History, case_id: str, at: datetime | None = None, *, strictly_before: bool = False
) -> DecisionRecord | None:
    """The decision on a case in force at ``at`` (None: the whole history), or None if undecided.

    With ``strictly_before``, decisions taken exactly at ``at`` are not yet in force.
    """
    history.case(case_id)
    if at is not None:
        _require_aware(at, "at")
    in_force: DecisionRecord | None = None
    for d in history.decisions_on(case_id):
        if at is not None and (d.decided_at > at or (strictly_before and d.decided_at == at)):
            break
        in_force = d
    return in_force


def case_status(history: History, case_id: str, as_of: datetime | None = None) -> CaseStatus:
    """OPEN until a decision is in force, then that decision."""
    d = decision_in_force(history, case_id, as_of)
    if d is None:
        return CaseStatus.OPEN
    return CaseStatus(d.decision.value)


def _confirmed(history: History, case_id: str, at: datetime | None, strictly: bool) -> bool:
    d = decision_in_force(history, case_id, at, strictly_before=strictly)
    return d is not None and d.decision is Decision.CONFIRMED


def repeat_reasons(history: History, case_id: str, as_of: datetime | None = None) -> list[str]:
    """Why the case is a repeat, as sentences for staff; empty when it is a first offense."""
    case = history.case(case_id)
    reasons: list[str] = []
    for other in sorted(history.cases, key=lambda c: (c.opened_at, c.case_id)):
        if other.case_id == case_id:
            continue
        if _confirmed(history, other.case_id, case.handed_in_at, True) and _confirmed(
            history, other.case_id, as_of, False
        ):
            d = decision_in_force(history, other.case_id, case.handed_in_at, strictly_before=True)
            assert d is not None and d.sanction is not None
            reasons.append(
                f"case {other.case_id} ({other.project}) was confirmed with "
                f"{d.sanction.value} on {_when(d.decided_at)}, before this work was handed in"
            )
    for e in sorted(history.evaluations, key=lambda e: (e.evaluated_at, e.deliverable)):
        if makes_a_repeat(e, case):
            if as_of is None or e.evaluated_at <= as_of:
                what = f"deliverable {e.deliverable} of " if e.deliverable else ""
                reasons.append(
                    f"{what}project {e.project} was evaluated on {_when(e.evaluated_at)}, "
                    "before this case was opened"
                )
    return reasons


def makes_a_repeat(evaluation: Evaluation, case: CaseRecord) -> bool:
    """Whether the evaluation makes the case a repeat (rule 2 of the module docstring): the
    student's project of the case evaluated before the case was opened. A case in force rests
    on it: the service keeps it as long as the case (``originality/privacy/holds.py``)."""
    return (evaluation.student_id == case.student_id and evaluation.project == case.project
            and evaluation.evaluated_at < case.opened_at)


def is_repeat(history: History, case_id: str, as_of: datetime | None = None) -> bool:
    """Whether the case is a repeat offense (see the module docstring for the exact rule)."""
    return bool(repeat_reasons(history, case_id, as_of))


@dataclass(frozen=True)
class Proposal:
    """What the ladder proposes for a case. Staff decide; this is only a suggestion.

    ``needs_staff_review`` marks step 4: a repeat is never applied on the strength of the
    proposal; it waits in the staff queue, marked as a repeat offense.
    """

    case_id: str
    stage: Stage
    sanction: Sanction
    repeat: bool
    needs_staff_review: bool
    reasons: tuple[str, ...]


def propose(history: History, case_id: str, as_of: datetime | None = None) -> Proposal:
    """The sanction the ladder proposes for the case if staff confirm it, with the reasons."""
    case = history.case(case_id)
    why_repeat = repeat_reasons(history, case_id, as_of)
    repeat = bool(why_repeat)
    sanction = sanction_for(case.stage, repeat)
    if repeat:
        reasons = ["Repeat offense: " + r + "." for r in why_repeat] + [
            "Proposed: training discontinued, no new training for "
            f"{BAN_YEARS} years from the decision. Never automatic: a staff decision is required."
        ]
    else:
        reasons = [
            f"First offense: plagiarism found {_STAGE_PHRASE[case.stage]}.",
            "Proposed: " + sanction.description,
        ]
    return Proposal(
        case_id=case_id,
        stage=case.stage,
        sanction=sanction,
        repeat=repeat,
        needs_staff_review=repeat,
        reasons=tuple(reasons),
    )


def queue_key(case_id: str, repeat: bool, opened_at: datetime) -> tuple[int, datetime, str]:
    """Sort key for the staff review queue: repeats (``is_repeat``) first, then oldest first,
    then by id."""
    return (0 if repeat else 1, opened_at, case_id)


# ---------------------------------------------------------------------------------------------
# The standing


@dataclass(frozen=True)
class SanctionInForce:
    """A confirmed case and the sanction staff applied."""

    case_id: str
    project: str
    stage: Stage
    sanction: Sanction
    decided_at: datetime


@dataclass(frozen=True)
class Standing:
    """A student's record at one instant, computed from the whole append-only history.

    ``banned_until`` is the end of the latest ban in force, kept even once it has passed (it is
    part of the record); ``banned`` says whether it still runs. ``next_is_repeat`` says whether
    plagiarism in work handed in now would be a repeat through a warning (evaluations are per
    project; see :meth:`would_repeat`).
    """

    student_id: str
    sanctions: tuple[SanctionInForce, ...]
    open_cases: tuple[str, ...]
    dismissed_cases: tuple[str, ...]
    banned_until: datetime | None
    banned: bool
    next_is_repeat: bool
    evaluated_projects: frozenset[str] = field(default_factory=frozenset)
    to_revisit: tuple[str, ...] = ()

    @property
    def warnings(self) -> int:
        """Every confirmed sanction includes a written warning."""
        return len(self.sanctions)

    @property
    def highest(self) -> Sanction | None:
        return max((s.sanction for s in self.sanctions), default=None)

    def would_repeat(self, project: str) -> bool:
        """Whether plagiarism in work on ``project`` handed in now would be a repeat."""
        return self.next_is_repeat or project in self.evaluated_projects


def standing(history: History, as_of: datetime) -> Standing:
    """The student's standing at ``as_of``: sanctions in force, open cases, ban, repeat risk."""
    _require_aware(as_of, "as_of")
    in_force: list[SanctionInForce] = []
    open_cases: list[str] = []
    dismissed: list[str] = []
    to_revisit: list[str] = []
    for case in sorted(history.cases, key=lambda c: (c.opened_at, c.case_id)):
        if case.opened_at > as_of:
            continue
        d = decision_in_force(history, case.case_id, as_of)
        if d is None:
            open_cases.append(case.case_id)
        elif d.decision is Decision.DISMISSED:
            dismissed.append(case.case_id)
        else:
            assert d.sanction is not None
            in_force.append(
                SanctionInForce(case.case_id, case.project, case.stage, d.sanction, d.decided_at)
            )
            if d.sanction != propose(history, case.case_id, as_of).sanction:
                to_revisit.append(case.case_id)
    in_force.sort(key=lambda s: (s.decided_at, s.case_id))
    bans = [ban_until(s.decided_at) for s in in_force if s.sanction is Sanction.DISCONTINUATION]
    until = max(bans, default=None)
    evaluated = frozenset(e.project for e in history.evaluations if e.evaluated_at <= as_of)
    return Standing(
        student_id=history.student_id,
        sanctions=tuple(in_force),
        open_cases=tuple(open_cases),
        dismissed_cases=tuple(dismissed),
        banned_until=until,
        banned=until is not None and as_of < until,
        next_is_repeat=bool(in_force),
        evaluated_projects=evaluated,
        to_revisit=tuple(to_revisit),
    )


# ---------------------------------------------------------------------------------------------
# The written warning


@dataclass(frozen=True, order=True)
class Citation:
    """A passage of the student's work (file, lines) and the passage it matches."""

    file: str
    start_line: int
    end_line: int
    other_file: str
    other_start: int
    other_end: int

    @classmethod
    def from_fragment(cls, fragment: Fragment) -> Citation:
        """From a report fragment, the student's side being ``a``."""
        a, b = fragment.a, fragment.b
        return cls(a.file, a.start_line, a.end_line, b.file, b.start_line, b.end_line)


CitationLike = Citation | tuple[str, int, int, str, int, int]


def _citation(m: CitationLike) -> Citation:
    return m if isinstance(m, Citation) else Citation(*m)


def _lines(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}-{end}"


def warning_text(
    student: str,
    project: str,
    stage: Stage,
    matches: Iterable[CitationLike],
    sanction: Sanction | None = None,
) -> str:
    """The written warning for a confirmed case, ready to send; matches cited by file and line.

    ``matches`` are :class:`Citation` or 6-tuples ``(file, start_line, end_line, other_file,
    other_start, other_end)``; they are de-duplicated and sorted so the text is the same for
    the same evidence. ``sanction`` defaults to the first-offense rung for ``stage``.
    """
    stage = Stage(stage)
    sanction = sanction if sanction is not None else sanction_for(stage, repeat=False)
    citations = sorted({_citation(m) for m in matches})
    lines = [
        f"Subject: Plagiarism in your project {project}: {_TITLE[sanction]}",
        "",
        f"Dear {student},",
        "",
        f"Plagiarism was found in your project {project}, {_STAGE_PHRASE[stage]}. "
        "Staff have reviewed the case and confirmed it.",
        "",
    ]
    if citations:
        lines.append("The following passages of your work match passages of another work:")
        for c in citations:
            lines.append(
                f"  - {c.file}, {_lines(c.start_line, c.end_line)}: matches "
                f"{c.other_file}, {_lines(c.other_start, c.other_end)}"
            )
    else:
        lines.append("The passages concerned are recorded in the case file.")
    lines += ["", sanction.description, ""]
    if sanction is not Sanction.DISCONTINUATION:
        lines += [
            "Under the school's plagiarism policy, any further plagiarism after this warning "
            f"leads to the discontinuation of your training, with no new training for "
            f"{BAN_YEARS} years.",
            "",
        ]
    lines.append("The pedagogy team")
    return "\n".join(lines) + "\n"


_TITLE: dict[Sanction, str] = {
    Sanction.WRITTEN_WARNING: "written warning",
    Sanction.REWORK: "written warning, project to be reworked",
    Sanction.FULL_REDO: "written warning, project to be entirely redone",
    Sanction.DISCONTINUATION: "training discontinued",
}


def _when(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


__all__ = [
    "BAN_YEARS",
    "CaseRecord",
    "CaseStatus",
    "Citation",
    "Decision",
    "DecisionRecord",
    "Evaluation",
    "History",
    "Proposal",
    "Sanction",
    "SanctionInForce",
    "Stage",
    "Standing",
    "ban_until",
    "case_status",
    "decision_in_force",
    "is_repeat",
    "makes_a_repeat",
    "propose",
    "queue_key",
    "repeat_reasons",
    "sanction_for",
    "standing",
    "warning_text",
]
