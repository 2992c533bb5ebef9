"""Erasure: a student's data removed on request, a submission's when its period ends.

Erasing a submission leaves a marked row (``Submission.erased_at``) and nothing of the student
in it: no student id (``erased:<submission id>`` instead), file name, upload, extracted text,
fingerprint, index entry, report, link, triage item or evaluation. Other students' reports keep
their match with it, as a score with ``"erased": true`` and no fragments or file names, so a
page says the work matched was erased and never shows its text; cases' frozen evidence loses
its student id and file name the same way. Another student's item still waiting in the triage on
a pair with it is cleared, as dismissed by whoever erased it and why: nothing of the work is
left to read side by side, and the flag an assessor saw keeps a record of where it went.

What the law obliges the school to keep is kept (``holds.py``): a submission a case in force is
about, or that its evidence names, keeps its texts and report; it only leaves the index (it is
no longer compared with later work). An evaluation a case in force rests on as a repeat is kept
too, with the student's id (the ladder reads it), even when its submission is erased. When the
case is another student's, the erased student's id in it is replaced by the pseudonym
``erased:<submission id>``. A case in force of the student keeps the student's id: the ban it
may carry is enforced by it. The answer lists what was removed and what was kept, and why;
erasing again removes nothing more. Every erasure is a row of the audit log.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..archive import stats
from ..errors import UsageError
from ..store.models import (
    AccessLog,
    ActiveCase,
    ArchiveEntry,
    AuditLog,
    CaseRow,
    DecisionRow,
    DocumentRow,
    EvaluationRow,
    EventRow,
    LshBucket,
    MatchLink,
    ReportRow,
    SubmissionSummary,
    Submission,
    TriageItem,
    UnitRow,
    utcnow,
)
from ..store.links import ERASED_STUDENT
from .exposure import also_known_as
from .holds import Holds, holds
from .policy import RetentionPolicy

if TYPE_CHECKING:
    from ..archive import Archive

ERASED_PREFIX = "erased:"
# Why another student's waiting item on a pair with an erased submission was cleared.
ERASED_PAIR = ("the other submission of this pair was erased (on request or at the end of its "
               "retention period): nothing of it is left to compare or to cite")


def erased_id(submission_id: str) -> str:
    """The student id an erased (or pseudonymized) submission keeps: its own id, which names
    nobody and keeps the row unique."""
    return ERASED_PREFIX + submission_id


@dataclass
class Removal:
    """Counts of what was removed, per kind, and the projects whose index lost entries."""

    counts: Counter[str] = field(default_factory=Counter)
    projects: set[str] = field(default_factory=set)
    # Uploads to delete once the rows are committed: those of erased submissions (deleted
    # unless another row still uses the same file) and those past their period (``expired``,
    # whose rows stay; the retention run checked that no younger row uses them).
    uploads: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)
    cases: set[str] = field(default_factory=set)  # the ids of the cases deleted

    def add(self, kind: str, n: int) -> None:
        if n:
            self.counts[kind] += n


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def forget_fingerprints(session: Session, submission: Submission, removal: Removal) -> None:
    """Take a submission out of comparison: its units, archive entry, index buckets and its
    share of the project's running statistics."""
    stats.uncount_entry(session, submission.id)  # reads its group's profiles: first
    removal.add("fingerprints", _rowcount(session.execute(
        delete(UnitRow).where(UnitRow.submission_id == submission.id))))
    session.execute(delete(LshBucket).where(LshBucket.submission_id == submission.id))
    entries = _rowcount(session.execute(
        delete(ArchiveEntry).where(ArchiveEntry.submission_id == submission.id)))
    if entries:
        removal.add("index_entries", entries)
        removal.projects.add(submission.project_id)


def forget_texts(session: Session, submission_ids: list[str], removal: Removal) -> None:
    """Drop the extracted texts of these submissions (the documents' list stays)."""
    removal.add("texts", _rowcount(session.execute(
        update(DocumentRow).where(DocumentRow.submission_id.in_(submission_ids),
                                  DocumentRow.text_z.is_not(None)).values(text_z=None))))


