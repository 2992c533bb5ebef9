"""``/api/v1/projects/<project_id>/starter``: a project's starter code, which every later check
of the project leaves out (as ``originality check --base`` does); and
``/api/v1/projects/<project_id>/review-threshold``: the similarity from which a match enters the
to-review list (``originality/triage.py``); and ``/api/v1/projects/<project_id>/quotations``:
whether quotations that cite their source are left out (``originality/archive/quotations.py``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest.fields import Upload

from originality.archive import Archive
from originality.cases import Actor, aware
from originality.errors import NotFound
from originality.triage import Triage

from .auth import principal, require
from .submissions import SECURITY, Blueprint, receive_zip

blp = Blueprint("projects", __name__,
                description="Projects: their starter code, review threshold and quotations")


class StarterForm(ma.Schema):
    file = Upload(required=True, metadata={"description": "the starter code, a ZIP archive"})


class StarterOut(ma.Schema):
    project_id = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True, metadata={"description": "SHA-256 of the ZIP"})
    size = ma.fields.Integer(required=True, metadata={"description": "bytes of the ZIP"})
    files = ma.fields.Integer(required=True, metadata={"description": "files read from the ZIP"})
    name = ma.fields.String(allow_none=True, metadata={"description": "the uploaded file's name"})
    set_by = ma.fields.String(metadata={"description": "who set it (the token's name)"})
    updated_at = ma.fields.DateTime()


def _archive() -> Archive:
    return current_app.extensions["originality"]  # type: ignore[no-any-return]


def _out(summary: dict[str, Any]) -> dict[str, Any]:
    # Stored as naive UTC; sent with the offset, as the submissions' times are.
    return {**summary, "updated_at": aware(summary["updated_at"])}


@blp.route("/<project_id>/starter")
class Starter(MethodView):
    @require("platform", "staff")
    @blp.arguments(StarterForm, location="multipart")
    @blp.response(200, StarterOut)
    @blp.alt_response(400, description="the project id is empty or too long")
    @blp.alt_response(413, description="the upload is too large")
    @blp.alt_response(422, description="not a ZIP, or a ZIP that cannot be read safely (its "
                      "error code says why: zip_bomb, encrypted, corrupt_archive, ...)")
    @blp.doc(security=SECURITY)
    def put(self, form: dict[str, Any], project_id: str) -> Any:
        """Set the project's starter code (a ZIP): every submission checked from now on
        leaves it out of its similarity. Setting it again replaces it."""
        upload = form["file"]
        sha, size = receive_zip(upload)
        summary = _archive().set_starter(project_id, sha, size, name=upload.filename or None,
                                      set_by=principal().name)
        return _out(summary)

    @require("platform", "staff", "assessor")
    @blp.response(200, StarterOut)
    @blp.alt_response(404, description="the project has no starter code")
    @blp.doc(security=SECURITY)
    def get(self, project_id: str) -> Any:
        """The project's starter code: its digest and how many files it has."""
        summary = _archive().starter(project_id)
        if summary is None:
            raise NotFound(f"project {project_id} has no starter code")
        return _out(summary)


class ThresholdIn(ma.Schema):
    review_threshold = ma.fields.Float(required=True, validate=ma.validate.Range(
        min=0.0, max=1.0, min_inclusive=False), metadata={
        "description": "a calibrated similarity: 0.5 is 'as likely a copy as not'"})


class ThresholdOut(ma.Schema):
    project_id = ma.fields.String(required=True)
    review_threshold = ma.fields.Float(required=True, metadata={"description": "in effect"})
    source = ma.fields.String(metadata={"enum": ["project", "default"]})
    default = ma.fields.Float(metadata={"description": "the service's (ORIGINALITY_REVIEW_THRESHOLD)"})
    set_by = ma.fields.String(allow_none=True)
    updated_at = ma.fields.String(allow_none=True)


@blp.route("/<project_id>/review-threshold")
class ReviewThreshold(MethodView):
    @require("platform", "staff", "assessor")
    @blp.response(200, ThresholdOut)
    @blp.doc(security=SECURITY)
    def get(self, project_id: str) -> Any:
        """The similarity from which a checked submission's match enters the to-review list:
        the project's own, else the service's default."""
        return Triage(_archive()).threshold(project_id)

    @require("platform", "staff")
    @blp.arguments(ThresholdIn)
    @blp.response(200, ThresholdOut)
    @blp.doc(security=SECURITY)
    def put(self, body: dict[str, Any], project_id: str) -> Any:
        """Set the project's own review threshold for the checks from now on (items already
        flagged stay); audited."""
        who = principal()
        return Triage(_archive()).set_threshold(Actor(who.name, who.role), project_id,
                                                body["review_threshold"])


class QuotationsIn(ma.Schema):
    leave_out = ma.fields.Boolean(required=True, metadata={
        "description": "true: quotations that cite their source are listed and left out of the "
                       "similarity (the default); false: they count like any text"})


class QuotationsOut(ma.Schema):
    project_id = ma.fields.String(required=True)
    leave_out = ma.fields.Boolean(required=True, metadata={"description": "in effect"})
    source = ma.fields.String(metadata={"enum": ["project", "default"]})
    default = ma.fields.Boolean()
    set_by = ma.fields.String(allow_none=True)
    updated_at = ma.fields.String(allow_none=True)


@blp.route("/<project_id>/quotations")
class QuotationChoice(MethodView):
    @require("platform", "staff", "assessor")
    @blp.response(200, QuotationsOut)
    @blp.doc(security=SECURITY)
    def get(self, project_id: str) -> Any:
        """Whether the project's checks leave out quotations that cite their source."""
        return _archive().quotations(project_id)

    @require("platform", "staff")
    @blp.arguments(QuotationsIn)
    @blp.response(200, QuotationsOut)
    @blp.doc(security=SECURITY)
    def put(self, body: dict[str, Any], project_id: str) -> Any:
        """Set the project's own choice, for the checks from now on (an entry keeps the tokens
        it was entered with); audited."""
        who = principal()
        return _archive().set_quotations(who.name, who.role, project_id, body["leave_out"])
