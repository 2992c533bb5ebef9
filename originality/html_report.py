"""Write a check report as static HTML: an overview page and one side-by-side page per pair.

The pages are self-contained (inline CSS, no script, no external resource) so a folder can be
mailed, archived or opened from disk. Everything a student controls (ids, file names, file
contents, error messages) is escaped, and a Content-Security-Policy forbids scripts anyway.
The same report gives the same bytes: no timestamps, no random ids, sorted iteration.

Fragment ``n`` of a pair (1-based, in the report's order, as in the JSON) is drawn in
palette colour ``(n - 1) % len(PALETTE)`` and carries its number on both sides; its first
line holds the anchors ``a-frag-n`` and ``b-frag-n``, each linking to the other.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from .model import Fragment, PairResult, Span, SubmissionStatus
from .report import Report

# Pairs beyond this rank (by similarity) are listed in the index but get no page: rendering
# source is what costs time and disk, and the least similar pairs are the least useful.
MAX_RENDERED_PAIRS = 500
HISTOGRAM_BINS = 10
# A file up to this many lines is shown whole; a longer one shows its fragments with this much
# context and folds the rest, so a page stays readable and its size bounded.
FULL_FILE_LINES = 300
CONTEXT_LINES = 15
# Pygments lexes some 100,000 tokens a second: past these sizes text is shown escaped but not
# coloured, so a report's write time stays bounded whatever the cohort hands in.
MAX_HIGHLIGHT_CHARS = 200_000
HIGHLIGHT_BUDGET_TOKENS = 200_000
PYGMENTS_STYLE = "default"
# (background, edge) of each fragment colour; light backgrounds keep code text readable.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#ffe58f", "#b8860b"),
    ("#b3dcff", "#1f6fb2"),
    ("#c2f0b8", "#2e8b2e"),
    ("#ffc9d6", "#c0395b"),
    ("#dccfff", "#6a4fc2"),
    ("#ffd3ad", "#c46210"),
    ("#b5efe6", "#16877a"),
    ("#e9e9a6", "#85851a"),
)
# Extracted documents and plain text: shown escaped, without a lexer's guess at colours.
PROSE_SUFFIXES = frozenset(
    {".md", ".markdown", ".txt", ".rst", ".tex", ".doc", ".docx", ".odt", ".rtf", ".pdf",
     ".ppt", ".pptx", ".odp", ".ipynb"}
)
INDEX_NAME = "index.html"
PAIRS_DIR = "pairs"
MAX_SLUG_CHARS = 40

TEMPLATE_DIR = Path(__file__).parent / "templates" / "report"

# Control characters, lone surrogates (undecodable file names) and bidirectional overrides
# ("Trojan Source") are replaced: they cannot be written as UTF-8 or would disguise the text.
_HIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT = re.compile(f"[{_HIDDEN}\r]")
_UNSAFE_NAME = re.compile(f"[{_HIDDEN}\t\n\r]")
_UNSAFE_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
_PAGE_NAME = re.compile(r"^\d{4,}-.*\.html$")


def write_html(report: Report, outdir: Path) -> Path:
    """Write ``index.html`` and ``pairs/*.html`` for ``report`` into ``outdir``.

    Returns the path of ``index.html``. Pair pages from an earlier run that this report does
    not have are removed, so the folder always describes one report.
    """
    outdir = Path(outdir)
    pairs_dir = outdir / PAIRS_DIR
    pairs_dir.mkdir(parents=True, exist_ok=True)
    env = _environment()
    pairs = sorted_pairs(report.pairs)

    sources = _Sources(report)
    pair_template = env.get_template("pair.html")
    # Only the token colours: the other rules Pygments offers style elements we do not use.
    rules = _formatter().get_token_style_defs(".hl")  # type: ignore[no-untyped-call]
    pygments_css = Markup("\n".join(rules))
    written: set[str] = set()
    for rank, pair in enumerate(pairs[:MAX_RENDERED_PAIRS], start=1):
        name = pair_filename(rank, pair.a, pair.b)
        page = pair_template.render(
            palette=PALETTE,
            pygments_css=pygments_css,
            **_pair_context(rank, pair, report, sources),
        )
        _write(pairs_dir / name, page)
        written.add(name)
    for stale in sorted(pairs_dir.iterdir()):
        if _PAGE_NAME.match(stale.name) and stale.name not in written and stale.is_file():
            stale.unlink()

    index = outdir / INDEX_NAME
    _write(index, env.get_template("index.html").render(palette=PALETTE, **_index_context(report, pairs)))
    return index


def sorted_pairs(pairs: list[PairResult]) -> list[PairResult]:
    """Most similar first; ties by the ids, so the order never depends on the input order."""
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def pair_filename(rank: int, a: str, b: str) -> str:
    """The file name of a pair's page: ``0007-alice--bob.html``, safe on any file system.

    The rank keeps names unique when two ids reduce to the same slug.
    """
    return f"{rank:04d}-{_slug(a)}--{_slug(b)}.html"


def _slug(value: str) -> str:
    return _UNSAFE_SLUG.sub("_", value).strip("._-")[:MAX_SLUG_CHARS] or "_"


def _name(value: str) -> str:
    """A student-controlled name made printable; escaping is left to the templates."""
    return _UNSAFE_NAME.sub("\ufffd", value)


def _percent(value: float) -> str:
    return f"{min(1.0, max(0.0, value)):.1%}"


def _lines(span: Span) -> str:
    if span.start_line == span.end_line:
        return f"line {span.start_line}"
    return f"lines {span.start_line}\u2013{span.end_line}"


def _colour(number: int) -> int:
    return (number - 1) % len(PALETTE)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _formatter() -> HtmlFormatter[str]:
    return HtmlFormatter(nowrap=True, style=PYGMENTS_STYLE)


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PairRow:
    rank: int
    a: str
    b: str
    similarity: str
    a_share: str
    b_share: str
    fragments: int
    tokens: int
    href: str | None


@dataclass(frozen=True)
class _Rejected:
    id: str
    code: str
    message: str


@dataclass(frozen=True)
class _Bin:
    label: str
    count: int
    width: str


def _index_context(report: Report, pairs: list[PairResult]) -> dict[str, object]:
    rows = [
        _PairRow(
            rank=rank,
            a=_name(p.a),
            b=_name(p.b),
            similarity=_percent(p.similarity),
            a_share=_percent(p.a_share),
            b_share=_percent(p.b_share),
            fragments=len(p.fragments),
            tokens=sum(f.tokens for f in p.fragments),
            href=f"{PAIRS_DIR}/{pair_filename(rank, p.a, p.b)}" if rank <= MAX_RENDERED_PAIRS else None,
        )
        for rank, p in enumerate(pairs, start=1)
    ]
    submissions = sorted(report.submissions, key=lambda s: s.id)
    rejected = [
        _Rejected(
            id=_name(s.id),
            code=_name(str((s.error or {}).get("code", "unknown"))),
            message=_name(str((s.error or {}).get("message", ""))),
        )
        for s in submissions
        if s.status is SubmissionStatus.REJECTED
    ]
    codes = sorted(Counter(r.code for r in rejected).items())
    return {
        "counts": {
            "submissions": len(submissions),
            "ok": sum(1 for s in submissions if s.status is SubmissionStatus.OK),
            "rejected": len(rejected),
            "pairs": len(rows),
            "rendered": min(len(rows), MAX_RENDERED_PAIRS),
        },
        "codes": codes,
        "rejected": rejected,
        "pairs": rows,
        "histogram": _histogram(pairs),
        "max_rendered": MAX_RENDERED_PAIRS,
    }


def _histogram(pairs: list[PairResult]) -> list[_Bin]:
    counts = [0] * HISTOGRAM_BINS
    for pair in pairs:
        # Rounding first keeps 0.3 in the 30-40% band despite binary floating point.
        position = math.floor(round(min(1.0, max(0.0, pair.similarity)) * HISTOGRAM_BINS, 9))
        counts[min(position, HISTOGRAM_BINS - 1)] += 1
    highest = max(counts) or 1
    step = 100 // HISTOGRAM_BINS
    return [
        _Bin(label=f"{i * step}\u2013{(i + 1) * step}%", count=n, width=f"{100 * n / highest:.1f}%")
        for i, n in enumerate(counts)
    ]


# --- the pair pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class _FragmentRow:
    number: int
    colour: int
    a_file: str
    a_lines: str
    b_file: str
    b_lines: str
    tokens: int


@dataclass(frozen=True)
class _Group:
    a_file: str
    b_file: str
    numbers: str
    a_table: Markup
    b_table: Markup


def _pair_context(rank: int, pair: PairResult, report: Report, sources: _Sources) -> dict[str, object]:
    numbered = list(enumerate(pair.fragments, start=1))
    by_files: dict[tuple[str, str], list[tuple[int, Fragment]]] = {}
    for number, fragment in numbered:
        by_files.setdefault((fragment.a.file, fragment.b.file), []).append((number, fragment))
    groups = []
    for (a_file, b_file), members in sorted(by_files.items()):
        groups.append(
            _Group(
                a_file=_name(a_file),
                b_file=_name(b_file),
                numbers=", ".join(f"#{n}" for n, _ in members),
                a_table=_side(report, sources, "a", pair.a, a_file, [(n, f.a) for n, f in members], pair.b),
                b_table=_side(report, sources, "b", pair.b, b_file, [(n, f.b) for n, f in members], pair.a),
            )
        )
    return {
        "rank": rank,
        "a": _name(pair.a),
        "b": _name(pair.b),
        "similarity": _percent(pair.similarity),
        "a_share": _percent(pair.a_share),
        "b_share": _percent(pair.b_share),
        "tokens": sum(f.tokens for f in pair.fragments),
        "fragments": [
            _FragmentRow(
                number=n,
                colour=_colour(n),
                a_file=_name(f.a.file),
                a_lines=_lines(f.a),
                b_file=_name(f.b.file),
                b_lines=_lines(f.b),
                tokens=f.tokens,
            )
            for n, f in numbered
        ],
        "groups": groups,
    }


def _side(
    report: Report,
    sources: _Sources,
    side: str,
    submission: str,
    path: str,
    spans: list[tuple[int, Span]],
    other: str,
) -> Markup:
    """One column of a side-by-side view: the file's lines with its fragments marked.

    A line in several fragments belongs to the lowest-numbered one; every fragment still gets
    its numbered anchor on its first line, or in a note below when the text cannot show it.
    """
    text = sources.get(submission, path)
    count = len(text.lines) if text is not None else 0
    owners: dict[int, int] = {}
    starts: dict[int, list[int]] = {}
    for number, span in sorted(spans, key=lambda item: item[0]):
        first, last = max(1, span.start_line), min(span.end_line, count)
        for line in range(first, last + 1):
            owners.setdefault(line, number)
        starts.setdefault(first, []).append(number)
    template = frozenset(report.template_lines.get(submission, {}).get(path, ()))
    opposite = "b" if side == "a" else "a"
    title = escape(f"Go to the matching lines of {_name(other)}")

    def marker(number: int) -> str:
        return (
            f'<a class="mk c{_colour(number)}" id="{side}-frag-{number}" '
            f'href="#{opposite}-frag-{number}" title="{title}">#{number}</a>'
        )

    parts: list[str] = []
    if text is None:
        parts.append(
            f'<p class="note">The text of <code>{escape(_name(path))}</code> from '
            f"{escape(_name(submission))} is not in this report, so it cannot be shown.</p>"
        )
    elif not count:
        parts.append('<p class="note">This file has no text to show.</p>')
    else:
        if text.note:
            parts.append(f'<p class="note">{escape(text.note)}</p>')
        parts.append(
            f'<div class="scroll"><table class="code hl" data-side="{side}">'
            f'<caption class="sr">{escape(_name(submission))}: {escape(_name(path))}</caption>'
            '<thead><tr><th scope="col">Line</th><th scope="col">Fragment</th>'
            '<th scope="col">Text</th></tr></thead><tbody>'
        )
        previous = 0
        for number in _visible_lines(count, spans):
            if number > previous + 1:
                parts.append(_gap(previous + 1, number - 1))
            previous = number
            html = text.lines[number - 1]
            owner = owners.get(number)
            classes = []
            if owner is not None:
                classes.append(f"f c{_colour(owner)}")
            if number in template:
                classes.append("tpl")
            attrs = f' class="{" ".join(classes)}"' if classes else ""
            if owner is not None:
                attrs += f' data-frag="{owner}"'
            marks = "".join(marker(n) for n in starts.get(number, ()))
            parts.append(f"<tr{attrs}><th>{number}</th><td>{marks}</td><td>{html}</td></tr>")
        if previous < count:
            parts.append(_gap(previous + 1, count))
        parts.append("</tbody></table></div>")
    orphans = [n for line, numbers in sorted(starts.items()) if line > count for n in numbers]
    if orphans:
        spans_by_number = dict(spans)
        items = "".join(
            f"<li>{marker(n)} {escape(_lines(spans_by_number[n]))}</li>" for n in sorted(orphans)
        )
        parts.append(f'<ul class="orphans" aria-label="Fragments not shown in the text">{items}</ul>')
    return Markup("".join(parts))


def _visible_lines(count: int, spans: list[tuple[int, Span]]) -> list[int] | range:
    """The lines a side shows: all of a short file, the fragments with context of a long one."""
    if count <= FULL_FILE_LINES:
        return range(1, count + 1)
    shown: set[int] = set()
    for _, span in spans:
        first = max(1, span.start_line - CONTEXT_LINES)
        last = min(count, max(span.start_line, span.end_line) + CONTEXT_LINES)
        shown.update(range(first, last + 1))
    return sorted(shown)


def _gap(first: int, last: int) -> str:
    count = last - first + 1
    what = f"line {first}" if count == 1 else f"{count} lines ({first}\u2013{last})"
    return f'<tr class="gap"><th></th><td></td><td>\u22ef {what} without a match, not shown</td></tr>'


# --- source text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    lines: list[str]  # HTML of each line, escaped and possibly coloured
    note: str = ""


class _Sources:
    """The shown files of one report as lines of HTML, each file prepared once.

    Files are coloured in the order the pages ask for them (most similar pairs first) until
    the report's highlighting budget is spent; the order is fixed, so the output is too.
    """

    def __init__(self, report: Report) -> None:
        self._texts = report.sources
        self._cache: dict[tuple[str, str], _Text | None] = {}
        self._lexers: dict[str, Lexer | None] = {}
        self._formatter = _formatter()
        self._budget = HIGHLIGHT_BUDGET_TOKENS

    def get(self, submission: str, path: str) -> _Text | None:
        key = (submission, path)
        if key not in self._cache:
            raw = self._texts.get(submission, {}).get(path)
            self._cache[key] = None if raw is None else self._prepare(path, raw)
        return self._cache[key]

    def _prepare(self, path: str, raw: str) -> _Text:
        # Lines are counted on "\n" alone, as normalize does, so line numbers agree.
        lines = raw.split("\n") if raw else []
        if lines and lines[-1] == "":
            lines.pop()
        lines = [_UNSAFE_TEXT.sub("\ufffd", line[:-1] if line.endswith("\r") else line) for line in lines]
        plain = _Text([str(escape(line)) for line in lines])
        lexer = self._lexer(path)
        if lexer is None or not lines:
            return plain
        joined = "\n".join(lines) + "\n"
        uncoloured = _Text(plain.lines, "Shown without syntax colours: the file or the report is large.")
        if len(joined) > MAX_HIGHLIGHT_CHARS or not self._budget:
            return uncoloured
        tokens: list[tuple[Any, str]] = []
        for token in lexer.get_tokens(joined):
            tokens.append(token)
            if len(tokens) > self._budget:
                # Spent: colour nothing more, so lexing never costs more than the budget.
                self._budget = 0
                return uncoloured
        self._budget -= len(tokens)
        out = io.StringIO()
        self._formatter.format(iter(tokens), out)
        coloured = out.getvalue().split("\n")
        if coloured and coloured[-1] == "":
            coloured.pop()
        # A lexer that merges or splits lines would shift the fragments: keep the plain text.
        return _Text(coloured) if len(coloured) == len(lines) else plain

    def _lexer(self, path: str) -> Lexer | None:
        name = PurePosixPath(path).name
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in PROSE_SUFFIXES:
            return None
        key = suffix or name
        if key not in self._lexers:
            try:
                lexer = get_lexer_for_filename(
                    f"x{suffix}" if suffix else name, stripnl=False, ensurenl=True, stripall=False
                )
            except ClassNotFound:
                lexer = None
            self._lexers[key] = None if isinstance(lexer, TextLexer) else lexer
        return self._lexers[key]
