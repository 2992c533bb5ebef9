"""Office documents: Word (DOCX), PowerPoint (PPTX) and OpenDocument (ODT, ODP), all prose;
and MATLAB live scripts (MLX), WordprocessingML too, whose code paragraphs are code.

Word text is read from the XML rather than through ``document.paragraphs``, which misses tables,
content controls, text boxes and tracked insertions (tried with python-docx: its paragraphs alone leave out
tables and headers). Each paragraph becomes one line, table cells included, so a copied passage keeps a
line of its own in the report.

Text no reader sees is left out and counted (``tamper.HiddenText``), since filler words in white
or in 1-point type would otherwise dilute a copy: in Word, runs marked hidden (``w:vanish``), of
2 pt or less, or in a colour that cannot be told from what is behind them (the page, cell,
paragraph or run shading, a text box's fill), with run, character-style, paragraph-style and
default formatting resolved as Word does; in PowerPoint, the same on a slide's shapes against
the shape's fill or the slide's background (its own, its layout's, its master's; theme colours
through the master's colour map) unless a picture or a filled shape drawn before it lies under
it, plus hidden shapes and shapes wholly off the slide. Where what
is behind cannot be told (a picture, a gradient, a table style's fill), the colour is not judged:
a missed trick costs less than a title read as filler.
"""

from __future__ import annotations

import io
import itertools
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..model import SegmentKind
from ..tamper import (MARKED_HIDDEN, MAX_HIDDEN_POINTS, NEAR_BACKGROUND, OFF_PAGE, TINY, WHITE,
                      HiddenText, hex_rgb, invisible_on)
from .base import Extracted, Extractor, TextBuilder, check_container, unreadable
from .running import drop_running_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_P, _W_T, _W_TAB = _W + "p", _W + "t", _W + "tab"
_W_BREAKS = frozenset({_W + "br", _W + "cr"})
_W_TEXTBOX = _W + "txbxContent"
# Subtrees with no visible text, or text shown elsewhere: deleted runs, the old place of a
# tracked move (w:moveFrom; the text is read where it went, in w:moveTo), field codes, the VML
# copy of a text box (mc:Fallback repeats what mc:Choice holds).
_W_SKIP = frozenset({_W + "del", _W + "moveFrom", _W + "instrText", _W + "delText", _MC_FALLBACK,
                     _W + "rPr", _W + "pPr"})


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_W_R, _W_RPR, _W_PPR, _W_TC = _W + "r", _W + "rPr", _W + "pPr", _W + "tc"
_W_VAL = _W + "val"
_W_VANISH, _W_COLOR, _W_SZ, _W_SHD = _W + "vanish", _W + "color", _W + "sz", _W + "shd"
_W_RSTYLE = _W + "rStyle"
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
        self.page: _RGB | None = (
            hex_rgb(background.get(_W + "color")) if background is not None else None) or WHITE
        if _behind_text(document):
            self.page = None  # a picture or shape behind the text: its colours are not judged
        self._cache: dict[tuple[str | None, str | None], _Looks] = {}
        self._reasons: dict[tuple[str | None, str | None, _RGB | None], tuple[str, ...]] = {}

    def _chain(self, style_id: str | None) -> list[Any]:
        found = []
        for _ in range(self._MAX_CHAIN):
            if not style_id or style_id not in self._styles:
                break
            rpr, style_id = self._styles[style_id]
            if rpr is not None:
                found.append(rpr)
        return found

    def _inherited(self, char_style: str | None, paragraph_style: str | None) -> _Looks:
        """What a run's styles and the defaults give it, cached per pair of styles: a
        document has thousands of runs and a handful of styles."""
        key = (char_style, paragraph_style)
        looks = self._cache.get(key)
        if looks is None:
            looks = _NO_LOOKS
            chain = self._chain(char_style) + self._chain(paragraph_style)
            for rpr in reversed(chain + ([self._defaults] if self._defaults is not None else [])):
                looks = looks.over(rpr)
            self._cache[key] = looks
        return looks

    def hidden(self, run: Any, paragraph_style: str | None,
               background: _RGB | None) -> tuple[str, ...]:
        """Why a run is invisible (empty: it is not); ``background`` None: not known, so the
        colour is not judged (a text box filled with a picture or a gradient)."""
        # rPr comes first in a run when it is there (the schema's order).
        direct = run[0] if len(run) and run[0].tag == _W_RPR else None
        char_style, own = None, _NO_LOOKS
        if direct is not None:
            own = _NO_LOOKS.over(direct, shading=True)
            char_style = own.style
        key = (char_style, paragraph_style, background)
        if own.style_only:  # most runs: bold, italic, a font; their answer is the styles'
            reasons = self._reasons.get(key)
            if reasons is None:
                reasons = self._judge(self._inherited(char_style, paragraph_style), background)
                self._reasons[key] = reasons
            return reasons
        inherited = self._inherited(char_style, paragraph_style)
        return self._judge(_Looks(own.vanish if own.vanish is not None else inherited.vanish,
                                  own.color if own.color is not None else inherited.color,
                                  own.size if own.size is not None else inherited.size,
                                  own.shading), background)

    def _judge(self, looks: _Looks, background: _RGB | None) -> tuple[str, ...]:
        reasons: list[str] = []
        if looks.vanish is not None and looks.vanish.get(_W_VAL, "true").lower() not in _FALSE:
            reasons.append(MARKED_HIDDEN)
        behind = looks.shading or background
        color = looks.color
        if color is not None and behind is not None:
            page_coloured = color.get(_W + "themeColor") in _BACKGROUND_THEMES and behind == self.page
            if page_coloured or invisible_on(hex_rgb(color.get(_W_VAL)), behind):
                reasons.append(NEAR_BACKGROUND)
        size = looks.size
        if size is not None and (value := size.get(_W_VAL, "")).isdigit() and \
                int(value) <= 2 * MAX_HIDDEN_POINTS:  # half-points
            reasons.append(TINY)
        return tuple(reasons)


