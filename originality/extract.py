"""Extract: turn one file of a submission into a ``Document`` of text and segments.

``extract(entry)`` never raises for bad content; what became of the file is its state:

- OK: text, with segments that say which lines are code (in which language) and which prose.
  Source code is one CODE segment; a notebook has a segment per cell, a MATLAB live script one
  per run of code or text paragraphs; Markdown is prose with
  its fenced code blocks as CODE; PDF, Word, PowerPoint, OpenDocument, RTF, HTML and plain
  text are prose. Text beyond ``MAX_TEXT_CHARS`` is cut off and the detail says so.
- EMPTY: nothing but whitespace (a PDF scan without a text layer ends up here too).
- UNREADABLE: a document that is damaged, encrypted, or in a format we cannot read (legacy
  ``.doc``/``.ppt``, Apple iWork); an archive of another format than ZIP (``.7z``, ``.rar``,
  ``.tar.gz``...), never opened; a ZIP inside the submission the unpacker could not open
  (``Entry.unreadable``); a file whose name says source code or text but whose content is
  binary (NUL bytes that are not UTF-16, or mostly control characters). The detail says why.
- BINARY: images, built packages (``.jar``, ``.whl``), compiled files, binary datasets
  (``.xlsx``, ``.parquet``, ``.pkl``, ``.h5``, ...) and any content with NUL bytes that is not
  UTF-16 text in a file whose name does not say it is text.
- SKIPPED: text that is data, not authorship: tabular and line-delimited data (``.csv``,
  ``.tsv``, ``.jsonl``), SVG drawings, dependency lock files, LaTeX's build files (``.aux``,
  ``.toc``, a TeX engine's ``.log``...), minified bundles, web
  libraries' distributed builds (by their licence banner, whatever the file is called), build
  tools' wrapper scripts (``gradlew``, ``mvnw``), code its generator signed (a Django migration,
  a Bison parser, protoc's output), licence texts (``LICENSE``, ``COPYING``), tools' settings
  in dotfiles that no language claims (``.gitignore``, ``.editorconfig``), and each folder of
  installed code the unpacker passed over as litter (``Entry.passed_over``).
  Matching them would flag every student who used the same dataset or library.

- TOO_LARGE: a file the unpacker left unread (``Entry.unread``): over the per-file cap, or
  compressed like a bomb. Its bytes were never all read, so it has no ``sha256`` and a size
  of 0; the detail says why.

BINARY and SKIPPED documents have no text, but their ``sha256`` (always over the raw bytes)
still lets identical assets be noticed. TOO_SHORT is the normalizer's decision, not ours.

Files are recognised by name: an explicit extension map (``CODE_EXTENSIONS``; see
``originality.extractors.languages`` for the ambiguous choices), not Pygments' guessing.
A file whose name says nothing is sniffed: a PDF, Office or RTF signature, then a ``#!`` line;
otherwise it is read as prose if it decodes as text.
"""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from .errors import interruptions
from .extractors.base import (
    MAX_TEXT_CHARS,
    Extracted,
    Extractor,
    NotExtracted,
    quiet,
)
from .extractors.html import HtmlExtractor
from .extractors.latex import LatexExtractor
from .extractors.languages import CODE_EXTENSIONS, language_for_path, language_for_shebang
from .extractors.notebook import NotebookExtractor
from .extractors.office import DocxExtractor, MlxExtractor, OdfExtractor, PptxExtractor
from .extractors.pdf import PdfExtractor
from .extractors.text import (
    CodeExtractor,
    MarkdownExtractor,
    PlainTextExtractor,
    RtfExtractor,
)
from .model import Document, DocumentState, Entry, Flag, Segment
from .tamper import scan, sorted_flags

__all__ = [
    "BINARY_EXTENSIONS",
    "CODE_EXTENSIONS",
    "DATA_EXTENSIONS",
    "DOCUMENT_EXTRACTORS",
    "MAX_TEXT_CHARS",
    "extract",
    "prose_only",
    "language_for_path",
]

log = logging.getLogger(__name__)

