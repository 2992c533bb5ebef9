"""Reports both ways: a submission's later matches, read from the links its successors' reports
left, without opening every report of the project.

A check compares a submission with the project's entries before it, so its report lists only
earlier work: the first of two copies never names the second. The pair is scored once, in the
later submission's report. ``write`` keeps one ``MatchLink`` row per match of a stored report,
in the transaction that stores it (a recheck replaces them with the report); ``later`` reads
them backwards, by the earlier side, and ``later_matches`` turns each into the match the later
report holds, turned round so that side ``a`` is the submission asked about. The similarity
and both shares are the very numbers of the later report: the same pair, the same score,
whichever side one looks from.

Only later submissions whose check is done are listed (a report being rewritten by a retry
is not there yet). The caller decides who may read the report; a later match shows of the
other student what an earlier match does (id, attempt, file name, the matched texts), which
is what the other student's own report shows of this one.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased, defer

from .db import Database, driver_rows, execute_rows
from .models import ArchiveEntry, JobStatus, MatchLink, ReportRow, Submission

# What a report, a later match or a case's evidence shows instead of an erased student's id.
ERASED_STUDENT = "erased"

# Reports per query: well under every database's limit on bound parameters.
IN_BATCH = 200
# The report's lists, and whether their entries are the student's own attempts.
LISTS = (("matches", False), ("own_attempts", True))


# One statement for every link of a report: at 20,000 entries of one task a report lists
# thousands of matches, and adding them as ORM objects took a sixth of the worker's time per
# upload (docs/benchmarks.md, "Archive check as the archive grows").
_INSERT = ("INSERT INTO match_links (submission_id, other_id, similarity, a_share, b_share, fragments, own, "
           "evidence_z, explained_by) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0})")


def write(session: Session, submission_id: str, report: Mapping[str, Any],
          explained: Mapping[str, str] | None = None) -> set[str]:
    """Make the links of ``submission_id`` those of ``report``, in the caller's transaction
    (the one that stores the report, so links and report never disagree), each match that
    ``explained`` names marked with the student's own submission that explains it
    (``own_work.copies_of_own_work``). Returns the earlier submissions its report replaced
    linked with another student's work, not explained so (none for a first report): their
    summaries counted them (``summaries.write``)."""
    explained = explained or {}
    before = {other for (other,) in driver_rows(
        session, "SELECT other_id FROM match_links WHERE submission_id = {0} AND own = {0} "
                 "AND explained_by IS NULL", (submission_id, False))}
    session.execute(delete(MatchLink).where(MatchLink.submission_id == submission_id))
    lines = report.get("template_lines") or {}
    seen: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    for key, own in LISTS:
        for match in report.get(key) or ():
            other = str(match["submission_id"])
            if other == submission_id or other in seen:  # one row per pair, as the key says
                continue
            seen.add(other)
            fragments = match.get("fragments") or []
            # What the earlier side's report draws of this match; a match without fragments is
            # all in the row's numbers.
            evidence = zlib.compress(json.dumps(
                {"fragments": fragments, "template_lines": _sides(lines, submission_id, other)},
                sort_keys=True).encode("utf-8")) if fragments else None
            rows.append((submission_id, other, float(match["similarity"]), float(match["a_share"]),
                         float(match["b_share"]), len(fragments), own, evidence,
                         None if own else explained.get(other)))
    execute_rows(session, _INSERT, rows)
    return before


def _sides(lines: Mapping[str, Any], *sides: str) -> dict[str, Any]:
    """A report's template lines of a pair's two sides (those it has)."""
    return {side: lines[side] for side in sides if side in lines}


@dataclass(frozen=True)
class Explanation:
    """Why a match of the report is no pair: the student's own submission ``own_id`` (attempt
    ``attempt``), which the other submission's report matches."""

    own_id: str
    attempt: int


