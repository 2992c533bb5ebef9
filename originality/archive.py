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

"Prior" means a smaller ``seq``. Entries of one project are entered one transaction at a time
(``store.db.transaction_lock``), so their seq order is their commit order, and a check of
entry N sees every entry before N, however many workers run at once.

``compare`` is ``check`` restricted to the pairs of one new submission: the MinHash LSH
(``store/index.py``) picks the candidates among the prior entries; the project's starter code
(``set_starter``, as ``check --base``) and common code are excluded with
``cohort.mark_excluded`` over a context of the project's archive (every candidate, plus up to
``CONTEXT_LIMIT`` of the most recent prior entries), whose document frequencies also weigh the
TF-IDF cosine; as in ``candidate_pairs``, of the candidates from ``MIN_COSINE`` up the closest
``ALIGNED_PER_SUBMISSION`` are aligned and the next ones, up to ``SCORED_PER_SUBMISSION``, are
scored by their cosine alone, all with ``check._scored``. Identical binary assets (neither
starter material nor common to the context) are shown as zero-token fragments, noticed and
never scored, as ``check`` shows them. A student's own earlier attempts come back apart, never
as plagiarism. The report keeps, per submission shown, the lines that are starter or common
code (``template_lines``), so a page can grey them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import uuid
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Iterable

import numpy as np
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .candidates import ALIGNED_PER_SUBMISSION, MIN_COSINE, SCORED_PER_SUBMISSION, tfidf_matrix
from .check import LoadedSubmission, _scored, _template_lines, _token_counts, load_submission
from .cohort import common_binaries, mark_excluded
from .errors import NotAnArchive, NotFound, NotReady, UploadTooLarge, UsageError
from .fingerprint import Fingerprints, SymbolTable
from .match import SubmissionPrints, align
from .model import DocumentState, Fragment, PairResult, SegmentKind, Span
from .options import CheckOptions
from .report import rounded
from .store import links
from .store.db import Database, transaction_lock
from .store.index import CandidateIndex, minhash_bytes, minhash_of, open_index
from .store.models import (
    ArchiveEntry,
    DocumentRow,
    JobStatus,
    ProjectStarter,
    ReportRow,
    Submission,
    UnitRow,
    utcnow,
)
from .store.settings import LSH_SEED, Settings
from .units import Unit
from .unpack import is_zip

# Prior entries whose units join the context of a comparison (for common code and document
# frequencies) besides the LSH candidates: the most recent ones, which share the task.
CONTEXT_LIMIT = 500
CHUNK = 8192
IN_BATCH = 500
# Projects' starter code, unpacked once per process and kept by digest.
STARTER_CACHE = 16
MAX_ID_LENGTH = 200  # the width of the id columns


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


@dataclass(frozen=True)
class StarterCode:
    """A project's starter code, ready to exclude: its units and its binary assets' digests."""

    units: list[Unit]
    digests: frozenset[str]


