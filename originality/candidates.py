"""Candidate pairs: which submissions are worth aligning, without aligning all pairs.

Each submission becomes a TF-IDF vector over its short k-grams (each 64-bit hash gives a
k-gram a column; document frequencies are counted here, over the cohort, so
rare shared fingerprints weigh most). One sparse product gives the cosine of every pair that
shares anything; pairs below a small cosine are not aligned, because a pair sharing only a
few scattered short k-grams cannot reach a reportable similarity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .units import Unit, is_literal_run

# On the labelled Java pairs every plagiarised pair had a cosine above 0.3; below 0.15 a pair
# shares only what independent programs of one task share. Leaving those out keeps the work
# near-linear in the cohort instead of quadratic.
MIN_COSINE = 0.15
# Aligning costs about 0.5 ms a pair: each submission's 25 closest partners are aligned, the
# next ones, up to 100, are scored by their cosine alone.
ALIGNED_PER_SUBMISSION = 25
SCORED_PER_SUBMISSION = 100
# Runs of two consecutive literals weigh this much more than other features: copied test data
# and messages survive every disguise of the code around them, while independent programs of
# one task share their code's idioms. On the templated Java exercises this lifted ROC-AUC from
# 0.78 (runs at weight 1) to 0.82; 2.0 gave 0.84 but cost the Python ZIP cohort, where copies
# rewrite their messages (docs/benchmarks.md).
LITERAL_RUN_WEIGHT = 1.5


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
    idf[is_literal_run(columns)] *= LITERAL_RUN_WEIGHT
    matrix = sparse.csr_matrix((tf * idf[column_of], (rows, column_of)), shape=(n, len(columns)))
    # L2-normalise the rows by hand: importing scikit-learn for this took 0.8 s of every run.
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sparse.csr_matrix(sparse.diags(scale) @ matrix)


@dataclass(frozen=True)
class Candidate:
    """A pair worth scoring; ``closest`` says it is worth aligning too."""

    i: int
    j: int
    cosine: float
    closest: bool


def candidate_pairs(units_by_submission: list[list[Unit]], min_cosine: float = MIN_COSINE,
                    aligned_per_submission: int = ALIGNED_PER_SUBMISSION,
                    scored_per_submission: int = SCORED_PER_SUBMISSION) -> list[Candidate]:
    """The pairs (i < j) worth scoring, sorted.

    Of the pairs whose cosine reaches ``min_cosine``, a pair is scored when it is among the
    ``scored_per_submission`` most similar partners of one of its submissions, and aligned
    (``closest``) when among the ``aligned_per_submission`` most similar. Both caps keep the
    work linear in the cohort where every submission resembles every other (solutions built
    from the same few patterns: 70% of the pairs of such a cohort of 300 passed 0.15), while a
    copy, being among the closest partners of its original, is always aligned.
    """
    matrix = tfidf_matrix(units_by_submission)
    product = sparse.triu(matrix @ matrix.T, k=1).tocsr()
    product.data[product.data < min_cosine] = 0
    product.eliminate_zeros()
    if product.nnz == 0:
        return []
    full = (product + product.T).tocsr()
    rank: dict[tuple[int, int], int] = {}  # the better of the pair's ranks on its two sides
    for row in range(full.shape[0]):
        start, end = full.indptr[row], full.indptr[row + 1]
        values, columns = full.data[start:end], full.indices[start:end]
        # Highest cosine first; ties by column, so the choice never depends on memory order.
        ranked = columns[np.lexsort((columns, -values))[:scored_per_submission]].tolist()
        for position, column in enumerate(ranked):
            key = (min(row, column), max(row, column))
            rank[key] = min(position, rank.get(key, position))
    coo = product.tocoo()
    order = np.lexsort((coo.col, coo.row))
    return [
        Candidate(i, j, c, rank[(i, j)] < aligned_per_submission)
        for i, j, c in zip(coo.row[order].tolist(), coo.col[order].tolist(), coo.data[order].tolist())
        if (i, j) in rank
    ]
