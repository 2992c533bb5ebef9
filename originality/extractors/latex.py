"""LaTeX sources: the words a reader sees, on the lines they were typed on.

Read as plain text, a ``.tex`` report compared its markup too: two independent reports sharing
only a standard preamble (``\\documentclass``, a dozen ``\\usepackage`` lines, ``\\lstset``)
scored 0.889 (audit, Dec 2026). Here the preamble (before ``\\begin{document}``) and what
follows ``\\end{document}`` are left out, and in the body command and environment names, their
options (``[...]``) and comments are dropped while the text of their arguments is kept:
``\\section{Analyse des besoins}`` reads "Analyse des besoins". Arguments that are names, not
prose (``\\label``, ``\\ref``, ``\\cite``, ``\\includegraphics``, an environment's own
arguments such as a table's column spec) are dropped whole. ``lstlisting`` and ``minted``
blocks (and ``verbatim``) are code in the language they name, prose when they name none known,
as Markdown's fences are. A file without ``\\begin{document}`` (a chapter pulled in with
``\\input``) is all body.

Every line keeps its number (a left-out line is blank), so a fragment's lines are the file's
own, as for any text file (docs/contract.md). A small reader rather than pylatexenc (2.11,
maintained): its ``LatexNodes2Text`` gives the text without where it came from, and keeping
lines would mean walking its nodes by position, with ``minted`` and the listings' languages
still to be handled here.
"""

from __future__ import annotations

import re
import unicodedata

from ..model import Segment, SegmentKind
from .base import Extracted, Extractor
from .languages import language_for_tag
from .text import decode_text

_BEGIN_DOCUMENT = re.compile(r"\\begin\s*\{document\}")
_END_DOCUMENT = re.compile(r"\\end\s*\{document\}")
# Environments whose lines are typed as they are shown, up to their \end.
_VERBATIM = re.compile(r"^\s*\\begin\s*\{(?P<name>lstlisting|minted|verbatim\*?|Verbatim|"
                       r"BVerbatim|LVerbatim|alltt)\}(?P<rest>.*)$")
_LISTING_LANGUAGE = re.compile(r"language\s*=\s*\{?(?:\[[^\]]*\])?\s*(?P<language>[\w+#-]+)",
                               re.IGNORECASE)
_MINTED_LANGUAGE = re.compile(r"^(?:\[[^\]]*\])?\s*\{(?P<language>[\w+#-]+)\}")
# A comment runs from an unescaped % to the line's end.
_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%.*$")
# \verb|...| and \lstinline|...| (or {...}) show their text as it is.
_INLINE_VERBATIM = re.compile(r"\\(?:verb|lstinline|mintinline\{[^}]*\})\*?"
                              r"(?:\[[^\]]*\])?(?:\{(?P<braced>[^}]*)\}|(?P<delimiter>[^\sa-zA-Z{])"
                              r"(?P<text>.*?)(?P=delimiter))")
# Commands whose arguments are names, keys, files or lengths, not prose.
_NAME_COMMANDS = ("label|ref|eqref|pageref|autoref|cref|Cref|nameref|cite|citep|citet|citeauthor|"
                  "citeyear|nocite|includegraphics|input|include|includeonly|bibliography|"
                  "bibliographystyle|addbibresource|lstinputlisting|inputminted|usepackage|"
                  "documentclass|vspace|hspace|setlength|addtolength|setcounter|addtocounter|"
                  "newcommand|renewcommand|providecommand|definecolor|color|hypersetup|lstset|"
                  "pagestyle|thispagestyle|pagenumbering|url|newpage|clearpage|"
                  "tableofcontents|listoffigures|listoftables|maketitle|centering|noindent")
_ARGUMENT = r"(?:\s*\[[^\]\n]*\]|\s*\{[^{}\n]*(?:\{[^{}\n]*\}[^{}\n]*)*\})"
_NAMES = re.compile(r"\\(?:" + _NAME_COMMANDS + r")\b\*?" + _ARGUMENT + "*")
# \href{url}{text}: its text is prose, its address is not.
_HREF = re.compile(r"\\href\s*\{[^{}\n]*\}")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[^{}\n]*\}" + _ARGUMENT + "*")
# Accents typed as commands (\'e, \`{a}, \^o, \"u, \~n, \c{c}) and the letters TeX names.
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "c": "\u0327", "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c",
            "H": "\u030b", "k": "\u0328", "r": "\u030a"}
_ACCENT = re.compile(r"\\(?P<accent>['`^\"~=.]|[cuvHkr](?=[\s{]))\s*(?:\{(?P<braced>[a-zA-Z]?)\}|(?P<letter>[a-zA-Z]))")
_LETTERS = {"oe": "œ", "OE": "Œ", "ae": "æ", "AE": "Æ", "ss": "ß", "o": "ø", "O": "Ø",
            "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "dots": "…", "ldots": "…",
            "textendash": "–", "textemdash": "—", "guillemotleft": "«", "guillemotright": "»",
            "og": "«", "fg": "»", "LaTeX": "LaTeX", "TeX": "TeX"}
