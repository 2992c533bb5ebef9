"""Students' rights over their data (docs/privacy.md), through the API, the pages and the CLI,
on a real SQLite database: erasure with and without a case in force, export of every table,
the retention run, and the access log of reads about a student."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from originality.privacy import retention
from originality.privacy.export import LEFT_OUT, NOT_PERSONAL, export_student, personal_tables
from originality.privacy.policy import RetentionPolicy
from originality.store.models import (
    AccessLog,
    ArchiveEntry,
    AuditLog,
    Base,
    CaseRow,
    DecisionRow,
    DocumentRow,
    EvaluationRow,
    EventRow,
    LshBucket,
    MatchLink,
    ReportRow,
    Submission,
    TriageItem,
    UnitRow,
    utcnow,
)
from fixtures.make_fixtures import zip_bytes
from tests.support import ServiceApp, running, scenario_files

# A line only alice's work has: after her erasure it must be on no page and in no answer.
MARKER = "ALICE_PRIVATE_MARKER_7731"
PRIVATE_FILE = "secret_helpers.py"


def stored(archive: Any, path: Path) -> Path:
    """``path`` put in the content store too, as the API does with an upload."""
    with open(path, "rb") as handle:
        archive.store.put_stream(handle, 10**8)
    return path


class Service(ServiceApp):
    def process(self, path: Path, student: str, project: str = "p1", **kwargs: Any) -> str:
        return super().process(stored(self.archive, path), student, project, **kwargs)

    def post(self, url: str, body: dict[str, Any] | None = None, role: str = "staff") -> Any:
        return self.client.post(url, json=body or {}, headers=self.headers(role))

    def page(self, url: str, role: str = "staff") -> Any:
        return self.client.get(url, headers=self.headers(role))


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from running(Service, tmp_path, monkeypatch)


def alice_files() -> dict[str, bytes]:
    files = scenario_files("original")
    files["main.py"] = files["main.py"] + f"\n\ndef helper():\n    return '{MARKER}'\n".encode()
    files[PRIVATE_FILE] = files["utils.py"]
    return files


def count(service: Service, model: Any, **where: Any) -> int:
    with service.archive.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0)


def everything_visible(service: Service, submission_id: str) -> str:
    """Every answer and page about a submission that another student's work is shown on."""
    parts = [service.get(f"/api/v1/submissions/{submission_id}/report").get_data(as_text=True),
             service.page(f"/reports/{submission_id}").get_data(as_text=True)]
    report = service.get(f"/api/v1/submissions/{submission_id}/report").get_json()
    for match in report["matches"] + report["later_matches"]:
        parts.append(service.page(f"/reports/{submission_id}/matches/{match['submission_id']}")
                     .get_data(as_text=True))
    parts.append(service.page(f"/reports/{submission_id}/print").get_data(as_text=True))
    return "\n".join(parts)


def test_erasure_without_a_case_removes_everything_and_other_reports_show_it_erased(
        service: Service) -> None:
    alice = service.add_files(alice_files(), "alice")
    mallory = service.add("identical", "mallory")
    before = everything_visible(service, mallory)
    assert MARKER in before and PRIVATE_FILE in before and "alice" in before  # the test can fail
    with service.archive.db.sessions() as session:
        sha = session.get(Submission, alice).sha256
    assert service.archive.store.exists(sha)

    # Two events naming her submission and not her: one as this release writes it (found by
    # its column), one as a release before migration 0027 did (found by its JSON).
    with service.archive.db.session() as session:
        for event_id, column in (("named", alice), ("older", None)):
            body = {"id": event_id, "data": {"submission_id": alice}}
            session.add(EventRow(id=event_id, type="submission.checked", created_at=utcnow(),
                                 data=json.dumps(body), submission_id=column))
    answer = service.post("/api/v1/students/alice/erasure")
    assert answer.status_code == 200, answer.get_json()
    erased = answer.get_json()
    assert erased["kept"]["submissions"] == [] and erased["kept"]["cases"] == []
    with service.archive.db.sessions() as session:
        assert session.get(EventRow, "named") is None and session.get(EventRow, "older") is None
        assert session.scalar(select(func.count()).select_from(EventRow)
                              .filter_by(submission_id=mallory)) >= 1  # hers stay
    removed = erased["removed"]
    assert removed["submissions"] == 1 and removed["reports"] == 1 and removed["texts"] > 0
    assert removed["fingerprints"] > 0 and removed["index_entries"] == 1
    assert removed["mentions_in_reports"] == 1  # mallory's report
    assert removed["uploads"] == 1 and not service.archive.store.exists(sha)

    # Nothing of alice is left in her rows; the row stays, marked, for the others' reports.
    with service.archive.db.sessions() as session:
        row = session.get(Submission, alice)
        assert row.erased_at is not None and row.student_id == f"erased:{alice}"
        assert row.name is None and row.sha256 == ""
        assert session.scalar(select(func.count()).select_from(Submission)
                              .filter_by(student_id="alice")) == 0
    for model in (DocumentRow, UnitRow, ArchiveEntry, LshBucket, ReportRow, TriageItem, EvaluationRow):
        assert count(service, model, submission_id=alice) == 0, model
    assert count(service, MatchLink, submission_id=alice) == 0
    with service.archive.db.sessions() as session:  # mallory's link kept alice's fragments and lines
        assert [(link.fragments, link.evidence_z) for link in session.scalars(
            select(MatchLink).filter_by(submission_id=mallory, other_id=alice))] == [(0, None)]
    assert export_student(service.archive.db, "alice")["tables"]["submissions"] == []

    after = everything_visible(service, mallory)
    assert MARKER not in after and PRIVATE_FILE not in after and "alice" not in after
    report = service.get(f"/api/v1/submissions/{mallory}/report").get_json()
    [gone] = [m for m in report["matches"] if m["submission_id"] == alice]
    assert gone["erased"] is True and gone["student_id"] == "erased" and gone["fragments"] == []
    assert alice not in report["template_lines"]
    assert "Erased submission" in service.page(f"/reports/{mallory}").get_data(as_text=True)
    assert service.get(f"/api/v1/submissions/{alice}/report").status_code == 404
    assert service.page(f"/reports/{alice}").status_code == 404
    # A later check no longer finds her work: it left the index.
    later = service.add_files(alice_files(), "eve")
    ids = {m["submission_id"] for m in service.get(f"/api/v1/submissions/{later}/report")
           .get_json()["matches"]}
    assert alice not in ids and mallory in ids

    # Idempotent: a second erasure removes nothing and is audited too.
    again = service.post("/api/v1/students/alice/erasure").get_json()
    assert again["removed"] == {} and again["kept"]["submissions"] == []
    with service.archive.db.sessions() as session:
        audits = list(session.scalars(select(AuditLog).filter_by(action="student.erased",
                                                                 subject="student:alice")))
    assert len(audits) == 2 and json.loads(audits[0].detail)["removed"] == removed


