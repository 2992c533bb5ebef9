"""The parser path: tokens from tree-sitter, each normalization alone on before/after programs,
positions kept, and the lexical path taking over whatever the parser cannot read."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from originality import fastlex, syntax
from originality.check import check
from originality.errors import UsageError
from originality.model import Document, DocumentState, Segment, SegmentKind
from originality.normalize import tokenize as tokenize_document
from originality.options import CheckOptions, MatchOptions


def symbols(text: str, language: str, normalizations: tuple[str, ...] = syntax.DEFAULT_NORMALIZATIONS) -> list[str]:
    tokens = syntax.tokenize(text, language, 1, normalizations)
    assert tokens is not None, f"{language} did not parse"
    return [token[0] for token in tokens]


def unchanged_by(name: str, text: str, language: str = "java") -> bool:
    """Whether the normalization ``name`` leaves a program's tokens as they are without it."""
    return symbols(text, language, (name,)) == symbols(text, language, ())


# One small program per grammar, with a comment, a name, a string and a number in it.
PROGRAMS = {
    "python": 'def total(xs):\n    # sum\n    return len(xs) + 42 if xs else "none"\n',
    "java": 'class A { int total(int[] xs) { /* sum */ return xs.length + 42; } String s = "none"; }',
    "c": '#include <stdio.h>\nint total(int n) { // sum\n  printf("none"); return n + 42; }',
    "cpp": '#include <vector>\nint total(std::vector<int> xs) { // sum\n return xs.size() + 42; } auto s = "none";',
    "csharp": 'class A { int Total(int[] xs) { /* sum */ return xs.Length + 42; } string s = "none"; }',
    "javascript": 'function total(xs) { // sum\n  return xs.length + 42 || "none"; }',
    "jsx": 'function Total({xs}) { // sum\n  return <p title="none">{xs.length + 42}</p>; }',
    "typescript": 'function total(xs: number[]): number { // sum\n  return xs.length + 42 || "none".length; }',
    "tsx": 'const Total = (p: {xs: number[]}) => <p title="none">{p.xs.length + 42}</p>; // sum',
    "php": '<?php function total($xs) { # sum\n  return count($xs) + 42 ?: "none"; }',
}


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_every_grammar_loads_and_abstracts_names_literals_and_comments(language: str) -> None:
    tokens = syntax.tokenize(PROGRAMS[language], language)
    assert tokens is not None
    found = [token[0] for token in tokens]
    assert syntax.IDENTIFIER in found and syntax.NUMBER in found and syntax.STRING in found
    assert syntax.DEFINITION in found
    assert not any(name in found for name in ("total", "Total", "xs", "sum"))
    assert {token[3] for token in tokens if token[0] == syntax.STRING} >= {'"none"'}
    assert "42" in {token[3] for token in tokens if token[0] == syntax.NUMBER}


def test_renamed_and_recommented_copy_gives_the_same_stream() -> None:
    original = "class A {\n  int total(int[] xs) { int s = 0; for (int x : xs) s += x; return s; }\n}"
    renamed = ("class Sum {\n  // adds them up\n  int add(int[] values) {\n    int acc = 0;\n"
               "    for (int v : values) { acc += v; }  /* loop */\n    return acc;\n  }\n}")
    assert symbols(original, "java") == symbols(renamed, "java")


