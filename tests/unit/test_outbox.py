"""The outbox's rules on a real SQLite database, with a fake receiver (a function standing in
for the HTTP post); the real relay, worker and receiver meet in
tests/integration/test_webhook_delivery.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select, update

from originality.archive import Archive, file_digest
from originality.errors import EventConflict, NotFound, UsageError
from originality.outbox import DEAD, DELIVERED, PENDING, Outbox, backoff, record, signature, verify
from originality.store.models import AuditLog, EventRow, JobStatus, utcnow
from originality.store.settings import Settings
from tests.support import migrate

SECRET = "s3cret"
URL = "http://receiver.invalid/hook"


class Receiver:
    """Answers each post with the next status in ``answers`` (then the last one forever)."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.posts: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        assert url == URL
        self.posts.append((body, headers))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory"))
    yield opened
    opened.close()


def stored(archive: Archive, event_type: str = "sanction.decided") -> str:
    with archive.db.session() as session:
        return str(record(session, event_type, {"case_id": "c1"})["id"])


def row(archive: Archive, event_id: str) -> EventRow:
    with archive.db.sessions() as session:
        found = session.get(EventRow, event_id)
        assert found is not None
        return found


def make_due(archive: Archive, event_id: str) -> None:
    """As if the backoff had passed."""
    with archive.db.session() as session:
        session.execute(update(EventRow).where(EventRow.id == event_id)
                        .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_the_signature_is_hmac_of_the_timestamp_dot_body_and_old_ones_are_refused() -> None:
    body = b'{"id": "e1"}'
    header = signature(SECRET, body, 1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(SECRET, header, body, now=1_700_000_000 + 299)
    assert not verify(SECRET, header, body, now=1_700_000_000 + 301)  # replayed too late
    assert not verify(SECRET, header, body + b" ", now=1_700_000_000)  # body changed
    assert not verify("other", header, body, now=1_700_000_000)
    forged = header.replace("t=1700000000", "t=1700000300")  # a fresh time on an old signature
    assert not verify(SECRET, forged, body, now=1_700_000_300)
    assert not verify(SECRET, "v1=" + expected, body, now=1_700_000_000)


def test_an_event_is_posted_signed_with_its_id_and_delivered_once(archive: Archive) -> None:
    event_id = stored(archive)
    receiver = Receiver(204)
    outbox = Outbox(archive.db, URL, SECRET, poster=receiver)
    assert outbox.relay() == 1
    assert outbox.relay() == 0  # delivered: never posted again
    [(body, headers)] = receiver.posts
    assert json.loads(body)["id"] == event_id == headers["X-Originality-Event-Id"]
    assert headers["X-Originality-Event"] == "sanction.decided"
    assert verify(SECRET, headers["X-Originality-Signature"], body)
    found = row(archive, event_id)
    assert (found.status, found.attempts, found.last_error) == (DELIVERED, 1, None)
    assert found.delivered_at is not None and body == found.data.encode()
    # Sent again by staff, it is pending: not delivered at its old time.
    resent = outbox.resend(event_id, "dean", "staff", "the receiver lost it")
    assert (resent["status"], resent["delivered_at"]) == (PENDING, None)


def test_failures_back_off_then_the_event_is_dead_and_a_resend_delivers_it(archive: Archive) -> None:
    event_id = stored(archive)
    receiver = Receiver(503, ConnectionRefusedError("refused"), 500)
    outbox = Outbox(archive.db, URL, SECRET, attempts=3, backoff_seconds=30, poster=receiver)
    assert outbox.deliver(event_id) == PENDING
    first = row(archive, event_id)
    assert first.last_error == "HTTP 503" and first.attempts == 1
    waited = (first.next_attempt_at - utcnow()).total_seconds()  # type: ignore[operator]
    assert 25 < waited <= 30
    assert outbox.relay() == 0 and len(receiver.posts) == 1  # not due during the backoff
    make_due(archive, event_id)
    assert outbox.deliver(event_id) == PENDING
    assert row(archive, event_id).last_error == "ConnectionRefusedError: refused"
    make_due(archive, event_id)
    assert outbox.deliver(event_id) == DEAD
    assert [e["id"] for e in outbox.events(DEAD)] == [event_id]
    assert outbox.counts() == {PENDING: 0, DELIVERED: 0, DEAD: 1}
    assert outbox.events(DEAD)[0]["last_error"] == "HTTP 500"
    make_due(archive, event_id)
    assert outbox.deliver(event_id) is None  # dead: no relay takes it again

    resent = outbox.resend(event_id, "dean", "staff", "receiver fixed")
    assert (resent["status"], resent["attempts"]) == (PENDING, 0)
    with pytest.raises(EventConflict):
        outbox.resend(event_id, "dean", "staff")
    receiver.answers = [200]
    assert outbox.relay() == 1 and row(archive, event_id).status == DELIVERED
    bodies = {body for body, _ in receiver.posts}
    assert len(bodies) == 1  # the same bytes, the same id, at every attempt
    with archive.db.sessions() as session:
        [audit] = session.scalars(select(AuditLog).filter_by(subject=f"event:{event_id}"))
    assert (audit.action, audit.actor, audit.why) == ("event.resent", "dean", "receiver fixed")
    assert json.loads(audit.detail) == {"type": "sanction.decided", "status": DEAD, "attempts": 3}


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n, 30) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_a_claimed_event_is_not_posted_by_a_second_relay(archive: Archive) -> None:
    event_id = stored(archive)
    second = Receiver(204)

    def slow(url: str, body: bytes, headers: dict[str, str]) -> int:
        # While the first relay posts, another relay tries the same event.
        assert Outbox(archive.db, URL, SECRET, poster=second).deliver(event_id) is None
        return 204

    assert Outbox(archive.db, URL, SECRET, poster=slow).deliver(event_id) == DELIVERED
    assert second.posts == []


def test_a_relay_that_died_mid_post_leaves_the_event_due_again(archive: Archive) -> None:
    event_id = stored(archive)

    def dies(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise SystemExit  # not an answer: the process is going away

    with pytest.raises(SystemExit):
        Outbox(archive.db, URL, SECRET, poster=dies).deliver(event_id)
    assert row(archive, event_id).status == PENDING
    assert Outbox(archive.db, URL, SECRET, poster=Receiver(204)).relay() == 0  # still claimed
    make_due(archive, event_id)  # the claim ran out
    assert Outbox(archive.db, URL, SECRET, poster=Receiver(204)).relay() == 1
    assert row(archive, event_id).attempts == 2  # the lost attempt counts


def test_without_a_webhook_url_events_wait_and_a_url_needs_a_secret(archive: Archive) -> None:
    event_id = stored(archive)
    assert Outbox(archive.db).relay() == 0
    assert row(archive, event_id).status == PENDING
    with pytest.raises(UsageError, match="secret"):
        Outbox(archive.db, URL, "")
    with pytest.raises(NotFound):
        Outbox(archive.db).resend("nope", "dean", "staff")


def test_an_upload_finishing_stores_submission_checked_in_the_outbox_and_an_import_does_not(
        archive: Archive, tmp_path: Path) -> None:
    from fixtures import scenarios
    from fixtures.make_fixtures import zip_bytes

    [found] = [s for s in scenarios.SCENARIOS if s.id == "original"]
    path = tmp_path / "original.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    sha, size = file_digest(path)
    upload = archive.register(sha256=sha, size=size, project_id="p", student_id="alice").submission
    imported = archive.register(sha256=sha, size=size, project_id="p", student_id="bob",
                                origin="archive").submission
    failing = archive.register(sha256=sha, size=size, project_id="p", student_id="carol").submission
    for submission in (upload, imported):
        assert archive.claim(submission.id, 60)
        assert archive.process(submission.id, source=path) == JobStatus.DONE
    assert archive.claim(failing.id, 60)
    assert archive.finish(failing.id, JobStatus.FAILED, {"code": "internal_error", "message": "x"})
    with archive.db.sessions() as session:
        events = [json.loads(r.data) for r in session.scalars(
            select(EventRow).filter_by(type="submission.checked").order_by(EventRow.created_at))]
    assert [(e["data"]["submission_id"], e["data"]["status"], e["data"]["error"]) for e in events] == [
        (upload.id, "done", None),
        (failing.id, "failed", {"code": "internal_error", "message": "x"})]
    assert events[0]["data"]["student_id"] == "alice" and events[0]["data"]["project_id"] == "p"


def test_the_settings_refuse_a_webhook_url_without_a_secret() -> None:
    with pytest.raises(UsageError, match="webhook_secret must be set"):
        Settings.from_env({"ORIGINALITY_WEBHOOK_URL": URL})
    assert Settings.from_env({"ORIGINALITY_WEBHOOK_URL": URL,
                              "ORIGINALITY_WEBHOOK_SECRET": SECRET}).webhook_secret == SECRET
    with pytest.raises(UsageError, match="log_format"):
        Settings.from_env({"ORIGINALITY_LOG_FORMAT": "xml"})


def test_a_signature_made_now_verifies_now() -> None:
    header = signature(SECRET, b"{}", int(time.time()))
    assert verify(SECRET, header, b"{}")


def test_an_event_queued_by_the_release_before_the_outbox_is_taken_over(archive: Archive) -> None:
    # The previous release stored sanction.decided without a status (the column's default
    # says delivered) and queued it to a task; it never stored submission.checked at all.
    with archive.db.session() as session:
        session.add(EventRow(id="old1", type="sanction.decided", created_at=utcnow(),
                             data=json.dumps({"id": "old1", "type": "sanction.decided"})))
    assert row(archive, "old1").status == DELIVERED
    outbox = Outbox(archive.db, URL, SECRET, poster=Receiver(204))
    checked = {"id": "old2", "type": "submission.checked", "created_at": "2026-12-04T21:00:00+00:00",
               "data": {"submission_id": "s1"}}
    assert outbox.adopt({"id": "old1", "type": "sanction.decided"})
    assert outbox.adopt(checked)
    assert outbox.relay() == 2
    assert json.loads(row(archive, "old2").data) == checked
    # Once the relay has handled it, a repeated message changes nothing.
    assert not outbox.adopt(checked) and not outbox.adopt({"id": "old1", "type": "x"})


def test_an_event_names_its_submission_and_case_and_the_migration_fills_them(
        archive: Archive) -> None:
    """Erasure finds an event by the submission and the case its data names: this release
    writes them on the row, migration 0027 fills them for the events written before."""
    with archive.db.session() as session:
        checked = record(session, "submission.checked", {"submission_id": "s1", "status": "done"})
        decided = record(session, "sanction.decided", {"case_id": "c1", "submission_id": "s2"})
    Outbox(archive.db, URL, SECRET, poster=Receiver(204)).adopt(
        {"id": "old2", "type": "submission.checked", "data": {"submission_id": "s3"}})

    def named() -> dict[str, tuple[str | None, str | None]]:
        with archive.db.sessions() as session:
            return {e.id: (e.submission_id, e.case_id) for e in session.scalars(select(EventRow))}

    written = named()
    assert written == {checked["id"]: ("s1", None), decided["id"]: ("s2", "c1"),
                       "old2": ("s3", None)}
    migrate(archive, "0026", down=True)  # back to before the columns (dropped)
    migrate(archive, "head")  # then filled again
    assert named() == written


def test_a_redirect_is_a_failed_attempt_never_followed_as_a_get() -> None:
    # A receiver moved (http -> https, a trailing slash) answers the POST 301: urllib would follow
    # it as a GET without the body, which the new place answers 200, and the event would count as
    # delivered though its body never arrived.
    import http.server
    import threading

    from originality.outbox import post

    seen: list[str] = []

    class Moved(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            seen.append("POST " + self.path)
            self.send_response(301)
            self.send_header("Location", "/moved")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            seen.append("GET " + self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Moved)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status = post(f"http://127.0.0.1:{server.server_address[1]}/hook", b"{}", {})
    finally:
        server.shutdown()
        server.server_close()
    assert status == 301 and seen == ["POST /hook"]


def test_events_are_listed_a_page_at_a_time_past_any_number(archive: Archive) -> None:
    made = [stored(archive) for _ in range(5)]
    outbox = Outbox(archive.db)
    walked: list[str] = []
    after = None
    while True:
        page = outbox.events(None, 2, after)
        walked += [e["id"] for e in page]
        if len(page) < 2:
            break
        after = page[-1]["id"]
    assert sorted(walked) == sorted(made) and len(walked) == 5
    assert walked == [e["id"] for e in outbox.events(None, 10)]  # the same order as one long page
    with pytest.raises(NotFound):
        outbox.events(None, 2, "no-such-event")


def test_an_events_time_orders_two_events_of_one_second() -> None:
    from datetime import datetime

    made = []
    for micro in (100, 900):
        at = datetime(2026, 12, 7, 20, 4, 8, micro)
        made.append(datetime.fromisoformat(record_body("submission.checked", at)["created_at"]))
    assert made[0] < made[1] and made[0].tzinfo is not None


def record_body(event_type: str, at: object) -> dict[str, object]:
    """The body ``record`` makes, without a database: the session only stores the row."""
    class Session:
        def add(self, row: object) -> None:
            pass

    return record(Session(), event_type, {"submission_id": "s1"}, at)  # type: ignore[arg-type]
