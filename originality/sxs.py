"""Side by side: two submissions' files in two columns, their matched fragments highlighted in
pairs. Shared by the static report (:mod:`.html_report`) and the service's report pages.

Fragment ``n`` of a pair (1-based, in the report's order) is drawn in palette colour
``(n - 1) % len(PALETTE)`` and carries its number on both sides; its first line holds the
anchors ``a-frag-n`` and ``b-frag-n`` (after an optional prefix, so several pairs fit on one
page), each linking to the other: jumping between the sides needs no script. Each code row is
``<tr class="f cN" data-frag="n"><th>line</th>...`` so a reader (or a test) can check the
highlights against the JSON fragments; its other rows say "fragment n" to a screen reader, in
their fragment cell. Starter lines are greyed and marked :data:`STARTER_MARK` in that cell,
which names them to a screen reader: grey italics alone read like a student's own comments
(italic, in a colour of near-equal lightness) in greyscale print and to colour-blind eyes.
Long files are folded to their fragments with some context. In prose, the sentences of a fragment that share a 4-word
shingle with the other side are marked within the fragment's lighter highlight, and those that
share none but say the same in other words (a close fuzzy match, :data:`PARAPHRASE_SCORE`) are
marked too, as paraphrased (``<mark class="cN para">``).

Everything a student controls is escaped here; the output is deterministic.
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.style import Style
from pygments.styles.default import DefaultStyle
from pygments.util import ClassNotFound
from rapidfuzz import fuzz, process

from .model import Fragment, Span
from .tamper import fold_text

# A file up to this many lines is shown whole; a longer one shows its fragments with this much
# context and folds the rest, so a page stays readable and its size bounded.
# Both judgments, not measured (they came with the report pages).
FULL_FILE_LINES = 300
CONTEXT_LINES = 15
# Pygments lexes some 100,000 tokens a second: past these sizes text is shown escaped but not
# coloured, so the time to render stays bounded whatever the cohort hands in.
MAX_HIGHLIGHT_CHARS = 200_000
HIGHLIGHT_BUDGET_TOKENS = 200_000
# WCAG AA: normal text needs a contrast of 4.5:1 with its background, here white or a fragment
# colour of the palette.
MIN_CONTRAST = 4.5
# (background, edge) of each fragment colour; light backgrounds keep code text readable.
# The one place the colours are defined: every stylesheet is rendered from it.
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
# Prose sentences are matched on word shingles of this length, as the engine's prose units are.
SHINGLE_WORDS = 4
# A paraphrased sentence (synonyms, reordered words, changed voice) shares no shingle, yet it is
# the evidence an assessor needs: a sentence is also marked when its best
# ``fuzz.token_set_ratio`` (0-100, on case-folded words) against a sentence of the other side
# reaches this score. Chosen on real data, the P4P corpus (shared/data/prose-paraphrase: 856
# human paraphrases and 4,280 unrelated pairs; benchmarks/sentence_marks.py, docs/benchmarks.md):
# the lowest score that marks at most 2 % of sentences against the pooled sentences of five
# unrelated passages (1.9 %; 0.4 % against one). With the shingles it marks 83 % of the
# plagiarised sentences, where shingles alone mark 48 %; token_sort_ratio and ratio, each at
# its own 2 % score, reach 76 % and 74 %.
PARAPHRASE_SCORE = 58
# Sentences shorter than a shingle are neither marked nor matched against: token_set_ratio scores
# 100 whenever one sentence's words all occur in the other, which a few words easily do.
PARAPHRASE_MIN_WORDS = SHINGLE_WORDS
# About 3 microseconds a sentence pair (55 ms at this cap, measured on P4P sentences): past this
# many pairs in one fragment (some 140 sentences a side) only the shingle marks are drawn, so a
# page's rendering time stays bounded whatever length of prose it shows.
MAX_PARAPHRASE_PAIRS = 20_000
# What marks a starter or common-code line, beside its grey italics: a letter that prints and
# reads in greyscale, and the words for a screen reader. The legends explain the letter.
STARTER_LETTER = "S"
STARTER_WORDS = "starter or common code"
STARTER_MARK = (f'<span class="tplmk" title="{STARTER_WORDS}"><span aria-hidden="true">{STARTER_LETTER}</span>'
                f'<span class="sr">{STARTER_WORDS}</span></span>')
# Pygments names its token classes in short (``c1`` is a comment), and ``c1`` is also palette
# colour 1: a row of fragment 2 would turn italic and comments blue. Token classes get this
# prefix wherever :func:`stylesheet` is used; the static report still writes them bare.
TOKEN_PREFIX = "t-"

TEMPLATE_DIR = Path(__file__).parent / "templates" / "report"

# Control characters, lone surrogates (undecodable file names) and bidirectional overrides
# ("Trojan Source") are replaced: they cannot be written as UTF-8 or would disguise the text.
_HIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_TEXT = re.compile(f"[{_HIDDEN}\r]")
_UNSAFE_NAME = re.compile(f"[{_HIDDEN}\t\n\r]")
_WORD = re.compile(r"\w+")
# A sentence ends after . ! ? (and closing quotes or brackets) before a space, or at a blank
# line: extracted prose wraps its lines mid-sentence, so single line breaks do not end one.
_SENTENCE_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s)|\n[ \t]*\n")


def name(value: str) -> str:
    """A student-controlled name made printable; escaping is left to the templates."""
    return _UNSAFE_NAME.sub("\ufffd", value)


def lines_label(span: Span) -> str:
    if span.start_line == span.end_line:
        return f"line {span.start_line}"
    return f"lines {span.start_line}\u2013{span.end_line}"


def colour(number: int) -> int:
    return (number - 1) % len(PALETTE)


def is_prose(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in PROSE_SUFFIXES


def environment() -> Environment:
    """The Jinja environment of the engine's report templates (HTML and CSS)."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: str, backgrounds: Iterable[str], ratio: float = MIN_CONTRAST) -> str:
    """``colour`` darkened, keeping its hue, until it reads at ``ratio`` on every background."""
    full = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
    rgb = [int(full[i : i + 2], 16) for i in (1, 3, 5)]
    backgrounds = list(backgrounds)
    while min(contrast(full, b) for b in backgrounds) < ratio and any(rgb):
        rgb = [int(c * 0.9) for c in rgb]
        full = "#{:02x}{:02x}{:02x}".format(*rgb)
    return full


