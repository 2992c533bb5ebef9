"""Near-duplicate groups: read a block of rows at a time, the same groups as all at once."""

from __future__ import annotations

import numpy as np
import pytest

from originality import cohort


def sets() -> list[np.ndarray]:
    # 0 ~ 2 ~ 5 chained by Jaccard >= 0.5 (0 and 5 alone are not), 1 and 4 a pair, 3 alone.
    values = [range(0, 20), range(100, 110), range(5, 25), range(200, 230), range(101, 111), range(10, 30)]
    return [np.array(list(v), dtype=np.uint64) for v in values]


@pytest.mark.parametrize("block", [1, 4, 1_000_000])
def test_near_duplicates_chain_into_groups_whatever_the_block_of_rows(
        monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(cohort, "PRODUCT_BLOCK", block)
    assert cohort.groups_of(sets()).tolist() == [0, 1, 0, 2, 1, 0]


def test_the_upper_products_of_every_block_make_the_whole_upper_triangle(monkeypatch: pytest.MonkeyPatch) -> None:
    matrix, _ = cohort.incidence(sets())
    whole = (matrix @ matrix.T).toarray()
    monkeypatch.setattr(cohort, "PRODUCT_BLOCK", 7)
    found = np.zeros_like(whole)
    blocks = 0
    for start, (product,) in cohort.upper_products([matrix]):
        found[start:start + len(product), start:] = product
        blocks += 1
    assert blocks > 1
    assert np.array_equal(found, np.triu(whole, k=1))


@pytest.mark.parametrize("block, entries", [(7, 1 << 24), (1_000_000, 1 << 24), (50, 3 * 60)])
def test_the_most_held_columns_multiplied_densely_count_the_same(
        monkeypatch: pytest.MonkeyPatch, block: int, entries: int) -> None:
    # 60 rows over 40 columns, some held by most rows: counted densely once DENSE_FROM_ROWS allows
    # (every column when DENSE_ENTRIES allows, the 3 most held when it allows 3 a row).
    rng = np.random.default_rng(11)
    held = rng.random(40) ** 3
    rows = [np.flatnonzero(rng.random(40) < held).astype(np.uint64) for _ in range(60)]
    matrix, _ = cohort.incidence(rows)
    whole = (matrix @ matrix.T).toarray()
    monkeypatch.setattr(cohort, "PRODUCT_BLOCK", block)
    monkeypatch.setattr(cohort, "DENSE_FROM_ROWS", 10)
    monkeypatch.setattr(cohort, "DENSE_ENTRIES", entries)
    often = int((np.bincount(matrix.indices) >= 3).sum())  # DENSE_SHARE of 60 rows
    split = cohort._Split.of(matrix)
    assert split.dense_part is not None and split.dense_part.shape == (60, often if entries > 180 else 3)
    assert split.sparse_part.shape[1] == matrix.shape[1] - split.dense_part.shape[1]
    found = np.zeros_like(whole)
    for start, (product,) in cohort.upper_products([matrix], binary=[True]):
        assert product.dtype == np.float64
        found[start:start + len(product), start:] = product
    assert np.array_equal(found, np.triu(whole, k=1))


def test_components_are_numbered_as_scipy_numbers_them() -> None:
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(3)
    for n, edges in [(1, 0), (5, 0), (40, 30), (300, 200), (300, 600)]:
        i, j = rng.integers(0, n, edges), rng.integers(0, n, edges)
        graph = sparse.coo_matrix((np.ones(edges), (i, j)), shape=(n, n))
        assert cohort.components(n, i, j).tolist() == connected_components(graph, directed=False)[1].tolist()


def test_sorted_distinct_is_numpys_unique() -> None:
    from originality.fingerprint import sorted_distinct

    rng = np.random.default_rng(5)
    for values in [np.zeros(0, dtype=np.uint64), np.array([7], dtype=np.uint64),
                   rng.integers(0, 50, 1000).astype(np.int64), rng.integers(0, 2**63, 500, dtype=np.uint64)]:
        found = sorted_distinct(np.concatenate([values, values[::3]]))
        assert found.dtype == values.dtype and np.array_equal(found, np.unique(values))


def test_exclusions_are_marked_on_every_unit_as_one_lookup_each_would_mark_them() -> None:
    from originality.fingerprint import Fingerprints
    from originality.model import SegmentKind
    from originality.units import Unit

    rng = np.random.default_rng(3)

    def unit(n: int, pruned: bool) -> Unit:
        hashes = rng.integers(0, 50, size=n).astype(np.uint64)
        return Unit("a.py", SegmentKind.CODE, np.zeros(n, dtype=np.int32),
                    Fingerprints(hashes=hashes, k=3),
                    rng.integers(0, 50, size=n + 2).astype(np.uint64),
                    rng.integers(0, 50, size=n).astype(np.uint64) if pruned else None)

    population = [[unit(5, True), unit(0, False)], [], [unit(9, False), unit(3, True)]]
    excluded = cohort.Exclusions(np.array([1, 7, 30], dtype=np.uint64), np.array([2, 40], dtype=np.uint64),
                                 np.arange(3), np.array([0, 49], dtype=np.uint64), np.array([1, 7, 30], dtype=np.uint64))
    cohort.mark_excluded(population, excluded)
    for u in (u for units in population for u in units):
        assert u.excluded.tolist() == np.isin(u.prints.hashes, excluded.long).tolist()


@pytest.mark.parametrize("set_size", [1, 417, 70_000])
def test_many_values_are_looked_up_as_isin_finds_them(set_size: int) -> None:
    # Past TABLE_FROM values the set's low bits are tabled first: the answer is the same.
    rng = np.random.default_rng(set_size)
    members = np.unique(rng.integers(0, 2**64 - 1, size=set_size, dtype=np.uint64))
    values = rng.integers(0, 2**64 - 1, size=cohort.TABLE_FROM + 5, dtype=np.uint64)
    values[::7] = members[rng.integers(0, len(members), size=len(values[::7]))]
    # Values that share a member's low bits but are not members.
    values[1::11] = members[rng.integers(0, len(members), size=len(values[1::11]))] ^ np.uint64(1 << 40)
    found = cohort.contains(members, values)
    assert found.tolist() == np.isin(values, members).tolist()
    where = cohort.positions(members, values)
    assert np.array_equal(members[where[found]], values[found]) and (where[~found] == -1).all()
    assert found.sum() >= len(values[::7]) // 2
    assert cohort.contains(members, values[:100]).tolist() == np.isin(values[:100], members).tolist()
    flags = rng.integers(1, 256, size=len(members)).astype(np.uint8)
    expected = np.where(found, flags[np.maximum(where, 0)], 0)
    assert np.array_equal(cohort.flags_of_members(members, flags, values), expected)
    assert np.array_equal(cohort.flags_of_members(members, flags, values[:100]), expected[:100])


def test_members_that_share_low_bits_are_found_apart() -> None:
    base = np.uint64(0xABCDEF)
    members = np.sort(np.array([base, base | np.uint64(1 << 40), base | np.uint64(1 << 50), 7], dtype=np.uint64))
    values = np.zeros(cohort.TABLE_FROM, dtype=np.uint64)
    values[:5] = [base, base | np.uint64(1 << 40), base | np.uint64(1 << 41), 7, 7 | np.uint64(1 << 33)]
    assert cohort.contains(members, values)[:6].tolist() == [True, True, False, True, False, False]
    assert cohort.contains(members, values).sum() == 3
    # Each member's flags, 0 for the rest, also where a slot holds several members or none
    # (an empty slot reads 0, the value of the zeros here).
    flags = np.arange(1, len(members) + 1, dtype=np.uint8)
    of = dict(zip(members.tolist(), flags.tolist()))
    assert cohort.flags_of_members(members, flags, values).tolist() == [of.get(v, 0) for v in values.tolist()]


def test_common_code_needs_a_share_that_surely_reaches_the_fraction() -> None:
    from dataclasses import replace

    from originality.options import MatchOptions

    options = MatchOptions()
    thresholds = [cohort.common_threshold(groups, options) for groups in range(0, 2001)]
    # At least 10 groups and at least half of them, and never fewer as groups are added.
    assert all(t >= max(10, groups / 2) for groups, t in enumerate(thresholds))
    assert all(b >= a for a, b in zip(thresholds, thresholds[1:]))
    # A small population needs a larger share above half than a large one, and a young one
    # (under 100 groups) more standard deviations: 3 at 20 groups, 2 at 60, 1 from 100 on.
    assert thresholds[20] == 17 and thresholds[60] == 38 and thresholds[200] == 108 and thresholds[2000] == 1023
    assert [cohort.confidence_at(g, options) for g in (5, 20, 60, 100, 2000)] == [3.0, 3.0, 2.0, 1.0, 1.0]
    # Exactly the first count whose Wilson bound reaches half.
    for groups, z in ((20, 3.0), (60, 2.0), (200, 1.0), (2000, 1.0)):
        t = thresholds[groups]
        assert cohort.wilson_lower(t, groups, z) >= 0.5 > cohort.wilson_lower(t - 1, groups, z)
    # Without the young population's extra confidence, 13 of 20 groups.
    assert cohort.common_threshold(20, replace(options, common_confidence_young=1.0)) == 13
    # Without confidence, the bare share; a share nobody can reach, more than the groups.
    assert cohort.common_threshold(20, replace(options, common_confidence=0)) == 10
    assert cohort.common_threshold(30, replace(options, common_fraction=1.0)) == 31
