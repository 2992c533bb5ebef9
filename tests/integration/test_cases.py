"""Cases and sanctions through the HTTP API: the Flask app in this process on a real SQLite
database in a temporary directory. Submissions are checked by the archive directly (the worker
adds nothing to cases); webhooks are asserted in the outbox table and at ``notify``."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fixtures.make_fixtures import zip_bytes
from originality import ladder
from originality.cases import CaseBook
from originality.store.models import (
    AuditLog,
    CaseRow,
    DecisionRow,
    EvaluationRow,
    EventRow,
    JobStatus,
)
from tests.support import ServiceApp, fail_check, running, scenario_files


class Service(ServiceApp):
    """Cases are posted as JSON."""

    def post(self, url: str, body: dict[str, Any], role: str = "staff") -> Any:
        return self.client.post(url, json=body, headers=self.headers(role))


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from running(Service, tmp_path, monkeypatch)


@pytest.fixture
def pokes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The calls to ``worker.app.relay_soon`` (which asks a worker to relay the outbox now)."""
    import worker.app

    calls: list[dict[str, Any]] = []
    real = worker.app.relay_soon

    def spy(**where: Any) -> None:
        calls.append(where)
        real(**where)

    monkeypatch.setattr(worker.app, "relay_soon", spy)
    return calls


# The audit log also keeps who made and revoked tokens (the fixture's tokens among them).
CASEWORK = ~AuditLog.action.like("token.%")


