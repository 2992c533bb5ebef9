"""Normalization, fingerprints and alignment, stage by stage and through ``check``."""

from __future__ import annotations

from pathlib import Path

import pytest

from originality import CheckOptions, check
from originality.fingerprint import SymbolTable, fingerprint, kgram_hashes
from originality.model import Document, DocumentState, Segment, SegmentKind
from originality.normalize import tokenize
from originality.options import MatchOptions

ORIGINAL = '''
def average(values):
    """Mean of the values."""
    total = 0
    count = 0
    for value in values:
        total += value
        count += 1
    if count == 0:
        return 0.0
    return total / count


def spread(values):
    lowest = min(values)
    highest = max(values)
    result = []
    for value in values:
        result.append((value - lowest) / (highest - lowest))
    return result


def report(values):
    print("average", average(values))
    print("spread", spread(values))
    return {"avg": average(values), "n": len(values)}
'''

RENAMED = '''
def mean_of(xs):
    # add them up
    s = 0
    n = 0
    for x in xs:
        s += x
        n += 1
    if n == 0:
        return 0.0
    return s / n


def scale(xs):
    lo = min(xs)
    hi = max(xs)
    out = []
    for x in xs:
        out.append((x - lo) / (hi - lo))
    return out


def show(xs):
    print("average", mean_of(xs))
    print("spread", scale(xs))
    return {"avg": mean_of(xs), "n": len(xs)}
'''

INDEPENDENT = '''
import statistics


class Table:
    def __init__(self, rows):
        self.rows = list(rows)

    def column(self, name):
        return [row[name] for row in self.rows if name in row]

    def describe(self, name):
        data = self.column(name)
        if not data:
            raise ValueError(f"no data for {name}")
        return {
            "median": statistics.median(data),
            "stdev": statistics.pstdev(data),
            "range": (min(data), max(data)),
        }
'''


def code_document(text: str, path: str = "main.py") -> Document:
    lines = text.count("\n") + 1
    return Document(path, DocumentState.OK, text, (Segment(SegmentKind.CODE, 1, lines, "python"),), "", len(text))


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_renamed_and_recommented_code_normalizes_to_the_same_tokens() -> None:
    assert tokenize(code_document(ORIGINAL)).symbols == tokenize(code_document(RENAMED)).symbols


def test_every_token_keeps_its_line() -> None:
    stream = tokenize(code_document(ORIGINAL))
    lines = ORIGINAL.split("\n")
    for symbol, line in zip(stream.symbols, stream.lines):
        if symbol in {"def", "return", "for"}:
            assert symbol in lines[line - 1]


def test_fingerprints_are_the_same_in_every_process() -> None:
    ids = SymbolTable().ids(["def", "V", "(", "V", ")", ":", "return", "V"])
    assert kgram_hashes(ids, 3).tolist() == kgram_hashes(SymbolTable().ids(
        ["def", "V", "(", "V", ")", ":", "return", "V"]), 3).tolist()
    assert len(fingerprint(ids, 3).hashes) == 6
    assert kgram_hashes(ids[:2], 3).size == 0


def test_renamed_copy_matches_fully_and_independent_work_does_not(tmp_path: Path) -> None:
    subs = [
        write(tmp_path / "alice", {"stats.py": ORIGINAL}),
        write(tmp_path / "bob", {"numbers.py": RENAMED}),
        write(tmp_path / "carol", {"table.py": INDEPENDENT}),
    ]
    report = check(subs, options=CheckOptions(min_similarity=0))
    scores = {(p.a, p.b): p for p in report.pairs}
    copy = scores[("alice", "bob")]
    assert copy.similarity > 0.9 and copy.a_share > 0.9 and copy.b_share > 0.9
    fragment = copy.fragments[0]
    assert (fragment.a.file, fragment.b.file) == ("stats.py", "numbers.py")
    assert fragment.a.start_line <= 3 and fragment.a.end_line >= 25
    assert all(p.similarity < 0.3 for key, p in scores.items() if "carol" in key)