# Submissions per query when their mentions are looked up.
# Well under every database's limit on bound parameters.
IN_BATCH = 500
# Cases per query looked up by what their evidence contains (one LIKE each).
# A judgment, not measured: fifty LIKE conditions keep a statement small.
CASES_BATCH = 50


def reports_mentioning(session: Session, submission_ids: Collection[str],
                       edit: Callable[[dict[str, Any]], dict[str, Any]], without_lines: bool = False) -> int:
    """``edit`` every match of the stored reports listing one of ``submission_ids`` (and with
    ``without_lines``, drop their template lines); returns how many reports were rewritten.
    Each report is read and written once, whatever the number of its mentions: a cohort past
    its period goes in one run, and on one task its reports name one another by the hundreds
    (a report per mention made that quadratic; docs/benchmarks.md, "Archive check as the
    archive grows")."""
    ids = sorted(set(submission_ids))
    readers = sorted({reader for start in range(0, len(ids), IN_BATCH) for reader in session.scalars(
        select(MatchLink.submission_id).where(MatchLink.other_id.in_(ids[start:start + IN_BATCH])))})
    wanted, rewritten = set(ids), 0
    for start in range(0, len(readers), IN_BATCH):
        batch = readers[start:start + IN_BATCH]
        for row in session.scalars(select(ReportRow).where(ReportRow.submission_id.in_(batch))):
            body = json.loads(row.body)
            changed = False
            for key in ("matches", "own_attempts"):
                for i, match in enumerate(body.get(key) or ()):
                    if match.get("submission_id") in wanted:
                        body[key][i] = edit(match)
                        changed = True
            lines = body.get("template_lines") or {}
            if without_lines and wanted & set(lines):
                body["template_lines"] = {sid: kept for sid, kept in lines.items() if sid not in wanted}
                changed = True
            if changed:
                row.body = json.dumps(body, sort_keys=True)
                rewritten += 1
    return rewritten


