"""Every page passes axe-core's WCAG 2.1 A and AA rules, in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from originality import sxs
from originality.cases import Actor, CaseBook

from .conftest import VIEWPORT, Site, sign_in

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                resultTypes: ["violations"]});
        return result.violations.map(v => `${v.id} (${v.impact}, ${v.nodes.length}x, e.g. `
            + `${v.nodes[0].target.join(" ")}): ${v.help} ${v.nodes[0].failureSummary}`); }""", RULES)
    return list(found)


def test_every_page_meets_wcag_2_1_aa(site: Site, browser: Any) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: `make test` runs npm install in tests/browser")
    original = site.add("original", "alice", "p1")
    copy = site.add("partial_copy", "bob", "p1")
    site.add("independent_a", "carol", "p1")
    from .test_pages import tricked_copy

    # A copy with the tricks of issue 12: its pages carry the integrity flags.
    tricked = site.add_files(tricked_copy(), "mallory", "p1")
    case = CaseBook(site.archive).open(Actor("ada", "assessor"), copy, "submission",
                                       "same grading helpers as alice")
    [first] = site.archive.report_of(copy)["matches"][:1]
    from api.pages.cohort import PAGE_SIZE

    from .test_pages import many_checked

    many_checked(site, "big", PAGE_SIZE + 5)  # the cohort's list of submissions has two pages
    # The pages forbid every script but their own; only this test's context lets axe in.
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/signin")
        problems = {"/signin": violations(page)}
        sign_in(page, site, site.token("staff", "dean"))
        # The original's pages hold the copy as a later match, side by side and in print.
        for path in ["/submissions", f"/reports/{original}", f"/reports/{copy}",
                     f"/reports/{original}/matches/{copy}", f"/reports/{original}/print",
                     f"/reports/{copy}/matches/{first['submission_id']}", f"/reports/{copy}/print",
                     f"/reports/{tricked}", f"/reports/{tricked}/print",
                     "/projects/p1", "/projects/big", "/queue?status=all", f"/cases/{case['id']}",
                     "/students/bob", "/reports/no-such-submission", "/webhooks"]:
            page.goto(site.url + path)
            problems[path] = violations(page)
        # The list's second page, reached as a reader does.
        page.goto(site.url + "/projects/big")
        page.get_by_role("link", name=f"Next {PAGE_SIZE} submissions").click()
        page.wait_for_load_state()
        problems["/projects/big, second page"] = violations(page)
    finally:
        context.close()
    failing = [f"{path}: {item}" for path, found in problems.items() for item in found]
    assert not failing, "\n".join(failing)


def test_the_triage_pages_meet_wcag_2_1_aa(site: Site, browser: Any) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: `make test` runs npm install in tests/browser")
    # mallory was warned in p0; in p1 she and zoe match alice: an assessor's list, a possible
    # repeat in the staff queue, and an item to dismiss.
    site.add("original", "alice", "p0", assessor="bob")
    first = site.add("identical", "mallory", "p0")
    book = CaseBook(site.archive)
    case = book.open(Actor("ada", "assessor"), first, "creation", "copied alice")
    book.decide(Actor("dean", "staff"), case["id"], "confirmed", "warned")
    site.add("original", "alice", "p1", assessor="bob")
    site.add("renamed", "mallory", "p1")
    site.add("partial_copy", "zoe", "p1")
    from originality.triage import Triage

    first_item = Triage(site.archive).items("ada")[0]
    item, flagged = first_item["id"], first_item["submission_id"]
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    problems: dict[str, list[str]] = {}
    try:
        page = context.new_page()
        sign_in(page, site, site.token("assessor", "ada"))
        for path in [f"/reports/{flagged}", "/submissions", f"/triage/{item}/dismiss"]:
            page.goto(site.url + path)
            if path.startswith("/reports/"):
                assert page.get_by_role("heading", name="Waiting for review",
                                        exact=False).is_visible()
            problems[f"assessor {path}"] = violations(page)
        # The form refused (a blank reason), with its alert.
        page.get_by_label("Why is this match not plagiarism?", exact=False).fill(" ")
        page.get_by_role("button", name="Dismiss the match").click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").count() == 1
        problems["refused dismissal"] = violations(page)
        page.context.clear_cookies()
        sign_in(page, site, site.token("staff", "dean"))
        for path in ["/queue", "/submissions", f"/triage/{item}/dismiss?back=queue"]:
            page.goto(site.url + path)
            if path == "/queue":
                assert page.get_by_role("heading", name="Possible repeats (2)").is_visible()
            problems[f"staff {path}"] = violations(page)
    finally:
        context.close()
    failing = [f"{path}: {found}" for path, items in problems.items() for found in items]
    assert not failing, "\n".join(failing)


