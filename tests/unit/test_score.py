"""The comparison stage: one formula for every pair, whichever way the pairs are asked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from originality import cohort, score
from originality.check import load_submission
from originality.fingerprint import SymbolTable
from originality.options import CheckOptions, MatchOptions
from originality.score import Comparison
from tests.unit.test_matching import INDEPENDENT, ORIGINAL, own_work, write

GRAPH = """class Graph {
    int[][] adj; boolean[] seen; int count;
    void dfs(int u) { seen[u] = true; count = count + 1;
        for (int v = 0; v < adj[u].length; v++) { if (!seen[adj[u][v]]) { dfs(adj[u][v]); } } }
    int components(int n) { int parts = 0; seen = new boolean[n];
        for (int i = 0; i < n; i++) { if (!seen[i]) { parts = parts + 1; dfs(i); } } return parts; }
    int largest(int n) { int best = 0; seen = new boolean[n];
        for (int i = 0; i < n; i++) { if (!seen[i]) { count = 0; dfs(i); if (count > best) { best = count; } } }
        return best; }
}
"""


def population(tmp_path: Path, files: list[dict[str, str]], options: MatchOptions = MatchOptions()) -> Comparison:
    loaded = [load_submission(write(tmp_path / f"s{i:03d}", f), CheckOptions(workers=1), SymbolTable())
              for i, f in enumerate(files)]
    return Comparison([s.id for s in loaded], [s.units for s in loaded], [], options)


def test_all_pairs_and_given_pairs_get_the_same_features(tmp_path: Path) -> None:
    # check reads the features off two products; the archive asks for its pairs one by one.
    comparison = population(tmp_path, [{"m.py": ORIGINAL}, {"m.py": ORIGINAL + INDEPENDENT},
                                       {"m.py": INDEPENDENT}, {"m.py": own_work(7)}])
    everything = comparison.all_pairs()
    asked = comparison.pair_features(everything.i, everything.j)
    assert len(everything.i) >= 3
    assert np.allclose(everything.values, asked.values) and np.allclose(everything.code_share,
                                                                        asked.code_share)
    assert np.array_equal(comparison.similarities(everything), comparison.similarities(asked))


def test_a_pair_that_shares_nothing_scores_zero(tmp_path: Path) -> None:
    comparison = population(tmp_path, [{"m.py": ORIGINAL}, {"m.py": own_work(3)}])
    features = comparison.pair_features(np.array([0]), np.array([1]))
    features.values[:] = 0.0
    assert comparison.similarities(features).tolist() == [0.0]


def test_pairs_from_align_from_carry_fragments_and_the_rest_their_score_alone(tmp_path: Path) -> None:
    comparison = population(tmp_path, [{"m.py": ORIGINAL}, {"m.py": ORIGINAL},
                                       {"m.py": own_work(1)}, {"m.py": own_work(2)}])
    pairs = comparison.score(comparison.all_pairs(), 0.0)
    assert pairs, "the copies at least"
    for pair in pairs:
        if pair.similarity >= score.ALIGN_FROM:
            assert pair.fragments and pair.a_share > 0
        else:
            assert pair.fragments == () and pair.a_share == pair.b_share == 0.0
    assert any(p.similarity < score.ALIGN_FROM for p in pairs)


def test_the_threshold_is_applied_to_the_reported_score(tmp_path: Path) -> None:
    comparison = population(tmp_path, [{"m.py": ORIGINAL}, {"m.py": ORIGINAL + INDEPENDENT},
                                       {"m.py": own_work(5)}])
    everything = comparison.score(comparison.all_pairs(), 0.0)
    for pair in everything:
        listed = comparison.score(comparison.all_pairs(), pair.similarity)
        assert pair in listed  # a pair is listed when its reported score reaches the threshold


def test_aligning_on_several_processes_gives_the_same_pairs(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(score, "PARALLEL_MIN_PAIRS", 2)
    files = [{"m.py": ORIGINAL} for _ in range(4)] + [{"m.py": ORIGINAL + own_work(i)} for i in range(3)]
    first = population(tmp_path / "a", files)
    serial = first.score(first.all_pairs(), 0.1, workers=1)
    comparison = population(tmp_path / "b", files)
    forked = comparison.score(comparison.all_pairs(), 0.1, workers=2)
    assert len(forked) >= 15 and forked == serial


def test_identical_copies_are_aligned_once_and_each_pair_gets_its_own_ids(tmp_path: Path) -> None:
    comparison = population(tmp_path, [{"m.py": ORIGINAL} for _ in range(30)] + [{"m.py": own_work(9)}])
    seen: list[tuple[int, int]] = []
    pairs = comparison.score(comparison.all_pairs(), 0.5, lambda done, total: seen.append((done, total)))
    copies = [p for p in pairs if p.b != "s030"]
    assert len(copies) == 30 * 29 // 2 and seen[-1] == (1, 1)
    assert len({(p.a, p.b) for p in copies}) == len(copies)
    assert all(p.fragments == copies[0].fragments and p.a_share == 1.0 for p in copies)


def test_the_alignment_budget_goes_to_the_strongest_pairs(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Five students each copying a growing part of one program: with room for one alignment
    # per submission, the five strongest pairs carry fragments and every pair keeps its score.
    base = own_work(40, statements=30).splitlines(keepends=True)
    files = [{"m.py": "".join(base[: 6 + 5 * i]) + own_work(50 + i, statements=10)} for i in range(5)]
    unbounded = population(tmp_path / "all", files)
    everything = unbounded.score(unbounded.all_pairs(), 0.3)
    monkeypatch.setattr(score, "ALIGNED_PER_SUBMISSION", 1)
    bounded = population(tmp_path / "few", files)
    pairs = bounded.score(bounded.all_pairs(), 0.3)
    assert [p.similarity for p in pairs] == [p.similarity for p in everything]
    assert len(everything) > 5
    strongest = sorted(everything, key=lambda p: (-p.similarity, p.a, p.b))[:5]
    assert {(p.a, p.b) for p in pairs if p.fragments} == {(p.a, p.b) for p in strongest}


def test_a_code_pair_sharing_no_long_k_gram_is_not_listed(tmp_path: Path) -> None:
    comparison = population(tmp_path, [{"m.py": own_work(1)}, {"m.py": own_work(2)}])
    features = comparison.all_pairs()
    assert features.values[:, 0].max() > 0  # they share short k-grams: the cosine is not 0
    features.values[:, 1:] = 0.0  # but no long one
    assert comparison.similarities(features).tolist() == [0.0] * len(features.i)
    assert comparison.score(features, 0.0) == []


def test_a_copy_padded_with_never_read_locals_scores_as_a_copy() -> None:
    from originality.model import Document, DocumentState, Segment, SegmentKind
    from originality.units import build_units

    original = GRAPH
    # The insertion attack: a never-read local after nearly every statement.
    padded = """class Graph {
    int[][] adj; boolean[] seen; int count;
    void dfs(int u) { int x, y; seen[u] = true; String[] messages; count = count + 1; boolean done = false;
        for (int v = 0; v < adj[u].length; v++) { int j = 0; if (!seen[adj[u][v]]) { double w; dfs(adj[u][v]); } } }
    int components(int n) { int parts = 0; int min; seen = new boolean[n]; int intInput;
        for (int i = 0; i < n; i++) { int index = 0; if (!seen[i]) { parts = parts + 1; int max; dfs(i); } } return parts; }
    int largest(int n) { int best = 0; double y; seen = new boolean[n]; int indexOfField;
        for (int i = 0; i < n; i++) { if (!seen[i]) { count = 0; String output = ""; dfs(i); int k;
            if (count > best) { best = count; } } }
        return best; }
}
"""
    options = MatchOptions(min_document_tokens=1)
    table = SymbolTable()

    def units(text: str):
        document = Document("Graph.java", DocumentState.OK, text, (Segment(SegmentKind.CODE, 1, text.count("\n") + 1, "java"),),
                            "0" * 64, len(text))
        return build_units(document, options, table)

    padded_units = units(padded)
    assert padded_units[0].pruned is not None
    comparison = Comparison(["a", "b"], [units(original), padded_units], [], options)
    features = comparison.pair_features(np.array([0]), np.array([1]))
    plain, pruned = features.values[0, 1], features.values[0, 4]
    assert pruned > plain and pruned > 0.9  # the dead declarations broke most long k-grams
    assert comparison.similarities(features)[0] >= 0.5


def test_alignments_made_on_several_processes_are_those_made_on_one(tmp_path: Path) -> None:
    # Enough distinct pairs for the aligning processes to start: they send back plain values
    # (match.Alignment), and the parent builds the same results from them.
    files = [{"m.py": ORIGINAL + own_work(i, statements=6),
              "n.py": INDEPENDENT if i % 2 else own_work(100 + i)} for i in range(21)]
    comparison = population(tmp_path, files)
    pairs = [(i, j) for i in range(21) for j in range(i + 1, 21)]
    assert len(pairs) >= score.PARALLEL_MIN_PAIRS
    i, j = (np.array(side) for side in zip(*pairs))
    placed, serial = comparison._align_all(i, j, None, workers=1)
    assert sum(len(found.fragments) > 0 for found in serial) >= 100
    parallel = comparison._align_all(i, j, None, workers=2)
    assert np.array_equal(parallel[0], placed) and parallel[1] == serial


@pytest.mark.parametrize("block", [1, 7, 10_000])
def test_pairs_found_a_block_of_rows_at_a_time_are_those_of_the_whole_product(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    # check cuts each block of rows at the floor as soon as its products are read: the pairs
    # it keeps, their features and their report are exactly those of every pair cut after.
    files = ([{"m.py": ORIGINAL} for _ in range(3)] + [{"m.py": ORIGINAL + own_work(i)} for i in range(3)]
             + [{"m.py": own_work(10 + i), "n.py": INDEPENDENT} for i in range(4)])
    comparison = population(tmp_path, files)
    everything = comparison.all_pairs()
    monkeypatch.setattr(cohort, "PRODUCT_BLOCK", block)
    blocked = comparison.all_pairs()
    assert np.array_equal(blocked.i, everything.i) and np.array_equal(blocked.j, everything.j)
    assert np.array_equal(blocked.values, everything.values)
    for floor in (0.0, 0.1, 0.5):
        reaching = comparison.pairs_reaching(floor)
        listed = comparison.reported(everything, floor)
        assert np.array_equal(reaching.i, everything.i[listed]) and np.array_equal(reaching.j, everything.j[listed])
        assert np.array_equal(reaching.values, everything.values[listed])
        assert comparison.score(reaching, floor) == comparison.score(everything, floor)
    assert 0 < len(comparison.pairs_reaching(0.5).i) < len(comparison.pairs_reaching(0.0).i) < len(everything.i)


def test_one_upload_against_its_candidates_scores_bit_for_bit_as_the_matrices(tmp_path: Path) -> None:
    """The archive's path (``Comparison.one_against``: no matrix over the candidates) gives every
    feature exactly as the sparse products do, with the statistics' document frequencies."""
    prose = ("The vector space model represents documents as vectors of terms, and the cosine of "
             "two vectors says how alike two documents are, whatever their lengths.\n")
    files = [{"m.py": ORIGINAL, "notes.md": prose}, {"m.py": ORIGINAL + INDEPENDENT},
             {"m.py": INDEPENDENT, "notes.md": prose + prose.upper()}, {"m.py": own_work(7)},
             {"Graph.java": GRAPH}, {"Graph.java": GRAPH.replace("count = 0;", "count = 0; int unused;")},
             {"notes.md": prose}, {"empty.txt": ""}]
    loaded = [load_submission(write(tmp_path / f"s{i:03d}", f), CheckOptions(workers=1), SymbolTable())
              for i, f in enumerate(files)]
    bags = [cohort.unique_hashes(s.units, bag=True) for s in loaded]
    features, counts = np.unique(np.concatenate(bags), return_counts=True)
    empty = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    statistics = cohort.Statistics(len(loaded) + 3, (features, counts), empty, empty)
    comparison = Comparison([s.id for s in loaded], [s.units for s in loaded], [], MatchOptions(),
                            statistics=statistics)
    assert comparison.has_pruned
    for upload in (0, 4, 7):
        others = np.array([j for j in range(len(loaded)) if j != upload])
        fast = comparison.one_against(upload, others)
        through = comparison.pair_features(np.full(len(others), upload), others)
        assert np.array_equal(fast.values, through.values), upload
        assert np.array_equal(fast.code_share, through.code_share)
    assert (comparison.one_against(0, np.arange(1, len(loaded))).values[:, 0] > 0).sum() >= 3


