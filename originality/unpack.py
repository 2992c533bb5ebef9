"""Read a student's submission, a ZIP file or a directory, into memory without trusting it.

Submissions come from people we do not control, so this module treats every archive as
hostile: it never writes anything to disk, never follows or creates symlinks, and never
believes the sizes an archive claims. It counts the bytes it actually decompresses (per file
and per submission) and never decompresses more than a cap from ``UnpackLimits`` allows. It
decompresses entries itself, with bounded output per step, because ``ZipFile.open`` inflates
bzip2 and LZMA input without an output bound, and Python 3.11.7 does not detect entries whose
data overlap (CVE-2024-0450). ``zipfile`` is used only to parse the central directory, after
the number of its records has been checked.

A submission either comes back as a sorted list of ``Entry`` (safe relative POSIX paths and
their bytes) or is refused with a ``SubmissionRejected`` subclass whose message says why.

One file over the per-file cap (a dataset), or one compressed beyond the ratio (a file of
zeros), is not a reason to leave the rest of a deliverable unchecked: it comes back unread
(``Entry.unread`` says why) and the other files are read. Finding that out costs at most the
per-file cap plus one byte, and those bytes count towards the submission cap like any other,
so no number of such files makes us decompress more than the submission cap. What does
reject the whole submission: more bytes than the submission cap, overlapping entries, an
archive inside the archive that is itself compressed beyond the ratio (a nested bomb), a
header that claims fewer bytes than its entry holds, and the other hostile shapes below.
"""

from __future__ import annotations

import bisect
import bz2
import hashlib
import io
import lzma
import os
import posixpath
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, BinaryIO, Generator, Iterable, Protocol

from .errors import (
    CorruptArchive,
    EmptySubmission,
    EncryptedArchive,
    NotAnArchive,
    PathTooLong,
    TooManyFiles,
    UnsafePath,
    UsageError,
    ZipBomb,
)
from .model import Entry
from .options import UnpackLimits

__all__ = ["INNER_DAMAGED", "INNER_ENCRYPTED", "INNER_NOT_A_ZIP", "INNER_TOO_DEEP", "INSTALLED_DIRS",
           "INSTALLED_MARKERS", "JUNK", "PASSED_OVER", "installed_folder", "installed_roots",
           "is_junk", "is_zip", "read_submission", "read_zip_bytes"]

# Folders of installed packages, code nobody in the class wrote: two students who zip the same
# library would otherwise be reported as copies of each other. A program can import from them,
# so each is listed in the report (``Entry.passed_over``), never compared.
INSTALLED_DIRS: tuple[str, ...] = ("node_modules", "bower_components", "site-packages", "dist-packages", ".tox", ".nox")
# What students zip up by accident: editor, OS and VCS litter, caches and dependencies.
# A trailing "/" names a directory anywhere in the path, "*.ext" a suffix, anything else a
# file name; all compared case-insensitively because Windows and macOS ignore case.
JUNK: tuple[str, ...] = (
    "__MACOSX/",
    ".git/",
    ".svn/",
    ".hg/",
    "__pycache__/",
    ".ipynb_checkpoints/",
    *(f"{name}/" for name in INSTALLED_DIRS),
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".gradle/",
    ".dart_tool/",
    ".idea/",
    ".vscode/",
    ".DS_Store",
    "Thumbs.db",
    "*.pyc",
)
# A directory holding one of these paths was made by a tool, and all of it is litter. Each names
# the directory first, "*" for whatever its name: a Python virtual environment (PEP 405: ``venv``,
# ``.venv``, ``env``...), a cache tagged by the Cache Directory Tagging Specification (pytest's,
# mypy's, Cargo's ``target/``), the packages Composer installed (PHP's ``vendor/``: a framework's
# can hold thousands of files, over the cap on a submission's files) and the modules Go vendored
# (``go mod vendor`` writes ``vendor/modules.txt`` since Go 1.14; a ``vendor/`` without one is the
# student's own). Never the submission's root: a student who made the environment in the
# project's own folder keeps their code (its ``site-packages/`` is litter anyway).
INSTALLED_MARKERS: tuple[str, ...] = ("*/pyvenv.cfg", "*/CACHEDIR.TAG", "*/composer/installed.json",
                                      "vendor/modules.txt")
