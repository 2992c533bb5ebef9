"""PDF: the text layer of every page, pages one blank line apart, read with pypdf.

pypdf was ten times faster than pdfminer.six for the same text (40 pages: 98 ms against
1,079 ms, pypdf 7.1, measured Nov 2026). A PDF without a
text layer (a scan) extracts to nothing and ends up EMPTY; OCR is out of scope.

Text no reader sees is left out and counted (``tamper.HiddenText``): text shown in render mode 3
or 7 (neither filled nor stroked), in a fill colour that cannot be told from a white page, at an
effective size of 2 pt or less, or starting outside the page's crop box. The page's content
stream is walked once, tracking the graphics state (``q``/``Q``, ``cm``, fill colour, text
matrix, font size, render mode, and the areas already painted in a colour, so that white text
on a dark box or a picture is not taken for hidden); the showing operators of hidden text are
dropped before pypdf extracts the rest. pypdf reports text after colour changes, not per operator, so its visitor
callbacks cannot tell which words were white. A position is where the operator's line starts
(glyph widths are the font's business), painted areas are the bounding boxes of filled paths
and pictures, and form XObjects are not followed: filler hidden inside a form is kept.

A line printed at the top or bottom of every page (a page header, a footer, a page number) is
kept on its first page only (``running``), once every page is read; a word broken by a hyphen
at a line's end is joined on the line above (``join_hyphenated``).
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Any

from ..errors import interruptions
from ..model import DocumentState, SegmentKind
from ..tamper import (INVISIBLE_MODE, MAX_HIDDEN_POINTS, NEAR_BACKGROUND, OFF_PAGE, TINY, WHITE,
                      HiddenText, invisible_on)
from .base import (MAX_PDF_CONTENT_BYTES, MAX_PDF_PAGE_CONTENT_BYTES, MAX_PDF_PAGES, Extracted,
                   Extractor, NotExtracted, TextBuilder, clean_text, unreadable)
from .running import drop_running_lines

if TYPE_CHECKING:  # imported when a PDF is read (see extractors/__init__.py)
    from pypdf import PageObject

_MIB = 1024 * 1024

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SHOW = frozenset({b"Tj", b"TJ", b"'", b'"'})
# Render modes that paint nothing: 3 (invisible) and 7 (clip only).
_UNPAINTED = frozenset({3, 7})
_FILL = frozenset({b"rg", b"g", b"k", b"sc", b"scn"})
_PATH = frozenset({b"m", b"l", b"c", b"v", b"y"})
_PAINT_FILL = frozenset({b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"})
_PAINT_NONE = frozenset({b"n", b"S", b"s"})
_RGB = tuple[float, float, float]
_BLACK: _RGB = (0.0, 0.0, 0.0)


def _multiply(a: _Matrix, b: _Matrix) -> _Matrix:
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


def _numbers(operands: list[Any], count: int) -> tuple[float, ...] | None:
    try:
        values = tuple(float(value) for value in operands[:count])
    except (TypeError, ValueError):
        return None
    return values if len(values) == count else None


def _colour(values: tuple[float, ...]) -> tuple[float, float, float] | None:
    """A gray, RGB or CMYK fill as sRGB, told apart by the number of components."""
    if len(values) == 1:
        return (values[0],) * 3
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        cyan, magenta, yellow, black = values
        return ((1 - cyan) * (1 - black), (1 - magenta) * (1 - black), (1 - yellow) * (1 - black))
    return None


class _PageWalk:
    """Which showing operators of one page's content stream draw text no reader sees."""

    def __init__(self, box: tuple[float, float, float, float]) -> None:
        self.box = box
        # Areas painted in a colour other than white (filled paths, pictures, shadings), as
        # (left, bottom, right, top) in page space, in painting order.
        self.painted: list[tuple[float, float, float, float]] = []

    def covered(self, x: float, y: float) -> bool:
        """Whether a point lies on something painted before: its colour is not the page's."""
        return any(left <= x <= right and bottom <= y <= top
                   for left, bottom, right, top in self.painted)

    def paint(self, points: list[tuple[float, float]]) -> None:
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            self.painted.append((min(xs), min(ys), max(xs), max(ys)))

    def hidden(self, ctm: _Matrix, fill: _RGB | None, size: float, mode: int, line: _Matrix,
               length: int) -> tuple[str, ...]:
        reasons = []
        if mode in _UNPAINTED:
            reasons.append(INVISIBLE_MODE)
        rendering = _multiply(line, ctm)
        x, y = rendering[4], rendering[5]
        # White text is only hidden on the white page, not on a box or picture painted first
        # (a slide exported as PDF is white text on a dark rectangle).
        if invisible_on(fill, WHITE) and not self.covered(x, y):
            reasons.append(NEAR_BACKGROUND)
        scale = math.sqrt(abs(rendering[0] * rendering[3] - rendering[1] * rendering[2]))
        size = abs(size) * scale
        if size <= MAX_HIDDEN_POINTS:
            reasons.append(TINY)
        left, bottom, right, top = self.box
        # Text runs rightwards from its origin, about half an em a glyph.
        if x > right or y > top or y + size < bottom or x + length * size * 0.6 < left:
            reasons.append(OFF_PAGE)
        return tuple(reasons)

    def find(self, operations: list[tuple[list[Any], bytes]]) -> dict[int, tuple[str, ...]]:
        """Index of each hidden showing operator -> why it is hidden."""
        # The graphics state that decides whether text can be seen, in locals: this loop runs
        # over every operator of every page.
        ctm, size, mode, leading = _IDENTITY, 0.0, 0, 0.0
        fill: _RGB | None = _BLACK
        stack: list[tuple[_Matrix, _RGB | None, float, int, float]] = []
        line = _IDENTITY
        found: dict[int, tuple[str, ...]] = {}
        path: list[tuple[float, float]] = []  # the current path's points, in page space

        def point(px: float, py: float) -> tuple[float, float]:
            return (px * ctm[0] + py * ctm[2] + ctm[4], px * ctm[1] + py * ctm[3] + ctm[5])

        for index, (operands, operator) in enumerate(operations):
            if operator in _SHOW:
                if operator != b"Tj" and operator != b"TJ":  # ' and " first go to the next line
                    line = _multiply((1, 0, 0, 1, 0, -leading), line)
                reasons = self.hidden(ctm, fill, size, mode, line, _length(operands))
                if reasons:
                    found[index] = reasons
                continue
            if operator == b"q":
                stack.append((ctm, fill, size, mode, leading))
            elif operator == b"Q":
                ctm, fill, size, mode, leading = (
                    stack.pop() if stack else (_IDENTITY, _BLACK, 0.0, 0, 0.0))
            elif operator == b"cm" and (values := _numbers(operands, 6)):
                ctm = _multiply(values, ctm)  # type: ignore[arg-type]
            elif operator in _FILL:
                numbers = _numbers(operands, len(operands))
                if numbers is not None:  # scn with a pattern name keeps the last colour
                    fill = _colour(numbers)
            elif operator == b"cs":
                fill = _BLACK  # the initial colour of every space students' tools use
            elif operator == b"Tf" and (sizes := _numbers(operands[1:], 1)):
                size = sizes[0]
            elif operator == b"Tr" and (modes := _numbers(operands, 1)):
                mode = int(modes[0])
            elif operator == b"TL" and (leadings := _numbers(operands, 1)):
                leading = leadings[0]
            elif operator == b"BT":
                line = _IDENTITY
            elif operator == b"Tm" and (values := _numbers(operands, 6)):
                line = values  # type: ignore[assignment]
            elif operator in (b"Td", b"TD") and (offset := _numbers(operands, 2)):
                if operator == b"TD":
                    leading = -offset[1]
                line = _multiply((1, 0, 0, 1, offset[0], offset[1]), line)
            elif operator == b"T*":
                line = _multiply((1, 0, 0, 1, 0, -leading), line)
            elif operator == b"re" and (box := _numbers(operands, 4)):
                bx, by, bw, bh = box
                path += [point(bx, by), point(bx + bw, by), point(bx, by + bh),
                         point(bx + bw, by + bh)]
            elif operator in _PATH and (coordinates := _numbers(operands, len(operands))):
                path += [point(coordinates[i], coordinates[i + 1])
                         for i in range(0, len(coordinates) - 1, 2)]
            elif operator in _PAINT_FILL:
                if fill is None or not invisible_on(fill, WHITE):
                    self.paint(path)
                path = []
            elif operator in _PAINT_NONE:
                path = []
            elif operator == b"Do":  # a picture (or form) fills the unit square of its matrix
                self.paint([point(0, 0), point(1, 0), point(0, 1), point(1, 1)])
            elif operator == b"sh":  # a shading fills the clip: take the whole page
                self.painted.append(self.box)
        return found