def test_a_python_copy_padded_with_dead_code_scores_as_a_copy(tmp_path: Path) -> None:
    """Python's pruned stream leaves out what the insertion attack adds there: locals a
    function binds and never reads, ``pass`` and ``if False:`` blocks."""
    lines = ORIGINAL.splitlines()
    padded = []
    for number, line in enumerate(lines):
        padded.append(line)
        body = line.startswith("    ") and line.strip() and not line.rstrip().endswith((":", ",", "(", "["))
        if body and not line.strip().startswith(("return", '"""', "#")):
            indent = line[: len(line) - len(line.lstrip())]
            padded += [f"{indent}trace{number} = None", f"{indent}pass",
                       f"{indent}if False:", f"{indent}    print('debug {number}')"]
    copy = "\n".join(padded) + "\n"
    comparison = population(tmp_path, [{"m.py": ORIGINAL}, {"m.py": copy}])
    assert all(u.pruned is not None for units in comparison.units for u in units)
    features = comparison.pair_features(np.array([0]), np.array([1]))
    plain, pruned = features.values[0, 1], features.values[0, 4]
    assert plain < 0.5 and pruned > 0.9
    # A module's names stay: another module may import them.
    kept = population(tmp_path / "module", [{"m.py": ORIGINAL + "\nUNUSED = None\n" * 2}])
    assert len(kept.units[0][0].pruned) == len(kept.units[0][0].prints.hashes)


