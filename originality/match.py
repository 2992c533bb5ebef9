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
from typing import NamedTuple

import numpy as np

from .cohort import contains
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
    lines: np.ndarray = field(init=False)  # each token's line, units one after the other
    line_offset: np.ndarray = field(init=False)  # per unit, where its tokens start in ``lines``
    k: np.ndarray = field(init=False)  # per unit, its k-gram length
    is_code: np.ndarray = field(init=False)  # per unit

    def __post_init__(self) -> None:
        # Computed once: a submission takes part in many pairs, and the lines of all of a
        # pair's fragments are read at once (indexing per fragment was a tenth of `check`).
        self.distinct = np.unique(self.hashes)
        self.lines = np.concatenate([unit.lines for unit in self.units] or [np.zeros(0, dtype=np.int64)])
        self.line_offset = np.cumsum([0] + [len(unit.lines) for unit in self.units])[:-1]
        self.k = np.array([unit.k for unit in self.units], dtype=np.int64)
        self.is_code = np.array([unit.kind is SegmentKind.CODE for unit in self.units], dtype=bool)

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


def _equal_ranges(sorted_hashes: np.ndarray, common: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each common hash, where its block starts in the sorted table and how long it is."""
    left = np.searchsorted(sorted_hashes, common, side="left")
    right = np.searchsorted(sorted_hashes, common, side="right")
    return left, right - left


def _all_pairs(a_start: np.ndarray, a_count: np.ndarray, b_start: np.ndarray,
               b_count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every occurrence in a paired with every occurrence in b, block by block."""
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
    """Index pairs (into a's and b's tables) of the shared k-gram occurrences worth chaining."""
    small, large = sorted((a.distinct, b.distinct), key=len)
    common = small[contains(large, small)] if len(large) else small[:0]
    if len(common) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a_start, a_count = _equal_ranges(a.hashes, common)
    b_start, b_count = _equal_ranges(b.hashes, common)
    few = (a_count <= MAX_OCCURRENCES) & (b_count <= MAX_OCCURRENCES)
    a_few, b_few = _all_pairs(a_start[few], a_count[few], b_start[few], b_count[few])
    many = ~few
    a_many, b_many = _pairs_by_rank(a_start[many], a_count[many], b_start[many], b_count[many])
    return np.concatenate([a_few, a_many]), np.concatenate([b_few, b_many])


class _Run(NamedTuple):
    unit_a: int
    unit_b: int
    start_a: int  # first token
    start_b: int
    length: int  # tokens


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
    order = _sort_order(ua, ub, diagonal, pa)
    ua, ub, pa, pb, diagonal = ua[order], ub[order], pa[order], pb[order], diagonal[order]
    continues = np.zeros(len(pa), dtype=bool)
    continues[1:] = (ua[1:] == ua[:-1]) & (ub[1:] == ub[:-1]) & (diagonal[1:] == diagonal[:-1]) & (
        pa[1:] == pa[:-1] + 1
    )
    starts = np.flatnonzero(~continues)
    if not len(starts):
        # A pair aligned for its cosine alone (paraphrased prose) may share no long k-gram.
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, empty
    ends = np.append(starts[1:], len(pa)) - 1
    lengths = pa[ends] - pa[starts] + k[ua[starts]]
    long_enough = lengths >= minimum[ua[starts]]
    starts, lengths = starts[long_enough], lengths[long_enough]
    ua, ub, pa, pb = ua[starts], ub[starts], pa[starts], pb[starts]
    order = np.lexsort((pb, ub, pa, ua, -lengths))
    return ua[order], ub[order], pa[order], pb[order], lengths[order]


def _sort_order(*keys: np.ndarray) -> np.ndarray:
    """The order ``np.lexsort`` gives integer keys (most significant first here), as one
    argsort of a composite key when it fits 63 bits: one sort instead of one per key, in
    each of the thousands of alignments of a cohort."""
    lows = [int(key.min()) if len(key) else 0 for key in keys]
    spans = [int(key.max()) - low + 1 if len(key) else 1 for key, low in zip(keys, lows)]
    total = 1
    for span in spans:
        total *= span
    if total >= 1 << 63:
        return np.lexsort(keys[::-1])
    composite = np.zeros(len(keys[0]), dtype=np.int64)
    for key, low, span in zip(keys, lows, spans):
        composite = composite * span + (key - low)
    return np.argsort(composite, kind="stable")


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
    stretches, begin = [], None
    for offset in range(length + 1):
        free = offset < length and not covered_a[start_a + offset] and not covered_b[start_b + offset]
        if free and begin is None:
            begin = offset
        elif not free and begin is not None:
            if offset - begin >= min_length:
                stretches.append((begin, offset - begin))
            begin = None
    return stretches


def align(a: SubmissionPrints, b: SubmissionPrints, options: MatchOptions) -> PairResult | None:
    """The similarity of two submissions with the fragments that explain it, or None."""
    minimum = np.where(a.is_code, options.min_fragment_code, options.min_fragment_prose).astype(np.int64)
    ua, ub, pa, pb, length = _runs(a, b, a.k, minimum)
    covered_a: dict[int, bytearray] = {}
    covered_b: dict[int, bytearray] = {}
    tiles: list[_Run] = []
    for run in map(_Run._make, zip(*(c.tolist() for c in (ua, ub, pa, pb, length)))):
        line_a = covered_a.get(run.unit_a) or covered_a.setdefault(
            run.unit_a, bytearray(a.units[run.unit_a].token_count))
        line_b = covered_b.get(run.unit_b) or covered_b.setdefault(
            run.unit_b, bytearray(b.units[run.unit_b].token_count))
        for offset, size in _free_stretches(line_a, run.start_a, line_b, run.start_b, run.length,
                                            int(minimum[run.unit_a])):
            tile = _Run(run.unit_a, run.unit_b, run.start_a + offset, run.start_b + offset, size)
            line_a[tile.start_a : tile.start_a + size] = b"\x01" * size
            line_b[tile.start_b : tile.start_b + size] = b"\x01" * size
            tiles.append(tile)
    if not tiles:
        return None
    # Tiles never overlap, and each covers as many tokens on both sides.
    matched_a = matched_b = sum(tile.length for tile in tiles)
    fragments = sorted(_fragments(a, b, _merged(tiles)),
                       key=lambda f: (f.a.file, f.a.start_line, f.b.file, f.b.start_line, -f.tokens))
    return PairResult(
        a=a.id,
        b=b.id,
        similarity=min(1.0, (matched_a + matched_b) / (a.denominator + b.denominator)),
        a_share=min(1.0, matched_a / a.denominator),
        b_share=min(1.0, matched_b / b.denominator),
        fragments=tuple(fragments),
    )


def _merged(tiles: list[_Run]) -> list[tuple[_Run, _Run, int]]:
    """Tiles that follow each other on both sides, across small edits, as one fragment.

    A copy with a statement changed here and there tiles into many pieces; an assessor wants
    to see the copied function once, with the edits inside it. Returns (first tile, last
    tile, matched tokens) per fragment.
    """
    merged: list[tuple[_Run, _Run, int]] = []
    for tile in sorted(tiles, key=lambda t: (t.unit_a, t.unit_b, t.start_a)):
        if merged:
            first, last, tokens = merged[-1]
            gap_a = tile.start_a - (last.start_a + last.length)
            gap_b = tile.start_b - (last.start_b + last.length)
            if (tile.unit_a, tile.unit_b) == (last.unit_a, last.unit_b) and \
                    0 <= gap_a <= MERGE_GAP_TOKENS and 0 <= gap_b <= MERGE_GAP_TOKENS:
                merged[-1] = (first, tile, tokens + tile.length)
                continue
        merged.append((tile, tile, tile.length))
    return merged


def _fragments(a: SubmissionPrints, b: SubmissionPrints,
               merged: list[tuple[_Run, _Run, int]]) -> list[Fragment]:
    """The fragments of merged tiles, their lines read in one step per side."""
    unit_a = [first.unit_a for first, _, _ in merged]
    unit_b = [first.unit_b for first, _, _ in merged]
    at_a = np.array([(first.start_a, last.start_a + last.length - 1) for first, last, _ in merged])
    at_b = np.array([(first.start_b, last.start_b + last.length - 1) for first, last, _ in merged])
    lines_a = a.lines[a.line_offset[unit_a][:, None] + at_a].tolist()
    lines_b = b.lines[b.line_offset[unit_b][:, None] + at_b].tolist()
    # The parser's loop normalization walks a for's update after its body, so a run may end on
    # a line above the one it starts on: a span is always given low line first.
    return [Fragment(Span(a.units[ua].path, min(la), max(la)),
                     Span(b.units[ub].path, min(lb), max(lb)), tokens)
            for ua, ub, la, lb, (_, _, tokens) in zip(unit_a, unit_b, lines_a, lines_b, merged)]
