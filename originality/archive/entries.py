"""Entering a submission into the archive: its documents, units and MinHash, once, in commit
order per project; and the candidate index and the project's running statistics and postings
(``stats.py``, ``postings.py``) kept in step with the database."""

from __future__ import annotations

import json
import sys
import zlib
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..check import LoadedSubmission
from ..fingerprint import Fingerprints
from ..model import DocumentState, Segment, SegmentKind
from ..options import CheckOptions
from ..store.db import Database, transaction_lock
from ..store.index import CandidateIndex, minhash_bytes, minhash_of
from ..store.models import ArchiveEntry, DocumentRow, ProjectStatistics, Submission, UnitRow, utcnow
from ..units import Unit, tokens_digest
from . import stats

if TYPE_CHECKING:
    from .starter import StarterCode

# Entries per query: well under every database's limit on bound parameters.
IN_BATCH = 500


def unit_row(submission_id: str, ordinal: int, unit: Unit) -> UnitRow:
    return UnitRow(
        submission_id=submission_id, ordinal=ordinal, path=unit.path, kind=unit.kind.value,
        k=unit.k, lines=unit.lines.astype("<i4").tobytes(),
        hashes=unit.prints.hashes.astype("<u8").tobytes(),
        bag=unit.bag.astype("<u8").tobytes(),
        pruned=None if unit.pruned is None else unit.pruned.astype("<u8").tobytes(),
    )


_KINDS = {kind.value: kind for kind in SegmentKind}


def unit_from_row(row: UnitRow | Row[Any]) -> Unit:
    """A stored unit. Its arrays are read-only views of the row's bytes where the machine's byte
    order is the stored one (no copy: a check at 20,000 entries reads half a million units)."""
    prints = Fingerprints(hashes=_array(row.hashes, "<u8", np.uint64), k=row.k)
    return Unit(row.path, _KINDS[row.kind], _array(row.lines, "<i4", np.int32), prints,
                _array(row.bag, "<u8", np.uint64),
                None if row.pruned is None else _array(row.pruned, "<u8", np.uint64))


def _array(data: bytes, stored: str, dtype: type) -> np.ndarray:
    if _LITTLE_ENDIAN:  # the stored order: a view as it is (a call less for each of millions)
        return np.frombuffer(data, dtype=dtype)
    return np.frombuffer(data, dtype=stored).astype(dtype)


_LITTLE_ENDIAN = sys.byteorder == "little"


def segments_json(segments: Iterable[Segment]) -> str:
    return json.dumps([[s.kind.value, s.start_line, s.end_line, s.language] for s in segments])


def segments_from_json(text: str) -> tuple[Segment, ...]:
    return tuple(Segment(SegmentKind(kind), start, end, language) for kind, start, end, language in json.loads(text))


def batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), IN_BATCH):
        yield items[start : start + IN_BATCH]


def units_of(session: Session, ids: list[str]) -> dict[str, list[Unit]]:
    """The stored units of entries, by submission id, in their order."""
    units: dict[str, list[Unit]] = {i: [] for i in ids}
    for batch in batches(ids):
        # Plain rows, not ORM objects: a check reads thousands of entries' units, and the
        # identity map cost a third of reading them (archive_check.py at 20,000 entries).
        for row in session.execute(select(UnitRow.__table__).where(UnitRow.submission_id.in_(batch))
                                   .order_by(UnitRow.submission_id, UnitRow.ordinal)):
            units[row.submission_id].append(unit_from_row(row))
    return units


class StoredUnits:
    """A comparison's units (``score.Fetching``), each entry's read from the database when the
    comparison first needs them (to align a pair, to grey its template lines): a check scores
    thousands of candidates by their profiles and aligns a few hundred."""

    def __init__(self, db: Database, ids: list[str], given: dict[int, list[Unit]]) -> None:
        self.db, self.ids, self._units = db, ids, dict(given)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> list[Unit]:
        self.fetch([index])
        return self._units[index]

    def fetch(self, indices: list[int]) -> None:
        missing = [i for i in indices if i not in self._units]
        if not missing:
            return
        with self.db.sessions() as session:
            found = units_of(session, [self.ids[i] for i in missing])
        self._units.update((i, found[self.ids[i]]) for i in missing)


