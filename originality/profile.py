"""A submission's profile: what the comparison stage scores it by, without aligning it.

Scoring a pair (``score.py``) reads each side's distinct bag features and their counts, its
distinct long k-grams (plain, and of the pruned streams where a unit has one), its token
counts and a digest of its content; only alignment reads the units themselves. The archive
stores each entry's profile (``entry_profiles``, written when the entry is counted), so a
check reads one small row per candidate and the units of the few pairs it aligns: loading
every candidate's units was a third of a check at 20,000 entries (docs/benchmarks.md,
"Archive check as the archive grows").

A profile holds every feature, starter and common code included: those are left out by value
when a comparison reads it (``score.own_long`` and the others), as they change with the
archive.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import numpy as np

from .fingerprint import sorted_counts, sorted_distinct
from .model import SegmentKind
from .units import Unit

_EMPTY = np.zeros(0, dtype=np.uint64)
_NO_COUNTS = np.zeros(0, dtype=np.int64)
# The stored form: six little-endian int64 (four array lengths, two token counts), the
# 16-byte content key, then the arrays (uint64; the bag's counts as uint32).
_HEADER = np.dtype("<i8")
_HEADER_STRUCT = struct.Struct("<6q")
_KEY_BYTES = 16


@dataclass(frozen=True)
class Profile:
    """What a comparison reads of a submission to score its pairs."""

    bag: np.ndarray  # distinct bag features, ascending (uint64)
    bag_counts: np.ndarray  # how often each occurs (integers: int64 made, uint32 read back)
    long: np.ndarray  # distinct long k-grams of every unit, ascending
    pruned: np.ndarray  # distinct long k-grams of the pruned streams of the units that have one;
    # ``long`` itself when they are the same
    unpruned: np.ndarray  # distinct long k-grams of the units without a pruned stream
    code_tokens: int
    all_tokens: int
    key: bytes  # what alignment reads of it (``content_key``)

    @classmethod
    def of(cls, units: list[Unit]) -> Profile:
        bag, counts = sorted_counts(np.concatenate([u.bag for u in units])) if units else (_EMPTY, _NO_COUNTS)
        long = _distinct([u.prints.hashes for u in units])
        return cls(bag, counts, long, _same_or(long, _distinct([u.pruned for u in units if u.pruned is not None])),
                   _distinct([u.prints.hashes for u in units if u.pruned is None]),
                   sum(u.token_count for u in units if u.kind is SegmentKind.CODE),
                   sum(u.token_count for u in units), content_key(units))

    @property
    def pruned_all(self) -> np.ndarray:
        """The distinct long k-grams of every unit's pruned stream, the plain one where it has
        none (``cohort.unique_pruned``)."""
        if not len(self.unpruned):
            return self.pruned
        return self.unpruned if not len(self.pruned) else np.union1d(self.pruned, self.unpruned)

    def to_bytes(self) -> bytes:
        header = np.array([len(self.bag), len(self.long), len(self.pruned), len(self.unpruned),
                           self.code_tokens, self.all_tokens], dtype=_HEADER)
        return b"".join([header.tobytes(), self.key, self.bag.astype("<u8").tobytes(),
                         self.bag_counts.astype("<u4").tobytes(), self.long.astype("<u8").tobytes(),
                         self.pruned.astype("<u8").tobytes(), self.unpruned.astype("<u8").tobytes()])

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile:
        """The profile ``to_bytes`` wrote, its arrays views of ``data`` (a check reads thousands:
        one view for the three k-gram arrays, the counts left as stored)."""
        bags, longs, pruned, unpruned, code_tokens, all_tokens = _HEADER_STRUCT.unpack_from(data)
        at = _HEADER_STRUCT.size
        key, at = data[at:at + _KEY_BYTES], at + _KEY_BYTES
        bag = _native(np.frombuffer(data, dtype="<u8", count=bags, offset=at))
        counts = _native(np.frombuffer(data, dtype="<u4", count=bags, offset=at + 8 * bags))
        at += 12 * bags
        kgrams = _native(np.frombuffer(data, dtype="<u8", count=longs + pruned + unpruned, offset=at))
        long = kgrams[:longs]
        # The pruned k-grams are the plain ones when their bytes are: comparing the bytes, 8,000
        # profiles of the scale cohort read in 48 ms instead of 62 with the arrays compared.
        same = pruned == longs and data[at:at + 8 * longs] == data[at + 8 * longs:at + 16 * longs]
        return cls(bag, counts, long, long if same else kgrams[longs:longs + pruned], kgrams[longs + pruned:],
                   code_tokens, all_tokens, key)


def _native(array: np.ndarray) -> np.ndarray:
    """The stored little-endian array in the machine's byte order (itself on little-endian)."""
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def content_key(units: list[Unit]) -> bytes:
    """A digest of what alignment reads of a submission: its units' paths, kinds, lines and
    k-grams (their exclusions go by value within a comparison). Two submissions with the same
    key align alike, so a comparison aligns a pair of contents once."""
    digest = hashlib.blake2b(digest_size=_KEY_BYTES)
    for unit in units:
        digest.update(unit.path.encode("utf-8") + b"\0" + unit.kind.value.encode() + b"\0")
        digest.update(unit.lines.tobytes())
        digest.update(unit.prints.hashes.tobytes())
    return digest.digest()


def _same_or(long: np.ndarray, pruned: np.ndarray) -> np.ndarray:
    """``long`` itself when the pruned k-grams are the same: the comparison then reads them once
    (``one_against.kgram_counts``)."""
    return long if len(pruned) == len(long) and np.array_equal(pruned, long) else pruned


def _distinct(parts: list[np.ndarray]) -> np.ndarray:
    return sorted_distinct(np.concatenate(parts)) if parts else _EMPTY
