"""Celery wiring, in one module: the app, its queues and routes, the tasks and recovery.

Tasks are thin: they take ids, claim the submission in the database and call the archive.
``acks_late`` with ``task_reject_on_worker_lost`` gives a task back to the broker when its
worker process dies; but a whole machine lost returns its message only after Redis's
visibility timeout, so the database is what knows which submissions are unfinished: every
worker, when it starts and then every ``recovery_interval`` seconds, queues again the
submissions whose lease ran out (their worker died) or that waited queued for longer than a
lease (their message was lost). The same loop applies the retention policy once it is due
(``retention_interval``, docs/privacy.md). A repeated message is harmless: ``Archive.claim`` lets one
worker at a time have a submission, and entering the archive is idempotent.

Start a worker with ``originality worker`` or ``celery -A worker.app worker``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown
from kombu import Exchange, Queue

from originality.archive import Archive
from originality.errors import NotFound
from originality.privacy import retention
from originality.store.models import JobStatus
from originality.store.settings import Settings

log = logging.getLogger("originality.worker")

CHECKS = "checks"
WEBHOOKS = "webhooks"
CHECK_TASK = "originality.check_submission"
WEBHOOK_TASK = "originality.deliver_webhook"
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 5.0
# Longer than any check: a message whose worker vanished comes back after it. The database
# recovery usually requeues such a submission much sooner.
VISIBILITY_TIMEOUT = 3600
SIGNATURE_HEADER = "X-Originality-Signature"
EVENT_HEADER = "X-Originality-Event"


BROKER_CONNECT_SECONDS = 1.0


def make_celery(settings: Settings) -> Celery:
    celery = Celery("originality", broker=settings.redis_url)
    celery.conf.update(
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in (CHECKS, WEBHOOKS)],
        task_default_queue=CHECKS,
        task_routes={CHECK_TASK: {"queue": CHECKS, "routing_key": CHECKS},
                     WEBHOOK_TASK: {"queue": WEBHOOKS, "routing_key": WEBHOOKS}},
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


def archive() -> Archive:
    """This process's archive, opened on first use (after a prefork child was forked)."""
    with _archive_lock:
        found = _archives.get(os.getpid())
        if found is None:
            found = _archives[os.getpid()] = Archive.open(settings)
        return found


def retry_countdown(retries: int) -> float:
    base = float(os.environ.get("ORIGINALITY_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    return base * (2 ** retries)


class _Lease(threading.Thread):
    """Renews a running check's lease until the check ends, so only a dead worker's lapses."""

    def __init__(self, submission_id: str) -> None:
        super().__init__(daemon=True)
        self.submission_id = submission_id
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(settings.lease_seconds / 3):
            try:
                archive().renew(self.submission_id, settings.lease_seconds)
            except Exception:  # a missed renewal is retried at the next beat
                log.exception("cannot renew the lease of %s", self.submission_id)

    def __enter__(self) -> _Lease:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()


@app.task(name=CHECK_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
          max_retries=MAX_RETRIES)
def check_submission(self: Any, submission_id: str) -> str:
    """Check one submission: claim it, run the archive's check, record the outcome."""
    store = archive()
    if not store.claim(submission_id, settings.lease_seconds):
        return "not claimed"  # done already, or another worker holds it
    flagged: list[dict[str, Any]] = []
    try:
        with _Lease(submission_id):
            if settings.test_task_delay:
                time.sleep(settings.test_task_delay)
            status = store.process(submission_id, events=flagged)
    except NotFound:
        return "missing"
    except Exception as error:
        # Events in the list were committed with their report before the failure: a new run
        # finds those items there and makes no new event, so they are sent now or never.
        send(flagged)
        if self.request.retries >= self.max_retries:
            log.exception("check of %s failed for good", submission_id)
            store.finish(submission_id, JobStatus.FAILED,
                         {"code": "internal_error", "message": f"the check failed: {type(error).__name__}"})
            notify_checked(submission_id)
            return JobStatus.FAILED
        log.warning("check of %s failed (%s); retrying", submission_id, error)
        store.release(submission_id)
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries))
    notify_checked(submission_id)
    send(flagged)
    return status


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


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of the body in hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def notify(event_type: str, data: dict[str, Any], event_id: str | None = None,
           celery: Celery | None = None, webhook_url: str | None = None) -> None:
    """Send an event to ORIGINALITY_WEBHOOK_URL from a task: never blocks the caller.

    ``event_id`` keeps the id of an event already stored (the outbox), for the receiver. The
    API passes its own ``celery`` app and ``webhook_url``, configured from its settings.
    """
    if not (settings.webhook_url if webhook_url is None else webhook_url):
        return
    event = {"id": event_id or uuid.uuid4().hex, "type": event_type,
             "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "data": data}
    try:
        if celery is None:
            deliver_webhook.apply_async((event,), retry=False)
        else:
            celery.send_task(WEBHOOK_TASK, args=(event,), queue=WEBHOOKS, retry=False)
    except Exception as error:
        log.warning("cannot queue webhook %s: %s", event_type, error)


def send(events: list[dict[str, Any]]) -> None:
    """Send events already stored in the outbox (``submission.flagged``), keeping their ids."""
    for event in events:
        notify(event["type"], event["data"], event["id"])


def notify_checked(submission_id: str) -> None:
    submission = archive().get(submission_id)
    if submission is None:
        return
    notify("submission.checked", {"submission_id": submission.id, "status": submission.status,
                                  "error": submission.error(), "project_id": submission.project_id,
                                  "student_id": submission.student_id})


@app.task(name=WEBHOOK_TASK, bind=True, acks_late=True, max_retries=settings.webhook_retries)
def deliver_webhook(self: Any, event: dict[str, Any]) -> int:
    body = json.dumps(event, sort_keys=True).encode("utf-8")
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", EVENT_HEADER: event["type"],
        SIGNATURE_HEADER: sign(settings.webhook_secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except Exception as error:
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries))


# -- recovery ---------------------------------------------------------------------------------


def recover() -> int:
    """Queue again every submission that is unfinished and that nobody is working on."""
    store = archive()
    count = 0
    for submission_id in store.stuck(settings.lease_seconds):
        store.mark_enqueued(submission_id)
        if enqueue_check(submission_id):
            count += 1
    if count:
        log.info("recovery queued %d submission(s) again", count)
    return count


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


class _Recovery(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True, name="originality-recovery")
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                recover()
            except Exception:
                log.exception("recovery failed; trying again later")
            try:
                apply_retention()
            except Exception:
                log.exception("the retention run failed; trying again later")
            if self.stopped.wait(settings.recovery_interval):
                return


_recovery: _Recovery | None = None


@worker_ready.connect
def _start_recovery(**_: Any) -> None:
    global _recovery
    _recovery = _Recovery()
    _recovery.start()


@worker_shutdown.connect
def _stop_recovery(**_: Any) -> None:
    if _recovery is not None:
        _recovery.stopped.set()
