"""Multi-file Python submissions for the gradebook assignment, independent or disguised copies.

A student picks one hand-written variant per task (``pylib_variants``), then writes it in
their own way: every local renamed from their naming habits, ``for``/``while`` and
comprehension/loop swapped, if/else branches swapped, ``+=`` expanded, type hints and
docstrings added or dropped, comments of their own, functions spread over modules of their
choosing. A copier takes another student's choices and applies the same kinds of rewrites
with *other* settings, moves functions between files, renames files, may rewrite part of it
on their own, and adds dead code: the disguise seen in real cases.
"""

from __future__ import annotations

import ast
import copy
import random
import re
from dataclasses import dataclass, field, replace

from pylib_variants import CALLS, OPTIONAL, REQUIRED, STANDALONE

VARIANTS = {**REQUIRED, **OPTIONAL, **STANDALONE}
TASKS = list(REQUIRED) + list(OPTIONAL)

# ---------------------------------------------------------------------------------------
# starter code (base)
# ---------------------------------------------------------------------------------------

BASE_FILES = {
    "main.py": '''"""Gradebook command-line tool (starter code).

Usage: python main.py STUDENTS_CSV [--top N]
"""
import argparse
import sys

from models import load_students


def build_parser():
    parser = argparse.ArgumentParser(description="Gradebook statistics")
    parser.add_argument("csv", help="CSV file with name,email,score rows")
    parser.add_argument("--top", type=int, default=3, help="how many top students to show")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    students = load_students(args.csv)
    scores = [s.score for s in students]
    # YOUR CODE HERE: compute and print the statistics described in README.md
    return 0


if __name__ == "__main__":
    sys.exit(main())
''',
    "models.py": '''"""Data model for the gradebook (given, do not change)."""
import csv
from dataclasses import dataclass


@dataclass
class Student:
    name: str
    email: str
    score: float


def load_students(path):
    """Read name,email,score rows; skips the header and blank lines."""
    students = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if len(row) < 3 or not row[0].strip():
                continue
            students.append(Student(row[0], row[1], float(row[2])))
    return students
''',
    "utils.py": '''"""Small helpers you may use (given)."""


def clamp(value, low, high):
    """Limit value to the closed interval [low, high]."""
    return max(low, min(high, value))


def read_lines(path):
    """All non-empty lines of a text file, stripped."""
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


def print_section(title):
    print()
    print(title)
    print("-" * len(title))
''',
    "README.md": '''# Gradebook

Implement, in modules of your own, the functions `mean`, `median`, `stdev`, `letter_grade`,
`top_n`, `group_by_letter`, `histogram`, `normalize_name`, `is_valid_email` and
`format_table`, then complete `main()` in `main.py` so that it prints each statistic for the
students in the CSV file. Extras (search, percentiles, moving averages...) earn bonus points.
Do not change `models.py`.
''',
}

MODULE_NAMES = [
    "stats", "statistics_utils", "grades", "grading", "report", "reporting", "text_tools", "textutils",
    "helpers", "analysis", "calc", "core", "validation", "checks", "formatting", "tables", "search",
    "lookup", "numeric", "mathutils", "student_tools", "gradebook", "summary", "metrics", "tools",
]

TOPIC = {
    "mean": "stats", "median": "stats", "stdev": "stats", "percentile": "stats", "moving_average": "stats",
    "letter_grade": "grades", "group_by_letter": "grades", "top_n": "grades", "find_student": "grades",
    "histogram": "report", "format_table": "report", "save_report": "report",
    "normalize_name": "text", "is_valid_email": "text", "word_frequencies": "text", "merge_sorted": "stats",
    "load_students": "io",
}

