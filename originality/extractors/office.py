"""Office documents: Word (DOCX), PowerPoint (PPTX) and OpenDocument (ODT, ODP), all prose.

Word text is read from the XML rather than through ``document.paragraphs``, which misses tables,
content controls, text boxes and tracked insertions (NOTES.md: paragraphs alone miss tables and
headers). Each paragraph becomes one line, table cells included, so a copied passage keeps a
line of its own in the report.

Text no reader sees is left out and counted (``tamper.HiddenText``), since filler words in white
or in 1-point type would otherwise dilute a copy: in Word, runs marked hidden (``w:vanish``), of
2 pt or less, or in a colour that cannot be told from what is behind them (the page, cell,
paragraph or run shading), with run, character-style, paragraph-style and default formatting
resolved as Word does; in PowerPoint, the same on a slide's shapes, plus hidden shapes and shapes
wholly off the slide.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterable
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.parser import parse_xml
from pptx import Presentation
from pptx.shapes.group import GroupShape

from ..model import SegmentKind
from ..tamper import (MARKED_HIDDEN, MAX_HIDDEN_POINTS, NEAR_BACKGROUND, OFF_PAGE, TINY, WHITE,
                      HiddenText, hex_rgb, invisible_on)
from .base import Extracted, Extractor, TextBuilder, check_container, unreadable

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_P, _W_T, _W_TAB = _W + "p", _W + "t", _W + "tab"
_W_BREAKS = frozenset({_W + "br", _W + "cr"})
_W_TEXTBOX = _W + "txbxContent"
# Subtrees with no visible text, or text shown elsewhere: deleted runs, field codes, the VML
# copy of a text box (mc:Fallback repeats what mc:Choice holds).
_W_SKIP = frozenset({_W + "del", _W + "instrText", _W + "delText", _MC_FALLBACK, _W + "rPr",
                     _W + "pPr"})


_W_R, _W_RPR, _W_PPR, _W_TC = _W + "r", _W + "rPr", _W + "pPr", _W + "tc"
_W_VAL = _W + "val"
_RGB = tuple[float, float, float]
# Theme colours that are the page's own colour in every theme Word ships.
_BACKGROUND_THEMES = frozenset({"background1", "light1"})
_FALSE = frozenset({"0", "false", "off"})


class _WordFormat:
    """Run formatting as Word resolves it: the run, its character style, its paragraph's style,
    each along its ``basedOn`` chain, then the document defaults. Only what hides text is read."""

    _MAX_CHAIN = 20  # basedOn loops exist in damaged files

    def __init__(self, document: Any) -> None:
        self._styles: dict[str, tuple[Any, str | None]] = {}
        self._defaults: Any = None
        try:
            styles = document.styles.element
        except (KeyError, ValueError, AttributeError):  # no styles part
            styles = None
        if styles is not None:
            for style in styles.iter(_W + "style"):
                based = style.find(_W + "basedOn")
                self._styles[style.get(_W + "styleId", "")] = (
                    style.find(_W_RPR), based.get(_W_VAL) if based is not None else None)
            self._defaults = styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W_RPR}")
        background = document.element.find(_W + "background")
        self.page = (hex_rgb(background.get(_W + "color")) if background is not None else None) or WHITE

    def _chain(self, style_id: str | None) -> list[Any]:
        found = []
        for _ in range(self._MAX_CHAIN):
            if not style_id or style_id not in self._styles:
                break
            rpr, style_id = self._styles[style_id]
            if rpr is not None:
                found.append(rpr)
        return found

    def properties(self, run: Any, paragraph_style: str | None) -> list[Any]:
        """The run's property elements, most specific first."""
        direct = run.find(_W_RPR)
        char_style = None
        if direct is not None:
            reference = direct.find(_W + "rStyle")
            char_style = reference.get(_W_VAL) if reference is not None else None
        found = [direct] if direct is not None else []
        found += self._chain(char_style) + self._chain(paragraph_style)
        return found + ([self._defaults] if self._defaults is not None else [])

    def hidden(self, run: Any, paragraph_style: str | None, background: _RGB) -> list[str]:
        """Why a run is invisible (empty: it is not)."""
        chain = self.properties(run, paragraph_style)

        def first(tag: str) -> Any:
            return next((found for rpr in chain if (found := rpr.find(_W + tag)) is not None), None)

        reasons = []
        vanish = first("vanish")
        if vanish is not None and vanish.get(_W_VAL, "true").lower() not in _FALSE:
            reasons.append(MARKED_HIDDEN)
        direct = run.find(_W_RPR)
        shading = _fill(direct.find(_W + "shd")) if direct is not None else None
        color = first("color")
        if color is not None:
            page_coloured = color.get(_W + "themeColor") in _BACKGROUND_THEMES and shading is None
            if page_coloured or invisible_on(hex_rgb(color.get(_W_VAL)), shading or background):
                reasons.append(NEAR_BACKGROUND)
        size = first("sz")
        if size is not None and (value := size.get(_W_VAL, "")).isdigit() and \
                int(value) <= 2 * MAX_HIDDEN_POINTS:  # half-points
            reasons.append(TINY)
        return reasons


