"""Database engine, sessions and migrations.

SQLite (the embedded default) is opened in WAL mode with a generous busy timeout, because the
API, several workers and the CLI write to one file. Migrations (Alembic, in ``migrations/``
here) are applied by whoever opens the database first; a file lock in the data directory keeps
two processes starting together from racing on an empty database.

``transaction_lock`` serialises the transactions that name the same key: on PostgreSQL with
an advisory lock held until commit; SQLite needs none, since it lets one writer in at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_SECONDS = 60


def normalise_url(url: str) -> str:
    """``postgresql://`` (and Heroku-style ``postgres://``) mean psycopg 3, the driver the
    ``service`` extra installs; SQLAlchemy alone would look for psycopg2."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, lock_dir: Path) -> None:
    """Bring the schema up to date (Alembic ``upgrade head``), one process at a time."""
    from alembic import command

    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.begin() as connection:
                config = alembic_config(engine.url.render_as_string(hide_password=False))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def lock_id(key: str) -> int:
    """A stable signed 64-bit number for ``key``: what ``pg_advisory_xact_lock`` takes."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def transaction_lock(session: Session, key: str) -> None:
    """Hold a lock on ``key`` until the session's transaction ends (commit or rollback).

    PostgreSQL hands out sequence numbers before commit, so two transactions can commit in
    the opposite order of their numbers; taking this lock first makes them run one after the
    other. SQLite takes its single writer lock at the first write and keeps it until commit,
    which orders writers already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(key)})


class Database:
    """An engine and its session factory, migrated on first use."""

    def __init__(self, url: str, data_dir: Path, migrate_now: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url)
        if migrate_now:
            migrate(self.engine, data_dir)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
