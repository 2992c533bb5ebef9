"""One upload against its candidates (``one_against.py``): every count and cosine exactly as the
comparison's matrices give them, whatever a candidate's profile holds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from originality import cohort
from originality.calibration import DEFAULT_MODEL
from originality.check import load_submission
from originality.fingerprint import SymbolTable
from originality.one_against import Ragged, flag_table, flags_of
from originality.options import CheckOptions, MatchOptions
from originality.profile import Profile
from originality.score import Comparison, counted_background
from tests.unit.test_matching import ORIGINAL, write

EMPTY = np.zeros(0, dtype=np.uint64)


def profiles(rng: np.random.Generator, n: int, pool: np.ndarray) -> list[Profile]:
    """Random profiles drawn from one pool of features (so that they share some), with every
    kind of pruned stream: the plain k-grams themselves, other k-grams, none; units without a
    pruned stream or not, one of them repeating a pruned k-gram; empty bags and k-grams."""
    made = []
    for row in range(n):
        long = np.unique(rng.choice(pool, int(rng.integers(0, 60))))
        kind = row % 5
        if kind == 0:
            pruned, unpruned = long, EMPTY  # pruning changed nothing
        elif kind == 1:
            pruned, unpruned = np.unique(rng.choice(pool, 40)), EMPTY
        elif kind == 2:  # a unit without a pruned stream, sharing some k-grams with the others
            unpruned = np.unique(rng.choice(long, min(len(long), 8))) if len(long) else EMPTY
            pruned = np.union1d(np.setdiff1d(long, unpruned), unpruned[:2])
        elif kind == 3:
            unpruned = long[: len(long) // 3]
            pruned = long  # the plain k-grams, those of the unit without a pruned stream included
        else:
            pruned, unpruned = EMPTY, long
        bag, counts = np.unique(rng.choice(pool, int(rng.integers(0, 50))), return_counts=True)
        made.append(Profile.made(bag, counts.astype(np.int64), long, pruned, unpruned, code_tokens=100,
                                 all_tokens=100 + row % 3, key=bytes([row % 256]) * 16))
    return made


def statistics(rng: np.random.Generator, population: list[Profile], pool: np.ndarray,
               uncounted: np.ndarray) -> cohort.Statistics:
    """Counts over 40 groups, high enough for some features to be common code; the population's
    bag features of ``uncounted`` (starter code) and a few more left out of the bag space, as
    features nobody counted."""
    def space(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return values, rng.integers(1, 41, len(values)).astype(np.int64)

    bag = np.setdiff1d(np.unique(np.concatenate([p.bag for p in population])), uncounted)
    return cohort.Statistics(40, space(np.setdiff1d(bag, bag[::17])), space(np.unique(rng.choice(pool, 60))),
                             space(np.unique(rng.choice(pool, 60))))


def test_one_upload_against_random_candidates_gives_the_matrices_features_bit_for_bit(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    starter = load_submission(write(tmp_path / "starter", {"m.py": ORIGINAL}), CheckOptions(workers=1),
                              SymbolTable()).units
    starter_long, starter_bag = cohort.unique_hashes(starter), cohort.unique_hashes(starter, bag=True)
    for _ in range(5):
        pool = np.concatenate([rng.integers(0, 2**64, 300, dtype=np.uint64), starter_long[:20], starter_bag[:20]])
        population = profiles(rng, 40, pool)
        counted = statistics(rng, population, pool, starter_bag)
        comparison = Comparison([f"s{i:02d}" for i in range(len(population))], [[] for _ in population], starter,
                                MatchOptions(), statistics=counted, profiles=population)
        assert len(comparison.excluded.long) and len(comparison.excluded.bag), "some common code"
        for upload in (0, 1, 2, 3, 4, 7):
            others = np.array([j for j in range(len(population)) if j != upload])
            fast = comparison.one_against(upload, others)
            through = comparison.pair_features(np.full(len(others), upload), others)
            assert np.array_equal(fast.values, through.values), upload
            assert np.array_equal(fast.code_share, through.code_share)
        assert comparison.one_against(0, np.zeros(0, dtype=np.int64)).values.shape == (0, 6)


def test_pairs_that_cannot_reach_a_similarity_are_dropped_and_no_other(tmp_path: Path) -> None:
    """``one_against(..., reaching)`` keeps every pair whose similarity as reported reaches it,
    with the same features. Where the two bags are the same (the cosine at its best), it keeps
    exactly those: a pair that shares too few long k-grams to reach it is dropped."""
    rng = np.random.default_rng(29)
    for same_bags in (False, True):
        pool = rng.integers(0, 2**64, 300, dtype=np.uint64)
        population = profiles(rng, 40, pool)
        if same_bags:  # the upload's k-grams shared in every proportion, the bag alike
            mine = population[0]
            population = [mine] + [Profile.made(mine.bag, mine.bag_counts, kgrams, kgrams, EMPTY, 100, 100, p.key)
                                   for row, p in enumerate(population[1:], start=1)
                                   for kgrams in [np.union1d(mine.long[:row * len(mine.long) // 40], p.long[:20])]]
        counted = statistics(rng, population, pool, EMPTY)
        comparison = Comparison([f"s{i:02d}" for i in range(len(population))], [[] for _ in population], [],
                                MatchOptions(), statistics=counted, profiles=population,
                                background=counted_background(counted, [], population, MatchOptions()))
        others = np.arange(1, len(population))
        every = comparison.one_against(0, others)
        similarity = np.round(comparison.similarities(every), 4)
        for reaching in (0.3, 0.5):
            kept = comparison.one_against(0, others, reaching)
            at = np.searchsorted(others, kept.j)
            assert np.array_equal(kept.j, others[at]) and np.array_equal(kept.values, every.values[at])
            reached = set(others[similarity >= reaching].tolist())
            assert reached <= set(kept.j.tolist())
            if same_bags:
                assert set(kept.j.tolist()) == reached and 5 <= len(reached) <= 35, (reaching, len(reached))
    # A model with a weight below 0 (not one ``calibration.fit`` makes) has no such bound: all kept.
    lowering = replace(DEFAULT_MODEL, code=replace(DEFAULT_MODEL.code, weights=(-1.0,) + DEFAULT_MODEL.code.weights[1:]))
    comparison = Comparison([f"s{i:02d}" for i in range(len(population))], [[] for _ in population], [],
                            MatchOptions(), model=lowering, statistics=counted, profiles=population, background=0.05)
    assert np.array_equal(comparison.one_against(0, others, 0.5).j, others)


def test_flags_say_which_sets_hold_each_value() -> None:
    table = flag_table({1: np.array([3, 5], dtype=np.uint64), 2: np.array([5, 9], dtype=np.uint64)})
    values = np.array([9, 4, 5, 3, 0], dtype=np.uint64)
    assert flags_of(table, values).tolist() == [2, 0, 3, 1, 0]


def test_ragged_counts_per_array_with_empty_ones() -> None:
    ragged = Ragged.of([np.array([1, 2], dtype=np.uint64), EMPTY, np.array([3, 4, 5], dtype=np.uint64)])
    assert ragged.count(ragged.values % 2 == 1).tolist() == [1.0, 0.0, 2.0]
    assert ragged.rows.tolist() == [0, 0, 2, 2, 2]
    tally = ragged.tally(np.array([1, 0, 3, 1, 15], dtype=np.uint8))
    assert tally.shape == (3, 16) and tally.sum() == 5 and not tally[1].any()
    assert (tally[0, 0], tally[0, 1], tally[2, 1], tally[2, 3], tally[2, 15]) == (1, 1, 1, 1, 1)
