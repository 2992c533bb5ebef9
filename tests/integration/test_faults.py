"""Faults under a burst of uploads, with the real parts: PostgreSQL, Redis, two Celery workers,
the API under gunicorn and a webhook receiver that checks every signature. Each test sends 100
tiny uploads from ten clients (a platform: a request that fails is sent again) and breaks one
part in the middle: Redis killed and started again empty; PostgreSQL stopped at once and
started again; a worker SIGKILLed in the middle of a check; the receiver down for a while.
Afterwards every upload ended ``done`` or ``rejected``, none is in the archive twice, and every
event of the outbox reached the receiver (at least once: receivers drop repeats by event id).

The servers, workers and API are shared by the module's tests (each test has a project of its
own and looks only at it), so the four cost one start-up between them."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import create_engine, func, select, text

from fixtures.make_fixtures import zip_bytes
from originality.store.index import RedisIndex
from originality.store.models import ArchiveEntry, EventRow, Submission
from originality.store.settings import LSH_BANDS, LSH_NUM_PERM, LSH_SEED
from tests.integration.test_webhook_delivery import SECRET, Receiver
from tests.servers import PostgresCluster, RedisServer
from tests.stack import Deployment

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:kombu.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:celery.*"),
]

UPLOADS = 100
CLIENTS = 10
# Every 20th upload is an empty ZIP (rejected), and every 25th a copy of the first (flagged
# with its report: a submission.flagged event besides submission.checked).
EMPTY_EVERY, COPY_EVERY = 20, 25
SETTLE_SECONDS = 120.0
# The workers' lease and recovery pass, short so that lost work is found in seconds; the relay's
# first wait after a failed post (doubled at each failure, docs/deploy.md), short so that a
# receiver down for seconds rather than a minute goes through the same retries.
FAST = {"ORIGINALITY_LEASE_SECONDS": "3", "ORIGINALITY_RECOVERY_INTERVAL": "1",
        "ORIGINALITY_RETRY_BASE_SECONDS": "0.2", "ORIGINALITY_WEBHOOK_BACKOFF": "0.1",
        "ORIGINALITY_WEBHOOK_ATTEMPTS": "60"}


def words(seed: int, count: int) -> str:
    """Made-up words of one student's own, so that two students share nothing by chance."""
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ter", "bru", "sen", "vo", "dal", "pi", "rux", "ne", "sto"]
    return " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
                    + f"{seed}" for _ in range(count))


def deliverable(project: str, n: int) -> bytes:
    if n % EMPTY_EVERY == EMPTY_EVERY - 1:
        return zip_bytes({})
    seed = 0 if n % COPY_EVERY == COPY_EVERY - 1 else n
    sentences = [words(seed * 100 + i, 12) + "." for i in range(5)]
    return zip_bytes({"essay.txt": (project + "\n" + "\n".join(sentences)).encode()})


