"""Normalize documents into token streams that survive disguise.

Code is lexed by ``fastlex`` for the common languages and by Pygments for the rest: comments and whitespace are dropped, identifiers become ``V``,
string literals ``S`` and numbers ``N``, while keywords, operators and punctuation stay as
written. Renaming, re-indenting and re-commenting a copy then leave its stream unchanged
(measured while building it: replacing Pygments' Name and Literal tokens by their type made a
renamed copy identical to its original).

Prose is Unicode-folded (NFKC, case-folded, accents stripped), split into words, stripped of
stop words and lightly stemmed, so that light paraphrase (inflection, filler words) does not
hide a copy. Prose symbols carry a ``w:`` prefix so they can never equal a code token.

Every token keeps its 1-based line and column in ``Document.text``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Keyword, Literal, Name, Operator, Punctuation, String, Text, Token
from pygments.util import ClassNotFound

from . import fastlex
from .model import Document, DocumentState, SegmentKind, TokenStream

IDENTIFIER = "V"
STRING = "S"
NUMBER = "N"
PROSE_PREFIX = "w:"
LITERAL_MIN_CHARS = 2

# Words that carry no content of their own; dropping them makes "the results of the test"
# and "test results" agree.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also may might must shall upon thus hence however therefore""".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)
# Longest suffixes first; a light stemmer is enough to fold inflection, and unlike a full
# Porter stemmer it is easy to reason about.
_SUFFIXES = ("ational", "ization", "fulness", "ousness", "iveness", "ations", "ation",
             "ments", "ment", "ness", "ings", "ing", "edly", "ies", "ied", "ers", "er",
             "ed", "ly", "es", "s")
_MIN_STEM = 3


def stem(word: str) -> str:
    """Strip one common English suffix, keeping at least three letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


def fold(text: str) -> str:
    """Unicode-fold: compatibility forms, case and accents do not distinguish words."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=None)
def _lexer(alias: str) -> Lexer | None:
    try:
        return get_lexer_by_name(alias, stripnl=False, ensurenl=False, stripall=False)
    except ClassNotFound:
        return None


def _code_symbol(ttype: object, value: str) -> str | None:
    """The normalized symbol of one Pygments token, or None to drop it."""
    if ttype in Comment or ttype in Text or ttype is Token.Error and not value.strip():
        return None
    if ttype in String.Doc:
        return None  # a docstring is a comment in disguise: rewriting it hides nothing
    if ttype in String or ttype in Literal.String:
        return STRING
    if ttype in Literal.Number:
        return NUMBER
    if ttype in Keyword.Constant:
        return value  # true, false, null, None: meaning, not a name
    if ttype in Name.Builtin:
        return value  # print, len: calls a renamer leaves alone
    if ttype in Name or ttype in Literal:
        return IDENTIFIER
    if ttype in Keyword or ttype in Operator or ttype in Punctuation:
        return value.strip() or None
    stripped = value.strip()
    return stripped or None


def _literal_text(symbol: str, value: str) -> str:
    """The folded text of a literal worth remembering; "" for trivial ones ("", 0, 1)."""
    if symbol not in (STRING, NUMBER):
        return ""
    text = " ".join(value.casefold().split())
    return text if len(text.strip("\"'`")) >= LITERAL_MIN_CHARS else ""


def _tokenize_code(text: str, alias: str | None, first_line: int, out: TokenStream) -> None:
    if fastlex.supports(alias):
        assert alias is not None
        for symbol, line, col, literal in fastlex.tokenize(text, alias, first_line):
            out.symbols.append(symbol)
            out.lines.append(line)
            out.cols.append(col)
            out.kinds.append(SegmentKind.CODE)
            out.literals.append(literal)
        return
    lexer = _lexer(alias) if alias else None
    if lexer is None:
        _tokenize_prose(text, first_line, out)
        return
    line, col = first_line, 1
    for ttype, value in lexer.get_tokens(text):
        symbol = _code_symbol(ttype, value)
        if symbol is not None:
            out.symbols.append(symbol)
            out.lines.append(line)
            out.cols.append(col)
            out.kinds.append(SegmentKind.CODE)
            out.literals.append(_literal_text(symbol, value))
        newlines = value.count("\n")
        if newlines:
            line += newlines
            col = len(value) - value.rfind("\n")
        else:
            col += len(value)


def _tokenize_prose(text: str, first_line: int, out: TokenStream) -> None:
    for offset, line_text in enumerate(text.split("\n")):
        folded = fold(line_text)
        for match in _WORD.finditer(folded):
            word = match.group()
            if word in STOP_WORDS or word.isdigit():
                continue
            out.symbols.append(PROSE_PREFIX + stem(word))
            out.lines.append(first_line + offset)
            # Folding can change lengths; the column is approximate for prose, exact for code.
            out.cols.append(match.start() + 1)
            out.kinds.append(SegmentKind.PROSE)
            out.literals.append("")


def tokenize(document: Document) -> TokenStream:
    """The normalized tokens of an OK document, segment by segment, in text order."""
    stream = TokenStream(path=document.path, symbols=[], lines=[], cols=[], kinds=[], literals=[])
    if document.state is not DocumentState.OK:
        return stream
    lines = document.text.split("\n")
    for segment in document.segments:
        text = "\n".join(lines[segment.start_line - 1 : segment.end_line])
        if segment.kind is SegmentKind.CODE:
            _tokenize_code(text, segment.language, segment.start_line, stream)
        else:
            _tokenize_prose(text, segment.start_line, stream)
    return stream
