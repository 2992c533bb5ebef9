"""Importing past cohorts: many submissions entered in one transaction.

``archive add`` brings years of earlier cohorts into the archive, so a later upload is compared
with them. Entered one at a time as uploads are (register, claim, process, finish), each
submission cost four commits and its own index insert: 34 a second on this machine, most of it
waiting on the database. A batch here is read and fingerprinted first, then written whole in
one transaction (submissions, documents, units, archive entries and the database's index rows),
and the other index storages are synced once per batch.

Nothing is lost or entered twice: a batch commits as a whole; a submission already in the
archive is counted and left alone; one left unfinished by an interrupted import (queued or
running) and any batch that meets a concurrent writer (a unique key taken meanwhile) go through
the one-at-a-time path, which handles both. Imports keep no report: nothing before them is
compared, and a past cohort's own matches are not this service's business.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..check import LoadedSubmission, load_submission
from ..fingerprint import SymbolTable
from ..options import CheckOptions
from ..store.db import Database, transaction_lock
from ..store.index import CandidateIndex, minhash_bytes, minhash_of
from ..store.models import ArchiveEntry, JobStatus, Submission, utcnow
from ..units import tokens_digest
from .blobs import file_digest
from . import stats
from .entries import Entries, unit_row

if TYPE_CHECKING:
    from .jobs import Registered
    from .starter import StarterCode

# Submissions written per transaction by ``archive add``: large enough that the commit and the
# index sync are paid rarely, small enough that an interrupted import loses little work and a
# batch's texts fit in memory (docs/benchmarks.md, "Bulk import").
BATCH = 100
ORIGIN = "archive"


@dataclass(frozen=True)
class PastSubmission:
    """One submission of an earlier cohort, as ``archive add`` names it."""

    path: Path
    name: str
    student_id: str
    attempt: int = 1
    submitted_at: datetime | None = None


@dataclass
class Imported:
    """What an import did, counted per submission."""

    added: int = 0
    existing: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, why)

    def add(self, other: Imported) -> None:
        self.added += other.added
        self.existing += other.existing
        self.rejected.extend(other.rejected)


class Bulk:
    """Batched imports (mixed into ``Archive``)."""

    db: Database
    index: CandidateIndex
    options: CheckOptions

    if TYPE_CHECKING:  # provided by the other parts of ``Archive``
        def starter_code(self, project_id: str) -> StarterCode | None: ...
        def register(self, **kwargs: object) -> Registered: ...
        def claim(self, submission_id: str, lease_seconds: float) -> bool: ...
        def process(self, submission_id: str, source: Path | None = None, with_report: bool = True,
                    events: list[dict[str, object]] | None = None) -> str: ...
        def get(self, submission_id: str) -> Submission | None: ...
        def sync_index(self, project_id: str) -> int: ...
        def upgrade(self, project_id: str) -> None: ...
        def options_for(self, project_id: str) -> CheckOptions: ...
        def starter_kgrams(self, project_id: str) -> stats.StarterKgrams: ...

    def import_batch(self, project_id: str, items: list[PastSubmission]) -> Imported:
        """Enter past submissions of a project into the archive; idempotent."""
        digests = [file_digest(item.path) for item in items]
        known = self._known(project_id, items, digests)
        done = Imported()
        fresh: list[tuple[PastSubmission, str, int]] = []
        again: list[tuple[PastSubmission, str, int]] = []
        seen: set[tuple[str, int, str]] = set()
        for item, (sha, size) in zip(items, digests):
            key = (item.student_id, item.attempt, sha)
            status = known.get(key)
            if status in (JobStatus.DONE, JobStatus.REJECTED) or key in seen:
                done.existing += 1
            elif status is not None:
                again.append((item, sha, size))  # left unfinished by an interrupted import
            else:
                fresh.append((item, sha, size))
            seen.add(key)
        if fresh and not self._enter_all(project_id, fresh, done):
            again = fresh + again  # a concurrent writer: the careful path sorts it out
        for item, sha, size in again:
            done.add(self._import_one(project_id, item, sha, size))
        self.sync_index(project_id)
        return done

    def _known(self, project_id: str, items: list[PastSubmission],
               digests: list[tuple[str, int]]) -> dict[tuple[str, int, str], str]:
        """The status of the submissions already registered under the items' keys (read by
        project and student, the unique key's own order, so the lookup stays an index seek
        however large the archive)."""
        students = sorted({item.student_id for item in items})
        shas = {sha for sha, _ in digests}
        with self.db.sessions() as session:
            rows = session.execute(select(Submission.student_id, Submission.attempt,
                                          Submission.sha256, Submission.status)
                                   .where(Submission.project_id == project_id,
                                          Submission.student_id.in_(students)))
            return {(r[0], r[1], r[2]): r[3] for r in rows if r[2] in shas}

    def _enter_all(self, project_id: str, batch: list[tuple[PastSubmission, str, int]],
                   done: Imported) -> bool:
        """Read every submission of the batch, then write them all in one transaction; False
        (and nothing written) if another writer entered one of them meanwhile."""
        starter = self.starter_code(project_id)
        without = starter.bag if starter is not None else None
        rows: list[tuple[Submission, LoadedSubmission]] = []
        options = self.options_for(project_id)
        tokens = tokens_digest(options.match)
        for item, sha, size in batch:
            identifier = uuid.uuid4().hex
            loaded = load_submission(item.path, options, SymbolTable(), identifier=identifier)
            error = loaded.error.to_dict() if loaded.error is not None else None
            now = utcnow()
            rows.append((Submission(
                id=identifier, project_id=project_id, student_id=item.student_id,
                attempt=item.attempt, sha256=sha, size=size, name=item.name, origin=ORIGIN,
                submitted_at=item.submitted_at, created_at=now, finished_at=now, runs=1,
                status=JobStatus.REJECTED if error else JobStatus.DONE,
                error_code=error["code"] if error else None,
                error_message=error["message"] if error else None,
                files=loaded.files), loaded))
        self.upgrade(project_id)
        sketches = {sub.id: minhash_of(loaded.units, self.index.num_perm, self.index.seed, without=without)
                    for sub, loaded in rows if loaded.error is None}
        base = self.starter_kgrams(project_id)
        with self.db.sessions() as session:
            transaction_lock(session, f"archive:{project_id}")
            stats.ensure(session, project_id, base)
            session.add_all(sub for sub, _ in rows)
            try:
                session.flush()  # the submissions first: the rows below refer to them
            except IntegrityError:  # registered meanwhile by another import
                session.rollback()
                return False
            entries: dict[str, ArchiveEntry] = {}
            for sub, loaded in rows:
                if loaded.error is not None:
                    continue
                session.add_all(Entries.document_rows(sub.id, loaded))
                session.add_all(unit_row(sub.id, i, u) for i, u in enumerate(loaded.units))
                entries[sub.id] = ArchiveEntry(submission_id=sub.id, project_id=project_id,
                                               student_id=sub.student_id,
                                               minhash=minhash_bytes(sketches[sub.id]), indexed_at=utcnow(),
                                               tokens=tokens)
                session.add(entries[sub.id])
            try:
                session.flush()  # the entries before their index rows
                self.index.stage(session, project_id, sketches)
                pending = stats.PendingChanges()
                for sub, loaded in rows:  # in the order their seqs were given
                    if loaded.error is None:
                        stats.count_entry(session, project_id, sub.id, entries[sub.id].seq, loaded.units,
                                          base, pending)
                pending.apply(session, project_id)
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        for sub, _ in rows:
            if sub.status == JobStatus.REJECTED:
                done.rejected.append((sub.name or sub.id, sub.error_message or ""))
            else:
                done.added += 1
        return True

    def _import_one(self, project_id: str, item: PastSubmission, sha: str, size: int) -> Imported:
        """One submission through the path uploads take (register, claim, process)."""
        registered = self.register(sha256=sha, size=size, project_id=project_id,
                                   student_id=item.student_id, attempt=item.attempt, origin=ORIGIN,
                                   name=item.name, submitted_at=item.submitted_at)
        sub = registered.submission
        if (sub.status in (JobStatus.DONE, JobStatus.REJECTED) and not registered.created) \
                or not self.claim(sub.id, 3600):
            return Imported(existing=1)
        if self.process(sub.id, source=item.path, with_report=False) == JobStatus.REJECTED:
            found = self.get(sub.id)
            return Imported(rejected=[(item.name, (found.error_message or "") if found else "")])
        return Imported(added=1)
