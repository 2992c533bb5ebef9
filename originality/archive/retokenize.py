"""Making archived entries' units again when today's tokens differ (mixed into ``Archive``).

An entry keeps the units it was entered with. An upgrade that changes the token streams
(``units.TOKENS_VERSION``), other tokenizer or normalizations in the settings, or a project's
new choice about quotations leave older entries with units that a new upload's cannot be
compared with: the same two submissions would score otherwise through ``check``. Each entry
records the digest of what made its units (``units.tokens_digest``); ``retokenize`` makes the
units of every entry whose digest is not today's again, from the texts the archive keeps (each
document's text and segments), then sketches and indexes the project again.

Documents stored before their segments were kept get them back by reading their text again as
the file it was: source code, Markdown and plain text give back the same text and so their
segments. A PDF, an office document, HTML or RTF is prose only, in blocks (pages, slides,
paragraphs) joined by blank lines: its text is one prose segment, which tokenizes as the blocks
did but for a quotation whose marks open in one block and close in the next. A notebook cannot
be read back from its text, and a text past its retention period is gone: such an entry is read
again from its upload when the blob store still holds it, and is otherwise left as it was and
counted ``unreadable``.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Callable

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..check import load_submission
from ..extract import extract, prose_only
from ..fingerprint import SymbolTable
from ..model import Document, DocumentState, Entry, Segment, SegmentKind
from ..options import CheckOptions
from ..store.db import Database
from ..store.models import ArchiveEntry, DocumentRow, Submission, UnitRow
from ..units import Unit, build_units, tokens_digest
from .blobs import BlobStore
from .entries import Entries, segments_from_json, segments_json, unit_row

# Entries made again per transaction: a crash loses at most one batch's work, never an entry
# half made (its units, documents and digest change together).
# The size of an import's batch (``bulk.BATCH``): a judgment, not measured here.
RETOKENIZE_BATCH = 100

Progress = Callable[[str, int, int], None]


class Retokenize:
    """Finding and making again the entries that other tokens made (mixed into ``Archive``)."""

    db: Database
    store: BlobStore

    if TYPE_CHECKING:  # provided by the other parts of ``Archive``
        def options_for(self, project_id: str) -> CheckOptions: ...
        def reindex(self, project_id: str | None = None) -> dict[str, int]: ...

    def stale_entries(self, project_id: str | None = None) -> dict[str, int]:
        """Per project (all, or the one given), how many entries other tokens made."""
        query = select(ArchiveEntry.project_id, ArchiveEntry.tokens, func.count()).group_by(
            ArchiveEntry.project_id, ArchiveEntry.tokens)
        if project_id is not None:
            query = query.where(ArchiveEntry.project_id == project_id)
        with self.db.sessions() as session:
            rows = list(session.execute(query))
        today = {project: tokens_digest(self.options_for(project).match) for project in {r[0] for r in rows}}
        stale: dict[str, int] = {}
        for project, tokens, count in rows:
            if tokens != today[project]:
                stale[project] = stale.get(project, 0) + int(count)
        return dict(sorted(stale.items()))

    def retokenize(self, project_id: str | None = None,
                   progress: Progress = lambda project, done, total: None) -> dict[str, dict[str, int]]:
        """Make again the units of every entry (of one project, or all) that other tokens made;
        returns per project the entries ``retokenized``, ``unreadable`` (left as they were) and
        ``current`` (already made with today's tokens). Idempotent: a second run finds nothing
        to do, and an interrupted one resumes where it stopped."""
        with self.db.sessions() as session:
            projects = [project_id] if project_id is not None else list(session.scalars(
                select(ArchiveEntry.project_id).distinct().order_by(ArchiveEntry.project_id)))
        result: dict[str, dict[str, int]] = {}
        for project in projects:
            options = self.options_for(project)
            digest = tokens_digest(options.match)
            with self.db.sessions() as session:
                total = session.scalar(select(func.count()).select_from(ArchiveEntry)
                                       .where(ArchiveEntry.project_id == project)) or 0
                stale = list(session.scalars(
                    select(ArchiveEntry.submission_id)
                    .where(ArchiveEntry.project_id == project,
                           or_(ArchiveEntry.tokens.is_(None), ArchiveEntry.tokens != digest))
                    .order_by(ArchiveEntry.seq)))
            counts = {"retokenized": 0, "unreadable": 0, "current": int(total) - len(stale)}
            for start in range(0, len(stale), RETOKENIZE_BATCH):
                batch = stale[start:start + RETOKENIZE_BATCH]
                with self.db.session() as session:
                    for submission_id in batch:
                        made = self._make_again(session, submission_id, options)
                        if made:
                            session.execute(update(ArchiveEntry)
                                            .where(ArchiveEntry.submission_id == submission_id)
                                            .values(tokens=digest))
                        counts["retokenized" if made else "unreadable"] += 1
                progress(project, start + len(batch), len(stale))
            if counts["retokenized"]:
                self.reindex(project)  # the sketches are made from the units
            result[project] = counts
        return result

    def _make_again(self, session: Session, submission_id: str, options: CheckOptions) -> bool:
        """Replace one entry's units (and, read from its upload, its documents); False when
        neither its texts nor its upload can give them."""
        rows = list(session.scalars(select(DocumentRow).where(DocumentRow.submission_id == submission_id)
                                    .order_by(DocumentRow.ordinal)))
        readable = []
        for row in rows:
            if row.state != DocumentState.OK.value:
                continue
            if row.text_z is None:  # past its retention period (privacy/retention.py): not brought back
                return self._from_upload(session, submission_id, options, documents_too=False)
            text = zlib.decompress(row.text_z).decode("utf-8")
            segments = segments_from_json(row.segments) if row.segments is not None else _read_back(row.path, text)
            if segments is None:
                return self._from_upload(session, submission_id, options, documents_too=True)
            readable.append((row, text, segments))
        table, units = SymbolTable(), []
        for row, text, segments in readable:
            row.segments = segments_json(segments)
            document = Document(row.path, DocumentState.OK, text, segments, row.sha256, row.size)
            # A document now too short to compare keeps its state: its units are simply none.
            units.extend(build_units(document, options.match, table))
        _replace_units(session, submission_id, units)
        return True

    def _from_upload(self, session: Session, submission_id: str, options: CheckOptions,
                     documents_too: bool) -> bool:
        """The units again from the upload; its documents too unless their texts were removed
        on purpose (they stay removed)."""
        submission = session.get(Submission, submission_id)
        if submission is None or not self.store.exists(submission.sha256):
            return False
        loaded = load_submission(self.store.get(submission.sha256), options, SymbolTable(),
                                 identifier=submission_id)
        if loaded.error is not None:
            return False
        if documents_too:
            session.execute(delete(DocumentRow).where(DocumentRow.submission_id == submission_id))
            session.add_all(Entries.document_rows(submission_id, loaded))
        _replace_units(session, submission_id, loaded.units)
        return True


def _read_back(path: str, text: str) -> tuple[Segment, ...] | None:
    """The segments of a stored text: read again as the file it was, or one prose segment for
    a document of prose only; None when neither gives them (a notebook)."""
    if prose_only(path):
        return (Segment(SegmentKind.PROSE, 1, text.count("\n") + 1),)
    document = extract(Entry(path, text.encode("utf-8")))
    return document.segments if document.state is DocumentState.OK and document.text == text else None


def _replace_units(session: Session, submission_id: str, units: list[Unit]) -> None:
    session.execute(delete(UnitRow).where(UnitRow.submission_id == submission_id))
    session.add_all(unit_row(submission_id, ordinal, unit) for ordinal, unit in enumerate(units))
