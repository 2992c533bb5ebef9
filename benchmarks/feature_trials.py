"""Trials of other code features for the calibrated model, on the real labelled sets.

    .venv/bin/python benchmarks/calibrate.py          # lays out the sets (once)
    .venv/bin/python benchmarks/feature_trials.py     # ~1 min

For each trial (a list of features), fits the code part of the model as ``calibration.fit``
does (every set and every kind of copying weighs the same; negative weights dropped) and
prints each code set's held-out ROC-AUC (fitted on the other two), the ROC-AUC of the pooled
obfuscation set under the model fitted on all three (as ``run.py detection`` scores the shipped
model), its errors at 0.5, java-pairs' errors at 0.5, and the weights. Features:

- the shipped ones (``calibration.FEATURES``), on today's tokens;
- ``pruned_max`` / ``pruned_x_cosine``: the same containment on tokens with the ``unused``
  normalization (declarations of and writes to never-read locals dropped: the dead statements
  an insertion attack adds), and the larger of the two (``best_max``).

An experiment, not the engine: what a trial shows still has to be built into ``score.py`` (a
second set of long k-grams per unit, its own starter and common code left out) and measured
in ``run.py detection`` and ``run.py service``.
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
TRIALS = {
    "shipped": ["containment_max", "containment_min", "cosine_x_containment"],
    "+ pruned_max": ["containment_max", "containment_min", "cosine_x_containment", "pruned_max"],
    "+ best_max": ["containment_max", "containment_min", "cosine_x_containment", "best_max"],
    "pruned only": ["pruned_max", "pruned_x_cosine"],
}


def columns(sets: dict[str, dict], name: str) -> dict[str, np.ndarray]:
    plain, pruned = sets[name]["plain"], sets[name]["pruned"]
    found = {feature: plain.features[:, k] for k, feature in enumerate(FEATURES)}
    found["pruned_max"] = pruned.features[:, FEATURES.index("containment_max")]
    found["pruned_x_cosine"] = pruned.features[:, FEATURES.index("cosine_x_containment")]
    found["best_max"] = np.maximum(found["containment_max"], found["pruned_max"])
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


def main() -> None:
    manifest = HERE / "out" / "calibration" / "manifest.json"
    entries = {e["name"]: e for e in json.loads(manifest.read_text())["sets"]}
    today = MatchOptions()
    options = {"plain": CheckOptions(workers=1, match=today),
               "pruned": CheckOptions(workers=1, match=replace(today, normalizations=today.normalizations + ("unused",)))}
    sets: dict[str, dict] = {}
    for name in CODE_SETS:
        entry = entries[name]
        sets[name] = {kind: replace(labelled_features(name, sorted(Path(entry["submissions"]).iterdir()),
                                                      read_labels(Path(entry["labels"])), [], option),
                                    not_fitted=frozenset(entry.get("not_fitted", [])))
                      for kind, option in options.items()}
    obfuscation = [n for n in CODE_SETS if n.startswith("obfuscation")]
    print("trial | held out: java-pairs, Progpedia19, z5z1 | pooled obfuscation ROC-AUC / errors at 0.5 | "
          "java-pairs errors at 0.5 | weights, intercept")
    for trial, features in TRIALS.items():
        held = [roc_auc(sets[n]["plain"].labels, scores(sets, n, features, fit(sets, [m for m in CODE_SETS if m != n], features)))
                for n in CODE_SETS]
        model = fit(sets, list(CODE_SETS), features)
        pooled_y = np.concatenate([sets[n]["plain"].labels for n in obfuscation])
        pooled_p = np.concatenate([scores(sets, n, features, model) for n in obfuscation])
        java_p = scores(sets, "java-pairs", features, model)
        java_y = sets["java-pairs"]["plain"].labels
        errors = int(((pooled_p >= 0.5) != (pooled_y == 1)).sum())
        java_errors = int(((java_p >= 0.5) != (java_y == 1)).sum())
        print(f"{trial} | {' / '.join(f'{h:.4f}' for h in held)} | {roc_auc(pooled_y, pooled_p):.4f} / {errors} | "
              f"{java_errors} | {', '.join(f'{f} {w:.3f}' for f, w in zip(features, model[0]))}, {model[1]:.3f}")


if __name__ == "__main__":
    main()
