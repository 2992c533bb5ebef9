"""The persistent archive: every submission of a project, checked against those before it.

What the service and ``originality archive`` do with a submission, in order:

1. ``register``: a row per (project, student, attempt, ZIP digest); the same upload again finds
   the existing row. Uploaded ZIPs live in a content-addressed store under the data dir.
2. ``claim``: a worker takes the submission for a lease; a dead worker's lease runs out and
   ``stuck`` hands the submission to another one. The database, not the broker, knows what is
   unfinished.
3. ``process``: unpack and fingerprint it (the engine's ``load_submission``), store its
   documents and units and enter it into the archive (exactly once: ``archive_entries`` has a
   unique submission id), then compare it with the project's prior entries (``compare``) and
   store the report.

``compare`` is ``check`` restricted to the pairs of one new submission: the MinHash LSH
(``store/index.py``) picks the candidates among the prior entries; starter and common code are
excluded with ``cohort.mark_excluded`` over a context of the project's archive (every prior
entry, up to ``CONTEXT_LIMIT`` of the most recent plus the candidates), whose document
frequencies also weigh the TF-IDF cosine; as in ``candidate_pairs``, of the candidates from
``MIN_COSINE`` up the closest ``ALIGNED_PER_SUBMISSION`` are aligned and the next ones, up to
``SCORED_PER_SUBMISSION``, are scored by their cosine alone, all with ``check._scored``. A student's
own earlier attempts come back apart, never as plagiarism. Identical binary assets are not
compared here (``check`` does that within a cohort).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Iterable

import numpy as np
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .candidates import ALIGNED_PER_SUBMISSION, MIN_COSINE, SCORED_PER_SUBMISSION, tfidf_matrix
from .check import LoadedSubmission, _scored, _token_counts, load_submission
from .cohort import mark_excluded
from .errors import NotFound, NotReady, UploadTooLarge
from .fingerprint import Fingerprints, SymbolTable
from .match import SubmissionPrints, align
from .model import DocumentState, SegmentKind
from .options import CheckOptions
from .report import rounded
from .store.db import Database
from .store.index import CandidateIndex, minhash_bytes, minhash_of, open_index
from .store.models import (
    ArchiveEntry,
    DocumentRow,
    JobStatus,
    ReportRow,
    Submission,
    UnitRow,
    utcnow,
)
from .store.settings import LSH_SEED, Settings
from .units import Unit

# Prior entries whose units join the context of a comparison (for common code and document
# frequencies) besides the LSH candidates: the most recent ones, which share the task.
CONTEXT_LIMIT = 500
CHUNK = 8192
IN_BATCH = 500


class ContentStore:
    """Files named by the SHA-256 of their bytes: an upload stored twice takes space once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.zip"

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int, Path]:
        """Copy ``stream`` in, hashing as it goes; more than ``max_bytes`` raises UploadTooLarge."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)
        try:
            with handle:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(f"the upload exceeds {max_bytes} bytes")
                    digest.update(chunk)
                    handle.write(chunk)
            sha = digest.hexdigest()
            final = self.path_of(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(handle.name, final)
            return sha, size, final
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a ZIP, or of a directory's files (paths and bytes, sorted)."""
    digest = hashlib.sha256()
    if path.is_dir():
        size = 0
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            data = file.read_bytes()
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
            size += len(data)
        return digest.hexdigest(), size
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def unit_row(submission_id: str, ordinal: int, unit: Unit) -> UnitRow:
    return UnitRow(
        submission_id=submission_id, ordinal=ordinal, path=unit.path, kind=unit.kind.value,
        k=unit.k, lines=unit.lines.astype("<i4").tobytes(),
        hashes=unit.prints.hashes.astype("<u8").tobytes(),
        kept=unit.prints.kept.astype("<i4").tobytes(), bag=unit.bag.astype("<u8").tobytes(),
    )


def unit_from_row(row: UnitRow) -> Unit:
    prints = Fingerprints(hashes=np.frombuffer(row.hashes, dtype="<u8").astype(np.uint64),
                          kept=np.frombuffer(row.kept, dtype="<i4").astype(np.int64), k=row.k)
    return Unit(row.path, SegmentKind(row.kind), np.frombuffer(row.lines, dtype="<i4").astype(np.int32),
                prints, np.frombuffer(row.bag, dtype="<u8").astype(np.uint64))


@dataclass
class Registered:
    submission: Submission
    created: bool


