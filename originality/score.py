"""The comparison stage: the one place where two submissions get a similarity and fragments.

``check`` (a whole cohort at once) and the archive (one upload against the project's prior
submissions) both build a ``Comparison`` over a population and ask it for pairs; nothing else
computes a similarity, so a pair gets the same formula on every path and whatever its rank.

1. The population's exclusions (``cohort.exclusions``): starter code, and what independent
   groups of it commonly write.
2. Per submission: a TF-IDF vector over its bag (document frequencies counted over the
   independent groups, like common code) and the set of its own distinct long k-grams.
3. Per pair, from sparse products and no alignment: the cosine of the vectors and the
   containment of each side's own long k-grams in the other, also over the code's pruned
   streams (``units.Unit.pruned``) where it has them (``calibration.FEATURES``); the
   calibrated model turns them into the similarity, reading the containment above the
   population's background (``background``: the median over the pairs of a sample of its
   independent groups, drawn by content key). Every pair that shares anything the model
   weighs is scored this way, so the only filter is the score itself: a pair below the
   reporting threshold is dropped; one from ``ALIGN_FROM`` up is aligned for its fragments and
   shares (``match.alignments``), strongest first, within a budget that bounds that work on
   pathologically dense cohorts and never changes a score.

The document frequencies, common code and background are the population's: ``check`` counts
them over the cohort, the archive reads its project's running statistics (``archive/stats.py``:
every entry archived so far) and draws the background's sample from its entries
(``archive/background.py``), so the same pair can differ slightly between the two paths
(measured in docs/benchmarks.md, "The service path vs check").
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Iterator, Protocol, Sequence, runtime_checkable

import numpy as np
from scipy import sparse

from .calibration import DEFAULT_MODEL, FEATURES, Model
from .cohort import (Exclusions, Statistics, background_long, contains_each, exclusions, exclusions_from, group_count,
                     incidence, mark_excluded, positions, unique_hashes, upper_products)
from .fingerprint import sorted_distinct
from .match import Alignment, SubmissionPrints, alignments
from .model import PairResult, Pairs, Span
from .one_against import KgramCounts, kgram_counts, own_bag_rows
from .options import MatchOptions
from .profile import Profile
from .report import DIGITS, rounded
from .units import Unit, is_literal_run

# Pairs from this similarity up are aligned into fragments; below it a pair is listed (when the
# reporting threshold asks for it) with its score alone. On the real labelled sets a pair from
# 0.3 is a copy about half the time or more (docs/benchmarks.md, "Calibration": 0.3-0.4 holds
# 49% copies, 0.2-0.3 37%); below, fragments would mostly explain coincidences, and aligning
# them was most of `check`'s time on the dense 300-student synthetic cohort (26,048 pairs from
# 0.1, 9,031 from 0.3, at about 1 ms each).
ALIGN_FROM = 0.3
# Alignments one comparison makes at most, per submission of its population, strongest pairs
# first (identical contents count once); the pairs past it keep their score and carry no
# fragments. The score never depends on it. On the real sets it is never reached (java-pairs:
# 2,676 pairs from 0.3 for 1,233 submissions, budget 30,825); on the dense synthetic cohorts,
# where a fifth of the independent pairs reach 0.3, it keeps `check` near-linear: 2,000 students
# have 380,390 pairs from 0.3 (docs/benchmarks.md, "Speed and memory"). Before this stage, each submission's
# 25 closest partners were aligned.
ALIGNED_PER_SUBMISSION = 25
# The archive's check scores one upload against its candidates: it aligns at most this many of
# the upload's pairs (distinct contents, strongest first). The most pairs from 0.3 that any one
# submission of the real sets has is 319 (java-pairs, a tiny program; the 99th percentile is
# 39, Progpedia19's most 30, z5z1's 38: `check --min-similarity 0.3` of each), so it never binds
# there; on the generated scale cohort at 20,000 entries an upload has 437-3,901 pairs from 0.3,
# and aligning them and greying their template lines was a third of a check
# (docs/benchmarks.md, "Archive check as the archive grows").
ALIGNED_PER_UPLOAD = 500
# Pairs whose row products are taken at once (the archive's): bounds the memory of one step.
# 20,000: a judgment, not measured.
ROW_CHUNK = 20_000
# Aligning on several processes pays from this many pairs; each message carries one
# submission's pairs (tens of them).
# 200: a judgment, not measured apart; at the 1 ms a pair measured for ALIGN_FROM, 0.2 s.
PARALLEL_MIN_PAIRS = 200
# Runs of two consecutive literals weigh this much more than other features of the bag: copied
# test data and messages survive every disguise of the code around them, while independent
# programs of one task share their code's idioms. On the templated Java exercises this lifted
# ROC-AUC from 0.78 (runs at weight 1) to 0.82; 2.0 gave 0.84 but cost the Python ZIP cohort,
# where copies rewrite their messages (docs/benchmarks.md).
LITERAL_RUN_WEIGHT = 1.5
# The background of a population (``background``) is read off the pairs of this many of its
# independent groups, one submission each: those of the smallest content keys, a sample that
# depends on the population alone (never on the order submissions came in), so that ``check``
# and the archive draw the same one from the same submissions. At 64 groups the sample's median
# varied with the sample (standard deviation 0.003-0.004 over 20 random samples of Progpedia19
# and z5z1), enough to move the pooled obfuscation ROC-AUC from 0.913 to 0.907 between two file
# layouts of the same set; at 128, 0.0017; 256 holds every group of both obfuscation sets (153
# and 182) and costs 16-38 ms, one sparse product (docs/benchmarks.md, "A similarity above its
# project's background").
BACKGROUND_SAMPLE = 256
# The columns of the bag's features, which ``at_best`` sets at their best.
_COSINE, _CONTAINMENT_MAX, _COSINE_X_CONTAINMENT, _PROJECTION = (
    FEATURES.index(name) for name in ("cosine", "containment_max", "cosine_x_containment", "bag_projection"))


# Starter and common code are left out by value: a k-gram or bag feature is excluded wherever
# it occurs. So each submission's own features are its distinct ones less the excluded, looked
# up once over all submissions; marking every unit's occurrences (``cohort.mark_excluded``),
# which alignment and template lines need, was a sixth of an archive check that scores
# thousands of candidates and draws a few hundred (docs/benchmarks.md).

def own_long(profiles: list[Profile], excluded: Exclusions) -> list[np.ndarray]:
    """Each submission's distinct long k-grams that are neither starter code nor common code."""
    return _without(excluded.long, [p.long for p in profiles])