@dataclass(frozen=True)
class _Looks:
    """The run properties that can hide text, as elements; a later layer wins."""

    vanish: Any = None
    color: Any = None
    size: Any = None
    shading: _RGB | None = None  # a run's own shading only: styles' shading is not resolved
    style: str | None = None  # the character style a run's own properties name

    @property
    def style_only(self) -> bool:
        """Nothing here of its own that could hide text."""
        return self.vanish is None and self.color is None and self.size is None and \
            self.shading is None

    def over(self, rpr: Any, shading: bool = False) -> _Looks:
        """These looks with ``rpr``'s properties laid over them (one pass over its children)."""
        vanish, color, size, shade, style = self.vanish, self.color, self.size, self.shading, None
        for child in rpr:
            tag = child.tag
            if tag == _W_VANISH:
                vanish = child
            elif tag == _W_COLOR:
                color = child
            elif tag == _W_SZ:
                size = child
            elif tag == _W_SHD and shading:
                shade = _fill(child)
            elif tag == _W_RSTYLE:
                style = child.get(_W_VAL)
        return _Looks(vanish, color, size, shade, style)


_NO_LOOKS = _Looks()


_WP_ANCHOR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}anchor"


def _behind_text(document: Any) -> bool:
    """Whether the body, a header or a footer anchors a drawing behind the text (a cover
    picture, a letterhead, a coloured band): the page is then not one colour."""
    # python-docx and python-pptx are imported where a file is read (see extractors/__init__.py).
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    elements = [document.element]
    for rel in document.part.rels.values():
        if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER):
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                elements.append(element)
    return any(anchor.get("behindDoc") in ("1", "true")
               for element in elements for anchor in element.iter(_WP_ANCHOR))


def _fill(shading: Any) -> _RGB | None:
    """The colour a ``w:shd`` paints behind text, if any."""
    return hex_rgb(shading.get(_W + "fill")) if shading is not None else None


_WPS = "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}"
_OTHER_FILLS = tuple(_A + tag for tag in ("gradFill", "blipFill", "pattFill", "grpFill"))