class Service(Deployment):
    """The module's deployment, with the webhook receiver its events go to."""

    def __init__(self, root: Path, redis: RedisServer, pg: PostgresCluster, database: str,
                 receiver: Receiver) -> None:
        super().__init__(root, redis, pg, database,
                         {"ORIGINALITY_WEBHOOK_URL": receiver.url,
                          "ORIGINALITY_WEBHOOK_SECRET": SECRET, **FAST})
        self.receiver = receiver


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory,
            pg_cluster: PostgresCluster) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("faults")
    try:
        redis = RedisServer(root)
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    redis.start()
    admin = create_engine(pg_cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE faults"))
    admin.dispose()
    receiver = Receiver()
    receiver.start()
    built = Service(root, redis, pg_cluster, pg_cluster.url.rsplit("/", 1)[0] + "/faults", receiver)
    try:
        built.start()
        yield built
    finally:
        built.stop()
        receiver.stop()
        redis.stop()


class Burst:
    """100 uploads to one project from ten clients, in a thread of its own; each client sends
    a request again when it failed (no answer, or a 5xx), as a platform does."""

    def __init__(self, service: Service, project: str) -> None:
        self.service, self.project = service, project
        self.ids: dict[int, str] = {}
        self.resent = 0
        self.answered = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._errors: list[BaseException] = []

    def _upload(self, n: int) -> None:
        submission_id, resent = self.service.upload(
            {"student_id": f"s{n:03d}", "project_id": self.project}, deliverable(self.project, n),
            SETTLE_SECONDS)
        with self._lock:
            self.ids[n] = submission_id
            self.resent += resent
        self.answered.release()

    def _run(self) -> None:
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(self._upload, range(UPLOADS)))
        except BaseException as error:  # raised again in join()
            self._errors.append(error)

    def start(self) -> Burst:
        self.runs_before = self.service.check_runs()
        self.logs_before = {name: len(w.output()) for name, w in self.service.workers.items()}
        self._thread.start()
        return self

    def worker_logs(self) -> str:
        """What the module's workers logged since the burst began."""
        return "".join(w.output()[self.logs_before.get(name, 0):]
                       for name, w in self.service.workers.items())

    def wait_for_answers(self, count: int) -> None:
        for _ in range(count):
            assert self.answered.acquire(timeout=SETTLE_SECONDS), "the uploads stopped"

    def join(self) -> dict[int, str]:
        self._thread.join(SETTLE_SECONDS * 2)
        if self._errors:
            raise self._errors[0]
        assert len(self.ids) == UPLOADS
        return self.ids


