"""What keeping uploads in the database costs: the blob store's put (what the API does before it
answers 202) and get (what a worker does before it unpacks), local directory vs database.

    .venv/bin/python benchmarks/blob_store.py --database-url postgresql://user@host/db

The database must be one the schema can be brought to head in (a scratch one): the script
migrates it, writes incompressible blobs (as ZIPs are) of each size, reads them back, and
deletes what it wrote. Prints the median of ``--repeat`` runs per size and store.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

from originality.archive import BlobStore, DatabaseBlobStore, LocalBlobStore
from originality.store.db import Database

SIZES_MIB = (1, 10, 50)


def measure(store: BlobStore, size: int, repeat: int) -> tuple[float, float]:
    """Median seconds of put_stream and of get for fresh random blobs of ``size`` bytes."""
    puts, gets = [], []
    for _ in range(repeat):
        data = os.urandom(size)  # fresh bytes: a repeated blob would be found, not written
        start = time.perf_counter()
        sha, _ = store.put_stream(io.BytesIO(data), size)
        puts.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert store.get(sha) == data
        gets.append(time.perf_counter() - start)
        store.delete(sha)
    return statistics.median(puts), statistics.median(gets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("ORIGINALITY_DATABASE_URL", ""),
                        help="a scratch PostgreSQL database (default: $ORIGINALITY_DATABASE_URL)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url is required")

    with tempfile.TemporaryDirectory(prefix="originality-blobs-") as tmp:
        db = Database(args.database_url, Path(tmp), migrate_now=True)
        stores: dict[str, BlobStore] = {"local": LocalBlobStore(Path(tmp) / "uploads"),
                                        db.engine.dialect.name: DatabaseBlobStore(db.sessions)}
        print(f"{'store':<12}{'MiB':>5}{'put ms':>10}{'get ms':>10}{'put MiB/s':>11}")
        try:
            for mib in SIZES_MIB:
                for name, store in stores.items():
                    put, get = measure(store, mib << 20, args.repeat)
                    print(f"{name:<12}{mib:>5}{put * 1000:>10.1f}{get * 1000:>10.1f}"
                          f"{mib / put:>11.0f}")
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
