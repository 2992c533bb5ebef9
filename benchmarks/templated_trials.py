"""Trials for tiny templated exercises: a literal feature and denser common code, held out.

    .venv/bin/python benchmarks/calibrate.py               # lays out the real sets (once)
    .venv/bin/python benchmarks/run.py detection --datasets templated_java --tools originality
    .venv/bin/python benchmarks/templated_trials.py        # ~15 s a setting
    .venv/bin/python benchmarks/templated_trials.py --common 5,0.5 --common 10,0.25
    .venv/bin/python benchmarks/templated_trials.py --normalizations loops,compound,constants
    .venv/bin/python benchmarks/templated_trials.py --pruned-extra branches,constants
    .venv/bin/python benchmarks/templated_trials.py --kgram 8 --trials shipped
    .venv/bin/python benchmarks/templated_trials.py --bag 4 --trials shipped
    .venv/bin/python benchmarks/templated_trials.py --short 8 --trials shipped

No real labelled set holds tiny templated exercises (a few dozen lines around a starter
skeleton), so the generated ``templated_java`` stands in, and says so in docs/benchmarks.md.
For each common-code setting (``--common MIN,FRACTION``: ``MatchOptions.common_min_submissions``
and ``common_fraction``), the three real code sets and templated_java's six exercises are
loaded as ``check`` loads them; each trial (code features) is fitted as ``calibration.fit``
fits the code part and printed:

- held out on the real sets (each fitted on the other two), then ``templated_java`` scored by
  the model fitted on the three real sets (not fitted on generated data), its unrelated pairs
  from 0.5 and copies under it, the pooled obfuscation ROC-AUC and errors at 0.5;
- then with templated_java in the fit as a fourth set: the real sets held out again, and
  templated_java leaving one exercise out at a time.

``literal_cosine``: the cosine of the pairs' runs of two consecutive literals alone (the bag's
features tagged ``units.LITERAL_RUN_TAG``: test data and messages in their order), sublinear tf
times smoothed idf over the cohort. An experiment, not the engine.

``--pruned-extra``: normalizations the pruned stream (``units.Unit.pruned``, read by
``pruned_containment_max``, which counts only where it brings a pair closer) takes beside
``syntax.PRUNING``, the plain stream unchanged: a disguise measured without it, as dead code
is; done here by replacing ``syntax.tokenize_pruned`` for the run.

``short_above`` (``--short K``): ``containment_max`` over runs of K tokens, above its own
background; ``tiny200_short`` the same (at least 0) fading to 0 where the smaller side holds 200
own long k-grams.

``tinyN_cosine``: ``cosine_above`` (at least 0) where the smaller side holds few own long
k-grams, fading to 0 at N: on a tiny program the long runs break first.

``pruned_above``: ``pruned_containment_max`` less the background too (the shipped model reads
``containment_max`` alone above it); ``every_above``: every containment feature less it
(``min_above``, and ``cxc_above``, the cosine times ``containment_max`` less it).

``comment_overlap``: the smaller side's share of its comment lines (three words or more,
lower-cased) found in the other, each weighed by its idf over the cohort, as ``name_overlap``
weighs names; ``comment_x_containment``: its product with ``containment_max``.

``cosine_above``: the bag cosine less its median over the pairs of the background sample
(``cosine_background``), and its product (at least 0) with ``containment_max``.

``soft_half``, ``soft_all``: ``containment_max`` with common code weighed instead of cut
(``soft_containment``), as it is and above its own background (``_above``).

``excess_*``, ``median_excess_*``, ``*group_median_excess``, ``density_excess``: a pair's
feature less each side's baseline over the rest of its cohort (mean, median, median over the
independent groups, optionally with values under the candidate floor as 0), a score that knows
how dense its cohort is. ``project_*``: ``containment_max`` less one baseline for the whole
cohort (a statistic over its pairs of independent groups), and ``sample*``: the median over the
pairs of a sample of groups drawn by content key, what the engine ships at 256
(``score.background``; the shipped trial reads it, the others the containment as it is, as they
were measured); ``sample_scaled``: the same in units of the sample's spread (90th percentile less
median).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import sparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
from originality.calibrate import read_labels, roc_auc  # noqa: E402
from originality.calibration import FEATURES, fit_weights  # noqa: E402
from originality.check import SubmissionStatus, load_starter, load_submission, submission_id  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.options import CheckOptions, MatchOptions  # noqa: E402
from originality.archive.postings import containment_floor  # noqa: E402
from originality.calibration import DEFAULT_MODEL  # noqa: E402
from originality.score import ALIGN_FROM, Comparison, PairFeatures, background_rows  # noqa: E402
from originality import syntax  # noqa: E402
from originality.units import is_literal_run  # noqa: E402

REAL = ("java-pairs", "obfuscation-Progpedia19", "obfuscation-z5z1")
# The shipped code features: ``containment_max`` read above the population's background
# (``score.background``), as ``calibration.Model`` reads it.
SHIPPED = ["above_background", "containment_min", "cosine_x_containment", "pruned_containment_max"]
BEFORE = ["containment_max", "containment_min", "cosine_x_containment", "pruned_containment_max"]
TRIALS = {"shipped": SHIPPED, "before the background (containment_max as it is)": BEFORE,
          "+ literal_cosine": BEFORE + ["literal_cosine"],
          "+ literal_cosine x containment_max": BEFORE + ["literal_x_containment"],
          "+ literal_cosine, cosine": BEFORE + ["literal_cosine", "cosine"],
          "+ rare_containment": BEFORE + ["rare_containment"],
          "rare_containment for containment_max": ["rare_containment", "containment_min", "cosine_x_containment",
                                                   "pruned_containment_max"],
          "+ rare_containment, literal_cosine": BEFORE + ["rare_containment", "literal_cosine"],
          "+ name_overlap": BEFORE + ["name_overlap"],
          "+ name_overlap x containment_max": BEFORE + ["name_x_containment"],
          "+ excess_containment": BEFORE + ["excess_containment"],
          "excess_containment for containment_max": ["excess_containment", "containment_min",
                                                     "cosine_x_containment", "pruned_containment_max"],
          "+ excess_containment, excess_cosine": BEFORE + ["excess_containment", "excess_cosine"],
          "+ median_excess_containment": BEFORE + ["median_excess_containment"],
          "median_excess_containment for containment_max": ["median_excess_containment", "containment_min",
                                                            "cosine_x_containment", "pruned_containment_max"],
          "+ median_excess_containment, median_excess_cosine": BEFORE + ["median_excess_containment",
                                                                          "median_excess_cosine"],
          "+ density_excess": BEFORE + ["density_excess"],
          "density_excess for containment_max": ["density_excess", "containment_min", "cosine_x_containment",
                                                 "pruned_containment_max"],
          "floored_median_excess for containment_max": ["floored_median_excess", "containment_min",
                                                        "cosine_x_containment", "pruned_containment_max"],
          "group_median_excess for containment_max": ["group_median_excess", "containment_min",
                                                      "cosine_x_containment", "pruned_containment_max"],
          "floored_group_median_excess for containment_max": ["floored_group_median_excess", "containment_min",
                                                              "cosine_x_containment", "pruned_containment_max"]}
for _reach in ("half", "all"):
    TRIALS[f"soft_{_reach} for containment_max"] = [f"soft_{_reach}", "containment_min", "cosine_x_containment",
                                                   "pruned_containment_max"]
    TRIALS[f"soft_{_reach} above its background for containment_max"] = [
        f"soft_{_reach}_above", "containment_min", "cosine_x_containment", "pruned_containment_max"]
TRIALS["pruned_above for pruned_containment_max"] = ["above_background", "containment_min", "cosine_x_containment",
                                                    "pruned_above"]
TRIALS["every_above: each containment above the background"] = ["above_background", "min_above", "cxc_above",
                                                                 "pruned_above"]
TRIALS["shipped + comment_overlap"] = SHIPPED + ["comment_overlap"]
TRIALS["shipped + comment_x_containment"] = SHIPPED + ["comment_x_containment"]
TRIALS["shipped + cosine_above"] = SHIPPED + ["cosine_above"]
TRIALS["shipped + short_above"] = SHIPPED + ["short_above"]
TRIALS["shipped + tiny200_short"] = SHIPPED + ["tiny200_short"]
for _size in (100, 200, 400):
    TRIALS[f"shipped + tiny{_size}_cosine"] = SHIPPED + [f"tiny{_size}_cosine"]
TRIALS["shipped + cosine_above_x_containment"] = SHIPPED + ["cosine_above_x_containment"]
TRIALS["sample_scaled for containment_max"] = ["sample_scaled", "containment_min", "cosine_x_containment",
                                               "pruned_containment_max"]
TRIALS["shipped + sample_scaled"] = SHIPPED + ["sample_scaled"]
for _k in (32, 64, 128, 256):
    TRIALS[f"sample{_k} for containment_max"] = [f"sample{_k}", "containment_min", "cosine_x_containment",
                                                 "pruned_containment_max"]
for _stat in ("median", "mean", "q75", "q90", "gmedian", "gq75", "gq90"):
    TRIALS[f"project_{_stat} for containment_max"] = [f"project_{_stat}", "containment_min", "cosine_x_containment",
                                                      "pruned_containment_max"]
    TRIALS[f"+ project_{_stat}"] = BEFORE + [f"project_{_stat}"]


@dataclass
class Pairs:
    columns: dict[str, np.ndarray]
    code_share: np.ndarray
    labels: np.ndarray
    groups: list[str]  # "set/kind" as ``calibration.fit`` weighs them
    fitted: np.ndarray
    part: np.ndarray  # the exercise of a templated_java pair

    def take(self, rows: np.ndarray, name: str) -> Pairs:
        return Pairs({k: v[rows] for k, v in self.columns.items()}, self.code_share[rows], self.labels[rows],
                     [f"{name}/{g.split('/', 1)[1]}" for g, r in zip(self.groups, rows) if r],
                     self.fitted[rows], self.part[rows])


def literal_cosine(bags: list[tuple[np.ndarray, np.ndarray]], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    per_row = [(f[is_literal_run(f)], c[is_literal_run(f)]) for f, c in bags]
    values = np.unique(np.concatenate([f for f, _ in per_row]))
    rows = np.concatenate([np.full(len(f), r) for r, (f, _) in enumerate(per_row)])
    columns = np.concatenate([np.searchsorted(values, f) for f, _ in per_row])
    tf = np.concatenate([1.0 + np.log(c) for _, c in per_row])
    idf = np.log((1.0 + len(bags)) / (1.0 + np.bincount(columns, minlength=len(values)))) + 1.0
    matrix = sparse.csr_matrix((tf * idf[columns], (rows, columns)), shape=(len(bags), max(1, len(values))))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix
    return np.asarray(matrix[i].multiply(matrix[j]).sum(axis=1)).ravel()


def excess(comparison: Comparison, every: PairFeatures, pairs: PairFeatures, feature: str,
           statistic: str = "mean", floor: float = 0.0) -> np.ndarray:
    """A pair's feature less the mean of its two sides' baselines: how much closer the two are
    than their class is dense. A side's baseline is its feature with the rest of the cohort (0
    for those sharing nothing, and for values under ``floor``), summed up by ``statistic``: the
    "mean" or "median" over every other submission, or the "group median" over the other
    independent groups, each group's value its closest member's. On a tiny exercise independent
    work shares methods, and a shared k-gram is weaker evidence than on a long program.
    ``every``: the features of all the cohort's pairs (``Comparison.all_pairs``); ``pairs``: those
    of the pairs scored."""
    value = every.values[:, FEATURES.index(feature)]
    value = np.where(value >= floor, value, 0.0)  # ``floor``: values under it count as 0
    n = len(comparison.ids)
    if statistic == "mean":
        totals = np.bincount(every.i, value, minlength=n) + np.bincount(every.j, value, minlength=n)
        baseline = totals / max(1, n - 1)
    elif statistic == "group median":  # over the other independent groups, each its closest member
        groups = comparison.excluded.groups
        count = int(groups.max()) + 1 if len(groups) else 0
        sides = np.concatenate([every.i, every.j])
        others = groups[np.concatenate([every.j, every.i])]
        values = np.concatenate([value, value])
        keep = others != groups[sides]
        key = sides[keep].astype(np.int64) * count + others[keep]
        order = np.lexsort((-values[keep], key))
        first = np.r_[True, key[order][1:] != key[order][:-1]][: len(key)]  # none when no pair is kept
        side_of, best = key[order][first] // count, values[keep][order][first]
        bounds = np.searchsorted(side_of, np.arange(n + 1))
        baseline = np.array([np.median(np.concatenate([best[bounds[k]:bounds[k + 1]],
                                                       np.zeros(max(0, count - 1 - (bounds[k + 1] - bounds[k])))]))
                             if count > 1 else 0.0 for k in range(n)])
    else:  # the median over the others, those sharing nothing at 0: a cluster under half the class weighs nothing
        sides = np.concatenate([every.i, every.j])
        values = np.concatenate([value, value])
        order = np.argsort(sides, kind="stable")
        bounds = np.searchsorted(sides[order], np.arange(n + 1))
        baseline = np.array([np.median(np.concatenate([values[order[bounds[k]:bounds[k + 1]]],
                                                       np.zeros(n - 1 - (bounds[k + 1] - bounds[k]))]))
                             for k in range(n)])
    return pairs.values[:, FEATURES.index(feature)] - (baseline[pairs.i] + baseline[pairs.j]) / 2.0


def project_excess(comparison: Comparison, every: PairFeatures, pairs: PairFeatures, statistic: str) -> np.ndarray:
    """``containment_max`` less one baseline for the whole cohort: a statistic of it over every
    pair of two different independent groups (``g`` prefix: each pair of groups once, its closest
    members), pairs sharing nothing at 0."""
    value = every.values[:, FEATURES.index("containment_max")]
    groups = comparison.excluded.groups
    count = int(groups.max()) + 1 if len(groups) else 0
    a, b = groups[every.i], groups[every.j]
    keep = a != b
    if statistic.startswith("g"):
        lo, hi = np.minimum(a, b)[keep].astype(np.int64), np.maximum(a, b)[keep].astype(np.int64)
        key = lo * count + hi
        order = np.lexsort((-value[keep], key))
        first = np.r_[True, key[order][1:] != key[order][:-1]][: len(key)]
        values = value[keep][order][first]
        total = count * (count - 1) // 2
        statistic = statistic[1:]
    else:
        values = value[keep]
        n = len(groups)
        same = np.bincount(groups, minlength=count)
        total = n * (n - 1) // 2 - int((same * (same - 1) // 2).sum())
    padded = np.concatenate([values, np.zeros(max(0, total - len(values)))])
    baseline = {"median": np.median, "mean": np.mean, "q75": lambda x: np.quantile(x, 0.75),
                "q90": lambda x: np.quantile(x, 0.9)}[statistic](padded) if len(padded) else 0.0
    print(f"  project baseline {statistic}: {baseline:.4f} over {total} pairs", file=sys.stderr)
    return pairs.values[:, FEATURES.index("containment_max")] - baseline


def sample_rows(comparison: Comparison) -> np.ndarray:
    """The rows of the engine's background sample (``score.background_rows``: one submission a
    group, by content key)."""
    return np.array(background_rows([p.key for p in comparison.profiles], comparison.excluded.groups.tolist(),
                                    comparison.ids))


def sample_feature(comparison: Comparison, feature: str, k: int | None = None) -> np.ndarray:
    """A feature over the pairs of the background sample, cut to its first k groups."""
    rows = sample_rows(comparison)[:k]
    a, b = np.triu_indices(len(rows), 1)
    return comparison.pair_features(rows[a], rows[b]).values[:, FEATURES.index(feature)]


def sample_containments(comparison: Comparison, k: int) -> np.ndarray:
    """``containment_max`` over the pairs of the background sample cut to its first k groups."""
    return sample_feature(comparison, "containment_max", k)


def sample_excess(comparison: Comparison, pairs: PairFeatures, k: int) -> np.ndarray:
    """``containment_max`` less the median of it over the pairs of a sample of k groups."""
    values = sample_containments(comparison, k)
    baseline = float(np.median(values)) if len(values) else 0.0
    print(f"  sample{k} baseline {baseline:.4f} over {len(values)} pairs", file=sys.stderr)
    return pairs.values[:, FEATURES.index("containment_max")] - baseline


def sample_scaled(comparison: Comparison, pairs: PairFeatures, k: int = 256) -> np.ndarray:
    """``containment_max`` above the background (the median of it over the pairs of the
    sample) in units of the sample's spread above it (its 90th percentile less its median): how
    far out of its population's independent work a pair is, on a dense task as on an open one."""
    values = sample_containments(comparison, k)
    median, q90 = (float(np.median(values)), float(np.quantile(values, 0.9))) if len(values) else (0.0, 0.0)
    print(f"  sample spread: median {median:.4f}, q90 {q90:.4f}", file=sys.stderr)
    return (pairs.values[:, FEATURES.index("containment_max")] - median) / max(q90 - median, 0.01)