NAME_POOLS: dict[str, list[str]] = {
    "values": ["values", "nums", "numbers", "data", "xs", "vals", "items", "seq", "arr", "marks_list"],
    "total": ["total", "s", "acc_sum", "running", "summed", "tot", "sum_", "agg"],
    "count": ["count", "n_items", "cnt", "k", "num", "length", "how_many"],
    "item": ["item", "x", "v", "value", "elem", "num", "entry", "val"],
    "ordered": ["ordered", "sorted_values", "srt", "s_vals", "arranged", "ranked", "sorted_list"],
    "n": ["n", "size", "length", "count_", "l", "num"],
    "mid": ["mid", "middle", "half", "m", "centre", "center"],
    "lo": ["lo", "low", "left", "start", "a", "first"],
    "hi": ["hi", "high", "right", "end", "b", "last"],
    "avg": ["avg", "mu", "m", "average", "mean_value", "centre"],
    "squares": ["squares", "sq", "devs", "deviations", "diffs", "squared"],
    "total_sq": ["total_sq", "sumsq", "sq_sum", "s2", "squares_total"],
    "acc": ["acc", "m2", "running", "agg", "store", "buf"],
    "delta": ["delta", "d", "diff", "change", "step"],
    "score": ["score", "mark", "points", "pts", "grade_value", "value", "s"],
    "cutoff": ["cutoff", "limit", "threshold", "bound", "minimum", "floor_"],
    "label": ["label", "letter", "grade", "name_", "g", "tag"],
    "cutoffs": ["cutoffs", "limits", "bounds", "thresholds", "edges"],
    "key": ["key", "k", "bucket_key", "grade", "letter", "idx"],
    "table": ["table", "mapping", "lookup", "grades_map", "codes"],
    "students": ["students", "records", "people", "roster", "pupils", "class_list", "entries"],
    "record": ["record", "st", "student", "s", "person", "r", "pupil", "entry"],
    "remaining": ["remaining", "rest", "pool", "left_over", "candidates", "todo"],
    "result": ["result", "res", "out", "output", "answer", "ret", "collected"],
    "best": ["best", "top", "winner", "highest", "max_rec", "leader"],
    "groups": ["groups", "by_letter", "buckets", "grouped", "mapping", "result_map"],
    "names": ["names", "members", "who", "listed", "in_group"],
    "scores": ["scores", "marks", "points", "values", "grades", "results"],
    "bin_size": ["bin_size", "width", "step", "size", "bucket_width"],
    "counts": ["counts", "freq", "tally", "hist", "occurrences", "bins_count"],
    "bucket": ["bucket", "bin_", "start_", "slot", "group", "b"],
    "lines": ["lines", "rows_out", "output", "text_lines", "out", "parts"],
    "top": ["top", "highest", "maximum", "upper", "peak"],
    "start": ["start", "low", "lower", "begin", "edge"],
    "bins": ["bins", "buckets", "slots", "counts", "cells"],
    "index": ["index", "idx", "pos", "i", "slot", "bin_index"],
    "name": ["name", "full_name", "raw", "text", "who", "person_name"],
    "parts": ["parts", "pieces", "tokens", "words", "chunks", "bits"],
    "part": ["part", "piece", "token", "w", "chunk", "bit"],
    "cleaned": ["cleaned", "clean", "squeezed", "tidy", "collapsed"],
    "new_word": ["new_word", "at_start", "capitalize_next", "boundary", "fresh", "begin_word"],
    "ch": ["ch", "c", "char", "letter", "symbol", "character"],
    "words": ["words", "tokens", "pieces", "parts", "out_words"],
    "word": ["word", "w", "token", "piece", "term"],
    "email": ["email", "address", "addr", "mail", "e"],
    "local": ["local", "user", "local_part", "before", "username"],
    "domain": ["domain", "host", "after", "server", "dom"],
    "at": ["at", "at_pos", "sign", "idx_at", "p"],
    "dot": ["dot", "dot_pos", "last_dot", "point", "d"],
    "rows": ["rows", "data", "entries", "records", "body", "table_rows"],
    "headers": ["headers", "header", "titles", "columns_names", "head", "cols"],
    "widths": ["widths", "sizes", "col_widths", "lens", "w"],
    "row": ["row", "r", "line_", "entry", "rec", "values_row"],
    "cell": ["cell", "c", "field", "value", "col_value", "item"],
    "h": ["h", "title", "head_cell", "name_", "hd"],
    "w": ["w", "width", "size", "n", "ln"],
    "i": ["i", "idx", "j", "k", "pos", "col", "n"],
    "j": ["j", "k", "q", "jdx", "second", "r_i"],
    "out": ["out", "output", "result", "buf", "lines_out", "acc_lines"],
    "column": ["column", "col", "c_values", "vertical", "field_values"],
    "columns": ["columns", "cols", "transposed", "by_column", "fields"],
    "fmt": ["fmt", "template", "pattern", "layout", "line_fmt"],
    "text": ["text", "content", "body", "txt", "document", "s"],
    "freq": ["freq", "counts", "histogram", "occurrences", "tally", "seen"],
    "matches": ["matches", "found", "hits", "candidates", "same"],
    "target": ["target", "wanted", "needle", "query", "goal"],
    "current": ["current", "here", "probe", "candidate", "at_mid"],
    "k": ["k", "size", "window_size", "w", "span", "width"],
    "window": ["window", "win", "chunk", "frame", "recent", "buf"],
    "left": ["left", "first", "a", "xs", "one", "lhs"],
    "right": ["right", "second", "b", "ys", "two", "rhs"],
    "merged": ["merged", "result", "combined", "out", "joined", "both"],
    "p": ["p", "pct", "percent", "q", "level"],
    "rank": ["rank", "position", "pos", "exact", "frac_index"],
    "path": ["path", "filename", "target", "dest", "file_path", "out_path"],
    "fh": ["fh", "f", "handle", "out_file", "stream", "outf"],
    "line": ["line", "ln", "entry", "text_line", "l", "row_text"],
    "GRADE_BOUNDS": ["GRADE_BOUNDS", "BOUNDS", "GRADES", "THRESHOLDS", "CUTOFFS", "TABLE"],
    "ALLOWED": ["ALLOWED", "VALID_CHARS", "OK_CHARS", "ALPHABET", "LEGAL"],
}

