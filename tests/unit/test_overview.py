"""The cohort overview: histogram bins, clusters, top pairs and a deterministic drawing."""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any
from unittest.mock import patch

import pytest

from originality.errors import UsageError
from originality.percents import percent
from originality.overview import (
    CANVAS_WIDTH,
    MAX_EDGE_WIDTH,
    MIN_EDGE_WIDTH,
    Member,
    Pair,
    bin_of,
    clusters,
    edge_width,
    histogram,
    layout,
    overview,
    pairs_from_links,
    reach_floor,
    reaches,
    top_pairs,
    unique_pairs,
)


def pair(a: str, b: str, similarity: float) -> Pair:
    """A pair of submissions named after their students (``"s-ann"`` is ann's)."""
    return Pair(a, b, similarity, a.removeprefix("s-"), b.removeprefix("s-"))


RING = [pair("s-bob", "s-ann", 0.92), pair("s-cat", "s-bob", 0.81), pair("s-cat", "s-ann", 0.77)]
DUO = [pair("s-eve", "s-dan", 0.64)]
WEAK = [pair("s-fay", "s-ann", 0.31), pair("s-gus", "s-dan", 0.12), pair("s-gus", "s-fay", 0.05)]
COHORT = RING + DUO + WEAK


@pytest.mark.parametrize("similarity, expected", [
    (0.0, 0), (0.05, 0), (0.0999, 1), (0.0994, 0), (0.1, 1), (0.3, 3), (0.1 * 3, 3), (0.7, 7),
    (0.58, 5), (0.2998, 3), (0.2995, 3), (0.2994, 2), (0.299, 2), (0.295, 2), (0.999, 9),
    (1.0, 9), (1.2, 9), (-0.1, 0),
])
def test_a_pair_lands_in_the_bin_of_the_percent_it_shows(similarity: float, expected: int) -> None:
    # The band of the percent the pages print: 0.299 is "29.9%", in 20-30% (it was counted in
    # 30-40% when the bins went by the whole percent, 30%, which no page shows any more).
    assert bin_of(similarity) == expected
    low, high = histogram([pair("s-a", "s-b", similarity)]).bins[expected].label[:-1].split("\u2013")
    assert int(low) <= float(percent(similarity)[:-1]) <= int(high)


@pytest.mark.parametrize("similarity, threshold, reached", [
    (0.2998, 0.3, True), (0.2995, 0.3, True), (0.2994, 0.3, False), (0.295, 0.3, False),
    (0.9996, 1.0, False), (1.0, 1.0, True), (0.0004, 0.01, False),
])
def test_a_pair_reaches_a_threshold_when_the_percent_it_shows_does(
        similarity: float, threshold: float, reached: bool) -> None:
    assert reaches(pair("s-a", "s-b", similarity), threshold) is reached
    # What a database filters on first never leaves out a pair that reaches it.
    assert reach_floor(threshold) <= similarity or not reached


def test_histogram_counts_every_pair_once_in_ten_bins() -> None:
    bins = histogram(unique_pairs(COHORT)).bins
    assert [b.label for b in bins][:2] == ["0\u201310%", "10\u201320%"] and len(bins) == 10
    assert [b.count for b in bins] == [1, 1, 0, 1, 0, 0, 1, 1, 1, 1]
    assert histogram(COHORT).total == len(COHORT) and histogram(COHORT).peak == 1
    assert histogram([]).total == 0 and histogram([]).peak == 0


def test_own_attempts_and_repeated_pairs_are_not_counted_twice() -> None:
    own = Pair("s-ann-2", "s-ann", 0.99, "ann", "ann", 2, 1)
    again = pair("s-ann", "s-bob", 0.95)  # the same pair, the other way round, checked again
    found = unique_pairs(RING + [own, again])
    assert len(found) == 3
    assert found[0] == again


def test_clusters_are_the_components_over_pairs_reaching_the_threshold() -> None:
    found = clusters(COHORT, 0.5)
    assert [[m.student_id for m in c.members] for c in found] == [["ann", "bob", "cat"], ["dan", "eve"]]
    assert [c.index for c in found] == [1, 2]
    assert found[0].strongest == RING[0] and len(found[0].edges) == 3
    assert found[1].strongest == DUO[0]
    # Weaker links join more: fay reaches ann at 30%, gus joins dan at 10%, and a 5% link
    # between gus and fay joins everyone.
    assert [c.size for c in clusters(COHORT, 0.3)] == [4, 2]
    assert [c.size for c in clusters(COHORT, 0.1)] == [4, 3]
    assert [c.size for c in clusters(COHORT, 0.05)] == [7]
    assert clusters(COHORT, 0.95) == []