BINARY_EXTENSIONS = frozenset(
    """png jpg jpeg gif bmp tif tiff webp ico heic psd ai eps
    mp3 wav ogg flac m4a mp4 mov avi mkv webm
    zip jar war whl egg
    xlsx xlsm xls ods numbers parquet feather arrow avro orc pkl pickle joblib npy npz
    h5 hdf5 mat sav rds rdata sqlite sqlite3 db mdb
    pt pth ckpt onnx safetensors tflite pb
    pyc pyo class o obj so dll dylib exe a lib bin wasm
    ttf otf woff woff2 eot""".split()
)
DATA_EXTENSIONS = frozenset({"csv", "tsv", "jsonl", "ndjson", "svg", "arff"})
_LOCK_FILES = frozenset(
    {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
     "cargo.lock", "composer.lock", "gemfile.lock", "go.sum", "uv.lock"}
)
_MINIFIED_SUFFIXES = (".min.js", ".min.css", ".js.map", ".css.map")
# Files a tool or a template writes the same for everyone: a build tool's wrapper scripts
# (Gradle's and Maven's, a few hundred lines of shell in every project made by Spring Initializr
# or an IDE) and a licence's text (two projects whose only shared file was the MIT licence
# scored 0.49). Read as work, they match every other student who has them.
_WRAPPER_SCRIPTS = frozenset({"gradlew", "gradlew.bat", "mvnw", "mvnw.cmd"})
_LICENCE_NAMES = frozenset({"license", "licence", "copying", "unlicense"})
# A web library ships as a built file whatever a student renames it to (jquery.js, bootstrap.css,
# vendor/chart.js), and two students who include the same one were reported as copies of each
# other (two shops sharing an unminified jQuery 2.1.1 and nothing else: 1.00). Such a build opens
# with the licence banner that minifiers are told to keep ("/*!", as UglifyJS, Terser and cssnano
# keep it), and a minified one has lines no one types. Only for the web's languages: C and C++
# write Doxygen comments as "/*!".
_WEB_LANGUAGES = frozenset({"javascript", "jsx", "typescript", "css", "scss", "less"})
_LICENCE_BANNER = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*/\*!(?:(?!\*/).){0,2000}?(?:licen[cs]e|copyright|\(c\))",
                             re.IGNORECASE | re.DOTALL)
# Characters a line, on average, from which a file is minified: a judgment, not measured; code
# written by hand averages a few dozen (linters stop lines at 80-120) and a minifier's output
# thousands.
MINIFIED_MEAN_LINE = 250
# Code a tool wrote signs its first lines, in each tool's own words (the signatures GitHub's
# linguist reads too): Go's standard "Code generated ... DO NOT EDIT.", "@generated", C#'s
# "<auto-generated>", protoc's, Android's R.java, Django's migrations, Bison's parsers, Flex's
# scanners, ANTLR's parsers, Qt's moc. Two students' parsers made by Bison share its skeleton of a
# thousand lines whatever their grammars. A teacher's "do not modify below" in a starter file is
# no tool's signature, and a student who wrote their solution under it is still compared.
_TOOL_SIGNATURE = re.compile(
    rb"^// Code generated .* DO NOT EDIT\.$|@generated\b|<auto-generated|generated by the protocol buffer compiler"
    rb"|AUTO-GENERATED FILE\.|^# Generated by Django \d|A Bison parser, made by GNU Bison|A lexical scanner generated by flex"
    rb"|Generated from \S+ by ANTLR \d|Meta object code from reading C\+\+ file", re.IGNORECASE | re.MULTILINE)
# How far into a file the signature is looked for: the tools above sign within their first lines.
SIGNATURE_BYTES = 1024
# What LaTeX and its tools write beside a document at every build: the auxiliary file, the
# tables of contents, figures and tables, BibTeX's bibliography and log, latexmk's and
# -recorder's file lists, beamer's navigation and verbatim pages, SyncTeX's positions. Two
# independent reports each zipped with their own pdflatex log (hundreds of lines naming the
# same packages) scored 1.000 (audit, Dec 2026). hyperref's bookmarks (``.out``) are known by
# their first command, since other programs' output files end in ".out" too.
_TEX_BUILD_EXTENSIONS = frozenset({"aux", "toc", "lof", "lot", "bbl", "blg", "fls", "fdb_latexmk",
                                   "nav", "snm", "vrb"})