# (normalization, language, before, after): the same program two ways a disguise spells it.
NORMALIZED = [
    ("loops", "java",
     "void f() { int s = 0; for (int i = 0; i < n; i = i + 1) { s = s + i; } }",
     "void f() { int s = 0; int i = 0; while (i < n) { s = s + i; i = i + 1; } }"),
    ("loops", "javascript",
     "let s = 0; for (let i = 0, j = 1; i < n; i++, j++) { s = s + i; }",
     "let s = 0; let i = 0, j = 1; while (i < n) { s = s + i; i++; j++; }"),
    ("compound", "python", "x += y\ny -= 2\n", "x = x + y\ny = y - 2\n"),
    ("compound", "java", "void f() { i++; --j; s *= 3; }", "void f() { i = i + 1; j = j - 1; s = s * 3; }"),
    ("compound", "cpp", "void f() { i++; s <<= 2; }", "void f() { i = i + 1; s = s << 2; }"),
    ("names", "cpp", "int main() { std::cout << std::endl; return 0; }",
     "int main() { cout << endl; return 0; }"),
    ("names", "java", "class A { java.util.List<String> xs; }", "class A { List<String> xs; }"),
    ("qualifiers", "cpp", "int f(const string& s) { return s.size(); }",
     "int f(string s) { return s.size(); }"),
    ("annotations", "python",
     "def area(w: float, h: float = 2.0) -> float:\n    total: float = w * h\n    return total\n",
     "def area(w, h=2.0):\n    total = w * h\n    return total\n"),
    ("annotations", "typescript",
     "function area(w: number, h: number = 2): number { const t: number = w * h; return t; }",
     "function area(w, h = 2) { const t = w * h; return t; }"),
    ("elif", "python",
     "if a > 3:\n    f(a)\nelif a > 1:\n    g(a)\nelse:\n    h(a)\n",
     "if a > 3:\n    f(a)\nelse:\n    if a > 1:\n        g(a)\n    else:\n        h(a)\n"),
    ("branches", "java",
     "void f() { if (!(a > b)) { x(); } else { y(); } int z = a != b ? 1 : 2; }",
     "void f() { if (a > b) { y(); } else { x(); } int z = a == b ? 2 : 1; }"),
    ("branches", "cpp", "void f() { if (a >= b) { x(); } else { y(); } }",
     "void f() { if (a < b) { y(); } else { x(); } }"),
    ("branches", "c", "void f() { if (!ok) x(); else y(); }", "void f() { if (ok) y(); else x(); }"),
    ("branches", "csharp", "class A { void F() { if (!ok) { X(); } else { Y(); } } }",
     "class A { void F() { if (ok) { Y(); } else { X(); } } }"),
    ("branches", "javascript", "function f() { if (a !== b) { x(); } else { y(); } let z = !ok ? 1 : 2; }",
     "function f() { if (a === b) { y(); } else { x(); } let z = ok ? 2 : 1; }"),
    ("branches", "php", "<?php function f() { if ($a != $b) { x(); } else { y(); } $z = !$ok ? 1 : 2; }",
     "<?php function f() { if ($a == $b) { y(); } else { x(); } $z = $ok ? 2 : 1; }"),
    ("branches", "python", "if not ok:\n    x()\nelse:\n    y()\nz = 1 if a > b else 2\n",
     "if ok:\n    y()\nelse:\n    x()\nz = 2 if a <= b else 1\n"),
    ("constants", "java",
     'class A { static final int MAX = 100; private static final String HI = "hi"; boolean f(int x) { final double RATE = -0.5; print(HI); return x * RATE > MAX; } }',
     'class A { boolean f(int x) { print("hi"); return x * -0.5 > 100; } }'),
    ("constants", "c", "#define LIMIT 100\nconst int MIN = 2;\nint f(int x) { return x > LIMIT && x < MIN; }",
     "int f(int x) { return x > 100 && x < 2; }"),
    ("constants", "cpp", "constexpr int MAX = 10;\nint f(int x) { return x % MAX; }",
     "int f(int x) { return x % 10; }"),
    ("constants", "csharp", 'class A { const string NAME = "x"; string F() { return NAME; } }',
     'class A { string F() { return "x"; } }'),
    ("constants", "javascript", "const GREETING = 'hi';\nfunction f() { return GREETING + '!'; }",
     "function f() { return 'hi' + '!'; }"),
    ("constants", "php", "<?php const MAX = 10; function f($x) { return $x > MAX; }",
     "<?php function f($x) { return $x > 10; }"),
    ("constants", "python", "RATE = -0.5\nNAME = 'x'\n\ndef f(x):\n    return x * RATE, NAME\n",
     "def f(x):\n    return x * -0.5, 'x'\n"),
    ("declarations", "java", "class A { void f() { int a, b = 2; } }",
     "class A { void f() { int a; int b = 2; } }"),
    ("declarations", "cpp", "class S { int a; S(int x) : a(x) { } };",
     "class S { int a; S(int x) { a = x; } };"),
    ("functions", "java",
     'class A { int f(int x) { return x + 1; } int h; void g() { System.out.println("hi"); } }',
     'class B { void g2() { System.out.println("hi"); } int h; int f2(int y) { return y + 1; } }'),
    ("functions", "python", "def a(x):\n    return x + 1\n\ndef b():\n    print('hi')\n",
     "def b():\n    print('hi')\n\ndef a(x):\n    return x + 1\n"),
    ("statements", "java",
     "void f() { int a = read(); int b = 2; double c = -3.5; print(a + b + c); }",
     "void f() { int a = read(); double c = -3.5; int b = 2; print(a + b + c); }"),
    ("statements", "python", "def f(x):\n    y = 2\n    z = x * 3\n    return y + z\n",
     "def f(x):\n    z = x * 3\n    y = 2\n    return y + z\n"),
    ("unused", "java",
     "int f(int n) { int x, y; boolean done = false; int c = 0; c++; int s = n; return s; }",
     "int f(int n) { int s = n; return s; }"),
    ("unused", "cpp", "int main() { double w; int s = 0; s = s + 1; return s; }",
     "int main() { int s = 0; s = s + 1; return s; }"),
    ("unused", "javascript", "function f() { let a = 1; var b; b = 2; const c = 3; return c; }",
     "function f() { const c = 3; return c; }"),
    ("inline", "java",
     "int f(int[] xs, int n) { int e = 0; for (int i = e; i < n; i++) { int a = xs[i]; boolean b = a > 2; if (b) g(a); } return n; }",
     "int f(int[] xs, int n) { for (int i = 0; i < n; i++) { int a = xs[i]; if (a > 2) g(a); } return n; }"),
    ("inline", "c", "int f(int n) { int e = n + 1; return e * 2; }", "int f(int n) { return (n + 1) * 2; }"),
    ("inline", "csharp", "class A { int F(int n) { int e = n + 1; return e * 2; } }",
     "class A { int F(int n) { return (n + 1) * 2; } }"),
    ("inline", "javascript", "function f(n) { const e = n + 1; return e * 2; }",
     "function f(n) { return (n + 1) * 2; }"),
    ("optionals", "java",
     "int f(int x) { Optional<Integer> m = Optional.of(-1); if (Optional.of(x > 2).get()) { m = Optional.of(x); } return m.get(); }",
     "int f(int x) { int m = -1; if (x > 2) { m = x; } return m; }"),
]


