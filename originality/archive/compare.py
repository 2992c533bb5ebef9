"""One upload against the project's archive, through the comparison stage (``score.py``).

The upload is scored against its candidates only, whose units alone are loaded; common code and
document frequencies come from the project's running statistics (``stats.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..check import LoadedSubmission, unread_files
from .. import quotes
from ..calibration import DEFAULT_MODEL
from ..cohort import common_threshold
from ..model import DocumentState, Fragment, PairResult, Span
from ..options import CheckOptions
from ..profile import Profile
from ..report import rounded
from ..score import ALIGNED_PER_UPLOAD, Comparison, counted_background
from ..store.db import Database, rows_in
from ..tamper import submission_flags
from ..store.index import CandidateIndex, minhash_of
from ..store.models import ArchiveEntry, DocumentRow
from .starter import StarterCode
from ..units import Unit, template_lines
from . import background, postings, profiles, stats
from .entries import StoredUnits, batches


def line_ranges(lines: list[int]) -> list[list[int]]:
    """Sorted line numbers as ``[first, last]`` runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for line in lines:
        if ranges and line <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], line)
        else:
            ranges.append([line, line])
    return ranges


def template_ranges(units: list[Unit], mask: np.ndarray | None = None) -> dict[str, list[list[int]]]:
    """Per file, the lines of a submission that are starter or common code, as ranges
    (``mask``: its units' ``template_masks``, when known)."""
    return {path: line_ranges(lines) for path, lines in template_lines(units, mask).items()}