_TEX_BUILD_SUFFIXES = (".synctex.gz", ".synctex")
# How TeX engines open their log: "This is pdfTeX, Version 3.14...", "This is XeTeX, ...",
# "This is LuaHBTeX, ...", "This is e-TeX, ..."; a ``.log`` another program wrote stays prose.
_TEX_LOG = re.compile(rb"\A(?:\xef\xbb\xbf)?This is [\w-]*TeX\b")
_TEX_BOOKMARKS = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\\BOOKMARK\b")
_UNSUPPORTED: Mapping[str, str] = MappingProxyType({
    "doc": "legacy Word .doc files cannot be read; save as .docx or PDF",
    "ppt": "legacy PowerPoint .ppt files cannot be read; save as .pptx or PDF",
    "pages": "Apple Pages files cannot be read; export as .docx or PDF",
    "key": "Apple Keynote files cannot be read; export as .pptx or PDF",
    # Archives of other formats than ZIP (which the unpacker opens): a deliverable packed in one
    # inside the upload is never compared, so it is listed, not passed over with the images.
    # Built packages (.jar, .whl) stay binary: compiled, not the student's sources.
    **{extension: f"a .{extension} archive is not opened (only ZIP archives are): what it holds is never "
                  "compared; hand in a ZIP" for extension in ("tar", "tgz", "gz", "bz2", "xz", "7z", "rar")},
})

_MARKDOWN = MarkdownExtractor()
_PLAIN = PlainTextExtractor()
_ODF = OdfExtractor()
_HTML = HtmlExtractor()
# Document formats by extension. Prose-only text formats (.rst, .adoc, ...) are plain text:
# their markup is a few words among many. LaTeX's is not (a preamble of a dozen \usepackage
# lines is the same in every report): its body is read without it (``extractors.latex``).
DOCUMENT_EXTRACTORS: Mapping[str, Extractor] = MappingProxyType({
    "ipynb": NotebookExtractor(),
    "pdf": PdfExtractor(),
    "docx": DocxExtractor(),
    "pptx": PptxExtractor(),
    "mlx": MlxExtractor(),
    "odt": _ODF, "odp": _ODF,
    "html": _HTML, "htm": _HTML, "xhtml": _HTML,
    "md": _MARKDOWN, "markdown": _MARKDOWN, "mdown": _MARKDOWN, "mkd": _MARKDOWN,
    "rmd": _MARKDOWN, "qmd": _MARKDOWN,
    "rtf": RtfExtractor(),
    "txt": _PLAIN, "text": _PLAIN, "rst": _PLAIN, "adoc": _PLAIN, "asciidoc": _PLAIN,
    "org": _PLAIN, "tex": LatexExtractor(), "ltx": LatexExtractor(), "bib": _PLAIN, "log": _PLAIN,
})
# The document formats whose extractor makes prose only, in blocks (pages, slides, paragraphs)
# joined by a blank line: their text is one prose segment as far as tokens go.
_PROSE_ONLY = (PdfExtractor, DocxExtractor, PptxExtractor, OdfExtractor, HtmlExtractor, RtfExtractor)


def prose_only(path: str) -> bool:
    """Whether the document format a path names is read as prose only (a PDF, an office
    document, HTML, RTF), whatever its layout."""
    extension = path.rpartition(".")[2].lower() if "." in path else ""
    return isinstance(DOCUMENT_EXTRACTORS.get(extension), _PROSE_ONLY)


_SIGNATURES: tuple[tuple[bytes, str], ...] = ((b"%PDF-", "pdf"), (b"{\\rtf", "rtf"))
# Part names that identify a ZIP-based document whose file name did not.
_ZIP_SIGNATURES: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "docx"), ("ppt/presentation.xml", "pptx"), ("content.xml", "odt"),
    ("matlab/document.xml", "mlx"),
)