def test_functions_keep_their_own_lines_when_put_in_order() -> None:
    text = "def a(x):\n    return x + 1\n\ndef b():\n    print('hi')\n"
    ordered = syntax.tokenize(text, "python", 1, ("functions",))
    as_written = syntax.tokenize(text, "python", 1, ())
    assert ordered is not None and as_written is not None
    assert ordered != as_written  # b sorts before a: moved...
    assert sorted(ordered) == sorted(as_written)  # ...each token with its own line and column


@pytest.mark.parametrize(("before", "after"), [
    # b is read by the next statement: they cannot swap.
    ("void f() { int b = 2; int c = b + 1; g(c); }", "void f() { int c = b + 1; int b = 2; g(c); }"),
    # Two calls: their output comes in the order written.
    ("void f() { print(1); print(2 * x); }", "void f() { print(2 * x); print(1); }"),
    # A return keeps what comes after it after it.
    ("int f(int x) { if (x > 0) return 1; int y = 2; return y; }",
     "int f(int x) { int y = 2; if (x > 0) return 1; return y; }"),
])
def test_statements_keeps_every_dependency(before: str, after: str) -> None:
    assert symbols(before, "java", ("statements",)) != symbols(after, "java", ("statements",))


def test_annotations_leave_other_colons_and_arrows_alone() -> None:
    # A dict's and a slice's colons are code; C's "->" is member access, not a return type.
    assert symbols("d = {1: xs[1:2]}\n", "python", ("annotations",)) == symbols("d = {1: xs[1:2]}\n", "python", ())
    assert "->" in symbols("int f(struct s *p) { return p->x; }", "c", ("annotations",))


def test_unused_keeps_what_is_read_or_may_do_something() -> None:
    kept = "int f() { int k = read(); int t = 0; t = t + 1; return 0; }"
    # k's initializer is a call; t is written from itself, which is a read: both stay.
    assert symbols(kept, "java", ("unused",)) == symbols(kept, "java", ())
    # Python's names may be read from other modules: never dropped.
    assert symbols("x = 1\n", "python", ("unused",)) == symbols("x = 1\n", "python", ())


