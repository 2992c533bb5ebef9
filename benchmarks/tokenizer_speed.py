"""What the parser path costs: milliseconds per 1,000 lines of code, parser against lexer.

    .venv/bin/python benchmarks/tokenizer_speed.py [--repeat 3]
    .venv/bin/python benchmarks/tokenizer_speed.py --each   # what each optional normalization adds

Tokenizes every program of the real code sets in shared/data (java-pairs: Java; obfuscation:
Java and C++) with ``syntax.tokenize`` (tree-sitter, default normalizations) and with
``fastlex.tokenize`` (the lexical path), in this process, one file after another, and prints
the best of ``--repeat`` passes per language: lines, tokens, and milliseconds per 1,000 lines.
``--each``: the parser's milliseconds per 1,000 lines with the defaults, then with each
normalization that is not a default added alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality import fastlex, syntax  # noqa: E402

DATA = Path("/work/shared/data") if Path("/work/shared/data").exists() else HERE.parent.parent / "shared" / "data"
LANGUAGES = {".java": "java", ".cpp": "cpp", ".py": "python"}


def _files() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for folder in (DATA / "java-pairs", DATA / "obfuscation"):
        for path in sorted(folder.rglob("*")):
            language = LANGUAGES.get(path.suffix)
            if language and path.is_file():
                texts.setdefault(language, []).append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def _best(run, texts: list[str], repeat: int) -> tuple[float, int]:
    best, tokens = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = sum(len(run(text)) for text in texts)
        best = min(best, time.perf_counter() - start)
    return best, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--each", action="store_true", help="time each optional normalization added alone")
    args = parser.parse_args()
    if args.each:
        _each(args.repeat)
        return
    print("language | files | lines | parser: tokens, ms per 1,000 lines | lexer: tokens, ms per 1,000 lines"
          " | fell back to the lexer")
    for language, texts in sorted(_files().items()):
        lines = sum(text.count("\n") + 1 for text in texts)
        fallbacks = sum(syntax.tokenize(text, language) is None for text in texts)
        parsed, parsed_tokens = _best(lambda t: syntax.tokenize(t, language) or [], texts, args.repeat)
        lexed, lexed_tokens = _best(lambda t: fastlex.tokenize(t, language), texts, args.repeat)
        print(f"{language} | {len(texts):,} | {lines:,} | {parsed_tokens:,}, {1000 * 1000 * parsed / lines:.1f}"
              f" | {lexed_tokens:,}, {1000 * 1000 * lexed / lines:.1f} | {fallbacks}")


def _each(repeat: int) -> None:
    optional = [name for name in syntax.NORMALIZATIONS if name not in syntax.DEFAULT_NORMALIZATIONS]
    print("language | lines | ms per 1,000 lines: defaults | " + " | ".join(f"+ {name}" for name in optional))
    for language, texts in sorted(_files().items()):
        lines = sum(text.count("\n") + 1 for text in texts)
        cells = []
        for added in [(), *[(name,) for name in optional]]:
            chosen = syntax.DEFAULT_NORMALIZATIONS + added
            seconds, _ = _best(lambda t: syntax.tokenize(t, language, normalizations=chosen) or [], texts, repeat)
            cells.append(f"{1000 * 1000 * seconds / lines:.1f}")
        print(f"{language} | {lines:,} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
