"""Errors of our last detection run at thresholds around 0.5, per labelled set.

    .venv/bin/python benchmarks/thresholds.py [--datasets java_pairs,obfuscation] [--kind Progpedia19/gpt]

Reads the reports `run.py detection` left (`out/runs/<set>/<cohort>/originality/originality.json`,
every pair scored) and the set's labels, and prints, for each threshold, the unrelated pairs
flagged, the copies missed (and of them those of ``--kind``), and the errors. Issue 9 asks for
fewer errors than copydetect and Dolos at 0.5 on every labelled set: this says how far from 0.5
the threshold that would meet it lies, and which pairs the difference is made of.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402

THRESHOLDS = (0.40, 0.42, 0.44, 0.46, 0.48, 0.50, 0.52)


def scores(ds: datasets.Dataset) -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    for cohort in ds.cohorts:
        report = datasets.OUT / "runs" / ds.name / cohort.name / "originality" / "originality.json"
        if not report.exists():
            raise SystemExit(f"no report at {report}: run `run.py detection --datasets {ds.name}` first")
        for pair in json.loads(report.read_text())["pairs"]:
            found[datasets.key(pair["a"], pair["b"])] = float(pair["similarity"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="java_pairs,obfuscation")
    parser.add_argument("--kind", default="Progpedia19/gpt", help="copies of this kind are counted apart")
    args = parser.parse_args()
    for name in args.datasets.split(","):
        ds = datasets.build(name)
        found = scores(ds)
        labelled = [(found.get(pair, 0.0), label, kind) for pair, (label, kind) in sorted(ds.truth.items())]
        for threshold in THRESHOLDS:
            flagged = sum(1 for s, label, _ in labelled if label == 0 and s >= threshold)
            missed = [kind for s, label, kind in labelled if label == 1 and s < threshold]
            of_kind = sum(1 for kind in missed if kind == args.kind)
            print(f"{name} at {threshold:.2f}: {flagged} unrelated flagged, {len(missed)} copies missed "
                  f"({of_kind} {args.kind}), {flagged + len(missed)} errors")


if __name__ == "__main__":
    main()
