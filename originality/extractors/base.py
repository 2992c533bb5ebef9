"""What every extractor shares: the base class, its result, and the helpers that keep text safe.

An extractor turns the bytes of one kind of file into text and segments. It reports a file it
cannot use by raising ``NotExtracted`` with the state the document should get; anything else it
raises is a parser failing on bad content, which ``originality.extract`` turns into UNREADABLE.
"""

from __future__ import annotations

import abc
import contextlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..model import DocumentState, Flag, Segment, SegmentKind

# Text kept per document. Later stages are linear in it, but a 20 MB one-line file would still
# cost seconds per comparison and make an unreadable report; 5 MiB is more than any essay.
MAX_TEXT_CHARS = 5 * 1024 * 1024
# pypdf takes tens of milliseconds a page, and hostile PDFs claim thousands of pages.
# 300: a judgment, not measured; at tens of milliseconds a page, seconds a PDF.
MAX_PDF_PAGES = 300
# What one PDF page's content streams may hold once inflated, and all the pages of one PDF
# together. pypdf parses a content stream in pure Python, about 2.5 s a MB (two pdfTeX
# manuals of 36 and 17 pages: 2.3 and 2.9 s a MB), while their pages hold 5 to 19 KB each; a
# 16 KB PDF of 3 pages sharing a stream of 5 MB of text operators took 47 s (audit, 7 Dec 2026).
# 1 MiB: a judgment, 50 times the largest page measured, room for a page of vector drawing;
# 8 MiB: a judgment, 300 pages (``MAX_PDF_PAGES``) of 27 KB, about 20 s at worst.
MAX_PDF_PAGE_CONTENT_BYTES = 1024 * 1024
MAX_PDF_CONTENT_BYTES = 8 * 1024 * 1024
# Office files are ZIPs too: the sizes their parts declare (which bound what zipfile will
# decompress) must stay below these before a library loads every part into memory.
# An XML part is parsed whole into a tree, about 20 times its size in memory: a long
# real-looking report (300 pages of Word's markup, tables and headings; docs/benchmarks.md,
# "Hostile input") has a document.xml of 5.9 MB, read in 1.3 s and 202 MB at peak, while a
# 636 KB DOCX whose document.xml inflated to 190 MB took 29.5 s and 2.1 GB (audit, 7 Dec 2026).
# 16 MiB: a judgment, over twice that long report; 800 such pages (15.7 MB) took 3.4 s, 370 MB.
MAX_CONTAINER_XML_BYTES = 16 * 1024 * 1024
# All parts together, pictures included (stored as they are, their bytes barely shrink):
# 64 MiB, a judgment, three times the 20 MiB a file of a submission may hold
# (``options.MAX_ENTRY_BYTES``), so a document never costs more than its share of the
# submission's 200 MiB.
MAX_CONTAINER_BYTES = 64 * 1024 * 1024
# A judgment, not measured, of the order of a submission's own cap (``options.MAX_ENTRIES``).
MAX_CONTAINER_PARTS = 10_000
# How much of a file is sniffed for NUL and control bytes.
# 8 KiB: a judgment, not measured; a binary file shows a NUL early.
SNIFF_BYTES = 8192

