"""The report of one check run and its JSON form (version 1 of the contract).

The JSON is written with sorted pairs, rounded numbers and sorted keys, so the same input
gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .model import PairResult, SubmissionStatus

REPORT_VERSION = 1
DIGITS = 4


@dataclass(frozen=True)
class SubmissionSummary:
    id: str
    status: SubmissionStatus
    files: int
    error: dict[str, str] | None = None
    # Files left unread (over a size or compression cap): never compared, so an assessor must
    # be told; each {"file", "state", "detail"}.
    unread: tuple[dict[str, str], ...] = ()
    # Tricks found per file (``tamper``): hidden text left out, invisible characters and
    # look-alike letters folded; each {"file", "kind", "count", "detail"}. Evidence, not a verdict.
    flags: tuple[dict[str, object], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status.value, "files": self.files, "error": self.error,
                "unread": list(self.unread), "flags": list(self.flags)}


@dataclass
class Report:
    """What a check found.

    ``sources`` keeps the extracted text of every file that takes part in a pair
    (submission id -> file path -> text) and ``template_lines`` the lines that are starter
    code or code everyone writes (submission id -> file path -> sorted line numbers), so the
    HTML report can show the fragments side by side. Neither is part of the JSON.
    """

    submissions: list[SubmissionSummary]
    pairs: list[PairResult]
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    template_lines: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "submissions": [s.to_dict() for s in self.submissions],
            "pairs": [p.to_dict() for p in self.pairs],
        }

    def to_json(self) -> str:
        """The JSON text: one submission or pair per line.

        Written line by line with the C encoder (``indent`` would force the pure-Python one,
        which took 85 s for the 750,000 pairs of a 1,233-file run), still easy to diff.
        """
        data = self.to_dict()

        def block(items: list[dict[str, Any]]) -> str:
            if not items:
                return "[]"
            return "[\n  " + ",\n  ".join(_dumps(item) for item in items) + "\n ]"

        return (
            f'{{"version": {data["version"]},\n'
            f' "submissions": {block(data["submissions"])},\n'
            f' "pairs": {block(data["pairs"])}}}\n'
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def rounded(value: float) -> float:
    """Round a score for the report; scores are always within [0, 1]."""
    return round(min(1.0, max(0.0, value)), DIGITS)
