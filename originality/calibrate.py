"""Fit the calibrated similarity on labelled pairs: ``originality calibrate MANIFEST``.

A manifest (JSON) lists labelled sets; each set is one population (a cohort, a task), compared
as ``check`` compares it:

    {"sets": [{"name": "java-pairs", "submissions": "DIR", "labels": "pairs.csv",
               "base": ["STARTER"]}]}

``submissions`` is a folder whose entries (ZIPs or folders) are the submissions, named by id;
``labels`` is a CSV with the columns ``a,b,label`` and optionally ``kind`` (how the copy was
made, e.g. ``insert``; every kind weighs the same in the fit). A set may name
``"not_fitted": ["kind", ...]``: pairs of those kinds are scored (in the ROC-AUC figures) but
not fitted on, for positives that are not copies of one another (two programs an AI wrote from
the same task). Relative paths are read from the manifest's folder. The command prints the model's coefficients as JSON (what
``calibration.DEFAULT_MODEL`` holds) and, for every set, its ROC-AUC when the model is fitted
on the other sets only, so one sees whether it generalises.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .calibration import Model, fit
from .check import load_starter, load_submission, submission_id
from .errors import UsageError
from .fingerprint import SymbolTable
from .model import SubmissionStatus
from .options import CheckOptions
from .score import Comparison

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LabelledPairs:
    """The features of one set's labelled pairs."""

    name: str
    features: np.ndarray
    code_share: np.ndarray
    labels: np.ndarray
    kinds: list[str]
    background: float  # its population's (``score.background``), which the code part reads above
    not_fitted: frozenset[str] = frozenset()

    @property
    def fitted(self) -> np.ndarray:
        """Which pairs the fit uses."""
        return np.array([kind not in self.not_fitted for kind in self.kinds], dtype=bool)

    @property
    def groups(self) -> list[str]:
        return [f"{self.name}/{kind}" if label else self.name
                for kind, label in zip(self.kinds, self.labels.tolist())]


def read_labels(path: Path) -> list[tuple[str, str, int, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"a", "b", "label"} <= set(rows[0]):
        raise UsageError(f"{path}: the columns a, b and label are required")
    return [(r["a"], r["b"], int(r["label"]), r.get("kind") or "copy") for r in rows]


def labelled_features(name: str, submissions: list[Path], labels: list[tuple[str, str, int, str]],
                      bases: Sequence[Path] = (), options: CheckOptions = CheckOptions()) -> LabelledPairs:
    """Load a set as ``check`` does and compute the features of its labelled pairs."""
    table = SymbolTable()
    base_units, _ = load_starter(bases, options, table)
    loaded_all = [load_submission(p, options, table) for p in sorted(submissions, key=submission_id)]
    ok = [s for s in loaded_all if s.status is SubmissionStatus.OK]
    position = {s.id: k for k, s in enumerate(ok)}
    known = [(a, b, y, kind) for a, b, y, kind in labels if a in position and b in position]
    if not known:
        raise UsageError(f"set {name}: no labelled pair names two readable submissions")
    comparison = Comparison([s.id for s in ok], [s.units for s in ok], base_units, options.match)
    features = comparison.pair_features(np.array([position[a] for a, _, _, _ in known]),
                                        np.array([position[b] for _, b, _, _ in known]))
    return LabelledPairs(name, features.values, features.code_share,
                         np.array([y for _, _, y, _ in known]), [kind for _, _, _, kind in known],
                         comparison.background)


def fit_sets(sets: list[LabelledPairs], source: str = "") -> Model:
    return fit(np.concatenate([s.features[s.fitted] for s in sets]),
               np.concatenate([s.code_share[s.fitted] for s in sets]),
               np.concatenate([s.labels[s.fitted] for s in sets]),
               [g for s in sets for g, used in zip(s.groups, s.fitted) if used], source=source,
               background=np.concatenate([np.full(int(s.fitted.sum()), s.background) for s in sets]))


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if len(set(labels.tolist())) == 2 else float("nan")


def held_out(sets: list[LabelledPairs]) -> dict[str, float | None]:
    """Each set's ROC-AUC under a model fitted on the other sets (None if they lack a kind)."""
    result: dict[str, float | None] = {}
    for held in sets:
        try:
            model = fit_sets([s for s in sets if s is not held])
        except ValueError:  # the others have no prose (or no code) pairs of both labels
            result[held.name] = None
            continue
        result[held.name] = round(roc_auc(held.labels, model.similarity(held.features, held.code_share,
                                                                                   held.background)), 4)
    return result


def run(manifest: Path, progress: Progress = lambda message: None,
        options: CheckOptions = CheckOptions(workers=1)) -> dict[str, Any]:
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    root = manifest.parent
    sets = []
    for entry in spec.get("sets", []):
        folder = root / entry["submissions"]
        if not folder.is_dir():
            raise UsageError(f"set {entry.get('name')}: no folder {folder}")
        progress(f"reading {entry['name']}")
        found = labelled_features(entry["name"], sorted(folder.iterdir()),
                                  read_labels(root / entry["labels"]),
                                  [root / b for b in entry.get("base", [])], options)
        sets.append(replace(found, not_fitted=frozenset(entry.get("not_fitted", []))))
    if not sets:
        raise UsageError("the manifest lists no sets")
    model = fit_sets(sets, source=", ".join(s.name for s in sets))
    fitted = {s.name: round(roc_auc(s.labels, model.similarity(s.features, s.code_share, s.background)), 4)
              for s in sets}
    return {"model": model.to_dict(), "roc_auc_fitted": fitted, "roc_auc_held_out": held_out(sets)}
