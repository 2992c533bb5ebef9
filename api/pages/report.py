"""The similarity report for people: the ranked matches of one submission, each match side by
side, and one printable evidence document of them all.

The side by side comes from the engine (:mod:`originality.sxs`, shared with the static HTML
report) over the texts the archive stored (:mod:`originality.evidence`); this module only
checks who may look, logs the look and fills the templates. Scope as in the API: an assessor
reads only the submissions assigned to them, and anything else is "not found", never a hint
that it exists. Every view of a report, refused ones included, is in the access log.

A report also shows the later submissions that match it (``originality.store.links``): listed
from their links, drawn side by side from the later report, turned round so that this
submission is always A.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for

from originality import evidence, sxs
from originality.cases import Actor, CaseBook
from originality.errors import CaseConflict, NotReady
from originality.model import Fragment
from originality.report import not_compared, young_note
from originality.store import links
from originality.store.access import log_access, may_see
from originality.store.models import JobStatus, Submission
from originality.triage import Triage

from .. import exposure
from .session import PageError, archive, blp, page, principal

ACTION = "report_page"
READERS = ("platform", "assessor", "staff")
# The printed evidence shows the most similar matches only: past 20 a document is read by
# nobody, and rendering it would take seconds. Earlier and later matches share the 20, the
# earlier first: they are the evidence about this submission's own work.
PRINT_LIMIT = 20
# In print, every file is folded to its fragments with this much context: paper does not scroll.
PRINT_CONTEXT = 3
STYLE_MAX_AGE = 365 * 24 * 3600
# The stages of a case, in the words of the people who choose one (values: originality.ladder.Stage).
STAGES = (
    ("creation", "Found while the work was being made (shared or copied during the project)"),
    ("submission", "Found in a submitted deliverable"),
    ("throughout", "Found throughout the project"),
)
# The outcomes of an evaluation (originality.cases.OUTCOMES), in the school's words.
OUTCOME_WORDS = (
    ("pass", "Pass"),
    ("conditional_pass", "Conditional pass: a fix is due within 48 hours"),
    ("rework", "Rework: the deliverable is handed in again"),
)
# The kinds of flag (originality.tamper) in the assessor's words; a kind not listed shows as is.
FLAG_WORDS = {
    "hidden_text": "Hidden text",
    "invisible_characters": "Invisible characters",
    "homoglyphs": "Look-alike letters",
}
MAX_NOTE = 10_000
NOT_FOUND = ("There is no report here that you may open. Check the link, or open the report "
             "from your list of submissions.")


@dataclass(frozen=True)
class PairView:
    """One match of the report, ready for the templates."""

    rank: int
    own: bool
    match: dict[str, Any]
    later: bool  # B came after A: the pair is scored in B's report, seen here from A
    label_a: str
    label_b: str
    tokens: int
    fragments: list[sxs.FragmentRow]
    groups: list[sxs.Group]
    prefix: str


# -- the pages ----------------------------------------------------------------------------------


@blp.route("/reports/<submission_id>")
@page(*READERS)
def report(submission_id: str) -> Any:
    submission, stored = _open(submission_id)
    if stored is None:
        return _pending(submission)
    who = principal()
    can_open = (who.role in ("assessor", "staff") and "pages.open_case" in current_app.view_functions)
    later = links.later(archive().db, submission.id)
    later_links, later_explained = _later_apart(later)
    matches, explained = _apart(submission.id, stored)
    log_access(archive().db, who, submission_id, ACTION, 200)
    return render_template(
        "pages/report.html", **_header(submission),
        matches=matches, explained=explained,
        own_attempts=stored.get("own_attempts", []),
        unread=not_compared([("", stored.get("unread", []))]), flags=stored.get("flags", []),
        quotations=stored.get("quotations", []), flag_words=FLAG_WORDS,
        background=stored.get("background", 0.0),  # 0: a report stored before it was kept
        # None for a report stored before it was kept.
        young=young_note(stored["groups"], archive().options.match.common_min_submissions)
        if "groups" in stored else None,
        later_matches=[exposure.match(link.summary()) for link in later_links],
        later_explained=later_explained,
        later_own=[link.summary() for link in later if link.own],
        prior=evidence.prior_entries(archive().db, submission.id),
        threshold=archive().options.min_similarity, stages=STAGES, can_open_case=can_open,
        case_opened=request.args.get("case") == "opened",
        evaluations=CaseBook(archive()).evaluations(submission.id), outcomes=OUTCOME_WORDS,
        can_evaluate=who.role in ("assessor", "staff"),
        evaluated=request.args.get("evaluated") == "1",
        triage_items=[{**i, "other_student_id": exposure.student(i["other_student_id"])}
                      for i in Triage(archive()).waiting_of(submission.id)])


@blp.route("/reports/<submission_id>/matches/<other_id>")
@page(*READERS)
def report_match(submission_id: str, other_id: str) -> Any:
    submission, stored = _open(submission_id)
    if stored is None:
        return _pending(submission)
    found = _find(stored, other_id)
    template = evidence.template_lines(stored)
    is_later = False
    if found is None:  # not among the earlier ones: a later submission whose report has it?
        found, template = _find_later(submission.id, other_id)
        is_later = True
    if found is None:
        log_access(archive().db, principal(), submission_id, ACTION, 404)
        raise PageError(404, "Not found", "This report has no match with that submission. Go "
                                          "back to the report and pick one of its matches.")
    rank, own, match = found
    match = match if own else exposure.match(match)
    texts = evidence.load_texts(archive().db, _wanted(submission.id, [match]))
    view = _pair(submission, template, rank, own, match, _sources(texts), sxs.Layout(marks=True),
                 later=is_later)
    log_access(archive().db, principal(), submission_id, ACTION, 200)
    return render_template("pages/report_match.html", **_header(submission), pair=view,
                           style=_style_url())


@blp.route("/reports/<submission_id>/evaluation", methods=["POST"])
@page("assessor", "staff")
def evaluate(submission_id: str) -> Any:
    """Record the assessor's evaluation of the deliverable (append-only, as the API does)."""
    submission, stored = _open(submission_id)
    outcome = request.form.get("outcome", "")
    note = request.form.get("note", "").strip()
    if stored is None:
        raise PageError(409, "Not checked yet", "A deliverable is evaluated once its check is done.")
    if outcome not in dict(OUTCOME_WORDS):
        raise PageError(400, "Choose an outcome", "Choose pass, conditional pass or rework, then "
                                                  "send the form again.")
    if len(note) > MAX_NOTE:
        raise PageError(400, "The note is too long", f"Keep the note under {MAX_NOTE:,} characters.")
    who = principal()
    try:
        CaseBook(archive()).evaluate(Actor(who.name, who.role), submission.id, outcome, note)
    except CaseConflict as error:
        raise PageError(409, "This deliverable cannot be evaluated", error.message) from error
    return redirect(url_for("pages.report", submission_id=submission.id, evaluated=1), 303)


