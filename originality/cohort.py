"""What the cohort shares: starter code and code everyone writes, left out of similarity.

Starter code given with ``--base`` is excluded wherever it appears. Code that many
submissions share is excluded too, even when nobody gave it as a template (MOSS and Dolos do
the first; the second catches the template the school forgot to upload and the idioms of a
task). The threshold is a share of the submissions, but never fewer than a handful, so a
ring of three copying students is not mistaken for common code.
"""

from __future__ import annotations

import math

import numpy as np

from .options import MatchOptions
from .units import Unit


def _unique_hashes(units: list[Unit], bag: bool = False) -> np.ndarray:
    if not units:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(np.concatenate([u.bag if bag else u.prints.hashes for u in units]))


def common_threshold(submissions: int, options: MatchOptions) -> int:
    """How many submissions must share a k-gram for it to count as common code."""
    return max(options.common_min_submissions, math.ceil(options.common_fraction * submissions))


def shared_hashes(units_by_submission: list[list[Unit]], options: MatchOptions,
                  bag: bool = False) -> np.ndarray:
    """The k-gram hashes that at least the common threshold of submissions contain."""
    threshold = common_threshold(len(units_by_submission), options)
    if len(units_by_submission) < threshold:
        return np.zeros(0, dtype=np.uint64)
    per_submission = [_unique_hashes(units, bag) for units in units_by_submission]
    values, counts = np.unique(np.concatenate(per_submission), return_counts=True)
    return values[counts >= threshold]


def mark_excluded(
    units_by_submission: list[list[Unit]], base_units: list[Unit], options: MatchOptions
) -> np.ndarray:
    """Set ``Unit.excluded`` and ``Unit.bag_excluded`` on every unit.

    Returns the sorted excluded long k-gram hashes.
    """
    excluded = np.union1d(_unique_hashes(base_units), shared_hashes(units_by_submission, options))
    # Short k-grams that the cohort commonly shares are cut too: inverse document frequency
    # alone still lets dozens of shared idioms add up to a high cosine.
    bag_excluded = np.union1d(_unique_hashes(base_units, bag=True),
                              shared_hashes(units_by_submission, options, bag=True))
    for units in units_by_submission:
        for unit in units:
            unit.excluded = contains(excluded, unit.prints.hashes)
            unit.bag_excluded = contains(bag_excluded, unit.bag)
    return excluded


def contains(sorted_set: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted set, by binary search.

    ``np.isin`` sorts the set again on every call; with thousands of units against one large
    excluded set that made this stage grow faster than the cohort.
    """
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[where] == values


def common_binaries(digests_by_submission: list[set[str]], base_digests: set[str],
                    options: MatchOptions) -> set[str]:
    """Digests of binary files given as starter material or shared by the common threshold."""
    threshold = common_threshold(len(digests_by_submission), options)
    counts: dict[str, int] = {}
    for digests in digests_by_submission:
        for digest in digests:
            counts[digest] = counts.get(digest, 0) + 1
    return base_digests | {d for d, n in counts.items() if n >= threshold}
