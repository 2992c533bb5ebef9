"""Reports scored again as their project grows: a young project's, and a quiet project's.

An upload's report is scored among the entries before it (``compare``): in a new project's
archive the first uploads meet few independent submissions, so their scores have document
frequencies of few groups, no common code and no background (under
``options.COMMON_MIN_SUBMISSIONS`` groups) or common code that still moves (under
``cohort.SETTLED_GROUPS``), and ``check`` of the same class, or a later upload, would score the
same pairs otherwise. Such a report is scored again, against the same earlier entries, in the
project as it is now (``Compare.compare(..., as_now=True)``): each time the project has
``GROWTH`` times the groups the report was scored among (from 1 group: the document frequencies
move under 10 too), and once it reaches the groups common code needs, until it was scored among
``SETTLED_GROUPS`` or more. Each report is then scored again a few times at most (about
``log2(SETTLED_GROUPS)``), whatever the project's size later.

And once a project is quiet (no new upload for ``Settings.settle_after``, most likely past its
deadline), every report of the last ``SETTLE_WINDOW`` scored among at most
``1 / SETTLE_GROWTH`` of its groups now is scored again: the first half of a class's uploads,
say, met a population in which what the other half writes was not yet counted. A project of
thousands grows by a tenth with a whole cohort, so there only the reports of a cohort's first
days are scored again, once.

A report scored again replaces the one before, with its links and the cohort page's summary;
a waiting triage item takes the pair's new score, a cleared one keeps the score it was judged
on (``store/flags.py``). The worker queues the due ones after each check and, from its
recovery loop, those of the quiet projects (``worker/app.py``); ``originality archive
rescore`` does a project's by hand.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update

from ..check import load_submission
from ..cohort import SETTLED_GROUPS
from ..fingerprint import SymbolTable
from ..options import CheckOptions
from ..store.db import Database, unindexed
from ..store.models import ArchiveEntry, JobStatus, ProjectStatistics, ReportRow, Submission, utcnow

# A report is scored again once its project holds twice the independent groups it was scored
# among: each report at most about log2(100) = 7 times, a project's first 100 groups about 1.8
# checks an upload (docs/benchmarks.md, "A young project's reports scored again": through the
# service, generated classes of 50 flag 0.85-2.5 times the unrelated pairs `check` flags with
# this rule alone, 1.5-10 times without; obfuscation's seed 2 stays -0.0100 from `check`, and
# neither 1.25 nor past 100 groups brought it closer: -0.0090 and -0.0101, -0.0091 without).
GROWTH = 2
# A quiet project's report is scored again when the project holds 10% more groups than it was
# scored among (docs/benchmarks.md, "A young project's reports scored again": obfuscation's
# seed 2 through the service -0.0100 from `check` without, +0.0002 at 10%, -0.0045 at 25%).
# A fraction, compared in integers by the rule and by its query alike: in floats, 1.1 x 50
# exceeds 55, so a report scored among 50 groups was not due at 55 but one among 10 was at 11.
SETTLE_GROWTH = Fraction(11, 10)
# A report taken for scoring again and still not scored after this long is listed again: its
# message was lost (the broker's own redelivery of an unacknowledged one takes as long,
# ``worker.app.VISIBILITY_TIMEOUT``).
REQUEUE_AFTER = 3600.0
# A report is final, but for the young project's rule, 30 days after its upload: past a
# project's submission window (a cohort hands a project in over days or weeks), what the project
# gains is later cohorts', whose pairs with it are scored in their own reports; without it each
# report of a growing project would be scored again at every tenth it grows, for years.
SETTLE_WINDOW = 30 * 24 * 3600.0


def stale(scored_among: int, groups_now: int, common_min_submissions: int, quiet: bool = False) -> bool:
    """Whether a report scored among ``scored_among`` groups is scored again in a project of
    ``groups_now`` (``quiet``: one with no new upload for a while)."""
    if quiet and grown_by(SETTLE_GROWTH, scored_among, groups_now):
        return True
    if scored_among >= SETTLED_GROUPS:
        return False
    if scored_among < common_min_submissions <= groups_now:
        return True  # common code and a background exist now
    return groups_now >= GROWTH * scored_among


def grown_by(growth: Fraction, scored_among: int, groups_now: int) -> bool:
    """Whether ``groups_now`` is at least ``growth`` times ``scored_among``, exactly."""
    return groups_now * growth.denominator >= scored_among * growth.numerator


class Rescoring:
    """Reports scored again as their project grows (mixed into ``Archive``)."""

    db: Database
    settle_after: float

    if TYPE_CHECKING:  # provided by the other parts of ``Archive``
        def get(self, submission_id: str) -> Submission | None: ...
        def options_for(self, project_id: str) -> CheckOptions: ...
        def compare(self, loaded: Any, project_id: str, student_id: str | None,
                    before_seq: int | None = None, as_now: bool = False) -> dict[str, Any]: ...
        def _store_report(self, submission: Submission, report: dict[str, Any]) -> None: ...
        store: Any

    def due_for_rescoring(self, project_id: str, quiet: bool = False) -> list[str]:
        """The project's reports to score again now (``quiet``: the project taken as quiet),
        oldest first, each taken for the caller: the checks after this one do not list it again
        until it is scored, or until ``REQUEUE_AFTER`` has passed (the caller's message for it
        lost)."""
        minimum = self.options_for(project_id).match.common_min_submissions
        with self.db.session() as session:
            now = int(session.scalar(select(ProjectStatistics.groups).filter_by(project_id=project_id)) or 0)
            if now < 2:  # a report is scored among one group at least: none can be due yet
                return []
            at = utcnow()
            # The young reports, and when quiet those of the window scored among at most 1 / SETTLE_GROWTH of it.
            recent = ArchiveEntry.indexed_at >= at - timedelta(seconds=SETTLE_WINDOW)
            which = ReportRow.groups < SETTLED_GROUPS
            if quiet:  # once a quiet spell: most reports of the window are listed
                grown = ReportRow.groups * SETTLE_GROWTH.numerator <= now * SETTLE_GROWTH.denominator  # as ``grown_by``
                which, in_project = or_(which, and_(recent, grown)), Submission.project_id == project_id
            else:
                # After every check the young reports alone, read off the index of ``groups`` (a
                # project's first hundred reports at most): on the project's index SQLite, which
                # has no statistics, read every submission of the project (3.4 ms at 19,990 entries).
                in_project = unindexed(Submission.project_id) == project_id
            rows = session.execute(
                select(ReportRow.submission_id, ReportRow.groups, recent)
                .join(Submission, Submission.id == ReportRow.submission_id)
                .join(ArchiveEntry, ArchiveEntry.submission_id == ReportRow.submission_id)
                .where(in_project, which).order_by(ArchiveEntry.seq)).all()
            due = [sid for sid, groups, new in rows if stale(int(groups), now, minimum, quiet and bool(new))]
            taken = []
            for sid in due:  # one at a time: two checks ending at once each take a report once
                result = session.execute(
                    update(ReportRow).where(ReportRow.submission_id == sid, or_(
                        ReportRow.rescore_queued_at.is_(None),
                        ReportRow.rescore_queued_at < at - timedelta(seconds=REQUEUE_AFTER)))
                    .values(rescore_queued_at=at))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(sid)
        return taken

    def settle_quiet(self) -> list[str]:
        """The reports due in every project gone quiet since its last upload, each taken as
        ``due_for_rescoring`` takes them; a project is settled once until its next upload."""
        at = utcnow()
        with self.db.sessions() as session:
            projects = list(session.scalars(select(ProjectStatistics.project_id)
                                            .where(ProjectStatistics.settle_at <= at)
                                            .order_by(ProjectStatistics.project_id)))
        taken: list[str] = []
        for project_id in projects:
            with self.db.session() as session:  # one caller settles it, however many ask
                claimed = session.execute(update(ProjectStatistics).where(
                    ProjectStatistics.project_id == project_id, ProjectStatistics.settle_at <= at)
                    .values(settle_at=None)).rowcount == 1  # type: ignore[attr-defined]
            if claimed:
                taken += self.due_for_rescoring(project_id, quiet=True)
        return taken

    def arm_settling(self, project_id: str) -> None:
        """A check of the project just ended: it is quiet ``settle_after`` from now, unless
        another upload comes first."""
        with self.db.session() as session:
            session.execute(update(ProjectStatistics).where(ProjectStatistics.project_id == project_id)
                            .values(settle_at=utcnow() + timedelta(seconds=self.settle_after)))

    def rescore(self, submission_id: str, source: Path | None = None, when_due: bool = False) -> bool:
        """Score a checked submission's report again, against the same earlier entries, in the
        project as it is now (``when_due``: only if it was taken as due and not scored since);
        False when it was not (no report, not taken, or its upload is gone)."""
        submission = self.get(submission_id)
        if submission is None or submission.status != JobStatus.DONE:
            return False
        with self.db.sessions() as session:
            report = session.get(ReportRow, submission_id)
            seq = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission_id))
        if report is None or seq is None:
            return False
        if when_due and report.rescore_queued_at is None:
            return False  # scored again meanwhile (its message sent twice)
        if source is None and not self.store.exists(submission.sha256):
            # Removed by the retention policy: the report stands as it is, and is no longer due.
            with self.db.session() as session:
                session.execute(update(ReportRow).where(ReportRow.submission_id == submission_id)
                                .values(groups=None, rescore_queued_at=None))
            return False
        loaded = load_submission(source or self.store.get(submission.sha256),
                                 self.options_for(submission.project_id), SymbolTable(), identifier=submission.id)
        rescored = self.compare(loaded, submission.project_id, submission.student_id, before_seq=seq, as_now=True)
        self._store_report(submission, rescored)
        return True