# Each marker as (the directory's name or "*", the path inside it), lower-cased.
_MARKERS = tuple(tuple(m.lower().split("/", 1)) for m in INSTALLED_MARKERS)
# What a folder of installed code (``INSTALLED_DIRS``, ``INSTALLED_MARKERS``) is listed with: a copy
# hidden there would never be compared. The same words for every one, so that a cohort's hundreds
# of node_modules/ are one line of its report.
PASSED_OVER = "a tool's folder (installed packages or a cache), left out as litter: never compared"
# What a ZIP inside the submission that could not be opened is listed with (``_add_file``): the
# same words for every one of a kind, so that a cohort's are one line of its report.
INNER_ENCRYPTED = "a password-protected ZIP inside the submission: not opened, never compared"
INNER_DAMAGED = "a damaged ZIP inside the submission: not opened, never compared"
INNER_NOT_A_ZIP = "named .zip but not a ZIP archive: not opened, never compared"
INNER_TOO_DEEP = "a ZIP nested more than {limit} levels deep (the limit): not opened, never compared"
_INSTALLED_DIRS = frozenset(name.lower() for name in INSTALLED_DIRS)
_JUNK_DIRS = frozenset(p[:-1].lower() for p in JUNK if p.endswith("/"))
_JUNK_SUFFIXES = tuple(p[1:].lower() for p in JUNK if p.startswith("*"))
_JUNK_NAMES = frozenset(p.lower() for p in JUNK if not p.endswith("/") and not p.startswith("*"))

# Small files cannot hurt us whatever their ratio, and tiny repetitive files (a CSV of zeros)
# legitimately compress very well, so the ratio only counts above this size.
# 1 MiB: a judgment, not measured; the hostile-input set's 3 MiB file of zeros is still
# caught (docs/benchmarks.md, "Hostile input").
RATIO_MIN_BYTES = 1024 * 1024

_IN_CHUNK = 64 * 1024  # compressed bytes read per step
_OUT_CHUNK = 256 * 1024  # most decompressed bytes produced per step
_MAX_SHOWN_NAME = 120  # entry names are attacker-chosen: keep messages readable

_LOCAL_MAGIC = b"PK\x03\x04"
_EOCD_MAGIC = b"PK\x05\x06"
_EOCD64_MAGIC = b"PK\x06\x06"
_EOCD64_LOCATOR_MAGIC = b"PK\x06\x07"
_CENTRAL_MAGIC = b"PK\x01\x02"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # 30 bytes, ends with name and extra lengths
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")  # 46 bytes
_EOCD = struct.Struct("<4s4H2LH")  # 22 bytes
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_MAX_COMMENT = 0xFFFF

_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040
_FLAG_UTF8 = 0x0800

_STORED, _DEFLATED, _BZIP2, _LZMA = 0, 8, 12, 14
_METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd",
                 99: "AES encryption"}

_DRIVE = re.compile(r"^[A-Za-z]:")

# What the stdlib may raise while parsing a damaged central directory.
_PARSE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                 struct.error, OverflowError, NotImplementedError, IndexError)
# What the decompressors raise on damaged data.
_DATA_ERRORS = (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError)


def _show(name: str) -> str:
    """A name fit for a message: quoted, escaped and cut short."""
    if len(name) > _MAX_SHOWN_NAME:
        name = name[:_MAX_SHOWN_NAME] + "..."
    return repr(name)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


@dataclass
class _Budget:
    """What one submission may still make us read; nested archives share it."""

    limits: UnpackLimits
    label: str
    entries: int = 0
    records: int = 0
    bytes: int = 0

    @property
    def records_left(self) -> int:
        return self.limits.max_records - self.records

    def add_entries(self, count: int, where: str) -> None:
        """Count files kept for reading (litter is not)."""
        self.entries += count
        if self.entries > self.limits.max_entries:
            raise TooManyFiles(
                f"{where} holds too many files (more than {self.limits.max_entries} in the submission)"
            )

    def add_records(self, count: int, where: str) -> None:
        """Count the entries archives list, litter included."""
        self.records += count
        if self.records > self.limits.max_records:
            raise TooManyFiles(f"{where} lists too many entries (more than {self.limits.max_records:,} "
                               "in the submission, litter included)")


@dataclass
class _Found:
    """Files read so far, in archive order."""

    items: list[Entry] = field(default_factory=list)


