"""Office documents: Word (DOCX), PowerPoint (PPTX) and OpenDocument (ODT, ODP), all prose.

Word text is read from the XML rather than through ``document.paragraphs``, which misses tables,
content controls, text boxes and tracked insertions (tried with python-docx: its paragraphs alone
leave out tables and headers). Each paragraph becomes one line, table cells included, so a
copied passage keeps a line of its own in the report.
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


def _word_runs(element: Any, parts: list[str], boxes: list[Any]) -> None:
    """Text of one Word paragraph, in order; text boxes met on the way go to ``boxes``."""
    for child in element:
        tag = child.tag
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag in _W_BREAKS:
            parts.append("\n")
        elif tag == _W_TEXTBOX:
            boxes.append(child)
        elif tag not in _W_SKIP and isinstance(tag, str):  # lxml comments have callable tags
            _word_runs(child, parts, boxes)


def _word_blocks(container: Any, lines: list[str]) -> None:
    """Paragraph lines of a body, cell, header or note, in document order."""
    for child in container:
        tag = child.tag
        if tag == _W_P:
            parts: list[str] = []
            boxes: list[Any] = []
            _word_runs(child, parts, boxes)
            lines.append("".join(parts))
            for box in boxes:
                _word_blocks(box, lines)
        elif tag not in _W_SKIP and isinstance(tag, str):
            # Tables, rows, cells, content controls, custom XML: containers of paragraphs.
            _word_blocks(child, lines)


class DocxExtractor(Extractor):
    """Headers, body (paragraphs and tables in order), footnotes and endnotes, footers."""

    name = "Word document"
    _PARTS_BEFORE = (RT.HEADER,)
    _PARTS_AFTER = (RT.FOOTNOTES, RT.ENDNOTES, RT.FOOTER)

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        document = docx.Document(io.BytesIO(data))
        builder = TextBuilder()
        for reltype in self._PARTS_BEFORE:
            self._add_parts(document, reltype, builder)
        lines: list[str] = []
        _word_blocks(document.element.body, lines)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
        for reltype in self._PARTS_AFTER:
            self._add_parts(document, reltype, builder)
        return builder.build()

    @staticmethod
    def _add_parts(document: Any, reltype: str, builder: TextBuilder) -> None:
        lines: list[str] = []
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype != reltype:
                continue
            part = rel.target_part
            # Headers and footers are parsed by python-docx; notes are generic parts.
            element = getattr(part, "element", None)
            _word_blocks(element if element is not None else parse_xml(part.blob), lines)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)


def _shape_lines(shapes: Iterable[Any], lines: list[str]) -> None:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            _shape_lines(shape.shapes, lines)
        elif shape.has_text_frame:
            lines.append(shape.text_frame.text)
        elif shape.has_table:
            for row in shape.table.rows:
                for cell in row.cells:
                    lines.append(cell.text_frame.text)


class PptxExtractor(Extractor):
    """One block per slide: text frames (groups included), tables, then the speaker notes."""

    name = "PowerPoint presentation"

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        presentation = Presentation(io.BytesIO(data))
        builder = TextBuilder()
        for slide in presentation.slides:
            lines: list[str] = []
            _shape_lines(slide.shapes, lines)
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None:
                    lines.append(notes.text)
            builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
            if builder.full:
                break
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
