"""The gradebook assignment written by many independent students, for the scale benchmarks.

``gen_python`` draws each function from 3-4 hand-written variants, so after the engine's
normalizations two independent students often share whole functions. Real independent work
shares only short idioms. Here a student composes every function from many independent
choices, each drawn from the student's own seed for that function:

- per statement: the algorithm, guard clauses or none, an accumulator loop, a comprehension
  or a builtin, intermediate variables or an inlined expression, steps extracted into helper
  functions of their own or written inline, the order of statements that do not depend on
  each other;
- per function: extra features of the student's own (input validation, logging, rounding,
  extra keyword options);
- per student: up to three functions of their own (each a small random program over the
  scores, names or records, 4 to 50 lines) beside the required ones.

``POPULARITY``, ``OWN_FUNCTIONS`` and ``EAGERNESS`` were tuned so that unrelated pairs score
0.3 and 0.5 or more about as often as the real java_pairs set's (``run.py realism``).

A copy keeps its source's per-function seeds (so the same code structure) and its own
functions, under the disguise of ``gen_python``: new names and habits, restyled, moved
between renamed files, reordered, dead code, part of the functions written anew.
"""

from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass

import gen_python as gp
from pylib_variants import CALLS

VERSION = 1  # bump when the generated code changes, to invalidate cached cohorts

REQUIRED = ["mean", "median", "stdev", "letter_grade", "top_n", "group_by_letter", "histogram",
            "normalize_name", "is_valid_email", "format_table"]
PARAMS = {"mean": ["values"], "median": ["values"], "stdev": ["values"], "letter_grade": ["score"],
          "top_n": ["students", "n"], "group_by_letter": ["students"], "histogram": ["scores"],
          "normalize_name": ["name"], "is_valid_email": ["email"], "format_table": ["rows", "headers"]}
# The value a function falls back on (for guard clauses and validation of its first argument).
EMPTY = {"mean": "0.0", "median": "0.0", "stdev": "0.0", "letter_grade": "'F'", "top_n": "[]",
         "group_by_letter": "{}", "histogram": "[]", "normalize_name": "''", "is_valid_email": "False",
         "format_table": "''"}
KIND = {"values": "numbers", "scores": "numbers", "students": "records", "rows": "rows", "score": "number",
        "name": "text", "email": "text"}


# How strongly students favour the first, textbook option of each choice in the required
# functions: option i is drawn with weight 1 / (i + 1) ** POPULARITY (0 = all alike). Real
# classes converge on the common ways; tuned so that the share of unrelated pairs scoring 0.3 or
# more is of the order of the real java_pairs set's (docs/benchmarks.md, "The scale cohort").
POPULARITY = 2.0
# How many functions of their own a student writes (drawn from the list), and how readily they
# add validation, logging, guards and rounding to the required ones (0-1).
OWN_FUNCTIONS = [0, 0, 0, 1, 1, 2, 3]
EAGERNESS = 0.4


class Popular(random.Random):
    """A seeded random source whose ``choice`` and ``randrange(n)`` favour the first options."""

    def _index(self, n: int) -> int:
        if n <= 1 or not POPULARITY:
            return self._randbelow(n) if n > 0 else 0
        weights = [1 / (i + 1) ** POPULARITY for i in range(n)]
        return self.choices(range(n), weights)[0]

    def choice(self, seq):  # type: ignore[override]
        return seq[self._index(len(seq))]

    def randrange(self, start, stop=None, step=1):  # type: ignore[override]
        return self._index(start) if stop is None and step == 1 else super().randrange(start, stop, step)


