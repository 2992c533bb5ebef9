"""Logs as JSON lines (``ORIGINALITY_LOG_FORMAT=json``) from the real processes: `originality
serve` (gunicorn), `originality worker` and the relay it runs; and the settings a deployment
gets wrong refused at start, in one line."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.processes import (
    REPO,
    Process,
    START_SECONDS,
    environment,
    http as request,
    multipart,
    originality,
    scenario_zip,
    wait_until_up,
)
from tests.support import free_port

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]


class Started(Process):
    """A command with its stdout and stderr in two files (JSON is read from each apart),
    stopped with its process group as any ``Process``."""

    def __init__(self, env: dict[str, str], folder: Path, name: str, *args: str) -> None:
        self.out, self.err = folder / f"{name}.out", folder / f"{name}.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.popen = subprocess.Popen([sys.executable, "-m", "originality", *args], cwd=REPO,
                                          env=env, stdout=out, stderr=err, start_new_session=True)

    def output(self) -> str:
        return self.err.read_text(errors="replace") + self.out.read_text(errors="replace")

    def records(self, which: str = "err") -> list[dict[str, Any]]:
        """Every line of the stream as JSON: a line that is not fails the test."""
        path = self.err if which == "err" else self.out
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Accept(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        Accept.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def test_the_api_the_worker_and_the_relay_write_json_lines(tmp_path: Path, redis_server: str) -> None:
    import redis

    client = redis.Redis.from_url(f"{redis_server}/0")  # shared with test_deploy, which flushes too
    client.flushdb()
    client.close()
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = environment(tmp_path / "data", ORIGINALITY_LOG_FORMAT="json",
                      ORIGINALITY_REDIS_URL=f"{redis_server}/0", ORIGINALITY_RECOVERY_INTERVAL="1",
                      ORIGINALITY_WEBHOOK_URL=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
                      ORIGINALITY_WEBHOOK_SECRET="logs-secret")
    assert originality(env, "db", "upgrade").returncode == 0
    token = originality(env, "token", "create", "--role", "platform", "--name", "lms").stdout.split()[-1]
    port = free_port()
    worker = Started(env, tmp_path, "worker", "worker", "--pool=solo", "-n", f"w{port}@%h",
                     "--without-mingle", "--without-gossip")
    server = Started(env, tmp_path, "serve", "serve", "--port", str(port), "--workers", "1")
    try:
        wait_for(lambda: "ready." in worker.err.read_text(), "the worker")
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)  # type: ignore[arg-type]  # a Process in all it uses
        data, kind = multipart({"student_id": "alice", "project_id": "p"}, scenario_zip("original"))
        status, _, body = request("POST", url + "/api/v1/submissions", token, data, kind)
        assert status == 202, body
        wait_for(lambda: Accept.received, "the submission.checked webhook")
        wait_for(lambda: any(r.get("event_id") for r in worker.records()), "the relay's log line")
    finally:
        server.stop()
        worker.stop()
        receiver.shutdown()
        receiver.server_close()

    api_errors, access = server.records("err"), server.records("out")
    assert {"time", "level", "logger", "message", "process"} <= set(api_errors[0])
    assert any(r["message"] == "Using worker: gthread" for r in api_errors)
    [upload] = [r for r in access if r["path"] == "/api/v1/submissions"]
    assert (upload["logger"], upload["method"], upload["status"]) == ("gunicorn.access", "POST", 202)
    assert upload["duration_ms"] >= 0

    records = worker.records()
    assert any(r["logger"] == "celery.apps.worker" and r["message"].endswith("ready.")
               for r in records)
    [delivered] = [r for r in records if r["logger"] == "originality.relay"]
    assert delivered["event_type"] == "submission.checked" and delivered["attempt"] == 1
    assert delivered["event_id"] == json.loads(Accept.received[0])["id"]
    # Celery prints one line of its own on stdout when told to stop, outside its logging.
    assert [line for line in worker.out.read_text().splitlines()
            if line.strip()] in ([], ["worker: Warm shutdown (MainProcess)"])


@pytest.mark.parametrize("command", [["serve"], ["worker", "--pool=solo"], ["token", "list"], ["db", "current"],
                                     ["archive", "add", ".", "--project", "p"]])
def test_a_webhook_url_without_a_secret_is_refused_at_start_in_one_line(
        tmp_path: Path, command: list[str]) -> None:
    """Every command that reads the settings refuses an invalid one alike: one line with its
    code, exit 1 (not Click's usage lines and exit 2: the command line was right)."""
    env = environment(tmp_path / "data", ORIGINALITY_WEBHOOK_URL="https://lms.example/hook",
                      ORIGINALITY_REDIS_URL="redis://127.0.0.1:9/0")
    done = originality(env, *command)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: usage_error: invalid settings: webhook_secret must "
                                  "be set when webhook_url is"), done.stderr
    assert done.stderr.count("\n") == 1