def test_starter_code_never_counts(tmp_path: Path) -> None:
    base = write(tmp_path / "base", {"stats.py": ORIGINAL})
    subs = [write(tmp_path / name, {"stats.py": ORIGINAL}) for name in ("dan", "eve")]
    report = check(subs, bases=[base], options=CheckOptions(min_similarity=0))
    assert all(p.similarity == 0 for p in report.pairs)


def test_starter_code_given_as_one_file_never_counts(tmp_path: Path) -> None:
    # A teacher passes the one file the class completes: it is starter code, not "not a ZIP".
    (tmp_path / "stats.py").write_text(ORIGINAL)
    subs = [write(tmp_path / name, {"stats.py": ORIGINAL}) for name in ("dan", "eve")]
    assert check(subs, options=CheckOptions(min_similarity=0)).pairs[0].similarity > 0.9
    report = check(subs, bases=[tmp_path / "stats.py"], options=CheckOptions(min_similarity=0))
    assert all(p.similarity == 0 for p in report.pairs)


def test_two_files_of_one_submission_never_match(tmp_path: Path) -> None:
    alone = write(tmp_path / "frank", {"a.py": ORIGINAL, "b.py": ORIGINAL})
    other = write(tmp_path / "grace", {"table.py": INDEPENDENT})
    report = check([alone, other], options=CheckOptions(min_similarity=0))
    assert all(p.similarity < 0.3 for p in report.pairs)


