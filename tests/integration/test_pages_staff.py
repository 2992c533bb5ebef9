"""The staff pages and the cohort overview, through the Flask test client on a real SQLite
database in a temporary directory. Submissions are checked by the archive directly, as the
worker would; cases are opened and decided through the pages' forms."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from originality.cases import Actor, CaseBook
from originality.percents import percent
from tests.support import ServiceApp, running

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HISTOGRAM_ROW = re.compile(r'<tr><th scope="row">(\d+)\u2013(\d+)%</th><td class="num">(\d+)</td></tr>')


class Service(ServiceApp):
    """The pages take forms, and sessions signed in through the sign-in form."""

    def post(self, url: str, form: dict[str, str], role: str | None = "staff") -> Any:
        return self.client.post(url, data=form, headers=self.headers(role))

    def sign_in(self, role: str) -> str:
        """Sign in through the form; returns the session's CSRF secret."""
        csrf = CSRF.search(self.client.get("/signin").get_data(as_text=True))
        assert csrf is not None
        response = self.client.post("/signin", data={"token": self.tokens[role],
                                                     "csrf_token": csrf.group(1), "next": "/"})
        assert response.status_code == 303
        found = CSRF.search(self.client.get("/queue").get_data(as_text=True))
        assert found is not None
        return found.group(1)


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from running(Service, tmp_path, monkeypatch)


def stored_events(service: Service, event_type: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of this type in the outbox, oldest first, for the relay to send."""
    import json

    from sqlalchemy import select

    from originality.store.models import EventRow

    with service.archive.db.sessions() as session:
        return [(row.type, json.loads(row.data)["data"]) for row in session.scalars(
            select(EventRow).filter_by(type=event_type, status="pending")
            .order_by(EventRow.created_at))]


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def assert_strict_page(body: str) -> None:
    """What the pages' content security policy would block: inline styles and scripts."""
    assert 'style="' not in body and "<style" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


def in_force(book: CaseBook, case_id: str) -> int:
    """The id of the decision in force on the case: the one a new decision reverses."""
    return int(book.get(case_id)["decisions"][-1]["id"])


def shown_in_force(body: str) -> str:
    """The decision in force the case page's form names (``reverses``, hidden)."""
    found = re.search(r'<input type="hidden" name="reverses" value="(\d+)">', body)
    assert found is not None
    return found.group(1)


def open_case(service: Service, submission_id: str, stage: str = "creation",
              note: str = "same code", role: str = "staff") -> str:
    response = service.post(f"/reports/{submission_id}/case", {"stage": stage, "note": note}, role)
    assert response.status_code == 303, text(response)
    return str(CaseBook(service.archive).queue("all").cases[-1]["id"]) if role != "staff" else \
        response.headers["Location"].split("/cases/")[1].split("?")[0]


@pytest.fixture
def repeat_offender(service: Service) -> dict[str, str]:
    """mallory copied alice in p1 (case confirmed), then, warned, again in p2 (a repeat,
    open); zoe has an open first case in p3."""
    alice = service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    service.add("original", "alice", "p2", assessor=None)
    service.add("original", "alice", "p3")
    zoe = service.add("partial_copy", "zoe", "p3")
    book = CaseBook(service.archive)
    dean = Actor("dean", "staff")
    first = book.open(dean, copy, "creation", "same code as alice")["id"]
    book.decide(dean, first, "confirmed", "clear copy")
    second = service.add("renamed", "mallory", "p2")  # handed in after the warning
    zoe_case = book.open(Actor("ada", "assessor"), zoe, "submission", "a third is alice's")["id"]
    repeat = book.open(dean, second, "submission", "again, renamed")["id"]
    return {"alice": alice, "copy": copy, "second": second, "first": first, "repeat": repeat,
            "zoe": zoe_case}


# -- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_open_cases_with_repeat_offenses_marked_and_first(
        service: Service, repeat_offender: dict[str, str]) -> None:
    response = service.get("/queue")
    assert response.status_code == 200
    body = text(response)
    assert_strict_page(body)
    rows = re.findall(r'<tr( class="repeat")?>\s*<td><a href="/cases/(\w+)"', body)
    assert rows == [(' class="repeat"', repeat_offender["repeat"]), ("", repeat_offender["zoe"])]
    assert body.count("Repeat offense</span>") == 1
    assert "Training discontinued, no new training for 2 years" in body
    assert "Written warning, and the project must be reworked" in body
    assert '<a href="/students/mallory">mallory</a>' in body
    assert repeat_offender["first"] not in body

    confirmed = text(service.get("/queue?status=confirmed"))
    assert repeat_offender["first"] in confirmed and repeat_offender["zoe"] not in confirmed
    everything = text(service.get("/queue?status=all"))
    assert all(repeat_offender[k] in everything for k in ("first", "repeat", "zoe"))
    unknown = text(service.get("/queue?status=pending"))
    assert "There is no status" in unknown and repeat_offender["zoe"] in unknown


