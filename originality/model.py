"""The values that flow between the pipeline stages.

unpack -> ``Entry``; extract -> ``Document`` (with ``Segment``s); normalize -> ``TokenStream``;
match -> ``PairResult`` with ``Fragment``s; report -> ``Report``. Plain frozen dataclasses, so
every stage can be tested alone and every value can be shown to a person.
"""

from __future__ import annotations

import bisect
import enum
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload


class DocumentState(str, enum.Enum):
    """What became of one file. Only OK documents take part in matching."""

    OK = "ok"
    EMPTY = "empty"
    UNREADABLE = "unreadable"
    TOO_SHORT = "too_short"
    BINARY = "binary"
    SKIPPED = "skipped"
    # Left unread by the unpacker: over the per-file cap, or compressed like a bomb. The rest of
    # the submission is still checked, so one dataset (or one planted file of zeros) cannot
    # keep a deliverable's code from being compared.
    TOO_LARGE = "too_large"


class SegmentKind(str, enum.Enum):
    CODE = "code"
    PROSE = "prose"


class SubmissionStatus(str, enum.Enum):
    OK = "ok"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Entry:
    """One file read out of a submission: its safe relative POSIX path and its bytes.

    ``unread`` says why a file was not read (too large, or compressed like a bomb); its
    ``data`` is then empty. Such a file is listed, never compared. ``passed_over`` stands for
    a folder of installed code the unpacker left out as litter (its path ends in "/"), and says
    why: listed, never compared, since a copy could hide where the check never looks.
    ``unreadable`` says why the unpacker could not open a ZIP inside the submission (encrypted,
    damaged, nested too deep); its ``data`` is kept, and it is listed, never compared.
    """

    path: str
    data: bytes
    unread: str = ""
    passed_over: str = ""
    unreadable: str = ""


@dataclass(frozen=True)
class Segment:
    """A run of lines of a document's text that is code (in one language) or prose.

    A notebook has one segment per cell; a Markdown file may hold fenced code segments.
    Lines are 1-based and inclusive, counted in ``Document.text``.
    """

    kind: SegmentKind
    start_line: int
    end_line: int
    language: str | None = None  # a Pygments lexer alias for code, None for prose


@dataclass(frozen=True)
class Flag:
    """A trick found in one file (``originality.tamper``): evidence for a person, not a verdict.

    ``kind`` is ``hidden_text``, ``invisible_characters`` or ``homoglyphs``; ``count`` how many
    words or characters; ``detail`` says what and where, for people.
    """

    file: str
    kind: str
    count: int
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "kind": self.kind, "count": self.count, "detail": self.detail}


@dataclass(frozen=True)
class Document:
    """The text extracted from one file, ready to be normalized."""

    path: str
    state: DocumentState
    text: str
    segments: tuple[Segment, ...]
    sha256: str
    size: int
    detail: str = ""  # why a document is not OK, for people
    # Tricks found in the file (hidden text left out, invisible characters, look-alike letters).
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class TokenStream:
    """Normalized tokens of one document, each with the place it came from.

    ``symbols[i]`` is the normalized token (e.g. ``"ID"`` for any identifier), ``lines[i]`` and
    ``cols[i]`` its 1-based position in ``Document.text``. Kept as parallel lists because
    cohorts of thousands of submissions hold millions of tokens.
    """

    path: str
    symbols: list[str]
    lines: list[int]
    cols: list[int]
    kinds: list[SegmentKind] = field(default_factory=list)
    # The concrete text of abstracted literals (strings, numbers), e.g. '"total: "' for an
    # ``S``, and "" for every other token. Disguise rarely reaches a program's messages and
    # test data, so these are kept as evidence beside the abstract stream.
    literals: list[str] = field(default_factory=list)
    # When asked for (``normalize.tokenize(..., pruned=True)``): the code's symbols as a walk
    # with ``syntax.PRUNING`` gives them, for ``units.Unit.pruned``; None otherwise.
    pruned_code: list[str] | None = None

    def __len__(self) -> int:
        return len(self.symbols)


@dataclass(frozen=True, slots=True)
class Span:
    file: str
    start_line: int
    end_line: int

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "start_line": self.start_line, "end_line": self.end_line}