def test_case_to_warning_to_repeat_discontinuation_and_reversal_end_to_end(
        service: Service, pokes: list[dict[str, Any]]) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    service.add("original", "alice", "p2", assessor=None)
    report = service.get(f"/api/v1/submissions/{copy}/report").get_json()
    assert report["matches"] and report["matches"][0]["fragments"]

    # An assessor opens a case on a submission assigned to them; the evidence is frozen.
    assert service.get(f"/api/v1/submissions/{copy}", "platform").get_json()["evaluable"] is True
    assert service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation", "note": "x"},
                        "other_assessor").status_code == 404
    opened = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                            "note": "same code as alice"}, "assessor")
    assert opened.status_code == 201, opened.get_json()
    case1 = opened.get_json()
    assert case1["status"] == "open" and case1["repeat"] is False
    assert case1["evidence"] == report["matches"]
    assert case1["proposed_sanction"] == "written_warning"
    status = service.get(f"/api/v1/submissions/{copy}", "platform").get_json()
    assert status["evaluable"] is False and status["case"]["id"] == case1["id"]
    assert status["banned_until"] is None
    again = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation", "note": "x"})
    assert again.status_code == 409

    # Only staff decide.
    forbidden = service.post(f"/api/v1/cases/{case1['id']}/decision",
                             {"decision": "confirmed", "note": "no"}, "assessor")
    assert forbidden.status_code == 403
    assert forbidden.get_json()["error"]["code"] == "forbidden"
    assert service.get("/api/v1/cases", "assessor").status_code == 403

    confirmed = service.post(f"/api/v1/cases/{case1['id']}/decision",
                             {"decision": "confirmed", "note": "clear copy"})
    assert confirmed.status_code == 201, confirmed.get_json()
    body = confirmed.get_json()
    assert body["case"]["status"] == "confirmed" and body["case"]["sanction"] == "written_warning"
    warning = body["event"]["data"]
    assert warning["sanction"] == "written_warning" and warning["banned_until"] is None
    fragment = report["matches"][0]["fragments"][0]
    assert "Dear mallory," in warning["message"]
    assert f"{fragment['a']['file']}, lines {fragment['a']['start_line']}-" in warning["message"]
    assert service.get(f"/api/v1/submissions/{copy}", "platform").get_json()["evaluable"] is False

    # Copied work handed in after the warning is a repeat: marked, and first in the queue.
    second = service.add("renamed", "mallory", "p2")
    service.post("/api/v1/cases", {"submission_id": service.add("original", "zoe", "p3"),
                                   "stage": "submission", "note": "older? no, newer"}, "assessor")
    case2 = service.post("/api/v1/cases", {"submission_id": second, "stage": "submission",
                                           "note": "again"}, "staff").get_json()
    assert case2["repeat"] is True and case2["proposed_sanction"] == "discontinuation"
    queue = service.get("/api/v1/cases?status=open").get_json()["cases"]
    assert [c["id"] for c in queue][0] == case2["id"]
    assert [c["repeat"] for c in queue] == [True, False]
    assert case1["id"] not in [c["id"] for c in queue]
    assert service.get("/api/v1/cases?status=pending").status_code == 422

    discontinued = service.post(f"/api/v1/cases/{case2['id']}/decision",
                                {"decision": "confirmed", "note": "repeat offense"}).get_json()
    assert discontinued["case"]["sanction"] == "discontinuation"
    decision = discontinued["case"]["decisions"][-1]
    decided_at = datetime.fromisoformat(decision["decided_at"])
    until = datetime.fromisoformat(decision["banned_until"])
    assert until == ladder.ban_until(decided_at) and until.year == decided_at.year + 2
    assert discontinued["event"]["data"]["banned_until"] == decision["banned_until"]
    assert "Your training is discontinued" in discontinued["event"]["data"]["message"]

    record = service.get("/api/v1/students/mallory/record").get_json()
    assert [s["sanction"] for s in record["sanctions"]] == ["written_warning", "discontinuation"]
    assert record["banned_until"] == decision["banned_until"] and record["banned"] is True
    assert service.get("/api/v1/students/mallory/record", "assessor").status_code == 403

    # A banned student's upload is still checked and stored; the platform is told of the ban.
    data = zip_bytes(scenario_files("partial_copy"))
    uploaded = service.client.post("/api/v1/submissions", headers=service.headers("platform"), data={
        "file": (io.BytesIO(data), "deliverable.zip"), "student_id": "mallory", "project_id": "p4"})
    assert uploaded.status_code == 202
    assert uploaded.get_json()["banned_until"] == decision["banned_until"]
    new_id = uploaded.get_json()["id"]
    # Not checked yet: nothing to evaluate. The same ZIP again answers the submission's whole
    # status (200), as GET does.
    queued = service.get(f"/api/v1/submissions/{new_id}", "platform").get_json()
    assert queued["status"] == "queued" and queued["evaluable"] is False
    again = service.client.post("/api/v1/submissions", headers=service.headers("platform"), data={
        "file": (io.BytesIO(data), "deliverable.zip"), "student_id": "mallory", "project_id": "p4"})
    assert again.status_code == 200 and again.get_json() == queued
    # A failed check run again is answered as an upload is: the platform is told of the ban.
    fail_check(service.archive, new_id)
    retried = service.client.post(f"/api/v1/submissions/{new_id}/retry", headers=service.headers("platform"))
    assert retried.status_code == 202 and retried.get_json()["banned_until"] == decision["banned_until"]
    assert service.archive.claim(new_id, 60) and service.archive.process(new_id) == JobStatus.DONE
    status = service.get(f"/api/v1/submissions/{new_id}", "platform").get_json()
    assert status["status"] == "done" and status["banned_until"] == decision["banned_until"]
    # Training discontinued: nothing to evaluate while the ban runs.
    assert status["evaluable"] is False
    refused = service.post(f"/api/v1/submissions/{new_id}/evaluation", {"outcome": "pass"}, "platform")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert f"banned until {decision['banned_until']}" in refused.get_json()["error"]["message"]

    # A reversal is a new entry and restores the previous standing.
    reversed_ = service.post(f"/api/v1/cases/{case2['id']}/decision",
                             {"decision": "dismissed", "note": "appeal upheld",
                              "reverses": decision["id"]}).get_json()
    assert reversed_["case"]["status"] == "dismissed"
    assert [d["decision"] for d in reversed_["case"]["decisions"]] == ["confirmed", "dismissed"]
    assert reversed_["case"]["decisions"][1]["reverses"] == decision["id"]
    assert reversed_["event"]["data"]["banned_until"] is None
    record = service.get("/api/v1/students/mallory/record").get_json()
    assert [s["sanction"] for s in record["sanctions"]] == ["written_warning"]
    assert record["banned_until"] is None and record["dismissed_cases"] == [case2["id"]]
    assert service.get(f"/api/v1/submissions/{new_id}", "platform").get_json()["banned_until"] is None
    assert service.get(f"/api/v1/submissions/{new_id}", "platform").get_json()["evaluable"] is True
    assert service.get(f"/api/v1/submissions/{second}", "platform").get_json()["evaluable"] is True
    same = service.post(f"/api/v1/cases/{case2['id']}/decision",
                        {"decision": "dismissed", "note": "twice",
                         "reverses": reversed_["case"]["decisions"][1]["id"]})
    assert same.status_code == 409 and "already dismissed" in same.get_json()["error"]["message"]

    # Every step is kept: decisions append-only, the audit log, the outbox (pending: no
    # webhook URL here), and each decision asked for a relay pass.
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 3
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 3
        audit = [(a.action, a.actor, a.why) for a in session.scalars(
            select(AuditLog).where(CASEWORK).order_by(AuditLog.id))]
        # The outbox also holds the triage's submission.flagged events (test_triage.py).
        rows = list(session.scalars(
            select(EventRow).filter_by(type="sanction.decided").order_by(EventRow.created_at)))
        events = [json.loads(e.data) for e in rows]
        assert {(e.status, e.attempts) for e in rows} == {("pending", 0)}
    assert audit == [
        ("case.opened", "ada", "same code as alice"),
        ("case.decided", "dean", "clear copy"),
        ("case.opened", "ada", "older? no, newer"),
        ("case.opened", "dean", "again"),
        ("case.decided", "dean", "repeat offense"),
        ("case.reversed", "dean", "appeal upheld"),
    ]
    assert [e["type"] for e in events] == ["sanction.decided"] * 3
    assert len(pokes) == 3