def wait_for(what: Callable[[], Any], message: str, seconds: float = SETTLE_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = what()
        except Exception:  # the database coming back
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, message
        time.sleep(0.25)


def project_events(service: Service, ids: set[str]) -> list[EventRow]:
    with service.session() as session:
        rows = list(session.scalars(select(EventRow)))
    return [row for row in rows if json.loads(row.data)["data"]["submission_id"] in ids]


def settled(service: Service, burst: Burst) -> dict[str, Any]:
    """Wait for the burst's checks to end and their events to be delivered; then the
    promises: done or rejected, in the archive once, every event at the receiver."""
    ids = burst.join()
    assert len(set(ids.values())) == UPLOADS, "two uploads were given one submission"

    def ended() -> dict[str, str]:
        with service.session() as session:
            statuses = dict(session.execute(
                select(Submission.id, Submission.status).filter_by(project_id=burst.project)).all())
        return statuses if all(s not in ("queued", "running") for s in statuses.values()) else {}

    statuses = wait_for(ended, f"checks of {burst.project} still unfinished")
    assert set(statuses) == set(ids.values()), "the project holds submissions nobody uploaded"
    rejected = {ids[n] for n in ids if n % EMPTY_EVERY == EMPTY_EVERY - 1}
    assert {i for i, s in statuses.items() if s == "rejected"} == rejected
    assert {i for i, s in statuses.items() if s != "rejected"} == set(ids.values()) - rejected
    assert set(statuses.values()) <= {"done", "rejected"}

    with service.session() as session:
        entries = session.execute(
            select(ArchiveEntry.submission_id, func.count()).filter_by(project_id=burst.project)
            .group_by(ArchiveEntry.submission_id)).all()
        runs = dict(session.execute(select(Submission.id, Submission.runs)
                                    .filter_by(project_id=burst.project)).all())
    assert {sid for sid, _ in entries} == set(ids.values()) - rejected
    assert all(count == 1 for _, count in entries), "a submission entered the archive twice"

    def delivered() -> list[EventRow]:
        events = project_events(service, set(ids.values()))
        return events if all(e.status == "delivered" for e in events) else []

    events = wait_for(delivered, "events of the burst still undelivered")
    checked = [json.loads(e.data)["data"]["submission_id"] for e in events
               if e.type == "submission.checked"]
    assert sorted(checked) == sorted(ids.values()), "each check ends with one checked event"
    flagged = [e for e in events if e.type == "submission.flagged"]
    assert len(flagged) >= 2 * (UPLOADS // COPY_EVERY), "the copies were not flagged"
    received = set(service.receiver.ids())
    missing = {e.id for e in events} - received
    assert not missing, f"{len(missing)} events never reached the receiver"
    # Lost messages are sent again, but a backlog is not: a few repeated tasks, not one per
    # upload and worker at every recovery pass.
    tasks = service.check_runs() - burst.runs_before
    assert tasks <= 1.5 * UPLOADS, f"{tasks:.0f} check tasks for {UPLOADS} uploads"
    return {"statuses": statuses, "runs": runs, "events": events}


def test_redis_killed_and_started_again_empty_mid_burst_loses_no_upload_and_no_event(
        service: Service) -> None:
    burst = Burst(service, "redis-fault").start()
    burst.wait_for_answers(25)
    service.redis.kill()  # the queued messages and the candidate index go with it
    answered_while_down = len(burst.ids)
    time.sleep(3)
    down_for = len(burst.ids) - answered_while_down
    service.redis.start()
    outcome = settled(service, burst)
    # The API kept taking uploads with the broker gone; the workers' recovery queued them.
    assert down_for > 0, "no upload was answered while Redis was down"
    assert "recovery queued" in burst.worker_logs()
    assert len(outcome["statuses"]) == UPLOADS
    # The candidate index went with Redis, the entries checked before the kill with it; the
    # checks after it put back from the database whatever the index lacked, so it holds every
    # entry of the project again (each essay is prose, so each is indexed).
    index = RedisIndex(f"{service.redis.url}/0", LSH_BANDS, LSH_NUM_PERM, LSH_SEED)
    try:
        done = {i for i, status in outcome["statuses"].items() if status == "done"}
        assert index.members(burst.project) == done
        with service.session() as session:
            assert index.lacking(session, burst.project) == []
    finally:
        index.close()


def test_postgresql_restarted_mid_burst_loses_no_upload_and_no_event(service: Service) -> None:
    burst = Burst(service, "postgres-fault").start()
    burst.wait_for_answers(10)
    service.pg.stop("immediate")  # every connection cut, as a crash or a reboot
    time.sleep(2)
    service.pg.start()
    settled(service, burst)
    # The workers were checking the backlog when it went (uploads are answered faster than
    # they are checked, so the API may have had its last answer out by then).
    assert "OperationalError" in burst.worker_logs(), "no check met the database down"


def test_a_worker_sigkilled_mid_check_loses_no_upload_and_no_event(service: Service) -> None:
    # A third worker whose every check stays 30 s inside its lease: killed while it holds one.
    victim = service.start_worker("victim", ORIGINALITY_TEST_TASK_DELAY="30")
    victim.wait_for("ready.")
    burst = Burst(service, "worker-fault").start()
    victim.wait_for("Task originality.check_submission[")
    time.sleep(0.5)  # past the claim: the check is under way
    os.killpg(victim.popen.pid, signal.SIGKILL)
    victim.popen.wait(10)
    del service.workers["victim"]
    outcome = settled(service, burst)
    # The submission it held ran again elsewhere once its lease lapsed.
    assert max(outcome["runs"].values()) >= 2, "the kill hit no check"


def test_the_webhook_receiver_down_for_a_while_loses_no_event(service: Service) -> None:
    burst = Burst(service, "receiver-fault").start()
    burst.wait_for_answers(10)
    service.receiver.stop()
    # Seconds rather than the minute: the relay's backoff is a setting
    # (ORIGINALITY_WEBHOOK_BACKOFF, 0.1 s here), and the retries take the same path.
    time.sleep(6)
    service.receiver.start()
    outcome = settled(service, burst)
    tried_again = [e for e in outcome["events"] if e.attempts >= 2]
    assert tried_again, "no event met the receiver down"
