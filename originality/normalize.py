"""Normalize documents into token streams that survive disguise.

Code is parsed by ``syntax`` (tree-sitter) for the languages it has a grammar of, lexed by
``fastlex`` for the other common languages (and for a file the parser cannot read) and by
Pygments for the rest: comments and whitespace are dropped, identifiers become ``V``,
string literals ``S`` and numbers ``N``, while keywords, operators and punctuation stay as
written. Renaming, re-indenting and re-commenting a copy then leave its stream unchanged
(measured while building it: replacing Pygments' Name and Literal tokens by their type made a
renamed copy identical to its original).

Both first pass through ``tamper.fold_text``: invisible characters (zero-width spaces, soft
hyphens, bidi controls, tags) are removed and look-alike letters from other scripts read as the
Latin ones they stand for, so that neither trick splits a copied word; lines never move.

Prose is Unicode-folded (NFKC, case-folded), split into words, stripped of its language's stop
words and stemmed by its language's Snowball stemmer, then accents stripped (``language``: one
language per document, French and English among others, and a paragraph surely in another
reads in its own, as a template's instructions do among a student's answers), so that light
paraphrase (inflection, articles, filler words) does not hide a copy. Prose symbols carry a ``w:`` prefix
so they can never equal a code token.

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

from . import fastlex, language, quotes, syntax, tamper
from .model import Document, DocumentState, SegmentKind, TokenStream

IDENTIFIER = "V"
STRING = "S"
NUMBER = "N"
PROSE_PREFIX = "w:"
# A literal's text is remembered (for the bag's literal features) from this many characters,
# quotes aside: "", 0 and 1 occur in every program. A judgment, not fitted (it came with the
# literal texts in the bag).
LITERAL_MIN_CHARS = 2

_WORD = re.compile(r"\w+", re.UNICODE)


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


def _tokenize_code(text: str, alias: str | None, first_line: int, out: TokenStream,
                   tokenizer: str, normalizations: tuple[str, ...]) -> None:
    text = tamper.fold_text(text)
    parsed, pruned = None, None
    if tokenizer == "syntax" and alias is not None and syntax.supports(alias):
        if out.pruned_code is None:
            parsed = syntax.tokenize(text, alias, first_line, normalizations)
        else:
            both = syntax.tokenize_pruned(text, alias, first_line, normalizations)
            parsed, pruned = both if both is not None else (None, None)
    start = len(out.symbols)
    _extend_code(text, alias, first_line, out, parsed)
    if out.pruned_code is not None:  # the lexical path drops nothing
        out.pruned_code.extend([t[0] for t in pruned] if pruned is not None else out.symbols[start:])


def _extend_code(text: str, alias: str | None, first_line: int, out: TokenStream,
                 parsed: list[syntax.Token] | None) -> None:
    """The code's tokens into ``out``: the parser's when it read the text, else the lexer's."""
    if parsed is not None or fastlex.supports(alias):
        assert alias is not None
        tokens = parsed if parsed is not None else fastlex.tokenize(text, alias, first_line)
        if tokens:  # column by column: a file has thousands of tokens
            symbols, lines, cols, literals = zip(*tokens)
            out.symbols.extend(symbols)
            out.lines.extend(lines)
            out.cols.extend(cols)
            out.kinds.extend([SegmentKind.CODE] * len(tokens))
            out.literals.extend(literals)
        return
    lexer = _lexer(alias) if alias else None
    if lexer is None:  # a language nothing lexes: read as words, not as someone's prose
        _tokenize_prose(text, first_line, out, language.DEFAULT, leave_out_quotations=False,
                        by_paragraph=False)
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


def _tokenize_prose(text: str, first_line: int, out: TokenStream, code: str,
                    leave_out_quotations: bool, by_paragraph: bool = True) -> None:
    """Prose's words into ``out``, in the document's language ``code`` or, ``by_paragraph``,
    in the language of a paragraph that is surely in another (``language.paragraph_languages``)."""
    folded_text = tamper.fold_text(text)
    quoted = quotes.inside(quotes.find(folded_text) if leave_out_quotations else [])
    offset = 0
    folded_lines = folded_text.split("\n")
    codes = language.paragraph_languages(folded_lines, code) if by_paragraph else [code] * len(folded_lines)
    for index, line_text in enumerate(folded_lines):
        stops = language.stop_words(codes[index])
        # Composed (NFKC), so an accented letter is one word character for the stemmer.
        folded = unicodedata.normalize("NFKC", line_text).casefold()
        for match in _WORD.finditer(folded):
            word = match.group()
            if word.isdigit() or language.strip_accents(word) in stops or quoted(offset + match.start()):
                continue
            out.symbols.append(PROSE_PREFIX + language.stem(codes[index], word))
            out.lines.append(first_line + index)
            # Folding can change lengths; the column is approximate for prose, exact for code.
            out.cols.append(match.start() + 1)
            out.kinds.append(SegmentKind.PROSE)
            out.literals.append("")
        offset += len(line_text) + 1


def tokenize(document: Document, tokenizer: str = "syntax",
             normalizations: tuple[str, ...] = syntax.DEFAULT_NORMALIZATIONS,
             leave_out_quotations: bool = True, pruned: bool = False) -> TokenStream:
    """The normalized tokens of an OK document, segment by segment, in text order.

    ``tokenizer`` is one of ``options.TOKENIZERS``; ``normalizations`` names the parser path's rewrites
    (``syntax.NORMALIZATIONS``) to apply; quotations that cite their source (``quotes``) are
    left out unless asked otherwise. ``pruned``: the stream's ``pruned_code`` too."""
    stream = TokenStream(path=document.path, symbols=[], lines=[], cols=[], kinds=[], literals=[],
                         pruned_code=[] if pruned else None)
    if document.state is not DocumentState.OK:
        return stream
    lines = document.text.split("\n")
    texts = ["\n".join(lines[segment.start_line - 1 : segment.end_line]) for segment in document.segments]
    # One language per document, read from all its prose: a heading alone says too little.
    prose = " ".join(t for t, s in zip(texts, document.segments) if s.kind is not SegmentKind.CODE)
    code = language.detect(tamper.fold_text(prose)) if prose.strip() else language.DEFAULT
    for segment, text in zip(document.segments, texts):
        if segment.kind is SegmentKind.CODE:
            _tokenize_code(text, segment.language, segment.start_line, stream, tokenizer, normalizations)
        else:
            _tokenize_prose(text, segment.start_line, stream, code, leave_out_quotations)
    return stream