def test_the_static_html_report_meets_wcag_2_1_aa(tmp_path: Path, browser: Any) -> None:
    from fixtures import scenarios
    from fixtures.make_fixtures import zip_bytes
    from originality.check import check
    from originality.html_report import write_html

    folder = tmp_path / "cohort"
    folder.mkdir()
    for name in ("original", "partial_copy", "independent_a"):
        (folder / f"{name}.zip").write_bytes(zip_bytes(scenarios.submission_files(
            next(s for s in scenarios.SCENARIOS if s.id == name))))
    from .test_pages import tricked_copy

    # Flags on the index and on the tricked copy's pair page.
    (folder / "tricked.zip").write_bytes(zip_bytes(tricked_copy()))
    (folder / "source.zip").write_bytes(zip_bytes({"REPORT.md": scenarios.PROSE_SOURCE_MD.encode()}))
    report = check(sorted(folder.glob("*.zip")))
    index = write_html(report, tmp_path / "html")
    # The tricked copy is the most similar pair, so its page is among those checked.
    flagged = [p for p in sorted((index.parent / "pairs").glob("*.html")) if "tricked" in p.name]
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        page = context.new_page()
        problems = {}
        for path in [index, *sorted((index.parent / "pairs").glob("*.html"))[:2]]:
            page.goto(path.as_uri())
            problems[path.name] = violations(page)
    finally:
        context.close()
    failing = [f"{name}: {item}" for name, found in problems.items() for item in found]
    assert len(problems) == 3 and flagged[0].name in problems and not failing, "\n".join(failing)


STARTER = '''"""Library: starter code, do not modify the signatures."""
import json


def load_books(path):
    # Read the catalogue from a JSON file.
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
'''


def test_the_static_report_tells_starter_lines_from_comments_without_colour(tmp_path: Path,
                                                                            browser: Any) -> None:
    """The audit's case: a starter line and a student's own comment are both italic, of
    near-equal lightness; in greyscale print, to colour-blind eyes and aloud they differ by the
    starter's mark and words alone."""
    from fixtures.make_fixtures import zip_bytes
    from originality.check import check
    from originality.html_report import write_html
    from tests.unit.test_matching import own_work

    from .test_pages import assert_told_apart_without_colour

    own = "\n\n# My own helpers: I wrote these for the bonus question.\n" + own_work(3, statements=30)
    (tmp_path / "starter.zip").write_bytes(zip_bytes({"tp/library.py": STARTER.encode()}))
    for student in ("alice", "bob"):
        (tmp_path / f"{student}.zip").write_bytes(zip_bytes({"tp/library.py": (STARTER + own).encode()}))
    report = check([tmp_path / "alice.zip", tmp_path / "bob.zip"], [tmp_path / "starter.zip"])
    index = write_html(report, tmp_path / "html")
    [pair] = sorted((index.parent / "pairs").glob("*.html"))
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(pair.as_uri())
        styles = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            'table.code[data-side="a"] tbody tr')].map(r => [r.querySelector('th').textContent, {
                starter: r.classList.contains('tpl'),
                italic: getComputedStyle(r.querySelector('td:last-child span') || r.querySelector('td:last-child')).fontStyle}]))""")
        # Line 5 is the starter's ``def load_books``, line 11 the student's own comment.
        assert styles["5"] == {"starter": True, "italic": "italic"}
        assert styles["11"] == {"starter": False, "italic": "italic"}  # alike by their style
        assert_told_apart_without_colour(page)
        assert page.get_by_text(f"Lines marked {sxs.STARTER_LETTER}, in grey italics").is_visible()
        problems = violations(page)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