def test_a_sanction_resting_on_an_overturned_case_waits_in_the_queue_until_staff_decide_it_again(
        service: Service) -> None:
    """bob's rework in p3 made his p4 case a repeat: discontinued, banned. The p3 case is then
    overturned on appeal. The ban stays (a person decides), but the queue shows the p4 case to
    revisit, whatever it lists, until staff decide it again."""
    service.add("original", "alice", "p3")
    service.add("original", "alice", "p4")

    def case_on(project: str) -> str:
        copy = service.add("identical", "bob", project)
        case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "submission",
                                              "note": "copy"}).get_json()
        decided = service.post(f"/api/v1/cases/{case['id']}/decision",
                               {"decision": "confirmed", "note": "copied"}).get_json()
        return str(decided["case"]["id"])

    def in_force(case_id: str) -> int:
        return int(service.get(f"/api/v1/cases/{case_id}").get_json()["decisions"][-1]["id"])

    first, repeat = case_on("p3"), case_on("p4")
    assert service.get(f"/api/v1/cases/{repeat}").get_json()["sanction"] == "discontinuation"
    assert service.get("/api/v1/cases").get_json()["to_revisit"] == []
    assert service.post(f"/api/v1/cases/{first}/decision",
                        {"decision": "dismissed", "note": "appeal upheld",
                         "reverses": in_force(first)}).status_code == 201

    record = service.get("/api/v1/students/bob/record").get_json()
    assert record["banned"] is True and record["to_revisit"] == [repeat]
    for query in ("", "?status=open", "?status=dismissed", "?status=confirmed&limit=1"):
        revisit = service.get(f"/api/v1/cases{query}").get_json()["to_revisit"]
        assert [(c["id"], c["sanction"], c["proposed_sanction"]) for c in revisit] == [
            (repeat, "discontinuation", "rework")], query
    assert service.get("/api/v1/cases?status=open").get_json()["total"] == 0

    # Confirmed again, the case takes the sanction the ladder proposes now: the ban is lifted.
    again = service.post(f"/api/v1/cases/{repeat}/decision",
                         {"decision": "confirmed", "note": "the earlier case fell",
                          "reverses": in_force(repeat)}).get_json()
    assert again["case"]["sanction"] == "rework" and again["event"]["data"]["banned"] is False
    assert service.get("/api/v1/cases").get_json()["to_revisit"] == []
    record = service.get("/api/v1/students/bob/record").get_json()
    assert record["banned"] is False and record["to_revisit"] == []


