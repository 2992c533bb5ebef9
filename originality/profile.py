"""A submission's profile: what the comparison stage scores it by, without aligning it.

Scoring a pair (``score.py``) reads each side's distinct bag features and their counts, its
distinct long k-grams (plain, and of the pruned streams where a unit has one), its token
counts and a digest of its content; only alignment reads the units themselves. The archive
stores each entry's profile (``entry_profiles_v2``, written when the entry is counted), so a
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
from functools import cached_property

import numpy as np

from .cohort import contains
from .fingerprint import sorted_counts, sorted_distinct, sorted_union
from .model import SegmentKind
from .units import Unit

_EMPTY = np.zeros(0, dtype=np.uint64)
_NO_COUNTS = np.zeros(0, dtype=np.int64)
_NO_POSITIONS = np.zeros(0, dtype=np.int64)
# The stored form: eight little-endian int64 (the lengths of the bag, the long k-grams, those
# only the pruned streams have, the positions of the long k-grams they lack and of the unpruned
# ones; the two token counts; the bytes of each bag count), the 16-byte content key, then the
# arrays: the bag's features, the long k-grams and the pruned streams' own (uint64), the two
# lists of positions (uint32) and the bag's counts (uint8, uint16 or uint32, the narrowest that
# holds them). The pruned k-grams are stored as what they change of the plain ones: on the
# generated scale cohort they add 1% and drop 4%, and a profile stored them whole (or the plain
# ones again) in 39% of its bytes (docs/benchmarks.md, "Archive check as the archive grows").
_HEADER_STRUCT = struct.Struct("<8q")
_KEY_BYTES = 16
_COUNT_TYPES = {1: "<u1", 2: "<u2", 4: "<u4"}


@dataclass(frozen=True)
class Profile:
    """What a comparison reads of a submission to score its pairs. Its pruned k-grams (and
    those of its units without a pruned stream) are held as what sets them apart from its long
    k-grams: ``pruned`` and ``unpruned`` make the arrays when asked, and
    ``one_against.kgram_counts`` counts them from the long k-grams' answers."""

    bag: np.ndarray  # distinct bag features, ascending (uint64)
    bag_counts: np.ndarray  # how often each occurs (integers: int64 made, unsigned as narrow as stored read back)
    long: np.ndarray  # distinct long k-grams of every unit, ascending
    pruned_lacks: np.ndarray  # positions in ``long`` of the k-grams the pruned streams lack, ascending
    pruned_adds: np.ndarray  # the pruned streams' k-grams that ``long`` lacks, ascending
    unpruned_at: np.ndarray  # positions in ``long`` of the k-grams of the units without a pruned stream
    code_tokens: int
    all_tokens: int
    key: bytes  # what alignment reads of it (``content_key``)

    @classmethod
    def made(cls, bag: np.ndarray, bag_counts: np.ndarray, long: np.ndarray, pruned: np.ndarray,
             unpruned: np.ndarray, code_tokens: int, all_tokens: int, key: bytes) -> Profile:
        """The profile of these arrays: ``pruned`` the distinct long k-grams of the units' pruned
        streams, ``unpruned`` those of the units without one (every one of them in ``long``)."""
        same = pruned is long or (len(pruned) == len(long) and np.array_equal(pruned, long))
        lacks = _NO_POSITIONS if same else np.flatnonzero(~contains(pruned, long))
        adds = long[:0] if same else np.setdiff1d(pruned, long, assume_unique=True)
        at = np.searchsorted(long, unpruned)
        if len(unpruned) and not np.array_equal(long[np.minimum(at, len(long) - 1)], unpruned):
            raise ValueError("a profile's unpruned k-grams are some of its long k-grams")
        made = cls(bag, bag_counts, long, lacks, adds, at, code_tokens, all_tokens, key)
        # The arrays given are the ones asked for (``check`` reads them of every submission).
        made.__dict__.update(pruned=long if same else pruned, unpruned=unpruned)
        return made

    @classmethod
    def of(cls, units: list[Unit]) -> Profile:
        bag, counts = sorted_counts(np.concatenate([u.bag for u in units])) if units else (_EMPTY, _NO_COUNTS)
        long = _distinct([u.prints.hashes for u in units])
        return cls.made(bag, counts, long, _distinct([u.pruned for u in units if u.pruned is not None]),
                        _distinct([u.prints.hashes for u in units if u.pruned is None]),
                        sum(u.token_count for u in units if u.kind is SegmentKind.CODE),
                        sum(u.token_count for u in units), content_key(units))

    @cached_property
    def pruned(self) -> np.ndarray:
        """The distinct long k-grams of the pruned streams of the units that have one; ``long``
        itself when they are the same (the comparison then reads them once)."""
        if not len(self.pruned_lacks) and not len(self.pruned_adds):
            return self.long
        kept = np.delete(self.long, self.pruned_lacks)
        return kept if not len(self.pruned_adds) else sorted_union(kept, self.pruned_adds)

    @cached_property
    def unpruned(self) -> np.ndarray:
        """The distinct long k-grams of the units without a pruned stream."""
        return self.long[self.unpruned_at]

    @cached_property
    def pruned_all(self) -> np.ndarray:
        """The distinct long k-grams of every unit's pruned stream, the plain one where it has
        none (``cohort.unique_pruned``): counting an entry reads them for its group and its
        counts alike."""
        if not len(self.unpruned_at):
            return self.pruned
        return self.unpruned if not len(self.pruned) else sorted_union(self.pruned, self.unpruned)

    def to_bytes(self) -> bytes:
        most = int(self.bag_counts.max(initial=0))
        width = 1 if most < 1 << 8 else 2 if most < 1 << 16 else 4
        header = _HEADER_STRUCT.pack(len(self.bag), len(self.long), len(self.pruned_adds), len(self.pruned_lacks),
                                     len(self.unpruned_at), self.code_tokens, self.all_tokens, width)
        return b"".join([header, self.key, self.bag.astype("<u8").tobytes(), self.long.astype("<u8").tobytes(),
                         self.pruned_adds.astype("<u8").tobytes(), self.pruned_lacks.astype("<u4").tobytes(),
                         self.unpruned_at.astype("<u4").tobytes(), self.bag_counts.astype(_COUNT_TYPES[width]).tobytes()])

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile:
        """The profile ``to_bytes`` wrote, its arrays views of ``data`` (a check reads thousands:
        one view for the three arrays of hashes, one for the two of positions)."""
        bags, longs, adds, lacks, unpruned, code_tokens, all_tokens, width = _HEADER_STRUCT.unpack_from(data)
        at = _HEADER_STRUCT.size
        key, at = data[at:at + _KEY_BYTES], at + _KEY_BYTES
        hashes = _native(np.frombuffer(data, dtype="<u8", count=bags + longs + adds, offset=at))
        at += 8 * (bags + longs + adds)
        positions = _native(np.frombuffer(data, dtype="<u4", count=lacks + unpruned, offset=at))
        at += 4 * (lacks + unpruned)
        counts = _native(np.frombuffer(data, dtype=_COUNT_TYPES[width], count=bags, offset=at))
        return cls(hashes[:bags], counts, hashes[bags:bags + longs], positions[:lacks], hashes[bags + longs:],
                   positions[lacks:], code_tokens, all_tokens, key)


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


def _distinct(parts: list[np.ndarray]) -> np.ndarray:
    return sorted_distinct(np.concatenate(parts)) if parts else _EMPTY
