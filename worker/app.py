"""Celery wiring, in one module: the app, its queues and routes, the tasks and recovery.

Tasks are thin: they take ids, claim the submission in the database and call the archive.
``acks_late`` with ``task_reject_on_worker_lost`` gives a task back to the broker when its
worker process dies; but a whole machine lost returns its message only after Redis's
visibility timeout, so the database is what knows which submissions are unfinished: every
worker, when it starts and then every ``recovery_interval`` seconds, queues again the
submissions whose lease ran out (their worker died), and those that waited queued for longer
than a lease once the broker's queue of checks is empty (their message was lost: with checks
still waiting, a backlog is the likelier cause), each once a lease whatever the number of
workers. The same loop applies the retention policy once it is due
(``retention_interval``, docs/privacy.md), and queues the scoring again of a quiet project's
reports (``settle``; a young project's are queued after each check, ``rescore_due``). A
repeated message is harmless: ``Archive.claim`` lets one worker at a time have a submission,
and entering the archive is idempotent.

Webhook events wait in the database's outbox (``originality/outbox.py``) until delivered: every
worker runs the relay in a thread of its own, every ``recovery_interval`` seconds, and a
check or a staff decision queues a relay pass at once so an event rarely waits that long.

Start a worker with ``originality worker`` or ``celery -A worker.app worker``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import setup_logging, worker_ready, worker_shutdown
from kombu import Exchange, Queue
from kombu.exceptions import ChannelError

from originality import logs
from originality.archive import Archive
from originality.errors import NotFound, interrupts
from originality.outbox import Outbox
from originality.privacy import retention
from originality.store.models import JobStatus
from originality.store.settings import Settings

log = logging.getLogger("originality.worker")
# The soft time limit is raised inside whatever the check is reading: the engine's handlers of
# damaged files must let it through (``errors.interruptions``).
interrupts(SoftTimeLimitExceeded)

CHECKS = "checks"
WEBHOOKS = "webhooks"
CHECK_TASK = "originality.check_submission"
RESCORE_TASK = "originality.rescore_report"
RELAY_TASK = "originality.relay_events"
# The task a release before the outbox queued each webhook to; see ``adopt_webhook``.
LEGACY_WEBHOOK_TASK = "originality.deliver_webhook"
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 5.0
# Longer than any check: a message whose worker vanished comes back after it. The database
# recovery usually requeues such a submission much sooner.
VISIBILITY_TIMEOUT = 3600


BROKER_CONNECT_SECONDS = 1.0


def make_celery(settings: Settings) -> Celery:
    celery = Celery("originality", broker=settings.redis_url)
    celery.conf.update(
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in (CHECKS, WEBHOOKS)],
        task_default_queue=CHECKS,
        task_routes={CHECK_TASK: {"queue": CHECKS, "routing_key": CHECKS},
                     RESCORE_TASK: {"queue": CHECKS, "routing_key": CHECKS},
                     RELAY_TASK: {"queue": WEBHOOKS, "routing_key": WEBHOOKS},
                     LEGACY_WEBHOOK_TASK: {"queue": WEBHOOKS, "routing_key": WEBHOOKS}},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        # A broker that does not answer must not hold an upload: the database keeps the
        # submission queued and recovery sends it later.
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT,
                                  "socket_connect_timeout": BROKER_CONNECT_SECONDS},
        broker_connection_timeout=BROKER_CONNECT_SECONDS,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery


settings = Settings.from_env()
app = make_celery(settings)
_archives: dict[int, Archive] = {}
_archive_lock = threading.Lock()

if settings.log_format == "json":
    @setup_logging.connect
    def _json_logs(loglevel: int | str | None = None, **_: Any) -> None:
        """JSON lines instead of Celery's own format (Celery then configures no logging)."""
        logs.configure("json", loglevel or logging.INFO)


def archive() -> Archive:
    """This process's archive, opened on first use (after a prefork child was forked)."""
    with _archive_lock:
        found = _archives.get(os.getpid())
        if found is None:
            found = _archives[os.getpid()] = Archive.open(settings)
        return found


def outbox() -> Outbox:
    """This process's outbox, relaying to the configured webhook."""
    return Outbox(archive().db, settings.webhook_url, settings.webhook_secret,
                  settings.webhook_attempts, settings.webhook_backoff)


