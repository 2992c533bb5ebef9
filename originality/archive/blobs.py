"""The shared store of uploads: ZIPs named by their SHA-256, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from ..errors import UploadTooLarge

CHUNK = 8192


class ContentStore:
    """Files named by the SHA-256 of their bytes: an upload stored twice takes space once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.zip"

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int, Path]:
        """Copy ``stream`` in, hashing as it goes; more than ``max_bytes`` raises UploadTooLarge."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)
        try:
            with handle:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(f"the upload exceeds {max_bytes} bytes")
                    digest.update(chunk)
                    handle.write(chunk)
            sha = digest.hexdigest()
            final = self.path_of(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(handle.name, final)
            return sha, size, final
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)


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
