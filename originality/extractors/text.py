"""Text files: decoding, plain prose, source code, Markdown with fenced code, and RTF.

Decoding tries what student files really are: UTF-8 (with or without a BOM), UTF-16/32 when a
BOM (or the pattern of NULs of ASCII text in UTF-16, or a strict UTF-16 decoding of text in
another script, ``_utf16_other_script``) says so, then Windows-1252, each of whose
five undefined bytes is read as Latin-1 reads it, so decoding never fails. Content with NUL
bytes that is not UTF-16, or mostly control characters, is binary.
"""

from __future__ import annotations

import codecs
import re

from ..model import Segment, SegmentKind
from .base import (
    SNIFF_BYTES,
    Extracted,
    Extractor,
    TextBuilder,
    binary,
    line_count,
    normalize_newlines,
)
from .languages import language_for_tag

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D); each is read as the
# Latin-1 character of the same number, alone: falling back to Latin-1 for the whole file when
# one such byte strayed into it turned its curly quotes and its "œ" into control characters.
_CP1252_GAPS = "originality-cp1252-gaps"
codecs.register_error(_CP1252_GAPS, lambda error: (error.object[error.start:error.end].decode("latin-1"), error.end))
_BINARY_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# Share of control characters above which decoded "text" is really binary.
_MAX_CONTROL_SHARE = 0.1


def _utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when NULs fall on every other byte, as in UTF-16 ASCII text."""
    even, odd = head[0::2], head[1::2]
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls > len(odd) // 2 and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > len(even) // 2 and odd_nuls == 0:
        return "utf-16-be"
    return None


# The bytes of text in a single-byte encoding (ASCII, Windows-1252's ASCII half): a tab, a line
# break or a printable character.
_ASCII_TEXT_BYTES = frozenset({0x09, 0x0A, 0x0D, *range(0x20, 0x7F)})
# Share of code units (NULs aside) made of two such bytes above which UTF-16 "text" is really
# single-byte text with NULs put in it. 0.5, a judgment from samples: Chinese and Japanese prose
# in UTF-16 show 0.23-0.39 (an ideograph's two bytes are seldom both printable ASCII), Cyrillic,
# Arabic and Korean 0; ASCII code with NULs planted in it 1.0, French in Windows-1252 0.65.
_MAX_ASCII_UNIT_SHARE = 0.5


def _utf16_other_script(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" for UTF-16 text without a BOM in a script beyond ASCII (Chinese,
    Cyrillic...), whose NULs do not fall on every other byte; None when that is not sure.

    Sure means: most code units are not two bytes of single-byte text (one NUL planted in a
    source file must not turn it into a page of ideographs), and the head decodes strictly in
    one byte order only, or in both (alphabets whose swapped units are still characters) with
    more units of the ASCII and Latin-1 range (spaces, line breaks, digits) in one. Otherwise
    the file stays binary, and a file named as text is listed as not compared (``extract``).
    """
    even, odd = head[0::2], head[1::2]
    units = [(a, b) for a, b in zip(even, odd) if a and b]
    ascii_units = sum(1 for a, b in units if a in _ASCII_TEXT_BYTES and b in _ASCII_TEXT_BYTES)
    if not units or ascii_units > _MAX_ASCII_UNIT_SHARE * len(units):
        return None
    decoding = []
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        decoding.append(codec)
    if len(decoding) != 2:
        return decoding[0] if decoding else None
    # A unit of the Latin-1 range has its high byte NUL: the odd byte in little-endian.
    latin_le, latin_be = odd.count(0), even.count(0)
    if latin_le == latin_be:
        return None
    return "utf-16-le" if latin_le > latin_be else "utf-16-be"


def looks_binary(data: bytes) -> bool:
    """True for content with NUL bytes near its start that no BOM or UTF-16 pattern explains."""
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return False
    head = data[:SNIFF_BYTES]
    return b"\0" in head and _utf16_without_bom(head) is None


