"""HTML pages: their visible text, as prose.

A submitted web page is read for what it says: scripts, styles and markup are dropped. (Web
code that students write lives in ``.js``/``.css``/``.vue`` files, which are code.) Block
elements end lines, so paragraphs and list items keep lines of their own.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from ..model import SegmentKind
from .base import Extracted, Extractor, TextBuilder, binary
from .text import looks_binary

# Not <head> as a whole: html.parser does not repair structure, and a page that never closes
# its head would lose its body with it.
_INVISIBLE = ("script", "style", "noscript", "template", "title", "svg", "canvas")
_BLOCKS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
)


def visible_text(soup: BeautifulSoup) -> str:
    """The text a browser would show, one line per block, whitespace runs collapsed."""
    for element in soup.find_all(_INVISIBLE):
        element.decompose()
    for element in soup.find_all(_BLOCKS):
        if isinstance(element, Tag):
            element.insert_before("\n")
            element.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


class HtmlExtractor(Extractor):
    name = "HTML page"

    def extract(self, path: str, data: bytes) -> Extracted:
        if looks_binary(data):
            raise binary(f"binary content: NUL bytes in an {self.name}")
        # Bytes, not str: Beautiful Soup honours a <meta charset> before guessing.
        soup = BeautifulSoup(data, "html.parser")
        builder = TextBuilder()
        builder.add(visible_text(soup), SegmentKind.PROSE)
        return builder.build()
