"""A project's running statistics: what a comparison needs of the whole archive, kept up to date.

A check scores an upload against a few candidates, but two of its inputs are about the whole
project (``cohort.py``): how many independent groups hold each bag feature (the cosine's
document frequencies, and the short features everyone writes) and each long k-gram (common
code, plain and pruned). Recounting them over the archive at every check made its cost grow
with the archive (docs/benchmarks.md, "Archive check as the archive grows"); here they are
counted once, when an entry is archived, and uncounted when it is removed (erasure,
retention), in the tables ``project_statistics`` and ``feature_counts``.

Groups are as ``cohort.groups_of`` makes them: an entry whose own long k-grams of its pruned
streams (``cohort.grouped_kgrams``: starter code and dead code aside) have a Jaccard index of at
least ``NEAR_DUPLICATE_JACCARD`` with a counted entry's joins that entry's group, and a feature
counts once per group. Near-duplicates are found by a small MinHash of those k-grams
(``long_sketch``, its bands in ``near_duplicate_keys``) and confirmed on the stored profiles.
An entry joins the group of its closest counted near-duplicate and merges into it the other
groups it is a near-duplicate of (the likeliest entry of each of the ``CONFIRMED`` likeliest
groups), as ``check``'s components chain them. Two differences from ``check``, which sees the
whole cohort at once: a group is not split again when an entry that linked two is removed, and
it keeps its number when the entry that opened it is. Rebuilding (``build``: a new starter
code, re-tokenized units) regroups from scratch, in archive order.

Counts change by ``n = n + delta`` upserts in the order of their keys, so workers counting at
once never lose a count or deadlock; entering and removing hold the project's lock
(``store.db.transaction_lock``) besides, since choosing a group reads what others write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from ..cohort import (NEAR_DUPLICATE_JACCARD, Statistics, bare, common_threshold, contains, grouped_kgrams,
                      unique_hashes, unique_pruned)
from ..fingerprint import sorted_distinct, sorted_union
from ..options import MatchOptions
from ..profile import Profile
from ..store.db import driver_rows, execute_rows, rows_in, transaction_lock
from ..store.models import ArchiveEntry, FeatureCount, NearDuplicateKey, ProjectStatistics
from ..units import Unit
from . import postings, profiles

BAG, LONG, PRUNED = 0, 1, 2  # the spaces of ``feature_counts``
# The near-duplicate sketch: 32 bands of 3 values. Two entries at a Jaccard index of 0.5 share
# a band with probability 1 - (1 - 0.5^3)^32 = 0.986, at 0.2 with 0.23, at 0.1 with 0.03.
BANDS, ROWS = 32, 3
# Candidates whose sketches agree on at least this share are confirmed on their units, the
# likeliest first, one of each group and at most ``CONFIRMED`` groups: the sketch estimates 0.5
# within about 0.05.
# 0.35 lies three such errors below 0.5; at most 5 groups: both judgments, not measured.
LIKELY = 0.35
CONFIRMED = 5
# Of the entries sharing a band, the sketches read are those of the ones sharing the most bands
# (ties by id): a near-duplicate at 0.5 shares 4 bands on average, and one sharing more is
# closer still. Reading every entry that shares a band made each count grow with the project
# (zip_cohort_2000 import: 22 s of 74 s in that search; benchmarks/run.py import).
SHORTLIST = 50
# Entries or features per query: well under every database's limit on bound parameters.
IN_BATCH = 500
# One odd multiplier per value of the sketch, from a fixed digest: the same in every process.
_MULTIPLIERS = np.array([int.from_bytes(hashlib.blake2b(i.to_bytes(2, "little"), digest_size=8,
                                                        person=b"near-dup").digest(), "little") | 1
                         for i in range(BANDS * ROWS)], dtype=np.uint64)
_SHIFT = np.uint64(32)
# K-grams hashed at once into the sketch's 96 values (``BANDS * ROWS``): at most 7.7 MB of
# uint64 a step, the values the same whatever the chunk. A judgment, not measured.
SKETCH_CHUNK = 10_000
# A space of the project's counts is read whole for a check when it has fewer rows than this
# share of the features of the check's population (``_space``): reading a row costs about what
# finding the population's distinct features costs for 8 of theirs (the scale cohort at 20,000
# entries: 25,420 bag rows against 6.7 million features, 0.02 s against 0.2 s).
WHOLE_SPACE_SHARE = 1 / 8


@dataclass(frozen=True)
class StarterKgrams:
    """A project's starter code's distinct long k-grams: of its plain streams, which an entry's
    postings leave out, and of its pruned streams, which finding its group leaves out."""

    long: np.ndarray
    pruned: np.ndarray

    @classmethod
    def of(cls, units: list[Unit]) -> StarterKgrams:
        return cls(unique_hashes(units), unique_pruned(units))


NO_STARTER = StarterKgrams(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64))


@dataclass(frozen=True)
class EntryFeatures:
    """An entry's sorted distinct features, as the statistics count them."""

    bag: np.ndarray
    long: np.ndarray
    pruned: np.ndarray

    @classmethod
    def of(cls, units: list[Unit]) -> EntryFeatures:
        return cls(unique_hashes(units, bag=True), unique_hashes(units), unique_pruned(units))

    @classmethod
    def of_profile(cls, profile: Profile) -> EntryFeatures:
        """The same, of a stored entry's profile."""
        return cls(profile.bag, profile.long, profile.pruned_all)


