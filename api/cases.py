"""``/api/v1/cases`` and ``/api/v1/students``: suspected-plagiarism cases, staff decisions, the
review queue and a student's record. The policy is :mod:`originality.ladder`; the records are
kept by :class:`originality.cases.CaseBook`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from werkzeug.utils import secure_filename
from flask_smorest import Blueprint

from originality import ladder
from originality.archive import Archive
from originality.errors import NotFound, UsageError
from originality.cases import Actor, CaseBook
from originality.privacy.erasure import erase_student
from originality.privacy.export import export_bundle, export_student
from originality.store.access import log_access, may_see

from . import exposure
from .auth import principal, require
from .reads import logged

blp = Blueprint("cases", __name__, description="Suspected-plagiarism cases and staff decisions")
students_blp = Blueprint("students", __name__, description="Students' records of cases and sanctions")
SECURITY = [{"bearer": []}]
# The most cases a page of the review queue may ask for.
QUEUE_LIMIT = 500


class LineRef(ma.Schema):
    file = ma.fields.String(required=True)
    start_line = ma.fields.Integer(required=True)
    end_line = ma.fields.Integer(required=True)


class FragmentRef(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    a = ma.fields.Nested(LineRef, required=True)
    b = ma.fields.Nested(LineRef, required=True)
    tokens = ma.fields.Integer()


class CaseIn(ma.Schema):
    submission_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    stage = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in ladder.Stage]))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=10_000))
    fragments = ma.fields.List(ma.fields.Nested(FragmentRef), load_default=None, metadata={
        "description": "the report fragments that support the case; default: every match"})


class DecisionIn(ma.Schema):
    decision = ma.fields.String(required=True,
                                validate=ma.validate.OneOf([d.value for d in ladder.Decision]))
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10_000), metadata={
        "description": "why: kept with the decision, for the student's file and any appeal; "
                       "one of spaces only is 400 usage_error"})
    reverses = ma.fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the id of the decision in force that this one reverses, as the caller "
                       "read it (GET /api/v1/cases/{id}: the last of its decisions); left out "
                       "for a case's first decision. When it is not the decision in force (the "
                       "case was decided since), nothing is stored: 409 conflict"})


class QueueArgs(ma.Schema):
    status = ma.fields.String(load_default=None,
                              validate=ma.validate.OneOf([s.value for s in ladder.CaseStatus]))
    after = ma.fields.String(load_default=None, metadata={
        "description": "the case the page starts after: the previous page's ``next``"})
    limit = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=QUEUE_LIMIT),
                              metadata={"description": "cases a page (all of them without it)"})


class DecisionOut(ma.Schema):
    id = ma.fields.Integer()
    decision = ma.fields.String()
    sanction = ma.fields.String(allow_none=True)
    banned_until = ma.fields.String(allow_none=True)
    reverses = ma.fields.Integer(allow_none=True)
    decided_by = ma.fields.String()
    note = ma.fields.String()
    decided_at = ma.fields.String()


class CaseOut(ma.Schema):
    id = ma.fields.String()
    submission_id = ma.fields.String()
    student_id = ma.fields.String()
    project_id = ma.fields.String()
    stage = ma.fields.String()
    note = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in ladder.CaseStatus]})
    opened_by = ma.fields.String()
    opened_at = ma.fields.String()
    repeat = ma.fields.Boolean(metadata={"description": "a repeat offense (step 4 of the ladder)"})
    repeat_reasons = ma.fields.List(ma.fields.String())
    proposed_sanction = ma.fields.String()
    proposal_reasons = ma.fields.List(ma.fields.String())
    sanction = ma.fields.String(allow_none=True)
    decisions = ma.fields.List(ma.fields.Nested(DecisionOut))
    evidence = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "the report matches, frozen when the case was opened: earlier work the "
                       "report lists, and later submissions matching this one (\"later\": true)"})


class DecidedOut(ma.Schema):
    case = ma.fields.Nested(CaseOut)
    event = ma.fields.Dict(metadata={"description": "the sanction.decided webhook event"})


class QueueOut(ma.Schema):
    cases = ma.fields.List(ma.fields.Nested(CaseOut))
    total = ma.fields.Integer(metadata={"description": "cases of the status in the queue"})
    repeats = ma.fields.Integer(metadata={"description": "of which repeat offenses"})
    next = ma.fields.String(allow_none=True, metadata={
        "description": "``after`` for the next page; null on the last"})
    to_revisit = ma.fields.List(ma.fields.Nested(CaseOut), metadata={
        "description": "apart from the cases, on every page whatever the status: the confirmed "
                       "cases whose sanction no longer matches the ladder's proposal (an earlier "
                       "case it rested on was reversed), oldest first; the sanction stays in "
                       "force until staff decide the case again"})


class SanctionOut(ma.Schema):
    case_id = ma.fields.String()
    project_id = ma.fields.String()
    stage = ma.fields.String()
    sanction = ma.fields.String()
    description = ma.fields.String()
    decided_at = ma.fields.String()


class RecordOut(ma.Schema):
    student_id = ma.fields.String()
    cases = ma.fields.List(ma.fields.Nested(CaseOut))
    sanctions = ma.fields.List(ma.fields.Nested(SanctionOut))
    warnings = ma.fields.Integer()
    open_cases = ma.fields.List(ma.fields.String())
    dismissed_cases = ma.fields.List(ma.fields.String())
    to_revisit = ma.fields.List(ma.fields.String(), metadata={
        "description": "confirmed cases whose sanction no longer matches the ladder's proposal "
                       "(an earlier case it rested on was reversed); in force until staff decide "
                       "them again"})
    banned_until = ma.fields.String(allow_none=True)
    banned = ma.fields.Boolean()


def case_book() -> CaseBook:
    archive: Archive = current_app.extensions["originality"]
    return CaseBook(archive)


def _actor() -> Actor:
    who = principal()
    return Actor(who.name, who.role)


@blp.route("", methods=["POST"])
@require("assessor", "staff")
@blp.arguments(CaseIn)
@blp.response(201, CaseOut)
@blp.alt_response(409, description="the submission is not checked yet, or already has an open "
                  "or confirmed case")
@blp.doc(security=SECURITY)
def open_case(body: dict[str, Any]) -> Any:
    """Open a suspected-plagiarism case on a submission; the report's matches are frozen as
    its evidence. An assessor may open one only on a submission assigned to them, and reads
    the evidence's other students as in the report (by pseudonym unless the school shows them)."""
    who = principal()
    submission = current_app.extensions["originality"].get(body["submission_id"])
    if not may_see(who, submission):
        raise NotFound(f"no submission {body['submission_id']}")
    return exposure.case(case_book().open(_actor(), body["submission_id"], body["stage"],
                                          body["note"], body["fragments"]))