def _entry_cap(info: zipfile.ZipInfo, limits: UnpackLimits) -> tuple[int, bool]:
    """The most bytes one entry may decompress to, and whether the ratio is what sets it.

    The ratio's denominator is the compressed size the entry may consume; the layout check
    made sure that range overlaps no other entry, so it cannot be inflated either.
    """
    by_ratio = max(RATIO_MIN_BYTES, int(limits.max_compression_ratio * max(info.compress_size, 1)))
    if by_ratio < limits.max_entry_bytes:
        return by_ratio, True
    return limits.max_entry_bytes, False


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def read_submission(path: str | os.PathLike[str], limits: UnpackLimits = UnpackLimits()) -> list[Entry]:
    """Read a ``.zip`` file or a directory into entries sorted by path.

    Raises a ``SubmissionRejected`` subclass when the submission is hostile, broken or
    empty, and ``UsageError`` when ``path`` does not exist or cannot be opened.
    """
    target = Path(path)
    label = target.name or str(target)
    budget = _Budget(limits, label)
    found = _Found()
    if target.is_dir():
        _read_directory(target, budget, found)
        return _finish(found, label)
    try:
        handle = open(target, "rb")
    except FileNotFoundError:
        raise UsageError(f"no such submission: {target}") from None
    except OSError as error:
        raise UsageError(f"cannot read submission {target}: {error.strerror or error}") from None
    with handle:
        if not _looks_like_zip(handle):
            raise NotAnArchive(f"{label} is not a ZIP archive")
        _read_archive(handle, label, "", 0, budget, found)
    return _finish(found, label)


def read_zip_bytes(data: bytes, limits: UnpackLimits = UnpackLimits(), name: str = "upload.zip") -> list[Entry]:
    """Read a ZIP archive held in memory (an HTTP upload); ``name`` is only used in messages."""
    budget = _Budget(limits, name)
    found = _Found()
    stream = io.BytesIO(data)
    if not _looks_like_zip(stream):
        raise NotAnArchive(f"{name} is not a ZIP archive")
    _read_archive(stream, name, "", 0, budget, found)
    return _finish(found, name)


def is_zip(source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]) -> bool:
    """Whether a path, some bytes or a seekable file look like a ZIP archive (possibly a
    damaged one).

    Bytes and files are content, strings and path objects are file names; a file is left at
    its start. An archive that starts like a ZIP but is truncated still counts, so that it is
    reported as corrupt rather than foreign.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _looks_like_zip(io.BytesIO(bytes(source)))
    if hasattr(source, "read"):
        return _looks_like_zip(source)  # type: ignore[arg-type]  # any seekable binary file
    try:
        with open(source, "rb") as handle:
            return _looks_like_zip(handle)
    except OSError:
        return False


def installed_roots(paths: Iterable[str]) -> tuple[str, ...]:
    """The directories among relative POSIX file paths that hold an ``INSTALLED_MARKERS`` path,
    lower-cased and ending in "/" (for ``is_junk``)."""
    roots = set()
    for path in paths:
        lowered = path.lower()
        for name, inside in _MARKERS:
            if lowered.endswith("/" + inside):
                directory = lowered[:-len(inside)]
                if name in ("*", directory[:-1].rpartition("/")[2]):
                    roots.add(directory)
    return tuple(sorted(roots))


def installed_folder(path: str, installed: tuple[str, ...] = ()) -> str | None:
    """The folder of installed code a litter path lies in, as the path spells it and ending in
    "/": one of the ``installed`` directories, or the first of ``_INSTALLED_DIRS``; else None."""
    lowered = path.lower()
    for root in installed:
        if lowered.startswith(root):
            return path[:len(root)]
    parts = path.split("/")
    for depth, part in enumerate(parts[:-1]):
        if part.lower() in _INSTALLED_DIRS:
            return "/".join(parts[:depth + 1]) + "/"
    return None


def is_junk(path: str, installed: tuple[str, ...] = ()) -> bool:
    """Whether a relative POSIX path is litter rather than part of the deliverable (see JUNK),
    or lies in one of the ``installed`` directories (``installed_roots``)."""
    lowered = path.lower()
    parts = lowered.split("/")
    if any(part in _JUNK_DIRS for part in parts[:-1]) or lowered.startswith(installed):
        return True
    return parts[-1] in _JUNK_NAMES or parts[-1].endswith(_JUNK_SUFFIXES)


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


def _decode_name(raw: bytes) -> str:
    """Bytes of a name without a declared encoding: UTF-8 if they are valid UTF-8, else cp437.

    Many zip tools write UTF-8 names without setting the UTF-8 flag; valid UTF-8 with
    non-ASCII bytes is very unlikely to be meant as cp437.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _zip_name(info: zipfile.ZipInfo) -> str:
    # orig_filename keeps what zipfile truncates (from a NUL on) and cp437-decodes losslessly.
    if info.flag_bits & _FLAG_UTF8:
        return info.orig_filename
    return _decode_name(info.orig_filename.encode("cp437"))


def _raw_zip_name(info: zipfile.ZipInfo) -> bytes:
    """The name bytes as stored in the central directory."""
    encoding = "utf-8" if info.flag_bits & _FLAG_UTF8 else "cp437"
    return info.orig_filename.encode(encoding)