# The pages a member of staff walks from: their links are followed (below), the cohort's aside.
STAFF_PAGES = ("/submissions", "/queue")
LINK = re.compile(r'href="(/(?:submissions|queue|reports/|triage/|cases/|students/)[^"#]*)"')


def crawl(service: Service, *starts: str) -> dict[str, str]:
    """Every page staff reach from ``starts`` by the links the pages show: its body, or its
    status when it is not 200 (a dead link)."""
    seen: dict[str, str] = {}
    todo = list(starts)
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        response = service.page(url)
        body = response.get_data(as_text=True)
        seen[url] = body if response.status_code == 200 else str(response.status_code)
        todo += [html.unescape(link) for link in LINK.findall(body)]
    return seen


def test_after_an_erasure_no_page_lists_or_links_the_erased_work(service: Service) -> None:
    """erin handed in a copy of frank's work and both were flagged. Once she is erased, the
    pages staff walk show nothing of her work and no link to it: her submission is not listed,
    and frank's item against her copy (he shared his work) is cleared, saying why."""
    frank = service.add("original", "frank")
    erin = service.add("identical", "erin")
    [item] = [i for i in service.get("/api/v1/triage").get_json()["items"] if i["submission_id"] == frank]
    assert item["kind"] == "shared" and item["other_submission_id"] == erin
    assert f"/reports/{frank}/matches/{erin}" in crawl(service, *STAFF_PAGES)  # the test can fail

    erased = service.post("/api/v1/students/erin/erasure").get_json()
    assert erased["removed"]["triage_items_cleared"] == 1

    seen = crawl(service, *STAFF_PAGES, f"/reports/{frank}")
    assert {url: body for url, body in seen.items() if len(body) == 3} == {}  # no dead link
    shown = "\n".join(seen.values())
    assert erin not in shown and f"erased:{erin}" not in shown
    assert "Erased submission" in seen[f"/reports/{frank}"]  # her later match, by its score alone
    assert "To review (0)" in seen["/submissions"] and "1 submission," in seen["/submissions"]
    # Frank's item is kept, cleared: by whoever erased the work it named, and why.
    cleared = service.get(f"/api/v1/triage/{item['id']}").get_json()
    assert cleared["status"] == "dismissed" and cleared["dismissal"]["by"] == "dean"
    assert "erased" in cleared["dismissal"]["reason"]
    assert service.get("/api/v1/triage").get_json()["counts"]["to_review"] == 0
    # Frank's report still lists the later match, as an erased submission with its score, as a
    # report lists a match with erased earlier work.
    [later] = service.get(f"/api/v1/submissions/{frank}/report").get_json()["later_matches"]
    assert (later["erased"], later["student_id"], later["name"], later["fragments"]) == (True, "erased", None, [])
    assert later["similarity"] == 1.0
    # Erasing again clears nothing more.
    assert service.post("/api/v1/students/erin/erasure").get_json()["removed"] == {}


def test_an_upload_two_students_share_goes_with_the_last_of_them(service: Service) -> None:
    first = service.add("original", "alice")
    service.add("original", "twin")  # the same ZIP: one file in the store
    with service.archive.db.sessions() as session:
        sha = session.get(Submission, first).sha256
    assert "uploads" not in service.post("/api/v1/students/alice/erasure").get_json()["removed"]
    assert service.archive.store.exists(sha)
    assert service.post("/api/v1/students/twin/erasure").get_json()["removed"]["uploads"] == 1
    assert not service.archive.store.exists(sha)


