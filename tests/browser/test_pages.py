"""The report side by side, the cohort overview and the staff pages, in a real browser."""

from __future__ import annotations

from typing import Any

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality import sxs
from originality.percents import percent

from .conftest import Site, screenshot, sign_in


def api_report(page: Any, site: Site, submission: str, token: str) -> dict[str, Any]:
    response = page.request.get(f"{site.url}/api/v1/submissions/{submission}/report",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_report_shows_both_files_side_by_side_with_the_json_fragments(
        site: Site, context: Any, shots: Any) -> None:
    page = context.new_page()
    # The project's starter code, set through the API before anyone hands in: it is greyed.
    starter = page.request.put(
        f"{site.url}/api/v1/projects/p1/starter",
        headers={"Authorization": f"Bearer {site.token('platform', 'lms')}"},
        multipart={"file": {"name": "starter.zip", "mimeType": "application/zip",
                            "buffer": zip_bytes(scenarios.BASE_FILES)}})
    assert starter.status == 200, starter.text()
    original = site.add("original", "alice", "p1", assessor="grace")  # not one of ada's students
    copy = site.add("partial_copy", "bob", "p1")
    site.add("independent_a", "carol", "p1")
    token = site.token("assessor", "ada")
    sign_in(page, site, token, f"/reports/{copy}")
    report = api_report(page, site, copy, token)
    [match] = [m for m in report["matches"] if m["submission_id"] == original]
    assert match["student_id"] == site.other("alice")  # other students' ids are for staff

    assert page.get_by_role("heading", level=1).inner_text()
    first_row = page.locator("table.matches tbody tr").first
    assert site.other("alice") in first_row.inner_text() and "alice" not in first_row.inner_text()
    # Times are shown in the viewer's zone (the browser runs in Asia/Tokyo).
    assert "GMT+9" in page.locator("time").first.inner_text()
    screenshot(page, shots, "report")

    first_row.get_by_role("link").first.click()
    page.wait_for_load_state()
    sides = page.locator(".sxs").first.locator(".side")
    assert sides.count() == 2
    left, right = sides.nth(0).bounding_box(), sides.nth(1).bounding_box()
    assert left["x"] + left["width"] <= right["x"] + 1 and abs(left["y"] - right["y"]) < 5

    # Every highlighted row lies inside its fragment's lines, on both sides, and every
    # fragment of the JSON has its numbered marker on its first line.
    for number, fragment in enumerate(match["fragments"], start=1):
        for side in ("a", "b"):
            span = fragment[side]
            rows = page.locator(f'table.code[data-side="{side}"] tr[data-frag="{number}"]')
            lines = [int(x) for x in rows.locator("th").all_inner_texts()]
            assert lines, f"fragment {number} is not highlighted on side {side}"
            assert all(span["start_line"] <= line <= span["end_line"] for line in lines)
            marker = page.locator(f"#{side}-frag-{number}")
            assert marker.count() == 1
            row_line = int(marker.locator("xpath=ancestor::tr/th").inner_text())
            assert row_line == max(1, span["start_line"])
    greyed = page.locator('table.code[data-side="a"] tr.tpl')
    assert greyed.count() > 0, "no starter line is greyed"
    # Not by colour alone: each starter line shows its mark and says what it is aloud, and each
    # row of a fragment names its fragment in words (the first by its numbered marker).
    assert_told_apart_without_colour(page)
    assert report["template_lines"][copy], "the JSON names no starter lines"
    screenshot(page, shots, "side-by-side")

    # Jumping between the two halves of a pair: #1 on the left leads to #1 on the right.
    page.locator("#a-frag-1").click()
    assert page.url.endswith("#b-frag-1")
    assert page.locator("#b-frag-1").is_visible()

    page.goto(f"{site.url}/reports/{copy}/print")
    assert page.locator("table.code").count() >= 2
    assert_told_apart_without_colour(page)
    screenshot(page, shots, "print")


def assert_told_apart_without_colour(page: Any) -> None:
    """Every starter row of the side-by-side tables has its visible mark and its words, and no
    other row has them; every fragment row names its fragment in words or by its marker."""
    rows = page.evaluate("""() => [...document.querySelectorAll('table.code tbody tr')].map(r => {
        const cell = r.querySelectorAll('td')[0], mark = cell && cell.querySelector('.tplmk');
        return {starter: r.classList.contains('tpl'), frag: r.dataset.frag || null,
                words: cell ? cell.textContent : '',
                shown: mark ? mark.getBoundingClientRect().width > 0
                       && mark.querySelector('[aria-hidden]').innerText.trim() : null}; })""")
    starters = [r for r in rows if r["starter"]]
    assert starters and all(r["shown"] == sxs.STARTER_LETTER and sxs.STARTER_WORDS in r["words"]
                            for r in starters)
    assert not [r for r in rows if not r["starter"] and (r["shown"] or sxs.STARTER_WORDS in r["words"])]
    framed = [r for r in rows if r["frag"]]
    assert framed and all(f"fragment {r['frag']}" in r["words"] or f"#{r['frag']}" in r["words"]
                          for r in framed)


def test_the_first_submission_leads_to_its_later_copy_side_by_side(site: Site, context: Any) -> None:
    page = context.new_page()
    original = site.add("original", "alice", "p1", assessor="ada")
    copy = site.add("partial_copy", "bob", "p1", assessor="bob")
    token = site.token("assessor", "ada")
    sign_in(page, site, token, f"/reports/{original}")
    [later] = api_report(page, site, original, token)["later_matches"]
    assert later["submission_id"] == copy

    assert page.get_by_role("heading", name="Later submissions that match this one").is_visible()
    row = page.locator("table.later tbody tr").first
    assert site.other("bob") in row.inner_text() and percent(later['similarity']) in row.inner_text()
    row.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/reports/{original}/matches/{copy}")
    assert "Later match 1" in page.get_by_role("heading", level=1).inner_text()
    # alice on the left (A), bob on the right (B): the later report's fragments turned round.
    for number, fragment in enumerate(later["fragments"], start=1):
        for side in ("a", "b"):
            span = fragment[side]
            rows = page.locator(f'table.code[data-side="{side}"] tr[data-frag="{number}"]')
            lines = [int(x) for x in rows.locator("th").all_inner_texts()]
            assert lines and all(span["start_line"] <= line <= span["end_line"] for line in lines)
    assert "alice" in page.locator(".sxs .side").first.locator("h3").first.inner_text()
    page.locator("#a-frag-1").click()
    assert page.url.endswith("#b-frag-1")


def test_an_assessor_cannot_open_another_assessors_report(site: Site, context: Any) -> None:
    site.add("original", "alice", "p1", assessor="ada")
    theirs = site.add("identical", "bob", "p1", assessor="ada")
    page = context.new_page()
    sign_in(page, site, site.token("assessor", "grace"))
    response = page.goto(f"{site.url}/reports/{theirs}")
    assert response.status == 404
    assert "alice" not in page.content() and "bob" not in page.content()
    response = page.goto(f"{site.url}/reports/{theirs}/matches/{theirs}")
    assert response.status == 404
    assert page.goto(f"{site.url}/queue").status == 403


def test_a_case_opened_by_the_assessor_is_decided_by_staff_on_the_decision_form(
        site: Site, browser: Any, context: Any, shots: Any) -> None:
    site.add("original", "alice", "p1")
    copy = site.add("identical", "bob", "p1")
    site.add("independent_a", "carol", "p1")
    page = context.new_page()
    sign_in(page, site, site.token("assessor", "ada"), f"/reports/{copy}")
    page.get_by_label("found in a submitted deliverable", exact=False).check()
    page.get_by_label("Note for staff", exact=False).fill("Same program as alice, names changed.")
    page.get_by_role("button", name="Open a case").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("The case is open")
    page.goto(f"{site.url}/submissions")
    assert page.locator("table#submissions tbody tr").count() == 3
    screenshot(page, shots, "submissions")

    staff = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        desk = staff.new_page()
        sign_in(desk, site, site.token("staff", "dean"))
        assert "/queue" in desk.url
        screenshot(desk, shots, "queue")
        desk.locator("table a[href*='/cases/']").first.click()
        desk.wait_for_load_state()
        assert "bob" in desk.inner_text("main")
        screenshot(desk, shots, "case")
        desk.get_by_label("Confirm", exact=False).check()
        desk.get_by_label("Note", exact=False).fill("Identical code, confirmed with the student.")
        desk.get_by_role("button", name="Record the decision").click()
        desk.wait_for_load_state()
        assert "confirmed" in desk.inner_text("main").lower()
        assert "warning" in desk.inner_text("main").lower()
        desk.get_by_role("link", name="The whole record").click()
        desk.wait_for_load_state()
        assert "/students/bob" in desk.url and "warning" in desk.inner_text("main").lower()
        screenshot(desk, shots, "student")

        desk.goto(f"{site.url}/projects/p1")
        assert desk.locator("svg").count() >= 1
        screenshot(desk, shots, "cohort")
    finally:
        staff.close()


def tricked_copy() -> dict[str, bytes]:
    """The prose source's report copied with the tricks of issue 12: zero-width spaces in a text
    file, Cyrillic look-alikes and white 1-point filler words in a Word document."""
    from fixtures import tricks

    paragraphs = [p for p in scenarios.PROSE_SOURCE_MD.split("\n\n") if not p.startswith("#")]
    copy = "\n\n".join(paragraphs)
    filler = " ".join(scenarios.PROSE_INDEPENDENT_PARAGRAPHS).split()
    return {"report.docx": tricks.docx_with_filler(tricks.cyrillic_lookalikes(copy), filler),
            "answers.txt": tricks.zero_width_spaces(copy).encode()}


def test_integrity_flags_are_the_first_thing_on_the_report_page(
        site: Site, context: Any, shots: Any) -> None:
    site.add_files({"REPORT.md": scenarios.PROSE_SOURCE_MD.encode()}, "alice", "p4",
                   assessor="grace")  # not one of ada's students
    copy = site.add_files(tricked_copy(), "mallory", "p4")
    page = context.new_page()
    token = site.token("assessor", "ada")
    sign_in(page, site, token, f"/reports/{copy}")
    flags = api_report(page, site, copy, token)["flags"]
    assert [f["kind"] for f in flags] == ["invisible_characters", "hidden_text", "homoglyphs"]

    section = page.get_by_role("region", name="Integrity flags")
    assert section.is_visible()
    # It comes before the matches, and within the first screen.
    matches = page.get_by_role("heading", name="Matches with other students")
    assert section.bounding_box()["y"] < matches.bounding_box()["y"]
    assert section.bounding_box()["y"] < page.viewport_size["height"]
    assert "evidence, not a verdict" in section.inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == 3
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(3)]
    assert [(c[0], c[1], int(c[2])) for c in cells] == [
        (f["file"], word, f["count"]) for f, word in
        zip(flags, ["Invisible characters", "Hidden text", "Look-alike letters"])]
    # The copy is still found, as if the tricks were not there.
    assert site.other("alice") in page.locator("table.matches tbody tr").first.inner_text()
    screenshot(page, shots, "flags")

    page.goto(f"{site.url}/reports/{copy}/print")
    assert page.get_by_role("region", name="Integrity flags").is_visible()


