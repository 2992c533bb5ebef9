from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from originality import html_report
from originality.html_report import pair_filename, write_html
from originality.model import Fragment, PairResult, Span, SubmissionStatus
from originality.report import Report, SubmissionSummary

HOSTILE_FILE = "<script>alert('f')</script>.py"
HOSTILE_ID = "<script>evil"

ALICE_MAIN = "import os\n<script>alert('x')</script>\ndef main():\n    return 1\nprint(main())\n"
ALICE_UTIL = "def add(a, b):\n    return a + b\n"
BOB_HOSTILE = "# copied\nimport os\n<script>alert('x')</script>\ndef main():\n    return 1\n"
BOB_HELPERS = "x = 1\ny = 2\nz = 3\nw = 4\nv = 5\ndef add(a, b):\n    return a + b\n"
CAROL_NOTES = "Some prose\nthat carol wrote\nhere.\n"


def ok(id: str) -> SubmissionSummary:
    return SubmissionSummary(id, SubmissionStatus.OK, 2)


@pytest.fixture
def report() -> Report:
    """Three checked submissions, one rejected, pairs given out of order with a tie."""
    alice_bob = PairResult(
        "alice", "bob", 0.6, 0.5, 0.7,
        (
            Fragment(Span("main.py", 2, 4), Span(HOSTILE_FILE, 3, 5), 30),
            Fragment(Span("util.py", 1, 2), Span("helpers.py", 6, 7), 12),
        ),
    )
    alice_carol = PairResult(
        "alice", "carol", 0.6, 0.2, 0.3, (Fragment(Span("util.py", 1, 1), Span("gone.txt", 4, 4), 5),)
    )
    bob_carol = PairResult(
        "bob", "carol", 0.9, 0.8, 0.95, (Fragment(Span("helpers.py", 1, 3), Span("notes.md", 1, 3), 20),)
    )
    return Report(
        submissions=[
            ok("carol"),
            ok("bob"),
            SubmissionSummary(
                HOSTILE_ID, SubmissionStatus.REJECTED, 0,
                {"code": "zip_bomb", "message": "<img src=x onerror=alert(1)> too big"},
            ),
            ok("alice"),
        ],
        pairs=[alice_bob, bob_carol, alice_carol],
        sources={
            "alice": {"main.py": ALICE_MAIN, "util.py": ALICE_UTIL},
            "bob": {HOSTILE_FILE: BOB_HOSTILE, "helpers.py": BOB_HELPERS},
            "carol": {"notes.md": CAROL_NOTES},  # gone.txt is missing on purpose
        },
        template_lines={"alice": {"main.py": [1]}},
    )


class Page(HTMLParser):
    """What the tests look at: code rows by table, anchors by id, every link."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, object]] = []
        self.anchors: dict[str, str] = {}
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.tags: set[str] = set()
        self._table: dict[str, object] | None = None
        self._row: dict[str, object] | None = None
        self._in_body = False
        self._in_th = False
        self._in_caption = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if "id" in a:
                self.anchors[a["id"]] = a["href"]
        if tag == "table" and "data-side" in a:
            self._table = {"side": a["data-side"], "caption": "", "rows": []}
            self.tables.append(self._table)
        elif self._table is not None:
            if tag == "caption":
                self._in_caption = True
            elif tag == "tbody":
                self._in_body = True
            elif tag == "tr" and self._in_body:
                self._row = {"classes": a.get("class", "").split(), "frag": a.get("data-frag"), "line": None}
            elif tag == "th" and self._row is not None:
                self._in_th = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
            self._in_body = False
        elif tag == "caption":
            self._in_caption = False
        elif tag == "th":
            self._in_th = False
        elif tag == "tr" and self._row is not None and self._table is not None:
            rows = self._table["rows"]
            assert isinstance(rows, list)
            rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_th and self._row is not None:
            self._row["line"] = int(data)
        elif self._in_caption and self._table is not None:
            self._table["caption"] = str(self._table["caption"]) + data

    def fragment_lines(self) -> dict[tuple[str, int], list[int]]:
        """(side, fragment number) -> the lines drawn in that fragment's colour."""
        found: dict[tuple[str, int], list[int]] = {}
        for table in self.tables:
            for row in table["rows"]:  # type: ignore[attr-defined]
                if row["frag"] is not None:
                    found.setdefault((str(table["side"]), int(row["frag"])), []).append(row["line"])
        return found

    def table(self, caption: str) -> dict[str, object]:
        return next(t for t in self.tables if t["caption"] == caption)


