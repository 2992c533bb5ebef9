"""A check's code candidates: the prior entries that share enough of the upload's long k-grams.

A code pair scores at least some similarity only if the two sides share at least a share of
the smaller side's own long k-grams, plain or pruned (``containment_floor``: the calibrated
model with the cosine at its best, the containment read above the project's background, which
the check reads first). So each entry's own long k-grams (its code units', plain
and pruned, starter code aside) are posted in ``long_postings`` when it is counted, and a check
looks up the upload's own long k-grams there, leaving out the project's common code (its
postings are long and it never counts), and keeps the entries with enough hits for a pair at
``FOUND_FROM`` (``needed``).

Only a sample of an entry's k-grams is posted, those whose hash is 0 modulo ``SAMPLE`` (hashes
are splitmix64-mixed, so any k-gram is kept with probability 1 / SAMPLE, the same one in every
entry), except for an entry with fewer than ``SMALL``, whose k-grams are all posted: with few
k-grams a sample could miss all of a pair's shared ones. The number of hits of a sampled entry
is then binomial, and the floor asks for its lower ``Z`` tail.

The same holds for a tiny upload (fewer than ``SMALL`` k-grams) against a larger entry: a
13-line program that lies inside ninety others shares a handful of k-grams with each, and their
sample held none of them in one upload order of java-pairs (recall 0.97 of the pairs from 0.3).
So a sampled entry also keeps apart, in ``unsampled_postings``, the k-grams outside its sample
that winnowing picks (the least of every ``WINDOW`` consecutive ones of a unit's stream, as MOSS
picks its fingerprints): whatever run of ``WINDOW`` or more consecutive k-grams a tiny upload
shares with it holds one of them. Only a tiny upload reads that table, for a few lookups; every
other check reads the sample alone (docs/benchmarks.md, "Candidate index").

Prose has no useful long k-grams against a paraphrase: the MinHash LSH over its bag
(``store/index.py``) finds its candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..calibration import FEATURES, Model
from ..fingerprint import sorted_distinct
from ..model import SegmentKind
from ..score import ALIGN_FROM
from ..store.db import execute_rows, rows_in
from ..store.models import LongPosting, UnsampledPosting
from ..units import Unit

# One k-gram in SAMPLE is posted. On the real code sets (benchmarks/index_recall.py), 1 in 4
# finds 0.9972 of java-pairs' pairs from 0.3 (1.0 on the obfuscation sets) and makes 17.6% of
# its pairs candidates; 1 in 2 finds them all with 7.0% for twice the rows (tried as the
# sample: a real check a tenth faster, a check at 20,000 generated entries, whose candidates
# are mostly pairs its report lists, no faster; docs/benchmarks.md, "Half the k-grams
# posted"); 1 in 8 (with the test built for 0.1) lost recall, 0.9858. An entry posts 97 rows on
# java-pairs.
SAMPLE = 4
# Entries with fewer own long k-grams than this post all of them: a pair from 0.3 shares at
# least ``containment_floor`` of the smaller side (0.2344), so from 80 k-grams on it shares 19
# or more, and a quarter sample misses them all with probability 0.75^19 = 0.004 at most.
SMALL = 80
# The lower tail of a sampled entry's hits that the candidate test allows: 2.33 standard
# deviations, one-sided 1% (binomial hits approximated as Poisson).
Z = 2.33
# The similarity from which the test is built to find every pair: the pairs aligned for
# fragments (``score.ALIGN_FROM``) and issue 13's recall target. Weaker pairs, down to the
# reporting floor (0.1), are found when they share as much; on the real code sets they nearly
# always do, the cosine being far from its best (benchmarks/index_recall.py: 0.9981 of
# java-pairs' pairs from 0.1 found at 0.3, 0.9985 at 0.1, with 17.6% of its pairs candidates
# instead of 46.7%).
FOUND_FROM = ALIGN_FROM
# The two tables: the sample (and small entries' every k-gram), and sampled entries' others.
SAMPLED, UNSAMPLED = "long_postings", "unsampled_postings"
# The window of the winnowed k-grams a sampled entry keeps for tiny uploads (``unsampled``). On
# java-pairs (benchmarks/index_recall.py, five upload orders) a window of 8 finds every pair from
# 0.3 that a tiny upload makes with a larger entry (the sample alone: 0.9573-0.9973 of all pairs
# from 0.3) for 62 rows an entry; 12 missed 2 pairs in three orders (43 rows); keeping every
# k-gram outside the sample took 272 rows an entry, a database 35% larger and a bulk import 17%
# slower on the generated 2,000-student cohort.
WINDOW = 8
# For ``store.db.execute_rows``, as stats.UPSERT.
INSERT = "INSERT INTO {table} (project_id, feature, seq) VALUES ({{0}}, {{0}}, {{0}})"
# For ``store.db.rows_in``: a k-gram's entries (their seqs, joined by commas), per k-gram.
READ = "SELECT {aggregate} FROM {table} WHERE project_id = {{p}} AND feature {{in_}} GROUP BY feature"
AGGREGATE = {"sqlite": "group_concat(seq, ',')", "postgresql": "string_agg(seq::text, ',')"}


def own_long(units: list[Unit], base_long: np.ndarray) -> np.ndarray:
    """A submission's distinct long k-grams of code, plain and pruned, starter code aside."""
    parts = [u.prints.hashes for u in units if u.kind is SegmentKind.CODE]
    parts += [u.pruned for u in units if u.kind is SegmentKind.CODE and u.pruned is not None]
    found = sorted_distinct(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
    return np.setdiff1d(found, base_long, assume_unique=True) if len(base_long) else found


def posted(own: np.ndarray) -> np.ndarray:
    """The k-grams of ``own`` that are posted: all of them below ``SMALL``, else the sample."""
    return own if len(own) < SMALL else own[(own & np.uint64(SAMPLE - 1)) == 0]


def winnowed(units: list[Unit]) -> np.ndarray:
    """The distinct k-grams that are the least of some ``WINDOW`` consecutive ones in a code
    unit's stream, plain or pruned (the whole stream's least when it is shorter): two streams
    that share a run of ``WINDOW`` k-grams pick the same one inside it."""
    picked = []
    streams = [u.prints.hashes for u in units if u.kind is SegmentKind.CODE]
    streams += [u.pruned for u in units if u.kind is SegmentKind.CODE and u.pruned is not None]
    for stream in streams:
        if len(stream) <= WINDOW:
            picked.append(stream[np.argmin(stream, keepdims=True)] if len(stream) else stream)
        else:
            windows = np.lib.stride_tricks.sliding_window_view(stream, WINDOW)
            picked.append(stream[np.arange(len(windows)) + windows.argmin(axis=1)])
    return sorted_distinct(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.uint64)


def unsampled(own: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """What a sampled entry (``own``, ``posted`` from it) keeps for tiny uploads: its
    ``winnowed`` k-grams (``picked``) outside the sample, starter code aside."""
    if len(own) < SMALL:
        return own[:0]
    kept = np.intersect1d(picked, own, assume_unique=True)
    return kept[(kept & np.uint64(SAMPLE - 1)) != 0]


def containment_floor(model: Model, min_similarity: float, background: float = 0.0) -> float:
    """The least share of the smaller side's own long k-grams that a code pair shares when it
    scores ``min_similarity``: the code part's logit with the cosine at 1 and every containment
    at that share (the weights are not negative), ``containment_max`` read above the project's
    ``background`` (``calibration.above_background``)."""
    weights = dict(zip(FEATURES, model.code.weights))
    slope = sum(w for name, w in weights.items() if name != "cosine")
    if min_similarity <= 0 or slope <= 0:
        return 0.0
    logit = math.log(min_similarity / (1.0 - min_similarity))
    lifted = logit - model.code.intercept - weights["cosine"] + weights["containment_max"] * background
    return min(1.0, max(0.0, lifted / slope))


def candidate_floor(model: Model, min_similarity: float, background: float) -> float:
    """The containment the candidate test asks for (``FOUND_FROM``, or a higher reporting
    threshold) in a project of this ``background``: where independent students of one task
    share a tenth of their code, a floor that left the background out made candidates of
    entries whose pairs could not reach it (at 19,990 entries of the generated scale cohort a
    check took 1.17-1.24 s of CPU, 0.97-1.02 s above the background; docs/benchmarks.md, "The
    candidate test above the background")."""
    return containment_floor(model, max(min_similarity, FOUND_FROM), background)


def needed(floor: float, upload_size: int, entry_sizes: np.ndarray) -> np.ndarray:
    """The hits an entry of each size needs to be a candidate of an upload of ``upload_size``
    own long k-grams: the lower ``Z`` tail of the hits of a pair sharing ``floor`` of the
    smaller side, and at least 1. A tiny upload's hits among the unsampled postings come on top
    of the sample's (against a sampled entry, the test for 0.3 asks it for one hit)."""
    smaller = np.minimum(upload_size, entry_sizes).astype(np.float64)
    expected = floor * smaller / np.where(entry_sizes < SMALL, 1.0, SAMPLE)
    return np.maximum(1, np.floor(expected - Z * np.sqrt(expected))).astype(np.int64)


def _counted(seqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct seqs, ascending, and how often each occurs: by ``np.bincount`` over their
    span when it is not much wider than their number (a project's entries are mostly close in
    seq), by sorting otherwise (seqs are numbered across every project of the archive)."""
    low = int(seqs.min())
    if int(seqs.max()) - low < 4 * len(seqs) + 65_536:
        counts = np.bincount(seqs - low)
        held = np.flatnonzero(counts)
        return held + low, counts[held]
    return np.unique(seqs, return_counts=True)


def _signed(values: np.ndarray) -> list[int]:
    return np.asarray(values, dtype=np.uint64).view(np.int64).tolist()


@dataclass
class Rows:
    """Postings rows (of one entry or a batch's) for both tables, for ``write``."""

    sampled: list[tuple[str, int, int]] = field(default_factory=list)
    unsampled: list[tuple[str, int, int]] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        self.sampled.extend(other.sampled)
        self.unsampled.extend(other.unsampled)


def rows(project_id: str, seq: int, own: np.ndarray, units: list[Unit]) -> Rows:
    """The postings rows of the entry ``seq`` (``own``: its ``own_long`` of ``units``)."""
    return Rows([(project_id, feature, seq) for feature in _signed(posted(own))],
                [(project_id, feature, seq) for feature in _signed(unsampled(own, winnowed(units)))])


def write(session: Session, rows: Rows) -> None:
    """Insert postings rows into both tables."""
    execute_rows(session, INSERT.format(table=SAMPLED), rows.sampled)
    execute_rows(session, INSERT.format(table=UNSAMPLED), rows.unsampled)


def remove(session: Session, seq: int) -> None:
    for table in (LongPosting, UnsampledPosting):
        session.execute(delete(table).where(table.seq == seq))


def clear(session: Session, project_id: str) -> None:
    for table in (LongPosting, UnsampledPosting):
        session.execute(delete(table).where(table.project_id == project_id))


def candidates(session: Session, project_id: str, own: np.ndarray, common: np.ndarray,
               floor: float) -> dict[str, int]:
    """The entries of a project with enough hits among an upload's own long k-grams (``own``)
    less its ``common`` code (sorted) for a pair at ``floor``, by id, with their seq (which
    tells the check the entries before it without looking thousands of ids up again)."""
    looked_up = np.setdiff1d(own, common, assume_unique=True) if len(common) else own
    if not len(looked_up):
        return {}
    # Each k-gram's entries as one string, in the index's order, counted here: at 20,000 entries
    # a check reads 700,000-1,000,000 postings, and grouping them by entry in the database
    # (a sort of them all) took two to three times as long (docs/benchmarks.md, "Archive check
    # as the archive grows").
    aggregate = AGGREGATE[session.connection().dialect.name]
    tables = (SAMPLED, UNSAMPLED) if len(own) < SMALL else (SAMPLED,)
    listed = [seqs for table in tables for (seqs,) in rows_in(
        session, READ.format(aggregate=aggregate, table=table), (project_id,), _signed(looked_up))]
    found = np.fromstring(",".join(listed), dtype=np.int64, sep=",") if listed else np.zeros(0, dtype=np.int64)
    if not len(found):
        return {}
    hits = dict(zip(*(part.tolist() for part in _counted(found))))
    entries = rows_in(session, "SELECT seq, submission_id, own_long FROM archive_entries WHERE seq {in_}",
                      (), sorted(hits))
    need = needed(floor, len(own), np.array([size or 0 for _, _, size in entries], dtype=np.int64))
    return {sid: seq for (seq, sid, _), n in zip(entries, need.tolist()) if hits[seq] >= n}