def density_excess(comparison: Comparison, pairs: PairFeatures) -> np.ndarray:
    """``containment_max`` less the two sides' density: the share of the other independent
    groups that hold each of a side's own long k-grams, averaged over them (the mean
    containment of its k-grams in another group). It needs only how many groups hold each
    k-gram, which the archive's running statistics keep, not every pair of the cohort."""
    groups = comparison.excluded.groups
    count = int(groups.max()) + 1 if len(groups) else 0
    held_by = np.unique(np.column_stack([np.concatenate(comparison.longs).view(np.int64),
                                         np.repeat(groups, [len(x) for x in comparison.longs])]), axis=0)
    features, held = np.unique(held_by[:, 0], return_counts=True)
    density = np.array([((held[np.searchsorted(features, x.view(np.int64))] - 1).mean() / max(1, count - 1))
                        if len(x) else 0.0 for x in comparison.longs])
    return pairs.values[:, FEATURES.index("containment_max")] - (density[pairs.i] + density[pairs.j]) / 2.0


def soft_containment(comparison: Comparison, base_units: list, i: np.ndarray, j: np.ndarray,
                     reach: float) -> tuple[np.ndarray, float]:
    """``containment_max`` with common code weighed instead of cut: the starter code left out,
    each long k-gram weighs 1 - (the share of the independent groups holding it) / ``reach``, at
    least 0 (``reach`` 0.5: nothing from half of the groups on, as common code; 1: nothing only
    where every group holds it), all 1 under ``common_min_submissions`` groups. A k-gram near the
    share does not flip between counting wholly and not at all as a population grows. Returns
    the pairs' values and their background (the median over the pairs of the engine's sample)."""
    from originality.cohort import unique_hashes

    starter = unique_hashes(base_units)
    longs = [p.long[~np.isin(p.long, starter)] for p in comparison.profiles]
    groups = comparison.excluded.groups
    count = len(np.unique(groups))
    values = np.concatenate(longs)
    rows = np.repeat(np.arange(len(longs)), [len(x) for x in longs])
    held = np.unique(np.column_stack([values, groups[rows].astype(np.uint64)]), axis=0)
    features, df = np.unique(held[:, 0], return_counts=True)
    weight = (np.ones(len(features)) if count < comparison.options.common_min_submissions
              else np.clip(1.0 - df / (reach * count), 0.0, 1.0))
    matrix = sparse.csr_matrix((np.ones(len(values)), (rows, np.searchsorted(features, values))),
                               shape=(len(longs), max(1, len(features))))
    sizes = matrix @ weight

    def of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        shared = np.asarray(matrix[a].multiply(matrix[b]) @ weight).ravel()
        smaller = np.maximum(np.minimum(sizes[a], sizes[b]), 1e-12)
        larger = np.maximum(np.maximum(sizes[a], sizes[b]), 1e-12)
        return np.maximum(shared / smaller, shared / larger)

    sample = sample_rows(comparison)
    a, b = np.triu_indices(len(sample), 1)
    background = float(np.median(of(sample[a], sample[b]))) if len(a) and len(sample) >= 10 else 0.0
    return of(i, j), background