class Code:
    """Lines of one function body (4-space indents), and helper functions it defines beside it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.helpers: list[str] = []
        self.imports: set[str] = set()

    def add(self, text: str, indent: int = 0) -> None:
        for line in text.strip("\n").splitlines():
            self.lines.append("    " * indent + line)


def helper_name(r: random.Random, stem: str) -> str:
    return r.choice(["_", "", "calc_", "get_", "do_", "compute_", "my_"]) + stem + r.choice(["", "", "_of", "_helper", "2"])


# ---------------------------------------------------------------------------------------
# the required functions: each a composition of independent choices
# ---------------------------------------------------------------------------------------

def sum_into(r: random.Random, c: Code, target: str, seq: str, expr: str = "item") -> None:
    """``target = sum(expr for item in seq)`` in one of many ways."""
    way = r.randrange(6)
    if way == 0:
        c.add(f"{target} = sum({seq})" if expr == "item" else f"{target} = sum({expr} for item in {seq})")
    elif way == 1:
        c.add(f"{target} = 0\nfor item in {seq}:\n    {target} += {expr}")
    elif way == 2:
        c.add(f"{target} = 0.0\nfor i in range(len({seq})):\n    item = {seq}[i]\n    {target} = {target} + {expr}")
    elif way == 3:
        c.imports.add("import math")
        c.add(f"{target} = math.fsum([{expr} for item in {seq}])")
    elif way == 4:
        c.imports.add("from functools import reduce")
        c.add(f"{target} = reduce(lambda acc, item: acc + {expr}, {seq}, 0)")
    else:
        c.add(f"{target} = 0\ni = 0\nwhile i < len({seq}):\n    item = {seq}[i]\n    {target} += {expr}\n    i += 1")


def build_mean(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    if alg == 0:
        c.imports.add("import statistics")
        c.add(r.choice(["return statistics.mean(values)", "return statistics.fmean(values)",
                        "avg = statistics.fmean(values)\nreturn avg"]))
        return
    if alg == 1:
        c.add("acc = 0.0")
        c.add(r.choice(["for i, item in enumerate(values):\n    acc += (item - acc) / (i + 1)",
                        "count = 0\nfor item in values:\n    count += 1\n    acc = acc + (item - acc) / count"]))
        c.add("return acc")
        return
    count_first = r.random() < 0.5
    count_line = r.choice(["count = len(values)", "count = len(values) or 1", "count = float(len(values))"])
    if count_first:
        c.add(count_line)
    if r.random() < 0.3:
        name = helper_name(r, "total")
        c.helpers.append(f"def {name}(values):\n" + r.choice(["    return sum(values)",
                                                               "    t = 0\n    for v in values:\n        t += v\n    return t"]))
        c.add(f"total = {name}(values)")
    else:
        sum_into(r, c, "total", "values")
    if not count_first:
        c.add(count_line)
    c.add(r.choice(["return total / count", "avg = total / count\nreturn avg",
                    "return float(total) / count", "return total / count if count else 0.0"]))


def build_median(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    if alg == 0:
        c.imports.add("import statistics")
        c.add("return statistics.median(values)")
        return
    c.add(r.choice(["ordered = sorted(values)", "ordered = list(values)\nordered.sort()",
                    "ordered = sorted(values, reverse=True)", "ordered = values[:]\nordered.sort()"]))
    c.add(r.choice(["n = len(ordered)", "n = len(values)"]))
    if alg == 1:
        c.add("mid = n // 2")
        odd = r.choice(["n % 2 == 1", "n % 2", "n % 2 != 0", "n & 1"])
        even = r.choice(["(ordered[mid - 1] + ordered[mid]) / 2", "sum(ordered[mid - 1:mid + 1]) / 2.0",
                         "(ordered[mid] + ordered[mid - 1]) * 0.5"])
        if r.random() < 0.5:
            c.add(f"if {odd}:\n    return ordered[mid]\nreturn {even}")
        else:
            c.add(f"if {odd}:\n    result = ordered[mid]\nelse:\n    result = {even}\nreturn result")
    elif alg == 2:
        c.add("lo = (n - 1) // 2\nhi = n // 2")
        c.add(r.choice(["return (ordered[lo] + ordered[hi]) / 2", "return sum(ordered[lo:hi + 1]) / (hi - lo + 1)"]))
    else:
        c.add("while len(ordered) > 2:\n    ordered = ordered[1:-1]")
        c.add(r.choice(["return sum(ordered) / len(ordered)", "return (ordered[0] + ordered[-1]) / 2"]))


def build_stdev(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    if alg == 0:
        c.imports.add("import statistics")
        c.add(r.choice(["return statistics.pstdev(values)", "return statistics.stdev(values) if len(values) > 1 else 0.0"]))
        return
    if alg == 1:  # Welford
        c.add("count = 0\navg = 0.0\nacc = 0.0")
        c.add("for item in values:\n    count += 1\n    delta = item - avg\n    avg += delta / count\n    acc += delta * (item - avg)")
        c.add(r.choice(["return (acc / count) ** 0.5", "return math.sqrt(acc / count)"]))
        c.imports.add("import math")
        return
    avg_line = r.choice(["avg = mean(values)", "avg = sum(values) / len(values)"])
    c.add(avg_line)
    if alg == 2:
        sum_into(r, c, "total_sq", "values", r.choice(["(item - avg) ** 2", "(item - avg) * (item - avg)", "abs(item - avg) ** 2"]))
    else:
        c.add(r.choice(["squares = [(item - avg) ** 2 for item in values]",
                        "squares = list(map(lambda item: (item - avg) ** 2, values))",
                        "squares = []\nfor item in values:\n    squares.append((item - avg) ** 2)"]))
        c.add("total_sq = sum(squares)")
    var = r.choice(["total_sq / len(values)", "total_sq / (len(values) - 1)", "total_sq / max(1, len(values))"])
    c.imports.add("import math")
    c.add(r.choice([f"return math.sqrt({var})", f"variance = {var}\nreturn variance ** 0.5",
                    f"return ({var}) ** 0.5"]))


def bounds_table(r: random.Random) -> tuple[list[tuple[int, str]], str]:
    cuts = r.choice([[90, 80, 70, 60], [85, 70, 55, 40], [90, 75, 60, 50], [80, 65, 50, 40], [93, 85, 75, 65]])
    letters = ["A", "B", "C", "D"]
    return list(zip(cuts, letters)), r.choice(["F", "E", "F", "U"])


def build_letter_grade(r: random.Random, c: Code) -> None:
    table, fail = bounds_table(r)
    alg = r.randrange(4)
    if alg == 0:
        first = True
        for cut, letter in table:
            kw = "if" if first else r.choice(["elif", "if"])
            c.add(f"{kw} score >= {cut}:\n    return {letter!r}")
            first = False
        c.add(f"return {fail!r}")
    elif alg == 1:
        c.helpers.append("GRADE_BOUNDS = " + repr(table if r.random() < 0.5 else [list(t) for t in table]))
        c.add(f"for cutoff, label in GRADE_BOUNDS:\n    if score >= cutoff:\n        return label\nreturn {fail!r}")
    elif alg == 2:
        cuts = sorted(cut for cut, _ in table)
        letters = fail + "".join(reversed([letter for _, letter in table]))
        c.imports.add("import bisect")
        c.add(f"cutoffs = {cuts!r}\nreturn {letters!r}[bisect.bisect_right(cutoffs, score)]")
    else:
        c.add(f"result = {fail!r}")
        for cut, letter in reversed(table):
            c.add(f"if score >= {cut}:\n    result = {letter!r}")
        c.add("return result")


def build_top_n(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    key = r.choice(["lambda record: record.score", "lambda record: -record.score", "attrgetter('score')"])
    if "attrgetter" in key:
        c.imports.add("from operator import attrgetter")
    if alg == 0:
        rev = ", reverse=True" if "-" not in key else ""
        c.add(r.choice([f"return sorted(students, key={key}{rev})[:n]",
                        f"ordered = sorted(students, key={key}{rev})\nreturn ordered[:n]"]))
    elif alg == 1:
        c.imports.add("import heapq")
        c.add("return heapq.nlargest(n, students, key=lambda record: record.score)")
    elif alg == 2:
        c.add("remaining = list(students)\nresult = []")
        c.add(r.choice(["while remaining and len(result) < n:", "for _ in range(min(n, len(remaining))):"]))
        c.add(r.choice(["best = max(remaining, key=lambda record: record.score)",
                        "best = remaining[0]\nfor record in remaining:\n    if record.score > best.score:\n        best = record"]), 1)
        c.add("remaining.remove(best)\nresult.append(best)", 1)
        c.add("return result")
    else:
        c.add("result = []")
        c.add("for record in students:\n    result.append((record.score, record.name, record))")
        c.add(r.choice(["result.sort(reverse=True)", "result.sort(key=lambda t: t[0], reverse=True)"]))
        c.add(r.choice(["return [t[2] for t in result[:n]]", "return [entry[-1] for entry in result][:n]"]))


def build_group_by_letter(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    letter = r.choice(["letter_grade(record.score)", "letter_grade(round(record.score))"])
    if alg == 0:
        c.imports.add("from collections import defaultdict")
        c.add("groups = defaultdict(list)")
        c.add(f"for record in students:\n    groups[{letter}].append(record.name)")
        c.add(r.choice(["return dict(groups)", "return groups"]))
    elif alg == 1:
        c.add("groups = {}")
        c.add(f"for record in students:\n    key = {letter}")
        c.add(r.choice(["if key not in groups:\n    groups[key] = []\ngroups[key].append(record.name)",
                        "groups.setdefault(key, []).append(record.name)",
                        "groups[key] = groups.get(key, []) + [record.name]"]), 1)
        c.add("return groups")
    elif alg == 2:
        c.add(r.choice(["groups = {key: [] for key in 'ABCDF'}", "groups = {key: [] for key in ['A', 'B', 'C', 'D', 'E', 'F']}"]))
        c.add(f"for record in students:\n    groups[{letter}].append(record.name)")
        c.add(r.choice(["return {k: v for k, v in groups.items() if v}", "return groups"]))
    else:
        c.add(f"pairs = sorted(({letter}, record.name) for record in students)")
        c.imports.add("from itertools import groupby")
        c.add("return {key: [name for _, name in group] for key, group in groupby(pairs, key=lambda p: p[0])}")


def build_histogram(r: random.Random, c: Code) -> None:
    width = r.choice([10, 5, 20, 10, 25])
    mark = r.choice(["#", "*", "=", "|", "o"])
    alg = r.randrange(3)
    if alg == 0:
        c.add(f"counts = [0] * {100 // width + 1}")
        c.add(f"for score in scores:\n    counts[min(int(score) // {width}, {100 // width})] += 1")
        c.add(r.choice([f'return [f"{{i * {width}:3d}} {{{mark!r} * k}}" for i, k in enumerate(counts)]',
                        f"lines = []\nfor i, k in enumerate(counts):\n"
                        f"    lines.append(str(i * {width}).rjust(3) + ' ' + {mark!r} * k)\nreturn lines"]))
    elif alg == 1:
        c.imports.add("from collections import Counter")
        c.add(f"counts = Counter(int(score) // {width} * {width} for score in scores)")
        c.add(r.choice([f"return ['%3d %s' % (start, {mark!r} * counts[start]) for start in sorted(counts)]",
                        f"lines = []\nfor start in range(0, 101, {width}):\n    if counts[start]:\n"
                        f"        lines.append(f'{{start}}-{{start + {width - 1}}}: ' + {mark!r} * counts[start])\n"
                        "return lines"]))
    else:
        c.add("lines = []")
        c.add(f"for start in range(0, 100, {width}):")
        c.add(r.choice([f"count = len([s for s in scores if start <= s < start + {width}])",
                        f"count = sum(1 for s in scores if start <= s < start + {width})",
                        f"count = 0\nfor s in scores:\n    if s >= start and s < start + {width}:\n        count += 1"]), 1)
        c.add(r.choice([f"lines.append(f'{{start:>3}} | ' + {mark!r} * count)",
                        f"bar = {mark!r} * count\nlines.append(str(start) + ': ' + bar)"]), 1)
        c.add("return lines")


def build_normalize_name(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    if alg == 0:
        c.add(r.choice(["return ' '.join(part.capitalize() for part in name.split())",
                        "parts = name.strip().split()\nreturn ' '.join([p.capitalize() for p in parts])"]))
    elif alg == 1:
        c.add(r.choice(["return ' '.join(name.split()).title()", "cleaned = ' '.join(name.split())\nreturn cleaned.title()"]))
    elif alg == 2:
        c.add("result = ''\nnew_word = True")
        c.add("for ch in name.strip():")
        c.add("if ch.isspace():\n    if not new_word:\n        result += ' '\n    new_word = True\n"
              "elif new_word:\n    result += ch.upper()\n    new_word = False\nelse:\n    result += ch.lower()", 1)
        c.add("return result.strip()")
    else:
        c.imports.add("import re")
        c.add(r.choice(["cleaned = re.sub(r'\\s+', ' ', name).strip()", "cleaned = re.sub(' +', ' ', name.strip())"]))
        c.add(r.choice(["return re.sub(r'\\b\\w', lambda m: m.group(0).upper(), cleaned.lower())",
                        "return ' '.join(w[:1].upper() + w[1:].lower() for w in cleaned.split(' '))"]))


def build_is_valid_email(r: random.Random, c: Code) -> None:
    alg = r.randrange(4)
    if alg == 0:
        c.imports.add("import re")
        pattern = r.choice([r"[^@\s]+@[^@\s]+\.[a-z]{2,}", r"[\w.+-]+@[\w-]+(\.[\w-]+)+", r"\S+@\S+\.\S+"])
        c.add(r.choice([f"return re.fullmatch(r'{pattern}', email) is not None",
                        f"return bool(re.match(r'^{pattern}$', email))"]))
        return
    if alg == 1:
        c.add(r.choice(["if email.count('@') != 1:\n    return False", "if '@' not in email:\n    return False"]))
        c.add("local, domain = email.rsplit('@', 1)" if r.random() < 0.5 else "local, _, domain = email.partition('@')")
        checks = ["local", "'.' in domain", "not domain.startswith('.')", "not domain.endswith('.')",
                  "' ' not in email", "len(domain.split('.')[-1]) >= 2"]
        picked = r.sample(checks, r.randint(2, 5))
        c.add(r.choice([f"return {' and '.join(picked)}",
                        "\n".join(f"if not ({p}):\n    return False" for p in picked) + "\nreturn True"]))
        return
    if alg == 2:
        c.add("at = email.find('@')\ndot = email.rfind('.')")
        c.add(r.choice(["return 0 < at < dot - 1 and dot < len(email) - 1",
                        "if at <= 0 or dot < at:\n    return False\nreturn dot != len(email) - 1"]))
        return
    c.helpers.append("ALLOWED = set('abcdefghijklmnopqrstuvwxyz0123456789._-+@')")
    c.add(r.choice(["for ch in email.lower():\n    if ch not in ALLOWED:\n        return False",
                    "if any(ch not in ALLOWED for ch in email.lower()):\n    return False"]))
    c.add("parts = email.split('@')\nreturn len(parts) == 2 and all(parts) and '.' in parts[1]")


def build_format_table(r: random.Random, c: Code) -> None:
    alg = r.randrange(3)
    sep = r.choice(["' | '", "'  '", "' '", "'\\t'", "' ; '"])
    if alg == 0:
        c.add(r.choice(["widths = [len(str(h)) for h in headers]",
                        "widths = []\nfor h in headers:\n    widths.append(len(str(h)))"]))
        c.add("for row in rows:\n    for i, cell in enumerate(row):\n        widths[i] = max(widths[i], len(str(cell)))")
    elif alg == 1:
        c.add("columns = list(zip(headers, *rows))")
        c.add("widths = [max(len(str(cell)) for cell in column) for column in columns]")
    else:
        c.add("widths = {}")
        c.add("for row in [headers] + [list(row) for row in rows]:\n    for i in range(len(row)):\n"
              "        widths[i] = max(widths.get(i, 0), len(str(row[i])))")
    just = r.choice(["ljust", "rjust", "center"])
    line = r.choice([f"{sep}.join(str(cell).{just}(widths[i]) for i, cell in enumerate(row))",
                     f"{sep}.join([str(row[i]).{just}(widths[i]) for i in range(len(row))])"])
    if r.random() < 0.4:
        name = helper_name(r, "fmt_row")
        c.helpers.append(f"def {name}(row, widths):\n    return {line}")
        line = f"{name}(row, widths)"
    c.add("out = []")
    c.add(f"for row in [headers] + list(rows):\n    out.append({line})")
    if r.random() < 0.5:
        c.add(r.choice(["out.insert(1, '-' * len(out[0]))", "out.insert(1, '=' * max(len(x) for x in out))"]))
    c.add(r.choice(["return '\\n'.join(out)", "text = '\\n'.join(out)\nreturn text", "return '\\n'.join(out) + '\\n'"]))


BUILDERS = {t: globals()[f"build_{t}"] for t in REQUIRED}


# ---------------------------------------------------------------------------------------
# extra features a student adds to a function of their own accord
# ---------------------------------------------------------------------------------------

def guard(r: random.Random, task: str, first: str) -> str:
    kind = KIND[first]
    empty = EMPTY[task]
    if kind in ("numbers", "records", "rows"):
        test = r.choice([f"not {first}", f"len({first}) == 0", f"{first} is None or len({first}) == 0",
                         f"{first} is None"])
    elif kind == "number":
        test = r.choice([f"{first} is None", f"{first} < 0", f"not isinstance({first}, (int, float))"])
    else:
        test = r.choice([f"not {first}", f"{first} is None", f"not {first}.strip()", f"not isinstance({first}, str)"])
    action = r.choice([f"return {empty}", f"raise ValueError({r.choice(gp.GUARD_MSGS)!r})",
                       f"raise TypeError('{first}: ' + {r.choice(gp.GUARD_MSGS)!r})"])
    return f"if {test}:\n    {action}"


def validation(r: random.Random, first: str) -> str:
    kind = KIND[first]
    if kind == "numbers":
        return r.choice([
            f"for item in {first}:\n    if not isinstance(item, (int, float)):\n        raise TypeError('not a number: %r' % (item,))",
            f"{first} = [float(item) for item in {first} if item is not None]",
            f"if any(item < 0 for item in {first}):\n    raise ValueError('negative score')",
            f"{first} = [item for item in {first} if {r.randint(0, 10) * -1} <= item <= {r.choice([100, 110, 120])}]",
        ])
    if kind == "records":
        return r.choice([f"{first} = [record for record in {first} if record.name]",
                         f"for record in {first}:\n    assert hasattr(record, 'score'), record",
                         f"{first} = list({first})"])
    if kind == "rows":
        return r.choice(["rows = [list(row) for row in rows]",
                         "for row in rows:\n    if len(row) != len(headers):\n        raise ValueError('ragged row')"])
    if kind == "number":
        return r.choice([f"{first} = float({first})", f"{first} = max(0, min(100, {first}))",
                         f"if {first} > 100:\n    {first} = 100"])
    return r.choice([f"{first} = str({first})", f"{first} = {first}.strip()", f"if len({first}) > 254:\n    return EMPTY_MARK"]).replace(
        "EMPTY_MARK", "False" if first == "email" else "''")


def log_line(r: random.Random, task: str, first: str, style: str) -> str:
    if style == "logging":
        return r.choice([f"logger.debug('{task}(%s)', {first})", f"log.info('{task} called with %d chars', len(str({first})))",
                         f"logger.debug('computing {task}')"]).replace("log.", "logger.")
    return r.choice([f"if verbose:\n    print('{task}:', {first})", f"if verbose:\n    print(f'-> {task}({{{first}!r}})')"])


# ---------------------------------------------------------------------------------------
# functions of the student's own: a small random program
# ---------------------------------------------------------------------------------------

VERBS = ["count", "scale", "filter", "find", "rank", "score", "clip", "shift", "bucket", "summarize", "pick",
         "weight", "smooth", "split", "merge", "tally", "trim", "spread", "check", "flag"]
NOUNS = ["scores", "marks", "names", "values", "outliers", "passes", "fails", "bonus", "ranks", "gaps",
         "levels", "initials", "words", "letters", "deltas", "peaks", "runs", "totals"]


def own_expr(r: random.Random, var: str, depth: int = 0) -> str:
    k = r.choice([2, 3, 5, 10, 0.5, 1.5, 100, 7, 0.1, 4, 60, 50])
    options = [f"{var} * {k}", f"{var} - {k}", f"abs({var} - {k})", f"round({var} / {k}, 2)", f"{var} ** 2",
               f"min({var}, {k})", f"max({var}, {k})", f"{var} // {max(2, int(k))}", f"({var} + {k}) / 2",
               f"int({var})", f"{var} % {max(2, int(k))}", f"float({var}) * {k}"]
    e = r.choice(options)
    return own_expr(r, f"({e})", depth + 1) if depth < 1 and r.random() < 0.3 else e


def own_function(r: random.Random, name: str) -> tuple[str, str]:
    """A random function over scores, names or records: (source, its call in main)."""
    kind = r.choice(["scores", "scores", "names", "students"])
    param = {"scores": "values", "names": "text", "students": "students"}[kind]
    extra = r.random() < 0.4
    sig = f"def {name}({param}" + (f", limit={r.choice([3, 5, 10, 50, 70])}" if extra else "") + "):"
    body: list[str] = []
    size = r.choice([1, 2, 2, 3, 4, 6])
    acc_kinds = r.sample(["total", "count", "out", "best", "seen"], r.randint(1, 3))
    for a in acc_kinds:
        body.append({"total": "total = 0", "count": "count = 0", "out": "out = []", "best": "best = None",
                     "seen": "seen = {}"}[a])
    for _ in range(size):
        if kind == "scores":
            loop, var = "for x in values:", "x"
        elif kind == "names":
            loop, var = r.choice([("for w in text.split():", "w"), ("for ch in text:", "ch")])
        else:
            loop, var = "for st in students:", "st.score"
        inner: list[str] = []
        for _ in range(r.randint(1, 3)):
            a = r.choice(acc_kinds)
            num = var if kind != "names" else f"len({var})"
            cond = r.choice(["", f"if {num} > {r.randint(1, 90)}:", f"if {num} % 2 == 0:", f"if {num} != {r.randint(0, 9)}:",
                             "if limit and total > limit:" if extra and "total" in acc_kinds else ""])
            stmt = {"total": f"total += {own_expr(r, num)}", "count": "count += 1",
                    "out": f"out.append({own_expr(r, num) if r.random() < 0.7 else var})",
                    "best": f"best = {num} if best is None or {num} > best else best",
                    "seen": f"seen[{var if kind == 'names' else own_expr(r, num)}] = "
                            f"seen.get({var if kind == 'names' else own_expr(r, num)}, 0) + 1"}[a]
            if cond:
                inner += [cond, "    " + stmt]
            else:
                inner.append(stmt)
        body.append(loop)
        body += ["    " + line for line in inner]
        if r.random() < 0.3:
            body.append(r.choice(["if count:\n    total = total / count" if "count" in acc_kinds and "total" in acc_kinds else "pass",
                                  "out.sort()" if "out" in acc_kinds else "pass",
                                  f"out = out[:{r.randint(2, 9)}]" if "out" in acc_kinds else "pass"]))
    ret = r.choice(acc_kinds)
    body.append(r.choice([f"return {ret}", f"return {ret}, {r.choice(acc_kinds)}" if len(acc_kinds) > 1 else f"return {ret}"]))
    src = sig + "\n" + "\n".join("    " + ln for line in body for ln in line.splitlines() if ln != "pass")
    call = {"scores": "scores", "names": "' '.join(s.name for s in students)", "students": "students"}[kind]
    return src, f"{name}({call})"


# ---------------------------------------------------------------------------------------
# a student: their choices, and the rendering of their files
# ---------------------------------------------------------------------------------------

@dataclass
class ScaleStudent:
    seeds: dict[str, int]  # task -> seed of that function's structure
    features: dict[str, tuple[bool, bool, bool, bool]]  # task -> guard, validation, logging, rounding
    log_style: str  # "print" (a verbose option) or "logging"
    own: list[int]  # seeds of the student's own functions
    modules: dict[str, str]  # function -> module name
    order: list[str]
    habits: gp.PyHabits
    messages: dict[str, str]
    keep_utils: bool = True
    keep_readme: bool = True
    banner: str = ""
    render_seed: int = 0


def draw_student(rng: random.Random) -> ScaleStudent:
    eager = rng.random() * EAGERNESS  # how much a student adds beyond the spec
    own = [rng.randrange(1 << 30) for _ in range(rng.choice(OWN_FUNCTIONS))]
    tasks = REQUIRED + [f"own{i}" for i in range(len(own))]
    order = list(tasks)
    if rng.random() < 0.6:
        rng.shuffle(order)
    n_modules = rng.randint(2, 6)
    names = rng.sample(gp.MODULE_NAMES, n_modules)
    topic = {t: gp.TOPIC.get(t, "extra") for t in tasks}
    topics = sorted(set(topic.values()))
    topic_module = {tp: names[i % n_modules] for i, tp in enumerate(rng.sample(topics, len(topics)))}
    return ScaleStudent(
        seeds={t: rng.randrange(1 << 30) for t in REQUIRED},
        features={t: (rng.random() < eager * 0.7, rng.random() < eager * 0.5, rng.random() < eager * 0.4,
                      rng.random() < eager * 0.3) for t in REQUIRED},
        log_style=rng.choice(["print", "logging"]),
        own=own,
        modules={t: topic_module[topic[t]] if rng.random() < 0.8 else rng.choice(names) for t in tasks},
        order=order, habits=gp.PyHabits.draw(rng),
        messages={t: rng.choice(CALLS[t][1]) for t in REQUIRED},
        keep_utils=rng.random() < 0.85, keep_readme=rng.random() < 0.5,
        banner=rng.choice(["", "", "Gradebook", "Results", "== Report =="]), render_seed=rng.randrange(1 << 30),
    )


def disguise(src: ScaleStudent, rng: random.Random, strength: int, partial: float = 0.0) -> ScaleStudent:
    """A copy of ``src`` with ``gen_python``'s disguise: the same structure under new habits and
    names, functions moved between renamed files, reordered, part of the functions written anew."""
    st = copy.deepcopy(src)
    st.habits = src.habits.disguised(rng, strength)
    st.render_seed = rng.randrange(1 << 30)
    rng.shuffle(st.order)
    n = max(2, len(set(src.modules.values())) + rng.choice([-1, 0, 1, 1]))
    new = rng.sample(gp.MODULE_NAMES, n)
    old_to_new = {m: new[i % n] for i, m in enumerate(sorted(set(src.modules.values())))}
    st.modules = {t: (old_to_new[m] if rng.random() < 0.6 else rng.choice(new)) for t, m in src.modules.items()}
    if partial:
        for t in rng.sample(REQUIRED, int(round(len(REQUIRED) * partial))):
            st.seeds[t] = rng.randrange(1 << 30)
    if strength >= 1:
        for t in rng.sample(REQUIRED, 3):
            st.messages[t] = rng.choice(CALLS[t][1])
    st.keep_readme = rng.random() < 0.5
    return st


FIXED = set(REQUIRED) | {"math", "statistics", "re", "heapq", "bisect", "Counter", "defaultdict", "reduce", "attrgetter",
                         "groupby", "logger", "logging", "verbose", "digits", "limit", "GRADE_BOUNDS", "ALLOWED"} \
    | set(dir(__import__("builtins")))


# The helper behind a ``digits`` option, written once in each module that needs it.
ROUNDING = ["def _rounded(x, digits):\n    return x if digits is None else round(x, digits)",
            "def _rounded(x, digits):\n    if digits is None:\n        return x\n    return round(x, digits)",
            "def _rounded(x, digits):\n    return round(x, digits) if digits is not None else x"]


def function_source(st: ScaleStudent, task: str) -> tuple[str, set[str], bool]:
    """One required function (and its helpers) before the student's styling: its source, its
    imports, and whether it rounds its result with the module's ``_rounded``."""
    r = Popular(st.seeds[task])
    c = Code()
    BUILDERS[task](r, c)
    want_guard, want_valid, want_log, want_round = st.features[task]
    params = list(PARAMS[task])
    first = params[0]
    head = Code()
    steps = []
    if want_guard:
        steps.append(guard(r, task, first))
    if want_valid:
        steps.append(validation(r, first))
    if want_log:
        steps.append(log_line(r, task, first, st.log_style))
        if st.log_style == "print":
            params.append("verbose=False")
        else:
            c.imports.add("import logging")
    if len(steps) > 1 and r.random() < 0.5:
        steps = [steps[1], steps[0], *steps[2:]]  # validation before the guard: order of the student's own
    for s in steps:
        head.add(s)
    lines = head.lines + c.lines
    if want_round and task in ("mean", "median", "stdev"):
        params.append(f"digits={r.choice(['None', '2', '3'])}")
        lines = [ln.replace("return ", "return _rounded(", 1) + ", digits)" if ln.lstrip().startswith("return ") else ln
                 for ln in lines]
    src = f"def {task}({', '.join(params)}):\n" + "\n".join("    " + ln for ln in lines)
    rounds = want_round and task in ("mean", "median", "stdev")
    return "\n\n\n".join([*c.helpers, src]), c.imports, rounds


