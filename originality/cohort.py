"""What a population shares: starter code and code everyone writes, left out of similarity.

Starter code given with ``--base`` (or set on a project) is excluded wherever it appears. Code
that many *independent* submissions share is excluded too, even when nobody gave it as a
template (MOSS and Dolos do the first; the second catches the template the school forgot to
upload and the idioms of a task).

"Independent" is the point: a solution that went around a group is not common code, however
large the group. Submissions whose own long k-grams overlap heavily once dead code is left out
(near-duplicates, see ``NEAR_DUPLICATE_JACCARD``) are grouped first, and a k-gram counts once
per group. Thirty copies of one leaked solution, each padded differently, are one group: their
k-grams are common only if independent students write them too. The threshold is a share of
the groups, held with some confidence (``common_threshold``), but never fewer than a handful,
so a ring of three copying students is never mistaken for common code either.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from .fingerprint import sorted_distinct, sorted_union
from .options import MatchOptions
from .units import Unit

# Two submissions whose own distinct long k-grams of their pruned streams (``grouped_kgrams``:
# never-read locals and dead blocks left out, starter code aside) have a Jaccard index of at
# least this are one group when common code is counted. Measured on the real labelled sets in
# shared/data (6 Dec 2026): of the 7,085 pairs labelled independent (java-pairs 743, obfuscation
# 2,062, prose-paraphrase 4,280), one reaches 0.5 (0.502) and 7 reach 0.3; 219 of the 2,676
# labelled copies reach 0.5, identical and renamed ones 1.0 (over the plain streams: none, 6 and
# 192). Grouping needs only the strong copies: the rest of a ring still counts once per member.
# The pruned streams, because a solution that went around a class padded with dead code by each
# student is otherwise as many groups as students, and past half of the class it became common
# code (docs/benchmarks.md, "A shared solution padded by each student").
NEAR_DUPLICATE_JACCARD = 0.5
# Entries of a sparse product of a population's rows with each other formed at once
# (``upper_products``): bounds the memory of finding near-duplicates and a cohort's pairs.
# A memory bound, its size a judgment: blocked at about a million entries, `check` of 2,000
# students peaked at 817 MB instead of 1,006 MB, CPU the same; no other size is recorded
# (docs/benchmarks.md, "Speed and memory", "Blocked products and the hot paths").
PRODUCT_BLOCK = 1_000_000
# In a product of incidence rows (shared k-grams counted), the columns held by at least this
# share of the rows are multiplied as a dense matrix: a sparse product costs a column's count
# squared, and on a cohort of one task a few thousand k-grams held by hundreds of submissions
# make nearly all of it. Measured on the long k-grams of the generated 2,000-student cohort
# (zip_cohort_2000: 18,762 columns, 5.2e8 products): the whole product 1.12 s of CPU; its 3,934
# columns from 5% multiplied densely (float32) and the rest sparsely, 0.30 s; from 3%, 10% and
# 20%, 0.52, 0.36 and 0.45 s. The counts are whole numbers, so the sum is exact in any order.
DENSE_SHARE = 0.05
# Below this many rows the sparse product is cheap (0.023 s at 300 students) and the dense one
# cost more CPU than it saved (`check` of 300: 4.19 -> 4.36 s over five rounds, BLAS's threads).
DENSE_FROM_ROWS = 1000
# At most this many entries in the dense columns (64 MB of float32), the most held kept: at
# 20,000 rows, 838 columns.
# A memory bound, a judgment: no other size is recorded.
DENSE_ENTRIES = 1 << 24


def _unique(arrays: list[np.ndarray]) -> np.ndarray:
    return sorted_distinct(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.uint64)


def unique_hashes(units: list[Unit], bag: bool = False) -> np.ndarray:
    """The sorted distinct long k-gram hashes (or bag features) of some units."""
    return _unique([u.bag if bag else u.prints.hashes for u in units])


def unique_pruned(units: list[Unit]) -> np.ndarray:
    """The sorted distinct long k-grams of some units' pruned streams (``Unit.pruned``)."""
    return _unique([u.pruned_hashes for u in units])


