"""A project's cohort at a glance: how similar its pairs are, which submissions copy from each
other, and where to draw them.

The input is the project's pairs, as the stored reports hold them: each report lists the
matches of one submission against the *earlier* submissions of the project, so the pairs of a
project are the union of its reports' matches. From them this module computes

* the histogram of similarities, ten bins of 10%;
* the clusters: connected components over the pairs that reach a threshold (the strongest
  ``MAX_CLUSTERED_PAIRS`` of them), each with its members, its edges and its strongest pair;
* the top pairs;
* a layout for drawing the clusters as a graph in SVG (node positions, edge widths).

The service keeps the counts per checked submission (``store/summaries.py``), so its cohort
page passes :func:`summed_overview` the sums and only the strongest pairs.

Everything is a pure function of the pairs: no clock, no randomness, ties broken by ids, so the
same pairs give the same overview whatever order they come in. Similarities are compared as the
percents people see (``percents.tenths``, one decimal): a pair shown as 30.0% (0.2998) is counted
in the 30-40% bin and reaches a 30% threshold, and one shown as 29.9% (0.2994) stays in 20-30%
and below it, rather than either falling on the other side by a hair the page does not show.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import UsageError
from .percents import WHOLE, tenths
from .privacy.exposure import PSEUDONYM_PREFIX

# The clusters' threshold unless another is asked for: the calibrated similarity's even odds,
# as likely a copy as not on the labelled sets (``calibration.EVEN_ODDS``; docs/benchmarks.md,
# "Calibration"), the service's default review threshold too.
DEFAULT_THRESHOLD = 0.5
# Top pairs listed on the cohort page: a judgment, not measured.
DEFAULT_TOP = 25
# The histogram's ten bins of 10%: the service stores a count per bin for each checked
# submission (``store/summaries.py``, columns bin0-bin9, migration 0013), so another number
# needs a migration. A judgment, not measured.
BINS = 10

# Drawing, in SVG user units (px at 100%). A ring holds nodes ``NODE_SPACING`` apart, enough
# for a student id of ``LABEL_CHARS`` characters under each node.
# The sizes are judgments, not measured (they came with the cohort page).
CANVAS_WIDTH = 960
NODE_RADIUS = 9
NODE_SPACING = 72
MIN_RADIUS = 48
RING_GAP = 64
SINGLE_RING_MAX = 12  # more members than this are laid out on concentric rings
PAD_X = 48  # half a label's width, so the outermost labels stay inside their frame
PAD_TOP = 40  # the cluster's title, then a node's radius
PAD_BOTTOM = 34  # a node's radius and its label
CELL_GAP = 16
MIN_CELL_WIDTH = 200  # room for the cluster's title
LABEL_CHARS = 12
MIN_EDGE_WIDTH = 1.5
MAX_EDGE_WIDTH = 7.0
LABELLED_CLUSTER_MAX = 3  # small clusters show each edge's similarity in the picture too
MAX_DRAWN_EDGES = 800  # beyond, the picture keeps each cluster's spanning tree and the strongest
# The clusters are built from this many of the strongest pairs that reach the threshold, at
# most (docs/benchmarks.md, "The cohort page when a project's pairs chain into one web"). On a
# one-task project of 2,000 submissions processed by the worker (the generated scale cohort),
# 22,520 pairs reach 50% and chained 1,979 submissions into one cluster, drawn and listed member
# by member: 1,053 ms of CPU and 1 MB of HTML. Its 500 strongest (from 86%) make 90 clusters of
# at most 132 members; the page took 81 ms, 120 ms with 1,000 (46 ms now, its reads narrowed
# since). On 20,001 generated rows whose pairs chain the same way (report_page.py --web 11):
# 18.9 s before, 143 ms and 726 kB with 500, 253 ms and 1.4 MB with 1,000. The page says how
# many pairs reach the threshold and from which threshold the clusters hold them all.
MAX_CLUSTERED_PAIRS = 500


# A bin's width, in the tenths of a percent a similarity is shown in.
BIN_TENTHS = WHOLE // BINS


def bin_of(similarity: float) -> int:
    """The histogram bin (0 for 0-10%, ..., 9 for 90-100%) of a similarity, by the percent it is
    shown as: 0.2994 (29.9%) in 20-30%, 0.2998 (30.0%) in 30-40%."""
    return min(BINS - 1, tenths(similarity) // BIN_TENTHS)


@dataclass(frozen=True, order=True)
class Member:
    """A submission as the overview shows it: its id, student and attempt."""

    submission_id: str
    student_id: str
    attempt: int = 1

    @property
    def label(self) -> str:
        """The student id (with the attempt after the first), short enough to draw."""
        # A pseudonym is drawn by its digits: every one starts with the same prefix.
        shown = self.student_id.removeprefix(PSEUDONYM_PREFIX)
        text = shown if self.attempt <= 1 else f"{shown} ({self.attempt})"
        return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


@dataclass(frozen=True)
class Pair:
    """Two submissions of different students and their similarity.

    ``a`` is the submission whose report holds the match (the later one), ``b`` the earlier
    one, so the side-by-side view of the pair is ``a``'s report against ``b``.
    """

    a: str
    b: str
    similarity: float
    a_student: str
    b_student: str
    a_attempt: int = 1
    b_attempt: int = 1

    @property
    def tenths(self) -> int:
        """The similarity as shown, in tenths of a percent (``percents.tenths``)."""
        return tenths(self.similarity)

    @property
    def key(self) -> tuple[str, str]:
        """The unordered pair, as a sorted tuple of ids."""
        return (self.a, self.b) if self.a <= self.b else (self.b, self.a)

    @property
    def members(self) -> tuple[Member, Member]:
        return (Member(self.a, self.a_student, self.a_attempt),
                Member(self.b, self.b_student, self.b_attempt))

    @property
    def own(self) -> bool:
        """Both sides are the same student's: attempts, not a pair."""
        return self.a_student == self.b_student

    def involves(self, submission_ids: frozenset[str] | set[str]) -> bool:
        return self.a in submission_ids or self.b in submission_ids


