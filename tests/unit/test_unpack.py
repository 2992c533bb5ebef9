"""The unpacker against hostile and awkward submissions: every case gets its outcome, fast,
in bounded memory, and nothing is ever written to disk."""

from __future__ import annotations

import bz2
import io
import os
import random
import subprocess
import sys
import time
import tracemalloc
import unicodedata
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from fixtures.hostile import (
    DEFLATED,
    EXPECTED,
    UNREAD,
    FLAG_ENCRYPTED,
    GOOD_PY,
    KIB,
    MIB,
    OK,
    STORED,
    SYMLINK_ATTR,
    RawZip,
    deflated_zeros,
    write_hostile_zips,
    zip_bytes,
)
from originality import errors, unpack
from originality.check import load_submission, unread_files
from originality.errors import (
    CorruptArchive,
    EmptySubmission,
    EncryptedArchive,
    NotAnArchive,
    PathTooLong,
    SubmissionRejected,
    TooManyFiles,
    UnsafePath,
    UsageError,
    ZipBomb,
)
from originality.extract import extract
from originality.fingerprint import SymbolTable
from originality.model import DocumentState, Entry
from originality.options import CheckOptions, UnpackLimits
from originality.unpack import (
    INNER_DAMAGED,
    INNER_ENCRYPTED,
    INNER_NOT_A_ZIP,
    INNER_TOO_DEEP,
    JUNK,
    PASSED_OVER,
    is_junk,
    is_zip,
    read_submission,
    read_zip_bytes,
)

SMALL = UnpackLimits(max_entry_bytes=MIB, max_submission_bytes=4 * MIB, max_entries=50,
                     max_nesting=2, max_path_length=200)


def write(directory: Path, data: bytes, name: str = "sub.zip") -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def outcome(path: Path, limits: UnpackLimits = UnpackLimits()) -> str:
    try:
        read_submission(path, limits)
    except SubmissionRejected as error:
        return error.code
    return OK


def paths(entries: list[Entry]) -> list[str]:
    """The files read (not the folders of installed code passed over)."""
    return [entry.path for entry in entries if not entry.passed_over]


def passed(entries: list[Entry]) -> dict[str, str]:
    """The folders of installed code passed over, and what each is listed with."""
    return {entry.path: entry.passed_over for entry in entries if entry.passed_over}


def random_bytes(size: int, seed: int = 0) -> bytes:
    """Incompressible data, so that size caps and not the ratio are what a test meets."""
    return random.Random(seed).randbytes(size)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], float]:
    outdir = tmp_path_factory.mktemp("hostile")
    started = time.perf_counter()
    expected = write_hostile_zips(outdir)
    return outdir, expected, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# The hostile set
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_every_hostile_submission_gets_its_expected_outcome_quickly(
        hostile: tuple[Path, dict[str, str], float], stem: str) -> None:
    outdir, expected, _ = hostile
    # CPU time, not the wall clock: a bomb must cost little work, whatever else the machine runs
    # (the wall-clock figures are benchmarks/run.py hostile's).
    started = time.process_time()
    assert outcome(outdir / f"{stem}.zip") == expected[stem]
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("stem", sorted(stem for stem, code in EXPECTED.items() if code == OK))
def test_hostile_submissions_that_read_leave_exactly_their_listed_files_unread(
        hostile: tuple[Path, dict[str, str], float], stem: str) -> None:
    outdir, _, _ = hostile
    entries = read_submission(outdir / f"{stem}.zip")
    assert [e.path for e in entries if e.unread] == UNREAD.get(stem, [])
    assert all(e.data == b"" for e in entries if e.unread)
    assert any(e.path.endswith(".py") and not e.unread for e in entries), "the code was not read"


def test_expected_outcomes_name_real_error_codes() -> None:
    codes = {cls.code for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, SubmissionRejected)}
    assert set(EXPECTED.values()) <= codes | {OK}


def test_hostile_set_is_small_on_disk_and_quick_to_write(hostile: tuple[Path, dict[str, str], float]) -> None:
    outdir, expected, seconds = hostile
    assert expected == EXPECTED
    assert seconds < 5.0
    for stem in expected:
        size = (outdir / f"{stem}.zip").stat().st_size
        assert size < (5 * MIB if "bomb" in stem else 20 * MIB), stem


