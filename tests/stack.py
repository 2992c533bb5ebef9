"""The service deployed as real processes on one machine, as the fault tests and the burst
benchmark run it: a PostgreSQL database, a redis-server, solo Celery workers and the API under
gunicorn, each worker and the API with a data dir of its own; and uploads sent as a platform
sends them (a request that failed is sent again).

Import it as ``from tests.stack import ...`` (pytest puts the repository root on the path;
``benchmarks/burst.py`` puts it there itself)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from originality.store.access import create_token
from originality.store.db import Database
from tests.processes import Process, environment, http, multipart, wait_until_up
from tests.servers import PostgresCluster, RedisServer
from tests.support import free_port

RECEIVED = re.compile(r"Task originality\.check_submission\[[^\]]+\] received")


class Deployment:
    """Its servers, processes and a platform token. ``settings`` are ``ORIGINALITY_*``
    variables every process gets besides the database's and Redis's URLs."""

    def __init__(self, root: Path, redis: RedisServer, pg: PostgresCluster, database: str,
                 settings: dict[str, str] | None = None) -> None:
        self.root, self.redis, self.pg, self.database = root, redis, pg, database
        self.shared = {"ORIGINALITY_DATABASE_URL": database.replace("postgresql+psycopg://",
                                                                    "postgresql://"),
                       "ORIGINALITY_REDIS_URL": f"{redis.url}/0", **(settings or {})}
        self.workers: dict[str, Process] = {}
        self.api: Process | None = None
        self.url = ""
        self.token = ""
        self.engine = create_engine(database, pool_pre_ping=True)

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return environment(self.root / name, **self.shared, **extra)

    def start_worker(self, name: str, **extra: str) -> Process:
        worker = Process(self.env(name, **extra), self.root / f"{name}.log", "worker",
                         "--pool=solo", "-n", f"{name}-{self.redis.port}@%h",
                         "--without-mingle", "--without-gossip")
        self.workers[name] = worker
        return worker

    def start(self, workers: int = 2, web_workers: int = 2, threads: int = 4) -> None:
        # The release step in this process rather than `originality db upgrade` (test_deploy.py
        # runs the command): a command's start costs seconds on a loaded machine.
        db = Database(self.database, self.root / "release", migrate_now=True)
        try:
            self.token = create_token(db, "platform", "lms")
        finally:
            db.dispose()
        for n in range(1, workers + 1):
            self.start_worker(f"worker{n}")
        port = free_port()
        self.api = Process(self.env("api"), self.root / "api.log", "serve", "--port", str(port),
                           "--workers", str(web_workers), "--threads", str(threads))
        self.url = f"http://127.0.0.1:{port}"
        for worker in self.workers.values():
            worker.wait_for("ready.")
        wait_until_up(self.url, self.api)

    def stop(self) -> None:
        # Killed rather than stopped gracefully (test_deploy.py tests that): nothing they hold
        # is needed any more, and a warm shutdown of each costs seconds.
        for process in [*self.workers.values(), *([self.api] if self.api else [])]:
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(10)
        self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine)

    def check_runs(self) -> int:
        """Check tasks the workers took so far, those that found their submission taken too
        (Celery logs each as received, then as succeeded, retried or failed)."""
        return sum(len(RECEIVED.findall(w.output())) for w in self.workers.values())

    def upload(self, fields: dict[str, str], data: bytes, give_up_after: float) -> tuple[str, int]:
        """POST one deliverable as a platform does: sent again while there is no answer or a
        5xx, for at most ``give_up_after`` seconds. Returns the submission id and how many
        times it was sent again; a refusal for a reason (4xx) fails at once."""
        body, kind = multipart(fields, data)
        deadline = time.monotonic() + give_up_after
        resent = 0
        while True:
            try:
                status, _, answer = http("POST", self.url + "/api/v1/submissions", self.token,
                                         body, kind)
            except (OSError, http.client.HTTPException, json.JSONDecodeError) as error:
                status, answer = 0, {"error": repr(error)}
            if status in (200, 202):
                return str(answer["id"]), resent
            assert status == 0 or status >= 500, answer  # refused for a reason: not a fault's
            assert time.monotonic() < deadline, f"an upload never went through: {answer}"
            resent += 1
            time.sleep(0.2)
