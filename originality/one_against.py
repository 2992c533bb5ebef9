"""One upload against its candidates: the counts and cosines of ``Comparison.one_against``,
read off the candidates' profiles laid end to end.

The archive's check needs, for each candidate, how many own long k-grams it has (plain, and of
its pruned streams) and how many of them the upload holds, and the cosine of the two TF-IDF
vectors. At 20,000 archived entries a check has thousands of candidates and 20 million of their
features to read. Making each candidate's own arrays (its features less starter and common
code) and looking them up again in the upload's looked every feature up two or three times and
took a NumPy step per candidate; here each feature is looked up once, in one table that says at
the same time whether it is left out and whether the upload holds it, and the answers are
counted per candidate by ``np.bincount`` (docs/benchmarks.md, "Archive check as the archive
grows"). The numbers are bit for bit those of the comparison's matrices
(``tests/unit/test_one_against.py``, ``tests/unit/test_score.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .cohort import Exclusions, Statistics, contains, flags_of_members, positions
from .fingerprint import sorted_distinct
from .profile import Profile

# The sets a long k-gram can be in, as bits of one table (``flag_table``), and how many values
# their flags can take.
EXCLUDED_LONG, EXCLUDED_PRUNED, MINE_LONG, MINE_PRUNED = 1, 2, 4, 8
FLAG_VALUES = 16


@dataclass(frozen=True)
class Ragged:
    """Arrays laid end to end: their values and each one's length."""

    values: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, arrays: list[np.ndarray], dtype: type = np.uint64) -> Ragged:
        """``arrays`` laid end to end (of ``dtype`` when there are none)."""
        lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
        return cls(np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype), lengths)

    @cached_property
    def rows(self) -> np.ndarray:
        """The array each value comes from."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)

    @cached_property
    def starts(self) -> np.ndarray:
        return np.cumsum(self.lengths) - self.lengths

    def tally(self, flags: np.ndarray) -> np.ndarray:
        """How many of each array's values carry each flag value (``flag_table``'s, under
        ``FLAG_VALUES``), as an (arrays, ``FLAG_VALUES``) table: one counting pass answers every
        question asked of the flags, where ``count`` passes over the values once per question
        (on a check's 7 million long k-grams at 20,000 entries, 48 ms instead of 71-103 for the
        four: docs/benchmarks.md)."""
        keys = self.rows * FLAG_VALUES + flags
        return np.bincount(keys, minlength=FLAG_VALUES * len(self.lengths)).reshape(-1, FLAG_VALUES)

    def count(self, mask: np.ndarray) -> np.ndarray:
        """How many of each array's values ``mask`` selects, as floats (the entries of an
        incidence matrix's row products)."""
        counts = np.zeros(len(self.lengths), dtype=np.float64)
        filled = np.flatnonzero(self.lengths)
        if len(filled):
            counts[filled] = np.add.reduceat(mask, self.starts[filled], dtype=np.int64)
        return counts