def _box_background(box: Any, outside: _RGB | None) -> _RGB | None:
    """What is behind a text box's text: its shape's solid fill, what is outside it when the
    shape is not filled, or None (not known) for pictures, gradients and theme fills."""
    shape = box.getparent().getparent() if box.getparent() is not None else None
    if shape is None or shape.tag != _WPS + "wsp":
        return outside
    properties = shape.find(_WPS + "spPr")
    if properties is not None:
        if properties.find(_A + "noFill") is not None:
            return outside
        solid = properties.find(_A + "solidFill")
        if solid is not None:
            rgb = solid.find(_A + "srgbClr")
            return hex_rgb(rgb.get("val")) if rgb is not None else None
        if any(properties.find(tag) is not None for tag in _OTHER_FILLS):
            return None
    reference = shape.find(f"{_WPS}style/{_A}fillRef")
    return None if reference is not None and reference.get("idx", "0") != "0" else outside


class _WordReader:
    """Walks a Word part's XML into paragraph lines, leaving hidden runs out and counting them."""

    def __init__(self, document: Any) -> None:
        self.format = _WordFormat(document)
        self.hidden = HiddenText()

    def runs(self, element: Any, parts: list[str], boxes: list[Any], style: str | None,
             background: _RGB | None) -> None:
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

    def blocks(self, container: Any, lines: list[str], background: _RGB | None) -> None:
        """Paragraph lines of a body, cell, header or note, in document order, on
        ``background`` (None when it is not known)."""
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
                    self.blocks(box, lines, _box_background(box, background))
            elif tag not in _W_SKIP and isinstance(tag, str):
                # Tables, rows, cells, content controls, custom XML: containers of paragraphs.
                shading = _fill(child.find(f"{_W}tcPr/{_W}shd")) if tag == _W_TC else None
                self.blocks(child, lines, shading or background)


class DocxExtractor(Extractor):
    """Headers, body (paragraphs and tables in order), footnotes and endnotes, footers."""

    name = "Word document"

    def extract(self, path: str, data: bytes) -> Extracted:
        import docx
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        check_container(data, self.name)
        document = docx.Document(io.BytesIO(data))
        reader = _WordReader(document)
        builder = TextBuilder()
        for reltype in (RT.HEADER,):
            self._add_parts(document, reader, reltype, builder)
        lines: list[str] = []
        reader.blocks(document.element.body, lines, reader.format.page)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
        for reltype in (RT.FOOTNOTES, RT.ENDNOTES, RT.FOOTER):
            self._add_parts(document, reader, reltype, builder)
        builder.flags = reader.hidden.flags(path)
        return builder.build()

    @staticmethod
    def _add_parts(document: Any, reader: _WordReader, reltype: str,
                   builder: TextBuilder) -> None:
        from docx.oxml.parser import parse_xml

        lines: list[str] = []
        for rel in document.part.rels.values():
            if rel.is_external or rel.reltype != reltype:
                continue
            part = rel.target_part
            # Headers and footers are parsed by python-docx; notes are generic parts.
            element = getattr(part, "element", None)
            reader.blocks(element if element is not None else parse_xml(part.blob), lines,
                          reader.format.page)
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)


def _plain_runs(element: ElementTree.Element, parts: list[str]) -> None:
    """The text of a Word paragraph as it is typed, formatting not judged (``_W_SKIP`` left out)."""
    for child in element:
        if child.tag == _W_T:
            parts.append(child.text or "")
        elif child.tag == _W_TAB:
            parts.append("\t")
        elif child.tag in _W_BREAKS:
            parts.append("\n")
        elif child.tag not in _W_SKIP:
            _plain_runs(child, parts)


# The paragraph style of a live script's code (MATLAB's Live Editor writes "code" for code and
# "text", "heading", "title" for the rest).
_MLX_CODE_STYLE = "code"


class MlxExtractor(Extractor):
    """MATLAB live scripts (``.mlx``): a ZIP whose ``matlab/document.xml`` is WordprocessingML,
    its code paragraphs (style ``code``) one MATLAB CODE block per run of them, the rest prose.

    Outputs are kept in another part (``matlab/output.xml``) and are left out, as a notebook's
    are. Formatting is not judged for hidden text: the Live Editor offers no colour or size of
    its own to a run.
    """

    name = "MATLAB live script"

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = _required_part(archive, "matlab/document.xml", self.name)
        body = ElementTree.fromstring(content).find(_W + "body")
        if body is None:
            raise unreadable(f"{self.name} has no body")
        builder = TextBuilder()
        for is_code, paragraphs in itertools.groupby(body.iter(_W_P), key=_is_mlx_code):
            lines = []
            for paragraph in paragraphs:
                parts: list[str] = []
                _plain_runs(paragraph, parts)
                lines.append("".join(parts))
            builder.add("\n".join(lines), SegmentKind.CODE if is_code else SegmentKind.PROSE,
                        "matlab" if is_code else None)
        return builder.build()