def read_pair(outdir: Path, rank: int, a: str, b: str) -> Page:
    return Page((outdir / "pairs" / pair_filename(rank, a, b)).read_text(encoding="utf-8"))


def all_files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


def test_index_lists_pairs_by_similarity_then_ids(report: Report, tmp_path: Path) -> None:
    index = write_html(report, tmp_path)
    assert index == tmp_path / "index.html"
    page = Page(index.read_text(encoding="utf-8"))
    links = [h for h in page.hrefs if h.startswith("pairs/")]
    assert links == [
        "pairs/0001-bob--carol.html",
        "pairs/0002-alice--bob.html",
        "pairs/0003-alice--carol.html",
    ]
    for link in links:
        assert (tmp_path / link).is_file()


def test_index_summarises_counts_and_rejected_submissions(report: Report, tmp_path: Path) -> None:
    text = write_html(report, tmp_path).read_text(encoding="utf-8")
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert "Submissions 4" in summary
    assert "Checked 3" in summary
    assert "Rejected 1 zip_bomb : 1" in summary
    assert "Pairs listed 3" in summary
    assert "&lt;script&gt;evil" in text
    assert "&lt;img src=x onerror=alert(1)&gt; too big" in text
    assert "No submission was rejected" not in text
    # The similarity histogram: 10 bands, one pair at 90-100%, two at 60-70%.
    assert len(re.findall(r'<div class="bar"', text)) == 2
    assert '<th scope="row">60–70%</th><td class="num">2</td>' in text
    assert '<th scope="row">90–100%</th><td class="num">1</td>' in text


def test_the_histogram_counts_a_pair_in_the_band_of_the_percent_the_cohort_page_shows() -> None:
    from originality.html_report import _histogram
    from originality.model import PairResult

    pairs = [PairResult("a", "b", similarity, 0.5, 0.5, ())
             for similarity in (0.2998, 0.0996, 0.6995, 0.31, 0.2994, 0.295)]
    counts = {b.label: b.count for b in _histogram(pairs)}
    # 0.2998 is shown as 30.0%: in the 30-40% band, as the service's cohort page counts it;
    # 0.2994 and 0.295, shown as 29.9% and 29.5%, in 20-30%.
    assert counts == {"0–10%": 0, "10–20%": 1, "20–30%": 2, "30–40%": 2, "40–50%": 0, "50–60%": 0,
                      "60–70%": 0, "70–80%": 1, "80–90%": 0, "90–100%": 0}


def test_pair_page_shows_both_files_of_each_file_pair(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 2, "alice", "bob")
    captions = [(t["side"], t["caption"]) for t in page.tables]
    assert captions == [
        ("a", "alice: main.py"),
        ("b", f"bob: {HOSTILE_FILE}"),
        ("a", "alice: util.py"),
        ("b", "bob: helpers.py"),
    ]
    rows = page.table("alice: main.py")["rows"]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]  # type: ignore[attr-defined]


def test_highlighted_lines_are_exactly_the_fragments(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 2, "alice", "bob")
    assert page.fragment_lines() == {
        ("a", 1): [2, 3, 4],
        ("b", 1): [3, 4, 5],
        ("a", 2): [1, 2],
        ("b", 2): [6, 7],
    }
    text = (tmp_path / "pairs" / pair_filename(2, "alice", "bob")).read_text(encoding="utf-8")
    assert text.count('class="mk c0"') == 2 and text.count('class="mk c1"') == 2


def test_fragment_anchors_link_to_each_other(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 2, "alice", "bob")
    for n in (1, 2):
        assert page.anchors[f"a-frag-{n}"] == f"#b-frag-{n}"
        assert page.anchors[f"b-frag-{n}"] == f"#a-frag-{n}"
    # Every in-page link lands somewhere; the fragment list links to both sides.
    local = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert set(local) <= page.ids
    assert {"a-frag-1", "b-frag-1", "a-frag-2", "b-frag-2"} <= set(local)