def flag_table(sets: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The sorted members of some sorted sets, and each member's flags: the bits of the sets
    that hold it."""
    members = sorted_distinct(np.concatenate(list(sets.values())))
    flags = np.zeros(len(members), dtype=np.uint8)
    for bit, values in sets.items():
        flags[np.searchsorted(members, values)] |= np.uint8(bit)
    return members, flags


def flags_of(table: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> np.ndarray:
    """The flags of each value (0 for one in no set)."""
    return flags_of_members(*table, values)


@dataclass(frozen=True)
class KgramCounts:
    """Per candidate: its own long k-grams and those the upload's own hold, plain and pruned."""

    long_sizes: np.ndarray
    shared: np.ndarray
    pruned_sizes: np.ndarray
    shared_pruned: np.ndarray

    def taken(self, rows: np.ndarray) -> KgramCounts:
        """The counts of these candidates alone."""
        return KgramCounts(self.long_sizes[rows], self.shared[rows], self.pruned_sizes[rows], self.shared_pruned[rows])


def kgram_counts(mine_long: np.ndarray, mine_pruned: np.ndarray, excluded: Exclusions,
                 others: list[Profile]) -> KgramCounts:
    """The own long k-grams of each of ``others`` (``score.own_long``: starter and common code
    left out) and how many of them the upload's own (``mine_long``) hold; the same for the
    pruned ones (``score.own_pruned``: a candidate's pruned streams less ``excluded.pruned``,
    joined with the plain k-grams of its units without one less ``excluded.long``) against the
    upload's (``mine_pruned``).

    Only the long k-grams and what the pruned streams add to them are looked up: the pruned
    streams' k-grams are the long ones less those they lack (``Profile.pruned_lacks``, whose
    answers are the long k-grams' at those positions) and the units' without one are long
    k-grams too, so each is counted from the answers already there."""
    table = flag_table({EXCLUDED_LONG: excluded.long, EXCLUDED_PRUNED: excluded.pruned,
                        MINE_LONG: mine_long, MINE_PRUNED: mine_pruned})
    longs = Ragged.of([p.long for p in others])
    flags = flags_of(table, longs.values)
    tally = longs.tally(flags)

    def holding(condition: np.ndarray) -> np.ndarray:
        """Per candidate, how many of its long k-grams have a flag value ``condition`` selects."""
        return tally[:, condition].sum(axis=1).astype(np.float64)

    def pruned_part(part_flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        own = (part_flags & EXCLUDED_PRUNED) == 0
        return own, own & ((part_flags & MINE_PRUNED) != 0)

    values = np.arange(FLAG_VALUES)
    long_sizes = holding((values & EXCLUDED_LONG) == 0)
    shared = holding((values & MINE_LONG) != 0)  # the upload's own are never excluded

    def at_positions(positions: Ragged) -> np.ndarray:
        """Where each array's positions in its candidate's long k-grams are in ``longs`` (int64,
        whatever width the positions were stored in)."""
        return np.repeat(longs.starts, positions.lengths) + positions.values

    # The long k-grams' answers, less those the pruned streams lack, plus those they add.
    own, mine = pruned_part(values)
    pruned_sizes, shared_pruned = holding(own), holding(mine)
    lacks = Ragged.of([p.pruned_lacks for p in others], np.int64)
    lacked = at_positions(lacks)
    own, mine = pruned_part(flags[lacked])
    pruned_sizes -= lacks.count(own)
    shared_pruned -= lacks.count(mine)
    adds = Ragged.of([p.pruned_adds for p in others])
    own, mine = pruned_part(flags_of(table, adds.values))
    pruned_sizes += adds.count(own)
    shared_pruned += adds.count(mine)
    # The units without a pruned stream give their plain k-grams, less ``excluded.long``; one
    # the candidate's pruned streams hold too (a long k-gram they do not lack) counts once.
    unpruned = Ragged.of([p.unpruned_at for p in others], np.int64)
    if len(unpruned.values):
        where = at_positions(unpruned)
        lacking = np.zeros(len(longs.values), dtype=bool)
        lacking[lacked] = True
        unpruned_flags = flags[where]
        own = (unpruned_flags & EXCLUDED_LONG) == 0
        mine = own & ((unpruned_flags & MINE_PRUNED) != 0)
        twice = ~lacking[where] & ((unpruned_flags & EXCLUDED_PRUNED) == 0)
        pruned_sizes += unpruned.count(own) - unpruned.count(own & twice)
        shared_pruned += unpruned.count(mine) - unpruned.count(mine & twice)
    return KgramCounts(long_sizes, shared, pruned_sizes, shared_pruned)


@dataclass(frozen=True)
class BagRows:
    """Some submissions' own bag features (starter and common code left out) laid end to end,
    their counts and rows in the statistics (document frequencies), for the cosines."""

    features: np.ndarray
    counts: np.ndarray
    sizes: np.ndarray
    at: np.ndarray  # each feature's row in the statistics' bag space (its count), -1 where it has none


def own_bag_rows(profiles: list[Profile], excluded_bag: np.ndarray, statistics: Statistics) -> BagRows:
    """The own bag features of ``profiles`` and their rows in the statistics: each feature looked
    up once, in the statistics' space (which counts every feature of the population), for its
    document frequency and whether it is left out."""
    bags = Ragged.of([p.bag for p in profiles])
    counts = np.concatenate([p.bag_counts for p in profiles]) if profiles else np.zeros(0, dtype=np.int64)
    space = statistics.bag[0]
    at = positions(space, bags.values)
    # Read by the row in the space, the last entry standing for a feature without one.
    keep = np.append(~contains(excluded_bag, space), True)[at]
    outside = np.flatnonzero(at < 0)
    keep[outside] = ~contains(excluded_bag, bags.values[outside])
    kept = np.flatnonzero(keep)  # 40% of them on the scale cohort: the others are its idioms
    return BagRows(bags.values[kept], counts[kept], bags.count(keep).astype(np.int64), at[kept])