@blp.route("/reports/<submission_id>/retry", methods=["POST"])
@page("staff")
def retry_check(submission_id: str) -> Any:
    """Staff run a failed check again; the report page then says it is queued."""
    from ..submissions import enqueue

    submission = archive().get(submission_id)
    if submission is None:
        raise PageError(404, "Not found", NOT_FOUND)
    if not archive().retry(submission.id):
        raise PageError(409, "Nothing to run again",
                        f"This submission is {submission.status}: only a failed check runs again.")
    enqueue(submission.id)
    return redirect(url_for("pages.report", submission_id=submission.id), 303)


@blp.route("/reports/<submission_id>/print")
@page(*READERS)
def report_print(submission_id: str) -> Any:
    return render_print(submission_id)


def render_print(submission_id: str) -> Any:
    """The printable evidence document, for ``g.principal``: the page, and the PDF command
    (which sets a principal of its own and renders in-process, without HTTP)."""
    submission, stored = _open(submission_id)
    if stored is None:
        return _pending(submission)
    matches, explained = _apart(submission.id, stored)
    shown = matches[:PRINT_LIMIT]
    later = links.later(archive().db, submission.id)
    later_links, later_explained = _later_apart(later)
    # Only the later reports drawn here are read; the others are listed from their links.
    later_shown = links.later_matches(archive().db, submission.id,
                                      later_links[:PRINT_LIMIT - len(shown)])
    texts = evidence.load_texts(archive().db, _wanted(submission.id, shown + later_shown.matches))
    sources = _sources(texts)  # one budget for the document: its render time stays bounded
    template = evidence.template_lines(stored)
    pairs = [
        _pair(submission, template, rank, False, match, sources,
              sxs.Layout(full_lines=0, context=PRINT_CONTEXT, prefix=f"m{rank}-", marks=True))
        for rank, match in enumerate(shown, start=1)
    ]
    later_pairs = [
        _pair(submission, _later_template(later_shown, match), rank, False, exposure.match(match),
              sources,
              sxs.Layout(full_lines=0, context=PRINT_CONTEXT, prefix=f"l{rank}-", marks=True),
              later=True)
        for rank, match in enumerate(later_shown.matches, start=1)
    ]
    log_access(archive().db, principal(), submission_id, ACTION, 200)
    return render_template(
        "pages/report_print.html", **_header(submission), pairs=pairs, matches=matches,
        explained=explained, total=len(matches), limit=PRINT_LIMIT, own_attempts=stored.get("own_attempts", []),
        later_pairs=later_pairs,
        later_matches=[exposure.match(link.summary()) for link in later_links],
        later_explained=later_explained,
        flags=stored.get("flags", []), flag_words=FLAG_WORDS,
        later_own=[link.summary() for link in later if link.own],
        prior=evidence.prior_entries(archive().db, submission.id),
        threshold=archive().options.min_similarity, generated_at=datetime.now(UTC),
        context=PRINT_CONTEXT, style=_style_url())


