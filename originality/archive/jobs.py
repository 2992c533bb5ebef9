"""Submissions as jobs: registered once per upload, claimed by a worker for a lease, released,
finished, or found stuck when a worker died. The database, not the broker, knows what is
unfinished. Finishing an upload's check stores its ``submission.checked`` event in the outbox,
in the same transaction (``originality/outbox.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import outbox
from ..store.db import Database
from ..store.models import JobStatus, Submission, utcnow

SUBMISSION_CHECKED = "submission.checked"
# How many times one check may be started before it is given up: the first run and three more,
# as many as a check failing with an error gets (the worker's ``MAX_RETRIES``). A check whose
# worker process dies every time (killed for the memory one file takes) would otherwise be
# taken again by the recovery pass for ever, and the platform never hear how it ended.
MAX_RUNS = 4
WORKER_LOST = "worker_lost"


@dataclass
class Registered:
    submission: Submission
    created: bool


class Jobs:
    """The job side of the archive (mixed into ``Archive``)."""

    db: Database

    def register(self, *, sha256: str, size: int, project_id: str, student_id: str, attempt: int = 1,
                 assessor_id: str | None = None, submitted_at: datetime | None = None,
                 origin: str = "upload", name: str | None = None) -> Registered:
        """The submission for this ZIP, student, project and attempt; created if new."""
        key = {"project_id": project_id, "student_id": student_id, "attempt": attempt, "sha256": sha256}
        with self.db.sessions() as session:
            existing = session.scalar(select(Submission).filter_by(**key))
            if existing is not None:
                return Registered(existing, False)
            submission = Submission(id=uuid.uuid4().hex, assessor_id=assessor_id, size=size,
                                    submitted_at=submitted_at, origin=origin, name=name,
                                    status=JobStatus.QUEUED, created_at=utcnow(), runs=0, files=0,
                                    **key)
            session.add(submission)
            try:
                session.commit()
                return Registered(submission, True)
            except IntegrityError:  # the same upload, registered meanwhile by another request
                session.rollback()
                existing = session.scalar(select(Submission).filter_by(**key))
                assert existing is not None
                return Registered(existing, False)

    def get(self, submission_id: str) -> Submission | None:
        with self.db.sessions() as session:
            return session.get(Submission, submission_id)

    def mark_enqueued(self, submission_id: str) -> None:
        with self.db.session() as session:
            session.execute(update(Submission).where(Submission.id == submission_id)
                            .values(enqueued_at=utcnow()))

    def claim(self, submission_id: str, lease_seconds: float) -> bool:
        """Take a queued submission, or one whose worker's lease ran out; False if taken. One
        whose lease ran out after ``MAX_RUNS`` starts (each of its workers died running it) is
        not run again: it ends ``failed`` with ``worker_lost``, the platform told."""
        now = utcnow()
        lapsed = and_(Submission.status == JobStatus.RUNNING, Submission.lease_until < now)
        with self.db.session() as session:
            result = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.runs < MAX_RUNS,
                       or_(Submission.status == JobStatus.QUEUED, lapsed))
                .values(status=JobStatus.RUNNING, lease_until=now + timedelta(seconds=lease_seconds),
                        runs=Submission.runs + 1)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
        self._end(submission_id, JobStatus.FAILED,
                  {"code": WORKER_LOST, "message": f"the check stopped {MAX_RUNS} times without finishing "
                                                  "(its worker process died each time); retry runs it again"},
                  None, only_running=True, also=(lapsed, Submission.runs >= MAX_RUNS))
        return False

    def retry(self, submission_id: str) -> bool:
        """Queue a failed check again (a failure is the service's fault, not the student's:
        a missing file restored, a database back); False unless the check had failed."""
        with self.db.session() as session:
            result = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status == JobStatus.FAILED)
                .values(status=JobStatus.QUEUED, error_code=None, error_message=None, runs=0,
                        finished_at=None, lease_until=None, enqueued_at=utcnow()))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def renew(self, submission_id: str, lease_seconds: float) -> None:
        with self.db.session() as session:
            session.execute(update(Submission)
                            .where(Submission.id == submission_id, Submission.status == JobStatus.RUNNING)
                            .values(lease_until=utcnow() + timedelta(seconds=lease_seconds)))

    def release(self, submission_id: str) -> None:
        """Give a running submission back to the queue (its check will be retried)."""
        with self.db.session() as session:
            session.execute(update(Submission)
                            .where(Submission.id == submission_id, Submission.status == JobStatus.RUNNING)
                            .values(status=JobStatus.QUEUED, lease_until=None, enqueued_at=utcnow()))

    def finish(self, submission_id: str, status: str, error: dict[str, str] | None = None,
               files: int | None = None) -> bool:
        """Record how a check ended (done, rejected or failed), with its event; False when it
        had ended already (another run of the same check finished first), which then stands."""
        return self._end(submission_id, status, error, files, only_running=False)

    def fail_running(self, submission_id: str, error: dict[str, str]) -> bool:
        """Record a check still running as ``failed`` with ``error`` (it ran out of time), with
        its event; False when it had ended meanwhile, which then stands."""
        return self._end(submission_id, JobStatus.FAILED, error, None, only_running=True)

    def _end(self, submission_id: str, status: str, error: dict[str, str] | None, files: int | None,
             only_running: bool, also: tuple[Any, ...] = ()) -> bool:
        values: dict[str, Any] = {"status": status, "lease_until": None, "finished_at": utcnow(),
                                  "error_code": error["code"] if error else None,
                                  "error_message": error["message"] if error else None}
        if files is not None:
            values["files"] = files
        # Only a check still unfinished ends, once: when a lease lapsed under a worker that was
        # slow rather than dead (a database restart kept it from renewing), a second worker ran
        # the same check, and the later of the two finishing must not record a second outcome
        # and a second submission.checked event.
        which = update(Submission).where(Submission.id == submission_id, *also)
        if only_running:
            which = which.where(Submission.status == JobStatus.RUNNING)
        else:
            which = which.where(Submission.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        with self.db.session() as session:
            changed = session.execute(which.values(**values)).rowcount  # type: ignore[attr-defined]
            submission = session.get(Submission, submission_id) if changed else None
            # The platform sent uploads and hears how each ended; a past cohort imported with
            # `archive add` was never the platform's to hear about.
            if submission is not None and submission.origin == "upload":
                outbox.record(session, SUBMISSION_CHECKED, {
                    "submission_id": submission_id, "status": status, "error": error,
                    "project_id": submission.project_id, "student_id": submission.student_id},
                    values["finished_at"])
        return bool(changed)

    def stuck(self, lease_seconds: float, queued: bool = True) -> list[str]:
        """Unfinished submissions nobody is working on: running with an expired lease (their
        worker died), and with ``queued``, those queued for longer than a lease (their message
        may be lost). The caller leaves ``queued`` out while the broker still holds checks
        waiting: a backlog longer than a lease is then the likelier reason, and sending its
        submissions again would only lengthen it."""
        now = utcnow()
        waited = now - timedelta(seconds=lease_seconds)
        lapsed = and_(Submission.status == JobStatus.RUNNING, Submission.lease_until < now)
        lost = and_(Submission.status == JobStatus.QUEUED,
                    func.coalesce(Submission.enqueued_at, Submission.created_at) < waited)
        with self.db.sessions() as session:
            rows = session.scalars(select(Submission.id).where(or_(lapsed, lost) if queued else lapsed)
                                   .order_by(Submission.created_at))
            return list(rows)

    def take_stuck(self, submission_id: str, lease_seconds: float) -> bool:
        """Mark a submission that :meth:`stuck` found as sent to the workers again now; False
        when it is not stuck any more (it ran meanwhile) or was sent within the last lease
        (another worker's recovery took it first), so that one worker sends it."""
        now = utcnow()
        waited = now - timedelta(seconds=lease_seconds)
        with self.db.session() as session:
            # Sent again at most once a lease, whatever the number of workers recovering: the
            # first to mark it makes it recent for the others.
            result = session.execute(
                update(Submission)
                .where(Submission.id == submission_id,
                       func.coalesce(Submission.enqueued_at, Submission.created_at) < waited,
                       or_(and_(Submission.status == JobStatus.RUNNING, Submission.lease_until < now),
                           Submission.status == JobStatus.QUEUED))
                .values(enqueued_at=now))
            return result.rowcount == 1  # type: ignore[attr-defined]