def cases_citing(session: Session, submission_ids: Collection[str],
                 edit: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """``edit`` every match of the cases' frozen evidence that cites one of ``submission_ids``;
    returns how many cases were rewritten, each once."""
    ids = sorted(set(submission_ids))
    cases = {case.id: case for start in range(0, len(ids), CASES_BATCH) for case in session.scalars(
        select(CaseRow).where(or_(*(CaseRow.evidence.contains(i, autoescape=True)
                                    for i in ids[start:start + CASES_BATCH]))))}
    wanted, rewritten = set(ids), 0
    for case_id in sorted(cases):
        evidence = json.loads(cases[case_id].evidence)
        if any(m.get("submission_id") in wanted for m in evidence):
            cases[case_id].evidence = json.dumps([edit(m) if m.get("submission_id") in wanted else m
                                                  for m in evidence], sort_keys=True)
            rewritten += 1
    return rewritten


def redact_mentions(session: Session, submission_ids: Collection[str], erased: bool, removal: Removal) -> None:
    """Other reports' and cases' mentions of these submissions without their students' ids or
    file names; with ``erased``, reports also lose their fragments and template lines (their
    text is gone) and say so, and so do the links that keep them (``store/links.py``)."""
    removal.add("mentions_in_reports", reports_mentioning(session, submission_ids, lambda m: _redacted(m, erased),
                                                          without_lines=erased))
    if erased:
        ids = sorted(set(submission_ids))
        for start in range(0, len(ids), IN_BATCH):
            session.execute(update(MatchLink).where(MatchLink.other_id.in_(ids[start:start + IN_BATCH]))
                            .values(evidence_z=None, fragments=0))
    # The evidence keeps its fragments: the texts they point at are held with it.
    removal.add("mentions_in_cases", cases_citing(session, submission_ids, lambda m: _redacted(m, False)))


def redact_and_clear(session: Session, submission_ids: Collection[str], now: datetime, actor: str,
                     role: str, removal: Removal) -> None:
    """What the others hold of these erased submissions: their reports' and cases' mentions
    redacted (``redact_mentions``), and their items still waiting on a pair with one of them
    cleared, as dismissed by ``actor`` (``role``) with the reason. Once for them all, after
    ``erase_submission``: the items of the erased submissions themselves are gone by then, and
    only the others' are counted."""
    redact_mentions(session, submission_ids, erased=True, removal=removal)
    # Left waiting, an item would show the erased pair and link to a side by side with nothing
    # to show; deleted, the flag an assessor saw would vanish without a word. An item a case
    # cleared is that case's record, and stays as it is.
    ids = sorted(set(submission_ids))
    for start in range(0, len(ids), IN_BATCH):
        removal.add("triage_items_cleared", _rowcount(session.execute(
            update(TriageItem).where(TriageItem.other_id.in_(ids[start:start + IN_BATCH]),
                                     TriageItem.case_id.is_(None), TriageItem.dismissed_at.is_(None))
            .values(dismissed_by=actor, dismissed_by_role=role, dismissed_at=now,
                    dismissal_reason=ERASED_PAIR))))


def _redacted(match: dict[str, Any], erased: bool) -> dict[str, Any]:
    out = {**match, "student_id": ERASED_STUDENT, "name": None}
    if erased:
        out.update(erased=True, fragments=[])
    return out


def _naming(column: Any, key: str, value: str) -> Any:
    """The events whose data names ``value`` as its ``key``: by the row's column, and in the
    rows a release before migration 0027 wrote (the column empty), by the JSON itself."""
    return or_(column == value, and_(column.is_(None), EventRow.data.contains(
        f'"{key}": {json.dumps(value)}', autoescape=True)))


def delete_case(session: Session, case_id: str, removal: Removal) -> None:
    """A case and what hangs on it: its guard, decisions and outbox events."""
    if case_id in removal.cases:
        return
    removal.cases.add(case_id)
    session.execute(delete(ActiveCase).where(ActiveCase.case_id == case_id))
    session.execute(update(TriageItem).where(TriageItem.case_id == case_id).values(case_id=None))
    removal.add("decisions", _rowcount(session.execute(
        delete(DecisionRow).where(DecisionRow.case_id == case_id))))
    removal.add("events", _rowcount(session.execute(delete(EventRow).where(
        _naming(EventRow.case_id, "case_id", case_id)))))
    removal.add("cases", _rowcount(session.execute(delete(CaseRow).where(CaseRow.id == case_id))))


def forget_evaluations(session: Session, submission_id: str, held: Collection[int],
                       removal: Removal) -> None:
    """The submission's evaluations, but those a case in force rests on (``Holds.evaluations``)."""
    query = delete(EvaluationRow).where(EvaluationRow.submission_id == submission_id)
    if held:
        query = query.where(EvaluationRow.id.not_in(sorted(held)))
    removal.add("evaluations", _rowcount(session.execute(query)))


def erase_submission(session: Session, submission: Submission, now: datetime,
                     removal: Removal, held_evaluations: Collection[int]) -> None:
    """Everything of a submission that no case holds (its evaluations but
    ``held_evaluations``); the row stays, marked erased. The caller then deals with what the
    others hold of it (``redact_and_clear``), of many submissions at once."""
    sid = submission.id
    forget_fingerprints(session, submission, removal)
    removal.add("texts", _rowcount(session.execute(
        delete(DocumentRow).where(DocumentRow.submission_id == sid, DocumentRow.text_z.is_not(None)))))
    session.execute(delete(DocumentRow).where(DocumentRow.submission_id == sid))
    removal.add("reports", _rowcount(session.execute(delete(ReportRow).where(ReportRow.submission_id == sid))))
    # Its line of the cohort page goes with its report; another's strongest pair with it stays
    # a number, shown as an erased submission.
    session.execute(delete(SubmissionSummary).where(SubmissionSummary.submission_id == sid))
    # Its links to earlier work stay as numbers, without the fragments and lines they kept: an
    # earlier student's report lists it among its later matches, as an erased submission with
    # its score, as a report lists a match with an erased earlier one. Those to the student's
    # own earlier attempts go.
    removal.add("match_links", _rowcount(session.execute(
        delete(MatchLink).where(MatchLink.submission_id == sid, MatchLink.own.is_(True)))))
    session.execute(update(MatchLink).where(MatchLink.submission_id == sid)
                    .values(evidence_z=None, fragments=0))
    removal.add("triage_items", _rowcount(session.execute(
        delete(TriageItem).where(TriageItem.submission_id == sid))))
    forget_evaluations(session, sid, held_evaluations, removal)
    removal.add("events", _rowcount(session.execute(delete(EventRow).where(
        _naming(EventRow.submission_id, "submission_id", sid)))))
    for case_id in list(session.scalars(select(CaseRow.id).filter_by(submission_id=sid))):
        delete_case(session, case_id, removal)
    if submission.sha256:
        removal.uploads.add(submission.sha256)
    submission.student_id = erased_id(sid)
    submission.name = None
    submission.sha256 = ""
    submission.erased_at = now
    removal.add("submissions", 1)


def pseudonymize_submission(session: Session, submission: Submission, removal: Removal,
                            held_evaluations: Collection[int]) -> None:
    """A submission kept only as another student's case evidence: its texts stay, its
    student id becomes ``erased:<id>``, it leaves the index; its evaluations go but
    ``held_evaluations``."""
    forget_fingerprints(session, submission, removal)
    redact_mentions(session, [submission.id], erased=False, removal=removal)
    forget_evaluations(session, submission.id, held_evaluations, removal)
    submission.student_id = erased_id(submission.id)
    submission.name = None
    removal.add("pseudonymized", 1)


def finish(archive: Archive, removal: Removal, dry_run: bool = False) -> int:
    """After the commit: delete the uploads of ``removal`` and rebuild the index of the
    projects that lost entries (the database's own is in step already; Redis and the in-memory
    one are not). Returns the uploads deleted (with ``dry_run``, those that would be)."""
    deleted = 0
    for sha in sorted(removal.uploads | removal.expired):
        if not archive.store.exists(sha):
            continue
        if dry_run:
            deleted += 1
        elif sha in removal.expired:
            archive.store.delete(sha)
            deleted += 1
        else:
            archive.discard_unused(sha)
            deleted += int(not archive.store.exists(sha))
    if dry_run:
        return deleted
    for project in sorted(removal.projects):
        with archive.db.sessions() as session:
            entries = [(sid, data) for sid, data in session.execute(
                select(ArchiveEntry.submission_id, ArchiveEntry.minhash)
                .filter_by(project_id=project).order_by(ArchiveEntry.seq))]
        archive.index.rebuild(project, entries)
    return deleted


def erase_student(archive: Archive, student_id: str, policy: RetentionPolicy, actor: str,
                  role: str, now: datetime | None = None,
                  pseudonym_secret: str = "") -> dict[str, Any]:
    """Erase what the policy allows of ``student_id`` (and of the work kept under their
    pseudonym, when ``pseudonym_secret`` is given); the answer says what was removed (counts
    per kind) and what was kept, and why. Idempotent; audited."""
    student_id = student_id.strip()
    if not student_id or student_id.startswith(ERASED_PREFIX):
        raise UsageError("a student id is needed (not an erased submission's)")
    now = now or utcnow()
    aliases = also_known_as(pseudonym_secret, student_id)
    removal = Removal()
    kept_submissions: list[dict[str, Any]] = []
    kept_cases: list[dict[str, Any]] = []
    erased: list[str] = []
    with archive.db.session() as session:
        found: Holds = holds(session, policy, now)
        mine = list(session.scalars(select(Submission).where(Submission.student_id.in_(aliases))
                                    .order_by(Submission.created_at, Submission.id)))
        own_cases = {c.id: c for c in session.scalars(select(CaseRow).where(
            CaseRow.student_id.in_(aliases)))}
        for submission in mine:
            holders = found.submissions.get(submission.id, set())
            own = sorted(c for c in holders if c in own_cases)
            if own:  # the student's own case in force: kept as it is, named
                forget_fingerprints(session, submission, removal)
                kept_submissions.append({"id": submission.id, "project_id": submission.project_id,
                                         "cases": own, "pseudonymized": False,
                                         "why": "evidence of the student's case in force"})
            elif holders:  # another student's case cites it
                pseudonymize_submission(session, submission, removal, found.evaluations)
                kept_submissions.append({"id": submission.id, "project_id": submission.project_id,
                                         "cases": sorted(holders), "pseudonymized": True,
                                         "why": "evidence of another student's case in force; "
                                                "kept under the pseudonym " + erased_id(submission.id)})
            else:
                erase_submission(session, submission, now, removal, found.evaluations)
                erased.append(submission.id)
        redact_and_clear(session, erased, now, actor, role, removal)
        kept_evaluations = [
            {"id": e.id, "submission_id": e.submission_id, "project_id": e.project_id,
             "cases": sorted(found.evaluations[e.id]),
             "why": "a case in force rests on it: the project was evaluated before, which makes "
                    "the case a repeat offense"}
            for e in session.scalars(select(EvaluationRow).where(
                EvaluationRow.id.in_(sorted(found.evaluations)),
                EvaluationRow.student_id.in_(aliases)).order_by(EvaluationRow.id))]
        for case_id, case in own_cases.items():
            if case_id in found.cases:
                kept_cases.append({"id": case_id, "submission_id": case.submission_id,
                                   "why": found.cases[case_id]})
            else:
                delete_case(session, case_id, removal)
        for alias in aliases:
            _drop_events_naming(session, alias, set(found.cases), removal)
        session.flush()
        # Who read the student's data stays on record (accountability) for the access log's
        # own period; the entries name submissions and readers, never a text.
        logged = session.scalar(select(func.count()).select_from(AccessLog).where(or_(
            AccessLog.student_id.in_(aliases),
            AccessLog.submission_id.in_([s.id for s in mine])))) or 0
    removal.add("uploads", finish(archive, removal))
    answer = {"student_id": student_id, "erased_at": now.isoformat() + "Z",
              "removed": dict(sorted(removal.counts.items())),
              "kept": {"submissions": kept_submissions, "cases": kept_cases,
                       "evaluations": kept_evaluations, "access_log": int(logged)}}
    # Written once the uploads are gone, so the count is what happened; the request itself is
    # a record the school keeps (accountability), with the ids of what was kept.
    with archive.db.session() as session:
        session.add(AuditLog(at=now, actor=actor, role=role, action="student.erased",
                             subject=f"student:{student_id}",
                             why="erasure requested (GDPR art. 17)",
                             detail=json.dumps({"removed": answer["removed"],
                                                "kept_submissions": [k["id"] for k in kept_submissions],
                                                "kept_cases": [k["id"] for k in kept_cases],
                                                "kept_evaluations": [k["id"] for k in kept_evaluations]},
                                               sort_keys=True)))
    return answer


def _drop_events_naming(session: Session, student_id: str, held_cases: set[str],
                        removal: Removal) -> None:
    """Outbox events that name the student (their own, or another's flag naming them as the
    other side), except those of a case in force."""
    value = json.dumps(student_id)
    for event in list(session.scalars(select(EventRow).where(or_(
            EventRow.data.contains(f'"student_id": {value}', autoescape=True),
            EventRow.data.contains(f'"other_student_id": {value}', autoescape=True))))):
        data = json.loads(event.data).get("data", {})
        if data.get("case_id") in held_cases:
            continue
        session.delete(event)
        removal.add("events", 1)