_HEX_COLOUR = re.compile(r"(?<!bg:)#[0-9a-fA-F]{6}\b|(?<!bg:)#[0-9a-fA-F]{3}\b")


class ReadableStyle(Style):
    """Pygments' default colours, each darkened as little as needed to read at 4.5:1 on white
    and on every fragment colour: Pygments' own styles do not (its green keywords on the blue
    fragment colour reach 3.6:1)."""

    background_color = "#ffffff"
    styles = {
        token: _HEX_COLOUR.sub(lambda m: readable(m.group(0), ["#ffffff"] + [p[0] for p in PALETTE]),
                               rule)
        for token, rule in DefaultStyle.styles.items()
    }


def formatter(token_prefix: str = "") -> HtmlFormatter[str]:
    return HtmlFormatter(nowrap=True, style=ReadableStyle, classprefix=token_prefix)


def pygments_css(token_prefix: str = "") -> Markup:
    """The token colours under ``.hl``: the other rules Pygments offers style elements not used."""
    rules = formatter(token_prefix).get_token_style_defs(".hl")  # type: ignore[no-untyped-call]
    return Markup("\n".join(rules))


def stylesheet() -> str:
    """The side-by-side rules for pages that bring their own frame: code tables, markers,
    the palette, the prose marks and the token colours, as one CSS file."""
    env = environment()
    parts = [env.get_template(file).render(palette=PALETTE) for file in ("sxs.css", "marks.css")]
    return "".join(parts) + str(pygments_css(TOKEN_PREFIX)) + "\n"


# --- one pair -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """One side of a pair: the key of its texts in :class:`Sources` and how to call it."""

    key: str
    label: str


@dataclass(frozen=True)
class FragmentRow:
    number: int
    colour: int
    a_file: str
    a_lines: str
    b_file: str
    b_lines: str
    tokens: int


