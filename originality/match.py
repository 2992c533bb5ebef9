"""Align two submissions: which stretches of tokens they share, and how much of each.

Each submission's usable k-grams (those not excluded as starter code or common code) are kept
in one table sorted by hash. Two tables are joined on equal hashes; matching k-grams that
continue each other on both sides (same files, same offset) are chained into runs; the runs
are then laid like tiles, longest first, so that no token is counted twice on either side
(the idea of JPlag's greedy string tiling, fed by fingerprints instead of a quadratic
search). A run must be at least ``min_fragment_code`` (or ``_prose``) tokens long to count: shorter ones are the
idioms any two programs share.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from .model import Fragment, PairResult, SegmentKind, Span
from .options import MatchOptions
from .units import Unit, template_masks

# A k-gram that occurs more often than this in one submission is a repetition (a run of
# closing braces, similar getters); its occurrences are paired by rank, within RANK_REACH,
# instead of all with all, which would cost quadratic time and say nothing more.
# Both judgments, not fitted: 8 was the engine's first cap, past which such k-grams were then
# skipped (a copy of a dozen similar functions did not align at all: commit e774651); a reach of 2
# lets a copy add or drop a couple of repetitions (``_pairs_by_rank``).
MAX_OCCURRENCES = 8
RANK_REACH = 2
# Tiles closer than this (in tokens, on both sides) are shown as one fragment: an edited
# statement inside a copied function.
# 8, a judgment, not fitted: on the cohort of commit 3fc528f, 48,793 fragments instead of
# 134,000; it changes what is shown, each fragment's matched tokens still counted exactly
# (docs/benchmarks.md, "Match merging").
MERGE_GAP_TOKENS = 8


@dataclass
class SubmissionPrints:
    """The comparable k-grams of one submission, sorted by hash."""

    id: str
    units: list[Unit]
    hashes: np.ndarray  # uint64
    unit_index: np.ndarray  # int32, into ``units``
    positions: np.ndarray  # int32, k-gram position within its unit
    denominator: int  # tokens that are the student's own (not starter or common code)
    template_mask: np.ndarray  # per token, units end to end: in starter or common code (``units.template_masks``)
    distinct: np.ndarray = field(init=False)  # the sorted distinct hashes
    first: np.ndarray = field(init=False)  # per distinct hash, where its block starts in ``hashes``
    count: np.ndarray = field(init=False)  # per distinct hash, its occurrences
    lines: np.ndarray = field(init=False)  # each token's line, units one after the other
    line_offset: np.ndarray = field(init=False)  # per unit, where its tokens start in ``lines``
    k: np.ndarray = field(init=False)  # per unit, its k-gram length
    is_code: np.ndarray = field(init=False)  # per unit
    token_counts: list[int] = field(init=False)  # per unit
    paths: list[str] = field(init=False)  # per unit
    span: int = field(init=False)  # more than any unit's token count
    # Per unit, the tokens after which a block of the file's other unit lies (``_breaks``).
    breaks: list[list[int]] = field(init=False)
    has_breaks: bool = field(init=False)

    def __post_init__(self) -> None:
        # Computed once: a submission takes part in many pairs, and the lines of all of a
        # pair's fragments are read at once (indexing per fragment was a tenth of `check`).
        # The hash blocks spare each pair four binary searches (int32, as the table's columns:
        # every submission of a cohort keeps its prints).
        # The hashes are sorted: each distinct one's block is a run (``np.unique`` sorted them again).
        first = np.flatnonzero(np.r_[True, self.hashes[1:] != self.hashes[:-1]] if len(self.hashes)
                               else np.zeros(0, dtype=bool))
        self.distinct = self.hashes[first]
        self.first, self.count = first.astype(np.int32), np.diff(np.r_[first, len(self.hashes)]).astype(np.int32)
        self.lines = np.concatenate([unit.lines for unit in self.units] or [np.zeros(0, dtype=np.int64)])
        self.token_counts = [len(unit.lines) for unit in self.units]
        self.line_offset = np.cumsum([0] + self.token_counts)[:-1]
        self.k = np.array([unit.k for unit in self.units], dtype=np.int64)
        self.is_code = np.array([unit.kind is SegmentKind.CODE for unit in self.units], dtype=bool)
        self.paths = [unit.path for unit in self.units]
        self.span = max(self.token_counts, default=0) + 1
        self.breaks = _breaks(self.units)
        self.has_breaks = any(self.breaks)

    @classmethod
    def build(cls, submission_id: str, units: list[Unit], min_tokens: int) -> SubmissionPrints:
        """The prints of a submission's units, their starter and common code left out, laid end
        to end (a multi-file submission has dozens of units; one NumPy step each was most of
        making a check's prints)."""
        if not units:
            empty = np.zeros(0, dtype=np.int32)
            return cls(submission_id, units, np.zeros(0, dtype=np.uint64), empty, empty, min_tokens,
                       np.zeros(0, dtype=bool))
        sizes = np.array([len(u.prints.hashes) for u in units], dtype=np.int64)
        hashes = np.concatenate([u.prints.hashes for u in units])
        usable = np.flatnonzero(~np.concatenate([u.excluded if u.excluded is not None
                                                  else np.zeros(len(u.prints.hashes), dtype=bool) for u in units]))
        unit_index = np.repeat(np.arange(len(units), dtype=np.int32), sizes)[usable]
        positions = (usable - (np.cumsum(sizes) - sizes)[unit_index]).astype(np.int32)
        template_mask = template_masks(units)
        own_tokens = sum(u.token_count for u in units) - int(np.count_nonzero(template_mask))
        picked = hashes[usable]
        order = np.argsort(picked, kind="stable")
        return cls(submission_id, units, picked[order], unit_index[order], positions[order],
                   max(own_tokens, min_tokens), template_mask)


def _breaks(units: list[Unit]) -> list[list[int]]:
    """Per unit, the positions of its tokens after which the next one lies past a line of the
    file's other unit: a Markdown file's prose runs on across its fenced code, a notebook's code
    across its text cells. A fragment never spans such a break (``_split_at_breaks``), so the
    lines it shows side by side are its kind's only."""
    found: list[list[int]] = [[] for _ in units]
    by_path: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        by_path.setdefault(unit.path, []).append(index)
    for indices in by_path.values():
        if len(indices) < 2:
            continue  # a source file, or prose alone: one unit
        for index in indices:
            others = np.unique(np.concatenate([units[o].lines for o in indices if o != index]))
            lines = units[index].lines.astype(np.int64)
            low, high = np.minimum(lines[:-1], lines[1:]), np.maximum(lines[:-1], lines[1:])
            between = np.searchsorted(others, high, "left") - np.searchsorted(others, low, "right")
            found[index] = np.flatnonzero(between > 0).tolist()
    return found


def _split_at_breaks(a: SubmissionPrints, b: SubmissionPrints, tiles: list[Tile]) -> list[Tile]:
    """Tiles cut where either side's tokens jump over a block of the file's other unit."""
    if not a.has_breaks and not b.has_breaks:
        return tiles
    cut: list[Tile] = []
    for unit_a, unit_b, start_a, start_b, length in tiles:
        offsets = {at - start_a + 1 for at in _within(a.breaks[unit_a], start_a, start_a + length - 1)}
        offsets |= {at - start_b + 1 for at in _within(b.breaks[unit_b], start_b, start_b + length - 1)}
        done = 0
        for offset in sorted(offsets) + [length]:
            cut.append((unit_a, unit_b, start_a + done, start_b + done, offset - done))
            done = offset
    return cut


def _within(breaks: list[int], first: int, stop: int) -> list[int]:
    """The sorted ``breaks`` from ``first`` up to ``stop`` (excluded)."""
    return breaks[bisect.bisect_left(breaks, first):bisect.bisect_left(breaks, stop)]


def _all_pairs(a_start: np.ndarray, a_count: np.ndarray, b_start: np.ndarray,
               b_count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every occurrence in a paired with every occurrence in b, block by block; with each
    pair's block."""
    sizes = a_count * b_count
    group = np.repeat(np.arange(len(sizes)), sizes)
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return a_start[group] + offset // b_count[group], b_start[group] + offset % b_count[group], group


def _pairs_by_rank(a_start: np.ndarray, a_count: np.ndarray, b_start: np.ndarray,
                   b_count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The t-th occurrence in a paired with the (t - R .. t + R)-th in b; with each pair's block.

    For a k-gram repeated many times (a run of similar getters), pairing all occurrences
    would be quadratic; occurrences are sorted by position, so a copy's t-th repetition faces
    the original's t-th, give or take the few that were added or removed.
    """
    group = np.repeat(np.arange(len(a_count)), a_count)
    rank = np.arange(int(a_count.sum())) - np.repeat(np.cumsum(a_count) - a_count, a_count)
    a_parts, b_parts, groups = [], [], []
    for shift in range(-RANK_REACH, RANK_REACH + 1):
        b_rank = rank + shift
        ok = (b_rank >= 0) & (b_rank < b_count[group])
        a_parts.append(a_start[group[ok]] + rank[ok])
        b_parts.append(b_start[group[ok]] + b_rank[ok])
        groups.append(group[ok])
    return np.concatenate(a_parts), np.concatenate(b_parts), np.concatenate(groups)


@dataclass
class _Partners:
    """The submissions aligned with one submission, their tables end to end: one step of
    NumPy for all of them instead of one per pair (the per-call cost was half of an
    alignment, a submission having tens of partners)."""

    members: list[SubmissionPrints]
    distinct: np.ndarray = field(init=False)  # every member's distinct hashes, member after member
    member: np.ndarray = field(init=False)  # per distinct hash, its member
    first: np.ndarray = field(init=False)  # per distinct hash, where its block starts in the joined table
    count: np.ndarray = field(init=False)
    unit_index: np.ndarray = field(init=False)  # the joined table's columns
    positions: np.ndarray = field(init=False)
    units: int = field(init=False)  # the most units of a member
    span: int = field(init=False)  # more than any member's unit's token count

    def __post_init__(self) -> None:
        members = self.members
        sizes = np.array([len(b.distinct) for b in members], dtype=np.int64)
        starts = np.cumsum([0] + [len(b.hashes) for b in members])[:-1]
        self.distinct = np.concatenate([b.distinct for b in members])
        self.member = np.repeat(np.arange(len(members)), sizes)
        self.first = np.concatenate([b.first for b in members]).astype(np.int64) + np.repeat(starts, sizes)
        self.count = np.concatenate([b.count for b in members]).astype(np.int64)
        self.unit_index = np.concatenate([b.unit_index for b in members]).astype(np.int64)
        self.positions = np.concatenate([b.positions for b in members]).astype(np.int64)
        self.units = max(len(b.units) for b in members)
        self.span = max(b.span for b in members)


def _joined_matches(a: SubmissionPrints, partners: _Partners) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(member, index into a's table, index into the partners' joined table) of the shared
    k-gram occurrences worth chaining.

    The order of the pairs does not matter: ``_runs`` sorts them on a key that tells each one
    apart."""
    if not len(a.distinct) or not len(partners.distinct):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    # Each partner's distinct hashes looked up in a's.
    where = np.searchsorted(a.distinct, partners.distinct)
    found = a.distinct[np.minimum(where, len(a.distinct) - 1)] == partners.distinct
    at_a = where[found]
    member = partners.member[found]
    a_start, a_count = a.first[at_a].astype(np.int64), a.count[at_a].astype(np.int64)
    b_start, b_count = partners.first[found], partners.count[found]
    once = (a_count == 1) & (b_count == 1)  # most shared k-grams: paired as they are
    if once.all():
        return member, a_start, b_start
    few = (a_count <= MAX_OCCURRENCES) & (b_count <= MAX_OCCURRENCES)
    members, a_parts, b_parts = [member[once]], [a_start[once]], [b_start[once]]
    for chosen, pair_up in ((few & ~once, _all_pairs), (~few, _pairs_by_rank)):
        if chosen.any():
            a_at, b_at, block = pair_up(a_start[chosen], a_count[chosen], b_start[chosen], b_count[chosen])
            members.append(member[chosen][block])
            a_parts.append(a_at)
            b_parts.append(b_at)
    return np.concatenate(members), np.concatenate(a_parts), np.concatenate(b_parts)


def _runs(a: SubmissionPrints, partners: list[SubmissionPrints],
          minimum: np.ndarray) -> tuple[np.ndarray, ...]:
    """Chains of shared k-grams that continue each other on both sides, at least ``minimum``
    tokens long (per unit of a), per partner, longest first: columns (partner, unit_a, unit_b,
    start_a, start_b, length)."""
    joined = _Partners(partners)
    member, a_idx, b_idx = _joined_matches(a, joined)
    ua, ub = a.unit_index[a_idx].astype(np.int64), joined.unit_index[b_idx]
    pa, pb = a.positions[a_idx].astype(np.int64), joined.positions[b_idx]
    if not len(pa):  # no shared long k-gram (same words, reordered): no run, not an index error
        return member, ua, ub, pa, pb, pa.copy()
    diagonal = pa - pb
    units_a, units_b, diagonals = len(a.units), joined.units, a.span + joined.span
    if len(partners) * units_a * units_b * diagonals * a.span < 1 << 63:
        # One sort on a composite key (member, unit_a, unit_b, diagonal, start_a). A k-gram
        # continues the one before it on both sides exactly when its key is that one's plus
        # one: a start never reaches the span, so nothing carries into the diagonal.
        key = (((member * units_a + ua) * units_b + ub) * diagonals + diagonal + joined.span) * a.span + pa
        order = np.argsort(key)  # the keys are distinct: any sort gives this order
        in_order = key[order]
        continues = np.empty(len(key), dtype=bool)
        continues[0] = False
        continues[1:] = in_order[1:] == in_order[:-1] + 1
    else:
        order = np.lexsort((pa, diagonal, ub, ua, member))
        sm, sa, sb, sp, sd = member[order], ua[order], ub[order], pa[order], diagonal[order]
        continues = np.zeros(len(pa), dtype=bool)
        continues[1:] = (sm[1:] == sm[:-1]) & (sa[1:] == sa[:-1]) & (sb[1:] == sb[:-1]) & (
            sd[1:] == sd[:-1]) & (sp[1:] == sp[:-1] + 1)
    starts = np.flatnonzero(~continues)
    ends = np.append(starts[1:], len(pa)) - 1
    first, last = order[starts], order[ends]  # a run's first and last k-gram, in the join
    lengths = pa[last] - pa[first] + a.k[ua[first]]
    long_enough = lengths >= minimum[ua[first]]
    first, lengths = first[long_enough], lengths[long_enough]
    member, ua, ub, pa, pb = member[first], ua[first], ub[first], pa[first], pb[first]
    order = np.lexsort((pb, ub, pa, ua, -lengths, member))
    return member[order], ua[order], ub[order], pa[order], pb[order], lengths[order]


def _free_stretches(covered_a: bytearray, start_a: int, covered_b: bytearray, start_b: int,
                    length: int, min_length: int) -> list[tuple[int, int]]:
    """Stretches (offset, length) of a run where neither side is covered yet, long enough.

    Most runs overlap nothing, or lie wholly on tiles already laid (the same code on another
    diagonal), so the common cases are C-level scans of a bytearray (``find`` copies nothing).
    """
    end_a, end_b = start_a + length, start_b + length
    if covered_a.find(1, start_a, end_a) < 0 and covered_b.find(1, start_b, end_b) < 0:
        return [(0, length)]
    if covered_a.find(0, start_a, end_a) < 0 or covered_b.find(0, start_b, end_b) < 0:
        return []
    # Covered on either side, token by token (bytes of 0 and 1 or-ed as two big integers),
    # then the free stretches found by C-level scans instead of a loop over the tokens.
    either = (int.from_bytes(covered_a[start_a:end_a], "big")
              | int.from_bytes(covered_b[start_b:end_b], "big")).to_bytes(length, "big")
    stretches = []
    begin = either.find(0)
    while begin >= 0:
        stop = either.find(1, begin)
        if stop < 0:
            stop = length
        if stop - begin >= min_length:
            stretches.append((begin, stop - begin))
        begin = either.find(0, stop)
    return stretches


# A fragment in plain values: (file of a, first line, last line, file of b, first line, last
# line, matched tokens).
FragmentRow = tuple[str, int, int, str, int, int, int]


@dataclass(frozen=True)
class Alignment:
    """One alignment in plain values (similarity, shares, fragment rows): what a process that
    aligns sends back, since pickling the slotted result objects both ways cost half as much
    CPU as aligning (1.2 s for the 7,500 alignments of 300 students)."""

    similarity: float
    a_share: float
    b_share: float
    fragments: tuple[FragmentRow, ...]

    def result(self, a: str, b: str, spans: dict[tuple[str, int, int], Span] | None = None) -> PairResult:
        """The pair's result; ``spans``: the spans made so far, shared by equal ones (a cohort's
        alignments of one task repeat most spans: 268,000 distinct of 1,072,000 at 2,000
        students, each an object of its own before)."""
        made = {} if spans is None else spans

        def span(path: str, low: int, high: int) -> Span:
            key = (path, low, high)
            found = made.get(key)
            if found is None:
                found = made[key] = Span(path, low, high)
            return found

        return PairResult(a, b, self.similarity, self.a_share, self.b_share,
                          tuple(Fragment(span(path_a, low_a, high_a), span(path_b, low_b, high_b), tokens)
                                for path_a, low_a, high_a, path_b, low_b, high_b, tokens in self.fragments))


def align(a: SubmissionPrints, b: SubmissionPrints, options: MatchOptions) -> PairResult | None:
    """The similarity of two submissions with the fragments that explain it, or None."""
    found = alignments(a, [b], options)[0]
    return None if found is None else found.result(a.id, b.id)


Tile = tuple[int, int, int, int, int]  # (unit_a, unit_b, start_a, start_b, length)


def alignments(a: SubmissionPrints, partners: list[SubmissionPrints],
               options: MatchOptions) -> list[Alignment | None]:
    """``align`` of a with each of ``partners``, in plain values: the shared runs of all the
    pairs found in one step, then tiled pair by pair."""
    if not partners:
        return []
    minimum = np.where(a.is_code, options.min_fragment_code, options.min_fragment_prose).astype(np.int64)
    member, *runs = _runs(a, partners, minimum)
    bounds = np.searchsorted(member, np.arange(len(partners) + 1)).tolist()
    columns = [c.tolist() for c in runs]
    least = minimum.tolist()
    tiled = [_tiles(a, b, [c[bounds[t]:bounds[t + 1]] for c in columns], least)
             for t, b in enumerate(partners)]
    fragments = _fragments(a, partners, [_merged(_split_at_breaks(a, b, tiles), a, b)
                                         for b, tiles in zip(partners, tiled)])
    found: list[Alignment | None] = []
    for b, tiles, rows in zip(partners, tiled, fragments):
        if not tiles:
            found.append(None)
            continue
        # Tiles never overlap, and each covers as many tokens on both sides.
        matched_a = matched_b = sum(tile[4] for tile in tiles)
        found.append(Alignment(
            similarity=min(1.0, (matched_a + matched_b) / (a.denominator + b.denominator)),
            a_share=min(1.0, matched_a / a.denominator),
            b_share=min(1.0, matched_b / b.denominator),
            fragments=rows))
    return found


def _tiles(a: SubmissionPrints, b: SubmissionPrints, runs: list[list[int]], least: list[int]) -> list[Tile]:
    """A pair's runs (columns unit_a, unit_b, start_a, start_b, length; longest first) laid as
    tiles, each token covered at most once on either side."""
    covered_a: dict[int, bytearray] = {}
    covered_b: dict[int, bytearray] = {}
    tiles: list[Tile] = []
    for unit_a, unit_b, start_a, start_b, length in zip(*runs):
        line_a = covered_a.get(unit_a)
        if line_a is None:
            line_a = covered_a[unit_a] = bytearray(a.token_counts[unit_a])
        line_b = covered_b.get(unit_b)
        if line_b is None:
            line_b = covered_b[unit_b] = bytearray(b.token_counts[unit_b])
        end_a, end_b = start_a + length, start_b + length
        # The common cases of ``_free_stretches``, spelled out: a run overlaps nothing, or lies
        # wholly on tiles already laid (the same code on another diagonal).
        if line_a.find(1, start_a, end_a) < 0 and line_b.find(1, start_b, end_b) < 0:
            stretches: list[tuple[int, int]] = [(0, length)]
        elif line_a.find(0, start_a, end_a) < 0 or line_b.find(0, start_b, end_b) < 0:
            continue
        else:
            stretches = _free_stretches(line_a, start_a, line_b, start_b, length, least[unit_a])
        for offset, size in stretches:
            tile = (unit_a, unit_b, start_a + offset, start_b + offset, size)
            line_a[tile[2] : tile[2] + size] = b"\x01" * size
            line_b[tile[3] : tile[3] + size] = b"\x01" * size
            tiles.append(tile)
    return tiles


def _merged(tiles: list[Tile], a: SubmissionPrints,
            b: SubmissionPrints) -> list[tuple[int, int, int, int, int, int, int]]:
    """Tiles that follow each other on both sides, across small edits, as one fragment, unless
    a block of the file's other unit lies between them (``_breaks``).

    A copy with a statement changed here and there tiles into many pieces; an assessor wants
    to see the copied function once, with the edits inside it. Returns per fragment (unit_a,
    unit_b, first token of a, last token of a, first of b, last of b, matched tokens).
    """
    merged: list[list[int]] = []
    # Sorted by (unit_a, unit_b, start_a): no two tiles start at one token of a unit of a.
    for unit_a, unit_b, start_a, start_b, length in sorted(tiles):
        if merged:
            last = merged[-1]
            gap_a = start_a - last[3] - 1
            gap_b = start_b - last[5] - 1
            breaks_a, breaks_b = a.breaks[unit_a], b.breaks[unit_b]  # mostly none: asked first
            if unit_a == last[0] and unit_b == last[1] and \
                    0 <= gap_a <= MERGE_GAP_TOKENS and 0 <= gap_b <= MERGE_GAP_TOKENS and \
                    not (breaks_a and _within(breaks_a, last[3], start_a)) and \
                    not (breaks_b and _within(breaks_b, last[5], start_b)):
                last[3], last[5], last[6] = start_a + length - 1, start_b + length - 1, last[6] + length
                continue
        merged.append([unit_a, unit_b, start_a, start_a + length - 1, start_b, start_b + length - 1,
                       length])
    return [tuple(fragment) for fragment in merged]  # type: ignore[misc]


def _fragments(a: SubmissionPrints, partners: list[SubmissionPrints],
               merged: list[list[tuple[int, int, int, int, int, int, int]]]) -> list[tuple[FragmentRow, ...]]:
    """Each pair's fragments of merged tiles in report order (file and first line on a's side,
    then on b's, longest first), the lines of all of them read in one step per side."""
    owner = np.repeat(np.arange(len(partners)), [len(m) for m in merged])
    if not len(owner):
        return [() for _ in partners]
    at = np.array([fragment for m in merged for fragment in m], dtype=np.int64)
    lines_a = a.lines[a.line_offset[at[:, 0]][:, None] + at[:, 2:4]]
    # Each partner's units' first tokens in the partners' lines end to end.
    line_starts = np.cumsum([0] + [len(b.lines) for b in partners])[:-1]
    unit_starts = np.cumsum([0] + [len(b.units) for b in partners])[:-1]
    unit_offset = np.concatenate([b.line_offset + start for b, start in zip(partners, line_starts)])
    lines_b = np.concatenate([b.lines for b in partners])[
        unit_offset[unit_starts[owner] + at[:, 1]][:, None] + at[:, 4:6]]
    # The parser's loop normalization walks a for's update after its body, so a run may end on
    # a line above the one it starts on: a span is always given low line first.
    low_a, high_a = lines_a.min(axis=1).tolist(), lines_a.max(axis=1).tolist()
    low_b, high_b = lines_b.min(axis=1).tolist(), lines_b.max(axis=1).tolist()
    unit_a, unit_b, tokens = at[:, 0].tolist(), at[:, 1].tolist(), at[:, 6].tolist()
    found = []
    start = 0
    for b, fragments in zip(partners, merged):
        end = start + len(fragments)
        rows = zip([a.paths[u] for u in unit_a[start:end]], low_a[start:end], high_a[start:end],
                   [b.paths[u] for u in unit_b[start:end]], low_b[start:end], high_b[start:end],
                   tokens[start:end])
        found.append(tuple(sorted(rows, key=lambda r: (r[0], r[1], r[3], r[4], -r[6]))))
        start = end
    return found
