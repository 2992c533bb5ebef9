"""The side-by-side view shared by the static report and the pages: prose sentence marks,
anchor prefixes, folding, token classes, and reading a stored report's evidence."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from originality import evidence, sxs
from originality.model import Fragment, Span

PROSE_A = (
    "# Design\n"
    "\n"
    "The loader reads every row of the spreadsheet and checks the header first. It then\n"
    "computes the weighted average of each student. My own sentence is here.\n"
    "Short one.\n"
)
PROSE_B = (
    "Intro that nobody copied.\n"
    "The loader reads every row of the spreadsheet and checks the header first.\n"
    "Afterwards it computes the weighted average of each student, as asked.\n"
)


class Rows(HTMLParser):
    """Per code row: its line, fragment, classes and the marked pieces of its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: dict[int, dict[str, object]] = {}
        self.ids: list[str] = []
        self._row: dict[str, object] | None = None
        self._th = self._mark = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "tr":
            self._row = {"frag": a.get("data-frag"), "classes": a.get("class", "").split(),
                         "marks": [], "line": None}
        elif tag == "th" and self._row is not None:
            self._th = True
        elif tag == "mark" and self._row is not None:
            self._mark = True
            self._row["marks"].append([a.get("class", ""), ""])  # type: ignore[attr-defined]

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._th = False
        elif tag == "mark":
            self._mark = False
        elif tag == "tr" and self._row is not None:
            if isinstance(self._row["line"], int):
                self.rows[self._row["line"]] = self._row
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is None:
            return
        if self._th and data.strip().isdigit():
            self._row["line"] = int(data)
        elif self._mark:
            self._row["marks"][-1][1] += data  # type: ignore[index]


def render(path: str, text: str, spans: list[tuple[int, Span]], partners: dict[int, str] | None,
           layout: sxs.Layout = sxs.Layout(), template: tuple[int, ...] = ()) -> str:
    sources = sxs.Sources({"x": {path: text}})
    return str(sxs.side(sources, "a", sxs.Party("x", "Xavier"), path, spans, "Yolanda",
                        template, layout, partners))


def test_sentences_cross_line_breaks_and_end_at_blank_lines() -> None:
    text = "First one. Second\nspans two lines! Third?\n\nA heading\n\n1. Listed item here."
    assert [text[s:e] for s, e in sxs.sentences(text)] == [
        "First one.", "Second\nspans two lines!", "Third?", "A heading", "1. Listed item here.",
    ]


def test_shingles_are_lower_cased_four_word_runs() -> None:
    assert sxs.shingles("The Loader READS every row.") == {
        ("the", "loader", "reads", "every"), ("loader", "reads", "every", "row")}
    assert sxs.shingles("three words only") == set()


def test_a_sentence_is_marked_when_it_shares_one_shingle() -> None:
    # Words are compared as written: "computes" is not "compute", so no run of four is shared.
    assert sxs.shared_sentences("It computes the weighted average here.",
                                "Then compute the weighted average of each") == []
    # "the weighted average of" is a run of both:
    text = "We take the weighted average of marks. Nothing else matches at all."
    assert [text[s:e] for s, e in sxs.shared_sentences(text, PROSE_B)] == [
        "We take the weighted average of marks."]
    assert sxs.shared_sentences(text, "") == []


def test_prose_marks_the_shared_sentences_within_the_fragment_only() -> None:
    html = render("report.md", PROSE_A, [(1, Span("report.md", 3, 5))], {1: PROSE_B})
    assert 'class="code hl prose"' in html
    rows = Rows(html).rows
    assert rows[3]["marks"] == [
        ["c0", "The loader reads every row of the spreadsheet and checks the header first."],
        ["c0", "It then"],  # the next sentence goes on on line 4
    ]
    assert rows[4]["marks"] == [["c0", "computes the weighted average of each student."]]
    assert rows[5]["marks"] == [] and rows[5]["frag"] == "1"  # "Short one." shares nothing
    assert rows[1]["marks"] == [] and rows[1]["frag"] is None  # outside the fragment