def test_a_pair_shown_at_the_threshold_reaches_it() -> None:
    assert [c.size for c in clusters([pair("s-b", "s-a", 0.4996)], 0.5)] == [2]
    assert clusters([pair("s-b", "s-a", 0.494)], 0.5) == []


@pytest.mark.parametrize("threshold", [0, -0.5, 1.01, float("nan")])
def test_a_threshold_outside_0_to_1_is_refused(threshold: float) -> None:
    with pytest.raises(UsageError):
        overview(COHORT, threshold)


def test_top_pairs_are_strongest_first_with_ties_by_id() -> None:
    tied = [pair("s-z", "s-y", 0.5), pair("s-b", "s-a", 0.5), pair("s-d", "s-c", 0.9)]
    assert [(p.a, p.b) for p in top_pairs(tied, 2)] == [("s-d", "s-c"), ("s-b", "s-a")]
    assert top_pairs(tied, 0) == []


def test_the_same_pairs_in_any_order_give_the_same_overview() -> None:
    first = overview(COHORT, 0.3)
    for seed in range(5):
        shuffled = list(COHORT)
        random.Random(seed).shuffle(shuffled)
        assert overview(shuffled, 0.3) == first
    assert repr(overview(list(reversed(COHORT)), 0.3)) == repr(first)


def test_the_layout_places_every_member_once_inside_its_frame() -> None:
    found = clusters(COHORT, 0.3)
    drawn = layout(found, 0.3)
    assert sorted(n.member.submission_id for n in drawn.nodes) == sorted(
        m.submission_id for c in found for m in c.members)
    assert drawn.width == CANVAS_WIDTH and drawn.hidden_edges == 0
    assert len(drawn.edges) == sum(len(c.edges) for c in found)
    frames = {f.cluster.index: f for f in drawn.frames}
    for node in drawn.nodes:
        frame = frames[node.cluster]
        assert frame.x < node.x < frame.x + frame.width
        assert frame.y + 20 < node.y and node.label_y < frame.y + frame.height
    positions = {(n.x, n.y) for n in drawn.nodes}
    assert len(positions) == len(drawn.nodes)
    # Edges join their members' nodes; stronger links are drawn thicker and on top.
    at = {n.member.submission_id: (n.x, n.y) for n in drawn.nodes}
    for edge in drawn.edges:
        assert at[edge.pair.a] == (edge.x1, edge.y1) and at[edge.pair.b] == (edge.x2, edge.y2)
    widths = [e.width for e in drawn.edges if e.cluster == 1]
    assert widths == sorted(widths)
    # Frames do not overlap.
    boxes = sorted((f.x, f.y, f.x + f.width, f.y + f.height) for f in drawn.frames)
    for (x1, y1, x2, y2), (u1, v1, u2, v2) in zip(boxes, boxes[1:]):
        assert x2 <= u1 or y2 <= v1 or v2 <= y1


def test_edge_width_grows_from_the_threshold_to_100_percent() -> None:
    assert edge_width(0.5, 0.5) == MIN_EDGE_WIDTH
    assert edge_width(1.0, 0.5) == MAX_EDGE_WIDTH
    assert MIN_EDGE_WIDTH < edge_width(0.75, 0.5) < MAX_EDGE_WIDTH
    assert edge_width(0.9, 1.0) == MAX_EDGE_WIDTH


def test_a_big_cluster_is_drawn_on_rings_and_keeps_a_spanning_tree_when_edges_are_capped() -> None:
    # 60 students who all share a lot: one cluster of 60, 1770 links.
    everyone = [pair(f"s-{i:03}", f"s-{j:03}", 0.5 + ((i * 7 + j) % 50) / 100)
                for i in range(60) for j in range(i)]
    found = clusters(everyone, 0.5)
    assert [c.size for c in found] == [60]
    drawn = layout(found, 0.5, max_edges=200)
    assert len(drawn.edges) == 200 and drawn.hidden_edges == 1770 - 200
    # The drawn links still connect every member.
    reached = {drawn.edges[-1].pair.a}
    grew = True
    while grew:
        grew = False
        for e in drawn.edges:
            if (e.pair.a in reached) != (e.pair.b in reached):
                reached |= {e.pair.a, e.pair.b}
                grew = True
    assert len(reached) == 60
    assert len({(n.x, n.y) for n in drawn.nodes}) == 60
    assert drawn.width <= CANVAS_WIDTH * 1.5


