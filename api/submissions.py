"""``/api/v1/submissions``: upload a deliverable, read its status and its report."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

import marshmallow as ma
from flask import current_app, jsonify
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.fields import Upload
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from originality.archive import Archive
from originality.archive.blobs import spool
from originality.cases import OUTCOMES, Actor, CaseBook, aware, iso
from originality.errors import CaseConflict, NotAnArchive, NotFound, NotReady
from originality.store import links
from originality.store.access import log_access, may_see
from originality.store.models import JobStatus, Submission
from originality.unpack import is_zip

from . import exposure
from .auth import principal, require

log = logging.getLogger("originality.api")


class MultipartParser(FlaskParser):
    """webargs' Flask parser with a ``multipart`` location: the form fields and the files of
    one multipart/form-data body, read by one schema."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: ma.Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    """A blueprint whose ``multipart`` arguments are documented as one multipart/form-data
    request body (two ``arguments``, form and files, would document only one of them)."""

    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


blp = Blueprint("submissions", __name__, description="Deliverables and their reports")
SECURITY = [{"bearer": []}]
ID_FIELD = {"validate": ma.validate.Length(min=1, max=200)}
# A student's and a project's ids are path segments of the API's later calls (a student's
# record, export and erasure; a project's starter, settings): an id with a "/" could be
# uploaded and then never reached there.
PATH_ID_FIELD = {"validate": [
    ma.validate.Length(min=1, max=200),
    ma.validate.Regexp(r"^[^/]*$", error="an id appears in URLs: it may not contain '/'")]}


class UploadForm(ma.Schema):
    file = Upload(required=True, metadata={"description": "the deliverable, a ZIP archive"})
    student_id = ma.fields.String(required=True, **PATH_ID_FIELD)
    project_id = ma.fields.String(required=True, **PATH_ID_FIELD)
    attempt = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10_000))
    assessor_id = ma.fields.String(load_default=None, **ID_FIELD)
    submitted_at = ma.fields.DateTime(load_default=None)


class ErrorInfo(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class Queued(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    banned_until = ma.fields.String(metadata={
        "description": "present when the student is banned (training discontinued): the upload "
                       "is still checked and stored"})


class CaseBrief(ma.Schema):
    id = ma.fields.String()
    status = ma.fields.String()
    stage = ma.fields.String()
    sanction = ma.fields.String(allow_none=True)
    repeat = ma.fields.Boolean()
    opened_at = ma.fields.String()


class Status(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={
        "enum": [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED]})
    error = ma.fields.Nested(ErrorInfo, allow_none=True)
    project_id = ma.fields.String()
    student_id = ma.fields.String()
    attempt = ma.fields.Integer()
    assessor_id = ma.fields.String(allow_none=True)
    files = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    submitted_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "as the upload gave it, in UTC; the comparison follows the order of uploads"})
    finished_at = ma.fields.DateTime(allow_none=True)
    evaluable = ma.fields.Boolean(metadata={
        "description": "true only for a checked submission (done) without an open or confirmed "
                       "plagiarism case, not erased, and whose student is not banned"})
    case = ma.fields.Nested(CaseBrief, allow_none=True)
    banned_until = ma.fields.String(allow_none=True, metadata={
        "description": "the end of the student's ban, when one is in force"})
    erased_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "when the submission was erased (docs/privacy.md); its student id is "
                       "then erased:<id> and it has no report"})


class Line(ma.Schema):
    file = ma.fields.String()
    start_line = ma.fields.Integer()
    end_line = ma.fields.Integer()


class FragmentOut(ma.Schema):
    a = ma.fields.Nested(Line)
    b = ma.fields.Nested(Line)
    tokens = ma.fields.Integer()


class MatchOut(ma.Schema):
    submission_id = ma.fields.String()
    student_id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    attempt = ma.fields.Integer()
    similarity = ma.fields.Float()
    a_share = ma.fields.Float()
    b_share = ma.fields.Float()
    fragments = ma.fields.List(ma.fields.Nested(FragmentOut))
    erased = ma.fields.Boolean(metadata={
        "description": "present and true when the submission matched was erased (on request or "
                       "by the retention policy): the score stays, its student id is "
                       "\"erased\", and it has no fragments or file names any more"})


class UnreadFile(ma.Schema):
    file = ma.fields.String()
    state = ma.fields.String(metadata={"description": "too_large"})
    detail = ma.fields.String(metadata={"description": "why it was left unread"})


class FlagOut(ma.Schema):
    file = ma.fields.String()
    kind = ma.fields.String(metadata={
        "description": "hidden_text (words no reader sees: white or near-background colour, 2 pt "
                       "or smaller, marked hidden, off the page or slide, invisible PDF render "
                       "mode), invisible_characters (zero-width, soft hyphen, bidi controls, "
                       "tags inside words), homoglyphs (letters of other scripts that look Latin, "
                       "in Latin words)"})
    count = ma.fields.Integer(metadata={"description": "words (hidden_text) or characters"})
    detail = ma.fields.String(metadata={"description": "what was found and where, for people"})


class QuotationOut(ma.Schema):
    file = ma.fields.String()
    start_line = ma.fields.Integer()
    end_line = ma.fields.Integer()


class ReportOut(ma.Schema):
    submission = ma.fields.String()
    quotations = ma.fields.List(ma.fields.Nested(QuotationOut), metadata={
        "description": "passages quoted with a reference (in quotation marks, or a block quote, "
                       "followed by a citation): shown as quoted and left out of the similarity"})
    flags = ma.fields.List(ma.fields.Nested(FlagOut), metadata={
        "description": "tricks found in this submission's files, per file and kind. Each was "
                       "undone before comparing (hidden text left out, invisible characters "
                       "removed, look-alikes read as Latin). Evidence for a person, not a verdict"})
    unread = ma.fields.List(ma.fields.Nested(UnreadFile), metadata={
        "description": "files of this submission left unread (over the per-file size cap, or "
                       "compressed beyond the ratio cap): never compared; the rest was checked"})
    matches = ma.fields.List(ma.fields.Nested(MatchOut), metadata={
        "description": "other students' prior submissions that match this one, most similar "
                       "first"})
    own_attempts = ma.fields.List(ma.fields.Nested(MatchOut), metadata={
        "description": "the same student's earlier attempts: listed apart, never plagiarism"})
    later_matches = ma.fields.List(ma.fields.Nested(MatchOut), metadata={
        "description": "other students' later submissions whose reports match this one, most "
                       "similar first: the similarity and shares are those of the later report "
                       "(the same pair, the same score from either side), with the sides turned "
                       "round so that a is always this submission"})
    later_own_attempts = ma.fields.List(ma.fields.Nested(MatchOut), metadata={
        "description": "the same student's later attempts that match this one: listed apart, "
                       "never plagiarism"})
    background = ma.fields.Float(metadata={
        "description": "what independent work of the project shares: the median share of a "
                       "submission's own code found in another's, over up to 256 of its independent "
                       "submissions (0 under 10 of them, and in a report stored before it was kept). "
                       "A code pair's similarity reads the code it shares above it"})
    groups = ma.fields.Integer(metadata={
        "description": "how many independent submissions (near-duplicates counted once) the project "
                       "held at the check, this one included: under 10, neither code that "
                       "independent students commonly write nor the background is known yet, and "
                       "the task's obvious code counts in every similarity (absent from a report "
                       "stored before it was kept)"})
    template_lines = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Dict(
            keys=ma.fields.String(), values=ma.fields.List(ma.fields.List(ma.fields.Integer()))),
        metadata={"description": "submission id -> file -> [[first_line, last_line], ...]: the "
                  "lines of this submission and of each one matched (earlier or later) that are "
                  "starter code or code common to the project, which never count as "
                  "similarity"})


def _archive() -> Archive:
    return current_app.extensions["originality"]  # type: ignore[no-any-return]


def banned_until(student_id: str) -> str | None:
    """The end of the student's ban, if one is in force now."""
    standing = CaseBook(_archive()).standing(student_id)
    return iso(standing.banned_until) if standing.banned else None