@dataclass(frozen=True, slots=True)
class Fragment:
    """A stretch of one submission matched to a stretch of another."""

    a: Span
    b: Span
    tokens: int

    def to_dict(self) -> dict[str, object]:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "tokens": self.tokens}


@dataclass(frozen=True, slots=True)
class PairResult:
    """Similarity of two submissions, ``a`` < ``b`` by id.

    Slotted (as Span and Fragment): ``check --min-similarity 0`` lists every pair that shares
    evidence, two million on a 2,000-student cohort.
    """

    a: str
    b: str
    similarity: float
    a_share: float
    b_share: float
    fragments: tuple[Fragment, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "similarity": self.similarity,
            "a_share": self.a_share,
            "b_share": self.b_share,
            "fragments": [f.to_dict() for f in self.fragments],
        }


class Pairs(Sequence[PairResult]):
    """A report's pairs in report order: ``results`` (those aligned, with shares and fragments)
    at the positions ``placed`` (ascending; the first ``len(results)`` when not given), and the
    other pairs, which carry a score alone, kept as columns in order (each side's index into
    ``ids``, and the score) and made into a ``PairResult`` only when read.

    At 2,000 students a report lists a million pairs, all but 50,000 with a score alone, and
    200,000 of them reach the alignment threshold past the alignment budget: as objects they
    took about a second to build and 80 bytes each (docs/benchmarks.md, "Speed and memory").
    Compares equal to any sequence of the same pairs.
    """

    def __init__(self, results: list[PairResult], ids: Sequence[str] = (),
                 a: Sequence[int] = (), b: Sequence[int] = (), scores: Sequence[float] = (),
                 placed: Sequence[int] | None = None) -> None:
        self.results, self.ids = results, ids
        self.a, self.b, self.scores = a, b, scores
        self.placed = list(range(len(results))) if placed is None else [int(k) for k in placed]

    def __len__(self) -> int:
        return len(self.results) + len(self.scores)

    @overload
    def __getitem__(self, index: int) -> PairResult: ...
    @overload
    def __getitem__(self, index: slice) -> list[PairResult]: ...

    def __getitem__(self, index: int | slice) -> PairResult | list[PairResult]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("pair index out of range")
        before = bisect.bisect_left(self.placed, index)  # results before this position
        if before < len(self.placed) and self.placed[before] == index:
            return self.results[before]
        k = index - before
        return PairResult(self.ids[int(self.a[k])], self.ids[int(self.b[k])], float(self.scores[k]), 0.0, 0.0, ())

    def __iter__(self) -> Iterator[PairResult]:
        for pair in self.in_order():
            yield pair if isinstance(pair, PairResult) else PairResult(*pair, 0.0, 0.0, ())

    def in_order(self) -> Iterator[PairResult | tuple[str, str, float]]:
        """Every pair in report order: a result, or (a, b, score) for a pair with a score alone."""
        columns = self.score_only()
        done = 0  # pairs given so far
        for position, result in zip(self.placed, self.results):
            yield from itertools.islice(columns, position - done)
            yield result
            done = position + 1
        yield from columns

    def score_only(self) -> Iterator[tuple[str, str, float]]:
        """(a, b, score) of the pairs with a score alone, in order, a slice at a time."""
        ids = self.ids
        for start in range(0, len(self.scores), _SLICE):
            end = start + _SLICE
            for a, b, score in zip(_plain(self.a[start:end]), _plain(self.b[start:end]),
                                   _plain(self.scores[start:end])):
                yield ids[a], ids[b], score

    def members(self) -> set[str]:
        """The ids of the submissions that take part in a pair."""
        found = {p.a for p in self.results} | {p.b for p in self.results}
        taking_part = set(_plain(self.a)) | set(_plain(self.b))
        return found | {self.ids[k] for k in taking_part}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(x == y for x, y in zip(self, other))

    def __repr__(self) -> str:
        return f"Pairs({len(self.results)} with fragments or shares, {len(self.scores)} with a score alone)"


# Score-only pairs made into Python values at once (``Pairs.score_only``).
_SLICE = 20_000


def _plain(values: Any) -> list[Any]:
    return values.tolist() if hasattr(values, "tolist") else list(values)