COMMENTS = [
    "edge case: nothing to do", "compute the result", "loop over everything", "keep a running total",
    "this was tricky", "handle empty input", "sort first", "build the output", "see README", "simple version",
    "YOUR CODE HERE: tidy up", "faster than the naive way", "check each one", "collect results", "return the answer",
    "works for negative numbers too", "from the lecture notes", "careful with off-by-one",
]

GUARD_MSGS = ["bad input", "input must not be None", "missing data", "nothing given", "invalid argument",
              "expected a value", "None is not allowed", "need input"]

DOCS = {
    "mean": ["Arithmetic mean of the values.", "Average of a list (0 if empty).", "Return the mean."],
    "median": ["Middle value of the list.", "Median (mean of middle pair if even).", "Return the median."],
    "stdev": ["Population standard deviation.", "How spread out the values are.", "Standard deviation."],
    "letter_grade": ["Letter for a numeric score.", "Map a score to A-F.", "Convert score to letter."],
    "top_n": ["The n best students.", "Students with the highest scores.", "Top n by score."],
    "group_by_letter": ["Names grouped by letter grade.", "Group students by grade.", "Letter -> names."],
    "histogram": ["Text histogram of the scores.", "Lines of a bar chart.", "Histogram lines."],
    "normalize_name": ["Tidy up a name.", "Capitalise each part of a name.", "Normalise spacing and case."],
    "is_valid_email": ["Rough e-mail check.", "True if it looks like an email.", "Validate an address."],
    "format_table": ["Aligned text table.", "Render rows as a table.", "Format rows under headers."],
}


# ---------------------------------------------------------------------------------------
# AST rewrites
# ---------------------------------------------------------------------------------------

