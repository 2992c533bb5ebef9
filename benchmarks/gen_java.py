"""Templated intro-course Java exercises: skeletons, solution variants, students, copies.

Each exercise is a class skeleton (the starter code, given as ``base``) whose method stubs
students fill in. Every method has several hand-written, genuinely different solutions;
an independent student picks one per method, adds their own guards, test data and messages
in ``main``, and writes it all in their own habits (``jstyle.Habits``). A copier takes
another student's choices and content and re-renders them under disguised habits, sometimes
rewriting a method or two on their own (partial copy).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable

from jstyle import JS, Habits, indent

Variant = Callable[[JS, dict], list[str]]

PARAM_ALTS = {
    "a": ["arr", "values", "nums", "data", "numbers"],
    "limit": ["threshold", "bound", "min", "t", "cut"],
    "s": ["str", "text", "input", "word", "line"],
    "n": ["num", "number", "x", "value", "k"],
    "m": ["matrix", "grid", "mat", "mtx", "g"],
    "b": ["other", "right", "m2", "second", "y"],
    "amount": ["amt", "value", "money", "sum", "x"],
    "rate": ["percent", "r", "pct", "interest", "ratePct"],
    "scores": ["marks", "grades", "points", "results", "list"],
    "score": ["mark", "grade", "points", "value", "pts"],
    "pass": ["passMark", "minimum", "threshold", "cutoff", "p"],
    "owner": ["name", "holder", "who", "ownerName", "client"],
    "initial": ["start", "opening", "init", "amount0", "first"],
}


@dataclass
class Method:
    name: str
    sig: str  # with {param} placeholders
    params: list[str]
    doc: str
    stub: list[str]
    variants: list[Variant]
    static: bool = True


@dataclass
class Exercise:
    cls: str
    doc: str
    methods: list[Method]
    content: Callable[[random.Random], dict]
    fields: list[str] = field(default_factory=list)  # {field} placeholders
    field_names: list[str] = field(default_factory=list)
    ctor: Method | None = None


# ---------------------------------------------------------------------------------------
# shared helpers for main()
# ---------------------------------------------------------------------------------------

def rand_ints(rng: random.Random, lo: int = 0, hi: int = 99, n: tuple[int, int] = (4, 9)) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(*n))]


def java_array(values: list[int]) -> str:
    return "{" + ", ".join(str(v) for v in values) + "}"


def pick_msg(rng: random.Random, pool: list[str]) -> str:
    msg = rng.choice(pool)
    r = rng.random()
    if r < 0.2:
        msg = msg.lower()
    elif r < 0.3:
        msg = msg.upper()
    if rng.random() < 0.3:
        msg = msg.rstrip() + (" " if not msg.endswith(" ") else "")
        msg = msg.replace(": ", " -> ") if rng.random() < 0.5 else msg.replace(": ", " = ")
    return msg


def render_main(s: JS, c: dict) -> list[str]:
    """main(): declarations of the student's test data, then the prints, in their style."""
    names = {}
    out: list[str] = []
    roles = {"int[]": ["arr", "lst", "tmp"], "String": ["str", "word", "res"], "int": ["n", "cand", "k"],
             "int[][]": ["mat", "tmp", "arr"], "BankAccount": ["acct", "best", "res"]}
    seen: dict[str, int] = {}
    for k, (typ, lit) in enumerate(c["decls"]):
        role = roles[typ][seen.get(typ, 0)]
        seen[typ] = seen.get(typ, 0) + 1
        name = s.v(role)
        names[f"v{k}"] = name
        out.append(f"{typ} {name} = {lit};")
    style = c["print_style"]
    for msg, expr in c["prints"]:
        e = expr.format(**names)
        if style == "concat":
            out.append(f'System.out.println("{msg}" + {e});')
        elif style == "split":
            out += [f'System.out.print("{msg}");', f"System.out.println({e});"]
        else:
            out.append(f'System.out.println(String.valueOf({e}) + " <- {msg.strip()}");')
        out += s.cmt()
    return out


def perturb_content(rng: random.Random, c: dict, strength: int) -> dict:
    """A copier's edits to the copied main(): a few new messages/numbers, some reordering."""
    c = {**c, "prints": list(c["prints"]), "decls": list(c["decls"])}
    if strength >= 1 and rng.random() < 0.5:
        c["print_style"] = rng.choice(["concat", "split", "valueof"])
    if strength >= 2:
        prints = c["prints"]
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(prints))
            msg, expr = prints[i]
            prints[i] = (rng.choice(["Result: ", "Output: ", "Value = ", "Answer: "]), expr)
        k = rng.randint(0, len(prints))
        c["prints"] = prints[k:] + prints[:k]
        decls = c["decls"]
        i = rng.randrange(len(decls))
        typ, lit = decls[i]
        if typ == "int[]":
            decls[i] = (typ, java_array(rand_ints(rng)))
    return c


# ---------------------------------------------------------------------------------------
# Exercise 1: ArrayStats
# ---------------------------------------------------------------------------------------

def sum_each(s: JS, c: dict) -> list[str]:
    t = s.v("acc")
    return [s.decl("int", t, "0"), *s.cmt(), *s.each(s.p("a"), "int", lambda e: [s.add(t, e)]),
            *s.ret(t, "int")]


def sum_back(s: JS, c: dict) -> list[str]:
    t, i, a = s.v("acc"), s.v("i"), s.p("a")
    return [s.decl("int", t, "0"),
            *s.loop(i, f"{a}.length - 1", "0", [s.add(t, f"{a}[{i}]")], op=">=", down=True),
            *s.ret(t, "int")]


def sum_rec(s: JS, c: dict) -> list[str]:
    f = s.fn("sumrec", ["sumFrom", "sumRec", "addUp", "recursiveSum", "sumHelper"])
    s.helper(f"private static int {f}(int[] xs, int from)",
             [*s.if_("from >= xs.length", ["return 0;"]), f"return xs[from] + {f}(xs, from + 1);"])
    return s.ret(f"{f}({s.p('a')}, 0)", "int")


def sum_stream(s: JS, c: dict) -> list[str]:
    s.imports.add("java.util.stream.IntStream")
    if c["opt"] % 2:
        return s.ret(f"IntStream.of({s.p('a')}).sum()", "int")
    return s.ret(f"Arrays.stream({s.p('a')}).sum()", "int")


def avg_call(s: JS, c: dict) -> list[str]:
    a = s.p("a")
    guard = s.if_(f"{a}.length == 0", ["return 0;"]) if c["guard"] else []
    cast = ["(double) sum({a}) / {a}.length", "sum({a}) * 1.0 / {a}.length",
            "sum({a}) / (double) {a}.length"][c["opt"] % 3].format(a=a)
    return [*guard, *s.ret(cast, "double")]


def avg_loop(s: JS, c: dict) -> list[str]:
    a, t = s.p("a"), s.v("dbl")
    body = [s.decl("double", t, "0.0"), *s.each(a, "int", lambda e: [s.add(t, e)])]
    if c["guard"]:
        return [*body, *s.if_(f"{a}.length > 0", s.ret(f"{t} / {a}.length", "double"), ["return 0.0;"])]
    return [*body, *s.ret(f"{t} / {a}.length", "double")]


def avg_stream(s: JS, c: dict) -> list[str]:
    return s.ret(f"Arrays.stream({s.p('a')}).average().orElse(0.0)", "double")


def avg_running(s: JS, c: dict) -> list[str]:
    a, m, i = s.p("a"), s.v("dbl"), s.v("i")
    return [s.decl("double", m, "0"), *s.cmt("incremental mean"),
            *s.loop(i, "0", f"{a}.length", [s.add(m, f"({a}[{i}] - {m}) / ({i} + 1)")]),
            *s.ret(m, "double")]


def max_first(s: JS, c: dict) -> list[str]:
    a, b, i = s.p("a"), s.v("best"), s.v("i")
    return [s.decl("int", b, f"{a}[0]"),
            *s.loop(i, "1", f"{a}.length", s.if_(f"{a}[{i}] > {b}", [f"{b} = {a}[{i}];"])),
            *s.ret(b, "int")]


