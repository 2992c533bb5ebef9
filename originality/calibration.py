"""The calibrated similarity: a pair's features turned into "how likely a copy".

A pair is described by a few features that the comparison stage (``score.py``) computes for
every pair from two sparse products, without aligning it:

- ``cosine``: the TF-IDF cosine of the two submissions' bags (short k-grams, literal texts,
  runs of literals); it survives restructuring that breaks long matches;
- ``containment_max`` / ``containment_min``: the share of each side's own distinct long
  k-grams (starter and common code left out) that the other side has too, the larger and the
  smaller; a copy padded with inserted statements, or cut down, keeps a high maximum;
- ``cosine_x_containment``: their product, high only when both agree: on programs of one task
  the cosine alone rates independent work high (the task's idioms), the containment alone
  misses restructured copies;
- ``pruned_containment_max``: the larger containment again, the larger of the one above and
  the one over the code's tokens without never-read locals (``units.Unit.pruned``): a copy
  padded with dead declarations (an insertion attack) keeps its long k-grams there;
- ``bag_projection``: how much of the smaller bag the larger holds (the cosine times the ratio of
  the two vectors' norms, at most 1): a passage paraphrased inside a text five times its length
  keeps about the value its cosine would have alone, where the cosine falls to less than half of
  it (``score.bag_projection``); prose only;
- ``code_share``: how much of the pair's tokens are code rather than prose.

The similarity is a logistic model, one linear part for code and one for prose, mixed by the
code share: ``sigmoid(s x (w_code . f' + b_code) + (1 - s) x (w_prose . f + b_prose))``, where
``f'`` is ``f`` with ``containment_max`` less the population's background (``score.background``:
what its independent work shares, so that a share means as much on a tiny exercise as on an
open task). So
0.5 means "as likely a copy as not" on the labelled pairs it was fitted on, where each data set
and each kind of copying weighs the same (``fit``). The shipped coefficients are plain numbers
here (no pickle), fitted by ``originality calibrate`` on the real labelled sets
(docs/benchmarks.md, "Calibration", gives the command, the leave-one-set-out figures and the
reliability curve).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

# The similarity at which a pair is as likely a copy as not on the data the model was fitted on
# (the logistic model's decision boundary): the service's default review threshold.
EVEN_ODDS = 0.5
FEATURES = ("cosine", "containment_max", "containment_min", "cosine_x_containment", "pruned_containment_max",
            "bag_projection")
# The features each part may use. The code part leaves the cosine alone out: fitted with it, the
# model rated the idioms programs of one task share (obfuscation ROC-AUC Progpedia19 0.865 and
# z5z1 0.893 with it, 0.962 and 0.927 without; java-pairs 0.957 and 0.954; docs/benchmarks.md).
CODE_FEATURES = ("containment_max", "containment_min", "cosine_x_containment", "pruned_containment_max")
PROSE_FEATURES = ("cosine", "containment_max", "containment_min", "bag_projection")
_CONTAINMENT_MAX = FEATURES.index("containment_max")


@dataclass(frozen=True)
class LinearPart:
    """Weights over ``FEATURES`` and an intercept."""

    weights: tuple[float, ...]
    intercept: float

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} weights, got {len(self.weights)}")

    def logit(self, features: np.ndarray) -> np.ndarray:
        return features @ np.asarray(self.weights, dtype=np.float64) + self.intercept


@dataclass(frozen=True)
class Model:
    """The calibrated similarity's coefficients, for code and for prose."""

    code: LinearPart
    prose: LinearPart
    source: str = field(default="", compare=False)

    def similarity(self, features: np.ndarray, code_share: np.ndarray,
                   background: float | np.ndarray = 0.0) -> np.ndarray:
        """Probabilities for rows of ``features`` (columns as ``FEATURES``); ``background``: the
        population's (``score.background``), which the code part reads ``containment_max``
        above."""
        features = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURES))
        share = np.asarray(code_share, dtype=np.float64).reshape(-1)
        z = (share * self.code.logit(above_background(features, background))
             + (1.0 - share) * self.prose.logit(features))
        return 1.0 / (1.0 + np.exp(-z))

    def has_evidence(self, features: np.ndarray, code_share: np.ndarray) -> np.ndarray:
        """True for the pairs whose features carry weight: a code pair that shares no long
        k-gram has only its intercept, the same for every such pair, and scores 0."""
        features = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURES))
        share = np.asarray(code_share, dtype=np.float64).reshape(-1)
        weighed = (share * (features @ np.asarray(self.code.weights))
                   + (1.0 - share) * (features @ np.asarray(self.prose.weights)))
        return weighed > 0

    def to_dict(self) -> dict[str, object]:
        return {"features": list(FEATURES),
                "code": {"weights": list(self.code.weights), "intercept": self.code.intercept},
                "prose": {"weights": list(self.prose.weights), "intercept": self.prose.intercept},
                "source": self.source}


