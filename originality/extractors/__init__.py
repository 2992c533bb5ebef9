"""Extractors, one per kind of file, behind the single entry point ``originality.extract``.

Each is a small subclass of ``Extractor``; ``originality.extract`` chooses one by file name
(and, for files without a telling name, by content) and turns its result into a ``Document``.

The parsing libraries (Beautiful Soup, nbformat, python-docx, python-pptx, pypdf) are imported
where a file of their kind is first read, not with these modules: together they were a third
of the command's start-up (about 0.4 s of CPU), which a cohort of code alone never needs.
"""

from __future__ import annotations

from .base import (
    MAX_CONTAINER_BYTES,
    MAX_PDF_PAGES,
    MAX_TEXT_CHARS,
    Extracted,
    Extractor,
    NotExtracted,
    TextBuilder,
)
from .html import HtmlExtractor
from .languages import CODE_EXTENSIONS, FILENAME_LANGUAGES, language_for_path, language_for_tag
from .notebook import NotebookExtractor
from .office import DocxExtractor, OdfExtractor, PptxExtractor
from .pdf import PdfExtractor
from .text import (
    CodeExtractor,
    MarkdownExtractor,
    PlainTextExtractor,
    RtfExtractor,
    decode_text,
)

__all__ = [
    "CODE_EXTENSIONS",
    "FILENAME_LANGUAGES",
    "MAX_CONTAINER_BYTES",
    "MAX_PDF_PAGES",
    "MAX_TEXT_CHARS",
    "CodeExtractor",
    "DocxExtractor",
    "Extracted",
    "Extractor",
    "HtmlExtractor",
    "MarkdownExtractor",
    "NotExtracted",
    "NotebookExtractor",
    "OdfExtractor",
    "PdfExtractor",
    "PlainTextExtractor",
    "PptxExtractor",
    "RtfExtractor",
    "TextBuilder",
    "decode_text",
    "language_for_path",
    "language_for_tag",
]
