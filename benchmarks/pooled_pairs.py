"""Which pairs of the pooled obfuscation set we rank wrong that copydetect ranks right.

    .venv/bin/python benchmarks/pooled_pairs.py [--tools originality,copydetect]   # ~3 min

Runs each tool on the obfuscation set as `run.py detection` does (one cohort per set), keeps
every labelled pair's score (`benchmarks/out/results/pooled_pairs.json`), and prints, for the
pooled ranking (both sets and every attack in one ROC-AUC):

- each block of (positives' kind, negatives' kind): how many comparisons it holds and the
  share each tool orders wrong (a negative at or above a positive, ties counted half), so the
  pooled ROC-AUC's loss can be read block by block;
- each kind's score distribution (quartiles) and pairs at or above 0.5, per tool;
- the pooled ROC-AUC and errors at 0.5 on real copies alone (Progpedia19's `gpt` pairs, two
  programs GPT-4 wrote from the task, left out), and with the `gpt` pairs counted as what the
  product is asked to find in them, no copy of each other (label 0);
- for Progpedia19's `gpt` pairs and the unrelated pairs of both sets, each tool's median by the
  ratio of the two programs' sizes (non-blank lines, the shorter over the longer).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import peers  # noqa: E402
from metrics import auc  # noqa: E402

OUT = HERE / "out" / "results" / "pooled_pairs.json"


def wrong_share(positives: np.ndarray, negatives: np.ndarray) -> float:
    """The share of (positive, negative) comparisons a ranking gets wrong, ties half."""
    negatives = np.sort(negatives)
    below = np.searchsorted(negatives, positives, side="left")
    at_or_below = np.searchsorted(negatives, positives, side="right")
    right = below + 0.5 * (at_or_below - below)
    return 1.0 - float(right.sum()) / (len(positives) * len(negatives))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", default="originality,copydetect")
    parser.add_argument("--reuse", action="store_true", help="read the scores saved by the last run")
    args = parser.parse_args()
    ds = datasets.build("obfuscation")
    pairs = ds.evaluated_pairs()
    if args.reuse:
        saved = json.loads(OUT.read_text())
    else:
        saved = {}
        for tool in args.tools.split(","):
            scores: dict = {}
            alt: dict = defaultdict(dict)
            for cohort in ds.cohorts:
                run = peers.run_tool(tool, cohort, datasets.OUT / "runs" / "obfuscation" / cohort.name / tool, None)
                if run.status != "ok":
                    raise SystemExit(f"{tool} on {cohort.name}: {run.status} {run.note}")
                scores.update(run.scores)
                for name, values in run.alt_scores.items():
                    alt[name].update(values)
            saved[tool] = [scores.get(p, 0.0) for p in pairs]
            for name, values in alt.items():
                saved[f"{tool} ({name})"] = [values.get(p, 0.0) for p in pairs]
        saved["kinds"] = [ds.label(p)[1] for p in pairs]
        saved["labels"] = [ds.label(p)[0] for p in pairs]
        saved["pairs"] = [list(p) for p in pairs]
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(saved))
    kinds = np.array(saved["kinds"])
    pairs = [tuple(p) for p in saved["pairs"]]
    labels = np.array(saved["labels"])
    tools = [t for t in saved if t not in ("kinds", "labels", "pairs")]
    scores = {t: np.array(saved[t]) for t in tools}
    total = int(labels.sum()) * int((labels == 0).sum())
    print("pooled: " + ", ".join(f"{t} ROC-AUC {auc(labels, s):.4f} errors at 0.5 "
                                  f"{int(((s >= 0.5) != (labels == 1)).sum())}" for t, s in scores.items()))
    print("\nblock (positives x negatives) | comparisons (share) | wrong-ordered comparisons per tool "
          "(share of the block; share of all comparisons)")
    for pos in sorted(set(kinds[labels == 1])):
        for neg in sorted(set(kinds[labels == 0])):
            p, n = (kinds == pos) & (labels == 1), (kinds == neg) & (labels == 0)
            size = int(p.sum()) * int(n.sum())
            cells = []
            for t, s in scores.items():
                w = wrong_share(s[p], s[n])
                cells.append(f"{t} {w:.3f} ({w * size / total:.4f})")
            print(f"{pos} x {neg} | {size} ({size / total:.3f}) | " + "; ".join(cells))
    print("\nkind | pairs | per tool: quartiles 25/50/75, pairs at or above 0.5")
    for kind in sorted(set(kinds)):
        rows = kinds == kind
        cells = [f"{t} {np.percentile(s[rows], 25):.3f}/{np.median(s[rows]):.3f}/{np.percentile(s[rows], 75):.3f}, "
                 f"{int((s[rows] >= 0.5).sum())}" for t, s in scores.items()]
        print(f"{kind} | {int(rows.sum())} | " + "; ".join(cells))
    gpt = kinds == "Progpedia19/gpt"
    print("\npooled, real copies alone (gpt left out): " + ", ".join(
        f"{t} {auc(labels[~gpt], s[~gpt]):.4f} / {int(((s[~gpt] >= 0.5) != (labels[~gpt] == 1)).sum())}"
        for t, s in scores.items()))
    as_unrelated = np.where(gpt, 0, labels)
    print("pooled, gpt pairs as not copies (label 0): " + ", ".join(
        f"{t} {auc(as_unrelated, s):.4f} / {int(((s >= 0.5) != (as_unrelated == 1)).sum())}" for t, s in scores.items()))
    lines = program_lines(ds)
    ratio = np.array([min(lines[a], lines[b]) / max(lines[a], lines[b], 1) for a, b in pairs])
    print("\nkind | size ratio (shorter / longer, non-blank lines) | pairs | median per tool")
    for kind in ("Progpedia19/gpt", "Progpedia19/none", "z5z1/none"):
        for low, high in ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01)):
            rows = (kinds == kind) & (ratio >= low) & (ratio < high)
            if rows.any():
                print(f"{kind} | {low:.2f}-{min(high, 1.0):.2f} | {int(rows.sum())} | "
                      + "; ".join(f"{t} {np.median(s[rows]):.3f}" for t, s in scores.items()))


def program_lines(ds: datasets.Dataset) -> dict[str, int]:
    """Each submission's non-blank lines over all its files."""
    lines = {}
    for cohort in ds.cohorts:
        for path, sid in zip(cohort.submissions, cohort.ids):
            files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
            lines[sid] = sum(1 for f in files for line in f.read_text(errors="replace").splitlines() if line.strip())
    return lines


if __name__ == "__main__":
    main()