# The same claim in other words (reordered, changed voice, "checks" -> "has checked"): it
# shares no four-word run with the sentence it paraphrases.
PARAPHRASE = "Every spreadsheet row is read by the loader, after it has checked the header."
ORIGINAL = "The loader checks the header first and then reads every row of the spreadsheet."
UNRELATED = "My cat sleeps on the warm windowsill for the whole afternoon."


def test_a_paraphrased_sentence_is_marked_though_it_shares_no_shingle() -> None:
    assert not sxs.shingles(PARAPHRASE) & sxs.shingles(ORIGINAL)
    assert sxs.shared_sentences(PARAPHRASE, ORIGINAL) == []
    [score] = sxs.paraphrase_scores([PARAPHRASE], [UNRELATED, ORIGINAL])
    assert score >= sxs.PARAPHRASE_SCORE
    text = f"{PARAPHRASE} {UNRELATED}"
    assert [(text[s:e], why) for s, e, why in sxs.sentence_marks(text, ORIGINAL)] == [
        (PARAPHRASE, sxs.SentenceMark.PARAPHRASED)]


def test_an_unrelated_sentence_is_not_marked() -> None:
    [score] = sxs.paraphrase_scores([UNRELATED], [ORIGINAL, PARAPHRASE])
    assert score < sxs.PARAPHRASE_SCORE
    assert sxs.sentence_marks(UNRELATED, f"{ORIGINAL} {PARAPHRASE}") == []


def test_sentences_shorter_than_a_shingle_are_never_fuzzy_matched() -> None:
    # Every word of "the loader reads" is in the original: token_set_ratio alone would say 100.
    assert sxs.paraphrase_scores(["The loader reads.", PARAPHRASE], [ORIGINAL]) == [
        0.0, sxs.paraphrase_scores([PARAPHRASE], [ORIGINAL])[0]]
    assert sxs.paraphrase_scores([PARAPHRASE], ["Loader reads rows."]) == [0.0]
    assert sxs.paraphrase_scores([], [ORIGINAL]) == []


def test_a_sentence_with_a_shared_shingle_stays_a_shared_mark() -> None:
    text = "We take the weighted average of marks. " + PARAPHRASE
    other = PROSE_B + " " + ORIGINAL
    assert [(text[s:e], why) for s, e, why in sxs.sentence_marks(text, other)] == [
        ("We take the weighted average of marks.", sxs.SentenceMark.SHARED),
        (PARAPHRASE, sxs.SentenceMark.PARAPHRASED),
    ]
    # shared_sentences keeps its meaning: the shingle marks alone.
    assert [text[s:e] for s, e in sxs.shared_sentences(text, other)] == [
        "We take the weighted average of marks."]


def test_paraphrased_sentences_are_marked_apart_in_the_page() -> None:
    text = "Heading line\n" + PARAPHRASE + "\nThe loader reads every row of the sheet.\n"
    html = render("notes.md", text, [(1, Span("notes.md", 2, 3))],
                  {1: ORIGINAL + " The loader reads every row, always."})
    rows = Rows(html).rows
    assert rows[2]["marks"] == [["c0 para", PARAPHRASE]]
    assert rows[3]["marks"] == [["c0", "The loader reads every row of the sheet."]]
    assert f'<mark class="c0 para" title="paraphrased">{PARAPHRASE}</mark>' in html
    assert rows[1]["marks"] == []  # outside the fragment
    assert "mark.para" in sxs.stylesheet()


def test_long_fragments_fall_back_to_shingle_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rendering time stays bounded: past the pair budget only shingles are compared.
    text = f"{PARAPHRASE} We take the weighted average of marks."
    other = f"{ORIGINAL} {PROSE_B}"
    assert len(sxs.sentence_marks(text, other)) == 2
    monkeypatch.setattr(sxs, "MAX_PARAPHRASE_PAIRS", 1)
    assert [why for _, _, why in sxs.sentence_marks(text, other)] == [sxs.SentenceMark.SHARED]


