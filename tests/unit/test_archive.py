"""The archive without a server: SQLite in a temporary directory, the in-memory LSH."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from sqlalchemy import func, select

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, ContentStore, unit_from_row, unit_row
from originality.errors import UploadTooLarge
from originality.check import load_submission
from originality.errors import UsageError
from originality.fingerprint import SymbolTable
from originality.options import CheckOptions
from originality.store.access import authenticate, create_token, token_digest
from originality.store.index import MemoryIndex, minhash_of
from originality.store.models import ArchiveEntry, JobStatus, Submission
from originality.store.settings import Settings


def scenario_zip(tmp_path: Path, name: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    path = tmp_path / f"{name}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory"))
    yield opened
    opened.close()


def add(archive: Archive, path: Path, student: str, project: str = "p", attempt: int = 1) -> str:
    from originality.archive import file_digest

    sha, size = file_digest(path)
    registered = archive.register(sha256=sha, size=size, project_id=project, student_id=student,
                                  attempt=attempt)
    assert archive.claim(registered.submission.id, 60)
    assert archive.process(registered.submission.id, source=path) == JobStatus.DONE
    return registered.submission.id


def test_a_copy_matches_its_original_and_an_own_attempt_is_listed_apart(archive: Archive,
                                                                        tmp_path: Path) -> None:
    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
    again = add(archive, scenario_zip(tmp_path, "renamed"), "alice", attempt=2)
    assert archive.report_of(original)["matches"] == []
    first_copy = archive.report_of(copy)["matches"]
    assert [m["submission_id"] for m in first_copy] == [original]
    assert first_copy[0]["similarity"] >= 0.95 and first_copy[0]["fragments"]
    report = archive.report_of(again)
    assert [m["student_id"] for m in report["matches"]] == ["mallory"]
    assert [m["submission_id"] for m in report["own_attempts"]] == [original]


def test_independent_work_in_another_project_is_never_compared(archive: Archive, tmp_path: Path) -> None:
    add(archive, scenario_zip(tmp_path, "original"), "alice", project="p1")
    other = add(archive, scenario_zip(tmp_path, "identical"), "bob", project="p2")
    assert archive.report_of(other)["matches"] == []


def test_registering_the_same_upload_twice_finds_the_first(archive: Archive) -> None:
    first = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s")
    second = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s")
    third = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s", attempt=2)
    assert first.created and not second.created and third.created
    assert second.submission.id == first.submission.id != third.submission.id


def test_entering_twice_indexes_once(archive: Archive, tmp_path: Path) -> None:
    path = scenario_zip(tmp_path, "original")
    submission_id = add(archive, path, "alice")
    submission = archive.get(submission_id)
    assert submission is not None
    loaded = load_submission(path, archive.options, SymbolTable(), submission_id)
    with archive.db.sessions() as session:
        first = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission_id))
    assert archive.enter(submission, loaded) == first
    with archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 1
    assert archive.index.members("p") == {submission_id}


def test_one_worker_at_a_time_holds_a_submission_until_its_lease_runs_out(archive: Archive) -> None:
    submission = archive.register(sha256="b" * 64, size=1, project_id="p", student_id="s").submission
    assert archive.claim(submission.id, 60)
    assert not archive.claim(submission.id, 60)
    assert archive.stuck(60) == []
    archive.renew(submission.id, -1)  # as if the worker died a while ago
    assert archive.stuck(60) == [submission.id]
    assert archive.claim(submission.id, 60)
    archive.finish(submission.id, JobStatus.DONE)
    assert not archive.claim(submission.id, 60)
    with archive.db.sessions() as session:
        assert session.get(Submission, submission.id).runs == 2  # type: ignore[union-attr]


def test_a_bomb_is_rejected_with_its_code(archive: Archive, tmp_path: Path) -> None:
    from fixtures import hostile

    path = tmp_path / "bomb.zip"
    path.write_bytes(hostile.overlap_bomb())
    registered = archive.register(sha256="c" * 64, size=1, project_id="p", student_id="s")
    assert archive.claim(registered.submission.id, 60)
    assert archive.process(registered.submission.id, source=path) == JobStatus.REJECTED
    stored = archive.get(registered.submission.id)
    assert stored is not None and stored.error() is not None
    assert stored.error()["code"] == "zip_bomb"  # type: ignore[index]


def test_units_survive_the_database_unchanged(tmp_path: Path) -> None:
    loaded = load_submission(scenario_zip(tmp_path, "original"), CheckOptions(workers=1), SymbolTable())
    for index, unit in enumerate(loaded.units):
        back = unit_from_row(unit_row("x", index, unit))
        assert back.path == unit.path and back.kind == unit.kind and back.k == unit.k
        for a, b in [(back.lines, unit.lines), (back.prints.hashes, unit.prints.hashes),
                     (back.prints.kept, unit.prints.kept), (back.bag, unit.bag)]:
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_the_lsh_finds_a_copy_and_not_an_unrelated_submission(tmp_path: Path) -> None:
    from originality.store.index import minhash_bytes

    options = CheckOptions(workers=1)
    units = {n: load_submission(scenario_zip(tmp_path, n), options, SymbolTable()).units
             for n in ("original", "partial_copy", "java_original")}
    index = MemoryIndex(0.1, 128, 1)
    index.sync("p", [(n, minhash_bytes(minhash_of(u, 128, 1))) for n, u in units.items()])
    assert index.sync("p", [("original", b"")]) == 0  # already there
    found = index.query("p", minhash_of(units["partial_copy"], 128, 1))
    assert {"original", "partial_copy"} <= found


def test_an_upload_over_the_cap_is_refused_and_not_kept(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "uploads")
    with pytest.raises(UploadTooLarge):
        store.put_stream(io.BytesIO(b"x" * 5000), 4096)
    assert list((tmp_path / "uploads" / "tmp").iterdir()) == []
    sha, size, path = store.put_stream(io.BytesIO(b"PK\x05\x06" + b"\0" * 18), 4096)
    assert size == 22 and path == store.path_of(sha) and path.read_bytes().startswith(b"PK")


def test_tokens_are_stored_as_digests(archive: Archive) -> None:
    token = create_token(archive.db, "assessor", "ada")
    principal = authenticate(archive.db, token)
    assert principal is not None and (principal.role, principal.name) == ("assessor", "ada")
    assert authenticate(archive.db, token + "x") is None
    assert authenticate(archive.db, "") is None
    assert token_digest(token) != token
    with pytest.raises(UsageError):
        create_token(archive.db, "admin", "root")


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"ORIGINALITY_DATA_DIR": "/srv/o", "ORIGINALITY_LEASE_SECONDS": "5",
                                  "ORIGINALITY_REDIS_URL": "redis://h:1/2"})
    assert settings.data_dir == Path("/srv/o") and settings.lease_seconds == 5.0
    assert settings.redis_url_given and settings.sqlalchemy_url == "sqlite:////srv/o/originality.db"
    assert not Settings.from_env({}).redis_url_given
    with pytest.raises(UsageError):
        Settings.from_env({"ORIGINALITY_LEASE_SECONDS": "soon"})
    with pytest.raises(UsageError):
        Settings(index="cassandra")


def test_the_migrations_match_the_models(archive: Archive) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from originality.store.models import Base

    with archive.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
