"""A fast tokenizer for the languages students hand in most, one regular expression each.

Pygments lexes about 65,000 tokens a second here, which made lexing half of a cohort's run.
For Python and the C family (C, Objective-C, C++, C#, Java, JavaScript, TypeScript, Go,
Kotlin, Rust, Swift, Scala, Groovy, PHP, Dart) one compiled pattern per language does the
same job several times faster: comments and docstrings dropped, strings ``S``, numbers ``N``,
identifiers ``V``, and keywords, literal constants, builtins and operators as written. Other
languages (JSX and TSX included) still go through Pygments. The streams differ a little from
Pygments' (one ``S`` per string, not one per piece), which does not matter: a language is
always lexed the same way.

The C-family languages share names, numbers, operators and comments but not their string
literals, so each has its own: single quotes are strings in JavaScript, PHP, Dart and Groovy
but one character in C, Java or C# (and a lifetime in Rust); raw and multi-line forms
(``R"(...)"``, ``@"..."``, ``$"..."``, triple quotes, backtick templates, heredocs) differ
everywhere. A literal's text is what its delimiters enclose.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass

# (symbol, line, column, literal text or "")
Token = tuple[str, int, int, str]

_NUMBER = r"(?:0[xXbBoO][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)[a-zA-Z]*"
_OPERATORS = sorted(
    "... >>>= <<= >>= **= //= ->* <=> === !== ?? ?. ?: :: -> => ++ -- && || == != <= >= << >> += -= "
    "*= /= %= &= |= ^= ** // := @ . , ; : ( ) [ ] { } + - * / % = < > ! ~ ? & | ^ # $ \\".split(),
    key=len,
    reverse=True,
)
_OPERATOR = "|".join(re.escape(op) for op in _OPERATORS)

# String literals, the part of lexing where the languages differ most. A string the pattern
# misses is worse than a wrong token: its quote becomes punctuation and a "//" or "#" inside it
# starts a comment that swallows the rest of the line (a URL in a JavaScript string did).
# Escapes may hide a quote or a newline, so "\\" takes the next character, whatever it is.
_SQ = r"'(?:[^'\\\n]|\\[\s\S])*'"
_DQ = r'"(?:[^"\\\n]|\\[\s\S])*"'
# Multi-line strings run to their closing quotes or, unterminated, to the end of the text: a
# stray opener then costs one long string, not a rescan of the rest of the text per opener.
_TRIPLE_SQ = r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'''|\Z)"
_TRIPLE_DQ = r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*(?:"""|\Z)'
_RAW_TRIPLE_DQ = r'"""[\s\S]*?(?:"""|\Z)'  # Kotlin and Scala: no escapes in """..."""
# A character literal: one character or one escape (\n, \u0041, \x41, \u{1F600}). Exactly one,
# so that Rust lifetimes ('a) and Scala symbols ('name) are not taken for strings.
_CHAR = r"'(?:[^'\\\n]|\\[^\n][^'\n]{0,9})'"
# C's multi-character constants ('ab') are legal, if rare.
_C_CHAR = r"'(?:[^'\\\n]|\\[^\n]){1,8}'"
_C_PREFIX = r"(?:u8|[uUL])?"
_CPP_RAW = _C_PREFIX + r'R"(?P<raw>[^()\\\s"]{0,16})\((?:[\s\S]*?\)(?P=raw)"|[\s\S]*\Z)'


def _template(depth: int) -> str:
    """A JavaScript template literal whose ``${...}`` may hold strings and templates, nested
    ``depth`` deep (Python's ``re`` has no recursion; real code nests one or two deep)."""
    inner = [r"[^{}`'\"]", _SQ, _DQ, r"\{[^{}]*\}"]
    if depth > 1:
        inner.append(_template(depth - 1))
    field = r"\$\{(?:" + "|".join(inner) + r")*\}"
    return r"`(?:[^`\\$]|\\[\s\S]|\$(?!\{)|" + field + r")*`"


