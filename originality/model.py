"""The values that flow between the pipeline stages.

unpack -> ``Entry``; extract -> ``Document`` (with ``Segment``s); normalize -> ``TokenStream``;
match -> ``PairResult`` with ``Fragment``s; report -> ``Report``. Plain frozen dataclasses, so
every stage can be tested alone and every value can be shown to a person.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


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
    ``data`` is then empty. Such a file is listed, never compared.
    """

    path: str
    data: bytes
    unread: str = ""


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