def _clean_path(name: str, label: str) -> str | None:
    """A safe relative POSIX path for ``name``; None if nothing remains (a directory).

    Traversal is refused rather than repaired: a name that tries to leave the submission is
    hostile, and silently renaming it (as ``extractall`` does) hides that.
    """
    shown = _show(name)  # the name as the archive has it: that is what a person can find
    if "\x00" in name:
        raise UnsafePath(f"{label}: the file name {shown} contains a NUL character")
    name = unicodedata.normalize("NFC", name).replace("\\", "/")
    if name.startswith("/"):
        raise UnsafePath(f"{label}: the file name {shown} is an absolute path")
    if _DRIVE.match(name):
        raise UnsafePath(f"{label}: the file name {shown} starts with a drive letter")
    parts = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        # "..", and on Windows also "...", ".. " and the like, which it trims to "..".
        if part.count(".") >= 2 and not part.strip(". "):
            raise UnsafePath(f"{label}: the file name {shown} points outside the submission")
        parts.append(part)
    return "/".join(parts) or None


def _check_length(path: str, budget: _Budget) -> None:
    if len(path) > budget.limits.max_path_length:
        raise PathTooLong(
            f"{budget.label}: the path {_show(path)} is {len(path)} characters long "
            f"(limit {budget.limits.max_path_length})"
        )


# ---------------------------------------------------------------------------------------------
# ZIP structure
# ---------------------------------------------------------------------------------------------


def _looks_like_zip(stream: BinaryIO) -> bool:
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head in (_LOCAL_MAGIC, _EOCD_MAGIC):
        return True
    # Self-extracting archives start with a program; only the end record gives them away.
    try:
        return zipfile.is_zipfile(stream)
    finally:
        stream.seek(0)


@dataclass(frozen=True)
class _Directory:
    """Where the central directory is and how many records its end record claims."""

    declared: int
    start: int
    size: int


def _find_directory(stream: BinaryIO, label: str) -> _Directory:
    """Locate the central directory from the end record, as ``zipfile`` does.

    Done by hand so that the record count can be checked before ``zipfile`` parses (and
    allocates objects for) every record.
    """
    size = stream.seek(0, os.SEEK_END)
    tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
    stream.seek(tail_start)
    tail = stream.read()
    where = len(tail) - _EOCD.size
    # The common case first: no archive comment. Searching first could hit a signature that
    # happens to sit inside the record's own fields.
    if where < 0 or tail[where:where + 4] != _EOCD_MAGIC:
        where = tail.rfind(_EOCD_MAGIC)
    if where < 0 or where + _EOCD.size > len(tail):
        raise CorruptArchive(f"{label} is not a complete ZIP archive (truncated or damaged)")
    _, disk, cd_disk, _, declared, cd_size, _, _ = _EOCD.unpack_from(tail, where)
    if disk or cd_disk:
        raise CorruptArchive(f"{label} is a multi-part archive, which is not supported")
    eocd_at = tail_start + where
    cd_end = eocd_at
    locator_at = where - _EOCD64_LOCATOR.size
    if locator_at >= 0 and tail[locator_at:locator_at + 4] == _EOCD64_LOCATOR_MAGIC:
        # ZIP64: the real figures live in a larger record just before the locator.
        stream.seek(eocd_at - _EOCD64_LOCATOR.size - _EOCD64.size)
        record = stream.read(_EOCD64.size)
        if len(record) != _EOCD64.size or record[:4] != _EOCD64_MAGIC:
            raise CorruptArchive(f"{label} has a damaged ZIP64 end record")
        fields64 = _EOCD64.unpack(record)
        declared, cd_size = fields64[7], fields64[8]
        cd_end = eocd_at - _EOCD64_LOCATOR.size - _EOCD64.size
    start = cd_end - cd_size
    if start < 0:
        raise CorruptArchive(f"{label} has a central directory that does not fit in the file")
    return _Directory(declared, start, cd_size)