_C_STRINGS = [_C_PREFIX + _DQ, _C_PREFIX + _C_CHAR, "@" + _DQ]  # @"...": Objective-C
_STRINGS: dict[str, list[str]] = {
    "c": _C_STRINGS,
    "cpp": [_CPP_RAW, *_C_STRINGS],
    "csharp": [
        # Raw """...""" (C# 11), interpolated or not: closed by a run of as many quotes. Each
        # run is taken whole, or a long run of quotes would be retried at every length.
        r'\$*(?P<csraw>"{3,})(?!")(?:[\s\S]*?(?<!")(?P=csraw)(?!")|[\s\S]*\Z)',
        r'(?:\$@|@\$|@)"(?:[^"]|"")*"',  # verbatim: "" is a quote, backslashes are text
        # Interpolated: {{ and }} are braces; a field may hold a string of its own.
        r'\$"(?:[^"\\\n{}]|\\[\s\S]|\{\{|\}\}|\{(?:[^{}"\n]|' + _DQ + r')*\})*"',
        _DQ, _CHAR,
    ],
    "java": [r'"""[ \t\f]*\r?\n' + _TRIPLE_DQ[3:], _DQ, _CHAR],  # text blocks (Java 15)
    "js": [_SQ, _DQ, _template(3)],
    "php": [
        # Heredoc <<<EOT and nowdoc <<<'EOT': up to the label alone on its line (indented, and
        # followed by ; or , since PHP 7.3).
        r'<<<[ \t]*(?P<hdq>["\']?)(?P<hd>[A-Za-z_]\w*)(?P=hdq)\r?\n'
        r'(?:(?:[\s\S]*?\n)??[ \t]*(?P=hd)\b|[\s\S]*\Z)',
        _SQ, _DQ, r"`(?:[^`\\]|\\[\s\S])*`",  # backticks: a shell command, quoted like a string
    ],
    "dart": [  # raw r'...' first: a backslash in it is text
        r"r(?:'''[\s\S]*?(?:'''|\Z)|" + r'"""[\s\S]*?(?:"""|\Z)' + r"|'[^'\n]*'|" + r'"[^"\n]*")',
        _TRIPLE_SQ, _TRIPLE_DQ, _SQ, _DQ,
    ],
    "go": [_DQ, r"`[^`]*`", _CHAR],  # `...` is a raw string, across lines
    "rust": [r'b?r(?P<rshash>#*)"(?:[\s\S]*?"(?P=rshash)|[\s\S]*\Z)', "b?" + _DQ, "b?" + _CHAR],
    "kotlin": [_RAW_TRIPLE_DQ, _DQ, _CHAR],
    "scala": [r"(?:[A-Za-z_]\w*)?(?:" + _RAW_TRIPLE_DQ + "|" + _DQ + ")", _CHAR],  # s"", f"", raw""
    # Raw #"..."# and #"""..."""#: quotes and backslashes inside are text.
    "swift": [r'(?P<swhash>#+)(?:"""(?:[\s\S]*?"""(?P=swhash)|[\s\S]*\Z)|"[^\n]*?"(?P=swhash))',
              _TRIPLE_DQ, _DQ],
    "groovy": [_TRIPLE_SQ, _TRIPLE_DQ, _SQ, _DQ],
}
_NUMBER_SEPARATED = _NUMBER.replace(r"\d[\d_]*", r"\d(?:[\d_]|'(?=\d))*")  # C23, C++14: 1'000'000
_HASH_COMMENT = r"\#(?!\[)[^\n]*"  # PHP's # comments; #[...] is an attribute (PHP 8)


def _c_like(strings: list[str], number: str = _NUMBER,
            comments: tuple[str, ...] = ()) -> re.Pattern[str]:
    """The one pattern of a C-family language: its strings, comments and numbers, and the
    names and operators they all share. Not VERBOSE: string patterns hold "#" and spaces."""
    groups = {
        "nl": r"\n",
        "ws": r"[ \t\r\f\v]+",
        "comment": "|".join((r"//[^\n]*", r"/\*[\s\S]*?(?:\*/|\Z)", *comments)),
        "string": "|".join(strings),
        "number": number,
        "name": r"[^\W\d][\w$]*|\$[\w$]+",
        "op": _OPERATOR,
        "other": r"\S",
    }
    return re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in groups.items()))


_PYTHON = re.compile(
    r"""(?P<nl>\n)
    |(?P<ws>[ \t\r\f\v]+|\\\n)
    |(?P<comment>\#[^\n]*)
    |(?P<string>(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?(?:"""
    + "|".join((_TRIPLE_SQ, _TRIPLE_DQ, _SQ, _DQ))
    + r"""))
    |(?P<number>"""
    + _NUMBER
    + r""")
    |(?P<name>[^\W\d]\w*)
    |(?P<op>"""
    + _OPERATOR
    + r""")
    |(?P<other>\S)""",
    re.VERBOSE,
)