def cosine_background(comparison: Comparison) -> float:
    """The median bag cosine over the pairs of the engine's background sample (one submission a
    group, ``score.background_rows``), 0 under ``common_min_submissions`` groups: what
    independent work of the population shares in short runs, as ``score.background`` is in long
    ones."""
    if len(sample_rows(comparison)) < comparison.options.common_min_submissions:
        return 0.0
    return float(np.median(sample_feature(comparison, "cosine")))


def rare_containment(matrix: sparse.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The smaller side's share of its own long k-grams found in the other, each k-gram weighed
    by its smoothed idf over the cohort's submissions: code a third of the class writes alike
    counts less than code only the two share."""
    df = np.asarray(matrix.sum(axis=0)).ravel()
    idf = np.log((1.0 + matrix.shape[0]) / (1.0 + df)) + 1.0
    sizes = matrix @ idf
    shared = matrix[i].multiply(matrix[j]) @ idf
    smaller = np.minimum(sizes[i], sizes[j])
    return np.divide(shared, smaller, out=np.zeros_like(smaller), where=smaller > 0)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENT_OR_STRING = re.compile(r'//[^\n]*|/\*.*?\*/|#[^\n]*|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.S)


def names_of(path: Path) -> set[str]:
    """The identifier spellings of a submission's code (comments and strings cut out)."""
    names: set[str] = set()
    for file in sorted(path.rglob("*")) if path.is_dir() else []:
        if file.suffix in (".java", ".c", ".cpp", ".cc", ".h", ".hpp", ".py", ".js", ".cs", ".php"):
            text = _COMMENT_OR_STRING.sub(" ", file.read_text(encoding="utf-8", errors="replace"))
            names.update(w for w in _WORD.findall(text) if not w[0].isdigit())
    return names


_COMMENT_WORD = re.compile(r"[^\W_]+")


def comments_of(path: Path) -> set[str]:
    """The comment lines of a submission's code, lower-cased, words only, those of three words or
    more (a copy keeps its source's comments unless it rewrites them; one-word ones are noise)."""
    lines: set[str] = set()
    for file in sorted(path.rglob("*")) if path.is_dir() else []:
        if file.suffix in (".java", ".c", ".cpp", ".cc", ".h", ".hpp", ".py", ".js", ".cs", ".php"):
            for found in _COMMENT_OR_STRING.finditer(file.read_text(encoding="utf-8", errors="replace")):
                if found.group()[0] in "/#":
                    for line in found.group().splitlines():
                        words = _COMMENT_WORD.findall(line.lower())
                        if len(words) >= 3:
                            lines.add(" ".join(words))
    return lines


def name_overlap(names: list[set[str]], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The smaller side's share of its identifier spellings (keywords, library names and the
    task's own included) found in the other, each weighed by its smoothed idf over the cohort:
    a copy keeps its source's names unless renamed; names every student writes weigh little."""
    df: dict[str, int] = {}
    for found in names:
        for name in found:
            df[name] = df.get(name, 0) + 1
    idf = {name: np.log((1.0 + len(names)) / (1.0 + count)) for name, count in df.items()}  # 0 for a name all share
    sizes = [sum(idf[n] for n in found) for found in names]
    out = np.zeros(len(i))
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist())):
        smaller = min(sizes[a], sizes[b])
        if smaller > 0:
            out[k] = sum(idf[n] for n in names[a] & names[b]) / smaller
    return out