def _fill(shading: Any) -> _RGB | None:
    """The colour a ``w:shd`` paints behind text, if any."""
    return hex_rgb(shading.get(_W + "fill")) if shading is not None else None


class _WordReader:
    """Walks a Word part's XML into paragraph lines, leaving hidden runs out and counting them."""

    def __init__(self, document: Any) -> None:
        self.format = _WordFormat(document)
        self.hidden = HiddenText()

    def runs(self, element: Any, parts: list[str], boxes: list[Any], style: str | None,
             background: _RGB) -> None:
        """Text of one Word paragraph, in order; text boxes met on the way go to ``boxes``."""
        for child in element:
            tag = child.tag
            if tag == _W_R and (reasons := self.format.hidden(child, style, background)):
                hidden: list[str] = []
                self.runs(child, hidden, boxes, style, background)
                text = "".join(hidden)
                self.hidden.add(reasons, text)
                # A hidden run that held a word break leaves one, or two words would join.
                if text[:1].isspace() or text[-1:].isspace():
                    parts.append(" ")
            elif tag == _W_T:
                parts.append(child.text or "")
            elif tag == _W_TAB:
                parts.append("\t")
            elif tag in _W_BREAKS:
                parts.append("\n")
            elif tag == _W_TEXTBOX:
                boxes.append(child)
            elif tag not in _W_SKIP and isinstance(tag, str):  # lxml comments have callable tags
                self.runs(child, parts, boxes, style, background)

    def blocks(self, container: Any, lines: list[str], background: _RGB | None = None) -> None:
        """Paragraph lines of a body, cell, header or note, in document order."""
        background = background or self.format.page
        for child in container:
            tag = child.tag
            if tag == _W_P:
                properties = child.find(_W_PPR)
                style, shading = None, None
                if properties is not None:
                    reference = properties.find(_W + "pStyle")
                    style = reference.get(_W_VAL) if reference is not None else None
                    shading = _fill(properties.find(_W + "shd"))
                parts: list[str] = []
                boxes: list[Any] = []
                self.runs(child, parts, boxes, style, shading or background)
                lines.append("".join(parts))
                for box in boxes:
                    self.blocks(box, lines, background)
            elif tag not in _W_SKIP and isinstance(tag, str):
                # Tables, rows, cells, content controls, custom XML: containers of paragraphs.
                shading = _fill(child.find(f"{_W}tcPr/{_W}shd")) if tag == _W_TC else None
                self.blocks(child, lines, shading or background)