@dataclass(frozen=True)
class Group:
    a_file: str
    b_file: str
    numbers: str
    a_table: Markup
    b_table: Markup


@dataclass(frozen=True)
class Layout:
    """How much to show: whole files up to ``full_lines``, else fragments +- ``context``.

    ``prefix`` goes before every anchor id, so several pairs can share a page; ``marks`` turns
    on the sentence marks in prose.
    """

    full_lines: int = FULL_FILE_LINES
    context: int = CONTEXT_LINES
    prefix: str = ""
    marks: bool = False


def fragment_rows(fragments: Sequence[Fragment]) -> list[FragmentRow]:
    return [
        FragmentRow(
            number=n,
            colour=colour(n),
            a_file=name(f.a.file),
            a_lines=lines_label(f.a),
            b_file=name(f.b.file),
            b_lines=lines_label(f.b),
            tokens=f.tokens,
        )
        for n, f in enumerate(fragments, start=1)
    ]


def groups(
    sources: Sources,
    a: Party,
    b: Party,
    fragments: Sequence[Fragment],
    template: Mapping[str, Mapping[str, Collection[int]]] | None = None,
    layout: Layout = Layout(),
) -> list[Group]:
    """Per pair of files (sorted by path), the two columns with their fragments in pairs.

    ``template`` maps a party's key to its starter lines per path, shown greyed.
    """
    template = template or {}
    by_files: dict[tuple[str, str], list[tuple[int, Fragment]]] = {}
    for number, fragment in enumerate(fragments, start=1):
        by_files.setdefault((fragment.a.file, fragment.b.file), []).append((number, fragment))
    out = []
    for (a_file, b_file), members in sorted(by_files.items()):
        a_partners = b_partners = None
        if layout.marks:
            a_partners = {n: sources.span_text(b.key, f.b) for n, f in members}
            b_partners = {n: sources.span_text(a.key, f.a) for n, f in members}
        out.append(
            Group(
                a_file=name(a_file),
                b_file=name(b_file),
                numbers=", ".join(f"#{n}" for n, _ in members),
                a_table=side(sources, "a", a, a_file, [(n, f.a) for n, f in members], b.label,
                             template.get(a.key, {}).get(a_file, ()), layout, a_partners),
                b_table=side(sources, "b", b, b_file, [(n, f.b) for n, f in members], a.label,
                             template.get(b.key, {}).get(b_file, ()), layout, b_partners),
            )
        )
    return out