def union(members: list[EntryFeatures]) -> EntryFeatures:
    if len(members) == 1:  # a group's features already made (``PendingChanges.held``)
        return members[0]
    empty = np.zeros(0, dtype=np.uint64)
    return EntryFeatures(*(sorted_distinct(np.concatenate([getattr(m, name) for m in members] + [empty]))
                           for name in ("bag", "long", "pruned")))


def grown(held: EntryFeatures, added: EntryFeatures) -> EntryFeatures:
    """``union([held, added])``, by inserting what ``added`` brings into ``held``'s sorted
    arrays: a group's features are thousands, what an entry brings a few, and sorting them
    all again for every entry was a fifth of counting a bulk import's entries."""
    def into(values: np.ndarray, more: np.ndarray) -> np.ndarray:
        new = more[~contains(values, more)]
        return np.insert(values, np.searchsorted(values, new), new)
    return EntryFeatures(into(held.bag, added.bag), into(held.long, added.long), into(held.pruned, added.pruned))


def deltas(others: list[EntryFeatures], entry: EntryFeatures, sign: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """What adding (``sign`` 1) or removing (-1) ``entry`` changes in the counts, when the
    other members of its group are ``others``: per space, the features and their changes.

    A feature counts once per group, so only what no other member holds changes. The pruned
    space keeps the pruned count less the long one, which is 0 for a group without pruned
    streams (their pruned k-grams are their plain ones): it stores nothing for Python or prose.
    """
    rest = union(others)
    bag = np.setdiff1d(entry.bag, rest.bag, assume_unique=True)
    long = np.setdiff1d(entry.long, rest.long, assume_unique=True)
    pruned_gained = np.setdiff1d(entry.pruned, rest.pruned, assume_unique=True)
    features = sorted_union(pruned_gained, long)
    change = contains(pruned_gained, features).astype(np.int64) - contains(long, features).astype(np.int64)
    nonzero = change != 0
    return {BAG: (bag, np.full(len(bag), sign, dtype=np.int64)),
            LONG: (long, np.full(len(long), sign, dtype=np.int64)),
            PRUNED: (features[nonzero], sign * change[nonzero])}


def long_sketch(kgrams: np.ndarray) -> np.ndarray:
    """A MinHash (uint32 values) of a set of long k-grams, by multiply-shift hashing."""
    if len(kgrams) == 0:
        return np.full(BANDS * ROWS, 0xFFFFFFFF, dtype=np.uint32)
    minima = np.full(BANDS * ROWS, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, len(kgrams), SKETCH_CHUNK):  # bounds the memory of long prose
            hashed = (kgrams[start:start + SKETCH_CHUNK, None] * _MULTIPLIERS[None, :]) >> _SHIFT
            minima = np.minimum(minima, hashed.min(axis=0))
    return minima.astype(np.uint32)


def sketch_keys(sketch: np.ndarray) -> list[int]:
    """The sketch's bands as signed 64-bit keys (band number and values hashed)."""
    values = np.asarray(sketch, dtype="<u4")
    return sorted({int.from_bytes(hashlib.blake2b(band.to_bytes(2, "little")
                                                  + values[band * ROWS:(band + 1) * ROWS].tobytes(),
                                                  digest_size=8).digest(), "little", signed=True)
                   for band in range(BANDS)})


def _signed(values: np.ndarray) -> list[int]:
    return np.asarray(values, dtype=np.uint64).view(np.int64).tolist()


def _units(session: Session, ids: list[str]) -> dict[str, list[Unit]]:
    from .entries import units_of  # entries imports this module

    return units_of(session, ids)


# Statements for ``execute_rows``: through the ORM's bulk insert, building the counts' rows took
# 5 of an import's 16 s (zip_cohort_300 under cProfile), and through SQLAlchemy's parameter
# handling 3.7; the entry's update and keys through ORM objects and a flush, a fifth of the
# counting (zip_cohort_2000).
UPSERT = ("INSERT INTO feature_counts (project_id, space, feature, n) VALUES ({0}, {0}, {0}, {0}) "
          "ON CONFLICT (project_id, space, feature) DO UPDATE SET n = feature_counts.n + excluded.n")
SHORTLISTED = (f"SELECT submission_id FROM near_duplicate_keys WHERE project_id = {{p}} AND key {{in_}} "
               f"GROUP BY submission_id ORDER BY count(*) DESC, submission_id LIMIT {SHORTLIST}")
SKETCHES = "SELECT submission_id, long_sketch, stats_group FROM archive_entries WHERE submission_id {in_}"
MARK_COUNTED = ("UPDATE archive_entries SET stats_group = {0}, long_sketch = {0}, own_long = {0}, "
                "content_key = {0} WHERE submission_id = {0}")
INSERT_KEYS = "INSERT INTO near_duplicate_keys (project_id, key, submission_id) VALUES ({0}, {0}, {0})"
REGROUP = "UPDATE archive_entries SET stats_group = {0} WHERE project_id = {0} AND stats_group = {0}"


def apply_changes(session: Session, project_id: str,
                  changes: dict[int, tuple[np.ndarray, np.ndarray]], groups: int) -> None:
    """Add the changes to the counts atomically (upserts in key order), and drop counts that
    fell to 0."""
    for space in sorted(changes):
        features, change = changes[space]
        order = np.argsort(features.view(np.int64), kind="stable")
        rows = [(project_id, space, f, d)
                for f, d in zip(_signed(features[order]), change[order].tolist())]
        execute_rows(session, UPSERT, rows)
        # Counts that may have reached 0 (the pruned space's differences go both ways).
        fallen = _signed(features if space == PRUNED else features[change < 0])
        for start in range(0, len(fallen), IN_BATCH):
            session.execute(delete(FeatureCount).where(
                FeatureCount.project_id == project_id, FeatureCount.space == space,
                FeatureCount.feature.in_(fallen[start:start + IN_BATCH]), FeatureCount.n == 0))
    if groups:
        session.execute(update(ProjectStatistics).where(ProjectStatistics.project_id == project_id)
                        .values(groups=ProjectStatistics.groups + groups))


def _near_groups(session: Session, project_id: str, grouped: np.ndarray, sketch: np.ndarray,
                 base_pruned: np.ndarray) -> list[str]:
    """The groups of the counted entries at a Jaccard index of at least
    ``NEAR_DUPLICATE_JACCARD`` with ``grouped`` (an entry's ``grouped_kgrams``), each once, the
    closest entry's first (ties by the group's name): the group an entry joins, then those it
    merges into it."""
    # On the driver (``rows_in``: the sketch's BANDS keys and the SHORTLIST are one batch each):
    # built through the ORM, these two lookups cost half of finding a group in a bulk import.
    shared = [sid for sid, in rows_in(session, SHORTLISTED, (project_id,), sketch_keys(sketch))]
    found = [(sid, data, group) for sid, data, group in rows_in(session, SKETCHES, (), shared)
             if data is not None and group is not None]
    if not found:
        return []
    sketches = np.frombuffer(b"".join(data for _, data, _ in found), dtype="<u4").reshape(len(found), -1)
    estimates = (sketches == sketch).mean(axis=1)
    # The likeliest entry of each group, at most CONFIRMED groups: an entry of a large group
    # (a solution that went around) has many near-duplicates there, which would crowd out the
    # other groups it links.
    ranked = sorted(((float(e), sid, group) for e, (sid, _, group) in zip(estimates, found) if e >= LIKELY),
                    key=lambda x: (-x[0], x[1]))
    best: dict[str, tuple[float, str, str]] = {}
    for candidate in ranked:
        best.setdefault(candidate[2], candidate)
    likely = list(best.values())[:CONFIRMED]
    stored = profiles.read(session, [sid for _, sid, _ in likely])
    close = []
    for _, sid, group in likely:
        other = grouped_kgrams(stored[sid].pruned_all, base_pruned)
        inter = len(np.intersect1d(grouped, other, assume_unique=True))
        jaccard = inter / max(1, len(grouped) + len(other) - inter)
        if jaccard >= NEAR_DUPLICATE_JACCARD:
            close.append((-jaccard, group))
    return list(dict.fromkeys(group for _, group in sorted(close)))


def upload_groups(session: Session, project_id: str, profile: Profile, base: StarterKgrams) -> list[str]:
    """The groups an upload that is not counted (compared before it is archived; ``profile``
    its profile) would join (the first) and merge into it (the others), as counting it would
    (``count_entry``); none for a new group."""
    grouped = grouped_kgrams(profile.pruned_all, base.pruned)
    return _near_groups(session, project_id, grouped, long_sketch(grouped), base.pruned)


@dataclass(frozen=True)
class UploadCounted:
    """What counting an upload that is not counted (compared before it is archived) would
    change of its project's counts: the features its group gains (every one, in a new group),
    and for each group it merges into that one, the features both held. Read once, applied to
    each set of counts a check reads (``background_counts`` before its candidates, ``read``
    after them)."""

    gained: EntryFeatures
    new_group: bool
    merges: list[EntryFeatures]

    def applied(self, statistics: Statistics) -> Statistics:
        counted = statistics.plus(self.gained.bag, self.gained.long, self.gained.pruned, self.new_group)
        for both in self.merges:
            counted = counted.merged(both.bag, both.long, both.pruned)
        return counted


def upload_counted(session: Session, project_id: str, profile: Profile, groups: list[str]) -> UploadCounted:
    """How an upload (``profile``) counted in the first of ``groups`` (``upload_groups``; none:
    a new group), the others merged into it, would change the counts."""
    held = _held(session, project_id, groups[0], None) if groups else union([])
    entry = EntryFeatures.of_profile(profile)
    gained = EntryFeatures(*(np.setdiff1d(getattr(entry, name), getattr(held, name), assume_unique=True)
                             for name in ("bag", "long", "pruned")))
    held = grown(held, entry)
    merges = []
    for merged in groups[1:]:
        theirs = _held(session, project_id, merged, None)
        merges.append(EntryFeatures(*(np.intersect1d(getattr(held, name), getattr(theirs, name), assume_unique=True)
                                      for name in ("bag", "long", "pruned"))))
        held = grown(held, theirs)
    return UploadCounted(gained, not groups, merges)


def _group_features(session: Session, project_id: str, group: str) -> dict[str, EntryFeatures]:
    members = list(session.scalars(select(ArchiveEntry.submission_id).where(
        ArchiveEntry.project_id == project_id, ArchiveEntry.stats_group == group)))
    return {sid: EntryFeatures.of_profile(p) for sid, p in profiles.read(session, members).items()}


class PendingChanges:
    """Count changes gathered over a batch of entries (a bulk import's) and applied at once,
    each feature's changes summed: entries of one task share most of their features, so the
    batch writes far fewer rows than its entries one by one. Nothing reads the counts while
    they are gathered (a group is found by its near-duplicate keys and profiles).

    The features each group of the batch holds are kept too (``held``): counting an entry
    reads what the other members of its group hold, and a group that chains a task's similar
    submissions grows to hundreds of members (the generated 2,000-student cohort without its
    starter code: 226), whose profiles were read again for every entry joining it."""

    def __init__(self) -> None:
        self.parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {BAG: [], LONG: [], PRUNED: []}
        self.groups = 0
        self.postings = postings.Rows()  # the entries' rows, written at once too
        self.held: dict[str, EntryFeatures] = {}

    def add(self, changes: dict[int, tuple[np.ndarray, np.ndarray]], groups: int) -> None:
        for space, part in changes.items():
            self.parts[space].append(part)
        self.groups += groups

    def apply(self, session: Session, project_id: str) -> None:
        """Write the gathered changes (once: a batch gathers in a new one)."""
        summed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for space, parts in self.parts.items():
            if not parts:
                continue
            features, where = np.unique(np.concatenate([f for f, _ in parts]), return_inverse=True)
            change = np.zeros(len(features), dtype=np.int64)
            np.add.at(change, where, np.concatenate([c for _, c in parts]))
            moved = change != 0
            summed[space] = (features[moved], change[moved])
        apply_changes(session, project_id, summed, self.groups)
        postings.write(session, self.postings)


def count_entry(session: Session, project_id: str, submission_id: str, seq: int, units: list[Unit],
                base: StarterKgrams, pending: PendingChanges | None = None) -> str:
    """Count an archived entry (its row flushed, not yet counted; ``seq`` its archive seq, which
    its postings name) in its project's statistics, which must exist, and post its long k-grams
    (``postings.py``); returns its group. The caller holds the project's lock. With
    ``pending``, the counts' changes and postings are gathered there for the caller to apply,
    else applied now."""
    session.flush()  # the entry's row and the caller's other writes: read below on the driver
    profile = Profile.of(units)  # its distinct features, made once for the counts and the row
    grouped = grouped_kgrams(profile.pruned_all, base.pruned)
    sketch = long_sketch(grouped)
    near = _near_groups(session, project_id, grouped, sketch, base.pruned)
    group = near[0] if near else None
    entry = EntryFeatures.of_profile(profile)
    if group is None:
        changes, groups, held = [deltas([], entry, 1)], 1, entry
    else:
        others = _held(session, project_id, group, pending)
        changes, groups, held = [deltas([others], entry, 1)], 0, grown(others, entry)
    for merged in near[1:]:  # the other groups it links: one with the group it joined
        theirs = _held(session, project_id, merged, pending)
        changes += merge_changes(held, theirs)
        held = grown(held, theirs)
        groups -= 1
        execute_rows(session, REGROUP, (group, project_id, merged))
        if pending is not None:
            pending.held.pop(merged, None)
    code_long = postings.own_long(units, base.long)
    posted = postings.rows(project_id, seq, code_long, units)
    for change in changes:  # the groups' number changes once
        if pending is not None:
            pending.add(change, groups)
        else:
            apply_changes(session, project_id, change, groups)
        groups = 0
    if pending is not None:
        pending.postings.extend(posted)
    else:
        postings.write(session, posted)
    chosen = group if group is not None else submission_id
    if pending is not None:
        pending.held[chosen] = held
    profiles.write(session, submission_id, profile)
    execute_rows(session, MARK_COUNTED, (chosen, sketch.astype("<u4").tobytes(), len(code_long), profile.key,
                                         submission_id))
    execute_rows(session, INSERT_KEYS, [(project_id, key, submission_id) for key in sketch_keys(sketch)])
    return chosen


def _held(session: Session, project_id: str, group: str, pending: PendingChanges | None) -> EntryFeatures:
    """The features a group's counted members hold, from the batch's when it knows them."""
    if pending is not None and group in pending.held:
        return pending.held[group]
    return union(list(_group_features(session, project_id, group).values()))


def merge_changes(held: EntryFeatures, theirs: EntryFeatures) -> list[dict[int, tuple[np.ndarray, np.ndarray]]]:
    """What merging a group that holds ``theirs`` into another that holds ``held`` changes in
    the counts: the group goes, and what it held comes back as the other group's gain, so that
    a feature both held counts once."""
    return [deltas([], theirs, -1), deltas([held], theirs, 1)]


def uncount_entry(session: Session, submission_id: str) -> None:
    """Take an entry out of its project's statistics (before its units are deleted); nothing
    if it was never counted."""
    row = session.execute(select(ArchiveEntry.project_id, ArchiveEntry.stats_group, ArchiveEntry.seq)
                          .where(ArchiveEntry.submission_id == submission_id)).first()
    if row is None or row.stats_group is None:
        profiles.remove(session, submission_id)  # one an undone count of an older release left
        return
    project_id, group, seq = row
    transaction_lock(session, f"archive:{project_id}")
    members = _group_features(session, project_id, group)
    leaving = members.pop(submission_id)
    apply_changes(session, project_id, deltas(list(members.values()), leaving, -1), 0 if members else -1)
    session.execute(delete(NearDuplicateKey).where(NearDuplicateKey.submission_id == submission_id))
    session.execute(update(ArchiveEntry).where(ArchiveEntry.submission_id == submission_id)
                    .values(stats_group=None, long_sketch=None, own_long=None, content_key=None))
    postings.remove(session, seq)
    profiles.remove(session, submission_id)


def build(session: Session, project_id: str, base: StarterKgrams) -> int:
    """Count every entry of a project again, in archive order (an archive from before the
    statistics, a new starter code, re-tokenized units); returns the groups. The caller holds
    the project's lock and commits."""
    session.execute(delete(FeatureCount).where(FeatureCount.project_id == project_id))
    session.execute(delete(NearDuplicateKey).where(NearDuplicateKey.project_id == project_id))
    session.execute(update(ArchiveEntry).where(ArchiveEntry.project_id == project_id)
                    .values(stats_group=None, long_sketch=None, own_long=None, content_key=None))
    postings.clear(session, project_id)
    profiles.clear(session, project_id)
    session.merge(ProjectStatistics(project_id=project_id, groups=0))
    session.flush()
    entries = list(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.seq)
                                   .where(ArchiveEntry.project_id == project_id).order_by(ArchiveEntry.seq)))
    for start in range(0, len(entries), IN_BATCH):
        batch = entries[start:start + IN_BATCH]
        units = _units(session, [sid for sid, _ in batch])
        for sid, seq in batch:
            count_entry(session, project_id, sid, seq, units[sid], base)
    return _groups(session, project_id)