def _without(operations: list[tuple[list[Any], bytes]],
             drop: set[int]) -> list[tuple[list[Any], bytes]]:
    """The operations with the showing operators at ``drop`` left out; ' and " still move to
    the next line (and " still sets the spacing), so the text after them stays in place."""
    kept: list[tuple[list[Any], bytes]] = []
    for index, (operands, operator) in enumerate(operations):
        if index not in drop:
            kept.append((operands, operator))
        elif operator == b"'":
            kept.append(([], b"T*"))
        elif operator == b'"' and len(operands) >= 2:
            kept += [([operands[0]], b"Tw"), ([operands[1]], b"Tc"), ([], b"T*")]
    return kept


def _length(operands: list[Any]) -> int:
    """About how many glyphs a showing operator draws (two-byte fonts count double)."""
    from pypdf.generic import ArrayObject

    total = 0
    for operand in operands:
        items = operand if isinstance(operand, ArrayObject) else [operand]
        total += sum(len(item) for item in items if isinstance(item, (str, bytes)))
    return total


def _page_text(page: PageObject, hidden: HiddenText) -> str:
    """The visible text of one page; hidden text is counted in ``hidden``, by reason."""
    from pypdf.generic import ArrayObject, ContentStream, NameObject, StreamObject

    raw = page.get("/Contents")
    raw = raw.get_object() if raw is not None else None
    if not isinstance(raw, (ArrayObject, StreamObject)):
        return page.extract_text()
    # Strings kept as bytes, as pypdf's own extraction parses them: the font decodes them.
    contents = ContentStream(raw, page.pdf, "bytes")
    box = page.cropbox
    operations = contents.operations
    found = _PageWalk((float(box.left), float(box.bottom), float(box.right),
                       float(box.top))).find(operations)
    # pypdf reuses a parsed stream found in /Contents: the page is parsed once, not twice.
    page[NameObject("/Contents")] = contents
    if not found:
        return page.extract_text()
    shows = {index for index, (_, operator) in enumerate(operations) if operator in _SHOW}

    def text_without(drop: set[int]) -> str:
        contents.operations = _without(operations, drop)
        page[NameObject("/Contents")] = contents
        return page.extract_text()

    # The hidden words of each reason are read through the font like any text: the page with
    # every other showing operator left out.
    for reasons in sorted(set(found.values())):
        hidden.add(reasons, text_without(shows - {i for i, r in found.items() if r == reasons}))
    return text_without(set(found))