def side(
    sources: Sources,
    which: str,
    party: Party,
    path: str,
    spans: Sequence[tuple[int, Span]],
    other: str,
    template: Collection[int] = (),
    layout: Layout = Layout(),
    partners: Mapping[int, str] | None = None,
) -> Markup:
    """One column of a side-by-side view: the file's lines with its fragments marked.

    A line in several fragments belongs to the lowest-numbered one; every fragment still gets
    its numbered anchor on its first line, or in a note below when the text cannot show it.
    ``partners`` (fragment number -> the other side's text of it) marks shared sentences in
    prose.
    """
    text = sources.get(party.key, path)
    count = len(text.lines) if text is not None else 0
    owners: dict[int, int] = {}
    starts: dict[int, list[int]] = {}
    for number, span in sorted(spans, key=lambda item: item[0]):
        first, last = max(1, span.start_line), min(span.end_line, count)
        for line in range(first, last + 1):
            owners.setdefault(line, number)
        starts.setdefault(first, []).append(number)
    greyed = frozenset(template)
    opposite = "b" if which == "a" else "a"
    title = escape(f"Go to the matching lines of {name(other)}")
    prefix = escape(layout.prefix)
    marked: dict[int, list[tuple[int, int, SentenceMark]]] = {}
    prose = False
    if partners is not None and text is not None and is_prose(path):
        prose = True
        marked = _marked_segments(text.raw, spans, owners, partners)

    def marker(number: int) -> str:
        return (
            f'<a class="mk c{colour(number)}" id="{prefix}{which}-frag-{number}" '
            f'href="#{prefix}{opposite}-frag-{number}" title="{title}">#{number}</a>'
        )

    parts: list[str] = []
    if text is None:
        parts.append(
            f'<p class="note">The text of <code>{escape(name(path))}</code> from '
            f"{escape(name(party.label))} is not in this report, so it cannot be shown.</p>"
        )
    elif not count:
        parts.append('<p class="note">This file has no text to show.</p>')
    else:
        if text.note:
            parts.append(f'<p class="note">{escape(text.note)}</p>')
        table_class = "code hl prose" if prose else "code hl"
        parts.append(
            f'<div class="scroll"><table class="{table_class}" data-side="{which}">'
            f'<caption class="sr">{escape(name(party.label))}: {escape(name(path))}</caption>'
            '<thead><tr><th scope="col">Line</th><th scope="col">Fragment</th>'
            '<th scope="col">Text</th></tr></thead><tbody>'
        )
        previous = 0
        for number in visible_lines(count, spans, layout.full_lines, layout.context):
            if number > previous + 1:
                parts.append(_gap(previous + 1, number - 1))
            previous = number
            owner = owners.get(number)
            segments = marked.get(number)
            if segments and owner is not None:
                html = _with_marks(text.raw[number - 1], segments, colour(owner))
            else:
                html = text.lines[number - 1]
            classes = []
            if owner is not None:
                classes.append(f"f c{colour(owner)}")
            if number in greyed:
                classes.append("tpl")
            attrs = f' class="{" ".join(classes)}"' if classes else ""
            if owner is not None:
                attrs += f' data-frag="{owner}"'
            starting = starts.get(number, ())
            marks = "".join(marker(n) for n in starting)
            if owner is not None and owner not in starting:
                # Its number is on the fragment's first row only; the colour tells the eye the
                # rest, words tell a screen reader.
                marks += f'<span class="sr">fragment {owner}</span>'
            if number in greyed:
                marks += STARTER_MARK
            parts.append(f"<tr{attrs}><th>{number}</th><td>{marks}</td><td>{html}</td></tr>")
        if previous < count:
            parts.append(_gap(previous + 1, count))
        parts.append("</tbody></table></div>")
    orphans = [n for line, numbers in sorted(starts.items()) if line > count for n in numbers]
    if orphans:
        spans_by_number = dict(spans)
        items = "".join(
            f"<li>{marker(n)} {escape(lines_label(spans_by_number[n]))}</li>" for n in sorted(orphans)
        )
        parts.append(f'<ul class="orphans" aria-label="Fragments not shown in the text">{items}</ul>')
    return Markup("".join(parts))


def visible_lines(
    count: int,
    spans: Iterable[tuple[int, Span]],
    full_lines: int = FULL_FILE_LINES,
    context: int = CONTEXT_LINES,
) -> list[int] | range:
    """The lines a side shows: all of a short file, the fragments with context of a long one."""
    if count <= full_lines:
        return range(1, count + 1)
    shown: set[int] = set()
    for _, span in spans:
        first = max(1, span.start_line - context)
        last = min(count, max(span.start_line, span.end_line) + context)
        shown.update(range(first, last + 1))
    return sorted(shown)


def _gap(first: int, last: int) -> str:
    count = last - first + 1
    what = f"line {first}" if count == 1 else f"{count} lines ({first}\u2013{last})"
    return f'<tr class="gap"><td></td><td></td><td>\u22ef {what} without a match, not shown</td></tr>'