def test_erasure_keeps_a_sanction_in_force_and_its_evidence_and_says_so(service: Service) -> None:
    alice = service.add_files(alice_files(), "alice")
    copy = service.add("identical", "mallory")
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                          "note": "same code"}).get_json()
    decided = service.post(f"/api/v1/cases/{case['id']}/decision",
                           {"decision": "confirmed", "note": "copied"})
    assert decided.status_code == 201
    other = service.add("independent_a", "mallory", "p2")  # no case: erasable

    # The sanctioned student: the case and its submission are kept, named; the rest goes.
    answer = service.post("/api/v1/students/mallory/erasure").get_json()
    assert [k["id"] for k in answer["kept"]["cases"]] == [case["id"]]
    assert "proof kept until" in answer["kept"]["cases"][0]["why"]
    [kept] = answer["kept"]["submissions"]
    assert kept["id"] == copy and kept["pseudonymized"] is False and kept["cases"] == [case["id"]]
    assert answer["removed"]["submissions"] == 1  # the other project's
    with service.archive.db.sessions() as session:
        assert session.get(Submission, copy).student_id == "mallory"
        assert session.get(Submission, other).erased_at is not None
        assert session.scalar(select(func.count()).select_from(DocumentRow)
                              .where(DocumentRow.submission_id == copy,
                                     DocumentRow.text_z.is_not(None))) > 0
    assert count(service, UnitRow, submission_id=copy) == 0  # no longer compared
    assert count(service, ArchiveEntry, submission_id=copy) == 0
    assert count(service, ReportRow, submission_id=copy) == 1
    assert count(service, CaseRow, id=case["id"]) == 1
    assert count(service, DecisionRow, case_id=case["id"]) == 1
    record = service.get("/api/v1/students/mallory/record").get_json()
    assert [c["id"] for c in record["cases"]] == [case["id"]]
    assert record["warnings"] == 1

    # The student whose work was copied: her submission is the case's evidence, kept under a
    # pseudonym; the case and the report no longer name her.
    answer = service.post("/api/v1/students/alice/erasure").get_json()
    [kept] = answer["kept"]["submissions"]
    assert kept["id"] == alice and kept["pseudonymized"] is True and answer["kept"]["cases"] == []
    with service.archive.db.sessions() as session:
        assert session.get(Submission, alice).student_id == f"erased:{alice}"
        assert session.get(Submission, alice).erased_at is None  # kept, texts and all
    evidence = service.get(f"/api/v1/cases/{case['id']}").get_json()["evidence"]
    assert [m["student_id"] for m in evidence] == ["erased"] and evidence[0]["fragments"]
    assert "alice" not in json.dumps(evidence)
    assert export_student(service.archive.db, "alice")["tables"]["submissions"] == []

    # Once the proof period is over, the same request erases the rest.
    with service.archive.db.session() as session:
        session.execute(update(DecisionRow).values(decided_at=utcnow() - timedelta(days=6 * 365)))
    answer = service.post("/api/v1/students/mallory/erasure").get_json()
    assert answer["kept"] == {"submissions": [], "cases": [], "evaluations": [],
                              "access_log": answer["kept"]["access_log"]}
    assert answer["removed"]["cases"] == 1 and answer["removed"]["submissions"] == 1
    assert count(service, CaseRow, id=case["id"]) == 0


def test_an_evaluation_a_repeat_rests_on_is_kept_through_retention_and_erasure(
        service: Service) -> None:
    """mallory's p1 deliverable was evaluated (a conditional pass); her fix copies alice: a
    repeat through the evaluation, confirmed, a discontinuation. The evaluation is what makes
    it a repeat: neither the retention run nor her erasure may take it away."""
    service.add("original", "alice")
    first = service.add_files({"main.py": b"def f(x):\n    return x * 2\n"}, "mallory")
    evaluated = service.post(f"/api/v1/submissions/{first}/evaluation",
                             {"outcome": "conditional_pass", "note": "fix the tests"}).get_json()
    fix = service.add("identical", "mallory", attempt=2)
    case = service.post("/api/v1/cases", {"submission_id": fix, "stage": "submission",
                                          "note": "the fix is alice's"}).get_json()
    assert case["repeat"] is True
    decided = service.post(f"/api/v1/cases/{case['id']}/decision",
                           {"decision": "confirmed", "note": "repeat"}).get_json()
    assert decided["case"]["sanction"] == "discontinuation"

    def still_a_repeat() -> None:
        assert count(service, EvaluationRow, id=evaluated["id"]) == 1
        record = service.get("/api/v1/students/mallory/record").get_json()
        [kept] = record["cases"]
        assert kept["repeat"] is True and kept["proposed_sanction"] == "discontinuation"
        assert record["to_revisit"] == [] and record["banned"] is True

    # Past its period, the evaluated submission goes; its evaluation stays with the case.
    with service.archive.db.session() as session:
        session.execute(update(Submission).where(Submission.id == first)
                        .values(created_at=utcnow() - timedelta(days=6 * 365)))
    retention.apply(service.archive, RetentionPolicy())
    with service.archive.db.sessions() as session:
        assert session.get(Submission, first).erased_at is not None
    still_a_repeat()

    answer = service.post("/api/v1/students/mallory/erasure").get_json()
    assert [(k["id"], k["submission_id"], k["cases"]) for k in answer["kept"]["evaluations"]] == [
        (evaluated["id"], first, [case["id"]])]
    still_a_repeat()


def test_only_staff_may_export_or_erase(service: Service) -> None:
    service.add("original", "alice")
    for role in ("platform", "assessor"):
        assert service.get("/api/v1/students/alice/export", role).status_code == 403
        assert service.post("/api/v1/students/alice/erasure", role=role).status_code == 403
    assert service.get("/api/v1/students/alice/export", None).status_code == 401