def _inflated_size(stream: Any, limit: int) -> int:
    """How many bytes a content stream holds once inflated, or ``limit + 1`` when more: pypdf
    stops inflating there (pypdf 7's limits; older ones inflate up to their own 75 MB)."""
    try:
        from pypdf import apply_configuration  # pypdf >= 7
        from pypdf.errors import LimitReachedError
    except ImportError:  # pragma: no cover - older pypdf
        return len(stream.get_data())
    bound = limit + 1  # 0 would mean no limit at all to pypdf
    with apply_configuration(zlib_maximum_output_length=bound, lzw_maximum_output_length=bound,
                             run_length_maximum_output_length=bound,
                             array_based_stream_maximum_output_length=bound):
        try:
            return len(stream.get_data())
        except LimitReachedError:
            return bound


def _content_size(page: PageObject, limit: int) -> int:
    """What a page's content streams hold once inflated, ``limit + 1`` when more than ``limit``."""
    from pypdf.generic import ArrayObject, StreamObject

    raw = page.get("/Contents")
    raw = raw.get_object() if raw is not None else None
    streams = [item.get_object() for item in raw] if isinstance(raw, ArrayObject) else [raw]
    total = 0
    for stream in streams:
        if isinstance(stream, StreamObject):
            total += _inflated_size(stream, limit - total)
            if total > limit:
                return limit + 1
    return total


def _sharing_key(page: PageObject) -> tuple[Any, ...] | None:
    """What decides a page's text besides its streams' bytes: its content streams (by object
    number), resources, crop box and rotation; None when its streams are not numbered objects."""
    from pypdf.generic import ArrayObject, IndirectObject

    raw = page.get("/Contents")
    items = raw if isinstance(raw, ArrayObject) else [raw]
    if not items or not all(isinstance(item, IndirectObject) for item in items):
        return None
    resources = page.get("/Resources")
    return (tuple((item.idnum, item.generation) for item in items),
            resources.hash_bin() if resources is not None else None,
            tuple(float(value) for value in page.cropbox), page.get("/Rotate"))