def max_minvalue(s: JS, c: dict) -> list[str]:
    a, b = s.p("a"), s.v("best")
    return [s.decl("int", b, "Integer.MIN_VALUE"),
            *s.each(a, "int", lambda e: [f"{b} = Math.max({b}, {e});"]), *s.ret(b, "int")]


def max_sort(s: JS, c: dict) -> list[str]:
    a, cp = s.p("a"), s.v("arr")
    return [s.decl("int[]", cp, f"Arrays.copyOf({a}, {a}.length)"), f"Arrays.sort({cp});",
            *s.ret(f"{cp}[{cp}.length - 1]", "int")]


def max_ternary(s: JS, c: dict) -> list[str]:
    a, b = s.p("a"), s.v("best")
    return [s.decl("int", b, f"{a}[0]"),
            *s.each(a, "int", lambda e: [f"{b} = {e} > {b} ? {e} : {b};"]), *s.ret(b, "int")]


def cnt_if(s: JS, c: dict) -> list[str]:
    a, n, lim = s.p("a"), s.v("cnt"), s.p("limit")
    return [s.decl("int", n, "0"), *s.each(a, "int", lambda e: s.if_(f"{e} > {lim}", [s.inc(n)])),
            *s.ret(n, "int")]


def cnt_stream(s: JS, c: dict) -> list[str]:
    a, lim = s.p("a"), s.p("limit")
    return s.ret(f"(int) Arrays.stream({a}).filter(v -> v > {lim}).count()", "int")


def cnt_ternary(s: JS, c: dict) -> list[str]:
    a, n, lim, i = s.p("a"), s.v("cnt"), s.p("limit"), s.v("i")
    return [s.decl("int", n, "0"),
            *s.loop(i, "0", f"{a}.length", [s.add(n, f"({a}[{i}] > {lim} ? 1 : 0)")]), *s.ret(n, "int")]


def cnt_sorted(s: JS, c: dict) -> list[str]:
    a, cp, i, lim = s.p("a"), s.v("arr"), s.v("i"), s.p("limit")
    return [s.decl("int[]", cp, f"{a}.clone()"), f"Arrays.sort({cp});", s.decl("int", i, f"{cp}.length"),
            *s.block(f"while ({i} > 0 && {cp}[{i} - 1] > {lim})", [s.inc(i, down=True)]),
            *s.ret(f"{cp}.length - {i}", "int")]


def content_arraystats(rng: random.Random) -> dict:
    decls = [("int[]", java_array(rand_ints(rng))) for _ in range(rng.randint(1, 3))]
    pools = {
        "sum": ["Sum: ", "The sum is ", "sum = ", "Sum of the array: ", "Total: "],
        "average": ["Average: ", "The average is ", "avg = ", "Mean value: ", "Mean: "],
        "max": ["Max: ", "The largest is ", "max = ", "Maximum: ", "Biggest element: "],
        "countAbove": ["Above limit: ", "Count above: ", "count = ", "Values over the limit: "],
    }
    prints = []
    for k in range(len(decls)):
        for m in rng.sample(list(pools), k=rng.randint(2, 4)):
            arg = f"{{v{k}}}, {rng.randint(10, 60)}" if m == "countAbove" else f"{{v{k}}}"
            prints.append((pick_msg(rng, pools[m]), f"{m}({arg})"))
    return {"decls": decls, "prints": prints, "print_style": rng.choice(["concat", "concat", "split", "valueof"])}


ARRAY_STATS = Exercise(
    cls="ArrayStats",
    doc="Exercise 1: statistics over an int array.",
    methods=[
        Method("sum", "public static int sum(int[] {a})", ["a"], "Returns the sum of the elements of a.",
               ["// YOUR CODE HERE", "return 0;"], [sum_each, sum_back, sum_rec, sum_stream]),
        Method("average", "public static double average(int[] {a})", ["a"],
               "Returns the mean of the elements of a (0 for an empty array).",
               ["// YOUR CODE HERE", "return 0.0;"], [avg_call, avg_loop, avg_stream, avg_running]),
        Method("max", "public static int max(int[] {a})", ["a"], "Returns the largest element of a non-empty array.",
               ["// YOUR CODE HERE", "return 0;"], [max_first, max_minvalue, max_sort, max_ternary]),
        Method("countAbove", "public static int countAbove(int[] {a}, int {limit})", ["a", "limit"],
               "Returns how many elements are strictly greater than limit.",
               ["// YOUR CODE HERE", "return 0;"], [cnt_if, cnt_stream, cnt_ternary, cnt_sorted]),
    ],
    content=content_arraystats,
)


# ---------------------------------------------------------------------------------------
# Exercise 2: StringTools
# ---------------------------------------------------------------------------------------

def rev_builder(s: JS, c: dict) -> list[str]:
    return s.ret(f"new StringBuilder({s.p('s')}).reverse().toString()", "String")


def rev_concat(s: JS, c: dict) -> list[str]:
    x, r, i = s.p("s"), s.v("res"), s.v("i")
    return [s.decl("String", r, '""'),
            *s.loop(i, f"{x}.length() - 1", "0", [s.add(r, f"{x}.charAt({i})")], op=">=", down=True),
            *s.ret(r, "String")]


def rev_swap(s: JS, c: dict) -> list[str]:
    x, cs, lo, hi, t = s.p("s"), s.v("arr"), s.v("lo"), s.v("hi"), s.v("tmp")
    return [s.decl("char[]", cs, f"{x}.toCharArray()"), s.decl("int", lo, "0"),
            s.decl("int", hi, f"{cs}.length - 1"),
            *s.block(f"while ({lo} < {hi})", [s.decl("char", t, f"{cs}[{lo}]"), f"{cs}[{lo}] = {cs}[{hi}];",
                                               f"{cs}[{hi}] = {t};", s.inc(lo), s.inc(hi, down=True)]),
            *s.ret(f"new String({cs})", "String")]


def rev_rec(s: JS, c: dict) -> list[str]:
    x = s.p("s")
    return [*s.if_(f"{x}.length() <= 1", [f"return {x};"]),
            *s.ret(f"reverse({x}.substring(1)) + {x}.charAt(0)", "String")]


def pal_reverse(s: JS, c: dict) -> list[str]:
    x = s.p("s")
    return s.ret(f"{x}.equalsIgnoreCase(reverse({x}))", "boolean")


def pal_pointers(s: JS, c: dict) -> list[str]:
    x, st, lo, hi = s.p("s"), s.v("str"), s.v("lo"), s.v("hi")
    return [s.decl("String", st, f"{x}.toLowerCase()"), s.decl("int", lo, "0"),
            s.decl("int", hi, f"{st}.length() - 1"),
            *s.block(f"while ({lo} < {hi})", [*s.if_(f"{st}.charAt({lo}) != {st}.charAt({hi})", ["return false;"]),
                                               s.inc(lo), s.inc(hi, down=True)]),
            "return true;"]


def pal_half(s: JS, c: dict) -> list[str]:
    x, n, i, f = s.p("s"), s.v("n"), s.v("i"), s.v("flag")
    body = s.if_(f"Character.toLowerCase({x}.charAt({i})) != Character.toLowerCase({x}.charAt({n} - 1 - {i}))",
                 [f"{f} = false;"])
    return [s.decl("int", n, f"{x}.length()"), s.decl("boolean", f, "true"),
            *s.loop(i, "0", f"{n} / 2", body), *s.ret(f, "boolean")]


def pal_rec(s: JS, c: dict) -> list[str]:
    h = s.fn("palrec", ["check", "palHelper", "isPal", "mirror", "symmetric"])
    s.helper(f"private static boolean {h}(String t, int i, int j)",
             [*s.if_("i >= j", ["return true;"]),
              *s.if_("t.charAt(i) != t.charAt(j)", ["return false;"]), f"return {h}(t, i + 1, j - 1);"])
    x = s.p("s")
    return s.ret(f"{h}({x}.toLowerCase(), 0, {x}.length() - 1)", "boolean")


