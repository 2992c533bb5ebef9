"""Candidate pairs: which submissions are worth aligning, without aligning all pairs.

Each submission becomes a TF-IDF vector over its short k-grams (each 64-bit hash gives a
k-gram a column; document frequencies are counted here, over the cohort, so
rare shared fingerprints weigh most). One sparse product gives the cosine of every pair that
shares anything; pairs below a small cosine are not aligned, because a pair sharing only a
few scattered short k-grams cannot reach a reportable similarity.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from .units import Unit

# On the labelled Java pairs every plagiarised pair had a cosine above 0.3; below 0.15 a pair
# shares only what independent programs of one task share. Leaving those out keeps the work
# near-linear in the cohort instead of quadratic.
MIN_COSINE = 0.15
# Aligning is the costly step (about 0.3 ms a pair). Below this cosine a pair is scored by its
# cosine alone: in cohorts built from shared solution patterns most pairs sit there, and none
# of them reached a reportable similarity when aligned.
ALIGN_MIN_COSINE = 0.3


def _bag(units: list[Unit]) -> np.ndarray:
    parts = []
    for unit in units:
        bag = unit.bag
        if unit.bag_excluded is not None:
            bag = bag[~unit.bag_excluded]
        parts.append(bag)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def tfidf_matrix(units_by_submission: list[list[Unit]]) -> sparse.csr_matrix:
    """Rows: submissions; columns: fingerprints; sublinear tf times smoothed idf, L2-normed.

    Fingerprints are already 64-bit hashes, so instead of folding them into a fixed number of
    hashed columns (and colliding) the columns are the distinct fingerprints of the cohort.
    """
    n = len(units_by_submission)
    per_row = [np.unique(_bag(units), return_counts=True) for units in units_by_submission]
    if n == 0 or not any(len(f) for f, _ in per_row):
        return sparse.csr_matrix((n, 1))
    rows = np.concatenate([np.full(len(f), r, dtype=np.int64) for r, (f, _) in enumerate(per_row)])
    features = np.concatenate([f for f, _ in per_row])
    tf = 1.0 + np.log(np.concatenate([c for _, c in per_row]).astype(np.float64))
    columns, column_of = np.unique(features, return_inverse=True)
    df = np.bincount(column_of, minlength=len(columns))
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    matrix = sparse.csr_matrix((tf * idf[column_of], (rows, column_of)), shape=(n, len(columns)))
    return normalize(matrix, norm="l2", copy=False)


def candidate_pairs(units_by_submission: list[list[Unit]], min_cosine: float = MIN_COSINE
                    ) -> list[tuple[int, int, float]]:
    """(i, j, cosine) with i < j for every pair whose cosine reaches ``min_cosine``."""
    matrix = tfidf_matrix(units_by_submission)
    product = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    keep = product.data >= min_cosine
    pairs = sorted(zip(product.row[keep].tolist(), product.col[keep].tolist(), product.data[keep].tolist()))
    return [(int(i), int(j), float(c)) for i, j, c in pairs]
