"""Quotations: a passage in quotation marks, or a block quote, that cites its source.

Quoting with a reference is what the school asks of a student; two students who quote the same
source have not copied each other. Such a passage is shown as quoted in the report and left
out of the share (``MatchOptions.leave_out_quotations``, on by default): its words are not
tokenized. A passage in quotation marks with no reference after it is not a quotation here:
copied text put between quotation marks still counts.

A reference is an author-year citation in parentheses ("(Dupont, 2019, p. 4)"), a numbered
one ("[3]", "[2, 5]"), a Markdown footnote ("[^1]"), or for a block quote an attribution line
("— Victor Hugo"). The reference is part of the quotation, and so is what comes between the
closing mark and it ("...", writes Dupont [3]): two students who cite one source cite it alike.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable

from .model import Document, DocumentState, SegmentKind
from .tamper import fold_text

# Fewer words in quotation marks are a term, a title or emphasis, not a passage worth leaving
# out (a judgement: the school's style guide asks for a reference from one sentence up).
QUOTE_MIN_WORDS = 6
# How far after the closing mark the reference may start, in characters: "..." (Dupont, 2019)
# and "...", writes Dupont [3] both cite.
# 80, about a line of text: a judgment, not measured.
REFERENCE_REACH = 80

_REFERENCE = re.compile(
    r"\([^()\n]*?\b(?:1[5-9]|20)\d\d[a-z]?\b[^()\n]*\)"  # (Author, 2019) / (Author 2019, p. 4)
    r"|\[\d+(?:\s*[,\u2013-]\s*\d+)*\]"  # [3], [2, 5], [2-5]
    r"|\[\^[^\]\s]+\]"  # Markdown footnote [^1]
)
_INLINE = re.compile(
    r"\u201c[^\u201d]+\u201d"  # “...”
    r"|\u00ab[^\u00bb]+\u00bb"  # «...»
    r"|\u201e[^\u201c\u201d]+[\u201c\u201d]"  # „...“
    r"|\"[^\"]+\""  # "..."
)
_BLOCK_LINE = re.compile(r"[ \t]{0,3}>")
_ATTRIBUTION = re.compile(r"\s*(?:>\s*)?(?:\u2014|\u2013|--)\s*\w")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


@dataclass(frozen=True)
class Quotation:
    """A quoted passage: characters [start, end) of the text it was found in, and its lines."""

    start: int
    end: int
    start_line: int
    end_line: int


def find(text: str, first_line: int = 1) -> list[Quotation]:
    """The quotations of some prose, in order, never overlapping."""
    spans = _inline(text) + _blocks(text)
    spans.sort()
    found: list[Quotation] = []
    for start, end in spans:
        if found and start < found[-1].end:
            continue
        found.append(Quotation(start, end, first_line + text.count("\n", 0, start),
                               first_line + text.count("\n", 0, max(start, end - 1))))
    return found


def _inline(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _INLINE.finditer(text):
        if len(_WORD.findall(match.group())) < QUOTE_MIN_WORDS or "\n\n" in match.group():
            continue
        after = text[match.end() : match.end() + REFERENCE_REACH].split("\n\n", 1)[0]
        reference = _REFERENCE.search(after)
        # The reference must belong to the quoting sentence, not to the next one. It is part of
        # the quotation: two students citing one source write the same reference.
        if reference and not _SENTENCE_END.search(after, 0, reference.start()):
            spans.append((match.start(), match.end() + reference.end()))
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Markdown block quotes (lines opening with ">") whose last line or the next one cites."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    spans, index = [], 0
    while index < len(lines):
        if not _BLOCK_LINE.match(lines[index]):
            index += 1
            continue
        first = index
        while index < len(lines) and _BLOCK_LINE.match(lines[index]):
            index += 1
        last = index - 1
        following = next((at for at in range(index, min(index + 2, len(lines))) if lines[at].strip()), last)
        # The line that cites is part of the quotation, as an inline one's reference is.
        cites = next((at for at in (last, following) if _cites(lines[at])), None)
        if cites is not None:
            spans.append((starts[first], starts[cites] + len(lines[cites])))
    return spans


def _cites(line: str) -> bool:
    """Whether a line holds a reference or is an attribution ("— Victor Hugo")."""
    return bool(_REFERENCE.search(line) or _ATTRIBUTION.match(line))


def inside(quotations: list[Quotation]) -> Callable[[int], bool]:
    """A test of whether a character offset lies inside one of the (sorted) quotations."""
    starts = [q.start for q in quotations]

    def covered(offset: int) -> bool:
        where = bisect.bisect_right(starts, offset) - 1
        return where >= 0 and offset < quotations[where].end

    return covered


def listed(documents: list[Document]) -> list[dict[str, object]]:
    """The quotations of a submission's prose, for the report: {"file", "start_line",
    "end_line"} each, in file order."""
    out: list[dict[str, object]] = []
    for document in documents:
        if document.state is not DocumentState.OK:
            continue
        lines = document.text.split("\n")
        for segment in document.segments:
            if segment.kind is SegmentKind.CODE:
                continue
            # The text the tokenizer reads (folding never moves a line).
            text = fold_text("\n".join(lines[segment.start_line - 1 : segment.end_line]))
            out.extend({"file": document.path, "start_line": q.start_line, "end_line": q.end_line}
                       for q in find(text, segment.start_line))
    return out