class _Refuse(Extractor):
    """Stands for a file we decide not to read from its name alone."""

    def __init__(self, state: DocumentState, detail: str) -> None:
        self.state, self.detail = state, detail

    def extract(self, path: str, data: bytes) -> Extracted:
        raise NotExtracted(self.state, self.detail)


def _sniff(data: bytes) -> Extractor | None:
    """The extractor a file's content asks for when its name said nothing."""
    for signature, extension in _SIGNATURES:
        if data.startswith(signature):
            return DOCUMENT_EXTRACTORS[extension]
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            names = set()
        for part, extension in _ZIP_SIGNATURES:
            if part in names:
                return DOCUMENT_EXTRACTORS[extension]
        return _Refuse(DocumentState.BINARY, "binary file: a ZIP archive")
    first_line = data[:256].split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    language = language_for_shebang(first_line)
    return CodeExtractor(language) if language else None


def _extractor_for(path: str, data: bytes) -> Extractor:
    """Choose how to read a file: by its name, then (for names that say nothing) its content."""
    name = posixpath.basename(path).lower()
    extension = name.rpartition(".")[2] if "." in name.lstrip(".") else ""
    if name in _LOCK_FILES:
        return _Refuse(DocumentState.SKIPPED, "dependency lock file: generated, not written")
    if name.endswith(_MINIFIED_SUFFIXES):
        return _Refuse(DocumentState.SKIPPED, "minified or generated bundle")
    if name in _WRAPPER_SCRIPTS:
        return _Refuse(DocumentState.SKIPPED, "a build tool's wrapper script: generated, not written")
    if _tex_build_file(name, extension, data):
        return _Refuse(DocumentState.SKIPPED, "a LaTeX build file: generated, not written")
    if extension in BINARY_EXTENSIONS:
        return _Refuse(DocumentState.BINARY, f"binary file type (.{extension})")
    if extension in DATA_EXTENSIONS:
        return _Refuse(DocumentState.SKIPPED, f"data file (.{extension}): data is not compared")
    if extension in _UNSUPPORTED:
        return _Refuse(DocumentState.UNREADABLE, _UNSUPPORTED[extension])
    language = language_for_path(path)  # before documents: CMakeLists.txt is code
    if language is not None:
        return _made_by_a_tool(data, language) or CodeExtractor(language)
    if name.split(".", 1)[0].split("-", 1)[0] in _LICENCE_NAMES:  # not a program so named (license.py)
        return _Refuse(DocumentState.SKIPPED, "a licence's text: not the student's writing")
    if extension in DOCUMENT_EXTRACTORS:
        return DOCUMENT_EXTRACTORS[extension]
    sniffed = _sniff(data)
    if sniffed is None and name.startswith("."):
        # .gitignore, .editorconfig, .env, .prettierrc: a tool's settings, most often a template's
        # (two programs sharing nothing but GitHub's Python .gitignore, read as prose, scored 0.97).
        return _Refuse(DocumentState.SKIPPED, "a tool's settings (a dotfile): not the student's work")
    return sniffed or _PLAIN


def _tex_build_file(name: str, extension: str, data: bytes) -> bool:
    """Whether a file is one LaTeX or its tools wrote at a build (``_TEX_BUILD_EXTENSIONS``): by
    its name, or for a ``.log`` or ``.out`` by how it opens."""
    if extension in _TEX_BUILD_EXTENSIONS or name.endswith(_TEX_BUILD_SUFFIXES):
        return True
    if extension == "log":
        return _TEX_LOG.match(data) is not None
    if extension == "out":
        return _TEX_BOOKMARKS.match(data) is not None
    return False


def _named_text(path: str) -> bool:
    """Whether a file's name says it is source code or a text format (a language's extension or
    file name, or a document format read as text): not a name that says nothing, read as text
    only because nothing else claimed it (``_sniff``), such as a program compiled to ``a.out``."""
    name = posixpath.basename(path).lower()
    extension = name.rpartition(".")[2] if "." in name.lstrip(".") else ""
    return language_for_path(path) is not None or extension in DOCUMENT_EXTRACTORS