def test_overlapping_fragments_give_the_line_to_the_lowest_number(tmp_path: Path) -> None:
    text = "".join(f"line {i}\n" for i in range(1, 11))
    report = Report(
        submissions=[ok("a"), ok("b")],
        pairs=[PairResult("a", "b", 0.5, 0.5, 0.5, (
            Fragment(Span("x.txt", 3, 6), Span("y.txt", 1, 4), 9),
            Fragment(Span("x.txt", 1, 4), Span("y.txt", 6, 9), 9),
        ))],
        sources={"a": {"x.txt": text}, "b": {"y.txt": text}},
    )
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 1, "a", "b")
    assert page.fragment_lines() == {
        ("a", 1): [3, 4, 5, 6],
        ("a", 2): [1, 2],
        ("b", 1): [1, 2, 3, 4],
        ("b", 2): [6, 7, 8, 9],
    }
    assert page.anchors["a-frag-2"] == "#b-frag-2"


def test_hostile_names_and_content_are_escaped(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    files = all_files(tmp_path)
    for name, data in files.items():
        text = data.decode("utf-8")
        assert "<script" not in text.lower(), name
        assert "<img" not in text.lower(), name
    pair = files["pairs/" + pair_filename(2, "alice", "bob")].decode("utf-8")
    assert "&lt;script&gt;alert(&#39;f&#39;)&lt;/script&gt;.py" in pair
    assert "&lt;/" in pair and "script" in pair  # the content is there, as text


def test_pages_are_self_contained(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    for name, data in all_files(tmp_path).items():
        page = Page(data.decode("utf-8"))
        assert not page.tags & {"script", "link", "iframe", "img", "object"}, name
        assert not [h for h in page.hrefs if re.match(r"[a-z]+:", h)], name
        assert "url(" not in data.decode("utf-8"), name


def test_ids_become_safe_deterministic_file_names() -> None:
    name = pair_filename(7, HOSTILE_ID, "../../etc/passwd")
    assert re.fullmatch(r"0007-[A-Za-z0-9._-]+--[A-Za-z0-9._-]+\.html", name)
    assert "/" not in name and ".." not in name.split("--")[1][:2]
    assert name == pair_filename(7, HOSTILE_ID, "../../etc/passwd")
    assert pair_filename(1, "alice", "bob") == "0001-alice--bob.html"


def test_two_writes_give_identical_bytes(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path / "one")
    write_html(report, tmp_path / "two")
    shuffled = Report(
        submissions=list(reversed(report.submissions)),
        pairs=list(reversed(report.pairs)),
        sources=report.sources,
        template_lines=report.template_lines,
    )
    write_html(shuffled, tmp_path / "three")
    one = all_files(tmp_path / "one")
    assert len(one) == 4
    assert one == all_files(tmp_path / "two") == all_files(tmp_path / "three")


def test_template_lines_are_greyed(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 2, "alice", "bob")
    greyed = {
        (t["caption"], r["line"])
        for t in page.tables
        for r in t["rows"]  # type: ignore[attr-defined]
        if "tpl" in r["classes"]
    }
    assert greyed == {("alice: main.py", 1)}


def test_missing_source_is_explained_and_keeps_its_anchor(report: Report, tmp_path: Path) -> None:
    write_html(report, tmp_path)
    text = (tmp_path / "pairs" / pair_filename(3, "alice", "carol")).read_text(encoding="utf-8")
    assert "The text of <code>gone.txt</code> from carol is not in this report" in text
    page = Page(text)
    assert page.anchors["b-frag-1"] == "#a-frag-1"
    assert page.anchors["a-frag-1"] == "#b-frag-1"


def test_empty_report_explains_what_is_missing(tmp_path: Path) -> None:
    text = write_html(Report(submissions=[], pairs=[]), tmp_path).read_text(encoding="utf-8")
    assert "No pair reached the minimum similarity" in text
    assert "No submission was rejected" in text
    assert "No submissions were checked" in text
    assert list((tmp_path / "pairs").iterdir()) == []


def test_pairs_beyond_the_limit_are_listed_without_a_page(
    report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_html(report, tmp_path)
    monkeypatch.setattr(html_report, "MAX_RENDERED_PAIRS", 1)
    text = write_html(report, tmp_path).read_text(encoding="utf-8")
    # The pages of the earlier, larger run are gone: the folder describes one report.
    assert [p.name for p in (tmp_path / "pairs").iterdir()] == ["0001-bob--carol.html"]
    assert text.count("no page") == 2
    assert "written for the 1 most similar pairs only; the other 2 pairs" in text


def test_unprintable_names_and_text_are_written(tmp_path: Path) -> None:
    odd = "bad\udcffname\u202e\x00"
    report = Report(
        submissions=[ok("a"), ok(odd)],
        pairs=[PairResult("a", odd, 0.5, 0.5, 0.5, (Fragment(Span(odd, 1, 1), Span("b.py", 1, 1), 3),))],
        sources={"a": {odd: "x = '\u202e\x1b'\r\ny = 2\n"}, odd: {"b.py": "x = 1\n"}},
    )
    write_html(report, tmp_path)
    text = (tmp_path / "pairs" / pair_filename(1, "a", odd)).read_text(encoding="utf-8")
    assert "\u202e" not in text and "\x00" not in text and "\x1b" not in text and "\r" not in text
    assert page_lines(Page(text), "a") == [1, 2]


def page_lines(page: Page, side: str) -> list[int]:
    table = next(t for t in page.tables if t["side"] == side)
    return [r["line"] for r in table["rows"]]  # type: ignore[attr-defined]


def test_long_files_show_fragments_with_context_and_fold_the_rest(tmp_path: Path) -> None:
    count = html_report.FULL_FILE_LINES + 100
    context = html_report.CONTEXT_LINES
    text = "".join(f"x{i} = {i}\n" for i in range(1, count + 1))
    report = Report(
        submissions=[ok("a"), ok("b")],
        pairs=[PairResult("a", "b", 0.5, 0.5, 0.5, (Fragment(Span("x.py", 100, 110), Span("y.py", 1, 11), 40),))],
        sources={"a": {"x.py": text}, "b": {"y.py": text[: text.index("x21 ")]}},
    )
    write_html(report, tmp_path)
    page = read_pair(tmp_path, 1, "a", "b")
    assert page_lines(page, "a") == [None, *range(100 - context, 111 + context), None]
    assert page_lines(page, "b") == list(range(1, 21))  # a short file is shown whole
    assert page.fragment_lines() == {("a", 1): list(range(100, 111)), ("b", 1): list(range(1, 12))}
    html = (tmp_path / "pairs" / pair_filename(1, "a", "b")).read_text(encoding="utf-8")
    assert f"{100 - context - 1} lines (1–{100 - context - 1}) without a match" in html


def test_flags_come_first_on_the_index_and_on_their_pairs_pages(report: Report, tmp_path: Path) -> None:
    flag = {"file": "essay.docx", "kind": "hidden_text", "count": 120,
            "detail": "120 words a reader cannot see (<b>white</b> ×120)"}
    report.submissions = [SubmissionSummary(s.id, s.status, s.files, s.error, s.unread,
                                            (flag,) if s.id == "alice" else ())
                          for s in report.submissions]
    text = write_html(report, tmp_path).read_text(encoding="utf-8")
    assert text.index('id="flags"') < text.index('id="distribution"')
    assert "evidence, not a verdict" in text and "&lt;b&gt;white&lt;/b&gt;" in text
    assert re.search(r'<td class="id">alice</td><td><code>essay.docx</code></td><td>Hidden text</td>'
                     r'<td class="num">120</td>', text)
    assert 'id="flags"' in (tmp_path / "pairs" / pair_filename(2, "alice", "bob")).read_text()
    assert 'id="flags"' not in (tmp_path / "pairs" / pair_filename(1, "bob", "carol")).read_text()


def test_a_report_without_flags_shows_no_flag_section(report: Report, tmp_path: Path) -> None:
    text = write_html(report, tmp_path).read_text(encoding="utf-8")
    assert "Integrity flags" not in text
    assert "Files not checked" not in text


def test_files_not_compared_are_listed_on_the_index(report: Report, tmp_path: Path) -> None:
    # A copy could wear a library's banner to be skipped: the assessor sees what was not checked.
    # A data project's hundreds of CSV files are one line, so that its matches stay in sight.
    data = tuple({"file": f"data/day{k:03d}.csv", "state": "skipped", "detail": "data file (.csv): data is not compared"}
                 for k in range(12))
    report.submissions = [replace(s, unread=({"file": "static/<app>.js", "state": "skipped",
                                              "detail": "a library's distributed build (its licence banner)"},
                                             *data))
                          if s.id == "bob" else s for s in report.submissions]
    text = write_html(report, tmp_path).read_text(encoding="utf-8")
    assert "Files not checked" in text
    assert ('<li>a library&#39;s distributed build (its licence banner): <span class="id">bob</span> '
            "<code>static/&lt;app&gt;.js</code></li>") in text
    assert ('<li>data file (.csv): data is not compared: '
            + ", ".join(f'<span class="id">bob</span> <code>data/day{k:03d}.csv</code>' for k in range(10))
            + " and 2 more</li>") in text
