"""Fit the calibrated similarity on the real labelled sets and measure it.

    .venv/bin/python benchmarks/calibrate.py [--out benchmarks/out/calibration]
    .venv/bin/python benchmarks/calibrate.py --kgram-prose 5 --bag-prose 1 --out /tmp/calibration   # other lengths
    .venv/bin/python benchmarks/calibrate.py --min-document-tokens 50 --out /tmp/calibration

Lays out the three real sets of shared/data as `originality calibrate` reads them (each
submission in a folder named by its id, files renamed to neutral names so no name gives a
label away; obfuscation's two sets apart, as they are different tasks; the prose set in two
halves by a hash of the pair, so that each half is held out in turn), runs the fit, and prints
the coefficients, each set's held-out ROC-AUC, and the reliability curve over all labelled
pairs (predicted similarity by tenths against the observed share of copies).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from datasets import build_prose_embedded  # noqa: E402
from originality.calibrate import labelled_features, read_labels, roc_auc  # noqa: E402
from originality.calibration import DEFAULT_MODEL  # noqa: E402
from originality.options import NORMALIZATIONS, TOKENIZER, TOKENIZERS, CheckOptions, MatchOptions  # noqa: E402

DATA = Path("/work/shared/data") if Path("/work/shared/data").exists() else HERE.parent.parent / "shared" / "data"


def half_of(a: str, b: str) -> int:
    return hashlib.sha256(f"{a},{b}".encode()).digest()[0] % 2


def _folders(out: Path, name: str, sources: dict[str, list[Path]]) -> Path:
    root = out / name / "submissions"
    if root.exists():
        return root
    for sid, files in sources.items():
        folder = root / sid
        folder.mkdir(parents=True)
        for index, file in enumerate(sorted(files)):
            shutil.copy(file, folder / f"file{index}{file.suffix}")
    return root


def _labels(path: Path, rows: list[tuple[str, str, int, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "label", "kind"])
        writer.writerows(rows)
    return path


def layout(out: Path) -> dict:
    sets = []
    java = DATA / "java-pairs"
    root = _folders(out, "java-pairs", {f.stem: [f] for f in (java / "java").glob("*.java")})
    rows = [(r["sub1"], r["sub2"], int(r["veredict"]), "copy" if r["veredict"] == "1" else "")
            for r in csv.DictReader(open(java / "pairs.csv"))]
    sets.append({"name": "java-pairs", "submissions": str(root),
                 "labels": str(_labels(out / "java-pairs" / "labels.csv", rows))})
    obf = DATA / "obfuscation"
    pairs = list(csv.DictReader(open(obf / "pairs.csv")))
    for part in ("Progpedia19", "z5z1"):
        root = _folders(out, f"obfuscation-{part}",
                        {d.name: [f for f in d.iterdir() if f.is_file()] for d in (obf / "subs" / part).iterdir()})
        rows = [(r["a"], r["b"], int(r["label"]), r["attack"] if r["label"] == "1" else "")
                for r in pairs if r["set"] == part]
        # `gpt` pairs are two programs GPT-4 wrote from the task alone: the paper labels them 1
        # (can AI use be caught?), but neither copies the other, so they do not teach the model
        # what a copy looks like; they are still scored in every figure.
        sets.append({"name": f"obfuscation-{part}", "submissions": str(root),
                     "labels": str(_labels(out / f"obfuscation-{part}" / "labels.csv", rows)),
                     "not_fitted": ["gpt"]})
    prose = DATA / "prose-paraphrase"
    root = _folders(out, "prose-paraphrase", {f.stem: [f] for f in (prose / "texts").glob("*.txt")})
    rows = [(r["a"], r["b"], int(r["label"]), "paraphrase" if r["label"] == "1" else "")
            for r in csv.DictReader(open(prose / "pairs.csv"))]
    for half in (0, 1):
        name = f"prose-paraphrase-{'ab'[half]}"
        sets.append({"name": name, "submissions": str(root),
                     "labels": str(_labels(out / name / "labels.csv",
                                           [r for r in rows if half_of(r[0], r[1]) == half]))})
    # P4P's passages composed into longer documents (datasets.build_prose_embedded): no real set
    # pairs a text with a longer one holding its source. Scored, never fitted on: its passages
    # are the prose set's, so it would leak each held-out half into the fit (every kind is named
    # not fitted; `read_labels` calls a row without a kind, the negatives here, "copy").
    embedded = build_prose_embedded()
    rows = [(r["a"], r["b"], int(r["label"]), r["kind"] if r["label"] == "1" else "")
            for r in csv.DictReader(open(embedded / "truth.csv"))]
    sets.append({"name": "prose-embedded", "submissions": str(embedded / "subs"),
                 "labels": str(_labels(out / "prose-embedded" / "labels.csv", rows)),
                 "not_fitted": ["source-in-longer", "both-in-longer", "copy"]})
    return {"sets": sets}


def reliability(probabilities: np.ndarray, labels: np.ndarray) -> list[tuple[str, int, float, float]]:
    """Per tenth of predicted similarity: pairs, mean prediction, observed share of copies."""
    rows = []
    for low in np.arange(0.0, 1.0, 0.1):
        inside = (probabilities >= low) & (probabilities < low + 0.1 if low < 0.9 else probabilities <= 1.0)
        if inside.any():
            rows.append((f"{low:.1f}-{low + 0.1:.1f}", int(inside.sum()), float(probabilities[inside].mean()),
                         float(labels[inside].mean())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out" / "calibration")
    parser.add_argument("--tokenizer", choices=TOKENIZERS, default=TOKENIZER,
                        help="how code becomes tokens (the engine's MatchOptions.tokenizer)")
    parser.add_argument("--normalizations", default=",".join(NORMALIZATIONS),
                        help="the parser path's normalizations, comma-separated ('' for none)")
    parser.add_argument("--kgram-prose", type=int, default=MatchOptions.kgram_prose,
                        help="prose's long k-gram length in words (options.KGRAM_PROSE by default)")
    parser.add_argument("--bag-prose", type=int, default=MatchOptions.bag_prose,
                        help="prose's bag k-gram length in words (options.BAG_PROSE by default)")
    parser.add_argument("--min-document-tokens", type=int, default=MatchOptions.min_document_tokens,
                        help="the fewest code tokens a file is compared with (options.MIN_DOCUMENT_TOKENS)")
    args = parser.parse_args()
    options = CheckOptions(workers=1, match=MatchOptions(min_document_tokens=args.min_document_tokens,
        tokenizer=args.tokenizer, normalizations=tuple(n for n in args.normalizations.split(",") if n),
        kgram_prose=args.kgram_prose, bag_prose=args.bag_prose))
    manifest = args.out / "manifest.json"
    args.out.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps(layout(args.out), indent=1))
    from originality.calibrate import run

    result = run(manifest, lambda message: print(message, file=sys.stderr), options)
    print(json.dumps(result, indent=2, sort_keys=True))
    # The shipped model on every set: ROC-AUC and the reliability curve.
    probabilities, labels = [], []
    print("\nshipped model (calibration.DEFAULT_MODEL):")
    for entry in json.loads(manifest.read_text())["sets"]:
        pairs = labelled_features(entry["name"], sorted(Path(entry["submissions"]).iterdir()),
                                  read_labels(Path(entry["labels"])), [], options)
        p = DEFAULT_MODEL.similarity(pairs.features, pairs.code_share, pairs.background)
        errors = int(((p >= 0.5) & (pairs.labels == 0)).sum() + ((p < 0.5) & (pairs.labels == 1)).sum())
        print(f"  {entry['name']:28s} ROC-AUC {roc_auc(pairs.labels, p):.4f}  errors at 0.5: {errors} "
              f"of {len(p)}")
        # The reliability curve is about copies: the kinds not fitted on (AI-written pairs) are
        # left out of it, as they are of the fit.
        fitted = np.array([kind not in entry.get("not_fitted", []) for kind in pairs.kinds])
        probabilities.append(p[fitted])
        labels.append(pairs.labels[fitted])
    print("\nreliability (labelled pairs fitted on): similarity | pairs | mean similarity | share of copies")
    for band, count, mean, observed in reliability(np.concatenate(probabilities), np.concatenate(labels)):
        print(f"  {band} | {count:5d} | {mean:.3f} | {observed:.3f}")


if __name__ == "__main__":
    main()
