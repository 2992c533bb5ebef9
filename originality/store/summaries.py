"""A project's cohort without reading every match: one summary row per checked submission,
written with its report, summed and paged by the cohort page.

``write`` keeps one ``SubmissionSummary`` per stored report, in the transaction that stores it
(as ``links.write`` keeps the links), so summary, links and report never disagree: how many
pairs the report holds per tenth of similarity, the integrity flags, and the submission's
strongest pair with another student and how many it has, *both ways*: with the earlier
submissions its report matches and with the later ones whose reports match it. The first of
two copies is the work copied: listed as having no pair, last, it read as innocent while its
copies were at the top. So a stored report also updates the summaries of the earlier
submissions it matches (their count, their strongest pair), and of those it matched before
and no longer does (a recheck, a report scored again), in the same transaction. From these
rows the cohort page reads

* the pair count and the histogram: one ``SUM`` over the project's rows (``figures``);
* the strongest pairs (``strong_pairs``), as many as the clusters and the top pairs need: the
  links from a floor they all reach (the summaries' strongest pairs and the histogram say
  where), of the submissions whose strongest pair reaches it, each read from the floor up
  through the links' index, so a project whose pairs chain into one web costs what one with a
  few copies does; and how many pairs reach a threshold (``reaching``), from the histogram;
* the submissions strongest first, a page at a time (``page``), by keyset: each page starts
  after the last row of the one before, so a later page costs what the first does;
* for an assessor, the same over the pairs with a side assigned to them: their summaries, and
  the links to their submissions from the others' (the pairs only the earlier side of which is
  theirs).

A report lists its matches against *earlier* submissions only, so each pair is in one report,
and summing the reports' bins counts every pair once, as ``overview.unique_pairs`` does over
the links (the both-ways count of a summary would count each pair twice: it is for its line
of the list only). Only submissions whose check is done count (a report being rewritten by a retry
is left out until it is done), as on the links.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..errors import UsageError
from ..overview import BINS, Pair, bin_of, pairs_reaching, reach_floor, unique_pairs
from ..percents import tenths
from .db import driver_rows, execute_rows, rows_in, unindexed
from .models import JobStatus, MatchLink, Submission, SubmissionSummary

BIN_COLUMNS = tuple(getattr(SubmissionSummary, f"bin{i}") for i in range(BINS))
# The separator of a page cursor's two parts (a similarity, then a submission id).
CURSOR_SEPARATOR = "_"


def _paired(student_id: str, report: Mapping[str, Any],
            explained: Collection[str] = ()) -> dict[str, float]:
    """The report's pairs with other students: each earlier submission once (as ``links.write``
    keeps them), with its similarity; not those ``explained`` by the student's own earlier work
    (``own_work.py``: the other copied it), which are no pairs, as own attempts are none."""
    owner = str(report.get("submission") or "")
    paired: dict[str, float] = {}
    seen: set[str] = set()
    for match in report.get("matches") or ():
        other = str(match["submission_id"])
        if other == owner or other in seen:
            continue
        seen.add(other)
        if match.get("student_id") == student_id or other in explained:
            continue  # an own attempt is no pair, wherever the report lists it
        paired[other] = float(match["similarity"])
    return paired


def _strongest(paired: Mapping[str, float]) -> tuple[float, str | None]:
    """The strongest of some pairs (ties to the smallest id, as the overview breaks them); (0,
    None) when there is none."""
    if not paired:
        return 0.0, None
    other = min(paired, key=lambda sid: (-paired[sid], sid))
    return paired[other], other


def _beats(similarity: float, other: str, top: float, top_other: str | None) -> bool:
    """Whether the pair (``similarity``, ``other``) comes before the strongest one so far."""
    return top_other is None or (-similarity, other) < (-top, top_other)


def values_of(student_id: str, report: Mapping[str, Any],
              later: Mapping[str, float] | None = None, explained: Collection[str] = ()) -> dict[str, Any]:
    """The summary of a report of ``student_id``'s: the bins of its pairs with other students
    (one per earlier submission, as ``links.write`` keeps them), the flags' kinds, and the
    strongest pair and the pair count over those and the ``later`` ones (each later
    submission of another student whose report matches this one, with its similarity), the
    matches ``explained`` by the student's own earlier work left out."""
    paired = _paired(student_id, report, explained)
    bins = [0] * BINS
    for similarity in paired.values():
        bins[bin_of(similarity)] += 1
    both = dict(later or {})
    for other, similarity in paired.items():  # a pair linked both ways counts once, its best
        both[other] = max(similarity, both.get(other, 0.0))
    top, top_other = _strongest(both)
    kinds = sorted({str(f.get("kind")) for f in report.get("flags") or () if f.get("kind")})
    return {"top_similarity": top, "top_other_id": top_other, "pairs": len(both),
            **{f"bin{i}": n for i, n in enumerate(bins)}, "flags": ",".join(kinds)}