class _Pages:
    """Reads a PDF's pages within what their content streams may cost.

    A page whose content streams hold more than ``MAX_PDF_PAGE_CONTENT_BYTES`` once inflated,
    or more than is left of the document's ``MAX_PDF_CONTENT_BYTES``, is left unread (and
    counted, for a note): its size is measured before it is parsed, inflating no further than
    the cap. A page with the same content streams, resources, box and rotation as one read
    before (a hostile PDF repeats one stream on every page) has the same text: it is not read
    again, so it costs nothing more and is not counted again.
    """

    def __init__(self) -> None:
        self.left = MAX_PDF_CONTENT_BYTES
        self.over_page = self.over_document = 0
        # Per sharing key: the text and hidden words read, or why the page was left unread.
        self._read: dict[tuple[Any, ...], tuple[str, HiddenText] | str] = {}

    def text(self, page: PageObject, hidden: HiddenText) -> str | None:
        """The page's visible text, or None when it is left unread by the caps."""
        key = _sharing_key(page)
        done = self._read.get(key) if key is not None else None
        if isinstance(done, tuple):
            text, own = done
            hidden.words.update(own.words)
            return text
        if done is None:
            limit = min(MAX_PDF_PAGE_CONTENT_BYTES, self.left)
            size = _content_size(page, limit)
            if size <= limit:
                self.left -= size
                own = HiddenText()
                text = _page_text(page, own)
                hidden.words.update(own.words)
                if key is not None:
                    self._read[key] = (text, own)
                return text
            done = "page" if limit == MAX_PDF_PAGE_CONTENT_BYTES else "document"
            if key is not None:  # the document's budget only shrinks: still over next time
                self._read[key] = done
        if done == "page":
            self.over_page += 1
        else:
            self.over_document += 1
        return None

    def notes(self, total: int) -> list[str]:
        notes = []
        if self.over_page:
            notes.append(f"{self.over_page} of {total} PDF pages left unread: their content is "
                         f"over {MAX_PDF_PAGE_CONTENT_BYTES // _MIB} MiB a page once inflated")
        if self.over_document:
            notes.append(f"{self.over_document} of {total} PDF pages left unread: the PDF's "
                         f"content is over {MAX_PDF_CONTENT_BYTES // _MIB} MiB once inflated")
        return notes


# A word a typesetter broke at a line's end: a letter, a hyphen (or a soft or Unicode one) ending
# the line, and a lowercase letter opening the next. "Jean-" over "Pierre" is a name's own
# hyphen and stays.
_BROKEN_WORD = re.compile(r"\w[-\u00ad\u2010]$")
_WORD_REST = re.compile(r"^\s*(?P<part>\S+)\s*")


def join_hyphenated(lines: list[str]) -> list[str]:
    """A page's lines with each word broken at a line's end whole again on the first line: the
    part on the next line moves up, so no line is added or lost. "L'obj-" over "ectif principal"
    read as two words that matched nothing ("L'objectif" in a copy laid out otherwise)."""
    joined = list(lines)
    for index in range(len(joined) - 1):
        line = joined[index].rstrip()
        rest = _WORD_REST.match(joined[index + 1])
        if rest is None or not _BROKEN_WORD.search(line) or not rest["part"][0].islower():
            continue
        joined[index] = line[:-1] + rest["part"]
        joined[index + 1] = joined[index + 1][rest.end():]
    return joined


class PdfExtractor(Extractor):
    """One PROSE segment per page with text, at most ``MAX_PDF_PAGES`` pages, a running head
    or foot printed on every page kept on the first only (``running``).

    A PDF encrypted with an empty user password (only copying or printing restricted, which
    is common for exported reports) opens like any other; one that needs a password is
    UNREADABLE. A page that fails to parse is skipped and noted, so one bad page does not
    cost the whole document.
    """

    name = "PDF"

    def extract(self, path: str, data: bytes) -> Extracted:
        from pypdf import PasswordType, PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except interruptions():
                raise
            except Exception as error:  # e.g. AES without a crypto library installed
                raise unreadable(f"encrypted PDF cannot be opened ({error})") from None
            if opened == PasswordType.NOT_DECRYPTED:
                raise unreadable("encrypted PDF: it needs a password to be read")
        total = len(reader.pages)
        builder = TextBuilder()
        hidden = HiddenText()
        failed = read = 0
        pages = _Pages()
        texts: list[str] = []
        chars = 0
        for number in range(min(total, MAX_PDF_PAGES)):
            read += 1
            try:
                text = pages.text(reader.pages[number], hidden)
            except interruptions():
                raise
            except Exception:  # a damaged page; the others may still be fine
                failed += 1
                continue
            if text is None:  # left unread by the caps on content: counted in ``pages``
                continue
            texts.append(text)
            chars += len(text)
            if chars >= builder.max_chars:
                break
        # Running heads and feet are known once every page is read.
        for lines in drop_running_lines([clean_text(text).split("\n") for text in texts]):
            builder.add("\n".join(join_hyphenated(lines)), SegmentKind.PROSE)
        if read and failed == read:
            raise unreadable(f"PDF: none of its {read} pages could be read")
        too_large = pages.over_page + pages.over_document
        if read and too_large and failed + too_large == read:
            raise NotExtracted(DocumentState.TOO_LARGE, "; ".join(
                pages.notes(total) + ([f"{failed} could not be read"] if failed else [])))
        if failed:
            builder.notes.append(f"{failed} of {total} PDF pages could not be read")
        builder.notes += pages.notes(total)
        if read < total:
            builder.notes.append(f"only the first {read} of {total} PDF pages were read")
        builder.flags = hidden.flags(path)
        return builder.build()