class DocxExtractor(Extractor):
    """Headers, body (paragraphs and tables in order), footnotes and endnotes, footers."""

    name = "Word document"
    _PARTS_BEFORE = (RT.HEADER,)
    _PARTS_AFTER = (RT.FOOTNOTES, RT.ENDNOTES, RT.FOOTER)

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        document = docx.Document(io.BytesIO(data))
        reader = _WordReader(document)
        builder = TextBuilder()
        for reltype in self._PARTS_BEFORE:
            self._add_parts(document, reader, reltype, builder)
        lines: list[str] = []
        reader.blocks(document.element.body, lines)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
        for reltype in self._PARTS_AFTER:
            self._add_parts(document, reader, reltype, builder)
        builder.flags = reader.hidden.flags(path)
        return builder.build()

    @staticmethod
    def _add_parts(document: Any, reader: _WordReader, reltype: str,
                   builder: TextBuilder) -> None:
        lines: list[str] = []
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype != reltype:
                continue
            part = rel.target_part
            # Headers and footers are parsed by python-docx; notes are generic parts.
            element = getattr(part, "element", None)
            reader.blocks(element if element is not None else parse_xml(part.blob), lines)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A_R, _A_BR, _A_FLD, _A_T = _A + "r", _A + "br", _A + "fld", _A + "t"
# Scheme colours that are the slide's background colour in every theme PowerPoint ships.
_BACKGROUND_SCHEMES = frozenset({"bg1", "lt1"})


def _solid_fill(properties: Any) -> tuple[_RGB | None, str | None]:
    """The sRGB colour and scheme name of an ``a:solidFill`` under ``properties``."""
    fill = properties.find(_A + "solidFill") if properties is not None else None
    if fill is None:
        return None, None
    rgb, scheme = fill.find(_A + "srgbClr"), fill.find(_A + "schemeClr")
    return (hex_rgb(rgb.get("val")) if rgb is not None else None,
            scheme.get("val") if scheme is not None else None)


class _SlideReader:
    """A slide's shapes as lines, leaving out text no one sees in the show, and counting it."""

    def __init__(self, width: int | None, height: int | None, hidden: HiddenText) -> None:
        self.width, self.height, self.hidden = width, height, hidden

    def off_slide(self, shape: Any) -> bool:
        """A shape wholly outside the slide is never shown (it sits on the pasteboard)."""
        if not self.width or not self.height:
            return False
        try:
            left, top, width, height = shape.left, shape.top, shape.width, shape.height
        except (AttributeError, ValueError):  # an inherited placeholder position
            return False
        if None in (left, top, width, height):
            return False
        return left >= self.width or top >= self.height or left + width <= 0 or top + height <= 0

    def shapes(self, shapes: Iterable[Any], lines: list[str], background: _RGB,
               top_level: bool = True) -> None:
        for shape in shapes:
            element = shape._element
            properties = element.find(f".//{_P}cNvPr")
            whole = []
            if properties is not None and properties.get("hidden") in ("1", "true"):
                whole.append(MARKED_HIDDEN)
            if top_level and self.off_slide(shape):
                whole.append(OFF_PAGE)
            if whole:
                self.hidden.add(whole, " ".join(t.text or "" for t in element.iter(_A_T)))
                continue
            if isinstance(shape, GroupShape):
                self.shapes(shape.shapes, lines, background, top_level=False)
            elif shape.has_text_frame:
                fill, _ = _solid_fill(element.find(_P + "spPr"))
                lines.append(self.frame(shape.text_frame, fill or background, fill is not None))
            elif shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        fill, _ = _solid_fill(cell._tc.find(_A + "tcPr"))
                        lines.append(self.frame(cell.text_frame, fill or background, fill is not None))

    def frame(self, frame: Any, background: _RGB, filled: bool) -> str:
        """The visible text of a text frame, one line per paragraph."""
        paragraphs = []
        for paragraph in frame.paragraphs:
            parts: list[str] = []
            for child in paragraph._p:
                if child.tag == _A_BR:
                    parts.append("\n")
                elif child.tag in (_A_R, _A_FLD):
                    text = "".join(t.text or "" for t in child.iter(_A_T))
                    reasons = self.run_hidden(child.find(_A + "rPr"), background, filled)
                    if not reasons:
                        parts.append(text)
                        continue
                    self.hidden.add(reasons, text)
                    if text[:1].isspace() or text[-1:].isspace():
                        parts.append(" ")
            paragraphs.append("".join(parts))
        return "\n".join(paragraphs)

    @staticmethod
    def run_hidden(properties: Any, background: _RGB, filled: bool) -> list[str]:
        """Why a run of a slide cannot be seen (empty: it can)."""
        if properties is None:
            return []
        reasons = []
        rgb, scheme = _solid_fill(properties)
        if properties.find(_A + "noFill") is not None or invisible_on(rgb, background) or (
                scheme in _BACKGROUND_SCHEMES and not filled):
            reasons.append(NEAR_BACKGROUND)
        size = properties.get("sz", "")
        if size.isdigit() and int(size) <= 100 * MAX_HIDDEN_POINTS:  # hundredths of a point
            reasons.append(TINY)
        return reasons