def retry_countdown(retries: int) -> float:
    base = float(os.environ.get("ORIGINALITY_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return base * (2 ** retries)


TIME_LIMIT = "time_limit"
# How a check ended at its limit, as its error message says it.
STOPPED = "was stopped at its time limit"
KILLED = "was killed at its hard time limit"
ABANDONED = "ran past its hard time limit in a pool that cannot stop it, and was abandoned"


def time_limit_error(how: str, seconds: float) -> dict[str, str]:
    return {"code": TIME_LIMIT,
            "message": f"the check {how} ({seconds:g} s); retry runs it again"}


def time_out(submission_id: str, error: dict[str, str], store: Archive | None = None) -> None:
    """Record a check that ran out of time as failed (no automatic retry: it would run out
    again), unless it ended meanwhile; the platform hears of it as of any failure."""
    store = store or archive()
    if store.fail_running(submission_id, error):  # its submission.checked event in the outbox
        log.error("check of %s: %s", submission_id, error["message"])
        relay_soon()


class _Lease(threading.Thread):
    """Renews a running check's lease until the check ends, so only a dead worker's lapses;
    and never past the check's hard time limit. The pool kills a check there, but a pool that
    cannot (``--pool=solo`` or threads) leaves it running: the submission is then recorded
    failed and its lease left to lapse, so a hung check does not hold it forever."""

    def __init__(self, submission_id: str) -> None:
        super().__init__(daemon=True)
        self.submission_id = submission_id
        self.done = threading.Event()
        # A lease past the hard limit: the pool's kill comes first where there is one.
        self.deadline = time.monotonic() + settings.check_time_limit + settings.lease_seconds

    def run(self) -> None:
        while not self.done.wait(settings.lease_seconds / 3):
            if time.monotonic() >= self.deadline:
                time_out(self.submission_id, time_limit_error(ABANDONED, settings.check_time_limit))
                return
            try:
                archive().renew(self.submission_id, settings.lease_seconds)
            except Exception:  # a missed renewal is retried at the next beat
                log.exception("cannot renew the lease of %s", self.submission_id)

    def __enter__(self) -> _Lease:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()


class CheckTask(Task):  # type: ignore[misc]
    """The check task's class: it also records a check killed at its hard time limit. Celery
    calls ``on_failure`` for it in the worker's main process, since the pool process that ran
    the check is the one killed."""

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any,
                   einfo: Any) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            # A short-lived archive: the main process forks pool processes, which must not
            # inherit its database connections.
            store = Archive.open(settings)
            try:
                time_out(str(args[0]), time_limit_error(KILLED, settings.check_time_limit), store)
            finally:
                store.close()


def _hang(seconds: float) -> None:
    """Tests only: sleep through the soft time limit, as a check stuck in native code would."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            time.sleep(left)
        except SoftTimeLimitExceeded:
            log.warning("the test hang ignores the soft time limit")


@app.task(name=CHECK_TASK, bind=True, base=CheckTask, acks_late=True, reject_on_worker_lost=True,
          max_retries=MAX_RETRIES, soft_time_limit=settings.check_soft_time_limit,
          time_limit=settings.check_time_limit)
def check_submission(self: Any, submission_id: str) -> str:
    """Check one submission: claim it, run the archive's check, record the outcome."""
    store = archive()
    if not store.claim(submission_id, settings.lease_seconds):
        return "not claimed"  # done already, or another worker holds it
    try:
        with _Lease(submission_id):
            if settings.test_task_delay:
                time.sleep(settings.test_task_delay)
            if settings.test_task_hang:
                _hang(settings.test_task_hang)
            status = store.process(submission_id)
    except NotFound:
        return "missing"
    except SoftTimeLimitExceeded:
        time_out(submission_id, time_limit_error(STOPPED, settings.check_soft_time_limit), store)
        return JobStatus.FAILED
    except Exception as error:
        if self.request.retries >= self.max_retries:
            log.exception("check of %s failed for good", submission_id)
            store.finish(submission_id, JobStatus.FAILED,
                         {"code": "internal_error", "message": f"the check failed: {type(error).__name__}"})
            return JobStatus.FAILED
        log.warning("check of %s failed (%s); retrying", submission_id, error)
        store.release(submission_id)
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries))
    finally:
        # Events the check committed (flagged with its report, checked at its end) are in the
        # outbox; the recovery loop's relay would send them too, this is only sooner.
        relay_soon()
    if status == JobStatus.DONE:
        rescore_due(store, submission_id)
    return status


def rescore_due(store: Archive, submission_id: str) -> int:
    """Queue the scoring again of the reports of the checked submission's project that its
    arrival made due (a young project's, ``archive/rescoring.py``); how many were queued. Each
    is taken as it is listed: one whose message is lost here is listed again by a check an hour
    later (``rescoring.REQUEUE_AFTER``)."""
    submission = store.get(submission_id)
    return _queue_rescoring(store.due_for_rescoring(submission.project_id)) if submission is not None else 0


def _queue_rescoring(taken: list[str]) -> int:
    """Send a rescoring task for each report taken; how many were sent. The broker refusing
    one refuses the rest: those stay taken, and are listed again after
    ``rescoring.REQUEUE_AFTER``."""
    for sent, due in enumerate(taken):
        try:
            app.send_task(RESCORE_TASK, args=(due,), queue=CHECKS, retry=False)
        except Exception as error:
            log.warning("cannot queue the rescoring of %s: %s", due, error)
            return sent
    return len(taken)


@app.task(name=RESCORE_TASK, acks_late=True, reject_on_worker_lost=True,
          soft_time_limit=settings.check_soft_time_limit, time_limit=settings.check_time_limit)
def rescore_report(submission_id: str) -> bool:
    """Score a report again that a check or the quiet-project loop took for it, unless it was
    scored since (its message sent twice); the report it replaces stands if this fails."""
    try:
        return archive().rescore(submission_id, when_due=True)
    finally:
        relay_soon()  # the new items it flagged