def vow_indexof(s: JS, c: dict) -> list[str]:
    x, n = s.p("s"), s.v("cnt")
    if c["opt"] % 2:
        loop = s.each(f"{x}.toCharArray()", "char",
                      lambda e: s.if_(f'"aeiouAEIOU".indexOf({e}) >= 0', [s.inc(n)]), elem_role="ch")
    else:
        i = s.v("i")
        loop = s.loop(i, "0", f"{x}.length()", s.if_(f'"aeiouAEIOU".indexOf({x}.charAt({i})) != -1', [s.inc(n)]))
    return [s.decl("int", n, "0"), *loop, *s.ret(n, "int")]


def vow_switch(s: JS, c: dict) -> list[str]:
    x, n, i, ch = s.p("s"), s.v("cnt"), s.v("i"), s.v("ch")
    sw = [f"switch ({ch}) {{", "    case 'a':", "    case 'e':", "    case 'i':", "    case 'o':",
          "    case 'u':", f"        {s.inc(n)}", "        break;", "    default:", "        break;", "}"]
    return [s.decl("int", n, "0"),
            *s.loop(i, "0", f"{x}.length()", [s.decl("char", ch, f"Character.toLowerCase({x}.charAt({i}))"), *sw]),
            *s.ret(n, "int")]


def vow_regex(s: JS, c: dict) -> list[str]:
    x = s.p("s")
    return s.ret(f'{x}.toLowerCase().replaceAll("[^aeiou]", "").length()', "int")


def vow_helper(s: JS, c: dict) -> list[str]:
    h = s.fn("isvowel", ["isVowel", "vowel", "isAVowel", "checkVowel"])
    s.helper(f"private static boolean {h}(char c)",
             ["c = Character.toLowerCase(c);",
              "return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';"])
    x, n = s.p("s"), s.v("cnt")
    if s.habits.foreach > 0.4:
        loop = s.each(f"{x}.toCharArray()", "char", lambda e: s.if_(f"{h}({e})", [s.inc(n)]), elem_role="ch")
    else:
        i = s.v("i")
        loop = s.loop(i, "0", f"{x}.length()", s.if_(f"{h}({x}.charAt({i}))", [s.inc(n)]))
    return [s.decl("int", n, "0"), *loop, *s.ret(n, "int")]


def cap_split(s: JS, c: dict) -> list[str]:
    x, sb, w = s.p("s"), s.v("res"), s.v("word")
    body = s.if_(f"{w}.length() > 0",
                 [f"{sb}.append({w}.substring(0, 1).toUpperCase()).append({w}.substring(1)).append(\" \");"])
    return [s.decl("StringBuilder", sb, "new StringBuilder()"),
            *s.block(f'for (String {w} : {x}.split(" "))', body),
            *s.ret(f"{sb}.toString().trim()", "String")]


def cap_flag(s: JS, c: dict) -> list[str]:
    x, r, f, i, ch = s.p("s"), s.v("res"), s.v("flag"), s.v("i"), s.v("ch")
    body = [s.decl("char", ch, f"{x}.charAt({i})"),
            *s.if_(f"{f} && Character.isLetter({ch})", [s.add(r, f"Character.toUpperCase({ch})"), f"{f} = false;"],
                   [s.add(r, ch)]),
            *s.if_(f"{ch} == ' '", [f"{f} = true;"])]
    return [s.decl("String", r, '""'), s.decl("boolean", f, "true"), *s.loop(i, "0", f"{x}.length()", body),
            *s.ret(r, "String")]


def cap_chars(s: JS, c: dict) -> list[str]:
    x, cs, i = s.p("s"), s.v("arr"), s.v("i")
    body = s.if_(f"{i} == 0 || {cs}[{i} - 1] == ' '", [f"{cs}[{i}] = Character.toUpperCase({cs}[{i}]);"])
    return [s.decl("char[]", cs, f"{x}.toCharArray()"), *s.loop(i, "0", f"{cs}.length", body),
            *s.ret(f"String.valueOf({cs})", "String")]


def cap_join(s: JS, c: dict) -> list[str]:
    x, ws, i = s.p("s"), s.v("arr"), s.v("i")
    body = s.if_(f"!{ws}[{i}].isEmpty()",
                 [f"{ws}[{i}] = Character.toUpperCase({ws}[{i}].charAt(0)) + {ws}[{i}].substring(1);"])
    return [s.decl("String[]", ws, f'{x}.split(" ")'), *s.loop(i, "0", f"{ws}.length", body),
            *s.ret(f'String.join(" ", {ws})', "String")]


WORDS = ["racecar", "Level", "hello world", "java is fun", "the quick brown fox", "Madam", "noon",
         "programming", "a man a plan", "stats", "openai rocks", "kayak", "banana split", "Rotor"]


def content_strings(rng: random.Random) -> dict:
    decls = [("String", f'"{w}"') for w in rng.sample(WORDS, rng.randint(2, 3))]
    pools = {
        "reverse": ["Reversed: ", "reverse = ", "Backwards: ", "The reverse is "],
        "isPalindrome": ["Palindrome? ", "Is palindrome: ", "palindrome = ", "Same both ways: "],
        "countVowels": ["Vowels: ", "Number of vowels: ", "vowels = ", "Vowel count: "],
        "capitalizeWords": ["Capitalized: ", "Title case: ", "caps = ", "With capitals: "],
    }
    prints = [(pick_msg(rng, pools[m]), f"{m}({{v{k}}})") for k in range(len(decls))
              for m in rng.sample(list(pools), k=rng.randint(2, 4))]
    return {"decls": decls, "prints": prints, "print_style": rng.choice(["concat", "concat", "split", "valueof"])}


STRING_TOOLS = Exercise(
    cls="StringTools",
    doc="Exercise 2: small string utilities.",
    methods=[
        Method("reverse", "public static String reverse(String {s})", ["s"], "Returns s reversed.",
               ["// YOUR CODE HERE", 'return "";'], [rev_builder, rev_concat, rev_swap, rev_rec]),
        Method("isPalindrome", "public static boolean isPalindrome(String {s})", ["s"],
               "True if s reads the same backwards, ignoring case.",
               ["// YOUR CODE HERE", "return false;"], [pal_reverse, pal_pointers, pal_half, pal_rec]),
        Method("countVowels", "public static int countVowels(String {s})", ["s"],
               "Counts the vowels (a, e, i, o, u, either case) in s.",
               ["// YOUR CODE HERE", "return 0;"], [vow_indexof, vow_switch, vow_regex, vow_helper]),
        Method("capitalizeWords", "public static String capitalizeWords(String {s})", ["s"],
               "Upper-cases the first letter of every space-separated word.",
               ["// YOUR CODE HERE", "return s;"], [cap_split, cap_flag, cap_chars, cap_join]),
    ],
    content=content_strings,
)


# ---------------------------------------------------------------------------------------
# Exercise 3: Primes
# ---------------------------------------------------------------------------------------

def prime_sqrt(s: JS, c: dict) -> list[str]:
    n, i = s.p("n"), s.v("i")
    return [*s.if_(f"{n} < 2", ["return false;"]),
            *s.loop(i, "2", f"{n}", s.if_(f"{n} % {i} == 0", ["return false;"]), op="* " + i + " <="),
            "return true;"]


def prime_naive(s: JS, c: dict) -> list[str]:
    n, i, f = s.p("n"), s.v("i"), s.v("flag")
    return [s.decl("boolean", f, f"{n} > 1"),
            *s.loop(i, "2", n, s.if_(f"{n} % {i} == 0", [f"{f} = false;"])), *s.ret(f, "boolean")]


def prime_odd(s: JS, c: dict) -> list[str]:
    n, i = s.p("n"), s.v("i")
    loop = s.block(f"for (int {i} = 3; {i} * {i} <= {n}; {i} += 2)", s.if_(f"{n} % {i} == 0", ["return false;"]))
    return [*s.if_(f"{n} <= 1", ["return false;"]), *s.if_(f"{n} == 2", ["return true;"]),
            *s.if_(f"{n} % 2 == 0", ["return false;"]), *loop, "return true;"]


def prime_divisors(s: JS, c: dict) -> list[str]:
    n, i, k = s.p("n"), s.v("i"), s.v("cnt")
    return [s.decl("int", k, "0"),
            *s.loop(i, "1", n, s.if_(f"{n} % {i} == 0", [s.inc(k)]), op="<="), *s.ret(f"{k} == 2", "boolean")]