def load_pairs(name: str, submissions: list[Path], labels: list[tuple[str, str, int, str]],
               bases: list[Path], options: CheckOptions, not_fitted: frozenset[str] = frozenset(), part: int = 0) -> Pairs:
    table = SymbolTable()
    base_units, _ = load_starter(bases, options, table)
    loaded = [s for s in (load_submission(p, options, table) for p in sorted(submissions, key=submission_id))
              if s.status is SubmissionStatus.OK]
    position = {s.id: k for k, s in enumerate(loaded)}
    known = [(a, b, y, kind) for a, b, y, kind in labels if a in position and b in position]
    comparison = Comparison([s.id for s in loaded], [s.units for s in loaded], base_units, options.match)
    i = np.array([position[a] for a, _, _, _ in known])
    j = np.array([position[b] for _, b, _, _ in known])
    features = comparison.pair_features(i, j)
    columns = {f: features.values[:, k] for k, f in enumerate(FEATURES)}
    columns["literal_cosine"] = literal_cosine(comparison.bags, i, j)
    columns["rare_containment"] = rare_containment(comparison.long_matrix, i, j)
    columns["literal_x_containment"] = columns["literal_cosine"] * columns["containment_max"]
    by_id = {submission_id(p): p for p in submissions}
    columns["name_overlap"] = name_overlap([names_of(by_id[s.id]) for s in loaded], i, j)
    columns["name_x_containment"] = columns["name_overlap"] * columns["containment_max"]
    columns["comment_overlap"] = name_overlap([comments_of(by_id[s.id]) for s in loaded], i, j)
    columns["comment_x_containment"] = columns["comment_overlap"] * columns["containment_max"]
    every = comparison.all_pairs()
    floor = containment_floor(DEFAULT_MODEL, ALIGN_FROM)
    columns["excess_containment"] = excess(comparison, every, features, "containment_max")
    columns["excess_cosine"] = excess(comparison, every, features, "cosine")
    columns["median_excess_containment"] = excess(comparison, every, features, "containment_max", "median")
    columns["median_excess_cosine"] = excess(comparison, every, features, "cosine", "median")
    columns["density_excess"] = density_excess(comparison, features)
    columns["floored_median_excess"] = excess(comparison, every, features, "containment_max", "median", floor)
    columns["group_median_excess"] = excess(comparison, every, features, "containment_max", "group median")
    columns["floored_group_median_excess"] = excess(comparison, every, features, "containment_max",
                                                    "group median", floor)
    columns["above_background"] = columns["containment_max"] - comparison.background
    columns["pruned_above"] = columns["pruned_containment_max"] - comparison.background
    columns["min_above"] = columns["containment_min"] - comparison.background
    columns["cxc_above"] = columns["cosine"] * columns["above_background"]
    columns["cosine_above"] = columns["cosine"] - cosine_background(comparison)
    columns["cosine_above_x_containment"] = np.maximum(columns["cosine_above"], 0.0) * columns["containment_max"]
    smaller = np.minimum(comparison.long_sizes[i], comparison.long_sizes[j])
    if SHORT_K:  # the containment over runs of SHORT_K tokens, above its own background
        table = SymbolTable()
        short_options = replace(options.match, kgram_code=SHORT_K)
        short_base, _ = load_starter(bases, replace(options, match=short_options), table)
        again = [load_submission(p, replace(options, match=short_options), table)
                 for p in sorted(submissions, key=submission_id)]
        again = [s for s in again if s.status is SubmissionStatus.OK]
        short = Comparison([s.id for s in again], [s.units for s in again], short_base, short_options)
        columns["short_above"] = (short.pair_features(i, j).values[:, FEATURES.index("containment_max")]
                                  - short.background)
        columns["tiny200_short"] = np.maximum(columns["short_above"], 0.0) * np.clip(1.0 - smaller / 200, 0.0, 1.0)
    else:
        columns["short_above"] = columns["tiny200_short"] = np.zeros(len(i))
    for size in (100, 200, 400):  # the cosine where the smaller side holds few long k-grams
        columns[f"tiny{size}_cosine"] = (np.maximum(columns["cosine_above"], 0.0)
                                         * np.clip(1.0 - smaller / size, 0.0, 1.0))
    for reach, name in ((0.5, "half"), (1.0, "all")):
        columns[f"soft_{name}"], soft_background = soft_containment(comparison, base_units, i, j, reach)
        columns[f"soft_{name}_above"] = columns[f"soft_{name}"] - soft_background
    columns["sample_scaled"] = sample_scaled(comparison, features)
    for k in (32, 64, 128, 256):
        columns[f"sample{k}"] = sample_excess(comparison, features, k)
    for stat in ("median", "mean", "q75", "q90", "gmedian", "gq75", "gq90"):
        columns[f"project_{stat}"] = project_excess(comparison, every, features, stat)
    labels_ = np.array([y for _, _, y, _ in known])
    return Pairs(columns, features.code_share, labels_, [f"{name}/{kind if y else 'unrelated'}" for _, _, y, kind in known],
                 np.array([kind not in not_fitted for _, _, _, kind in known]), np.full(len(known), part))