@blp.route("/assets/report.css")
def report_css() -> Response:
    """The side-by-side style (the engine's, palette and token colours included); served from
    memory, versioned by its digest so browsers may keep it for long."""
    text, digest = _stylesheet()
    response = Response(text, mimetype="text/css")
    response.set_etag(digest)
    return response


@blp.after_app_request
def _cache_report_css(response: Response) -> Response:
    # Runs after the pages' own hook, which forbids caching everything but /assets files: this
    # one is an asset too, and its URL changes whenever its content does.
    if request.endpoint == "pages.report_css" and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={STYLE_MAX_AGE}, immutable"
    return response


# -- reading the report -------------------------------------------------------------------------


def _open(submission_id: str) -> tuple[Submission, dict[str, Any] | None]:
    """The submission and its stored report if ``g.principal`` may read it; None for a report
    not ready yet. A refusal is logged here; a success is logged by the page once it is sure."""
    db = archive().db
    who = principal()
    submission = archive().get(submission_id)
    if not may_see(who, submission):
        log_access(db, who, submission_id, ACTION, 404)
        raise PageError(404, "Not found", NOT_FOUND)
    if submission.erased_at is not None:
        log_access(db, who, submission_id, ACTION, 404)
        raise PageError(404, "Erased", "This submission was erased (on request or at the end of "
                                       "its retention period): nothing of it is kept to show.")
    if submission.status != JobStatus.DONE:
        log_access(db, who, submission_id, ACTION, 409)
        return submission, None
    try:
        stored = archive().report_of(submission_id)
    except NotReady:
        log_access(db, who, submission_id, ACTION, 409)
        return submission, None
    return submission, stored


