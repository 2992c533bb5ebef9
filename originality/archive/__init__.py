"""The persistent archive: every submission of a project, checked against those before it.

A small package along its concerns, mixed into one ``Archive``:

- ``blobs``: the content-addressed store of uploaded ZIPs (a local directory, or the
  database that every machine reads);
- ``jobs``: a submission as a job (registered once per upload, claimed for a lease, released,
  finished, found stuck when its worker died); the database knows what is unfinished;
- ``entries``: entering a checked submission (documents, units, MinHash) exactly once, in commit
  order per project, and keeping the candidate index and the statistics in step;
- ``stats``: a project's running statistics (independent groups, how many hold each feature),
  counted as entries come and go, so a check reads them instead of recounting the archive;
- ``starter``: a project's starter code, excluded from every later check;
- ``bulk``: past cohorts imported in batches, one transaction each;
- ``quotations``: a project's choice about quotations that cite their source;
- ``retokenize``: entries whose units other tokens made (an upgrade, a project's new choice)
  made again from their stored texts;
- ``rescoring``: reports scored again as their project outgrows them (young, then quiet);
- ``compare``: one upload against the project's prior entries, through the same comparison
  stage as ``check`` (``originality/score.py``).

``process`` below chains them for one submission: unpack and fingerprint it (the engine's
``load_submission``), enter it, compare it with the entries before it and store the report.
"Prior" means a smaller ``seq``: entries of one project are entered one transaction at a time
(``store.db.transaction_lock``), so a check of entry N sees every entry before N, however many
workers run at once.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ..check import load_submission
from ..errors import NotFound, NotReady
from ..fingerprint import SymbolTable
from ..options import CheckOptions, MatchOptions
from ..privacy.exposure import also_known_as
from ..store import flags, links, summaries
from ..store.db import Database, transaction_lock
from ..store.index import CandidateIndex, open_index
from ..store.models import JobStatus, ReportRow, Submission, utcnow
from ..store.own_work import copies_of_own_work
from ..store.settings import LSH_SEED, REVIEW_THRESHOLD, SETTLE_AFTER, Settings
from .blobs import (BlobStore, DatabaseBlobStore, LocalBlobStore, copy_blobs, file_digest,
                    open_blob_store)
from .bulk import BATCH, Bulk, Imported, PastSubmission
from .compare import Compare, line_ranges, template_ranges
from .entries import Entries, unit_from_row, unit_row
from .jobs import Jobs, Registered
from .quotations import Quotations
from .rescoring import Rescoring
from .retokenize import Retokenize
from .starter import MAX_ID_LENGTH, StarterCode, Starters

__all__ = ["Archive", "BATCH", "BlobStore", "DatabaseBlobStore", "Imported",
           "LocalBlobStore", "MAX_ID_LENGTH", "PastSubmission", "Registered", "StarterCode",
           "copy_blobs", "file_digest", "line_ranges", "open_blob_store", "template_ranges",
           "unit_from_row", "unit_row"]

# What a rejected upload's message calls it when the platform gave no file name (the API keeps
# none): its id would tell the student nothing.
UPLOAD_NAME = "the upload"


class Archive(Jobs, Entries, Starters, Compare, Bulk, Quotations, Retokenize, Rescoring):
    """The archive of one database, blob store and candidate index."""

    def __init__(self, db: Database, store: BlobStore, index: CandidateIndex,
                 options: CheckOptions | None = None,
                 review_threshold: float = REVIEW_THRESHOLD, settle_after: float = SETTLE_AFTER,
                 pseudonym_secret: str = "") -> None:
        self.db, self.store, self.index = db, store, index
        # The key past cohorts' students were renamed under (``privacy/pseudonymize.py``): a
        # student's pseudonymized attempts are still their own (``student_ids``).
        self.pseudonym_secret = pseudonym_secret
        # The service's default; a project may set its own (``store/flags.py``).
        self.review_threshold = review_threshold
        self.settle_after = settle_after  # when a project is quiet (``rescoring.py``)
        self.options = options or CheckOptions(workers=1)
        self._starters: dict[tuple[str, str], StarterCode] = {}
        self._starters_lock = threading.Lock()  # the API checks in several threads

    @classmethod
    def open(cls, settings: Settings, migrate: bool | None = None,
             require_schema: bool = True) -> Archive:
        """The archive the settings name; ``migrate`` (default: the settings' choice) upgrades
        the schema first, else it must be current (``SchemaOutOfDate``) unless
        ``require_schema`` is False."""
        migrate = settings.migrate_at_start if migrate is None else migrate
        db = Database(settings.sqlalchemy_url, settings.data_dir, migrate_now=migrate,
                      require_schema=require_schema)
        index = open_index(settings.index, settings.redis_url, settings.redis_url_given,
                           settings.lsh_bands, settings.lsh_num_perm, LSH_SEED,
                           sessions=db.sessions)
        store = open_blob_store(settings.blob_store, settings.sqlalchemy_url,
                                settings.uploads_dir, db.sessions)
        return cls(db, store, index,
                   options=CheckOptions(workers=1, match=MatchOptions(
                       tokenizer=settings.tokenizer, normalizations=settings.normalization_names)),
                   review_threshold=settings.review_threshold, settle_after=settings.settle_after,
                   pseudonym_secret=settings.pseudonym_secret)

    def student_ids(self, student_id: str) -> list[str]:
        """The ids the student's work may be stored under: theirs, and their pseudonym once
        their earlier cohort was pseudonymized."""
        return also_known_as(self.pseudonym_secret, student_id)

    def close(self) -> None:
        self.index.close()
        self.db.dispose()

    # -- the check ---------------------------------------------------------------------------

    def process(self, submission_id: str, source: Path | None = None,
                with_report: bool = True) -> str:
        """Check a claimed submission and record the outcome; returns its final status.

        A domain rejection (bomb, corrupt ZIP) is recorded as ``rejected``; any other exception
        propagates, for the caller to retry. The report's strong matches are flagged for review
        with it (``store/flags.py``); the events of both (``submission.flagged``,
        ``submission.checked``) go to the outbox with them, for the relay to deliver.
        """
        submission = self.get(submission_id)
        if submission is None:
            raise NotFound(f"no submission {submission_id}")
        # An upload is read from the blob store whichever machine received it.
        data = source or self.store.get(submission.sha256)
        loaded = load_submission(data, self.options_for(submission.project_id), SymbolTable(),
                                 identifier=submission.id, name=submission.name or UPLOAD_NAME)
        if loaded.error is not None:
            self.finish(submission_id, JobStatus.REJECTED, loaded.error.to_dict(), files=0)
            return JobStatus.REJECTED
        seq = self.enter(submission, loaded)
        if with_report:
            report = self.compare(loaded, submission.project_id, submission.student_id, before_seq=seq)
            self._store_report(submission, report)
            self.arm_settling(submission.project_id)
        self.finish(submission_id, JobStatus.DONE, files=loaded.files)
        return JobStatus.DONE

    def _store_report(self, submission: Submission, report: dict[str, Any]) -> None:
        """Store (or replace) a submission's report, with what is read off it."""
        with self.db.session() as session:
            # One writer of a report at a time: a rescoring and a retried check may meet.
            transaction_lock(session, f"report:{submission.id}")
            session.merge(ReportRow(submission_id=submission.id, created_at=utcnow(),
                                    body=json.dumps(report, sort_keys=True), groups=report["groups"],
                                    rescore_queued_at=None))
            # Matches of classmates who copied the student's earlier attempt: no pairs.
            explained = copies_of_own_work(
                session, [str(m["submission_id"]) for m in report.get("matches") or ()],
                self.student_ids(submission.student_id),
                flags.review_threshold(session, submission.project_id, self.review_threshold))
            linked_before = links.write(session, submission.id, report, explained)  # the later matches of the others
            summaries.write(session, submission, report, linked_before, explained)  # what the cohort page sums
            flags.write(session, submission, self.review_threshold, self.student_ids(submission.student_id))

    def report_of(self, submission_id: str) -> dict[str, Any]:
        with self.db.sessions() as session:
            row = session.get(ReportRow, submission_id)
            if row is None:
                raise NotReady(f"submission {submission_id} has no report yet")
            return json.loads(row.body)  # type: ignore[no-any-return]