def _is_mlx_code(paragraph: Any) -> bool:
    style = paragraph.find(f"{_W_PPR}/{_W}pStyle")
    return style is not None and style.get(_W_VAL) == _MLX_CODE_STYLE


def _required_part(archive: zipfile.ZipFile, name: str, what: str) -> bytes:
    """A part of a ZIP-based document that it cannot be read without."""
    try:
        return archive.read(name)
    except KeyError:
        raise unreadable(f"{what} has no {name}") from None


_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A_R, _A_BR, _A_FLD, _A_T = _A + "r", _A + "br", _A + "fld", _A + "t"
_A_SOLID = _A + "solidFill"
_UNKNOWN = object()  # a fill whose colour cannot be told (picture, gradient, modified colour)


class _Palette:
    """A slide master's colours: scheme names (``bg1``, ``tx1``, ``accent1``) through the
    master's colour map to its theme's colour scheme, so a dark theme is dark."""

    def __init__(self, master: Any) -> None:
        self.map: dict[str, str] = {}
        self.scheme: dict[str, _RGB | None] = {}
        if master is None:  # a damaged file: scheme colours stay unknown
            return
        mapping = master._element.find(_P + "clrMap")
        self.map = dict(mapping.attrib) if mapping is not None else {}
        from docx.oxml.parser import parse_xml
        from pptx.opc.constants import RELATIONSHIP_TYPE as PRT

        try:
            theme = parse_xml(master.part.part_related_by(PRT.THEME).blob)
        except (KeyError, ValueError):  # no theme part: scheme colours stay unknown
            return
        scheme = theme.find(f"{_A}themeElements/{_A}clrScheme")
        for child in scheme if scheme is not None else ():
            if isinstance(child.tag, str) and len(child):
                colour = child[0]
                value = colour.get("lastClr") if colour.tag == _A + "sysClr" else colour.get("val")
                self.scheme[child.tag.rpartition("}")[2]] = hex_rgb(value)

    def colour(self, element: Any) -> _RGB | None | object:
        """The colour of an ``a:srgbClr``/``a:schemeClr``/``a:sysClr``; ``_UNKNOWN`` when a
        modifier (tint, shade, luminance, alpha) or an unknown scheme name changes it."""
        if element is None or len(element):  # children are colour modifiers
            return _UNKNOWN
        if element.tag == _A + "srgbClr":
            return hex_rgb(element.get("val")) or _UNKNOWN
        if element.tag == _A + "sysClr":
            return hex_rgb(element.get("lastClr")) or _UNKNOWN
        if element.tag == _A + "schemeClr":
            name = element.get("val", "")
            return self.scheme.get(self.map.get(name, name)) or _UNKNOWN
        return _UNKNOWN

    def fill(self, properties: Any, outside: _RGB | None) -> _RGB | None:
        """What a shape, cell or background paints: its solid colour, ``outside`` when it
        paints nothing, None when that cannot be told."""
        if properties is None or properties.find(_A + "noFill") is not None:
            return outside
        solid = properties.find(_A_SOLID)
        if solid is not None:
            found = self.colour(solid[0] if len(solid) else None)
            return None if found is _UNKNOWN else found  # type: ignore[return-value]
        if any(properties.find(tag) is not None for tag in _OTHER_FILLS):
            return None
        return outside


