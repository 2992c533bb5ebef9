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

from dataclasses import dataclass, field

import numpy as np

from .model import Fragment, PairResult, SegmentKind, Span
from .options import MatchOptions
from .units import Unit

# A k-gram that occurs more often than this in one submission is a repetition (a run of
# closing braces, similar getters); its occurrences are paired by rank, within RANK_REACH,
# instead of all with all, which would cost quadratic time and say nothing more.
MAX_OCCURRENCES = 8
RANK_REACH = 2
# Tiles closer than this (in tokens, on both sides) are shown as one fragment: an edited
# statement inside a copied function.
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

    def __post_init__(self) -> None:
        # Computed once: a submission takes part in many pairs, and the lines of all of a
        # pair's fragments are read at once (indexing per fragment was a tenth of `check`).
        # The hash blocks spare each pair four binary searches (int32, as the table's columns:
        # every submission of a cohort keeps its prints).
        self.distinct, first, count = np.unique(self.hashes, return_index=True, return_counts=True)
        self.first, self.count = first.astype(np.int32), count.astype(np.int32)
        self.lines = np.concatenate([unit.lines for unit in self.units] or [np.zeros(0, dtype=np.int64)])
        self.token_counts = [len(unit.lines) for unit in self.units]
        self.line_offset = np.cumsum([0] + self.token_counts)[:-1]
        self.k = np.array([unit.k for unit in self.units], dtype=np.int64)
        self.is_code = np.array([unit.kind is SegmentKind.CODE for unit in self.units], dtype=bool)
        self.paths = [unit.path for unit in self.units]
        self.span = max(self.token_counts, default=0) + 1

    @classmethod
    def build(cls, submission_id: str, units: list[Unit], min_tokens: int) -> SubmissionPrints:
        hashes, unit_index, positions = [], [], []
        own_tokens = 0
        for index, unit in enumerate(units):
            usable = np.ones(len(unit.prints.hashes), dtype=bool)
            if unit.excluded is not None:
                usable &= ~unit.excluded
            picked = np.flatnonzero(usable)
            hashes.append(unit.prints.hashes[picked])
            unit_index.append(np.full(len(picked), index, dtype=np.int32))
            positions.append(picked.astype(np.int32))
            own_tokens += int(unit.token_count - unit.template_token_mask().sum())
        if hashes:
            all_hashes = np.concatenate(hashes)
            order = np.argsort(all_hashes, kind="stable")
            return cls(
                submission_id,
                units,
                all_hashes[order],
                np.concatenate(unit_index)[order],
                np.concatenate(positions)[order],
                max(own_tokens, min_tokens),
            )
        empty = np.zeros(0, dtype=np.int32)
        return cls(submission_id, units, np.zeros(0, dtype=np.uint64), empty, empty, min_tokens)