def test_evidence_is_frozen_and_can_be_narrowed_to_chosen_fragments(service: Service) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    matches = service.get(f"/api/v1/submissions/{copy}/report").get_json()["matches"]
    chosen = matches[0]["fragments"][:1]
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "throughout",
                                          "note": "n", "fragments": chosen}).get_json()
    assert [m["fragments"] for m in case["evidence"]] == [chosen]
    # A later report does not change the evidence.
    with service.archive.db.session() as session:
        from originality.store.models import ReportRow

        session.get(ReportRow, copy).body = json.dumps({"submission": copy, "matches": []})
    assert service.get(f"/api/v1/cases/{case['id']}").get_json()["evidence"] == case["evidence"]
    unknown = {"a": {"file": "nope.py", "start_line": 1, "end_line": 2},
               "b": {"file": "x.py", "start_line": 1, "end_line": 2}}
    other = service.add("renamed", "mallory", "p9")
    bad = service.post("/api/v1/cases", {"submission_id": other, "stage": "creation", "note": "n",
                                         "fragments": [unknown]})
    assert bad.status_code == 400
    assert service.post("/api/v1/cases", {"submission_id": "missing", "stage": "creation",
                                          "note": "n"}).status_code == 404
    assert service.post("/api/v1/cases", {"submission_id": copy, "stage": "later",
                                          "note": "n"}).status_code == 422


def test_the_case_routes_are_in_the_openapi_spec(service: Service) -> None:
    paths = service.client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{case_id}/decision",
                 "/api/v1/students/{student_id}/record",
                 "/api/v1/submissions/{submission_id}/evaluation"):
        assert path in paths


def test_a_case_opened_after_an_evaluation_of_its_project_is_a_repeat(service: Service) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    other = service.add("identical", "mallory", "p2")
    url = f"/api/v1/submissions/{copy}/evaluation"

    # Assessors evaluate only what is assigned to them; the outcome is one of three.
    assert service.post(url, {"outcome": "pass"}, "other_assessor").status_code == 404
    assert service.post(url, {"outcome": "excellent"}, "assessor").status_code == 422
    assert service.post("/api/v1/submissions/missing/evaluation",
                        {"outcome": "pass"}).status_code == 404
    evaluated = service.post(url, {"outcome": "conditional_pass", "note": "fine"}, "assessor")
    assert evaluated.status_code == 201, evaluated.get_json()
    body = evaluated.get_json()
    assert body["outcome"] == "conditional_pass" and body["evaluated_by"] == "ada"
    assert body["student_id"] == "mallory" and body["project_id"] == "p1"
    assert datetime.fromisoformat(body["evaluated_at"]).utcoffset() is not None
    # A conditional pass asks for a fix within 48 hours: its deadline, in the same form.
    assert datetime.fromisoformat(body["fix_due_at"]) == \
        datetime.fromisoformat(body["evaluated_at"]) + timedelta(hours=48)
    assert body["fix_due_at"].endswith("+00:00")
    passed = service.post(url, {"outcome": "pass"}, "platform")
    assert passed.status_code == 201 and passed.get_json()["fix_due_at"] is None

    # Plagiarism found in a project after it was evaluated got through an evaluation: a repeat
    # offense, even on a first case, whether in the fix after a conditional pass or in the
    # evaluated deliverable itself; another project of the student's is not.
    fix = service.add("renamed", "mallory", "p1", attempt=2)
    case = service.post("/api/v1/cases", {"submission_id": fix, "stage": "creation",
                                          "note": "the fix is alice's"}, "assessor").get_json()
    assert case["repeat"] is True and case["proposed_sanction"] == "discontinuation"
    assert any("evaluated" in r for r in case["repeat_reasons"])
    found_late = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                                "note": "found later"}, "assessor").get_json()
    assert found_late["repeat"] is True and found_late["proposed_sanction"] == "discontinuation"
    elsewhere = service.post("/api/v1/cases", {"submission_id": other, "stage": "creation",
                                               "note": "n"}).get_json()
    assert elsewhere["repeat"] is False
    queue = service.get("/api/v1/cases?status=open").get_json()["cases"]
    assert [c["id"] for c in queue] == [case["id"], found_late["id"], elsewhere["id"]]

    # A submission with an open case cannot be evaluated.
    assert service.post(url, {"outcome": "pass"}).status_code == 409
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EvaluationRow)) == 2
        audit = [(a.action, a.actor, a.why, a.subject)
                 for a in session.scalars(select(AuditLog).filter_by(action="submission.evaluated")
                                          .order_by(AuditLog.id))]
    assert audit == [("submission.evaluated", "ada", "fine", f"submission:{copy}"),
                     ("submission.evaluated", "lms", "", f"submission:{copy}")]


