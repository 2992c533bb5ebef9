"""Fingerprinted units: the code or the prose of one document, ready to be compared.

A document is split by kind into at most two units (its code tokens and its prose tokens),
because code and prose are fingerprinted with different k-gram lengths and are never matched
with each other. A notebook, for example, gives a code unit (all code cells) and a prose unit
(all Markdown cells); every token still knows its line in the notebook's text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from .fingerprint import Fingerprints, SymbolTable, fingerprint, kgram_hashes, sorted_distinct
from .model import Document, SegmentKind, TokenStream
from .normalize import tokenize
from .options import MatchOptions
from .syntax import PRUNING, prunes

# The version of the token streams: raise it with any change to normalize.py, syntax.py,
# fastlex.py, language.py, quotes.py or tamper.py that changes the tokens some text gives
# (tests/unit/test_tokens_version.py pins the tokens of sample texts to this number and fails until it
# is raised). Archived entries carry the digest of what made their units (``tokens_digest``), so
# the archive knows which ones to re-tokenize after an upgrade (``archive/retokenize.py``).
TOKENS_VERSION = 7
LITERAL_PREFIX = "lit:"
# Features of the bag whose top 16 bits are this tag are runs of two consecutive literals
# (test data, messages in order); the cosine weighs them up (``score.LITERAL_RUN_WEIGHT``).
# The weight is read from the hash itself, so bags stored by the archive keep it; a short
# k-gram whose hash happens to carry the tag (1 in 65,536) is weighed up too, harmlessly.
LITERAL_RUN_TAG = np.uint64(0x11A5)
_TAG_SHIFT = np.uint64(48)
_LOW_BITS = np.uint64((1 << 48) - 1)


@dataclass
class Unit:
    """The tokens of one kind from one document, with their fingerprints."""

    path: str
    kind: SegmentKind
    lines: np.ndarray  # int32 line of every token
    prints: Fingerprints
    bag: np.ndarray  # uint64 hashes of every short k-gram, for the TF-IDF cosine
    # Every long k-gram of the code once ``syntax.PRUNING`` has dropped the never-read locals
    # (the dead statements an insertion attack adds), for the score's pruned containment; None
    # where it would be ``prints.hashes`` (prose, the lexical path).
    pruned: np.ndarray | None = None
    # Set once the cohort is known (``cohort.mark_excluded``): True for the long k-grams that
    # are starter code or code everyone writes, which alignment never matches and the report
    # greys. (The score leaves them out by value: ``score.own_long``.)
    excluded: np.ndarray | None = None

    @property
    def pruned_hashes(self) -> np.ndarray:
        return self.prints.hashes if self.pruned is None else self.pruned

    @property
    def k(self) -> int:
        return self.prints.k

    @property
    def token_count(self) -> int:
        return len(self.lines)


def _split_by_kind(stream: TokenStream) -> dict[SegmentKind, tuple[list[str], list[int], list[str]]]:
    parts: dict[SegmentKind, tuple[list[str], list[int], list[str]]] = {}
    kinds = stream.kinds
    if kinds and kinds.count(kinds[0]) == len(kinds):  # one kind (a source file): nothing to split
        literals = [LITERAL_PREFIX + literal for literal in stream.literals if literal]
        parts[kinds[0]] = (list(stream.symbols), list(stream.lines), literals)
        return parts
    for symbol, line, kind, literal in zip(stream.symbols, stream.lines, stream.kinds, stream.literals):
        symbols, lines, literals = parts.setdefault(kind, ([], [], []))
        symbols.append(symbol)
        lines.append(line)
        if literal:
            literals.append(LITERAL_PREFIX + literal)
    return parts


def literal_runs(literal_ids: np.ndarray) -> np.ndarray:
    """Hashes of every two consecutive literals, tagged with ``LITERAL_RUN_TAG``.

    One number or message is shared by many independent programs; the same two in a row
    (an array of test data, the messages of a ``main`` in order) far more rarely.
    """
    pairs = kgram_hashes(literal_ids, 2)
    return (pairs & _LOW_BITS) | (LITERAL_RUN_TAG << _TAG_SHIFT)


def is_literal_run(hashes: np.ndarray) -> np.ndarray:
    return (hashes >> _TAG_SHIFT) == LITERAL_RUN_TAG


def _unordered_pairs(ids: np.ndarray) -> np.ndarray:
    """Hashes of adjacent word pairs that do not depend on the pair's order."""
    if len(ids) < 2:
        return np.zeros(0, dtype=np.uint64)
    low, high = np.minimum(ids[:-1], ids[1:]), np.maximum(ids[:-1], ids[1:])
    return kgram_hashes(np.stack([low, high], axis=1).ravel(), 2)[::2]