# C0 controls other than tab, newline, carriage return, form feed, vertical tab and escape.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotExtracted(Exception):
    """Raised by an extractor for a file that gets no text, with the state to give it."""

    def __init__(self, state: DocumentState, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


def unreadable(detail: str) -> NotExtracted:
    return NotExtracted(DocumentState.UNREADABLE, detail)


def binary(detail: str) -> NotExtracted:
    return NotExtracted(DocumentState.BINARY, detail)


@dataclass(frozen=True)
class Extracted:
    """Text and segments an extractor found, plus notes for people (pages skipped, ...) and
    flags for text it left out because no reader could see it (``tamper.HiddenText``)."""

    text: str
    segments: tuple[Segment, ...]
    notes: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()


class Extractor(abc.ABC):
    """Reads one kind of file. Subclasses are stateless, so one instance serves every call."""

    #: Names the kind of file in details shown to people ("PDF", "Word document").
    name: str = "file"

    @abc.abstractmethod
    def extract(self, path: str, data: bytes) -> Extracted:
        """The text and segments of ``data``; raise ``NotExtracted`` for a file with none."""


@dataclass
class TextBuilder:
    """Assembles a document from blocks one blank line apart, recording where each block lands.

    Notebook cells, PDF pages and slides are blocks; their segments then point at exact lines.
    Leading and trailing blank lines of a block are dropped so a segment starts and ends on text.
    """

    max_chars: int = MAX_TEXT_CHARS
    notes: list[str] = field(default_factory=list)
    flags: tuple[Flag, ...] = ()
    _parts: list[str] = field(default_factory=list)
    _segments: list[Segment] = field(default_factory=list)
    _next_line: int = 1
    _chars: int = 0

    @property
    def full(self) -> bool:
        """True once the text reached the cap, so an extractor can stop reading early."""
        return self._chars >= self.max_chars

    def add(self, text: str, kind: SegmentKind, language: str | None = None) -> None:
        lines = clean_text(text).split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return
        if self._parts:
            self._next_line += 1  # the blank separator line
            self._chars += 2
        block = "\n".join(lines)
        start = self._next_line
        self._parts.append(block)
        self._segments.append(Segment(kind, start, start + len(lines) - 1, language))
        self._next_line = start + len(lines)
        self._chars += len(block)

    def build(self) -> Extracted:
        return Extracted("\n\n".join(self._parts), tuple(self._segments), tuple(self.notes),
                         self.flags)


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF: line numbers must mean the same on every platform."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def clean_text(text: str) -> str:
    """Text from a parser with newlines normalized and stray control characters removed.

    PDFs with broken font encodings yield NULs and other controls, which mean nothing to a
    reader and would upset every later stage that splits or displays text; surrogate code
    points would make writing the report fail.
    """
    text = _CONTROL.sub("", normalize_newlines(text.replace("\v", "\n")))
    if _SURROGATE.search(text):
        # JSON "\\ud83d\\ude00" and RTF "\\u-10179" spell characters as surrogate pairs; join
        # them, and replace lone halves, which no encoder would accept later.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def line_count(text: str) -> int:
    """Lines of ``text`` as ``text.split("\\n")`` counts them, a final newline not opening one."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence warnings that parsers emit about bad input.

    The file's state and detail already say what went wrong; a warning would only be noise in
    the worker's log, or an exception where warnings are errors (as in the test suite). Not
    thread-safe before Python 3.14, like ``warnings.catch_warnings`` itself: the engine runs
    one extraction per process.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def too_large(detail: str) -> NotExtracted:
    return NotExtracted(DocumentState.TOO_LARGE, detail)


def check_container(data: bytes, what: str) -> None:
    """Refuse a ZIP-based document (DOCX, PPTX, ODT) that would expand beyond the caps: too
    large when an XML part or all of them would, unreadable when it is no ZIP or has too many
    parts.

    CPython's zipfile never decompresses more than an entry's declared size, so the declared
    sizes from the central directory bound the memory a library will use.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unreadable(f"{what} is damaged: not a valid ZIP container ({error})") from None
    if len(infos) > MAX_CONTAINER_PARTS:
        raise unreadable(f"{what} has {len(infos):,} parts, more than {MAX_CONTAINER_PARTS:,}")
    for info in infos:
        if info.file_size > MAX_CONTAINER_XML_BYTES and \
                info.filename.lower().endswith((".xml", ".rels")):
            raise too_large(f"{what} not read: its part {info.filename[:100]} would expand to "
                            f"{info.file_size:,} bytes, more than {MAX_CONTAINER_XML_BYTES:,}")
    total = sum(info.file_size for info in infos)
    if total > MAX_CONTAINER_BYTES:
        raise too_large(
            f"{what} not read: it would expand to {total:,} bytes, more than "
            f"{MAX_CONTAINER_BYTES:,}"
        )