def test_the_export_holds_every_table_with_rows_about_the_student(service: Service) -> None:
    alice = service.add_files(alice_files(), "alice")
    copy = service.add("identical", "mallory")
    service.post(f"/api/v1/submissions/{alice}/evaluation", {"outcome": "pass"})
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation"}).get_json()
    service.post(f"/api/v1/cases/{case['id']}/decision", {"decision": "confirmed", "note": "x"})
    service.get(f"/api/v1/submissions/{copy}/report")
    service.get("/api/v1/students/mallory/record")
    assert service.page(f"/cases/{case['id']}").status_code == 200
    assert service.page("/students/mallory").status_code == 200

    exported = service.get("/api/v1/students/mallory/export")
    assert exported.status_code == 200
    tables = exported.get_json()["tables"]
    # Every table but those about no student (and the ZIPs themselves) is in the export...
    assert sorted(tables) == personal_tables()
    assert set(personal_tables()) | set(NOT_PERSONAL) | set(LEFT_OUT) == set(Base.metadata.tables)
    # ... and every table that names a student or a submission is among them.
    for name, table in Base.metadata.tables.items():
        if {"student_id", "submission_id", "other_id", "case_id"} & set(table.columns.keys()):
            assert name in tables, name
    # (lsh_buckets too, on the database's own index: the PostgreSQL module checks it.)
    for name in ("submissions", "archive_entries", "documents", "units", "reports",
                 "match_links", "triage_items", "cases", "active_cases", "case_decisions",
                 "events", "audit_log", "access_log"):
        assert tables[name], f"no {name} rows about mallory"
    assert [s["id"] for s in tables["submissions"]] == [copy]
    assert tables["documents"][0]["text"] and "text_z" not in tables["documents"][0]
    # A link's kept fragments read as JSON, as the report's do.
    [link] = [m for m in tables["match_links"] if m["submission_id"] == copy and m["fragments"]]
    assert link["evidence"]["fragments"] and "evidence_z" not in link
    assert {a["action"] for a in tables["audit_log"]} >= {"case.opened", "case.decided"}
    assert {a["action"] for a in tables["access_log"]} >= {"report", "record", "case_page",
                                                           "record_page"}
    alice_export = export_student(service.archive.db, "alice")["tables"]
    assert alice_export["evaluations"] and alice_export["match_links"]
    assert [e["action"] for e in alice_export["audit_log"]] == ["submission.evaluated"]
    # Nothing about another student: mallory's rows name mallory or her submission.
    for row in tables["submissions"] + tables["cases"]:
        assert row["student_id"] == "mallory"
    # The export is itself a read, logged.
    with service.archive.db.sessions() as session:
        logged = list(session.scalars(select(AccessLog).filter_by(action="export")))
    assert [(r.student_id, r.name) for r in logged] == [("mallory", "dean")]


def test_the_export_as_one_zip_holds_the_document_and_the_uploads_as_handed_in(
        service: Service) -> None:
    first = service.add_files(alice_files(), "alice")
    second = service.add("identical", "alice", attempt=2)
    answer = service.get("/api/v1/students/alice/export?format=zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "attachment; filename=export-alice.zip" == answer.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.get_data())) as bundle:
        assert sorted(bundle.namelist()) == sorted(
            ["export.json", f"uploads/{first}.zip", f"uploads/{second}.zip"])
        document = json.loads(bundle.read("export.json"))
        assert document["uploads"] == {first: f"uploads/{first}.zip", second: f"uploads/{second}.zip"}
        for row in document["tables"]["submissions"]:
            upload = bundle.read(f"uploads/{row['id']}.zip")
            assert hashlib.sha256(upload).hexdigest() == row["sha256"]
            assert zipfile.ZipFile(io.BytesIO(upload)).namelist()  # a ZIP, whole
    # An upload the retention removed is named as gone, the rest of the export unchanged.
    with service.archive.db.sessions() as session:
        removed = session.get(Submission, first).sha256
    service.archive.store.delete(removed)
    again = service.get("/api/v1/students/alice/export?format=zip")
    with zipfile.ZipFile(io.BytesIO(again.get_data())) as bundle:
        assert json.loads(bundle.read("export.json"))["uploads"][first] is None
        assert f"uploads/{first}.zip" not in bundle.namelist()
    wrong = service.get("/api/v1/students/alice/export?format=xml")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "usage_error"
    with service.archive.db.sessions() as session:
        logged = list(session.scalars(select(AccessLog).filter_by(action="export")))
    assert [r.student_id for r in logged] == ["alice", "alice"]


def test_every_list_that_names_students_is_a_logged_read(service: Service) -> None:
    service.add_files(alice_files(), "alice")
    service.add("identical", "mallory")
    reads = {"/api/v1/cases": "case_list", "/api/v1/triage": "triage_list",
             "/api/v1/events?status=all": "event_list", "/queue": "queue_page",
             "/submissions?project=p1": "submissions_page", "/webhooks": "webhooks_page",
             "/projects/p1": "cohort_page"}
    for url in reads:
        assert service.get(url).status_code == 200, url
    item = service.get("/api/v1/triage").get_json()["items"][0]
    assert service.get(f"/api/v1/triage/{item['id']}").status_code == 200
    assert service.get(f"/triage/{item['id']}/dismiss").status_code == 200
    with service.archive.db.sessions() as session:
        logged = [(r.action, r.name, r.project_id, r.outcome) for r in session.scalars(
            select(AccessLog).where(AccessLog.action.not_in(("report",))).order_by(AccessLog.id))]
    expected = [(action, "dean", "p1" if "p1" in url else None, 200) for url, action in reads.items()]
    assert logged == expected + [("triage_list", "dean", None, 200),
                                 ("triage_item", "dean", None, 200),
                                 ("dismiss_page", "dean", None, 200)]
    # A refused read reads nothing: not logged as an answer.
    assert service.get("/api/v1/cases", "assessor").status_code == 403
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AccessLog).filter_by(
            action="case_list")) == 1