def test_the_queue_shows_a_sanction_to_revisit_once_the_case_it_rested_on_is_overturned(
        service: Service, repeat_offender: dict[str, str]) -> None:
    book = CaseBook(service.archive)
    dean = Actor("dean", "staff")
    book.decide(dean, repeat_offender["repeat"], "confirmed", "repeat")
    assert 'id="to-revisit"' not in text(service.get("/queue"))
    book.decide(dean, repeat_offender["first"], "dismissed", "appeal upheld",
                in_force(book, repeat_offender["first"]))

    body = text(service.get("/queue"))
    assert_strict_page(body)
    [row] = re.findall(r'<table class="data" id="to-revisit">.*?</table>', body, re.S)
    assert f'href="/cases/{repeat_offender["repeat"]}"' in row and "banned until" in row
    assert "Training discontinued, no new training for 2 years" in row
    assert "Written warning, and the project must be reworked" in row
    assert repeat_offender["first"] not in row
    assert 'id="to-revisit"' in text(service.get("/queue?status=dismissed"))

    book.decide(dean, repeat_offender["repeat"], "confirmed", "the earlier case fell",
                in_force(book, repeat_offender["repeat"]))
    assert 'id="to-revisit"' not in text(service.get("/queue"))


def test_the_queue_says_when_nothing_waits(service: Service) -> None:
    body = text(service.get("/queue"))
    assert 'id="empty-queue"' in body and "No case is waiting for a decision" in body
    assert 'id="empty-queue"' in text(service.get("/queue?status=dismissed"))


def test_staff_pages_are_for_staff_only(service: Service,
                                        repeat_offender: dict[str, str]) -> None:
    for url in ("/queue", f"/cases/{repeat_offender['repeat']}", "/students/mallory"):
        assert service.get(url, "assessor").status_code == 403
        assert service.get(url, "platform").status_code == 403
        anonymous = service.get(url, None)
        assert anonymous.status_code == 401 and 'name="token"' in text(anonymous)
    assert service.get("/cases/nope").status_code == 404


# -- a case -------------------------------------------------------------------------------------


def test_the_case_page_shows_the_frozen_evidence_the_proposal_and_the_history(
        service: Service, repeat_offender: dict[str, str]) -> None:
    case_id = repeat_offender["repeat"]
    response = service.get(f"/cases/{case_id}")
    assert response.status_code == 200
    body = text(response)
    assert_strict_page(body)
    case = CaseBook(service.archive).get(case_id)
    match = case["evidence"][0]
    fragment = match["fragments"][0]
    assert f'href="/reports/{repeat_offender["second"]}/matches/{match["submission_id"]}"' in body
    assert f"{fragment['a']['file']}</code>, lines {fragment['a']['start_line']}\u2013" in body
    assert f"{percent(match['similarity'])} similar to alice" in body
    assert "again, renamed" in body and "by <strong>dean</strong>" in body
    assert "Repeat offense</span>" in body and 'id="repeat-reasons"' in body
    assert case["repeat_reasons"][0] in body
    for reason in case["proposal_reasons"]:
        assert reason in body
    # The student's history: the earlier confirmed case and its written warning.
    assert f'href="/cases/{repeat_offender["first"]}"' in body
    assert 'id="other-cases"' in body and "1 written warning in force" in body
    assert 'href="/students/mallory"' in body
    # The decision form says what confirming would give.
    assert 'action="/cases/%s/decision"' % case_id in body and 'name="csrf_token"' in body
    assert "Confirm: Training discontinued, no new training for 2 years" in body
    assert 'id="no-decision"' in body