def _strength(pair: Pair) -> tuple[float, str, str]:
    """Sort key: strongest first, then by ids, so ties always come out the same way."""
    return (-pair.similarity, *pair.key)


# -- pairs --------------------------------------------------------------------------------------


def unique_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    """The pairs once each, strongest first; own attempts dropped.

    A pair met twice (a submission checked again) keeps its higher similarity.
    """
    best: dict[tuple[str, str], Pair] = {}
    for pair in pairs:
        if pair.own or pair.a == pair.b:
            continue
        seen = best.get(pair.key)
        if seen is None or (pair.similarity, pair.a) > (seen.similarity, seen.a):
            best[pair.key] = pair
    return sorted(best.values(), key=_strength)


def pairs_from_links(links: Iterable[tuple[str, str, float, str, int]],
                     members: Mapping[str, Member]) -> list[Pair]:
    """The pairs of a project from its reports' matches, read as rows of the store's
    ``match_links`` (which keeps every match of a stored report, so no report is parsed):
    (submission, earlier submission, similarity, the earlier one's student and attempt).

    ``members`` gives the student and attempt of each submission; a row of a submission not in
    it is skipped. Own attempts (the same student on both sides) are no pairs.
    """
    found: list[Pair] = []
    for a, b, similarity, b_student, b_attempt in links:
        owner = members.get(a)
        if owner is None:
            continue
        found.append(Pair(a, b, float(similarity), owner.student_id, b_student, owner.attempt,
                          int(b_attempt or 1)))
    return unique_pairs(found)


# -- histogram ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: int  # percent, inclusive
    high: int  # percent, exclusive but for the last bin, which holds 100%
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}\u2013{self.high}%"


@dataclass(frozen=True)
class Histogram:
    bins: tuple[Bin, ...]

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bins)

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bins), default=0)


def histogram(pairs: Iterable[Pair]) -> Histogram:
    """How many pairs fall in each tenth of similarity."""
    counts = [0] * BINS
    for pair in pairs:
        counts[bin_of(pair.similarity)] += 1
    return Histogram(tuple(Bin(i * 10, (i + 1) * 10, c) for i, c in enumerate(counts)))


# -- clusters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    """Submissions linked, directly or through others, by pairs that reach the threshold."""

    index: int  # 1-based, in the order shown: biggest first, then strongest
    members: tuple[Member, ...]  # by student, attempt, id
    edges: tuple[Pair, ...]  # strongest first

    @property
    def strongest(self) -> Pair:
        return self.edges[0]

    @property
    def size(self) -> int:
        return len(self.members)