# The pairs of a submission with other students' work, from the links, each way: those its
# report holds (earlier work), and those the later reports hold. Own attempts are no pairs, nor
# matches explained by the later student's own earlier work.
_EARLIER = ("SELECT l.other_id, l.similarity FROM match_links l JOIN submissions o ON o.id = l.other_id "
            "WHERE l.submission_id = {0} AND l.own = {0} AND o.student_id <> {0} AND l.explained_by IS NULL")
_LATER = ("SELECT l.submission_id, l.similarity FROM match_links l JOIN submissions o ON o.id = l.submission_id "
          "WHERE l.other_id = {0} AND l.own = {0} AND o.student_id <> {0} AND l.explained_by IS NULL")


def _later_pairs(session: Session, submission_id: str, student_id: str) -> dict[str, float]:
    """The later submissions of other students whose reports match ``submission_id``."""
    return {other: float(s) for other, s in driver_rows(session, _LATER, (submission_id, False, student_id))}


def write(session: Session, submission: Submission, report: Mapping[str, Any],
          linked_before: Collection[str] = (), explained: Collection[str] = ()) -> None:
    """Make the summary of ``submission`` that of ``report`` and its later matches, in the
    caller's transaction (the one that stores the report, after ``links.write``), and bring
    the earlier submissions' summaries up to date: those ``report`` pairs with, and those the
    report it replaces linked (``linked_before``, which ``links.write`` returns; none for a
    first report). The matches ``explained`` by the student's own earlier work are no pairs
    (``own_work.py``), on either side.

    An earlier submission's count and strongest pair change by this pair alone, in one
    statement for all of them (at 20,000 entries of one task a report pairs with thousands);
    only one whose strongest pair was this submission's, now weaker or gone, is counted again
    from its links."""
    later = _later_pairs(session, submission.id, submission.student_id)
    session.merge(SubmissionSummary(submission_id=submission.id, project_id=submission.project_id,
                                    **values_of(submission.student_id, report, later, explained)))
    paired = _paired(submission.student_id, report, explained)
    touched = sorted(set(paired) | set(linked_before))
    if not touched:
        return
    session.flush()
    changed: list[tuple[Any, ...]] = []
    again: list[tuple[str, str]] = []
    for other, top, top_other, student in rows_in(
            session, "SELECT m.submission_id, m.top_similarity, m.top_other_id, s.student_id "
                     "FROM submission_summaries m JOIN submissions s ON s.id = m.submission_id "
                     "WHERE m.submission_id {in_}", (), touched):
        if student == submission.student_id:
            continue  # the student's own work: never a pair, never counted
        # Counted before when the report replaced paired with it, or when its own report
        # pairs with this one (it was checked again after this one): that stays.
        counted_before = other in linked_before or other in later
        counted_now = other in paired or other in later
        now = [found[other] for found in (paired, later) if other in found]
        if now and (top_other == submission.id and max(now) >= top
                    or _beats(max(now), submission.id, top, top_other)):
            top, top_other = max(now), submission.id
        elif top_other == submission.id:
            again.append((other, student))  # its strongest pair weakened or went: count again
            continue
        if counted_now != counted_before or top_other == submission.id:
            changed.append((int(counted_now) - int(counted_before), top, top_other, other))
    execute_rows(session, "UPDATE submission_summaries SET pairs = pairs + {0}, top_similarity = {0}, "
                          "top_other_id = {0} WHERE submission_id = {0}", changed)
    recount(session, again)


def recount(session: Session, submissions: Iterable[tuple[str, str]]) -> None:
    """Count the pairs of ``submissions`` (each an id and its student) again from their links,
    both ways, and make their summaries' count and strongest pair those."""
    rows = []
    for sid, student in submissions:
        both = {other: float(s) for other, s in driver_rows(session, _LATER, (sid, False, student))}
        for other, s in driver_rows(session, _EARLIER, (sid, False, student)):
            both[other] = max(float(s), both.get(other, 0.0))
        top, top_other = _strongest(both)
        rows.append((len(both), top, top_other, sid))
    execute_rows(session, "UPDATE submission_summaries SET pairs = {0}, top_similarity = {0}, "
                          "top_other_id = {0} WHERE submission_id = {0}", rows)


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A project's pairs of different students: how many, and how many per tenth."""

    pairs: int
    bins: tuple[int, ...]


def _done(project_id: str, *columns: Any, assessor: str | None = None) -> Any:
    """``columns`` of the project's summaries whose submission's check is done (of the
    submissions assigned to ``assessor`` only, when given)."""
    query = (select(*columns).select_from(SubmissionSummary)
             .join(Submission, Submission.id == SubmissionSummary.submission_id)
             .where(SubmissionSummary.project_id == project_id,
                    unindexed(Submission.status) == JobStatus.DONE))
    return query if assessor is None else query.where(Submission.assessor_id == assessor)