def test_a_decision_without_a_session_or_csrf_is_refused(
        service: Service, repeat_offender: dict[str, str]) -> None:
    case_id = repeat_offender["zoe"]
    form = {"decision": "confirmed", "note": "copied"}
    refused = service.client.post(f"/cases/{case_id}/decision", data=form)
    assert refused.status_code == 400 and "The form has expired" in text(refused)
    service.sign_in("staff")
    forged = service.client.post(f"/cases/{case_id}/decision", data={**form, "csrf_token": "x"})
    assert forged.status_code == 400
    assert CaseBook(service.archive).get(case_id)["status"] == "open"


def test_a_signed_in_member_of_staff_confirms_a_case_and_sees_the_sanction(
        service: Service, repeat_offender: dict[str, str]) -> None:
    case_id = repeat_offender["zoe"]
    csrf = service.sign_in("staff")
    page = text(service.client.get(f"/cases/{case_id}"))
    assert "Confirm: Written warning, and the project must be reworked" in page
    response = service.client.post(f"/cases/{case_id}/decision", data={
        "decision": "confirmed", "note": "a third is alice's, verbatim", "csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cases/{case_id}?decided=1"
    body = text(service.client.get(response.headers["Location"]))
    assert_strict_page(body)
    assert 'id="decided"' in body and "the case is <strong>confirmed</strong>" in body
    assert "Written warning, and the project must be reworked" in body
    assert "This is a written warning, and the project cannot be evaluated" in body
    assert 'id="decisions"' in body and "a third is alice&#39;s" not in body
    assert "a third is alice's, verbatim" in body
    assert CaseBook(service.archive).get(case_id)["sanction"] == "rework"
    # The decision's event is in the outbox (the fixture's earlier decision has one too).
    assert [(t, d["sanction"]) for t, d in stored_events(service, "sanction.decided")
            if d["case_id"] == case_id] == [("sanction.decided", "rework")]
    # The same decision again changes nothing: the page says so, with 409.
    seen = shown_in_force(body)
    assert seen == str(in_force(CaseBook(service.archive), case_id))
    again = service.client.post(f"/cases/{case_id}/decision", data={
        "decision": "confirmed", "note": "sure", "reverses": seen, "csrf_token": csrf})
    assert again.status_code == 409 and "is already confirmed" in text(again)
    # A reversal is a new entry; the history keeps both.
    reversed_ = service.client.post(f"/cases/{case_id}/decision", data={
        "decision": "dismissed", "note": "appeal upheld", "reverses": seen, "csrf_token": csrf})
    assert reversed_.status_code == 303
    body = text(service.client.get(reversed_.headers["Location"]))
    assert "the case is <strong>dismissed</strong>" in body and "reverses the previous one" in body
    assert body.count('<span class="tag confirmed">confirmed</span>') >= 1


def test_a_decision_sent_from_a_page_read_before_another_decision_is_refused(
        service: Service, repeat_offender: dict[str, str]) -> None:
    """eve reads the open case; dean confirms it meanwhile; eve's dismissal, from the page she
    read, is refused: the page shows the case as it now stands, and the confirmation stays."""
    case_id = repeat_offender["zoe"]
    csrf = service.sign_in("staff")
    page = text(service.client.get(f"/cases/{case_id}"))
    assert 'name="reverses"' not in page  # nothing to reverse yet
    CaseBook(service.archive).decide(Actor("dean", "staff"), case_id, "confirmed", "copied")
    late = service.client.post(f"/cases/{case_id}/decision", data={
        "decision": "dismissed", "note": "pair work", "csrf_token": csrf})
    assert late.status_code == 409
    body = text(late)
    assert "Someone decided this case while you were reading it: it is now confirmed (dean)" in body
    assert ">pair work</textarea>" in body
    assert shown_in_force(body) == str(in_force(CaseBook(service.archive), case_id))
    assert CaseBook(service.archive).get(case_id)["status"] == "confirmed"
    # Sent again from the page that shows the confirmation, it reverses it.
    again = service.client.post(f"/cases/{case_id}/decision", data={
        "decision": "dismissed", "note": "pair work", "reverses": shown_in_force(body),
        "csrf_token": csrf})
    assert again.status_code == 303
    assert CaseBook(service.archive).get(case_id)["status"] == "dismissed"


def test_an_empty_note_is_refused_with_a_message_and_the_choice_is_kept(
        service: Service, repeat_offender: dict[str, str]) -> None:
    case_id = repeat_offender["zoe"]
    response = service.post(f"/cases/{case_id}/decision", {"decision": "dismissed", "note": "  "})
    assert response.status_code == 400
    body = text(response)
    assert 'id="problems"' in body and "Write a note saying why" in body
    assert re.search(r'value="dismissed"\s+checked', body)
    no_choice = text(service.post(f"/cases/{case_id}/decision", {"note": "kept text"}))
    assert "Choose whether to confirm or to dismiss" in no_choice and ">kept text</textarea>" in no_choice
    assert CaseBook(service.archive).get(case_id)["decisions"] == []


# -- opening a case from a report -----------------------------------------------------------------


def test_cases_are_opened_from_a_report_within_the_assessors_scope(service: Service) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    other = service.add("renamed", "rob", "p1", assessor="bob")
    waiting = service.add("partial_copy", "pat", "p1", check=False)

    assert service.post(f"/reports/{other}/case", {"stage": "creation", "note": "x"},
                        "assessor").status_code == 404
    assert service.post(f"/reports/{copy}/case", {"stage": "whenever"}, "assessor").status_code == 400
    opened = service.post(f"/reports/{copy}/case", {"stage": "creation", "note": "same"}, "assessor")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/reports/{copy}?case=opened"
    [case] = CaseBook(service.archive).queue().cases
    assert case["submission_id"] == copy and case["opened_by"] == "ada" and case["stage"] == "creation"

    twice = service.post(f"/reports/{copy}/case", {"stage": "creation", "note": "x"}, "assessor")
    assert twice.status_code == 409 and "already has an open or confirmed case" in text(twice)
    not_checked = service.post(f"/reports/{waiting}/case", {"stage": "creation"}, "assessor")
    assert not_checked.status_code == 409 and "no report to cite" in text(not_checked)
    assert service.post(f"/reports/{copy}/case", {"stage": "creation"}, "platform").status_code == 403

    by_staff = service.post(f"/reports/{other}/case", {"stage": "throughout", "note": ""})
    assert by_staff.status_code == 303
    location = by_staff.headers["Location"]
    assert location.startswith("/cases/") and location.endswith("?opened=1")
    body = text(service.get(location))
    assert 'id="opened"' in body and "Confirm: Written warning, and the project must be entirely redone" in body


# -- a student's record -------------------------------------------------------------------------


def test_the_student_page_shows_cases_sanctions_and_the_ban(
        service: Service, repeat_offender: dict[str, str]) -> None:
    book = CaseBook(service.archive)
    book.decide(Actor("dean", "staff"), repeat_offender["repeat"], "confirmed", "repeat")
    body = text(service.get("/students/mallory"))
    assert_strict_page(body)
    assert 'id="sanctions"' in body and "Banned</span>" in body
    assert "Training discontinued, no new training for 2 years" in body
    assert "Your training is discontinued" in body
    assert all(f'href="/cases/{repeat_offender[k]}"' in body for k in ("first", "repeat"))
    nobody = text(service.get("/students/nobody"))
    assert 'id="no-case"' in nobody and "No sanction in force." in nobody


# -- the cohort overview ------------------------------------------------------------------------


@pytest.fixture
def cohort(service: Service) -> dict[str, str]:
    """Five students in p1, whose starter code is set: alice, her identical copy (mallory) and a
    renamed copy (rob), and two independent solutions. ada assesses alice and mallory, bob the
    others."""
    service.set_starter("p1")
    ids = {"alice": service.add("original", "alice", "p1"),
           "mallory": service.add("identical", "mallory", "p1"),
           "rob": service.add("renamed", "rob", "p1", assessor="bob"),
           "ia": service.add("independent_a", "ia", "p1", assessor="bob"),
           "ib": service.add("independent_b", "ib", "p1", assessor="bob")}
    return ids


def stored_pairs(service: Service, ids: dict[str, str]) -> set[frozenset[str]]:
    pairs = set()
    for submission_id in ids.values():
        for match in service.archive.report_of(submission_id)["matches"]:
            pairs.add(frozenset((submission_id, match["submission_id"])))
    return pairs


def histogram_counts(body: str) -> dict[int, int]:
    return {int(low): int(count) for low, _, count in HISTOGRAM_ROW.findall(body)}


def test_the_cohort_page_counts_the_pairs_and_draws_the_copying_cluster(
        service: Service, cohort: dict[str, str]) -> None:
    response = service.get("/projects/p1")
    assert response.status_code == 200
    body = text(response)
    assert_strict_page(body)
    pairs = stored_pairs(service, cohort)
    # The three copy pairs, and any weak ones from 0.1 (the default floor of a report).
    copies = {frozenset((cohort[a], cohort[b])) for a, b in
              (("alice", "mallory"), ("alice", "rob"), ("mallory", "rob"))}
    assert copies <= pairs
    counts = histogram_counts(body)
    assert sorted(counts) == list(range(0, 100, 10))
    assert sum(counts.values()) == len(pairs) and counts[90] == 3
    assert "<dt>Submissions</dt><dd>5</dd>" in body and "<dt>Checked</dt><dd>5</dd>" in body
    assert "<dt>Rejected</dt><dd>0</dd>" in body

    # One cluster at 50%: alice and her two copies, drawn and listed, each node a report link.
    clusters = re.findall(r'<li id="cluster-(\d+)">(.*?)</li>', body, re.S)
    assert [n for n, _ in clusters] == ["1"]
    members = re.findall(r'<a href="/reports/\w+">(\w+)</a>', clusters[0][1])
    assert members == ["alice", "mallory", "rob"]
    assert body.count('<circle class="node"') == 3
    for student in ("alice", "mallory", "rob"):
        assert f'<a href="/reports/{cohort[student]}" aria-label="{student}, attempt 1' in body
    assert re.search(r"<title>mallory and alice: 100\.0%</title>", body)
    # Top pairs: strongest first, each linked to its later side's report against the earlier.
    rows = re.findall(r'<a href="/reports/(\w+)/matches/(\w+)">Compare (\w+) with (\w+)</a>', body)
    assert {(later, earlier) for _, _, later, earlier in rows[:3]} == {
        ("mallory", "alice"), ("rob", "mallory"), ("rob", "alice")}
    assert len(rows) == len(pairs)

    # A higher threshold keeps the same three; a threshold nobody reaches explains itself.
    assert 'option value="0.9" selected' in text(service.get("/projects/p1?threshold=0.9"))
    bad = text(service.get("/projects/p1?threshold=abc"))
    assert "is not a similarity between 0 and 1" in bad and 'option value="0.5" selected' in bad


def test_the_cohort_page_clusters_the_strongest_pairs_when_too_many_reach_the_threshold(
        service: Service, cohort: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A project whose pairs chain it into one web (stood for here by a cap of two pairs): the
    clusters hold the strongest, the page says how many reach the threshold and which
    threshold holds them all, and the top pairs stay complete."""
    import originality.overview

    from api.pages import cohort as page

    for module in (originality.overview, page):
        monkeypatch.setattr(module, "MAX_CLUSTERED_PAIRS", 2)
    body = text(service.get("/projects/p1?threshold=0.9"))
    assert_strict_page(body)
    # The three copy pairs reach 90%: the clusters are built from the strongest two, which
    # still link alice and both her copies.
    notice = re.search(r'<p class="notice" id="clusters-capped">(.*?)</p>', body, re.S)
    assert notice is not None
    assert "3 pairs reach 90.0%" in notice.group(1)
    assert "built from the 2 strongest" in notice.group(1)
    assert body.count('<line class="edge') == 2 and body.count('<circle class="node"') == 3
    assert 'option value="0.9" selected>90.0% (3 pairs)</option>' in body
    assert len(re.findall(r"Compare \w+ with \w+</a>", body)) == len(stored_pairs(service, cohort))
    # 100% shares its bin with 90-99%: the chooser cannot count it from the histogram.
    assert 'option value="1.0">100.0%</option>' in body
    monkeypatch.setattr(page, "MAX_CLUSTERED_PAIRS", 3)
    monkeypatch.setattr(originality.overview, "MAX_CLUSTERED_PAIRS", 3)
    whole = text(service.get("/projects/p1?threshold=0.9"))
    assert 'id="clusters-capped"' not in whole and whole.count('<line class="edge') == 3
    # From 10%, the weak pairs too: the page links the lowest threshold whose pairs fit.
    service.add("partial_copy", "pat", "p1")
    low = text(service.get("/projects/p1?threshold=0.1"))
    counts = histogram_counts(low)
    assert sum(counts.values()) > 3
    fits = min(t for t in range(20, 100, 10) if sum(n for b, n in counts.items() if b >= t) <= 3)
    link = rf'From <a href="/projects/p1\?threshold=0\.{fits // 10}#clusters-title">{fits}\.0%</a>'
    assert re.search(link, low)


def test_an_assessor_sees_only_pairs_with_one_of_their_submissions(
        service: Service, cohort: dict[str, str]) -> None:
    from originality.privacy.exposure import pseudonym

    body = text(service.get("/projects/p1", "assessor"))
    assert_strict_page(body)
    assert 'id="scope"' in body and "at least one side is one of them" in body
    mine = {cohort["alice"], cohort["mallory"]}
    everything = stored_pairs(service, cohort)
    expected = [p for p in everything if p & mine]
    assert len(expected) >= 3  # alice and mallory's pair, and each with rob
    assert sum(histogram_counts(body).values()) == len(expected)
    assert "<dt>Submissions assigned to you</dt><dd>2</dd>" in body
    # rob's submission is in the cluster but not hers: shown, not linked.
    assert f'href="/reports/{cohort["rob"]}"' not in body
    assert f'href="/reports/{cohort["alice"]}"' in body
    assert f'href="/reports/{cohort["mallory"]}/matches/{cohort["alice"]}"' in body
    # The pair is in rob's report, not hers: she opens it from alice's, where rob is a later match.
    assert f'href="/reports/{cohort["alice"]}/matches/{cohort["rob"]}"' in body
    # Other students are named by their pseudonyms (docs/privacy.md), hers by their ids.
    rob = pseudonym(str(service.app.secret_key), "rob")
    assert f"where {rob} is a later match" in body and ">rob<" not in body
    assert f"Compare alice with {rob}" in body
    # The page names the project's students: each view is in the access log.
    from originality.store.models import AccessLog

    with service.archive.db.sessions() as session:
        logged = session.scalars(select(AccessLog).filter_by(action="cohort_page")).all()
        assert [(r.name, r.project_id, r.submission_id, r.outcome) for r in logged] == [
            ("ada", "p1", "", 200)]
    assert service.get(f"/reports/{cohort['alice']}/matches/{cohort['rob']}", "assessor").status_code == 200
    other = text(service.get("/projects/p1", "other_assessor"))
    assert sum(histogram_counts(other).values()) == len(everything) - 1  # all but alice and mallory's
    assert service.get("/projects/p1", "platform").status_code == 403


def test_the_cohort_page_explains_its_empty_states(service: Service) -> None:
    nothing = text(service.get("/projects/none"))
    assert 'id="empty-checked"' in nothing and "has been checked yet" in nothing
    service.add("independent_a", "ia", "solo")
    alone = text(service.get("/projects/solo"))
    assert 'id="empty-pairs"' in alone and "<dt>Checked</dt><dd>1</dd>" in alone
    service.add("independent_b", "ib", "solo")
    weak = text(service.get("/projects/solo?threshold=0.9"))
    assert 'id="empty-clusters"' in weak and "No pair reaches 90.0%" in weak
    assert sum(histogram_counts(weak).values()) == 1 and 'id="top-pairs"' in weak
    assert "<svg class=\"graph\"" not in weak


def test_the_case_page_shows_the_integrity_flags_of_the_submission(service: Service) -> None:
    from fixtures import scenarios, tricks

    source = scenarios.PROSE_SOURCE_MD
    service.add_files({"REPORT.md": source.encode()}, "alice")
    copy = service.add_files({"report.md": tricks.soft_hyphens(source).encode()}, "mallory")
    case = CaseBook(service.archive).open(Actor("ada", "assessor"), copy, "submission", "hyphens")
    body = text(service.get(f"/cases/{case['id']}"))
    assert "Integrity flags" in body and "evidence, not a verdict" in body
    assert "<code>report.md</code></td><td>Invisible characters</td>" in body
    assert body.index("Integrity flags") < body.index('id="no-decision"')
    plain = service.add("identical", "bob")
    other = CaseBook(service.archive).open(Actor("ada", "assessor"), plain, "submission", "copy")
    assert "Integrity flags" not in text(service.get(f"/cases/{other['id']}"))


# -- webhooks -------------------------------------------------------------------------------------


def test_the_webhooks_page_lists_an_undelivered_event_and_sends_it_again(
        service: Service, repeat_offender: dict[str, str]) -> None:
    from sqlalchemy import select

    from originality.outbox import DEAD, PENDING, Outbox
    from originality.store.models import AuditLog
    from tests.support import free_port

    [(_, decided)] = stored_events(service, "sanction.decided")
    [event] = [e for e in Outbox(service.archive.db).events(PENDING)
               if e["type"] == "sanction.decided"]
    # One try, against a port where nothing listens: refused, and with one attempt allowed, dead.
    relay = Outbox(service.archive.db, f"http://127.0.0.1:{free_port()}/hook", "secret", attempts=1)
    assert relay.deliver(event["id"]) == DEAD

    assert service.get("/webhooks", "assessor").status_code == 403
    assert service.get("/webhooks", None).status_code == 401
    csrf = service.sign_in("staff")
    body = text(service.client.get("/webhooks"))
    assert_strict_page(body)
    assert 'href="/webhooks">Webhooks</a>' in body and 'id="no-webhook-url"' in body
    assert "Undelivered (1)" in body and "ConnectionRefusedError" in body
    assert f'href="/cases/{decided["case_id"]}"' in body and "<code>sanction.decided</code>" in body

    sent = service.client.post(f"/webhooks/{event['id']}/resend", data={"csrf_token": csrf})
    assert sent.status_code == 303 and sent.headers["Location"] == f"/webhooks?resent={event['id']}"
    after = text(service.client.get(sent.headers["Location"]))
    assert 'id="resent"' in after and 'id="no-dead-events"' in after
    assert (relay.get(event["id"])["status"], relay.get(event["id"])["attempts"]) == (PENDING, 0)
    again = service.client.post(f"/webhooks/{event['id']}/resend", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already waiting to be delivered" in text(again)
    assert service.client.post(f"/webhooks/{event['id']}/resend").status_code == 400  # no CSRF
    with service.archive.db.sessions() as session:
        audit = [(a.action, a.actor) for a in session.scalars(
            select(AuditLog).filter_by(subject=f"event:{event['id']}"))]
    assert audit == [("event.resent", "dean")]