def next_while(s: JS, c: dict) -> list[str]:
    n, x = s.p("n"), s.v("cand")
    return [s.decl("int", x, f"{n} + 1"), *s.block(f"while (!isPrime({x}))", [s.inc(x)]), *s.ret(x, "int")]


def next_for(s: JS, c: dict) -> list[str]:
    n, x = s.p("n"), s.v("cand")
    return [*s.block(f"for (int {x} = {n} + 1; ; {x}++)", s.if_(f"isPrime({x})", [f"return {x};"]))]


def next_do(s: JS, c: dict) -> list[str]:
    n, x = s.p("n"), s.v("cand")
    return [s.decl("int", x, n), "do {", *indent([s.inc(x)]), f"}} while (!isPrime({x}));", *s.ret(x, "int")]


def upto_sieve(s: JS, c: dict) -> list[str]:
    n, comp, i, j, k, res = s.p("n"), s.v("flag"), s.v("i"), s.v("j"), s.v("cnt"), s.v("arr")
    return [s.decl("boolean[]", comp, f"new boolean[{n} + 1]"), s.decl("int", k, "0"),
            *s.loop(i, "2", n, s.if_(f"!{comp}[{i}]", [s.inc(k), *s.block(
                f"for (long {j} = (long) {i} * {i}; {j} <= {n}; {j} += {i})", [f"{comp}[(int) {j}] = true;"])]), op="<="),
            s.decl("int[]", res, f"new int[{k}]"), f"{k} = 0;",
            *s.loop(i, "2", n, s.if_(f"!{comp}[{i}]", [f"{res}[{k}++] = {i};"]), op="<="),
            *s.ret(res, "int[]")]


def upto_list(s: JS, c: dict) -> list[str]:
    n, lst, i, arr = s.p("n"), s.v("lst"), s.v("i"), s.v("arr")
    return [s.decl("List<Integer>", lst, "new ArrayList<>()"),
            *s.loop(i, "2", n, s.if_(f"isPrime({i})", [f"{lst}.add({i});"]), op="<="),
            s.decl("int[]", arr, f"new int[{lst}.size()]"),
            *s.loop(s.v("j"), "0", f"{arr}.length", [f"{arr}[{s.v('j')}] = {lst}.get({s.v('j')});"]),
            *s.ret(arr, "int[]")]


def upto_twopass(s: JS, c: dict) -> list[str]:
    n, k, i, arr, pos = s.p("n"), s.v("cnt"), s.v("i"), s.v("arr"), s.v("k")
    return [s.decl("int", k, "0"), *s.loop(i, "2", n, s.if_(f"isPrime({i})", [s.inc(k)]), op="<="),
            s.decl("int[]", arr, f"new int[{k}]"), s.decl("int", pos, "0"),
            *s.loop(i, "2", n, s.if_(f"isPrime({i})", [f"{arr}[{pos}] = {i};", s.inc(pos)]), op="<="),
            *s.ret(arr, "int[]")]


def upto_stream(s: JS, c: dict) -> list[str]:
    s.imports.add("java.util.stream.IntStream")
    return s.ret(f"IntStream.rangeClosed(2, {s.p('n')}).filter(Primes::isPrime).toArray()", "int[]")


def fac_while(s: JS, c: dict) -> list[str]:
    n, p, k = s.p("n"), s.v("cand"), s.v("cnt")
    return [s.decl("int", k, "0"), s.decl("int", p, "2"),
            *s.block(f"while ({n} > 1)", s.if_(f"{n} % {p} == 0", [f"{n} /= {p};", s.inc(k)], [s.inc(p)])),
            *s.ret(k, "int")]


def fac_nested(s: JS, c: dict) -> list[str]:
    n, p, k = s.p("n"), s.v("cand"), s.v("cnt")
    return [s.decl("int", k, "0"),
            *s.loop(p, "2", n, s.block(f"while ({n} % {p} == 0)", [f"{n} = {n} / {p};", s.inc(k)]), op="<="),
            *s.ret(k, "int")]


def fac_rec(s: JS, c: dict) -> list[str]:
    n, p = s.p("n"), s.v("cand")
    return [*s.if_(f"{n} < 2", ["return 0;"]),
            *s.loop(p, "2", n, s.if_(f"{n} % {p} == 0", [f"return 1 + countPrimeFactors({n} / {p});"]), op="<="),
            "return 0;"]


def fac_primes(s: JS, c: dict) -> list[str]:
    n, k = s.p("n"), s.v("cnt")
    if s.habits.foreach > 0.4:
        e = s.v("cand")
        loop = s.block(f"for (int {e} : primesUpTo({n}))", s.block(f"while ({n} % {e} == 0)", [f"{n} /= {e};", s.inc(k)]))
        return [s.decl("int", k, "0"), *loop, *s.ret(k, "int")]
    arr, i = s.v("arr"), s.v("i")
    return [s.decl("int", k, "0"), s.decl("int[]", arr, f"primesUpTo({n})"),
            *s.loop(i, "0", f"{arr}.length",
                    s.block(f"while ({n} % {arr}[{i}] == 0)", [f"{n} /= {arr}[{i}];", s.inc(k)])),
            *s.ret(k, "int")]


def content_primes(rng: random.Random) -> dict:
    decls = [("int", str(rng.randint(10, 200))) for _ in range(rng.randint(2, 3))]
    pools = {
        "isPrime": ["Prime? ", "is prime: ", "prime = ", "Is it prime: "],
        "nextPrime": ["Next prime: ", "next = ", "The next prime is ", "Following prime: "],
        "primesUpTo": ["Primes: ", "primes up to n: ", "All primes: ", "list = "],
        "countPrimeFactors": ["Prime factors: ", "factors = ", "Number of prime factors: ", "Omega: "],
    }
    prints = []
    for k in range(len(decls)):
        for m in rng.sample(list(pools), k=rng.randint(2, 4)):
            expr = f"Arrays.toString(primesUpTo({{v{k}}}))" if m == "primesUpTo" else f"{m}({{v{k}}})"
            prints.append((pick_msg(rng, pools[m]), expr))
    return {"decls": decls, "prints": prints, "print_style": rng.choice(["concat", "concat", "split", "valueof"])}


PRIMES = Exercise(
    cls="Primes",
    doc="Exercise 3: prime numbers.",
    methods=[
        Method("isPrime", "public static boolean isPrime(int {n})", ["n"], "True if n is a prime number.",
               ["// YOUR CODE HERE", "return false;"], [prime_sqrt, prime_naive, prime_odd, prime_divisors]),
        Method("nextPrime", "public static int nextPrime(int {n})", ["n"], "The smallest prime strictly greater than n.",
               ["// YOUR CODE HERE", "return 0;"], [next_while, next_for, next_do]),
        Method("primesUpTo", "public static int[] primesUpTo(int {n})", ["n"], "All primes <= n in increasing order.",
               ["// YOUR CODE HERE", "return new int[0];"], [upto_sieve, upto_list, upto_twopass, upto_stream]),
        Method("countPrimeFactors", "public static int countPrimeFactors(int {n})", ["n"],
               "Number of prime factors of n, counted with multiplicity (12 -> 3).",
               ["// YOUR CODE HERE", "return 0;"], [fac_while, fac_nested, fac_rec, fac_primes]),
    ],
    content=content_primes,
)


# ---------------------------------------------------------------------------------------
# Exercise 4: Matrix
# ---------------------------------------------------------------------------------------

def tr_nested(s: JS, c: dict) -> list[str]:
    m, t, r, cc = s.p("m"), s.v("mat"), s.v("row"), s.v("col")
    return [s.decl("int[][]", t, f"new int[{m}[0].length][{m}.length]"),
            *s.loop(r, "0", f"{m}.length", s.loop(cc, "0", f"{m}[0].length", [f"{t}[{cc}][{r}] = {m}[{r}][{cc}];"])),
            *s.ret(t, "int[][]")]


def tr_colfirst(s: JS, c: dict) -> list[str]:
    m, t, r, cc, rows, cols = s.p("m"), s.v("mat"), s.v("row"), s.v("col"), s.v("n"), s.v("cnt")
    return [s.decl("int", rows, f"{m}.length"), s.decl("int", cols, f"{m}[0].length"),
            s.decl("int[][]", t, f"new int[{cols}][{rows}]"),
            *s.loop(cc, "0", cols, s.loop(r, "0", rows, [f"{t}[{cc}][{r}] = {m}[{r}][{cc}];"])),
            *s.ret(t, "int[][]")]