def _shared_with(project_id: str, assessor: str) -> tuple[Any, Any, Any]:
    """The links from the project's other submissions (done, not the assessor's, another
    student's) to the assessor's: the pairs in which only the earlier side is theirs, which
    their summaries do not hold. Returns the query (of the similarity) and the aliases of the
    later and the earlier submission, for other columns."""
    theirs = (select(Submission.id)
              .where(unindexed(Submission.project_id) == project_id,
                     Submission.assessor_id == assessor)
              .scalar_subquery())
    later, earlier = aliased(Submission), aliased(Submission)
    query = (select(MatchLink.similarity).select_from(MatchLink)
             .join(later, later.id == MatchLink.submission_id)
             .join(earlier, earlier.id == MatchLink.other_id)
             .where(MatchLink.other_id.in_(theirs), MatchLink.own.is_(False),
                    unindexed(later.project_id) == project_id,
                    unindexed(later.status) == JobStatus.DONE, MatchLink.explained_by.is_(None),
                    func.coalesce(later.assessor_id, "") != assessor,
                    later.student_id != earlier.student_id))
    return query, later, earlier


def figures(session: Session, project_id: str, assessor: str | None = None) -> Figures:
    """The pair count and the histogram, summed over the project's summaries in one query;
    for an assessor, the pairs with at least one side theirs: their summaries' sums, and the
    pairs in which only the earlier side is theirs, from the links to their submissions."""
    # The bins, not ``pairs``: a summary's pair count is both ways, each pair in two summaries.
    row = session.execute(_done(project_id, *(func.sum(c) for c in BIN_COLUMNS),
                                assessor=assessor)).one()
    bins = [int(n or 0) for n in row]
    if assessor is not None:
        shared, _, _ = _shared_with(project_id, assessor)
        # Counted by value in the database: similarities have four decimals, so there are far
        # fewer values than links to bin in Python.
        for similarity, n in session.execute(shared.add_columns(func.count())
                                             .group_by(MatchLink.similarity)):
            bins[bin_of(similarity)] += n
    return Figures(pairs=sum(bins), bins=tuple(bins))


def _floor(session: Session, project_id: str, n: int, figures: Figures,
           assessor: str | None) -> float:
    """A similarity that the ``n`` strongest pairs in view all reach: the higher of two
    bounds. The ``2n``-th strongest of the submissions' strongest pairs (the assessor's, whose
    pairs are in their view): a submission's strongest pair is counted both ways, so two
    submissions may share one, and ``2n`` of them name at least ``n`` different pairs. And the
    bin of the histogram in which the ``n``-th strongest pair falls. 0 when there are fewer."""
    top = session.scalar(_done(project_id, SubmissionSummary.top_similarity, assessor=assessor)
                         .where(SubmissionSummary.pairs > 0)
                         .order_by(SubmissionSummary.top_similarity.desc())
                         .offset(2 * n - 1).limit(1))
    above = itertools.accumulate(reversed(figures.bins))
    lowest = next((BINS - k for k, total in enumerate(above, start=1) if total >= n), None)
    return max(0.0 if top is None else float(top),
               0.0 if lowest is None else reach_floor(lowest / BINS))


def _links(project_id: str, low: float, assessor: str | None) -> list[Any]:
    """The queries of the project's links between different students in view from ``low``,
    each of (later, earlier, similarity, their students, their attempts): the links of the
    done submissions whose strongest pair reaches ``low`` (found through the summaries' index,
    then each one's links from ``low`` through the links' own), the assessor's only when given;
    and for an assessor the links to their submissions from the others'. A project's reads
    stay within it, however many other projects the database holds."""
    later, earlier = aliased(Submission), aliased(Submission)
    query = (select(MatchLink.submission_id, MatchLink.other_id, MatchLink.similarity,
                    later.student_id, earlier.student_id, later.attempt, earlier.attempt)
             .select_from(SubmissionSummary)
             .join(later, later.id == SubmissionSummary.submission_id)
             .join(MatchLink, MatchLink.submission_id == SubmissionSummary.submission_id)
             .join(earlier, earlier.id == MatchLink.other_id)
             .where(SubmissionSummary.project_id == project_id,
                    SubmissionSummary.top_similarity >= low, SubmissionSummary.pairs > 0,
                    unindexed(later.status) == JobStatus.DONE, MatchLink.own.is_(False),
                    MatchLink.explained_by.is_(None), MatchLink.similarity >= low))
    if assessor is None:
        return [query]
    theirs = query.where(later.assessor_id == assessor)
    shared, later, earlier = _shared_with(project_id, assessor)
    return [theirs, shared.with_only_columns(MatchLink.submission_id, MatchLink.other_id,
                                             MatchLink.similarity, later.student_id,
                                             earlier.student_id, later.attempt, earlier.attempt,
                                             maintain_column_froms=False)
            .where(MatchLink.similarity >= low)]


