"""Detection figures over a dataset's evaluated pairs: ROC-AUC, best F1, errors at 0.5.

Also, where the dataset has them: ROC-AUC and best F1 on each half of its deterministic
dev/holdout split (``Dataset.splits``), and ROC-AUC per group (``Dataset.groups``: some kinds
of positives against some kinds of negatives, e.g. one attack against its set's unrelated
pairs).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from sklearn.metrics import precision_recall_curve, roc_auc_score

from datasets import Dataset

THRESHOLD = 0.5


def auc(y: np.ndarray, s: np.ndarray) -> float:
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else math.nan


def best_f1(y: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """Best F1 over all thresholds, and the threshold that reaches it."""
    if y.sum() == 0:
        return math.nan, math.nan
    p, r, t = precision_recall_curve(y, s)
    f1 = np.where(p + r > 0, 2 * p * r / np.maximum(p + r, 1e-12), 0.0)[:-1]
    i = int(np.argmax(f1))
    return float(f1[i]), float(t[i])


def evaluate(ds: Dataset, scores: dict[tuple[str, str], float]) -> dict:
    pairs = ds.evaluated_pairs()
    labels = [ds.label(p) for p in pairs]
    y = np.fromiter((lab for lab, _ in labels), dtype=np.int8, count=len(pairs))
    s = np.fromiter((scores.get(p, 0.0) for p in pairs), dtype=np.float64, count=len(pairs))
    f1, thr = best_f1(y, s)
    out: dict = {"pairs": len(pairs), "positives": int(y.sum()), "auc": auc(y, s), "f1": f1, "f1_threshold": thr,
                 "fp_at_0.5": int(((s >= THRESHOLD) & (y == 0)).sum()),
                 "missed_at_0.5": int(((s < THRESHOLD) & (y == 1)).sum())}
    out["errors_at_0.5"] = out["fp_at_0.5"] + out["missed_at_0.5"]
    by_kind: dict[str, list[float]] = defaultdict(list)
    split: dict[str, list[int]] = defaultdict(list)
    for idx, (pair, (lab, kind)) in enumerate(zip(pairs, labels)):
        half = ds.splits.get(pair)
        if half:
            split[half].append(idx)
        if kind in ("dev", "holdout"):
            split[kind].append(idx)
        else:
            by_kind[kind].append(float(s[idx]))
    for name, idxs in split.items():
        ii = np.array(idxs)
        out[f"auc_{name}"] = auc(y[ii], s[ii])
        out[f"f1_{name}"] = best_f1(y[ii], s[ii])[0]
    if ds.groups:
        out["groups"] = groups(ds, scores)
    if not ds.all_pairs or len(by_kind) > 1:
        out["kinds"] = {k: {"n": len(v), "mean": float(np.mean(v)), "ge_0.5": int(sum(x >= THRESHOLD for x in v))}
                        for k, v in sorted(by_kind.items()) if k != "independent" or len(v) < 200_000}
    return out


def worst(ds: Dataset, scores: dict[tuple[str, str], float], n: int = 8) -> dict[str, list]:
    """The positives scored lowest and the negatives scored highest (for tuning)."""
    pairs = ds.evaluated_pairs()
    pos = sorted(((scores.get(p, 0.0), p, ds.label(p)[1]) for p in pairs if ds.label(p)[0] == 1))[:n]
    neg = sorted(((scores.get(p, 0.0), p, ds.label(p)[1]) for p in pairs if ds.label(p)[0] == 0), reverse=True)[:n]
    return {"lowest_positives": [(round(sc, 3), f"{p[0]}~{p[1]}", k) for sc, p, k in pos],
            "highest_negatives": [(round(sc, 3), f"{p[0]}~{p[1]}", k) for sc, p, k in neg]}


def groups(ds: Dataset, scores: dict[tuple[str, str], float]) -> dict[str, dict]:
    """ROC-AUC per group: its positive kinds against its negative kinds (a missing pair is 0)."""
    by_kind: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for pair, (lab, kind) in ds.truth.items():
        by_kind[kind].append((lab, scores.get(pair, 0.0)))
    out = {}
    for name, g in ds.groups.items():
        pos = [sc for k in g["pos"] for lab, sc in by_kind[k] if lab == 1]
        neg = [sc for k in g["neg"] for lab, sc in by_kind[k] if lab == 0]
        y = np.array([1] * len(pos) + [0] * len(neg), dtype=np.int8)
        s = np.array(pos + neg, dtype=np.float64)
        out[name] = {"pos": len(pos), "neg": len(neg), "auc": auc(y, s)}
    return out


def reference(ds: Dataset) -> dict[str, dict]:
    """The same figures for the published scores of another tool (``Dataset.reference``)."""
    return {col: evaluate(ds, sc) for col, sc in ds.reference.items()}
