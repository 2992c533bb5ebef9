"""The cohort overview of one project: how similar its pairs are, which submissions copy from
each other, and the strongest pairs, each a link to its side-by-side view.

The pairs come from the matches of the project's stored reports (each report holds the matches
against earlier submissions, so their union is every pair once). Staff see the whole project,
read from the summary row each stored report leaves (``store/summaries.py``): the counts are
sums over them, and only the strongest links are read, as many as the clusters
(``overview.MAX_CLUSTERED_PAIRS``) and the top pairs need, so the page grows neither with the
project's weak pairs nor with its strong ones when they chain it into one web (the page then
says how many pairs reach the threshold, and from which one the clusters hold them all); the
figures are computed by
:mod:`originality.overview`. An assessor sees only the pairs with at least one side assigned to
them (their summaries, and the links to their submissions from the others'), and may open only
those submissions' reports.
Below, the checked submissions, strongest pair first, a page at a time (keyset pagination).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from originality.errors import UsageError
from originality.percents import percent
from originality.overview import (
    DEFAULT_THRESHOLD,
    DEFAULT_TOP,
    MAX_CLUSTERED_PAIRS,
    Histogram,
    Pair,
    pairs_reaching,
    summed_overview,
)
from originality.store import summaries
from originality.store.models import JobStatus, Submission

from .. import exposure
from ..reads import logged
from .report import FLAG_WORDS
from .session import archive, blp, page, principal

# Stand-ins for the ids in the links' paths (no submission id has a hyphen).
ONE, OTHER = "-one-", "-other-"
# Submissions listed a page; a page is read by keyset, so a later one costs what the first does.
PAGE_SIZE = 50
THRESHOLD_CHOICES = tuple(round(0.1 * i, 1) for i in range(1, 11))
# The histogram drawing, in SVG user units.
BAR_WIDTH = 52
BAR_GAP = 8
CHART_HEIGHT = 160
CHART_TOP = 22  # room for the count above the tallest bar
CHART_LEFT = 8
CHART_BOTTOM = 40  # room for the bin labels and the axis title


@dataclass(frozen=True)
class Counts:
    """The submissions in view, by where their check stands."""

    submissions: int = 0
    checked: int = 0
    rejected: int = 0
    failed: int = 0
    waiting: int = 0


def parse_threshold(raw: str | None) -> tuple[float, str | None]:
    """The threshold asked for (a similarity, 0 < t <= 1), or the default and why."""
    if raw is None or not raw.strip():
        return DEFAULT_THRESHOLD, None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isnan(value) or not 0 < value <= 1:
        return DEFAULT_THRESHOLD, (f"The threshold {raw!r} is not a similarity between 0 and 1; "
                                   f"showing {percent(DEFAULT_THRESHOLD)} instead.")
    return round(value, 2), None


def parse_after(raw: str | None) -> tuple[summaries.Cursor | None, str | None]:
    """Where the list of submissions starts (after a cursor a "next" link gave), or the first
    page and why."""
    if raw is None or not raw.strip():
        return None, None
    try:
        return summaries.Cursor.parse(raw.strip()), None
    except UsageError:
        return None, "That place in the list of submissions does not exist; showing the first page."


def count_submissions(session: Session, project_id: str, assessor: str | None) -> Counts:
    """The project's submissions (an assessor's own when ``assessor`` is given) by status, in
    one grouped query."""
    query = (select(Submission.status, func.count()).where(Submission.project_id == project_id)
             .group_by(Submission.status))
    if assessor is not None:
        query = query.where(Submission.assessor_id == assessor)
    by = {status: int(n) for status, n in session.execute(query)}
    return Counts(submissions=sum(by.values()), checked=by.get(JobStatus.DONE, 0),
                  rejected=by.get(JobStatus.REJECTED, 0), failed=by.get(JobStatus.FAILED, 0),
                  waiting=by.get(JobStatus.QUEUED, 0) + by.get(JobStatus.RUNNING, 0))


def histogram_bars(hist: Histogram) -> list[dict[str, Any]]:
    """Each bin's bar in the SVG: heights scale to the fullest bin."""
    peak = max(1, hist.peak)
    bars = []
    for i, b in enumerate(hist.bins):
        height = round(CHART_HEIGHT * b.count / peak, 1)
        x = CHART_LEFT + i * (BAR_WIDTH + BAR_GAP)
        bars.append({"bin": b, "x": x, "y": CHART_TOP + CHART_HEIGHT - height, "height": height,
                     "middle": x + BAR_WIDTH / 2, "count_y": CHART_TOP + CHART_HEIGHT - height - 6})
    return bars