def receive_zip(upload: Any) -> tuple[str, int]:
    """Receive an uploaded file whole (413 past the cap), make sure it is a ZIP, and keep it in
    the blob store, which every worker reads; a file that is not a ZIP is never kept."""
    settings = current_app.extensions["originality.settings"]
    try:
        with spool(upload.stream, settings.max_upload_bytes) as received:
            if not is_zip(received.file):
                raise NotAnArchive("the uploaded file is not a ZIP archive")
            _archive().store.put(received)
            return received.sha256, received.size
    finally:
        upload.close()


def _discard_if_unused(archive: Archive, sha256: str) -> None:
    try:
        archive.discard_unused(sha256)
    except Exception as error:  # the database still away: nothing tells whether another upload uses it
        log.warning("cannot tell whether upload %s is used, kept: %s", sha256, error)


def enqueue(submission_id: str) -> None:
    """Hand a queued submission to the workers; if the broker is down it stays queued in the
    database and the workers' recovery finds it."""
    from worker.app import enqueue_check

    if enqueue_check(submission_id, current_app.extensions["originality.celery"]):
        _archive().mark_enqueued(submission_id)


def status_of(submission: Submission) -> dict[str, Any]:
    case = CaseBook(_archive()).submission_case(submission)
    until = banned_until(submission.student_id)
    brief = None if case is None else {k: case[k] for k in
                                       ("id", "status", "stage", "sanction", "repeat", "opened_at")}
    return {"id": submission.id, "status": submission.status, "error": submission.error(),
            "project_id": submission.project_id, "student_id": submission.student_id,
            "attempt": submission.attempt, "assessor_id": submission.assessor_id,
            "files": submission.files,
            # Stored as naive UTC; sent with the offset, as RFC 3339 date-times (and cases) are.
            "created_at": aware(submission.created_at),
            "submitted_at": aware(submission.submitted_at) if submission.submitted_at else None,
            "finished_at": aware(submission.finished_at) if submission.finished_at else None,
            # An evaluation needs a checked deliverable: never one not checked yet (queued,
            # running, failed: ``POST .../evaluation`` refuses it), rejected unchecked (the
            # student hands it in again) or erased, nor one under a case, nor a banned
            # student's (``POST .../evaluation`` refuses it while the ban runs).
            "evaluable": (case is None and submission.status == JobStatus.DONE
                          and submission.erased_at is None and until is None),
            "case": brief,
            "banned_until": until,
            "erased_at": aware(submission.erased_at) if submission.erased_at else None}