def build_units(document: Document, options: MatchOptions, table: SymbolTable) -> list[Unit]:
    """The units of one document; kinds with too few tokens to fingerprint are left out."""
    stream = tokenize(document, options.tokenizer, options.normalizations,
                      options.leave_out_quotations, pruned=_pruning_applies(document, options))
    parts = _split_by_kind(stream)
    units = []
    for kind in (SegmentKind.CODE, SegmentKind.PROSE):
        part = parts.get(kind)
        if part is None:
            continue
        symbols, lines, literals = part
        k, bag_k = (
            (options.kgram_code, options.bag_code)
            if kind is SegmentKind.CODE
            else (options.kgram_prose, options.bag_prose)
        )
        if len(symbols) < max(k, options.min_document_tokens if kind is SegmentKind.CODE else k):
            continue
        ids = table.ids(symbols)
        # Salted by kind so that a code bag and a prose bag never share a feature; the
        # literals' own texts join the bag as features of their own, and so does every run of
        # two consecutive literals.
        # Prose counts every n-gram up to bag_prose: single words carry paraphrase, pairs order;
        # a pair counts in either order ("simple model", "model is simple").
        salt = np.uint64(len(kind.value))
        if kind is SegmentKind.CODE:
            grams = [kgram_hashes(ids, bag_k)]
        else:
            grams = [kgram_hashes(ids, n) if n != 2 else _unordered_pairs(ids) for n in range(1, bag_k + 1)]
        literal_ids = table.ids(literals)
        bag = np.concatenate([g ^ salt for g in grams] + [literal_ids, literal_runs(literal_ids)])
        units.append(
            Unit(document.path, kind, np.asarray(lines, dtype=np.int32), fingerprint(ids, k), bag)
        )
    if units and units[0].kind is SegmentKind.CODE and stream.pruned_code is not None:
        units[0].pruned = kgram_hashes(table.ids(stream.pruned_code), options.kgram_code)
    return units


def _pruning_applies(document: Document, options: MatchOptions) -> bool:
    return (options.tokenizer == "syntax" and PRUNING not in options.normalizations
            and any(s.kind is SegmentKind.CODE and prunes(s.language) for s in document.segments))


def tokens_digest(options: MatchOptions) -> str:
    """A short digest of everything that decides a document's units: the token streams'
    version and the options that shape tokens, fingerprints and bags. Two digests equal means
    the same text gives the same units."""
    shaping = {"version": TOKENS_VERSION, "tokenizer": options.tokenizer,
               "normalizations": sorted(options.normalizations),
               "kgram": [options.kgram_code, options.kgram_prose],
               "bag": [options.bag_code, options.bag_prose],
               "min_document_tokens": options.min_document_tokens,
               "leave_out_quotations": options.leave_out_quotations}
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:16]


def template_masks(units: list[Unit]) -> np.ndarray:
    """Per token of some units, end to end: True where it lies in an excluded k-gram
    (``Unit.excluded``). One difference array over all their tokens, not one per unit (a
    multi-file submission has dozens, and alignment and the report's template lines ask for them
    for hundreds of submissions a check)."""
    counts = np.array([u.token_count for u in units], dtype=np.int64)
    total = int(counts.sum())
    marked = [(i, np.flatnonzero(u.excluded)) for i, u in enumerate(units)
              if u.excluded is not None and len(u.excluded)]
    if not marked:
        return np.zeros(total, dtype=bool)
    offsets = np.cumsum(counts) - counts
    # Mark [start, start + k) for every excluded k-gram, within its own unit.
    starts = np.concatenate([offsets[i] + found for i, found in marked])
    ends = np.concatenate([offsets[i] + np.minimum(found + units[i].k, counts[i]) for i, found in marked])
    delta = np.bincount(starts, minlength=total + 1) - np.bincount(ends, minlength=total + 1)
    return np.cumsum(delta[:-1]) > 0


def template_lines(units: list[Unit], mask: np.ndarray | None = None) -> dict[str, list[int]]:
    """Per file, the sorted lines of some units that hold starter or common code; ``mask``:
    their ``template_masks``, when the caller has them."""
    mask = template_masks(units) if mask is None else mask
    by_path: dict[str, list[np.ndarray]] = {}
    at = 0
    for unit in units:
        part = mask[at:at + unit.token_count]
        at += unit.token_count
        if part.any():
            by_path.setdefault(unit.path, []).append(unit.lines[part])
    return {path: sorted_distinct(np.concatenate(lines)).tolist() for path, lines in sorted(by_path.items())}