def named_pairs(pairs: list[Pair], name: Callable[[str], str]) -> list[Pair]:
    """The pairs with each student as the viewer may read them."""
    return [replace(p, a_student=name(p.a_student), b_student=name(p.b_student)) for p in pairs]


def named_page(listed: summaries.Page, name: Callable[[str], str]) -> summaries.Page:
    """A page of the list with each student as the viewer may read them."""
    return replace(listed, rows=tuple(
        replace(r, student_id=name(r.student_id),
                top_student=name(r.top_student) if r.top_student is not None else None)
        for r in listed.rows))


@blp.route("/projects/<project_id>")
@page("assessor", "staff")
@logged("cohort_page")
def cohort(project_id: str) -> Any:
    who = principal()
    threshold, notice = parse_threshold(request.args.get("threshold"))
    after, misplaced = parse_after(request.args.get("after"))
    scoped = who.role == "assessor"
    assessor = who.name if scoped else None
    with archive().db.sessions() as session:
        counts = count_submissions(session, project_id, assessor)
        mine = frozenset(session.scalars(select(Submission.id).where(
            Submission.project_id == project_id, Submission.assessor_id == who.name))
        ) if scoped else frozenset()
        # Other students' ids as the viewer may read them (least exposure, as in the reports):
        # an assessor knows their own students, and the others by pseudonym unless the school
        # shows them (docs/privacy.md).
        name = exposure.students()
        figures = summaries.figures(session, project_id, assessor)
        # The pairs the clusters and the top pairs need, and no weaker ones.
        strongest = summaries.strong_pairs(session, project_id,
                                           max(MAX_CLUSTERED_PAIRS, DEFAULT_TOP), figures, assessor)
        seen = summed_overview(figures.pairs, figures.bins, named_pairs(strongest, name),
                               summaries.reaching(session, project_id, threshold, figures,
                                                  assessor), threshold, DEFAULT_TOP)
        listed = named_page(summaries.page(session, project_id, PAGE_SIZE, after, assessor), name)

    def may_open(submission_id: str) -> bool:
        """Staff open every report; an assessor those of the submissions assigned to them."""
        return not scoped or submission_id in mine

    # Built once and filled in: a page of hundreds of clusters links every node, and url_for
    # per link was a fifth of its rendering. Submission ids are hex, nothing to quote.
    report_path = url_for("pages.report", submission_id=ONE)
    match_path = url_for("pages.report_match", submission_id=ONE, other_id=OTHER)

    def report_url(submission_id: str) -> str | None:
        """The report page, for a submission the viewer may open."""
        return report_path.replace(ONE, submission_id) if may_open(submission_id) else None

    def side_by_side_url(pair: Pair) -> str | None:
        """The pair side by side, from the later submission's report (which holds the match),
        or from the earlier one's, which lists it as a later match, for a viewer who may open
        only that one."""
        if may_open(pair.a):
            return match_path.replace(ONE, pair.a).replace(OTHER, pair.b)
        if may_open(pair.b):
            return match_path.replace(ONE, pair.b).replace(OTHER, pair.a)
        return None

    def list_url(cursor: summaries.Cursor | None) -> str:
        """A page of the list of submissions, at the same threshold."""
        return url_for("pages.cohort", project_id=project_id, threshold=threshold,
                       after=str(cursor) if cursor else None, _anchor="submissions-title")

    choices = sorted(set(THRESHOLD_CHOICES) | {threshold})
    # How many pairs each choice would link, where the histogram tells: the choice that shows
    # every link of a project whose pairs chain into one web.
    reached = {c: pairs_reaching(figures.bins, c) for c in choices}
    reached[threshold] = seen.reaching
    # The lowest threshold above this one whose every pair makes the clusters, when capped.
    showing_all = min((c for c in choices if c > threshold and reached[c] is not None
                       and reached[c] <= MAX_CLUSTERED_PAIRS), default=None)
    return render_template(
        "pages/cohort.html", project_id=project_id, counts=counts, overview=seen,
        threshold=threshold, choices=choices, reached=reached, showing_all=showing_all,
        notices=[n for n in (notice, misplaced) if n],
        scoped=scoped, may_open=may_open, bars=histogram_bars(seen.histogram),
        report_url=report_url, side_by_side_url=side_by_side_url, listed=listed,
        first_page=after is None, list_url=list_url, page_size=PAGE_SIZE,
        flag_words=FLAG_WORDS,
        chart={"width": 2 * CHART_LEFT + 10 * BAR_WIDTH + 9 * BAR_GAP,
               "height": CHART_TOP + CHART_HEIGHT + CHART_BOTTOM, "base": CHART_TOP + CHART_HEIGHT,
               "bar_width": BAR_WIDTH, "left": CHART_LEFT})