def test_the_queue_comes_a_page_at_a_time_through_the_api(service: Service) -> None:
    """``limit`` and ``after`` walk the queue in its order, each case once; the counts are the
    whole queue's; a place that is not in the queue is 404."""
    service.add("original", "alice", "p1")
    opened = []
    for student in ("mallory", "nina", "oscar", "peggy", "quinn"):
        copy = service.add("identical", student, "p1")
        opened.append(service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                                     "note": "copy"}).get_json()["id"])
    # Peggy's p2 deliverable was evaluated before she handed in the copy her second case is
    # about: a repeat, first in the queue.
    evaluated = service.add("original", "peggy", "p2")
    assert service.post(f"/api/v1/submissions/{evaluated}/evaluation",
                        {"outcome": "conditional_pass"}).status_code == 201
    later = service.add("identical", "peggy", "p2", attempt=2)
    repeat = service.post("/api/v1/cases", {"submission_id": later, "stage": "creation",
                                            "note": "again"}).get_json()
    assert service.post(f"/api/v1/cases/{opened[0]}/decision",
                        {"decision": "dismissed", "note": "no"}).status_code == 201
    whole = service.get("/api/v1/cases?status=open").get_json()
    assert [c["id"] for c in whole["cases"]] == [repeat["id"]] + opened[1:]
    assert (whole["total"], whole["repeats"], whole["next"]) == (5, 1, None)

    walked, after, pages = [], "", 0
    while True:
        page = service.get(f"/api/v1/cases?status=open&limit=2{after}").get_json()
        assert (page["total"], page["repeats"]) == (5, 1) and len(page["cases"]) <= 2
        walked += [c["id"] for c in page["cases"]]
        pages += 1
        if page["next"] is None:
            break
        assert page["next"] == page["cases"][-1]["id"]
        after = f"&after={page['next']}"
    assert walked == [c["id"] for c in whole["cases"]] and pages == 3
    assert [c["repeat"] for c in whole["cases"]] == [True, False, False, False, False]
    everything = service.get("/api/v1/cases?limit=10").get_json()
    assert everything["total"] == 6 and opened[0] in [c["id"] for c in everything["cases"]]
    gone = service.get(f"/api/v1/cases?status=open&after={opened[0]}")
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"
    assert service.get("/api/v1/cases?limit=0").status_code == 422