@pytest.mark.parametrize(("name", "language", "before", "after"), NORMALIZED)
def test_each_normalization_alone_makes_the_disguise_invisible(name: str, language: str, before: str,
                                                                after: str) -> None:
    assert symbols(before, language, (name,)) == symbols(after, language, (name,))
    # Without it the two differ: the test can fail.
    assert symbols(before, language, ()) != symbols(after, language, ())


def test_branches_leaves_what_is_not_an_inverted_two_armed_choice_alone() -> None:
    same = functools.partial(unchanged_by, "branches")

    assert same("void f() { if (!ok) { x(); } }", "java")  # no else
    assert same("void f() { if (a != b) { x(); } else if (c) { y(); } else { z(); } }", "java")  # a chain
    assert same("void f() { if (a < b) { x(); } else { y(); } }", "java")  # already canonical
    assert same("if not ok:\n    x()\nelse:\n    if c:\n        y()\n", "python")
    assert same("if not ok:\n    x()\nelif c:\n    y()\nelse:\n    z()\n", "python")
    assert same("if a < b < c:\n    x()\nelse:\n    y()\n", "python")  # a chained comparison
    # A swapped arm keeps its own lines: evidence still points at the code it came from.
    tokens = syntax.tokenize("if (a != b) {\n  x();\n} else {\n  y();\n}\n", "javascript",
                             normalizations=("branches",))
    assert tokens is not None
    assert [(symbol, line) for symbol, line, _, _ in tokens if symbol in ("==", "call", "else")] == [
        ("==", 1), ("call", 4), ("else", 3), ("call", 2)]


def test_constants_leaves_names_that_are_not_constants_declared_once_alone() -> None:
    same = functools.partial(unchanged_by, "constants")

    assert same("class A { static int COUNT = 0; int f() { COUNT++; return COUNT; } }", "java")  # not final
    assert same("const total = 0;\nfunction f() { return total; }", "javascript")  # not a constant's name
    assert same("function f() { const N = 1; return N; }\nfunction g() { const N = 2; return N; }",
                "javascript")  # declared twice
    assert same("class A { static final int MAX = size(); int f() { return MAX; } }", "java")  # no literal
    assert same("MAX = 10\n\ndef f():\n    global MAX\n    MAX = 20\n    return MAX\n", "python")  # rebound
    assert same("<?php function f($MAX) { return $MAX; }", "php")
    # A constant's use keeps its own line and column: evidence points at the use.
    tokens = syntax.tokenize("MAX = 10\n\ndef f(x):\n    return x > MAX\n", "python",
                             normalizations=("constants",))
    assert tokens is not None
    assert [(symbol, line, column, literal) for symbol, line, column, literal in tokens if symbol == "N"] == [
        ("N", 4, 16, "10")]


def test_inline_leaves_named_variables_alone() -> None:
    same = functools.partial(unchanged_by, "inline")

    assert same("int f(int n) { int e = n + 1; g(e); return e; }")  # read twice
    assert same("int f(int n) { int e = n + 1; g(n); return e; }")  # read further on, not where extracted
    assert same("int f(int n) { int e = n + 1; e = 3; return e; }")  # written
    assert same("int f(int n) { int e = 1, d = 2; return e + d; }")  # not alone in its declaration
    assert same("int e; int f(int n) { int e = n; return e; } int g() { return e; }")  # a field too
    assert same("def f(n):\n    e = n + 1\n    return e * 2\n", "python")  # Python's names: not inlined
    # The initializer walked where the local is read keeps its own line: evidence points at it.
    tokens = syntax.tokenize("int f(int n) {\n  int e = n + 1;\n  return e * 2;\n}\n", "java",
                             normalizations=("inline",))
    assert tokens is not None
    assert [(symbol, line) for symbol, line, _, _ in tokens if symbol in ("+", "*", "N")] == [
        ("+", 2), ("N", 2), ("*", 3), ("N", 3)]


def test_optionals_leave_other_calls_alone() -> None:
    same = functools.partial(unchanged_by, "optionals")

    assert same("int f(Supplier<Integer> s, List<Integer> xs) { return s.get() + xs.get(0); }")  # not Optionals
    # Not a get: the type is unboxed, the call stays.
    assert symbols("int f(Optional<Integer> o) { return o.orElse(0); }", "java", ("optionals",)) == \
        symbols("int f(int o) { return o.orElse(0); }", "java", ())
    assert same("Object f(int x) { return Maybe.of(x); }")  # not Optional's
    # A parameter declared Optional is unboxed where it is read: it holds the value.
    assert symbols("int f(Optional<Integer> o) { return o.get(); }", "java", ("optionals",)) == \
        symbols("int f(int o) { return o; }", "java", ("optionals",))


