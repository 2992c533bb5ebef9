"""The candidate index in a real redis-server: entries inserted one check at a time and many
at once (a Redis started again empty, caught up from the database) are found alike, a
check's one entry goes through the index's own connections rather than new ones, and a Redis
started again empty in the middle of a check is noticed, not read as an empty index."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from originality.errors import IndexLost
from originality.store.index import RedisIndex, minhash_from_bytes
from originality.store.settings import LSH_BANDS, LSH_NUM_PERM, LSH_SEED
from tests.servers import RedisServer


def sketches(start: int, count: int) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(start)
    return [(f"s{start + i}", rng.integers(0, 2**32, LSH_NUM_PERM, dtype=np.uint64)
             .astype("<u4").tobytes()) for i in range(count)]


def connections(url: str) -> int:
    """Connections the server has accepted since it started."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_connections_received"]) - 1  # less this one
    finally:
        client.close()


@pytest.mark.timeout(60)
def test_entries_one_at_a_time_and_many_at_once_are_found_without_new_connections(
        redis_server: str) -> None:
    index = RedisIndex(f"{redis_server}/0", LSH_BANDS, LSH_NUM_PERM, LSH_SEED)
    project = f"index-{np.random.default_rng().integers(1 << 30)}"
    try:
        index.insert_missing(project, sketches(0, 1))  # the project's clients connect once
        before = connections(redis_server)
        for key, data in sketches(1, 5):  # five checks, one entry each
            assert index.insert_missing(project, [(key, data)]) == 1
        assert connections(redis_server) - before <= 2, "each check's entry opened connections"
        many = sketches(100, 40)  # past SESSION_FROM: an insertion session, as after a restart
        assert index.insert_missing(project, many) == 40
        assert index.insert_missing(project, many[:3]) == 0  # members already
        everything = sketches(0, 1) + sketches(1, 5) + many
        assert index.members(project) == {key for key, _ in everything}
        for key, data in everything:
            assert key in index.query(project, minhash_from_bytes(data, LSH_SEED))
    finally:
        index.clear(project)
        index.close()


@pytest.mark.timeout(60)
def test_an_entry_without_prose_is_not_held(redis_server: str) -> None:
    from originality.store.index import empty_minhash_bytes

    index = RedisIndex(f"{redis_server}/0", LSH_BANDS, LSH_NUM_PERM, LSH_SEED)
    project = f"index-{np.random.default_rng().integers(1 << 30)}"
    try:
        prose = sketches(0, 1)
        assert index.insert_missing(project, prose + [("code", empty_minhash_bytes(LSH_NUM_PERM))]) == 1
        assert index.members(project) == {"s0"}
        # No band of it was written: the project's keys are its members' set and prose's bands.
        import redis

        client = redis.Redis.from_url(redis_server)
        try:
            held = [k for k in client.scan_iter(match=f"{index._prefix(project)}*") if b"code" in k]
            values = [m for k in client.scan_iter(match=f"{index._prefix(project)}*")
                      if client.type(k) == b"set" for m in client.smembers(k)]
        finally:
            client.close()
        assert not held and b"code" not in values
    finally:
        index.clear(project)
        index.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, to be killed and started again."""
    try:
        server = RedisServer(tmp_path)
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def started_again(server: RedisServer) -> None:
    server.kill()
    server.start()


@pytest.mark.timeout(60)
def test_a_redis_started_again_between_a_sync_and_a_query_is_not_read_as_an_empty_index(
        own_redis: RedisServer) -> None:
    index = RedisIndex(f"{own_redis.url}/0", LSH_BANDS, LSH_NUM_PERM, LSH_SEED)
    try:
        entries = sketches(0, 3)
        index.insert_missing("p", entries)
        assert index.members("p") == {"s0", "s1", "s2"}  # the check's sync
        key, data = entries[0]
        assert key in index.query("p", minhash_from_bytes(data, LSH_SEED))
        started_again(own_redis)  # the client reconnects by itself: the query would find nothing
        with pytest.raises(IndexLost):
            index.query("p", minhash_from_bytes(data, LSH_SEED))
        # The check run again syncs into the new instance and finds its candidate.
        assert index.members("p") == set()
        assert index.insert_missing("p", entries) == 3
        assert key in index.query("p", minhash_from_bytes(data, LSH_SEED))
    finally:
        index.close()


@pytest.mark.timeout(60)
def test_a_redis_started_again_while_indexing_records_no_member_whose_bands_it_lost(
        own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    index = RedisIndex(f"{own_redis.url}/0", LSH_BANDS, LSH_NUM_PERM, LSH_SEED)
    try:
        lsh = index._project_lsh("p")
        insert = lsh.insert

        def insert_then_restart(key: str, *args: object, **kwargs: object) -> None:
            insert(key, *args, **kwargs)
            if key == "s1":  # its bands and s0's are in the instance about to go
                started_again(own_redis)

        monkeypatch.setattr(lsh, "insert", insert_then_restart)
        with pytest.raises(IndexLost):
            index.insert_missing("p", sketches(0, 3))
        # Before, s0 and s1 were recorded as members of the new, empty instance, so no sync
        # would ever put their bands back.
        assert index.members("p") == set()
    finally:
        index.close()
