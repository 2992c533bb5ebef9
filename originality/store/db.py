"""Database engine, sessions and migrations.

SQLite (the embedded default) is opened in WAL mode with a generous busy timeout, because the
API, several workers and the CLI write to one file. Migrations (Alembic, in ``migrations/``
here) run in one transaction under a lock, so two processes (or machines) upgrading at once
take turns and the second finds nothing to do: a PostgreSQL advisory lock, which every machine
sees, or for SQLite, whose file lives on one machine, a file lock beside it. Who migrates is
the settings' choice (``Settings.migrate_at_start``); a process that does not migrate checks
that the schema is not behind its code (:func:`require_current`).

``transaction_lock`` serialises the transactions that name the same key: on PostgreSQL with
an advisory lock held until commit; SQLite needs none, since it lets one writer in at a time.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import Engine, create_engine, event, func, text
from sqlalchemy.orm import Session, sessionmaker

from ..errors import SchemaOutOfDate

MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite connection waits for another's write lock before it fails, and how long a
# PostgreSQL connection may take to open (``make_engine``): judgments, not measured.
SQLITE_BUSY_SECONDS = 60
CONNECT_SECONDS = 10


def normalise_url(url: str) -> str:
    """``postgresql://`` (and Heroku-style ``postgres://``) mean psycopg 3, the driver the
    ``service`` extra installs; SQLAlchemy alone would look for psycopg2."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite:///"):  # a file: its directory may not exist yet
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
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
    # A database host that does not answer must fail a readiness probe or a start in seconds,
    # not hang on the operating system's TCP timeout.
    connect_args = {"connect_timeout": CONNECT_SECONDS} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine, lock_dir: Path) -> tuple[str | None, str]:
    """Bring the schema up to date (Alembic ``upgrade head``), one process at a time; returns
    the revision found and the one reached."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            # Held until this transaction ends; PostgreSQL's DDL is transactional, so a second
            # machine waits here and then finds the schema at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(MIGRATE_LOCK)})
            before = _current(connection)
            _upgrade(engine, connection)
        return before, head_revision()
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.begin() as connection:
                before = _current(connection)
                _upgrade(engine, connection)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return before, head_revision()


# The advisory lock key of migrations (any key other transactions never take).
MIGRATE_LOCK = "originality:migrate"


def _upgrade(engine: Engine, connection: Any) -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Any) -> str | None:
    from alembic.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()  # type: ignore[no-any-return]


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    """This version's head revision and every revision it knows (read once: the readiness
    probe asks at every call)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head, frozenset(r.revision for r in script.walk_revisions())


def head_revision() -> str:
    """The newest revision this version's migrations know."""
    return _revisions()[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None for an empty database."""
    with engine.connect() as connection:
        return _current(connection)


def require_current(engine: Engine) -> None:
    """Refuse a schema this version would misread: empty, or at an older revision. A newer one
    (a later release upgraded it first, as in a rolling deployment) is accepted: a release's
    migrations keep the previous release working (docs/deploy.md, "Upgrading")."""
    found = current_revision(engine)
    head, known = _revisions()
    if found == head:
        return
    if found is None or found in known:
        where = f"is at {found}" if found else "has no tables yet"
        raise SchemaOutOfDate(f"the database schema {where} and this version needs {head}: "
                              "run `originality db upgrade` once, then start the service")


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
    """An engine and its session factory; ``migrate_now`` upgrades the schema first, else the
    schema must already be current (:func:`require_current`) unless ``require_schema`` is
    False (a caller that reports the schema itself, as the API's readiness probe does)."""

    def __init__(self, url: str, data_dir: Path, migrate_now: bool = True,
                 require_schema: bool = True) -> None:
        self.engine = make_engine(url)
        try:
            if migrate_now:
                migrate(self.engine, data_dir)
            elif require_schema:
                require_current(self.engine)
        except BaseException:
            self.engine.dispose()  # a refused database leaves no connection behind
            raise
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


# Values looked up per statement by ``rows_in``.
# A judgment, not measured (the statistics' own lookups took as many before ``rows_in``): a
# check's thousands of features in a few statements, one parameter each on SQLite.
IN_BATCH = 5000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def unindexed(column: Any) -> Any:
    """``column`` as a value no index serves (``coalesce`` of a column that is never NULL), for
    a condition that must only filter: SQLite keeps no statistics unless ``ANALYZE`` runs, and
    would otherwise start from the submissions' status index (nearly every row is done) instead
    of the few rows the query is about."""
    return func.coalesce(column, "")


def execute_rows(session: Session, sql: str, rows: list[tuple[Any, ...]] | tuple[Any, ...]) -> None:
    """``sql`` (``{0}`` for each parameter) on the driver, once with a tuple of values, or as an
    executemany with a list of tuples; one statement for SQLite and PostgreSQL alike. The hot
    writes of archiving take this path: through the ORM's bulk insert or SQLAlchemy's parameter
    handling, building the rows cost more than writing them (docs/benchmarks.md, "Bulk import")."""
    if isinstance(rows, list) and not rows:
        return
    connection = session.connection()
    connection.exec_driver_sql(sql.format(_PLACEHOLDERS[connection.dialect.paramstyle]), rows)


def driver_rows(session: Session, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``{0}`` for each parameter) as plain tuples, on the driver's cursor:
    SQLAlchemy's rows cost more than reading them where a check reads tens of thousands."""
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.format(_PLACEHOLDERS[connection.dialect.paramstyle]), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def rows_in(session: Session, sql: str, params: tuple[Any, ...], values: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` for every value of ``values``, a batch at a time, on the driver's
    cursor: ``{p}`` in ``sql`` stands for each of ``params``, ``{in_}`` for membership in the
    batch (one parameter per value on SQLite, one array on PostgreSQL). A check looks up
    thousands of features; an ORM ``IN`` compiled per batch cost more than the lookups
    (docs/benchmarks.md, "Archive check as the archive grows")."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    found: list[tuple[Any, ...]] = []
    try:
        for start in range(0, len(values), IN_BATCH):
            part = values[start:start + IN_BATCH]
            if postgres:
                cursor.execute(sql.format(p="%s", in_="= ANY(%s)"), (*params, part))
            else:
                cursor.execute(sql.format(p="?", in_=f"IN ({','.join('?' * len(part))})"), (*params, *part))
            found.extend(cursor.fetchall())
    finally:
        cursor.close()
    return found
