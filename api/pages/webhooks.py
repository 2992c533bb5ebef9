"""The webhooks page (staff): the events the relay gave up on, why, and a button that sends one
again once the platform's endpoint is fixed. Everything goes through
:class:`originality.outbox.Outbox`, as ``/api/v1/events`` does; the form follows
post-redirect-get, so reloading the page never re-sends twice.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for

from originality.errors import EventConflict
from originality.outbox import DEAD, Outbox

from ..reads import logged
from .session import archive, blp, page, principal

SHOWN = 200


def outbox() -> Outbox:
    return Outbox(archive().db)


def webhooks_page(status: int = 200, problem: str | None = None) -> Any:
    return render_template("pages/webhooks.html", events=outbox().events(DEAD, SHOWN),
                           counts=outbox().counts(), shown=SHOWN, problem=problem,
                           resent=request.args.get("resent"),
                           configured=bool(current_app.extensions["originality.settings"].webhook_url)), status


@blp.route("/webhooks")
@page("staff")
@logged("webhooks_page")
def webhooks() -> Any:
    return webhooks_page()


@blp.route("/webhooks/<event_id>/resend", methods=["POST"])
@page("staff")
def resend_webhook(event_id: str) -> Any:
    who = principal()
    try:
        outbox().resend(event_id, who.name, who.role, "re-sent from the webhooks page")
    except EventConflict as error:
        return webhooks_page(409, error.message)
    from worker.app import relay_soon

    relay_soon(celery=current_app.extensions["originality.celery"],
               webhook_url=current_app.extensions["originality.settings"].webhook_url)
    return redirect(url_for("pages.webhooks", resent=event_id), 303)
