"""The one-regex tokenizer: string literals in every language it lexes itself.

A string it misses does not just lose one token: its quote becomes punctuation and a ``//``
or ``#`` inside it starts a comment that swallows the code after it. Each case puts a
literal in the middle of a line of code and checks that the code on both sides lexes as it
does alone, and that the literal's text is what its delimiters enclose.
"""

from __future__ import annotations

import time

import pytest

from originality import fastlex
from originality.extractors.languages import CODE_EXTENSIONS
from originality.fastlex import STRING, tokenize

URL = "https://example.com/a?b=1#top"

# (language, literal as written, its content: what the delimiters enclose, interpolated
# names dropped). The literal is dropped into BEFORE + literal + AFTER.
CASES: list[tuple[str, str, str]] = [
    # Python: quotes, triple quotes, prefixes, escapes.
    ("python", f"'{URL}'", URL),
    ("python", f'"{URL}"', URL),
    ("python", "f'https://{host}/a#b'", "https://{}/a#b"),
    ("python", r"rb'C:\new # dir'", r"C:\new # dir"),
    ("python", r"'it\'s # not a comment'", r"it\'s # not a comment"),
    ("python", "'''one\ntwo # three'''", "one two # three"),
    ("python", 'Rb"""a "quoted" # b"""', 'a "quoted" # b'),
    ("python", "u'\\u00e9 # e'", "\\u00e9 # e"),
    # JavaScript and TypeScript: single quotes are strings, templates nest.
    ("javascript", f"'{URL}'", URL),
    ("javascript", f'"{URL}"', URL),
    ("javascript", r"'it\'s // not a comment'", r"it\'s // not a comment"),
    ("javascript", "`https://${host}/a`", "https://${}/a"),
    ("javascript", "`a ${b ? `c//` : 'd}'} e`", "a ${} e"),
    ("javascript", "`line one\nline // two`", "line one line // two"),
    ("typescript", f"'{URL}'", URL),
    ("typescript", "`${a}//${b}`", "${}//${}"),
    # PHP: both quotes, interpolation in "...", heredoc and nowdoc.
    ("php", f"'{URL}'", URL),
    ("php", '"https://$host/a // x"', "https://$/a // x"),
    ("php", "'$not_interpolated // x'", "$not_interpolated // x"),
    ("php", "<<<EOT\nhttps://x // y $name\n  EOT", "https://x // y $"),
    ("php", "<<<'EOT'\nraw $x # y\nEOT", "raw $x # y"),
    # Dart: both quotes, triple quotes, raw strings, ${...}.
    ("dart", f"'{URL}'", URL),
    ("dart", f'"{URL}"', URL),
    ("dart", r"r'C:\dir // x'", r"C:\dir // x"),
    ("dart", "'''multi\n// line'''", "multi // line"),
    ("dart", "'${a.b}/x // $c'", "${}/x // $"),
    # C and Objective-C: prefixes, escapes, character constants.
    ("c", f'"{URL}"', URL),
    ("c", r'"say \"hi\" // x"', r"say \"hi\" // x"),
    ("c", r"'\n'", r"\n"),
    ("c", 'L"wide // x"', "wide // x"),
    ("c", 'u8"utf // x"', "utf // x"),
    ("objective-c", f'@"{URL}"', URL),
    # C++: raw strings.
    ("cpp", f'R"({URL})"', URL),
    ("cpp", 'R"delim(a)" // b)delim"', 'a)" // b'),
    ("cpp", 'u8R"x(multi\nline // y)x"', "multi line // y"),
    ("cpp", r"'\''", r"\'"),
    # C#: verbatim, interpolated, raw.
    ("csharp", f'"{URL}"', URL),
    ("csharp", r'@"C:\dir\file // x"', r"C:\dir\file // x"),
    ("csharp", '@"say ""hi"" // x"', 'say ""hi"" // x'),
    ("csharp", '$"https://{host}/a // x"', "https://{}/a // x"),
    ("csharp", r'$@"{a}\b // x"', r"{}\b // x"),
    ("csharp", '"""raw "quoted" // x"""', 'raw "quoted" // x'),
    ("csharp", r"'\u0041'", r"\u0041"),
    # Java: text blocks and characters.
    ("java", f'"{URL}"', URL),
    ("java", r"'\''", r"\'"),
    ("java", '"""\n    https://x // y\n    """', "https://x // y"),
    # Go: raw strings and runes.
    ("go", f'"{URL}"', URL),
    ("go", "`raw // string\n\\n`", "raw // string \\n"),
    ("go", r"'\n'", r"\n"),
    # Rust: raw and byte strings, characters.
    ("rust", f'"{URL}"', URL),
    ("rust", 'r#"raw "quoted" //"#', 'raw "quoted" //'),
    ("rust", 'b"bytes // x"', "bytes // x"),
    ("rust", r"'\u{1F600}'", r"\u{1F600}"),
    # Kotlin, Scala, Swift, Groovy.
    ("kotlin", f'"{URL}"', URL),
    ("kotlin", '"""raw // \\d"""', "raw // \\d"),
    ("kotlin", '"${a.b} // $c"', "${} // $"),
    ("scala", 's"https://$host/a"', "https://$/a"),
    ("scala", '"""raw // x"""', "raw // x"),
    ("swift", f'"{URL}"', URL),
    ("swift", '#"raw "q" //"#', 'raw "q" //'),
    ("swift", '"""\nmulti // x\n"""', "multi // x"),
    ("swift", '#"""\n  multi "q" //\n  """#', 'multi "q" //'),
    ("groovy", f"'{URL}'", URL),
    ("groovy", "'''multi // x'''", "multi // x"),
]