def decode_text(data: bytes, what: str = "file") -> str:
    """Decode ``data`` as text with LF newlines, or raise ``NotExtracted(BINARY)``."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = data.decode(codec, errors="replace")
            break
    else:
        head = data[:SNIFF_BYTES]
        if b"\0" in head:
            codec16 = _utf16_without_bom(head) or _utf16_other_script(head)
            if codec16 is None:
                raise binary(f"binary content: NUL bytes in a {what}")
            text = data.decode(codec16, errors="replace")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors=_CP1252_GAPS)
    sample = text[:SNIFF_BYTES]
    if sample and len(_BINARY_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise binary(f"binary content: mostly control characters in a {what}")
    return normalize_newlines(text)


# A picture written into the text (``![fig](data:image/png;base64,iVBOR...)``, an ``<img>`` in a
# notebook's Markdown cell): its payload is no one's words, yet it tokenized as thousands of
# them. Two independent reports embedding the same figure scored 1.000, and a copy padded with a
# 60 KB picture had its matched share diluted to 0.07 (audit, Dec 2026). RFC 2397's form with
# base64; the payload ends at the line's end, so no line moves.
_INLINE_DATA = re.compile(r"data:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+=[^;,\s]*)*;base64,[A-Za-z0-9+/=]*",
                          re.IGNORECASE)


def without_inline_data(text: str) -> str:
    """``text`` with every base64 ``data:`` URI taken out, each line left where it was."""
    return _INLINE_DATA.sub("", text) if "base64," in text else text


def whole(text: str, kind: SegmentKind, language: str | None = None) -> Extracted:
    """One segment over the whole text."""
    lines = line_count(text)
    return Extracted(text, (Segment(kind, 1, lines, language),) if lines else ())


class PlainTextExtractor(Extractor):
    """``.txt``, README and other text read as prose, without inline ``data:`` pictures."""

    name = "text file"

    def extract(self, path: str, data: bytes) -> Extracted:
        return whole(without_inline_data(decode_text(data, self.name)), SegmentKind.PROSE)


class CodeExtractor(Extractor):
    """A source file in one language: one CODE segment over the whole text."""

    name = "source file"

    def __init__(self, language: str) -> None:
        self.language = language

    def extract(self, path: str, data: bytes) -> Extracted:
        return whole(decode_text(data, self.name), SegmentKind.CODE, self.language)


# CommonMark fences: up to three spaces, then three or more backticks or tildes.
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INFO_WORD = re.compile(r"[^\s,{}]+")


def fence_language(info: str) -> str | None:
    """The language of a fence info string: ``python``, ``{r setup}`` (R Markdown), ``{.js}``."""
    match = _INFO_WORD.search(info.strip().lstrip("{").lstrip("."))
    return language_for_tag(match.group()) if match else None


def markdown_segments(lines: list[str]) -> list[Segment]:
    """PROSE runs and CODE fences of Markdown ``lines``; fence lines belong to no segment.

    A fence whose language is unknown or missing is read as prose: without a lexer its words
    are all the normalizer could use anyway. An unclosed fence runs to the end (CommonMark).
    """
    segments: list[Segment] = []

    def add(kind: SegmentKind, start: int, end: int, language: str | None) -> None:
        # start/end are 0-based inclusive indexes; trim blank edges, keep nothing blank.
        while start <= end and not lines[start].strip():
            start += 1
        while end >= start and not lines[end].strip():
            end -= 1
        if start <= end:
            segments.append(Segment(kind, start + 1, end + 1, language))

    prose_start = 0
    index = 0
    while index < len(lines):
        match = _FENCE_OPEN.match(lines[index])
        if match is None or (match["fence"][0] == "`" and "`" in match["info"]):
            index += 1
            continue
        add(SegmentKind.PROSE, prose_start, index - 1, None)
        fence = match["fence"]
        closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        language = fence_language(match["info"])
        kind = SegmentKind.CODE if language else SegmentKind.PROSE
        add(kind, index + 1, end - 1, language)
        index = prose_start = end + 1
    add(SegmentKind.PROSE, prose_start, len(lines) - 1, None)
    return segments


class MarkdownExtractor(Extractor):
    """Markdown, R Markdown and Quarto: prose, with fenced code blocks as CODE segments; a
    picture written inline as a ``data:`` URI is left out."""

    name = "Markdown file"

    def extract(self, path: str, data: bytes) -> Extracted:
        text = without_inline_data(decode_text(data, self.name))
        return Extracted(text, tuple(markdown_segments(text.split("\n"))))


# RTF, the default format of macOS TextEdit. Control words, hex escapes, escaped characters,
# groups and plain runs.
_RTF_TOKEN = re.compile(
    r"\\(?P<word>[a-zA-Z]{1,32})(?P<arg>-?\d{1,10})? ?"
    r"|\\'(?P<hex>[0-9a-fA-F]{2})"
    r"|\\(?P<symbol>[^a-zA-Z])"
    r"|(?P<brace>[{}])"
    r"|[\r\n]+"
    r"|(?P<text>[^\\{}\r\n]+)"
)
# Destinations that hold no readable text (font tables, pictures, metadata).
_RTF_SKIP = frozenset(
    """fonttbl colortbl stylesheet info pict object themedata colorschememapping datastore
    latentstyles listtable listoverridetable rsidtbl generator xmlnstbl mmathPr filetbl
    revtbl userprops operator company author title subject keywords doccomm""".split()
)
_RTF_BREAKS = {"par": "\n", "line": "\n", "row": "\n", "cell": "\t", "tab": "\t",
               "page": "\n", "sect": "\n", "emdash": "\u2014", "endash": "\u2013",
               "lquote": "\u2018", "rquote": "\u2019", "ldblquote": "\u201c",
               "rdblquote": "\u201d", "bullet": "\u2022"}


def rtf_to_text(rtf: str) -> str:
    """The readable text of an RTF document: a small interpreter of the subset writers use."""
    out: list[str] = []
    # Per group: (skipping, characters to drop after \\uN); \\ucN sets the latter.
    stack: list[tuple[bool, int]] = []
    skipping, uc = False, 1
    pending_skip = 0  # fallback characters still to drop after a \\uN
    codepage = "cp1252"
    group_start = False  # just after "{": a "\\*" or skip word makes the group a skip
    for match in _RTF_TOKEN.finditer(rtf):
        word, brace, text = match["word"], match["brace"], match["text"]
        if brace == "{":
            stack.append((skipping, uc))
            group_start = True
            continue
        if brace == "}":
            skipping, uc = stack.pop() if stack else (False, 1)
            group_start = False
            continue
        starts_group, group_start = group_start, False
        if match["symbol"] == "*" and starts_group:
            skipping = True
            continue
        if word is not None:
            if starts_group and word in _RTF_SKIP:
                skipping = True
            elif word == "ansicpg" and match["arg"]:
                codepage = f"cp{match['arg']}"
            elif word == "uc" and match["arg"]:
                uc = int(match["arg"])
            elif not skipping and word == "u" and match["arg"]:
                out.append(chr(int(match["arg"]) % 65536))
                pending_skip = uc
            elif not skipping and word in _RTF_BREAKS:
                out.append(_RTF_BREAKS[word])
            continue
        if skipping:
            continue
        if match["hex"] is not None:
            if pending_skip:
                pending_skip -= 1
                continue
            try:
                out.append(bytes.fromhex(match["hex"]).decode(codepage))
            except (LookupError, UnicodeDecodeError):
                out.append(bytes.fromhex(match["hex"]).decode("latin-1"))
        elif match["symbol"] is not None:
            if match["symbol"] in "\\{}":
                out.append(match["symbol"])
            elif match["symbol"] == "~":
                out.append("\u00a0")
            elif match["symbol"] in "\r\n":
                out.append("\n")  # "\\" before a newline is \\par
        elif text is not None:
            if pending_skip:
                dropped = min(pending_skip, len(text))
                text, pending_skip = text[dropped:], pending_skip - dropped
            out.append(text)
    return "".join(out)


class RtfExtractor(Extractor):
    name = "RTF document"

    def extract(self, path: str, data: bytes) -> Extracted:
        builder = TextBuilder()
        builder.add(rtf_to_text(decode_text(data, self.name)), SegmentKind.PROSE)
        return builder.build()