class Compare:
    """Comparing an upload with the archive (mixed into ``Archive``)."""

    db: Database
    index: CandidateIndex
    options: CheckOptions

    if TYPE_CHECKING:  # provided by the other parts of ``Archive``
        def starter_code(self, project_id: str) -> StarterCode | None: ...
        def sync_index(self, project_id: str) -> int: ...
        def upgrade(self, project_id: str) -> None: ...
        def options_for(self, project_id: str) -> CheckOptions: ...
        def starter_kgrams(self, project_id: str) -> stats.StarterKgrams: ...
        def student_ids(self, student_id: str) -> list[str]: ...

    def compare(self, loaded: LoadedSubmission, project_id: str, student_id: str | None,
                before_seq: int | None = None, as_now: bool = False) -> dict[str, Any]:
        """The matches of a loaded submission against the project's archive (entries before
        ``before_seq`` when given): ``{"submission", "matches", "own_attempts",
        "unread", "flags", "quotations", "template_lines", "background", "groups"}``.

        The pairs are scored in the population of the entries before ``before_seq`` and the
        upload, unless ``as_now``: then in the project's whole archive as it is now (its
        background drawn from every entry; common code and document frequencies are the
        running statistics either way), as ``check`` of every entry would score them
        (``rescore``)."""
        population_seq = None if as_now else before_seq
        starter = self.starter_code(project_id)
        base_units = starter.units if starter is not None else []
        base_digests = set(starter.digests) if starter is not None else set()
        mine_binaries = {d: p for d, p in loaded.binary_digests.items() if d not in base_digests}
        report: dict[str, Any] = {"submission": loaded.id, "matches": [], "own_attempts": [],
                                  "unread": unread_files(loaded.documents),
                                  "flags": submission_flags(loaded.documents),
                                  "quotations": quotes.listed(loaded.documents)
                                  if self.options_for(project_id).match.leave_out_quotations else []}
        self.upgrade(project_id)
        self.sync_index(project_id)
        base = self.starter_kgrams(project_id)
        with self.db.sessions() as session:
            if stats.needs_counting(session, project_id):  # entries a previous release archived
                stats.ensure(session, project_id, base)
                session.commit()
            before = self._others(project_id, loaded.id, before_seq)
            archived = session.scalar(select(ArchiveEntry.seq).where(*before).limit(1)) is not None
            # The project's background first: it raises the candidate test (a pair's containment
            # counts above it). Its sample depends on the entries alone, not on the candidates.
            mine = Profile.of(loaded.units)
            group = stats.group_of(session, loaded.id)
            joined: list[str] = []
            upload: stats.UploadCounted | None = None
            if group is None:  # compared before it is archived: as if counted, its groups merged
                joined = stats.upload_groups(session, project_id, mine, base)
                upload = stats.upload_counted(session, project_id, mine, joined)
                group = joined[0] if joined else loaded.id  # a new group is named by its first entry
            drawn = background.sample(session, project_id, background.Member(loaded.id, group, mine.key),
                                      population_seq, merged=dict.fromkeys(joined[1:], group))
            stored = profiles.read(session, [m.submission_id for m in drawn if m.submission_id != loaded.id])
            stored[loaded.id] = mine
            # The long k-grams near the common threshold: the background's, and (the archive's
            # own, before the upload) the common code the candidate lookup leaves out.
            counts = stats.background_counts(session, project_id, self.options.match)
            project_background = counted_background(counts if upload is None else upload.applied(counts), base_units,
                                                    [stored[m.submission_id] for m in drawn], self.options.match)
            indexed: set[str] = set()
            posted: dict[str, int] = {}
            if archived:
                # Code by its posted long k-grams, prose by the LSH over its bag.
                sketch = minhash_of(loaded.units, self.index.num_perm, self.index.seed,
                                    without=starter.bag if starter is not None else None)
                indexed = self.index.query(project_id, sketch) if not sketch.is_empty() else set()
                posted = postings.candidates(
                    session, project_id, postings.own_long(loaded.units, base.long),
                    counts.common(counts.long, self.options.match),
                    postings.candidate_floor(DEFAULT_MODEL, self.options.min_similarity, project_background))
                indexed |= set(posted)
            # Only the entries before this check count: ids of the found and the asset holders.
            # The postings' entries are the project's and carry their seq; the LSH's are looked up.
            prior = {sid: seq for sid, seq in posted.items()
                     if sid != loaded.id and (before_seq is None or seq < before_seq)}
            prior.update(self._prior(session, project_id, loaded.id, before_seq, indexed - set(posted)))
            candidates = indexed & set(prior)
            holders = self._binary_holders(session, set(mine_binaries),
                                           self._others(project_id, loaded.id, population_seq)) if archived else {}
            prior.update(self._prior(session, project_id, loaded.id, before_seq, set(holders) - set(prior)))
            # Every entry of the population holding one of the upload's assets is in ``holders``:
            # an asset is common when enough of the archive (and the upload) hold it.
            held = Counter(d for found in holders.values() for d in found)
            threshold = common_threshold(self._count_prior(session, project_id, loaded.id, population_seq) + 1,
                                         self.options.match) if held else 0
            ignored = base_digests | {d for d, n in held.items() if n + 1 >= threshold}
            shared = {sid: {d: p for d, p in found.items() if d not in ignored}
                      for sid, found in holders.items()}
            shared = {sid: found for sid, found in shared.items() if found and sid in prior}
            # Only the candidates' profiles are read (and the background sample's, above): what the
            # comparison needs of the rest of the archive (common code, document frequencies)
            # is in the project's statistics, and units are read for the pairs it aligns alone.
            context = sorted(candidates | set(shared), key=lambda sid: prior[sid])
            stored.update(profiles.read(session, [sid for sid in context if sid not in stored]))
            population = [mine] + [stored[sid] for sid in context]
            statistics = stats.read(session, project_id, population, self.options.match)
            if upload is not None:
                statistics = upload.applied(statistics)
        index = {sid: k for k, sid in enumerate([loaded.id] + context)}
        units = StoredUnits(self.db, [loaded.id] + context, {0: loaded.units})
        comparison = Comparison([loaded.id] + context, units, base_units, self.options.match,
                                statistics=statistics, profiles=population, background=project_background)
        scored = [p for p, sid in enumerate(context, start=1) if sid in candidates]
        # Scored to the end: the candidates that can reach the reporting floor by their k-grams.
        pairs = {pair.b: pair for pair in comparison.score(
            comparison.one_against(0, np.array(scored, dtype=np.int64), self.options.min_similarity),
            self.options.min_similarity, budget=ALIGNED_PER_UPLOAD)}
        for other, found in sorted(shared.items()):
            # As ``check._attach_binaries``: identical assets are shown, never scored.
            fragments = tuple(Fragment(Span(mine_binaries[d], 1, 1), Span(found[d], 1, 1), tokens=0)
                              for d in sorted(found))
            pair = pairs.get(other) or PairResult(loaded.id, other, 0.0, 0.0, 0.0, ())
            pairs[other] = replace(pair, fragments=pair.fragments + fragments)
        # Scores come rounded as reported (``Comparison.score``).
        reported = sorted(other for other, pair in pairs.items()
                          if pair.similarity >= self.options.min_similarity)
        with self.db.sessions() as session:
            # Plain rows: at 20,000 entries a check reports thousands of matches.
            people = {sid: (student, name, attempt) for sid, student, name, attempt in rows_in(
                session, "SELECT id, student_id, name, attempt FROM submissions WHERE id {in_}", (), reported)}
        # Greyed in the side by side, which draws the files of a pair's fragments only: at
        # 20,000 entries a check lists thousands of weak pairs without fragments, and their
        # template lines were a fifth of its time (docs/benchmarks.md).
        aligned = [other for other in reported if pairs[other].fragments]
        # Their prints hold their template masks (made when they were aligned; a copy of an aligned
        # content has its fragments without being aligned: read in one batch).
        comparison.mark([0] + [index[other] for other in aligned])
        template_lines = {sid: template_ranges(units[index[sid]], comparison.prints(index[sid]).template_mask)
                          for sid in [loaded.id] + aligned}
        mine_too = set(self.student_ids(student_id)) if student_id is not None else set()
        for other in reported:
            pair, (student, name, attempt) = pairs[other], people[other]
            match = {"submission_id": other, "student_id": student, "name": name,
                     "attempt": attempt, "similarity": pair.similarity,
                     "a_share": pair.a_share, "b_share": pair.b_share,
                     "fragments": [f.to_dict() for f in pair.fragments]}
            report["own_attempts" if student in mine_too else "matches"].append(match)
        # Ties in archive order: ids are random, so ordering by them made two archives built
        # alike list three copies of one solution in different orders.
        for key in ("matches", "own_attempts"):
            report[key].sort(key=lambda m: (-m["similarity"], prior[m["submission_id"]]))
        report["template_lines"] = template_lines
        report["background"] = rounded(comparison.background)
        report["groups"] = comparison.group_count
        return report

    @staticmethod
    def _others(project_id: str, submission_id: str, before_seq: int | None) -> list[Any]:
        """The conditions on ``archive_entries`` of the project's entries other than the
        upload's own (before ``before_seq`` when given)."""
        where = [ArchiveEntry.project_id == project_id, ArchiveEntry.submission_id != submission_id]
        if before_seq is not None:
            where.append(ArchiveEntry.seq < before_seq)
        return where

    @staticmethod
    def _count_prior(session: Session, project_id: str, submission_id: str, before_seq: int | None) -> int:
        """How many entries of the project are before the check (all, or those before
        ``before_seq``), less the upload's own. Counted on the index of ``project_id`` alone
        (it holds the seq): a condition on another column read every entry's row, 0.14 s at
        100,000 entries (docs/benchmarks.md, "One upload against a million prior submissions")."""
        where = [ArchiveEntry.project_id == project_id]
        if before_seq is not None:
            where.append(ArchiveEntry.seq < before_seq)
        count = int(session.scalar(select(func.count(ArchiveEntry.seq)).where(*where)) or 0)
        own = session.scalar(select(ArchiveEntry.seq).where(*where, ArchiveEntry.submission_id == submission_id))
        return count - (own is not None)

    @staticmethod
    def _prior(session: Session, project_id: str, submission_id: str, before_seq: int | None,
               ids: set[str]) -> dict[str, int]:
        """Of these entries, those before the check (the project's, not the upload's own, before
        ``before_seq`` when given), id -> seq; on the driver, as thousands are asked for."""
        sql = "SELECT submission_id, seq FROM archive_entries WHERE project_id = {p} AND submission_id != {p}"
        params: tuple[Any, ...] = (project_id, submission_id)
        if before_seq is not None:
            sql, params = sql + " AND seq < {p}", (*params, before_seq)
        return dict(rows_in(session, sql + " AND submission_id {in_}", params, sorted(ids)))

    @staticmethod
    def _binary_holders(session: Session, digests: set[str], before: list[Any]) -> dict[str, dict[str, str]]:
        """Entries before the check holding one of ``digests`` as a binary asset: id -> digest
        -> path (the first such file, as ``LoadedSubmission.binary_digests`` keeps)."""
        found: dict[str, dict[str, str]] = {}
        for batch in batches(sorted(digests)):
            rows = session.execute(
                select(DocumentRow.submission_id, DocumentRow.sha256, DocumentRow.path)
                .join(ArchiveEntry, ArchiveEntry.submission_id == DocumentRow.submission_id)
                .where(*before, DocumentRow.sha256.in_(batch),
                       DocumentRow.state == DocumentState.BINARY.value, DocumentRow.size > 0)
                .order_by(DocumentRow.submission_id, DocumentRow.ordinal))
            for sid, digest, path in rows:
                found.setdefault(sid, {}).setdefault(digest, path)
        return found