# TeX eats the spaces after a control word: "\\oe uvre" is "œuvre".
_LETTER = re.compile(r"\\(?P<name>" + "|".join(sorted(_LETTERS, key=len, reverse=True)) +
                     r")(?![a-zA-Z])(?:\{\}|[ \t]*)")
_ESCAPED = re.compile(r"\\(?P<symbol>[%&#_$€{}])")
# An escaped symbol stands as a private-use character while markup is dropped, then comes back.
_HELD = {symbol: chr(0xE000 + index) for index, symbol in enumerate("%&#_$€{}")}
_RELEASED = str.maketrans({held: symbol for symbol, held in _HELD.items()})
_COMMAND = re.compile(r"\\(?:[a-zA-Z@]+\*?(?:\s*\[[^\]\n]*\])*|\\(?:\[[^\]\n]*\])?|.)")
# Commands that put space between words: a line break, spacing commands, \item. Any other is
# dropped without a trace, as "\\emph{a}\\textbf{b}" reads "ab".
_SPACING = re.compile(r"\\(?:\\|[,;:! ]|quad\b|qquad\b|item\b|[hv]fill\b|par\b|newline\b|linebreak\b)")
# Grouping and math shifts join what they hold; a tie, a table's column and a stray backslash
# part words.
_GROUPING = re.compile(r"[{}$]")
_PARTING = re.compile(r"[&~]|\\")


def _accented(match: re.Match[str]) -> str:
    letter = match["braced"] if match["braced"] is not None else match["letter"]
    return unicodedata.normalize("NFC", (letter or "") + _ACCENTS[match["accent"]])


def prose_line(line: str) -> str:
    """The words of one line of a LaTeX body: markup dropped, arguments' text kept."""
    line = _COMMENT.sub(r"\1", line)
    line = _INLINE_VERBATIM.sub(lambda m: m["braced"] if m["braced"] is not None else m["text"], line)
    line = _HREF.sub("", line)
    line = _NAMES.sub(" ", line)
    line = _ENVIRONMENT.sub(" ", line)
    line = _ACCENT.sub(_accented, line)
    line = _LETTER.sub(lambda m: _LETTERS[m["name"]], line)
    line = _ESCAPED.sub(lambda m: _HELD[m["symbol"]], line)
    line = _COMMAND.sub("", _SPACING.sub(" ", line))
    line = _PARTING.sub(" ", _GROUPING.sub("", line)).translate(_RELEASED)
    return " ".join(line.split())


def _block_language(name: str, rest: str) -> str | None:
    if name == "lstlisting":
        found = _LISTING_LANGUAGE.search(rest)
    elif name == "minted":
        found = _MINTED_LANGUAGE.match(rest.strip())
    else:
        return None
    return language_for_tag(found["language"]) if found else None


def read_latex(text: str) -> tuple[list[str], list[tuple[SegmentKind, str | None] | None]]:
    """Per line of a LaTeX source: what it reads as, and its kind (None: no segment's, as the
    preamble and a listing's own \\begin and \\end lines)."""
    lines = text.split("\n")
    out = [""] * len(lines)
    kinds: list[tuple[SegmentKind, str | None] | None] = [None] * len(lines)
    body_start = 0
    for index, line in enumerate(lines):
        if _BEGIN_DOCUMENT.search(_COMMENT.sub(r"\1", line)):
            body_start = index + 1
            break
    index = body_start
    while index < len(lines):
        line = lines[index]
        if _END_DOCUMENT.search(_COMMENT.sub(r"\1", line)):
            break
        block = _VERBATIM.match(line)
        if block is None:
            out[index] = prose_line(line)
            kinds[index] = (SegmentKind.PROSE, None)
            index += 1
            continue
        name = block["name"]
        language = _block_language(name, block["rest"])
        kind = (SegmentKind.CODE, language) if language else (SegmentKind.PROSE, None)
        end = re.compile(r"\\end\s*\{" + re.escape(name) + r"\}")
        index += 1
        while index < len(lines) and not end.search(lines[index]):
            out[index], kinds[index] = lines[index], kind
            index += 1
        index += 1  # the \end line: no segment's
    return out, kinds


def _segments(lines: list[str], kinds: list[tuple[SegmentKind, str | None] | None]) -> list[Segment]:
    """Runs of one kind, blank lines at their edges left out."""
    segments: list[Segment] = []
    start = 0
    while start < len(lines):
        kind = kinds[start]
        end = start
        while end + 1 < len(lines) and kinds[end + 1] == kind:
            end += 1
        if kind is not None:
            filled = [i for i in range(start, end + 1) if lines[i].strip()]
            if filled:
                segments.append(Segment(kind[0], filled[0] + 1, filled[-1] + 1, kind[1]))
        start = end + 1
    return segments


class LatexExtractor(Extractor):
    """A LaTeX source's body as prose, its listings as code, line for line."""

    name = "LaTeX source"

    def extract(self, path: str, data: bytes) -> Extracted:
        lines, kinds = read_latex(decode_text(data, self.name))
        return Extracted("\n".join(lines), tuple(_segments(lines, kinds)))