# Unrelated paragraphs, and a paraphrase of the first (as an answer rewrites part of an article).
ARTICLE = [
    "Migratory birds travel thousands of kilometres every autumn, guided by the position of the stars, "
    "the angle of the sun and the faint magnetic field of the earth, and many species return each spring "
    "to the very same nesting site they left months before.",
    "The committee approved the regional budget after a long debate about rising construction costs, "
    "delayed railway works and the price of electricity for public schools and hospitals.",
    "Farmers in the southern valley switched to drip irrigation after three dry summers in a row, "
    "cutting their water use by half while keeping the yield of their orchards almost unchanged.",
    "The museum reopened its ancient history wing with restored marble statues, interactive maps of "
    "trade routes and a reconstructed kitchen from a Roman villa near the old harbour.",
    "Volunteers cleaned the river banks on Saturday morning, collecting plastic bottles, fishing nets "
    "and two abandoned bicycles, and the city promised new bins along the walking path.",
]
PARAPHRASED = (
    "Every autumn migrating birds cover thousands of kilometres, steered by the sun's angle, the "
    "position of the stars and the earth's weak magnetic field; each spring many species come back "
    "to exactly the nesting site they had left months earlier."
)


def test_a_passage_paraphrased_from_part_of_a_longer_text_scores_as_a_copy(tmp_path: Path) -> None:
    """The cosine falls with the length ratio of two texts; the bag's projection does not: a
    paraphrase of one paragraph of a text five times its length is still a copy of it."""
    article = "\n\n".join(ARTICLE) + "\n"
    comparison = population(tmp_path, [{"article.txt": article}, {"answer.txt": PARAPHRASED + "\n"},
                                       {"other.txt": "\n\n".join(ARTICLE[1:]) + "\n"}])
    features = comparison.pair_features(np.array([0, 1]), np.array([1, 2]))
    cosine, projection = features.values[:, 0], features.values[:, 5]
    assert projection[0] > 2 * cosine[0]  # the answer is a fifth of the article
    similarity = comparison.similarities(features)
    assert similarity[0] >= 0.5 > similarity[1]