def tr_rowcounter(s: JS, c: dict) -> list[str]:
    m, t, r, cc, line = s.p("m"), s.v("mat"), s.v("row"), s.v("col"), s.v("arr")
    return [s.decl("int[][]", t, f"new int[{m}[0].length][{m}.length]"), s.decl("int", r, "0"),
            *s.block(f"for (int[] {line} : {m})",
                     [*s.loop(cc, "0", f"{line}.length", [f"{t}[{cc}][{r}] = {line}[{cc}];"]), s.inc(r)]),
            *s.ret(t, "int[][]")]


def tr_stream(s: JS, c: dict) -> list[str]:
    s.imports.add("java.util.stream.IntStream")
    m = s.p("m")
    return s.ret(f"IntStream.range(0, {m}[0].length).mapToObj(j -> IntStream.range(0, {m}.length)"
                 f".map(i -> {m}[i][j]).toArray()).toArray(int[][]::new)", "int[][]")


def mul_sum(s: JS, c: dict) -> list[str]:
    a, b, r, i, j, k, t = s.p("m"), s.p("b"), s.v("mat"), s.v("row"), s.v("col"), s.v("k"), s.v("acc")
    inner = [s.decl("int", t, "0"), *s.loop(k, "0", f"{b}.length", [s.add(t, f"{a}[{i}][{k}] * {b}[{k}][{j}]")]),
             f"{r}[{i}][{j}] = {t};"]
    return [s.decl("int[][]", r, f"new int[{a}.length][{b}[0].length]"),
            *s.loop(i, "0", f"{a}.length", s.loop(j, "0", f"{b}[0].length", inner)), *s.ret(r, "int[][]")]


def mul_direct(s: JS, c: dict) -> list[str]:
    a, b, r, i, j, k = s.p("m"), s.p("b"), s.v("mat"), s.v("row"), s.v("col"), s.v("k")
    return [s.decl("int[][]", r, f"new int[{a}.length][{b}[0].length]"),
            *s.loop(i, "0", f"{a}.length", s.loop(j, "0", f"{b}[0].length", s.loop(
                k, "0", f"{a}[0].length", [s.add(f"{r}[{i}][{j}]", f"{a}[{i}][{k}] * {b}[{k}][{j}]")]))),
            *s.ret(r, "int[][]")]


def mul_ikj(s: JS, c: dict) -> list[str]:
    a, b, r, i, j, k, x = s.p("m"), s.p("b"), s.v("mat"), s.v("row"), s.v("col"), s.v("k"), s.v("tmp")
    return [*s.if_(f"{a}[0].length != {b}.length", ['throw new IllegalArgumentException("bad sizes");']),
            s.decl("int[][]", r, f"new int[{a}.length][{b}[0].length]"),
            *s.loop(i, "0", f"{a}.length", s.loop(k, "0", f"{b}.length", [
                s.decl("int", x, f"{a}[{i}][{k}]"),
                *s.loop(j, "0", f"{b}[0].length", [s.add(f"{r}[{i}][{j}]", f"{x} * {b}[{k}][{j}]")])])),
            *s.ret(r, "int[][]")]


def mul_dot(s: JS, c: dict) -> list[str]:
    h = s.fn("dot", ["dot", "dotProduct", "cell", "rowTimesCol", "multiplyCell"])
    s.helper(f"private static int {h}(int[][] x, int[][] y, int r, int c)",
             ["int total = 0;", *s.loop("q", "0", "y.length", [s.add("total", "x[r][q] * y[q][c]")]), "return total;"])
    a, b, r, i, j = s.p("m"), s.p("b"), s.v("mat"), s.v("row"), s.v("col")
    return [s.decl("int[][]", r, f"new int[{a}.length][{b}[0].length]"),
            *s.loop(i, "0", f"{r}.length", s.loop(j, "0", f"{r}[{i}].length", [f"{r}[{i}][{j}] = {h}({a}, {b}, {i}, {j});"])),
            *s.ret(r, "int[][]")]


def trace_loop(s: JS, c: dict) -> list[str]:
    m, t, i = s.p("m"), s.v("acc"), s.v("i")
    return [s.decl("int", t, "0"), *s.loop(i, "0", f"{m}.length", [s.add(t, f"{m}[{i}][{i}]")]), *s.ret(t, "int")]


def trace_nested(s: JS, c: dict) -> list[str]:
    m, t, i, j = s.p("m"), s.v("acc"), s.v("row"), s.v("col")
    return [s.decl("int", t, "0"),
            *s.loop(i, "0", f"{m}.length", s.loop(j, "0", f"{m}[{i}].length", s.if_(f"{i} == {j}", [s.add(t, f"{m}[{i}][{j}]")]))),
            *s.ret(t, "int")]


def trace_min(s: JS, c: dict) -> list[str]:
    m, t, i, n = s.p("m"), s.v("acc"), s.v("i"), s.v("n")
    return [s.decl("int", n, f"Math.min({m}.length, {m}[0].length)"), s.decl("int", t, "0"),
            *s.loop(i, "0", n, [s.add(t, f"{m}[{i}][{i}]")]), *s.ret(t, "int")]


def sym_deep(s: JS, c: dict) -> list[str]:
    m = s.p("m")
    return s.ret(f"Arrays.deepEquals({m}, transpose({m}))", "boolean")


def sym_upper(s: JS, c: dict) -> list[str]:
    m, i, j = s.p("m"), s.v("row"), s.v("col")
    return [*s.if_(f"{m}.length != {m}[0].length", ["return false;"]),
            *s.loop(i, "0", f"{m}.length", s.loop(j, f"{i} + 1", f"{m}.length",
                                                  s.if_(f"{m}[{i}][{j}] != {m}[{j}][{i}]", ["return false;"]))),
            "return true;"]


def sym_flag(s: JS, c: dict) -> list[str]:
    m, i, j, f = s.p("m"), s.v("row"), s.v("col"), s.v("flag")
    return [s.decl("boolean", f, "true"),
            *s.loop(i, "0", f"{m}.length", s.loop(j, "0", f"{m}[{i}].length",
                                                  s.if_(f"{j} >= {m}.length || {m}[{i}][{j}] != {m}[{j}][{i}]", [f"{f} = false;"]))),
            *s.ret(f, "boolean")]


def content_matrix(rng: random.Random) -> dict:
    def mat(r: int, c: int) -> str:
        return "{" + ", ".join(java_array([rng.randint(0, 9) for _ in range(c)]) for _ in range(r)) + "}"
    n = rng.randint(2, 4)
    decls = [("int[][]", mat(n, n)), ("int[][]", mat(n, n))]
    if rng.random() < 0.5:
        decls.append(("int[][]", mat(rng.randint(2, 3), n)))
    pools = {
        "transpose": ["Transposed: ", "transpose = ", "T: ", "After transpose: "],
        "multiply": ["Product: ", "A*B = ", "multiply -> ", "Multiplied: "],
        "trace": ["Trace: ", "trace = ", "Sum of diagonal: ", "tr: "],
        "isSymmetric": ["Symmetric? ", "symmetric = ", "Is symmetric: ", "sym: "],
    }
    prints = []
    for m in rng.sample(list(pools), k=4):
        k = rng.randrange(2)
        if m == "multiply":
            expr = "Arrays.deepToString(multiply({v0}, {v1}))"
        elif m == "transpose":
            expr = f"Arrays.deepToString(transpose({{v{len(decls) - 1}}}))"
        else:
            expr = f"{m}({{v{k}}})"
        prints.append((pick_msg(rng, pools[m]), expr))
    return {"decls": decls, "prints": prints, "print_style": rng.choice(["concat", "concat", "split", "valueof"])}


