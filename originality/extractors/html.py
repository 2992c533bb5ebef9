"""HTML pages: their visible text, as prose, and the code blocks they show, as code.

A submitted web page is read for what it says: scripts, styles and markup are dropped. (Web
code that students write lives in ``.js``/``.css``/``.vue`` files, which are code.) Block
elements end lines, so paragraphs and list items keep lines of their own. A ``<pre>`` block
that names its language (``<code class="language-python">``, or the ``highlight hl-ipython3``
of a notebook exported by nbconvert) is code in that language, its lines as they are: a
notebook handed in as HTML, or a report that shows its program, is compared with the same code
elsewhere. A notebook export's outputs are left out, as a notebook's are (``notebook.py``).

Text a browser would not show is left out and counted (``tamper.HiddenText``), as in office
documents: elements with the ``hidden`` attribute, or whose inline style says ``display: none``,
``visibility: hidden``, ``opacity: 0``, a font of 2 pt (or 2.67 px) or less, or a colour that
cannot be told from the nearest background an element declares inline (white when none does).
Style sheets and classes are not resolved: a page is a rare deliverable, and its inline styles
are where pasted filler carries its disguise.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from ..model import SegmentKind
from ..tamper import (MARKED_HIDDEN, MAX_HIDDEN_POINTS, NEAR_BACKGROUND, TINY, WHITE, HiddenText,
                      hex_rgb, invisible_on)
from .base import Extracted, Extractor, TextBuilder, binary, too_large
from .languages import language_for_tag
from .text import looks_binary

if TYPE_CHECKING:  # imported when a page is read (see extractors/__init__.py)
    from bs4 import BeautifulSoup, Tag

# Not <head> as a whole: html.parser does not repair structure, and a page that never closes
# its head would lose its body with it.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "title", "svg", "canvas"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
})
# Elements a page may open. Parsing and walking cost about 22 microseconds an element (Beautiful
# Soup's tree is pure Python): 870 KB of unclosed nested <b><i> (290,000 elements) took 9 s a
# page (audit, 7 Dec 2026; 6.5 s since the walk below), while the whole Rust book on one page
# (print.html, 1.9 MB) opens 24,534 and a long source page with every token highlighted 7,165.
# 100,000: a judgment, four times the book, about 2 s.
MAX_HTML_ELEMENTS = 100_000
_START_TAG = re.compile(rb"<[A-Za-z]")


# The classes that name a code block's language: Markdown renderers' and highlight.js's
# ("language-python", "lang-py"), and Pygments' in nbconvert's exports ("hl-ipython3").
_LANGUAGE_CLASS = re.compile(r"^(?:language|lang|hl)-(.+)$")
# The output areas of a notebook exported by nbconvert (JupyterLab's and the classic templates).
_OUTPUTS = ("jp-OutputArea", "output_wrapper")
# Stands for a code block in the page's text while the prose around it is laid out.
_CODE_MARK = "\ue000code{}\ue000"
_CODE_MARKS = re.compile("\ue000code(\\d+)\ue000")

_DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;]+)")
_NAMED = {"white": "FFFFFF", "black": "000000", "snow": "FFFAFA", "ivory": "FFFFF0",
          "whitesmoke": "F5F5F5", "ghostwhite": "F8F8FF", "transparent": ""}
_RGB_FUNCTION = re.compile(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)")
_SIZE = re.compile(r"([\d.]+)\s*(pt|px)\b")
_RGB = tuple[float, float, float]


def _style(element: Tag) -> dict[str, str]:
    text = element.get("style")
    if not isinstance(text, str):
        return {}
    return {name: value.strip().lower() for name, value in _DECLARATION.findall(text.lower())}


def _css_colour(value: str) -> _RGB | None:
    """A CSS colour as sRGB: #rgb, #rrggbb, rgb()/rgba() (fully transparent: None), a few
    names; None for anything else."""
    value = value.replace("!important", "").strip()
    if value in _NAMED:
        return hex_rgb(_NAMED[value])
    if value.startswith("#"):
        digits = value[1:]
        return hex_rgb("".join(c * 2 for c in digits) if len(digits) == 3 else digits)
    found = _RGB_FUNCTION.fullmatch(value)
    if found and (found.group(4) is None or float(found.group(4)) > 0):
        return tuple(min(255, int(found.group(i))) / 255 for i in (1, 2, 3))  # type: ignore[return-value]
    return None


def _background(element: Tag) -> _RGB | None:
    """The nearest background an element or its ancestors declare inline; white when none
    does, None when one is declared that cannot be read (an image, a gradient)."""
    from bs4 import Tag

    node: Tag | None = element
    while isinstance(node, Tag):
        style = _style(node)
        declared = style.get("background-color") or style.get("background")
        if declared:
            return _css_colour(declared)
        colour = node.get("bgcolor")
        if isinstance(colour, str):
            return _css_colour(colour)
        node = node.parent
    return WHITE


def _hidden(element: Tag) -> list[str]:
    """Why a browser would not show an element's text (empty: it would)."""
    reasons = []
    style = _style(element)
    if element.has_attr("hidden") or style.get("display") == "none" or \
            style.get("visibility") in ("hidden", "collapse") or style.get("opacity") in ("0", "0.0"):
        reasons.append(MARKED_HIDDEN)
    colour = _css_colour(style["color"]) if "color" in style else None
    behind = _background(element) if colour is not None else None
    if behind is not None and invisible_on(colour, behind):
        reasons.append(NEAR_BACKGROUND)
    size = _SIZE.fullmatch(style.get("font-size", "").replace("!important", "").strip())
    if size and float(size.group(1)) * (0.75 if size.group(2) == "px" else 1.0) <= MAX_HIDDEN_POINTS:
        reasons.append(TINY)
    elif style.get("font-size", "").strip() == "0":
        reasons.append(TINY)
    return reasons