def test_the_cli_exports_erases_and_applies_the_retention(
        service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from originality.cli import main

    alice = service.add_files(alice_files(), "alice")
    service.add("identical", "mallory")
    monkeypatch.setenv("ORIGINALITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORIGINALITY_INDEX", "sql")
    runner = CliRunner()
    out = tmp_path / "alice.json"
    result = runner.invoke(main, ["student", "export", "alice", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["tables"]["submissions"][0]["id"] == alice
    bundle = tmp_path / "alice.zip"
    result = runner.invoke(main, ["student", "export", "alice", "--zip", "--out", str(bundle)])
    assert result.exit_code == 0 and "and 1 uploads written" in result.output, result.output
    assert f"uploads/{alice}.zip" in zipfile.ZipFile(bundle).namelist()
    result = runner.invoke(main, ["student", "export", "alice", "--zip"])
    assert result.exit_code == 2 and "--out FILE" in result.output
    result = runner.invoke(main, ["student", "erase", "alice", "--by", "dpo"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["removed"]["submissions"] == 1
    result = runner.invoke(main, ["student", "erase", "alice"])
    assert json.loads(result.output)["removed"] == {}
    result = runner.invoke(main, ["student", "erase", " "])
    assert result.exit_code == 2 and "student id" in result.output

    with service.archive.db.session() as session:
        session.execute(update(Submission).values(created_at=utcnow() - timedelta(days=400)))
    result = runner.invoke(main, ["retention", "apply", "--dry-run"])
    assert result.exit_code == 0 and "would remove: uploads 1" in result.output
    result = runner.invoke(main, ["retention", "apply"])
    assert result.exit_code == 0 and "removed: uploads 1" in result.output, result.output
    result = runner.invoke(main, ["retention", "apply"])
    assert "removed: nothing" in result.output
    monkeypatch.setenv("ORIGINALITY_RETAIN_TEXTS_DAYS", "-1")
    result = runner.invoke(main, ["retention", "apply"])
    assert result.exit_code == 1 and "usage_error: invalid settings: " in result.output
    assert "retain_texts_days" in result.output


def test_retention_removes_what_is_past_its_period_and_only_it(service: Service, tmp_path: Path) -> None:
    run_retention_scenario(service.archive, tmp_path / "uploads")


def run_retention_scenario(archive: Any, root: Path) -> None:
    """Shared with the PostgreSQL module: three generations of work, a case in force, logs;
    the uploads written under ``root`` first, then kept in the archive's blob store."""
    from tests.support import enter_checked, write_upload

    root.mkdir(parents=True, exist_ok=True)
    old = enter_checked(archive, stored(archive, write_upload(root, scenario_files("original"))), student="old",
                        project="p1")
    old_copy = enter_checked(archive, stored(archive, write_upload(root, scenario_files("identical"))),
                             student="old_copier", project="p1")
    from originality.cases import Actor, CaseBook

    # The case is opened before the later work comes in: its evidence cites old's alone.
    book = CaseBook(archive)
    case = book.open(Actor("dean", "staff"), old_copy, "creation", "copied old's work")
    book.decide(Actor("dean", "staff"), case["id"], "confirmed", "yes")
    middle = enter_checked(archive, stored(archive, write_upload(root, scenario_files("renamed"))),
                           student="middle", project="p1")
    young = enter_checked(archive, stored(archive, write_upload(root, scenario_files("reordered"))),
                          student="young", project="p1")
    now = utcnow()
    ages = {old: 7 * 365, old_copy: 7 * 365, middle: 3 * 365, young: 10}
    with archive.db.session() as session:
        for sid, days in ages.items():
            session.execute(update(Submission).where(Submission.id == sid)
                            .values(created_at=now - timedelta(days=days)))
        session.execute(update(DecisionRow).values(decided_at=now - timedelta(days=2 * 365)))
        session.add(AccessLog(at=now - timedelta(days=400), submission_id=young, action="report",
                              outcome=200))
        session.add(AccessLog(at=now - timedelta(days=10), submission_id=young, action="report",
                              outcome=200))
        session.add(AuditLog(at=now - timedelta(days=6 * 365), actor="x", role="staff",
                             action="submission.evaluated", subject="submission:gone"))
    with archive.db.sessions() as session:
        shas = {sid: session.get(Submission, sid).sha256 for sid in ages}
    policy = RetentionPolicy(uploads=365, texts=5 * 365, fingerprints=5 * 365,
                             submissions=6 * 365, cases=5 * 365, access_log=365, audit_log=5 * 365)

    dry = retention.apply(archive, policy, now=now, dry_run=True)
    assert dry["dry_run"] is True
    assert count_rows(archive, Submission, erased_at=None) == 4  # nothing changed
    assert all(archive.store.exists(s) for s in shas.values())

    done = retention.apply(archive, policy, now=now)
    assert done["removed"] == dry["removed"]
    removed = done["removed"]
    # old: 7 years, nothing holds it but the case in force (its evidence): kept whole but
    # its fingerprints; old_copy: the case's own submission, the same.
    assert removed.get("submissions", 0) == 0
    assert removed["index_entries"] == 2
    # middle: 3 years: its upload went (older than a year), texts and fingerprints stay.
    assert removed["uploads"] == 1
    assert not archive.store.exists(shas[middle])
    assert archive.store.exists(shas[old]) and archive.store.exists(shas[young])
    assert removed["access_log"] == 1 and removed["audit_log"] == 1
    with archive.db.sessions() as session:
        def texts(sid: str) -> int:
            return int(session.scalar(select(func.count()).select_from(DocumentRow).where(
                DocumentRow.submission_id == sid, DocumentRow.text_z.is_not(None))) or 0)

        assert texts(old) and texts(old_copy) and texts(middle) and texts(young)
        entries = set(session.scalars(select(ArchiveEntry.submission_id)))
        assert entries == {middle, young}
        audit = session.scalar(select(AuditLog).filter_by(action="retention.applied"))
        assert json.loads(audit.detail)["removed"] == removed

    # Five years after the decision the case no longer holds anything: what is past its
    # period goes, the young submission stays.
    later = now + timedelta(days=4 * 365)
    removed = retention.apply(archive, policy, now=later)["removed"]
    assert removed["cases"] == 1 and removed["submissions"] == 3  # old, old_copy, middle
    with archive.db.sessions() as session:
        assert session.get(Submission, young).erased_at is None
        # Young's flags against the work that went are cleared, by the run, and counted once.
        items = list(session.scalars(select(TriageItem)))
        assert {(i.submission_id, i.dismissed_by, i.dismissed_by_role) for i in items} == {
            (young, "retention", "platform")}
        assert removed["triage_items_cleared"] == len(items) == 3
        assert session.get(Submission, middle).erased_at is not None
        assert session.scalar(select(func.count()).select_from(ReportRow)) == 1
    assert retention.apply(archive, policy, now=later)["removed"] == {}


def count_rows(archive: Any, model: Any, **where: Any) -> int:
    with archive.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0)


def test_other_students_ids_are_for_staff_and_the_others_read_a_stable_pseudonym(
        service: Service) -> None:
    from originality.privacy.exposure import pseudonym

    alice = service.add_files(alice_files(), "alice", assessor="bob")
    copy = service.add("identical", "mallory", assessor="ada")
    again = service.add("renamed", "mallory", "p1", attempt=2, assessor="ada")
    secret = str(service.app.secret_key)
    staff = service.get(f"/api/v1/submissions/{copy}/report").get_json()
    assert [m["student_id"] for m in staff["matches"]] == ["alice"]
    urls = [f"/api/v1/submissions/{copy}/report", f"/reports/{copy}",
            f"/reports/{copy}/matches/{alice}", f"/reports/{copy}/print"]
    for role in ("assessor", "platform"):
        for url in urls:
            if role == "platform" and url.startswith("/reports"):
                continue  # the pages are for people
            response = service.get(url, role)
            assert response.status_code == 200, (role, url)
            text = response.get_data(as_text=True)
            assert "alice" not in text, (role, url)
            assert pseudonym(secret, "alice") in text, (role, url)
    # One student, one pseudonym, in every report that names her.
    second = service.get(f"/api/v1/submissions/{again}/report", "assessor").get_json()
    assert pseudonym(secret, "alice") in [m["student_id"] for m in second["matches"]]
    # The student's own attempts name the student themself.
    assert [m["student_id"] for m in second["own_attempts"]] == ["mallory"]


def test_an_assessor_reads_her_own_students_by_id_in_every_report_and_list(
        service: Service) -> None:
    from originality.privacy.exposure import pseudonym

    # ada's own students have a submission assigned to her, in any project: alice (only in p2),
    # mallory and zoe; carol and yann are bob's alone.
    alice = service.add("original", "alice", assessor="bob")
    service.add("original", "alice", "p2")
    service.add("renamed", "carol", assessor="bob")
    mallory = service.add("identical", "mallory")
    service.add("identical", "zoe")
    service.add("renamed", "yann", assessor="bob")
    secret = str(service.app.secret_key)

    def as_ada_reads(student: str) -> str:
        return student if student in ("alice", "mallory", "zoe") else pseudonym(secret, student)

    staff = service.get(f"/api/v1/submissions/{mallory}/report").get_json()
    assert {m["student_id"] for m in staff["matches"]} == {"alice", "carol"}
    assert {m["student_id"] for m in staff["later_matches"]} == {"zoe", "yann"}
    hers = service.get(f"/api/v1/submissions/{mallory}/report", "assessor").get_json()
    for key in ("matches", "later_matches"):
        assert [m["student_id"] for m in hers[key]] == \
            [as_ada_reads(m["student_id"]) for m in staff[key]], key
    # The platform knows nobody's work by an assessor: alice stays a pseudonym there.
    platform = service.get(f"/api/v1/submissions/{mallory}/report", "platform").get_json()
    assert pseudonym(secret, "alice") in [m["student_id"] for m in platform["matches"]]
    for url in (f"/reports/{mallory}", f"/reports/{mallory}/print",
                f"/reports/{mallory}/matches/{alice}"):
        text = service.page(url, "assessor").get_data(as_text=True)
        assert "alice" in text and pseudonym(secret, "alice") not in text, url
        if not url.endswith(alice):
            assert "carol" not in text and pseudonym(secret, "carol") in text, url
    # The to-review lists (API and the submissions page) and items follow the same rule.
    everyone = service.get("/api/v1/triage").get_json()["items"]
    expected = sorted((i["id"], as_ada_reads(i["other_student_id"])) for i in everyone
                      if i["assessor_id"] == "ada")
    assert {other for _, other in expected} >= {"alice", "zoe", pseudonym(secret, "carol")}
    listed = service.get("/api/v1/triage", "assessor").get_json()["items"]
    assert sorted((i["id"], i["other_student_id"]) for i in listed) == expected
    for item_id, other in expected:
        assert service.get(f"/api/v1/triage/{item_id}", "assessor").get_json()[
            "other_student_id"] == other
    page = service.page("/submissions", "assessor").get_data(as_text=True)
    assert pseudonym(secret, "alice") not in page and pseudonym(secret, "zoe") not in page
    assert pseudonym(secret, "carol") in page


def test_a_case_an_assessor_opens_names_other_students_as_her_report_does(
        service: Service) -> None:
    from originality.privacy.exposure import pseudonym

    service.add("original", "alice", assessor="bob")
    mallory = service.add("identical", "mallory")
    service.add("identical", "zoe")
    service.add("renamed", "yann", assessor="bob")
    opened = service.post("/api/v1/cases", {"submission_id": mallory, "stage": "submission"},
                          "assessor")
    assert opened.status_code == 201
    case = opened.get_json()
    # The frozen evidence holds earlier and later work (yann's and zoe's came after): staff
    # read it by ids, ada her own student zoe by id and the others as in her report.
    evidence = service.get(f"/api/v1/cases/{case['id']}").get_json()["evidence"]
    assert sorted((m["student_id"], m.get("later", False)) for m in evidence) == [
        ("alice", False), ("yann", True), ("zoe", True)]
    secret = str(service.app.secret_key)
    assert [(m["submission_id"], m["student_id"]) for m in case["evidence"]] == [
        (m["submission_id"], m["student_id"] if m["student_id"] == "zoe"
         else pseudonym(secret, m["student_id"])) for m in evidence]
    assert case["student_id"] == "mallory"
    text = opened.get_data(as_text=True)
    assert "alice" not in text and "yann" not in text


def test_a_deployment_may_show_other_students_to_assessors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORIGINALITY_OTHER_STUDENTS_SHOWN_TO", "assessor")
    for built in running(Service, tmp_path, monkeypatch):
        built.add("original", "alice")
        copy = built.add("identical", "mallory")
        report = built.get(f"/api/v1/submissions/{copy}/report", "assessor").get_json()
        assert [m["student_id"] for m in report["matches"]] == ["alice"]
        report = built.get(f"/api/v1/submissions/{copy}/report", "platform").get_json()
        assert [m["student_id"] for m in report["matches"]] != ["alice"]
    monkeypatch.setenv("ORIGINALITY_OTHER_STUDENTS_SHOWN_TO", "everyone")
    from originality.errors import UsageError
    from originality.store.settings import Settings

    with pytest.raises(UsageError, match="other_students_shown_to"):
        Settings.from_env()


def test_a_past_cohort_kept_under_a_keyed_pseudonym_still_matches_and_is_found_with_the_key(
        service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from originality.cli import main
    from originality.privacy.exposure import pseudonym

    secret = "a-secret-of-the-school-0123456789"
    old = service.add_files(alice_files(), "alice")
    old_again = service.add("renamed", "alice", attempt=2)
    with service.archive.db.session() as session:
        session.execute(update(Submission).values(created_at=utcnow() - timedelta(days=800)))
    monkeypatch.setenv("ORIGINALITY_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    refused = runner.invoke(main, ["archive", "pseudonymize", "--before", "2100-01-01"])
    assert refused.exit_code == 2 and "ORIGINALITY_PSEUDONYM_SECRET" in refused.output
    monkeypatch.setenv("ORIGINALITY_PSEUDONYM_SECRET", secret)
    cutoff = (utcnow() - timedelta(days=365)).date().isoformat()
    done = runner.invoke(main, ["archive", "pseudonymize", "--before", cutoff])
    assert done.exit_code == 0 and done.output.startswith("2 submissions pseudonymized"), done.output
    assert runner.invoke(main, ["archive", "pseudonymize", "--before", cutoff]).output.startswith("0 ")
    alias = runner.invoke(main, ["student", "pseudonym", "alice"]).output.strip()
    assert alias == pseudonym(secret, "alice")

    with service.archive.db.sessions() as session:
        assert {session.get(Submission, s).student_id for s in (old, old_again)} == {alias}
        assert session.scalar(select(func.count()).select_from(Submission)
                              .filter_by(student_id="alice")) == 0
        assert set(session.scalars(select(ArchiveEntry.student_id))) == {alias}
    # The old attempts are still one student's: the second report lists the first apart.
    report = service.archive.report_of(old_again)
    assert [m["student_id"] for m in report["own_attempts"]] == [alias]
    # A new copy still matches the old work and a case can be opened on it; staff read the alias.
    copy = service.add("identical", "mallory")
    report = service.get(f"/api/v1/submissions/{copy}/report").get_json()
    assert alias in [m["student_id"] for m in report["matches"]]
    assert "alice" not in json.dumps(report)
    assert service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation"}).status_code == 201
    # With the key, the student's rights reach the pseudonymized work.
    exported = runner.invoke(main, ["student", "export", "alice"])
    assert {s["id"] for s in json.loads(exported.output)["tables"]["submissions"]} == {old, old_again}


def test_a_student_repeating_the_year_is_not_flagged_against_her_own_pseudonymized_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from originality.cli import main
    from originality.privacy.exposure import pseudonym

    secret = "a-secret-of-the-school-0123456789"
    monkeypatch.setenv("ORIGINALITY_PSEUDONYM_SECRET", secret)
    monkeypatch.setenv("ORIGINALITY_DATA_DIR", str(tmp_path / "data"))
    for service in running(Service, tmp_path, monkeypatch):
        service.add("original", "alice")
        service.add("renamed", "alice", attempt=2)
        with service.archive.db.session() as session:
            session.execute(update(Submission).values(created_at=utcnow() - timedelta(days=800)))
        cutoff = (utcnow() - timedelta(days=365)).date().isoformat()
        done = CliRunner().invoke(main, ["archive", "pseudonymize", "--before", cutoff])
        assert done.output.startswith("2 submissions pseudonymized"), done.output
        # The next year she hands in her work again: her old attempts are hers, not matches.
        again = service.add("identical", "alice", attempt=3)
        report = service.get(f"/api/v1/submissions/{again}/report").get_json()
        assert report["matches"] == []
        assert [m["student_id"] for m in report["own_attempts"]] == [pseudonym(secret, "alice")] * 2
        assert count(service, TriageItem) == 0


def test_a_pseudonymized_submission_with_a_dismissed_case_is_still_read_evaluated_and_judged(
        service: Service) -> None:
    from datetime import datetime

    from originality.privacy.exposure import pseudonym
    from originality.privacy.pseudonymize import pseudonymize

    secret = "a-secret-of-the-school-0123456789"
    service.add("original", "alice")
    copy = service.add("identical", "mallory")
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "submission",
                                          "note": "same code"}).get_json()
    assert service.post(f"/api/v1/cases/{case['id']}/decision",
                        {"decision": "dismissed", "note": "pair work allowed"}).status_code == 201
    # A dismissed case holds nothing: its submission is pseudonymized, the case keeps the id.
    assert pseudonymize(service.archive, secret, datetime(2100, 1, 1), RetentionPolicy()) == 2
    alias = pseudonym(secret, "mallory")
    status = service.get(f"/api/v1/submissions/{copy}", "platform")
    assert status.status_code == 200, status.get_json()
    assert status.get_json()["student_id"] == alias and status.get_json()["evaluable"] is True
    for url in (f"/reports/{copy}", f"/reports/{copy}/print"):
        assert service.page(url).status_code == 200, url
    assert service.get(f"/api/v1/cases/{case['id']}").get_json()["student_id"] == "mallory"
    evaluated = service.post(f"/api/v1/submissions/{copy}/evaluation", {"outcome": "pass"})
    assert evaluated.status_code == 201, evaluated.get_json()
    # A new case on it goes under the pseudonym; the dismissed one stays the student's.
    again = service.post("/api/v1/cases", {"submission_id": copy, "stage": "submission",
                                           "note": "looked again"})
    assert again.status_code == 201, again.get_json()
    status = service.get(f"/api/v1/submissions/{copy}", "platform").get_json()
    assert status["case"]["id"] == again.get_json()["id"] and status["evaluable"] is False


def test_an_upload_the_database_cannot_record_is_refused_503_and_its_copy_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite locked by another writer past the busy timeout (1 s here): the platform is told to
    # send it again, and the stored copy of an upload nobody recorded is not left where no
    # retention or erasure would find it.
    import sqlite3

    from originality.store import db

    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 1)
    for service in running(Service, tmp_path, monkeypatch):
        data = zip_bytes(scenario_files("original"))
        sha = hashlib.sha256(data).hexdigest()
        locker = sqlite3.connect(tmp_path / "data" / "originality.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            refused = service.client.post("/api/v1/submissions", headers=service.headers("platform"), data={
                "file": (io.BytesIO(data), "deliverable.zip"), "student_id": "alice", "project_id": "p1"})
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert refused.status_code == 503 and refused.headers["Retry-After"]
        assert refused.get_json()["error"]["code"] == "database_unavailable"
        assert not service.archive.store.exists(sha)
        again = service.client.post("/api/v1/submissions", headers=service.headers("platform"), data={
            "file": (io.BytesIO(data), "deliverable.zip"), "student_id": "alice", "project_id": "p1"})
        assert again.status_code == 202 and service.archive.store.exists(sha)


def test_the_exports_format_is_in_the_openapi_spec(service: Service) -> None:
    spec = service.client.get("/api/v1/openapi.json").get_json()
    [format_] = [p for p in spec["paths"]["/api/v1/students/{student_id}/export"]["get"]["parameters"]
                 if p["name"] == "format"]
    assert format_["in"] == "query" and format_["schema"]["enum"] == ["json", "zip"]