def _visible(submission_id: str) -> Submission:
    """The submission if the caller may see it; an assessor sees only those assigned to them."""
    submission = _archive().get(submission_id)
    who = principal()
    if not may_see(who, submission):
        raise NotFound(f"no submission {submission_id}")
    return submission


@blp.route("", methods=["POST"])
@require("platform")
@blp.arguments(UploadForm, location="multipart")
@blp.response(202, Queued)
@blp.alt_response(200, schema=Status, description="the same ZIP for this student, project and "
                  "attempt was uploaded before: that submission")
@blp.alt_response(413, description="the upload is too large")
@blp.doc(security=SECURITY)
def upload(form: dict[str, Any]) -> Any:
    """Upload a deliverable (a ZIP) for checking."""
    archive = _archive()
    sha, size = receive_zip(form["file"])
    submitted_at = form["submitted_at"]
    if submitted_at is not None and submitted_at.tzinfo is not None:
        submitted_at = submitted_at.astimezone(UTC).replace(tzinfo=None)
    try:
        registered = archive.register(sha256=sha, size=size, project_id=form["project_id"],
                                      student_id=form["student_id"], attempt=form["attempt"],
                                      assessor_id=form["assessor_id"], submitted_at=submitted_at)
    except Exception:
        # Not recorded: its stored copy would outlive it where no retention or erasure looks.
        _discard_if_unused(archive, sha)
        raise
    if not registered.created and not (registered.submission.status == JobStatus.FAILED
                                       and archive.retry(registered.submission.id)):
        # The submission's whole status, as documented for this answer: returned as data, it
        # went through the 202's schema and lost its error, files and case.
        return jsonify(Status().dump(status_of(registered.submission)))
    # New, or the same ZIP again after a failed check: that check runs once more.
    enqueue(registered.submission.id)
    return _queued(registered.submission)


