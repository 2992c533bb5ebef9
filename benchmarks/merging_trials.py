"""Trials of match merging (JPlag's subsequence match merging) as a feature of the calibrated
model, on the real labelled sets.

    .venv/bin/python benchmarks/calibrate.py          # lays out the sets (once)
    .venv/bin/python benchmarks/merging_trials.py     # ~4 min

Inserted statements cut a copy's long matches into short ones; JPlag (Saglam et al., CSEE&T
2025) tiles with a shorter minimum match, merges neighbouring matches (next to each other in
both token sequences) whose gaps are small, leaves the gap tokens out of both sides, and drops
what is still shorter than the usual minimum. Here, per labelled pair of the code sets:

1. matches of at least ``neighbour`` tokens (5 or 8), from the code's 5-token k-grams (the
   bag's, starter and common code left out), tiled longest first without double counting (as
   ``match.alignment`` tiles the long ones);
2. neighbouring tiles (consecutive in the order of both sides, same files) merged while their
   gap is at most ``gap`` tokens, the two sides' gaps averaged (JPlag) or the larger of them;
3. merged matches under ``least`` matched tokens (12, JPlag's minimum, or 24) dropped;
4. the feature ``merged_max``: the larger of the two sides' matched share, over the side's own
   code tokens less its merged gaps (JPlag) or with them.

Two trials besides the shipped model: ``merged_max`` as a sixth code feature, and merged into
the fifth (the larger of the pruned containment and ``merged_max``). For each, the held-out
ROC-AUC of each code set (fitted on the other two) with the grid point chosen on the other two
sets only (nested); then per grid point: held out, and fitted on all three (as ``run.py
detection`` scores the shipped model) java-pairs' ROC-AUC and errors at 0.5, the pooled
obfuscation ROC-AUC and errors at 0.5 (and on real copies, the `gpt` pairs left out), how many
unrelated pairs reach 0.3 and 0.5, per attack. Last, the feature itself before any fit: how
much merging lifts it on copies (per kind) and on unrelated pairs. Figures: docs/benchmarks.md,
"Code features tried", "Match merging".
An experiment, not the engine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality.calibrate import read_labels, roc_auc  # noqa: E402
from originality.calibration import CODE_FEATURES, FEATURES, fit_weights  # noqa: E402
from originality.check import load_submission, submission_id  # noqa: E402
from originality.cohort import contains  # noqa: E402
from originality.fingerprint import Fingerprints, SymbolTable  # noqa: E402
from originality.match import SubmissionPrints, _free_stretches, _runs  # noqa: E402
from originality.model import SegmentKind, SubmissionStatus  # noqa: E402
from originality.options import MIN_FRAGMENT_CODE, CheckOptions  # noqa: E402
from originality.score import Comparison  # noqa: E402
from originality.units import Unit, template_masks  # noqa: E402

CODE_SETS = ("java-pairs", "obfuscation-Progpedia19", "obfuscation-z5z1")
NEIGHBOURS = (5, 8)
GAPS = (0, 2, 4, 6, 10)
# A merged match must reach this many matched tokens (JPlag: its minimum token match).
LEAST = (MIN_FRAGMENT_CODE, 2 * MIN_FRAGMENT_CODE)
# How two sides' gaps are judged: JPlag averages them; "max" asks both to be small.
RULES = ("mean", "max")
# Whether a merged match's gaps leave both sides' sizes (JPlag) or still count.
DENOMINATORS = ("gaps out", "gaps in")


def short_prints(sid: str, units: list[Unit], bag_k: int, min_tokens: int,
                 excluded_bag: np.ndarray) -> SubmissionPrints:
    """A submission's code as its 5-token k-grams (the bag's, in token order), those of
    ``excluded_bag`` (starter and common code) left out."""
    short = []
    for unit in units:
        if unit.kind is not SegmentKind.CODE or unit.token_count < bag_k:
            continue
        count = unit.token_count - bag_k + 1
        hashes = unit.bag[:count]
        excluded = contains(excluded_bag, hashes)
        short.append(Unit(unit.path, unit.kind, unit.lines,
                          Fingerprints(hashes, np.arange(count, dtype=np.int64), bag_k), hashes,
                          excluded=excluded))
    return SubmissionPrints.build(sid, short, min_tokens)


def tiles(a: SubmissionPrints, b: SubmissionPrints, neighbour: int) -> list[tuple[int, int, int, int, int]]:
    """Shared runs of at least ``neighbour`` tokens, tiled longest first without overlap."""
    minimum = np.full(len(a.units), neighbour, dtype=np.int64)
    covered_a: dict[int, bytearray] = {}
    covered_b: dict[int, bytearray] = {}
    laid = []
    for unit_a, unit_b, start_a, start_b, length in zip(*(c.tolist() for c in _runs(a, [b], minimum)[1:])):
        line_a = covered_a.setdefault(unit_a, bytearray(a.token_counts[unit_a]))
        line_b = covered_b.setdefault(unit_b, bytearray(b.token_counts[unit_b]))
        for offset, size in _free_stretches(line_a, start_a, line_b, start_b, length, neighbour):
            line_a[start_a + offset: start_a + offset + size] = b"\x01" * size
            line_b[start_b + offset: start_b + offset + size] = b"\x01" * size
            laid.append((unit_a, unit_b, start_a + offset, start_b + offset, size))
    return laid


def merged(laid: list[tuple[int, int, int, int, int]], gap: int, least: int, rule: str) -> tuple[int, int, int]:
    """(matched tokens, gap tokens of a, gap tokens of b) of the merged matches that reach
    ``least`` matched tokens."""
    matched = gaps_a = gaps_b = 0
    by_units: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for unit_a, unit_b, start_a, start_b, length in laid:
        by_units.setdefault((unit_a, unit_b), []).append((start_a, start_b, length))
    for group in by_units.values():
        group.sort()
        # Neighbours: consecutive in a's order and in b's order.
        rank_b = {start_b: r for r, start_b in enumerate(sorted(t[1] for t in group))}
        current = None  # [matched, gap_a, gap_b, end_a, end_b, rank_b]
        for start_a, start_b, length in group:
            r = rank_b[start_b]
            if current is not None and r == current[5] + 1:
                ga, gb = start_a - current[3], start_b - current[4]
                if ga >= 0 and gb >= 0 and ((ga + gb) / 2 if rule == "mean" else max(ga, gb)) <= gap:
                    current[0] += length
                    current[1] += ga
                    current[2] += gb
                    current[3], current[4], current[5] = start_a + length, start_b + length, r
                    continue
            if current is not None and current[0] >= least:
                matched, gaps_a, gaps_b = matched + current[0], gaps_a + current[1], gaps_b + current[2]
            current = [length, 0, 0, start_a + length, start_b + length, r]
        if current is not None and current[0] >= least:
            matched, gaps_a, gaps_b = matched + current[0], gaps_a + current[1], gaps_b + current[2]
    return matched, gaps_a, gaps_b


def load(entry: dict, options: CheckOptions) -> dict:
    table = SymbolTable()
    labels = read_labels(Path(entry["labels"]))
    loaded = [load_submission(p, options, table)
              for p in sorted(Path(entry["submissions"]).iterdir(), key=submission_id)]
    ok = [s for s in loaded if s.status is SubmissionStatus.OK]
    position = {s.id: k for k, s in enumerate(ok)}
    known = [row for row in labels if row[0] in position and row[1] in position]
    comparison = Comparison([s.id for s in ok], [s.units for s in ok], [], options.match)
    i = np.array([position[r[0]] for r in known])
    j = np.array([position[r[1]] for r in known])
    features = comparison.pair_features(i, j)
    m = options.match
    shorts = {k: short_prints(ok[k].id, ok[k].units, m.bag_code, m.min_document_tokens, comparison.excluded.bag)
              for k in sorted(set(i.tolist()) | set(j.tolist()))}
    own = {k: max(int(sum(u.token_count - template_masks([u]).sum()
                          for u in ok[k].units if u.kind is SegmentKind.CODE)), 1) for k in shorts}
    merged_max: dict[tuple, np.ndarray] = {}
    # What one pair's feature would cost the engine: its tiling and one merge (the grid's others
    # reuse the tiles).
    started = time.perf_counter()
    for a, b in zip(i.tolist(), j.tolist()):
        merged(tiles(shorts[a], shorts[b], NEIGHBOURS[0]), GAPS[2], LEAST[0], RULES[1])
    print(f"{entry['name']}: {len(known)} pairs, {(time.perf_counter() - started) / len(known) * 1000:.2f} ms "
          f"per pair to tile ({NEIGHBOURS[0]}-token matches) and merge", file=sys.stderr)
    for neighbour in NEIGHBOURS:
        laid = [tiles(shorts[a], shorts[b], neighbour) for a, b in zip(i.tolist(), j.tolist())]
        for gap in GAPS:
            for least in LEAST:
                for rule in RULES if gap else RULES[:1]:
                    found = [merged(pair_tiles, gap, least, rule) for pair_tiles in laid]
                    for denominator in DENOMINATORS:
                        out = denominator == "gaps out"
                        values = [max(matched / max(own[a] - gap_a * out, 1), matched / max(own[b] - gap_b * out, 1))
                                  for (a, b), (matched, gap_a, gap_b) in zip(zip(i.tolist(), j.tolist()), found)]
                        merged_max[(neighbour, gap, least, rule, denominator)] = np.minimum(np.array(values), 1.0)
    not_fitted = frozenset(entry.get("not_fitted", []))
    return {"features": features.values, "share": features.code_share,
            "labels": np.array([r[2] for r in known]), "kinds": [r[3] for r in known],
            "fitted": np.array([r[3] not in not_fitted for r in known]), "merged": merged_max}


def columns(data: dict, grid: tuple) -> dict[str, np.ndarray]:
    found = {f: data["features"][:, k] for k, f in enumerate(FEATURES)}
    found["merged_max"] = data["merged"][grid]
    found["best_max"] = np.maximum(found["pruned_containment_max"], found["merged_max"])
    return found


def groups(name: str, data: dict) -> list[str]:
    return [f"{name}/{kind}" if y else name for kind, y in zip(data["kinds"], data["labels"].tolist())]


def fit(sets: dict[str, dict], names: list[str], features: list[str], grid: tuple) -> tuple[np.ndarray, float]:
    xs, ys, gs = [], [], []
    for name in names:
        data = sets[name]
        rows = data["fitted"] & (data["share"] >= 0.5)
        found = columns(data, grid)
        xs.append(np.column_stack([found[f] for f in features])[rows])
        ys.append(data["labels"][rows])
        gs.extend(g for g, keep in zip(groups(name, data), rows) if keep)
    x, y = np.concatenate(xs), np.concatenate(ys)
    weights, intercept = fit_weights(x, y, np.asarray(gs), 1.0, list(range(len(features))))
    return np.asarray(weights), intercept


def scores(data: dict, features: list[str], model: tuple[np.ndarray, float], grid: tuple) -> np.ndarray:
    found = columns(data, grid)
    x = np.column_stack([found[f] for f in features])
    return 1.0 / (1.0 + np.exp(-(x @ model[0] + model[1])))


TRIALS = {
    "shipped": list(CODE_FEATURES),
    "+ merged_max": list(CODE_FEATURES) + ["merged_max"],
    "shipped, pruned as max(pruned, merged)": ["containment_max", "containment_min", "cosine_x_containment", "best_max"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out" / "calibration")
    args = parser.parse_args()
    entries = {e["name"]: e for e in json.loads((args.out / "manifest.json").read_text())["sets"]}
    options = CheckOptions(workers=1)
    sets = {name: load(entries[name], options) for name in CODE_SETS}
    grids = sorted(sets[CODE_SETS[0]]["merged"])
    obfuscation = [n for n in CODE_SETS if n.startswith("obfuscation")]
    print("Per trial, its held-out ROC-AUC with the grid point chosen per held-out set (nested); then per grid "
          "point: held out (java-pairs / Progpedia19 / z5z1, fitted on the other two) | fitted on all three: "
          "java-pairs ROC-AUC / errors at 0.5 | pooled obfuscation ROC-AUC / errors at 0.5 (and on real copies: "
          "unrelated pairs flagged + copies missed, the `gpt` pairs left out) | unrelated pairs of "
          "the three sets at >= 0.3 / >= 0.5 | per attack ROC-AUC | weights, intercept")
    for trial, features in TRIALS.items():
        uses_grid = any(f.startswith(("merged", "best")) for f in features)
        # Nested: each held-out set's grid point is the one whose model, fitted on the other two,
        # ranks those two best; the set itself never chooses it.
        held, chosen = [], []
        for name in CODE_SETS:
            others = [m for m in CODE_SETS if m != name]

            def fitted_auc(grid: tuple) -> float:
                model = fit(sets, others, features, grid)
                return float(np.mean([roc_auc(sets[m]["labels"], scores(sets[m], features, model, grid))
                                      for m in others]))
            grid = max(grids, key=fitted_auc) if uses_grid else grids[0]
            chosen.append(grid)
            model = fit(sets, others, features, grid)
            held.append(roc_auc(sets[name]["labels"], scores(sets[name], features, model, grid)))
        print(f"\n{trial}: held out (nested) {' / '.join(f'{h:.4f}' for h in held)}"
              + (f", grid points chosen {chosen}" if uses_grid else ""))
        for grid in (grids if uses_grid else grids[:1]):
            held = [roc_auc(sets[n]["labels"], scores(sets[n], features, fit(sets, [m for m in CODE_SETS if m != n],
                                                                             features, grid), grid))
                    for n in CODE_SETS]
            model = fit(sets, list(CODE_SETS), features, grid)
            pooled_y = np.concatenate([sets[n]["labels"] for n in obfuscation])
            pooled_p = np.concatenate([scores(sets[n], features, model, grid) for n in obfuscation])
            java_y, java_p = sets["java-pairs"]["labels"], scores(sets["java-pairs"], features, model, grid)
            negatives = np.concatenate([scores(sets[n], features, model, grid)[sets[n]["labels"] == 0] for n in CODE_SETS])
            # The pooled errors again without the pairs that are not copies of one another (`gpt`).
            copies = np.concatenate([[k not in ("gpt",) for k in sets[n]["kinds"]] for n in obfuscation])
            flagged = int(((pooled_p >= 0.5) & (pooled_y == 0)).sum())
            missed = int(((pooled_p < 0.5) & (pooled_y == 1) & copies).sum())
            attacks = []
            for n in obfuscation:
                data, p = sets[n], scores(sets[n], features, model, grid)
                for kind in sorted({k for k, y in zip(data["kinds"], data["labels"]) if y}):
                    rows = (data["labels"] == 0) | np.array([k == kind for k in data["kinds"]])
                    attacks.append(f"{n.split('-')[1][:2]} {kind} {roc_auc(data['labels'][rows], p[rows]):.4f}")
            print(f"  {grid if uses_grid else 'shipped'} | {' / '.join(f'{h:.4f}' for h in held)} | "
                  f"{roc_auc(java_y, java_p):.4f} / {int(((java_p >= 0.5) != (java_y == 1)).sum())} | "
                  f"{roc_auc(pooled_y, pooled_p):.4f} / {int(((pooled_p >= 0.5) != (pooled_y == 1)).sum())} "
                  f"(without gpt: {flagged} flagged + {missed} missed) | "
                  f"{int((negatives >= 0.3).sum())} / {int((negatives >= 0.5).sum())} | {', '.join(attacks)} | "
                  f"{', '.join(f'{w:.2f}' for w in model[0])}, {model[1]:.2f}")
    # Both sides of merging, before any fit: how much it lifts the feature it feeds (the larger of
    # the pruned containment and the merged share) on copies, per kind, and on unrelated pairs.
    print("\nThe feature itself: max(pruned containment, merged share) minus the pruned containment, "
          "per grid point: mean lift / share of pairs lifted by 0.1 or more, copies per kind and unrelated pairs")
    for grid in grids:
        cells = []
        for n in CODE_SETS:
            data = sets[n]
            found = columns(data, grid)
            lift = found["best_max"] - found["pruned_containment_max"]
            kinds = [(k if y else "unrelated") for k, y in zip(data["kinds"], data["labels"].tolist())]
            for kind in sorted(set(kinds)):
                rows = np.array([k == kind for k in kinds])
                cells.append(f"{n.split('-')[-1][:5]} {kind} {lift[rows].mean():.3f}/{(lift[rows] >= 0.1).mean():.2f}")
        print(f"  {grid}: " + ", ".join(cells))

if __name__ == "__main__":
    main()