def _slide_background(slide: Any, palette: _Palette) -> _RGB | None:
    """The slide's background: its own, else its layout's, else its master's; white if none."""
    for part in (slide, slide.slide_layout, slide.slide_layout.slide_master):
        background = part._element.find(f"{_P}cSld/{_P}bg")
        if background is None:
            continue
        properties = background.find(_P + "bgPr")
        if properties is not None:
            return palette.fill(properties, None)
        reference = background.find(_P + "bgRef")
        # Theme background 1001 is the referenced colour filled solid in the shipped themes.
        if reference is not None and reference.get("idx") == "1001" and len(reference):
            found = palette.colour(reference[0])
            return None if found is _UNKNOWN else found  # type: ignore[return-value]
        return None
    return WHITE


_Rect = tuple[int, int, int, int]
_PAINTERS = frozenset({_P + "pic", _P + "graphicFrame"})  # pictures, charts, tables, media
_SHAPES = frozenset({_P + "sp", _P + "pic", _P + "grpSp", _P + "graphicFrame", _P + "cxnSp"})


def _rect(shape: Any) -> _Rect | None:
    """A shape's (left, top, right, bottom) in EMU, None where it inherits its place."""
    try:
        left, top, width, height = shape.left, shape.top, shape.width, shape.height
    except (AttributeError, ValueError):
        return None
    if None in (left, top, width, height):
        return None
    return (left, top, left + width, top + height)