def _queued(submission: Submission) -> dict[str, Any]:
    """The answer to a check queued (an upload, a retry)."""
    queued: dict[str, Any] = {"id": submission.id, "status": JobStatus.QUEUED}
    until = banned_until(submission.student_id)
    if until is not None:  # checked and stored all the same; the platform is told of the ban
        queued["banned_until"] = until
    return queued


@blp.route("/<submission_id>")
@require("platform", "staff", "assessor")
@blp.response(200, Status)
@blp.doc(security=SECURITY)
def get_status(submission_id: str) -> Any:
    """A submission's status: queued, running, done, rejected (with the reason) or failed."""
    return status_of(_visible(submission_id))


@blp.route("/<submission_id>/report")
@require("platform", "staff", "assessor")
@blp.response(200, ReportOut)
@blp.alt_response(409, description="the check has not finished, or the submission was rejected")
@blp.doc(security=SECURITY)
def get_report(submission_id: str) -> Any:
    """The matches of a submission against every prior submission of its project, and apart
    the later submissions that match it (as their own reports score them). Every access is
    logged. Other students' ids are shown to the roles ORIGINALITY_OTHER_STUDENTS_SHOWN_TO
    names (staff by default); the others read a keyed pseudonym and no file name."""
    archive = _archive()
    who = principal()
    try:
        submission = _visible(submission_id)
        if submission.erased_at is not None:
            raise NotFound(f"submission {submission_id} was erased; it has no report")
        if submission.status != JobStatus.DONE:
            raise NotReady(f"submission {submission_id} is {submission.status}; no report")
        report = archive.report_of(submission_id)
    except (NotFound, NotReady) as error:
        log_access(archive.db, who, submission_id, "report", error.http_status)
        raise
    log_access(archive.db, who, submission_id, "report", 200)
    return exposure.report(links.later_matches(archive.db, submission_id).added_to(report))


@blp.route("/<submission_id>/retry", methods=["POST"])
@require("platform", "staff")
@blp.response(202, Queued)
@blp.alt_response(409, description="the check has not failed: nothing to retry")
@blp.doc(security=SECURITY)
def retry(submission_id: str) -> Any:
    """Run a failed check again. A failure is the service's fault (a rejection is the
    upload's, and is final); uploading the same ZIP again does the same."""
    submission = _visible(submission_id)
    if not _archive().retry(submission.id):
        raise CaseConflict(f"submission {submission_id} is {submission.status}, not failed: "
                           "only a failed check runs again")
    enqueue(submission.id)
    return _queued(submission)


class EvaluationIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(list(OUTCOMES)))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=10_000))


class EvaluationOut(ma.Schema):
    id = ma.fields.Integer()
    submission_id = ma.fields.String()
    student_id = ma.fields.String()
    project_id = ma.fields.String()
    outcome = ma.fields.String(metadata={"enum": list(OUTCOMES)})
    note = ma.fields.String()
    evaluated_by = ma.fields.String()
    evaluated_at = ma.fields.String()
    fix_due_at = ma.fields.String(allow_none=True, metadata={
        "description": "for a conditional pass, when the fix is due: 48 hours after "
                       "evaluated_at; null for the other outcomes"})


@blp.route("/<submission_id>/evaluation", methods=["POST"])
@require("assessor", "staff", "platform")
@blp.arguments(EvaluationIn)
@blp.response(201, EvaluationOut)
@blp.alt_response(409, description="the submission is not checked yet, has an open or "
                  "confirmed case, or its student is banned (training discontinued)")
@blp.doc(security=SECURITY)
def evaluate(body: dict[str, Any], submission_id: str) -> Any:
    """Record that the deliverable was evaluated (append-only). A case opened afterwards on the
    same student's project is a repeat offense. An assessor may record one only for a
    submission assigned to them."""
    submission = _visible(submission_id)
    who = principal()
    return CaseBook(_archive()).evaluate(Actor(who.name, who.role), submission.id,
                                         body["outcome"], body["note"])
