"""A project's starter code: stored like an upload, unpacked once per process and digest, and
excluded from every later check of the project."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..check import load_submission
from ..cohort import unique_hashes
from ..errors import BlobMissing, NotAnArchive, UsageError
from ..fingerprint import SymbolTable
from ..options import CheckOptions
from ..store.db import Database
from ..store.models import ProjectStarter, Submission, utcnow
from ..units import Unit, tokens_digest
from ..unpack import is_zip
from .blobs import BlobStore
from .stats import StarterKgrams

# Projects' starter code, unpacked once per process and kept by digest.
# 16 projects: a judgment, not measured.
STARTER_CACHE = 16
MAX_ID_LENGTH = 200  # the width of the id columns


@dataclass(frozen=True)
class StarterCode:
    """A project's starter code, ready to exclude: its units and its binary assets' digests."""

    units: list[Unit]
    digests: frozenset[str]
    bag: np.ndarray  # its sorted distinct bag features, which the candidate index leaves out
    kgrams: StarterKgrams  # its long k-grams, which postings and near-duplicate groups leave out


class Starters:
    """Starter code per project (mixed into ``Archive``)."""

    db: Database
    store: BlobStore
    options: CheckOptions
    _starters: dict[tuple[str, str], StarterCode]
    _starters_lock: threading.Lock

    if TYPE_CHECKING:  # provided by ``Entries`` and ``Quotations``
        def resketch(self, project_id: str, without: np.ndarray | None) -> int: ...
        def options_for(self, project_id: str) -> CheckOptions: ...

    def set_starter(self, project_id: str, sha256: str, size: int, name: str | None = None,
                    set_by: str = "") -> dict[str, Any]:
        """Make the stored ZIP ``sha256`` the project's starter code, for every later check.

        The ZIP is read as a submission is, so a hostile or unreadable one raises its
        ``SubmissionRejected`` (and is not kept unless something else uses it).
        """
        if not 1 <= len(project_id) <= MAX_ID_LENGTH:
            self.discard_unused(sha256)
            raise UsageError(f"a project id has 1 to {MAX_ID_LENGTH} characters")
        data = self.store.get(sha256)
        if not is_zip(data):
            self.discard_unused(sha256)
            raise NotAnArchive("the starter code is not a ZIP archive")
        loaded = load_submission(data, self.options_for(project_id), SymbolTable(), identifier="starter")
        if loaded.error is not None:
            self.discard_unused(sha256)
            raise loaded.error
        values = {"sha256": sha256, "size": size, "files": loaded.files,
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
        # The candidate index leaves the starter code out of its sketches: the entries made
        # before it was set (or before it changed) are sketched again.
        found = self.starter_code(project_id)
        self.resketch(project_id, found.bag if found is not None else None)
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
        """The project's starter code, unpacked (once per process, digest and way of making
        tokens): read with the project's options, as its students' uploads are, so that a
        quotation in a template counted by the project is counted, and left out, alike."""
        summary = self.starter(project_id)
        if summary is None:
            return None
        options = self.options_for(project_id)
        key = (summary["sha256"], tokens_digest(options.match))
        with self._starters_lock:
            found = self._starters.get(key)
        if found is not None:
            return found
        try:
            data = self.store.get(summary["sha256"])
        except BlobMissing as error:  # not the student's fault: the check fails and is retried
            raise BlobMissing(f"the starter code of project {project_id} is missing: "
                              f"{error.message}") from None
        loaded = load_submission(data, options, SymbolTable(), identifier="starter")
        if loaded.error is not None:
            raise loaded.error
        found = StarterCode(loaded.units, frozenset(loaded.binary_digests),
                            unique_hashes(loaded.units, bag=True), StarterKgrams.of(loaded.units))
        with self._starters_lock:
            while len(self._starters) >= STARTER_CACHE:
                self._starters.pop(next(iter(self._starters)))
            self._starters[key] = found
        return found

    def discard_unused(self, sha256: str) -> None:
        """Delete a stored upload that no submission and no starter code uses (one refused)."""
        with self.db.sessions() as session:
            used = (session.scalar(select(Submission.id).filter_by(sha256=sha256).limit(1)) is not None
                    or session.scalar(select(ProjectStarter.project_id).filter_by(sha256=sha256)
                                      .limit(1)) is not None)
        if not used:
            self.store.delete(sha256)
