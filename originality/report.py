"""The report of one check run and its JSON form (version 1 of the contract).

The JSON is written with sorted pairs, rounded numbers and sorted keys, so the same input
gives the same bytes.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from .model import DocumentState, Fragment, PairResult, Pairs, SubmissionStatus
from .options import COMMON_MIN_SUBMISSIONS

REPORT_VERSION = 1
# Decimals a report keeps of each similarity and share (``rounded``): a judgment from the
# engine's first version, a hundredth of a percent, finer than the pages show.
DIGITS = 4
# Items of a JSON array joined into one piece of the text: about 100 kB of pairs without
# fragments, a megabyte or two of pairs with them.
BLOCK_ITEMS = 1024


@dataclass(frozen=True)
class SubmissionSummary:
    id: str
    status: SubmissionStatus
    files: int
    error: dict[str, str] | None = None
    # Files never compared (``NOT_COMPARED``), so an assessor must be told; each {"file",
    # "state", "detail"}.
    unread: tuple[dict[str, str], ...] = ()
    # Tricks found per file (``tamper``): hidden text left out, invisible characters and
    # look-alike letters folded; each {"file", "kind", "count", "detail"}. Evidence, not a verdict.
    flags: tuple[dict[str, object], ...] = ()
    # Quotations that cite their source (``quotes``): shown, left out of the share; each
    # {"file", "start_line", "end_line"}.
    quotations: tuple[dict[str, object], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status.value, "files": self.files, "error": self.error,
                "unread": list(self.unread), "flags": list(self.flags),
                "quotations": list(self.quotations)}


@dataclass
class Report:
    """What a check found.

    ``sources`` keeps the extracted text of every file that takes part in a pair
    (submission id -> file path -> text) and ``template_lines`` the lines that are starter
    code or code everyone writes (submission id -> file path -> sorted line numbers), so the
    HTML report can show the fragments side by side. Neither is part of the JSON.
    """

    submissions: list[SubmissionSummary]
    pairs: Sequence[PairResult]  # a list, or ``Pairs`` as ``check`` makes them
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    template_lines: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    # What the cohort's independent work shares (``score.background``): a code pair's similarity
    # reads its shared code above it.
    background: float = 0.0
    # How many independent groups the cohort holds (``Comparison.group_count``): under
    # ``common_min_submissions`` neither common code nor the background is found.
    groups: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "background": self.background,
            "groups": self.groups,
            "submissions": [s.to_dict() for s in self.submissions],
            "pairs": [p.to_dict() for p in self.pairs],
        }

    def to_json(self) -> str:
        """The JSON text: one submission or pair per line (``json_chunks`` joined)."""
        return "".join(self.json_chunks())

    def json_chunks(self) -> Iterator[str]:
        """The JSON text in pieces, so a report of millions of pairs is written without
        holding its text (or a dict per pair) in memory.

        One submission or pair per line, written with the C encoder (``indent`` would force the
        pure-Python one, which took 85 s for the 750,000 pairs of a 1,233-file run), still easy
        to diff. Pairs are formatted directly (``_pair_json``): at ``--min-similarity 0`` a
        2,000-student cohort lists two million of them.
        """
        yield (f'{{"version": {REPORT_VERSION},\n "background": {_dumps(self.background)},\n '
               f'"groups": {self.groups},\n "submissions": ')
        yield from _block(_dumps(s.to_dict()) for s in self.submissions)
        yield ',\n "pairs": '
        quoted: dict[str, str] = {}
        pairs = self.pairs
        if isinstance(pairs, Pairs):  # the pairs with a score alone formatted from their columns
            lines: Iterable[str] = (_score_only_json(*p, quoted) if type(p) is tuple else _pair_json(p, quoted)
                                    for p in pairs.in_order())
        else:
            lines = (_pair_json(p, quoted) for p in pairs)
        yield from _block(lines)
        yield "}\n"


def young_note(groups: int, least: int = COMMON_MIN_SUBMISSIONS) -> str | None:
    """What a reader must know of a report whose population held fewer independent groups than
    common code and the background ask for (``least``), or None: worded once for the summary,
    the HTML report and the service's report page, which put it in their sentences."""
    if groups >= least:
        return None
    held = f"{groups} independent submission{'' if groups == 1 else 's'}"
    return (f"{held} (near-duplicates counted once): under {least}, the code students commonly write "
            "(the task's obvious lines) is not found and no background is drawn, so independent work "
            "on the same task can score high; read weak and medium matches with care")


# The states of files never compared that a report lists, since the assessor must know, in the
# order it lists them: left unread by the unpacker's caps (an oversized or bomb-like file), a
# file that could not be read (a legacy .doc, a damaged .docx) or held no text (a scanned PDF),
# which may be the deliverable itself, and what nobody in the class writes (data, lock files, a
# library's build, a licence, a tool's settings, a folder of installed code), skipped on a
# judgment about its content that a student could try to fool (a copy under a library's
# banner). An empty file (no byte) has nothing to compare, and is not listed.
NOT_COMPARED = (DocumentState.TOO_LARGE, DocumentState.UNREADABLE, DocumentState.EMPTY, DocumentState.SKIPPED)
_LISTED_RANK = {state.value: rank for rank, state in enumerate(NOT_COMPARED)}