_C_KEYWORDS = frozenset(
    """abstract as assert async await auto bool boolean break byte case catch char chan class
    const constexpr continue def default defer delete do double dynamic elif else enum
    explicit export extends extern fallthrough false final finally float fn for foreach
    friend from fun func function go goto if impl implements import in inline instanceof int
    interface internal is let long loop match mod module move mut namespace native new nil
    none null object operator out override package private protected pub public readonly ref
    register return sealed self short signed sizeof static struct super switch synchronized
    template this throw throws trait transient true try type typedef typename typeof union
    unsigned unsafe use using val var virtual void volatile when where while with yield
    lambda undefined elseif endif""".split()
)

_PY_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_PY_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


@dataclass(frozen=True)
class _Family:
    pattern: re.Pattern[str]
    words: frozenset[str]  # identifiers kept as written
    python: bool = False
    # The quotes whose strings interpolate "$name" and "${expr}" (JavaScript's backticks, PHP,
    # Kotlin, Dart, Groovy, Scala's s""): the names in them are renamed with the code, so
    # they are dropped from the literal's text.
    dollar_quotes: str = ""


_FAMILIES = {
    "python": _Family(_PYTHON, _PY_KEYWORDS | _PY_BUILTINS, python=True),
    "c": _Family(_c_like(_STRINGS["c"], _NUMBER_SEPARATED), _C_KEYWORDS),
    "cpp": _Family(_c_like(_STRINGS["cpp"], _NUMBER_SEPARATED), _C_KEYWORDS),
    "php": _Family(_c_like(_STRINGS["php"], comments=(_HASH_COMMENT,)), _C_KEYWORDS,
                   dollar_quotes='"`'),
    "js": _Family(_c_like(_STRINGS["js"]), _C_KEYWORDS, dollar_quotes="`"),
    "dart": _Family(_c_like(_STRINGS["dart"]), _C_KEYWORDS, dollar_quotes="'\""),
    **{
        family: _Family(_c_like(_STRINGS[family]), _C_KEYWORDS, dollar_quotes='"')
        for family in ("kotlin", "scala", "groovy")
    },
    **{
        family: _Family(_c_like(_STRINGS[family]), _C_KEYWORDS)
        for family in ("csharp", "java", "go", "rust", "swift")
    },
}

# Pygments aliases (see extractors/languages.py) -> family. JSX and TSX stay with Pygments:
# their markup text ("Don't") is not code, and its apostrophe would open a string here.
_LANGUAGE_FAMILY = {
    "python": "python", "python3": "python", "py": "python",
    "c": "c", "objective-c": "c",
    "cpp": "cpp", "c++": "cpp",
    "csharp": "csharp", "c#": "csharp",
    "java": "java",
    "javascript": "js", "js": "js", "typescript": "js", "ts": "js",
    "php": "php",
    "dart": "dart",
    "go": "go", "golang": "go",
    "rust": "rust",
    "kotlin": "kotlin",
    "scala": "scala",
    "swift": "swift",
    "groovy": "groovy",
}

STRING, NUMBER, IDENTIFIER = "S", "N", "V"
_LITERAL_MIN_CHARS = 2


def supports(language: str | None) -> bool:
    return language is not None and language.lower() in _LANGUAGE_FAMILY


def kept_words(language: str) -> frozenset[str]:
    """The identifiers ``language`` keeps as written (keywords, constants, builtins); the
    parser path (``syntax``) abstracts names exactly as this one does."""
    return _FAMILIES[_LANGUAGE_FAMILY[language.lower()]].words


def string_literal(value: str, language: str) -> str:
    """The literal text of one string literal of ``language``, as ``tokenize`` keeps it."""
    return _literal(_string_text(value, _FAMILIES[_LANGUAGE_FAMILY[language.lower()]]))


def literal(value: str) -> str:
    """The literal text of a number (or of any literal taken as it is written)."""
    return _literal(value)


def tokenize(text: str, language: str, first_line: int = 1) -> list[Token]:
    """Normalized tokens of ``text`` with their 1-based lines and columns."""
    family = _FAMILIES[_LANGUAGE_FAMILY[language.lower()]]
    words = family.words
    tokens: list[Token] = []
    line, line_start = first_line, 0
    line_of_last_token = 0
    for match in family.pattern.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "nl":
            line += 1
            line_start = match.end()
            continue
        column = match.start() - line_start + 1
        if kind in ("ws", "comment") or (kind == "string" and line_of_last_token != line
                                           and _is_docstring(value, family)):
            pass  # a docstring is a comment in disguise: rewriting it hides nothing
        elif kind == "name":
            tokens.append((value if value in words else IDENTIFIER, line, column, ""))
        elif kind == "op" or kind == "other":
            tokens.append((value, line, column, ""))
        elif kind == "string":
            tokens.append((STRING, line, column, _literal(_string_text(value, family))))
        else:
            tokens.append((NUMBER, line, column, _literal(value)))
        if kind not in ("ws", "comment"):
            line_of_last_token = line
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + value.rfind("\n") + 1
    return tokens if family.python else _canonical(tokens)