def test_reading_the_whole_hostile_set_stays_in_bounded_memory(
        hostile: tuple[Path, dict[str, str], float]) -> None:
    outdir, expected, _ = hostile
    tracemalloc.start()
    try:
        for stem in expected:
            outcome(outdir / f"{stem}.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The largest legitimate read is the 10 MiB line; the lying bomb stops at the 20 MiB cap.
    assert peak < 64 * MIB


def test_hostile_module_runs_as_a_script(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "fixtures" / "hostile.py"), str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    assert "wrote" in done.stdout
    assert (tmp_path / "out" / "expected.json").is_file()
    assert (tmp_path / "out" / "flat_bomb.zip").is_file()


# ---------------------------------------------------------------------------------------------
# Bombs and caps
# ---------------------------------------------------------------------------------------------


class _Counted:
    """Wraps the unpacker's decompression so a test sees every byte really produced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bytes = 0
        original = unpack._chunks

        def counted(*args: Any, **kwargs: Any) -> Iterator[bytes]:
            for piece in original(*args, **kwargs):
                self.bytes += len(piece)
                yield piece

        monkeypatch.setattr(unpack, "_chunks", counted)


def test_flat_bomb_is_left_unread_after_the_per_file_cap(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stream, crc = deflated_zeros(1024 * MIB)
    archive = RawZip()
    archive.add("zeros.bin", stream, size=1024 * MIB, crc=crc, method=DEFLATED)
    path = write(tmp_path, archive.finish())
    counted = _Counted(monkeypatch)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        entries = read_submission(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    reason = "not read: larger than 20.0 MiB decompressed (the limit per file)"
    assert entries == [Entry("zeros.bin", b"", reason)]
    # One byte past the cap tells it is over; its header said so, so nothing was kept.
    assert counted.bytes == UnpackLimits().max_entry_bytes + 1
    assert peak < 4 * MIB


CODE = (b"import sys\n\n\ndef average(marks: list[float]) -> float:\n"
        b"    total = 0.0\n    for mark in marks:\n        total += mark\n"
        b"    return total / len(marks) if marks else 0.0\n\n\n"
        b"def main() -> None:\n    marks = [float(x) for x in sys.argv[1:]]\n"
        b"    print('average:', round(average(marks), 2))\n")


def _checked(path: Path) -> dict[str, tuple[DocumentState, str, int]]:
    """path -> (state, detail, units) of every document, as the pipeline leaves them."""
    loaded = load_submission(path, CheckOptions(workers=1), SymbolTable())
    assert loaded.error is None, loaded.error
    units: dict[str, int] = {}
    for unit in loaded.units:
        units[unit.path] = units.get(unit.path, 0) + 1
    return {d.path: (d.state, d.detail, units.get(d.path, 0)) for d in loaded.documents}


def test_three_mib_of_zeros_beside_code_is_left_unread_and_the_code_is_checked(tmp_path: Path) -> None:
    stream, crc = deflated_zeros(3 * MIB)
    archive = RawZip()
    archive.add("src/grades.py", CODE)
    archive.add("data/zeros.bin", stream, size=3 * MIB, crc=crc, method=DEFLATED)
    documents = _checked(write(tmp_path, archive.finish()))
    state, detail, units = documents["src/grades.py"]
    assert state is DocumentState.OK and units > 0
    state, detail, units = documents["data/zeros.bin"]
    assert (state, units) == (DocumentState.TOO_LARGE, 0)
    assert detail == "not read: compressed more than 200 to 1 (like a zip bomb)"


def test_twenty_five_mib_dataset_is_left_unread_and_the_code_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = random_bytes(25 * MIB).hex().encode()[: 25 * MIB]  # compresses about 2 to 1
    path = write(tmp_path, zip_bytes([("analysis.py", CODE), ("data/train.csv", dataset)], level=1))
    counted = _Counted(monkeypatch)
    documents = _checked(path)
    assert documents["analysis.py"][0] is DocumentState.OK and documents["analysis.py"][2] > 0
    assert documents["data/train.csv"][:2] == (
        DocumentState.TOO_LARGE, "not read: larger than 20.0 MiB decompressed (the limit per file)")
    assert counted.bytes == len(CODE) + UnpackLimits().max_entry_bytes + 1


def test_unread_file_becomes_a_too_large_document_with_no_digest() -> None:
    document = extract(Entry("data/big.csv", b"", "not read: why"))
    assert (document.state, document.detail, document.text, document.sha256, document.size) == (
        DocumentState.TOO_LARGE, "not read: why", "", "", 0)
    assert DocumentState("too_large") is DocumentState.TOO_LARGE


def test_header_claiming_a_huge_size_cannot_hide_a_small_file(tmp_path: Path) -> None:
    # Skipping on the header's word would let a student hide copied code behind a lie.
    archive = RawZip()
    archive.add("main.py", GOOD_PY)
    archive.add("copied.py", CODE, size=30 * MIB)
    with pytest.raises(CorruptArchive, match="its header says"):
        read_submission(write(tmp_path, archive.finish()))


def test_unread_file_with_the_name_of_another_keeps_its_own_state(tmp_path: Path) -> None:
    stream, crc = deflated_zeros(2 * MIB)
    archive = RawZip()
    archive.add("data.bin", b"small")
    archive.add("data.bin", stream, size=2 * MIB, crc=crc, method=DEFLATED)
    entries = read_submission(write(tmp_path, archive.finish()))
    assert [(e.path, e.data, bool(e.unread)) for e in entries] == [
        ("data.bin", b"small", False), ("data~2.bin", b"", True)]


def test_files_over_the_cap_still_count_towards_the_submission_cap(tmp_path: Path) -> None:
    # Each is left unread after 1 MiB + 1 byte; five of them are more than the 4 MiB allowed.
    files = [(f"part{i}.bin", random_bytes(2 * MIB, seed=i)) for i in range(5)]
    with pytest.raises(ZipBomb, match="limit per submission"):
        read_submission(write(tmp_path, zip_bytes(files, method=STORED)), SMALL)
    entries = read_submission(write(tmp_path, zip_bytes(files[:3], method=STORED)), SMALL)
    assert [e.path for e in entries if e.unread] == ["part0.bin", "part1.bin", "part2.bin"]


def _spread(entries: int, size: int, per_archive: int, claim: int | None) -> bytes:
    """``entries`` files of ``size`` zeros, ``per_archive`` to an inner ZIP when that is less
    than ``entries``; ``claim`` is the size their headers state (None: the real one)."""
    stream, crc = deflated_zeros(size)

    def archive_of(count: int, prefix: str) -> bytes:
        archive = RawZip()
        for i in range(count):
            archive.add(f"{prefix}f{i}.bin", stream, size=size if claim is None else claim, crc=crc,
                        method=DEFLATED)
        return archive.finish()

    if per_archive >= entries:
        return archive_of(entries, "")
    outer = RawZip()
    for j in range(entries // per_archive):
        outer.add(f"part{j}.zip", archive_of(per_archive, f"p{j}/"))
    return outer.finish()


@pytest.mark.parametrize(("size", "per_archive", "claim"), [
    (64 * KIB + 1, 10_000, None),  # just over the cap, honest headers: refused from them
    (64 * KIB - 1, 10_000, None),  # just under: every byte kept
    (64 * KIB + 1, 10_000, 10**9),  # headers overstating: found out by reading
    (64 * KIB + 1, 100, None),  # spread over inner archives, each checked on its own
    (64 * KIB - 1, 100, None),
    (64 * KIB + 1, 100, 10**9),
], ids=["over", "under", "over, overstated", "over, nested", "under, nested", "over, nested, overstated"])
def test_ten_thousand_entries_near_the_cap_cannot_make_us_decompress_unbounded_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, per_archive: int,
        claim: int | None) -> None:
    limits = UnpackLimits(max_entry_bytes=64 * KIB, max_submission_bytes=4 * MIB, max_entries=20_000,
                          max_compression_ratio=1e9)
    path = write(tmp_path, _spread(10_000, size, per_archive, claim))
    counted = _Counted(monkeypatch)
    with pytest.raises(ZipBomb, match="limit per submission"):
        read_submission(path, limits)
    # Inner archives are decompressed too, and counted: everything stays within the one cap.
    assert counted.bytes <= limits.max_submission_bytes + 1


def test_lying_sizes_are_caught_by_counting_real_bytes(tmp_path: Path) -> None:
    stream, _ = deflated_zeros(8 * MIB)
    archive = RawZip()
    archive.add("zeros.bin", stream, size=KIB, crc=zlib.crc32(bytes(KIB)), method=DEFLATED)
    generous_ratio = UnpackLimits(max_entry_bytes=MIB, max_submission_bytes=4 * MIB,
                                  max_compression_ratio=1e9)
    with pytest.raises(ZipBomb, match="limit per file"):
        read_submission(write(tmp_path, archive.finish()), generous_ratio)


def test_submission_cap_counts_real_bytes_across_files(tmp_path: Path) -> None:
    limits = UnpackLimits(max_entry_bytes=4 * MIB, max_submission_bytes=4 * MIB)
    archive = RawZip()
    archive.add("a.bin", random_bytes(2 * MIB))
    archive.add("b.bin", random_bytes(3 * MIB, seed=1), size=KIB)  # claims 1 KiB
    with pytest.raises(ZipBomb, match="limit per submission"):
        read_submission(write(tmp_path, archive.finish()), limits)


def test_submission_cap_is_checked_from_honest_headers_before_reading(tmp_path: Path) -> None:
    files = [(f"part{i}.bin", random_bytes(900 * KIB, seed=i)) for i in range(5)]
    with pytest.raises(ZipBomb, match="limit per submission"):
        read_submission(write(tmp_path, zip_bytes(files, method=STORED)), SMALL)


def test_large_file_compressed_beyond_the_ratio_is_left_unread(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, zip_bytes([("zeros.csv", bytes(2 * MIB)), ("main.py", GOOD_PY)], level=9))
    counted = _Counted(monkeypatch)
    assert read_submission(path) == [
        Entry("main.py", GOOD_PY),
        Entry("zeros.csv", b"", "not read: compressed more than 200 to 1 (like a zip bomb)")]
    assert counted.bytes == len(GOOD_PY) + 1 * MIB + 1  # stopped just past the ratio's 1 MiB floor


def test_inner_archive_compressed_beyond_the_ratio_is_a_nested_bomb(tmp_path: Path) -> None:
    inner = zip_bytes([("zeros.bin", bytes(4 * MIB))], method=STORED)
    for name in ("inner.zip", "inner.dat"):  # known by its name or by its content
        path = write(tmp_path, zip_bytes([("main.py", GOOD_PY), (name, inner)], level=9))
        with pytest.raises(ZipBomb, match="nested zip bomb"):
            read_submission(path)


def test_overlapping_entries_reject_even_when_each_would_be_left_unread(tmp_path: Path) -> None:
    # The layout is checked before any entry is read, so a skip can never mask an overlap.
    stream, crc = deflated_zeros(3 * MIB)
    archive = RawZip()
    archive.add("main.py", GOOD_PY)
    offset = archive.add("k.bin", stream, size=3 * MIB, crc=crc, method=DEFLATED)
    for _ in range(3):
        archive.point("k.bin", offset, compressed_size=len(stream), size=3 * MIB, crc=crc, method=DEFLATED)
    with pytest.raises(ZipBomb, match="overlap"):
        read_submission(write(tmp_path, archive.finish()))


def test_small_file_may_compress_as_well_as_it_likes(tmp_path: Path) -> None:
    path = write(tmp_path, zip_bytes([("zeros.csv", bytes(512 * KIB))], level=9))
    assert read_submission(path) == [Entry("zeros.csv", bytes(512 * KIB))]


def test_entries_sharing_one_header_are_an_overlap_bomb(tmp_path: Path) -> None:
    stream, crc = deflated_zeros(MIB)
    archive = RawZip()
    offset = archive.add("k.bin", stream, size=MIB, crc=crc, method=DEFLATED)
    archive.point("k.bin", offset, compressed_size=len(stream), size=MIB, crc=crc, method=DEFLATED)
    huge = UnpackLimits(max_entry_bytes=10**9, max_submission_bytes=10**12)
    with pytest.raises(ZipBomb, match="overlap"):
        read_submission(write(tmp_path, archive.finish()), huge)


def test_entry_whose_data_runs_over_the_next_header_is_an_overlap_bomb(tmp_path: Path) -> None:
    archive = RawZip()
    archive.add("a.py", b"A = 1\n")
    second = archive.add("b.py", b"B = 2\n")
    archive.central, archive.count = bytearray(), 0
    # a.py now claims everything up to the end of b.py as its data.
    archive.point("a.py", 0, compressed_size=second + 36 + 6, size=second + 36 + 6, crc=0)
    archive.point("b.py", second, compressed_size=6, size=6, crc=zlib.crc32(b"B = 2\n"))
    with pytest.raises(ZipBomb, match="overlap"):
        read_submission(write(tmp_path, archive.finish()))


def test_bzip2_output_is_produced_in_bounded_steps(tmp_path: Path) -> None:
    # 8 MiB of zeros is 48 bytes of bzip2; zipfile's own reader would inflate it in one call.
    payload = bz2.compress(bytes(8 * MIB), 9)
    archive = RawZip()
    archive.add("zeros.bin", payload, size=KIB, crc=0, method=zipfile.ZIP_BZIP2)
    path = write(tmp_path, archive.finish())
    limits = UnpackLimits(max_entry_bytes=MIB, max_submission_bytes=MIB, max_compression_ratio=1e12)
    tracemalloc.start()
    try:
        with pytest.raises(ZipBomb):
            read_submission(path, limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MIB


def test_too_many_entries_are_refused_before_reading_anything(tmp_path: Path) -> None:
    archive = RawZip()
    for i in range(51):
        archive.add(f"f{i}.py", b"x")
    with pytest.raises(TooManyFiles, match="more than 50"):
        read_submission(write(tmp_path, archive.finish()), SMALL)


def test_a_lying_entry_count_does_not_help(tmp_path: Path) -> None:
    archive = RawZip()
    for i in range(60):
        archive.add(f"f{i}.py", b"x")
    with pytest.raises(TooManyFiles):
        read_submission(write(tmp_path, archive.finish(declared_count=2)), SMALL)


def test_inner_archives_count_towards_the_same_entry_total(tmp_path: Path) -> None:
    inner = zip_bytes([(f"in{i}.py", b"x") for i in range(3)])
    outer = zip_bytes([("inner.zip", inner), ("a.py", b"a"), ("b.py", b"b")])
    limits = UnpackLimits(max_entries=5)
    with pytest.raises(TooManyFiles):
        read_submission(write(tmp_path, outer), limits)
    assert len(read_submission(write(tmp_path, outer), UnpackLimits(max_entries=6))) == 5


def test_zip64_end_record_is_understood(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lowering the stdlib's file-count limit makes it write ZIP64 end records for a small archive.
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    data = zip_bytes([(f"f{i}.py", b"x") for i in range(4)])
    monkeypatch.undo()
    assert b"PK\x06\x06" in data
    assert paths(read_zip_bytes(data)) == ["f0.py", "f1.py", "f2.py", "f3.py"]
    with pytest.raises(TooManyFiles):
        read_zip_bytes(data, UnpackLimits(max_entries=3))


# ---------------------------------------------------------------------------------------------
# Damaged, encrypted and foreign files
# ---------------------------------------------------------------------------------------------


def test_encrypted_entry_refuses_the_submission(tmp_path: Path) -> None:
    archive = RawZip()
    archive.add("main.py", GOOD_PY)
    archive.add("secret.py", b"x", flags=FLAG_ENCRYPTED)
    with pytest.raises(EncryptedArchive):
        read_submission(write(tmp_path, archive.finish()))


def _name_mismatch() -> bytes:
    archive = RawZip()
    archive.add("main.py", GOOD_PY)
    archive.central, archive.count = bytearray(), 0
    archive.point("other.py", 0, compressed_size=len(GOOD_PY), size=len(GOOD_PY), crc=zlib.crc32(GOOD_PY))
    return archive.finish()


def _garbage_deflate() -> bytes:
    archive = RawZip()
    archive.add("main.py", b"\xff" * 64, size=100, crc=0, method=DEFLATED)
    return archive.finish()


def _short_deflate() -> bytes:
    stream, crc = deflated_zeros(MIB)
    archive = RawZip()
    archive.add("zeros.bin", stream[: len(stream) // 2], size=MIB, crc=crc, method=DEFLATED)
    return archive.finish()


def _wrong_size() -> bytes:
    archive = RawZip()
    archive.add("main.py", GOOD_PY, size=len(GOOD_PY) + 1)
    return archive.finish()


@pytest.mark.parametrize("build", [_name_mismatch, _garbage_deflate, _short_deflate, _wrong_size],
                         ids=["names differ", "garbage deflate", "deflate cut short", "wrong size"])
def test_damaged_entries_are_corrupt(tmp_path: Path, build: Callable[[], bytes]) -> None:
    with pytest.raises(CorruptArchive):
        read_submission(write(tmp_path, build()))


def test_archive_cut_anywhere_is_corrupt_not_foreign(tmp_path: Path) -> None:
    data = zip_bytes([("main.py", GOOD_PY * 30), ("util.py", GOOD_PY * 20)])
    for cut in (len(data) - 1, len(data) - 30, len(data) // 2, 10):
        assert outcome(write(tmp_path, data[:cut])) == "corrupt_archive", cut


@pytest.mark.parametrize("data", [b"just some text\n", b"", b"%PDF-1.7\n"], ids=["text", "empty file", "pdf"])
def test_files_that_are_not_zips_are_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(NotAnArchive):
        read_submission(write(tmp_path, data))
    with pytest.raises(NotAnArchive, match="upload.zip"):
        read_zip_bytes(data)


def test_missing_submission_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        read_submission(tmp_path / "nope.zip")


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "../evil.py", "a/../../evil.py", "/etc/passwd", "//server/share/x.py", "..\\evil.py",
    "a\\..\\..\\evil.py", "C:\\Windows\\evil.py", "c:evil.py", "C:/x.py", "... /evil.py",
    "__MACOSX/../../evil.py", "src/..",
])
def test_names_that_leave_the_submission_reject_it(tmp_path: Path, name: str) -> None:
    archive = RawZip()
    archive.add("main.py", GOOD_PY)
    archive.add(name, b"print('pwned')\n")
    with pytest.raises(UnsafePath):
        read_submission(write(tmp_path, archive.finish()))


def test_nul_in_a_name_rejects_the_submission(tmp_path: Path) -> None:
    archive = RawZip()
    archive.add(b"main.py\x00.txt", GOOD_PY)
    with pytest.raises(UnsafePath, match="NUL"):
        read_submission(write(tmp_path, archive.finish()))


@pytest.mark.parametrize(("name", "expected"), [
    ("./main.py", "main.py"),
    ("src//util.py", "src/util.py"),
    ("src\\util.py", "src/util.py"),
    ("src/./util.py", "src/util.py"),
    ("a..b/c..py", "a..b/c..py"),
    (unicodedata.normalize("NFD", "résumé.md"), "résumé.md"),
])
def test_names_are_normalised(tmp_path: Path, name: str, expected: str) -> None:
    archive = RawZip()
    archive.add(name, b"x")
    entries = read_submission(write(tmp_path, archive.finish()))
    assert paths(entries) == [expected]
    assert unicodedata.is_normalized("NFC", entries[0].path)


@pytest.mark.parametrize(("raw", "flags", "expected"), [
    (b"caf\x82.py", 0, "café.py"),  # legacy cp437
    ("naïve.py".encode("utf-8"), 0, "naïve.py"),  # UTF-8, flag forgotten
    ("über.py".encode("utf-8"), 0x800, "über.py"),  # UTF-8, flag set
    (b"\x8e\x99\x9a.txt", 0, "ÄÖÜ.txt"),  # not valid UTF-8: cp437
])
def test_name_encodings(tmp_path: Path, raw: bytes, flags: int, expected: str) -> None:
    archive = RawZip()
    archive.add(raw, b"x", flags=flags)
    assert paths(read_submission(write(tmp_path, archive.finish()))) == [expected]


def test_overlong_path_is_refused(tmp_path: Path) -> None:
    archive = RawZip()
    archive.add("d/" * 150 + "x.py", b"x")
    with pytest.raises(PathTooLong):
        read_submission(write(tmp_path, archive.finish()), SMALL)


def test_duplicate_names_are_all_kept_and_renamed_by_their_bytes_whatever_the_entry_order(
        tmp_path: Path) -> None:
    files = [("main.py", b"first"), ("main.py", b"second"), ("main~2.py", b"a real main~2"),
             ("./main.py", b"third"), (".env", b"one"), (".env", b"two")]
    found = []
    for order in (files, files[::-1], files[2:] + files[:2]):
        archive = RawZip()
        for name, data in order:
            archive.add(name, data)
        found.append([(e.path, e.data) for e in read_submission(write(tmp_path, archive.finish()))])
    # Which copy keeps the name follows from the bytes (their SHA-256), never from the order of
    # the entries: the same files repacked give the same names, so the same report.
    assert found[0] == found[1] == found[2] == [
        (".env", b"two"), (".env~2", b"one"), ("main.py", b"second"), ("main~2.py", b"a real main~2"),
        ("main~3.py", b"first"), ("main~4.py", b"third"),
    ]


# ---------------------------------------------------------------------------------------------
# What is skipped
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("junk", [
    "__MACOSX/._main.py", "__MACOSX/src/._util.py", ".DS_Store", "src/.DS_Store", "Thumbs.db",
    "thumbs.db", ".git/config", ".git/objects/ab/cdef", ".svn/entries", ".hg/store/data",
    "__pycache__/main.cpython-311.pyc", "src/helpers.pyc", ".ipynb_checkpoints/nb-checkpoint.ipynb",
    "web/node_modules/left-pad/index.js", ".idea/workspace.xml", ".vscode/settings.json",
    "env/lib/python3.12/site-packages/requests/api.py", "Lib/site-packages/six.py",
    "usr/lib/python3/dist-packages/yaml/__init__.py", "static/bower_components/jquery/jquery.js",
    ".tox/py311/bin/activate", ".pytest_cache/README.md", ".mypy_cache/3.11/main.meta.json",
])
def test_junk_is_skipped_silently(tmp_path: Path, junk: str) -> None:
    assert is_junk(junk)
    path = write(tmp_path, zip_bytes([(junk, b"junk"), ("main.py", GOOD_PY)]))
    assert paths(read_submission(path)) == ["main.py"]


@pytest.mark.parametrize("keep", [".gitignore", "git/notes.md", "node_modules.md", "pyc.py", "src/idea.py"])
def test_names_that_merely_resemble_junk_are_kept(keep: str) -> None:
    assert not is_junk(keep)


VENV_LIBRARY = b"def get(url, params=None, **kwargs):\n    return request('get', url, params=params, **kwargs)\n"


def test_the_packages_composer_installed_are_left_out(tmp_path: Path) -> None:
    # A Symfony project zipped with its vendor/ holds thousands of files nobody in the class wrote.
    files = [("vendor/autoload.php", b"<?php return require __DIR__ . '/composer/autoload_real.php';\n"),
             ("vendor/composer/installed.json", b'{"packages": []}\n'),
             ("vendor/symfony/console/Application.php", b"<?php class Application {}\n"),
             ("src/Controller/VendorController.php", b"<?php class VendorController {}\n"),
             ("composer/installed.json", b"{}\n")]  # at the root: the student's own, kept
    kept = ["composer/installed.json", "src/Controller/VendorController.php"]
    assert paths(read_submission(write(tmp_path, zip_bytes(files)))) == kept
    folder = tmp_path / "folder"
    for name, data in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    assert paths(read_submission(folder)) == kept


def test_the_modules_go_vendored_are_left_out_but_a_vendor_folder_of_ones_own_is_read(tmp_path: Path) -> None:
    # `go mod vendor` (Go 1.14 on) copies every dependency into vendor/ and lists them in
    # vendor/modules.txt: the marker names the folder itself, not one inside it.
    files = [("go.mod", b"module example.com/shop\n"), ("main.go", b"package main\n"),
             ("vendor/modules.txt", b"# github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n"),
             ("vendor/github.com/pkg/errors/errors.go", b"package errors\n"),
             ("tools/vendor/modules.txt", b"# golang.org/x/tools v0.1.0\n"),
             ("tools/vendor/golang.org/x/tools/go.go", b"package tools\n"),
             ("web/vendor/chart.go", b"package vendor\n"),  # a vendor/ of the student's own
             ("notes/modules.txt", b"the modules I wrote\n"),  # not in a vendor/: the student's own
             ("modules.txt", b"modules\n")]  # at the root, as for the other markers: kept
    kept = ["go.mod", "main.go", "modules.txt", "notes/modules.txt", "web/vendor/chart.go"]
    entries = read_submission(write(tmp_path, zip_bytes(files)))
    assert paths(entries) == kept
    assert passed(entries) == {"vendor/": PASSED_OVER, "tools/vendor/": PASSED_OVER}
    folder = tmp_path / "folder"
    for name, data in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    entries = read_submission(folder)
    assert paths(entries) == kept
    assert passed(entries) == {"vendor/": PASSED_OVER, "tools/vendor/": PASSED_OVER}


@pytest.mark.parametrize("environment", ["venv", ".venv", "env", "project/my-env"])
def test_a_virtual_environment_of_any_name_is_left_out_of_a_zip_and_of_a_directory(
        tmp_path: Path, environment: str) -> None:
    # Two students who zip the same library would otherwise share it as a copy; PEP 405's
    # pyvenv.cfg marks the environment whatever it is called, its scripts and all.
    files = [(f"{environment}/pyvenv.cfg", b"home = /usr/bin\nversion = 3.11.2\n"),
             (f"{environment}/bin/Activate.ps1", b"function global:deactivate ([switch]$NonDestructive) {}\n"),
             (f"{environment}/lib/python3.11/site-packages/requests/api.py", VENV_LIBRARY),
             ("main.py", GOOD_PY), ("src/env.py", GOOD_PY)]
    entries = read_submission(write(tmp_path, zip_bytes(files)))
    assert paths(entries) == ["main.py", "src/env.py"]
    # Listed, with what it held: a copy could hide where the check never looks.
    assert passed(entries) == {f"{environment}/": PASSED_OVER}
    folder = tmp_path / "folder"
    for name, data in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    entries = read_submission(folder)
    assert paths(entries) == ["main.py", "src/env.py"]
    assert passed(entries) == {f"{environment}/": PASSED_OVER}


def test_a_tagged_cache_is_left_out_but_a_marker_at_the_root_leaves_the_deliverable_whole(
        tmp_path: Path) -> None:
    tag = b"Signature: 8a477f597d28d172789f06886806bc55\n"
    cached = [("target/CACHEDIR.TAG", tag), ("target/debug/build.rs", b"fn main() {}\n"), ("main.py", GOOD_PY)]
    assert paths(read_submission(write(tmp_path, zip_bytes(cached)))) == ["main.py"]
    # `python -m venv .` in the project's folder: the student's code is at the environment's root.
    at_root = [("pyvenv.cfg", b"home = /usr/bin\n"), ("lib/python3.11/site-packages/six.py", VENV_LIBRARY),
               ("main.py", GOOD_PY)]
    assert paths(read_zip_bytes(zip_bytes(at_root))) == ["main.py", "pyvenv.cfg"]


def test_a_deliverable_zipped_with_an_environment_of_more_files_than_the_cap_is_read(tmp_path: Path) -> None:
    # A Python environment with numpy, scipy and scikit-learn holds 5,569 files: litter is not
    # counted against the files a submission may hold, only against the entries it may list.
    library = [(f".venv/lib/python3.11/site-packages/pkg/m{i}.py", b"x = 1\n") for i in range(60)]
    data = zip_bytes([(".venv/pyvenv.cfg", b"home = /usr/bin\n"), *library, ("main.py", GOOD_PY)])
    assert paths(read_zip_bytes(data, SMALL)) == ["main.py"]
    with pytest.raises(TooManyFiles, match="lists too many entries"):
        read_zip_bytes(data, replace(SMALL, max_records=60))
    with pytest.raises(TooManyFiles, match="too many files"):
        read_zip_bytes(zip_bytes([(f"src/m{i}.py", b"x = 1\n") for i in range(51)]), SMALL)


def test_each_folder_of_installed_code_is_listed_once_and_other_litter_is_not(tmp_path: Path) -> None:
    files = [("web/node_modules/left-pad/index.js", b"x"), ("web/node_modules/solution/index.js", b"y"),
             ("lib/site-packages/six.py", b"z"), (".git/config", b"g"), ("__MACOSX/._main.py", b"m"),
             ("inner.zip", zip_bytes([("node_modules/a.js", b"a"), ("b.py", GOOD_PY)])), ("main.py", GOOD_PY)]
    entries = read_submission(write(tmp_path, zip_bytes(files)))
    assert paths(entries) == ["inner.zip/b.py", "main.py"]
    assert passed(entries) == {"web/node_modules/": PASSED_OVER,
                               "lib/site-packages/": PASSED_OVER,
                               "inner.zip/node_modules/": PASSED_OVER}
    document = extract(next(e for e in entries if e.path == "web/node_modules/"))
    assert document.state is DocumentState.SKIPPED and document.detail.startswith("a tool's folder")


def test_only_installed_code_is_an_empty_submission(tmp_path: Path) -> None:
    with pytest.raises(EmptySubmission):
        read_submission(write(tmp_path, zip_bytes([("node_modules/a/index.js", b"a")])))


def test_junk_list_is_a_module_constant() -> None:
    assert "__MACOSX/" in JUNK and "*.pyc" in JUNK


def test_directories_and_symlink_entries_are_skipped(tmp_path: Path) -> None:
    archive = RawZip()
    archive.add("src/", b"", external_attr=0o40755 << 16)
    archive.add("data", b"", external_attr=0x10)  # MS-DOS directory attribute
    archive.add("lib", b"", external_attr=0o40755 << 16)  # a folder by its mode alone
    archive.add("link.py", b"/etc/passwd", external_attr=SYMLINK_ATTR)
    archive.add("src/main.py", GOOD_PY)
    assert paths(read_submission(write(tmp_path, archive.finish()))) == ["src/main.py"]


def test_an_entry_that_holds_bytes_is_a_file_whatever_its_mode_or_name_says(tmp_path: Path) -> None:
    # unzip and ZipFile.extractall write a main.py whose mode says folder as a file; dropped as
    # a folder, it was neither compared nor counted, and the submission read "ok".
    archive = RawZip()
    archive.add("readme.txt", b"hello world\n")
    archive.add("main.py", CODE, external_attr=0o40755 << 16)
    archive.add("util.py", CODE, external_attr=0x10)
    archive.add("hidden/", CODE, external_attr=0o40755 << 16)
    path = write(tmp_path, archive.finish())
    assert [(e.path, e.data) for e in read_submission(path)] == [
        ("hidden", CODE), ("main.py", CODE), ("readme.txt", b"hello world\n"), ("util.py", CODE)]
    loaded = load_submission(path, CheckOptions(workers=1), SymbolTable())
    assert loaded.files == 4
    assert {d.path: d.state for d in loaded.documents}["main.py"] is DocumentState.OK
    assert {unit.path for unit in loaded.units} >= {"main.py", "util.py"}


@pytest.mark.parametrize("files", [[], [("only/", b"")], [(".DS_Store", b"x"), ("__MACOSX/._a", b"y")]],
                         ids=["no entries", "only a directory", "only junk"])
def test_nothing_usable_is_an_empty_submission(tmp_path: Path, files: list[tuple[str, bytes]]) -> None:
    with pytest.raises(EmptySubmission):
        read_submission(write(tmp_path, zip_bytes(files)))


def test_nothing_is_written_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    evil = [("main.py", GOOD_PY), ("../../evil.py", b"pwned"), ("../../../evil.py", b"pwned")]
    link = RawZip()
    link.add("evil.py", b"../../evil.py", external_attr=SYMLINK_ATTR)
    link.add("main.py", GOOD_PY)
    archives = [write(inputs, zip_bytes(evil), "t.zip"), write(inputs, link.finish(), "l.zip"),
                write(inputs, zip_bytes([("in.zip", zip_bytes(evil)), ("x.py", b"x")]), "n.zip")]
    before = sorted(p for p in tmp_path.rglob("*"))
    for archive in archives:
        outcome(archive)
    assert sorted(p for p in tmp_path.rglob("*")) == before
    for place in [work, *work.parents][:5]:
        assert not (place / "evil.py").exists()


# ---------------------------------------------------------------------------------------------
# Archives inside archives
# ---------------------------------------------------------------------------------------------


def test_inner_zip_is_unpacked_in_place(tmp_path: Path) -> None:
    inner = zip_bytes([("src/main.py", GOOD_PY), ("__MACOSX/._x", b"j")])
    outer = zip_bytes([("project.zip", inner), ("README.md", b"# read me\n")])
    entries = read_submission(write(tmp_path, outer))
    assert [(e.path, e.data) for e in entries] == [("README.md", b"# read me\n"),
                                                    ("project.zip/src/main.py", GOOD_PY)]


def test_archives_nested_deeper_than_the_limit_are_kept_and_listed(tmp_path: Path) -> None:
    deepest = zip_bytes([("deep.py", b"x")])
    middle = zip_bytes([("c.zip", deepest), ("m.py", b"m")])
    outer = zip_bytes([("b.zip", middle)])
    path = write(tmp_path, outer)
    shallow = read_submission(path, UnpackLimits(max_nesting=1))
    assert [(e.path, e.data, e.unreadable) for e in shallow] == [
        ("b.zip/c.zip", deepest, INNER_TOO_DEEP.format(limit=1)), ("b.zip/m.py", b"m", "")]
    assert paths(read_submission(path, UnpackLimits(max_nesting=2))) == ["b.zip/c.zip/deep.py", "b.zip/m.py"]


def _locked_zip() -> bytes:
    locked = RawZip()
    locked.add("answers.py", GOOD_PY, flags=FLAG_ENCRYPTED)
    return locked.finish()


@pytest.mark.parametrize("inner, why", [(b"not a zip at all", INNER_NOT_A_ZIP),
                                        (zip_bytes([("a.py", GOOD_PY)])[:40], INNER_DAMAGED),
                                        (_locked_zip(), INNER_ENCRYPTED)],
                         ids=["foreign", "truncated", "password-protected"])
def test_an_inner_zip_that_cannot_be_opened_is_kept_and_listed(tmp_path: Path, inner: bytes, why: str) -> None:
    # Kept as a plain binary file, it went neither compared nor listed: an encrypted upload is
    # refused, and wrapping it once in another ZIP hid it (the submission read "ok").
    entries = read_submission(write(tmp_path, zip_bytes([("data.zip", inner), ("main.py", GOOD_PY)])))
    assert [(e.path, e.data, e.unreadable) for e in entries] == [("data.zip", inner, why),
                                                                   ("main.py", GOOD_PY, "")]
    document = extract(entries[0])
    assert (document.state, document.detail, document.size) == (DocumentState.UNREADABLE, why, len(inner))


def test_an_unopened_inner_zip_is_in_the_reports_unread(tmp_path: Path) -> None:
    level = zip_bytes([("main.py", GOOD_PY)])
    for depth in range(4):  # project.zip inside four ZIPs: deeper than the two levels opened
        level = zip_bytes([(f"level{depth}.zip", level)])
    deep = write(tmp_path, zip_bytes([("level4.zip", level), ("notes.md", b"# notes\n" * 20)]), "deep.zip")
    locked = write(tmp_path, zip_bytes([("project.zip", _locked_zip()), ("notes.md", b"# notes\n" * 20)]),
                   "locked.zip")
    for path, file, why in [(deep, "level4.zip/level3.zip/level2.zip", INNER_TOO_DEEP.format(limit=2)),
                            (locked, "project.zip", INNER_ENCRYPTED)]:
        loaded = load_submission(path, CheckOptions(workers=1), SymbolTable())
        assert loaded.files == 2
        assert unread_files(loaded.documents) == [{"file": file, "state": "unreadable", "detail": why}]


def test_an_empty_file_named_zip_stays_an_empty_file(tmp_path: Path) -> None:
    entries = read_submission(write(tmp_path, zip_bytes([("data.zip", b""), ("main.py", GOOD_PY)])))
    assert extract(entries[0]).state is DocumentState.EMPTY and not entries[0].unreadable


def test_hostile_inner_zip_rejects_the_whole_submission(tmp_path: Path) -> None:
    inner = zip_bytes([("../../evil.py", b"x")])
    with pytest.raises(UnsafePath):
        read_submission(write(tmp_path, zip_bytes([("inner.zip", inner), ("main.py", GOOD_PY)])))


# ---------------------------------------------------------------------------------------------
# Formats and variants that must read cleanly
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                    zipfile.ZIP_LZMA], ids=["stored", "deflated", "bzip2", "lzma"])
def test_every_stdlib_compression_method_reads_back(tmp_path: Path, method: int) -> None:
    files = {"main.py": GOOD_PY * 200, "data.bin": random_bytes(300 * KIB), "empty.txt": b""}
    entries = read_submission(write(tmp_path, zip_bytes(files, method=method)))
    assert {e.path: e.data for e in entries} == files


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek, so zipfile falls back to data descriptors."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        return len(data)


def test_entries_with_data_descriptors_read_back(tmp_path: Path) -> None:
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main.py", GOOD_PY)
        archive.writestr("util.py", b"X = 1\n")
    data = bytes(sink.buffer)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x08
    assert [(e.path, e.data) for e in read_zip_bytes(data)] == [("main.py", GOOD_PY), ("util.py", b"X = 1\n")]


def test_self_extracting_archive_with_a_prefix_reads_back(tmp_path: Path) -> None:
    data = b"MZ\x90\x00 pretend this is a program" * 20 + zip_bytes([("main.py", GOOD_PY)])
    assert is_zip(data)
    assert paths(read_submission(write(tmp_path, data))) == ["main.py"]


def test_archive_comment_is_harmless(tmp_path: Path) -> None:
    buffer = io.BytesIO(zip_bytes([("main.py", GOOD_PY)]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = b"Submitted by Alice, 2024" * 100
    assert paths(read_zip_bytes(buffer.getvalue())) == ["main.py"]


def test_ten_megabyte_single_line_file_reads(tmp_path: Path) -> None:
    line = random_bytes(5 * MIB).hex().encode()
    entries = read_submission(write(tmp_path, zip_bytes([("one_line.txt", line)], level=1)))
    assert entries == [Entry("one_line.txt", line)]


# ---------------------------------------------------------------------------------------------
# Directory submissions
# ---------------------------------------------------------------------------------------------


def test_directory_submission_reads_regular_files_in_order(tmp_path: Path) -> None:
    root = tmp_path / "alice"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "main.py").write_bytes(GOOD_PY)
    (root / "README.md").write_bytes(b"# hi\n")
    (root / ".git" / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    (root / "src" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\x00")
    (root / ".DS_Store").write_bytes(b"\x00")
    (root / "bundle.zip").write_bytes(zip_bytes([("inner.py", b"i")]))
    entries = read_submission(root)
    assert [(e.path, e.data) for e in entries] == [
        ("README.md", b"# hi\n"), ("bundle.zip/inner.py", b"i"), ("src/main.py", GOOD_PY)]


def test_directory_symlinks_are_never_followed(tmp_path: Path) -> None:
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    (secret_dir / "secret.txt").write_bytes(b"do not read")
    root = tmp_path / "bob"
    root.mkdir()
    (root / "main.py").write_bytes(GOOD_PY)
    (root / "passwd").symlink_to("/etc/passwd")
    (root / "secret.txt").symlink_to(secret_dir / "secret.txt")
    (root / "linked_dir").symlink_to(secret_dir, target_is_directory=True)
    (root / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(root / "pipe")  # reading it would block forever
    entries = read_submission(root)
    assert paths(entries) == ["main.py"]


@pytest.mark.parametrize(("limits", "error"), [
    (UnpackLimits(max_entries=2), TooManyFiles),
    (UnpackLimits(max_entry_bytes=KIB, max_submission_bytes=2 * KIB), ZipBomb),
    (UnpackLimits(max_path_length=10), PathTooLong),
])
def test_directory_submission_obeys_the_same_caps(tmp_path: Path, limits: UnpackLimits,
                                                  error: type[SubmissionRejected]) -> None:
    root = tmp_path / "carol"
    (root / "package").mkdir(parents=True)
    for name in ("a.py", "b.py", "package/long_module_name.py"):
        (root / name).write_bytes(b"x" * 1000)
    assert len(read_submission(root)) == 3
    with pytest.raises(error):
        read_submission(root, limits)


def test_directory_file_over_the_per_file_cap_is_left_unread(tmp_path: Path) -> None:
    root = tmp_path / "erin"
    root.mkdir()
    (root / "main.py").write_bytes(GOOD_PY)
    (root / "big.csv").write_bytes(b"1,2\n" * 300)
    (root / "small.csv").write_bytes(b"1,2\n" * 200)
    entries = read_submission(root, UnpackLimits(max_entry_bytes=999, max_submission_bytes=MIB))
    assert [(e.path, e.unread) for e in entries] == [
        ("big.csv", "not read: larger than 0.0 MiB (the limit per file)"),
        ("main.py", ""), ("small.csv", "")]


def test_empty_directory_is_an_empty_submission(tmp_path: Path) -> None:
    (tmp_path / "dave" / "__pycache__").mkdir(parents=True)
    with pytest.raises(EmptySubmission):
        read_submission(tmp_path / "dave")


# ---------------------------------------------------------------------------------------------
# API shape and speed
# ---------------------------------------------------------------------------------------------


def test_order_does_not_depend_on_archive_order(tmp_path: Path) -> None:
    files = [("b/x.py", b"1"), ("a.py", b"2"), ("B.py", b"3"), ("b.py", b"4"), ("a/z.py", b"5")]
    first = read_submission(write(tmp_path, zip_bytes(files), "one.zip"))
    second = read_submission(write(tmp_path, zip_bytes(list(reversed(files))), "two.zip"))
    assert first == second == sorted(first, key=lambda e: e.path)
    assert paths(first) == ["B.py", "a.py", "a/z.py", "b.py", "b/x.py"]


def test_read_zip_bytes_matches_read_submission(tmp_path: Path) -> None:
    data = zip_bytes([("main.py", GOOD_PY), ("inner.zip", zip_bytes([("x.py", b"x")]))])
    assert read_zip_bytes(data) == read_submission(write(tmp_path, data))
    with pytest.raises(TooManyFiles, match="homework.zip"):
        read_zip_bytes(data, UnpackLimits(max_entries=1), name="homework.zip")


def test_is_zip_recognises_zips_by_content_not_name(tmp_path: Path) -> None:
    good = zip_bytes([("a.py", b"a")])
    assert is_zip(good) and is_zip(bytearray(good)) and is_zip(zip_bytes([]))
    assert is_zip(good[: len(good) // 2])  # damaged, but meant as a zip
    assert not is_zip(b"hello") and not is_zip(b"")
    assert is_zip(write(tmp_path, good, "renamed.txt"))
    assert not is_zip(write(tmp_path, b"hello", "fake.zip"))
    assert not is_zip(str(tmp_path / "missing.zip"))


def test_a_cohort_of_normal_zips_reads_quickly(tmp_path: Path) -> None:
    names = [f"src/module_{i}.py" for i in range(9)] + ["README.md"]
    archives = []
    for student in range(300):
        files = [(name, (f"# student {student}\n".encode() + GOOD_PY * 40)) for name in names]
        archives.append(write(tmp_path, zip_bytes(files), f"s{student}.zip"))
    started = time.perf_counter()
    total = sum(len(read_submission(path)) for path in archives)
    elapsed = time.perf_counter() - started
    assert total == 3000
    assert elapsed < 2.0  # about 0.2 s here; the margin is for slow CI machines


def test_a_file_left_unread_is_listed_in_the_report(tmp_path: Path) -> None:
    import json
    import zipfile

    from originality import CheckOptions, check

    path = tmp_path / "s1.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/zeros.bin", b"\0" * (3 * 1024 * 1024))
        archive.writestr("main.py", "def main(values):\n    return sorted(values)[::-1] + [len(values)]\n" * 5)
        # Skipped on a judgment about its content, which a copy could try to wear: listed too.
        archive.writestr("static/app.js", "/*! app v1 | (c) me | MIT license */\nfunction f(a) { return a; }\n")
    other = tmp_path / "s2.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("main.py", "print('hello')\n")
    [first, second] = json.loads(check([path, other], options=CheckOptions(workers=1)).to_json())["submissions"]
    assert [(u["file"], u["state"]) for u in first["unread"]] == [("data/zeros.bin", "too_large"),
                                                                 ("static/app.js", "skipped")]
    assert all(u["detail"] for u in first["unread"]) and "licence banner" in first["unread"][1]["detail"]
    assert second["unread"] == []
