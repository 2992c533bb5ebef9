"""The token streams' version (``units.TOKENS_VERSION``) moves with the token streams: the
archive re-tokenizes entries by it (``archive/retokenize.py``), so a change to the tokens that
keeps the version would leave old entries unmatched, silently."""

from __future__ import annotations

import hashlib

from originality.fingerprint import SymbolTable
from originality.model import Document, DocumentState, Segment, SegmentKind
from originality.options import MatchOptions
from originality.units import TOKENS_VERSION, build_units, tokens_digest

SAMPLES = {
    "a.py": ("def area(w: float, h=2.0) -> float:\n    total = w * h  # doubled\n    unused = 0\n    pass\n    if total > 3:\n"
             "        return total\n    elif total:\n        return 1\n    print(f'area {total}')\n    return 0\n",
             "python"),
    "A.java": ("class A { int f(int n) { int s = 0; for (int i = 0; i < n; i++) { s += i; }\n"
               "  System.out.println(\"sum \" + s); return s; } }\n", "java"),
    "a.cpp": ("#include <iostream>\nint main() { const std::string& s = \"hi\"; std::cout << s << std::endl;\n"
              "  int x = 0; while (x < 3) x++; return x; }\n", "cpp"),
    "a.js": "function f(a) { let s = 'https://example.org'; return a.map(x => x * 2).join(s); }\n",
    "report.md": ("Les étudiants ont écrit « une phrase citée assez longue pour compter ici » (Dupont, 2019).\n"
                  "The students compared the sorting algorithms and measured their running times carefully.\n\n"
                  "## Conclusion\n\nLes étudiants ont ensuite comparé les algorithmes de tri et mesuré leurs temps.\n"),
}
# The digest of the samples' units at TOKENS_VERSION; a change to the tokens changes it.
RECORDED = (7, "10c643ebde806779")


def samples_digest() -> str:
    digest = hashlib.sha256()
    table = SymbolTable()
    for path, spec in sorted(SAMPLES.items()):
        text, language = spec if isinstance(spec, tuple) else (spec, "javascript")
        kind = SegmentKind.PROSE if path.endswith(".md") else SegmentKind.CODE
        lines = text.count("\n") + 1
        document = Document(path, DocumentState.OK, text, (Segment(kind, 1, lines, None if kind is SegmentKind.PROSE else language),),
                            "0" * 64, len(text))
        for unit in build_units(document, MatchOptions(), table):
            digest.update(unit.prints.hashes.tobytes() + unit.bag.tobytes() + unit.lines.tobytes()
                          + unit.pruned_hashes.tobytes())
    return digest.hexdigest()[:16]


def test_the_tokens_version_moves_with_the_tokens() -> None:
    assert (TOKENS_VERSION, samples_digest()) == RECORDED, (
        "the sample texts give other tokens: raise units.TOKENS_VERSION and record both here")


def test_the_digest_changes_with_every_option_that_shapes_units() -> None:
    base = tokens_digest(MatchOptions())
    for changed in (MatchOptions(tokenizer="lexical"), MatchOptions(normalizations=("loops",)),
                    MatchOptions(kgram_code=11), MatchOptions(bag_prose=3), MatchOptions(leave_out_quotations=False)):
        assert tokens_digest(changed) != base
    # Options that only weigh or report what the units hold leave it alone.
    assert tokens_digest(MatchOptions(min_fragment_code=20, common_fraction=0.4)) == base