def test_every_normalization_is_tested_alone() -> None:
    assert {case[0] for case in NORMALIZED} == set(syntax.NORMALIZATIONS)


def test_tokens_keep_their_line_and_column_in_characters() -> None:
    text = 'x = 1\ns = "héllo wörld"; t = s\n\nfor i in range(3):\n    t += i\n'
    tokens = syntax.tokenize(text, "python", first_line=10)
    assert tokens is not None
    where = [(symbol, line, column) for symbol, line, column, _ in tokens]
    assert where[:3] == [("V", 10, 1), ("=", 10, 3), ("N", 10, 5)]
    # After a non-ASCII string the columns still count characters, as the lexical path does.
    assert ("V", 11, 20) in where and (syntax.STRING, 11, 5) in where
    assert (syntax.LOOP, 13, 1) in where
    # ``t += i`` spelled ``t = t + i``: every rewritten token points at the code it came from.
    assert where[-5:] == [("V", 14, 5), ("=", 14, 7), ("V", 14, 5), ("+", 14, 7), ("V", 14, 10)]


def test_literal_texts_are_those_of_the_lexical_path() -> None:
    text = 'greeting = f"Hello, {name}!"\ncount = 0x1F\n'
    parsed = [(s, lit) for s, _, _, lit in syntax.tokenize(text, "python") or [] if lit]
    lexed = [(s, lit) for s, _, _, lit in fastlex.tokenize(text, "python") if lit]
    assert parsed == lexed == [("S", '"hello, {}!"'), ("N", "0x1f")]


def test_python_docstrings_are_comments() -> None:
    with_doc = 'def f(x):\n    """Return x, doubled."""\n    return 2 * x\n'
    without = "def f(x):\n    return 2 * x\n"
    assert symbols(with_doc, "python") == symbols(without, "python")


def test_a_typo_keeps_the_rest_of_the_file() -> None:
    good = "int f(int n) {\n  int s = 0;\n  while (n > 0) { s = s + n; n = n - 1; }\n  return s;\n}\n"
    typo = good.replace("s = s + n;", "s = s + n")
    parsed = symbols(typo, "c")
    assert len(parsed) >= len(symbols(good, "c")) - 2
    assert parsed[-3:] == symbols(good, "c")[-3:]


def test_text_that_is_not_the_language_goes_to_the_lexical_path() -> None:
    prose = "This is not C at all; it is a paragraph (with brackets) that someone named .c by mistake, " * 3
    assert syntax.tokenize(prose, "c") is None
    document = Document("notes.c", DocumentState.OK, prose, (Segment(SegmentKind.CODE, 1, 1, "c"),), "0", len(prose))
    stream = tokenize_document(document)
    assert stream.symbols == [token[0] for token in fastlex.tokenize(prose, "c")]
    assert len(stream.symbols) > 20


def test_languages_without_a_grammar_are_lexed() -> None:
    assert not syntax.supports("ruby") and syntax.tokenize("puts 1", "ruby") is None
    text = "def total(xs)\n  xs.sum + 42\nend\n"
    document = Document("a.rb", DocumentState.OK, text, (Segment(SegmentKind.CODE, 1, 3, "ruby"),), "0", len(text))
    assert tokenize_document(document, "syntax").symbols == tokenize_document(document, "lexical").symbols


def test_deeply_nested_expressions_do_not_overflow() -> None:
    text = "x = " + " + ".join(f'"{i}"' for i in range(5000)) + "\n"
    assert symbols(text, "python").count(syntax.STRING) == 5000


def test_options_reject_an_unknown_tokenizer_and_normalization() -> None:
    with pytest.raises(UsageError, match="tokenizer.*normalizations"):
        MatchOptions(tokenizer="ast", normalizations=("loops", "magic"))


ORIGINAL = """\
import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        int total = 0;
        for (int i = 0; i < n; i++) {
            int value = in.nextInt();
            if (value % 2 == 0) {
                total += value * value;
            } else {
                total -= value;
            }
        }
        System.out.println("Result: " + total);
    }
}
"""

