"""The blob store of uploads: a local directory or the database, chosen from the settings;
the database side on SQLite here (PostgreSQL in tests/integration)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Iterator

import pytest

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import (Archive, BlobStore, DatabaseBlobStore, LocalBlobStore,
                                 copy_blobs, open_blob_store)
from originality.errors import BlobMissing, NotAnArchive, UploadTooLarge, UsageError
from originality.store.models import JobStatus
from originality.store.settings import Settings

ZIP = zip_bytes(scenarios.submission_files([s for s in scenarios.SCENARIOS if s.id == "original"][0]))


@pytest.fixture
def database_archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory", blob_store="database"))
    yield opened
    opened.close()


@pytest.fixture(params=["local", "database"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "uploads")
        return
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory", blob_store="database"))
    assert isinstance(opened.store, DatabaseBlobStore)
    yield opened.store
    opened.close()


def test_bytes_put_are_read_back_by_their_digest_and_kept_once(store: BlobStore) -> None:
    sha, size = store.put_stream(io.BytesIO(ZIP), 10**7)
    assert (sha, size) == (hashlib.sha256(ZIP).hexdigest(), len(ZIP))
    assert store.put_stream(io.BytesIO(ZIP), 10**7) == (sha, size)
    assert store.get(sha) == ZIP and store.exists(sha)
    assert list(store.digests()) == [sha]
    store.delete(sha)
    assert not store.exists(sha) and list(store.digests()) == []
    store.delete(sha)  # nothing there: nothing to do
    with pytest.raises(BlobMissing, match=sha):
        store.get(sha)


def test_an_upload_over_the_cap_is_refused_and_nothing_is_kept(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(UploadTooLarge):
        store.put_stream(io.BytesIO(b"x" * 5000), 4096)
    assert list(store.digests()) == []
    if isinstance(store, LocalBlobStore):
        assert not (tmp_path / "uploads" / "tmp").exists() or \
            list((tmp_path / "uploads" / "tmp").iterdir()) == []


def test_an_upload_larger_than_memory_spooling_comes_back_whole(store: BlobStore,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from originality.archive import blobs

    monkeypatch.setattr(blobs, "SPOOL_MEMORY", 1024)  # spooled to a temporary file past 1 KiB
    data = bytes(range(256)) * 200
    sha, size = store.put_stream(io.BytesIO(data), 10**7)
    assert size == len(data) and store.get(sha) == data


@pytest.mark.parametrize(("kind", "url", "expected"), [
    ("auto", "sqlite:////tmp/x.db", LocalBlobStore),
    ("auto", "postgresql+psycopg://u@h/db", DatabaseBlobStore),
    ("auto", "postgres://u@h/db", DatabaseBlobStore),
    ("database", "sqlite:////tmp/x.db", DatabaseBlobStore),
    ("local", "postgresql://u@h/db", LocalBlobStore),
])
def test_the_store_follows_the_settings_and_auto_follows_the_database(
        kind: str, url: str, expected: type, tmp_path: Path) -> None:
    assert isinstance(open_blob_store(kind, url, tmp_path, lambda: None), expected)  # type: ignore[arg-type, return-value]


def test_an_unknown_store_is_refused_with_the_choices() -> None:
    with pytest.raises(UsageError, match="blob_store must be one of auto, local, database"):
        Settings(blob_store="s3")
    assert Settings.from_env({"ORIGINALITY_BLOB_STORE": "database"}).blob_store == "database"


def test_an_upload_kept_in_the_database_is_checked_with_nothing_on_disk(
        database_archive: Archive, tmp_path: Path) -> None:
    """What a worker on another machine does: the upload comes from the database alone."""
    ids = []
    for student in ("alice", "mallory"):
        sha, size = database_archive.store.put_stream(io.BytesIO(ZIP), 10**7)
        registered = database_archive.register(sha256=sha, size=size, project_id="p",
                                               student_id=student)
        assert database_archive.claim(registered.submission.id, 60)
        assert database_archive.process(registered.submission.id) == JobStatus.DONE
        ids.append(registered.submission.id)
    [match] = database_archive.report_of(ids[1])["matches"]
    assert match["submission_id"] == ids[0] and match["similarity"] >= 0.95
    assert not (tmp_path / "data" / "uploads").exists()


def test_starter_code_lives_in_the_blob_store_and_a_lost_one_fails_the_check(
        database_archive: Archive) -> None:
    starter = zip_bytes({p: t.encode() for p, t in scenarios.BASE_FILES.items()})
    sha, size = database_archive.store.put_stream(io.BytesIO(starter), 10**7)
    assert database_archive.set_starter("p", sha, size, set_by="test")["files"] > 0
    database_archive.store.delete(sha)
    database_archive._starters.clear()  # as in a process that has not read it yet
    with pytest.raises(BlobMissing, match="the starter code of project p is missing"):
        database_archive.starter_code("p")


def test_a_refused_starter_is_not_kept(database_archive: Archive) -> None:
    sha, size = database_archive.store.put_stream(io.BytesIO(b"not a zip at all"), 10**7)
    with pytest.raises(NotAnArchive, match="not a ZIP"):
        database_archive.set_starter("p", sha, size)
    assert not database_archive.store.exists(sha)


def test_copying_the_local_uploads_into_the_database_is_idempotent(
        database_archive: Archive, tmp_path: Path) -> None:
    local = LocalBlobStore(tmp_path / "old-uploads")
    shas = [local.put_stream(io.BytesIO(data), 10**7)[0] for data in (ZIP, b"PK\x05\x06" + b"\0" * 18)]
    assert copy_blobs(local, database_archive.store) == (2, 0)
    assert copy_blobs(local, database_archive.store) == (0, 2)
    assert database_archive.store.get(shas[0]) == ZIP
    # A file whose bytes are not those its name says is refused rather than spread.
    bad = "f" * 64
    local.path_of(bad).parent.mkdir(parents=True)
    local.path_of(bad).write_bytes(b"something else")
    with pytest.raises(UsageError, match="does not have that digest"):
        copy_blobs(local, database_archive.store)
    assert not database_archive.store.exists(bad)