def _apart(submission_id: str, stored: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The report's matches with other students as the viewer may read them, and apart, those
    explained by the student's own earlier work (``store/own_work.py``: the other student's
    report matches that attempt, which they copied), each with ``explained_by`` (the attempt's
    submission id and number). Listed apart as own attempts are: not a copy of the others."""
    why = links.explained(archive().db, submission_id)
    matches, explained = [], []
    for match in stored.get("matches", []):
        reason = why.get(str(match.get("submission_id")))
        if reason is None:
            matches.append(exposure.match(match))
        else:
            explained.append({**exposure.match(match), "explained_by": {
                "submission_id": reason.own_id, "attempt": reason.attempt}})
    return matches, explained


def _later_apart(later: list[links.LaterLink]) -> tuple[list[links.LaterLink], list[dict[str, Any]]]:
    """Other students' later matches, and apart, those their own earlier work explains: the
    later student handed in again her own work, which this submission's report matches (it
    copied that work; ``store/own_work.py``). Such a later match is the same copy seen again,
    not the later student copying this one."""
    ordinary = [link for link in later if not link.own and link.explained_by_attempt is None]
    explained = [{**exposure.match(link.summary()), "explained_by": {"attempt": link.explained_by_attempt}}
                 for link in later if not link.own and link.explained_by_attempt is not None]
    return ordinary, explained


def _find(stored: dict[str, Any], other_id: str) -> tuple[int, bool, dict[str, Any]] | None:
    """(rank in its list, whether it is an own attempt, the match) of ``other_id``."""
    for own, key in ((False, "matches"), (True, "own_attempts")):
        for rank, match in enumerate(stored.get(key, []), start=1):
            if match.get("submission_id") == other_id:
                return rank, own, match
    return None


def _find_later(submission_id: str, other_id: str) -> tuple[
        tuple[int, bool, dict[str, Any]] | None, dict[str, dict[str, frozenset[int]]]]:
    """The later match with ``other_id`` as ``_find`` gives an earlier one (its rank among the
    later ones of its kind), and the starter lines of the later report that scored it."""
    everything = links.later(archive().db, submission_id)
    chosen = [link for link in everything if link.submission_id == other_id]
    if not chosen:
        return None, {}
    later = links.later_matches(archive().db, submission_id, chosen)
    found = later.find(other_id)
    if found is None:
        return None, {}
    _, own, match = found
    kind = [link.submission_id for link in everything if link.own == own]
    return (kind.index(other_id) + 1, own, match), _later_template(later, match)


def _later_template(later: links.Later,
                    match: dict[str, Any]) -> dict[str, dict[str, frozenset[int]]]:
    # The lines greyed are those the later report found to be starter or common code: the
    # ones its score left out, for both sides.
    return evidence.template_lines(
        {"template_lines": later.template_lines.get(str(match["submission_id"]), {})})


def _wanted(submission_id: str, matches: list[dict[str, Any]]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {submission_id: set()}
    for match in matches:
        a, b = evidence.paths_of(evidence.fragments_of(match))
        wanted[submission_id] |= a
        wanted.setdefault(str(match["submission_id"]), set()).update(b)
    return wanted


def _sources(texts: dict[str, dict[str, str]]) -> sxs.Sources:
    return sxs.Sources(texts, token_prefix=sxs.TOKEN_PREFIX)


def _label(student_id: str, attempt: Any) -> str:
    return f"{student_id}, attempt {attempt}"


def _pair(submission: Submission, template: dict[str, dict[str, frozenset[int]]], rank: int,
          own: bool, match: dict[str, Any], sources: sxs.Sources, layout: sxs.Layout,
          later: bool = False) -> PairView:
    fragments: tuple[Fragment, ...] = evidence.fragments_of(match)
    a = sxs.Party(submission.id, _label(submission.student_id, submission.attempt))
    b = sxs.Party(str(match["submission_id"]), _label(str(match.get("student_id", "?")),
                                                      match.get("attempt", "?")))
    return PairView(
        rank=rank, own=own, match=match, later=later, label_a=a.label, label_b=b.label,
        tokens=sum(f.tokens for f in fragments),
        fragments=sxs.fragment_rows(fragments),
        groups=sxs.groups(sources, a, b, fragments, template, layout),
        prefix=layout.prefix)


def _header(submission: Submission) -> dict[str, Any]:
    """What every report page says first: whose work, which project, when, its standing."""
    book = CaseBook(archive())
    standing = book.standing(submission.student_id)
    who = principal()
    return {"submission": submission, "case": book.submission_case(submission),
            "banned_until": standing.banned_until if standing.banned else None,
            "cohort_link": who.role in ("assessor", "staff"), "stage_words": dict(STAGES)}


def _pending(submission: Submission) -> Any:
    """A report that does not exist yet (or never will): say why, as a 409 page."""
    return render_template("pages/report_pending.html", **_header(submission),
                           error=submission.error()), 409


@lru_cache(maxsize=1)
def _stylesheet() -> tuple[str, str]:
    text = sxs.stylesheet()
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _style_url() -> str:
    return url_for("pages.report_css", v=_stylesheet()[1])