DISGUISED = """\
import java.util.Scanner;

public class Solution {
    public static void main(String[] argv) {
        java.util.Scanner reader = new java.util.Scanner(System.in);
        int count = reader.nextInt();
        int acc = 0;
        int k = 0;
        while (k < count) {
            int v = reader.nextInt();
            if (v % 2 == 0) {
                acc = acc + v * v;
            } else {
                acc = acc - v;
            }
            k = k + 1;
        }
        System.out.println("Result: " + acc);
    }
}
"""

INDEPENDENT = """\
import java.util.*;

class Main {
    static int squareOrNot(int x) { return x % 2 == 0 ? x * x : -x; }
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt(), result = 0;
        List<Integer> values = new ArrayList<>();
        while (n-- > 0) values.add(sc.nextInt());
        for (int value : values) result += squareOrNot(value);
        System.out.printf("Result: %d%n", result);
    }
}
"""


def _cohort(tmp_path: Path) -> list[Path]:
    folders = []
    for name, text in (("original", ORIGINAL), ("disguised", DISGUISED), ("independent", INDEPENDENT)):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "Main.java").write_text(text)
        folders.append(folder)
    return folders


def _similarities(tmp_path: Path, tokenizer: str) -> dict[tuple[str, str], float]:
    options = CheckOptions(min_similarity=0.0, workers=1, match=MatchOptions(tokenizer=tokenizer))
    return {(p.a, p.b): p.similarity for p in check(_cohort(tmp_path), options=options).pairs}


def test_a_disguised_copy_scores_higher_with_the_parser(tmp_path: Path) -> None:
    parsed = _similarities(tmp_path / "syntax", "syntax")
    lexed = _similarities(tmp_path / "lexical", "lexical")
    copy = ("disguised", "original")
    assert parsed[copy] > lexed.get(copy, 0.0)
    assert parsed[copy] > 0.5
    assert parsed.get(("independent", "original"), 0.0) < 0.5


def test_same_input_gives_the_same_report_bytes(tmp_path: Path) -> None:
    folders = _cohort(tmp_path)
    options = CheckOptions(min_similarity=0.0, workers=2)
    first = "".join(check(folders, options=options).json_chunks())
    second = "".join(check(folders, options=CheckOptions(min_similarity=0.0, workers=1)).json_chunks())
    assert first == second
    assert '"similarity"' in first


PRUNING_SAMPLES = [
    ("python", "def f(a):\n    t = 0\n    for x in a:\n        t += x\n    return t\n", False),
    ("python", "def f(a):\n    unused = None\n    return a\n", True),
    ("python", "def f(a):\n    unused = None\n    unused += 1\n    return a\n", True),
    ("python", "def f(a):\n    if a:\n        pass\n    return a\n", True),
    ("python", "def f(a):\n    if False:\n        print('x')\n    return a\n", True),
    ("python", "def f(a):\n    if False:\n        return 1\n    else:\n        return a\n", False),
    ("python", "LIMIT = None\nclass C:\n    name = None\n", False),  # other modules may read them
    ("python", "def f(a):\n    n = len(a)\n    return a\n", False),  # unread, but a call may do something
    ("java", "class A { int f(int n) { int s = 0; for (int i = 0; i < n; i++) { s += i; } return s; } }\n", False),
    ("java", "class A { int f(int n) { int x, y; x = 3; return n; } }\n", True),
    ("c", "int f(int n) { int dead; dead = 2; return n; }\n", True),
    ("javascript", "'use strict';\nfunction f(a) { return a * 2; }\n", True),
    ("javascript", "function f(a) { let s = 'https://example.org'; return a + s; }\n", False),
]


@pytest.mark.parametrize("language, text, changes", PRUNING_SAMPLES)
@pytest.mark.parametrize("normalizations", [syntax.DEFAULT_NORMALIZATIONS, ("declarations",), ("functions",)])
def test_one_walk_gives_the_plain_and_the_pruned_streams_of_two(language: str, text: str, changes: bool,
                                                                 normalizations: tuple[str, ...]) -> None:
    plain = syntax.tokenize(text, language, normalizations=normalizations)
    pruned = syntax.tokenize(text, language, normalizations=normalizations + (syntax.PRUNING,))
    assert syntax.tokenize_pruned(text, language, normalizations=normalizations) == (plain, pruned)
    assert (pruned != plain) is changes