def many_checked(site: Site, project: str, count: int) -> list[str]:
    """``count`` checked submissions of ``project``, each a stored report with a pair to the one
    before (weaker down the list), written as ``Archive.process`` stores a report (its row,
    its links and its summary): the list then needs more than one page."""
    import json
    import uuid

    from originality.store import links, summaries
    from originality.store.models import JobStatus, ReportRow, Submission, utcnow

    ids: list[str] = []
    with site.archive.db.session() as session:
        for n in range(count):
            submission = Submission(id=uuid.uuid4().hex, project_id=project,
                                    student_id=f"pupil{n:02d}", attempt=1, assessor_id="ada",
                                    sha256=uuid.uuid4().hex * 2, size=1, status=JobStatus.DONE,
                                    created_at=utcnow(), finished_at=utcnow(), files=1, runs=1)
            session.add(submission)
            session.flush()
            matches = [] if not ids else [{
                "submission_id": ids[-1], "student_id": f"pupil{n - 1:02d}", "name": None,
                "attempt": 1, "similarity": round(0.9 - n / 100, 2), "a_share": 0.1,
                "b_share": 0.1, "fragments": []}]
            report = {"submission": submission.id, "matches": matches, "own_attempts": []}
            session.add(ReportRow(submission_id=submission.id, created_at=utcnow(),
                                  body=json.dumps(report)))
            links.write(session, submission.id, report)
            summaries.write(session, submission, report)
            ids.append(submission.id)
    return ids


