"""The staff pages: the review queue (with the sanctions to revisit and the possible repeats the
triage found, apart from the cases), a case with its frozen evidence and the decision form, a
student's record; and the form, on a report or on a possible repeat, that opens a case.

Everything goes through :class:`originality.cases.CaseBook`, as the API does: the ladder only
proposes, a person decides, and a decision is a new entry, never an edit. Forms follow
post-redirect-get, so reloading a page never decides twice; a refused form is shown again with
what was typed and why it was refused.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import current_app, redirect, render_template, request, url_for

from originality import ladder
from originality.cases import Actor, CaseBook
from originality.errors import CaseConflict, NotFound, NotReady
from originality.store.access import log_access, may_see
from originality.triage import Triage

from ..reads import logged
from .report import FLAG_WORDS
from .session import PageError, archive, blp, page, principal

MAX_NOTE = 10_000
QUEUE_FILTERS = ("open", "confirmed", "dismissed", "all")
# Rows a page in each of the queue's two lists. Unpaged, 3,000 cases and the 6,600 possible
# repeats of a project whose pairs chain into one web made a page of 2.2 s and 12 MB
# (docs/benchmarks.md, "The queue, a page at a time").
QUEUE_PAGE = 50

# Plain words for the ladder's values; the sentences a student reads come from the ladder.
SANCTION_LABELS: dict[str, str] = {
    ladder.Sanction.WRITTEN_WARNING.value: "Written warning",
    ladder.Sanction.REWORK.value: "Written warning, and the project must be reworked",
    ladder.Sanction.FULL_REDO.value: "Written warning, and the project must be entirely redone",
    ladder.Sanction.DISCONTINUATION.value:
        f"Training discontinued, no new training for {ladder.BAN_YEARS} years",
}
STAGE_LABELS: dict[str, str] = {
    ladder.Stage.CREATION.value: "while the deliverables were being created",
    ladder.Stage.SUBMISSION.value: "in submitted deliverables",
    ladder.Stage.THROUGHOUT.value: "throughout the project",
}


def sanction_label(value: str | None) -> str:
    return "No sanction" if not value else SANCTION_LABELS.get(value, value)


def sanction_text(value: str | None) -> str:
    """What the sanction means for the student, in the ladder's words."""
    return "" if not value else ladder.Sanction(value).description


def stage_label(value: str) -> str:
    return STAGE_LABELS.get(value, value)


def book() -> CaseBook:
    return CaseBook(archive())


def render(template: str, http_status: int = 200, **context: Any) -> Any:
    """The template with the ladder's words at hand."""
    return render_template(template, sanction_label=sanction_label, sanction_text=sanction_text,
                           stage_label=stage_label, **context), http_status


# -- the queue ----------------------------------------------------------------------------------


@blp.route("/queue")
@page("staff")
@logged("queue_page")
def queue() -> Any:
    """The sanctions to revisit first, when there are any (confirmed cases whose sanction rests
    on a case overturned since); the possible repeats (strong matches of students with a
    confirmed case, waiting in the triage); then the cases, open ones by default, repeat
    offenses first (the ladder's step 4 waits for staff)."""
    status = request.args.get("status") or "open"
    notices = []
    if status not in QUEUE_FILTERS:
        notices.append(f"There is no status {status!r}; showing the open cases.")
        status = "open"
    triage = Triage(archive())
    # Strong matches of students who already have a confirmed case: no case yet, first, a page
    # at a time (keyset: after the last item the page before read).
    repeats_after = request.args.get("repeats_after", "")
    try:
        possible = triage.possible_repeats_page(QUEUE_PAGE,
                                                int(repeats_after) if repeats_after else None)
    except (ValueError, NotFound):
        notices.append("That place in the possible repeats does not exist; showing the first page.")
        possible, repeats_after = triage.possible_repeats_page(QUEUE_PAGE), ""
    # The cases a page at a time, from after the case the page before ended with (the ladder
    # orders them from each student's history).
    cases_after = request.args.get("cases_after", "")
    wanted = None if status == "all" else status
    try:
        cases = book().queue(wanted, cases_after or None, QUEUE_PAGE)
    except NotFound:
        notices.append("That case is no longer in this list; showing its first page.")
        cases, cases_after = book().queue(wanted, None, QUEUE_PAGE), ""

    def queue_url(**changes: str | None) -> str:
        """This queue with other pages of its two lists."""
        places = {"repeats_after": repeats_after or None, "cases_after": cases_after or None}
        return url_for("pages.queue", status=status, **{**places, **changes})

    return render("pages/queue.html", cases=cases.cases, case_count=cases.total, status=status,
                  filters=QUEUE_FILTERS, notices=notices,
                  repeats=cases.repeats, revisit=cases.to_revisit, possible=possible.items,
                  possible_count=triage.possible_repeat_count(), stages=STAGE_LABELS,
                  dismissed=request.args.get("dismissed"), page_size=QUEUE_PAGE,
                  next_repeats=queue_url(repeats_after=str(possible.next))
                  if possible.next else None,
                  first_repeats=queue_url(repeats_after=None) if repeats_after else None,
                  next_cases=queue_url(cases_after=cases.next) if cases.next else None,
                  first_cases=queue_url(cases_after=None) if cases_after else None)