@blp.route("", methods=["GET"])
@require("staff")
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueueOut)
@blp.doc(security=SECURITY)
@logged("case_list")
def review_queue(args: dict[str, Any]) -> Any:
    """The staff review queue, filtered by status: repeat offenses first (marked
    ``repeat``), then oldest first; a page of ``limit`` cases after the case ``after`` when
    asked (404 when ``after`` is not in the queue). Apart, the confirmed cases whose sanction
    is to revisit."""
    page = case_book().queue(args["status"], args["after"], args["limit"])
    return {"cases": page.cases, "total": page.total, "repeats": page.repeats, "next": page.next,
            "to_revisit": page.to_revisit}


@blp.route("/<case_id>", methods=["GET"])
@require("staff")
@blp.response(200, CaseOut)
@blp.doc(security=SECURITY)
def get_case(case_id: str) -> Any:
    """One case, with its frozen evidence and every decision taken on it. Logged."""
    found = case_book().get(case_id)
    log_access(case_book().db, principal(), found["submission_id"], "case", 200,
               student_id=found["student_id"])
    return found


@blp.route("/<case_id>/decision", methods=["POST"])
@require("staff")
@blp.arguments(DecisionIn)
@blp.response(201, DecidedOut)
@blp.alt_response(409, description="the case already stands so, or ``reverses`` is not the "
                  "decision in force (the case was decided since the caller read it, or has no "
                  "decision to reverse yet)")
@blp.doc(security=SECURITY)
def decide(body: dict[str, Any], case_id: str) -> Any:
    """Confirm or dismiss a case (staff only). A confirmed case gets its sanction from the
    penalty ladder. A case already decided is decided again only by naming the decision in
    force in ``reverses``: the new decision reverses it, as a new entry; so a decision taken on
    a page read before someone else decided is refused (409), never a silent reversal. Emits
    the ``sanction.decided`` webhook event."""
    case, event = case_book().decide(_actor(), case_id, body["decision"], body["note"],
                                     body["reverses"])
    from worker.app import relay_soon

    # The event was stored with the decision; this only asks a worker to send it now.
    relay_soon(celery=current_app.extensions["originality.celery"],
               webhook_url=current_app.extensions["originality.settings"].webhook_url)
    return {"case": case, "event": event}


