"""Do the tricks of issue 12 still hide a copy? Measured on real passages.

    .venv/bin/python benchmarks/tricks.py [--data DIR] [--pairs 200]

On the P4P corpus (shared/data/prose-paraphrase: source passages and their human paraphrases),
the first ``--pairs`` pairs form one cohort: every source passage, and beside it its copy, as a
student would hand it in. Two kinds of copy: the source itself (``verbatim``) and the human
paraphrase (``paraphrase``). Each is handed in plain, then with one trick at a time (zero-width
spaces between letters, soft hyphens, Cyrillic look-alikes, and white 1-point filler words drawn
from the other passages, interleaved with the copy in a Word document); the plain Word document
is the reference for the filler. ``check`` scores the whole cohort each time.

Prints, per trick, the mean similarity of the copies with their sources, the mean and largest
change from the plain copy, the share of copies within 0.1 of their plain score, and the share
flagged with the trick's kind (and, for the plain copies, any flag at all: a false flag).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fixtures import tricks  # noqa: E402
from originality import check  # noqa: E402

DATA = Path("/work/shared/data/prose-paraphrase")

Trick = tuple[str, str, str, Callable[[str, list[str]], bytes]]
# (name, file the copy is handed in as, the flag kind it must get, how it is written)
TRICKS: list[Trick] = [
    ("plain text", "copy.txt", "", lambda text, filler: text.encode()),
    ("zero-width spaces", "copy.txt", "invisible_characters",
     lambda text, filler: tricks.zero_width_spaces(text).encode()),
    ("soft hyphens", "copy.txt", "invisible_characters",
     lambda text, filler: tricks.soft_hyphens(text).encode()),
    ("Cyrillic look-alikes", "copy.txt", "homoglyphs",
     lambda text, filler: tricks.cyrillic_lookalikes(text).encode()),
    ("plain Word document", "copy.docx", "", lambda text, filler: tricks.docx_with_filler(text)),
    ("white 1-pt filler (DOCX)", "copy.docx", "hidden_text", tricks.docx_with_filler),
    ("white 1-pt filler (PDF)", "copy.pdf", "hidden_text", tricks.pdf_with_filler),
]
REFERENCE = {"copy.txt": "plain text", "copy.docx": "plain Word document",
             "copy.pdf": "plain Word document"}


def run(sources: list[str], copies: list[str], trick: Trick,
        root: Path) -> tuple[list[float], list[set[str]]]:
    """The similarity of each copy with its source, and the kinds each copy was flagged with."""
    name, file, _, write = trick
    folder = root / name.replace(" ", "_")
    paths = []
    for index, (source, copy) in enumerate(zip(sources, copies)):
        filler = " ".join(sources[index + 1: index + 4] or sources[:3]).split()
        (folder / f"s{index:04d}").mkdir(parents=True)
        (folder / f"s{index:04d}" / "source.txt").write_text(source, encoding="utf-8")
        (folder / f"c{index:04d}").mkdir()
        (folder / f"c{index:04d}" / file).write_bytes(write(copy, filler))
        paths += [folder / f"s{index:04d}", folder / f"c{index:04d}"]
    report = check(paths)
    similarity = {(p.a, p.b): p.similarity for p in report.pairs}
    # getattr: the same script measures an engine from before flags, for the figures before.
    flags = {s.id: {str(f["kind"]) for f in getattr(s, "flags", ())} for s in report.submissions}
    scores = [similarity.get((f"c{i:04d}", f"s{i:04d}"), 0.0) for i in range(len(sources))]
    return scores, [flags[f"c{i:04d}"] for i in range(len(sources))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pairs", type=int, default=200)
    args = parser.parse_args(argv)
    with open(args.data / "pairs.csv", newline="") as handle:
        positives = [row for row in csv.DictReader(handle) if row["label"] == "1"][: args.pairs]
    text = {name: (args.data / "texts" / f"{name}.txt").read_text(encoding="utf-8").strip()
            for row in positives for name in (row["a"], row["b"])}
    sources = [text[row["a"]] for row in positives]
    kinds = {"verbatim": sources, "paraphrase": [text[row["b"]] for row in positives]}
    for kind, copies in kinds.items():
        print(f"\n{kind} copies of {len(sources)} P4P source passages")
        print("| trick | mean similarity | mean change | largest change | within 0.1 | flagged |")
        print("|---|---|---|---|---|---|")
        results: dict[str, tuple[list[float], list[set[str]]]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for trick in TRICKS:
                started = time.perf_counter()
                results[trick[0]] = run(sources, copies, trick, Path(tmp))
                scores, flags = results[trick[0]]
                reference = results[REFERENCE[trick[1]]][0]
                changes = [abs(s - r) for s, r in zip(scores, reference)]
                wanted = trick[2]
                flagged = [wanted in f if wanted else bool(f) for f in flags]
                print(f"| {trick[0]} | {sum(scores) / len(scores):.3f} | "
                      f"{sum(changes) / len(changes):.4f} | {max(changes):.4f} | "
                      f"{sum(c <= 0.1 for c in changes) / len(changes):.1%} | "
                      f"{sum(flagged) / len(flagged):.1%}{' (false flags)' if not wanted else ''} |"
                      f"  [{time.perf_counter() - started:.1f} s]", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