class Archive:
    """The archive of one database, content store and candidate index."""

    def __init__(self, db: Database, store: ContentStore, index: CandidateIndex,
                 options: CheckOptions | None = None) -> None:
        self.db, self.store, self.index = db, store, index
        self.options = options or CheckOptions(workers=1)

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Archive:
        db = Database(settings.sqlalchemy_url, settings.data_dir, migrate_now=migrate)
        index = open_index(settings.index, settings.redis_url, settings.redis_url_given,
                           settings.lsh_threshold, settings.lsh_num_perm, LSH_SEED)
        return cls(db, ContentStore(settings.uploads_dir), index)

    def close(self) -> None:
        self.index.close()
        self.db.dispose()

    # -- submissions -------------------------------------------------------------------------

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
        """Take a queued submission, or one whose worker's lease ran out; False if taken."""
        now = utcnow()
        with self.db.session() as session:
            result = session.execute(
                update(Submission)
                .where(Submission.id == submission_id,
                       or_(Submission.status == JobStatus.QUEUED,
                           and_(Submission.status == JobStatus.RUNNING, Submission.lease_until < now)))
                .values(status=JobStatus.RUNNING, lease_until=now + timedelta(seconds=lease_seconds),
                        runs=Submission.runs + 1)
            )
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
               files: int | None = None) -> None:
        values: dict[str, Any] = {"status": status, "lease_until": None, "finished_at": utcnow(),
                                  "error_code": error["code"] if error else None,
                                  "error_message": error["message"] if error else None}
        if files is not None:
            values["files"] = files
        with self.db.session() as session:
            session.execute(update(Submission).where(Submission.id == submission_id).values(**values))

    def stuck(self, lease_seconds: float) -> list[str]:
        """Unfinished submissions nobody is working on: running with an expired lease, or
        queued for longer than a lease (their message may be lost)."""
        now = utcnow()
        waited = now - timedelta(seconds=lease_seconds)
        with self.db.sessions() as session:
            rows = session.scalars(select(Submission.id).where(or_(
                and_(Submission.status == JobStatus.RUNNING, Submission.lease_until < now),
                and_(Submission.status == JobStatus.QUEUED,
                     func.coalesce(Submission.enqueued_at, Submission.created_at) < waited),
            )).order_by(Submission.created_at))
            return list(rows)

    # -- the check ---------------------------------------------------------------------------

    def process(self, submission_id: str, source: Path | None = None, with_report: bool = True) -> str:
        """Check a claimed submission and record the outcome; returns its final status.

        A domain rejection (bomb, corrupt ZIP) is recorded as ``rejected``; any other exception
        propagates, for the caller to retry.
        """
        submission = self.get(submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}")
        path = source or self.store.path_of(submission.sha256)
        loaded = load_submission(path, self.options, SymbolTable(), identifier=submission.id)
        if loaded.error is not None:
            self.finish(submission_id, JobStatus.REJECTED, loaded.error.to_dict(), files=0)
            return JobStatus.REJECTED
        seq = self.enter(submission, loaded)
        if with_report:
            report = self.compare(loaded, submission.project_id, submission.student_id, before_seq=seq)
            with self.db.session() as session:
                session.merge(ReportRow(submission_id=submission_id, created_at=utcnow(),
                                        body=json.dumps(report, sort_keys=True)))
        files = sum(1 for d in loaded.documents if d.state is DocumentState.OK)
        self.finish(submission_id, JobStatus.DONE, files=files)
        return JobStatus.DONE

    def enter(self, submission: Submission, loaded: LoadedSubmission) -> int:
        """Store a submission's documents and units and enter it into the archive, once.

        Returns its archive ``seq``. Entering again (a retried or repeated task) finds the
        existing entry: the unique submission id on ``archive_entries`` makes the second
        transaction fail as a whole, documents and units included.
        """
        with self.db.sessions() as session:
            seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission.id))
            if seq is None:
                sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed)
                entry = ArchiveEntry(submission_id=submission.id, project_id=submission.project_id,
                                     student_id=submission.student_id, minhash=minhash_bytes(sketch),
                                     indexed_at=utcnow())
                session.add_all(self._document_rows(submission.id, loaded))
                session.add_all(unit_row(submission.id, i, u) for i, u in enumerate(loaded.units))
                session.add(entry)
                try:
                    session.commit()
                    seq = entry.seq
                except IntegrityError:
                    session.rollback()
                    seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission.id))
                    assert seq is not None
        self.sync_index(submission.project_id)
        return int(seq)

    @staticmethod
    def _document_rows(submission_id: str, loaded: LoadedSubmission) -> Iterable[DocumentRow]:
        for ordinal, doc in enumerate(loaded.documents):
            text = zlib.compress(doc.text.encode("utf-8")) if doc.state is DocumentState.OK else None
            yield DocumentRow(submission_id=submission_id, ordinal=ordinal, path=doc.path,
                              state=doc.state.value, sha256=doc.sha256, size=doc.size,
                              detail=doc.detail, text_z=text)

    def sync_index(self, project_id: str) -> int:
        """Insert into the candidate index whatever the database has and it lacks."""
        with self.db.sessions() as session:
            ids = set(session.scalars(select(ArchiveEntry.submission_id).filter_by(project_id=project_id)))
            missing = ids - self.index.members(project_id)
            if not missing:
                return 0
            rows = []
            for batch in _batches(sorted(missing)):
                rows.extend(session.execute(
                    select(ArchiveEntry.submission_id, ArchiveEntry.minhash)
                    .where(ArchiveEntry.submission_id.in_(batch))).all())
        return self.index.insert_missing(project_id, [(r[0], r[1]) for r in rows])

    def _units_of(self, session: Session, ids: list[str]) -> dict[str, list[Unit]]:
        units: dict[str, list[Unit]] = {i: [] for i in ids}
        for batch in _batches(ids):
            for row in session.scalars(select(UnitRow).where(UnitRow.submission_id.in_(batch))
                                       .order_by(UnitRow.submission_id, UnitRow.ordinal)):
                units[row.submission_id].append(unit_from_row(row))
        return units

    def compare(self, loaded: LoadedSubmission, project_id: str, student_id: str | None,
                before_seq: int | None = None) -> dict[str, Any]:
        """The matches of a loaded submission against the project's archive (entries before
        ``before_seq`` when given): ``{"submission", "matches", "own_attempts"}``."""
        report: dict[str, Any] = {"submission": loaded.id, "matches": [], "own_attempts": []}
        self.sync_index(project_id)
        with self.db.sessions() as session:
            query = select(ArchiveEntry.submission_id, ArchiveEntry.seq).filter_by(project_id=project_id)
            if before_seq is not None:
                query = query.where(ArchiveEntry.seq < before_seq)
            prior = {sid: seq for sid, seq in session.execute(query)}
            prior.pop(loaded.id, None)
            if not prior:
                return report
            sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed)
            candidates = self.index.query(project_id, sketch) & set(prior)
            if not candidates:
                return report
            recent = sorted(prior, key=lambda sid: -prior[sid])[:CONTEXT_LIMIT]
            context = sorted(set(recent) | candidates, key=lambda sid: prior[sid])
            units = self._units_of(session, context)
            people = {s.id: s for s in session.scalars(
                select(Submission).where(Submission.id.in_(sorted(candidates))))}
        cohort = [loaded.units] + [units[sid] for sid in context]
        mark_excluded(cohort, [], self.options.match)
        matrix = tfidf_matrix(cohort)
        cosines = (matrix[1:] @ matrix[0].T).toarray().ravel() if matrix.shape[0] > 1 else np.zeros(0)
        # As in ``candidate_pairs``: the closest partners from MIN_COSINE up are aligned, the
        # next ones are scored by their cosine alone.
        ranked = sorted((-float(cosines[p]), sid, p) for p, sid in enumerate(context)
                        if sid in candidates and cosines[p] >= MIN_COSINE)
        minimum = self.options.match.min_document_tokens
        mine = SubmissionPrints.build(loaded.id, cohort[0], minimum)
        code_mine, all_mine = _token_counts(mine)
        for rank, (negative, other, position) in enumerate(ranked[:SCORED_PER_SUBMISSION]):
            closest = rank < ALIGNED_PER_SUBMISSION
            theirs = SubmissionPrints.build(other, cohort[position + 1], minimum)
            code_theirs, all_theirs = _token_counts(theirs)
            total = all_mine + all_theirs
            share = (code_mine + code_theirs) / total if total else 1.0
            aligned = align(mine, theirs, self.options.match) if closest else None
            pair = _scored(loaded.id, other, -negative, aligned, share)
            if rounded(pair.similarity) < self.options.min_similarity:
                continue
            person = people[other]
            match = {"submission_id": other, "student_id": person.student_id, "name": person.name,
                     "attempt": person.attempt, "similarity": rounded(pair.similarity),
                     "a_share": rounded(pair.a_share), "b_share": rounded(pair.b_share),
                     "fragments": [f.to_dict() for f in pair.fragments]}
            own = student_id is not None and person.student_id == student_id
            report["own_attempts" if own else "matches"].append(match)
        for key in ("matches", "own_attempts"):
            report[key].sort(key=lambda m: (-m["similarity"], m["submission_id"]))
        return report

    def report_of(self, submission_id: str) -> dict[str, Any]:
        with self.db.sessions() as session:
            row = session.get(ReportRow, submission_id)
            if row is None:
                raise NotReady(f"submission {submission_id} has no report yet")
            return json.loads(row.body)  # type: ignore[no-any-return]


def _batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]