def local_names(tree: ast.AST) -> set[str]:
    """Parameters and assigned names: what a student names freely (one walk; this code has no
    classes, so ``gen_python.local_names``'s class fields need no second pass)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def styled(code: str, st: ScaleStudent, r: random.Random, task: str) -> str:
    """The student's names and habits over one function's code."""
    h = st.habits
    tree = ast.parse(code)
    fixed = FIXED | {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    mapping = gp._choose_names(r, local_names(tree) - fixed, h, fixed)
    tree = gp.Rename(mapping).visit(tree)
    tree = gp.Restyle(r, h.p_while, h.p_swap, h.p_aug, h.p_comp_loop, h.p_loop_comp, h.p_dead, h.p_guard,
                      h.p_temp, h.p_boolexp, h.guard_msg, h.temp_name).visit(tree)
    for node in tree.body:
        if (isinstance(node, ast.FunctionDef) and node.name == task and task in gp.DOCS
                and r.random() < h.docstrings):
            node.body.insert(0, ast.Expr(ast.Constant(r.choice(gp.DOCS[task]))))
    ast.fix_missing_locations(tree)
    return gp.add_comments(ast.unparse(tree), r, h.comments)


def render(st: ScaleStudent) -> dict[str, str]:
    """All files of one submission: {relative path: text}."""
    r = random.Random(st.render_seed)
    units: dict[str, str] = {}
    imports: dict[str, set[str]] = {}
    calls: dict[str, str] = {}
    api: dict[str, str] = {}  # task -> its function's name
    rounding: set[str] = set()  # tasks calling their module's _rounded
    for t in st.order:
        if t.startswith("own"):
            orng = random.Random(st.own[int(t[3:])])
            name = f"{orng.choice(VERBS)}_{orng.choice(NOUNS)}"
            if name in api.values():
                name += t[3:]
            src, call = own_function(orng, name)
            units[t], imports[t] = styled(src, st, r, name), set()
            calls[t], api[t] = call, name
        else:
            src, imps, rounds = function_source(st, t)
            units[t], imports[t], api[t] = styled(src, st, r, t), imps, t
            if rounds:
                rounding.add(t)
    by_module: dict[str, list[str]] = {}
    for t in st.order:
        by_module.setdefault(st.modules[t], []).append(t)
    sep = "\n\n\n" if st.habits.blank2 else "\n\n"
    files: dict[str, str] = {}
    owner = {api[t]: st.modules[t] for t in units}
    main_imports = []
    for module, tasks in by_module.items():
        body = sep.join(units[t] for t in tasks)
        if rounding & set(tasks):
            body = styled(ROUNDING[st.seeds["mean"] % len(ROUNDING)], st, r, "_rounded") + sep + body
        used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
        own_names = {api[t] for t in tasks}
        need: dict[str, list[str]] = {}
        for name in sorted(used - own_names):
            if name in owner:
                need.setdefault(owner[name], []).append(name)
        head = sorted(set().union(*(imports[t] for t in tasks)))
        if "import logging" in head:
            head.append("\nlogger = logging.getLogger(__name__)")
        head = [f"from {m} import {', '.join(ns)}" for m, ns in sorted(need.items())] + head
        if r.random() < 0.5:
            head.insert(0, f'"""{r.choice(["Functions for the gradebook.", "My solutions.", module.title() + " helpers."])}"""')
        files[f"{module}.py"] = ("\n".join(head) + sep if head else "") + body + "\n"
        main_imports.append(f"from {module} import {', '.join(api[t] for t in tasks)}")
    files["main.py"] = render_main(st, main_imports, calls, r)
    files["models.py"] = gp.BASE_FILES["models.py"]
    if st.keep_utils:
        files["utils.py"] = gp.BASE_FILES["utils.py"]
    if st.keep_readme:
        files["README.md"] = gp.BASE_FILES["README.md"]
    return files


def render_main(st: ScaleStudent, imports: list[str], own_calls: dict[str, str], r: random.Random) -> str:
    """main.py: the starter file with the student's imports and prints in place of YOUR CODE HERE."""
    lines = [f"    print({st.banner!r})"] if st.banner else []
    style = r.choice(["fstr", "comma", "section"])
    for t in st.order:
        call = own_calls[t] if t in own_calls else CALLS[t][0]
        msg = st.messages.get(t, t)
        if style == "fstr":
            var = "r_" + t.split("_")[0]
            lines += [f"    {var} = {call}", f"    print(f'{msg}: {{{var}}}')"]
        elif style == "comma":
            lines.append(f"    print({msg + ':'!r}, {call})")
        else:
            lines += [f"    print_section({msg!r})" if st.keep_utils else f"    print('--', {msg!r})", f"    print({call})"]
    out = gp.BASE_FILES["main.py"].replace(
        "    # YOUR CODE HERE: compute and print the statistics described in README.md", "\n".join(lines))
    head = "\n".join(imports)
    if style == "section" and st.keep_utils:
        head += "\nfrom utils import print_section"
    return out.replace("from models import load_students\n", "from models import load_students\n" + head + "\n")