def _count_records(stream: BinaryIO, directory: _Directory, stop_after: int, label: str) -> int:
    """Count central directory records by walking them, stopping once past ``stop_after``.

    The end record's count may lie; walking the records costs one small read each, and
    stopping early keeps a directory with millions of records cheap to refuse.
    """
    position, end, count = directory.start, directory.start + directory.size, 0
    while position < end and count <= stop_after:
        stream.seek(position)
        header = stream.read(_CENTRAL_HEADER.size)
        if len(header) != _CENTRAL_HEADER.size or header[:4] != _CENTRAL_MAGIC:
            raise CorruptArchive(f"{label} has a damaged central directory")
        fields_ = _CENTRAL_HEADER.unpack(header)
        name_len, extra_len, comment_len = fields_[10], fields_[11], fields_[12]
        position += _CENTRAL_HEADER.size + name_len + extra_len + comment_len
        count += 1
    return count


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _is_directory(info: zipfile.ZipInfo) -> bool:
    """Whether an entry is a folder: its name, Unix mode or MS-DOS attribute says so (some
    Windows tools set the attribute without a trailing slash) and it holds no byte.

    An entry that holds bytes is a file whatever its name or mode claims: ``unzip`` and
    ``ZipFile.extractall`` write a ``main.py`` whose mode says folder as a file, and a folder
    entry carrying data is data hidden where no one looks. Dropped as folders, both went
    neither compared nor listed. A folder named "dir/" that holds bytes comes back as "dir".
    """
    if info.file_size:
        return False
    return (info.orig_filename.endswith(("/", "\\")) or stat.S_ISDIR(info.external_attr >> 16)
            or bool(info.external_attr & 0x10))


def _data_starts(stream: BinaryIO, infos: list[zipfile.ZipInfo], wanted: list[int],
                 cd_start: int, label: str) -> dict[int, int]:
    """Where the data of each wanted entry starts, after checking that no two entries overlap.

    Entries sorted by header offset must each end (local header plus compressed data) before
    the next one begins, and all before the central directory. Overlap is how the
    "overlapping entries" bomb makes a few kilobytes of data count for thousands of files.
    """
    offsets = sorted(info.header_offset for info in infos)
    starts: dict[int, int] = {}
    for index in wanted:
        info = infos[index]
        offset = info.header_offset
        if offset < 0 or offset >= cd_start:
            raise CorruptArchive(f"{label}: the entry {_show(info.filename)} points outside the archive")
        stream.seek(offset)
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
            raise CorruptArchive(f"{label}: the entry {_show(info.filename)} has a damaged header")
        fields_ = _LOCAL_HEADER.unpack(header)
        flags, name_len, extra_len = fields_[2], fields_[9], fields_[10]
        if flags & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
            raise EncryptedArchive(f"{label} contains encrypted files; submit it without a password")
        if stream.read(name_len) != _raw_zip_name(info):
            raise CorruptArchive(
                f"{label}: the entry {_show(info.filename)} has different names in its two headers"
            )
        start = offset + _LOCAL_HEADER.size + name_len + extra_len
        end = start + info.compress_size
        following = _following_offset(offsets, offset)
        if following is not None and end > following:
            raise ZipBomb(
                f"{label}: the entry {_show(info.filename)} overlaps another entry's data "
                "(an overlapping-entries zip bomb)"
            )
        if end > cd_start:
            raise CorruptArchive(f"{label}: the data of {_show(info.filename)} is cut off")
        starts[index] = start
    return starts


def _following_offset(offsets: list[int], offset: int) -> int | None:
    """The next entry's header offset after ``offset`` in the sorted list, if any.

    A second entry at the very same offset counts as following it: two names sharing one
    header and one copy of data is the simplest overlapping bomb.
    """
    position = bisect.bisect_right(offsets, offset)
    if position >= 2 and offsets[position - 2] == offset:
        return offset
    return offsets[position] if position < len(offsets) else None


# ---------------------------------------------------------------------------------------------
# Decompression
# ---------------------------------------------------------------------------------------------


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


def _lzma_decompressor(props: bytes, size_limit: int, where: str) -> lzma.LZMADecompressor:
    """A raw LZMA1 decoder from the 5 property bytes that the ZIP LZMA header carries."""
    if len(props) != 5 or props[0] >= 9 * 5 * 5:
        raise CorruptArchive(f"{where} has damaged LZMA properties")
    packed = props[0]
    lc, packed = packed % 9, packed // 9
    lp, pb = packed % 5, packed // 5
    # The decoder allocates its whole dictionary up front; a hostile header could ask for
    # 4 GiB. No back-reference can reach further than the output is long, so cap it there.
    dict_size = min(int.from_bytes(props[1:], "little"), max(size_limit, 4096))
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}]
    return lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=filters)


