"""The candidate index of prose: MinHash LSH over each submission's prose short k-grams, one per
project (code has its postings, ``archive/postings.py``).

The database keeps every archived submission's MinHash; the LSH is a derived structure that
``sync`` brings up to date from it, so it can always be rebuilt. Three storages, chosen by
``open_index``:

- SQL (the embedded default): the LSH's bands in the archive's own database (``lsh_buckets``),
  written in the transaction that archives the submission, so it persists and every process
  that opens the database shares it; a query is one ``IN`` over the sketch's band hashes.
- Redis (shared by every worker). Redis does not keep an LSH's parameters, and an index
  reopened with other parameters silently finds nothing, so the parameters are part of the key
  prefix and recorded beside it; datasketch's Redis bands get corrupted when two processes
  insert the same key, so inserts into a project happen under a Redis lock, and each key once.
  A Redis started again empty in the middle of a check is noticed by the instance's epoch
  (``RedisIndex``): the client reconnects on its own, so without it a check could read an
  emptied index, or record as members keys whose bands went with the old instance.
- In memory: rebuilt in each process on first use (tests, one-off runs).

All three band a sketch the way datasketch's ``MinHashLSH`` does for the same bands and number
of permutations, so they find the same candidates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import unquote, urlparse

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from ..errors import IndexLost
from ..fingerprint import sorted_distinct
from ..model import SegmentKind
from ..units import Unit
from .db import execute_rows
from .models import ArchiveEntry, LshBucket

log = logging.getLogger(__name__)

SCHEME = "affine32"
REDIS_PREFIX = "originality:lsh"
# A random value the first process to meet a Redis instance sets (``RedisIndex._epoch``).
EPOCH_KEY = f"{REDIS_PREFIX}:epoch"
# Members are recorded only while the instance is the one their bands went to; as one script,
# so that no restart falls between the test and the writes.
ADD_MEMBERS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1
"""
# Entries from which an insertion session's pipelines pay for the connections it opens.
# 16: a judgment, not measured; below it entries go through the project's own clients, since
# the session opened 129 Redis connections even for one entry (commit 174370a).
SESSION_FROM = 16
# How long a project's index lock is held at most and waited for: a judgment, not measured;
# one that outlives it is lost (``IndexLost``).
LOCK_SECONDS = 120
# Entries per query, keys per Redis command: well under every database's limit on bound
# parameters.
IN_BATCH = 500
# A bucket row, on the driver (``db.execute_rows``); a second process syncing the same entry
# at once adds nothing.
INSERT_BUCKETS = ("INSERT INTO lsh_buckets (project_id, params, bucket, submission_id) "
                  "VALUES ({0}, {0}, {0}, {0}) ON CONFLICT DO NOTHING")


def _low32(value: bytes) -> int:
    # Bag features are already well-mixed 64-bit hashes: their low 32 bits are hash enough.
    return int.from_bytes(value[:4], "little")


def minhash_of(units: list[Unit], num_perm: int, seed: int,
               without: np.ndarray | None = None) -> LeanMinHash:
    """The MinHash of a submission's prose: the distinct short k-grams of its prose units, less
    the sorted features ``without`` (the project's starter code: the score never counts it, so
    neither does the index, or every submission of a project with starter code is everyone's
    candidate). Empty (``is_empty``) without prose.

    Code has its own candidates (``archive/postings.py``): on code of one task nearly every
    pair shares short k-grams, so an LSH over them made nearly every entry a candidate
    (docs/benchmarks.md, "Candidate index")."""
    bags = [u.bag for u in units if u.kind is SegmentKind.PROSE]
    features = sorted_distinct(np.concatenate(bags)) if bags else np.zeros(0, dtype=np.uint64)
    if without is not None and len(without):
        features = np.setdiff1d(features, without, assume_unique=True)
    sketch = MinHash(num_perm=num_perm, seed=seed, hashfunc=_low32, scheme=SCHEME)
    if len(features):
        sketch.update_batch([bytes(x) for x in features.astype("<u8").view("V8")])
    return LeanMinHash(sketch)