def line_ranges(lines: list[int]) -> list[list[int]]:
    """Sorted line numbers as ``[first, last]`` runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for line in lines:
        if ranges and line <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], line)
        else:
            ranges.append([line, line])
    return ranges


def template_ranges(units: list[Unit]) -> dict[str, list[list[int]]]:
    """Per file, the lines of a submission that are starter or common code, as ranges."""
    return {path: line_ranges(lines) for path, lines in _template_lines(units).items()}


class Archive:
    """The archive of one database, content store and candidate index."""

    def __init__(self, db: Database, store: ContentStore, index: CandidateIndex,
                 options: CheckOptions | None = None) -> None:
        self.db, self.store, self.index = db, store, index
        self.options = options or CheckOptions(workers=1)
        self._starters: dict[str, StarterCode] = {}
        self._starters_lock = threading.Lock()  # the API checks in several threads

    @classmethod
    def open(cls, settings: Settings, migrate: bool = True) -> Archive:
        db = Database(settings.sqlalchemy_url, settings.data_dir, migrate_now=migrate)
        index = open_index(settings.index, settings.redis_url, settings.redis_url_given,
                           settings.lsh_threshold, settings.lsh_num_perm, LSH_SEED,
                           sessions=db.sessions)
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

    def retry(self, submission_id: str) -> bool:
        """Queue a failed check again (a failure is the service's fault, not the student's:
        a missing file restored, a database back); False unless the check had failed."""
        with self.db.session() as session:
            result = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status == JobStatus.FAILED)
                .values(status=JobStatus.QUEUED, error_code=None, error_message=None,
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
                links.write(session, submission_id, report)  # the later matches of the others
        files = sum(1 for d in loaded.documents if d.state is DocumentState.OK)
        self.finish(submission_id, JobStatus.DONE, files=files)
        return JobStatus.DONE

    def enter(self, submission: Submission, loaded: LoadedSubmission) -> int:
        """Store a submission's documents and units and enter it into the archive, once.

        Returns its archive ``seq``. Entering again (a retried or repeated task) finds the
        existing entry: the unique submission id on ``archive_entries`` makes the second
        transaction fail as a whole, documents and units included.
        """
        sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed)
        with self.db.sessions() as session:
            # One enter per project at a time: the seq handed out here is then committed before
            # any larger one of the project, so a check of entry N sees all entries before N.
            transaction_lock(session, f"archive:{submission.project_id}")
            seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission.id))
            if seq is None:
                entry = ArchiveEntry(submission_id=submission.id, project_id=submission.project_id,
                                     student_id=submission.student_id, minhash=minhash_bytes(sketch),
                                     indexed_at=utcnow())
                session.add_all(self._document_rows(submission.id, loaded))
                session.add_all(unit_row(submission.id, i, u) for i, u in enumerate(loaded.units))
                session.add(entry)
                try:
                    # Flushes the rows above: a duplicate entry fails here or at the commit.
                    self.index.stage(session, submission.project_id, submission.id, sketch)
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
            missing = self.index.lacking(session, project_id)
        return self.index.insert_missing(project_id, missing) if missing else 0

    def reindex(self, project_id: str | None = None) -> dict[str, int]:
        """Rebuild the candidate index of a project (or of every one) from the MinHashes in the
        database; returns the entries indexed per project. The database's own index is
        replaced in one transaction; with Redis, a check running meanwhile may miss candidates."""
        with self.db.sessions() as session:
            projects = [project_id] if project_id is not None else list(session.scalars(
                select(ArchiveEntry.project_id).distinct().order_by(ArchiveEntry.project_id)))
        counts = {}
        for project in projects:
            with self.db.sessions() as session:
                entries = [(r[0], r[1]) for r in session.execute(
                    select(ArchiveEntry.submission_id, ArchiveEntry.minhash)
                    .filter_by(project_id=project).order_by(ArchiveEntry.seq))]
            counts[project] = self.index.rebuild(project, entries)
        return counts

    # -- starter code ------------------------------------------------------------------------

    def set_starter(self, project_id: str, sha256: str, size: int, name: str | None = None,
                    set_by: str = "") -> dict[str, Any]:
        """Make the stored ZIP ``sha256`` the project's starter code, for every later check.

        The ZIP is read as a submission is, so a hostile or unreadable one raises its
        ``SubmissionRejected`` (and is not kept unless something else uses it).
        """
        if not 1 <= len(project_id) <= MAX_ID_LENGTH:
            self.discard_unused(sha256)
            raise UsageError(f"a project id has 1 to {MAX_ID_LENGTH} characters")
        path = self.store.path_of(sha256)
        if not is_zip(path):
            self.discard_unused(sha256)
            raise NotAnArchive("the starter code is not a ZIP archive")
        loaded = load_submission(path, self.options, SymbolTable(), identifier="starter")
        if loaded.error is not None:
            self.discard_unused(sha256)
            raise loaded.error
        values = {"sha256": sha256, "size": size, "files": len(loaded.documents),
                  "name": name[:400] if name else None, "set_by": set_by[:200],
                  "updated_at": utcnow()}
        for attempt in range(2):
            with self.db.sessions() as session:
                row = session.get(ProjectStarter, project_id)
                if row is None:
                    session.add(ProjectStarter(project_id=project_id, **values))
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
                try:
                    session.commit()
                    break
                except IntegrityError:  # set by another request meanwhile: update that row
                    session.rollback()
                    if attempt:
                        raise
        summary = self.starter(project_id)
        assert summary is not None
        return summary

    def starter(self, project_id: str) -> dict[str, Any] | None:
        """The summary of a project's starter code, or None when it has none."""
        with self.db.sessions() as session:
            row = session.get(ProjectStarter, project_id)
            if row is None:
                return None
            return {"project_id": row.project_id, "sha256": row.sha256, "size": row.size,
                    "files": row.files, "name": row.name, "set_by": row.set_by,
                    "updated_at": row.updated_at}

    def starter_code(self, project_id: str) -> StarterCode | None:
        """The project's starter code, unpacked (once per process and digest)."""
        summary = self.starter(project_id)
        if summary is None:
            return None
        sha256 = summary["sha256"]
        with self._starters_lock:
            found = self._starters.get(sha256)
        if found is not None:
            return found
        path = self.store.path_of(sha256)
        if not path.exists():  # not the student's fault: the check fails and is retried
            raise FileNotFoundError(f"the starter code of project {project_id} is missing "
                                    f"from the upload store ({path})")
        loaded = load_submission(path, self.options, SymbolTable(), identifier="starter")
        if loaded.error is not None:
            raise loaded.error
        found = StarterCode(loaded.units, frozenset(loaded.binary_digests))
        with self._starters_lock:
            while len(self._starters) >= STARTER_CACHE:
                self._starters.pop(next(iter(self._starters)))
            self._starters[sha256] = found
        return found

    def discard_unused(self, sha256: str) -> None:
        """Delete a stored upload that no submission and no starter code uses (one refused)."""
        with self.db.sessions() as session:
            used = (session.scalar(select(Submission.id).filter_by(sha256=sha256).limit(1)) is not None
                    or session.scalar(select(ProjectStarter.project_id).filter_by(sha256=sha256)
                                      .limit(1)) is not None)
        if not used:
            self.store.path_of(sha256).unlink(missing_ok=True)

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
        ``before_seq`` when given): ``{"submission", "matches", "own_attempts",
        "template_lines"}``."""
        starter = self.starter_code(project_id)
        base_units = starter.units if starter is not None else []
        base_digests = set(starter.digests) if starter is not None else set()
        mine_binaries = {d: p for d, p in loaded.binary_digests.items() if d not in base_digests}
        report: dict[str, Any] = {"submission": loaded.id, "matches": [], "own_attempts": []}
        self.sync_index(project_id)
        with self.db.sessions() as session:
            query = select(ArchiveEntry.submission_id, ArchiveEntry.seq).filter_by(project_id=project_id)
            if before_seq is not None:
                query = query.where(ArchiveEntry.seq < before_seq)
            prior = {sid: seq for sid, seq in session.execute(query)}
            prior.pop(loaded.id, None)
            candidates: set[str] = set()
            holders: dict[str, dict[str, str]] = {}
            if prior:
                sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed)
                candidates = self.index.query(project_id, sketch) & set(prior)
                holders = self._binary_holders(session, project_id, set(mine_binaries), prior)
            if not candidates and not holders:
                # Nothing to compare: only the starter code is known to be template here.
                mark_excluded([loaded.units], base_units, self.options.match)
                report["template_lines"] = {loaded.id: template_ranges(loaded.units)}
                return report
            # Every candidate joins the context, whatever CONTEXT_LIMIT says.
            recent = sorted(prior, key=lambda sid: -prior[sid])[:CONTEXT_LIMIT]
            in_context = set(recent) | candidates
            ignored = common_binaries(
                [set(mine_binaries)] + [set(holders.get(sid, ())) for sid in sorted(in_context)],
                base_digests, self.options.match)
            shared = {sid: {d: p for d, p in found.items() if d not in ignored}
                      for sid, found in holders.items()}
            shared = {sid: found for sid, found in shared.items() if found}
            context = sorted(in_context | set(shared), key=lambda sid: prior[sid])
            units = self._units_of(session, context)
        cohort = [loaded.units] + [units[sid] for sid in context]
        mark_excluded(cohort, base_units, self.options.match)
        pairs = self._score(loaded, cohort, context, candidates)
        for other, found in sorted(shared.items()):
            # As ``check._attach_binaries``: identical assets are shown, never scored.
            fragments = tuple(Fragment(Span(mine_binaries[d], 1, 1), Span(found[d], 1, 1), tokens=0)
                              for d in sorted(found))
            pair = pairs.get(other) or PairResult(loaded.id, other, 0.0, 0.0, 0.0, ())
            pairs[other] = replace(pair, fragments=pair.fragments + fragments)
        reported = sorted(other for other, pair in pairs.items()
                          if rounded(pair.similarity) >= self.options.min_similarity)
        people: dict[str, Submission] = {}
        with self.db.sessions() as session:
            for batch in _batches(reported):
                people.update((s.id, s) for s in session.scalars(
                    select(Submission).where(Submission.id.in_(batch))))
        template_lines = {loaded.id: template_ranges(loaded.units)}
        for other in reported:
            pair, person = pairs[other], people[other]
            match = {"submission_id": other, "student_id": person.student_id, "name": person.name,
                     "attempt": person.attempt, "similarity": rounded(pair.similarity),
                     "a_share": rounded(pair.a_share), "b_share": rounded(pair.b_share),
                     "fragments": [f.to_dict() for f in pair.fragments]}
            own = student_id is not None and person.student_id == student_id
            report["own_attempts" if own else "matches"].append(match)
            template_lines[other] = template_ranges(units[other])
        for key in ("matches", "own_attempts"):
            report[key].sort(key=lambda m: (-m["similarity"], m["submission_id"]))
        report["template_lines"] = template_lines
        return report

    def _score(self, loaded: LoadedSubmission, cohort: list[list[Unit]], context: list[str],
               candidates: set[str]) -> dict[str, PairResult]:
        """The scored pairs of the new submission (``cohort[0]``) with its candidates."""
        matrix = tfidf_matrix(cohort)
        cosines = (matrix[1:] @ matrix[0].T).toarray().ravel() if matrix.shape[0] > 1 else np.zeros(0)
        # As in ``candidate_pairs``: the closest partners from MIN_COSINE up are aligned, the
        # next ones are scored by their cosine alone.
        ranked = sorted((-float(cosines[p]), sid, p) for p, sid in enumerate(context)
                        if sid in candidates and cosines[p] >= MIN_COSINE)
        minimum = self.options.match.min_document_tokens
        mine = SubmissionPrints.build(loaded.id, cohort[0], minimum)
        code_mine, all_mine = _token_counts(mine)
        pairs: dict[str, PairResult] = {}
        for rank, (negative, other, position) in enumerate(ranked[:SCORED_PER_SUBMISSION]):
            closest = rank < ALIGNED_PER_SUBMISSION
            theirs = SubmissionPrints.build(other, cohort[position + 1], minimum)
            code_theirs, all_theirs = _token_counts(theirs)
            total = all_mine + all_theirs
            share = (code_mine + code_theirs) / total if total else 1.0
            aligned = align(mine, theirs, self.options.match) if closest else None
            pairs[other] = _scored(loaded.id, other, -negative, aligned, share)
        return pairs

    @staticmethod
    def _binary_holders(session: Session, project_id: str, digests: set[str],
                        prior: dict[str, int]) -> dict[str, dict[str, str]]:
        """Prior entries holding one of ``digests`` as a binary asset: id -> digest -> path
        (the first such file, as ``LoadedSubmission.binary_digests`` keeps)."""
        found: dict[str, dict[str, str]] = {}
        for batch in _batches(sorted(digests)):
            rows = session.execute(
                select(DocumentRow.submission_id, DocumentRow.sha256, DocumentRow.path)
                .join(ArchiveEntry, ArchiveEntry.submission_id == DocumentRow.submission_id)
                .where(ArchiveEntry.project_id == project_id, DocumentRow.sha256.in_(batch),
                       DocumentRow.state == DocumentState.BINARY.value, DocumentRow.size > 0)
                .order_by(DocumentRow.submission_id, DocumentRow.ordinal))
            for sid, digest, path in rows:
                if sid in prior:
                    found.setdefault(sid, {}).setdefault(digest, path)
        return found

    def report_of(self, submission_id: str) -> dict[str, Any]:
        with self.db.sessions() as session:
            row = session.get(ReportRow, submission_id)
            if row is None:
                raise NotReady(f"submission {submission_id} has no report yet")
            return json.loads(row.body)  # type: ignore[no-any-return]


def _batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]