MATRIX = Exercise(
    cls="Matrix",
    doc="Exercise 4: integer matrices.",
    methods=[
        Method("transpose", "public static int[][] transpose(int[][] {m})", ["m"], "Returns the transpose of m.",
               ["// YOUR CODE HERE", "return m;"], [tr_nested, tr_colfirst, tr_rowcounter, tr_stream]),
        Method("multiply", "public static int[][] multiply(int[][] {m}, int[][] {b})", ["m", "b"],
               "Returns the matrix product m * b.", ["// YOUR CODE HERE", "return null;"],
               [mul_sum, mul_direct, mul_ikj, mul_dot]),
        Method("trace", "public static int trace(int[][] {m})", ["m"], "Sum of the main diagonal.",
               ["// YOUR CODE HERE", "return 0;"], [trace_loop, trace_nested, trace_min]),
        Method("isSymmetric", "public static boolean isSymmetric(int[][] {m})", ["m"],
               "True if m is square and equal to its transpose.", ["// YOUR CODE HERE", "return false;"],
               [sym_deep, sym_upper, sym_flag]),
    ],
    content=content_matrix,
)


# ---------------------------------------------------------------------------------------
# Exercise 5: BankAccount (instance methods, fields given)
# ---------------------------------------------------------------------------------------

def F(s: JS, name: str) -> str:
    return s.params[name]


def ctor_assign(s: JS, c: dict) -> list[str]:
    return [f"this.{F(s, 'owner_f')} = {s.p('owner')};", f"this.{F(s, 'balance_f')} = {s.p('initial')};",
            f'{F(s, "history_f")}.add("{c["msg_open"]}" + {s.p("initial")});']


def ctor_validate(s: JS, c: dict) -> list[str]:
    return [f"this.{F(s, 'owner_f')} = {s.p('owner')};",
            *s.if_(f"{s.p('initial')} < 0", [f"this.{F(s, 'balance_f')} = 0;"],
                   [f"this.{F(s, 'balance_f')} = {s.p('initial')};"]),
            f'{F(s, "history_f")}.add("{c["msg_open"]}" + this.{F(s, "balance_f")});']


def ctor_deposit(s: JS, c: dict) -> list[str]:
    return [f"this.{F(s, 'owner_f')} = {s.p('owner')};", f"this.{F(s, 'balance_f')} = 0;",
            f"deposit({s.p('initial')});"]


def dep_guard(s: JS, c: dict) -> list[str]:
    a = s.p("amount")
    return [*s.if_(f"{a} <= 0", ["return false;"]), s.add(F(s, "balance_f"), a),
            f'{F(s, "history_f")}.add("{c["msg_dep"]}" + {a});', "return true;"]


def dep_nested(s: JS, c: dict) -> list[str]:
    a = s.p("amount")
    return [*s.if_(f"{a} > 0", [s.add(F(s, "balance_f"), a), f'{F(s, "history_f")}.add("{c["msg_dep"]}" + {a});',
                                "return true;"]), "return false;"]


def dep_helper(s: JS, c: dict) -> list[str]:
    h = s.fn("valid", ["isValid", "validAmount", "positive", "okAmount"])
    s.helper(f"private boolean {h}(double x)", ["return x > 0 && !Double.isNaN(x);"])
    a = s.p("amount")
    return [*s.if_(f"!{h}({a})", ["return false;"]),
            f"{F(s, 'balance_f')} = {F(s, 'balance_f')} + {a};",
            f'{F(s, "history_f")}.add(String.format("{c["msg_dep"]}%.2f", {a}));', "return true;"]


def wd_guard(s: JS, c: dict) -> list[str]:
    a, bal = s.p("amount"), F(s, "balance_f")
    return [*s.if_(f"{a} <= 0 || {a} > {bal}", ["return false;"]), f"{bal} -= {a};",
            f'{F(s, "history_f")}.add("{c["msg_wd"]}" + {a});', "return true;"]


def wd_newbal(s: JS, c: dict) -> list[str]:
    a, bal, nb = s.p("amount"), F(s, "balance_f"), s.v("dbl")
    return [*s.if_(f"{a} <= 0", ["return false;"]), s.decl("double", nb, f"{bal} - {a}"),
            *s.if_(f"{nb} < 0", ["return false;"]), f"{bal} = {nb};",
            f'{F(s, "history_f")}.add("{c["msg_wd"]}" + {a});', "return true;"]


def wd_nested(s: JS, c: dict) -> list[str]:
    a, bal = s.p("amount"), F(s, "balance_f")
    return [*s.if_(f"{a} > 0", s.if_(f"{bal} >= {a}", [s.add(bal, f"-{a}"), f'{F(s, "history_f")}.add("{c["msg_wd"]}" + {a});',
                                                       "return true;"])), "return false;"]


def int_mult(s: JS, c: dict) -> list[str]:
    return [f"{F(s, 'balance_f')} = {F(s, 'balance_f')} * (1 + {s.p('rate')} / 100);",
            f'{F(s, "history_f")}.add("{c["msg_int"]}" + {s.p("rate")} + "%");']


def int_deposit(s: JS, c: dict) -> list[str]:
    x = s.v("dbl")
    return [s.decl("double", x, f"{F(s, 'balance_f')} * {s.p('rate')} / 100.0"),
            *s.if_(f"{x} > 0", [f"deposit({x});"])]


def int_add(s: JS, c: dict) -> list[str]:
    x = s.v("dbl")
    return [s.decl("double", x, f"{F(s, 'balance_f')} * ({s.p('rate')} / 100.0)"), s.add(F(s, "balance_f"), x),
            f'{F(s, "history_f")}.add(String.format("{c["msg_int"]}%.2f", {x}));']


def st_builder(s: JS, c: dict) -> list[str]:
    sb = s.v("res")
    return [s.decl("StringBuilder", sb, f'new StringBuilder("{c["msg_head"]}" + {F(s, "owner_f")} + "\\n")'),
            *s.block(f"for (String {s.v('str')} : {F(s, 'history_f')})", [f'{sb}.append({s.v("str")}).append("\\n");']),
            f'{sb}.append("{c["msg_bal"]}").append({F(s, "balance_f")});', *s.ret(f"{sb}.toString()", "String")]


def st_join(s: JS, c: dict) -> list[str]:
    return s.ret(f'"{c["msg_head"]}" + {F(s, "owner_f")} + "\\n" + String.join("\\n", {F(s, "history_f")})'
                 f' + "\\n{c["msg_bal"]}" + {F(s, "balance_f")}', "String")


def st_numbered(s: JS, c: dict) -> list[str]:
    r, i = s.v("res"), s.v("i")
    h = F(s, "history_f")
    return [s.decl("String", r, f'"{c["msg_head"]}" + {F(s, "owner_f")} + "\\n"'),
            *s.loop(i, "0", f"{h}.size()", [s.add(r, f'({i} + 1) + ". " + {h}.get({i}) + "\\n"')]),
            s.add(r, f'"{c["msg_bal"]}" + {F(s, "balance_f")}'), *s.ret(r, "String")]


def st_stream(s: JS, c: dict) -> list[str]:
    s.imports.add("java.util.stream.Collectors")
    h = F(s, "history_f")
    return s.ret(f'{h}.stream().collect(Collectors.joining("\\n", "{c["msg_head"]}" + {F(s, "owner_f")} + "\\n", '
                 f'"\\n{c["msg_bal"]}" + {F(s, "balance_f")}))', "String")


