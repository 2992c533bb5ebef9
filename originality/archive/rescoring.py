"""A young project's reports, scored again as it grows.

An upload's report is scored among the entries before it (``compare``): in a new project's
archive the first uploads meet few independent submissions, so their scores have no common code
and no background (under ``options.COMMON_MIN_SUBMISSIONS`` groups) or common code that still
moves (under ``cohort.SETTLED_GROUPS``), and ``check`` of the same class, or a later upload, would
score the same pairs otherwise. Such a report is scored again, against the same earlier entries,
in the project as it is now (``Compare.compare(..., as_now=True)``): once the project reaches
the groups common code needs, and each time it has ``GROWTH`` times the groups the report was
scored among, until it was scored among ``SETTLED_GROUPS`` or more. Each report is then scored
again a few times at most (about ``log2(SETTLED_GROUPS)``), whatever the project's size later.

A report scored again replaces the one before, with its links and the cohort page's summary;
a waiting triage item takes the pair's new score, a cleared one keeps the score it was judged
on (``store/flags.py``). The worker queues the due ones after each check
(``worker/app.py``); ``originality archive rescore`` does it by hand.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from ..check import load_submission
from ..cohort import SETTLED_GROUPS
from ..fingerprint import SymbolTable
from ..options import CheckOptions
from ..store.db import Database, driver_rows
from ..store.models import ArchiveEntry, JobStatus, ProjectStatistics, ReportRow, Submission, utcnow

# A report is scored again once its project holds twice the independent groups it was scored
# among: each report at most about log2(100) = 7 times, a project's first 100 groups about 1.8
# checks an upload (docs/benchmarks.md, "A young project's reports scored again": through the
# service, generated classes of 50 flag 0.85-2.5 times the unrelated pairs `check` flags, 1.5-10
# times without; obfuscation's seed 2 stays -0.0100 from `check`, and neither 1.25 nor scoring
# past 100 groups brought it closer: -0.0090 and -0.0101 against -0.0091 without).
GROWTH = 2
# A report taken for scoring again and still not scored after this long is listed again: its
# message was lost (the broker's own redelivery of an unacknowledged one takes as long,
# ``worker.app.VISIBILITY_TIMEOUT``).
REQUEUE_AFTER = 3600.0


def stale(scored_among: int, groups_now: int, common_min_submissions: int) -> bool:
    """Whether a report scored among ``scored_among`` groups is scored again in a project of
    ``groups_now``."""
    if scored_among >= SETTLED_GROUPS:
        return False
    if scored_among < common_min_submissions <= groups_now:
        return True  # common code and a background exist now
    return groups_now >= GROWTH * scored_among


class Rescoring:
    """Reports scored again as their project grows (mixed into ``Archive``)."""

    db: Database

    if TYPE_CHECKING:  # provided by the other parts of ``Archive``
        def get(self, submission_id: str) -> Submission | None: ...
        def options_for(self, project_id: str) -> CheckOptions: ...
        def compare(self, loaded: Any, project_id: str, student_id: str | None,
                    before_seq: int | None = None, as_now: bool = False) -> dict[str, Any]: ...
        def _store_report(self, submission: Submission, report: dict[str, Any]) -> None: ...
        store: Any

    def due_for_rescoring(self, project_id: str) -> list[str]:
        """The project's reports to score again now, oldest first, each taken for the caller:
        the checks after this one do not list it again until it is scored, or until
        ``REQUEUE_AFTER`` has passed (the caller's message for it lost)."""
        minimum = self.options_for(project_id).match.common_min_submissions
        with self.db.session() as session:
            now = int(session.scalar(select(ProjectStatistics.groups).filter_by(project_id=project_id)) or 0)
            if now < 2:  # a report is scored among one group at least: none can be due yet
                return []
            rows = driver_rows(session,
                               "SELECT r.submission_id, r.groups FROM reports r JOIN submissions s "
                               "ON s.id = r.submission_id JOIN archive_entries e ON e.submission_id = s.id "
                               "WHERE s.project_id = {0} AND r.groups < {0} ORDER BY e.seq",
                               (project_id, SETTLED_GROUPS))
            due = [sid for sid, groups in rows if stale(int(groups), now, minimum)]
            taken, at = [], utcnow()
            for sid in due:  # one at a time: two checks ending at once each take a report once
                result = session.execute(
                    update(ReportRow).where(ReportRow.submission_id == sid, or_(
                        ReportRow.rescore_queued_at.is_(None),
                        ReportRow.rescore_queued_at < at - timedelta(seconds=REQUEUE_AFTER)))
                    .values(rescore_queued_at=at))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(sid)
        return taken

    def rescore(self, submission_id: str, source: Path | None = None, when_due: bool = False) -> bool:
        """Score a checked submission's report again, against the same earlier entries, in the
        project as it is now (``when_due``: only if it is due); False when it was not (no
        report, not due, or its upload is gone)."""
        submission = self.get(submission_id)
        if submission is None or submission.status != JobStatus.DONE:
            return False
        with self.db.sessions() as session:
            report = session.get(ReportRow, submission_id)
            seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission_id))
            now = int(session.scalar(select(ProjectStatistics.groups)
                                     .filter_by(project_id=submission.project_id)) or 0)
        if report is None or seq is None:
            return False
        minimum = self.options_for(submission.project_id).match.common_min_submissions
        if when_due and (report.groups is None or not stale(report.groups, now, minimum)):
            return False  # scored again meanwhile (two checks found it due), or never countable
        if source is None and not self.store.exists(submission.sha256):
            # Removed by the retention policy: the report stands as it is, and is no longer due.
            with self.db.session() as session:
                session.execute(update(ReportRow).where(ReportRow.submission_id == submission_id)
                                .values(groups=None))
            return False
        loaded = load_submission(source or self.store.get(submission.sha256),
                                 self.options_for(submission.project_id), SymbolTable(), identifier=submission.id)
        rescored = self.compare(loaded, submission.project_id, submission.student_id, before_seq=seq, as_now=True)
        self._store_report(submission, rescored)
        return True