def grouped_kgrams(pruned: np.ndarray, base_pruned: np.ndarray) -> np.ndarray:
    """What near-duplicate groups are found by: a submission's distinct pruned long k-grams
    (``unique_pruned``, ``Profile.pruned_all``) less those of the starter code's pruned streams."""
    return np.setdiff1d(pruned, base_pruned, assume_unique=True) if len(base_pruned) else pruned


def common_threshold(groups: int, options: MatchOptions) -> int:
    """How many independent groups must share a k-gram for it to count as common code: the
    fewest whose share of the ``groups`` reaches ``common_fraction`` with confidence, and at
    least ``common_min_submissions``; more than ``groups`` when no count does.

    "With confidence": the lower end of the share's Wilson score interval, ``common_confidence``
    standard deviations down, reaches the fraction. A population is a sample of the students who
    will take the task, and the archive's is small at first: under the bare share, what GPT-4's
    programs of one prompt share with some human ones was common code in a young archive and
    not over the whole set (``options.COMMON_CONFIDENCE`` gives the figures). The bound asks a
    small population for more above half than a large one, and tends to the share itself; a
    young one (under ``SETTLED_GROUPS`` groups) is asked more standard deviations
    (``confidence_at``).
    """
    least = max(options.common_min_submissions, math.ceil(options.common_fraction * groups))
    z = confidence_at(groups, options)
    if least > groups or z == 0:
        return least
    low, high = least, groups + 1  # the bound grows with the count: the first count that holds
    while low < high:
        middle = (low + high) // 2
        if wilson_lower(middle, groups, z) >= options.common_fraction:
            high = middle
        else:
            low = middle + 1
    return low


# Below SETTLED_GROUPS groups a population is young: its common code asks for more confidence,
# up to ``common_confidence_young`` at YOUNG_GROUPS and fewer (``options.COMMON_CONFIDENCE_YOUNG``
# says why and what it was measured on). 100: the prefixes of the obfuscation sets' service
# orders where common code differed from the whole cohort's lay between 20 and 100 entries; every
# real set's cohort holds more groups, so `check` on them is unchanged.
YOUNG_GROUPS = 20
SETTLED_GROUPS = 100


def confidence_at(groups: int, options: MatchOptions) -> float:
    """The standard deviations ``common_threshold`` asks of a share among ``groups`` groups:
    ``common_confidence`` from ``SETTLED_GROUPS`` on, rising linearly to
    ``common_confidence_young`` at ``YOUNG_GROUPS`` (0, the bare share, stays 0)."""
    settled = options.common_confidence
    if settled == 0:
        return 0.0
    young = max(settled, options.common_confidence_young)
    weight = min(1.0, max(0.0, (SETTLED_GROUPS - groups) / (SETTLED_GROUPS - YOUNG_GROUPS)))
    return settled + (young - settled) * weight


def wilson_lower(count: int, total: int, z: float) -> float:
    """The lower end of the Wilson score interval of the share ``count / total``, ``z``
    standard deviations down."""
    share, z2 = count / total, z * z
    centre = share + z2 / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return (centre - spread) / (1 + z2 / total)


def incidence(sets: list[np.ndarray]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """A binary matrix (rows: the sets, columns: their distinct values) and the columns' values."""
    values, column_of = np.unique(np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64),
                                  return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, column_of)), shape=(len(sets), max(1, len(values)))), values