def _chunks(stream: BinaryIO, info: zipfile.ZipInfo, label: str,
            most: int) -> Generator[bytes, None, None]:
    """Yield the decompressed data of one entry in pieces of at most _OUT_CHUNK bytes, and no
    more than ``most`` bytes in all, however much more the entry holds.

    Reads no more than the entry's compressed size. Output is bounded per step for every
    method, which ``ZipExtFile`` does not do for bzip2 and LZMA.
    """
    produced = 0
    left = info.compress_size
    name = _show(info.filename)

    def take(count: int) -> bytes:
        nonlocal left
        data = stream.read(min(count, left))
        if len(data) != min(count, left):
            raise CorruptArchive(f"{label}: the data of {name} is cut off")
        left -= len(data)
        return data

    method = info.compress_type
    if method == _STORED:
        while left and produced < most:
            out = take(min(_OUT_CHUNK, most - produced))
            produced += len(out)
            yield out
        return
    if method == _DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        # Never a max_length of 0: zlib reads that as "no limit".
        while not inflater.eof and produced < most:
            data = inflater.unconsumed_tail or (take(_IN_CHUNK) if left else b"")
            out = inflater.decompress(data, min(_OUT_CHUNK, most - produced))
            if out:
                produced += len(out)
                yield out
            elif not data:
                raise CorruptArchive(f"{label}: the data of {name} ends too early")
        return
    decoder: _Decompressor
    stop_at = -1  # raw LZMA without an end marker only stops at the declared size
    if method == _BZIP2:
        decoder = bz2.BZ2Decompressor()
    elif method == _LZMA:
        header = take(4)
        props_len = int.from_bytes(header[2:4], "little")
        decoder = _lzma_decompressor(take(props_len), info.file_size, f"{label}: {name}")
        stop_at = info.file_size
    else:
        raise CorruptArchive(f"{label}: the entry {name} uses an unsupported compression method "
                             f"({_METHOD_NAMES.get(method, method)})")
    while not decoder.eof and produced != stop_at and produced < most:
        if decoder.needs_input:
            if not left:
                raise CorruptArchive(f"{label}: the data of {name} ends too early")
            data = take(_IN_CHUNK)
        else:
            data = b""
        limit = min(_OUT_CHUNK, most - produced)
        if stop_at >= 0:
            limit = min(limit, stop_at - produced)
        out = decoder.decompress(data, limit)
        produced += len(out)
        if out:
            yield out


def _read_entry(stream: BinaryIO, info: zipfile.ZipInfo, start: int, path: str,
                budget: _Budget) -> tuple[bytes, str]:
    """Decompress one entry within its caps: its bytes and "", or b"" and why it was left unread.

    One byte beyond the tightest cap tells "ends at the cap" from "goes on beyond it", and
    nothing more is decompressed: the caps bound the work done, not only what is kept.
    """
    limits = budget.limits
    label = budget.label
    cap, by_ratio = _entry_cap(info, limits)
    room = limits.max_submission_bytes - budget.bytes
    # An entry whose header says it is over its cap either is (and is left unread) or lies
    # (and is refused), so its bytes are only counted, never kept.
    keep = info.file_size <= cap
    stream.seek(start)
    pieces: list[bytes] = []
    head = b""
    size = 0
    crc = 0
    chunks = _chunks(stream, info, label, min(cap, room) + 1)
    try:
        for piece in chunks:
            if not head:
                head = piece[:4]
            size += len(piece)
            budget.bytes += len(piece)
            if keep:
                crc = zlib.crc32(piece, crc)
                pieces.append(piece)
    except _DATA_ERRORS as error:
        raise CorruptArchive(f"{label}: the data of {_show(path)} is damaged ({error})") from None
    finally:
        chunks.close()
    if budget.bytes > limits.max_submission_bytes:
        raise ZipBomb(f"{label} decompresses to more than "
                      f"{_mib(limits.max_submission_bytes)} (the limit per submission)")
    if size > cap:
        return b"", _unread(info, path, cap, by_ratio, head, budget)
    if size != info.file_size:
        raise CorruptArchive(f"{label}: {_show(path)} has {size} bytes, its header says {info.file_size}")
    if crc != info.CRC:
        raise CorruptArchive(f"{label}: {_show(path)} fails its CRC check (damaged data)")
    return b"".join(pieces), ""


def _unread(info: zipfile.ZipInfo, path: str, cap: int, by_ratio: bool, head: bytes,
            budget: _Budget) -> str:
    """Why an entry that went past its cap is left unread; raises when that makes it a bomb."""
    label = budget.label
    if by_ratio:
        why = f"compressed more than {budget.limits.max_compression_ratio:g} to 1 (like a zip bomb)"
    else:
        why = f"larger than {_mib(cap)} decompressed (the limit per file)"
    if info.file_size <= cap:
        # Headers that understate are how a bomb slips past checks made from them.
        raise ZipBomb(f"{label}: {_show(path)} is {why}, though its header says "
                      f"{info.file_size:,} bytes (a zip bomb)")
    if by_ratio and (head.startswith(_LOCAL_MAGIC) or path.lower().endswith(".zip")):
        # Real archives hardly compress; one that compresses this well is layered compression
        # meant to multiply (42.zip), not a dataset.
        raise ZipBomb(f"{label}: {_show(path)} is an archive {why}: a nested zip bomb")
    return f"not read: {why}"


