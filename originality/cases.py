"""Cases and sanctions, stored: the service's side of the penalty ladder.

:mod:`originality.ladder` is the pure policy; this module keeps its records in the database
(cases with frozen evidence, append-only decisions, the audit log, the outbox of webhook
events: ``originality/outbox.py``) and asks the ladder about them. People decide: nothing here picks a sanction without a
staff decision, and no record is ever updated or deleted; a reversal is a new decision row.
Beside the records, ``active_cases`` holds the one case that blocks each submission, so the
database refuses a second open case however many requests race for it.
Like the rest of the engine it imports neither Flask nor Celery; the relay sends the events.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Row, Select, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from originality import ladder, outbox
from originality.archive import Archive
from originality.errors import CaseConflict, NotFound, NotReady, UsageError
from originality.store import links
from originality.store.models import (
    ActiveCase,
    AuditLog,
    CaseRow,
    DecisionRow,
    EvaluationRow,
    JobStatus,
    Submission,
    TriageItem,
    utcnow,
)

SANCTION_DECIDED = "sanction.decided"
# What an evaluation of a deliverable may conclude; any of them makes a later case on the same
# project a repeat offense.
OUTCOMES = ("pass", "conditional_pass", "rework")
# The school's rule: a conditional pass asks for a fix within 48 hours of the evaluation. Its
# deadline is computed from ``evaluated_at``, never stored, so it cannot disagree with it.
FIX_WITHIN = timedelta(hours=48)
# A case in one of these states keeps its submission from being evaluated.
BLOCKING = (ladder.CaseStatus.OPEN, ladder.CaseStatus.CONFIRMED)


# Students (or cases) per query: well under every database's limit on bound parameters.
IN_BATCH = 200
# When the student handed in a case's work (``ladder.CaseRecord.handed_in_at``): the time the
# platform gave with the upload, else the upload's own. Read joined to the case's submission.
HANDED_IN = func.coalesce(Submission.submitted_at, Submission.created_at).label("handed_in_at")


@dataclass(frozen=True)
class QueuePage:
    """Cases of the review queue, in its order: a page of them, how many the queue holds (and
    how many of those are repeat offenses), and the case the next page starts after (None on
    the last page); apart, every confirmed case whose sanction is to revisit, whatever the
    status asked."""

    cases: list[dict[str, Any]]
    total: int
    repeats: int
    next: str | None
    to_revisit: list[dict[str, Any]]


@dataclass(frozen=True)
class Actor:
    """Who acts (a token's name and role), for the audit log."""

    name: str
    role: str


def aware(t: datetime) -> datetime:
    """Stored times are naive UTC; the ladder wants aware ones."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def naive(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


def iso(t: datetime | None) -> str | None:
    return None if t is None else aware(t).isoformat()


class CaseBook:
    """The cases of one archive's database."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.db

    # -- reading -----------------------------------------------------------------------------

    def _history(self, session: Session, student_id: str) -> tuple[ladder.History, list[Row[Any]],
                                                                     list[Row[Any]]]:
        return self._histories(session, [student_id], evidence=True)[student_id]

    def _histories(self, session: Session, students: Iterable[str] | Select[Any],
                   evidence: bool = False) -> dict[str, tuple[ladder.History, list[Row[Any]], list[Row[Any]]]]:
        """Each student's history (cases, decisions, evaluations) and its rows: plain rows, each
        column by its name as on the ORM's, the cases' frozen evidence only with ``evidence``.
        The queue and the standings read every case of the school: plain rows took a queue page
        of 3,000 cases 20-30% less CPU than ORM objects (docs/benchmarks.md, "The queue, a page
        at a time").

        ``students`` is a list of ids (read three queries per batch of them) or a query that
        selects them: then four queries whatever their number (the students, and their cases,
        decisions and evaluations, each chosen by that query inside the database), so the
        queue, which reads every student with a case, does not grow in queries with the school.
        """
        if isinstance(students, Select):
            wanted = sorted(set(session.scalars(students)))
            # Not correlated with the queries below, which read the cases too.
            choices: list[Any] = [students.correlate(None)] if wanted else []
        else:
            wanted = list(students)
            choices = [wanted[k : k + IN_BATCH] for k in range(0, len(wanted), IN_BATCH)]
        cases: dict[str, list[Row[Any]]] = {s: [] for s in wanted}
        decisions: dict[str, list[Row[Any]]] = {s: [] for s in wanted}
        evaluations: dict[str, list[Row[Any]]] = {s: [] for s in wanted}
        case_columns = [c for c in CaseRow.__table__.c if evidence or c.name != "evidence"]
        for chosen in choices:
            for c in session.execute(select(*case_columns, HANDED_IN)
                                     .join(Submission, Submission.id == CaseRow.submission_id)
                                     .where(CaseRow.student_id.in_(chosen))
                                     .order_by(CaseRow.opened_at, CaseRow.id)):
                cases[c.student_id].append(c)
            for d in session.execute(
                    select(*DecisionRow.__table__.c, CaseRow.student_id.label("of_student"))
                    .join(CaseRow, CaseRow.id == DecisionRow.case_id)
                    .where(CaseRow.student_id.in_(chosen)).order_by(DecisionRow.id)):
                decisions[d.of_student].append(d)
            for e in session.execute(select(*EvaluationRow.__table__.c)
                                     .where(EvaluationRow.student_id.in_(chosen)).order_by(EvaluationRow.id)):
                evaluations[e.student_id].append(e)
        return {s: (_history_of(s, cases[s], decisions[s], evaluations[s]), cases[s], decisions[s])
                for s in wanted}

    def _case_dict(self, history: ladder.History, case: CaseRow | Row[Any], decisions: list[Row[Any]],
                   now: datetime, evidence: bool = True) -> dict[str, Any]:
        status = ladder.case_status(history, case.id, now)
        in_force = ladder.decision_in_force(history, case.id, now)
        proposal = ladder.propose(history, case.id, now)
        out: dict[str, Any] = {
            "id": case.id, "submission_id": case.submission_id, "student_id": case.student_id,
            "project_id": case.project_id, "stage": case.stage, "note": case.note,
            "status": status.value, "opened_by": case.opened_by, "opened_at": iso(case.opened_at),
            "repeat": proposal.repeat, "repeat_reasons": list(ladder.repeat_reasons(history, case.id, now)),
            "proposed_sanction": proposal.sanction.value, "proposal_reasons": list(proposal.reasons),
            "sanction": in_force.sanction.value if in_force and in_force.sanction else None,
            "decisions": [self._decision_dict(d) for d in decisions if d.case_id == case.id],
        }
        if evidence:
            out["evidence"] = json.loads(case.evidence)
        return out

    @staticmethod
    def _decision_dict(d: Row[Any]) -> dict[str, Any]:
        return {"id": d.id, "decision": d.decision, "sanction": d.sanction,
                "banned_until": iso(d.banned_until), "reverses": d.reverses,
                "decided_by": d.decided_by, "note": d.note, "decided_at": iso(d.decided_at)}

    def get(self, case_id: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        with self.db.sessions() as session:
            row = session.get(CaseRow, case_id)
            if row is None:
                raise NotFound(f"no case {case_id}")
            history, cases, decisions = self._history(session, row.student_id)
            return self._case_dict(history, row, decisions, now)

    def evaluations(self, submission_id: str) -> list[dict[str, Any]]:
        """The evaluations recorded for a submission, oldest first."""
        with self.db.sessions() as session:
            return [self._evaluation_dict(row) for row in session.scalars(
                select(EvaluationRow).filter_by(submission_id=submission_id)
                .order_by(EvaluationRow.id))]

    @staticmethod
    def _evaluation_dict(row: EvaluationRow) -> dict[str, Any]:
        return {"id": row.id, "submission_id": row.submission_id, "student_id": row.student_id,
                "project_id": row.project_id, "outcome": row.outcome, "note": row.note,
                "evaluated_by": row.evaluated_by, "evaluated_at": iso(row.evaluated_at),
                "fix_due_at": iso(row.evaluated_at + FIX_WITHIN)
                if row.outcome == "conditional_pass" else None}

    def submission_case(self, submission: Submission) -> dict[str, Any] | None:
        """The case that keeps this submission from being evaluated (open or confirmed), if any.

        Each case is judged in the history of the student it names, not in the submission's:
        pseudonymizing the archive (``privacy/pseudonymize.py``) renames the submission and
        leaves its cases under the student's id, and a case opened afterwards is under the
        pseudonym."""
        now = datetime.now(UTC)
        with self.db.sessions() as session:
            rows = list(session.scalars(select(CaseRow).filter_by(submission_id=submission.id)))
            if not rows:
                return None
            histories = self._histories(session, sorted({r.student_id for r in rows}))
            for row in sorted(rows, key=lambda r: (r.opened_at, r.id), reverse=True):
                history, _, decisions = histories[row.student_id]
                if ladder.case_status(history, row.id, now) in BLOCKING:
                    return self._case_dict(history, row, decisions, now, evidence=False)
            return None

    def standings(self, students: Iterable[str] | Select[Any],
                  now: datetime | None = None) -> dict[str, ladder.Standing]:
        """Each student's standing (a list of ids, or a query selecting them: then in a fixed
        number of queries, see ``_histories``)."""
        now = now or datetime.now(UTC)
        with self.db.sessions() as session:
            found = self._histories(session, students)
        return {student: ladder.standing(history, now) for student, (history, _, _) in found.items()}

    def standing(self, student_id: str, now: datetime | None = None) -> ladder.Standing:
        now = now or datetime.now(UTC)
        with self.db.sessions() as session:
            history, _, _ = self._history(session, student_id)
        return ladder.standing(history, now)

    def record(self, student_id: str) -> dict[str, Any]:
        """The student's record: every case, the sanctions in force and the ban."""
        now = datetime.now(UTC)
        with self.db.sessions() as session:
            history, cases, decisions = self._history(session, student_id)
        st = ladder.standing(history, now)
        return {
            "student_id": student_id,
            "cases": [self._case_dict(history, c, decisions, now) for c in cases],
            "sanctions": [{"case_id": s.case_id, "project_id": s.project, "stage": s.stage.value,
                           "sanction": s.sanction.value, "description": s.sanction.description,
                           "decided_at": iso(s.decided_at)} for s in st.sanctions],
            "warnings": st.warnings,
            "open_cases": list(st.open_cases),
            "dismissed_cases": list(st.dismissed_cases),
            "to_revisit": list(st.to_revisit),
            "banned_until": iso(st.banned_until),
            "banned": st.banned,
        }

    def queue(self, status: str | None = None, after: str | None = None,
              limit: int | None = None) -> QueuePage:
        """The staff review queue: repeat offenses first, then oldest first; the cases after
        the case ``after`` (from the first without it; ``NotFound`` when it is not in the
        queue), ``limit`` of them (all without it).

        Only the histories of the students who may have a case of ``status`` are read: for the
        open cases, those with a case that no decision has reached; for the decided ones, those
        with a decision. The ladder says each case's status and whether it is a repeat from the
        whole history; only the page's cases are then described in full (their proposal,
        reasons and decisions): at 3,000 cases, describing every case was most of a page that
        shows 50 (docs/benchmarks.md, "The queue, a page at a time"). Apart, whatever the status
        and the page, the confirmed cases whose sanction is to revisit (``_to_revisit``)."""
        if status is not None:
            status = ladder.CaseStatus(status).value
        now = datetime.now(UTC)
        with self.db.sessions() as session:
            # An alias: the query is read inside others on the cases themselves.
            case = aliased(CaseRow)
            decided = exists().where(DecisionRow.case_id == case.id,
                                     DecisionRow.decided_at <= now.replace(tzinfo=None))
            students = select(case.student_id).distinct()
            if status == ladder.CaseStatus.OPEN.value:
                students = students.where(~decided)
            elif status is not None:
                students = students.where(decided)
            histories = self._histories(session, students)
            appealed = self._histories(session, _students_with_a_reversal())
        listed: list[tuple[tuple[int, datetime, str], bool, str, Row[Any]]] = []
        for student, (history, cases, _) in histories.items():
            for c in cases:
                if status is None or ladder.case_status(history, c.id, now).value == status:
                    repeat = ladder.is_repeat(history, c.id, now)
                    listed.append((ladder.queue_key(c.id, repeat, aware(c.opened_at)), repeat, student, c))
        listed.sort(key=lambda item: item[0])
        start = 0
        if after is not None:
            start = next((n + 1 for n, (*_, c) in enumerate(listed) if c.id == after), -1)
            if start < 0:
                raise NotFound(f"no case {after} in this queue")
        shown = listed[start:] if limit is None else listed[start:start + limit]
        more = limit is not None and start + limit < len(listed)
        return QueuePage(
            cases=[self._case_dict(histories[student][0], c, histories[student][2], now, evidence=False)
                   for _, _, student, c in shown],
            total=len(listed), repeats=sum(1 for _, repeat, _, _ in listed if repeat),
            next=shown[-1][3].id if more else None, to_revisit=self._to_revisit(appealed, now))

    def _to_revisit(self, histories: dict[str, tuple[ladder.History, list[Row[Any]], list[Row[Any]]]],
                    now: datetime) -> list[dict[str, Any]]:
        """The confirmed cases of these students whose sanction is no longer what the ladder
        proposes (``Standing.to_revisit``), oldest first. They are confirmed, so not in the open
        cases staff watch; yet a sanction, a ban too, may rest on a case overturned since. It
        stays in force until staff decide the case again (confirming applies the ladder's
        sanction now): the ladder never lifts it on its own."""
        found: list[tuple[datetime, str, dict[str, Any]]] = []
        for history, cases, decisions in histories.values():
            revisit = set(ladder.standing(history, now).to_revisit)
            found += [(aware(c.opened_at), c.id, self._case_dict(history, c, decisions, now, evidence=False))
                      for c in cases if c.id in revisit]
        return [case for _, _, case in sorted(found, key=lambda f: (f[0], f[1]))]

    def audit(self, subject: str | None = None) -> list[dict[str, Any]]:
        with self.db.sessions() as session:
            query = select(AuditLog).order_by(AuditLog.id)
            if subject is not None:
                query = query.filter_by(subject=subject)
            return [{"at": iso(a.at), "actor": a.actor, "role": a.role, "action": a.action,
                     "subject": a.subject, "why": a.why, "detail": json.loads(a.detail)}
                    for a in session.scalars(query)]

    # -- writing -----------------------------------------------------------------------------

    def evaluate(self, actor: Actor, submission_id: str, outcome: str,
                 note: str = "") -> dict[str, Any]:
        """Record that a deliverable (a checked submission) was evaluated; append-only. A
        submission with an open or confirmed case cannot be evaluated, nor the work of a student
        whose training is discontinued while the ban runs: there is no training to evaluate."""
        if outcome not in OUTCOMES:
            raise UsageError(f"outcome must be one of {', '.join(OUTCOMES)}")
        submission = self.archive.get(submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}")
        if submission.status != JobStatus.DONE:
            raise CaseConflict(f"submission {submission_id} is {submission.status}; "
                               "only a checked submission is evaluated")
        if self.submission_case(submission) is not None:
            raise CaseConflict(f"submission {submission_id} has an open or confirmed case "
                               "and cannot be evaluated")
        st = self.standing(submission.student_id)
        if st.banned:
            raise CaseConflict(f"student {submission.student_id} is banned until "
                               f"{iso(st.banned_until)} (training discontinued): submission "
                               f"{submission_id} cannot be evaluated")
        now = utcnow()
        with self.db.session() as session:
            row = EvaluationRow(submission_id=submission.id, student_id=submission.student_id,
                                project_id=submission.project_id, outcome=outcome, note=note,
                                evaluated_by=actor.name, evaluated_by_role=actor.role,
                                evaluated_at=now)
            session.add(row)
            session.flush()
            session.add(AuditLog(at=now, actor=actor.name, role=actor.role,
                                 action="submission.evaluated",
                                 subject=f"submission:{submission.id}", why=note,
                                 detail=json.dumps({"evaluation_id": row.id, "outcome": outcome,
                                                    "student_id": submission.student_id,
                                                    "project_id": submission.project_id})))
            return self._evaluation_dict(row)

    def open(self, actor: Actor, submission_id: str, stage: str, note: str,
             fragments: Iterable[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Open a case; its evidence is the submission's report matches, frozen now (only
        the matches holding one of ``fragments``, and only those fragments, when given).

        The matches are both ways: the earlier work the report lists and the later
        submissions that match this one (marked ``"later": true``), so a case opened on the
        student whose work went around keeps the copies that show it.
        """
        submission = self.archive.get(submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}")
        if submission.status != JobStatus.DONE:
            raise NotReady(f"submission {submission_id} is {submission.status}; no report to cite")
        later = [{**match, "later": True} for match in links.later_matches(self.db, submission_id).matches]
        evidence = _select(self.archive.report_of(submission_id).get("matches", []) + later, fragments)
        if self.submission_case(submission) is not None:
            raise CaseConflict(f"submission {submission_id} already has an open or confirmed case")
        case_id = uuid.uuid4().hex
        now = utcnow()
        with self.db.session() as session:
            session.add(CaseRow(id=case_id, submission_id=submission.id,
                                student_id=submission.student_id, project_id=submission.project_id,
                                stage=ladder.Stage(stage).value, note=note,
                                evidence=json.dumps(evidence, sort_keys=True),
                                opened_by=actor.name, opened_by_role=actor.role, opened_at=now))
            session.flush()  # the case exists before the guard and the items name it
            # The check above reads before anyone writes, so two requests at once both pass
            # it; the guard's primary key lets one of them in (the other waits for its commit
            # and fails here).
            session.add(ActiveCase(submission_id=submission.id, case_id=case_id))
            try:
                session.flush()
            except IntegrityError as error:
                raise CaseConflict(f"submission {submission_id} already has an open or "
                                   "confirmed case") from error
            # The case clears the submission's items waiting in the triage (originality/triage.py):
            # the person who opened it has looked, and its evidence holds every match.
            cleared = session.execute(
                update(TriageItem)
                .where(TriageItem.submission_id == submission.id, TriageItem.case_id.is_(None),
                       TriageItem.dismissed_at.is_(None))
                .values(case_id=case_id)).rowcount  # type: ignore[attr-defined]
            session.add(AuditLog(at=now, actor=actor.name, role=actor.role, action="case.opened",
                                 subject=f"case:{case_id}", why=note,
                                 detail=json.dumps({"submission_id": submission.id, "stage": stage,
                                                    "student_id": submission.student_id,
                                                    "triage_items_cleared": cleared})))
        return self.get(case_id)

    def decide(self, actor: Actor, case_id: str, decision: str, note: str,
               reverses: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """Record a staff decision (a new row); returns the case and the ``sanction.decided``
        event, added to the outbox in the same transaction.

        ``reverses`` is the decision in force the decider saw and means to reverse (None: the
        case had none). When it is not the one in force, someone decided the case since the
        decider read it: ``CaseConflict``, nothing stored. Taking the later request as a
        reversal of a decision its author never saw undid a confirmation without a word."""
        choice = ladder.Decision(decision)
        note = note.strip()
        if not note:  # as a triage dismissal's reason (originality/triage.py)
            raise UsageError("a decision needs a note saying why: it is kept for the student's "
                             "file and for any appeal")
        now = datetime.now(UTC)
        with self.db.session() as session:
            row = session.get(CaseRow, case_id)
            if row is None:
                raise NotFound(f"no case {case_id}")
            history, _, _ = self._history(session, row.student_id)
            # Never before the case was opened or last decided: the API's machines' clocks may
            # differ by seconds, and a decision dated before its case or before the decision it
            # reverses is a history the ladder refuses.
            now = max([now, aware(row.opened_at)]
                      + [d.decided_at for d in history.decisions_on(case_id)])
            in_force = ladder.decision_in_force(history, case_id)
            if reverses != (None if in_force is None else int(in_force.decision_id)):
                raise CaseConflict(_not_what_was_seen(case_id, in_force, reverses))
            proposal = ladder.propose(history, case_id, now)
            sanction = proposal.sanction if choice is ladder.Decision.CONFIRMED else None
            if in_force is not None and in_force.decision is choice and in_force.sanction == sanction:
                raise CaseConflict(f"case {case_id} is already {choice.value}")
            until = ladder.ban_until(now) if sanction is ladder.Sanction.DISCONTINUATION else None
            new = DecisionRow(case_id=case_id, decision=choice.value,
                              sanction=sanction.value if sanction else None,
                              banned_until=naive(until) if until else None, reverses=reverses,
                              decided_by=actor.name, note=note, decided_at=naive(now))
            session.add(new)
            try:
                session.flush()
            except IntegrityError as error:
                # Another decision on this case was stored since we read the chain and checked
                # ``reverses`` (the database keeps one first decision per case, each reversed
                # at most once).
                raise CaseConflict(f"case {case_id} was decided concurrently; "
                                   "reload it and decide again") from error
            # The guard follows the case: a dismissed case frees its submission for another
            # one; reversing a dismissal takes the submission back, unless a case opened since
            # holds it.
            if choice is ladder.Decision.DISMISSED:
                session.execute(delete(ActiveCase).where(ActiveCase.case_id == case_id))
            elif (in_force is not None and in_force.decision is ladder.Decision.DISMISSED
                  and session.scalar(select(ActiveCase).filter_by(case_id=case_id)) is None):
                submission_id = row.submission_id  # a failed flush expires the row
                session.add(ActiveCase(submission_id=submission_id, case_id=case_id))
                try:
                    session.flush()
                except IntegrityError as error:
                    raise CaseConflict(
                        f"submission {submission_id} has another open or confirmed case "
                        f"since case {case_id} was dismissed; dismiss that one first") from error
            action = "case.reversed" if reverses is not None else "case.decided"
            session.add(AuditLog(at=naive(now), actor=actor.name, role=actor.role, action=action,
                                 subject=f"case:{case_id}", why=note,
                                 detail=json.dumps({"decision": choice.value, "decision_id": new.id,
                                                    "sanction": new.sanction, "reverses": reverses,
                                                    "repeat": proposal.repeat})))
            history, _, decisions = self._history(session, row.student_id)
            st = ladder.standing(history, now)
            evidence = json.loads(row.evidence)
            message = None
            if sanction is not None:
                citations = [(f["a"]["file"], f["a"]["start_line"], f["a"]["end_line"],
                              f["b"]["file"], f["b"]["start_line"], f["b"]["end_line"])
                             for m in evidence for f in m.get("fragments", [])]
                message = ladder.warning_text(row.student_id, row.project_id,
                                              ladder.Stage(row.stage), citations, sanction)
            data = {"case_id": case_id, "submission_id": row.submission_id,
                    "student_id": row.student_id, "project_id": row.project_id,
                    "decision": choice.value, "decision_id": new.id, "reverses": reverses,
                    "sanction": new.sanction,
                    "sanction_description": sanction.description if sanction else None,
                    "repeat": proposal.repeat, "banned_until": iso(st.banned_until),
                    "banned": st.banned, "evaluable": choice is not ladder.Decision.CONFIRMED,
                    "decided_at": iso(now), "message": message}
            event = outbox.record(session, SANCTION_DECIDED, data, now)
            case = self._case_dict(history, row, decisions, now)
        return case, event


def _not_what_was_seen(case_id: str, in_force: ladder.DecisionRecord | None,
                       reverses: int | None) -> str:
    """Why a decision taken on another state of the case than the stored one is refused, and
    what to send to decide on the stored one."""
    if in_force is None:
        return (f"case {case_id} has no decision yet, so decision {reverses} cannot be reversed: "
                "a first decision is sent without reverses")
    stands = (f"case {case_id} is {in_force.decision.value} by decision {in_force.decision_id} "
              f"({in_force.decided_by}, {iso(in_force.decided_at)})")
    if reverses is None:
        return (f"{stands}: a new decision reverses it, so send reverses: "
                f"{in_force.decision_id} once you have read it")
    return (f"{stands}, not by decision {reverses}: it was decided again since; read it, and "
            f"send reverses: {in_force.decision_id} to reverse it")


def _students_with_a_reversal() -> Select[Any]:
    """The students with a reversal on record. Only they can have a sanction to revisit: a
    sanction is the ladder's proposal when it is decided (``CaseBook.decide``), and that
    proposal changes only when the decision in force on another of the student's cases changes
    afterwards, which takes a reversal (a first decision counts only for the cases on work
    handed in after it, hence opened and decided after it). Reading them, not everyone with a
    sanction, keeps the queue's cost what it was (docs/benchmarks.md, "The queue, a page at a
    time")."""
    return (select(CaseRow.student_id).distinct()
            .join(DecisionRow, DecisionRow.case_id == CaseRow.id)
            .where(DecisionRow.reverses.is_not(None)))


def case_record(case: CaseRow | Row[Any], handed_in_at: datetime) -> ladder.CaseRecord:
    """A stored case as the ladder reads it; ``handed_in_at`` is its submission's ``HANDED_IN``."""
    return ladder.CaseRecord(case.id, case.student_id, case.project_id, ladder.Stage(case.stage),
                             aware(case.opened_at), aware(handed_in_at))


def evaluation_record(evaluation: EvaluationRow | Row[Any]) -> ladder.Evaluation:
    """A stored evaluation as the ladder reads it."""
    return ladder.Evaluation(evaluation.student_id, evaluation.project_id,
                             aware(evaluation.evaluated_at), evaluation.submission_id)


def _history_of(student_id: str, cases: list[Row[Any]], decisions: list[Row[Any]],
                evaluations: list[Row[Any]]) -> ladder.History:
    return ladder.History(
        student_id=student_id,
        cases=tuple(case_record(c, c.handed_in_at) for c in cases),
        decisions=tuple(ladder.DecisionRecord(
            str(d.id), d.case_id, ladder.Decision(d.decision), aware(d.decided_at),
            ladder.Sanction(d.sanction) if d.sanction else None,
            str(d.reverses) if d.reverses is not None else None, d.decided_by, d.note)
            for d in decisions),
        evaluations=tuple(evaluation_record(e) for e in evaluations),
    )


def _select(matches: list[dict[str, Any]], fragments: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The report matches to keep as evidence: all of them, or those holding ``fragments``."""
    if fragments is None:
        return [json.loads(json.dumps(m)) for m in matches]
    wanted = [_fragment_key(f) for f in fragments]
    kept: list[dict[str, Any]] = []
    found: set[tuple[Any, ...]] = set()
    for m in matches:
        mine = [f for f in m.get("fragments", []) if _fragment_key(f) in wanted]
        if mine:
            found.update(_fragment_key(f) for f in mine)
            kept.append({**json.loads(json.dumps(m)), "fragments": mine})
    missing = [k for k in wanted if k not in found]
    if missing:
        raise UsageError(f"{len(missing)} fragment(s) are not in the submission's report")
    return kept


def _fragment_key(f: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return (f["a"]["file"], int(f["a"]["start_line"]), int(f["a"]["end_line"]),
                f["b"]["file"], int(f["b"]["start_line"]), int(f["b"]["end_line"]))
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(f"a fragment needs a and b, each with file, start_line and end_line: {error}") from error


__all__ = ["Actor", "CaseBook", "FIX_WITHIN", "HANDED_IN", "OUTCOMES", "SANCTION_DECIDED", "case_record",
           "evaluation_record"]
