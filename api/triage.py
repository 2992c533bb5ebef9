"""``/api/v1/triage``: strong matches waiting for review, the possible repeats among them, and
dismissals. The items and their rules are :class:`originality.triage.Triage`'s; a case opened
with ``POST /api/v1/cases`` clears the submission's items."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from originality.archive import Archive
from originality.cases import Actor
from originality.errors import NotFound
from originality.store.flags import KINDS
from originality.triage import Triage

from . import exposure
from .reads import logged
from .auth import principal, require
from .submissions import SECURITY

blp = Blueprint("triage", __name__, description="Strong matches to review, and possible repeats")


class ListArgs(ma.Schema):
    possible_repeat = ma.fields.Boolean(load_default=None, metadata={
        "description": "only the possible repeats (true) or only the others (false)"})


class DismissalIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10_000),
                              metadata={"description": "why the match is not plagiarism; kept "
                                        "on the item and in the audit log"})


class EarlierCaseOut(ma.Schema):
    case_id = ma.fields.String()
    project_id = ma.fields.String()
    sanction = ma.fields.String()
    decided_at = ma.fields.String()


class DismissalOut(ma.Schema):
    by = ma.fields.String()
    role = ma.fields.String()
    at = ma.fields.String()
    reason = ma.fields.String()


class ItemOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(KINDS), "description":
                                      "copied: this submission matches an earlier one; shared: a "
                                      "later submission matches this one (softer)"})
    kind_description = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["waiting", "case", "dismissed"]})
    similarity = ma.fields.Float()
    flagged_at = ma.fields.String()
    submission_id = ma.fields.String()
    student_id = ma.fields.String()
    project_id = ma.fields.String()
    assessor_id = ma.fields.String(allow_none=True)
    attempt = ma.fields.Integer()
    other_submission_id = ma.fields.String()
    other_student_id = ma.fields.String()
    possible_repeat = ma.fields.Boolean(metadata={
        "description": "waiting, and the student has a confirmed case (a sanction in force)"})
    earlier_case = ma.fields.Nested(EarlierCaseOut, allow_none=True)
    case_id = ma.fields.String(allow_none=True, metadata={"description": "the case that cleared it"})
    dismissal = ma.fields.Nested(DismissalOut, allow_none=True)


class CountsOut(ma.Schema):
    to_review = ma.fields.Integer()
    possible_repeats = ma.fields.Integer()


class ListOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemOut))
    counts = ma.fields.Nested(CountsOut)


def triage() -> Triage:
    archive: Archive = current_app.extensions["originality"]
    return Triage(archive)


def _scoped(item_id: int) -> dict[str, Any]:
    """The item, if the caller may see its submission (an assessor: only their own)."""
    item = triage().get(item_id)
    who = principal()
    if who.role == "assessor" and item["assessor_id"] != who.name:
        raise NotFound(f"no triage item {item_id}")
    return exposure.item(item)


@blp.route("", methods=["GET"])
@require("assessor", "staff", "platform")
@blp.arguments(ListArgs, location="query")
@blp.response(200, ListOut)
@blp.doc(security=SECURITY)
@logged("triage_list")
def waiting(args: dict[str, Any]) -> Any:
    """The items waiting for review, strongest first: an assessor's own, everyone's for staff
    and the platform. ``counts`` are of all the caller's waiting items, whatever the filter."""
    who = principal()
    assessor = who.name if who.role == "assessor" else None
    items = triage().items(assessor)
    if args["possible_repeat"] is not None:
        items = [i for i in items if i["possible_repeat"] is args["possible_repeat"]]
    counts = triage().counts(assessor)
    return {"items": [exposure.item(i) for i in items], "counts": {"to_review": counts.to_review,
                                       "possible_repeats": counts.possible_repeats}}


@blp.route("/<int:item_id>", methods=["GET"])
@require("assessor", "staff", "platform")
@blp.response(200, ItemOut)
@blp.doc(security=SECURITY)
@logged("triage_item")
def item(item_id: int) -> Any:
    """One item, waiting or cleared (with the case or the dismissal that cleared it)."""
    return _scoped(item_id)


@blp.route("/<int:item_id>/dismissal", methods=["POST"])
@require("assessor", "staff")
@blp.arguments(DismissalIn)
@blp.response(201, ItemOut)
@blp.alt_response(409, description="the item is already cleared (by a case or a dismissal)")
@blp.doc(security=SECURITY)
def dismiss(body: dict[str, Any], item_id: int) -> Any:
    """Dismiss a waiting item with a reason (audited); the pair is not flagged again. An
    assessor may dismiss only the items of submissions assigned to them."""
    _scoped(item_id)
    who = principal()
    return exposure.item(triage().dismiss(Actor(who.name, who.role), item_id, body["reason"]))
