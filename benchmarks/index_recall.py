"""How many of the pairs that matter the archive's candidate stage finds, and what it costs.

    .venv/bin/python benchmarks/index_recall.py [--samples 4,8] [--small 80] [--seed 1] [--sampled-only]

On the real labelled sets (laid out by `benchmarks/calibrate.py` under
benchmarks/out/calibration/; run that first), every submission of a set is archived in a
shuffled order and each is checked against those before it, as the service does. A pair is
a candidate when the later one finds the earlier one through either part of the candidate
stage: the code postings (`archive/postings.py`: the earlier one's posted long k-grams, and for
an upload with fewer than `--small` its unsampled (winnowed) ones too, hits enough for a pair at
`--found-from`; `--sampled-only`: the sample alone, as before the unsampled postings) or the
MinHash LSH over the prose bags (`store/index.py`, 128 bands of 1 row). For the pairs that
`check` scores 0.3 or more (and 0.1, the reporting floor), prints the share that are candidates
(recall), and the share of all pairs that are candidates (what the check then loads); "scored":
the same for the candidates the comparison goes on to score, those that can reach the reporting
floor by their long k-grams (`score.Comparison.may_reach`). No starter code or common code in
these sets, so the postings hold every own long k-gram the sample keeps.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH
from scipy import sparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality.archive import postings  # noqa: E402
from originality.calibration import DEFAULT_MODEL  # noqa: E402
from originality.check import load_submission  # noqa: E402
from originality.fingerprint import SymbolTable  # noqa: E402
from originality.options import MIN_SIMILARITY, CheckOptions  # noqa: E402
from originality.score import Comparison, at_best  # noqa: E402
from originality.store.index import minhash_of  # noqa: E402
from originality.store.settings import LSH_BANDS, LSH_NUM_PERM, LSH_SEED  # noqa: E402

LEVELS = (0.3, MIN_SIMILARITY)


def posting_candidates(own: list[np.ndarray], order: list[int], sample: int, small: int,
                       floor: float, unsampled: list[np.ndarray] | None) -> np.ndarray:
    """A boolean matrix: [u, e] when upload u finds entry e (archived before it) by postings;
    ``unsampled``: each entry's unsampled postings, which a tiny upload reads too."""
    n = len(own)
    posted = []
    for o in own:  # postings.posted with this sample and small size
        posted.append(o if len(o) < small else o[(o & np.uint64(sample - 1)) == 0])
    if unsampled is not None:  # a tiny upload's hits among them come on top (``postings.UNSAMPLED``)
        tiny_posted = [np.union1d(p, extra) for p, extra in zip(posted, unsampled)]
    values, column = np.unique(np.concatenate(posted + [np.zeros(0, np.uint64)]), return_inverse=True)
    rows = np.repeat(np.arange(n), [len(p) for p in posted])
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, column)), shape=(n, max(1, len(values))))
    # Hits of u's own k-grams among e's posted ones: u's full set against e's postings.
    full_values = np.searchsorted(values, np.concatenate(own + [np.zeros(0, np.uint64)]))
    full_rows = np.repeat(np.arange(n), [len(o) for o in own])
    present = full_values < len(values)
    present[present] &= values[full_values[present]] == np.concatenate(own + [np.zeros(0, np.uint64)])[present]
    full = sparse.csr_matrix((np.ones(int(present.sum())), (full_rows[present], full_values[present])),
                             shape=(n, max(1, len(values))))
    hits = (full @ matrix.T).toarray()
    sizes = np.array([len(o) for o in own])
    smaller = np.minimum.outer(sizes, sizes).astype(np.float64)
    expected = floor * smaller / np.where(sizes[None, :] < small, 1.0, sample)
    if unsampled is not None:
        tiny = sizes < small
        hits[tiny] = np.array([[len(np.intersect1d(own[u], tiny_posted[e], assume_unique=True)) for e in range(n)]
                               for u in np.flatnonzero(tiny)]).reshape(int(tiny.sum()), n)
    need = np.maximum(1, np.floor(expected - postings.Z * np.sqrt(expected)))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    earlier = rank[None, :] < rank[:, None]
    return (hits >= need) & earlier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default="4,8")
    parser.add_argument("--small", type=int, default=postings.SMALL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sampled-only", action="store_true",
                        help="tiny uploads read the sampled postings only (as before postings.UNSAMPLED)")
    parser.add_argument("--found-from", type=float, default=postings.FOUND_FROM,
                        help="the similarity the postings test is built for (shipped: 0.3)")
    parser.add_argument("--manifest", type=Path, default=HERE / "out" / "calibration" / "manifest.json")
    args = parser.parse_args()
    seen = set()
    for entry in json.loads(args.manifest.read_text())["sets"]:
        if entry["submissions"] in seen:  # the prose halves share their submissions
            continue
        seen.add(entry["submissions"])
        paths = sorted(Path(entry["submissions"]).iterdir())
        loaded = [load_submission(p, CheckOptions(workers=1), SymbolTable()) for p in paths]
        n = len(loaded)
        order = list(range(n))
        random.Random(args.seed).shuffle(order)
        comparison = Comparison([s.id for s in loaded], [s.units for s in loaded], [], CheckOptions().match)
        features = comparison.all_pairs()
        similarity = comparison.similarities(features)
        # The pairs the comparison goes on to score (``Comparison.may_reach``): those that can
        # reach the reporting floor by their long k-grams, the bag at its best.
        best = at_best(features)
        bound = np.round(DEFAULT_MODEL.similarity(best.values, best.code_share, comparison.background), 4)
        reach = np.zeros((n, n), dtype=bool)
        reachable = (bound >= MIN_SIMILARITY) & DEFAULT_MODEL.has_evidence(best.values, best.code_share)
        reach[features.i[reachable], features.j[reachable]] = True
        reach |= reach.T
        own = [postings.own_long(s.units, np.zeros(0, dtype=np.uint64)) for s in loaded]
        unsampled = [postings.unsampled(o, postings.winnowed(s.units)) for o, s in zip(own, loaded)]
        lsh = MinHashLSH(num_perm=LSH_NUM_PERM, params=(LSH_BANDS, LSH_NUM_PERM // LSH_BANDS))
        sketches = [minhash_of(s.units, LSH_NUM_PERM, LSH_SEED) for s in loaded]
        prose = np.zeros((n, n), dtype=bool)
        for u in order:  # each upload queries the entries before it, then is archived
            if not sketches[u].is_empty():
                for e in lsh.query(sketches[u]):
                    prose[u, e] = True
                lsh.insert(u, sketches[u])
        sizes = np.array([len(o) for o in own])
        print(f"{entry['name']}: {n} submissions, own long k-grams of code median {int(np.median(sizes))}, "
              f"{int((sizes < args.small).sum())} under {args.small}")
        for sample in [int(s) for s in args.samples.split(",")]:
            floor = postings.containment_floor(DEFAULT_MODEL, args.found_from)
            kept = None if args.sampled_only or sample != postings.SAMPLE else unsampled
            found = posting_candidates(own, order, sample, args.small, floor, kept) | prose
            either = found | found.T  # a pair is found from its later side
            parts = []
            for level in LEVELS:
                strong = similarity >= level
                i, j = features.i[strong], features.j[strong]
                parts.append(f">= {level}: {int(strong.sum())} pairs, recall {either[i, j].mean() if len(i) else 1:.4f}"
                             f" (scored {(either & reach)[i, j].mean() if len(i) else 1:.4f})")
            share = either[np.triu_indices(n, 1)].mean()
            scored = (either & reach)[np.triu_indices(n, 1)].mean()
            rows = sum(len(postings.posted(o)) if sample == postings.SAMPLE else 0 for o in own)
            extra = sum(len(k) for k in kept) if kept is not None else 0
            print(f"  sample 1/{sample}: candidates {share:.1%} of pairs, {scored:.1%} scored; " + "; ".join(parts)
                  + (f"; {rows / n:.0f} postings an entry" if rows else "")
                  + (f" (and {extra / n:.0f} unsampled, read by tiny uploads only)" if kept is not None else ""))


if __name__ == "__main__":
    main()