def minhash_bytes(sketch: LeanMinHash) -> bytes:
    return np.asarray(sketch.hashvalues, dtype="<u4").tobytes()


def minhash_from_bytes(data: bytes, seed: int) -> LeanMinHash:
    return LeanMinHash(seed=seed, hashvalues=np.frombuffer(data, dtype="<u4"), scheme=SCHEME)


def empty_minhash_bytes(num_perm: int) -> bytes:
    """The stored MinHash of a submission without prose (every value the maximum)."""
    return b"\xff" * (4 * num_perm)


class CandidateIndex(ABC):
    """Which archived submissions of a project look similar enough to compare.

    It holds the entries with prose only: an empty sketch (code alone) is never queried (a
    check finds code by its postings) and is in no band with any prose, yet it took one row or
    set member per band, 128 of them: most of the index of a code project (docs/benchmarks.md,
    "One upload against a million prior submissions")."""

    def __init__(self, bands: int, num_perm: int, seed: int) -> None:
        self.bands, self.num_perm, self.seed = bands, num_perm, seed
        self.empty = empty_minhash_bytes(num_perm)

    def with_prose(self, entries: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        """The entries (id, MinHash bytes) that the index holds: those with a non-empty sketch."""
        return [(key, data) for key, data in entries if bytes(data) != self.empty]

    @property
    def params_digest(self) -> str:
        text = json.dumps({"bands": self.bands, "num_perm": self.num_perm, "seed": self.seed,
                           "scheme": SCHEME}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @abstractmethod
    def members(self, project: str) -> set[str]:
        """The submission ids the project's LSH holds."""

    @abstractmethod
    def insert_missing(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        """Insert those (id, minhash bytes) that are not in yet; returns how many went in."""

    @abstractmethod
    def query(self, project: str, sketch: LeanMinHash) -> set[str]:
        """Ids of the project's submissions whose sketch shares a band with this one."""

    @abstractmethod
    def clear(self, project: str) -> None:
        """Forget the project's LSH (``sync`` then rebuilds it from the database)."""

    def sync(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        """Bring the project's LSH up to date with the database's entries."""
        entries = self.with_prose(entries)
        held = self.members(project)
        missing = [(key, data) for key, data in entries if key not in held]
        return self.insert_missing(project, missing) if missing else 0

    def rebuild(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        """Replace the project's LSH by one of exactly ``entries``; returns how many."""
        self.clear(project)
        return self.insert_missing(project, entries)

    def lacking(self, session: Session, project: str) -> list[tuple[str, bytes]]:
        """The project's archive entries with prose (id, MinHash bytes) that the index does not
        hold."""
        ids = set(session.scalars(select(ArchiveEntry.submission_id).filter_by(project_id=project)
                                  .where(ArchiveEntry.minhash != self.empty)))
        missing = sorted(ids - self.members(project))
        rows: list[tuple[str, bytes]] = []
        for start in range(0, len(missing), IN_BATCH):
            rows.extend((r[0], r[1]) for r in session.execute(
                select(ArchiveEntry.submission_id, ArchiveEntry.minhash)
                .where(ArchiveEntry.submission_id.in_(missing[start : start + IN_BATCH]))))
        return sorted(rows)

    def stage(self, session: Session, project: str, sketches: Mapping[str, LeanMinHash]) -> None:
        """Index submissions (id -> sketch) inside the caller's transaction, when the index
        lives in the same database; the other storages catch up in ``sync`` once the entries
        are committed."""
        return None

    def _new_lsh(self, storage: dict | None = None) -> MinHashLSH:
        return MinHashLSH(num_perm=self.num_perm, params=(self.bands, self.num_perm // self.bands),
                          storage_config=storage)

    def close(self) -> None:
        return None


class MemoryIndex(CandidateIndex):
    """One in-memory LSH per project, filled from the database on first use."""

    def __init__(self, bands: int, num_perm: int, seed: int) -> None:
        super().__init__(bands, num_perm, seed)
        self._lsh: dict[str, MinHashLSH] = {}
        self._members: dict[str, set[str]] = {}

    def members(self, project: str) -> set[str]:
        return set(self._members.get(project, ()))

    def insert_missing(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        lsh = self._lsh.setdefault(project, self._new_lsh())
        held = self._members.setdefault(project, set())
        count = 0
        for key, data in self.with_prose(entries):
            if key not in held:
                lsh.insert(key, minhash_from_bytes(data, self.seed))
                held.add(key)
                count += 1
        return count

    def query(self, project: str, sketch: LeanMinHash) -> set[str]:
        lsh = self._lsh.get(project)
        return set(lsh.query(sketch)) if lsh is not None else set()

    def clear(self, project: str) -> None:
        self._lsh.pop(project, None)
        self._members.pop(project, None)


def _bucket(band: int, values: np.ndarray) -> int:
    """A band's bucket: a signed 64-bit hash of its number and its hash values."""
    digest = hashlib.blake2b(band.to_bytes(2, "little") + values.tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class SqlIndex(CandidateIndex):
    """The LSH in the archive's own database: persistent, and shared by every process that
    opens it, with no server besides the database.

    Each submission has one ``lsh_buckets`` row per band; the submissions sharing any of a
    sketch's buckets are its candidates, exactly those ``MinHashLSH.query`` would return.
    """

    def __init__(self, sessions: Callable[[], Session], bands: int, num_perm: int,
                 seed: int) -> None:
        super().__init__(bands, num_perm, seed)
        self._sessions = sessions
        # datasketch's optimal banding for these parameters, so every storage agrees.
        self.hashranges: list[tuple[int, int]] = self._new_lsh().hashranges
        # Per project, the seq up to which this process found every entry with prose indexed:
        # a sync then looks at the newer entries only. An entry is staged in the transaction
        # that archives it, and a rebuild leaves none out, so an older one cannot lack again
        # (erasure removes the entry with its buckets). The anti-join over every entry took
        # 0.67 s of each check at 100,000 entries (docs/benchmarks.md, "One upload against a
        # million prior submissions").
        self._indexed_upto: dict[str, int] = {}

    def buckets(self, hashvalues: np.ndarray) -> list[int]:
        values = np.asarray(hashvalues, dtype="<u4")
        return sorted({_bucket(band, values[start:end])
                       for band, (start, end) in enumerate(self.hashranges)})

    def _rows(self, project: str, key: str, hashvalues: np.ndarray) -> list[tuple[str, str, int, str]]:
        return [(project, self.params_digest, bucket, key) for bucket in self.buckets(hashvalues)]

    def stage(self, session: Session, project: str, sketches: Mapping[str, LeanMinHash]) -> None:
        execute_rows(session, INSERT_BUCKETS, [row for key, sketch in sketches.items() if not sketch.is_empty()
                                               for row in self._rows(project, key, sketch.hashvalues)])

    def members(self, project: str) -> set[str]:
        with self._sessions() as session:
            return set(session.scalars(select(LshBucket.submission_id).distinct().filter_by(
                project_id=project, params=self.params_digest)))

    def lacking(self, session: Session, project: str) -> list[tuple[str, bytes]]:
        latest = session.scalar(select(func.max(ArchiveEntry.seq)).where(ArchiveEntry.project_id == project))
        if latest is None:
            return []
        rows = self._lacking(session, project, self._indexed_upto.get(project, 0), latest)
        if not rows:
            self._indexed_upto[project] = latest
        return rows

    def _lacking(self, session: Session, project: str, after: int, upto: int | None) -> list[tuple[str, bytes]]:
        """The project's entries with prose of seq in (``after``, ``upto``] (no upper bound
        for None) not indexed."""
        # One anti-join in the database instead of both id sets in Python: usually empty.
        indexed = self._holds(ArchiveEntry.submission_id)
        where = [ArchiveEntry.project_id == project, ArchiveEntry.seq > after,
                 ArchiveEntry.minhash != self.empty, ~indexed]
        if upto is not None:
            where.append(ArchiveEntry.seq <= upto)
        rows = session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.minhash).where(*where))
        return sorted((r[0], r[1]) for r in rows)

    def insert_missing(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        entries = self.with_prose(entries)
        if not entries:
            return 0
        with self._sessions() as session:
            count = 0
            for key, data in entries:
                if session.scalar(select(self._holds(key))):
                    continue
                execute_rows(session, INSERT_BUCKETS, self._rows(project, key, np.frombuffer(data, dtype="<u4")))
                count += 1
            session.commit()
        return count

    def _holds(self, key: Any) -> Any:
        """Whether ``key`` (a value or a column) has buckets under these parameters."""
        return exists().where(LshBucket.submission_id == key,
                              LshBucket.params == self.params_digest)

    def query(self, project: str, sketch: LeanMinHash) -> set[str]:
        with self._sessions() as session:
            return set(session.scalars(select(LshBucket.submission_id).distinct().where(
                LshBucket.project_id == project, LshBucket.params == self.params_digest,
                LshBucket.bucket.in_(self.buckets(sketch.hashvalues)))))

    def clear(self, project: str) -> None:
        with self._sessions() as session:
            session.execute(delete(LshBucket).filter_by(project_id=project))
            session.commit()
        self._indexed_upto.pop(project, None)

    def rebuild(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        # One transaction: a check running meanwhile sees the old buckets or the new ones.
        count = 0
        with self._sessions() as session:
            session.execute(delete(LshBucket).filter_by(project_id=project))
            for key, data in self.with_prose(entries):
                execute_rows(session, INSERT_BUCKETS, self._rows(project, key, np.frombuffer(data, dtype="<u4")))
                count += 1
            # And any entry archived since ``entries`` were read (its staged buckets were just
            # deleted): other processes only look at entries newer than those they saw indexed.
            for key, data in self._lacking(session, project, 0, None):
                execute_rows(session, INSERT_BUCKETS, self._rows(project, key, np.frombuffer(data, dtype="<u4")))
            session.commit()
        return count


def redis_params(url: str) -> dict[str, object]:
    """``redis.Redis`` keyword arguments from a ``redis://`` URL (datasketch wants those)."""
    parsed = urlparse(url)
    params: dict[str, object] = {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or 6379,
                                 "db": int((parsed.path or "/0").lstrip("/") or 0)}
    if parsed.password:
        params["password"] = unquote(parsed.password)
    if parsed.username:
        params["username"] = unquote(parsed.username)
    return params


class RedisIndex(CandidateIndex):
    """The LSH in Redis, shared by every worker; membership kept in a Redis set per project.

    redis-py retries a command across a lost connection, so a Redis killed and started again
    empty within its retries is met silently, in the middle of a sync or between a sync and a
    query. The instance's epoch (``EPOCH_KEY``) tells: ``members`` notes the one its answer came
    from (per thread: the API checks in several), ``query`` raises ``IndexLost`` when the
    instance is not that one any more, and ``insert_missing`` records members only in the
    instance that holds their bands."""

    def __init__(self, url: str, bands: int, num_perm: int, seed: int) -> None:
        import redis

        super().__init__(bands, num_perm, seed)
        self._params = redis_params(url)
        self._redis = redis.Redis(**self._params)  # type: ignore[arg-type]
        self._lsh: dict[str, MinHashLSH] = {}
        self._seen = threading.local()  # the epoch of this thread's last ``members``
        self._add_members = self._redis.register_script(ADD_MEMBERS)
        self._redis.hset(f"{REDIS_PREFIX}:params", self.params_digest, json.dumps(
            {"bands": bands, "num_perm": num_perm, "seed": seed, "scheme": SCHEME}))

    def _prefix(self, project: str) -> str:
        digest = hashlib.sha256(project.encode()).hexdigest()[:16]
        return f"{REDIS_PREFIX}:{self.params_digest}:{digest}"

    def _project_lsh(self, project: str) -> MinHashLSH:
        lsh = self._lsh.get(project)
        if lsh is None:
            storage = {"type": "redis", "redis": self._params,
                       "basename": self._prefix(project).encode()}
            lsh = self._lsh[project] = self._new_lsh(storage)
        return lsh

    def _epoch(self) -> bytes:
        """The instance's epoch, set here if it has none (it was just started)."""
        self._redis.set(EPOCH_KEY, uuid.uuid4().hex, nx=True)
        epoch = self._redis.get(EPOCH_KEY)
        if epoch is None:
            raise IndexLost("the candidate index's Redis was started again during a check")
        return bytes(epoch)

    def members(self, project: str) -> set[str]:
        epoch = self._epoch()
        found = {m.decode() for m in self._redis.smembers(self._prefix(project) + ":members")}
        self._seen.epoch = epoch
        return found

    def insert_missing(self, project: str, entries: Iterable[tuple[str, bytes]]) -> int:
        from redis.exceptions import LockNotOwnedError

        try:
            return self._insert_locked(project, self.with_prose(entries))
        except LockNotOwnedError as lost:  # its key went with the instance, or it outlived LOCK_SECONDS
            raise IndexLost("the candidate index's lock was lost while submissions were being "
                            "indexed (Redis started again?)") from lost

    def _insert_locked(self, project: str, entries: list[tuple[str, bytes]]) -> int:
        lsh = self._project_lsh(project)
        members_key = self._prefix(project) + ":members"
        count = 0
        with self._redis.lock(self._prefix(project) + ":lock", timeout=LOCK_SECONDS,
                              blocking_timeout=LOCK_SECONDS):
            epoch = self._epoch()
            # datasketch's insertion session opens a Redis client, and so a connection, per
            # band: 129 connections for a check that enters one submission. A few entries go
            # through the project's own clients instead, one command per band.
            with (lsh.insertion_session() if len(entries) > SESSION_FROM
                  else contextlib.nullcontext(lsh)) as session:
                for key, data in entries:
                    if self._redis.sismember(members_key, key):
                        continue
                    session.insert(key, minhash_from_bytes(data, self.seed), check_duplication=False)
                    count += 1
            # Recorded after the session flushed: a key is a member only once its bands exist,
            # in the instance that holds them.
            keys = [key for key, _ in entries]
            for start in range(0, len(keys), IN_BATCH):
                if not self._add_members(keys=[EPOCH_KEY, members_key],
                                         args=[epoch, *keys[start : start + IN_BATCH]]):
                    raise IndexLost("the candidate index's Redis was started again while "
                                    "submissions were being indexed")
        return count

    def query(self, project: str, sketch: LeanMinHash) -> set[str]:
        """As the other storages; raises ``IndexLost`` when the Redis instance is no longer the
        one this thread's last ``members`` (its check's sync) read."""
        seen = getattr(self._seen, "epoch", None) or self._epoch()
        found = set(self._project_lsh(project).query(sketch))
        if self._redis.get(EPOCH_KEY) != seen:
            raise IndexLost("the candidate index's Redis was started again during a check")
        return found

    def clear(self, project: str) -> None:
        prefix = self._prefix(project)
        lock = prefix + ":lock"
        with self._redis.lock(lock, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
            keys = [k for k in self._redis.scan_iter(match=prefix + "*", count=1000)
                    if k != lock.encode()]
            for start in range(0, len(keys), IN_BATCH):
                self._redis.delete(*keys[start : start + IN_BATCH])
        self._lsh.pop(project, None)

    def close(self) -> None:
        self._redis.close()


def open_index(kind: str, redis_url: str, redis_url_given: bool, bands: int, num_perm: int,
               seed: int, sessions: Callable[[], Session] | None = None) -> CandidateIndex:
    """The index the settings ask for: "redis", "sql", "memory", or "auto" (Redis when its URL
    was given and it answers, else the database's own, ``sessions``; memory without one)."""

    def local() -> CandidateIndex:
        if sessions is None:
            return MemoryIndex(bands, num_perm, seed)
        return SqlIndex(sessions, bands, num_perm, seed)

    if kind == "memory":
        return MemoryIndex(bands, num_perm, seed)
    if kind == "sql":
        if sessions is None:
            raise ValueError("the sql index needs the database's sessions")
        return local()
    if kind == "auto" and not redis_url_given:
        return local()
    try:
        return RedisIndex(redis_url, bands, num_perm, seed)
    except Exception as error:  # redis missing or unreachable
        if kind == "redis":
            raise
        log.warning("Redis index unavailable (%s); using the database's own index", error)
        return local()
