"""The service's upload order replayed with `check`'s comparison stage: what a young archive does.

    .venv/bin/python benchmarks/run.py service --datasets obfuscation --seed 2   # the service itself
    .venv/bin/python benchmarks/service_prefixes.py --dataset obfuscation --seed 2
    .venv/bin/python benchmarks/service_prefixes.py --seed 2 --confidence 0 --common-min 30 --jaccard 0.3
    .venv/bin/python benchmarks/service_prefixes.py --seed 2 --confidence-young 1   # no extra confidence when young
    .venv/bin/python benchmarks/service_prefixes.py --seed 2 --crossing   # the pairs listed over one population only

The service scores a pair when its later submission arrives, against the entries before it
(`benchmarks/service_path.py`). This takes one cohort's submissions in the service's order (the
same shuffle, seed + the cohort's index) and scores each submission against those before it
with a `score.Comparison` over that prefix alone, as `check` would over that many submissions:
the archive's own paths (running statistics, near-duplicate groups joined one entry at a time)
aside, what is left is what the population's size and mix do. It prints the cohort's ROC-AUC as
reported (pairs under the reporting floor at 0) over the whole cohort and over the prefixes,
overall and for each kind of pair, for the given common-code settings.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))  # after PYTHONPATH: an engine from `git archive` there is measured

import datasets  # noqa: E402
from datasets import sub_id  # noqa: E402
from service_path import upload_order  # noqa: E402

from originality import cohort as cohort_module  # noqa: E402
from originality.calibrate import roc_auc  # noqa: E402
from originality.calibration import FEATURES  # noqa: E402
from originality.check import CheckOptions, load_submission  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.options import MIN_SIMILARITY, MatchOptions  # noqa: E402
from originality.score import Comparison  # noqa: E402


@dataclass(frozen=True)
class Scored:
    """A pair as one comparison scored it, with what its population made of it."""

    similarity: float
    containment: float  # containment_max, the code part's main feature
    background: float
    common_long: int  # long k-grams left out as common code


def scores(ids: list[str], units: list, options: MatchOptions, prefixes: bool) -> dict[frozenset, Scored]:
    """Each submission against the ones before it: over the whole cohort, or over the prefix."""
    found: dict[frozenset, Scored] = {}
    whole = None if prefixes else Comparison(ids, units, [], options)
    column = FEATURES.index("containment_max")
    for n in range(1, len(ids)):
        comparison = Comparison(ids[:n + 1], units[:n + 1], [], options) if prefixes else whole
        features = comparison.pair_features(np.full(n, n), np.arange(n))
        similarity = comparison.similarities(features)
        common = len(comparison.excluded.long)
        found.update((frozenset((ids[n], ids[i])),
                      Scored(float(similarity[i]), float(features.values[i, column]), comparison.background, common))
                     for i in range(n))
    return found


def crossing(whole: dict[frozenset, Scored], prefixes: dict[frozenset, Scored],
             labelled: dict[frozenset, tuple[int, str]], ids: list[str]) -> None:
    """The labelled pairs one population lists and the other does not, with their features."""
    position = {sid: n for n, sid in enumerate(ids, start=1)}
    print("  labelled pairs listed over one population only (later upload's position: whole cohort / "
          "its prefix; similarity, containment_max, background, long k-grams of common code)")
    for pair, (label, kind) in sorted(labelled.items(), key=lambda item: max(position[s] for s in item[0])):
        a, b = whole[pair], prefixes[pair]
        if (a.similarity >= MIN_SIMILARITY) != (b.similarity >= MIN_SIMILARITY):
            print(f"    {'copy' if label else 'none'} {kind:9s} at {max(position[s] for s in pair):4d}: "
                  f"{a.similarity:.4f} / {b.similarity:.4f}, {a.containment:.3f} / {b.containment:.3f}, "
                  f"{a.background:.4f} / {b.background:.4f}, {a.common_long} / {b.common_long}")


def as_reported(found: dict[frozenset, Scored], labelled: dict[frozenset, tuple[int, str]], kind: str | None) -> float:
    pairs = [p for p, (y, k) in labelled.items() if y == 0 or kind is None or k == kind]
    listed = np.array([found[p].similarity if p in found else 0.0 for p in pairs])
    return roc_auc(np.array([labelled[p][0] for p in pairs]), np.where(listed >= MIN_SIMILARITY, listed, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="obfuscation")
    parser.add_argument("--cohort", default=None, help="the cohort's name (default: the first)")
    parser.add_argument("--seed", type=int, default=2, help="the service's seed (`run.py service --seed`)")
    parser.add_argument("--confidence", type=float, help="MatchOptions.common_confidence")
    parser.add_argument("--confidence-young", type=float, help="MatchOptions.common_confidence_young")
    parser.add_argument("--common-min", type=int, help="MatchOptions.common_min_submissions")
    parser.add_argument("--common-fraction", type=float, help="MatchOptions.common_fraction")
    parser.add_argument("--jaccard", type=float, help="cohort.NEAR_DUPLICATE_JACCARD")
    parser.add_argument("--crossing", action="store_true",
                        help="list the labelled pairs listed over one population only, with their features")
    args = parser.parse_args()
    ds = datasets.build(args.dataset)
    chosen = next(c for c in ds.cohorts if args.cohort in (None, c.name))
    order = upload_order(chosen, args.seed + ds.cohorts.index(chosen))  # as `run.py service` does
    match = MatchOptions()
    for field, value in (("common_confidence", args.confidence), ("common_min_submissions", args.common_min),
                         ("common_fraction", args.common_fraction),
                         ("common_confidence_young", args.confidence_young)):
        if value is not None:
            match = replace(match, **{field: value})
    if args.jaccard is not None:
        cohort_module.NEAR_DUPLICATE_JACCARD = args.jaccard
    options = CheckOptions(workers=1, match=match)
    table = SymbolTable()
    loaded = [load_submission(path, options, table) for path in order]
    ids, units = [sub_id(path) for path in order], [s.units for s in loaded]
    known = set(ids)
    labelled = {}
    for pair in ds.evaluated_pairs():
        if set(pair) <= known:
            label, kind = ds.label(pair)
            labelled[frozenset(pair)] = (label, kind.split("/")[-1])
    whole, prefixes = scores(ids, units, match, False), scores(ids, units, match, True)
    kinds = sorted({k for y, k in labelled.values() if y == 1})
    print(f"{ds.name}/{chosen.name}, seed {args.seed}, common code {match.common_min_submissions} groups, "
          f"share {match.common_fraction}, confidence {match.common_confidence} "
          f"({match.common_confidence_young} when young), near-duplicates from "
          f"{cohort_module.NEAR_DUPLICATE_JACCARD}: ROC-AUC as reported (from {MIN_SIMILARITY})")
    for kind in [None, *kinds]:
        a, b = as_reported(whole, labelled, kind), as_reported(prefixes, labelled, kind)
        print(f"  {kind or 'all':10s} whole cohort {a:.4f}  prefixes {b:.4f}  gap {b - a:+.4f}")
    if args.crossing:
        crossing(whole, prefixes, labelled, ids)


if __name__ == "__main__":
    main()
