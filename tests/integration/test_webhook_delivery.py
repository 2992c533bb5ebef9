"""The outbox with the real parts: a real redis-server, a real Celery worker process running the
relay, SQLite, the Flask app in this process, and a webhook receiver written here (a small HTTP
server that checks each signature and its freshness as docs/contract.md tells platforms to)."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.integration.test_service import Stack, scenario_zip, wait_for

SECRET = "receiver-shared-secret"
TOLERANCE = 300  # seconds, as docs/contract.md says

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]


def fresh_and_signed(header: str, body: bytes, now: float) -> bool:
    """The receiver's check, written from the contract alone: ``t=<unix>,v1=<hex>`` where v1 is
    HMAC-SHA256(secret, "<t>.<body>"); refused when t is more than TOLERANCE away from now."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    if set(fields) != {"t", "v1"} or not fields["t"].isdigit():
        return False
    if abs(now - int(fields["t"])) > TOLERANCE:
        return False
    expected = hmac.new(SECRET.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


class Receiver:
    """A platform's webhook endpoint on a fixed port: started and stopped at will (down means
    nothing listens: connection refused), or up but answering 503 while ``broken``."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.accepted: list[tuple[dict[str, str], bytes, float]] = []
        self.refused: list[tuple[dict[str, str], bytes]] = []
        self.broken = False
        self.clock_offset = 0.0  # a receiver whose clock runs ahead: for replays
        self._server: http.server.ThreadingHTTPServer | None = None

    def handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers)
                status = receiver.take(headers, body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        return Handler

    def take(self, headers: dict[str, str], body: bytes) -> int:
        if self.broken:
            return 503
        now = time.time() + self.clock_offset
        if not fresh_and_signed(headers.get("X-Originality-Signature", ""), body, now):
            self.refused.append((headers, body))
            return 401
        self.accepted.append((headers, body, now))
        return 204

    def start(self) -> None:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str]:
        """The event ids accepted, in order, duplicates kept (a receiver drops them by id)."""
        return [json.loads(body)["id"] for _, body, _ in self.accepted]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.stop()


@pytest.fixture
def stack(tmp_path: Path, redis_server: str, receiver: Receiver) -> Iterator[Stack]:
    import redis

    # Redis database 0 is shared with other modules' tests, which flush it as this does.
    client = redis.Redis.from_url(f"{redis_server}/0")
    client.flushdb()
    client.close()
    built = Stack(tmp_path, redis_server, 0, receiver.url, secret=SECRET)
    try:
        yield built
    finally:
        built.close()


def outbox(stack: Stack, status: str = "all") -> dict[str, Any]:
    response = stack.client.get(f"/api/v1/events?status={status}", headers=stack.headers("staff"))
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def test_events_wait_while_the_receiver_is_down_and_each_is_delivered_once_it_is_up(
        stack: Stack, receiver: Receiver) -> None:
    stack.start_worker("w1", ORIGINALITY_WEBHOOK_BACKOFF="0.2", ORIGINALITY_WEBHOOK_ATTEMPTS="50")
    first = stack.upload(scenario_zip("original"), "alice", "p1").get_json()["id"]
    assert stack.wait_finished(first)["status"] == "done"
    copy = stack.upload(scenario_zip("identical"), "mallory", "p1", assessor_id="ada").get_json()["id"]
    assert stack.wait_finished(copy)["status"] == "done"
    case = stack.client.post("/api/v1/cases", headers=stack.headers("assessor"), json={
        "submission_id": copy, "stage": "creation", "note": "copied"}).get_json()
    decided = stack.client.post(f"/api/v1/cases/{case['id']}/decision",
                                headers=stack.headers("staff"),
                                json={"decision": "confirmed", "note": "clear"})
    assert decided.status_code == 201

    # Two checks, the pair flagged on both sides, one decision: five events, each tried and
    # failed (nothing listens), none lost.
    def all_tried() -> list[dict[str, Any]]:
        events = outbox(stack)["events"]
        return events if len(events) == 5 and all(e["attempts"] >= 2 for e in events) else []

    events = wait_for(all_tried, 60, "every event tried twice against the receiver down")
    assert {e["status"] for e in events} == {"pending"}
    assert all("ConnectionRefusedError" in (e["last_error"] or "") for e in events)
    assert sorted(e["type"] for e in events) == ["sanction.decided", "submission.checked",
                                                 "submission.checked", "submission.flagged",
                                                 "submission.flagged"]
    assert decided.get_json()["event"]["id"] in {e["id"] for e in events}

    receiver.start()
    wait_for(lambda: outbox(stack)["counts"] == {"pending": 0, "delivered": 5, "dead": 0}, 60,
             "every event delivered once the receiver is up")
    assert set(receiver.ids()) == {e["id"] for e in events}
    assert len(receiver.ids()) == 5  # claimed before posting: no relay posted one twice
    assert receiver.refused == []
    for headers, body, received in receiver.accepted:
        event = json.loads(body)
        assert headers["X-Originality-Event-Id"] == event["id"]
        assert headers["X-Originality-Event"] == event["type"]
        # Signed when sent, not when stored: the retried events are fresh.
        signed_at = int(headers["X-Originality-Signature"].split(",")[0][2:])
        assert abs(received - signed_at) <= 2

    # A delivery replayed later (its signature 301 s old to the receiver's clock) is refused.
    headers, body, _ = receiver.accepted[0]
    receiver.clock_offset = TOLERANCE + 1 + (time.time() - int(headers["X-Originality-Signature"]
                                                               .split(",")[0][2:]))
    assert receiver.take(headers, body) == 401
    receiver.clock_offset = 0.0
    assert receiver.take(headers, body + b" ") == 401  # a body changed in transit


def test_after_every_attempt_fails_the_event_is_dead_listed_for_staff_and_resent(
        stack: Stack, receiver: Receiver) -> None:
    receiver.broken = True
    receiver.start()
    stack.start_worker("w1", ORIGINALITY_WEBHOOK_BACKOFF="0.1", ORIGINALITY_WEBHOOK_ATTEMPTS="3")
    first = stack.upload(scenario_zip("original"), "alice", "p2").get_json()["id"]
    assert stack.wait_finished(first)["status"] == "done"

    dead = wait_for(lambda: outbox(stack, "dead")["events"], 60, "the event dead")
    [event] = dead
    assert (event["type"], event["status"], event["attempts"]) == ("submission.checked", "dead", 3)
    assert event["last_error"] == "HTTP 503" and event["next_attempt_at"] is None
    assert event["event"]["data"]["submission_id"] == first
    assert outbox(stack, "dead")["counts"] == {"pending": 0, "delivered": 0, "dead": 1}
    time.sleep(1.0)  # dead stays dead: the relay keeps running, and leaves it alone
    assert stack.client.get(f"/api/v1/events/{event['id']}",
                            headers=stack.headers("staff")).get_json()["attempts"] == 3
    # Staff only.
    assert stack.client.get("/api/v1/events", headers=stack.headers("assessor")).status_code == 403
    assert stack.client.get("/api/v1/events", headers=stack.headers("platform")).status_code == 403
    assert stack.client.get("/api/v1/events?status=lost",
                            headers=stack.headers("staff")).status_code == 422

    # The platform fixes its endpoint; staff re-send the event: the same id and body.
    receiver.broken = False
    resent = stack.client.post(f"/api/v1/events/{event['id']}/resend",
                               headers=stack.headers("staff"), json={"note": "endpoint fixed"})
    assert resent.status_code == 202
    assert resent.get_json()["status"] in ("pending", "delivered")
    wait_for(lambda: receiver.accepted, 30, "the re-sent event")
    assert receiver.ids() == [event["id"]]
    assert json.loads(receiver.accepted[0][1]) == event["event"]
    delivered = stack.client.get(f"/api/v1/events/{event['id']}", headers=stack.headers("staff"))
    wait_for(lambda: stack.client.get(f"/api/v1/events/{event['id']}", headers=stack.headers(
        "staff")).get_json()["status"] == "delivered", 10, "the event marked delivered")
    assert delivered.status_code == 200
    assert outbox(stack, "dead")["events"] == []
    again = stack.client.post(f"/api/v1/events/{event['id']}/resend",
                              headers=stack.headers("staff"), json={})
    assert again.status_code == 202  # a delivered one may be sent again too
    missing = stack.client.post("/api/v1/events/nope/resend", headers=stack.headers("staff"), json={})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
