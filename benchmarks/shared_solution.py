"""A solution shared by a share of the class, each copy disguised: are its copies still found?

    .venv/bin/python benchmarks/shared_solution.py [--shares 0.1,0.3,0.6,0.8] [--strengths 2] [--students 50]
    .venv/bin/python benchmarks/shared_solution.py --service 1,2,3   # through the archive too, in 3 orders

Issue 9's held-out checks include a cohort where 60% share one solution. ``check`` groups
near-duplicates before it counts common code, so that a solution that went around is one group
however large; but copies that each student disguised differently (the scale cohort's disguise,
``gen_scale.disguise``: new habits and names, reordered, functions moved between renamed files,
dead code) need not be near-duplicates of each other, and past half of the class their shared
code could become common code. For each share and disguise strength, one source student and
``share x students - 1`` disguised copies of it among independent students of the same
assignment (its starter code given as ``--base``), checked with ``originality check`` (the engine
from ``PYTHONPATH`` first, so that two engines can be compared); prints the copy pairs' median
and 10th percentile similarity and the share of them from 0.5, the pairs of everything else from
0.5 and the background. Generated data: no real set holds a class sharing one solution.

``--service SEEDS``: each class also entered into an archive one upload at a time in each
seeded order (``service_path.run_cohort``, the starter code set first), a pair scored as the
later upload's report lists it: where the archive is young, the solution's copies may be most
of what it holds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import gen_python  # noqa: E402
import gen_scale  # noqa: E402
import service_path  # noqa: E402

ORIGINALITY = str(HERE.parent / ".venv" / "bin" / "originality")


def build(root: Path, students: int, share: float, strength: int, seed: int) -> Path:
    """The cohort: a source, its disguised copies (a ``share`` of the class with it) and
    independent students, as ``subs/*.zip`` with ``truth.csv`` (the copy pairs)."""
    rng = random.Random(seed)
    copies = max(2, round(students * share))
    source = gen_scale.draw_student(rng)
    people = [(source, 0, "")]
    people += [(gen_scale.disguise(source, rng, strength), 0, f"copy-s{strength}") for _ in range(copies - 1)]
    people += [(gen_scale.draw_student(rng), 1 + i, "") for i in range(students - copies)]
    datasets.reset(root)
    datasets.write_dir(root / "base", dict(gen_python.BASE_FILES))
    return datasets.write_cohort(root, root.name, {}, people, gen_scale.render, rng)


def measure(root: Path, workdir: Path) -> dict[str, float]:
    """The class checked with ``originality check``."""
    subs = sorted((root / "subs").glob("*.zip"))
    out = workdir / "report.json"
    # Run from elsewhere: ``python -m`` and the console script put the working directory first.
    subprocess.run([ORIGINALITY, "check", "--base", str(root / "base"), *map(str, subs),
                    "--min-similarity", "0.01", "--json", str(out)], check=True, capture_output=True,
                   cwd=workdir, env=os.environ)
    report = json.loads(out.read_text())
    scores = {frozenset((p["a"], p["b"])): p["similarity"] for p in report["pairs"]}
    return summarized(root, subs, scores, report["background"])


def measure_service(root: Path, seed: int) -> dict[str, float]:
    """The class entered into an archive one upload at a time (the engine imported here, from
    ``PYTHONPATH`` first as for ``measure``); the background is the last upload's."""
    subs = sorted((root / "subs").glob("*.zip"))
    cohort = datasets.Cohort(root.name, tuple(subs), root / "base", "python")
    run = service_path.run_cohort(cohort, seed, min_similarity=0.01, progress=False)
    scores = {frozenset(pair): value for pair, value in run.scores.items()}
    return summarized(root, subs, scores, run.last_background)


def summarized(root: Path, subs: list[Path], scores: dict[frozenset[str], float],
               background: float) -> dict[str, float]:
    with open(root / "truth.csv", newline="") as handle:
        copies = {frozenset((r["a"], r["b"])) for r in csv.DictReader(handle) if r["label"] == "1"}
    ids = [s.stem for s in subs]
    others = [scores.get(frozenset((a, b)), 0.0) for k, a in enumerate(ids) for b in ids[k + 1:]
              if frozenset((a, b)) not in copies]
    found = np.array([scores.get(pair, 0.0) for pair in copies])
    return {"copy pairs": len(found), "median": float(np.median(found)), "p10": float(np.percentile(found, 10)),
            "from 0.5": float(np.mean(found >= 0.5)), "others from 0.5": int(np.sum(np.array(others) >= 0.5)),
            "other pairs": len(others), "background": background}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", default="0.1,0.3,0.6,0.8")
    parser.add_argument("--strengths", default="2", help="gen_scale disguise strengths, 0-2")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--service", default="", help="upload orders (seeds) to enter each class into an archive in")
    args = parser.parse_args()
    orders = [int(s) for s in args.service.split(",") if s]
    with tempfile.TemporaryDirectory() as scratch:
        print("| share | strength | path | copy pairs | median | 10th percentile | from 0.5 | other pairs from 0.5 | background |")
        print("|---|---|---|---|---|---|---|---|---|")
        for strength in (int(s) for s in args.strengths.split(",")):
            for share in (float(s) for s in args.shares.split(",")):
                root = build(Path(scratch) / f"share{share}_s{strength}", args.students, share, strength, args.seed)
                runs = [("check", measure(root, Path(scratch)))]
                runs += [(f"service, order {seed}", measure_service(root, seed)) for seed in orders]
                for path, m in runs:
                    print(f"| {share:.0%} | {strength} | {path} | {m['copy pairs']} | {m['median']:.3f} | "
                          f"{m['p10']:.3f} | {m['from 0.5']:.2f} | {m['others from 0.5']} of {m['other pairs']} | "
                          f"{m['background']} |", flush=True)


if __name__ == "__main__":
    main()
