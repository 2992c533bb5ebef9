"""The triage of strong matches through the API and the pages: the Flask app in this process on a
real SQLite database, submissions checked by the archive itself as a worker does (the worker's
own part, sending the webhooks, is in test_service.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from originality.store.models import AuditLog, EventRow, JobStatus, TriageItem
from tests.support import ServiceApp, fail_check, running, scenario_files, write_upload


class Service(ServiceApp):
    def post(self, url: str, body: dict[str, Any], role: str = "staff") -> Any:
        return self.client.post(url, json=body, headers=self.headers(role))

    def triage(self, role: str = "staff", query: str = "") -> dict[str, Any]:
        answer = self.get(f"/api/v1/triage{query}", role)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()  # type: ignore[no-any-return]

    def recheck(self, submission_id: str, scenario: str) -> None:
        """Run the check of a submission again, as a retry after a failure does: the report,
        its links and its flags are written again."""
        fail_check(self.archive, submission_id)
        assert self.archive.retry(submission_id)
        assert self.archive.claim(submission_id, 60)
        path = write_upload(self.root, scenario_files(scenario))
        assert self.archive.process(submission_id, source=path) == JobStatus.DONE

    def events(self) -> list[dict[str, Any]]:
        with self.archive.db.sessions() as session:
            return [json.loads(e.data) for e in session.scalars(
                select(EventRow).filter_by(type="submission.flagged").order_by(EventRow.created_at))]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    for app in running(Service, tmp_path, monkeypatch):
        # With the starter code left out, independent work shares nothing strong.
        app.set_starter("p1")
        app.set_starter("p2")
        yield app


def pairs(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(i["student_id"], i["kind"], i["other_student_id"]) for i in items]


def test_a_strong_copy_flags_the_later_submission_and_softly_the_earlier_one(service: Service) -> None:
    # A student's own earlier attempt is never plagiarism.
    service.add("original", "alice", "p2", assessor="bob")
    service.add("renamed", "alice", "p2", attempt=2, assessor="bob")
    assert service.triage()["items"] == []

    alice = service.add("original", "alice", assessor="bob")
    service.add("independent_a", "carol")  # nothing strong in common with anyone
    mallory = service.add("partial_copy", "mallory")  # 0.59 with alice's
    zoe = service.add("identical", "zoe")  # 1.0 with alice's, 0.59 with mallory's

    everyone = service.triage()
    # Strongest first; at equal similarity the later (copied) sides before the earlier (shared).
    assert pairs(everyone["items"]) == [
        ("zoe", "copied", "alice"), ("alice", "shared", "zoe"),
        ("mallory", "copied", "alice"), ("zoe", "copied", "mallory"),
        ("alice", "shared", "mallory"), ("mallory", "shared", "zoe")]
    sims = [i["similarity"] for i in everyone["items"]]
    assert sims == sorted(sims, reverse=True) and min(sims) >= 0.5
    assert everyone["counts"] == {"to_review": 6, "possible_repeats": 0}
    shared = everyone["items"][1]
    assert shared["submission_id"] == alice and shared["other_submission_id"] == zoe
    assert shared["kind_description"].startswith("shared their work")
    assert {i["status"] for i in everyone["items"]} == {"waiting"}

    # Each assessor sees the items of their own submissions: ada has mallory and zoe, bob alice;
    # the other side under a pseudonym (other students' ids are for staff), unless it is one of
    # her own students.
    from originality.privacy.exposure import pseudonym

    def other(name: str) -> str:
        return pseudonym(str(service.app.secret_key), name)

    ada = service.triage("assessor")
    assert pairs(ada["items"]) == [("zoe", "copied", other("alice")),
                                   ("mallory", "copied", other("alice")),
                                   ("zoe", "copied", "mallory"),
                                   ("mallory", "shared", "zoe")]
    assert ada["counts"] == {"to_review": 4, "possible_repeats": 0}
    assert service.triage("other_assessor")["counts"]["to_review"] == 2
    bobs = service.triage("other_assessor")["items"][0]["id"]
    assert service.get(f"/api/v1/triage/{bobs}", "assessor").status_code == 404
    assert service.get(f"/api/v1/triage/{bobs}", "other_assessor").status_code == 200

    # The outbox holds one submission.flagged event per item, with what a dashboard needs.
    events = service.events()
    assert sorted(e["data"]["item_id"] for e in events) == sorted(i["id"] for i in everyone["items"])
    [to_bob] = [e["data"] for e in events if e["data"]["submission_id"] == alice
                and e["data"]["other_submission_id"] == mallory]
    assert to_bob["kind"] == "shared" and to_bob["assessor_id"] == "bob"
    assert to_bob["review_threshold"] == 0.5 and to_bob["student_id"] == "alice"

    # The assessor's submissions page lists them first, strongest first, with the exact count.
    page = service.get("/submissions", "assessor").get_data(as_text=True)
    assert "To review (4)" in page and page.index("To review") < page.index("All submissions")
    listed = re.findall(r'<tr class="(copied|shared)[^"]*">\s*<td>(\w+)', page)
    assert listed == [("copied", "zoe"), ("copied", "mallory"), ("copied", "zoe"),
                      ("shared", "mallory")]
    assert "Shared their work" in page
    assert mallory in page and f"/reports/{zoe}/matches/{alice}" in page
    # The softer side's link opens the later match side by side, from the earlier report.
    assert f"/reports/{mallory}/matches/{zoe}" in page
    assert service.get(f"/reports/{mallory}/matches/{zoe}", "assessor").status_code == 200


def test_a_new_attempt_matching_a_copy_of_the_students_own_work_is_not_flagged(
        service: Service) -> None:
    service.add("original", "alice", assessor="bob")
    service.add("identical", "mallory")
    # alice hands in again; her new attempt matches mallory's copy of her first one.
    again = service.add("renamed", "alice", attempt=2, assessor="bob")
    assert [m["student_id"] for m in service.archive.report_of(again)["matches"]] == ["mallory"]
    assert pairs(service.triage()["items"]) == [("mallory", "copied", "alice"),
                                                ("alice", "shared", "mallory")]
    # A third student copying alice's new attempt is flagged, as is alice's side.
    service.add("identical", "zoe")
    assert ("zoe", "copied", "alice") in pairs(service.triage()["items"])


def test_one_item_per_submission_and_pair_however_often_the_report_is_recomputed(
        service: Service) -> None:
    service.add("original", "alice", assessor="bob")
    mallory = service.add("identical", "mallory")
    first = service.triage()
    assert first["counts"]["to_review"] == 2
    for _ in range(2):
        service.recheck(mallory, "identical")
    again = service.triage()
    assert [i["id"] for i in again["items"]] == [i["id"] for i in first["items"]]
    assert again["counts"] == first["counts"]
    assert len(service.events()) == 2  # no new event for an item already there
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TriageItem)) == 2


def test_a_dismissal_needs_a_reason_is_audited_and_sticks(service: Service) -> None:
    service.add("original", "alice", assessor="bob")
    mallory = service.add("identical", "mallory")
    [item] = service.triage("assessor")["items"]
    url = f"/api/v1/triage/{item['id']}/dismissal"

    assert service.post(url, {"reason": ""}, "assessor").status_code == 422
    blank = service.post(url, {"reason": "   "}, "assessor")
    assert blank.status_code == 400 and blank.get_json()["error"]["code"] == "usage_error"
    assert service.post(url, {"reason": "x"}, "other_assessor").status_code == 404
    assert service.post(url, {"reason": "x"}, "platform").status_code == 403
    assert service.post("/api/v1/triage/999/dismissal", {"reason": "x"}).status_code == 404

    done = service.post(url, {"reason": "pair programming allowed in this project"}, "assessor")
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert body["status"] == "dismissed"
    assert body["dismissal"]["by"] == "ada" and body["dismissal"]["reason"].startswith("pair")
    twice = service.post(url, {"reason": "again"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "conflict"

    # Gone from the list, and the pair does not come back when the report is computed again.
    assert service.triage("assessor")["counts"]["to_review"] == 0
    service.recheck(mallory, "identical")
    assert service.triage("assessor")["items"] == []
    assert service.get(f"/api/v1/triage/{item['id']}", "assessor").get_json()["status"] == "dismissed"
    with service.archive.db.sessions() as session:
        audit = [(a.action, a.actor, a.role, a.subject, a.why, json.loads(a.detail)["kind"])
                 for a in session.scalars(select(AuditLog).filter_by(action="triage.dismissed"))]
    assert audit == [("triage.dismissed", "ada", "assessor", f"triage:{item['id']}",
                      "pair programming allowed in this project", "copied")]
    # The earlier side's item is its own: bob still has it.
    from originality.privacy.exposure import pseudonym

    assert pairs(service.triage("other_assessor")["items"]) == [
        ("alice", "shared", pseudonym(str(service.app.secret_key), "mallory"))]


def test_the_dismissal_form_refuses_a_blank_reason_and_goes_back_to_the_list(service: Service) -> None:
    service.add("original", "alice", assessor="bob")
    service.add("identical", "mallory")
    [item] = service.triage("assessor")["items"]
    form = service.get(f"/triage/{item['id']}/dismiss", "assessor")
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert "Why is this match not plagiarism?" in text and 'name="reason"' in text
    assert service.get(f"/triage/{item['id']}/dismiss", "other_assessor").status_code == 404
    assert service.get(f"/triage/{item['id']}/dismiss", "platform").status_code == 403

    headers = service.headers("assessor")
    refused = service.client.post(f"/triage/{item['id']}/dismiss", data={"reason": "  "},
                                  headers=headers)
    assert refused.status_code == 400
    assert "The match was not dismissed." in refused.get_data(as_text=True)
    sent = service.client.post(f"/triage/{item['id']}/dismiss",
                               data={"reason": "the shared code is the lecture's example"},
                               headers=headers)
    assert sent.status_code == 303 and "/submissions?dismissed=" in sent.headers["Location"]
    listed = service.get(sent.headers["Location"], "assessor").get_data(as_text=True)
    assert "The match was dismissed" in listed and "To review (0)" in listed
    again = service.client.post(f"/triage/{item['id']}/dismiss", data={"reason": "twice"},
                                headers=headers)
    assert again.status_code == 409 and "already cleared" in again.get_data(as_text=True)


def test_opening_a_case_clears_the_submissions_items(service: Service) -> None:
    service.add("original", "alice", assessor="bob")
    zoe = service.add("identical", "zoe")
    report = service.get(f"/reports/{zoe}", "assessor").get_data(as_text=True)
    assert "Waiting for review (1)" in report and "/triage/" in report
    opened = service.post("/api/v1/cases", {"submission_id": zoe, "stage": "submission",
                                            "note": "copy of alice"}, "assessor")
    assert opened.status_code == 201
    assert service.triage("assessor")["items"] == []
    assert pairs(service.triage()["items"]) == [("alice", "shared", "zoe")]  # the other side stays
    assert "Waiting for review" not in service.get(f"/reports/{zoe}", "assessor").get_data(as_text=True)
    with service.archive.db.sessions() as session:
        item = session.scalar(select(TriageItem).filter_by(submission_id=zoe))
        assert item is not None and item.case_id == opened.get_json()["id"]
        detail = json.loads(session.scalar(select(AuditLog.detail).filter_by(action="case.opened")))
    assert detail["triage_items_cleared"] == 1
    # A dismissal of a cleared item is refused.
    refused = service.post(f"/api/v1/triage/{item.id}/dismissal", {"reason": "x"})
    assert refused.status_code == 409


def test_a_student_already_warned_is_a_possible_repeat_in_the_staff_queue(service: Service) -> None:
    # mallory copied in p2 and was warned.
    service.add("original", "alice", "p2", assessor="bob")
    earlier = service.add("identical", "mallory", "p2")
    case = service.post("/api/v1/cases", {"submission_id": earlier, "stage": "creation",
                                          "note": "copy"}).get_json()
    warned = service.post(f"/api/v1/cases/{case['id']}/decision",
                          {"decision": "confirmed", "note": "clear copy"})
    assert warned.status_code == 201
    # Now in p1 she matches alice again; carol copies alice too, a first time.
    service.add("original", "alice", "p1", assessor="bob")
    again = service.add("renamed", "mallory", "p1")
    carol = service.add("partial_copy", "carol", "p1")

    repeats = service.triage("staff", "?possible_repeat=true")
    # Both of her items: she matches alice, and carol matches her (shared, the softer kind).
    assert pairs(repeats["items"]) == [("mallory", "copied", "alice"), ("mallory", "shared", "carol")]
    item = repeats["items"][0]
    assert item["submission_id"] == again and item["possible_repeat"] is True
    assert item["earlier_case"]["case_id"] == case["id"]
    assert item["earlier_case"]["sanction"] == "written_warning"
    assert repeats["counts"]["possible_repeats"] == 2
    assert repeats["counts"]["to_review"] == 7  # alice's shared item in p2 and six in p1
    # The assessor sees the same item, marked, with everyone else's.
    ada = service.triage("assessor")
    assert [i["possible_repeat"] for i in ada["items"] if i["submission_id"] == again] == [True, True]
    assert [i["possible_repeat"] for i in ada["items"] if i["submission_id"] == carol] == [False, False]
    assert {i["student_id"] for i in ada["items"]} == {"mallory", "carol"}
    assert carol not in [i["submission_id"] for i in repeats["items"]]

    # The staff queue shows it apart from the cases, with the earlier case one click away.
    queue = service.get("/queue").get_data(as_text=True)
    assert "Possible repeats (2)" in queue
    section = queue.split('id="possible-repeats"', 1)[1].split("</table>", 1)[0]
    assert f'href="/cases/{case["id"]}"' in section and "mallory" in section
    assert f'action="/reports/{again}/case"' in section
    assert queue.index("Possible repeats") < queue.index('id="cases-title"')

    # Staff open the case from there: it is a repeat, and the item leaves both lists.
    opened = service.client.post(f"/reports/{again}/case", headers=service.headers("staff"),
                                 data={"stage": "submission", "note": "again"})
    assert opened.status_code == 303
    case_id = opened.headers["Location"].split("/cases/", 1)[1].split("?", 1)[0]
    assert service.get(f"/api/v1/cases/{case_id}").get_json()["repeat"] is True
    assert service.triage("staff", "?possible_repeat=true")["items"] == []
    assert "Possible repeats (0)" in service.get("/queue").get_data(as_text=True)

    # A reversed warning takes the possible repeat away.
    service.add("reordered", "mallory", "p1", attempt=2)
    assert service.triage()["counts"]["possible_repeats"] == 1
    assert service.post(f"/api/v1/cases/{case['id']}/decision", {
        "decision": "dismissed", "note": "appeal upheld",
        "reverses": warned.get_json()["case"]["decisions"][0]["id"]}).status_code == 201
    assert service.triage()["counts"]["possible_repeats"] == 0


def test_work_handed_in_before_the_warning_is_no_possible_repeat(service: Service) -> None:
    # mallory copies in p1 and in p2, both handed in before any warning; p2's case is confirmed
    # first. Her p1 copy is then no repeat for the ladder (a warning counts from the hand-in),
    # and the triage says the same; copied work handed in after the warning is one.
    service.add("original", "alice", "p1", assessor="bob")
    service.add("original", "alice", "p2", assessor="bob")
    before = service.add("identical", "mallory", "p1")
    earlier = service.add("identical", "mallory", "p2")
    case = service.post("/api/v1/cases", {"submission_id": earlier, "stage": "creation",
                                          "note": "copy"}).get_json()
    assert service.post(f"/api/v1/cases/{case['id']}/decision",
                        {"decision": "confirmed", "note": "clear copy"}).status_code == 201
    items = [i for i in service.triage("assessor")["items"] if i["submission_id"] == before]
    assert items and not any(i["possible_repeat"] or i["earlier_case"] for i in items)
    assert service.triage("staff", "?possible_repeat=true")["items"] == []
    assert service.triage()["counts"]["possible_repeats"] == 0
    opened = service.post("/api/v1/cases", {"submission_id": before, "stage": "creation",
                                            "note": "copy too"}).get_json()
    assert opened["repeat"] is False
    after = service.add("renamed", "mallory", "p1", attempt=2)
    repeats = service.triage("staff", "?possible_repeat=true")["items"]
    assert {i["submission_id"] for i in repeats} == {after}
    assert service.triage()["counts"]["possible_repeats"] == len(repeats)


def test_the_review_threshold_is_the_projects_own_or_the_default(service: Service) -> None:
    url = "/api/v1/projects/p1/review-threshold"
    default = service.get(url, "assessor").get_json()
    assert default == {"project_id": "p1", "review_threshold": 0.5, "source": "default",
                       "default": 0.5, "set_by": None, "updated_at": None}
    assert service.client.put(url, json={"review_threshold": 0.8},
                              headers=service.headers("assessor")).status_code == 403
    for bad in (0, 1.5, -1, "high"):
        refused = service.client.put(url, json={"review_threshold": bad},
                                     headers=service.headers("staff"))
        assert refused.status_code == 422, bad
        assert refused.get_json()["error"]["code"] == "invalid_request"
    set_ = service.client.put(url, json={"review_threshold": 0.8}, headers=service.headers("staff"))
    assert set_.status_code == 200
    assert set_.get_json()["review_threshold"] == 0.8 and set_.get_json()["source"] == "project"

    # partial_copy scores 0.59 with the original: flagged under 0.5 (p2), not under 0.8 (p1).
    for project in ("p1", "p2"):
        service.add("original", "alice", project, assessor="bob")
        service.add("partial_copy", "mallory", project)
    assert [(i["project_id"], i["student_id"]) for i in service.triage()["items"]] == [
        ("p2", "mallory"), ("p2", "alice")]
    assert service.events()[0]["data"]["review_threshold"] == 0.5
    with service.archive.db.sessions() as session:
        audit = session.scalar(select(AuditLog).filter_by(action="project.review_threshold"))
        assert audit is not None and audit.actor == "dean" and audit.subject == "project:p1"


def test_a_later_attempt_copying_a_classmate_is_flagged_though_her_work_matched_the_first_weakly(
        service: Service) -> None:
    # A student's first attempt that a classmate's report lists under the threshold (here 0.59
    # under 0.8) proves nothing against the classmate: copying them in a later attempt is flagged.
    service.client.put("/api/v1/projects/p1/review-threshold", json={"review_threshold": 0.8},
                       headers=service.headers("staff"))
    service.add("partial_copy", "alice")
    carol = service.add("original", "carol")
    assert [(m["student_id"], m["similarity"] < 0.8) for m in service.archive.report_of(carol)["matches"]] == [
        ("alice", True)]
    again = service.add("identical", "alice", attempt=2)
    assert [(i["submission_id"], i["kind"], i["other_submission_id"]) for i in service.triage()["items"]] == [
        (again, "copied", carol), (carol, "shared", again)]


def test_the_triage_routes_are_in_the_openapi_spec(service: Service) -> None:
    paths = service.client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/triage", "/api/v1/triage/{item_id}",
                 "/api/v1/triage/{item_id}/dismissal",
                 "/api/v1/projects/{project_id}/review-threshold"):
        assert path in paths


def test_the_staff_queue_reads_in_the_same_number_of_queries_however_many_students(
        service: Service) -> None:
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(service.archive.db.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: statements.append(sql))

    def warned_again(student: str, project: str) -> None:
        """``student`` copied alice in ``project`` and was warned; in p1 she matches alice
        again: a possible repeat."""
        earlier = service.add("identical", student, project)
        case = service.post("/api/v1/cases", {"submission_id": earlier, "stage": "creation",
                                              "note": "copy"}).get_json()
        assert service.post(f"/api/v1/cases/{case['id']}/decision",
                            {"decision": "confirmed", "note": "clear copy"}).status_code == 201
        service.add("renamed", student, "p1")

    def queries() -> tuple[int, str]:
        service.get("/queue?status=all")  # warm: the first request reads the settings
        statements.clear()
        page = service.get("/queue?status=all").get_data(as_text=True)
        return len(statements), page

    service.add("original", "alice", "p1", assessor="bob")
    service.add("original", "alice", "p2", assessor="bob")
    warned_again("mallory", "p2")
    few, page = queries()
    assert "Possible repeats (1)" in page
    for student in ("nina", "oscar", "pia"):
        warned_again(student, "p2")
    many, page = queries()
    repeats = re.search(r"Possible repeats \((\d+)\)", page)
    assert repeats and int(repeats[1]) > 4  # each of them matches alice, and one another
    assert len(set(re.findall(r'href="/cases/(\w+)"', page))) == 4
    assert many == few


def test_the_staff_queue_shows_its_two_lists_a_page_at_a_time(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each list of the queue, page after page, holds every row once, in the order of the
    whole list; a place that does not exist shows the first page and says so."""
    from api.pages import staff
    from originality.cases import CaseBook

    monkeypatch.setattr(staff, "QUEUE_PAGE", 2)
    service.add("original", "alice", "p1", assessor="bob")
    service.add("original", "alice", "p2", assessor="bob")
    cases = []
    for student in ("mallory", "nina", "oscar"):
        earlier = service.add("identical", student, "p2")
        cases.append(service.post("/api/v1/cases", {"submission_id": earlier, "stage": "creation",
                                                    "note": "copy"}).get_json()["id"])
        assert service.post(f"/api/v1/cases/{cases[-1]}/decision",
                            {"decision": "confirmed", "note": "clear copy"}).status_code == 201
        service.add("renamed", student, "p1")
    every_repeat = [i["id"] for i in service.triage("staff", "?possible_repeat=true")["items"]]
    every_case = [c["id"] for c in CaseBook(service.archive).queue().cases]
    assert len(every_repeat) > 4 and len(every_case) == 3

    def walk(url: str, rows: str, next_label: str) -> tuple[list[str], list[str]]:
        """The rows of one list over its pages, and each page's caption."""
        seen: list[str] = []
        captions: list[str] = []
        while url:
            page = service.get(url).get_data(as_text=True)
            table = page.split(f'id="{rows}"', 1)[1].split("</table>", 1)[0]
            captions.append(re.search(r"<caption>(.*?)</caption>", table)[1])
            found = (re.findall(r'id="stage-(\d+)"', table) if rows == "possible-repeats"
                     else re.findall(r'href="/cases/(\w+)" class="id"', table))
            assert 0 < len(found) <= 2
            seen += found
            following = re.search(rf'<a href="([^"]+)#[\w-]+" rel="next">Next 2 {next_label}</a>',
                                  page)
            url = following[1].replace("&amp;", "&") if following else ""
        return seen, captions

    repeats, captions = walk("/queue?status=all", "possible-repeats", "possible repeats")
    assert repeats == [str(i) for i in every_repeat]
    assert captions[0].endswith("strongest first; 2 a page") and "continued" in captions[-1]
    listed, captions = walk("/queue?status=all", "queue", "cases")
    assert listed == every_case and captions[-1].startswith("3 cases")
    lost = service.get("/queue?status=all&repeats_after=999999&cases_after=nothing"
                       ).get_data(as_text=True)
    assert "That place in the possible repeats does not exist" in lost
    assert "That case is no longer in this list" in lost


def test_a_reports_strong_pairs_are_flagged_in_the_same_number_of_statements_however_many(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    # On one task with 20,000 entries an upload has hundreds of strong pairs: a query or a flush
    # per pair was a quarter of the worker's time per upload.
    from sqlalchemy import event

    from originality.store import flags

    statements: list[str] = []
    event.listen(service.archive.db.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: statements.append(sql))
    counted: list[tuple[int, int]] = []
    write = flags.write

    def counting(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        statements.clear()
        events = write(*args, **kwargs)
        counted.append((len(events), len(statements)))
        return events

    monkeypatch.setattr(flags, "write", counting)
    for student in ("ann", "ben"):
        service.add("identical", student, "p1")
    few = counted[-1]
    for student in ("cat", "dan", "eve", "fay", "gus", "hal"):
        service.add("identical", student, "p2")
    many = counted[-1]
    assert (few[0], many[0]) == (2, 10)  # each strong pair flagged on both sides
    assert many[1] == few[1]
    # Every pair flagged once a side (p1's one pair, p2's fifteen), each with its event.
    assert len(service.triage()["items"]) == len(service.events()) == 2 * (1 + 15)
