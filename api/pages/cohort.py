"""The cohort overview of one project: how similar its pairs are, which submissions copy from
each other, and the strongest pairs, each a link to its side-by-side view.

The pairs come from the matches of the project's stored reports (each report holds the matches
against earlier submissions, so their union is every pair once), read from the store's
``match_links`` rows that are written with each report, so no report body is parsed; the
figures are computed by :mod:`originality.overview`. An assessor sees only the
pairs with at least one side assigned to them, and may open only those submissions' reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import aliased

from originality.overview import (
    DEFAULT_THRESHOLD,
    DEFAULT_TOP,
    Histogram,
    Member,
    Pair,
    overview,
    pairs_from_links,
)
from originality.store.models import JobStatus, MatchLink, Submission

from .session import archive, blp, page, principal

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
                                   f"showing {DEFAULT_THRESHOLD:.0%} instead.")
    return round(value, 2), None


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


@blp.route("/projects/<project_id>")
@page("assessor", "staff")
def cohort(project_id: str) -> Any:
    who = principal()
    threshold, notice = parse_threshold(request.args.get("threshold"))
    scoped = who.role == "assessor"
    with archive().db.sessions() as session:
        rows = session.execute(
            select(Submission.id, Submission.student_id, Submission.attempt,
                   Submission.assessor_id, Submission.status)
            .where(Submission.project_id == project_id)).all()
        other = aliased(Submission)
        links = session.execute(
            select(MatchLink.submission_id, MatchLink.other_id, MatchLink.similarity,
                   other.student_id, other.attempt)
            .join(Submission, Submission.id == MatchLink.submission_id)
            .join(other, other.id == MatchLink.other_id)
            .where(Submission.project_id == project_id, Submission.status == JobStatus.DONE,
                   MatchLink.own.is_(False))).all()

    members = {r.id: Member(r.id, r.student_id, r.attempt) for r in rows}
    mine = frozenset(r.id for r in rows if r.assessor_id == who.name) if scoped else frozenset(members)
    in_view = [r for r in rows if r.id in mine]
    counts = Counts(
        submissions=len(in_view),
        checked=sum(r.status == JobStatus.DONE for r in in_view),
        rejected=sum(r.status == JobStatus.REJECTED for r in in_view),
        failed=sum(r.status == JobStatus.FAILED for r in in_view),
        waiting=sum(r.status in (JobStatus.QUEUED, JobStatus.RUNNING) for r in in_view),
    )
    pairs = pairs_from_links(links, members)
    if scoped:
        pairs = [p for p in pairs if p.involves(mine)]
    seen = overview(pairs, threshold, DEFAULT_TOP)

    def report_url(submission_id: str) -> str | None:
        """The report page, for a submission the viewer may open."""
        return url_for("pages.report", submission_id=submission_id) if submission_id in mine else None

    def side_by_side_url(pair: Pair) -> str | None:
        """The pair side by side, from the later submission's report (which holds the match),
        or from the earlier one's, which lists it as a later match, for a viewer who may open
        only that one."""
        if pair.a in mine:
            return url_for("pages.report_match", submission_id=pair.a, other_id=pair.b)
        if pair.b in mine:
            return url_for("pages.report_match", submission_id=pair.b, other_id=pair.a)
        return None

    choices = sorted(set(THRESHOLD_CHOICES) | {threshold})
    return render_template(
        "pages/cohort.html", project_id=project_id, counts=counts, overview=seen,
        threshold=threshold, choices=choices, notice=notice, scoped=scoped, mine=mine,
        bars=histogram_bars(seen.histogram), report_url=report_url,
        side_by_side_url=side_by_side_url,
        chart={"width": 2 * CHART_LEFT + 10 * BAR_WIDTH + 9 * BAR_GAP,
               "height": CHART_TOP + CHART_HEIGHT + CHART_BOTTOM, "base": CHART_TOP + CHART_HEIGHT,
               "bar_width": BAR_WIDTH, "left": CHART_LEFT})
