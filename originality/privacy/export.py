"""Access and portability: everything the service holds about a student, as one JSON document,
or as one ZIP of that document and the student's uploaded ZIPs themselves (``export_bundle``).

Every table that can hold a student's data is read, and each row about the student is given
whole: submissions and their archive entries, documents (with their extracted text),
fingerprinted units and index buckets, reports, match links (the student's reports' and other
reports' matches of the student's work), triage items, cases, their guards and decisions,
evaluations, outbox events, audit and access log entries. Binary columns (k-gram hashes, the
MinHash) are base64; times are UTC. ``TABLES`` names how each table is tied to the student, and
a test fails if a table with a student or submission column is missing from it.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import Column, or_, select
from sqlalchemy.orm import Session

from ..errors import BlobMissing, UsageError
from ..store.db import Database
from ..archive.blobs import BlobStore
from ..store.models import (
    AccessLog,
    ActiveCase,
    ArchiveEntry,
    AuditLog,
    Base,
    CaseRow,
    DecisionRow,
    DocumentRow,
    EntryProfile,
    EvaluationRow,
    EventRow,
    LongPosting,
    LshBucket,
    MatchLink,
    NearDuplicateKey,
    PreviousEntryProfile,
    ReportRow,
    SubmissionSummary,
    Submission,
    TriageItem,
    UnitRow,
    UnsampledPosting,
    utcnow,
)

from .exposure import also_known_as

VERSION = 1
# Ids per query: well under every database's limit on bound parameters.
IN_BATCH = 200
# Tables about no student: API tokens (staff and platforms), projects' starter code and settings.
# The running statistics (``archive/stats.py``) are counts over a project's groups: a feature's
# count names no one, and an erased entry's share is taken out of them.
NOT_PERSONAL = ("tokens", "web_sessions", "project_starters", "quotation_settings", "project_settings",
                "project_statistics", "feature_counts")
# The uploaded ZIPs themselves (on PostgreSQL, the ``blobs`` table): not rows of the JSON
# document (their extracted texts are), but files of the bundle (``export_bundle``).
LEFT_OUT = ("blobs",)
# The time written on every file of a bundle: the same export, the same bytes (the export's own
# time is in its JSON).
# 1980-01-01, the earliest time a ZIP entry can carry (MS-DOS dates; zipfile refuses earlier).
BUNDLE_TIME = (1980, 1, 1, 0, 0, 0)
# Columns stored compressed by zlib, exported as the text they hold, under these names.
READABLE = {"text_z": "text", "evidence_z": "evidence"}


def _value(column: Column[Any], value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, bytes):
        if column.name in READABLE:  # the extracted text and evidence, as the student would read them
            return zlib.decompress(value).decode("utf-8", errors="replace")
        return base64.b64encode(value).decode("ascii")
    return value


def _row(row: Any) -> dict[str, Any]:
    table = row.__table__
    out = {READABLE.get(c.name, c.name): _value(c, getattr(row, c.key))
           for c in table.columns}
    for key in ("body", "evidence", "detail", "data"):  # JSON stored as text, given as JSON
        if isinstance(out.get(key), str):
            try:
                out[key] = json.loads(out[key])
            except ValueError:
                pass
    return out


def _in(session: Session, model: Any, column: Any, ids: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(ids), IN_BATCH):
        rows.extend(session.scalars(select(model).where(column.in_(ids[start : start + IN_BATCH]))))
    return rows


def export_student(db: Database, student_id: str, pseudonym_secret: str = "") -> dict[str, Any]:
    """``{"student_id", "exported_at", "version", "tables": {table: [rows]}}``: every table
    that holds personal data, each with the rows about the student (possibly none), those
    kept under the student's pseudonym included when ``pseudonym_secret`` is given."""
    if not student_id.strip():
        raise UsageError("a student id is needed")
    aliases = also_known_as(pseudonym_secret, student_id)
    values = [json.dumps(a) for a in aliases]
    with db.sessions() as session:
        submissions = list(session.scalars(select(Submission).where(Submission.student_id.in_(aliases))
                                           .order_by(Submission.created_at, Submission.id)))
        ids = [s.id for s in submissions]
        entries = _in(session, ArchiveEntry, ArchiveEntry.submission_id, ids)
        cases = list(session.scalars(select(CaseRow).where(CaseRow.student_id.in_(aliases))
                                     .order_by(CaseRow.opened_at, CaseRow.id)))
        case_ids = [c.id for c in cases]
        subjects = ([f"student:{a}" for a in aliases] + [f"submission:{i}" for i in ids]
                    + [f"case:{i}" for i in case_ids])
        tables: dict[str, list[Any]] = {
            "submissions": submissions,
            "archive_entries": entries,
            "documents": _in(session, DocumentRow, DocumentRow.submission_id, ids),
            "units": _in(session, UnitRow, UnitRow.submission_id, ids),
            "lsh_buckets": _in(session, LshBucket, LshBucket.submission_id, ids),
            "near_duplicate_keys": _in(session, NearDuplicateKey, NearDuplicateKey.submission_id, ids),
            "long_postings": _in(session, LongPosting, LongPosting.seq, [e.seq for e in entries]),
            "unsampled_postings": _in(session, UnsampledPosting, UnsampledPosting.seq, [e.seq for e in entries]),
            "entry_profiles_v2": _in(session, EntryProfile, EntryProfile.submission_id, ids),
            "entry_profiles": _in(session, PreviousEntryProfile, PreviousEntryProfile.submission_id, ids),
            "reports": _in(session, ReportRow, ReportRow.submission_id, ids),
            "submission_summaries": (_in(session, SubmissionSummary, SubmissionSummary.submission_id, ids)
                                     + [r for r in _in(session, SubmissionSummary, SubmissionSummary.top_other_id, ids)
                                        if r.submission_id not in ids]),
            "match_links": (_in(session, MatchLink, MatchLink.submission_id, ids)
                            + [m for m in _in(session, MatchLink, MatchLink.other_id, ids)
                               if m.submission_id not in ids]),
            "triage_items": (_in(session, TriageItem, TriageItem.submission_id, ids)
                             + [t for t in _in(session, TriageItem, TriageItem.other_id, ids)
                                if t.submission_id not in ids]),
            "cases": cases,
            "active_cases": _in(session, ActiveCase, ActiveCase.case_id, case_ids),
            "case_decisions": _in(session, DecisionRow, DecisionRow.case_id, case_ids),
            "evaluations": list(session.scalars(select(EvaluationRow)
                                                .where(EvaluationRow.student_id.in_(aliases)))),
            "events": list(session.scalars(select(EventRow).where(or_(*(
                EventRow.data.contains(f'"{key}": {value}', autoescape=True)
                for key in ("student_id", "other_student_id") for value in values)))
                .order_by(EventRow.created_at))),
            "audit_log": [a for a in _in(session, AuditLog, AuditLog.subject, subjects)]
            + list(session.scalars(select(AuditLog).where(or_(*(
                AuditLog.detail.contains(f'"student_id": {value}', autoescape=True)
                for value in values)), AuditLog.subject.not_in(subjects)))),
            "access_log": _in(session, AccessLog, AccessLog.submission_id, ids)
            + list(session.scalars(select(AccessLog).where(AccessLog.student_id.in_(aliases),
                                                           AccessLog.submission_id.not_in(ids)))),
        }
        out = {name: sorted((_row(r) for r in rows), key=_order) for name, rows in tables.items()}
    return {"version": VERSION, "student_id": student_id, "exported_at": utcnow().isoformat() + "Z",
            "tables": out}


