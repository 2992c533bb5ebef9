"""Choose the score at which the side by side marks a sentence as paraphrased, on real data.

    .venv/bin/python benchmarks/sentence_marks.py [--data DIR] [--max-false 0.02]

On the P4P corpus (shared/data/prose-paraphrase: 856 source passages, their human paraphrases,
and 4,280 negative pairs of unrelated passages), every sentence of a plagiarised passage is
scored, as :mod:`originality.sxs` scores it, by its best match among the sentences of:

- its own source (positive: a mark there is the evidence an assessor needs);
- one unrelated source, each negative pair of pairs.csv (a false mark);
- its five unrelated sources pooled (a false mark against some 12 sentences): a fragment of a
  report usually has more sentences than one P4P passage, and every extra partner sentence is
  another chance of a false mark, so this stricter rate is the one the threshold keeps low.

Prints, for a few scorers, the share of positive and negative sentences marked by threshold,
the lowest threshold whose pooled false-mark share stays within ``--max-false``, and the
figures of the shipped :data:`originality.sxs.PARAPHRASE_SCORE`. Sentences are split by the
product's splitter; those shorter than a shingle are left out, as the product leaves them.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fixtures import scenarios  # noqa: E402
from originality import sxs  # noqa: E402

DATA = Path("/work/shared/data/prose-paraphrase")
THRESHOLDS = range(50, 67, 2)
# The product's scorer first; the others are what it was chosen against.
SCORERS: dict[str, Callable[..., float]] = {
    "token_set_ratio": fuzz.token_set_ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "ratio": fuzz.ratio,
}


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sxs.sentences(text)]


def folded(sentence: str) -> str:
    return " ".join(sxs.folded_words(sentence))


def long_enough(sentence: str) -> bool:
    return len(sxs.folded_words(sentence)) >= sxs.PARAPHRASE_MIN_WORDS


def best_scores(
    texts: dict[str, str], cases: Sequence[tuple[str, Sequence[str]]], scorer: Callable[..., Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence of each case's plagiarised text: its best score against the sentences of
    the case's partners, and whether it shares a word shingle with them."""
    scores: list[float] = []
    shared: list[bool] = []
    for plagiarised, partners in cases:
        theirs = [folded(s) for p in partners for s in sentences(texts[p]) if long_enough(s)]
        their_shingles = set().union(*(sxs.shingles(texts[p]) for p in partners))
        for sentence in filter(long_enough, sentences(texts[plagiarised])):
            shared.append(bool(sxs.shingles(sentence) & their_shingles))
            if not theirs:
                scores.append(0.0)
                continue
            scores.append(float(process.cdist([folded(sentence)], theirs, scorer=scorer).max()))
    return np.array(scores), np.array(shared)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--max-false", type=float, default=0.02,
                        help="largest share of unrelated sentences (pooled partners) marked")
    args = parser.parse_args(argv)

    texts = {p.stem: p.read_text(encoding="utf-8") for p in (args.data / "texts").glob("*.txt")}
    with open(args.data / "pairs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    positives = [(r["b"], [r["a"]]) for r in rows if r["label"] == "1"]
    negatives = [(r["b"], [r["a"]]) for r in rows if r["label"] == "0"]
    pooled_partners: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r["label"] == "0":
            pooled_partners[r["b"]].append(r["a"])
    pooled = sorted(pooled_partners.items())

    print(f"P4P: {len(positives)} positive pairs, {len(negatives)} negative pairs; "
          f"{len(pooled)} plagiarised texts with {len(negatives) / len(pooled):.1f} unrelated "
          f"sources each; sentences of at least {sxs.PARAPHRASE_MIN_WORDS} words")
    for name, scorer in SCORERS.items():
        pos, pos_shared = best_scores(texts, positives, scorer)
        neg, _ = best_scores(texts, negatives, scorer)
        pool, pool_shared = best_scores(texts, pooled, scorer)
        print(f"\n{name}: {len(pos)} positive sentences, {len(neg)} against one unrelated "
              f"source, {len(pool)} against five pooled")
        print(f"  shingles alone mark {pos_shared.mean():.1%} of positive sentences, "
              f"{pool_shared.mean():.2%} of pooled negative ones")
        print("  threshold  positive  +shingles  negative(1)  negative(5 pooled)")
        for threshold in THRESHOLDS:
            marked = pos >= threshold
            print(f"  {threshold:>9}  {marked.mean():>8.1%}  {(marked | pos_shared).mean():>9.1%}"
                  f"  {(neg >= threshold).mean():>11.2%}  {(pool >= threshold).mean():>18.2%}")
        within = [t for t in range(0, 101) if (pool >= t).mean() <= args.max_false]
        pick = within[0]
        print(f"  lowest threshold with <= {args.max_false:.0%} pooled false marks: {pick} "
              f"(positive {(pos >= pick).mean():.1%}, with shingles "
              f"{((pos >= pick) | pos_shared).mean():.1%}; negative {(neg >= pick).mean():.2%}, "
              f"pooled {(pool >= pick).mean():.2%})")
        if scorer is fuzz.token_set_ratio:
            shipped = sxs.PARAPHRASE_SCORE
            print(f"  shipped PARAPHRASE_SCORE = {shipped}: with shingles it marks "
                  f"{((pos >= shipped) | pos_shared).mean():.1%} of positive sentences "
                  f"({((pos >= shipped) & ~pos_shared).mean():.1%} that no shingle marks); "
                  f"negative {(neg >= shipped).mean():.2%}, pooled {(pool >= shipped).mean():.2%}")

    # P4P's negatives are unrelated topics. Same-task independent prose shares its vocabulary:
    # the fixtures' independent report against the source report, whole texts, as
    # sxs.sentence_marks marks them (a page only marks inside matched fragments).
    independent = "\n\n".join(scenarios.PROSE_INDEPENDENT_PARAGRAPHS)
    marks = sxs.sentence_marks(independent, scenarios.PROSE_SOURCE_MD)
    total = sum(1 for s, e in sxs.sentences(independent) if long_enough(independent[s:e]))
    kinds = [why for _, _, why in marks]
    print(f"\nsame task, independent (fixtures prose_independent vs prose_source, whole texts): "
          f"{len(marks)} of {total} sentences marked, "
          f"{kinds.count(sxs.SentenceMark.SHARED)} by shingles, "
          f"{kinds.count(sxs.SentenceMark.PARAPHRASED)} as paraphrased")

    # The product's own function, on every positive pair: what a page pays per sentence pair.
    cases = [(sentences(texts[b]), sentences(texts[a])) for b, (a,) in positives]
    pairs = sum(len(mine) * len(theirs) for mine, theirs in cases)
    start = time.perf_counter()
    for mine, theirs in cases:
        sxs.paraphrase_scores(mine, theirs)
    elapsed = time.perf_counter() - start
    print(f"\nsxs.paraphrase_scores: {len(cases)} passage pairs, {pairs} sentence pairs in "
          f"{elapsed * 1000:.0f} ms ({elapsed / pairs * 1e6:.1f} us a sentence pair, "
          "preparation included)")


if __name__ == "__main__":
    main()
