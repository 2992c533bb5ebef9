"""A small Java code writer with per-student habits.

Hand-written solution variants (see ``gen_java.py``) describe *what* a method does through
these helpers; the helpers decide *how* it reads: names, loop kind, brace style, compound
assignment, swapped if/else, temporaries before return, comments and dead code. Independent
students draw their own habits; a copier re-renders the source's choices with changed habits,
which is exactly the disguise a student applies by hand (rename, for<->while, swap branches,
split expressions, add dead code and comments).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

NAME_POOLS: dict[str, tuple[list[str], list[str]]] = {
    "i": (["i", "k", "x", "n1"], ["index", "idx", "pos", "position", "counter", "ix"]),
    "j": (["j", "m", "y", "k2"], ["col", "inner", "jdx", "column", "other"]),
    "k": (["k", "t", "z", "q"], ["step", "kk", "mid", "through", "kIndex"]),
    "acc": (["s", "sum", "t", "acc"], ["total", "runningSum", "result", "accumulator", "sumSoFar"]),
    "cnt": (["c", "cnt", "n", "count"], ["counter", "howMany", "numFound", "tally", "amount"]),
    "best": (["m", "mx", "big", "b"], ["largest", "maximum", "biggest", "currentMax", "best"]),
    "res": (["r", "res", "out", "o"], ["result", "output", "answer", "builder", "ret"]),
    "tmp": (["t", "tmp", "h", "sw"], ["temp", "swap", "holder", "saved", "aux"]),
    "ch": (["c", "ch", "x", "cc"], ["letter", "character", "current", "symbol", "chr"]),
    "flag": (["ok", "f", "b", "flag"], ["found", "valid", "isOk", "status", "matches"]),
    "arr": (["arr", "v", "xs", "data"], ["values", "numbers", "copy", "sorted", "items"]),
    "lst": (["l", "lst", "li", "al"], ["list", "collected", "found", "buffer", "store"]),
    "n": (["n", "len", "sz", "l"], ["size", "length", "count", "total", "limit"]),
    "word": (["w", "wd", "p", "part"], ["word", "token", "piece", "part", "segment"]),
    "cand": (["c", "x", "p", "nx"], ["candidate", "next", "probe", "current", "value"]),
    "row": (["r", "row", "ri", "rw"], ["row", "line", "rowIdx", "r1", "rowNumber"]),
    "col": (["c", "col", "ci", "cl"], ["column", "col", "colIdx", "c1", "colNumber"]),
    "mat": (["t", "res", "m2", "out"], ["result", "transposed", "product", "target", "matrix"]),
    "dbl": (["d", "avg", "mean", "v"], ["average", "meanValue", "value", "amountD", "ratio"]),
    "str": (["s2", "str", "txt", "st"], ["text", "line", "lower", "clean", "word2"]),
    "acct": (["a1", "acc1", "b", "x"], ["account", "myAccount", "acct", "first", "client"]),
    "lo": (["lo", "l", "a1", "left"], ["left", "start", "low", "begin", "front"]),
    "hi": (["hi", "h", "b1", "right"], ["right", "end", "high", "finish", "back"]),
}

COMMENTS = [
    "loop over all elements", "go through the array", "check every value",
    "keep track of the result", "edge case", "handle the empty case", "main loop",
    "compute the answer", "update the running value", "return what we found",
    "simple approach", "helper variable", "iterate", "count matches",
    "this is the tricky part", "works for negative numbers too", "done",
]

DEAD_CODE = [
    ["int unused{n} = 0;"],
    ["boolean debug{n} = false;", "if (debug{n}) {", "    System.out.println(\"debug\");", "}"],
    ["// System.out.println(\"checking\");"],
    ["int dummy{n} = 42;", "dummy{n} = dummy{n} * 1;"],
    ["String marker{n} = \"\";"],
    ["if (false) {", "    System.out.print(\"\");", "}"],
    ["long check{n} = System.nanoTime();"],
]


def indent(lines: list[str], n: int = 1) -> list[str]:
    pad = "    " * n
    return [pad + line if line else line for line in lines]


_NEGATE = {"<": ">=", ">": "<=", "<=": ">", ">=": "<", "==": "!=", "!=": "=="}


def negate(cond: str) -> str:
    """Negate a simple condition naturally, falling back to ``!(...)``."""
    m = re.fullmatch(r"([^<>=!&|?]+?)\s*(<=|>=|==|!=|<|>)\s*([^<>=!&|?]+)", cond)
    if m:
        return f"{m.group(1)} {_NEGATE[m.group(2)]} {m.group(3)}"
    if cond.startswith("!") and re.fullmatch(r"![\w.()\[\]]+", cond):
        return cond[1:]
    return f"!({cond})"


@dataclass
class Habits:
    """How one student writes code; drawn once per student."""

    descriptive: float = 0.5  # chance of a descriptive name for a role
    p_while: float = 0.1  # chance a counted loop is written as a while loop
    foreach: float = 0.5  # chance an element loop is an enhanced for
    compound: float = 0.8  # x += y rather than x = x + y
    incr: str = "++"  # "++", "+=", "pre", "long"
    allman: bool = False
    swap_if: float = 0.0  # chance an if/else is written negated with branches swapped
    temp_return: float = 0.1  # chance `return expr` becomes a temporary then return
    comment_rate: float = 0.1
    keep_javadoc: bool = True
    dead_rate: float = 0.0  # chance of inserting dead code at a statement boundary
    blank_lines: float = 0.1
    rename_params: float = 0.1

    @staticmethod
    def draw(rng: random.Random) -> Habits:
        return Habits(
            descriptive=rng.choice([0.05, 0.3, 0.7, 0.95]),
            p_while=rng.choice([0.0, 0.0, 0.05, 0.2, 0.6]),
            foreach=rng.choice([0.1, 0.5, 0.9]),
            compound=rng.choice([0.2, 0.9, 1.0]),
            incr=rng.choice(["++", "++", "++", "+=", "pre", "long"]),
            allman=rng.random() < 0.15,
            swap_if=rng.choice([0.0, 0.0, 0.1, 0.3]),
            temp_return=rng.choice([0.0, 0.1, 0.3, 0.6]),
            comment_rate=rng.choice([0.0, 0.05, 0.15, 0.35]),
            keep_javadoc=rng.random() < 0.7,
            dead_rate=0.0,
            blank_lines=rng.choice([0.0, 0.1, 0.3]),
            rename_params=rng.choice([0.0, 0.0, 0.1, 0.3]),
        )

    def disguised(self, rng: random.Random, strength: int) -> Habits:
        """The habits a copier puts on to hide a copy (strength 0 = names only)."""
        h = replace(self)
        h.descriptive = 1.0 - self.descriptive if rng.random() < 0.7 else rng.random()
        h.comment_rate = rng.choice([0.0, 0.1, 0.3])
        h.keep_javadoc = rng.random() < 0.5
        h.rename_params = 0.3 + 0.2 * strength
        if strength >= 1:
            h.p_while = 1.0 - self.p_while if rng.random() < 0.7 else 0.5
            h.foreach = 1.0 - self.foreach
            h.compound = 1.0 - self.compound
            h.incr = rng.choice([x for x in ["++", "+=", "pre", "long"] if x != self.incr])
            h.allman = not self.allman if rng.random() < 0.3 else self.allman
            h.blank_lines = rng.choice([0.0, 0.2, 0.4])
        if strength >= 2:
            h.swap_if = 0.6
            h.temp_return = 1.0 - self.temp_return
            h.dead_rate = rng.choice([0.1, 0.2, 0.3])
        return h


@dataclass
class JS:
    """Renders Java fragments for one student under their habits."""

    rng: random.Random
    habits: Habits
    params: dict[str, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)
    _declared: set[str] = field(default_factory=set)
    _dead: int = 0
    helpers: list[list[str]] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    _fnames: dict[str, str] = field(default_factory=dict)

    # -- names -------------------------------------------------------------------------
    def start_method(self, params: dict[str, str], reserved: set[str]) -> None:
        self.params = params
        self._used = set(params.values()) | reserved
        self._declared = set()
        self._method_names: dict[str, str] = {}

    def v(self, role: str) -> str:
        """The name this student gives to the variable with ``role`` in this method."""
        if role in self._method_names:
            return self._method_names[role]
        name = self._names.get(role)
        if name is None or name in self._used:
            short, long_ = NAME_POOLS[role]
            pool = long_ if self.rng.random() < self.habits.descriptive else short
            options = [x for x in pool + short + long_ if x not in self._used]
            name = self.rng.choice(options[: max(3, len(pool))]) if options else f"{role}{len(self._used)}"
            self._names.setdefault(role, name)
        self._used.add(name)
        self._method_names[role] = name
        return name

    def p(self, name: str) -> str:
        return self.params[name]

    def fn(self, role: str, pool: list[str]) -> str:
        """A helper-method name, fixed per student and role."""
        if role not in self._fnames:
            self._fnames[role] = self.rng.choice(pool)
        return self._fnames[role]

    def helper(self, sig: str, body: list[str]) -> None:
        """Register a private helper method (rendered by the exercise writer)."""
        if not any(h[0].startswith(sig) for h in self.helpers):
            self.helpers.append(self.block(sig, body))

    # -- statements --------------------------------------------------------------------
    def decl(self, typ: str, name: str, expr: str) -> str:
        self._declared.add(name)
        return f"{typ} {name} = {expr};"

    def add(self, target: str, expr: str) -> str:
        if self.rng.random() < self.habits.compound:
            return f"{target} += {expr};"
        return f"{target} = {target} + {expr};"

    def inc(self, var: str, down: bool = False) -> str:
        op = "-" if down else "+"
        style = self.habits.incr
        if style == "++":
            return f"{var}{op}{op};"
        if style == "pre":
            return f"{op}{op}{var};"
        if style == "+=":
            return f"{var} {op}= 1;"
        return f"{var} = {var} {op} 1;"

    def _step(self, var: str, down: bool) -> str:
        return self.inc(var, down).rstrip(";")

    def block(self, header: str, body: list[str]) -> list[str]:
        if self.habits.allman:
            return [header, "{", *indent(body), "}"]
        return [header + " {", *indent(body), "}"]

    def loop(self, var: str, start: str, end: str, body: list[str], op: str = "<",
             down: bool = False, typ: str = "int") -> list[str]:
        """A counted loop ``for (var = start; var op end; var++/--)``."""
        if self.rng.random() < self.habits.p_while:
            init = f"{var} = {start};" if var in self._declared else f"{typ} {var} = {start};"
            self._declared.add(var)
            return [init, *self.block(f"while ({var} {op} {end})", [*body, self.inc(var, down)])]
        init = f"{var} = {start}" if var in self._declared else f"{typ} {var} = {start}"
        return self.block(f"for ({init}; {var} {op} {end}; {self._step(var, down)})", body)

    def each(self, arr: str, etype: str, body_fn, elem_role: str = "cand") -> list[str]:
        """Visit every element of array ``arr``; body_fn(element_expr) gives the body."""
        if self.rng.random() < self.habits.foreach:
            e = self.v(elem_role)
            return self.block(f"for ({etype} {e} : {arr})", body_fn(e))
        i = self.v("i")
        return self.loop(i, "0", f"{arr}.length", body_fn(f"{arr}[{i}]"))

    def if_(self, cond: str, then: list[str], els: list[str] | None = None) -> list[str]:
        if els and self.rng.random() < self.habits.swap_if:
            cond, then, els = negate(cond), els, then
        out = self.block(f"if ({cond})", then)
        if els:
            if self.habits.allman:
                out += ["else", "{", *indent(els), "}"]
            else:
                out[-1] = "} else {"
                out += [*indent(els), "}"]
        return out

    def ret(self, expr: str, typ: str) -> list[str]:
        if self.rng.random() < self.habits.temp_return and not re.fullmatch(r"[\w.]+", expr):
            name = self.v("res") if "res" not in self._method_names else self.v("dbl")
            if name in self._declared:
                return [f"return {expr};"]
            return [self.decl(typ, name, expr), f"return {name};"]
        return [f"return {expr};"]

    def cmt(self, text: str | None = None) -> list[str]:
        if self.rng.random() < self.habits.comment_rate:
            return [f"// {text or self.rng.choice(COMMENTS)}"]
        return []

    def sprinkle(self, lines: list[str]) -> list[str]:
        """Add dead code, comments and blank lines at top-level statement boundaries."""
        out: list[str] = []
        depth = 0
        for line in lines:
            if depth == 0 and not line.startswith(("}", "{", "else")):
                if self.rng.random() < self.habits.dead_rate:
                    self._dead += 1
                    n = "" if self._dead == 1 else str(self._dead)
                    out += [x.replace("{n}", n) for x in self.rng.choice(DEAD_CODE)]
                if self.rng.random() < self.habits.comment_rate / 2:
                    out.append(f"// {self.rng.choice(COMMENTS)}")
                if out and self.rng.random() < self.habits.blank_lines / 2:
                    out.append("")
            out.append(line)
            depth += line.count("{") - line.count("}")
        return out