def test_the_cohort_list_of_submissions_goes_page_by_page(
        site: Site, context: Any, shots: Any) -> None:
    from api.pages.cohort import PAGE_SIZE

    many_checked(site, "big", PAGE_SIZE + 5)
    page = context.new_page()
    sign_in(page, site, site.token("staff", "dean"), "/projects/big")
    listed = page.locator("#submission-list tbody tr")
    assert listed.count() == PAGE_SIZE
    first = listed.all_inner_texts()
    # Strongest first: pupil01 matches pupil00 at 89%, a pair of both (pupil00's work was
    # matched: its line names pupil01, it is not "no other student"), then down the list.
    assert sorted(row.split("\t")[:4] for row in first[:2]) == [
        ["pupil00", "89.0%", "pupil01", "1"], ["pupil01", "89.0%", "pupil00", "2"]]
    assert first[2].split("\t")[:4] == ["pupil02", "88.0%", "pupil01", "2"]
    assert page.get_by_role("link", name="First page").count() == 0
    page.get_by_role("navigation", name="Pages of the submission list").get_by_role(
        "link", name=f"Next {PAGE_SIZE} submissions").click()
    page.wait_for_load_state()
    assert "after=" in page.url and page.url.endswith("#submissions-title")
    second = listed.all_inner_texts()
    assert len(second) == 5 and not set(second) & set(first)
    # The last one checked has only its pair with the one before, the weakest; the rest of the
    # page is the same overview.
    last = PAGE_SIZE + 4
    assert second[-1].split("\t")[:4] == [f"pupil{last}", f"{90 - last}.0%", f"pupil{last - 1}", "1"]
    assert page.get_by_role("heading", name="How similar the pairs are").is_visible()
    assert page.get_by_role("link", name=f"Next {PAGE_SIZE} submissions").count() == 0
    screenshot(page, shots, "cohort-list-page-2")
    page.get_by_role("link", name="First page").click()
    page.wait_for_load_state()
    assert listed.all_inner_texts() == first