def test_empty_submissions_are_rejected_and_similarity_of_nothing_is_zero(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    tiny = write(tmp_path / "tiny", {"x.py": "x = 1\n"})
    report = check([empty, tiny], options=CheckOptions(min_similarity=0))
    statuses = {s.id: (s.status.value, s.error["code"] if s.error else None) for s in report.submissions}
    assert statuses == {"empty": ("rejected", "empty"), "tiny": ("ok", None)}
    assert report.pairs == []


def test_same_input_gives_the_same_json(tmp_path: Path) -> None:
    subs = [write(tmp_path / "a", {"s.py": ORIGINAL}), write(tmp_path / "b", {"n.py": RENAMED})]
    first = check(subs).to_json()
    assert check(list(reversed(subs))).to_json() == first


@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_reading_gives_the_same_report(tmp_path: Path, workers: int) -> None:
    subs = [write(tmp_path / f"s{i:02d}", {"m.py": ORIGINAL if i % 3 else RENAMED}) for i in range(40)]
    serial = check(subs, options=CheckOptions(workers=1)).to_json()
    assert check(subs, options=CheckOptions(workers=workers)).to_json() == serial


def own_work(seed: int, statements: int = 30) -> str:
    """A program of its own: random expression trees, so that no two students share a long run
    of normalized tokens (names and literals are abstracted, so only the shape counts)."""
    import random

    rng = random.Random(seed)
    operators = ["+", "-", "*", "/", "%", "//", "<<", ">>", "&", "|", "^", "**"]

    def expression(depth: int) -> str:
        if depth == 0 or rng.random() < 0.2:
            return rng.choice(["a", "b[0]", "c.d", "f(a)", "1", "g(a, b)", "[a]", "(a,)"])
        return f"({expression(depth - 1)} {rng.choice(operators)} {expression(depth - 1)})"

    lines = []
    for _ in range(statements):
        shape = rng.choice(["{} = {}", "if {} > {}:\n        a = 1", "while {} < {}:\n        break",
                            "b.append({} + {})", "return {} == {}"])
        lines.append("    " + shape.format(f"x{rng.randrange(9)}", expression(3)).replace("{}", "a"))
    return "def work(a, b, c, f, g):\n" + "\n".join(lines) + "\n"


def test_code_most_of_the_cohort_shares_is_discounted(tmp_path: Path) -> None:
    # Twelve students, each with work of their own, share a helper nobody gave them; two of
    # them also share more of their work.
    subs = []
    for i in range(12):
        files = {"common.py": ORIGINAL, "own.py": own_work(i, statements=8)}
        if i < 2:
            files["table.py"] = INDEPENDENT
        subs.append(write(tmp_path / f"s{i:02d}", files))
    report = check(subs, options=CheckOptions(min_similarity=0))
    scores = {(p.a, p.b): p.similarity for p in report.pairs}
    assert scores.get(("s00", "s01"), 0) > 0.3  # a third of their own work in common
    assert max((v for k, v in scores.items() if k != ("s00", "s01")), default=0) < 0.1


MIT_LICENSE = """MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions: the above copyright notice
and this permission notice shall be included in all copies or substantial portions of the
Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
"""
GITIGNORE = "".join(f"# {section} files written by the build\n{section}/\n*.{section[:3]}\n"
                    for section in ("distribution", "packaging", "installer", "coverage", "translations",
                                    "documentation", "environments", "notebooks", "profiles", "caches"))


def test_students_who_share_only_what_tools_and_templates_wrote_are_not_matched(tmp_path: Path) -> None:
    # What students zip up beside their work: a virtual environment with a library in it, a web
    # library's build under a name of their own, a licence, GitHub's .gitignore, Gradle's wrapper.
    # Two of twelve students hand in the same such files and nothing else in common.
    litter = {"env/pyvenv.cfg": "home = /usr/bin\n", "env/lib/python3.11/site-packages/lib/core.py": ORIGINAL,
              "static/lib.js": "/*! Library v1.0 | (c) its authors | MIT license */\n"
                               + "function add(a, b) {\n  return a.concat(b.filter(x => x > 0));\n}\n" * 30,
              "LICENSE": MIT_LICENSE, ".gitignore": GITIGNORE, "gradlew": "#!/bin/sh\n" + "exec java \"$@\"\n" * 40}
    subs = [write(tmp_path / f"s{i:02d}", {"own.py": own_work(i), **(litter if i < 2 else {})}) for i in range(12)]
    report = check(subs, options=CheckOptions(min_similarity=0))
    assert max((p.similarity for p in report.pairs), default=0) < 0.1
    [first] = [s for s in report.submissions if s.id == "s00"]
    assert first.files == 6  # own.py, the four it reads and skips, and the environment's folder
    assert {u["file"]: u["state"] for u in first.unread}["env/"] == "skipped"  # listed, never compared


def test_a_fragment_shows_the_lines_of_its_own_kind_only(tmp_path: Path) -> None:
    # A Markdown essay's prose runs on across its fenced code: a copy of the prose alone, in a
    # text file, matched it as one fragment whose lines took in the whole fence between.
    paragraphs = [" ".join(f"{word}{k}{p}" for k in range(40) for word in ("rivers", "carry", "silt"))
                  for p in range(2)]
    fence = "```python\n" + own_work(7) + "```\n"
    essay = f"# Essay\n\n{paragraphs[0]}\n\n{fence}\n{paragraphs[1]}\n"
    fence_lines = range(5, 5 + fence.count("\n"))
    subs = [write(tmp_path / "s00", {"essay.md": essay}),
            write(tmp_path / "s01", {"essay.txt": paragraphs[0] + "\n\n" + paragraphs[1] + "\n"})]
    subs += [write(tmp_path / f"s{i:02d}", {"own.py": own_work(i)}) for i in range(2, 12)]
    [pair] = [p for p in check(subs).pairs if {p.a, p.b} == {"s00", "s01"}]
    spans = [f.a if f.a.file == "essay.md" else f.b for f in pair.fragments]
    assert len(spans) == 2 and pair.similarity > 0.9
    assert not any(line in fence_lines for span in spans for line in range(span.start_line, span.end_line + 1))


def test_a_notebook_handed_in_as_html_is_compared_as_code(tmp_path: Path) -> None:
    # One student hands in the notebook, another its HTML export (nbconvert), names changed:
    # the export's code was read as prose, its indentation flattened, and the copy not found.
    import html
    import json

    source = own_work(3)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python"}},
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Marks"},
                          {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
                           "source": source}]}
    renamed = source.replace("value", "amount").replace("total", "acc")
    export = ('<html><body><div class="jp-MarkdownCell"><h1>Marks</h1></div><div class="jp-CodeCell">'
              f'<div class="highlight hl-ipython3"><pre><span></span>{html.escape(renamed)}</pre></div>'
              '<div class="jp-OutputArea"><pre>42</pre></div></div></body></html>')
    subs = [write(tmp_path / "s00", {"analysis.ipynb": json.dumps(notebook)}),
            write(tmp_path / "s01", {"analysis.html": export})]
    subs += [write(tmp_path / f"s{i:02d}", {"own.py": own_work(i)}) for i in range(4, 14)]
    [pair] = [p for p in check(subs).pairs if {p.a, p.b} == {"s00", "s01"}]
    assert pair.similarity > 0.9 and pair.a_share > 0.9 and pair.b_share > 0.9