@students_blp.route("/<student_id>/record")
@require("staff")
@students_blp.response(200, RecordOut)
@students_blp.doc(security=SECURITY)
def record(student_id: str) -> Any:
    """A student's record: cases, sanctions in force, and ``banned_until``. Logged."""
    found = case_book().record(student_id)
    log_access(case_book().db, principal(), "", "record", 200, student_id=student_id)
    return found


EXPORT_FORMATS = ("json", "zip")


class ExportOut(ma.Schema):
    version = ma.fields.Integer()
    student_id = ma.fields.String()
    exported_at = ma.fields.String()
    tables = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.Dict()),
                            metadata={"description": "every table holding personal data -> the "
                                      "rows about the student, whole (docs/privacy.md)"})


class KeptSubmission(ma.Schema):
    id = ma.fields.String()
    project_id = ma.fields.String()
    cases = ma.fields.List(ma.fields.String())
    pseudonymized = ma.fields.Boolean()
    why = ma.fields.String()


class KeptCase(ma.Schema):
    id = ma.fields.String()
    submission_id = ma.fields.String()
    why = ma.fields.String()


class KeptEvaluation(ma.Schema):
    id = ma.fields.Integer()
    submission_id = ma.fields.String()
    project_id = ma.fields.String()
    cases = ma.fields.List(ma.fields.String())
    why = ma.fields.String()


class Kept(ma.Schema):
    submissions = ma.fields.List(ma.fields.Nested(KeptSubmission))
    cases = ma.fields.List(ma.fields.Nested(KeptCase))
    evaluations = ma.fields.List(ma.fields.Nested(KeptEvaluation), metadata={
        "description": "the student's evaluations a case in force rests on as a repeat offense "
                       "(the project was evaluated before): kept with the case, even when their "
                       "submission is erased"})
    access_log = ma.fields.Integer(metadata={
        "description": "entries of who read the student's data, kept for the access log's own "
                       "retention period (accountability)"})


class ErasureOut(ma.Schema):
    student_id = ma.fields.String()
    erased_at = ma.fields.String()
    removed = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), metadata={
        "description": "what was removed, counted per kind (submissions, texts, fingerprints, "
                       "index_entries, reports, uploads, cases, ...)"})
    kept = ma.fields.Nested(Kept, metadata={
        "description": "what the law obliges the school to keep, and why: the student's cases "
                       "in force and the submissions they or other students' cases cite"})


@students_blp.route("/<student_id>/export")
@require("staff")
@students_blp.response(200, ExportOut)
@students_blp.doc(security=SECURITY, parameters=[{
    "in": "query", "name": "format", "required": False,
    "schema": {"type": "string", "enum": list(EXPORT_FORMATS), "default": "json"},
    "description": "json: one document; zip: that document and the student's uploads "
                   "(another format is 400 usage_error)"}])
def export(student_id: str) -> Any:
    """Everything held about a student, as one JSON document, or with `?format=zip` as one
    ZIP of that document (`export.json`) and the student's uploaded ZIPs (`uploads/`): access
    and portability. Logged."""
    archive: Archive = current_app.extensions["originality"]
    settings = current_app.extensions["originality.settings"]
    wanted = request.args.get("format", "json")
    if wanted not in EXPORT_FORMATS:
        raise UsageError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {wanted!r}")
    if wanted == "zip":
        bundle, _ = export_bundle(archive.db, archive.store, student_id, settings.pseudonym_secret)
        log_access(archive.db, principal(), "", "export", 200, student_id=student_id)
        return Response(bundle, mimetype="application/zip", headers={
            "Content-Disposition": f"attachment; filename=export-{secure_filename(student_id)}.zip"})
    data = export_student(archive.db, student_id, pseudonym_secret=settings.pseudonym_secret)
    log_access(archive.db, principal(), "", "export", 200, student_id=student_id)
    return data


@students_blp.route("/<student_id>/erasure", methods=["POST"])
@require("staff")
@students_blp.response(200, ErasureOut)
@students_blp.doc(security=SECURITY)
def erase(student_id: str) -> Any:
    """Erase what the retention policy allows of a student: uploads, texts, fingerprints,
    index entries, reports, and the matches other reports hold of their work (kept as a score
    marked ``erased``). A case in force and its evidence are kept, and said so. Idempotent;
    audited."""
    who = principal()
    settings = current_app.extensions["originality.settings"]
    return erase_student(current_app.extensions["originality"], student_id, settings.retention,
                         actor=who.name, role=who.role, pseudonym_secret=settings.pseudonym_secret)
