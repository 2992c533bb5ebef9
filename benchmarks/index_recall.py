"""How many of the pairs that matter the archive's candidate index finds, by banding.

    .venv/bin/python benchmarks/index_recall.py [--bands 128x1,64x2,42x3]

On the real labelled sets (laid out by `benchmarks/calibrate.py` under
benchmarks/out/calibration/; run that first): every submission of a set is sketched as the
archive sketches it (`store.index.minhash_of`: bag features, no starter code in these sets) and
indexed in a datasketch MinHashLSH with the given bands x rows; for the pairs that `check`
scores 0.3 or more, prints the share whose sketches share a band (recall), and the share of all
pairs that are candidates (what the index costs).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from datasketch import MinHashLSH

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality.check import load_submission  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.options import CheckOptions  # noqa: E402
from originality.score import Comparison  # noqa: E402
from originality.store.index import minhash_of  # noqa: E402
from originality.store.settings import LSH_NUM_PERM, LSH_SEED  # noqa: E402

STRONG = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bands", default="128x1,64x2,42x3")
    parser.add_argument("--manifest", type=Path, default=HERE / "out" / "calibration" / "manifest.json")
    args = parser.parse_args()
    bandings = [tuple(int(x) for x in b.split("x")) for b in args.bands.split(",")]
    seen = set()
    for entry in json.loads(args.manifest.read_text())["sets"]:
        if entry["submissions"] in seen:  # the prose halves share their submissions
            continue
        seen.add(entry["submissions"])
        paths = sorted(Path(entry["submissions"]).iterdir())
        loaded = [load_submission(p, CheckOptions(workers=1), SymbolTable()) for p in paths]
        sketches = [minhash_of(s.units, LSH_NUM_PERM, LSH_SEED) for s in loaded]
        comparison = Comparison([s.id for s in loaded], [s.units for s in loaded], [], CheckOptions().match)
        features = comparison.all_pairs()
        similarity = comparison.similarities(features)
        strong = [(int(i), int(j)) for i, j, v in zip(features.i, features.j, similarity) if v >= STRONG]
        total = len(loaded) * (len(loaded) - 1) / 2
        for bands, rows in bandings:
            lsh = MinHashLSH(num_perm=LSH_NUM_PERM, params=(bands, rows))
            for key, sketch in enumerate(sketches):
                lsh.insert(key, sketch)
            candidates = [set(lsh.query(sketch)) for sketch in sketches]
            found = sum(1 for i, j in strong if j in candidates[i])
            pairs = (sum(len(c) for c in candidates) - len(candidates)) / 2
            print(f"{entry['name']:28s} {bands:3d} x {rows}  pairs >= {STRONG}: {len(strong):6d}  "
                  f"recall {found / max(1, len(strong)):.4f}  candidates {pairs / total:.1%} of pairs")


if __name__ == "__main__":
    main()