def test_a_report_lists_the_files_it_could_not_read(tmp_path: Path) -> None:
    # A deliverable's report handed in as a legacy .doc, a damaged .docx or a scanned PDF was
    # never compared: the assessor must see it, as for a file too large to read. An empty file
    # (no byte: a package's __init__.py) has nothing to compare and is not listed.
    import io

    from pypdf import PdfWriter

    scan = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(scan)
    folder = tmp_path / "s00"
    files = {"own.py": own_work(0), "pkg/__init__.py": "", "data.csv": "a,b\n1,2\n"}
    write(folder, files)
    (folder / "old_report.doc").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(500))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a whole archive")
    (folder / "scan.pdf").write_bytes(scan.getvalue())
    subs = [folder] + [write(tmp_path / f"s{i:02d}", {"own.py": own_work(i)}) for i in range(1, 4)]
    [first] = [s for s in check(subs).submissions if s.id == "s00"]
    assert [(u["file"], u["state"]) for u in first.unread] == [
        ("broken.docx", "unreadable"), ("data.csv", "skipped"), ("old_report.doc", "unreadable"),
        ("scan.pdf", "empty")]
    assert first.files == 6  # the empty __init__.py is among the files read, not among those unread


@pytest.mark.parametrize("copies,independent", [(31, 31), (12, 8), (60, 40), (200, 20)])
def test_a_solution_shared_by_much_of_the_class_is_reported(tmp_path: Path, copies: int,
                                                             independent: int) -> None:
    # A leaked solution that went around a group is not common code, however large the group:
    # every copy pair is reported, aligned and scored alike; independent work stays apart.
    subs = [write(tmp_path / f"c{i:03d}", {"main.py": ORIGINAL}) for i in range(copies)]
    subs += [write(tmp_path / f"i{i:03d}", {"main.py": own_work(1000 + i)}) for i in range(independent)]
    report = check(subs, options=CheckOptions(min_similarity=0.1))
    copy_pairs = [p for p in report.pairs if p.a.startswith("c") and p.b.startswith("c")]
    assert len(copy_pairs) == copies * (copies - 1) // 2
    assert {(p.similarity, p.a_share, p.b_share, len(p.fragments)) for p in copy_pairs} == \
        {(copy_pairs[0].similarity, 1.0, 1.0, len(copy_pairs[0].fragments))}
    assert copy_pairs[0].similarity > 0.9 and copy_pairs[0].fragments
    assert all(p.similarity < 0.5 for p in report.pairs if p.a.startswith("i") or p.b.startswith("i"))


def test_a_small_ring_of_copies_is_not_mistaken_for_common_code(tmp_path: Path) -> None:
    subs = [write(tmp_path / f"r{i}", {"stats.py": ORIGINAL}) for i in range(5)]
    subs.append(write(tmp_path / "own", {"table.py": INDEPENDENT}))
    report = check(subs, options=CheckOptions(min_similarity=0))
    scores = {(p.a, p.b): p.similarity for p in report.pairs}
    assert all(scores[(f"r{i}", f"r{j}")] > 0.9 for i in range(5) for j in range(i + 1, 5))