# --- prose: the sentences both sides share -------------------------------------------------


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    """The runs of ``size`` consecutive lower-cased words of ``text``, read through invisible
    characters and look-alike letters as the matcher reads them (``tamper.fold_text``)."""
    words = _WORD.findall(fold_text(text).lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of ``text``, without surrounding space."""
    out: list[tuple[int, int]] = []
    start = 0
    for found in _SENTENCE_END.finditer(text):
        end = found.end() if found.group().strip() else found.start()
        out.append((start, end))
        start = found.end()
    out.append((start, len(text)))
    trimmed: list[tuple[int, int]] = []
    carry: int | None = None
    for first, last in out:
        first, last = _strip(text, first, last)
        if last <= first:
            continue
        if carry is not None:  # a list number ("1.") opens the sentence after it
            first, carry = carry, None
        if not any(c.isalpha() for c in text[first:last]):
            carry = first
            continue
        trimmed.append((first, last))
    if carry is not None:
        trimmed.append(_strip(text, carry, len(text)))
    return trimmed


def _strip(text: str, first: int, last: int) -> tuple[int, int]:
    piece = text[first:last]
    return first + len(piece) - len(piece.lstrip()), first + len(piece.rstrip())


class SentenceMark(enum.Enum):
    """Why a sentence is marked; the value is its CSS class beside the fragment colour."""

    SHARED = ""  # shares a word shingle with the other side
    PARAPHRASED = "para"  # shares none, but closely matches one of the other side's sentences


def shared_sentences(text: str, other: str, size: int = SHINGLE_WORDS) -> list[tuple[int, int]]:
    """The sentences of ``text`` that share at least one word shingle with ``other``."""
    theirs = shingles(other, size)
    if not theirs:
        return []
    return [(s, e) for s, e in sentences(text) if shingles(text[s:e], size) & theirs]


def folded_words(text: str) -> list[str]:
    """The words of ``text``, case-folded and tamper-folded: what the paraphrase scores compare."""
    return _WORD.findall(fold_text(text).casefold())


def paraphrase_scores(mine: Sequence[str], theirs: Sequence[str]) -> list[float]:
    """Per sentence of ``mine``, its best ``token_set_ratio`` (0-100) with a sentence of
    ``theirs``, both as case-folded words; 0.0 for a sentence shorter than
    :data:`PARAPHRASE_MIN_WORDS` or when ``theirs`` has no sentence that long."""
    folded = [folded_words(s) for s in mine]
    queries = [" ".join(w) for w in folded if len(w) >= PARAPHRASE_MIN_WORDS]
    choices = [" ".join(w) for w in map(folded_words, theirs) if len(w) >= PARAPHRASE_MIN_WORDS]
    if not queries or not choices:
        return [0.0] * len(mine)
    best = process.cdist(queries, choices, scorer=fuzz.token_set_ratio).max(axis=1)
    scores = iter(best.tolist())
    return [next(scores) if len(w) >= PARAPHRASE_MIN_WORDS else 0.0 for w in folded]


def sentence_marks(
    text: str, other: str, size: int = SHINGLE_WORDS
) -> list[tuple[int, int, SentenceMark]]:
    """The (start, end, why) of the sentences of ``text`` to mark against ``other``: those that
    share a word shingle with it, then, of the rest, those whose best match among ``other``'s
    sentences reaches :data:`PARAPHRASE_SCORE`."""
    theirs = shingles(other, size)
    found = sentences(text)
    shared = {(s, e) for s, e in found if shingles(text[s:e], size) & theirs} if theirs else set()
    rest = [(s, e) for s, e in found if (s, e) not in shared]
    paraphrased: set[tuple[int, int]] = set()
    partner = [other[s:e] for s, e in sentences(other)] if rest else []
    if partner and len(rest) * len(partner) <= MAX_PARAPHRASE_PAIRS:
        scores = paraphrase_scores([text[s:e] for s, e in rest], partner)
        paraphrased = {span for span, score in zip(rest, scores) if score >= PARAPHRASE_SCORE}
    return [
        (s, e, SentenceMark.SHARED if (s, e) in shared else SentenceMark.PARAPHRASED)
        for s, e in found
        if (s, e) in shared or (s, e) in paraphrased
    ]


def _marked_segments(
    raw: Sequence[str],
    spans: Sequence[tuple[int, Span]],
    owners: Mapping[int, int],
    partners: Mapping[int, str],
) -> dict[int, list[tuple[int, int, SentenceMark]]]:
    """Line -> (start, end, why) columns to mark, from the sentences of the line's own fragment.

    A fragment's lines are joined to find its sentences (they cross line breaks), then the
    marked ones are cut back into per-line pieces.
    """
    out: dict[int, list[tuple[int, int, SentenceMark]]] = {}
    count = len(raw)
    for number, span in spans:
        first, last = max(1, span.start_line), min(span.end_line, count)
        other = partners.get(number, "")
        if last < first or not other:
            continue
        starts: list[int] = []
        offset = 0
        for line in range(first, last + 1):
            starts.append(offset)
            offset += len(raw[line - 1]) + 1
        joined = "\n".join(raw[first - 1 : last])
        for s, e, why in sentence_marks(joined, other):
            for index, line in enumerate(range(first, last + 1)):
                if owners.get(line) != number:
                    continue
                begin, end = starts[index], starts[index] + len(raw[line - 1])
                low, high = _strip(joined, max(s, begin), min(e, end))
                if high > low:
                    out.setdefault(line, []).append((low - begin, high - begin, why))
    return out


def _with_marks(line: str, segments: Iterable[tuple[int, int, SentenceMark]], number: int) -> str:
    parts: list[str] = []
    position = 0
    for start, end, why in sorted(set(segments), key=lambda item: item[:2]):
        start = max(start, position)
        if end <= start:
            continue
        parts.append(str(escape(line[position:start])))
        if why is SentenceMark.PARAPHRASED:
            # The title names the kind to a pointer; the dashed edge (marks.css) shows it to
            # the eye without relying on colour alone.
            opening = f'<mark class="c{number} {why.value}" title="paraphrased">'
        else:
            opening = f'<mark class="c{number}">'
        parts.append(f"{opening}{escape(line[start:end])}</mark>")
        position = end
    parts.append(str(escape(line[position:])))
    return "".join(parts)


# --- source text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    lines: list[str]  # HTML of each line, escaped and possibly coloured
    note: str = ""
    raw: tuple[str, ...] = ()  # the same lines as text, unsafe characters replaced


class Sources:
    """Files as lines of HTML, each prepared once: ``texts`` maps a key (a submission) to
    its files' texts by path. Pages styled by :func:`stylesheet` pass ``TOKEN_PREFIX``.

    Files are coloured in the order they are asked for until the highlighting budget is spent;
    callers ask in a fixed order, so the output is fixed too.
    """

    def __init__(self, texts: Mapping[str, Mapping[str, str]],
                 budget: int = HIGHLIGHT_BUDGET_TOKENS, token_prefix: str = "") -> None:
        self._texts = texts
        self._cache: dict[tuple[str, str], Text | None] = {}
        self._lexers: dict[str, Lexer | None] = {}
        self._formatter = formatter(token_prefix)
        self._budget = budget

    def get(self, key: str, path: str) -> Text | None:
        cache_key = (key, path)
        if cache_key not in self._cache:
            raw = self._texts.get(key, {}).get(path)
            self._cache[cache_key] = None if raw is None else self._prepare(path, raw)
        return self._cache[cache_key]

    def span_text(self, key: str, span: Span) -> str:
        """The text of a span's lines (empty if the file is not known)."""
        text = self.get(key, span.file)
        if text is None:
            return ""
        return "\n".join(text.raw[max(0, span.start_line - 1) : max(0, span.end_line)])

    def _prepare(self, path: str, raw: str) -> Text:
        # Lines are counted on "\n" alone, as normalize does, so line numbers agree.
        lines = raw.split("\n") if raw else []
        if lines and lines[-1] == "":
            lines.pop()
        lines = [_UNSAFE_TEXT.sub("\ufffd", line[:-1] if line.endswith("\r") else line) for line in lines]
        clean = tuple(lines)
        plain = Text([str(escape(line)) for line in lines], raw=clean)
        lexer = self._lexer(path)
        if lexer is None or not lines:
            return plain
        joined = "\n".join(lines) + "\n"
        uncoloured = Text(plain.lines, "Shown without syntax colours: the file or the report is large.", clean)
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
        return Text(coloured, raw=clean) if len(coloured) == len(lines) else plain

    def _lexer(self, path: str) -> Lexer | None:
        base = PurePosixPath(path).name
        suffix = PurePosixPath(base).suffix.lower()
        if suffix in PROSE_SUFFIXES:
            return None
        key = suffix or base
        if key not in self._lexers:
            try:
                lexer = get_lexer_for_filename(
                    f"x{suffix}" if suffix else base, stripnl=False, ensurenl=True, stripall=False
                )
            except ClassNotFound:
                lexer = None
            self._lexers[key] = None if isinstance(lexer, TextLexer) else lexer
        return self._lexers[key]