def test_two_decisions_on_the_same_case_at_once_cannot_break_the_chain(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                          "note": "n"}).get_json()
    first = service.post(f"/api/v1/cases/{case['id']}/decision",
                         {"decision": "confirmed", "note": "copy"}).get_json()
    first_id = first["case"]["decisions"][0]["id"]

    def row(reverses: int | None, decision: str = "dismissed") -> DecisionRow:
        return DecisionRow(case_id=case["id"], decision=decision, sanction=None,
                           reverses=reverses, decided_by="eve", note="racing")

    # The database itself refuses a second first decision.
    with pytest.raises(IntegrityError):
        with service.archive.db.session() as session:
            session.add(row(None))

    # Another staff member's reversal lands between our read of the chain and our write.
    real = CaseBook._history
    raced: list[bool] = []

    def history_then_race(self: CaseBook, session: Any, student_id: str) -> Any:
        out = real(self, session, student_id)
        if not raced:
            raced.append(True)
            with service.archive.db.session() as other:
                other.add(row(first_id))
        return out

    monkeypatch.setattr(CaseBook, "_history", history_then_race)
    late = service.post(f"/api/v1/cases/{case['id']}/decision",
                        {"decision": "dismissed", "note": "appeal", "reverses": first_id})
    assert late.status_code == 409, late.get_json()
    assert late.get_json()["error"]["code"] == "conflict"
    assert "concurrently" in late.get_json()["error"]["message"]
    monkeypatch.setattr(CaseBook, "_history", real)

    # The chain is intact: the winner's reversal is in force, nothing else was stored.
    stored = service.get(f"/api/v1/cases/{case['id']}").get_json()
    assert [(d["decided_by"], d["reverses"]) for d in stored["decisions"]] == [
        ("dean", None), ("eve", first_id)]
    assert stored["status"] == "dismissed"
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(EventRow)
                              .filter_by(type="sanction.decided")) == 1
        assert [a.action for a in session.scalars(
            select(AuditLog).where(CASEWORK).order_by(AuditLog.id))] == [
            "case.opened", "case.decided"]
    # And a decision taken on the current chain still goes through.
    again = service.post(f"/api/v1/cases/{case['id']}/decision",
                         {"decision": "confirmed", "note": "appeal rejected",
                          "reverses": stored["decisions"][1]["id"]})
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["case"]["decisions"][-1]["reverses"] == stored["decisions"][1]["id"]


def test_a_decision_taken_on_a_case_decided_since_is_refused_never_taken_as_a_reversal(
        service: Service) -> None:
    """dean and eve both read the open case; dean confirms it; eve, whose page still says
    open, dismisses it. Her decision says which decision it reverses (none): refused, the
    confirmation stands, and the refusal says what is in force and how to reverse it."""
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    case_id = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                             "note": "n"}).get_json()["id"]

    def decide(decision: str, **body: Any) -> Any:
        return service.post(f"/api/v1/cases/{case_id}/decision",
                            {"decision": decision, "note": "n", **body})

    # Nothing to reverse yet: a first decision naming one is refused.
    early = decide("confirmed", reverses=1)
    assert early.status_code == 409 and "has no decision yet" in early.get_json()["error"]["message"]
    confirmed = decide("confirmed")
    assert confirmed.status_code == 201, confirmed.get_json()
    first = confirmed.get_json()["case"]["decisions"][0]["id"]

    stale = decide("dismissed")
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    message = stale.get_json()["error"]["message"]
    assert f"is confirmed by decision {first} (dean, " in message and f"reverses: {first}" in message
    stored = service.get(f"/api/v1/cases/{case_id}").get_json()
    assert stored["status"] == "confirmed" and len(stored["decisions"]) == 1

    # Reversing the decision in force, named: a new entry.
    reversed_ = decide("dismissed", reverses=first)
    assert reversed_.status_code == 201, reversed_.get_json()
    second = reversed_.get_json()["case"]["decisions"][1]
    assert second["reverses"] == first and reversed_.get_json()["event"]["data"]["reverses"] == first
    # Someone who still sees the confirmation cannot undo that reversal unknowingly.
    behind = decide("confirmed", reverses=first)
    assert behind.status_code == 409
    assert f"not by decision {first}" in behind.get_json()["error"]["message"]
    assert f"reverses: {second['id']}" in behind.get_json()["error"]["message"]
    assert service.get(f"/api/v1/cases/{case_id}").get_json()["status"] == "dismissed"
    with service.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 2
        assert session.scalar(select(func.count()).select_from(EventRow)
                              .filter_by(type="sanction.decided")) == 2