def _made_by_a_tool(data: bytes, language: str) -> Extractor | None:
    """A refusal for code that a tool made rather than a student: signed by its generator
    (``_TOOL_SIGNATURE``), or a web library's build (``_WEB_LANGUAGES``)."""
    if _TOOL_SIGNATURE.search(data[:SIGNATURE_BYTES]):
        return _Refuse(DocumentState.SKIPPED, "generated code (its generator signed it): not the student's")
    if language not in _WEB_LANGUAGES:
        return None
    if _LICENCE_BANNER.match(data):
        return _Refuse(DocumentState.SKIPPED, "a library's distributed build (its licence banner): not the student's")
    if len(data) > (data.count(b"\n") + 1) * MINIFIED_MEAN_LINE:
        return _Refuse(DocumentState.SKIPPED, "minified or generated bundle")
    return None


def _truncate(result: Extracted, limit: int) -> tuple[str, tuple[Segment, ...], list[str]]:
    """Cut text beyond ``limit`` characters, at a line end when there is one, and clip segments."""
    text, notes = result.text, list(result.notes)
    if len(text) <= limit:
        return text, result.segments, notes
    cut = text.rfind("\n", 0, limit + 1)
    kept = text[:cut] if cut > 0 else text[:limit]
    last_line = kept.count("\n") + 1
    segments = tuple(
        replace(segment, end_line=min(segment.end_line, last_line))
        for segment in result.segments
        if segment.start_line <= last_line
    )
    notes.append(f"text truncated to the first {len(kept):,} of {len(text):,} characters")
    return kept, segments, notes


def extract(entry: Entry) -> Document:
    """The text and segments of one file, or the reason it has none. Never raises on content."""
    if entry.unread:
        return Document(entry.path, DocumentState.TOO_LARGE, "", (), "", 0, entry.unread)
    if entry.passed_over:
        return Document(entry.path, DocumentState.SKIPPED, "", (), "", 0, entry.passed_over)
    data = entry.data
    digest = hashlib.sha256(data).hexdigest()

    def document(state: DocumentState, detail: str, text: str = "",
                 segments: tuple[Segment, ...] = (), flags: tuple[Flag, ...] = ()) -> Document:
        return Document(entry.path, state, text, segments, digest, len(data), detail, flags)

    if entry.unreadable:
        return document(DocumentState.UNREADABLE, entry.unreadable)
    if not data:
        return document(DocumentState.EMPTY, "empty file")
    extractor = _extractor_for(entry.path, data)
    try:
        with quiet():
            result = extractor.extract(entry.path, data)
    except NotExtracted as outcome:
        named_text = not isinstance(extractor, _Refuse) and _named_text(entry.path)
        if outcome.state is DocumentState.BINARY and named_text:
            # Its name says source code or text, so it may be the deliverable: listed as not
            # compared (unreadable), never passed over with the images (binary is not listed).
            return document(DocumentState.UNREADABLE, outcome.detail)
        return document(outcome.state, outcome.detail)
    except interruptions():  # the check is being stopped: not the file's doing
        raise
    except Exception as error:  # parsers fail in many ways on damaged or hostile files
        log.debug("cannot read %s as %s", entry.path, extractor.name, exc_info=True)
        reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
        return document(DocumentState.UNREADABLE, f"damaged {extractor.name} ({reason[:200]})")
    text, segments, notes = _truncate(result, MAX_TEXT_CHARS)
    # Tricks are flagged whatever the outcome: a document whose only text is hidden is EMPTY.
    flags = tuple(sorted_flags(result.flags + scan(entry.path, text)))
    if not segments or not text.strip():
        pdf = isinstance(extractor, PdfExtractor)
        detail = "PDF has no text layer (a scan?)" if pdf else "no text"
        return document(DocumentState.EMPTY, "; ".join([detail, *notes]), flags=flags)
    return document(DocumentState.OK, "; ".join(notes), text, segments, flags)