def strong_pairs(session: Session, project_id: str, limit: int, figures: Figures,
                 assessor: str | None = None) -> list[Pair]:
    """The project's ``limit`` strongest pairs of different students (with a side assigned to
    ``assessor``, when given; ``figures`` their histogram), once each, strongest first, as
    ``unique_pairs`` orders them: the links from a floor they all reach, ties included. A pair
    linked both ways (one side checked again after the other) counts twice in the floor's
    bounds: then a few fewer than ``limit`` may come back, each stronger than any left out."""
    if limit <= 0:
        return []
    low = _floor(session, project_id, limit, figures, assessor)
    rows = [row for query in _links(project_id, low, assessor) for row in session.execute(query)]
    return unique_pairs(Pair(a, b, float(s), a_student, b_student, a_attempt or 1, b_attempt or 1)
                        for a, b, s, a_student, b_student, a_attempt, b_attempt in rows)[:limit]


def reaching(session: Session, project_id: str, threshold: float, figures: Figures,
             assessor: str | None = None) -> int:
    """How many of the project's pairs in view reach ``threshold`` (as shown, to a tenth of a
    percent): from the histogram when the threshold starts one of its bins; else the bins
    above the threshold's, and the links of its bin that reach it, counted from the links."""
    found = pairs_reaching(figures.bins, threshold)
    if found is not None:
        return found
    shown = tenths(threshold)
    own_bin = bin_of(threshold)
    count = sum(int(c) for c in figures.bins[own_bin + 1:])
    for query in _links(project_id, reach_floor(threshold), assessor):
        # A percent of margin above the bin, then the bin itself decided as shown.
        similarities = query.with_only_columns(MatchLink.similarity).where(
            MatchLink.similarity < (own_bin + 1) / BINS + 0.01)
        count += sum(1 for s in session.scalars(similarities)
                     if tenths(s) >= shown and bin_of(s) == own_bin)
    return count


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the submission ``submission_id`` whose strongest pair is
    ``similarity`` (the order is strongest first, then the greater id)."""

    similarity: float
    submission_id: str

    def __str__(self) -> str:
        return f"{self.similarity!r}{CURSOR_SEPARATOR}{self.submission_id}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        similarity, _, submission_id = raw.partition(CURSOR_SEPARATOR)
        try:
            value = float(similarity)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 1 or not submission_id or len(submission_id) > 32:
            raise UsageError(f"{raw!r} is not a place in the list of submissions")
        return cls(value, submission_id)


@dataclass(frozen=True)
class Row:
    """A submission in the list: who, its strongest pair and with whom, its flags."""

    submission_id: str
    student_id: str
    attempt: int
    top_similarity: float
    top_other_id: str | None
    top_student: str | None
    pairs: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    next: Cursor | None  # where the following page starts, if there is one


def page(session: Session, project_id: str, size: int, after: Cursor | None = None,
         assessor: str | None = None) -> Page:
    """``size`` checked submissions of the project, strongest pair first (then the greater id), after
    ``after``; an assessor's own only when ``assessor`` is given. One indexed query."""
    partner = aliased(Submission)
    query = (_done(project_id, SubmissionSummary, Submission.student_id, Submission.attempt,
                   partner.student_id)
             .outerjoin(partner, partner.id == SubmissionSummary.top_other_id))
    if assessor is not None:
        query = query.where(Submission.assessor_id == assessor)
    if after is not None:
        query = query.where(or_(
            SubmissionSummary.top_similarity < after.similarity,
            and_(SubmissionSummary.top_similarity == after.similarity,
                 SubmissionSummary.submission_id < after.submission_id)))
    # Both keys descending: the index is read backwards, with no sort.
    found = session.execute(query.order_by(SubmissionSummary.top_similarity.desc(),
                                           SubmissionSummary.submission_id.desc())
                            .limit(size + 1)).all()
    rows = tuple(Row(s.submission_id, student, attempt or 1, s.top_similarity, s.top_other_id,
                     top_student, s.pairs, tuple(k for k in s.flags.split(",") if k))
                 for s, student, attempt, top_student in found[:size])
    if len(found) <= size or not rows:
        return Page(rows, None)
    return Page(rows, Cursor(rows[-1].top_similarity, rows[-1].submission_id))


__all__ = ["Cursor", "Figures", "Page", "Row", "figures", "page", "reaching", "recount",
           "strong_pairs", "values_of", "write"]