def test_an_assessor_reads_the_cohort_page_with_other_students_under_pseudonyms(
        site: Site, browser: Any, context: Any, shots: Any) -> None:
    site.add("original", "alice", "p6", assessor="bob")
    site.add("identical", "mallory", "p6", assessor="ada")
    site.add("renamed", "rob", "p6", assessor="bob")
    page = context.new_page()
    sign_in(page, site, site.token("assessor", "ada"), "/projects/p6")
    shown = page.inner_text("main")
    # Her own student by the id the platform gave; the others by their pseudonyms, in the
    # list, the clusters and the strongest pairs, and nowhere by name (docs/privacy.md).
    assert "mallory" in shown
    assert "alice" not in shown and "rob" not in shown
    assert site.other("alice") in shown and site.other("rob") in shown
    drawn = page.locator("svg.graph .node-label").all_text_contents()
    assert sorted(drawn) == sorted(["mallory", site.other("alice")[len("pseudonym-"):][:11] + "\u2026",
                                    site.other("rob")[len("pseudonym-"):][:11] + "\u2026"])
    assert "alice" not in page.content() and "rob" not in page.content()
    screenshot(page, shots, "cohort-assessor")
    # Staff read the project's students by their ids.
    staff = browser.new_context()
    try:
        desk = staff.new_page()
        sign_in(desk, site, site.token("staff", "dean"), "/projects/p6")
        assert {"alice", "mallory", "rob"} <= set(desk.inner_text("main").replace(",", " ").split())
    finally:
        staff.close()