def ensure(session: Session, project_id: str, base: StarterKgrams) -> None:
    """Build a project's statistics if it has none yet (its first entry, or an archive from
    before them), else count its entries that are not (archived by a worker still on the
    previous release during a rolling upgrade), under the project's lock."""
    transaction_lock(session, f"archive:{project_id}")
    if session.get(ProjectStatistics, project_id) is None:
        build(session, project_id, base)
        return
    missing = _uncounted(session, project_id)
    units = _units(session, [sid for sid, _ in missing])
    for sid, seq in missing:
        count_entry(session, project_id, sid, seq, units[sid], base)


def needs_counting(session: Session, project_id: str) -> bool:
    """Whether ``ensure`` has anything to do for a project."""
    return session.get(ProjectStatistics, project_id) is None or bool(_uncounted(session, project_id))


def _uncounted(session: Session, project_id: str) -> list[tuple[str, int]]:
    """The project's entries not counted, (submission id, seq) in archive order."""
    return [(sid, seq) for sid, seq in session.execute(
        select(ArchiveEntry.submission_id, ArchiveEntry.seq).where(
            ArchiveEntry.project_id == project_id, ArchiveEntry.stats_group.is_(None))
        .order_by(ArchiveEntry.seq))]


def read(session: Session, project_id: str, population: list[Profile], options: MatchOptions) -> Statistics:
    """The project's counts that a comparison of these submissions (their profiles) reads: of
    every bag feature they hold (the cosine's document frequencies), and of the long k-grams,
    plain and pruned, that are or with one more group could be common code (the others' counts
    change nothing; reading them cost most of a check)."""
    groups = _groups(session, project_id)
    bag, bag_counts, _ = _space(session, project_id, BAG, sum(len(p.bag) for p in population),
                                lambda: [p.bag for p in population])
    # A pruned count is the long one plus the stored difference (the pruned space lists the
    # k-grams whose two counts differ): one reaches ``near`` only if its long count reaches it
    # less the largest difference, or, without a long count, its difference reaches it. The
    # differences of those alone are read (a few hundred), not the whole space (51,747 rows at
    # 19,990 entries of one task: 0.03 s a check), unless it is the smaller (``_space``).
    near = _near_common(groups, options)
    raise_by = max(0, int(session.scalar(text("SELECT max(n) FROM feature_counts WHERE project_id = :p "
                                              "AND space = :s"), {"p": project_id, "s": PRUNED}) or 0))
    long = _stored(session, project_id, LONG, max(1, near - raise_by))
    pruned = sorted_union(long[0], _stored(session, project_id, PRUNED, near)[0])
    differ, differences, _ = _space(session, project_id, PRUNED, len(pruned), lambda: [pruned])
    pruned_counts = Statistics.count(long, pruned) + Statistics.count((differ, differences), pruned)
    return Statistics(groups, (bag, bag_counts), long, (pruned, pruned_counts) if len(pruned) else long)


