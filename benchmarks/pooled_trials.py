"""Trials of code features aimed at the pooled obfuscation ranking, on the real labelled sets.

    .venv/bin/python benchmarks/calibrate.py        # lays out the sets (once)
    .venv/bin/python benchmarks/pooled_trials.py    # ~2 min

Each trial is a list of code features; the code part is fitted as ``calibration.fit`` fits it
(every set and every kind of copying weighs the same, negative weights dropped). Printed per
trial: each code set's held-out ROC-AUC (fitted on the other two, as ``calibrate.py`` holds
out), then under the model fitted on all three: the pooled obfuscation ROC-AUC and errors at
0.5 (real copies missed, the `gpt` pairs left out), the share of the pooled comparisons of
Progpedia19's `gpt` pairs against z5z1's unrelated pairs that it orders wrong (three quarters
of all pooled comparisons), java-pairs' ROC-AUC and errors at 0.5, and the weights.

Features beyond the shipped ones (``calibration.FEATURES``), all from the same sparse products:

- ``dice``: twice the shared distinct long k-grams over both sides' counts, the harmonic mean
  of the two containments. It is what copydetect's size-weighted fold is for a pair of single
  files (each side's covered share weighted by its size), the fold that ranks the pooled set
  best (0.9047): a short program inside a long one no longer scores as a copy.
- ``pruned_dice``: the same over the tokens without never-read locals (the ``unused``
  normalization), and ``best_dice`` the larger of the two.
- ``dice_x_cosine``: the dice times the bag cosine.
- ``kept_max`` / ``kept_dice`` / ``kept_x_cosine``: the containment, the dice and the product
  with the cosine with common code kept (``common_fraction`` 1.0: only what every submission
  holds is left out), as copydetect scores here (no starter code given): what many programs
  of one task share, which the shipped features leave out, counts.

An experiment, not the engine: what a trial shows still has to be built into ``score.py``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality.calibrate import labelled_features, read_labels, roc_auc  # noqa: E402
from originality.calibration import FEATURES, fit_weights  # noqa: E402
from originality.options import CheckOptions, MatchOptions  # noqa: E402

CODE_SETS = ("java-pairs", "obfuscation-Progpedia19", "obfuscation-z5z1")
SHIPPED = ["containment_max", "containment_min", "cosine_x_containment", "pruned_containment_max"]
TRIALS = {
    "shipped": SHIPPED,
    "+ dice": SHIPPED + ["dice"],
    "+ best_dice": SHIPPED + ["best_dice"],
    "+ dice_x_cosine": SHIPPED + ["dice_x_cosine"],
    "dice in place of containment_max": ["dice", "containment_min", "cosine_x_containment", "pruned_containment_max"],
    "dice family only": ["best_dice", "dice_x_cosine"],
    "dice, best_dice, dice_x_cosine, pruned_containment_max": ["dice", "best_dice", "dice_x_cosine",
                                                               "pruned_containment_max"],
    "+ kept_max": SHIPPED + ["kept_max"],
    "+ kept_dice": SHIPPED + ["kept_dice"],
    "+ kept_x_cosine": SHIPPED + ["kept_x_cosine"],
    "kept features only": ["kept_max", "kept_x_cosine"],
}


def harmonic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(2 * a * b, a + b, out=np.zeros_like(a), where=(a + b) > 0)


def columns(sets: dict[str, dict], name: str) -> dict[str, np.ndarray]:
    plain, pruned = sets[name]["plain"], sets[name]["pruned"]
    found = {feature: plain.features[:, k] for k, feature in enumerate(FEATURES)}
    cmax, cmin = found["containment_max"], found["containment_min"]
    found["dice"] = harmonic(cmax, cmin)
    p = {feature: pruned.features[:, k] for k, feature in enumerate(FEATURES)}
    found["pruned_dice"] = harmonic(p["containment_max"], p["containment_min"])
    found["best_dice"] = np.maximum(found["dice"], found["pruned_dice"])
    found["dice_x_cosine"] = found["dice"] * found["cosine"]
    k = {feature: sets[name]["kept"].features[:, i] for i, feature in enumerate(FEATURES)}
    found["kept_max"] = k["containment_max"]
    found["kept_dice"] = harmonic(k["containment_max"], k["containment_min"])
    found["kept_x_cosine"] = k["cosine_x_containment"]
    return found


def fit(sets: dict[str, dict], names: list[str], features: list[str]) -> tuple[np.ndarray, float]:
    xs, ys, groups = [], [], []
    for name in names:
        plain = sets[name]["plain"]
        rows = plain.fitted & (plain.code_share >= 0.5)
        found = columns(sets, name)
        xs.append(np.column_stack([found[f] for f in features])[rows])
        ys.append(plain.labels[rows])
        groups.extend(g for g, keep in zip(plain.groups, rows) if keep)
    x, y = np.concatenate(xs), np.concatenate(ys)
    weights, intercept = fit_weights(x, y, np.asarray(groups), 1.0, list(range(len(features))))
    return np.asarray(weights), intercept


def scores(sets: dict[str, dict], name: str, features: list[str], model: tuple[np.ndarray, float]) -> np.ndarray:
    found = columns(sets, name)
    x = np.column_stack([found[f] for f in features])
    return 1.0 / (1.0 + np.exp(-(x @ model[0] + model[1])))


def wrong_share(positives: np.ndarray, negatives: np.ndarray) -> float:
    negatives = np.sort(negatives)
    below = np.searchsorted(negatives, positives, side="left")
    at_or_below = np.searchsorted(negatives, positives, side="right")
    return 1.0 - float((below + 0.5 * (at_or_below - below)).sum()) / (len(positives) * len(negatives))


def main() -> None:
    manifest = HERE / "out" / "calibration" / "manifest.json"
    entries = {e["name"]: e for e in json.loads(manifest.read_text())["sets"]}
    today = MatchOptions()
    options = {"plain": CheckOptions(workers=1, match=today),
               "pruned": CheckOptions(workers=1, match=replace(today, normalizations=today.normalizations + ("unused",))),
               "kept": CheckOptions(workers=1, match=replace(today, common_fraction=1.0))}
    sets: dict[str, dict] = {}
    for name in CODE_SETS:
        entry = entries[name]
        sets[name] = {kind: replace(labelled_features(name, sorted(Path(entry["submissions"]).iterdir()),
                                                      read_labels(Path(entry["labels"])), [], option),
                                    not_fitted=frozenset(entry.get("not_fitted", [])))
                      for kind, option in options.items()}
    pp, z = sets["obfuscation-Progpedia19"]["plain"], sets["obfuscation-z5z1"]["plain"]
    gpt = np.array([k == "gpt" for k in pp.kinds])
    print("trial | held out: java-pairs / Progpedia19 / z5z1 | pooled obfuscation ROC-AUC / errors at 0.5 "
          "(copies missed, gpt left out) | gpt x z5z1 unrelated wrong | java-pairs ROC-AUC / errors | weights, intercept")
    for trial, features in TRIALS.items():
        held = [roc_auc(sets[n]["plain"].labels, scores(sets, n, features, fit(sets, [m for m in CODE_SETS if m != n], features)))
                for n in CODE_SETS]
        model = fit(sets, list(CODE_SETS), features)
        p_pp, p_z = scores(sets, "obfuscation-Progpedia19", features, model), scores(sets, "obfuscation-z5z1", features, model)
        pooled_y = np.concatenate([pp.labels, z.labels])
        pooled_p = np.concatenate([p_pp, p_z])
        real = np.concatenate([~gpt, np.ones(len(z.labels), dtype=bool)])
        errors = int(((pooled_p >= 0.5) != (pooled_y == 1)).sum())
        missed = int(((pooled_p < 0.5) & (pooled_y == 1) & real).sum())
        block = wrong_share(p_pp[gpt], p_z[z.labels == 0])
        java_p = scores(sets, "java-pairs", features, model)
        java_y = sets["java-pairs"]["plain"].labels
        java_errors = int(((java_p >= 0.5) != (java_y == 1)).sum())
        print(f"{trial} | {' / '.join(f'{h:.4f}' for h in held)} | {roc_auc(pooled_y, pooled_p):.4f} / {errors} ({missed}) | "
              f"{block:.3f} | {roc_auc(java_y, java_p):.4f} / {java_errors} | "
              f"{', '.join(f'{f} {w:.3f}' for f, w in zip(features, model[0]))}, {model[1]:.3f}", flush=True)


if __name__ == "__main__":
    main()