def _overlaps(a: _Rect, b: _Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _paints(element: Any, palette: _Palette) -> bool:
    """Whether a shape paints something not white under the shapes drawn after it."""
    if element.tag in _PAINTERS:
        return True
    if element.tag == _P + "grpSp":
        return any(_paints(child, palette) for child in element if child.tag in _SHAPES)
    fill = palette.fill(element.find(_P + "spPr"), WHITE)
    if fill is WHITE:  # no fill of its own: the theme's style may give it one
        reference = element.find(f"{_P}style/{_A}fillRef")
        return reference is not None and reference.get("idx", "0") != "0"
    return fill is None or not invisible_on(fill, WHITE)


# A slide's footer, number and date placeholders: the same on every slide of a deck (the school's
# footer line, the date of the talk), never what a student wrote for this slide.
_RUNNING_PLACEHOLDERS = frozenset({"ftr", "sldNum", "dt"})


class _SlideReader:
    """A slide's shapes as lines, leaving out text no one sees in the show, and counting it."""

    def __init__(self, width: int | None, height: int | None, hidden: HiddenText) -> None:
        self.width, self.height, self.hidden = width, height, hidden
        self.palette: _Palette | None = None
        self.painted: list[_Rect] = []  # shapes drawn so far that are not white, in EMU

    def off_slide(self, shape: Any) -> bool:
        """A shape wholly outside the slide is never shown (it sits on the pasteboard)."""
        rect = _rect(shape)
        if rect is None or not self.width or not self.height:
            return False
        left, top, right, bottom = rect
        return left >= self.width or top >= self.height or right <= 0 or bottom <= 0

    def slide(self, slide: Any, lines: list[str], palette: _Palette,
              layout: Any | None) -> None:
        self.palette = palette
        if layout is None:  # a damaged file: what lies under the slide is not known
            self.painted = []
            self.shapes(slide.shapes, lines, None)
            return
        # What the layout and the master draw under every slide (a photo, a coloured band);
        # their placeholders draw nothing of their own on the slide.
        self.painted = [rect for part in (layout.slide_master, layout)
                        for shape in part.shapes
                        if not shape.is_placeholder and _paints(shape._element, palette)
                        and (rect := _rect(shape)) is not None]
        self.shapes(slide.shapes, lines, _slide_background(slide, palette))

    def _under(self, shape: Any, background: _RGB | None) -> _RGB | None:
        """The background under a shape: unknown where a picture or a filled shape drawn
        before it overlaps it."""
        rect = _rect(shape)
        if rect is not None and any(_overlaps(rect, other) for other in self.painted):
            return None
        return background

    def shapes(self, shapes: Iterable[Any], lines: list[str], background: _RGB | None,
               top_level: bool = True) -> None:
        from pptx.shapes.group import GroupShape

        assert self.palette is not None
        for shape in shapes:
            element = shape._element
            placeholder = element.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
            if placeholder is not None and placeholder.get("type") in _RUNNING_PLACEHOLDERS:
                continue
            properties = element.find(f".//{_P}cNvPr")
            whole = []
            if properties is not None and properties.get("hidden") in ("1", "true"):
                whole.append(MARKED_HIDDEN)
            if top_level and self.off_slide(shape):
                whole.append(OFF_PAGE)
            if whole:
                self.hidden.add(whole, " ".join(t.text or "" for t in element.iter(_A_T)))
                continue
            # Group members are placed in the group's own space: the group's place decides.
            under = self._under(shape, background) if top_level else background
            if isinstance(shape, GroupShape):
                self.shapes(shape.shapes, lines, under, top_level=False)
            elif shape.has_text_frame:
                behind = self.palette.fill(element.find(_P + "spPr"), under)
                reference = element.find(f"{_P}style/{_A}fillRef")
                if behind is under and reference is not None and reference.get("idx", "0") != "0":
                    behind = None  # filled by the theme's style: not told here
                lines.append(self.frame(shape.text_frame, behind))
            elif shape.has_table:
                styled = element.find(f".//{_A}tblPr/{_A}tableStyleId") is not None
                for row in shape.table.rows:
                    for cell in row.cells:
                        # A table style fills its cells in ways not resolved here.
                        outside = None if styled else under
                        behind = self.palette.fill(cell._tc.find(_A + "tcPr"), outside)
                        lines.append(self.frame(cell.text_frame, behind))
            if top_level and _paints(element, self.palette) and (rect := _rect(shape)):
                self.painted.append(rect)

    def frame(self, frame: Any, background: _RGB | None) -> str:
        """The visible text of a text frame, one line per paragraph."""
        paragraphs = []
        for paragraph in frame.paragraphs:
            parts: list[str] = []
            for child in paragraph._p:
                if child.tag == _A_BR:
                    parts.append("\n")
                elif child.tag in (_A_R, _A_FLD):
                    text = "".join(t.text or "" for t in child.iter(_A_T))
                    reasons = self.run_hidden(child.find(_A + "rPr"), background)
                    if not reasons:
                        parts.append(text)
                        continue
                    self.hidden.add(reasons, text)
                    if text[:1].isspace() or text[-1:].isspace():
                        parts.append(" ")
            paragraphs.append("".join(parts))
        return "\n".join(paragraphs)

    def run_hidden(self, properties: Any, background: _RGB | None) -> list[str]:
        """Why a run of a slide cannot be seen (empty: it can). A run without a colour of its
        own takes its placeholder's or the theme's, which is made to be read."""
        if properties is None:
            return []
        assert self.palette is not None
        reasons = []
        solid = properties.find(_A_SOLID)
        colour = self.palette.colour(solid[0] if solid is not None and len(solid) else None)
        if properties.find(_A + "noFill") is not None or (
                solid is not None and colour is not _UNKNOWN and background is not None
                and invisible_on(colour, background)):  # type: ignore[arg-type]
            reasons.append(NEAR_BACKGROUND)
        size = properties.get("sz", "")
        if size.isdigit() and int(size) <= 100 * MAX_HIDDEN_POINTS:  # hundredths of a point
            reasons.append(TINY)
        return reasons


class PptxExtractor(Extractor):
    """One block per slide: text frames (groups included), tables, then the speaker notes.

    Speaker notes are the author's words, not hidden text, and are read as they are. The
    footer, slide number and date placeholders are left out, and a line on top or at the bottom
    of every slide (a footer in a text box) is kept on its first slide only (``running``).
    """

    name = "PowerPoint presentation"

    def extract(self, path: str, data: bytes) -> Extracted:
        from pptx import Presentation

        check_container(data, self.name)
        presentation = Presentation(io.BytesIO(data))
        builder = TextBuilder()
        hidden = HiddenText()
        reader = _SlideReader(presentation.slide_width, presentation.slide_height, hidden)
        palettes: dict[int, _Palette] = {}
        slides: list[tuple[list[str], str]] = []  # per slide: its shapes' lines, its notes
        chars = 0
        for slide in presentation.slides:
            lines: list[str] = []
            try:
                layout = slide.slide_layout
                master = layout.slide_master
            except (KeyError, AttributeError, ValueError):  # a slide without its layout
                layout = master = None
            key = id(master.part) if master is not None else 0
            palette = palettes.get(key)
            if palette is None:  # the theme is parsed once per master
                palette = palettes[key] = _Palette(master)
            reader.slide(slide, lines, palette, layout)
            notes = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
            slides.append((lines, notes.text if notes is not None else ""))
            chars += sum(len(line) for line in lines) + len(slides[-1][1])
            if chars >= builder.max_chars:
                break
        # A footer typed in a text box of every slide is a running line, as on a PDF's pages;
        # the notes, after the shapes, are the speaker's own and never one.
        shown = drop_running_lines(["\n".join(line for line in lines if line.strip()).split("\n")
                                    for lines, _ in slides])
        for lines, (_, notes_text) in zip(shown, slides):
            builder.add("\n".join(lines + ([notes_text] if notes_text.strip() else [])),
                        SegmentKind.PROSE)
        builder.flags = hidden.flags(path)
        return builder.build()


_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODF_PARAGRAPHS = frozenset({_TEXT + "p", _TEXT + "h"})
_ODF_SPACE, _ODF_TAB, _ODF_BREAK = _TEXT + "s", _TEXT + "tab", _TEXT + "line-break"
_ODF_NOTE, _ODF_NOTE_BODY = _TEXT + "note", _TEXT + "note-body"
# Not text a reader sees in the flow: note numbers, comments, tracked deletions.
_ODF_SKIP = frozenset({_TEXT + "note-citation", _OFFICE + "annotation", _TEXT + "tracked-changes"})


_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_ODF_STYLE_NAME = _TEXT + "style-name"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_CELL = _TABLE + "table-cell"
_ODF_DEFAULT_POINTS = 12.0


@dataclass(frozen=True)
class _OdfLooks:
    """What can hide ODF text, as resolved so far: a later layer wins."""

    display_none: bool = False
    colour: _RGB | None = None
    points: float = _ODF_DEFAULT_POINTS
    background: _RGB | None = WHITE  # None: declared but not a colour (an image)

    def over(self, properties: dict[str, str]) -> _OdfLooks:
        display, colour, points, background = (self.display_none, self.colour, self.points,
                                               self.background)
        if "display" in properties:
            display = properties["display"] == "none"
        if "color" in properties:
            colour = hex_rgb(properties["color"].lstrip("#"))
        size = properties.get("font-size", "")
        if size.endswith("pt"):
            try:
                points = float(size[:-2])
            except ValueError:
                pass
        elif size.endswith("%"):
            try:
                points = points * float(size[:-1]) / 100
            except ValueError:
                pass
        if "background-color" in properties:
            value = properties["background-color"]
            if value != "transparent":
                background = hex_rgb(value.lstrip("#"))
        return _OdfLooks(display, colour, points, background)

    def hidden(self) -> list[str]:
        reasons = []
        if self.display_none:
            reasons.append(MARKED_HIDDEN)
        if self.background is not None and invisible_on(self.colour, self.background):
            reasons.append(NEAR_BACKGROUND)
        if self.points <= MAX_HIDDEN_POINTS:
            reasons.append(TINY)
        return reasons


class _OdfStyles:
    """Named styles of both parts, by family and name, resolved along their parents."""

    _MAX_CHAIN = 20

    def __init__(self, roots: list[ElementTree.Element]) -> None:
        self._own: dict[tuple[str, str], tuple[str | None, dict[str, str]]] = {}
        for root in roots:
            for style in root.iter(_STYLE + "style"):
                properties: dict[str, str] = {}
                for kind in ("paragraph-properties", "text-properties", "table-cell-properties"):
                    found = style.find(_STYLE + kind)
                    if found is None:
                        continue
                    for name, value in found.attrib.items():
                        local = name.rpartition("}")[2]
                        if name.startswith(_FO) or local == "display":
                            properties[local] = value.strip().lower()
                key = (style.get(_STYLE + "family", ""), style.get(_STYLE + "name", ""))
                self._own[key] = (style.get(_STYLE + "parent-style-name"), properties)
        self._resolved: dict[tuple[str, str], dict[str, str]] = {}

    def properties(self, family: str, name: str | None) -> dict[str, str]:
        """The style's properties, its parents' below its own."""
        if not name:
            return {}
        key = (family, name)
        if key not in self._resolved:
            layers = []
            current: str | None = name
            for _ in range(self._MAX_CHAIN):
                if current is None or (family, current) not in self._own:
                    break
                current, own = self._own[(family, current)]
                layers.append(own)
            merged: dict[str, str] = {}
            for layer in reversed(layers):
                merged.update(layer)
            self._resolved[key] = merged
        return self._resolved[key]


class _OdfReader:
    """Walks an ODF body into paragraph lines, leaving text no reader sees out and counting it."""

    def __init__(self, styles: _OdfStyles) -> None:
        self.styles = styles
        self.hidden = HiddenText()

    def runs(self, element: ElementTree.Element, parts: list[str],
             nested: list[tuple[ElementTree.Element, _OdfLooks]], looks: _OdfLooks) -> None:
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
                nested.extend((body, _OdfLooks()) for body in child.iter(_ODF_NOTE_BODY))
            elif tag in _ODF_SKIP:
                pass
            elif any(True for _ in child.iter(_TEXT + "p")):
                # A frame or text box holding paragraphs of its own, on a fill of its own that
                # is not resolved here: its colours are not judged.
                nested.append((child, replace(looks, background=None)))
            else:
                inner = looks.over(self.styles.properties("text", child.get(_ODF_STYLE_NAME)))
                reasons = inner.hidden()
                if reasons:
                    text = "".join(child.itertext())
                    self.hidden.add(reasons, text)
                    if text[:1].isspace() or text[-1:].isspace():
                        parts.append(" ")  # a word break stays where the span was
                else:
                    self.runs(child, parts, nested, inner)
            if child.tail:
                parts.append(child.tail)

    def blocks(self, container: ElementTree.Element, lines: list[str], looks: _OdfLooks) -> None:
        for child in container:
            if child.tag in _ODF_PARAGRAPHS:
                own = looks.over(self.styles.properties("paragraph", child.get(_ODF_STYLE_NAME)))
                if reasons := own.hidden():
                    self.hidden.add(reasons, " ".join(child.itertext()))
                    continue
                parts: list[str] = []
                nested: list[tuple[ElementTree.Element, _OdfLooks]] = []
                self.runs(child, parts, nested, own)
                lines.append("".join(parts))
                for element, inner in nested:
                    self.blocks(element, lines, inner)
            elif child.tag == _ODF_CELL:
                cell = self.styles.properties("table-cell", child.get(_TABLE + "style-name"))
                self.blocks(child, lines, looks.over(
                    {k: v for k, v in cell.items() if k == "background-color"}))
            elif child.tag not in _ODF_SKIP:
                self.blocks(child, lines, looks)


class OdfExtractor(Extractor):
    """OpenDocument text and presentations: every paragraph and heading of the body, in order.

    Text no reader sees is left out and counted as in Word: spans and paragraphs whose style
    (its own, then its parents') says ``text:display="none"``, a font of 2 pt or less, or a
    colour that cannot be told from their background (the span's, the paragraph's, or white).

    Read with zipfile and ElementTree rather than odfpy: odfpy parses every part into an object
    tree (3.4 times slower on a 3,000-paragraph report), and its ``teletype`` text keeps
    comments inline and gives a footnote's paragraphs twice when paragraphs are walked.
    Expat does not fetch external entities and, since 2.4, refuses entity expansion bombs.
    """

    name = "OpenDocument file"

    def extract(self, path: str, data: bytes) -> Extracted:
        check_container(data, self.name)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = _required_part(archive, "content.xml", self.name)
            try:
                shared = archive.read("styles.xml")
            except KeyError:  # optional: automatic styles in content.xml are enough
                shared = b""
        root = ElementTree.fromstring(content)
        body = root.find(_OFFICE + "body")
        if body is None:
            raise unreadable(f"{self.name} has no body")
        roots = [root] + ([ElementTree.fromstring(shared)] if shared else [])
        reader = _OdfReader(_OdfStyles(roots))
        lines: list[str] = []
        reader.blocks(body, lines, _OdfLooks())
        builder = TextBuilder()
        builder.add("\n".join(line for line in lines if line.strip()), SegmentKind.PROSE)
        builder.flags = reader.hidden.flags(path)
        return builder.build()