# ---------------------------------------------------------------------------------------------
# Archives and directories
# ---------------------------------------------------------------------------------------------


def _read_archive(stream: BinaryIO, where: str, prefix: str, depth: int, budget: _Budget,
                  found: _Found) -> None:
    """Append the files of one archive (and of the archives inside it) to ``found``.

    ``prefix`` is prepended to every path ("inner.zip/" for a nested archive), ``depth`` is
    0 for the submission itself. Checks run from cheapest to dearest, and everything that can
    be refused from the headers alone is refused before any data is decompressed.
    """
    label = budget.label
    limits = budget.limits
    directory = _find_directory(stream, where)
    if directory.declared > budget.records_left:
        budget.add_records(directory.declared, where)
    records = _count_records(stream, directory, budget.records_left, where)
    budget.add_records(records, where)
    try:
        archive = zipfile.ZipFile(stream)
    except _PARSE_ERRORS as error:
        raise CorruptArchive(f"{where} is a damaged ZIP archive ({error})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) != records:
            raise CorruptArchive(f"{where} has a damaged central directory")
        if any(info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION) for info in infos):
            raise EncryptedArchive(f"{where} contains encrypted files; submit it without a password")

        files: list[tuple[int, str]] = []
        for index, info in enumerate(infos):
            # Every name is checked, junk included: a traversal attempt is hostile wherever it is.
            path = _clean_path(_zip_name(info), label)
            if path is not None and not _is_directory(info) and not _is_symlink(info):
                files.append((index, path))
        installed = installed_roots(path for _, path in files)
        wanted: list[int] = []
        paths: dict[int, str] = {}
        litter: set[str] = set()
        for index, path in files:
            if is_junk(path, installed):
                folder = installed_folder(path, installed)
                if folder is not None:
                    litter.add(prefix + folder)
                continue
            full = prefix + path
            _check_length(full, budget)
            wanted.append(index)
            paths[index] = full
        budget.add_entries(len(wanted), where)
        found.items.extend(Entry(folder, b"", passed_over=PASSED_OVER) for folder in sorted(litter))
        starts = _data_starts(stream, infos, wanted, directory.start, where)

        # Honest headers let a bomb be refused before decompressing anything; lying ones are
        # caught while streaming, because the real bytes are what count. An entry over its cap
        # costs its cap plus one byte, the most that reading it will decompress.
        declared = 0
        for index in wanted:
            info = infos[index]
            declared += min(info.file_size, _entry_cap(info, limits)[0] + 1)
        if budget.bytes + declared > limits.max_submission_bytes:
            raise ZipBomb(f"{label} would decompress to more than "
                          f"{_mib(limits.max_submission_bytes)} (the limit per submission)")

        for index in wanted:
            data, unread = _read_entry(stream, infos[index], starts[index], paths[index], budget)
            if unread:
                found.items.append(Entry(paths[index], b"", unread))
            else:
                _add_file(paths[index], data, depth, budget, found)


def _add_file(path: str, data: bytes, depth: int, budget: _Budget, found: _Found) -> None:
    """Add one file, unpacking it in place if it is a ZIP archive not nested too deep.

    A file named ``.zip`` that cannot be opened (password-protected, damaged, not a ZIP at all,
    or nested deeper than ``UnpackLimits.max_nesting``) is kept with its bytes and listed as
    unreadable (``Entry.unreadable`` says why), never taken for a plain binary file: it may
    hold the deliverable, and the outer upload's own encryption is refused, so wrapping it once
    must not hide it. Hostile content inside one (bombs, traversal, too many files) still
    rejects the whole submission.
    """
    if not path.lower().endswith(".zip") or not data:  # an empty file is empty, whatever its name
        found.items.append(Entry(path, data))
        return
    stream = io.BytesIO(data)
    limit = budget.limits.max_nesting
    if not _looks_like_zip(stream):
        why = INNER_NOT_A_ZIP
    elif depth >= limit:
        why = INNER_TOO_DEEP.format(limit=limit)
    else:
        inner = _Found()
        try:
            _read_archive(stream, f"{budget.label}/{path}", path + "/", depth + 1, budget, inner)
        except EncryptedArchive:
            why = INNER_ENCRYPTED
        except (NotAnArchive, CorruptArchive):
            why = INNER_DAMAGED
        else:
            found.items.extend(inner.items)
            return
    found.items.append(Entry(path, data, unreadable=why))


