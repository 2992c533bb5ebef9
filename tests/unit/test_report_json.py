"""The report's JSON text: pairs are formatted directly (millions of them at
``--min-similarity 0``), so the text must stay exactly what ``json.dumps`` of each pair's dict
gives, and parse back to the same values."""

import json

from originality.model import Fragment, PairResult, Span, SubmissionStatus
from originality.report import SHOWN_NOT_COMPARED, NotCompared, Report, SubmissionSummary, not_compared


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _report(pairs):
    return Report([SubmissionSummary('é"1', SubmissionStatus.OK, 2), SubmissionSummary("b\\2", SubmissionStatus.OK, 1)],
                  pairs)


PAIRS = [
    PairResult('é"1', "b\\2", 0.8125, 1.0, 0.0, (Fragment(Span("src/é.py", 1, 3), Span("x\ty.py", 4, 9), 41),)),
    PairResult('é"1', "b\\2", 0.0215, 0.0, 0.0, ()),
    PairResult("a", "z", 1.0, 0.3333, 1e-04, ()),
    # Two fragments, one of a binary (0 tokens), a path with a quote and one the ids share.
    PairResult("a", "é.py", 0.5, 0.25, 0.5, (Fragment(Span('q"\\.py', 10, 12), Span("é.py", 1, 1), 0),
                                           Fragment(Span("a", 7, 70), Span("src/é.py", 2, 30), 120))),
]


def test_each_pair_line_is_json_dumps_of_its_dict():
    text = _report(PAIRS).to_json()
    pair_lines = text.split('"pairs": [\n', 1)[1].splitlines()[: len(PAIRS)]
    assert [line.strip().rstrip(",") for line in pair_lines] == [_dumps(p.to_dict()) for p in PAIRS]


def test_the_text_parses_back_to_the_report():
    report = _report(PAIRS)
    assert json.loads(report.to_json()) == json.loads(json.dumps(report.to_dict()))
    assert report.to_json() == "".join(report.json_chunks())


def test_empty_report():
    assert Report([], []).to_json() == '{"version": 1,\n "background": 0.0,\n "groups": 0,\n "submissions": [],\n "pairs": []}\n'


def test_pairs_with_a_score_alone_as_columns_read_and_write_as_the_same_pairs():
    import numpy as np

    from originality.model import Pairs
    from originality.report import BLOCK_ITEMS

    ids = ['é"1', "b\\2", "a", "z"]
    count = BLOCK_ITEMS * 2 + 5  # more than one piece of the JSON text
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 4, count), rng.integers(0, 4, count)
    scores = np.round(rng.random(count), 4)
    columns = Pairs(PAIRS[:1], ids, a, b, scores)
    plain = PAIRS[:1] + [PairResult(ids[x], ids[y], float(s), 0.0, 0.0, ()) for x, y, s in zip(a, b, scores)]
    assert len(columns) == len(plain) and columns == plain and list(columns) == plain
    assert columns[0] == plain[0] and columns[-1] == plain[-1] and columns[3:9] == plain[3:9]
    assert columns.members() == set(ids)
    assert _report(columns).to_json() == _report(plain).to_json()
    assert _report(Pairs([])).to_json() == _report([]).to_json()


def test_results_placed_among_the_columns_read_and_write_in_their_places():
    # Aligned pairs between pairs with a score alone (a content aligned once, its copies later in
    # the order): each at its own position, whether read, indexed or written.
    import numpy as np

    from originality.model import Pairs

    ids = ["a", "b", "c", "d"]
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 4, 12), rng.integers(0, 4, 12)
    scores = np.round(rng.random(12), 4)
    placed = [0, 3, 4, 14]
    results = [PairResult(ids[k], "z", 0.9, 0.5, 0.5, PAIRS[0].fragments) for k in range(4)]
    mixed = Pairs(results, ids, a, b, scores, placed=placed)
    plain = [PairResult(ids[x], ids[y], float(s), 0.0, 0.0, ()) for x, y, s in zip(a, b, scores)]
    for position, result in zip(placed, results):
        plain.insert(position, result)
    assert len(mixed) == 16 and list(mixed) == plain and mixed == plain
    assert [mixed[k] for k in range(16)] == plain and mixed[-1] == plain[-1] and mixed[2:6] == plain[2:6]
    assert _report(mixed).to_json() == _report(plain).to_json()


def test_files_not_compared_are_grouped_by_reason_the_unread_first() -> None:
    csv = "data file (.csv): data is not compared"
    scan = "PDF has no text layer (a scan?)"
    unread = ([{"file": f"data/d{k:02d}.csv", "state": "skipped", "detail": csv} for k in range(12, 0, -1)]
              + [{"file": "LICENSE", "state": "skipped", "detail": "a licence's text: not the student's writing"},
                 {"file": "scan.pdf", "state": "empty", "detail": scan},
                 {"file": "report.doc", "state": "unreadable", "detail": "legacy Word .doc files cannot be read"},
                 {"file": "big.bin", "state": "too_large", "detail": "not read: larger than 20.0 MiB"}])
    # What the student may have meant to hand in, and could not be read, before what nobody wrote.
    assert not_compared([("", unread)]) == [
        NotCompared("too_large", "not read: larger than 20.0 MiB", (("", "big.bin"),), 0),
        NotCompared("unreadable", "legacy Word .doc files cannot be read", (("", "report.doc"),), 0),
        NotCompared("empty", scan, (("", "scan.pdf"),), 0),
        NotCompared("skipped", "a licence's text: not the student's writing", (("", "LICENSE"),), 0),
        NotCompared("skipped", csv, tuple(("", f"data/d{k:02d}.csv") for k in range(1, SHOWN_NOT_COMPARED + 1)), 2)]
    # A cohort's: one line a reason, whoever holds the files.
    licence = {"file": "LICENSE", "state": "skipped", "detail": "a licence's text: not the student's writing"}
    assert not_compared([("bob", [licence]), ("alice", [licence])]) == [
        NotCompared("skipped", licence["detail"], (("alice", "LICENSE"), ("bob", "LICENSE")), 0)]
    assert not_compared([]) == []