# Words a disguise adds or drops without changing what a program does. Dropping them lifted
# ROC-AUC on the labelled Java pairs from 0.953 to 0.956.
_NOISE_WORDS = frozenset({"{", "}", "public", "private", "protected", "final", "static", "this"})


def _canonical(tokens: list[Token]) -> list[Token]:
    """C-family tokens with the cheapest disguises undone: braces, modifiers and ``this.``
    dropped (``if (x) y;`` and ``if (x) { y; }`` are the same program)."""
    out: list[Token] = []
    after_this = False
    for token in tokens:
        symbol = token[0]
        if after_this and symbol == ".":
            after_this = False
            continue
        after_this = symbol == "this"
        if symbol not in _NOISE_WORDS:
            out.append(token)
    return out


def _is_docstring(value: str, family: _Family) -> bool:
    """A triple-quoted Python string that opens its line (as docstrings do)."""
    return family.python and value.lstrip("rRbBuUfF")[:3] in ('"""', "'''")


# Literals whose delimiters are not just quotes: the content is the group "body".
_DELIMITED = (
    re.compile(r'<<<[ \t]*(["\']?)(\w+)\1\r?\n(?P<body>[\s\S]*?)\r?\n?[ \t]*\2\Z'),  # PHP heredoc
    re.compile(r'(?:u8|[uUL])?R"([^(]*)\((?P<body>[\s\S]*)\)\1"\Z'),  # C++ raw
    re.compile(r'b?r(#*)"(?P<body>[\s\S]*)"\1\Z'),  # Rust raw
    re.compile(r'(#+)"(?:""(?P<multi>[\s\S]*)""|(?P<body>[\s\S]*))"\1\Z'),  # Swift raw
)
_QUOTE_CHARS = "'\"`"
_FIELD = re.compile(r"\{[^{}]*\}")
_DOLLAR_FIELD = re.compile(r"\$(?:\{(?:[^{}'\"`]|'[^'\n]*'|\"[^\"\n]*\"|`[^`]*`)*\}|[A-Za-z_]\w*)")


def _dollar_field(found: re.Match[str]) -> str:
    return "${}" if found.group().startswith("${") else "$"


def _string_body(value: str) -> tuple[str, str]:
    """(prefix, content) of a string literal: what came before its first quote (``f``,
    ``rb``, ``@``, ``$``, ``L``, ``s``...) and what its delimiters enclose."""
    for pattern in _DELIMITED:
        found = pattern.match(value)
        if found:
            body = found.group("body")
            return "", found.group("multi").strip() if body is None else body
    first = min((i for i in (value.find(q) for q in _QUOTE_CHARS) if i >= 0), default=0)
    prefix, body = value[:first], value[first:]
    quote = body[:1]
    # """...""" and '''...''' (C# raw strings may open with more: they close with as many).
    run = min(len(body) - len(body.lstrip(quote)), len(body) - len(body.rstrip(quote)))
    width = run if run >= 3 and len(body) >= 2 * run else 1
    if len(body) >= 2 * width and body.endswith(quote * width):
        body = body[width:-width]
        if width >= 3:
            # Around a multi-line literal, line breaks and indentation are layout (Java and
            # Swift strip them from the value; elsewhere they hardly change what it says).
            body = body.strip()
        return prefix, body
    return prefix, body[len(quote) * (3 if body.startswith(quote * 3) else 1):]  # unterminated


def _string_text(value: str, family: _Family | None = None) -> str:
    """A string literal as one quoted text, without what a disguise changes for free: its
    prefix, its quotes, and the names in its interpolated fields (``f"{total}"`` and
    ``f"{t}"`` print the same message)."""
    prefix, body = _string_body(value)
    if "f" in prefix.lower() or "$" in prefix:
        body = _FIELD.sub("{}", body)
    opener = value[len(prefix):len(prefix) + 1]
    if value.startswith("<<<"):  # a heredoc interpolates like "...", a nowdoc <<<'EOT' not
        opener = "'" if value[3:].lstrip(" \t").startswith("'") else '"'
    if family is not None and opener in family.dollar_quotes:
        body = _DOLLAR_FIELD.sub(_dollar_field, body)
    return '"' + body + '"'


def _literal(value: str) -> str:
    text = " ".join(value.casefold().split())
    return text if len(text.strip("\"'`")) >= _LITERAL_MIN_CHARS else ""