# -- a case -------------------------------------------------------------------------------------


def case_page(case_id: str, status: int = 200, problems: list[str] | None = None,
              form: Mapping[str, str] | None = None) -> Any:
    """The case, its evidence and history, the student's record and the decision form."""
    found = book().get(case_id)
    record = book().record(found["student_id"])
    log_access(archive().db, principal(), found["submission_id"], "case_page", status,
               student_id=found["student_id"])
    others = [c for c in record["cases"] if c["id"] != case_id]
    try:  # the integrity flags of the submission's report, beside the frozen evidence
        flags = archive().report_of(found["submission_id"]).get("flags", [])
    except NotReady:
        flags = []
    return render("pages/case.html", status, case=found, record=record, others=others,
                  flags=flags, flag_words=FLAG_WORDS,
                  problems=problems or [], form=form or {},
                  decided=request.args.get("decided") == "1" and not problems,
                  opened=request.args.get("opened") == "1" and not problems)


@blp.route("/cases/<case_id>")
@page("staff")
def case(case_id: str) -> Any:
    return case_page(case_id)


@blp.route("/cases/<case_id>/decision", methods=["POST"])
@page("staff")
def decide(case_id: str) -> Any:
    """Confirm or dismiss (or reverse the decision in force); a note is required. The form
    names the decision in force the page showed (``reverses``, hidden): when the case was
    decided since, nothing is recorded and the page shows the case as it now stands."""
    choice = request.form.get("decision", "")
    note = request.form.get("note", "")
    seen = request.form.get("reverses", "")
    form = {"decision": choice, "note": note}
    problems = []
    if choice not in {d.value for d in ladder.Decision}:
        problems.append("Choose whether to confirm or to dismiss the case.")
    if not note.strip():
        problems.append("Write a note saying why: it is kept with the decision, for the "
                        "student's file and for any appeal.")
    elif len(note) > MAX_NOTE:
        problems.append(f"The note is too long: keep it under {MAX_NOTE:,} characters.")
    if seen and not seen.isdigit():
        problems.append("The form is damaged: reload the case and decide again.")
    if problems:
        return case_page(case_id, 400, problems, form)
    who = principal()
    reverses = int(seen) if seen else None
    try:
        book().decide(Actor(who.name, who.role), case_id, choice, note.strip(), reverses)
    except CaseConflict as error:
        return case_page(case_id, 409, [_conflict_words(case_id, reverses, error)], form)
    from worker.app import relay_soon

    # The event was stored with the decision; this only asks a worker to send it now.
    relay_soon(celery=current_app.extensions["originality.celery"],
               webhook_url=current_app.extensions["originality.settings"].webhook_url)
    return redirect(url_for("pages.case", case_id=case_id, decided=1), 303)


def _conflict_words(case_id: str, reverses: int | None, error: CaseConflict) -> str:
    """The refusal in a page's words: when the case was decided since the page was read, say
    so (the API's message tells a program which ``reverses`` to send)."""
    decisions = book().get(case_id)["decisions"]
    if (decisions[-1]["id"] if decisions else None) == reverses:
        return error.message
    latest = decisions[-1] if decisions else None
    now = f"it is now {latest['decision']} ({latest['decided_by']})" if latest else "it has no decision"
    return (f"Someone decided this case while you were reading it: {now}. Read that decision "
            "below; to change it, send the form again.")


# -- opening a case from a report ---------------------------------------------------------------


@blp.route("/reports/<submission_id>/case", methods=["POST"])
@page("assessor", "staff")
def open_case(submission_id: str) -> Any:
    """Open a case on a checked submission; its report's matches are frozen as evidence.

    Staff go on to the case; an assessor (who may not read cases) goes back to the report,
    which says the case is open.
    """
    who = principal()
    submission = archive().get(submission_id)
    if not may_see(who, submission):
        raise NotFound(f"no submission {submission_id}")
    stage = request.form.get("stage", "")
    note = request.form.get("note", "")
    if stage not in STAGE_LABELS:
        raise PageError(400, "Say where the plagiarism was found",
                        "Choose a stage (while creating, in submitted deliverables, or throughout "
                        "the project): the ladder's sanction depends on it. Go back and send the "
                        "form again.")
    if len(note) > MAX_NOTE:
        raise PageError(400, "The note is too long",
                        f"Keep the note under {MAX_NOTE:,} characters. Go back and shorten it.")
    opened = book().open(Actor(who.name, who.role), submission_id, stage, note.strip())
    if who.role == "staff":
        return redirect(url_for("pages.case", case_id=opened["id"], opened=1), 303)
    return redirect(url_for("pages.report", submission_id=submission_id, case="opened"), 303)


# -- a student's record -------------------------------------------------------------------------


@blp.route("/students/<student_id>")
@page("staff")
def student(student_id: str) -> Any:
    """Every case of the student, the sanctions in force and the ban, if any. Logged."""
    record = book().record(student_id)
    log_access(archive().db, principal(), "", "record_page", 200, student_id=student_id)
    return render("pages/student.html", record=record)
