"""The triage on the pages: the dismissal form of a to-review item.

The lists themselves are on the submissions page (an assessor's items, strongest first) and in
the staff queue (the possible repeats); both read :class:`originality.triage.Triage`, as the
API does. A dismissal needs a reason, kept with the item and in the audit log; the form follows
post-redirect-get and, refused, is shown again with what was typed and why.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import redirect, render_template, request, url_for

from originality.cases import Actor
from originality.errors import CaseConflict, NotFound
from originality.triage import MAX_REASON, Triage

from .. import exposure
from ..reads import logged
from .session import archive, blp, page, principal


def triage() -> Triage:
    return Triage(archive())


def scoped_item(item_id: int) -> dict[str, Any]:
    """The item, if the viewer may see its submission: an assessor only their own, and any
    other is "not found", as for reports."""
    item = triage().get(item_id)
    who = principal()
    if who.role == "assessor" and item["assessor_id"] != who.name:
        raise NotFound(f"no triage item {item_id}")
    return exposure.item(item)


def dismiss_page(item_id: int, status: int = 200, problems: list[str] | None = None,
                 form: Mapping[str, str] | None = None) -> Any:
    return render_template("pages/dismiss.html", item=scoped_item(item_id),
                           problems=problems or [], form=form or {},
                           max_reason=MAX_REASON), status


@blp.route("/triage/<int:item_id>/dismiss")
@page("assessor", "staff")
@logged("dismiss_page")
def dismiss_form(item_id: int) -> Any:
    return dismiss_page(item_id)


@blp.route("/triage/<int:item_id>/dismiss", methods=["POST"])
@page("assessor", "staff")
def dismiss(item_id: int) -> Any:
    """Dismiss the item with a reason; back to where the viewer's list is."""
    scoped_item(item_id)
    reason = request.form.get("reason", "")
    form = {"reason": reason, "back": request.form.get("back", "")}
    if not reason.strip():
        return dismiss_page(item_id, 400, ["Write why this match is not plagiarism: the reason is "
                                           "kept with the dismissal, for the student's file."], form)
    if len(reason) > MAX_REASON:
        return dismiss_page(item_id, 400, [f"The reason is too long: keep it under "
                                           f"{MAX_REASON:,} characters."], form)
    who = principal()
    try:
        triage().dismiss(Actor(who.name, who.role), item_id, reason)
    except CaseConflict as error:
        return dismiss_page(item_id, 409, [error.message], form)
    back = "pages.queue" if request.form.get("back") == "queue" and who.role == "staff" \
        else "pages.submissions"
    return redirect(url_for(back, dismissed=item_id), 303)
