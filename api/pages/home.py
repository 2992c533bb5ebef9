"""The landing page and the list of submissions a person may open, with the strong matches
waiting for review first (:mod:`originality.triage`)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select

from originality.store.models import Submission
from originality.triage import Triage

from .. import exposure
from ..reads import logged
from .session import archive, blp, page, principal

PAGE_SIZE = 100
# The to-review list shows the strongest items; its caption counts them all.
TRIAGE_SHOWN = 100


@blp.route("/")
@page("platform", "assessor", "staff")
def home() -> Any:
    if principal().role == "staff":
        return redirect(url_for("pages.queue"))
    return redirect(url_for("pages.submissions"))


@blp.route("/submissions")
@page("platform", "assessor", "staff")
@logged("submissions_page")
def submissions() -> Any:
    """The items to review, strongest first, then the submissions newest first (but the
    erased ones); an assessor sees only the submissions (and items) assigned to them."""
    who = principal()
    project = request.args.get("project") or None
    try:
        page_number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page_number = 1
    # An erased submission keeps its row for the others' reports, and nothing to show: its
    # report is gone (docs/privacy.md, "Erasure").
    query = select(Submission).where(Submission.erased_at.is_(None))
    if who.role == "assessor":
        query = query.filter_by(assessor_id=who.name)
    if project:
        query = query.filter_by(project_id=project)
    with archive().db.sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(session.scalars(query.order_by(Submission.created_at.desc(), Submission.id)
                                    .offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        session.expunge_all()
    triage = Triage(archive())
    mine = who.name if who.role == "assessor" else None
    return render_template("pages/submissions.html", rows=rows, project=project, total=total,
                           page_number=page_number, pages=max(1, -(-total // PAGE_SIZE)),
                           to_review=[exposure.item(i) for i in
                                      triage.items(mine, project, TRIAGE_SHOWN)],
                           counts=triage.counts(mine, project),
                           dismissed=request.args.get("dismissed"))