def test_identical_binary_assets_are_noticed_but_not_scored(tmp_path: Path) -> None:
    image = bytes(range(256)) * 64
    subs = []
    for name, code in (("hana", ORIGINAL), ("ivan", INDEPENDENT)):
        folder = write(tmp_path / name, {"main.py": code})
        (folder / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + image)
        subs.append(folder)
    report = check(subs, options=CheckOptions(min_similarity=0))
    [pair] = report.pairs
    binary = [f for f in pair.fragments if f.tokens == 0]
    assert [(f.a.file, f.b.file) for f in binary] == [("plot.png", "plot.png")]
    assert pair.similarity < 0.3


def test_progress_is_reported_per_stage(tmp_path: Path) -> None:
    subs = [write(tmp_path / n, {"m.py": ORIGINAL}) for n in ("a", "b", "c")]
    seen: list[tuple[str, int, int]] = []
    check(subs, options=CheckOptions(workers=1), progress=lambda *event: seen.append(event))
    # Three identical submissions: three pairs, one alignment (identical contents align alike).
    assert ("read", 3, 3) in seen and ("compare", 1, 1) in seen


def test_string_literals_lose_quotes_prefixes_and_interpolated_names() -> None:
    from originality.fastlex import tokenize as lex

    def literals(source: str) -> list[str]:
        return [literal for _, _, _, literal in lex(source, "python") if literal]

    assert literals("print('total: ' , f'{n} items')") == literals('print("total: ", f"{count} items")')
    assert literals("x = r'\\d+'") == literals('x = "\\d+"')


def test_runs_of_literals_are_tagged_for_the_cosine() -> None:
    from originality.units import is_literal_run, literal_runs

    ids = SymbolTable().ids(["lit:86", "lit:23", "lit:82"])
    runs = literal_runs(ids)
    assert len(runs) == 2 and is_literal_run(runs).all()
    assert not is_literal_run(kgram_hashes(ids, 2)).any()


def test_a_pair_that_shares_words_but_no_long_kgram_is_scored_without_fragments(tmp_path: Path) -> None:
    """The same words in reverse order reach alignment on their cosine and share no 4-word run:
    alignment finds nothing, and the check goes on (it raised IndexError)."""
    words = ("grade book spreadsheet marks teachers export weighted average student report module "
             "statistics loading separation changes bug traced minutes arithmetic input cells "
             "spaces numbers comma names missing score zero message line teacher midterm").split()
    a = write(tmp_path / "a", {"essay.txt": " ".join(words)})
    b = write(tmp_path / "b", {"essay.txt": " ".join(reversed(words))})
    [pair] = check([a, b]).pairs
    assert pair.fragments == () and pair.a_share == pair.b_share == 0.0


def test_a_pair_sharing_no_long_kgram_aligns_to_nothing() -> None:
    # Paraphrased prose reaches the alignment threshold on its cosine alone: the same words,
    # never four in a row. Aligning it must give no fragment, not an error.
    from originality.match import SubmissionPrints, align
    from originality.units import build_units

    def units(text: str) -> list:
        document = Document("a.txt", DocumentState.OK, text, (Segment(SegmentKind.PROSE, 1, 1),), "0", len(text))
        return build_units(document, MatchOptions(), SymbolTable())

    a = SubmissionPrints.build("a", units("cats chase mice while dogs chase cats around gardens every morning"), 1)
    b = SubmissionPrints.build("b", units("mice gardens morning cats dogs every around chase while chase cats"), 1)
    assert align(a, b, MatchOptions()) is None