class _Components:
    """Union-find over submission ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: str, y: str) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return False
        # The smaller id becomes the root: the result does not depend on the order of calls.
        if ry < rx:
            rx, ry = ry, rx
        self.parent[ry] = rx
        return True


def reaches(pair: Pair, threshold: float) -> bool:
    """Whether a pair counts at ``threshold``, both compared as the percents shown."""
    return pair.tenths >= tenths(threshold)


def clusters(pairs: Iterable[Pair], threshold: float = DEFAULT_THRESHOLD) -> list[Cluster]:
    """The connected components over the pairs whose similarity reaches ``threshold``."""
    check_threshold(threshold)
    # Filtering first gives the same pairs (a pair's strongest copy reaches the threshold if
    # any does) and spares deduplicating the many weak ones.
    return _components(unique_pairs(p for p in pairs if reaches(p, threshold)))


def _components(strong: list[Pair]) -> list[Cluster]:
    """The connected components over ``strong``, pairs once each, as ``unique_pairs`` gives
    them."""
    components = _Components()
    people: dict[str, Member] = {}
    for pair in strong:
        components.union(pair.a, pair.b)
        for member in pair.members:
            people.setdefault(member.submission_id, member)
    groups: dict[str, list[Pair]] = {}
    for pair in strong:
        groups.setdefault(components.find(pair.a), []).append(pair)
    found = []
    for edges in groups.values():
        ids = {i for p in edges for i in (p.a, p.b)}
        members = tuple(sorted((people[i] for i in ids),
                               key=lambda m: (m.student_id, m.attempt, m.submission_id)))
        found.append((members, tuple(sorted(edges, key=_strength))))
    found.sort(key=lambda c: (-len(c[0]), _strength(c[1][0])))
    return [Cluster(i, members, edges) for i, (members, edges) in enumerate(found, start=1)]


def check_threshold(threshold: float) -> None:
    if not isinstance(threshold, (int, float)) or math.isnan(threshold) or not 0 < threshold <= 1:
        raise UsageError(f"the threshold must be a similarity above 0 and at most 1, got {threshold!r}")


def top_pairs(pairs: Iterable[Pair], n: int = DEFAULT_TOP) -> list[Pair]:
    """The ``n`` most similar pairs, strongest first."""
    return unique_pairs(pairs)[: max(0, n)]


# -- layout -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    member: Member
    cluster: int
    x: float
    y: float

    @property
    def label_y(self) -> float:
        return round(self.y + NODE_RADIUS + 13, 1)


@dataclass(frozen=True)
class Edge:
    pair: Pair
    cluster: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    labelled: bool  # the similarity is written beside the line, not only in its tooltip
    label_x: float
    label_y: float

    @property
    def level(self) -> int:
        """The histogram bin of the pair, for its colour."""
        return bin_of(self.pair.similarity)


@dataclass(frozen=True)
class Frame:
    """The box a cluster is drawn in, with its title's baseline."""

    cluster: Cluster
    x: float
    y: float
    width: float
    height: float

    @property
    def title_at(self) -> tuple[float, float]:
        return (round(self.x + 10, 1), round(self.y + 18, 1))


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    frames: tuple[Frame, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    hidden_edges: int  # links left out of the picture (see MAX_DRAWN_EDGES); the tables have them
    node_radius: int = NODE_RADIUS


def edge_width(similarity: float, threshold: float) -> float:
    """Thin at the threshold, thick at 100%."""
    if threshold >= 1:
        return MAX_EDGE_WIDTH
    t = (min(1.0, similarity) - threshold) / (1 - threshold)
    return round(MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * min(1.0, max(0.0, t)), 2)


def _visit_order(cluster: Cluster) -> list[str]:
    """Members from the strongest pair outwards, always along the strongest link left (Prim),
    so that members next to each other on a ring are usually linked."""
    links: dict[str, list[tuple[float, str]]] = {}
    for p in cluster.edges:
        links.setdefault(p.a, []).append((-p.similarity, p.b))
        links.setdefault(p.b, []).append((-p.similarity, p.a))
    start = cluster.strongest.a
    order, seen = [start], {start}
    frontier = list(links[start])
    heapq.heapify(frontier)
    while frontier:
        _, nxt = heapq.heappop(frontier)
        if nxt in seen:
            continue
        seen.add(nxt)
        order.append(nxt)
        for link in links[nxt]:
            if link[1] not in seen:
                heapq.heappush(frontier, link)
    return order


def _ring_positions(n: int) -> list[tuple[float, float]]:
    """Positions around (0, 0): one circle for a small cluster, concentric rings for a big one."""
    if n == 2:
        return [(-MIN_RADIUS, 0.0), (MIN_RADIUS, 0.0)]
    if n <= SINGLE_RING_MAX:
        rings = [(max(MIN_RADIUS, n * NODE_SPACING / (2 * math.pi)), n)]
    else:
        rings, left, radius = [], n, float(MIN_RADIUS)
        while left:
            count = min(left, max(3, int(2 * math.pi * radius // NODE_SPACING)))
            rings.append((radius, count))
            left -= count
            radius += RING_GAP
    positions = []
    for ring, (radius, count) in enumerate(rings):
        turn = (ring % 2) * math.pi / max(count, 1)  # stagger rings so labels do not stack
        for i in range(count):
            angle = -math.pi / 2 + turn + 2 * math.pi * i / count
            positions.append((radius * math.cos(angle), radius * math.sin(angle)))
    return positions


def _drawn_edges(found: list[Cluster], budget: int) -> set[tuple[str, str]]:
    """Every link when they fit; else each cluster's strongest spanning tree (so a cluster
    still looks connected), then the strongest other links up to ``budget``."""
    every = [p for c in found for p in c.edges]
    if len(every) <= budget:
        return {p.key for p in every}
    components = _Components()
    keep = {p.key for p in sorted(every, key=_strength) if components.union(p.a, p.b)}
    for p in sorted(every, key=_strength):
        if len(keep) >= budget:
            break
        keep.add(p.key)
    return keep


def _label_at(x1: float, y1: float, x2: float, y2: float,
              centre: tuple[float, float]) -> tuple[float, float]:
    """Where an edge's similarity is written: beside its middle, away from the cluster's
    centre (where the other lines cross), or just above a lone line."""
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = mx - centre[0], my - centre[1]
    length = math.hypot(dx, dy)
    if length < 1:
        return (round(mx, 1), round(my - 6, 1))
    # Text is wider than tall: step further sideways than up or down; +4 centres the baseline.
    return (round(mx + 18 * dx / length, 1), round(my + 10 * dy / length + 4, 1))


def layout(found: list[Cluster], threshold: float = DEFAULT_THRESHOLD,
           width: int = CANVAS_WIDTH, max_edges: int = MAX_DRAWN_EDGES) -> Layout:
    """Where to draw each cluster: members on a ring (or rings), clusters packed in rows left
    to right, biggest first. Coordinates are rounded to 0.1 so the SVG is the same byte for
    byte for the same pairs."""
    cells = []
    for cluster in found:
        order = _visit_order(cluster)
        positions = _ring_positions(len(order))
        xs = [x for x, _ in positions]
        ys = [y for _, y in positions]
        spread = max(xs) - min(xs)
        w = max(float(MIN_CELL_WIDTH), spread + 2 * PAD_X)
        h = max(ys) - min(ys) + PAD_TOP + PAD_BOTTOM
        left = (w - spread) / 2
        at = {sid: (x - min(xs) + left, y - min(ys) + PAD_TOP)
              for sid, (x, y) in zip(order, positions)}
        cells.append((cluster, w, h, at))

    total_width = max([float(width)] + [w for _, w, _, _ in cells])
    frames: list[Frame] = []
    nodes: list[Node] = []
    edges: list[Edge] = []
    drawn = _drawn_edges(found, max_edges)
    x = y = row_height = 0.0
    for cluster, w, h, at in cells:
        if x > 0 and x + w > total_width:
            x, y, row_height = 0.0, y + row_height + CELL_GAP, 0.0
        frames.append(Frame(cluster, round(x, 1), round(y, 1), round(w, 1), round(h, 1)))
        where = {sid: (round(x + px, 1), round(y + py, 1)) for sid, (px, py) in at.items()}
        people = {m.submission_id: m for m in cluster.members}
        for sid in sorted(where, key=lambda s: (people[s].student_id, people[s].attempt, s)):
            nodes.append(Node(people[sid], cluster.index, *where[sid]))
        centre = (sum(px for px, _ in where.values()) / len(where),
                  sum(py for _, py in where.values()) / len(where))
        for p in cluster.edges:
            if p.key in drawn:
                (x1, y1), (x2, y2) = where[p.a], where[p.b]
                edges.append(Edge(p, cluster.index, x1, y1, x2, y2,
                                  edge_width(p.similarity, threshold),
                                  cluster.size <= LABELLED_CLUSTER_MAX,
                                  *_label_at(x1, y1, x2, y2, centre)))
        x += w + CELL_GAP
        row_height = max(row_height, h)
    height = y + row_height if cells else 0.0
    # Weakest first, so the strongest links are drawn on top.
    edges.reverse()
    hidden = sum(len(c.edges) for c in found) - len(edges)
    return Layout(round(total_width, 1), round(height, 1), tuple(frames), tuple(nodes),
                  tuple(edges), hidden)


# -- all of it ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    threshold: float
    pairs: int  # distinct pairs of different students
    histogram: Histogram
    clusters: tuple[Cluster, ...]
    top_pairs: tuple[Pair, ...]
    layout: Layout
    reaching: int  # pairs that reach the threshold
    clustered: int  # the strongest of them, that the clusters are built from (MAX_CLUSTERED_PAIRS)

    @property
    def in_clusters(self) -> int:
        """How many submissions are in a cluster."""
        return sum(c.size for c in self.clusters)

    @property
    def weakest_clustered(self) -> float:
        """The similarity of the weakest pair the clusters are built from (1 when none)."""
        return min((c.edges[-1].similarity for c in self.clusters), default=1.0)


def pairs_reaching(bins: Sequence[int], threshold: float) -> int | None:
    """How many pairs reach ``threshold``, from the histogram's bins, when its percent starts
    a bin (a bin cannot be split: 100% shares the last with 90-99%); else None."""
    shown = tenths(threshold)
    return None if shown % BIN_TENTHS or shown >= WHOLE else sum(int(c) for c in bins[shown // BIN_TENTHS:])


def overview(pairs: Iterable[Pair], threshold: float = DEFAULT_THRESHOLD,
             top: int = DEFAULT_TOP) -> Overview:
    """The histogram, clusters at ``threshold`` (of the ``MAX_CLUSTERED_PAIRS`` strongest
    pairs that reach it), top pairs and the drawing of the clusters."""
    every = unique_pairs(pairs)
    return _assembled(len(every), [b.count for b in histogram(every).bins], every, threshold, top,
                      sum(1 for p in every if reaches(p, threshold)))


def reach_floor(threshold: float) -> float:
    """A similarity below every one that reaches ``threshold`` as shown (a pair shown as 50.0%
    may be 0.4995): what a database may filter on before :func:`reaches` decides."""
    shown = tenths(threshold)
    # 0.1% is also shown for anything above 0 (``percents``): then every pair but 0 reaches it.
    return 0.0 if shown <= 1 else (shown - 0.5) / WHOLE - 1e-9


def summed_overview(pairs: int, bins: Sequence[int], strong: Iterable[Pair], reaching: int,
                    threshold: float = DEFAULT_THRESHOLD, top: int = DEFAULT_TOP) -> Overview:
    """The overview from counts kept elsewhere (how many pairs, how many per bin, how many
    reach ``threshold``) and the strongest pairs only: ``strong`` must hold the ``top`` and the
    ``MAX_CLUSTERED_PAIRS`` strongest pairs (all of them when there are fewer), and may hold
    more. The same overview as :func:`overview` over every pair, without reading the others."""
    return _assembled(pairs, bins, unique_pairs(strong), threshold, top, reaching)


def _assembled(pairs: int, bins: Sequence[int], every: list[Pair], threshold: float,
               top: int, reaching: int) -> Overview:
    """The overview of ``every`` (pairs once each, strongest first, as ``unique_pairs``
    gives them) with the counts given."""
    check_threshold(threshold)
    if len(bins) != BINS:
        raise UsageError(f"a histogram has {BINS} bins, got {len(bins)}")
    # ``every`` is strongest first: the pairs that reach the threshold are a prefix of it.
    strong = list(itertools.takewhile(lambda p: reaches(p, threshold),
                                      every[:MAX_CLUSTERED_PAIRS]))
    found = _components(strong)
    counts = Histogram(tuple(Bin(i * 10, (i + 1) * 10, int(c)) for i, c in enumerate(bins)))
    return Overview(threshold=threshold, pairs=pairs, histogram=counts, clusters=tuple(found),
                    top_pairs=tuple(every[: max(0, top)]), layout=layout(found, threshold),
                    reaching=reaching, clustered=len(strong))


__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_CLUSTERED_PAIRS",
    "Bin",
    "Cluster",
    "Edge",
    "Frame",
    "Histogram",
    "Layout",
    "Member",
    "Node",
    "Overview",
    "Pair",
    "BIN_TENTHS",
    "bin_of",
    "clusters",
    "edge_width",
    "histogram",
    "layout",
    "overview",
    "pairs_from_links",
    "pairs_reaching",
    "reach_floor",
    "reaches",
    "summed_overview",
    "top_pairs",
    "unique_pairs",
]
