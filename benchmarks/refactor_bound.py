"""What undoing Spoon's refactorings would buy: a bound, by rewriting the text.

    .venv/bin/python benchmarks/refactor_bound.py    # ~15 s (the obfuscation set laid out by run.py)

The obfuscation set's `refactor` attack (Progpedia19, Java) is the one where we miss more real
copies at 0.5 than copydetect (docs/benchmarks.md, "Where the real copies we miss stand"):
Spoon boxes locals and conditions in `Optional`s, extracts sub-expressions into single-use
locals, moves literals into constant classes and inserts methods that only throw, so that most
refactored programs share no long k-gram with their source. Here each step is undone on a copy
of the set's refactored programs by text rewriting, written for Spoon's own output and nothing
else (an experiment, not the engine), and `originality check` scores the cohort again:

- ``unbox``: ``Optional.of(e)`` read as ``(e)``, ``x.get()`` as ``x``, ``Optional<T>`` as ``T``;
- ``inline``: a local ``EXTRACTED_n`` read once replaced by its initializer;
- ``constants``: ``XConstants.CONSTANT_n`` replaced by its value, the constant classes dropped;
- ``dead``: the inserted methods that only throw dropped.

For each combination it prints how many of the 27 refactored pairs reach 0.5, their median,
and the set's 351 unrelated pairs that reach 0.5 and their highest score: what a normalization
doing the same in the parser's walk (``syntax.py``) could reach at most, and whether it would
lift unrelated work (the rewriting touches refactored programs only, so it cannot say that;
a real normalization would rewrite every program). Two of them are built so since, as the named
normalizations ``optionals`` and ``inline`` (docs/benchmarks.md, "Spoon's boxes and extracted
locals"), which rewrite every program.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
SET = HERE / "out" / "obfuscation"
STEPS = ("unbox", "inline", "constants", "dead")
TRIALS = ("", "unbox", "inline", "constants", "dead", "unbox,inline", "unbox,inline,constants,dead")
THROWING = re.compile(r"\n\s*(?:/\*\*\s*\*/\s*)?public [\w<>\[\]]+ ?\w*\([^)]*\) \{\s*"
                      r"throw new RuntimeException\(\"You'd better not have called me!\"\);\s*\}")
EXTRACTED = re.compile(r"\n[ \t]*[\w<>\[\]]+ (EXTRACTED_\w+) = (.*?);[ \t]*(?=\n)")


def unwrap(text: str, head: str) -> str:
    """Each call ``head...)`` (``head`` ending in its open parenthesis) as its parenthesized
    argument."""
    out, at = [], 0
    while (start := text.find(head, at)) >= 0:
        out.append(text[at:start])
        end, depth = start + len(head), 1
        while depth:
            depth += (text[end] == "(") - (text[end] == ")")
            end += 1
        out.append("(" + text[start + len(head):end - 1] + ")")
        at = end
    return "".join(out) + text[at:]


def inline_extracted(text: str) -> str:
    """Each ``EXTRACTED_n`` local read once, replaced by its initializer, until none is left."""
    while True:
        for found in EXTRACTED.finditer(text):
            name, value = found.group(1), found.group(2)
            rest = text[found.end():]
            if len(re.findall(rf"\b{name}\b", rest)) == 1:
                text = text[:found.start()] + re.sub(rf"\b{name}\b", lambda _: value, rest, count=1)
                break
        else:
            return text


def undo(folder: Path, steps: set[str]) -> None:
    """Rewrite one refactored program's files in place."""
    files = sorted(folder.iterdir())
    values: dict[str, str] = {}
    if "constants" in steps:
        for path in list(files):
            declared = re.search(r"public class (\w+Constants)\b", path.read_text())
            if declared:
                for name, value in re.findall(r"static final \w+ (CONSTANT_\d+) = (.*?);", path.read_text()):
                    values[f"{declared.group(1)}.{name}"] = value
                path.unlink()
                files.remove(path)
    for path in files:
        text = path.read_text()
        for name, value in values.items():
            text = text.replace(name, value)
        if "unbox" in steps:
            text = re.sub(r"Optional<(\w+)>", r"\1", re.sub(r"(\w+)\.get\(\)", r"\1", unwrap(text, "Optional.of(")))
        if "dead" in steps:
            text = THROWING.sub("", text)
        if "inline" in steps:
            text = inline_extracted(text)
        path.write_text(text)


def scores(folder: Path, report: Path) -> dict[frozenset[str], float]:
    subprocess.run([sys.executable, "-m", "originality", "check", *sorted(map(str, folder.iterdir())),
                    "--min-similarity", "0", "--json", str(report)], check=True, capture_output=True)
    return {frozenset((p["a"], p["b"])): p["similarity"] for p in json.loads(report.read_text())["pairs"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", default=";".join(TRIALS), help="step combinations, ';'-separated")
    args = parser.parse_args()
    if not (SET / "mapping.csv").exists():
        raise SystemExit(f"{SET} is not laid out: run `benchmarks/run.py detection --datasets obfuscation` first")
    origin = {row[0]: row[2] for row in csv.reader(open(SET / "mapping.csv"))}
    truth = list(csv.DictReader(open(SET / "truth.csv")))
    source = SET / "Progpedia19" / "subs"
    ids = {p.name for p in source.iterdir()}
    refactored = [frozenset((t["a"], t["b"])) for t in truth if t["kind"] == "Progpedia19/refactor"]
    unrelated = [frozenset((t["a"], t["b"])) for t in truth
                 if t["label"] == "0" and t["a"] in ids and t["b"] in ids]
    with tempfile.TemporaryDirectory(prefix="refactor-bound-") as scratch:
        for trial in args.trials.split(";"):
            steps = set(filter(None, trial.split(",")))
            if steps - set(STEPS):
                raise SystemExit(f"unknown steps {sorted(steps - set(STEPS))}; known: {', '.join(STEPS)}")
            folder = Path(scratch) / (trial or "none")
            shutil.copytree(source, folder)
            for program in folder.iterdir():
                if origin[program.name].startswith("refactor-plag-"):
                    undo(program, steps)
            found = scores(folder, Path(scratch) / f"{trial or 'none'}.json")
            copies = [found.get(p, 0.0) for p in refactored]
            others = [found.get(p, 0.0) for p in unrelated]
            print(f"{trial or 'as handed in':<28} refactored pairs from 0.5: {sum(s >= 0.5 for s in copies):>2} of "
                  f"{len(copies)} (median {median(copies):.3f}); unrelated from 0.5: "
                  f"{sum(s >= 0.5 for s in others)} of {len(others)} (highest {max(others):.3f})")


if __name__ == "__main__":
    main()