def explained(db: Database, submission_id: str) -> dict[str, Explanation]:
    """The matches of ``submission_id``'s report explained by the student's own earlier work,
    by the other submission's id, as its links keep them: one indexed query."""
    with db.sessions() as session:
        rows = session.execute(
            select(MatchLink.other_id, Submission.id, Submission.attempt)
            .join(Submission, Submission.id == MatchLink.explained_by)
            .where(MatchLink.submission_id == submission_id, MatchLink.explained_by.is_not(None))).all()
    return {other: Explanation(own_id, attempt or 1) for other, own_id, attempt in rows}


@dataclass(frozen=True)
class LaterLink:
    """A later submission whose report matches this one, as its link row says: enough for a
    list, without the fragments. Shares are from this submission's side (``a``)."""

    submission_id: str
    student_id: str
    name: str | None
    attempt: int
    similarity: float
    a_share: float
    b_share: float
    fragments: int
    own: bool
    erased: bool = False  # the later submission was erased: shown by its score alone
    # The later student's own earlier attempt that explains the match (``own_work.py``: this
    # submission's report matches that attempt, which it copied); None for an ordinary match.
    explained_by_attempt: int | None = None

    def summary(self) -> dict[str, Any]:
        """The fields a match has in a report, ``fragments`` as a count (``fragment_count``)."""
        return {**_listed(self), "fragment_count": self.fragments}


def later(db: Database, submission_id: str) -> list[LaterLink]:
    """The later submissions whose reports match ``submission_id``, most similar first: one
    indexed query on the links, no report read."""
    explaining = aliased(Submission)
    with db.sessions() as session:
        rows = session.execute(
            select(MatchLink, Submission, explaining.attempt)
            .options(defer(MatchLink.evidence_z))  # read for the drawn ones only
            .join(Submission, Submission.id == MatchLink.submission_id)
            .outerjoin(explaining, explaining.id == MatchLink.explained_by)
            # Ties in archive order, as a report lists its matches (ids are random); an erased
            # later side has no entry left and comes after those that have.
            .outerjoin(ArchiveEntry, ArchiveEntry.submission_id == MatchLink.submission_id)
            .where(MatchLink.other_id == submission_id, Submission.status == JobStatus.DONE)
            .order_by(MatchLink.similarity.desc(), ArchiveEntry.seq.is_(None), ArchiveEntry.seq,
                      MatchLink.submission_id)).all()
    # The later report's a is the later submission: seen from here, its shares swap.
    return [LaterLink(submission_id=s.id, student_id=s.student_id, name=s.name, attempt=s.attempt,
                      similarity=link.similarity, a_share=link.b_share, b_share=link.a_share,
                      fragments=link.fragments, own=link.own, erased=s.erased_at is not None,
                      explained_by_attempt=None if link.explained_by is None else (attempt or 1))
            for link, s, attempt in rows]


@dataclass
class Later:
    """A submission's later matches in full, as a report lists matches (side ``a`` is the
    submission itself), other students' and the student's own apart; and per later
    submission, the starter and common lines its report keeps (``template_lines``)."""

    matches: list[dict[str, Any]] = field(default_factory=list)
    own_attempts: list[dict[str, Any]] = field(default_factory=list)
    template_lines: dict[str, dict[str, Any]] = field(default_factory=dict)

    def added_to(self, report: Mapping[str, Any]) -> dict[str, Any]:
        """``report`` (a stored one, of the same submission) with the later matches beside its
        own, and the later submissions' starter and common lines in its ``template_lines``."""
        lines = dict(report.get("template_lines") or {})
        for sid, theirs in self.template_lines.items():
            if sid in theirs:
                lines.setdefault(sid, theirs[sid])
        return {**report, "later_matches": self.matches, "later_own_attempts": self.own_attempts,
                "template_lines": lines}

    def find(self, other_id: str) -> tuple[int, bool, dict[str, Any]] | None:
        """(rank in its list, whether it is an own attempt, the match) of ``other_id``."""
        for own, found in ((False, self.matches), (True, self.own_attempts)):
            for rank, match in enumerate(found, start=1):
                if match["submission_id"] == other_id:
                    return rank, own, match
        return None


