"""The report pages for people: the Flask app in this process on a real SQLite database in a
temporary directory, submissions checked by the archive itself (as a worker does)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from originality import sxs
from originality.cases import CaseBook
from originality.percents import percent
from originality.store import links
from fixtures.make_fixtures import zip_bytes
from originality.store.models import AccessLog, JobStatus, MatchLink, ReportRow
from tests.support import ServiceApp, fail_check, running, scenario_files

PAGE_ACTION = "report_page"
# Nothing like the grade book of the fixtures: a traffic light in C.
UNRELATED = "".join(
    f"static int phase_{i}(int t) {{\n  if (t % {i + 3} == 0) {{ return LED_RED | {i}; }}\n"
    f"  while (t > {i * 7}) {{ t -= wait_ms({i * 11}); }}\n  return LED_GREEN;\n}}\n\n"
    for i in range(20))


class Service(ServiceApp):
    """Adds without asserting the outcome (a test enters a ZIP that is rejected); reads the
    stored report and the access log."""

    expect = None

    def report(self, submission_id: str) -> dict[str, Any]:
        return self.get(f"/api/v1/submissions/{submission_id}/report").get_json()  # type: ignore[no-any-return]

    def rewrite_report(self, submission_id: str, change: dict[str, Any], replace: bool = False) -> None:
        """Change some keys of a stored report (or, with ``replace``, store ``change`` for it)."""
        with self.archive.db.session() as session:
            row = session.get(ReportRow, submission_id)
            assert row is not None
            report = change if replace else {**json.loads(row.body), **change}
            row.body = json.dumps(report, sort_keys=True)
            links.write(session, submission_id, report)  # as storing a report does

    def accesses(self, submission_id: str) -> list[tuple[str | None, str, int]]:
        with self.archive.db.sessions() as session:
            rows = session.scalars(select(AccessLog).filter_by(submission_id=submission_id)
                                   .order_by(AccessLog.id))
            return [(r.name, r.action, r.outcome) for r in rows]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from running(Service, tmp_path, monkeypatch)


@pytest.fixture
def copied(service: Service) -> tuple[str, str]:
    """alice's original, then mallory's identical copy: (alice's id, mallory's id)."""
    return service.add("original", "alice"), service.add("identical", "mallory")


class Page(HTMLParser):
    """What the tests read: the side-by-side tables' rows, anchors, links, forms."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.anchors: dict[str, str] = {}
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.forms: list[str] = []
        self.styled: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self.marks: list[tuple[str, int | None, str]] = []
        self._table: dict[str, Any] | None = None
        self._row: dict[str, Any] | None = None
        self._in_th = self._in_caption = self._in_mark = self._in_body = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "style" in a:
            self.styled.append(tag)
        if tag == "script":
            self.scripts.append(a)
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if "id" in a:
                self.anchors[a["id"]] = a["href"]
        if tag == "form":
            self.forms.append(a.get("action", ""))
        if tag == "table" and "data-side" in a:
            self._table = {"side": a["data-side"], "caption": "", "rows": [],
                           "classes": a.get("class", "").split()}
            self.tables.append(self._table)
        elif self._table is not None:
            if tag == "caption":
                self._in_caption = True
            elif tag == "tbody":
                self._in_body = True
            elif tag == "tr" and self._in_body:
                self._row = {"classes": a.get("class", "").split(), "frag": a.get("data-frag"),
                             "line": None}
            elif tag == "th" and self._row is not None:
                self._in_th = True
            elif tag == "mark":
                self._in_mark = True
                self._mark = a.get("class", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
            self._in_body = False
        elif tag == "caption":
            self._in_caption = False
        elif tag == "th":
            self._in_th = False
        elif tag == "mark":
            self._in_mark = False
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row["line"] is not None:
                self._table["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_th and self._row is not None and data.strip():
            self._row["line"] = int(data)
        elif self._in_caption and self._table is not None:
            self._table["caption"] += data
        elif self._in_mark and self._row is not None:
            self.marks.append((self._mark, self._row["line"], data))

    def fragment_lines(self) -> dict[tuple[str, str, int], set[int]]:
        """(side, caption, fragment number) -> the lines drawn as that fragment."""
        found: dict[tuple[str, str, int], set[int]] = {}
        for table in self.tables:
            for row in table["rows"]:
                if row["frag"] is not None:
                    key = (table["side"], table["caption"], int(row["frag"]))
                    found.setdefault(key, set()).add(row["line"])
        return found


def expected_lines(fragments: list[dict[str, Any]], side: str, caption: str,
                   count_of: dict[str, int]) -> dict[tuple[str, str, int], set[int]]:
    """Each fragment's lines on one side, a line shared by two going to the lower number."""
    owners: dict[tuple[str, int], int] = {}
    for number, fragment in enumerate(fragments, start=1):
        span = fragment[side]
        for line in range(span["start_line"], min(span["end_line"], count_of[span["file"]]) + 1):
            owners.setdefault((span["file"], line), number)
    out: dict[tuple[str, str, int], set[int]] = {}
    for (path, line), number in owners.items():
        out.setdefault((side, f"{caption}: {path}", number), set()).add(line)
    return out


def test_without_a_principal_the_pages_answer_401_with_the_sign_in_form(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    for url in (f"/reports/{mallory}", f"/reports/{mallory}/matches/{alice}",
                f"/reports/{mallory}/print"):
        response = service.get(url, role=None)
        text = response.get_data(as_text=True)
        assert response.status_code == 401, url
        assert 'name="token"' in text and "Sign in" in text
        assert "alice" not in text and "grade" not in text.lower()
        assert "data-frag" not in text


def test_report_page_ranks_the_matches_and_links_each_side_by_side(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    report = service.report(mallory)
    [match] = report["matches"]
    response = service.get(f"/reports/{mallory}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Similarity report" in text and "mallory" in text
    assert "Matches with other students" in text and "alice" in text
    assert percent(match['similarity']) in text
    assert f"{len(match['fragments'])}</td>" in text
    page = Page(text)
    assert f"/reports/{mallory}/matches/{alice}" in page.hrefs
    assert f"/reports/{mallory}/print" in page.hrefs
    assert "/projects/p1" in page.hrefs
    assert not page.styled and all(s.get("src") for s in page.scripts)  # the CSP holds
    assert service.accesses(mallory)[-1] == ("dean", PAGE_ACTION, 200)


def test_the_report_says_what_independent_work_of_the_project_shares(
        service: Service, copied: tuple[str, str]) -> None:
    _, mallory = copied
    # Two submissions: under the 10 independent groups a background needs.
    assert service.report(mallory)["background"] == 0.0
    assert 'id="background"' not in service.get(f"/reports/{mallory}").get_data(as_text=True)
    service.rewrite_report(mallory, {"background": 0.1268})
    assert service.report(mallory)["background"] == 0.1268
    text = service.get(f"/reports/{mallory}").get_data(as_text=True)
    assert "Independent work of this project shares 12.7% of its code with one another" in text


def test_the_report_says_when_the_project_held_too_few_submissions_for_common_code(
        service: Service, copied: tuple[str, str]) -> None:
    _, mallory = copied
    assert service.report(mallory)["groups"] == 1  # the copy and its source: one group
    text = service.get(f"/reports/{mallory}").get_data(as_text=True)
    assert 'id="young"' in text
    assert "the project held, this submission included, 1 independent submission (near-duplicates counted once): under 10" in text
    service.rewrite_report(mallory, {"groups": 10})
    assert 'id="young"' not in service.get(f"/reports/{mallory}").get_data(as_text=True)
    stored = {k: v for k, v in service.report(mallory).items() if k != "groups"}
    service.rewrite_report(mallory, stored, replace=True)  # a report stored before it was kept
    assert 'id="young"' not in service.get(f"/reports/{mallory}").get_data(as_text=True)


def test_a_report_without_matches_says_what_it_was_compared_with(service: Service) -> None:
    first = service.add("original", "alice")
    text = service.get(f"/reports/{first}").get_data(as_text=True)
    assert "first submission of project" in text
    other = service.add_files({"lights.c": UNRELATED.encode()}, "zoe")
    assert service.report(other)["matches"] == []
    text = service.get(f"/reports/{other}").get_data(as_text=True)
    assert "Compared with 1 prior submission of project" in text
    assert "none reached the similarity threshold" in text


def test_a_file_left_unread_is_reported_and_shown_first(service: Service) -> None:
    files = {**scenario_files("original"), "data/zeros.bin": b"\0" * (3 * 1024 * 1024)}
    submission = service.add_files(files, "alice")
    unread = service.report(submission)["unread"]
    assert [(u["file"], u["state"]) for u in unread] == [("data/grades.csv", "skipped"), ("data/zeros.bin", "too_large")]
    text = service.get(f"/reports/{submission}").get_data(as_text=True)
    assert "Files not checked" in text and "<code>data/zeros.bin</code>" in text
    assert "data file (.csv): data is not compared: <code>data/grades.csv</code>" in text
    plain = service.add_files({name: data for name, data in scenario_files("identical").items()
                               if not name.endswith(".csv")}, "mallory")
    assert service.report(plain)["unread"] == []
    assert "Files not checked" not in service.get(f"/reports/{plain}").get_data(as_text=True)


def test_quotations_with_a_reference_are_listed_and_left_out_of_the_share(service: Service) -> None:
    source = ("La recherche montre que la pratique espacée améliore durablement la mémorisation "
              "des connaissances chez les étudiants de premier cycle")
    alice = ("# Rapport\n\nNotre projet compare trois méthodes de révision pour un examen de "
             "statistique auprès de vingt camarades volontaires.\n\n"
             f"Comme le rappelle la littérature, « {source} » (Martin, 2019).\n")
    bob = ("# Rapport\n\nCe rapport décrit une application mobile qui rappelle aux élèves de relire "
           "leurs cours chaque soir.\n\n"
           f"D'après une revue récente, « {source} » (Martin, 2019).\n")
    first = service.add_files({"rapport.md": alice.encode()}, "alice")
    second = service.add_files({"rapport.md": bob.encode()}, "bob")
    report = service.report(second)
    assert report["quotations"] == [{"file": "rapport.md", "start_line": 5, "end_line": 5}]
    assert all(m["similarity"] < 0.2 for m in report["matches"]), report["matches"]
    text = service.get(f"/reports/{second}").get_data(as_text=True)
    assert "Quotations left out" in text and "<code>rapport.md</code>, line 5" in text
    assert "Quotations left out" not in service.get(f"/reports/{service.add('original', 'carol')}") \
        .get_data(as_text=True)
    assert service.report(first)["quotations"][0]["start_line"] == 5


def test_side_by_side_rows_carry_the_fragments_of_the_json(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    [match] = service.report(mallory)["matches"]
    response = service.get(f"/reports/{mallory}/matches/{alice}")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    fragments = match["fragments"]
    files_a = {f["a"]["file"] for f in fragments}
    files_b = {f["b"]["file"] for f in fragments}
    captions = {(t["side"], t["caption"]) for t in page.tables}
    assert {("a", f"mallory, attempt 1: {p}") for p in files_a} <= captions
    assert {("b", f"alice, attempt 1: {p}") for p in files_b} <= captions
    counts = {t["caption"]: max(r["line"] for r in t["rows"]) for t in page.tables}
    count_a = {p: counts[f"mallory, attempt 1: {p}"] for p in files_a}
    count_b = {p: counts[f"alice, attempt 1: {p}"] for p in files_b}
    # Every file here is short enough to be shown whole, so every fragment line is drawn.
    assert page.fragment_lines() == {
        **expected_lines(fragments, "a", "mallory, attempt 1", count_a),
        **expected_lines(fragments, "b", "alice, attempt 1", count_b),
    }
    for n in range(1, len(fragments) + 1):
        assert page.anchors[f"a-frag-{n}"] == f"#b-frag-{n}"
        assert page.anchors[f"b-frag-{n}"] == f"#a-frag-{n}"
    assert {h[1:] for h in page.hrefs if h.startswith("#")} <= page.ids
    assert not page.styled and all(s.get("src") for s in page.scripts)
    assert service.accesses(mallory)[-1] == ("dean", PAGE_ACTION, 200)


def test_starter_lines_are_greyed_on_both_sides(service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    [match] = service.report(mallory)["matches"]
    fragment = match["fragments"][0]
    path_a, path_b = fragment["a"]["file"], fragment["b"]["file"]
    service.rewrite_report(mallory, {"template_lines": {
        mallory: {path_a: [[1, 2], [4, 4]]}, alice: {path_b: [[3, 3]]}}})
    page = Page(service.get(f"/reports/{mallory}/matches/{alice}").get_data(as_text=True))
    greyed = {(t["caption"], r["line"]) for t in page.tables for r in t["rows"] if "tpl" in r["classes"]}
    assert greyed == {(f"mallory, attempt 1: {path_a}", 1), (f"mallory, attempt 1: {path_a}", 2),
                      (f"mallory, attempt 1: {path_a}", 4), (f"alice, attempt 1: {path_b}", 3)}


def test_a_report_without_template_lines_greys_nothing(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    service.rewrite_report(mallory, {"template_lines": None})
    page = Page(service.get(f"/reports/{mallory}/matches/{alice}").get_data(as_text=True))
    assert page.tables and not [r for t in page.tables for r in t["rows"] if "tpl" in r["classes"]]


def test_another_assessor_gets_404_and_the_attempt_is_logged(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    for url in (f"/reports/{mallory}", f"/reports/{mallory}/matches/{alice}",
                f"/reports/{mallory}/print", "/reports/no-such-submission"):
        response = service.get(url, "other_assessor")
        text = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "mallory" not in text and "alice" not in text and "data-frag" not in text
    assert service.accesses(mallory) == [("bob", PAGE_ACTION, 404)] * 3
    assert service.accesses("no-such-submission") == [("bob", PAGE_ACTION, 404)]
    # The assigned assessor reads it.
    assert service.get(f"/reports/{mallory}", "assessor").status_code == 200
    assert service.accesses(mallory)[-1] == ("ada", PAGE_ACTION, 200)


def test_a_match_not_in_the_report_is_not_found(service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    stranger = service.add("independent_b", "zoe", project="p2")
    unrelated = service.add_files({"lights.c": UNRELATED.encode()}, "yann")  # later, unlike alice's
    assert service.get(f"/reports/{mallory}/matches/{stranger}").status_code == 404
    assert service.get(f"/reports/{alice}/matches/{unrelated}").status_code == 404
    assert service.get(f"/reports/{unrelated}/matches/{alice}").status_code == 404
    assert service.accesses(mallory)[-1] == ("dean", PAGE_ACTION, 404)


def test_own_earlier_attempts_are_listed_apart(service: Service) -> None:
    service.add("original", "alice")
    first = service.add("partial_copy", "mallory", attempt=1)
    second = service.add("identical", "mallory", attempt=2)
    report = service.report(second)
    assert [m["submission_id"] for m in report["own_attempts"]] == [first]
    text = service.get(f"/reports/{second}").get_data(as_text=True)
    matches_part, own_part = text.split("Earlier attempts by the same student", 1)
    assert f"/matches/{first}" not in matches_part
    assert f"/reports/{second}/matches/{first}" in own_part
    assert "never count as plagiarism" in own_part
    side = service.get(f"/reports/{second}/matches/{first}")
    assert side.status_code == 200
    assert "never counts as plagiarism" in side.get_data(as_text=True)
    assert Page(side.get_data(as_text=True)).fragment_lines()


def test_print_page_holds_every_match_side_by_side(service: Service) -> None:
    alice = service.add("original", "alice")
    carol = service.add("renamed", "carol")
    mallory = service.add("identical", "mallory")
    report = service.report(mallory)
    assert {m["submission_id"] for m in report["matches"]} == {alice, carol}
    response = service.get(f"/reports/{mallory}/print")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Similarity evidence" in text and "Generated <time" in text
    assert text.count('<section class="match"') == 2
    page = Page(text)
    # Two pairs on one page: every anchor id is unique and links to its partner.
    for rank, match in enumerate(report["matches"], start=1):
        for n in range(1, len(match["fragments"]) + 1):
            assert page.anchors[f"m{rank}-a-frag-{n}"] == f"#m{rank}-b-frag-{n}"
    assert {t["side"] for t in page.tables} == {"a", "b"}
    assert "/assets/report.css?v=" in text and "/assets/report-print.css" in text
    assert service.accesses(mallory)[-1] == ("dean", PAGE_ACTION, 200)


def test_stylesheets_carry_the_palette_and_print_rules(service: Service) -> None:
    css = service.client.get("/assets/report.css?v=1")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "immutable" in css.headers["Cache-Control"]
    body = css.get_data(as_text=True)
    for number, (background, _) in enumerate(sxs.PALETTE):
        assert f".c{number} {{ background: {background};" in body
    assert f".hl .{sxs.TOKEN_PREFIX}k " in body and ".hl .c1 " not in body
    with service.client.get("/assets/report-print.css") as response:
        printing = response.get_data(as_text=True)
    assert "size: A4 landscape" in printing and "print-color-adjust: exact" in printing


def test_pages_explain_a_report_that_is_not_ready(service: Service, tmp_path: Path) -> None:
    waiting = service.archive.register(sha256="0" * 64, size=1, project_id="p1", student_id="q",
                                       assessor_id="ada").submission.id
    response = service.get(f"/reports/{waiting}")
    assert response.status_code == 409
    assert "waiting in the queue" in response.get_data(as_text=True)
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip at all")
    rejected = service.process(junk, "r")
    assert service.archive.get(rejected).status == JobStatus.REJECTED  # type: ignore[union-attr]
    for url in (f"/reports/{rejected}", f"/reports/{rejected}/matches/x", f"/reports/{rejected}/print"):
        response = service.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 409, url
        assert "rejected" in text and "<code>not_a_zip</code>" in text
    assert service.accesses(rejected) == [("dean", PAGE_ACTION, 409)] * 3


def test_staff_run_a_failed_check_again_from_its_report(service: Service) -> None:
    failed = service.archive.register(sha256="1" * 64, size=1, project_id="p1", student_id="q",
                                      assessor_id="ada").submission.id
    service.archive.finish(failed, JobStatus.FAILED, {"code": "internal_error", "message": "disk"})
    assert "Check it again" not in service.get(f"/reports/{failed}", "assessor").get_data(as_text=True)
    page = service.get(f"/reports/{failed}")
    assert page.status_code == 409 and "Check it again" in page.get_data(as_text=True)
    answer = service.client.post(f"/reports/{failed}/retry", headers=service.headers("staff"))
    assert answer.status_code == 303 and answer.headers["Location"] == f"/reports/{failed}"
    assert service.archive.get(failed).status == JobStatus.QUEUED  # type: ignore[union-attr]
    assert "waiting in the queue" in service.get(f"/reports/{failed}").get_data(as_text=True)
    again = service.client.post(f"/reports/{failed}/retry", headers=service.headers("staff"))
    assert again.status_code == 409
    assert service.client.post(f"/reports/{failed}/retry",
                               headers=service.headers("assessor")).status_code == 403


def test_the_assessor_records_an_evaluation_unless_a_case_blocks_it(
        service: Service, copied: tuple[str, str]) -> None:
    original, copy = copied
    page = service.get(f"/reports/{original}", "assessor").get_data(as_text=True)
    assert "Not evaluated yet" in page and "Record the evaluation" in page
    answer = service.client.post(f"/reports/{original}/evaluation", headers=service.headers("assessor"),
                                 data={"outcome": "conditional_pass", "note": "fix the CSV parser"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("evaluated=1")
    page = service.get(answer.headers["Location"], "assessor").get_data(as_text=True)
    assert "The evaluation is recorded" in page and "fix the CSV parser" in page
    assert "Conditional pass: a fix is due within 48 hours" in page
    [evaluation] = CaseBook(service.archive).evaluations(original)
    due = datetime.fromisoformat(evaluation["fix_due_at"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'(fix due by <time datetime="{due}">' in page
    assert service.client.post(f"/reports/{original}/evaluation", headers=service.headers("assessor"),
                               data={"outcome": "excellent"}).status_code == 400

    opened = service.client.post("/api/v1/cases", headers=service.headers("assessor"),
                                 json={"submission_id": copy, "stage": "submission", "note": "copy"})
    assert opened.status_code == 201
    page = service.get(f"/reports/{copy}", "assessor").get_data(as_text=True)
    assert "cannot be evaluated" in page and "Record the evaluation" not in page
    refused = service.client.post(f"/reports/{copy}/evaluation", headers=service.headers("assessor"),
                                  data={"outcome": "pass"})
    assert refused.status_code == 409
    assert service.client.post(f"/reports/{original}/evaluation", headers=service.headers("other_assessor"),
                               data={"outcome": "pass"}).status_code == 404


def test_an_imported_submission_says_why_it_has_no_report(service: Service) -> None:
    imported = service.archive.register(sha256="2" * 64, size=1, project_id="p1", student_id="old",
                                        origin="archive").submission.id
    service.archive.finish(imported, JobStatus.DONE)
    page = service.get(f"/reports/{imported}")
    assert page.status_code == 409
    assert "imported from an earlier cohort" in page.get_data(as_text=True)


def test_the_open_case_form_is_for_assessors_and_staff(
        service: Service, copied: tuple[str, str]) -> None:
    _, mallory = copied
    if "pages.open_case" not in service.app.view_functions:
        service.app.add_url_rule("/reports/<submission_id>/case", endpoint="pages.open_case",
                                 view_func=lambda submission_id: "", methods=["POST"])
    for role, shown in (("staff", True), ("assessor", True), ("platform", False)):
        text = service.get(f"/reports/{mallory}", role).get_data(as_text=True)
        forms = Page(text).forms
        assert any(f.endswith("/case") and mallory in f for f in forms) is shown, role
        if shown:
            assert 'name="stage" value="creation"' in text and 'name="note"' in text
            assert 'name="csrf_token"' in text


def test_prose_shows_the_shared_sentences_marked(service: Service) -> None:
    source = service.add("prose_source", "carol")
    copy = service.add("prose_paraphrase", "dave")
    report = service.report(copy)
    [match] = [m for m in report["matches"] if m["submission_id"] == source]
    page = Page(service.get(f"/reports/{copy}/matches/{source}").get_data(as_text=True))
    prose = [t for t in page.tables if "prose" in t["classes"]]
    assert prose and page.marks
    for css_class, line, _ in page.marks:
        assert css_class.startswith("c") and line is not None


@pytest.mark.skipif(not (os.environ.get("ORIGINALITY_CHROMIUM") or shutil.which("chromium")),
                    reason="no chromium to print with")
def test_report_pdf_writes_a_pdf(service: Service, copied: tuple[str, str], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import report_pdf

    _, mallory = copied
    for key, value in {"DATA_DIR": str(tmp_path / "data"), "INDEX": "memory",
                       "REDIS_URL": "redis://127.0.0.1:9/0"}.items():
        monkeypatch.setenv(f"ORIGINALITY_{key}", value)
    out = tmp_path / "out" / "evidence.pdf"
    result = CliRunner().invoke(report_pdf, [mallory, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert service.accesses(mallory)[-1] == ("originality report-pdf", PAGE_ACTION, 200)
    missing = CliRunner().invoke(report_pdf, ["nope", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 2 and "no submission nope" in missing.output


@pytest.mark.skipif(not shutil.which("chromium"), reason="no chromium to print with")
def test_report_pdf_runs_chromium_sandboxed_and_never_as_root(
        service: Service, copied: tuple[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import report_pdf

    # A wrapper that notes who runs it and with what, then runs the real Chromium. It lives in
    # a folder the unprivileged user can reach (tmp_path is root's alone).
    spy = Path(tempfile.mkdtemp(prefix="originality-spy-"))
    try:
        spy.chmod(0o777)
        wrapper = spy / "chromium"
        wrapper.write_text(f'#!/bin/sh\nid -u > {spy}/uid\necho "$@" > {spy}/args\n'
                           f'exec {shutil.which("chromium")} "$@"\n')
        wrapper.chmod(0o755)
        for key, value in {"DATA_DIR": str(tmp_path / "data"), "INDEX": "memory",
                           "REDIS_URL": "redis://127.0.0.1:9/0", "CHROMIUM": str(wrapper)}.items():
            monkeypatch.setenv(f"ORIGINALITY_{key}", value)
        out = tmp_path / "evidence.pdf"
        result = CliRunner().invoke(report_pdf, [copied[1], "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(b"%PDF")
        assert "--no-sandbox" not in (spy / "args").read_text()
        uid = int((spy / "uid").read_text())
        assert uid != 0
        if os.geteuid() == 0:
            import pwd

            assert uid == pwd.getpwnam("nobody").pw_uid
            monkeypatch.setenv("ORIGINALITY_CHROMIUM_USER", "no-such-user")
            refused = CliRunner().invoke(report_pdf, [copied[1], "--out", str(out)])
            assert refused.exit_code == 2 and "there is no user 'no-such-user'" in refused.output
    finally:
        shutil.rmtree(spy)


def test_report_pdf_without_chromium_is_a_usage_error(
        service: Service, copied: tuple[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import report_pdf

    monkeypatch.setenv("ORIGINALITY_CHROMIUM", str(tmp_path / "no-chromium"))
    result = CliRunner().invoke(report_pdf, [copied[1], "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "Chromium was not found" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_an_open_case_is_in_the_header_and_no_second_case_is_offered(
        service: Service, copied: tuple[str, str]) -> None:
    _, mallory = copied
    if "pages.open_case" not in service.app.view_functions:
        service.app.add_url_rule("/reports/<submission_id>/case", endpoint="pages.open_case",
                                 view_func=lambda submission_id: "", methods=["POST"])
    opened = service.client.post("/api/v1/cases", headers={
        "Authorization": f"Bearer {service.tokens['assessor']}"},
        json={"submission_id": mallory, "stage": "submission", "note": "same code"})
    assert opened.status_code == 201, opened.get_json()
    text = service.get(f"/reports/{mallory}").get_data(as_text=True)
    assert "Plagiarism case" in text and '<span class="tag open">open</span>' in text
    assert "found in a submitted deliverable" in text
    assert not [f for f in Page(text).forms if f.endswith("/case")]
    assert "a second one cannot be opened" in text


# -- later matches: the reports both ways ------------------------------------------------------


def turned_round(match: dict[str, Any]) -> list[dict[str, Any]]:
    """A later report's fragments as the earlier side sees them."""
    return [{**f, "a": f["b"], "b": f["a"]} for f in match["fragments"]]


def test_the_first_submission_lists_its_later_copies_with_their_reports_scores(
        service: Service) -> None:
    alice = service.add("original", "alice")
    mallory = service.add("partial_copy", "mallory")  # copied in part: the shares differ
    carol = service.add("renamed", "carol")
    report = service.report(alice)
    assert report["matches"] == [] and report["own_attempts"] == []
    later = report["later_matches"]
    assert {m["submission_id"] for m in later} == {mallory, carol}
    assert [m["similarity"] for m in later] == sorted((m["similarity"] for m in later), reverse=True)
    for match in later:
        theirs = service.report(match["submission_id"])
        [stored] = [m for m in theirs["matches"] if m["submission_id"] == alice]
        # The very score of the later report; the shares and sides seen from alice.
        assert match["similarity"] == stored["similarity"] > 0.5
        if match["submission_id"] == mallory:
            assert stored["a_share"] != stored["b_share"]
        assert (match["a_share"], match["b_share"]) == (stored["b_share"], stored["a_share"])
        assert match["fragments"] == turned_round(stored) and match["fragments"]
        assert match["student_id"] in ("mallory", "carol") and match["attempt"] == 1
        assert set(match) == set(stored)
        # The later submission's starter and common lines come with it, for greying.
        assert report["template_lines"][match["submission_id"]] == \
            theirs["template_lines"][match["submission_id"]]
    assert report["later_own_attempts"] == []
    # The pages list them from the links alone: the same numbers, without reading a report.
    listed = {link.submission_id: link for link in links.later(service.archive.db, alice)}
    for match in later:
        link = listed[match["submission_id"]]
        assert (link.similarity, link.a_share, link.b_share, link.fragments) == (
            match["similarity"], match["a_share"], match["b_share"], len(match["fragments"]))
    # Nothing looks forwards from the latest one, and the earlier list is as it was.
    assert service.report(carol)["later_matches"] == []
    assert {m["submission_id"] for m in service.report(carol)["matches"]} == {alice, mallory}


def test_own_later_attempts_stay_apart_from_later_matches(service: Service) -> None:
    first = service.add("original", "alice", attempt=1)
    second = service.add("renamed", "alice", attempt=2)
    copy = service.add("identical", "mallory")
    report = service.report(first)
    assert [m["submission_id"] for m in report["later_own_attempts"]] == [second]
    assert [m["submission_id"] for m in report["later_matches"]] == [copy]
    [own] = report["later_own_attempts"]
    [stored] = service.report(second)["own_attempts"]
    assert own["similarity"] == stored["similarity"] and own["fragments"] == turned_round(stored)

    text = service.get(f"/reports/{first}").get_data(as_text=True)
    later_part, own_part = text.split("Later attempts by the same student", 1)
    later_part = later_part.split("Later submissions that match this one", 1)[1]
    assert f"/reports/{first}/matches/{copy}" in later_part
    assert f"/matches/{second}" not in later_part
    assert f"/reports/{first}/matches/{second}" in own_part and "never count as plagiarism" in own_part
    side = service.get(f"/reports/{first}/matches/{second}").get_data(as_text=True)
    assert "Later attempt 1" in side and "later attempt at this project" in side
    assert "never counts as plagiarism" in side


def test_the_report_page_shows_the_later_match_and_its_side_by_side(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    [stored] = service.report(mallory)["matches"]
    response = service.get(f"/reports/{alice}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Later submissions that match this one" in text
    assert "first submission of project" in text and "some match it: see below" in text
    assert "Nothing here points to work shared" not in text and 'id="no-later-matches"' not in text
    later_part = text.split("Later submissions that match this one", 1)[1]
    assert "mallory" in later_part and percent(stored['similarity']) in later_part
    assert f"{len(stored['fragments'])}</td>" in later_part
    assert f"/reports/{alice}/matches/{mallory}" in Page(text).hrefs

    side = service.get(f"/reports/{alice}/matches/{mallory}")
    assert side.status_code == 200
    body = side.get_data(as_text=True)
    assert "Later match 1" in body and "B was submitted after A" in body
    page = Page(body)
    fragments = turned_round(stored)
    files_a = {f["a"]["file"] for f in fragments}
    files_b = {f["b"]["file"] for f in fragments}
    captions = {(t["side"], t["caption"]) for t in page.tables}
    assert {("a", f"alice, attempt 1: {p}") for p in files_a} <= captions
    assert {("b", f"mallory, attempt 1: {p}") for p in files_b} <= captions
    counts = {t["caption"]: max(r["line"] for r in t["rows"]) for t in page.tables}
    # The same fragments, with the same numbers, as from mallory's side, the sides swapped.
    assert page.fragment_lines() == {
        **expected_lines(fragments, "a", "alice, attempt 1",
                         {p: counts[f"alice, attempt 1: {p}"] for p in files_a}),
        **expected_lines(fragments, "b", "mallory, attempt 1",
                         {p: counts[f"mallory, attempt 1: {p}"] for p in files_b}),
    }
    assert not page.styled and all(s.get("src") for s in page.scripts)
    assert service.accesses(alice)[-2:] == [("dean", PAGE_ACTION, 200)] * 2


def test_a_later_match_is_greyed_with_the_later_reports_starter_lines(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    [stored] = service.report(mallory)["matches"]
    fragment = stored["fragments"][0]
    path_mallory, path_alice = fragment["a"]["file"], fragment["b"]["file"]
    service.rewrite_report(mallory, {"template_lines": {
        mallory: {path_mallory: [[1, 2]]}, alice: {path_alice: [[3, 3]]}}})
    page = Page(service.get(f"/reports/{alice}/matches/{mallory}").get_data(as_text=True))
    greyed = {(t["caption"], r["line"]) for t in page.tables for r in t["rows"] if "tpl" in r["classes"]}
    assert greyed == {(f"mallory, attempt 1: {path_mallory}", 1),
                      (f"mallory, attempt 1: {path_mallory}", 2),
                      (f"alice, attempt 1: {path_alice}", 3)}


def test_the_print_page_and_its_pdf_source_hold_the_later_matches(service: Service) -> None:
    alice = service.add("original", "alice")
    carol = service.add("renamed", "carol")
    mallory = service.add("identical", "mallory")
    later = service.report(alice)["later_matches"]
    assert {m["submission_id"] for m in later} == {carol, mallory}
    response = service.get(f"/reports/{alice}/print")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Later submissions that match this one" in text and "later submissions match it" in text
    assert text.count('<section class="match"') == 2
    page = Page(text)
    for rank, match in enumerate(later, start=1):
        assert f'id="l{rank}-title"' in text
        for n in range(1, len(match["fragments"]) + 1):
            assert page.anchors[f"l{rank}-a-frag-{n}"] == f"#l{rank}-b-frag-{n}"
    assert {t["caption"].split(":")[0] for t in page.tables if t["side"] == "a"} == {"alice, attempt 1"}
    # The later copier's evidence still has its own matches first, and alice's nothing later.
    copier = service.get(f"/reports/{mallory}/print").get_data(as_text=True)
    assert "Later submissions that match this one" not in copier
    assert copier.count('<section class="match"') == 2


def test_an_assessor_sees_the_later_matches_of_their_submission_only(service: Service) -> None:
    alice = service.add("original", "alice", assessor="ada")
    mallory = service.add("identical", "mallory", assessor="bob")
    from originality.privacy.exposure import pseudonym

    # ada sees mallory as a later match of alice's work: what bob sees of alice in mallory's
    # (each under a pseudonym: other students' ids are for staff, docs/privacy.md).
    secret = str(service.app.secret_key)
    mine = service.get(f"/api/v1/submissions/{alice}/report", "assessor").get_json()
    assert [m["student_id"] for m in mine["later_matches"]] == [pseudonym(secret, "mallory")]
    assert service.get(f"/reports/{alice}/matches/{mallory}", "assessor").status_code == 200
    theirs = service.get(f"/api/v1/submissions/{mallory}/report", "other_assessor").get_json()
    assert [m["student_id"] for m in theirs["matches"]] == [pseudonym(secret, "alice")]
    # Neither reaches the other's submission, from either side.
    for url in (f"/api/v1/submissions/{mallory}/report", f"/reports/{mallory}",
                f"/reports/{mallory}/matches/{alice}"):
        assert service.get(url, "assessor").status_code == 404, url
    for url in (f"/api/v1/submissions/{alice}/report", f"/reports/{alice}",
                f"/reports/{alice}/matches/{mallory}", f"/reports/{alice}/print"):
        response = service.get(url, "other_assessor")
        assert response.status_code == 404, url
        assert "mallory" not in response.get_data(as_text=True)
    assert ("bob", PAGE_ACTION, 404) in service.accesses(alice)


def test_a_recheck_rebuilds_the_links_and_an_unfinished_one_is_not_listed(
        service: Service, copied: tuple[str, str]) -> None:
    alice, mallory = copied
    db = service.archive.db
    with db.session() as session:  # links gone astray: a wrong score and one to a stranger
        session.get(MatchLink, (mallory, alice)).similarity = 0.01  # type: ignore[union-attr]
    stranger = service.add_files({"lights.c": UNRELATED.encode()}, "yann")
    with db.session() as session:
        session.add(MatchLink(submission_id=mallory, other_id=stranger, similarity=0.9,
                              a_share=0.9, b_share=0.9, fragments=1, own=False))
    assert [(link.submission_id, link.similarity) for link in links.later(db, alice)] == [(mallory, 0.01)]

    # The check fails (a lost file, say) and staff run it again: report and links are rewritten.
    fail_check(service.archive, mallory, "x")
    assert links.later(db, alice) == [] and service.report(alice)["later_matches"] == []
    assert "Later submissions that match this one" in service.get(f"/reports/{alice}").get_data(as_text=True)
    assert service.archive.retry(mallory) and service.archive.claim(mallory, 60)
    source = service.root / "mallory.zip"
    source.write_bytes(zip_bytes(scenario_files("identical")))
    assert service.archive.process(mallory, source=source) == JobStatus.DONE
    [stored] = service.report(mallory)["matches"]
    assert [(link.submission_id, link.similarity) for link in links.later(db, alice)] == \
        [(mallory, stored["similarity"])]
    assert links.later(db, stranger) == []
    with db.sessions() as session:
        rows = session.scalars(select(MatchLink).filter_by(submission_id=mallory)).all()
    assert [(r.other_id, r.own, r.fragments) for r in rows] == \
        [(alice, False, len(stored["fragments"]))]


def test_a_resubmission_matching_the_copies_of_her_own_work_is_explained_not_a_copy(
        service: Service) -> None:
    """alice hands in, two classmates copy her work, she hands in the same work again: her
    second report lists them apart, explained by her first attempt, and the cohort page counts
    no pair of hers with them (she is never the later side, the copier, of those pairs)."""
    from originality.store import summaries
    from originality.store.models import SubmissionSummary

    first = service.add("original", "alice")
    bob = service.add("identical", "bob")
    chloe = service.add("renamed", "chloe")
    again = service.add("identical", "alice", attempt=2)
    assert {m["submission_id"] for m in service.report(again)["matches"]} == {bob, chloe}

    page = service.get(f"/reports/{again}").get_data(as_text=True)
    ordinary = page[page.index('id="matches-title"'):page.index('id="later-title"')]
    assert "Matches explained by the student's own earlier work" in ordinary
    listed, apart = ordinary.split('id="explained-title"')
    assert "bob" not in listed and "chloe" not in listed
    assert "bob" in apart and "chloe" in apart and "alice's attempt 1, which this student's report matches" in apart
    printed = service.get(f"/reports/{again}/print").get_data(as_text=True)
    assert "Match 1 of" not in printed and "explained by an earlier attempt" in printed
    # bob's report (the copier's) sees her second attempt as a later match: the same copy seen
    # again, listed apart, not alice copying bob.
    for path in (f"/reports/{bob}", f"/reports/{bob}/print"):
        theirs = service.get(path).get_data(as_text=True)
        later = theirs[theirs.index('id="later-title"'):]
        ordinary, apart = later.split('id="later-explained-title"')
        assert again not in ordinary and "alice, attempt 2</span> (B, later)" not in theirs
        assert "alice's attempt 1, which this submission's report matches" in apart
    assert [link.explained_by_attempt for link in links.later(service.archive.db, bob)
            if link.submission_id == again] == [1]

    with service.archive.db.sessions() as session:
        mine = session.get(SubmissionSummary, again)
        assert (mine.top_other_id, mine.pairs, sum(getattr(mine, f"bin{i}") for i in range(10))) == (None, 0, 0)
        figures = summaries.figures(session, "p1")
        pairs = summaries.strong_pairs(session, "p1", 100, figures)
        assert not [p for p in pairs if again in (p.a, p.b)]
        assert {frozenset((p.a, p.b)) for p in pairs} == {
            frozenset(x) for x in ((bob, first), (chloe, first), (chloe, bob))}
        assert figures.pairs == 3
        # bob's work is alice's, copied: her second attempt is no pair of his either.
        assert session.get(SubmissionSummary, bob).pairs == 2
    # An archive upgraded from before the links kept the explanation gets it, by the same rule.
    from tests.support import migrate

    with service.archive.db.sessions() as session:
        kept = {(r.submission_id, r.top_similarity, r.top_other_id, r.pairs, r.bin9)
                for r in session.scalars(select(SubmissionSummary))}
    migrate(service.archive, "0030", down=True)
    migrate(service.archive, "head")
    with service.archive.db.sessions() as session:
        assert {(r.submission_id, r.top_similarity, r.top_other_id, r.pairs, r.bin9)
                for r in session.scalars(select(SubmissionSummary))} == kept
    assert links.explained(service.archive.db, again).keys() == {bob, chloe}
