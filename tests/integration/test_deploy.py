"""The service as it is deployed: `originality db upgrade` run once, then `originality serve`
(gunicorn) and `originality worker` started with migrations off, as on a machine of a
multi-machine installation (docs/deploy.md). Real processes, a real redis-server, SQLite in a
temporary directory; the PostgreSQL side is in test_postgres.py."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.processes import (START_SECONDS, Process, environment, http, multipart, originality,
                             scenario_zip, wait_until_up)
from tests.support import free_port

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]


def test_db_upgrade_builds_a_fresh_database_once_and_then_finds_nothing_to_do(tmp_path: Path) -> None:
    env = environment(tmp_path / "data", ORIGINALITY_MIGRATE="never")
    behind = originality(env, "db", "current")
    assert behind.returncode == 1
    assert behind.stdout.startswith("database at an empty schema; this version needs 00")
    # With migrations off, a command refuses the empty database in one line, naming the cure.
    token = originality(env, "token", "create", "--role", "staff", "--name", "dean")
    assert token.returncode == 1
    assert token.stderr.count("\n") == 1 and "schema_out_of_date" in token.stderr
    assert "originality db upgrade" in token.stderr

    first = originality(env, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    head = first.stdout.split()[-2]
    assert first.stdout == f"database upgraded from an empty schema to {head} (head)\n"
    again = originality(env, "db", "upgrade")
    assert again.stdout == f"database already at {head} (head)\n"
    assert originality(env, "db", "current").returncode == 0
    assert originality(env, "token", "create", "--role", "staff", "--name", "dean").returncode == 0


def test_serve_and_worker_refuse_a_schema_behind_the_code_in_one_line(tmp_path: Path) -> None:
    env = environment(tmp_path / "data", ORIGINALITY_MIGRATE="never",
                      ORIGINALITY_REDIS_URL="redis://127.0.0.1:9/0")
    for command in (["serve", "--port", str(free_port())], ["worker", "--pool=solo"]):
        done = originality(env, *command)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert done.stderr.startswith("Error: schema_out_of_date: the database schema has no "
                                      "tables yet"), done.stderr
        assert done.stderr.count("\n") == 1


@pytest.fixture
def deployed(tmp_path: Path, redis_server: str) -> Iterator[dict[str, Any]]:
    """One API machine (gunicorn, 2 processes) and one worker machine on a database upgraded
    beforehand by `originality db upgrade`; neither migrates."""
    import redis

    # Database 0 of the session's Redis, which test_service.py leaves alone, emptied of what
    # an earlier test here left (queued messages, the index's keys).
    client = redis.Redis.from_url(f"{redis_server}/0")
    client.flushdb()
    client.close()
    data = tmp_path / "data"
    env = environment(data, ORIGINALITY_MIGRATE="never", ORIGINALITY_REDIS_URL=f"{redis_server}/0",
                      ORIGINALITY_LEASE_SECONDS="5", ORIGINALITY_RECOVERY_INTERVAL="1")
    assert originality(env, "db", "upgrade").returncode == 0
    tokens = {role: originality(env, "token", "create", "--role", role, "--name", name)
              .stdout.splitlines()[-1] for role, name in [("platform", "lms"), ("staff", "dean")]}
    port = free_port()
    worker = Process(env, tmp_path / "worker.log", "worker", "--pool=solo", "-n",
                     f"w{port}@%h", "--without-mingle", "--without-gossip")
    server = Process(env, tmp_path / "serve.log", "serve", "--host", "127.0.0.1", "--port",
                     str(port), "--workers", "2", "--threads", "4")
    try:
        worker.wait_for("ready.")
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server)
        yield {"url": url, "tokens": tokens, "server": server, "env": env}
    finally:
        server.stop()
        worker.stop()


def test_a_report_comes_through_gunicorn_from_upload_to_worker_to_reader(
        deployed: dict[str, Any]) -> None:
    url, tokens, server = deployed["url"], deployed["tokens"], deployed["server"]
    status, headers, body = http("GET", url + "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert headers["Server"].startswith("gunicorn")  # not Werkzeug's development server
    status, _, body = http("GET", url + "/readyz")
    assert (status, body) == (200, {"status": "ok", "database": "ok", "redis": "ok"})

    ids = {}
    for student, scenario in [("alice", "original"), ("mallory", "identical")]:
        data, kind = multipart({"student_id": student, "project_id": "p"}, scenario_zip(scenario))
        status, _, body = http("POST", url + "/api/v1/submissions", tokens["platform"], data, kind)
        assert status == 202, body
        ids[student] = body["id"]
        deadline = time.monotonic() + START_SECONDS
        while http("GET", f"{url}/api/v1/submissions/{body['id']}", tokens["platform"])[2]["status"] \
                in ("queued", "running"):
            assert time.monotonic() < deadline, "the check never ended"
            time.sleep(0.2)
    status, _, report = http("GET", f"{url}/api/v1/submissions/{ids['mallory']}/report", tokens["staff"])
    assert status == 200, report
    [match] = report["matches"]
    assert match["submission_id"] == ids["alice"] and match["similarity"] >= 0.95
    log = server.output()
    assert "Using worker: gthread" in log and log.count("Booting worker") == 2
    assert "development server" not in log


def test_readyz_is_503_when_the_schema_falls_behind_and_degraded_without_redis(
        deployed: dict[str, Any], tmp_path: Path) -> None:
    from alembic import command

    from originality.store.db import alembic_config, make_engine
    from originality.store.settings import Settings

    url = deployed["url"]
    settings = Settings.from_env(deployed["env"])
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(settings.sqlalchemy_url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
        status, _, body = http("GET", url + "/readyz")
        assert (status, body) == (503, {"status": "unavailable", "database": "schema_out_of_date",
                                        "redis": "ok"})
        assert http("GET", url + "/healthz")[0] == 200  # alive all the same: nothing to restart
        # A process gunicorn replaces now (killed, or timed out) must boot all the same: one
        # that failed to boot would make gunicorn stop the whole server.
        server = deployed["server"]
        first = int(server.output().split("Booting worker with pid: ")[1].split()[0])
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + START_SECONDS
        while server.output().count("Booting worker") < 3:
            assert time.monotonic() < deadline and server.popen.poll() is None, server.output()
            time.sleep(0.1)
        time.sleep(2)  # long enough for a failed boot to halt the server
        assert server.popen.poll() is None, server.output()
        assert http("GET", url + "/readyz")[0] == 503
    finally:
        engine.dispose()
    assert originality(deployed["env"], "db", "upgrade").returncode == 0
    assert http("GET", url + "/readyz")[0] == 200, deployed["server"].output()

    # Without a broker, the API still takes uploads (kept in the database): degraded, not down.
    data = tmp_path / "data"
    alone = Process(environment(data, ORIGINALITY_MIGRATE="never",
                                ORIGINALITY_REDIS_URL="redis://127.0.0.1:9/0"),
                    tmp_path / "alone.log", "serve", "--port", str(port := free_port()),
                    "--workers", "1", "--threads", "2")
    try:
        wait_until_up(f"http://127.0.0.1:{port}", alone)
        status, _, body = http("GET", f"http://127.0.0.1:{port}/readyz")
        assert (status, body) == (200, {"status": "degraded", "database": "ok",
                                        "redis": "unreachable"})
    finally:
        alone.stop()


def test_dev_runs_werkzeug_and_only_when_asked(tmp_path: Path) -> None:
    env = environment(tmp_path / "data", ORIGINALITY_REDIS_URL="redis://127.0.0.1:9/0")
    del env["ORIGINALITY_SECRET_KEY"]  # a laptop: --dev makes its own cookie key
    port = free_port()
    server = Process(env, tmp_path / "dev.log", "serve", "--dev", "--port", str(port))
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        _, headers, _ = http("GET", f"http://127.0.0.1:{port}/healthz")
        assert headers["Server"].startswith("Werkzeug")
    finally:
        server.stop()


@pytest.mark.parametrize("key, said", [(None, "ORIGINALITY_SECRET_KEY is not set"),
                                       ("changeme", "it needs at least 32")])
def test_serve_refuses_to_start_without_a_real_cookie_key(tmp_path: Path, key: str | None,
                                                          said: str) -> None:
    env = environment(tmp_path / "data", ORIGINALITY_REDIS_URL="redis://127.0.0.1:9/0")
    del env["ORIGINALITY_SECRET_KEY"]
    if key is not None:
        env["ORIGINALITY_SECRET_KEY"] = key
    refused = originality(env, "serve", "--port", str(free_port()))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("Error: secret_key_missing: ") and said in refused.stderr
