"""The docs stand alone in the repository: every document the README, the docs and the code
cite is in it (the contract and the development notes once lived outside)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where citations are written; data/ is the labelled sets, outside the repository by design.
CITING = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
          *sorted((ROOT / "benchmarks").glob("*.md")),
          *(p for d in ("originality", "api", "worker") for p in sorted((ROOT / d).rglob("*.py")))]


def test_no_file_cites_a_document_kept_outside_the_repository() -> None:
    outside = {str(p.relative_to(ROOT)): hits for p in CITING
               if (hits := re.findall(r"\b(?:CONTRACT|NOTES)\.md\b", p.read_text(encoding="utf-8")))}
    assert outside == {}


def test_every_cited_document_path_exists() -> None:
    cited = {(str(p.relative_to(ROOT)), path) for p in CITING
             for path in re.findall(r"`((?:docs|benchmarks|originality|api|worker)/[\w./-]+\.md)`",
                                    p.read_text(encoding="utf-8"))}
    assert cited, "the pattern finds the README's own citations"
    assert [c for c in sorted(cited) if not (ROOT / c[1]).is_file()] == []
