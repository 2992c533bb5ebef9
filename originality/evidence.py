"""What a stored report points at, read back for people to see: the documents' texts, the
fragments as model objects, the starter lines as sets.

The archive keeps each document's extracted text (``DocumentRow.text_z``, zlib UTF-8) with the
line numbers the fragments use, so a report's side by side can be drawn long after the check,
without the ZIPs. The service's pages call this; they stay thin.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from .model import DocumentState, Fragment, Span
from .store.db import Database
from .store.models import ArchiveEntry, DocumentRow

# Submissions per query: well under every database's limit on bound parameters.
IN_BATCH = 200


def load_texts(db: Database, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """The stored texts of ``wanted`` (submission id -> paths): submission -> path -> text.

    A path without a readable stored text (not OK, or not stored) is left out: the view says
    it cannot show it, which is better than failing the whole page.
    """
    paths = {sid: set(p) for sid, p in wanted.items() if sid}
    out: dict[str, dict[str, str]] = {sid: {} for sid in paths}
    ids = sorted(paths)
    with db.sessions() as session:
        for start in range(0, len(ids), IN_BATCH):
            batch = ids[start : start + IN_BATCH]
            rows = session.execute(
                select(DocumentRow.submission_id, DocumentRow.path, DocumentRow.text_z)
                .where(DocumentRow.submission_id.in_(batch),
                       DocumentRow.state == DocumentState.OK.value,
                       DocumentRow.text_z.is_not(None))
                .order_by(DocumentRow.submission_id, DocumentRow.ordinal)
            )
            for sid, path, text_z in rows:
                if text_z is not None and path in paths[sid] and path not in out[sid]:
                    out[sid][path] = zlib.decompress(text_z).decode("utf-8", errors="replace")
    return out


def prior_entries(db: Database, submission_id: str) -> int:
    """How many submissions of its project the archive held before this one: those it was
    compared with (the archive's order, ``seq``, not upload times, decides)."""
    with db.sessions() as session:
        entry = session.scalar(select(ArchiveEntry).filter_by(submission_id=submission_id))
        if entry is None:
            return 0
        count = session.scalar(select(func.count()).select_from(ArchiveEntry).where(
            ArchiveEntry.project_id == entry.project_id, ArchiveEntry.seq < entry.seq))
        return int(count or 0)


def fragments_of(match: Mapping[str, Any]) -> tuple[Fragment, ...]:
    """A stored match's fragments (the report JSON) as model objects, in the report's order."""
    return tuple(
        Fragment(_span(f["a"]), _span(f["b"]), int(f.get("tokens", 0)))
        for f in match.get("fragments", [])
    )


def _span(value: Mapping[str, Any]) -> Span:
    return Span(str(value["file"]), int(value["start_line"]), int(value["end_line"]))


def paths_of(fragments: Iterable[Fragment]) -> tuple[set[str], set[str]]:
    """The files a pair's fragments touch: (paths in A, paths in B)."""
    a: set[str] = set()
    b: set[str] = set()
    for fragment in fragments:
        a.add(fragment.a.file)
        b.add(fragment.b.file)
    return a, b


def template_lines(report: Mapping[str, Any]) -> dict[str, dict[str, frozenset[int]]]:
    """The report's starter and common lines as sets: submission -> path -> line numbers.

    Stored as ``{"<submission>": {"<path>": [[first, last], ...]}}``; single numbers are read
    too, and a report from before the key existed has none.
    """
    out: dict[str, dict[str, frozenset[int]]] = {}
    for sid, files in (report.get("template_lines") or {}).items():
        for path, ranges in (files or {}).items():
            lines: set[int] = set()
            for item in ranges or ():
                if isinstance(item, int):
                    lines.add(item)
                elif isinstance(item, (list, tuple)) and len(item) == 2:
                    lines.update(range(int(item[0]), int(item[1]) + 1))
            out.setdefault(str(sid), {})[str(path)] = frozenset(lines)
    return out
