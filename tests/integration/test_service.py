"""The service end to end: a real redis-server, real Celery worker processes, SQLite in a
temporary directory, and the Flask app in this process.

Every test builds its own stack (data directory and Redis database), so workers of one test
never take another test's messages.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from fixtures import hostile, scenarios
from fixtures.make_fixtures import zip_bytes
from tests.support import REDIS_DATABASES, fail_check

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0
SECRET = "test-webhook-secret"

pytestmark = [
    pytest.mark.timeout(240),
    # kombu and celery still touch a few deprecated stdlib spots on some versions.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float = WAIT, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def signed(header: str, raw: bytes) -> bool:
    """``t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">``, signed within the last minute."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(SECRET.encode(), fields["t"].encode() + b"." + raw, hashlib.sha256)
    return (abs(time.time() - int(fields["t"])) < 60
            and hmac.compare_digest(fields["v1"], expected.hexdigest()))


class Hooks(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hooks.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="session")
def webhook_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


class Stack:
    """A data dir, a Redis database, the app in process, and worker processes."""

    def __init__(self, root: Path, redis_url: str, db: int, webhook: str,
                 secret: str = SECRET) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "ORIGINALITY_DATA_DIR": str(root / "data"),
            "ORIGINALITY_REDIS_URL": f"{redis_url}/{db}",
            "ORIGINALITY_LEASE_SECONDS": "2",
            "ORIGINALITY_RECOVERY_INTERVAL": "1",
            "ORIGINALITY_RETRY_BASE_SECONDS": "0.1",
            "ORIGINALITY_WEBHOOK_URL": webhook,
            "ORIGINALITY_WEBHOOK_SECRET": secret,
            "PYTHONPATH": str(REPO),
        }
        self.env.pop("ORIGINALITY_DATABASE_URL", None)
        self.env.pop("ORIGINALITY_TEST_TASK_DELAY", None)
        self.env.pop("PYTHONTRACEMALLOC", None)
        self.workers: list[subprocess.Popen[bytes]] = []
        from api import create_app

        self.app = create_app({"DATA_DIR": str(root / "data"), "REDIS_URL": f"{redis_url}/{db}",
                               "WEBHOOK_URL": webhook, "WEBHOOK_SECRET": secret, "TESTING": True})
        self.client = self.app.test_client()
        self.archive = self.app.extensions["originality"]
        from originality.store.access import create_token

        self.tokens = {role: create_token(self.archive.db, role, name) for role, name in
                       [("platform", "lms"), ("staff", "dean"), ("assessor", "ada")]}
        self.tokens["other_assessor"] = create_token(self.archive.db, "assessor", "bob")

    def start_worker(self, name: str, pool: str = "solo", **extra: str) -> subprocess.Popen[bytes]:
        log = open(self.root / f"{name}.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker.app", "worker", f"--pool={pool}",
             "--concurrency=1",
             "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "--loglevel=INFO"],
            cwd=REPO, env={**self.env, **extra}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.workers.append(process)
        wait_for(lambda: b"ready." in (self.root / f"{name}.log").read_bytes() or process.poll() is not None,
                 30, f"worker {name}")
        assert process.poll() is None, (self.root / f"{name}.log").read_text()
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.archive.close()

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def upload(self, data: bytes, student: str, project: str, role: str = "platform",
               **fields: Any) -> Any:
        form = {"file": (io.BytesIO(data), "deliverable.zip"), "student_id": student,
                "project_id": project, **{k: str(v) for k, v in fields.items()}}
        return self.client.post("/api/v1/submissions", data=form, headers=self.headers(role))

    def status(self, submission_id: str, role: str = "platform") -> Any:
        return self.client.get(f"/api/v1/submissions/{submission_id}", headers=self.headers(role))

    def wait_finished(self, submission_id: str, timeout: float = WAIT) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            body = self.status(submission_id).get_json()
            return body if body["status"] in ("done", "rejected", "failed") else None

        return wait_for(finished, timeout, f"submission {submission_id}")  # type: ignore[no-any-return]


_databases = iter(range(1, REDIS_DATABASES))


@pytest.fixture
def stack(tmp_path: Path, redis_server: str, webhook_url: str) -> Iterator[Stack]:
    built = Stack(tmp_path, redis_server, next(_databases), webhook_url)
    try:
        yield built
    finally:
        built.close()


def scenario_zip(name: str) -> bytes:
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    return zip_bytes(scenarios.submission_files(found))


def test_upload_to_report_end_to_end_with_own_attempts_apart_and_signed_webhooks(stack: Stack) -> None:
    stack.start_worker("w1")
    original = scenario_zip("original")
    first = stack.upload(original, "alice", "p1", assessor_id="ada")
    assert first.status_code == 202 and first.get_json()["status"] == "queued"
    first_id = first.get_json()["id"]
    assert stack.wait_finished(first_id)["status"] == "done"
    copy = stack.upload(scenario_zip("identical"), "mallory", "p1").get_json()["id"]
    again = stack.upload(scenario_zip("renamed"), "alice", "p1", attempt=2).get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"
    assert stack.wait_finished(again)["status"] == "done"

    report = stack.client.get(f"/api/v1/submissions/{again}/report", headers=stack.headers("staff"))
    assert report.status_code == 200
    body = report.get_json()
    assert body["submission"] == again
    assert [m["student_id"] for m in body["matches"]] == ["mallory"]
    assert [m["student_id"] for m in body["own_attempts"]] == ["alice"]
    match = body["matches"][0]
    assert match["similarity"] > 0.8 and match["fragments"]
    assert set(match) >= {"submission_id", "student_id", "similarity", "a_share", "b_share", "fragments"}
    # The first submission had nothing before it.
    assert stack.client.get(f"/api/v1/submissions/{first_id}/report",
                            headers=stack.headers("platform")).get_json()["matches"] == []

    def hooks_for(ids: set[str]) -> list[dict[str, Any]]:
        found = []
        for headers, raw in list(Hooks.received):
            event = json.loads(raw)
            # The copy is also flagged (submission.flagged: test_a_strong_copy_is_flagged_...).
            if event["type"] == "submission.checked" and event["data"]["submission_id"] in ids:
                assert signed(headers["X-Originality-Signature"], raw)
                found.append(event)
        return found if len(found) >= 3 else []

    events = wait_for(lambda: hooks_for({first_id, copy, again}), 30, "webhooks")
    assert sorted(e["data"]["submission_id"] for e in events) == sorted([first_id, copy, again])
    assert {e["data"]["status"] for e in events} == {"done"}


def test_the_first_submission_lists_the_later_copy_with_the_copys_score(stack: Stack) -> None:
    stack.start_worker("w1")
    first = stack.upload(scenario_zip("original"), "alice", "p8", assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(first)["status"] == "done"
    copy = stack.upload(scenario_zip("partial_copy"), "mallory", "p8",
                        assessor_id="bob").get_json()["id"]
    again = stack.upload(scenario_zip("renamed"), "alice", "p8", attempt=2,
                         assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"
    assert stack.wait_finished(again)["status"] == "done"

    def report(submission_id: str, role: str = "platform") -> Any:
        return stack.client.get(f"/api/v1/submissions/{submission_id}/report",
                                headers=stack.headers(role))

    body = report(first).get_json()
    assert body["matches"] == [] and body["own_attempts"] == []
    assert [m["submission_id"] for m in body["later_own_attempts"]] == [again]
    [later] = body["later_matches"]
    [stored] = [m for m in report(copy).get_json()["matches"] if m["submission_id"] == first]
    # Other students' ids are for staff; the platform reads a keyed pseudonym (docs/privacy.md).
    from originality.privacy.exposure import pseudonym

    other = pseudonym(str(stack.app.secret_key), "mallory")
    assert later["submission_id"] == copy and later["student_id"] == other
    assert report(first, "staff").get_json()["later_matches"][0]["student_id"] == "mallory"
    assert later["similarity"] == stored["similarity"]
    assert (later["a_share"], later["b_share"]) == (stored["b_share"], stored["a_share"])
    assert [(f["a"], f["b"]) for f in later["fragments"]] == \
        [(f["b"], f["a"]) for f in stored["fragments"]]
    # ada assesses alice: she sees mallory's later match, never mallory's submission itself.
    assert [m["student_id"] for m in report(first, "assessor").get_json()["later_matches"]] == [other]
    assert report(copy, "assessor").status_code == 404
    assert report(first, "other_assessor").status_code == 404
    page = stack.client.get(f"/reports/{first}", headers=stack.headers("assessor"))
    assert page.status_code == 200
    assert f"/reports/{first}/matches/{copy}" in page.get_data(as_text=True)


def test_a_young_projects_reports_are_scored_again_by_the_worker_as_it_grows(stack: Stack,
                                                                             tmp_path: Path) -> None:
    """The first uploads of a project are scored among few students (no common code, no
    background); once it holds 10 groups the worker scores their reports again, and the pair
    that the task's helper made alike falls. Quiet a second after its last upload (as after a
    deadline), the report scored among 10 is scored again among 12."""
    from tests.unit.test_rescoring import a_class

    stack.start_worker("w1", ORIGINALITY_SETTLE_AFTER="1")
    uploads = [zip_bytes({p.name: p.read_bytes() for p in folder.iterdir()})
               for folder in a_class(tmp_path / "class", 12)]

    def report(submission_id: str) -> Any:
        return stack.client.get(f"/api/v1/submissions/{submission_id}/report",
                                headers=stack.headers("staff")).get_json()

    ids: list[str] = []
    for k, data in enumerate(uploads):
        ids.append(stack.upload(data, f"s{k:02d}", "p12").get_json()["id"])
        assert stack.wait_finished(ids[-1])["status"] == "done"
        if k == 1:
            first = report(ids[1])
            young = {m["submission_id"]: m["similarity"] for m in first["matches"]}
            assert young[ids[0]] >= 0.1 and first["groups"] == 2
    grown = wait_for(lambda: (body := report(ids[1]))["groups"] >= 10 and body, what="the report scored again")
    now = {m["submission_id"]: m["similarity"] for m in grown["matches"]}
    assert grown["background"] > 0 and now.get(ids[0], 0.0) < young[ids[0]]
    assert report(ids[11])["groups"] == 12
    wait_for(lambda: report(ids[9])["groups"] == 12, what="the quiet project's report scored again")


def test_a_sanction_decided_by_staff_reaches_the_platform_as_a_signed_webhook(stack: Stack) -> None:
    stack.start_worker("w1")
    first = stack.upload(scenario_zip("original"), "alice", "p1").get_json()["id"]
    assert stack.wait_finished(first)["status"] == "done"
    copy = stack.upload(scenario_zip("identical"), "mallory", "p1", assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"
    case = stack.client.post("/api/v1/cases", headers=stack.headers("assessor"), json={
        "submission_id": copy, "stage": "throughout", "note": "copied"}).get_json()
    decided = stack.client.post(f"/api/v1/cases/{case['id']}/decision", headers=stack.headers("staff"),
                                json={"decision": "confirmed", "note": "clear copy"})
    assert decided.status_code == 201

    def sanction_hook() -> dict[str, Any] | None:
        for headers, raw in list(Hooks.received):
            event = json.loads(raw)
            if event["type"] == "sanction.decided" and event["data"]["case_id"] == case["id"]:
                assert signed(headers["X-Originality-Signature"], raw)
                return event  # type: ignore[no-any-return]
        return None

    event = wait_for(sanction_hook, 30, "the sanction.decided webhook")
    assert event["id"] == decided.get_json()["event"]["id"]
    assert event["data"]["sanction"] == "full_redo" and event["data"]["student_id"] == "mallory"
    assert "entirely redone" in event["data"]["message"]


def signed_hooks(event_type: str, ids: set[str]) -> list[dict[str, Any]]:
    """The events of this type received about these submissions; each signature checked."""
    found = []
    for headers, raw in list(Hooks.received):
        event = json.loads(raw)
        if event["type"] == event_type and event["data"]["submission_id"] in ids:
            assert signed(headers["X-Originality-Signature"], raw)
            assert headers["X-Originality-Event"] == event_type
            found.append(event)
    return found


def test_a_strong_copy_is_flagged_on_both_sides_and_a_dismissal_sticks_through_a_recheck(
        stack: Stack) -> None:
    stack.start_worker("w1")
    first = stack.upload(scenario_zip("original"), "alice", "p11", assessor_id="bob").get_json()["id"]
    assert stack.wait_finished(first)["status"] == "done"
    copy = stack.upload(scenario_zip("identical"), "mallory", "p11",
                        assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"

    # The platform hears of both items, signed: the copy, and softly the work it copied.
    events = wait_for(lambda: (found := signed_hooks("submission.flagged", {first, copy}))
                      and len(found) >= 2 and found, 30, "submission.flagged webhooks")
    by_side = {e["data"]["submission_id"]: e["data"] for e in events}
    assert len(events) == 2 and set(by_side) == {first, copy}
    assert (by_side[copy]["kind"], by_side[copy]["assessor_id"]) == ("copied", "ada")
    assert (by_side[first]["kind"], by_side[first]["assessor_id"]) == ("shared", "bob")
    assert by_side[copy]["similarity"] >= 0.5 and by_side[copy]["other_submission_id"] == first

    # ada sees hers first on her submissions page and dismisses it with a reason.
    [item] = stack.client.get("/api/v1/triage", headers=stack.headers("assessor")).get_json()["items"]
    assert item["id"] == by_side[copy]["item_id"] and item["student_id"] == "mallory"
    page = stack.client.get("/submissions", headers=stack.headers("assessor")).get_data(as_text=True)
    assert "To review (1)" in page and f"/triage/{item['id']}/dismiss" in page
    dismissed = stack.client.post(f"/api/v1/triage/{item['id']}/dismissal",
                                  headers=stack.headers("assessor"),
                                  json={"reason": "they worked in pairs, as allowed"})
    assert dismissed.status_code == 201

    # The check runs again (as after a failure): the pair is not flagged again.
    from originality.store.models import AuditLog, Submission

    fail_check(stack.archive, copy)
    retried = stack.client.post(f"/api/v1/submissions/{copy}/retry", headers=stack.headers("staff"))
    assert retried.status_code == 202
    assert stack.wait_finished(copy)["status"] == "done"
    wait_for(lambda: len(signed_hooks("submission.checked", {copy})) >= 2, 30, "the second check")
    time.sleep(1.0)  # a flagged event would have been queued with the checked one
    assert len(signed_hooks("submission.flagged", {first, copy})) == 2
    assert stack.client.get("/api/v1/triage", headers=stack.headers("assessor")).get_json() == {
        "items": [], "counts": {"to_review": 0, "possible_repeats": 0}}
    kept = stack.client.get(f"/api/v1/triage/{item['id']}", headers=stack.headers("assessor"))
    assert kept.get_json()["dismissal"]["reason"] == "they worked in pairs, as allowed"
    from sqlalchemy import select

    with stack.archive.db.sessions() as session:
        runs = session.scalar(select(Submission.runs).where(Submission.id == copy))
        audit = [(a.action, a.actor, a.why) for a in session.scalars(
            select(AuditLog).filter_by(subject=f"triage:{item['id']}"))]
    assert runs == 1  # its starts counted afresh since the retry (jobs.MAX_RUNS); it ran twice in all
    assert audit == [("triage.dismissed", "ada", "they worked in pairs, as allowed")]


def test_a_warned_students_new_copy_is_a_possible_repeat_in_the_staff_queue(stack: Stack) -> None:
    stack.start_worker("w1")
    original = stack.upload(scenario_zip("original"), "alice", "p12").get_json()["id"]
    assert stack.wait_finished(original)["status"] == "done"
    copy = stack.upload(scenario_zip("identical"), "mallory", "p12",
                        assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"
    case = stack.client.post("/api/v1/cases", headers=stack.headers("assessor"), json={
        "submission_id": copy, "stage": "creation", "note": "copied alice"}).get_json()
    assert stack.client.post(f"/api/v1/cases/{case['id']}/decision", headers=stack.headers("staff"),
                             json={"decision": "confirmed", "note": "warned"}).status_code == 201

    # The same copy again, in the next project: flagged, and a possible repeat for staff.
    again_original = stack.upload(scenario_zip("original"), "alice", "p13").get_json()["id"]
    assert stack.wait_finished(again_original)["status"] == "done"
    again = stack.upload(scenario_zip("renamed"), "mallory", "p13",
                         assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(again)["status"] == "done"
    [hook] = wait_for(lambda: signed_hooks("submission.flagged", {again}), 30, "the webhook")
    assert hook["data"]["kind"] == "copied"

    repeats = stack.client.get("/api/v1/triage?possible_repeat=true",
                               headers=stack.headers("staff")).get_json()
    [item] = repeats["items"]
    assert item["submission_id"] == again and item["earlier_case"]["case_id"] == case["id"]
    assert repeats["counts"]["possible_repeats"] == 1
    queue = stack.client.get("/queue", headers=stack.headers("staff")).get_data(as_text=True)
    assert "Possible repeats (1)" in queue and f'href="/cases/{case["id"]}"' in queue

    # Staff open the case from the queue: a repeat offense, proposed for discontinuation.
    opened = stack.client.post(f"/reports/{again}/case", headers=stack.headers("staff"),
                               data={"stage": "submission", "note": "second copy"})
    assert opened.status_code == 303
    cases = stack.client.get("/api/v1/cases?status=open", headers=stack.headers("staff")).get_json()
    [repeat] = [c for c in cases["cases"] if c["submission_id"] == again]
    assert repeat["repeat"] is True and repeat["proposed_sanction"] == "discontinuation"
    assert stack.client.get("/api/v1/triage?possible_repeat=true",
                            headers=stack.headers("staff")).get_json()["items"] == []


def test_the_same_zip_again_returns_the_existing_submission(stack: Stack) -> None:
    data = scenario_zip("independent_a")
    first = stack.upload(data, "carol", "p2")
    second = stack.upload(data, "carol", "p2")
    assert first.status_code == 202 and second.status_code == 200
    assert second.get_json()["id"] == first.get_json()["id"]
    assert stack.upload(data, "carol", "p2", attempt=2).status_code == 202
    assert stack.upload(data, "dave", "p2").status_code == 202


def test_tokens_roles_and_assessor_scope(stack: Stack) -> None:
    data = scenario_zip("independent_b")
    mine = stack.upload(data, "erin", "p3", assessor_id="ada").get_json()["id"]
    theirs = stack.upload(data, "frank", "p3", assessor_id="bob").get_json()["id"]
    no_token = stack.client.get(f"/api/v1/submissions/{mine}")
    assert no_token.status_code == 401 and no_token.get_json()["error"]["code"] == "unauthorized"
    bad = stack.client.get(f"/api/v1/submissions/{mine}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    for role in ("assessor", "staff"):
        refused = stack.upload(data, "gina", "p3", role=role)
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert stack.status(mine, "assessor").status_code == 200
    assert stack.status(theirs, "assessor").status_code == 404
    assert stack.status(theirs, "other_assessor").status_code == 200
    assert stack.status(theirs, "staff").status_code == 200
    hidden = stack.client.get(f"/api/v1/submissions/{theirs}/report", headers=stack.headers("assessor"))
    assert hidden.status_code == 404
    early = stack.client.get(f"/api/v1/submissions/{mine}/report", headers=stack.headers("assessor"))
    assert early.status_code in (200, 409)

    from sqlalchemy import select

    from originality.store.models import AccessLog, Token

    with stack.archive.db.sessions() as session:
        log = session.execute(select(AccessLog.name, AccessLog.submission_id, AccessLog.outcome)
                              .order_by(AccessLog.id)).all()
        stored = session.scalars(select(Token.token_hash)).all()
    assert [tuple(row) for row in log] == [("ada", theirs, 404), ("ada", mine, early.status_code)]
    assert stack.tokens["platform"] not in stored  # only digests are kept


def test_bad_uploads_are_refused_or_rejected_with_a_code(stack: Stack, tmp_path: Path) -> None:
    stack.start_worker("w1")
    bomb = stack.upload(hostile.overlap_bomb(), "henry", "p4")
    assert bomb.status_code == 202
    finished = stack.wait_finished(bomb.get_json()["id"])
    assert finished["status"] == "rejected" and finished["error"]["code"] == "zip_bomb"
    # Not named by an id that tells the student nothing; and nothing was checked, so there is
    # nothing to evaluate.
    assert finished["error"]["message"].startswith("the upload: ") and finished["id"] not in finished["error"]["message"]
    assert finished["evaluable"] is False
    report = stack.client.get(f"/api/v1/submissions/{finished['id']}/report",
                              headers=stack.headers("platform"))
    assert report.status_code == 409 and report.get_json()["error"]["code"] == "not_ready"

    foreign = stack.upload(b"%PDF-1.4 not a zip at all", "henry", "p4")
    assert foreign.status_code == 422 and foreign.get_json()["error"]["code"] == "not_a_zip"
    missing = stack.client.post("/api/v1/submissions", data={"student_id": "x", "project_id": "p4"},
                                headers=stack.headers("platform"))
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "invalid_request"

    from api import create_app

    small = create_app({"DATA_DIR": str(tmp_path / "data"), "MAX_UPLOAD_BYTES": 2048})
    try:
        big = small.test_client().post(
            "/api/v1/submissions", headers=stack.headers("platform"),
            data={"file": (io.BytesIO(b"PK" + os.urandom(200_000)), "big.zip"), "student_id": "x",
                  "project_id": "p4"})
        assert big.status_code == 413 and big.get_json()["error"]["code"] == "too_large"
    finally:
        small.extensions["originality"].close()


def test_a_worker_killed_mid_check_loses_nothing(stack: Stack) -> None:
    slow = stack.start_worker("slow", ORIGINALITY_TEST_TASK_DELAY="120")
    submission = stack.upload(scenario_zip("original"), "ivan", "p5").get_json()["id"]
    wait_for(lambda: stack.status(submission).get_json()["status"] == "running", WAIT, "running")
    stack.kill(slow)
    stack.start_worker("fresh")
    finished = stack.wait_finished(submission)
    assert finished["status"] == "done"

    from sqlalchemy import func, select

    from originality.store.models import ArchiveEntry, Submission

    with stack.archive.db.sessions() as session:
        entries = session.scalar(select(func.count()).select_from(ArchiveEntry)
                                 .where(ArchiveEntry.submission_id == submission))
        runs = session.scalar(select(Submission.runs).where(Submission.id == submission))
    assert entries == 1 and runs == 2


def test_two_workers_on_one_queue_index_each_submission_once(stack: Stack) -> None:
    stack.start_worker("w1")
    stack.start_worker("w2")
    names = ["original", "identical", "renamed", "reordered", "partial_copy", "independent_a",
             "independent_c", "java_original"]
    ids = [stack.upload(scenario_zip(n), n, "p6").get_json()["id"] for n in names]
    # Duplicate messages, as a recovery or a redelivery would send.
    celery = stack.app.extensions["originality.celery"]
    from worker.app import CHECK_TASK, CHECKS

    for submission_id in ids:
        celery.send_task(CHECK_TASK, args=(submission_id,), queue=CHECKS)
    for submission_id in ids:
        assert stack.wait_finished(submission_id)["status"] == "done"

    from sqlalchemy import select

    from originality.store.models import ArchiveEntry, Submission

    with stack.archive.db.sessions() as session:
        indexed = session.scalars(select(ArchiveEntry.submission_id)).all()
        runs = session.scalars(select(Submission.runs)).all()
    assert sorted(indexed) == sorted(ids)
    assert runs == [1] * len(ids)
    logs = (stack.root / "w1.log").read_text() + (stack.root / "w2.log").read_text()
    assert "succeeded" in (stack.root / "w1.log").read_text()
    assert "succeeded" in (stack.root / "w2.log").read_text(), logs
    import redis

    client = redis.Redis.from_url(stack.env["ORIGINALITY_REDIS_URL"])
    [members] = [k for k in client.keys("originality:lsh:*:members")]
    assert client.scard(members) == len(ids)
    client.close()


def test_a_check_that_keeps_crashing_is_retried_then_failed(stack: Stack) -> None:
    # A registered submission whose stored ZIP vanished: not the student's fault, so not a
    # rejection; and a message never sent: the workers' recovery must find it.
    registered = stack.archive.register(sha256="0" * 64, size=1, project_id="p7", student_id="judy")
    stack.start_worker("w1")
    finished = stack.wait_finished(registered.submission.id)
    assert finished["status"] == "failed" and finished["error"]["code"] == "internal_error"
    from sqlalchemy import select

    from originality.store.models import Submission

    with stack.archive.db.sessions() as session:
        runs = session.scalar(select(Submission.runs).where(Submission.id == registered.submission.id))
    assert runs == 4  # the first try and three retries

    # The cause fixed (the ZIP back in the store), staff run the check again.
    restored = stack.archive.store.path_of("0" * 64)
    restored.parent.mkdir(parents=True, exist_ok=True)
    restored.write_bytes(scenario_zip("original"))
    staff = stack.headers("staff")
    answer = stack.client.post(f"/api/v1/submissions/{registered.submission.id}/retry", headers=staff)
    assert answer.status_code == 202 and answer.get_json()["status"] == "queued"
    assert stack.wait_finished(registered.submission.id)["status"] == "done"
    again = stack.client.post(f"/api/v1/submissions/{registered.submission.id}/retry", headers=staff)
    assert again.status_code == 409  # only a failed check runs again


LIMITS = {"ORIGINALITY_CHECK_SOFT_TIME_LIMIT": "1", "ORIGINALITY_CHECK_TIME_LIMIT": "3"}


@pytest.mark.parametrize("limit, extra, said", [
    ("soft", {"ORIGINALITY_TEST_TASK_DELAY": "120"}, "was stopped at its time limit (1 s)"),
    ("hard", {"ORIGINALITY_TEST_TASK_HANG": "120"}, "was killed at its hard time limit (3 s)"),
])
def test_a_check_past_its_time_limit_fails_frees_its_worker_and_can_be_retried(
        stack: Stack, limit: str, extra: dict[str, str], said: str) -> None:
    # The prefork pool, as `originality worker` runs by default: the limits are the pool's.
    limits = LIMITS
    hung = stack.start_worker("hung", pool="prefork", **limits, **extra)
    started = time.monotonic()
    submission = stack.upload(scenario_zip("original"), "kim", "p8").get_json()["id"]
    finished = stack.wait_finished(submission, 30)
    assert time.monotonic() - started < 20
    assert finished["status"] == "failed" and finished["error"]["code"] == "time_limit"
    assert said in finished["error"]["message"]
    # Failed for good: the recovery loop (every second here) does not queue it again.
    time.sleep(3)
    assert stack.status(submission).get_json()["status"] == "failed"
    # The worker is free: the next check is taken at once (and runs out of time in turn).
    other = stack.upload(scenario_zip("renamed"), "lee", "p8").get_json()["id"]
    assert stack.wait_finished(other, 30)["error"]["code"] == "time_limit"
    assert hung.poll() is None
    log = (stack.root / "hung.log").read_text()
    assert ("Hard time limit (3" in log) == (limit == "hard"), log

    # Whatever hung is fixed (here: a worker without the delay, and with the default limits:
    # a fresh pool process's first check loads the parsers, which takes longer than 1 s);
    # staff run the check again.
    stack.kill(hung)
    stack.start_worker("fixed", pool="prefork")
    answer = stack.client.post(f"/api/v1/submissions/{submission}/retry", headers=stack.headers("staff"))
    assert answer.status_code == 202
    assert stack.wait_finished(submission)["status"] == "done"


def test_a_hung_check_in_a_pool_without_limits_is_not_renewed_past_the_hard_limit(stack: Stack) -> None:
    # --pool=solo (make serve) cannot interrupt a check: its lease thread gives up instead.
    solo = stack.start_worker("solo", **LIMITS, ORIGINALITY_TEST_TASK_HANG="120")
    submission = stack.upload(scenario_zip("original"), "kim", "p9").get_json()["id"]
    finished = stack.wait_finished(submission, 30)
    assert finished["status"] == "failed" and finished["error"]["code"] == "time_limit"
    assert "ran past its hard time limit in a pool that cannot stop it" in finished["error"]["message"]
    time.sleep(3)  # its lease lapsed long ago: recovery must still leave it failed
    assert stack.status(submission).get_json()["status"] == "failed"
    stack.kill(solo)  # still asleep: a solo worker is held by a hung check (docs/deploy.md)


def test_health_and_openapi(stack: Stack) -> None:
    assert stack.client.get("/healthz").get_json() == {"status": "ok"}
    ready = stack.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    spec = stack.client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/submissions", "/api/v1/submissions/{submission_id}",
            "/api/v1/submissions/{submission_id}/report"} <= set(spec["paths"])
    report = spec["components"]["schemas"]["ReportOut"]["properties"]
    assert {"matches", "own_attempts", "later_matches", "later_own_attempts"} <= set(report)
    assert report["later_matches"]["items"]["$ref"].endswith("/MatchOut")


def test_tricks_in_a_copy_are_seen_through_and_flagged_in_the_service_report(stack: Stack) -> None:
    """Issue 12: zero-width spaces, Cyrillic look-alikes and white 1-point filler in a copied
    report; through the real worker the copy scores like the plain copy and is flagged."""
    from fixtures import tricks

    paragraphs = [p for p in scenarios.PROSE_SOURCE_MD.split("\n\n") if not p.startswith("#")]
    copy = "\n\n".join(paragraphs[: len(paragraphs) // 2] + scenarios.PROSE_INDEPENDENT_PARAGRAPHS[:3])
    filler = " ".join(scenarios.PROSE_INDEPENDENT_PARAGRAPHS[3:]).split()
    source = zip_bytes({"REPORT.md": scenarios.PROSE_SOURCE_MD.encode()})
    plain = zip_bytes({"report.docx": tricks.docx_with_filler(copy)})
    tricked = zip_bytes({
        "report.docx": tricks.docx_with_filler(tricks.cyrillic_lookalikes(copy), filler),
        "answers.txt": tricks.zero_width_spaces(copy).encode(),
    })
    stack.start_worker("w1")
    scores = {}
    for project, upload in (("plain", plain), ("tricked", tricked)):
        first = stack.upload(source, "alice", project).get_json()["id"]
        assert stack.wait_finished(first)["status"] == "done"
        second = stack.upload(upload, "mallory", project, assessor_id="ada").get_json()["id"]
        assert stack.wait_finished(second)["status"] == "done"
        body = stack.client.get(f"/api/v1/submissions/{second}/report",
                                headers=stack.headers("staff")).get_json()
        [match] = body["matches"]
        scores[project] = match["similarity"]
        if project == "plain":
            assert body["flags"] == []
            continue
        assert [(f["file"], f["kind"]) for f in body["flags"]] == [
            ("answers.txt", "invisible_characters"), ("report.docx", "hidden_text"),
            ("report.docx", "homoglyphs")]
        [hidden] = [f for f in body["flags"] if f["kind"] == "hidden_text"]
        assert hidden["count"] == len(copy.split()) and "cannot see" in hidden["detail"]
        page = stack.client.get(f"/reports/{second}", headers=stack.headers("assessor"))
        text = page.get_data(as_text=True)
        assert "Integrity flags" in text and "evidence, not a verdict" in text
        assert text.index("Integrity flags") < text.index("Matches with other students")
    assert scores["plain"] >= 0.9 and abs(scores["tricked"] - scores["plain"]) <= 0.1


def test_a_worker_applies_the_retention_policy_when_it_is_due(stack: Stack) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from originality.store.models import AccessLog, AuditLog, utcnow

    old = utcnow() - timedelta(days=400)
    with stack.archive.db.session() as session:
        session.add(AccessLog(at=old, submission_id="s-old", action="report", outcome=200))
        session.add(AccessLog(at=utcnow(), submission_id="s-new", action="report", outcome=200))

    def runs() -> list[AuditLog]:
        with stack.archive.db.sessions() as session:
            return list(session.scalars(select(AuditLog).filter_by(action="retention.applied")))

    stack.start_worker("keeper")
    [run] = wait_for(runs, what="the worker's retention run")
    assert run.actor == "worker" and json.loads(run.detail)["removed"] == {"access_log": 1}
    with stack.archive.db.sessions() as session:
        left = list(session.scalars(select(AccessLog.submission_id)))
    assert left == ["s-new"]
    # Not due again for a day: recovery keeps running, the retention does not.
    time.sleep(2.5)
    assert len(runs()) == 1
    with stack.archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AccessLog)) == 1
