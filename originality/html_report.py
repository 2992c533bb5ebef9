"""Write a check report as static HTML: an overview page and one side-by-side page per pair.

The pages are self-contained (inline CSS, no script, no external resource) so a folder can be
mailed, archived or opened from disk. Everything a student controls (ids, file names, file
contents, error messages) is escaped, and a Content-Security-Policy forbids scripts anyway.
The same report gives the same bytes: no timestamps, no random ids, sorted iteration.

The side-by-side columns come from :mod:`.sxs`, which the service's report pages share:
fragment ``n`` of a pair (1-based, in the report's order, as in the JSON) is drawn in palette
colour ``(n - 1) % len(PALETTE)`` and carries its number on both sides; its first line holds
the anchors ``a-frag-n`` and ``b-frag-n``, each linking to the other.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from jinja2 import Environment

from . import overview, sxs
from .percents import percent
from .model import PairResult, SubmissionStatus
from .report import Report, not_compared, young_note
# The view's constants, kept importable from here where they were first defined.
from .sxs import CONTEXT_LINES, FULL_FILE_LINES, PALETTE, PROSE_SUFFIXES  # noqa: F401
from .sxs import Party, Sources

# Pairs beyond this rank (by similarity) are listed in the index but get no page: rendering
# source is what costs time and disk, and the least similar pairs are the least useful.
# 500: a judgment from the engine's first version, not measured.
MAX_RENDERED_PAIRS = 500
INDEX_NAME = "index.html"
PAIRS_DIR = "pairs"
# A pair's page is named by its rank and both ids (``pair_filename``), each cut to this many
# characters: a judgment, not measured, that keeps a name under 100 characters.
MAX_SLUG_CHARS = 40

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

    # Token classes are prefixed: Pygments' own "c1" (a comment) would take palette colour 1.
    sources = Sources(report.sources, token_prefix=sxs.TOKEN_PREFIX)
    pair_template = env.get_template("pair.html")
    pygments_css = sxs.pygments_css(sxs.TOKEN_PREFIX)
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


_name = sxs.name


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _environment() -> Environment:
    return sxs.environment()


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
class _FlagRow:
    submission: str
    file: str
    kind: str
    count: int
    detail: str


# The kinds of flag (``tamper``) in a reader's words; a kind not listed shows as is.
FLAG_WORDS = {
    "hidden_text": "Hidden text",
    "invisible_characters": "Invisible characters",
    "homoglyphs": "Look-alike letters",
}


def _flag_rows(report: Report, ids: Iterable[str] | None = None) -> list[_FlagRow]:
    """The flags of the report's submissions (or of ``ids``), by submission then file."""
    wanted = None if ids is None else set(ids)
    return [
        _FlagRow(_name(s.id), _name(str(f["file"])), FLAG_WORDS.get(str(f["kind"]), _name(str(f["kind"]))),
                 int(f["count"]), _name(str(f["detail"])))  # type: ignore[call-overload]
        for s in sorted(report.submissions, key=lambda s: s.id)
        if wanted is None or s.id in wanted
        for f in s.flags
    ]


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
            similarity=percent(p.similarity),
            a_share=percent(p.a_share),
            b_share=percent(p.b_share),
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
        "flags": _flag_rows(report),
        # Quotations that cite their source: listed, left out of every similarity.
        "quotations": [(s.id, str(q["file"]), q["start_line"], q["end_line"])
                       for s in sorted(report.submissions, key=lambda s: s.id) for q in s.quotations],
        # Files never compared (left unread by the limits, or skipped), which the assessor must know.
        "not_compared": [(_name(reason.detail), [(_name(sid), _name(f)) for sid, f in reason.shown], reason.more)
                         for reason in not_compared((s.id, s.unread) for s in submissions)],
        "pairs": rows,
        "histogram": _histogram(pairs),
        "background": percent(report.background),
        "groups": report.groups,
        "young": young_note(report.groups),
        "max_rendered": MAX_RENDERED_PAIRS,
    }


def _histogram(pairs: list[PairResult]) -> list[_Bin]:
    # Binned as the cohort page bins (``overview.bin_of``): a pair sits in the band of the
    # percent it shows.
    counts = [0] * overview.BINS
    for pair in pairs:
        counts[overview.bin_of(pair.similarity)] += 1
    highest = max(counts) or 1
    step = 100 // overview.BINS
    return [
        _Bin(label=f"{i * step}\u2013{(i + 1) * step}%", count=n, width=f"{100 * n / highest:.1f}%")
        for i, n in enumerate(counts)
    ]


# --- the pair pages -------------------------------------------------------------------------


def _pair_context(rank: int, pair: PairResult, report: Report, sources: Sources) -> dict[str, object]:
    a, b = Party(pair.a, pair.a), Party(pair.b, pair.b)
    return {
        "rank": rank,
        "a": _name(pair.a),
        "b": _name(pair.b),
        "similarity": percent(pair.similarity),
        "a_share": percent(pair.a_share),
        "b_share": percent(pair.b_share),
        "tokens": sum(f.tokens for f in pair.fragments),
        "fragments": sxs.fragment_rows(pair.fragments),
        "groups": sxs.groups(sources, a, b, pair.fragments, report.template_lines),
        "flags": _flag_rows(report, (pair.a, pair.b)),
    }