_NEG = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def negate(test: ast.expr) -> ast.expr:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEG:
        return ast.Compare(test.left, [_NEG[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def _has(node: ast.AST, kinds: tuple[type, ...]) -> bool:
    return any(isinstance(n, kinds) for n in ast.walk(node))


class Restyle(ast.NodeTransformer):
    """Statement-level rewrites, each applied with its own probability."""

    def __init__(self, rng: random.Random, p_while: float, p_swap: float, p_aug: float,
                 p_comp_loop: float, p_loop_comp: float, p_dead: float, p_guard: float = 0.0,
                 p_temp: float = 0.0, p_boolexp: float = 0.0, guard_msg: str = "bad input",
                 temp_name: str = "result") -> None:
        self.rng = rng
        self.p_while, self.p_swap, self.p_aug = p_while, p_swap, p_aug
        self.p_comp_loop, self.p_loop_comp, self.p_dead = p_comp_loop, p_loop_comp, p_dead
        self.p_guard, self.p_temp, self.p_boolexp = p_guard, p_temp, p_boolexp
        self.guard_msg, self.temp_name = guard_msg, temp_name
        self.dead = 0

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = self.generic_visit(node)
        if node.args.args and self.rng.random() < self.p_guard:
            arg = node.args.args[0].arg
            guard = ast.parse(f"if {arg} is None:\n    raise ValueError({self.guard_msg!r})").body[0]
            at = 1 if (node.body and isinstance(node.body[0], ast.Expr)
                       and isinstance(node.body[0].value, ast.Constant)) else 0
            node.body.insert(at, guard)
        return node

    def visit_Return(self, node: ast.Return):
        v = node.value
        if v is None or isinstance(v, (ast.Name, ast.Constant)):
            return node
        if isinstance(v, (ast.Compare, ast.BoolOp)) and self.rng.random() < self.p_boolexp:
            return [ast.If(v, [ast.Return(ast.Constant(True))], []), ast.Return(ast.Constant(False))]
        if isinstance(v, ast.IfExp) and self.rng.random() < self.p_boolexp:
            return [ast.If(v.test, [ast.Return(v.body)], []), ast.Return(v.orelse)]
        if self.rng.random() < self.p_temp:
            return [ast.Assign([ast.Name(self.temp_name, ast.Store())], v),
                    ast.Return(ast.Name(self.temp_name, ast.Load()))]
        return node

    def _body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        i = 0
        while i < len(stmts):
            st = stmts[i]
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            # `xs = []` + `for v in it: xs.append(e)`  ->  comprehension
            if (nxt is not None and self._is_empty_list_assign(st) and self._is_append_loop(nxt, st)
                    and self.rng.random() < self.p_loop_comp):
                out.append(self._loop_to_comp(st, nxt))
                i += 2
                continue
            res = self.visit(st)
            out.extend(res if isinstance(res, list) else [res])
            i += 1
        if self.p_dead and self.rng.random() < self.p_dead and out:
            pos = self.rng.randrange(len(out) + 1)
            if pos == len(out) and isinstance(out[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                pos -= 1
            out.insert(pos, self._dead_code())
        return out

    def _dead_code(self) -> ast.stmt:
        self.dead += 1
        name = self.rng.choice(["_unused", "debug", "_tmp", "checked", "_flag", "trace"]) + (
            str(self.dead) if self.dead > 1 else "")
        src = self.rng.choice([
            f"{name} = 0", f"{name} = None", f"if False:\n    print('{name}')", f"{name} = []",
            f"{name} = len('{name}')", "pass",
        ])
        return ast.parse(src).body[0]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for fld in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, fld, None), list) and getattr(node, fld) and isinstance(
                    getattr(node, fld)[0], ast.stmt):
                setattr(node, fld, self._body(getattr(node, fld)))
        for fld, value in ast.iter_fields(node):
            if fld in ("body", "orelse", "finalbody"):
                continue
            if isinstance(value, ast.AST):
                setattr(node, fld, self.visit(value))
        return node

    def visit_For(self, node: ast.For):
        node = self.generic_visit(node)
        it = node.iter
        if (self.rng.random() < self.p_while and not node.orelse and isinstance(node.target, ast.Name)
                and isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                and 1 <= len(it.args) <= 2 and not it.keywords
                and not _has(ast.Module(node.body, []), (ast.Continue,))):
            var = node.target.id
            start = it.args[0] if len(it.args) == 2 else ast.Constant(0)
            stop = it.args[-1]
            init = ast.Assign([ast.Name(var, ast.Store())], start)
            step = ast.AugAssign(ast.Name(var, ast.Store()), ast.Add(), ast.Constant(1))
            loop = ast.While(ast.Compare(ast.Name(var, ast.Load()), [ast.Lt()], [stop]), [*node.body, step], [])
            return [init, loop]
        return node

    def visit_If(self, node: ast.If):
        node = self.generic_visit(node)
        if (node.orelse and not (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If))
                and self.rng.random() < self.p_swap):
            return ast.If(negate(node.test), node.orelse, node.body)
        return node

    def visit_AugAssign(self, node: ast.AugAssign):
        if isinstance(node.target, ast.Name) and self.rng.random() < self.p_aug:
            return ast.Assign([ast.Name(node.target.id, ast.Store())],
                              ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value))
        return node

    def visit_Assign(self, node: ast.Assign):
        # `xs = [e for v in it if c]` -> loop (single generator, simple target)
        v = node.value
        if (isinstance(v, ast.ListComp) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and len(v.generators) == 1 and not v.generators[0].is_async and len(v.generators[0].ifs) <= 1
                and self.rng.random() < self.p_comp_loop):
            name = node.targets[0].id
            gen = v.generators[0]
            append = ast.Expr(ast.Call(ast.Attribute(ast.Name(name, ast.Load()), "append", ast.Load()), [v.elt], []))
            body: list[ast.stmt] = [append]
            if gen.ifs:
                body = [ast.If(gen.ifs[0], body, [])]
            return [ast.Assign([ast.Name(name, ast.Store())], ast.List([], ast.Load())),
                    ast.For(gen.target, gen.iter, body, [])]
        if (isinstance(v, ast.BinOp) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(v.left, ast.Name) and v.left.id == node.targets[0].id
                and isinstance(v.op, (ast.Add, ast.Sub, ast.Mult)) and self.rng.random() < self.p_aug):
            return ast.AugAssign(ast.Name(v.left.id, ast.Store()), v.op, v.right)
        return self.generic_visit(node)

    @staticmethod
    def _is_empty_list_assign(st: ast.stmt) -> bool:
        return (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)
                and isinstance(st.value, ast.List) and not st.value.elts)

    @staticmethod
    def _is_append_loop(st: ast.stmt, init: ast.Assign) -> bool:
        if not isinstance(st, ast.For) or st.orelse or len(st.body) != 1:
            return False
        inner = st.body[0]
        if isinstance(inner, ast.If) and not inner.orelse and len(inner.body) == 1:
            inner = inner.body[0]
        name = init.targets[0].id  # type: ignore[attr-defined]
        return (isinstance(inner, ast.Expr) and isinstance(inner.value, ast.Call)
                and isinstance(inner.value.func, ast.Attribute) and inner.value.func.attr == "append"
                and isinstance(inner.value.func.value, ast.Name) and inner.value.func.value.id == name
                and len(inner.value.args) == 1)

    @staticmethod
    def _loop_to_comp(init: ast.Assign, loop: ast.For) -> ast.stmt:
        inner = loop.body[0]
        ifs = []
        if isinstance(inner, ast.If):
            ifs = [inner.test]
            inner = inner.body[0]
        elt = inner.value.args[0]  # type: ignore[attr-defined]
        comp = ast.ListComp(elt, [ast.comprehension(loop.target, loop.iter, ifs, 0)])
        return ast.Assign(init.targets, comp)


class Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        return self.generic_visit(node)  # type: ignore[return-value]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.name = self.mapping.get(node.name, node.name)
        return self.generic_visit(node)  # type: ignore[return-value]

    def visit_keyword(self, node: ast.keyword) -> ast.keyword:
        return self.generic_visit(node)  # type: ignore[return-value]


DEPENDS = {"stdev": ["mean"], "group_by_letter": ["letter_grade"]}


def local_names(tree: ast.AST) -> set[str]:
    """Names a student is free to choose: parameters, locals, module constants (not class fields)."""
    names: set[str] = set()
    class_fields = {n.id for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for st in c.body
                    for n in ast.walk(st) if isinstance(st, (ast.AnnAssign, ast.Assign)) and isinstance(n, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in class_fields:
            continue
        if isinstance(node, ast.arg):
            if node.arg != "self":
                names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


HINTS = {"values": "list", "scores": "list", "students": "list", "score": "float", "name": "str",
         "email": "str", "text": "str", "n": "int", "k": "int", "p": "float", "path": "str", "lines": "list",
         "rows": "list", "headers": "list", "left": "list", "right": "list", "bin_size": "int"}


def camel(name: str) -> str:
    head, *rest = name.strip("_").split("_")
    return head + "".join(p.capitalize() for p in rest) if rest else name


# ---------------------------------------------------------------------------------------
# students
# ---------------------------------------------------------------------------------------

@dataclass
class PyHabits:
    camel: bool = False
    p_while: float = 0.0
    p_swap: float = 0.0
    p_aug: float = 0.0
    p_comp_loop: float = 0.0
    p_loop_comp: float = 0.0
    p_dead: float = 0.0
    p_guard: float = 0.0
    p_temp: float = 0.0
    p_boolexp: float = 0.0
    guard_msg: str = "bad input"
    temp_name: str = "result"
    docstrings: float = 0.3
    hints: bool = False
    comments: float = 0.1
    blank2: bool = True

    @staticmethod
    def draw(rng: random.Random) -> PyHabits:
        return PyHabits(
            camel=rng.random() < 0.15,
            p_while=rng.choice([0.0, 0.0, 0.1, 0.5]),
            p_swap=rng.choice([0.0, 0.0, 0.2, 0.5]),
            p_aug=rng.choice([0.0, 0.1, 0.6]),
            p_comp_loop=rng.choice([0.0, 0.2, 0.6]),
            p_loop_comp=rng.choice([0.0, 0.2, 0.6]),
            p_guard=rng.choice([0.0, 0.0, 0.3, 0.7]),
            p_temp=rng.choice([0.0, 0.2, 0.5, 0.8]),
            p_boolexp=rng.choice([0.0, 0.3, 0.8]),
            guard_msg=rng.choice(GUARD_MSGS),
            temp_name=rng.choice(["result", "res", "out", "answer", "ret", "value_out", "final"]),
            docstrings=rng.choice([0.0, 0.2, 0.6, 0.95]),
            hints=rng.random() < 0.25,
            comments=rng.choice([0.0, 0.05, 0.15, 0.3]),
            blank2=rng.random() < 0.8,
        )

    def disguised(self, rng: random.Random, strength: int) -> PyHabits:
        h = replace(self)
        h.camel = not self.camel if rng.random() < 0.3 else self.camel
        h.docstrings = rng.choice([0.0, 0.5, 1.0])
        h.comments = rng.choice([0.0, 0.2, 0.4])
        h.hints = not self.hints if rng.random() < 0.5 else self.hints
        if strength >= 1:
            h.p_while = 0.7 if self.p_while < 0.3 else 0.0
            h.p_swap = 0.7
            h.p_aug = 0.7 if self.p_aug < 0.3 else 0.0
            h.p_comp_loop = 0.8 if self.p_comp_loop < 0.3 else 0.0
            h.p_loop_comp = 0.8 if self.p_loop_comp < 0.3 else 0.0
            h.p_temp = 0.7 if self.p_temp < 0.3 else 0.0
            h.p_boolexp = 0.8 if self.p_boolexp < 0.3 else 0.0
        if strength >= 2:
            h.p_dead = rng.choice([0.2, 0.35])
            h.p_guard = 0.6 if self.p_guard < 0.3 else 0.0
        h.guard_msg = rng.choice(GUARD_MSGS)
        h.temp_name = rng.choice(["result", "res", "out", "answer", "ret", "value_out", "final"])
        return h


@dataclass
class PyStudent:
    tasks: list[str]
    variants: dict[str, int]
    modules: dict[str, str]  # task -> module name
    messages: dict[str, str]
    order: list[str]
    habits: PyHabits
    keep_utils: bool = True
    keep_readme: bool = True
    with_tests: bool = False
    banner: str = ""
    extra_seed: int = 0
    rename_api: bool = False  # rename even the spec's function names (free projects)


def draw_modules(rng: random.Random, tasks: list[str], n_modules: int) -> dict[str, str]:
    names = rng.sample(MODULE_NAMES, n_modules)
    topics = sorted({TOPIC[t] for t in tasks})
    topic_module = {t: names[i % n_modules] for i, t in enumerate(rng.sample(topics, len(topics)))}
    return {t: (topic_module[TOPIC[t]] if rng.random() < 0.8 else rng.choice(names)) for t in tasks}


def draw_py_student(rng: random.Random, *, n_modules: tuple[int, int] = (2, 6), required: bool = True,
                    n_tasks: tuple[int, int] = (6, 10)) -> PyStudent:
    if required:
        tasks = list(REQUIRED) + rng.sample(list(OPTIONAL), rng.randint(0, 3))
    else:
        picked = set(rng.sample(TASKS, rng.randint(*n_tasks)))
        picked |= {dep for t in picked for dep in DEPENDS.get(t, ())}
        tasks = ["load_students"] + sorted(picked, key=TASKS.index)
    order = list(tasks)
    if rng.random() < 0.5:
        rng.shuffle(order)
    msgs = {t: rng.choice(CALLS[t][1]) for t in tasks if t in CALLS}
    return PyStudent(
        tasks=tasks, variants={t: rng.randrange(len(VARIANTS[t])) for t in tasks},
        modules=draw_modules(rng, tasks, rng.randint(*n_modules)), messages=msgs, order=order,
        habits=PyHabits.draw(rng), keep_utils=rng.random() < 0.85, keep_readme=rng.random() < 0.5,
        with_tests=rng.random() < 0.3, banner=rng.choice(["", "", "Gradebook", "Results", "== Report =="]),
        extra_seed=rng.randrange(1 << 30),
    )


def disguise_py(src: PyStudent, rng: random.Random, strength: int, partial: float = 0.0,
                move_files: bool = True) -> PyStudent:
    """A copy of ``src``: new habits and names, reordered, files reshuffled, part rewritten."""
    st = copy.deepcopy(src)
    st.habits = src.habits.disguised(rng, strength)
    st.extra_seed = rng.randrange(1 << 30)
    rng.shuffle(st.order)
    if move_files:
        n = len(set(src.modules.values()))
        n = max(2, n + rng.choice([-1, 0, 1, 1]))
        new = rng.sample(MODULE_NAMES, n)
        # keep topic grouping partly, move some functions elsewhere
        old_to_new = {m: new[i % n] for i, m in enumerate(sorted(set(src.modules.values())))}
        st.modules = {t: (old_to_new[m] if rng.random() < 0.6 else rng.choice(new)) for t, m in src.modules.items()}
    if partial:
        k = int(round(len(st.tasks) * partial))
        for t in rng.sample(st.tasks, k):
            others = [v for v in range(len(VARIANTS[t])) if v != src.variants[t]]
            st.variants[t] = rng.choice(others)
    if strength >= 1:
        for t in rng.sample(sorted(st.messages), max(1, len(st.messages) // 3)):
            st.messages[t] = rng.choice(CALLS[t][1])
    st.keep_readme = rng.random() < 0.5
    st.with_tests = src.with_tests and rng.random() < 0.5
    return st


def _choose_names(rng: random.Random, names: set[str], h: PyHabits, fixed: set[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    used: set[str] = set(fixed) | {n for n in names if n not in NAME_POOLS}
    for name in sorted(names):
        if name in fixed:
            continue
        pool = NAME_POOLS.get(name)
        if pool:
            options = [p for p in pool if p not in used]
            new = rng.choice(options) if options else name + "_"
        else:
            new = name
        if h.camel and not new.isupper():
            new = camel(new)
        used.add(new)
        mapping[name] = new
    return mapping


def render_unit(task: str, variant: int, h: PyHabits, rng: random.Random, api_names: dict[str, str]) -> str:
    """One task's code (function plus its own helpers/constants) in the student's style."""
    tree = ast.parse(VARIANTS[task][variant])
    if h.hints:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                for a in node.args.args:
                    hint = HINTS.get(a.arg)
                    a.annotation = ast.Name(hint, ast.Load()) if hint else None
    fixed = set(TASKS) | set(STANDALONE) | {"csv", "dataclass", "namedtuple", "Student", "Record", "Pupil", "math", "statistics", "re", "heapq", "bisect", "Counter", "defaultdict", "deque",
                          "attrgetter", "Path"} | set(dir(__import__("builtins")))
    mapping = _choose_names(rng, local_names(tree) - fixed, h, fixed)
    mapping.update(api_names)
    tree = Rename(mapping).visit(tree)
    tree = Restyle(rng, h.p_while, h.p_swap, h.p_aug, h.p_comp_loop, h.p_loop_comp, h.p_dead, h.p_guard,
                   h.p_temp, h.p_boolexp, h.guard_msg, h.temp_name).visit(tree)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            if rng.random() < h.docstrings and task in DOCS:
                doc = ast.Expr(ast.Constant(rng.choice(DOCS[task])))
                if not (node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)):
                    node.body.insert(0, doc)
    ast.fix_missing_locations(tree)
    code = ast.unparse(tree)
    return add_comments(code, rng, h.comments)


def add_comments(code: str, rng: random.Random, rate: float) -> str:
    out = []
    for line in code.splitlines():
        stripped = line.lstrip()
        if rate and stripped and not stripped.startswith(('"', "'", "else", "elif", "except", "finally", "@")) \
                and rng.random() < rate:
            out.append(line[: len(line) - len(stripped)] + "# " + rng.choice(COMMENTS))
        out.append(line)
    return "\n".join(out)


STANDALONE_MAIN = '''import sys
{imports}


def {fn}({param}):
    students = load_students({param})
    scores = [s.score for s in students]
{body}


if __name__ == "__main__":
    {fn}(sys.argv[1] if len(sys.argv) > 1 else {default!r})
'''


def render_main(st: PyStudent, imports: list[str], rng: random.Random, standalone: bool = False) -> str:
    """main.py: the starter file with the student's imports and prints in place of the YOUR CODE HERE."""
    base = BASE_FILES["main.py"]
    lines = []
    if st.banner:
        lines.append(f"    print({st.banner!r})")
    style = rng.choice(["fstr", "comma", "section"])
    for t in st.order:
        if t not in CALLS:
            continue
        call, _ = CALLS[t]
        if standalone:
            call = call.replace("args.top", "3")
        msg = st.messages[t]
        if style == "fstr":
            var = "r_" + t.split("_")[0]
            lines += [f"    {var} = {call}", f"    print(f'{msg}: {{{var}}}')"]
        elif style == "comma":
            lines.append(f"    print({msg + ':'!r}, {call})")
        else:
            lines += [f"    print_section({msg!r})" if st.keep_utils else f"    print('--', {msg!r})",
                      f"    print({call})"]
    body = "\n".join(lines)
    if standalone:
        if style == "section":
            body = body.replace("print_section(", "print('--', ")
        return STANDALONE_MAIN.format(imports="\n".join(imports), body=body,
                                      fn=rng.choice(["main", "run", "report", "cli"]),
                                      param=rng.choice(["path", "csv_path", "filename", "source"]),
                                      default=rng.choice(["students.csv", "data.csv", "grades.csv"]))
    out = base.replace("    # YOUR CODE HERE: compute and print the statistics described in README.md", body)
    header_imports = "\n".join(imports)
    if style == "section" and st.keep_utils:
        header_imports += "\nfrom utils import print_section"
    out = out.replace("from models import load_students\n", "from models import load_students\n" + header_imports + "\n")
    return out


def render_student(st: PyStudent, standalone: bool = False) -> dict[str, str]:
    """All files of one submission: {relative path: text}."""
    rng = random.Random(st.extra_seed)
    h = st.habits
    api = {}
    if st.rename_api:
        for t in st.tasks:
            api[t] = rng.choice([t, t + "_", "compute_" + t, t.replace("_", ""), "calc_" + t.split("_")[0]])
            if h.camel:
                api[t] = camel(api[t])
    units = {t: render_unit(t, st.variants[t], h, rng, api) for t in st.tasks}
    by_module: dict[str, list[str]] = {}
    for t in st.order:
        by_module.setdefault(st.modules[t], []).append(t)
    files: dict[str, str] = {}
    sep = "\n\n\n" if h.blank2 else "\n\n"
    all_api = {api.get(t, t): t for t in st.tasks}
    main_imports = []
    for module, tasks in by_module.items():
        body = sep.join(units[t] for t in tasks)
        # imports for calls into other modules (e.g. stdev -> mean, group_by_letter -> letter_grade)
        used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
        own = {api.get(t, t) for t in tasks}
        need: dict[str, list[str]] = {}
        for name in sorted(used - own):
            if name in all_api:
                need.setdefault(st.modules[all_api[name]], []).append(name)
        head = [f"from {m} import {', '.join(ns)}" for m, ns in sorted(need.items())]
        if rng.random() < 0.5:
            head.insert(0, f'"""{rng.choice(["Functions for the gradebook.", "My solutions.", module.title() + " helpers.", "Part of the gradebook project."])}"""')
        text = ("\n".join(head) + sep if head else "") + body + "\n"
        files[f"{module}.py"] = text
        main_imports.append(f"from {module} import {', '.join(api.get(t, t) for t in tasks)}")
    main = render_main(st, main_imports, rng, standalone)
    if api:
        for t, new in api.items():
            main = re.sub(rf"\b{t}\(", new + "(", main)
    files["main.py"] = main
    if standalone:
        return files
    files["models.py"] = BASE_FILES["models.py"]
    if st.keep_utils:
        files["utils.py"] = BASE_FILES["utils.py"]
    if st.keep_readme:
        files["README.md"] = BASE_FILES["README.md"]
    if st.with_tests:
        t1 = rng.sample(st.tasks, min(3, len(st.tasks)))
        lines = [f"from {st.modules[t]} import {api.get(t, t)}" for t in t1]
        lines.append("")
        for t in t1:
            lines += ["", f"def test_{t}_runs():", f"    assert {api.get(t, t)} is not None"]
        files["test_solution.py"] = "\n".join(lines) + "\n"
    return files