def test_one_submission_aligned_with_many_partners_at_once_as_with_each_alone(tmp_path: Path) -> None:
    """``match.alignments`` joins the partners' tables end to end; each pair's alignment must be
    the one it has alone: multi-file submissions, repeated k-grams (paired all with all and by
    rank), a partner sharing nothing, and partners of other sizes."""
    from originality.check import load_submission as load
    from originality.match import SubmissionPrints, alignments
    from originality.options import MatchOptions

    repeated = "\n".join(f"def get_{i}(self):\n    return self.value + 1\n" for i in range(12))
    files = [
        {"a.py": ORIGINAL, "b.py": repeated},
        {"x.py": ORIGINAL + INDEPENDENT, "y.py": repeated[: len(repeated) // 2]},
        {"m.py": INDEPENDENT},
        {"m.py": own_work(11)},
        {"m.py": repeated + ORIGINAL[: len(ORIGINAL) // 2], "n.py": ORIGINAL},
    ]
    prints = [SubmissionPrints.build(f"s{i}", load(write(tmp_path / f"s{i}", f), CheckOptions(workers=1),
                                                    SymbolTable()).units, 1) for i, f in enumerate(files)]
    together = alignments(prints[0], prints[1:], MatchOptions())
    alone = [alignments(prints[0], [b], MatchOptions())[0] for b in prints[1:]]
    assert together == alone
    assert together[0] is not None and together[3] is not None and together[1] is None


@pytest.mark.parametrize("sharing,confidence,low,high",
                         [(11, 1.0, 0.3, 1.0), (11, 0.0, 0.0, 0.1), (16, 1.0, 0.3, 1.0), (17, 1.0, 0.0, 0.1)])
def test_code_a_small_cohort_shares_is_common_when_surely_half_share_it(
        tmp_path: Path, sharing: int, confidence: float, low: float, high: float) -> None:
    # Of twenty students with work of their own, eleven (55%) share a helper: a share that a
    # cohort this small does not show to reach half (cohort.common_threshold), so the helper
    # still counts, as it did not under the bare share; a population this young asks three
    # standard deviations, so sixteen (80%) are not enough either (the background leaves the
    # helper out at the bare share, so it does not absorb it); shared by seventeen, it is code
    # everyone writes.
    subs = []
    for i in range(20):
        files = {"own.py": own_work(i, statements=8)}
        if i < sharing:
            files["common.py"] = ORIGINAL
        subs.append(write(tmp_path / f"s{i:02d}", files))
    options = CheckOptions(min_similarity=0, match=MatchOptions(common_confidence=confidence))
    scores = {(p.a, p.b): p.similarity for p in check(subs, options=options).pairs}
    assert low <= scores.get(("s00", "s01"), 0) < high


def padded(source: str, seed: int) -> str:
    """``source`` with a never-read local after some of its function bodies' lines, different
    ones for each seed: the dead code a student pads a copy with."""
    import random

    rng = random.Random(seed)
    lines = []
    for number, line in enumerate(source.splitlines()):
        lines.append(line)
        body = line.startswith("    ") and not line.rstrip().endswith(":") and "return" not in line
        if body and rng.random() < 0.7:
            shape = rng.choice(["{}", "[{}]", "{} * {}", "-{}", "{{{}}}", "{} + 1"])
            lines.append(f"{line[:len(line) - len(line.lstrip())]}pad{number} = {shape.format(number, number)}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("copies,independent", [(36, 24), (48, 12)])
def test_a_solution_each_student_padded_differently_is_one_group_however_many_share_it(
        tmp_path: Path, copies: int, independent: int) -> None:
    # Each copy of a leaked solution padded with other dead code: as plain token streams they are
    # not near-duplicates of each other, but without the dead code they are one program. Found
    # as many groups, past half of the class the solution was common code and its copies scored
    # as independent work.
    subs = [write(tmp_path / f"c{i:03d}", {"main.py": padded(ORIGINAL, i)}) for i in range(copies)]
    subs += [write(tmp_path / f"i{i:03d}", {"main.py": own_work(2000 + i)}) for i in range(independent)]
    report = check(subs, options=CheckOptions(min_similarity=0.1))
    copy_pairs = {(p.a, p.b): p.similarity for p in report.pairs if p.a.startswith("c") and p.b.startswith("c")}
    assert len(copy_pairs) == copies * (copies - 1) // 2
    assert min(copy_pairs.values()) > 0.9
    assert all(p.similarity < 0.5 for p in report.pairs if p.a.startswith("i") or p.b.startswith("i"))
