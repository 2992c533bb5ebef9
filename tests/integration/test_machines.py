"""The service on several machines: two API machines (`originality serve`, gunicorn) and two
worker machines (`originality worker`, Celery), each with a data dir of its own as on separate
hosts, sharing one PostgreSQL and one Redis and nothing else (docs/deploy.md). What one API
machine receives, a worker elsewhere checks and the other API machine serves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.store.access import create_token
from originality.store.db import Database
from tests.processes import (START_SECONDS, Process, environment, http, multipart, originality,
                             scenario_zip, stop_all, wait_until_up)
from tests.support import free_port

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]

SUCCEEDED = "Task originality.check_submission["


@pytest.fixture
def machines(fresh_database: str, redis_server: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two API and two worker "machines" on one database, upgraded once beforehand by a fifth
    (the release step); each machine's environment differs only in its data dir."""
    import redis

    client = redis.Redis.from_url(f"{redis_server}/0")  # test_deploy.py's, emptied first
    client.flushdb()
    client.close()
    shared = {"ORIGINALITY_DATABASE_URL": fresh_database.replace("postgresql+psycopg://",
                                                                 "postgresql://"),
              "ORIGINALITY_REDIS_URL": f"{redis_server}/0",
              "ORIGINALITY_LEASE_SECONDS": "5", "ORIGINALITY_RECOVERY_INTERVAL": "1"}

    def machine(name: str) -> dict[str, str]:
        return environment(tmp_path / name, **shared)

    release = originality(machine("release"), "db", "upgrade")
    assert release.returncode == 0, release.stderr
    # Tokens made here rather than by `originality token create` (test_deploy.py runs it): a
    # command's start costs seconds, and this test must stay short.
    db = Database(fresh_database, tmp_path / "release", migrate_now=False)
    try:
        tokens = {role: create_token(db, role, name) for role, name in [("platform", "lms"),
                                                                         ("staff", "dean")]}
    finally:
        db.dispose()
    ports = [free_port(), free_port()]
    started: list[Process] = []
    try:
        for i in (1, 2):
            started.append(Process(machine(f"worker{i}"), tmp_path / f"worker{i}.log", "worker",
                                   "--pool=solo", "-n", f"worker{i}-{ports[0]}@%h",
                                   "--without-mingle", "--without-gossip"))
        for i, port in enumerate(ports, 1):
            started.append(Process(machine(f"api{i}"), tmp_path / f"api{i}.log", "serve",
                                   "--port", str(port), "--workers", "2", "--threads", "4"))
        workers, apis = started[:2], started[2:]
        for worker in workers:
            worker.wait_for("ready.")
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, api in zip(urls, apis):
            wait_until_up(url, api)
        yield {"urls": urls, "tokens": tokens, "workers": workers, "root": tmp_path}
    finally:
        stop_all(started)


def upload(url: str, token: str, student: str, scenario: str) -> str:
    data, kind = multipart({"student_id": student, "project_id": "p"}, scenario_zip(scenario))
    status, _, body = http("POST", url + "/api/v1/submissions", token, data, kind)
    assert status == 202, body
    return str(body["id"])


def finished(url: str, token: str, submission_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + START_SECONDS
    while True:
        status, _, body = http("GET", f"{url}/api/v1/submissions/{submission_id}", token)
        assert status == 200, body
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, f"the check of {submission_id} never ended"
        time.sleep(0.2)


def test_an_upload_to_one_api_machine_is_checked_elsewhere_and_read_from_the_other(
        machines: dict[str, Any]) -> None:
    (api1, api2), tokens = machines["urls"], machines["tokens"]
    platform, staff = tokens["platform"], tokens["staff"]

    # The project's starter code, received by API 2: every worker must read it too.
    starter = zip_bytes({p: t.encode() for p, t in scenarios.BASE_FILES.items()})
    data, kind = multipart({}, starter)
    status, _, body = http("PUT", api2 + "/api/v1/projects/p/starter", staff, data, kind)
    assert status == 200 and body["files"] == len(scenarios.BASE_FILES), body

    alice = upload(api2, platform, "alice", "original")
    assert finished(api1, platform, alice)["status"] == "done"
    # Received by API 1, checked by a worker on a machine of its own, read from API 2.
    mallory = upload(api1, platform, "mallory", "identical")
    assert finished(api2, platform, mallory)["status"] == "done"
    status, _, report = http("GET", f"{api2}/api/v1/submissions/{mallory}/report", staff)
    assert status == 200, report
    [match] = report["matches"]
    assert match["submission_id"] == alice and match["similarity"] >= 0.95
    assert report["template_lines"][mallory], "the starter code was not left out"

    # The checks ran on the worker machines, and no machine kept an upload on its own disk.
    logs = "".join(worker.output() for worker in machines["workers"])
    assert logs.count(SUCCEEDED) >= 2 and "BlobMissing" not in logs
    assert list(machines["root"].glob("*/uploads")) == []