def upper_products(matrices: list[sparse.csr_matrix],
                   binary: list[bool] | None = None) -> Iterator[tuple[int, list[np.ndarray]]]:
    """Each matrix's rows multiplied with each other, i < j only, a block of rows at a time:
    ``(start, products)``, where entry (r, c) of a product (a dense array, 0 on and below the
    diagonal) is rows (start + r, start + c).

    A block is rows [start, end) against the rows from ``start`` on, so the lower triangle is
    never formed and a block holds at most about ``PRODUCT_BLOCK`` entries, whatever the
    population's size. An entry is the sum over the first row's columns in their order, the
    same in a block as in the whole product: the values are exactly those. A matrix marked
    ``binary`` (an incidence matrix: its products count shared values) has its most held
    columns multiplied densely (``DENSE_SHARE``); its counts are the same.

    Blocks are dense: on a cohort of one task nearly every pair shares a bag feature, and
    reading a block's pairs off dense arrays cost less than joining the products' sparse
    entries (sorting and searching their keys; docs/benchmarks.md, "Speed and memory").
    """
    n = matrices[0].shape[0] if matrices else 0
    parts = [_Split.of(m) if flag else _Split(m, None)
             for m, flag in zip(matrices, binary or [False] * len(matrices))]
    start = 0
    while start < n:
        end = min(n, start + max(1, PRODUCT_BLOCK // (n - start)))
        yield start, [part.upper(start, end) for part in parts]
        start = end


@dataclass(frozen=True)
class _Split:
    """A matrix's columns in two parts for its product with itself: the rest, sparse, and the
    most held ones of an incidence matrix as a dense float32 matrix (None when it has none)."""

    sparse_part: sparse.csr_matrix
    dense_part: np.ndarray | None

    @classmethod
    def of(cls, matrix: sparse.csr_matrix) -> _Split:
        rows = matrix.shape[0]
        if rows < DENSE_FROM_ROWS:
            return cls(matrix, None)
        held = np.bincount(matrix.indices, minlength=matrix.shape[1])
        by_count = np.argsort(-held, kind="stable")[: DENSE_ENTRIES // max(1, rows)]
        dense = np.sort(by_count[held[by_count] >= max(2, DENSE_SHARE * rows)])
        if not len(dense):
            return cls(matrix, None)
        columns = matrix.tocsc()
        rest = np.setdiff1d(np.arange(matrix.shape[1]), dense, assume_unique=True)
        return cls(columns[:, rest].tocsr(), columns[:, dense].toarray().astype(np.float32))

    def upper(self, start: int, end: int) -> np.ndarray:
        """Rows [start, end) against the rows from ``start`` on, 0 on and below the diagonal."""
        product = (self.sparse_part[start:end] @ self.sparse_part[start:].T).toarray()
        if self.dense_part is not None:
            # float32 counts are exact up to 2^24, beyond any row's count of dense columns. One
            # BLAS thread: at 2,000 students its threads took 2.23 s of CPU for 1.54 s of the
            # pairs' stage, against 1.75 s of both on one (`check` loads and aligns on every core).
            with threadpool_limits(1, user_api="blas"):
                product += self.dense_part[start:end] @ self.dense_part[start:].T
        return np.triu(product, k=1)


def groups_of(sets: list[np.ndarray]) -> np.ndarray:
    """A group number per set: sets linked by a Jaccard index >= NEAR_DUPLICATE_JACCARD, chained.

    The overlaps are read a block of rows at a time and only the close pairs kept: on code of
    one task nearly every pair overlaps somewhat."""
    n = len(sets)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    matrix, _ = incidence(sets)
    sizes = np.array([len(s) for s in sets], dtype=np.float64)
    rows, cols = [], []
    for start, (overlap,) in upper_products([matrix], binary=[True]):
        i, j = np.nonzero(overlap)
        shared = overlap[i, j]
        i, j = start + i, start + j
        close = shared >= NEAR_DUPLICATE_JACCARD * np.maximum(sizes[i] + sizes[j] - shared, 1.0)
        rows.append(i[close])
        cols.append(j[close])
    return components(n, np.concatenate(rows), np.concatenate(cols))


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The connected components of n nodes linked by the edges (i[k], j[k]), numbered in the
    order of their smallest node, as ``scipy.sparse.csgraph.connected_components`` numbers
    them; that module brings scipy.linalg along, a seventh of the command's start-up.

    Every node takes the smallest label across its edges, then its label's label, until
    nothing changes: each component ends labelled by its smallest node.
    """
    label = np.arange(n)
    while True:
        before = label
        low = np.minimum(label[i], label[j])
        label = label.copy()
        np.minimum.at(label, i, low)
        np.minimum.at(label, j, low)
        label = label[label]
        if np.array_equal(label, before):
            return np.unique(label, return_inverse=True)[1]


def shared_by_groups(sets: list[np.ndarray], groups: np.ndarray, options: MatchOptions) -> np.ndarray:
    """The values found in at least the common threshold of independent groups, sorted."""
    return _held_by(*group_counts(sets, groups), group_count(groups), options)


def group_count(groups: np.ndarray) -> int:
    """How many independent groups ``groups_of`` made (numbered from 0)."""
    return int(groups.max()) + 1 if len(groups) else 0


def group_counts(sets: list[np.ndarray], groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of the sets, sorted, and how many independent groups hold each."""
    per_group = [_unique([sets[i] for i in np.flatnonzero(groups == g)]) for g in range(group_count(groups))]
    return np.unique(np.concatenate(per_group + [np.zeros(0, dtype=np.uint64)]), return_counts=True)


def _held_by(values: np.ndarray, counts: np.ndarray, groups: int, options: MatchOptions) -> np.ndarray:
    """The values held by at least the common threshold of ``groups`` groups."""
    threshold = common_threshold(groups, options)
    if groups < threshold:
        return np.zeros(0, dtype=np.uint64)
    return values[counts >= threshold]


def bare(options: MatchOptions) -> MatchOptions:
    """``options`` with common code at the share itself, without the confidence it asks: what a
    population's background leaves out (``Exclusions.background_long``)."""
    return replace(options, common_confidence=0.0, common_confidence_young=0.0)


@dataclass(frozen=True)
class Exclusions:
    """The sorted hashes that never count: long k-grams and bag features."""

    long: np.ndarray
    bag: np.ndarray
    groups: np.ndarray  # the independent group of every submission of the population
    pruned: np.ndarray  # the long k-grams of the pruned streams that never count
    # What the population's background leaves out (``score.background``): starter code and the
    # long k-grams half of its groups hold, the share itself (``bare``). Common code asks that
    # share with confidence, more in a young population, so that a solution a group passed
    # around is not left out; the background measures what independent work shares beyond the
    # task's code, and with the confidence it rose as a population was smaller (Progpedia19: 0.055
    # over its first 20 uploads, 0.031 over all 205; docs/benchmarks.md, "The background at
    # the share itself").
    background_long: np.ndarray


def exclusions(units_by_submission: list[list[Unit]], base_units: list[Unit],
               options: MatchOptions) -> Exclusions:
    """Starter code plus what independent groups of the population commonly share."""
    base_long, base_bag = unique_hashes(base_units), unique_hashes(base_units, bag=True)
    longs = [np.setdiff1d(unique_hashes(units), base_long, assume_unique=True)
             for units in units_by_submission]
    bags = [unique_hashes(units, bag=True) for units in units_by_submission]
    pruned_sets = [unique_pruned(units) for units in units_by_submission]
    base_pruned = unique_pruned(base_units)
    groups = groups_of([grouped_kgrams(pruned, base_pruned) for pruned in pruned_sets])
    # Short features that the population commonly shares are cut too: inverse document
    # frequency alone still lets dozens of shared idioms add up to a high cosine.
    held, count = group_counts(longs, groups), group_count(groups)
    long = sorted_distinct(np.concatenate([base_long, _held_by(*held, count, options)]))
    background_long = sorted_distinct(np.concatenate([base_long, _held_by(*held, count, bare(options))]))
    # The pruned streams (units.Unit.pruned) leave out the same: their starter code, and what
    # the same independent groups commonly share. Without a pruned stream, the plain one.
    if all(u.pruned is None for units in units_by_submission for u in units):
        pruned = long
    else:
        pruned = sorted_distinct(np.concatenate([base_pruned, shared_by_groups(pruned_sets, groups, options)]))
    bag = sorted_distinct(np.concatenate([base_bag, shared_by_groups(bags, groups, options)]))
    return Exclusions(long, bag, groups, pruned, background_long)


@dataclass(frozen=True)
class Statistics:
    """A population's counts of independent groups, kept rather than recomputed: the archive's
    running statistics of a project (``archive/stats.py``) for the features a comparison reads.

    Each space is (sorted features, the number of independent groups holding each); a bag
    feature not listed is held by none. ``long`` and ``pruned`` (the pruned streams' long
    k-grams, as ``exclusions`` groups them) need list only the k-grams that are, or with one
    more group could be, common code: only that is read of them.
    """

    groups: int
    bag: tuple[np.ndarray, np.ndarray]
    long: tuple[np.ndarray, np.ndarray]
    pruned: tuple[np.ndarray, np.ndarray]

    @staticmethod
    def count(space: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> np.ndarray:
        """How many groups hold each of ``values`` (0 for a value not counted)."""
        features, counts = space
        where = positions(features, values)
        return np.where(where >= 0, counts[where] if len(counts) else 0, 0)

    def common(self, space: tuple[np.ndarray, np.ndarray], options: MatchOptions) -> np.ndarray:
        """The features of a space held by at least the common threshold of groups, sorted."""
        features, counts = space
        if self.groups < common_threshold(self.groups, options):
            return np.zeros(0, dtype=np.uint64)
        return features[counts >= common_threshold(self.groups, options)]

    def plus(self, bag: np.ndarray, long: np.ndarray, pruned: np.ndarray, new_group: bool) -> Statistics:
        """These counts with one more group holding the given sorted features (``new_group``), or
        with a group that gained them: a submission compared before it is counted."""
        def plus(space: tuple[np.ndarray, np.ndarray], held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            features = sorted_union(space[0], held)
            return features, self.count(space, features) + contains(held, features)
        return Statistics(self.groups + int(new_group), plus(self.bag, bag), plus(self.long, long),
                          plus(self.pruned, pruned))

    def merged(self, bag: np.ndarray, long: np.ndarray, pruned: np.ndarray) -> Statistics:
        """These counts with two groups made one, which both held the given sorted features:
        one group fewer, and each of those features held by one fewer. A space lists only the
        counts near the common threshold (``long``, ``pruned``): one it does not list stays
        far from it."""
        def less(space: tuple[np.ndarray, np.ndarray], both: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            features, counts = space
            return features, counts - contains(both, features)
        return Statistics(self.groups - 1, less(self.bag, bag), less(self.long, long), less(self.pruned, pruned))


def exclusions_from(statistics: Statistics, population: int, base_units: list[Unit],
                    options: MatchOptions) -> Exclusions:
    """As ``exclusions``, with the groups counted by ``statistics`` instead of over the
    population; every submission is its own group for the cosine, which reads the statistics'
    document frequencies instead (``score.tfidf_vectors``)."""
    base_long = unique_hashes(base_units)
    return Exclusions(sorted_union(base_long, statistics.common(statistics.long, options)),
                      sorted_union(unique_hashes(base_units, bag=True), statistics.common(statistics.bag, options)),
                      np.arange(population, dtype=np.int64),
                      sorted_union(unique_pruned(base_units), statistics.common(statistics.pruned, options)),
                      background_long(statistics, base_long, options))


def background_long(statistics: Statistics, base_long: np.ndarray, options: MatchOptions) -> np.ndarray:
    """``Exclusions.background_long`` of a population counted by ``statistics``: its starter
    code's long k-grams (``base_long``) and those half of its groups hold."""
    return sorted_union(base_long, statistics.common(statistics.long, bare(options)))


def mark_excluded(units_by_submission: list[list[Unit]], excluded: Exclusions) -> None:
    """Set ``Unit.excluded`` on every unit: what alignment and the template lines read.

    Looked up for all units at once and the answer split back: a lookup per unit cost a tenth
    of an archive check over its candidates (benchmarks/archive_check.py at 2,000 entries,
    100,000 units over ten checks)."""
    units = [unit for group in units_by_submission for unit in group]
    for unit, found in zip(units, contains_each(excluded.long, [u.prints.hashes for u in units])):
        unit.excluded = found


def contains_each(sorted_set: np.ndarray, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """``contains`` for each of ``arrays``, in one lookup."""
    if not arrays:
        return []
    found = contains(sorted_set, np.concatenate(arrays))
    return np.split(found, np.cumsum([len(a) for a in arrays])[:-1])


# ``positions`` looks many values up in a table indexed by the low bits of the set's members:
# a value is in the set when the member at its slot is the value. An archive check at 20,000
# entries looks 8 million k-grams up in its common code and 10 million bag features in their
# counts (a third and two thirds of them members), where binary search took a second
# (docs/benchmarks.md). Hashes are mixed (splitmix64), so their low bits are uniform; members
# that share a slot are found by binary search.
# From 65,536 values the table is 3-8 times faster than binary search on sets of 400 and 20,000
# members (a few milliseconds a call); at 4,096 values binary search is as fast or faster.
TABLE_FROM = 1 << 16
TABLE_BITS = (16, 22)  # slots: 16 times the set's size, within these bounds (at most 16 MB)


def contains(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted set (``positions`` found).

    ``np.isin`` sorts the set again on every call; with thousands of units against one large
    excluded set that made this stage grow faster than the cohort.
    """
    return positions(sorted_set, values) >= 0


def positions(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The index of each value in a sorted set, -1 where it is not in it: by binary search, or
    by table for many values."""
    if len(sorted_set) == 0:
        return np.full(len(values), -1, dtype=np.intp)
    if len(values) < TABLE_FROM or not sorted_set.dtype == values.dtype == np.uint64:
        return _searched(sorted_set, values)
    bits, slots, shared_slots = _slots(sorted_set)
    member = np.full(1 << bits, -1, dtype=np.int32)  # -1: no member, -2: several
    member[slots] = np.arange(len(sorted_set), dtype=np.int32)
    member[shared_slots] = -2
    at = member[_low_bits(values, bits)]
    # A value is its slot's member when they are equal: compared over the whole array (the
    # slots without a single member read a member too, and their answer is set apart below),
    # which costs less than gathering the slots that hold one first.
    found = sorted_set[np.maximum(at, 0)] == values
    shared = np.flatnonzero(at == -2)
    at[~found & (at >= 0)] = -1
    at[shared] = _searched(sorted_set, values[shared])
    return at


def flags_of_members(sorted_set: np.ndarray, flags: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The flags (uint8) of each value's member in a sorted set, 0 for a value not in it: as
    ``flags[positions(sorted_set, values)]``, by a table of the members' values and flags
    indexed by their low bits for many values. A value is its slot's member when the two are
    equal, so one gather of each table answers it; the few slots several members share are
    looked up apart. On the candidates' 7 million long k-grams of an archive check at 20,000
    entries, a sixth faster than the positions and their flags (docs/benchmarks.md)."""
    if len(values) < TABLE_FROM or not sorted_set.dtype == values.dtype == np.uint64 or not len(sorted_set):
        return np.append(flags, np.uint8(0))[positions(sorted_set, values)]  # -1, no member: the last
    bits, slots, shared_slots = _slots(sorted_set)
    member = np.zeros(1 << bits, dtype=np.uint64)
    flag = np.zeros(1 << bits, dtype=np.uint8)
    member[slots], flag[slots] = sorted_set, flags
    crowded = np.zeros(1 << bits, dtype=bool)
    crowded[shared_slots] = True
    where = _low_bits(values, bits)
    found = flag[where]
    found *= member[where] == values  # an empty slot's flag is 0 whatever its value reads
    apart = np.flatnonzero(crowded[where])
    if len(apart):
        at = _searched(sorted_set, values[apart])
        found[apart] = np.where(at >= 0, flags[at], 0)
    return found


def _slots(sorted_set: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """A table's slots for a set: their bits (16 times as many slots as members, within
    ``TABLE_BITS``), each member's slot, and the slots several members share."""
    bits = min(TABLE_BITS[1], max(TABLE_BITS[0], math.ceil(math.log2(len(sorted_set))) + 4))
    slots = _low_bits(sorted_set, bits)
    taken, times = np.unique(slots, return_counts=True)
    return bits, slots, taken[times > 1]


def _low_bits(values: np.ndarray, bits: int) -> np.ndarray:
    """Each value's low ``bits``, as indices: at 16 bits (a set of up to 4,096 members, as a
    check's excluded and own k-grams), read in place as every fourth 16-bit word of the values
    on a little-endian machine, a fifth faster on millions than masking and converting."""
    if bits == 16 and sys.byteorder == "little" and values.flags.c_contiguous:
        return values.view(np.uint16)[::4]
    return (values & np.uint64((1 << bits) - 1)).astype(np.intp)


def _searched(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    where = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return np.where(sorted_set[where] == values, where, -1)


def common_binaries(digests_by_submission: list[set[str]], base_digests: set[str],
                    options: MatchOptions) -> set[str]:
    """Digests of binary files given as starter material or shared by the common threshold."""
    threshold = common_threshold(len(digests_by_submission), options)
    counts: dict[str, int] = {}
    for digests in digests_by_submission:
        for digest in digests:
            counts[digest] = counts.get(digest, 0) + 1
    return base_digests | {d for d, n in counts.items() if n >= threshold}