def _all_pairs(a_start: np.ndarray, a_count: np.ndarray, b_start: np.ndarray,
               b_count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every occurrence in a paired with every occurrence in b, block by block."""
    if not len(a_count) or (a_count.max() == 1 and b_count.max() == 1):
        return a_start, b_start  # the common case: each shared k-gram once on each side
    sizes = a_count * b_count
    group = np.repeat(np.arange(len(sizes)), sizes)
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return a_start[group] + offset // b_count[group], b_start[group] + offset % b_count[group]


def _pairs_by_rank(a_start: np.ndarray, a_count: np.ndarray, b_start: np.ndarray,
                   b_count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The t-th occurrence in a paired with the (t - R .. t + R)-th in b.

    For a k-gram repeated many times (a run of similar getters), pairing all occurrences
    would be quadratic; occurrences are sorted by position, so a copy's t-th repetition faces
    the original's t-th, give or take the few that were added or removed.
    """
    if not len(a_count):
        return a_start, b_start
    group = np.repeat(np.arange(len(a_count)), a_count)
    rank = np.arange(int(a_count.sum())) - np.repeat(np.cumsum(a_count) - a_count, a_count)
    a_parts, b_parts = [], []
    for shift in range(-RANK_REACH, RANK_REACH + 1):
        b_rank = rank + shift
        ok = (b_rank >= 0) & (b_rank < b_count[group])
        a_parts.append(a_start[group[ok]] + rank[ok])
        b_parts.append(b_start[group[ok]] + b_rank[ok])
    return np.concatenate(a_parts), np.concatenate(b_parts)


def _joined_matches(a: SubmissionPrints, b: SubmissionPrints) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (into a's and b's tables) of the shared k-gram occurrences worth chaining.

    The order of the pairs does not matter: ``_runs`` sorts them on a key that tells each one
    apart."""
    swap = len(a.distinct) > len(b.distinct)
    small, large = (b, a) if swap else (a, b)
    if not len(large.distinct):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Each of the smaller side's distinct hashes looked up in the larger side's.
    where = np.searchsorted(large.distinct, small.distinct)
    found = large.distinct[np.minimum(where, len(large.distinct) - 1)] == small.distinct
    at_small, at_large = np.flatnonzero(found), where[found]
    at_a, at_b = (at_large, at_small) if swap else (at_small, at_large)
    a_start, a_count = a.first[at_a], a.count[at_a]
    b_start, b_count = b.first[at_b], b.count[at_b]
    few = (a_count <= MAX_OCCURRENCES) & (b_count <= MAX_OCCURRENCES)
    once = (a_count == 1) & (b_count == 1)  # most shared k-grams: paired as they are
    if once.all():
        return a_start, b_start
    if few.all():
        more = ~once
        a_more, b_more = _all_pairs(a_start[more], a_count[more], b_start[more], b_count[more])
        return np.concatenate([a_start[once], a_more]), np.concatenate([b_start[once], b_more])
    a_few, b_few = _all_pairs(a_start[few], a_count[few], b_start[few], b_count[few])
    many = ~few
    a_many, b_many = _pairs_by_rank(a_start[many], a_count[many], b_start[many], b_count[many])
    return np.concatenate([a_few, a_many]), np.concatenate([b_few, b_many])


def _runs(a: SubmissionPrints, b: SubmissionPrints, k: np.ndarray,
          minimum: np.ndarray) -> tuple[np.ndarray, ...]:
    """Chains of shared k-grams that continue each other on both sides, at least ``minimum``
    tokens long (per unit of a), longest first: columns (unit_a, unit_b, start_a, start_b,
    length)."""
    a_idx, b_idx = _joined_matches(a, b)
    ua, ub = a.unit_index[a_idx].astype(np.int64), b.unit_index[b_idx].astype(np.int64)
    pa, pb = a.positions[a_idx].astype(np.int64), b.positions[b_idx].astype(np.int64)
    if not len(pa):  # no shared long k-gram (same words, reordered): no run, not an index error
        return ua, ub, pa, pb, pa.copy()
    diagonal = pa - pb
    units_b, diagonals = len(b.units), a.span + b.span
    if len(a.units) * units_b * diagonals * a.span < 1 << 63:
        # One sort on a composite key (unit_a, unit_b, diagonal, start_a), in each of the
        # thousands of alignments of a cohort. A k-gram continues the one before it on both
        # sides exactly when its key is that one's plus one: a start never reaches the span,
        # so nothing carries into the diagonal.
        key = ((ua * units_b + ub) * diagonals + diagonal + b.span) * a.span + pa
        order = np.argsort(key)  # the keys are distinct: any sort gives this order
        in_order = key[order]
        continues = np.empty(len(key), dtype=bool)
        continues[0] = False
        continues[1:] = in_order[1:] == in_order[:-1] + 1
    else:
        order = np.lexsort((pa, diagonal, ub, ua))
        sa, sb, sp, sd = ua[order], ub[order], pa[order], diagonal[order]
        continues = np.zeros(len(pa), dtype=bool)
        continues[1:] = (sa[1:] == sa[:-1]) & (sb[1:] == sb[:-1]) & (sd[1:] == sd[:-1]) & (
            sp[1:] == sp[:-1] + 1
        )
    starts = np.flatnonzero(~continues)
    ends = np.append(starts[1:], len(pa)) - 1
    first, last = order[starts], order[ends]  # a run's first and last k-gram, in the join
    lengths = pa[last] - pa[first] + k[ua[first]]
    long_enough = lengths >= minimum[ua[first]]
    first, lengths = first[long_enough], lengths[long_enough]
    ua, ub, pa, pb = ua[first], ub[first], pa[first], pb[first]
    order = np.lexsort((pb, ub, pa, ua, -lengths))
    return ua[order], ub[order], pa[order], pb[order], lengths[order]


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

    def result(self, a: str, b: str) -> PairResult:
        return PairResult(a, b, self.similarity, self.a_share, self.b_share,
                          tuple(Fragment(Span(path_a, low_a, high_a), Span(path_b, low_b, high_b), tokens)
                                for path_a, low_a, high_a, path_b, low_b, high_b, tokens in self.fragments))


def align(a: SubmissionPrints, b: SubmissionPrints, options: MatchOptions) -> PairResult | None:
    """The similarity of two submissions with the fragments that explain it, or None."""
    found = alignment(a, b, options)
    return None if found is None else found.result(a.id, b.id)


def alignment(a: SubmissionPrints, b: SubmissionPrints, options: MatchOptions) -> Alignment | None:
    """``align`` in plain values."""
    minimum = np.where(a.is_code, options.min_fragment_code, options.min_fragment_prose).astype(np.int64)
    runs = _runs(a, b, a.k, minimum)
    least = minimum.tolist()
    covered_a: dict[int, bytearray] = {}
    covered_b: dict[int, bytearray] = {}
    tiles: list[tuple[int, int, int, int, int]] = []  # (unit_a, unit_b, start_a, start_b, length)
    for unit_a, unit_b, start_a, start_b, length in zip(*(c.tolist() for c in runs)):
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
    if not tiles:
        return None
    # Tiles never overlap, and each covers as many tokens on both sides.
    matched_a = matched_b = sum(tile[4] for tile in tiles)
    return Alignment(
        similarity=min(1.0, (matched_a + matched_b) / (a.denominator + b.denominator)),
        a_share=min(1.0, matched_a / a.denominator),
        b_share=min(1.0, matched_b / b.denominator),
        fragments=_fragments(a, b, _merged(tiles)),
    )


def _merged(tiles: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int, int, int, int]]:
    """Tiles that follow each other on both sides, across small edits, as one fragment.

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
            if unit_a == last[0] and unit_b == last[1] and \
                    0 <= gap_a <= MERGE_GAP_TOKENS and 0 <= gap_b <= MERGE_GAP_TOKENS:
                last[3], last[5], last[6] = start_a + length - 1, start_b + length - 1, last[6] + length
                continue
        merged.append([unit_a, unit_b, start_a, start_a + length - 1, start_b, start_b + length - 1,
                       length])
    return [tuple(fragment) for fragment in merged]  # type: ignore[misc]


def _fragments(a: SubmissionPrints, b: SubmissionPrints,
               merged: list[tuple[int, int, int, int, int, int, int]]) -> tuple[FragmentRow, ...]:
    """The fragments of merged tiles, their lines read in one step per side, in report order
    (file and first line on a's side, then on b's, longest first)."""
    at = np.array(merged, dtype=np.int64)
    lines_a = a.lines[a.line_offset[at[:, 0]][:, None] + at[:, 2:4]]
    lines_b = b.lines[b.line_offset[at[:, 1]][:, None] + at[:, 4:6]]
    # The parser's loop normalization walks a for's update after its body, so a run may end on
    # a line above the one it starts on: a span is always given low line first.
    rows = zip([a.paths[u] for u in at[:, 0].tolist()], lines_a.min(axis=1).tolist(),
               lines_a.max(axis=1).tolist(), [b.paths[u] for u in at[:, 1].tolist()],
               lines_b.min(axis=1).tolist(), lines_b.max(axis=1).tolist(), at[:, 6].tolist())
    return tuple(sorted(rows, key=lambda r: (r[0], r[1], r[3], r[4], -r[6])))