def content_bank(rng: random.Random) -> dict:
    owners = ["Alice", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Gina", "Hugo", "Ines", "Jules"]
    msg = lambda pool: pick_msg(rng, pool)  # noqa: E731
    decls = [("BankAccount", f'new BankAccount("{o}", {rng.randint(0, 500)})') for o in rng.sample(owners, rng.randint(1, 2))]
    prints = []
    for k in range(len(decls)):
        ops = [f"{{v{k}}}.deposit({rng.randint(5, 300)})", f"{{v{k}}}.withdraw({rng.randint(5, 900)})"]
        for _ in range(rng.randint(2, 4)):
            op = rng.choice(ops)
            prints.append((msg(["ok? ", "Result: ", "done: ", "success = ", "Accepted: "]), op))
        if rng.random() < 0.7:
            prints.append((msg(["Balance: ", "balance = ", "Now: ", "Current balance: "]), f"{{v{k}}}.getBalance()"))
        prints.append(("", f"{{v{k}}}.statement()"))
    return {
        "decls": decls, "prints": prints, "print_style": rng.choice(["concat", "split"]),
        "msg_open": msg(["Opened with ", "open: ", "Initial deposit ", "Account created, balance "]),
        "msg_dep": msg(["Deposit: ", "deposit ", "+", "Deposited "]),
        "msg_wd": msg(["Withdrawal: ", "withdraw ", "-", "Withdrew "]),
        "msg_int": msg(["Interest ", "interest at ", "Interest added: ", "rate "]),
        "msg_head": msg(["Statement for ", "Account of ", "Owner: ", "History of "]),
        "msg_bal": msg(["Balance: ", "Final balance: ", "Total: ", "balance = "]),
    }


BANK = Exercise(
    cls="BankAccount",
    doc="Exercise 5: a bank account with a transaction history.",
    fields=["private String {owner_f};", "private double {balance_f};",
            "private List<String> {history_f} = new ArrayList<>();"],
    field_names=["owner_f", "balance_f", "history_f"],
    ctor=Method("BankAccount", "public BankAccount(String {owner}, double {initial})", ["owner", "initial"],
                "Opens an account; a negative initial amount counts as 0.", ["// YOUR CODE HERE"],
                [ctor_assign, ctor_validate, ctor_deposit], static=False),
    methods=[
        Method("deposit", "public boolean deposit(double {amount})", ["amount"],
               "Adds a positive amount; returns false and changes nothing otherwise.",
               ["// YOUR CODE HERE", "return false;"], [dep_guard, dep_nested, dep_helper], static=False),
        Method("withdraw", "public boolean withdraw(double {amount})", ["amount"],
               "Takes a positive amount out if the balance allows it.",
               ["// YOUR CODE HERE", "return false;"], [wd_guard, wd_newbal, wd_nested], static=False),
        Method("applyInterest", "public void applyInterest(double {rate})", ["rate"],
               "Adds interest at rate percent.", ["// YOUR CODE HERE"], [int_mult, int_deposit, int_add], static=False),
        Method("statement", "public String statement()", [], "Owner, every transaction on its own line, balance.",
               ["// YOUR CODE HERE", 'return "";'], [st_builder, st_join, st_numbered, st_stream], static=False),
    ],
    content=content_bank,
)


# ---------------------------------------------------------------------------------------
# Exercise 6: GradeBook
# ---------------------------------------------------------------------------------------

def let_chain(s: JS, c: dict) -> list[str]:
    x = s.p("score")
    out: list[str] = []
    for lim, g in [(90, "A"), (80, "B"), (70, "C"), (60, "D")]:
        out += s.if_(f"{x} >= {lim}", [f"return '{g}';"])
    return out + ["return 'F';"]


def let_switch(s: JS, c: dict) -> list[str]:
    x = s.p("score")
    return [f"switch ({x} / 10) {{", "    case 10:", "    case 9:", "        return 'A';", "    case 8:",
            "        return 'B';", "    case 7:", "        return 'C';", "    case 6:", "        return 'D';",
            "    default:", "        return 'F';", "}"]


def let_table(s: JS, c: dict) -> list[str]:
    x, i, lims, gs = s.p("score"), s.v("i"), s.v("arr"), s.v("str")
    return [s.decl("int[]", lims, "{90, 80, 70, 60}"), s.decl("char[]", gs, "{'A', 'B', 'C', 'D'}"),
            *s.loop(i, "0", f"{lims}.length", s.if_(f"{x} >= {lims}[{i}]", [f"return {gs}[{i}];"])), "return 'F';"]


def let_ternary(s: JS, c: dict) -> list[str]:
    x = s.p("score")
    return s.ret(f"{x} >= 90 ? 'A' : {x} >= 80 ? 'B' : {x} >= 70 ? 'C' : {x} >= 60 ? 'D' : 'F'", "char")


def med_sort(s: JS, c: dict) -> list[str]:
    a, cp, n = s.p("scores"), s.v("arr"), s.v("n")
    return [s.decl("int[]", cp, f"Arrays.copyOf({a}, {a}.length)"), f"Arrays.sort({cp});", s.decl("int", n, f"{cp}.length"),
            *s.if_(f"{n} % 2 == 1", [f"return {cp}[{n} / 2];"],
                   s.ret(f"({cp}[{n} / 2 - 1] + {cp}[{n} / 2]) / 2.0", "double"))]


def med_bubble(s: JS, c: dict) -> list[str]:
    a, cp, i, j, t, n = s.p("scores"), s.v("arr"), s.v("i"), s.v("j"), s.v("tmp"), s.v("n")
    swap = s.if_(f"{cp}[{j}] > {cp}[{j} + 1]", [s.decl("int", t, f"{cp}[{j}]"), f"{cp}[{j}] = {cp}[{j} + 1];",
                                                 f"{cp}[{j} + 1] = {t};"])
    return [s.decl("int[]", cp, f"{a}.clone()"), s.decl("int", n, f"{cp}.length"),
            *s.loop(i, "0", f"{n} - 1", s.loop(j, "0", f"{n} - 1 - {i}", swap)),
            *s.if_(f"{n} % 2 == 0", s.ret(f"({cp}[{n} / 2 - 1] + {cp}[{n} / 2]) / 2.0", "double"),
                   [f"return {cp}[{n} / 2];"])]


def med_stream(s: JS, c: dict) -> list[str]:
    a, srt, mid = s.p("scores"), s.v("arr"), s.v("k")
    return [s.decl("int[]", srt, f"Arrays.stream({a}).sorted().toArray()"), s.decl("int", mid, f"{srt}.length / 2"),
            *s.ret(f"{srt}.length % 2 == 0 ? ({srt}[{mid} - 1] + {srt}[{mid}]) / 2.0 : {srt}[{mid}]", "double")]


def hist_index(s: JS, c: dict) -> list[str]:
    a, h = s.p("scores"), s.v("arr")
    return [s.decl("int[]", h, "new int[10]"),
            *s.each(a, "int", lambda e: [f"{h}[Math.min({e} / 10, 9)]++;"]), *s.ret(h, "int[]")]


def hist_buckets(s: JS, c: dict) -> list[str]:
    a, h, b = s.p("scores"), s.v("arr"), s.v("k")
    return [s.decl("int[]", h, "new int[10]"),
            *s.loop(b, "0", "10", s.each(a, "int", lambda e: s.if_(
                f"{e} / 10 == {b} || ({b} == 9 && {e} == 100)", [s.inc(f"{h}[{b}]")]))),
            *s.ret(h, "int[]")]


def hist_bounds(s: JS, c: dict) -> list[str]:
    a, h, idx = s.p("scores"), s.v("arr"), s.v("k")
    def body(e: str) -> list[str]:
        return [s.decl("int", idx, f"{e} / 10"), *s.if_(f"{idx} > 9", [f"{idx} = 9;"]),
                *s.if_(f"{idx} >= 0", [f"{h}[{idx}] += 1;"])]
    return [s.decl("int[]", h, "new int[10]"), *s.each(a, "int", body), *s.ret(h, "int[]")]


def pass_loop(s: JS, c: dict) -> list[str]:
    a, p, n = s.p("scores"), s.p("pass"), s.v("cnt")
    return [*s.if_(f"{a}.length == 0", ["return 0;"]), s.decl("int", n, "0"),
            *s.each(a, "int", lambda e: s.if_(f"{e} >= {p}", [s.inc(n)])),
            *s.ret(f"100.0 * {n} / {a}.length", "double")]


def pass_stream(s: JS, c: dict) -> list[str]:
    a, p = s.p("scores"), s.p("pass")
    return [*s.if_(f"{a}.length == 0", ["return 0.0;"]),
            *s.ret(f"Arrays.stream({a}).filter(x -> x >= {p}).count() * 100.0 / {a}.length", "double")]


def pass_fail(s: JS, c: dict) -> list[str]:
    a, p, f, i = s.p("scores"), s.p("pass"), s.v("cnt"), s.v("i")
    return [s.decl("int", f, "0"), *s.loop(i, "0", f"{a}.length", s.if_(f"{a}[{i}] < {p}", [s.inc(f)])),
            *s.if_(f"{a}.length > 0", s.ret(f"({a}.length - {f}) * 100.0 / {a}.length", "double"), ["return 0;"])]


def content_grades(rng: random.Random) -> dict:
    decls = [("int[]", java_array(rand_ints(rng, 20, 100, (5, 10)))) for _ in range(rng.randint(1, 2))]
    decls.append(("int", str(rng.choice([50, 55, 60, 65]))))
    pools = {
        "letter": ["Letter: ", "Grade for first: ", "letter = ", "First student got "],
        "median": ["Median: ", "median = ", "The median is ", "Middle score: "],
        "histogram": ["Histogram: ", "Buckets: ", "hist = ", "Distribution: "],
        "passRate": ["Pass rate: ", "Passed %: ", "rate = ", "Percentage passed: "],
    }
    last = len(decls) - 1
    prints = []
    for k in range(last):
        for m in rng.sample(list(pools), k=rng.randint(2, 4)):
            expr = {"letter": f"letter({{v{k}}}[0])", "median": f"median({{v{k}}})",
                    "histogram": f"Arrays.toString(histogram({{v{k}}}))",
                    "passRate": f"passRate({{v{k}}}, {{v{last}}})"}[m]
            prints.append((pick_msg(rng, pools[m]), expr))
    return {"decls": decls, "prints": prints, "print_style": rng.choice(["concat", "concat", "split", "valueof"])}


GRADES = Exercise(
    cls="GradeBook",
    doc="Exercise 6: grade statistics for a class.",
    methods=[
        Method("letter", "public static char letter(int {score})", ["score"], "A (>= 90), B, C, D (>= 60) or F.",
               ["// YOUR CODE HERE", "return 'F';"], [let_chain, let_switch, let_table, let_ternary]),
        Method("median", "public static double median(int[] {scores})", ["scores"],
               "Median of a non-empty array (mean of the two middle values if even).",
               ["// YOUR CODE HERE", "return 0;"], [med_sort, med_bubble, med_stream]),
        Method("histogram", "public static int[] histogram(int[] {scores})", ["scores"],
               "Counts per decade 0-9, 10-19, ..., 90-100 (10 buckets).",
               ["// YOUR CODE HERE", "return new int[10];"], [hist_index, hist_buckets, hist_bounds]),
        Method("passRate", "public static double passRate(int[] {scores}, int {pass})", ["scores", "pass"],
               "Percentage of scores >= pass (0 for no scores).", ["// YOUR CODE HERE", "return 0;"],
               [pass_loop, pass_stream, pass_fail]),
    ],
    content=content_grades,
)

EXERCISES = [ARRAY_STATS, STRING_TOOLS, PRIMES, MATRIX, BANK, GRADES]


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------

def skeleton(ex: Exercise) -> str:
    """The starter file handed out to students."""
    lines = ["import java.util.*;", "", "/**", f" * {ex.doc}", " * Complete the methods below. Do not change their signatures.",
             " */", f"public class {ex.cls} {{", ""]
    names = {f: f.removesuffix("_f") for f in ex.field_names}
    for f in ex.fields:
        lines.append("    " + f.format(**names))
    if ex.fields:
        lines.append("")
    for m in ([ex.ctor] if ex.ctor else []) + ex.methods:
        lines += [f"    /** {m.doc} */", "    " + m.sig.format(**{p: p for p in m.params}) + " {",
                  *indent(m.stub, 2), "    }", ""]
    if ex.fields:
        lines += ["    public double getBalance() {", "        return balance;", "    }", ""]
    lines += ["    public static void main(String[] args) {", "        // YOUR CODE HERE: try your methods here", "    }", "}", ""]
    return "\n".join(lines)


@dataclass
class Student:
    """An independent solution: choices that a copier may take over."""

    variants: dict[str, int]
    guards: dict[str, bool]
    opts: dict[str, int]
    content: dict
    order: list[str]
    habits: Habits


def pick_variant(rng: random.Random, n: int) -> int:
    """Most students write the textbook solution (variant 0); fewer take the other routes."""
    return rng.choices(range(n), weights=[5, 3, 2, 1.5][:n])[0]


def draw_student(ex: Exercise, rng: random.Random) -> Student:
    all_methods = ([ex.ctor] if ex.ctor else []) + ex.methods
    order = [m.name for m in ex.methods]
    if rng.random() < 0.25:
        rng.shuffle(order)
    return Student(
        variants={m.name: pick_variant(rng, len(m.variants)) for m in all_methods},
        guards={m.name: rng.random() < 0.3 for m in all_methods},
        opts={m.name: rng.randrange(6) for m in all_methods},
        content=ex.content(rng),
        order=order,
        habits=Habits.draw(rng),
    )


def disguise(ex: Exercise, src: Student, rng: random.Random, strength: int) -> Student:
    """A copy of ``src`` disguised by hand: renamed, restyled, reordered, partly rewritten."""
    st = Student(dict(src.variants), dict(src.guards), dict(src.opts),
                 perturb_content(rng, src.content, strength), list(src.order), src.habits.disguised(rng, strength))
    if strength >= 1:
        rng.shuffle(st.order)
    if strength >= 2:
        # rewrite one or two methods independently (a partial copy)
        all_methods = ([ex.ctor] if ex.ctor else []) + ex.methods
        for m in rng.sample(all_methods, k=1 if strength == 2 else 2):
            st.variants[m.name] = pick_variant(rng, len(m.variants))
            st.guards[m.name] = rng.random() < 0.3
    if strength >= 3:
        # main reworked further, more dead code and swapped branches
        st.content = perturb_content(rng, st.content, 2)
        st.habits.dead_rate = 0.35
        st.habits.swap_if = 0.8
    return st


def render(ex: Exercise, st: Student, seed: int) -> str:
    """The student's finished file, written under their habits."""
    rng = random.Random(seed)
    s = JS(rng=rng, habits=st.habits)
    h = st.habits
    renamed = {}
    for f in ex.field_names:
        base = f.removesuffix("_f")
        alts = {"owner": ["name", "holder", "ownerName"], "balance": ["bal", "amount", "money"],
                "history": ["log", "transactions", "entries"]}[base]
        renamed[f] = rng.choice(alts) if rng.random() < h.rename_params else base
    reserved = {m.name for m in ex.methods} | set(renamed.values()) | {"args"}

    def method_lines(m: Method) -> list[str]:
        params = {p: (rng.choice(PARAM_ALTS[p]) if rng.random() < h.rename_params else p) for p in m.params}
        s.start_method({**params, **renamed}, reserved)
        c = {**st.content, "guard": st.guards[m.name], "opt": st.opts[m.name]}
        body = m.variants[st.variants[m.name]](s, c)
        body = s.sprinkle(body)
        out = []
        if h.keep_javadoc:
            out.append(f"/** {m.doc} */")
        elif rng.random() < h.comment_rate * 2:
            out.append(f"// {m.name}")
        sig = m.sig.format(**params)
        return out + s.block(sig, body)

    members: list[list[str]] = []
    if ex.fields:
        members.append([f.format(**renamed) for f in ex.fields])
    if ex.ctor:
        members.append(method_lines(ex.ctor))
    by_name = {m.name: m for m in ex.methods}
    for name in st.order:
        members.append(method_lines(by_name[name]))
    if ex.fields:
        members.append(s.block("public double getBalance()", [f"return {renamed['balance_f']};"]))
    s.start_method({}, reserved)
    main = s.sprinkle(render_main(s, st.content))
    members.append(s.block("public static void main(String[] args)", main))
    helpers = list(s.helpers)
    # helpers go next to the method that needs them or at the end, per student
    for hl in helpers:
        pos = rng.randrange(1, len(members) + 1) if rng.random() < 0.5 else len(members)
        members.insert(pos, hl)
    imports = ["import java.util.*;"] + sorted(f"import {i};" for i in s.imports)
    lines = imports + [""]
    if h.keep_javadoc:
        lines += ["/**", f" * {ex.doc}", " * Complete the methods below. Do not change their signatures.", " */"]
    lines += ([f"public class {ex.cls}", "{"] if h.allman else [f"public class {ex.cls} {{"])
    for mem in members:
        lines += indent(mem)
        lines.append("")
    lines.append("}")
    return "\n".join(lines) + "\n"
