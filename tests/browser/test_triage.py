"""The triage in a real browser: an assessor's to-review list and the dismissal form, and the
possible repeats in the staff queue."""

from __future__ import annotations

from typing import Any

from originality.cases import Actor, CaseBook

from .conftest import Site, screenshot, sign_in


def percents(page: Any, table: str) -> list[float]:
    cells = page.locator(f"table#{table} tbody td.num").all_inner_texts()
    return [float(c.strip().rstrip("%")) for c in cells]


def test_the_assessor_sees_strong_matches_first_and_dismisses_one_with_a_reason(
        site: Site, context: Any, shots: Any) -> None:
    site.add("original", "alice", "p1", assessor="bob")
    site.add("partial_copy", "mallory", "p1")
    site.add("identical", "zoe", "p1")
    page = context.new_page()
    sign_in(page, site, site.token("assessor", "ada"), "/submissions")

    assert page.get_by_role("heading", name="To review (4)").is_visible()
    rows = page.locator("table#to-review tbody tr")
    assert rows.count() == 4
    # The other side of each pair under its pseudonym: other students' ids are for staff.
    assert "zoe" in rows.first.inner_text() and site.other("alice") in rows.first.inner_text()
    assert "alice" not in page.locator("table#to-review").inner_text()
    shown = percents(page, "to-review")
    assert shown[0] == 100 and shown == sorted(shown, reverse=True)
    # The earlier side of a pair says so, softly.
    soft = page.locator("table#to-review tbody tr.shared")
    assert soft.count() == 1 and "Shared their work" in soft.inner_text()
    # The list comes before the submissions themselves.
    top = page.locator("table#to-review").bounding_box()
    assert top["y"] < page.locator("table#submissions").bounding_box()["y"]
    screenshot(page, shots, "to-review")

    page.get_by_role("link", name=f"Dismiss the match of zoe with {site.other('alice')}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Dismiss a match of zoe"
    reason = page.get_by_label("Why is this match not plagiarism?", exact=False)
    reason.fill("   ")  # not empty, so the browser sends it; the service refuses it
    page.get_by_role("button", name="Dismiss the match").click()
    page.wait_for_load_state()
    assert "The match was not dismissed." in page.get_by_role("alert").inner_text()
    screenshot(page, shots, "dismiss")
    page.get_by_label("Why is this match not plagiarism?", exact=False).fill(
        "zoe and alice are the same person's two accounts; merged by the school office")
    page.get_by_role("button", name="Dismiss the match").click()
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith("/submissions")
    assert "dismissed" in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", name="To review (3)").is_visible()
    assert page.get_by_role("link", name=f"Dismiss the match of zoe with {site.other('alice')}").count() == 0


def test_staff_see_a_warned_students_new_match_as_a_possible_repeat_and_open_the_case(
        site: Site, context: Any, shots: Any) -> None:
    site.add("original", "alice", "p0", assessor="bob")
    first = site.add("identical", "mallory", "p0")
    book = CaseBook(site.archive)
    case = book.open(Actor("ada", "assessor"), first, "creation", "copied alice")
    book.decide(Actor("dean", "staff"), case["id"], "confirmed", "warned")
    site.add("original", "alice", "p1", assessor="bob")
    site.add("renamed", "mallory", "p1")

    page = context.new_page()
    sign_in(page, site, site.token("staff", "dean"), "/queue")
    assert page.get_by_role("heading", name="Possible repeats (1)").is_visible()
    row = page.locator("table#possible-repeats tbody tr")
    assert row.count() == 1 and "Possible repeat" in row.inner_text()
    assert "mallory" in row.inner_text() and "Written warning" in row.inner_text()
    # Marked apart from the cases assessors opened, and above them.
    assert page.locator("table#possible-repeats").bounding_box()["y"] < \
        page.get_by_role("heading", name="Cases").bounding_box()["y"]
    screenshot(page, shots, "possible-repeats")

    row.locator("a.earlier-case").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/cases/{case['id']}")
    page.go_back()
    page.wait_for_load_state()

    page.get_by_label("Where was the plagiarism of mallory found?").select_option("submission")
    page.get_by_label("Note for the case of mallory").fill("the same copy again")
    page.get_by_role("button", name="Open the case of mallory").click()
    page.wait_for_load_state()
    assert "/cases/" in page.url and not page.url.endswith(case["id"])
    assert "Repeat offense" in page.get_by_role("heading", level=1).inner_text()
    page.goto(f"{site.url}/queue")
    assert page.get_by_role("heading", name="Possible repeats (0)").is_visible()
    assert "Repeat offense" in page.locator("table#queue tbody tr").first.inner_text()