def later_matches(db: Database, submission_id: str,
                  links: Iterable[LaterLink] | None = None) -> Later:
    """The later matches of ``submission_id`` with their fragments, for ``links`` only (by
    default every later link; a page that shows some passes those).

    A match is read from its link: its numbers, and for one with fragments, the fragments and
    the two sides' template lines the link keeps (``evidence_z``; the side by side greys lines
    where it draws fragments, as a check keeps the template lines of its aligned matches only).
    A link written before migration 0025 has no evidence and its report is read, one at a time,
    keeping that match alone. On one task with 20,000 entries a submission has thousands of
    later matches and a report holds thousands of matches (2 MB): reading every later report
    did not fit in memory, and reading those with fragments grew with the archive
    (docs/benchmarks.md, "Archive check as the archive grows")."""
    chosen = list(later(db, submission_id) if links is None else links)
    aligned = [link.submission_id for link in chosen if link.fragments]
    found = _evidence(db, aligned, submission_id)
    found.update(_aligned_in_reports(db, [sid for sid in aligned if sid not in found], submission_id))
    out = Later()
    for link in chosen:
        if link.fragments:
            if link.submission_id not in found:
                continue  # the report was rewritten meanwhile and no longer names this one
            fragments, out.template_lines[link.submission_id] = found[link.submission_id]
        else:
            fragments = []
        match = reverse(fragments, link)
        (out.own_attempts if link.own else out.matches).append(match)
    return out


def _listed(link: LaterLink) -> dict[str, Any]:
    """The fields of a later match that its link holds, from this submission's side."""
    listed = {"submission_id": link.submission_id, "student_id": link.student_id, "name": link.name,
              "attempt": link.attempt, "similarity": link.similarity, "a_share": link.a_share,
              "b_share": link.b_share}
    if link.erased:
        listed.update(student_id=ERASED_STUDENT, name=None, erased=True)
    return listed


def reverse(fragments: list[dict[str, Any]], later_one: LaterLink) -> dict[str, Any]:
    """A later report's match of this submission, turned round: the later submission becomes
    the one matched, and every fragment's sides swap. Scores are the link's, the very numbers
    of the later report; fragments keep their order, so they are numbered alike from both
    sides."""
    return {**_listed(later_one), "fragments": [{**f, "a": f["b"], "b": f["a"]} for f in fragments]}


def _match_of(report: Mapping[str, Any], other_id: str) -> Mapping[str, Any] | None:
    for key, _ in LISTS:
        for match in report.get(key) or ():
            if match.get("submission_id") == other_id:
                return match  # type: ignore[no-any-return]
    return None


def _evidence(db: Database, ids: list[str], submission_id: str) -> dict[
        str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """As ``_aligned_in_reports``, from the links of ``ids`` to ``submission_id`` that keep
    their evidence (every link written since migration 0025)."""
    found: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    with db.sessions() as session:
        for start in range(0, len(ids), IN_BATCH):
            batch = ids[start : start + IN_BATCH]
            for sid, evidence in session.execute(
                    select(MatchLink.submission_id, MatchLink.evidence_z)
                    .where(MatchLink.other_id == submission_id, MatchLink.submission_id.in_(batch),
                           MatchLink.evidence_z.is_not(None))):
                kept = json.loads(zlib.decompress(evidence))
                found[sid] = kept["fragments"], kept["template_lines"]
    return found


def _aligned_in_reports(db: Database, ids: list[str], submission_id: str) -> dict[
        str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """For each of the reports of ``ids`` that names ``submission_id``: its match's fragments
    and the template lines it keeps of the two sides."""
    found: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {}
    with db.sessions() as session:
        for start in range(0, len(ids), IN_BATCH):
            batch = ids[start : start + IN_BATCH]
            for sid, body in session.execute(select(ReportRow.submission_id, ReportRow.body)
                                             .where(ReportRow.submission_id.in_(batch))):
                report = json.loads(body)
                match = _match_of(report, submission_id)
                if match is not None:
                    lines = _sides(report.get("template_lines") or {}, sid, submission_id)
                    found[sid] = match.get("fragments") or [], lines
    return found