def _read_directory(root: Path, budget: _Budget, found: _Found) -> None:
    """Read the regular files under ``root``; symlinks, devices and junk are skipped."""
    limits = budget.limits
    label = budget.label
    files: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        relative_dir = os.path.relpath(dirpath, root)
        here = "" if relative_dir == "." else relative_dir.replace(os.sep, "/") + "/"
        if here and _holds_marker(dirpath, filenames):
            dirnames[:] = []  # a virtual environment, a tagged cache, Composer's or Go's packages
            found.items.append(Entry(here, b"", passed_over=PASSED_OVER))
            continue
        # Pruning here spares walking node_modules and .git, which can be huge.
        found.items.extend(Entry(here + d + "/", b"", passed_over=PASSED_OVER)
                           for d in sorted(dirnames) if d.lower() in _INSTALLED_DIRS)
        dirnames[:] = sorted(d for d in dirnames if d.lower() not in _JUNK_DIRS)
        for filename in sorted(filenames):
            relative = filename if relative_dir == "." else os.path.join(relative_dir, filename)
            path = _clean_path(_decode_name(os.fsencode(relative)), label)
            if path is None or is_junk(path):
                continue
            full = os.path.join(dirpath, filename)
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                continue  # vanished while we walked
            if not stat.S_ISREG(mode):
                continue
            _check_length(path, budget)
            budget.add_entries(1, label)
            files.append((path, full))
    for path, full in files:
        read = _read_file(full, path, budget)
        if read is None:
            continue
        data, unread = read
        if unread:
            found.items.append(Entry(path, b"", unread))
        else:
            _add_file(path, data, 0, budget, found)


def _holds_marker(directory: str, filenames: list[str]) -> bool:
    """Whether a directory holds one of ``INSTALLED_MARKERS`` (its files' names given)."""
    names = {name.lower() for name in filenames}
    own_name = os.path.basename(directory).lower()
    return any(name in ("*", own_name)
               and (os.path.isfile(os.path.join(directory, inside)) if "/" in inside else inside in names)
               for name, inside in _MARKERS)


def _read_file(full: str, path: str, budget: _Budget) -> tuple[bytes, str] | None:
    """Read one regular file within the caps: its bytes and "", or b"" and why it was left
    unread (over the per-file cap); None if it turned out not to be a regular file."""
    limits = budget.limits
    label = budget.label
    # O_NOFOLLOW and the fstat below close the gap between os.walk and open: a file swapped
    # for a symlink or a FIFO in between is skipped, not followed or blocked on.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(full, flags)
    except OSError as error:
        if os.path.islink(full):
            return None
        raise UsageError(f"cannot read {full}: {error.strerror or error}") from None
    too_large = (b"", f"not read: larger than {_mib(limits.max_entry_bytes)} (the limit per file)")
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            return None
        if status.st_size > limits.max_entry_bytes:
            return too_large  # nothing to decompress here: the size on disk is the real one
        allowed = min(limits.max_entry_bytes, limits.max_submission_bytes - budget.bytes)
        data = handle.read(allowed + 1)  # the size on disk may change: count what we get
    budget.bytes += len(data)
    if budget.bytes > limits.max_submission_bytes:
        raise ZipBomb(f"{label} holds more than {_mib(limits.max_submission_bytes)} "
                      "(the limit per submission)")
    if len(data) > limits.max_entry_bytes:
        return too_large
    return data, ""


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


def _renamed(path: str, number: int) -> str:
    head, tail = posixpath.split(path)
    stem, suffix = posixpath.splitext(tail)
    return posixpath.join(head, f"{stem}~{number}{suffix}")


def _finish(found: _Found, label: str) -> list[Entry]:
    """Entries sorted by path; duplicates renamed ``name~2.ext``, ``name~3.ext``, ...

    Both copies of a duplicated name are kept because either could be the one that was
    copied; names that really occur in the archive are never taken by a renamed copy. Which
    copy keeps the name follows from their bytes, not from the order of the archive's entries:
    the same files packed in another order get the same names, and so the same report.
    """
    if all(item.passed_over for item in found.items):
        raise EmptySubmission(f"{label} contains no files to check")
    original = {item.path for item in found.items}
    named = Counter(item.path for item in found.items)

    def content(item: Entry) -> tuple[str, bytes, str, str, str]:
        digest = hashlib.sha256(item.data).digest() if named[item.path] > 1 else b""
        return item.path, digest, item.unread, item.passed_over, item.unreadable

    taken: set[str] = set()
    entries: list[Entry] = []
    for item in sorted(found.items, key=content):
        path = item.path
        if path in taken:
            number = 2
            while _renamed(path, number) in taken or _renamed(path, number) in original:
                number += 1
            path = _renamed(path, number)
        taken.add(path)
        entries.append(replace(item, path=path))
    entries.sort(key=lambda entry: entry.path)
    return entries