def test_a_decision_from_a_clock_behind_the_cases_is_dated_after_it(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two API machines, one 2 s behind: the case opened on the one ahead, decided on the one
    behind a second later. The decision is dated when the case was opened, not before it."""
    import originality.cases

    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                          "note": "n"}).get_json()

    class Behind(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) - timedelta(seconds=2)

    monkeypatch.setattr(originality.cases, "datetime", Behind)
    confirmed = service.post(f"/api/v1/cases/{case['id']}/decision",
                             {"decision": "confirmed", "note": "copied"})
    assert confirmed.status_code == 201, confirmed.get_json()
    first = confirmed.get_json()["case"]["decisions"][0]
    assert first["decided_at"] == case["opened_at"]
    # A reversal from that machine is dated no earlier than the decision it reverses.
    reversed_ = service.post(f"/api/v1/cases/{case['id']}/decision",
                             {"decision": "dismissed", "note": "appeal", "reverses": first["id"]})
    assert reversed_.status_code == 201, reversed_.get_json()
    assert reversed_.get_json()["case"]["decisions"][1]["decided_at"] >= first["decided_at"]
    monkeypatch.undo()
    assert service.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "dismissed"
    assert service.get(f"/api/v1/submissions/{copy}", "platform").status_code == 200


def test_a_decision_without_a_reason_is_refused_as_a_dismissal_without_one_is(
        service: Service) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    case = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                          "note": "n"}).get_json()
    blank = service.post(f"/api/v1/cases/{case['id']}/decision",
                         {"decision": "dismissed", "note": " \n\t "})
    assert blank.status_code == 400 and blank.get_json()["error"]["code"] == "usage_error"
    assert "needs a note" in blank.get_json()["error"]["message"]
    assert service.get(f"/api/v1/cases/{case['id']}").get_json()["decisions"] == []
    kept = service.post(f"/api/v1/cases/{case['id']}/decision",
                        {"decision": "dismissed", "note": "  pair work, allowed  "}).get_json()
    assert kept["case"]["decisions"][0]["note"] == "pair work, allowed"


def test_a_case_on_the_first_submission_keeps_its_later_copies_as_evidence(service: Service) -> None:
    first = service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    report = service.get(f"/api/v1/submissions/{first}/report").get_json()
    assert report["matches"] == [] and [m["submission_id"] for m in report["later_matches"]] == [copy]
    case = service.post("/api/v1/cases", {"submission_id": first, "stage": "throughout",
                                          "note": "shared her work"}).get_json()
    [kept] = case["evidence"]
    assert kept == {**report["later_matches"][0], "later": True}
    assert kept["fragments"]
    page = service.client.get(f"/cases/{case['id']}", headers=service.headers("staff"))
    assert "similar to mallory, submitted after this one" in page.get_data(as_text=True)
    # Narrowed to a fragment of the later match, the evidence keeps that one only.
    other = service.add("original", "bob", "p2")
    service.add("identical", "eve", "p2")
    chosen = service.get(f"/api/v1/submissions/{other}/report").get_json()["later_matches"][0]["fragments"][:1]
    narrowed = service.post("/api/v1/cases", {"submission_id": other, "stage": "throughout", "note": "n",
                                              "fragments": chosen}).get_json()
    assert [m["fragments"] for m in narrowed["evidence"]] == [chosen]


def race_to_open(service: Service, submission_id: str, monkeypatch: pytest.MonkeyPatch,
                 requests: int = 2) -> list[Any]:
    """``requests`` staff open a case on one submission at once, through the API, each from
    its own thread. A barrier holds every request after its check for a blocking case, so
    all of them pass the check before any inserts: the race the guard table exists for."""
    import threading

    real = CaseBook.submission_case
    barrier = threading.Barrier(requests, timeout=30)

    def checked_together(self: CaseBook, submission: Any) -> Any:
        out = real(self, submission)
        barrier.wait()
        return out

    monkeypatch.setattr(CaseBook, "submission_case", checked_together)
    answers: list[Any] = [None] * requests

    def open_case(i: int) -> None:
        answers[i] = service.post("/api/v1/cases", {"submission_id": submission_id,
                                                    "stage": "creation", "note": f"staff {i}"})

    threads = [threading.Thread(target=open_case, args=(i,)) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(CaseBook, "submission_case", real)
    return answers


def test_two_staff_opening_a_case_on_one_submission_at_once_get_one_case_and_one_409(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")
    answers = race_to_open(service, copy, monkeypatch, requests=3)
    assert sorted(a.status_code for a in answers) == [201, 409, 409], [a.get_json() for a in answers]
    assert {a.get_json()["error"]["code"] for a in answers if a.status_code == 409} == {"conflict"}
    [won] = [a.get_json() for a in answers if a.status_code == 201]
    with service.archive.db.sessions() as session:
        assert list(session.scalars(select(CaseRow.id))) == [won["id"]]
        assert [a.action for a in session.scalars(select(AuditLog).where(CASEWORK))] == ["case.opened"]


def test_a_dismissed_case_frees_its_submission_and_its_reversal_waits_for_the_next_case(
        service: Service) -> None:
    from originality.store.models import ActiveCase

    service.add("original", "alice", "p1")
    copy = service.add("identical", "mallory", "p1")

    def guards() -> list[tuple[str, str]]:
        with service.archive.db.sessions() as session:
            return [(g.submission_id, g.case_id) for g in session.scalars(select(ActiveCase))]

    def decide(case_id: str, decision: str) -> Any:
        """A decision on the case as it stands (reversing the decision in force, if any)."""
        decisions = service.get(f"/api/v1/cases/{case_id}").get_json()["decisions"]
        return service.post(f"/api/v1/cases/{case_id}/decision", {
            "decision": decision, "note": "n", "reverses": decisions[-1]["id"] if decisions else None})

    first = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                           "note": "n"}).get_json()
    assert guards() == [(copy, first["id"])]
    assert decide(first["id"], "confirmed").status_code == 201
    assert guards() == [(copy, first["id"])]  # confirmed still blocks
    assert decide(first["id"], "dismissed").status_code == 201
    assert guards() == []
    second = service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                            "note": "new evidence"})
    assert second.status_code == 201, second.get_json()
    second_id = second.get_json()["id"]

    # Reversing the first dismissal would make two blocking cases: refused, nothing stored.
    reversal = decide(first["id"], "confirmed")
    assert reversal.status_code == 409 and "dismiss that one first" in reversal.get_json()["error"]["message"]
    assert service.get(f"/api/v1/cases/{first['id']}").get_json()["status"] == "dismissed"
    assert guards() == [(copy, second_id)]

    # Once the second is dismissed, the first can be confirmed again and takes the guard back.
    assert decide(second_id, "dismissed").status_code == 201
    assert decide(first["id"], "confirmed").status_code == 201
    assert guards() == [(copy, first["id"])]
    assert service.post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                          "note": "n"}).status_code == 409


def test_cases_stored_before_the_guard_get_it_from_the_migration(service: Service) -> None:
    from alembic import command

    from originality.store.db import alembic_config
    from originality.store.models import ActiveCase

    service.add("original", "alice", "p1")
    subs = [service.add("identical", f"s{i}", "p1") for i in range(3)]
    cases = [service.post("/api/v1/cases", {"submission_id": s, "stage": "creation",
                                            "note": "n"}).get_json()["id"] for s in subs]
    service.post(f"/api/v1/cases/{cases[1]}/decision", {"decision": "confirmed", "note": "n"})
    service.post(f"/api/v1/cases/{cases[2]}/decision", {"decision": "dismissed", "note": "n"})
    db = service.archive.db
    url = db.engine.url.render_as_string(hide_password=False)
    for target in ("0006", "head"):
        with db.engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            (command.downgrade if target == "0006" else command.upgrade)(config, target)
    with db.sessions() as session:
        assert sorted((g.submission_id, g.case_id) for g in session.scalars(select(ActiveCase))) \
            == sorted([(subs[0], cases[0]), (subs[1], cases[1])])


def test_an_upload_keeps_its_submitted_at_and_refuses_an_id_no_url_could_reach(service: Service) -> None:
    data = zip_bytes(scenario_files("original"))

    def upload(student: str, **fields: str) -> Any:
        return service.client.post("/api/v1/submissions", headers=service.headers("platform"), data={
            "file": (io.BytesIO(data), "deliverable.zip"), "student_id": student, "project_id": "p1", **fields})

    sent = upload("alice", submitted_at="2026-12-01T09:30:00+01:00")
    assert sent.status_code == 202
    status = service.get(f"/api/v1/submissions/{sent.get_json()['id']}", "platform").get_json()
    assert status["submitted_at"] == "2026-12-01T08:30:00+00:00"
    # A "/" in a student's id: accepted, it could never reach /students/<id>/record, export or erasure.
    refused = upload("ens/2026/042")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "invalid_request"
    assert "/" in refused.get_json()["error"]["message"]