# Fitted by `originality calibrate benchmarks/out/calibration/manifest.json` (made by
# `benchmarks/calibrate.py`) on the real labelled sets in shared/data: java-pairs (1,077 pairs),
# obfuscation Progpedia19 (479 fitted: its 1,225 `gpt` pairs are not copies of one another and
# are only scored) and z5z1 (1,844), prose-paraphrase in two halves (5,136); every set and every
# kind of copying weighted alike. Held-out ROC-AUC (each set scored by a model fitted on the
# others) and the reliability curve: docs/benchmarks.md, "Calibration". Refitted with the
# pruned containment (docs/benchmarks.md, "Code features tried"): held out java-pairs 0.9536
# (0.9553 without it), Progpedia19 0.9651 (0.9647), z5z1 0.9377 (0.9318). The model before it
# was code (0.0, 8.462, 0.0, 7.4574), intercept -3.8437; the one fitted on the lexical tokens,
# code (0.0, 8.0503, 0.0556, 8.158), intercept -3.8087. Prose refitted with the bag projection
# (docs/benchmarks.md, "Prose inside a longer text"): held out prose-paraphrase 0.9955 / 0.9940 as
# before, errors at 0.5 on it 132 -> 108; the prose part before it was cosine 20.4447,
# containments 0.5401 and 0.4726, intercept -3.3316. Refitted with the code part reading
# ``containment_max`` above its population's background (``score.background``; docs/benchmarks.md,
# "A similarity above its project's background"): held out java-pairs 0.9534 (0.9536 before),
# Progpedia19 0.9649 (0.9651), z5z1 0.9375 (0.9377); the code part before it was (0.0, 4.2215,
# 0.0, 3.5197, 6.9751, 0.0), intercept -4.4149. Refitted with common code that needs its share of
# the groups surely at half (``cohort.common_threshold``, ``options.COMMON_CONFIDENCE``): held out
# java-pairs 0.9534 (as before), Progpedia19 0.9628 (0.9649), z5z1 0.9369 (0.9375); the code part
# before it was (0.0, 4.4063, 0.0, 3.3291, 6.8505, 0.0), intercept -4.2649.
DEFAULT_MODEL = Model(
    code=LinearPart(weights=(0.0, 4.3595, 0.0, 3.402, 6.8572, 0.0), intercept=-4.2737),
    prose=LinearPart(weights=(12.2016, 0.3948, 0.342, 0.0, 0.0, 13.3499), intercept=-3.6548),
    source="java-pairs, obfuscation (Progpedia19, z5z1), prose-paraphrase",
)


def above_background(features: np.ndarray, background: float | np.ndarray) -> np.ndarray:
    """The features as the code part reads them: ``containment_max`` less the population's
    background (per row, or one for all)."""
    if np.ndim(background) == 0 and float(background) == 0.0:
        return features
    shifted = features.copy()
    shifted[:, _CONTAINMENT_MAX] -= background
    return shifted


def fit(features: np.ndarray, code_share: np.ndarray, labels: Sequence[int],
        groups: Sequence[str], regularization: float = 1.0, source: str = "",
        background: float | np.ndarray = 0.0) -> Model:
    """Fit the model with scikit-learn's logistic regression.

    ``groups`` names each pair's origin, a data set and for a copy its kind of copying
    ("obfuscation/insert"): every set weighs the same in the fit and so does every kind of
    copying within a set, so a set with a thousand pairs of one kind does not drown the others.
    A code pair is one whose code share is at least one half; each part fits its own features
    (``CODE_FEATURES``, ``PROSE_FEATURES``), the code part ``containment_max`` above each pair's
    ``background`` (its population's, ``score.background``). Weights that come out negative (a
    feature that, beside the others, seems to lower the odds of a copy) are dropped and the part
    refitted: more shared code never makes a pair less similar.
    """
    features = np.asarray(features, dtype=np.float64)
    share = np.asarray(code_share, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    names = np.asarray(groups)
    parts = []
    for is_code in (True, False):
        rows = share >= 0.5 if is_code else share < 0.5
        if not rows.any() or len(set(y[rows].tolist())) < 2:
            raise ValueError(f"no {'code' if is_code else 'prose'} pairs of both labels to fit on")
        allowed = [FEATURES.index(f) for f in (CODE_FEATURES if is_code else PROSE_FEATURES)]
        seen = above_background(features, background) if is_code else features
        parts.append(LinearPart(*fit_weights(seen[rows], y[rows], names[rows], regularization, allowed)))
    return Model(code=parts[0], prose=parts[1], source=source)


def fit_weights(x: np.ndarray, y: np.ndarray, groups: np.ndarray, regularization: float,
                allowed: list[int]) -> tuple[tuple[float, ...], float]:
    """A weight per column of ``x`` (0 for those not ``allowed`` or dropped) and the intercept,
    fitted on the columns ``allowed`` as ``fit`` describes; the benchmarks' feature trials fit
    their candidate columns with it too."""
    from sklearn.linear_model import LogisticRegression  # only `calibrate` pays for the import

    weight = _weights(y, groups)
    kept = list(allowed)
    while True:
        model = LogisticRegression(C=regularization, max_iter=10_000)
        model.fit(x[:, kept], y, sample_weight=weight)
        coefficients = model.coef_[0]
        if (coefficients >= 0).all() or len(kept) == 1:
            break
        kept = [k for k, c in zip(kept, coefficients) if c >= 0] or [kept[int(np.argmax(coefficients))]]
    weights = [0.0] * x.shape[1]
    for k, c in zip(kept, coefficients):
        weights[k] = round(float(max(c, 0.0)), 4)
    return tuple(weights), round(float(model.intercept_[0]), 4)


def _weights(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Every data set weighs the same, its copies and non-copies in their own proportion, and
    within its copies every kind of copying ("set/kind") weighs the same."""
    sets = np.array([name.split("/")[0] for name in groups.tolist()])
    weight = np.zeros(len(y), dtype=np.float64)
    for name in np.unique(sets):
        in_set = sets == name
        positives = in_set & (y == 1)
        weight[in_set & (y == 0)] = 1.0 / in_set.sum()
        kinds = np.unique(groups[positives])
        for kind in kinds:
            rows = positives & (groups == kind)
            weight[rows] = positives.sum() / in_set.sum() / len(kinds) / rows.sum()
    return weight * len(y) / weight.sum()