def test_prose_marks_are_escaped_and_never_split_markup() -> None:
    hostile = "<script>alert(1)</script> the loader reads every row & more.\n"
    html = render("a.txt", hostile, [(1, Span("a.txt", 1, 1))], {1: "the loader reads every row"})
    assert "<script>" not in html
    assert '<mark class="c0">&lt;script&gt;alert(1)&lt;/script&gt; the loader reads every row &amp; more.</mark>' in html


def test_code_is_never_sentence_marked() -> None:
    code = "def f(x):\n    return the_loader(reads, every, row)\n"
    html = render("f.py", code, [(1, Span("f.py", 1, 2))], {1: code})
    assert "<mark" not in html and "prose" not in html


def test_without_partners_the_markup_is_the_static_reports() -> None:
    plain = render("report.md", PROSE_A, [(1, Span("report.md", 3, 5))], None)
    assert "<mark" not in plain and 'class="code hl"' in plain


def test_a_line_of_two_fragments_is_marked_for_its_owner() -> None:
    spans = [(1, Span("r.md", 3, 3)), (2, Span("r.md", 3, 4))]
    html = render("r.md", PROSE_A, spans, {1: PROSE_B, 2: PROSE_B})
    rows = Rows(html).rows
    assert rows[3]["frag"] == "1" and {m[0] for m in rows[3]["marks"]} == {"c0"}  # type: ignore[attr-defined]
    assert rows[4]["frag"] == "2" and {m[0] for m in rows[4]["marks"]} == {"c1"}  # type: ignore[attr-defined]


def test_prefix_keeps_anchors_unique_and_paired() -> None:
    html = render("a.py", "x = 1\ny = 2\n", [(1, Span("a.py", 1, 2))], None, sxs.Layout(prefix="m3-"))
    assert 'id="m3-a-frag-1" href="#m3-b-frag-1"' in html


def test_folding_keeps_the_fragments_with_their_context() -> None:
    text = "".join(f"line {i}\n" for i in range(1, 41))
    html = render("a.txt", text, [(1, Span("a.txt", 20, 21))], None,
                  sxs.Layout(full_lines=0, context=2))
    assert sorted(Rows(html).rows) == [18, 19, 20, 21, 22, 23]
    assert "17 lines (1–17) without a match" in html and "17 lines (24–40) without a match" in html
    assert sxs.visible_lines(10, [(1, Span("a", 5, 5))], full_lines=10) == range(1, 11)


def test_starter_lines_are_greyed() -> None:
    html = render("a.py", "a = 1\nb = 2\nc = 3\n", [(1, Span("a.py", 2, 3))], None, template=(1, 2))
    rows = Rows(html).rows
    assert rows[1]["classes"] == ["tpl"] and rows[2]["classes"] == ["f", "c0", "tpl"]
    assert rows[3]["classes"] == ["f", "c0"]


def cells(html: str) -> dict[int, str]:
    """Per line, the fragment cell's text: what a screen reader reads there, hidden words too."""
    return {int(line): re.sub(r"<[^>]+>", "", cell)
            for line, cell in re.findall(r"<tr[^>]*><th>(\d+)</th><td>(.*?)</td>", html)}


def test_starter_lines_and_fragment_rows_say_what_they_are_without_colour() -> None:
    # Line 2 is the starter's comment, line 4 the student's own: both italic, near-equal
    # lightness, told apart by the starter's mark in greyscale print and by its words aloud.
    text = "import x\n# starter: do not edit\ny = x.load()\n# my own comment\nz = y + 1\n"
    html = render("a.py", text, [(1, Span("a.py", 3, 5)), (2, Span("a.py", 5, 5))], None,
                  template=(1, 2))
    found = cells(html)
    assert found[1] == found[2] == sxs.STARTER_LETTER + sxs.STARTER_WORDS
    assert html.count('class="tplmk"') == 2 and f'aria-hidden="true">{sxs.STARTER_LETTER}<' in html
    # Fragment 1's first row has its numbered marker; its other rows name it in hidden words,
    # line 5 too, where fragment 2 starts.
    assert found[3] == "#1" and found[4] == "fragment 1" and found[5] == "#2fragment 1"
    assert 'class="sr">fragment 1</span>' in html