def joined(parts: list[Pairs]) -> Pairs:
    return Pairs({k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns},
                 np.concatenate([p.code_share for p in parts]), np.concatenate([p.labels for p in parts]),
                 [g for p in parts for g in p.groups], np.concatenate([p.fitted for p in parts]),
                 np.concatenate([p.part for p in parts]))


def fit(sets: list[Pairs], features: list[str]) -> tuple[np.ndarray, float]:
    x, y, groups = [], [], []
    for s in sets:
        rows = s.fitted & (s.code_share >= 0.5)
        x.append(np.column_stack([s.columns[f] for f in features])[rows])
        y.append(s.labels[rows])
        groups += [g for g, r in zip(s.groups, rows) if r]
    weights, intercept = fit_weights(np.concatenate(x), np.concatenate(y), np.asarray(groups), 1.0,
                                     list(range(len(features))))
    return np.asarray(weights), intercept


def scores(s: Pairs, features: list[str], model: tuple[np.ndarray, float]) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.column_stack([s.columns[f] for f in features]) @ model[0] + model[1])))


ONLY: list[str] = []
SHORT_K = 0  # ``--short K``: also the containment over runs of K tokens (``short_*`` trials)


def report(real: dict[str, Pairs], templated: Pairs) -> None:
    obfuscation = [real[n] for n in REAL[1:]]
    pooled_y = np.concatenate([s.labels for s in obfuscation])
    for trial, features in TRIALS.items():
        if ONLY and not any(o in trial for o in ONLY):
            continue
        held = [roc_auc(real[n].labels, scores(real[n], features, fit([real[m] for m in REAL if m != n], features)))
                for n in REAL]
        model = fit(list(real.values()), features)
        t = scores(templated, features, model)
        pooled = np.concatenate([scores(s, features, model) for s in obfuscation])
        y = templated.labels
        print(f"{trial} | fitted on the real sets: held out {' / '.join(f'{h:.4f}' for h in held)}; templated_java "
              f"{roc_auc(y, t):.4f} ({int((t[y == 0] >= 0.5).sum())} unrelated from 0.5, {int((t[y == 1] < 0.5).sum())} "
              f"copies under); pooled obfuscation {roc_auc(pooled_y, pooled):.4f} / "
              f"{int(((pooled >= 0.5) != (pooled_y == 1)).sum())} errors")
        with_t = [templated.take(np.ones(len(y), bool), "templated")]
        held = [roc_auc(real[n].labels, scores(real[n], features, fit([real[m] for m in REAL if m != n] + with_t, features)))
                for n in REAL]
        out = np.zeros(len(y))
        for part in np.unique(templated.part):
            rows = templated.part == part
            out[rows] = scores(templated.take(rows, "exercise"), features,
                               fit(list(real.values()) + [templated.take(~rows, "templated")], features))
        print(f"{trial} | templated_java in the fit: held out {' / '.join(f'{h:.4f}' for h in held)}; templated_java "
              f"one exercise out {roc_auc(y, out):.4f} ({int((out[y == 0] >= 0.5).sum())} unrelated from 0.5, "
              f"{int((out[y == 1] < 0.5).sum())} copies under)")


