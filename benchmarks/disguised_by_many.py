"""One tiny program disguised by many students, beside a few who wrote their own: every tool.

    .venv/bin/python benchmarks/disguised_by_many.py [--seed 3] [--copies 50] [--independent 15]
    .venv/bin/python benchmarks/disguised_by_many.py --service 1,2   # our scores through the archive too

Issue 9's held-out checks include programs disguised by 50 students each. No real set here
holds one program disguised that many times (the obfuscation sets give each original four
attacks), so this builds the case from the generated templated_java exercises
(``gen_java``): for each of its six tiny exercises, one student's solution (the original), its
``--copies`` disguised copies (strengths 0-3 in turn, ``gen_java.disguise``: renamed and
restyled; its methods reordered too; one method rewritten as another variant; two, with main
reworked, dead code and swapped branches) and ``--independent`` students' own
solutions, the exercise's skeleton given as starter code. A pair is a copy when both sides come
from the original. Each exercise is one cohort, checked by originality, copydetect and Dolos
(``peers.run_tool``, as ``run.py detection`` runs them); printed per exercise and over all six:
ROC-AUC and errors at 0.5. ``--service SEEDS``: originality through the archive too, one upload
at a time in each seeded order (``service_path.run_cohort``, the skeleton set as starter code
first). Generated data, and a stand-in only: the students of a real set disguise in ways of
their own.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import gen_java  # noqa: E402
import peers  # noqa: E402
import service_path  # noqa: E402
from metrics import auc  # noqa: E402

TOOLS = ("originality", "copydetect", "dolos")


def build(root: Path, exercise: gen_java.Exercise, copies: int, independent: int,
          rng: random.Random) -> tuple[datasets.Cohort, dict[str, int]]:
    """The exercise's cohort under ``root`` and each submission's label: 1 for the original
    and its copies, 0 for the independent students."""
    (root / "base").mkdir(parents=True)
    (root / "base" / f"{exercise.cls}.java").write_text(gen_java.skeleton(exercise))
    original = gen_java.draw_student(exercise, rng)
    people = [("original", original, 1)]
    people += [(f"copy{k:02d}", gen_java.disguise(exercise, original, rng, k % 4), 1) for k in range(copies)]
    people += [(f"own{k:02d}", gen_java.draw_student(exercise, rng), 0) for k in range(independent)]
    for sid, student, _ in people:
        datasets.write_dir(root / "subs" / sid,
                           {f"{exercise.cls}.java": gen_java.render(exercise, student, rng.randrange(1 << 30))})
    cohort = datasets.Cohort(exercise.cls, tuple(root / "subs" / sid for sid, _, _ in people), root / "base", "java")
    return cohort, {sid: label for sid, _, label in people}


def measured(scores: dict[tuple[str, str], float], labels: dict[str, int]) -> tuple[float, int]:
    """ROC-AUC over every pair (copies: both sides from the original) and errors at 0.5."""
    found = {frozenset(pair): value for pair, value in scores.items()}
    pairs = list(itertools.combinations(sorted(labels), 2))
    y = np.array([labels[a] & labels[b] for a, b in pairs])
    s = np.array([found.get(frozenset((a, b)), 0.0) for a, b in pairs])
    return auc(y, s), int(((s >= 0.5) != (y == 1)).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--independent", type=int, default=15)
    parser.add_argument("--service", default="", help="upload orders (seeds) to enter each cohort into an archive in")
    args = parser.parse_args()
    orders = [int(s) for s in args.service.split(",") if s]
    rng = random.Random(args.seed)
    totals: dict[str, list[tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for exercise in gen_java.EXERCISES:
            root = Path(scratch) / exercise.cls
            cohort, labels = build(root, exercise, args.copies, args.independent, rng)
            row = [exercise.cls]
            for tool in TOOLS:
                run = peers.run_tool(tool, cohort, root / "runs" / tool, 600)
                folds = {tool: run.scores, **{f"{tool} ({name})": s for name, s in run.alt_scores.items()}}
                for name, scores in folds.items():
                    value, errors = measured(scores, labels)
                    totals.setdefault(name, []).append((value, errors))
                    row.append(f"{name} {value:.3f} / {errors}")
            for seed in orders:
                name = f"originality, service order {seed}"
                value, errors = measured(service_path.run_cohort(cohort, seed, progress=False).scores, labels)
                totals.setdefault(name, []).append((value, errors))
                row.append(f"{name} {value:.3f} / {errors}")
            print(" | ".join(row), flush=True)
    print(f"over the {len(gen_java.EXERCISES)} exercises (seed {args.seed}, {args.copies} copies, "
          f"{args.independent} independent): mean ROC-AUC / errors at 0.5")
    for name, found in totals.items():
        print(f"  {name}: {np.mean([v for v, _ in found]):.3f} / {sum(e for _, e in found)}")


if __name__ == "__main__":
    main()