def export_bundle(db: Database, store: BlobStore, student_id: str,
                  pseudonym_secret: str = "") -> tuple[bytes, dict[str, Any]]:
    """The export as one ZIP: ``export.json`` (``export_student``'s document, with an
    ``uploads`` entry naming, per submission, its file in the bundle, or null when retention or
    an erasure removed it) and ``uploads/SUBMISSION_ID.zip``, each upload as it was handed in.
    Returns the ZIP's bytes and the document."""
    data = export_student(db, student_id, pseudonym_secret)
    buffer = io.BytesIO()
    uploads: dict[str, str | None] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for row in data["tables"]["submissions"]:
            try:
                upload = store.get(row["sha256"])
            except BlobMissing:
                uploads[row["id"]] = None
                continue
            name = f"uploads/{row['id']}.zip"
            # Already compressed: stored as they are.
            bundle.writestr(zipfile.ZipInfo(name, BUNDLE_TIME), upload, zipfile.ZIP_STORED)
            uploads[row["id"]] = name
        data = {**data, "uploads": uploads}
        bundle.writestr(zipfile.ZipInfo("export.json", BUNDLE_TIME),
                        json.dumps(data, indent=1, sort_keys=True) + "\n", zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), data


def _order(row: dict[str, Any]) -> str:
    return json.dumps([row.get(k) for k in ("id", "seq", "submission_id", "other_id", "ordinal",
                                            "bucket", "case_id")], default=str)


def personal_tables() -> list[str]:
    """The tables this export must cover: every one but those about no student."""
    return sorted(t for t in Base.metadata.tables if t not in NOT_PERSONAL + LEFT_OUT)


__all__ = ["NOT_PERSONAL", "export_bundle", "export_student", "personal_tables"]