def own_pruned(profiles: list[Profile], excluded: Exclusions) -> list[np.ndarray]:
    """Each submission's distinct long k-grams of its pruned code streams (``Unit.pruned``),
    less starter and common code; a unit without one gives its plain ones, as ``own_long``."""
    pruned = _without(excluded.pruned, [p.pruned for p in profiles])
    plain = _without(excluded.long, [p.unpruned for p in profiles])
    return [p if not len(q) else q if not len(p) else sorted_distinct(np.concatenate([p, q]))
            for p, q in zip(pruned, plain)]


def own_bags(profiles: list[Profile], excluded: Exclusions) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each submission's bag features that are neither starter code nor common code, distinct
    and ascending, and how often each occurs."""
    found = contains_each(excluded.bag, [p.bag for p in profiles])
    return [(p.bag[~out], p.bag_counts[~out]) for p, out in zip(profiles, found)]


def _without(sorted_set: np.ndarray, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Each array less the members of a sorted set, in one lookup."""
    if not len(sorted_set):
        return arrays
    return [array[~found] for array, found in zip(arrays, contains_each(sorted_set, arrays))]


def tfidf_vectors(bags: list[tuple[np.ndarray, np.ndarray]], groups: np.ndarray,
                  statistics: Statistics | None = None) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows: submissions; columns: the population's bag features; sublinear tf times smoothed
    idf, L2-normed; and each row's norm before it was normed (``bag_projection`` reads it).

    A feature's document frequency counts the independent groups holding it (as common code
    does), so thirty copies of one solution do not make its features look ordinary; with
    ``statistics``, the groups they counted (the archive's whole project) instead of those of
    these rows. The columns are the distinct 64-bit features themselves, never folded into
    hashed columns. ``bags``: each row's own bag features and their counts (``own_bags``).
    """
    n = len(bags)
    if n == 0 or not any(len(f) for f, _ in bags):
        return sparse.csr_matrix((n, 1)), np.zeros(n, dtype=np.float64)
    rows = np.concatenate([np.full(len(f), r, dtype=np.int64) for r, (f, _) in enumerate(bags)])
    features = np.concatenate([f for f, _ in bags])
    tf = 1.0 + np.log(np.concatenate([c for _, c in bags]).astype(np.float64))
    columns, column_of = np.unique(features, return_inverse=True)
    if statistics is not None:
        group_count, df = statistics.groups, statistics.count(statistics.bag, columns)
    else:
        group_count = int(groups.max()) + 1
        # One count per (group, column): unique over the pairs' combined key.
        held = sorted_distinct(groups[rows].astype(np.int64) * len(columns) + column_of) % len(columns)
        df = np.bincount(held, minlength=len(columns))
    idf = inverse_frequencies(columns, df, group_count)
    matrix = sparse.csr_matrix((tf * idf[column_of], (rows, column_of)), shape=(n, len(columns)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sparse.csr_matrix(sparse.diags(scale) @ matrix), norms


def inverse_frequencies(features: np.ndarray, df: np.ndarray, group_count: int) -> np.ndarray:
    """Each bag feature's smoothed idf over ``group_count`` groups, runs of literals weighed up
    (``LITERAL_RUN_WEIGHT``): the one weighting of ``tfidf_vectors`` and the archive's cosines."""
    idf = np.log((1.0 + group_count) / (1.0 + df)) + 1.0
    idf[is_literal_run(features)] *= LITERAL_RUN_WEIGHT
    return idf


def at_best(features: PairFeatures) -> PairFeatures:
    """The pairs' features with those of the bag at their best (the cosine and the projection
    1, the cosine's product with the containment the containment): the most their long k-grams
    allow, since no weight of the model is negative (``calibration.fit``)."""
    values = features.values.copy()
    values[:, _COSINE] = values[:, _PROJECTION] = 1.0
    values[:, _COSINE_X_CONTAINMENT] = values[:, _CONTAINMENT_MAX]
    return PairFeatures(features.i, features.j, values, features.code_share)


def bag_projection(cosine: np.ndarray, norms_i: np.ndarray, norms_j: np.ndarray) -> np.ndarray:
    """How much of the smaller bag the larger one holds: the two TF-IDF vectors' dot product
    over the smaller one's squared norm, at most 1. It is the cosine times the ratio of the
    norms: 1 for a text wholly inside a longer one, and for a passage paraphrased inside a text
    five times its length about what the pair's cosine would be alone, where the cosine falls
    to about 1 / sqrt(5) of it."""
    smaller, larger = np.minimum(norms_i, norms_j), np.maximum(norms_i, norms_j)
    ratio = np.divide(larger, smaller, out=np.zeros_like(larger), where=smaller > 0)
    return np.minimum(cosine * ratio, 1.0)


def background_rows(keys: Sequence[bytes], groups: Sequence[object], names: Sequence[str]) -> list[int]:
    """The rows whose pairs give a population's background: in the order of their content keys
    (then names), the first of each independent group, ``BACKGROUND_SAMPLE`` groups at most.
    One submission a group, so that a solution most of the class shares weighs as one."""
    taken: set[object] = set()
    rows: list[int] = []
    for row in sorted(range(len(keys)), key=lambda r: (keys[r], names[r])):
        if groups[row] not in taken:
            taken.add(groups[row])
            rows.append(row)
            if len(rows) == BACKGROUND_SAMPLE:
                break
    return rows


def background(sample: Sequence[np.ndarray], least: int) -> float:
    """What independent work of a population shares: the median ``containment_max`` (the share
    of the smaller side's long k-grams found in the other, 0 for a pair sharing none) over the
    pairs of a sample of it (the long k-grams of the rows ``background_rows`` gives, less
    ``Exclusions.background_long``: starter code and what half the groups hold).
    The code part of the similarity reads a pair's containment above it
    (``calibration.Model``): on a tiny exercise or a long templated program independent
    students share more code than on an open task, so the same share is weaker evidence there
    (docs/benchmarks.md, "A similarity above its project's background").
    0 under ``least`` groups (``MatchOptions.common_min_submissions``, as for common code): what
    a handful of students share says more about them than about the task."""
    if len(sample) < max(2, least):
        return 0.0
    matrix = incidence(list(sample))[0]
    a, b = np.triu_indices(len(sample), 1)
    shared = np.asarray((matrix @ matrix.T).todense())[a, b]  # counts: exact whatever the order of sums
    sizes = np.maximum(np.array([len(x) for x in sample], dtype=np.float64), 1.0)
    return float(np.median(np.maximum(shared / sizes[a], shared / sizes[b])))


def counted_background(statistics: Statistics, base_units: list[Unit], sample: Sequence[Profile],
                       options: MatchOptions) -> float:
    """The background of a population counted by ``statistics`` (the archive's project), read
    off its sample's profiles (``background_rows`` of the whole population, as
    ``archive/background.py`` draws them): what ``Comparison.background`` gives without them."""
    excluded = background_long(statistics, unique_hashes(base_units), options)
    return background(_without(excluded, [p.long for p in sample]), options.common_min_submissions)


@runtime_checkable
class Fetching(Protocol):
    """A population's units read on demand (the archive's, from its database): ``fetch`` reads
    those of some submissions at once, before the comparison reads them one by one."""

    def fetch(self, indices: list[int]) -> None: ...

    def __getitem__(self, index: int) -> list[Unit]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class PairFeatures:
    """The features of some pairs (i, j) of a comparison, one row each."""

    i: np.ndarray
    j: np.ndarray
    values: np.ndarray  # (pairs, len(calibration.FEATURES))
    code_share: np.ndarray


class Comparison:
    """A population of submissions, ready to score any of its pairs."""

    def __init__(self, ids: list[str], units_by_submission: Sequence[list[Unit]], base_units: list[Unit],
                 options: MatchOptions, model: Model = DEFAULT_MODEL,
                 statistics: Statistics | None = None, profiles: list[Profile] | None = None,
                 background: float | None = None) -> None:
        """``statistics``, when given, are the population's counts kept elsewhere (the
        archive's project): common code and document frequencies are read from them,
        ``units_by_submission`` need only hold the submissions whose pairs are scored, and
        the population's ``background`` comes with them (``counted_background``: the archive's
        check raises its candidate test by it before it knows the candidates); without
        statistics the background's sample is drawn here.
        ``profiles``, when given, are the submissions' (``Profile.of`` their units), and the
        units are read for alignment and template lines alone: ``units_by_submission`` may then
        fetch them on demand (``Fetching``)."""
        self.ids, self.units, self.options, self.model = ids, units_by_submission, options, model
        # Asked once: ``isinstance`` against a protocol costs tens of microseconds, and ``mark``
        # runs for every aligned submission.
        self._fetch = units_by_submission.fetch if isinstance(units_by_submission, Fetching) else None
        if profiles is None:
            profiles = [Profile.of(units) for units in units_by_submission]
        self.profiles = profiles
        self.excluded: Exclusions = (
            exclusions(list(units_by_submission), base_units, options) if statistics is None
            else exclusions_from(statistics, len(profiles), base_units, options))
        self.statistics = statistics
        self._marked: set[int] = set()
        if statistics is None:  # ``check``: its report greys the template lines of every submission
            self.mark(range(len(profiles)))
        self.has_pruned = self.excluded.pruned is not self.excluded.long  # a unit has a pruned stream
        self.code_tokens = np.array([p.code_tokens for p in profiles], dtype=np.float64)
        self.all_tokens = np.array([p.all_tokens for p in profiles], dtype=np.float64)
        # Each submission's place in the order of ids, for the report's order of pairs.
        self.id_rank = np.empty(len(ids), dtype=np.int64)
        self.id_rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        self._prints: dict[int, SubmissionPrints] = {}
        self._background = background

    @cached_property
    def group_count(self) -> int:
        """How many independent groups the population holds (near-duplicates one group): what
        common code and the background ask for (``cohort.common_threshold``, ``background``).
        A report gives it, so that a reader knows when neither could be found yet."""
        if self.statistics is not None:
            return self.statistics.groups
        return group_count(self.excluded.groups)

    @cached_property
    def background(self) -> float:
        """The population's background (``background``)."""
        if self._background is not None:
            return self._background
        assert self.statistics is None, "the archive's comparison is given its background"
        rows = background_rows([p.key for p in self.profiles], self.excluded.groups.tolist(), self.ids)
        sample = _without(self.excluded.background_long, [self.profiles[r].long for r in rows])
        return background(sample, self.options.common_min_submissions)

    # Each submission's own long k-grams (plain and pruned) and their counts, as arrays: what
    # ``check``'s matrices are made of. The archive's check reads them for its upload and the
    # background's sample alone; its candidates are counted by ``one_against``.

    @cached_property
    def longs(self) -> list[np.ndarray]:
        return own_long(self.profiles, self.excluded)

    @cached_property
    def pruned(self) -> list[np.ndarray]:
        return own_pruned(self.profiles, self.excluded) if self.has_pruned else self.longs

    @cached_property
    def long_sizes(self) -> np.ndarray:
        return np.array([len(x) for x in self.longs], dtype=np.float64)

    @cached_property
    def pruned_sizes(self) -> np.ndarray:
        return np.array([len(x) for x in self.pruned], dtype=np.float64)

    # -- which pairs ------------------------------------------------------------------------

    def all_pairs(self) -> PairFeatures:
        """The features of every pair (i < j) that shares a bag feature or a long k-gram,
        sorted, read off sparse products over the whole population (a third for the pairs'
        pruned streams, when the population has any)."""
        return _joined(list(self._blocks()))

    def pairs_reaching(self, min_similarity: float) -> PairFeatures:
        """The features of the pairs (i < j) whose reported similarity reaches
        ``min_similarity`` (and is above 0: those ``score`` lists), sorted.

        The same pairs as ``all_pairs`` cut by ``score``, but each block of rows is cut as soon
        as its products are read, so memory holds one block's products and the pairs kept,
        never the products of every pair: on a cohort of one task nearly every pair shares a
        bag feature (2,000 students: two million pairs, half of them reaching the default
        floor). A product's entry is a sum over the row's features in their order, the same in
        a block as in the whole product, so the pairs and their features are exactly those.
        """
        kept = []
        for block in self._blocks():
            reaching = np.flatnonzero(self.reported(block, min_similarity))
            kept.append(PairFeatures(block.i[reaching], block.j[reaching], block.values[reaching],
                                     block.code_share[reaching]))
        return _joined(kept)

    def _blocks(self) -> Iterator[PairFeatures]:
        """The features of the pairs that share anything, a block of rows at a time
        (``cohort.upper_products``)."""
        matrices = [self.vectors, self.long_matrix]
        if self.has_pruned:
            matrices.append(self.pruned_matrix)
        # The TF-IDF rows' sums stay in SciPy's order (the archive sums them as it does); the
        # k-gram counts are whole numbers.
        for start, products in upper_products(matrices, binary=[False] + [True] * (len(matrices) - 1)):
            rows, cols = np.nonzero(np.logical_or.reduce([p > 0 for p in products]))
            values = [p[rows, cols] for p in products]
            i, j = start + rows, start + cols
            yield self._features(i, j, values[0], self.bag_norms[i], self.bag_norms[j], values[1], values[-1],
                                 *self._sizes(i, j))

    def mark(self, indices: Iterable[int]) -> None:
        """Mark starter and common code on the units of these submissions (``Unit.excluded``
        and the others), once each: what alignment and template lines read."""
        todo = sorted(set(indices) - self._marked)
        if self._fetch is not None:
            self._fetch(todo)
        mark_excluded([self.units[i] for i in todo], self.excluded)
        self._marked.update(todo)

    @cached_property
    def bags(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each submission's own bag features and their counts (``own_bags``)."""
        return own_bags(self.profiles, self.excluded)

    @cached_property
    def _tfidf(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        return tfidf_vectors(self.bags, self.excluded.groups, self.statistics)

    @property
    def vectors(self) -> sparse.csr_matrix:
        """The TF-IDF rows of the population (``tfidf_vectors``)."""
        return self._tfidf[0]

    @property
    def bag_norms(self) -> np.ndarray:
        """Each row's TF-IDF norm before it was normed."""
        return self._tfidf[1]

    @cached_property
    def long_matrix(self) -> sparse.csr_matrix:
        return incidence(self.longs)[0]

    @cached_property
    def pruned_matrix(self) -> sparse.csr_matrix:
        return incidence(self.pruned)[0] if self.has_pruned else self.long_matrix

    def pair_features(self, i: np.ndarray, j: np.ndarray) -> PairFeatures:
        """The features of the given pairs, from the population's matrices (the archive's one
        upload against its candidates: ``one_against``)."""
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        shared = _row_dots(self.long_matrix, i, j)
        shared_pruned = _row_dots(self.pruned_matrix, i, j) if self.has_pruned else shared
        return self._features(i, j, _row_dots(self.vectors, i, j), self.bag_norms[i], self.bag_norms[j],
                              shared, shared_pruned, *self._sizes(i, j))

    def _sizes(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.long_sizes[i], self.long_sizes[j], self.pruned_sizes[i], self.pruned_sizes[j]

    def one_against(self, a: int, others: np.ndarray, reaching: float = 0.0) -> PairFeatures:
        """The features of the pairs (a, j) for each j of ``others``, with the document
        frequencies of the statistics: the archive's check, one upload against its candidates.
        With ``reaching``, only the pairs whose similarity can reach it (as reported, rounded)
        by their long k-grams, the cosine at its best (``may_reach``): their cosines are not
        computed.

        The numbers are bit for bit those of ``pair_features`` over the population's matrices
        (``tests/unit/test_score.py``), without forming them, nor the candidates' own arrays
        (``one_against.py``): at 20,000 archived entries a check scores thousands of
        candidates, and the matrices' columns (every distinct feature of every candidate) took
        over half of its time (docs/benchmarks.md, "Archive check as the archive grows"). Each
        row's TF-IDF weights are computed as ``tfidf_vectors`` computes them, and every sum is
        taken in the order the sparse products take it: a row's squares and a pair's products
        in ascending feature order, by ``np.add.reduceat`` as SciPy sums a row.
        """
        assert self.statistics is not None
        others = np.asarray(others, dtype=np.int64)
        candidates = [self.profiles[j] for j in others.tolist()]
        # The statistics' exclusions always have a pruned set of their own (``exclusions_from``).
        mine_long = own_long([self.profiles[a]], self.excluded)[0]
        mine_pruned = own_pruned([self.profiles[a]], self.excluded)[0]
        counts = kgram_counts(mine_long, mine_pruned, self.excluded, candidates)
        if reaching > 0:
            kept = self.may_reach(a, others, counts, len(mine_long), len(mine_pruned), reaching)
            others, candidates, counts = others[kept], [candidates[k] for k in kept.tolist()], counts.taken(kept)
        cosines, norms = self._cosines(a, candidates)
        n = len(others)
        return self._features(np.full(n, a, dtype=np.int64), others, cosines, np.full(n, norms[0]), norms[1:],
                              counts.shared, counts.shared_pruned, np.full(n, float(len(mine_long))),
                              counts.long_sizes, np.full(n, float(len(mine_pruned))), counts.pruned_sizes)

    def may_reach(self, a: int, others: np.ndarray, counts: KgramCounts, mine_long: int, mine_pruned: int,
                  reaching: float) -> np.ndarray:
        """The positions in ``others`` of the pairs (a, j) whose similarity, as reported, can
        reach ``reaching``: scored with their long k-grams' features and the bag's at their best
        (cosine and projection 1), which no weight of the model lowers, so that no pair it drops
        would have reached it. The archive's candidate test asks much the same of a sample of the
        k-grams, leniently and for 0.3 (``archive/postings.py``); at the reporting floor, exactly,
        this leaves 18-45% of the candidates of the real code sets, whose cosines alone are
        computed (docs/benchmarks.md, "Candidate index")."""
        n = len(others)
        if min(self.model.code.weights + self.model.prose.weights) < 0:  # not one ``calibration.fit`` made
            return np.arange(n)
        unknown = np.zeros(n)
        features = at_best(self._features(np.full(n, a, dtype=np.int64), others, unknown, unknown, unknown,
                                          counts.shared, counts.shared_pruned, np.full(n, float(mine_long)),
                                          counts.long_sizes, np.full(n, float(mine_pruned)), counts.pruned_sizes))
        bound = np.round(self.model.similarity(features.values, features.code_share, self.background), DIGITS)
        return np.flatnonzero((bound >= reaching) & self.model.has_evidence(features.values, features.code_share))

    def _cosines(self, a: int, others: list[Profile]) -> tuple[np.ndarray, np.ndarray]:
        """The cosine of row a's TF-IDF vector with each of ``others``' (see ``one_against``),
        and the norms of row a and the others before they were normed."""
        assert self.statistics is not None
        mine, theirs = (own_bag_rows(rows, self.excluded.bag, self.statistics)
                        for rows in ([self.profiles[a]], others))
        features = np.concatenate([mine.features, theirs.features])
        at = np.concatenate([mine.at, theirs.at])
        counts = np.concatenate([mine.counts, theirs.counts])
        # Each weight as ``tfidf_vectors`` makes it, element by element: the idf of each row of
        # the space and the tf of each count computed once, not once per occurrence (a
        # candidate's features are mostly the task's, which thousands of candidates hold).
        space, space_counts = self.statistics.bag
        idf = np.append(inverse_frequencies(space, space_counts, self.statistics.groups), 0.0)[at]
        outside = np.flatnonzero(at < 0)  # held by no counted entry
        idf[outside] = inverse_frequencies(features[outside], np.zeros(len(outside)), self.statistics.groups)
        tf = 1.0 + np.log(np.arange(1, int(counts.max(initial=1)) + 1, dtype=np.float64))
        weights = tf[counts - 1] * idf
        sizes = np.concatenate([mine.sizes, theirs.sizes])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        norms = np.zeros(len(sizes), dtype=np.float64)
        filled = sizes > 0
        if filled.any():
            norms[filled] = np.sqrt(np.add.reduceat(weights * weights, starts[filled]))
        scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        scaled = weights * np.repeat(scale, sizes)
        # Row a's weight of each feature of the others, where it holds the feature: by the
        # features' rows in the statistics' space, which counts every feature of the population.
        mine_scaled = scaled[: len(mine.features)]
        inside = np.flatnonzero(mine.at >= 0)
        mine_at = np.full(len(space) + 1, -1, dtype=np.intp)  # the last: no row
        mine_at[mine.at[inside]] = inside
        at = mine_at[theirs.at]
        outside = np.flatnonzero(theirs.at < 0)
        at[outside] = positions(mine.features, theirs.features[outside])
        held = at >= 0
        products = mine_scaled[at[held]] * scaled[len(mine.features):][held]
        # Each pair's products in ascending feature order: each row's features are sorted.
        row_of = np.repeat(np.arange(len(others)), theirs.sizes)[held]
        cosines = np.zeros(len(others), dtype=np.float64)
        if len(products):
            firsts = np.flatnonzero(np.r_[True, row_of[1:] != row_of[:-1]])
            cosines[row_of[firsts]] = np.add.reduceat(products, firsts)
        return cosines, norms

    # -- features and scores ----------------------------------------------------------------

    def _features(self, i: np.ndarray, j: np.ndarray, cosine: np.ndarray, norms_i: np.ndarray,
                  norms_j: np.ndarray, shared: np.ndarray, shared_pruned: np.ndarray, long_i: np.ndarray,
                  long_j: np.ndarray, pruned_i: np.ndarray, pruned_j: np.ndarray) -> PairFeatures:
        """A pair's features from its shared counts and each side's own counts (``long_i``:
        side i's own long k-grams, ``pruned_i`` its own pruned ones, ...)."""
        contained_i = shared / np.maximum(long_i, 1.0)
        contained_j = shared / np.maximum(long_j, 1.0)
        cosine = np.minimum(cosine, 1.0)
        larger = np.maximum(contained_i, contained_j)
        # Pruning only ever counts where it brings a pair closer: the larger of the two.
        pruned = np.maximum(shared_pruned / np.maximum(pruned_i, 1.0),
                            shared_pruned / np.maximum(pruned_j, 1.0))
        values = np.column_stack([cosine, larger, np.minimum(contained_i, contained_j), cosine * larger,
                                  np.maximum(larger, pruned), bag_projection(cosine, norms_i, norms_j)])
        total = self.all_tokens[i] + self.all_tokens[j]
        share = np.divide(self.code_tokens[i] + self.code_tokens[j], total,
                          out=np.ones_like(total), where=total > 0)
        return PairFeatures(i, j, values, share)

    def similarities(self, features: PairFeatures) -> np.ndarray:
        """The calibrated similarity of each pair; 0.0 for a pair without evidence (nothing the
        model weighs is shared), which is never listed."""
        similarity = self.model.similarity(features.values, features.code_share, self.background)
        return np.where(self.model.has_evidence(features.values, features.code_share), similarity, 0.0)

    def reported(self, features: PairFeatures, min_similarity: float,
                 similarity: np.ndarray | None = None) -> np.ndarray:
        """Which pairs are listed at ``min_similarity``: those whose similarity as reported
        (rounded) reaches it and is above 0. ``similarity``: that rounded similarity, when the
        caller has it."""
        if similarity is None:
            similarity = np.round(self.similarities(features), DIGITS)
        return (similarity > 0) & (similarity >= min_similarity)

    def score(self, features: PairFeatures, min_similarity: float,
              progress: Callable[[int, int], None] | None = None, workers: int = 1,
              budget: int | None = None) -> Pairs:
        """The pairs whose similarity reaches ``min_similarity``, in report order, every number
        rounded as reported; those from ``ALIGN_FROM`` up aligned, on ``workers`` processes when
        there are enough of them, within ``budget`` alignments (``ALIGNED_PER_SUBMISSION`` per
        submission of the population unless given).

        ``min_similarity`` is compared with the similarity as reported (rounded), so a pair is
        listed exactly when its reported score reaches the threshold. ``progress(done, total)``
        follows the alignments, the costly part.
        """
        similarity = np.round(self.similarities(features), DIGITS)
        kept = np.flatnonzero(self.reported(features, min_similarity, similarity))
        # Report order (strongest first, then by ids), read off arrays: at --min-similarity 0 a
        # dense cohort lists millions of pairs. The alignment budget goes to the likeliest
        # copies first.
        kept = kept[np.lexsort((self.id_rank[features.j[kept]], self.id_rank[features.i[kept]],
                                -similarity[kept]))]
        strong = int(np.count_nonzero(similarity[kept] >= ALIGN_FROM))  # a prefix, in this order
        i, j = features.i[kept], features.j[kept]
        placed, found = self._align_all(i[:strong], j[:strong], progress, workers, budget)
        results = [PairResult(result.a, result.b, value, rounded(result.a_share), rounded(result.b_share),
                              result.fragments)
                   for result, value in zip(found, similarity[kept[placed]].tolist())]
        # The rest carry their score alone (those past the alignment budget too): kept as
        # columns, made into results when read.
        rest = np.setdiff1d(np.arange(len(kept)), placed, assume_unique=True)
        return Pairs(results, self.ids, i[rest], j[rest], similarity[kept[rest]], placed=placed.tolist())

    def _align_all(self, i: np.ndarray, j: np.ndarray, progress: Callable[[int, int], None] | None,
                   workers: int, budget: int | None = None) -> tuple[np.ndarray, list[PairResult]]:
        """``match.align`` of the pairs (i[k], j[k]), in order, within the budget; forked
        workers share the prints. The positions of the pairs aligned (ascending) and their
        results, under their own ids; a pair past the budget or without a result has none.

        Submissions with the same content (files, tokens and exclusions) align alike, so a pair
        is aligned once per pair of contents: thirty copies of one leaked solution cost one
        alignment, not 435. Read off arrays: on a cohort of one task, 200,000 pairs of 2,000
        students reach the alignment threshold, most of them past the budget.
        """
        contents = self.content_ids
        keys = contents[i] * np.int64(max(1, int(contents.max(initial=0)) + 1)) + contents[j]
        firsts = np.sort(np.unique(keys, return_index=True)[1])
        # The budget counts alignments actually made; pairs past it keep their score alone.
        distinct = firsts[: ALIGNED_PER_SUBMISSION * len(self.ids) if budget is None else budget]
        pairs = list(zip(i[distinct].tolist(), j[distinct].tolist()))
        aligned = sorted({k for pair in pairs for k in pair})
        self.mark(aligned)
        for index in aligned:
            self.prints(index)  # built once, before any fork, so the children share them
        # One submission against all its partners at once (``match.alignments``), grouped by
        # the first of each pair in the order the pairs come.
        groups: dict[int, list[int]] = {}
        for a, b in pairs:
            groups.setdefault(a, []).append(b)
        batches = list(groups.items())
        found: dict[tuple[int, int], PairResult | None] = {}
        spans: dict[tuple[str, int, int], Span] = {}
        done = 0

        def take(a: int, partners: list[int], results: list[Alignment | None]) -> None:
            nonlocal done
            for b, result in zip(partners, results):
                found[(a, b)] = None if result is None else result.result(self.ids[a], self.ids[b], spans)
            done += len(partners)
            if progress is not None:
                progress(done, len(pairs))

        if workers > 1 and len(pairs) >= PARALLEL_MIN_PAIRS and "fork" in mp.get_all_start_methods():
            global _FORKED
            _FORKED = self
            try:
                with mp.get_context("fork").Pool(workers) as pool:
                    # Each result built here, once, from the plain values a process sent.
                    for (a, partners), results in zip(batches, pool.imap(_align_forked, batches)):
                        take(a, partners, results)
            finally:
                _FORKED = None
        else:
            for a, partners in batches:
                take(a, partners, alignments(self.prints(a), [self.prints(b) for b in partners], self.options))
        # Every pair whose contents were aligned with a result takes it, under its own ids.
        by_key = {key: found[pair] for key, pair in zip(keys[distinct].tolist(), pairs) if found[pair] is not None}
        placed = np.flatnonzero(np.isin(keys, np.array(sorted(by_key), dtype=np.int64)))
        return placed, [_renamed(by_key[key], self.ids[a], self.ids[b])
                        for key, a, b in zip(keys[placed].tolist(), i[placed].tolist(), j[placed].tolist())]

    @cached_property
    def content_ids(self) -> np.ndarray:
        """A number per submission, the same for submissions of the same content
        (``content_key``)."""
        numbers: dict[bytes, int] = {}
        return np.array([numbers.setdefault(self.content_key(k), len(numbers)) for k in range(len(self.ids))],
                        dtype=np.int64)

    def content_key(self, index: int) -> bytes:
        """A digest of what alignment reads of a submission (``profile.content_key``)."""
        return self.profiles[index].key

    def prints(self, index: int) -> SubmissionPrints:
        found = self._prints.get(index)
        if found is None:
            self.mark([index])
            found = SubmissionPrints.build(self.ids[index], self.units[index],
                                           self.options.min_document_tokens)
            self._prints[index] = found
        return found


# The comparison whose pairs forked workers align (set only while a pool runs).
_FORKED: Comparison | None = None


def _align_forked(batch: tuple[int, list[int]]) -> list[Alignment | None]:
    assert _FORKED is not None
    a, partners = batch
    return alignments(_FORKED.prints(a), [_FORKED.prints(b) for b in partners], _FORKED.options)


def _renamed(found: PairResult, a: str, b: str) -> PairResult:
    """An alignment made for another pair of the same contents, under this pair's ids."""
    if (found.a, found.b) == (a, b):
        return found
    return PairResult(a, b, found.similarity, found.a_share, found.b_share, found.fragments)


def _joined(parts: list[PairFeatures]) -> PairFeatures:
    """Blocks of pairs as one, in their order."""
    if not parts:
        return PairFeatures(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                            np.zeros((0, len(FEATURES))), np.zeros(0))
    if len(parts) == 1:
        return parts[0]
    return PairFeatures(np.concatenate([p.i for p in parts]), np.concatenate([p.j for p in parts]),
                        np.concatenate([p.values for p in parts]), np.concatenate([p.code_share for p in parts]))


def _row_dots(matrix: sparse.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The dot product of rows i[k] and j[k] for every k, in chunks to bound memory."""
    out = np.zeros(len(i), dtype=np.float64)
    for start in range(0, len(i), ROW_CHUNK):
        end = start + ROW_CHUNK
        out[start:end] = np.asarray(matrix[i[start:end]].multiply(matrix[j[start:end]]).sum(axis=1)).ravel()
    return out