def prune_more(extra: frozenset[str]) -> None:
    """Make the pruned stream of every parsed file take ``extra`` too (a walk of its own)."""
    walked = syntax._walked

    def tokenize_pruned(text: str, language: str, first_line: int = 1,
                        normalizations: object = syntax.DEFAULT_NORMALIZATIONS) -> object:
        plain = walked(text, language, first_line, frozenset(normalizations), noting=False)  # type: ignore[arg-type]
        pruned = walked(text, language, first_line,
                        frozenset(normalizations) | {syntax.PRUNING} | extra, noting=False)  # type: ignore[arg-type]
        return None if plain is None or pruned is None else (plain[0], pruned[0])

    syntax.tokenize_pruned = tokenize_pruned  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--common", action="append", default=[],
                        help="MIN,FRACTION of common code (repeatable; default the shipped 10,0.5)")
    parser.add_argument("--normalizations", default=",".join(MatchOptions.normalizations),
                        help="the parser path's normalizations, comma-separated ('' for none)")
    parser.add_argument("--pruned-extra", default="",
                        help="normalizations the pruned stream takes beside syntax.PRUNING, comma-separated")
    parser.add_argument("--kgram", type=int, default=MatchOptions.kgram_code,
                        help="the code's long k-gram length in tokens (the shipped options.KGRAM_CODE by default)")
    parser.add_argument("--bag", type=int, default=MatchOptions.bag_code,
                        help="the code's bag k-gram length in tokens (the shipped options.BAG_CODE by default)")
    parser.add_argument("--short", type=int, default=0,
                        help="also compute the containment over runs of this many tokens (short_* trials)")
    parser.add_argument("--trials", default="", help="run only the trials whose names hold one of these, comma-separated")
    args = parser.parse_args()
    ONLY.extend(t for t in args.trials.split(",") if t)
    global SHORT_K
    SHORT_K = args.short
    if args.pruned_extra:
        prune_more(frozenset(args.pruned_extra.split(",")))
    normalizations = tuple(n for n in args.normalizations.split(",") if n)
    entries = {e["name"]: e for e in json.loads((HERE / "out" / "calibration" / "manifest.json").read_text())["sets"]}
    ds = datasets.load(datasets.OUT / "templated_java")
    for setting in args.common or [f"{MatchOptions.common_min_submissions},{MatchOptions.common_fraction}"]:
        least, fraction = setting.split(",")
        options = CheckOptions(workers=1, match=replace(MatchOptions(), common_min_submissions=int(least),
                                                        common_fraction=float(fraction),
                                                        normalizations=normalizations, kgram_code=args.kgram,
                                                        bag_code=args.bag))
        real = {n: load_pairs(n, sorted(Path(entries[n]["submissions"]).iterdir()),
                              read_labels(Path(entries[n]["labels"])), [], options,
                              frozenset(entries[n].get("not_fitted", []))) for n in REAL}
        parts = []
        for k, cohort in enumerate(ds.cohorts):
            ids = set(cohort.ids)
            labels = [(a, b, y, kind) for (a, b), (y, kind) in ds.truth.items() if a in ids and b in ids]
            parts.append(load_pairs("templated", list(cohort.submissions), labels,
                                    [cohort.base] if cohort.base else [], options, part=k))
        templated = joined(parts)
        print(f"## k-grams of {args.kgram} tokens, bags of {args.bag}; common code from {least} groups and {fraction} of them; "
              "literal_cosine alone: "
              + ", ".join(f"{n} {roc_auc(s.labels, s.columns['literal_cosine']):.4f}" for n, s in real.items())
              + f", templated_java {roc_auc(templated.labels, templated.columns['literal_cosine']):.4f}")
        report(real, templated)


if __name__ == "__main__":
    main()
