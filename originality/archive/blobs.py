"""The store of uploads (submissions' and starter code's ZIPs), named by their SHA-256.

Every API and worker machine must read what any of them received, so where the bytes live is
pluggable, chosen by :func:`open_blob_store` from the settings:

- ``LocalBlobStore``: files in a directory (``ORIGINALITY_DATA_DIR/uploads``), written whole
  then renamed; the default on SQLite, whose database lives on one machine anyway.
- ``DatabaseBlobStore``: rows of the database's ``blobs`` table; the default on PostgreSQL,
  which every machine already reaches, so nothing else needs sharing.

An upload is first spooled (:func:`spool`: hashed and measured as it arrives, refused past its
cap, kept in memory up to ``SPOOL_MEMORY`` bytes and in a temporary file beyond), so a store
only ever sees whole, named bytes, and a caller can look at them before they are kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Callable, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import BlobMissing, UsageError, UploadTooLarge
from ..store.models import BlobRow, utcnow
from ..store.settings import BLOB_STORES

# Bytes read per step while an upload is stored or copied: a judgment, not measured.
CHUNK = 1 << 16
# Uploads up to this size stay in memory while they arrive; larger ones go to a temporary file.
# A judgment, not measured: a typical deliverable is under 1 MiB, and a 50 MiB one (the cap)
# goes to disk (docs/benchmarks.md, "Uploads in the database").
SPOOL_MEMORY = 8 * 1024 * 1024


@dataclass
class Spooled:
    """An upload received whole: its digest, its size and its bytes (a file at position 0)."""

    sha256: str
    size: int
    file: IO[bytes]


@contextmanager
def spool(stream: BinaryIO, max_bytes: int) -> Iterator[Spooled]:
    """Read ``stream`` to its end, hashing as it goes; more than ``max_bytes`` raises
    UploadTooLarge, and nothing of it is kept after the block."""
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY) as held:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"the upload exceeds {max_bytes} bytes")
            digest.update(chunk)
            held.write(chunk)
        held.seek(0)
        yield Spooled(digest.hexdigest(), size, held)


class BlobStore(ABC):
    """Bytes named by their SHA-256: an upload stored twice takes space once."""

    @abstractmethod
    def put(self, blob: Spooled) -> None:
        """Keep the spooled bytes under their digest (nothing to do when already kept)."""

    @abstractmethod
    def get(self, sha256: str) -> bytes:
        """The bytes kept under ``sha256``; BlobMissing when there are none."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Forget ``sha256`` (nothing to do when it is not kept)."""

    @abstractmethod
    def digests(self) -> Iterator[str]:
        """Every digest kept, in no particular order."""

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Spool ``stream`` (UploadTooLarge past ``max_bytes``) and keep it; its digest and size."""
        with spool(stream, max_bytes) as blob:
            self.put(blob)
            return blob.sha256, blob.size


class LocalBlobStore(BlobStore):
    """Files under ``root``, two hex digits of fan-out, written whole then renamed, so a reader
    never sees half a file. Shared by other machines only if ``root`` is a shared mount."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.zip"

    def put(self, blob: Spooled) -> None:
        final = self.path_of(blob.sha256)
        if final.exists():
            return
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)
        try:
            with handle:
                blob.file.seek(0)
                shutil.copyfileobj(blob.file, handle, CHUNK)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(handle.name, final)
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)

    def get(self, sha256: str) -> bytes:
        try:
            return self.path_of(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(f"no upload {sha256} in {self.root}") from None

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        for path in self.root.glob("??/*.zip"):
            yield path.stem


class DatabaseBlobStore(BlobStore):
    """Rows of the ``blobs`` table: every machine that reaches the database reads them, and a
    database backup holds the uploads with the rest."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def put(self, blob: Spooled) -> None:
        if self.exists(blob.sha256):
            return
        blob.file.seek(0)
        with self.sessions() as session:
            session.add(BlobRow(sha256=blob.sha256, size=blob.size, data=blob.file.read(),
                                created_at=utcnow()))
            try:
                session.commit()
            except IntegrityError:  # the same bytes, kept by another request meanwhile
                session.rollback()

    def get(self, sha256: str) -> bytes:
        with self.sessions() as session:
            data = session.scalar(select(BlobRow.data).where(BlobRow.sha256 == sha256))
        if data is None:
            raise BlobMissing(f"no upload {sha256} in the database")
        return bytes(data)

    def exists(self, sha256: str) -> bool:
        with self.sessions() as session:
            return session.scalar(select(BlobRow.sha256).where(BlobRow.sha256 == sha256)) is not None

    def delete(self, sha256: str) -> None:
        with self.sessions() as session:
            row = session.get(BlobRow, sha256)
            if row is not None:
                session.delete(row)
                session.commit()

    def digests(self) -> Iterator[str]:
        with self.sessions() as session:
            yield from session.scalars(select(BlobRow.sha256)).all()


def blob_store_kind(kind: str, database_url: str) -> str:
    """What "auto" means for this database: the database itself when it is a server every
    machine reaches (PostgreSQL), else the local directory."""
    if kind not in BLOB_STORES:
        raise UsageError(f"blob_store must be one of {', '.join(BLOB_STORES)}, got {kind!r}")
    if kind == "auto":
        return "database" if database_url.startswith(("postgresql", "postgres:")) else "local"
    return kind


def open_blob_store(kind: str, database_url: str, uploads_dir: Path,
                    sessions: Callable[[], Session]) -> BlobStore:
    """The store the settings ask for: "local", "database", or "auto" (see blob_store_kind)."""
    if blob_store_kind(kind, database_url) == "database":
        return DatabaseBlobStore(sessions)
    return LocalBlobStore(uploads_dir)


def copy_blobs(source: BlobStore, target: BlobStore) -> tuple[int, int]:
    """Copy into ``target`` what it lacks of ``source`` (moving a deployment from the local
    store to the database's); returns (copied, already there)."""
    copied = present = 0
    for sha256 in source.digests():
        if target.exists(sha256):
            present += 1
            continue
        data = source.get(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise UsageError(f"the stored upload {sha256} does not have that digest: not copied")
        target.put(Spooled(sha256, len(data), io.BytesIO(data)))
        copied += 1
    return copied, present


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a ZIP, or of a directory's files (paths and bytes, sorted)."""
    digest = hashlib.sha256()
    if path.is_dir():
        size = 0
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            data = file.read_bytes()
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
            size += len(data)
        return digest.hexdigest(), size
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size