def test_the_legends_name_the_starter_mark() -> None:
    from pathlib import Path

    root = Path(sxs.__file__).parent.parent
    mark = f'Lines marked <span class="tplmk">{sxs.STARTER_LETTER}</span>'
    for template in (sxs.TEMPLATE_DIR / "pair.html", root / "api/templates/pages/report_macros.html",
                     root / "api/templates/pages/report_print.html"):
        assert mark in template.read_text(encoding="utf-8"), template
    assert ".tplmk {" in sxs.stylesheet()


def test_token_classes_never_collide_with_the_palette() -> None:
    sources = sxs.Sources({"x": {"a.py": "# comment\nx = 1\n"}}, token_prefix=sxs.TOKEN_PREFIX)
    text = sources.get("x", "a.py")
    assert text is not None and f'class="{sxs.TOKEN_PREFIX}c1"' in text.lines[0]
    css = sxs.stylesheet()
    palette = {f"c{i}" for i in range(len(sxs.PALETTE))}
    tokens = set(re.findall(r"^\.hl \.([\w-]+)", css, re.M))
    assert tokens and not tokens & palette
    for number, (background, edge) in enumerate(sxs.PALETTE):
        assert f".c{number} {{ background: {background}; --edge: {edge}; }}" in css
    assert "mark" in css


def test_groups_pair_the_files_and_number_the_fragments() -> None:
    sources = sxs.Sources({"a": {"x.py": "p = 1\nq = 2\n", "y.md": "Alpha beta gamma delta.\n"},
                           "b": {"z.py": "p = 1\nq = 2\n", "w.md": "Alpha beta gamma delta.\n"}})
    fragments = [Fragment(Span("y.md", 1, 1), Span("w.md", 1, 1), 4),
                 Fragment(Span("x.py", 1, 2), Span("z.py", 1, 2), 6)]
    groups = sxs.groups(sources, sxs.Party("a", "Ann"), sxs.Party("b", "Ben"), fragments,
                        {"b": {"z.py": frozenset({2})}}, sxs.Layout(marks=True))
    assert [(g.a_file, g.b_file, g.numbers) for g in groups] == [("x.py", "z.py", "#2"),
                                                                  ("y.md", "w.md", "#1")]
    assert 'class="f c1 tpl" data-frag="2"><th>2</th>' in str(groups[0].b_table)
    assert '<mark class="c0">Alpha beta gamma delta.</mark>' in str(groups[1].a_table)
    rows = sxs.fragment_rows(fragments)
    assert [(r.number, r.colour, r.a_lines, r.b_lines) for r in rows] == [
        (1, 0, "line 1", "line 1"), (2, 1, "lines 1–2", "lines 1–2")]


def test_stored_template_lines_become_sets() -> None:
    report = {"template_lines": {"s1": {"a.py": [[1, 3], [7, 7]], "b.py": [5]}, "s2": {"c.py": []}}}
    assert evidence.template_lines(report) == {
        "s1": {"a.py": frozenset({1, 2, 3, 7}), "b.py": frozenset({5})},
        "s2": {"c.py": frozenset()},
    }
    assert evidence.template_lines({}) == {} == evidence.template_lines({"template_lines": None})


def test_stored_fragments_become_model_objects() -> None:
    match = {"fragments": [{"a": {"file": "x.py", "start_line": 2, "end_line": 4},
                            "b": {"file": "y.py", "start_line": 1, "end_line": 3}, "tokens": 30}]}
    fragments = evidence.fragments_of(match)
    assert fragments == (Fragment(Span("x.py", 2, 4), Span("y.py", 1, 3), 30),)
    assert evidence.paths_of(fragments) == ({"x.py"}, {"y.py"})
    assert evidence.fragments_of({}) == ()


@pytest.mark.parametrize("path,prose", [("a.MD", True), ("r.docx", True), ("n.ipynb", True),
                                        ("a.py", False), ("Makefile", False)])
def test_prose_is_told_by_the_suffix(path: str, prose: bool) -> None:
    assert sxs.is_prose(path) is prose
