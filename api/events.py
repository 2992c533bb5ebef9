"""``/api/v1/events`` (staff): the webhook outbox. Events the relay gave up on (``dead``) are
listed with their last error, and re-sent once the receiver is fixed. The rules are
:class:`originality.outbox.Outbox`'s."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint

from originality.outbox import STATUSES, Outbox

from .auth import principal, require
from .reads import logged
from .submissions import SECURITY

blp = Blueprint("events", __name__, description="Webhook events: dead ones listed and re-sent")


class EventListArgs(ma.Schema):
    status = ma.fields.String(load_default="dead", validate=ma.validate.OneOf([*STATUSES, "all"]),
                              metadata={"description": "dead (default), pending, delivered or all"})
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    after = ma.fields.String(load_default=None, metadata={
        "description": "the previous page's next: the events after that one"})


class EventResendIn(ma.Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=10_000),
                            metadata={"description": "why, for the audit log"})


class EventOut(ma.Schema):
    id = ma.fields.String()
    type = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    attempts = ma.fields.Integer(metadata={"description": "deliveries tried since it was stored "
                                           "or last re-sent"})
    created_at = ma.fields.String()
    next_attempt_at = ma.fields.String(allow_none=True)
    delivered_at = ma.fields.String(allow_none=True)
    last_error = ma.fields.String(allow_none=True, metadata={
        "description": "what the last failed attempt got: HTTP 503, ConnectionRefusedError, ..."})
    event = ma.fields.Dict(metadata={"description": "the body posted: id, type, created_at, data"})


class EventCountsOut(ma.Schema):
    pending = ma.fields.Integer()
    delivered = ma.fields.Integer()
    dead = ma.fields.Integer()


class EventListOut(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(EventOut))
    counts = ma.fields.Nested(EventCountsOut)
    next = ma.fields.String(allow_none=True, metadata={
        "description": "pass as after= for the next page; null on the last"})


def outbox() -> Outbox:
    return Outbox(current_app.extensions["originality"].db)


@blp.route("", methods=["GET"])
@require("staff")
@blp.arguments(EventListArgs, location="query")
@blp.response(200, EventListOut)
@blp.doc(security=SECURITY)
@logged("event_list")
def listing(args: dict[str, Any]) -> Any:
    """The events of one status, newest first (dead by default), a page at a time, and how
    many are in each."""
    status = None if args["status"] == "all" else args["status"]
    found = outbox().events(status, args["limit"] + 1, args["after"])  # one more tells if a page follows
    page = found[:args["limit"]]
    return {"events": page, "counts": outbox().counts(),
            "next": page[-1]["id"] if len(found) > args["limit"] else None}


@blp.route("/<event_id>", methods=["GET"])
@require("staff")
@blp.response(200, EventOut)
@blp.doc(security=SECURITY)
@logged("event")
def one(event_id: str) -> Any:
    """One event and how its delivery stands."""
    return outbox().get(event_id)


@blp.route("/<event_id>/resend", methods=["POST"])
@require("staff")
@blp.arguments(EventResendIn)
@blp.response(202, EventOut)
@blp.alt_response(409, description="the event is waiting to be delivered already")
@blp.doc(security=SECURITY)
def resend(body: dict[str, Any], event_id: str) -> Any:
    """Deliver a dead (or delivered) event again: the same body and id, a fresh count of
    attempts; audited (``event.resent``)."""
    who = principal()
    event = outbox().resend(event_id, who.name, who.role, body["note"])
    from worker.app import relay_soon

    relay_soon(celery=current_app.extensions["originality.celery"],
               webhook_url=current_app.extensions["originality.settings"].webhook_url)
    return event
