"""Entries' profiles (``originality/profile.py``, ``archive/profiles.py``): what a check scores a
candidate by, stored when the entry is counted, so that it reads the units of the pairs it
aligns alone, with the same report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text

from originality.archive import Archive, compare, entries
from originality.check import load_submission
from originality.fingerprint import SymbolTable
from originality.options import CheckOptions
from originality.privacy.erasure import Removal, forget_fingerprints
from originality.profile import Profile
from originality.store.models import ArchiveEntry, EntryProfile, Submission
from tests.support import migrate
from tests.unit.test_archive import archive, scenario_zip  # noqa: F401  (the fixture)
from tests.unit.test_archive_stats import SCENARIOS, check_scores_as_over_the_whole_archive, imported


def profiled(archive: Archive) -> dict[str, bytes]:
    with archive.db.sessions() as session:
        return dict(session.execute(select(EntryProfile.submission_id, EntryProfile.data)).all())


def counted(archive: Archive) -> set[str]:
    with archive.db.sessions() as session:
        return set(session.scalars(select(ArchiveEntry.submission_id).where(ArchiveEntry.stats_group.is_not(None))))


def same(a: Profile, b: Profile) -> bool:
    arrays = ("bag", "bag_counts", "long", "pruned", "unpruned")
    return (all(np.array_equal(getattr(a, n), getattr(b, n)) for n in arrays)
            and (a.code_tokens, a.all_tokens, a.key) == (b.code_tokens, b.all_tokens, b.key))


def test_a_profile_holds_every_feature_of_its_units_and_survives_the_database(tmp_path: Path) -> None:
    loaded = load_submission(scenario_zip(tmp_path, "java_disguised"), CheckOptions(workers=1), SymbolTable(), "x")
    profile = Profile.of(loaded.units)
    assert np.array_equal(profile.bag, np.unique(np.concatenate([u.bag for u in loaded.units])))
    assert int(profile.bag_counts.sum()) == sum(len(u.bag) for u in loaded.units)
    assert np.array_equal(profile.long, np.unique(np.concatenate([u.prints.hashes for u in loaded.units])))
    assert len(profile.pruned)  # Java has pruned streams
    assert profile.all_tokens == sum(u.token_count for u in loaded.units) >= profile.code_tokens > 0
    assert same(Profile.from_bytes(profile.to_bytes()), profile)
    empty = Profile.of([])
    assert same(Profile.from_bytes(empty.to_bytes()), empty) and not len(empty.bag)
    # Pruned k-grams equal to the plain ones are read back as the plain array itself (a check
    # then looks them up once); of the same length but other values, as their own.
    def with_pruned(pruned: np.ndarray) -> Profile:
        return Profile.made(profile.bag, profile.bag_counts, profile.long, pruned, profile.unpruned,
                            profile.code_tokens, profile.all_tokens, profile.key)

    read = Profile.from_bytes(with_pruned(profile.long.copy()).to_bytes())
    assert read.pruned is read.long
    moved = np.unique(profile.long + np.uint64(1))
    read = Profile.from_bytes(with_pruned(moved).to_bytes())
    assert read.pruned is not read.long and np.array_equal(read.pruned, moved)
    # Stored as what the pruned streams change of the plain k-grams: fewer bytes than the arrays.
    whole = 8 * (len(profile.bag) + len(profile.long) + len(profile.pruned) + len(profile.unpruned))
    assert 0 < len(profile.pruned_lacks) + len(profile.pruned_adds) < len(profile.long) // 2
    assert len(profile.to_bytes()) < 80 + 4 * len(profile.bag) + whole * 0.7


@pytest.mark.parametrize("most", [1, 255, 256, 65_535, 65_536, 2**32 - 1])
def test_bag_counts_are_stored_as_narrow_as_they_fit_and_read_back_whole(tmp_path: Path, most: int) -> None:
    loaded = load_submission(scenario_zip(tmp_path, "java_disguised"), CheckOptions(workers=1), SymbolTable(), "x")
    profile = Profile.of(loaded.units)
    counts = np.minimum(profile.bag_counts, most)
    counts[len(counts) // 2] = most
    counted = Profile.made(profile.bag, counts, profile.long, profile.pruned, profile.unpruned,
                           profile.code_tokens, profile.all_tokens, profile.key)
    read = Profile.from_bytes(counted.to_bytes())
    assert same(read, counted) and int(read.bag_counts.max()) == most
    assert read.bag_counts.dtype.itemsize == (1 if most < 256 else 2 if most < 65_536 else 4)


def test_unpruned_kgrams_must_be_long_kgrams() -> None:
    long = np.array([3, 5, 9], dtype=np.uint64)
    with pytest.raises(ValueError):
        Profile.made(long, np.ones(3, dtype=np.int64), long, long, np.array([4], dtype=np.uint64), 1, 1, b"k" * 16)


def test_every_counted_entry_has_the_profile_of_its_stored_units_as_entries_come_and_go(
        archive: Archive, tmp_path: Path) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    assert set(profiled(archive)) == counted(archive) == set(ids.values())
    with archive.db.sessions() as session:
        units = entries.units_of(session, sorted(ids.values()))
    for sid, data in profiled(archive).items():
        assert same(Profile.from_bytes(data), Profile.of(units[sid]))
    with archive.db.session() as session:
        forget_fingerprints(session, session.get(Submission, ids["original"]), Removal())
    assert set(profiled(archive)) == counted(archive) == set(ids.values()) - {ids["original"]}
    archive.reindex("p")  # counted again from scratch: the same profiles
    assert set(profiled(archive)) == counted(archive)


def test_a_check_reads_the_units_of_the_pairs_it_aligns_alone(archive: Archive, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    read: list[str] = []
    real = entries.units_of

    def spy(session, wanted):  # type: ignore[no-untyped-def]
        read.extend(wanted)
        return real(session, wanted)

    monkeypatch.setattr(entries, "units_of", spy)
    # Two alignments for the upload, so that the other matches are scored and not aligned.
    monkeypatch.setattr(compare, "ALIGNED_PER_UPLOAD", 2)
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    report = archive.compare(upload, "p", None)
    aligned = {m["submission_id"] for m in report["matches"] if m["fragments"]}
    scored_only = {m["submission_id"] for m in report["matches"] if not m["fragments"]}
    assert aligned and scored_only
    assert set(read) == aligned
    monkeypatch.undo()
    # The same scores as a comparison over every entry's units.
    check_scores_as_over_the_whole_archive(archive, tmp_path, list(ids.values()))


def test_an_entry_counted_without_a_profile_is_scored_from_its_units(archive: Archive, tmp_path: Path) -> None:
    """A worker of the release before profiles (a rolling upgrade) counts an entry and writes
    none: a check makes it from the units, and the report is the same."""
    ids = imported(archive, tmp_path, SCENARIOS)
    upload = lambda: load_submission(scenario_zip(tmp_path, "reordered"), archive.options,  # noqa: E731
                                     SymbolTable(), "new")
    before = archive.compare(upload(), "p", None)
    with archive.db.session() as session:
        session.execute(text("DELETE FROM entry_profiles_v2 WHERE submission_id = :s"), {"s": ids["original"]})
    assert archive.compare(upload(), "p", None) == before


def test_migration_0020_counts_an_older_archive_again_with_its_profiles(archive: Archive, tmp_path: Path) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    upload = lambda: load_submission(scenario_zip(tmp_path, "reordered"), archive.options,  # noqa: E731
                                     SymbolTable(), "new")
    before, profiles = archive.compare(upload(), "p", None), profiled(archive)
    migrate(archive, "0019", down=True)
    migrate(archive, "head")
    assert profiled(archive) == {} and counted(archive) == set()
    assert archive.compare(upload(), "p", None) == before
    assert profiled(archive) == profiles and counted(archive) == set(ids.values())


def test_migration_0024_counts_an_archive_again_with_its_profiles_in_their_new_form(
        archive: Archive, tmp_path: Path) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    upload = lambda: load_submission(scenario_zip(tmp_path, "reordered"), archive.options,  # noqa: E731
                                     SymbolTable(), "new")
    before, profiles = archive.compare(upload(), "p", None), profiled(archive)
    migrate(archive, "0023", down=True)
    with archive.db.session() as session:  # what the release before wrote
        session.execute(text("INSERT INTO entry_profiles (submission_id, data) VALUES (:s, :d)"),
                        {"s": ids["original"], "d": b"older form"})
    migrate(archive, "head")
    with archive.db.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM entry_profiles")) == 0
    assert profiled(archive) == {}
    assert archive.compare(upload(), "p", None) == before
    assert profiled(archive) == profiles and counted(archive) == set(ids.values())


def test_a_profile_the_release_before_wrote_goes_with_its_entry(archive: Archive, tmp_path: Path) -> None:
    """A worker still on the release before (a rolling upgrade) writes its profiles to the
    older table: never read, but removed and exported with the entry's fingerprints."""
    from originality.privacy.export import export_student

    ids = imported(archive, tmp_path, SCENARIOS)
    with archive.db.session() as session:
        session.execute(text("INSERT INTO entry_profiles (submission_id, data) VALUES (:s, :d)"),
                        {"s": ids["original"], "d": b"older form"})
        student = session.get(Submission, ids["original"]).student_id
    exported = export_student(archive.db, student)["tables"]
    assert [row["submission_id"] for row in exported["entry_profiles"]] == [ids["original"]]
    assert [row["submission_id"] for row in exported["entry_profiles_v2"]] == [ids["original"]]
    with archive.db.session() as session:
        forget_fingerprints(session, session.get(Submission, ids["original"]), Removal())
    with archive.db.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM entry_profiles")) == 0