class PptxExtractor(Extractor):
    """One block per slide: text frames (groups included), tables, then the speaker notes.

    Speaker notes are the author's words, not hidden text, and are read as they are.
    """

    name = "PowerPoint presentation"

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        presentation = Presentation(io.BytesIO(data))
        builder = TextBuilder()
        hidden = HiddenText()
        reader = _SlideReader(presentation.slide_width, presentation.slide_height, hidden)
        for slide in presentation.slides:
            lines: list[str] = []
            background, _ = _solid_fill(slide._element.find(f"{_P}cSld/{_P}bg/{_P}bgPr"))
            reader.shapes(slide.shapes, lines, background or WHITE)
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None:
                    lines.append(notes.text)
            builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
            if builder.full:
                break
        builder.flags = hidden.flags(path)
        return builder.build()


_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODF_PARAGRAPHS = frozenset({_TEXT + "p", _TEXT + "h"})
_ODF_SPACE, _ODF_TAB, _ODF_BREAK = _TEXT + "s", _TEXT + "tab", _TEXT + "line-break"
_ODF_NOTE, _ODF_NOTE_BODY = _TEXT + "note", _TEXT + "note-body"
# Not text a reader sees in the flow: note numbers, comments, tracked deletions.
_ODF_SKIP = frozenset({_TEXT + "note-citation", _OFFICE + "annotation", _TEXT + "tracked-changes"})


def _odf_runs(
    element: ElementTree.Element, parts: list[str], nested: list[ElementTree.Element]
) -> None:
    """Text of one ODF paragraph; notes and frames inside it go to ``nested``."""
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if tag == _ODF_SPACE:
            count = child.get(_TEXT + "c", "1")
            parts.append(" " * (int(count) if count.isdigit() and int(count) < 1000 else 1))
        elif tag == _ODF_TAB:
            parts.append("\t")
        elif tag == _ODF_BREAK:
            parts.append("\n")
        elif tag == _ODF_NOTE:
            nested.extend(child.iter(_ODF_NOTE_BODY))
        elif tag in _ODF_SKIP:
            pass
        elif any(True for _ in child.iter(_TEXT + "p")):
            nested.append(child)  # a frame or text box holding paragraphs of its own
        else:
            _odf_runs(child, parts, nested)
        if child.tail:
            parts.append(child.tail)


def _odf_blocks(container: ElementTree.Element, lines: list[str]) -> None:
    for child in container:
        if child.tag in _ODF_PARAGRAPHS:
            parts: list[str] = []
            nested: list[ElementTree.Element] = []
            _odf_runs(child, parts, nested)
            lines.append("".join(parts))
            for element in nested:
                _odf_blocks(element, lines)
        elif child.tag not in _ODF_SKIP:
            _odf_blocks(child, lines)


class OdfExtractor(Extractor):
    """OpenDocument text and presentations: every paragraph and heading of the body, in order.

    Read with zipfile and ElementTree rather than odfpy: odfpy parses every part into an object
    tree (3.4 times slower on a 3,000-paragraph report), and its ``teletype`` text keeps
    comments inline and gives a footnote's paragraphs twice when paragraphs are walked.
    Expat does not fetch external entities and, since 2.4, refuses entity expansion bombs.
    """

    name = "OpenDocument file"

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                content = archive.read("content.xml")
            except KeyError:
                raise unreadable(f"{self.name} has no content.xml") from None
        body = ElementTree.fromstring(content).find(_OFFICE + "body")
        if body is None:
            raise unreadable(f"{self.name} has no body")
        lines: list[str] = []
        _odf_blocks(body, lines)
        builder = TextBuilder()
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
        return builder.build()
