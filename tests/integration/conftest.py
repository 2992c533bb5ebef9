"""What several integration modules share: one real redis-server for the session (each test
then takes its own database number or key prefix), and a throwaway PostgreSQL cluster per
module that asks for one (each test then takes a fresh database on it)."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.servers import PostgresCluster, RedisServer, pg_bindir


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``redis://127.0.0.1:PORT`` of a redis-server started for this session."""
    try:
        server = RedisServer(tmp_path_factory.mktemp("redis"))
    except FileNotFoundError as missing:
        pytest.skip(str(missing))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster started for the module (initdb, pg_ctl in a temporary
    directory, a free loopback port); skipped when no server binaries exist."""
    bindir = pg_bindir()
    if bindir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql"
        print(reason)
        pytest.skip(reason)
    cluster = PostgresCluster(bindir)
    cluster.create()
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove()


@pytest.fixture(scope="module")
def pg_url(pg_cluster: PostgresCluster) -> str:
    """The URL of the module's PostgreSQL cluster."""
    return pg_cluster.url


@pytest.fixture
def fresh_database(pg_url: str) -> Iterator[str]:
    """A fresh, empty database on the cluster, with no schema."""
    name = f"t{os.urandom(6).hex()}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield pg_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()