# Files of one reason a page names before it says how many more: a data project's hundreds of
# CSV files would otherwise push its matches off the screen (a judgment, not measured).
SHOWN_NOT_COMPARED = 10


@dataclass(frozen=True)
class NotCompared:
    """Files never compared for one reason (``unread`` entries of one state and detail): the
    first ``SHOWN_NOT_COMPARED`` of them as (submission, file), in that order, and how many more."""

    state: str
    detail: str
    shown: tuple[tuple[str, str], ...]
    more: int


def not_compared(unread: Iterable[tuple[str, Iterable[dict[str, str]]]]) -> list[NotCompared]:
    """Each submission's ``unread`` (given with its id, or "" for one submission's page) grouped
    by reason, in the order of ``NOT_COMPARED``: a data project's hundreds of CSV files, or a
    cohort's, are one line."""
    reasons: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for submission, items in unread:
        for item in items:
            reasons.setdefault((item["state"], item["detail"]), []).append((submission, item["file"]))
    ordered = sorted(reasons.items(), key=lambda reason: (_LISTED_RANK.get(reason[0][0], len(_LISTED_RANK)), reason[0]))
    return [NotCompared(state, detail, tuple(sorted(files)[:SHOWN_NOT_COMPARED]),
                        max(0, len(files) - SHOWN_NOT_COMPARED)) for (state, detail), files in ordered]


def _block(lines: Iterable[str]) -> Iterator[str]:
    """A JSON array of pre-encoded items, one per line, in pieces of ``BLOCK_ITEMS`` items (a
    write per item cost a quarter of writing a million pairs)."""
    items = iter(lines)
    first = next(items, None)
    if first is None:
        yield "[]"
        return
    yield "[\n  " + first
    while piece := list(itertools.islice(items, BLOCK_ITEMS)):
        yield ",\n  " + ",\n  ".join(piece)
    yield "\n ]"


def _pair_json(pair: PairResult, quoted: dict[str, str]) -> str:
    """``_dumps(pair.to_dict())``, byte for byte, without building the dict; ``quoted`` caches
    each id's JSON string (an id takes part in many pairs)."""
    similarity = pair.similarity
    if not pair.fragments and type(similarity) is float and pair.a_share == 0.0 == pair.b_share \
            and type(pair.a_share) is float and type(pair.b_share) is float:
        return _score_only_json(pair.a, pair.b, similarity, quoted)  # a share is never -0.0
    a = quoted.get(pair.a) or quoted.setdefault(pair.a, _dumps(pair.a))
    b = quoted.get(pair.b) or quoted.setdefault(pair.b, _dumps(pair.b))
    fragments = "[" + ", ".join([_fragment_json(f, quoted) for f in pair.fragments]) + "]"
    return (f'{{"a": {a}, "b": {b}, "similarity": {_number(pair.similarity)}, '
            f'"a_share": {_number(pair.a_share)}, "b_share": {_number(pair.b_share)}, '
            f'"fragments": {fragments}}}')


def _fragment_json(fragment: Fragment, quoted: dict[str, str]) -> str:
    """``_dumps(fragment.to_dict())``, byte for byte: at 2,000 students a report holds 586,000
    fragments, whose dicts and encoding took 1.8 s of CPU; a path is quoted once (``quoted``)."""
    a, b = fragment.a, fragment.b
    file_a = quoted.get(a.file) or quoted.setdefault(a.file, _dumps(a.file))
    file_b = quoted.get(b.file) or quoted.setdefault(b.file, _dumps(b.file))
    return (f'{{"a": {{"file": {file_a}, "start_line": {a.start_line!r}, "end_line": {a.end_line!r}}}, '
            f'"b": {{"file": {file_b}, "start_line": {b.start_line!r}, "end_line": {b.end_line!r}}}, '
            f'"tokens": {fragment.tokens!r}}}')


def _score_only_json(a: str, b: str, similarity: float, quoted: dict[str, str]) -> str:
    """``_pair_json`` of a pair with a score alone, the most of a large cohort's pairs (half of
    the 2,000-student report's writing went to formatting their zero shares)."""
    a = quoted.get(a) or quoted.setdefault(a, _dumps(a))
    b = quoted.get(b) or quoted.setdefault(b, _dumps(b))
    return (f'{{"a": {a}, "b": {b}, "similarity": {float.__repr__(similarity)}, '
            f'"a_share": 0.0, "b_share": 0.0, "fragments": []}}')


def _number(value: float) -> str:
    # What json.dumps writes for a finite float or an int: its repr.
    return repr(value) if isinstance(value, int) else float.__repr__(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def rounded(value: float) -> float:
    """Round a score for the report; scores are always within [0, 1]."""
    return round(min(1.0, max(0.0, value)), DIGITS)