BEFORE = "value = call("
AFTER = ", other) + count; next(1) "
COMMENT = {"python": "# done"}


def symbols(source: str, language: str) -> list[str]:
    return [symbol for symbol, _, _, _ in tokenize(source, language)]


def expected_literal(content: str) -> str:
    """The literal text the tokenizer keeps for ``content``: folded, "" when trivial."""
    text = " ".join(f'"{content}"'.casefold().split())
    return text if len(text.strip("\"'`")) >= 2 else ""


@pytest.mark.parametrize(("language", "literal", "content"), CASES,
                         ids=[f"{lang}: {lit[:24]!r}" for lang, lit, _ in CASES])
def test_a_string_is_one_token_whose_text_is_its_content_and_the_code_after_it_stays_code(
        language: str, literal: str, content: str) -> None:
    after = AFTER + COMMENT.get(language, "// done")
    tokens = tokenize(BEFORE + literal + after, language)
    strings = [i for i, token in enumerate(tokens) if token[0] == STRING]
    assert len(strings) == 1, tokens
    [at] = strings
    assert [t[0] for t in tokens[:at]] == symbols(BEFORE, language)
    assert [t[0] for t in tokens[at + 1:]] == symbols(after, language)
    assert tokens[at][1:3] == (1, len(BEFORE) + 1)
    assert tokens[at][3] == expected_literal(content)
    # The code after a multi-line string keeps its real place.
    last_line = literal.split("\n")[-1]
    first_after = tokens[at + 1]
    assert first_after[1:3] == (1 + literal.count("\n"), len(last_line) + 1 + (0 if "\n" in literal
                                                                               else len(BEFORE)))


@pytest.mark.parametrize("language", sorted({lang for lang, _, _ in CASES}))
def test_every_language_with_cases_is_lexed_here_not_by_pygments(language: str) -> None:
    assert fastlex.supports(language)


def test_every_extension_routed_here_has_string_cases() -> None:
    here = {alias for alias in set(CODE_EXTENSIONS.values()) if fastlex.supports(alias)}
    assert here <= {lang for lang, _, _ in CASES}
    # JSX and TSX hold markup text, whose apostrophes are not quotes: Pygments lexes them.
    assert not fastlex.supports("jsx") and not fastlex.supports("tsx")


@pytest.mark.parametrize(("language", "source"), [
    ("rust", "fn longest<'a, 'b>(x: &'a str, y: &'b str) -> &'a str { x }"),
    ("rust", "struct Holder<'static_life> { v: &'static_life str }"),
    ("scala", "val s = 'symbol; val t = 'other"),
])
def test_lifetimes_and_symbols_are_not_strings(language: str, source: str) -> None:
    assert STRING not in symbols(source, language)


def test_cpp_digit_separators_keep_a_number_whole() -> None:
    assert symbols("int x = 1'000'000; char c = 'a';", "cpp") == [
        "int", "V", "=", "N", ";", "char", "V", "=", "S", ";"]


@pytest.mark.parametrize(("source", "expected"), [
    ("$x = 1; # note 'unclosed\n$y = 2;", ["V", "=", "N", ";", "V", "=", "N", ";"]),
    ("#[Attribute]\nfunction f() {}", ["#", "[", "V", "]", "function", "V", "(", ")"]),
])
def test_php_hash_comments_end_at_the_line_and_attributes_are_code(source: str,
                                                                   expected: list[str]) -> None:
    assert symbols(source, "php") == expected


def test_python_docstrings_are_still_dropped_and_other_strings_kept() -> None:
    source = 'def f():\n    """Doc // with a URL https://x.org."""\n    return "https://x.org"\n'
    tokens = tokenize(source, "python")
    assert [t[0] for t in tokens] == ["def", "V", "(", ")", ":", "return", "S"]
    assert tokens[-1][3] == '"https://x.org"'


@pytest.mark.parametrize(("language", "opener"), [
    ("cpp", 'R"('), ("cpp", 'R"abc('), ("php", "<<<EOT\n"), ("php", '<<<"A"\nx\n'),
    ("rust", 'r#"'), ("swift", '#"""'), ("csharp", '"""'), ("csharp", '$"{'), ("javascript", "`${"),
    ("javascript", "`${`${`${"), ("javascript", "`${{"), ("python", "'''"), ("python", "f'{"),
    ("java", '"""\n'), ("kotlin", '"""'), ("dart", "r'''"), ("go", "`"), ("c", "'"),
])
def test_unclosed_openers_repeated_lex_in_linear_time(language: str, opener: str) -> None:
    # Hostile input: a pattern that rescans the rest of the text at every opener takes
    # minutes on this; one that treats an unclosed opener as running to the end, not.
    source = opener * 20_000
    started = time.perf_counter()
    tokenize(source, language)
    assert time.perf_counter() - started < 2.0