class Entries:
    """Entering submissions and keeping the index in step (mixed into ``Archive``)."""

    db: Database
    index: CandidateIndex

    if TYPE_CHECKING:  # provided by ``Starters``
        def starter_code(self, project_id: str) -> StarterCode | None: ...
        def options_for(self, project_id: str) -> CheckOptions: ...

    def upgrade(self, project_id: str) -> None:
        """Sketch, index and count again a project that has entries but no statistics: an
        archive from before migration 0017, whose sketches held code too and whose entries
        have no postings (``postings.py``). Once per project; a check or an entry waits."""
        with self.db.sessions() as session:
            stale = session.get(ProjectStatistics, project_id) is None and session.scalar(
                select(ArchiveEntry.seq).filter_by(project_id=project_id).limit(1)) is not None
        if stale:
            self.reindex(project_id)

    def has_entries(self, project_id: str) -> bool:
        """Whether the project holds an entry at all: without one a check finds nothing, and
        one asked of a misspelt project reads like a clean result."""
        with self.db.sessions() as session:
            return session.scalar(select(ArchiveEntry.seq).filter_by(project_id=project_id).limit(1)) is not None

    def enter(self, submission: Submission, loaded: LoadedSubmission) -> int:
        """Store a submission's documents and units and enter it into the archive, once.

        Returns its archive ``seq``. Entering again (a retried or repeated task) finds the
        existing entry: the unique submission id on ``archive_entries`` makes the second
        transaction fail as a whole, documents and units included.
        """
        self.upgrade(submission.project_id)
        starter = self.starter_code(submission.project_id)
        sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed,
                            without=starter.bag if starter is not None else None)
        with self.db.sessions() as session:
            # One enter per project at a time: the seq handed out here is then committed before
            # any larger one of the project, so a check of entry N sees all entries before N.
            transaction_lock(session, f"archive:{submission.project_id}")
            seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission.id))
            if seq is None:
                base = self.starter_kgrams(submission.project_id)
                stats.ensure(session, submission.project_id, base)
                entry = ArchiveEntry(submission_id=submission.id, project_id=submission.project_id,
                                     student_id=submission.student_id, minhash=minhash_bytes(sketch),
                                     indexed_at=utcnow(),
                                     tokens=tokens_digest(self.options_for(submission.project_id).match))
                session.add_all(self.document_rows(submission.id, loaded))
                session.add_all(unit_row(submission.id, i, u) for i, u in enumerate(loaded.units))
                session.add(entry)
                try:
                    session.flush()  # the rows above: a duplicate entry fails here or at the commit
                    self.index.stage(session, submission.project_id, {submission.id: sketch})
                    stats.count_entry(session, submission.project_id, submission.id, entry.seq,
                                      loaded.units, base)
                    session.commit()
                    seq = entry.seq
                except IntegrityError:
                    session.rollback()
                    seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission.id))
                    assert seq is not None
        self.sync_index(submission.project_id)
        return int(seq)

    @staticmethod
    def document_rows(submission_id: str, loaded: LoadedSubmission) -> Iterable[DocumentRow]:
        for ordinal, doc in enumerate(loaded.documents):
            ok = doc.state is DocumentState.OK
            yield DocumentRow(submission_id=submission_id, ordinal=ordinal, path=doc.path,
                              state=doc.state.value, sha256=doc.sha256, size=doc.size,
                              detail=doc.detail, text_z=zlib.compress(doc.text.encode("utf-8")) if ok else None,
                              segments=segments_json(doc.segments) if ok else None)

    def sync_index(self, project_id: str) -> int:
        """Insert into the candidate index whatever the database has and it lacks."""
        with self.db.sessions() as session:
            missing = self.index.lacking(session, project_id)
        return self.index.insert_missing(project_id, missing) if missing else 0

    def reindex(self, project_id: str | None = None) -> dict[str, int]:
        """Sketch every entry of a project (or of every one) again from its stored units, less
        the project's current starter code, and rebuild its candidate index; returns the entries
        indexed per project. The database's own index is replaced in one transaction; with
        Redis, a check running meanwhile may miss candidates."""
        with self.db.sessions() as session:
            projects = [project_id] if project_id is not None else list(session.scalars(
                select(ArchiveEntry.project_id).distinct().order_by(ArchiveEntry.project_id)))
        counts = {}
        for project in projects:
            starter = self.starter_code(project)
            counts[project] = self.resketch(project, starter.bag if starter is not None else None)
        return counts

    def starter_kgrams(self, project_id: str) -> stats.StarterKgrams:
        """The distinct long k-grams of the project's starter code, plain and pruned."""
        starter = self.starter_code(project_id)
        return starter.kgrams if starter is not None else stats.NO_STARTER

    def _units_of(self, session: Session, ids: list[str]) -> dict[str, list[Unit]]:
        return units_of(session, ids)

    def resketch(self, project_id: str, without: np.ndarray | None) -> int:
        """Recompute every entry's MinHash of a project without the features ``without`` (its
        starter code) and rebuild its index; returns the entries sketched (the index holds
        those with prose)."""
        with self.db.sessions() as session:
            ids = list(session.scalars(select(ArchiveEntry.submission_id)
                                       .filter_by(project_id=project_id).order_by(ArchiveEntry.seq)))
        entries: list[tuple[str, bytes]] = []
        for batch in batches(ids):
            with self.db.session() as session:
                units = self._units_of(session, batch)
                for sid in batch:
                    sketch = minhash_bytes(minhash_of(units[sid], self.index.num_perm, self.index.seed,
                                                      without=without))
                    session.execute(update(ArchiveEntry).where(ArchiveEntry.submission_id == sid)
                                    .values(minhash=sketch))
                    entries.append((sid, sketch))
        with self.db.session() as session:
            # The groups are of the entries less the starter code, and re-tokenized units hold
            # other k-grams: the statistics are counted again.
            transaction_lock(session, f"archive:{project_id}")
            stats.build(session, project_id, self.starter_kgrams(project_id))
        self.index.rebuild(project_id, entries)
        return len(entries)