def test_pairs_come_from_the_reports_matches_of_earlier_submissions() -> None:
    members = {"s1": Member("s1", "ann"), "s2": Member("s2", "bob"), "s3": Member("s3", "ann", 2)}
    links = [
        ("s2", "s1", 0.8, "ann", 1),
        ("s3", "s2", 0.4, "bob", 1),
        ("s3", "gone", 0.2, "cy", 3),  # an earlier side not among the members is described by its row
        ("s3", "s1", 1.0, "ann", 1),  # the student's own attempt: no pair
        ("unknown", "s1", 0.9, "ann", 1),
    ]
    found = pairs_from_links(links, members)
    assert [(p.a, p.b, p.similarity) for p in found] == [("s2", "s1", 0.8), ("s3", "s2", 0.4),
                                                         ("s3", "gone", 0.2)]
    assert found[1].members[0] == Member("s3", "ann", 2) and found[1].members[0].label == "ann (2)"
    assert found[2].members[1] == Member("gone", "cy", 3)


def test_long_student_ids_are_shortened_in_the_drawing_only() -> None:
    member = Member("x", "a-very-long-student-identifier")
    assert member.label.endswith("\u2026") and len(member.label) == 12
    assert member.student_id == "a-very-long-student-identifier"


def test_no_pairs_give_an_empty_overview() -> None:
    empty = overview([])
    assert empty.pairs == 0 and empty.clusters == () and empty.top_pairs == ()
    assert empty.layout.nodes == () and empty.layout.height == 0


def test_the_overview_is_engine_code_that_loads_no_service_layer() -> None:
    code = ("import sys, originality.overview\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'flask', 'celery', 'api', 'worker', 'sqlalchemy'})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.55, 0.8, 1.0])
def test_the_summed_overview_from_counts_and_strong_pairs_is_the_overview_of_every_pair(
        threshold: float) -> None:
    from originality.overview import bin_of, reaches, summed_overview

    rng = random.Random(7)
    ids = [f"s{n:03d}" for n in range(120)]
    every = [Pair(ids[n], ids[k], round(rng.choice([rng.uniform(0, 0.45), rng.uniform(0.45, 1)]), 4),
                  f"st{n}", f"st{k}") for n in range(1, 120) for k in rng.sample(range(n), min(n, 4))]
    every.append(Pair(ids[5], ids[4], 0.4995, "st5", "st4"))  # shown as 50.0%: reaches 0.5
    bins = [0] * 10
    for p in unique_pairs(every):
        bins[bin_of(p.similarity)] += 1
    # What the service reads: the strongest pairs, as many as the clusters may use, and the
    # count of those that reach the threshold.
    strong = unique_pairs(every)[:40]
    reaching = sum(1 for p in unique_pairs(every) if reaches(p, threshold))
    with patch("originality.overview.MAX_CLUSTERED_PAIRS", 40):
        summed = summed_overview(len(unique_pairs(every)), bins, strong, reaching, threshold)
        assert summed == overview(every, threshold)
    assert summed.reaching == reaching
    assert summed.clustered == min(40, reaching) and summed.top_pairs == tuple(strong[:25])


def test_the_clusters_of_a_web_of_pairs_are_built_from_the_strongest() -> None:
    """A project whose pairs chain it into one web: the clusters keep the strongest pairs,
    the counts say how many reach the threshold, and the histogram tells how many each
    threshold would link."""
    from originality.overview import MAX_CLUSTERED_PAIRS, pairs_reaching

    n = MAX_CLUSTERED_PAIRS + 200
    # A chain of n + 1 submissions whose links weaken from 99% to 51%: one cluster at 50%.
    chain = [pair(f"s{i + 1:05d}", f"s{i:05d}", round(0.99 - 0.48 * i / n, 4)) for i in range(n)]
    ov = overview(chain, 0.5)
    assert ov.reaching == n and ov.clustered == MAX_CLUSTERED_PAIRS
    # The strongest pairs are the first of the chain: one cluster of those, the rest left out.
    assert [c.size for c in ov.clusters] == [MAX_CLUSTERED_PAIRS + 1]
    assert ov.weakest_clustered == chain[MAX_CLUSTERED_PAIRS - 1].similarity
    assert ov.in_clusters == MAX_CLUSTERED_PAIRS + 1 and len(ov.top_pairs) == 25
    bins = [b.count for b in ov.histogram.bins]
    assert pairs_reaching(bins, 0.5) == n
    assert pairs_reaching(bins, 0.9) == sum(1 for p in chain if p.tenths >= 900)
    # A threshold inside a bin, or 100% (which shares the last bin), is not told by the bins.
    assert pairs_reaching(bins, 0.55) is None and pairs_reaching(bins, 1.0) is None
    # Where fewer pairs reach the threshold, every one is in a cluster.
    high = overview(chain, 0.9)
    assert high.reaching == high.clustered == sum(1 for p in chain if p.tenths >= 900)