def _named(soup: BeautifulSoup, names: frozenset[str]) -> list[Tag]:
    """The elements of these names, in page order: one walk, a set lookup each (``find_all``
    with a list of names tries every name on every element, 35 for the blocks)."""
    from bs4 import Tag

    return [element for element in soup.descendants
            if isinstance(element, Tag) and element.name in names]


def leave_out_hidden(soup: BeautifulSoup, hidden: HiddenText) -> None:
    """Remove the elements a browser would not show, counting their words in ``hidden``."""
    from bs4 import Tag

    # Nothing here is decomposed (a hidden element is replaced, its subtree detached), and
    # bs4's ``decomposed`` searches the element's subtree for a tag when unset: quadratic on a
    # deeply nested page (3,000 levels: 6 s).
    elements = soup.find_all(True)
    at = 0
    while at < len(elements):
        element = elements[at]
        at += 1
        reasons = _hidden(element)
        if reasons:
            hidden.add(reasons, element.get_text(" "))
            # Its descendants come next in document order: they leave with it, their words
            # counted once (a hidden span inside a hidden div was counted again).
            at += sum(1 for inner in element.descendants if isinstance(inner, Tag))
            # A word break stays where the element was, or two words would join.
            element.replace_with(" ")


def visible_text(soup: BeautifulSoup) -> str:
    """The text a browser would show, one line per block, whitespace runs collapsed."""
    for element in _named(soup, _INVISIBLE):
        element.decompose()
    lines = (" ".join(line.split()) for line in _text_with_breaks(soup).split("\n"))
    return "\n".join(line for line in lines if line)


def _text_with_breaks(soup: BeautifulSoup) -> str:
    """The page's strings as ``get_text()`` gives them, with a line break before and after each
    block element. Walked here rather than by inserting the breaks into the tree: Beautiful
    Soup finds an element among its siblings by scanning them, quadratic on a page of many
    paragraphs side by side (the Rust book on one page: 7 s of 10)."""
    from bs4 import Tag

    types = soup.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    parts: list[str] = []
    # The children left to walk at each level, and whether that level's element is a block.
    stack = [iter(soup.contents)]
    blocks = [False]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            if blocks.pop():
                parts.append("\n")
        elif isinstance(node, Tag):
            block = node.name in _BLOCKS
            if block:
                parts.append("\n")
            stack.append(iter(node.contents))
            blocks.append(block)
        elif type(node) in types:
            parts.append(node)
    return "".join(parts)


def _language(block: Tag) -> str | None:
    """The language a ``<pre>`` block names, on itself, its ``<code>`` or an ancestor's class
    (nbconvert wraps it in ``<div class="highlight hl-ipython3">``); None when it names none
    that is code (preformatted text stays prose)."""
    from bs4 import Tag

    inner = block.find("code")
    # A few ancestors only: nbconvert's class is the block's parent's, and a hostile page nests
    # thousands deep.
    for element in [block, inner, *itertools.islice(block.parents, 4)]:
        if not isinstance(element, Tag):
            continue
        for name in element.get("class") or ():
            found = _LANGUAGE_CLASS.match(name)
            if found and (language := language_for_tag(found.group(1))):
                return language
    return None


def code_blocks(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """The ``<pre>`` blocks that name a language, as (text, language), each replaced in the
    page by a mark of its number (``_CODE_MARK``)."""
    from bs4 import Tag

    found: list[tuple[str, str]] = []
    blocks = [block for block in soup.find_all("pre") if isinstance(block, Tag)]
    # A <pre> inside another is part of the outer one's text (and leaves the page with it):
    # found from the outer ones' contents, not by each block's ancestors (a page can nest
    # thousands deep).
    inner = {id(nested) for block in blocks for nested in block.find_all("pre")}
    for block in blocks:
        language = _language(block) if id(block) not in inner else None
        if language is None:
            continue
        found.append((block.get_text(), language))
        block.replace_with(_CODE_MARK.format(len(found) - 1))
    return found


class HtmlExtractor(Extractor):
    name = "HTML page"

    def extract(self, path: str, data: bytes) -> Extracted:
        if looks_binary(data):
            raise binary(f"binary content: NUL bytes in an {self.name}")
        # Counted in the bytes, before any is parsed, and no further than the cap.
        if next(itertools.islice(_START_TAG.finditer(data), MAX_HTML_ELEMENTS, None), None):
            raise too_large(f"{self.name} not read: it opens more than {MAX_HTML_ELEMENTS:,} "
                            "elements")
        from bs4 import BeautifulSoup

        # Bytes, not str: Beautiful Soup honours a <meta charset> before guessing.
        soup = BeautifulSoup(data, "html.parser")
        hidden = HiddenText()
        for element in _named(soup, _INVISIBLE):
            element.decompose()  # a style or script is not hidden text
        for element in soup.find_all(class_=_OUTPUTS):
            element.decompose()  # what the code printed, not what the student wrote
        leave_out_hidden(soup, hidden)
        blocks = code_blocks(soup)
        builder = TextBuilder()
        # The prose between the code blocks, in page order (a mark stands for a block; one a
        # page spelt itself in private-use characters stands for none).
        for index, part in enumerate(_CODE_MARKS.split(visible_text(soup))):
            if index % 2 == 0:
                builder.add(part, SegmentKind.PROSE)
            elif int(part) < len(blocks):
                text, language = blocks[int(part)]
                builder.add(text, SegmentKind.CODE, language)
        builder.flags = hidden.flags(path)
        return builder.build()