def background_counts(session: Session, project_id: str, options: MatchOptions) -> Statistics:
    """The counts a project's background reads (``cohort.background_long``): its groups and
    its long k-grams near the common threshold, as ``read`` reads them; no bag nor pruned
    k-grams. Read before a check's candidates, whose test the background raises and whose
    lookup leaves out the common code among them."""
    groups = _groups(session, project_id)
    long = _stored(session, project_id, LONG, _near_common(groups, options))
    empty = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    return Statistics(groups, empty, long, empty)


def _groups(session: Session, project_id: str) -> int:
    return int(session.scalar(select(ProjectStatistics.groups).filter_by(project_id=project_id)) or 0)


def _near_common(groups: int, options: MatchOptions) -> int:
    """The least count of a long k-gram that is, or after one more group could be, common
    code: a count reaching the threshold after one more group (``Statistics.plus``) counts at
    least one less now (the lower of the two thresholds: with the project's own settings the
    threshold need not grow with the groups). The background's common code (``cohort.bare``)
    is read from its own, lower threshold."""
    return max(1, min(common_threshold(n, o) for n in (groups, groups + 1) for o in (options, bare(options))) - 1)


def _space(session: Session, project_id: str, space: int, held: int,
           arrays: Callable[[], list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray, bool]:
    """The stored counts of a space for every feature of ``arrays()`` (``held`` features in all;
    sorted, 0 where none is stored), or the whole space's stored counts when it is smaller;
    whether it was read whole.

    The submissions of one task share most of their features: the scale cohort's 19,990 entries
    hold 25,420 distinct bag features, where a check's 7,000 candidates hold 6.7 million. So
    when the space has fewer rows than ``WHOLE_SPACE_SHARE`` of the arrays' features (counted on
    its index, at most that many read), it is read whole and the arrays' distinct features
    (NumPy's ``unique`` over millions: a fifth of that check) are never formed. A feature read
    that no submission holds changes nothing: counts are read by lookup, common code left out by
    lookup. ``read`` asks it for the bag's features and for the pruned k-grams near the common
    threshold (a few hundred, looked up)."""
    limit = int(held * WHOLE_SPACE_SHARE)
    listed = session.scalar(text("SELECT count(*) FROM (SELECT 1 FROM feature_counts WHERE project_id = :p "
                                 "AND space = :s LIMIT :n) AS listed"), {"p": project_id, "s": space, "n": limit})
    if int(listed or 0) < limit:
        return (*_stored(session, project_id, space), True)
    features = sorted_distinct(np.concatenate(arrays() + [np.zeros(0, dtype=np.uint64)]))
    return features, _counts(session, project_id, space, features), False


def _stored(session: Session, project_id: str, space: int, floor: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The features of a space (counted at least ``floor`` times, when given), sorted, and
    their counts."""
    sql = "SELECT feature, n FROM feature_counts WHERE project_id = {0} AND space = {0}"
    rows = (driver_rows(session, sql, (project_id, space)) if floor is None
            else driver_rows(session, sql + " AND n >= {0}", (project_id, space, floor)))
    table = np.array(rows, dtype=np.int64).reshape(-1, 2)
    features = np.ascontiguousarray(table[:, 0]).view(np.uint64)
    order = np.argsort(features)
    return features[order], table[order, 1]


def _counts(session: Session, project_id: str, space: int, features: np.ndarray) -> np.ndarray:
    """The counts of some sorted features in a space (0 where none is stored)."""
    counts = np.zeros(len(features), dtype=np.int64)
    if not len(features):
        return counts
    signed = features.view(np.int64)
    # Sorted as unsigned, not as the signed values the database keeps.
    order = np.argsort(signed, kind="stable")
    rows = rows_in(session, "SELECT feature, n FROM feature_counts WHERE project_id = {p} AND space = {p} "
                            "AND feature {in_}", (project_id, space), signed.tolist())
    if rows:
        got, n = np.array(rows, dtype=np.int64).T
        counts[order[np.searchsorted(signed[order], got)]] = n
    return counts


def group_of(session: Session, submission_id: str) -> str | None:
    """The group an entry is counted in; None if it is not counted (or not archived)."""
    return session.scalar(select(ArchiveEntry.stats_group).where(ArchiveEntry.submission_id == submission_id))