def enqueue_check(submission_id: str, celery: Celery | None = None) -> bool:
    """Queue a check without blocking for long; False when the broker did not take it (the
    submission stays queued in the database and recovery queues it later). The API passes
    its own ``celery`` app, configured from its settings."""
    try:
        (celery or app).send_task(CHECK_TASK, args=(submission_id,), queue=CHECKS, retry=False)
    except Exception as error:
        log.warning("cannot queue %s: %s", submission_id, error)
        return False
    return True


# -- webhooks ---------------------------------------------------------------------------------


def relay_soon(celery: Celery | None = None, webhook_url: str | None = None) -> None:
    """Queue a relay pass without blocking for long; the outbox keeps the events whatever
    happens here, and every worker's relay thread sends them anyway. The API passes its own
    ``celery`` app and ``webhook_url``, configured from its settings."""
    if not (settings.webhook_url if webhook_url is None else webhook_url):
        return
    try:
        (celery or app).send_task(RELAY_TASK, queue=WEBHOOKS, retry=False)
    except Exception as error:
        log.warning("cannot queue a relay pass (the relay thread will send): %s", error)


@app.task(name=RELAY_TASK, acks_late=True)
def relay_events() -> int:
    """Deliver the outbox's due events now; each is claimed in the database first."""
    return outbox().relay()


@app.task(name=LEGACY_WEBHOOK_TASK, acks_late=True)
def adopt_webhook(event: dict[str, Any]) -> int:
    """A webhook queued by a process of the previous release (workers are upgraded before the
    API machines, docs/deploy.md): the outbox takes it over rather than losing it."""
    found = outbox()
    return found.relay() if found.adopt(event) else 0


# -- recovery ---------------------------------------------------------------------------------


def checks_waiting(celery: Celery | None = None) -> int | None:
    """How many checks wait in the broker's queue; None when the broker does not answer."""
    try:
        with (celery or app).connection_for_read() as connection:
            connection.connect()  # one try: recovery comes round again soon
            channel = connection.channel()
            try:
                return int(channel.queue_declare(queue=CHECKS, passive=True).message_count)
            except ChannelError:  # the broker answered: it has no such queue (a fresh Redis)
                return 0
            finally:
                channel.close()
    except Exception as error:
        log.warning("cannot read the broker's queue of checks: %s", error)
        return None


def recover() -> int:
    """Queue again every submission that is unfinished and that nobody is working on: those
    whose worker died, and those queued for longer than a lease once the broker holds no check
    waiting (before that, a backlog is what keeps them, and a second message for each would
    only lengthen it: every worker sent the whole backlog again at each pass)."""
    waiting = checks_waiting()
    if waiting is None:
        return 0  # the broker is down: nothing can be sent, the database keeps them
    store = archive()
    count = 0
    for submission_id in store.stuck(settings.lease_seconds, queued=waiting == 0):
        if store.take_stuck(submission_id, settings.lease_seconds) and enqueue_check(submission_id):
            count += 1
    if count:
        log.info("recovery queued %d submission(s) again", count)
    return count


def settle() -> int:
    """Queue the scoring again of the reports of every project gone quiet (no upload for
    ``settle_after`` seconds) that it has outgrown by a tenth (``archive/rescoring.py``); each
    project is taken by one worker. How many were queued."""
    queued = _queue_rescoring(archive().settle_quiet())
    if queued:
        log.info("a quiet project's %d report(s) queued to be scored again", queued)
    return queued


def apply_retention() -> dict[str, Any] | None:
    """Apply the retention policy when it is due (every ``retention_interval`` seconds, counted
    from its last run in the audit log; 0: never here, a scheduler of the school's runs
    ``originality retention apply``). Returns what was removed, None when not due."""
    if not settings.retention_interval:
        return None
    store = archive()
    if not retention.due(store.db, settings.retention_interval):
        return None
    answer = retention.apply(store, settings.retention, actor="worker")
    log.info("retention removed %s", answer["removed"] or "nothing")
    return answer


class _Every(threading.Thread):
    """Calls ``work`` now and then every ``recovery_interval`` seconds until stopped."""

    def __init__(self, name: str, work: Callable[[], object]) -> None:
        super().__init__(daemon=True, name=name)
        self.work = work
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                self.work()
            except Exception:
                log.exception("%s failed; trying again later", self.name)
            if self.stopped.wait(settings.recovery_interval):
                return


_loops: list[_Every] = []


def _relay() -> None:
    outbox().relay()


@worker_ready.connect
def _start_loops(**_: Any) -> None:
    # Apart: a slow webhook receiver, or a long retention run, must not hold up the requeueing
    # of lost checks.
    _loops[:] = [_Every("originality-recovery", recover), _Every("originality-relay", _relay),
                 _Every("originality-retention", apply_retention), _Every("originality-settle", settle)]
    for loop in _loops:
        loop.start()


@worker_shutdown.connect
def _stop_loops(**_: Any) -> None:
    for loop in _loops:
        loop.stopped.set()
