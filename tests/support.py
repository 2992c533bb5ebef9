"""What the tests share: fixture scenarios as uploads, entered into an archive as a worker
would, the Flask app on a fresh SQLite database with a token per role, and the plans SQLite
runs an archive's statements with.

Import it as ``from tests.support import ...`` (pytest puts the repository root on the path)."""

from __future__ import annotations

import itertools
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, TypeVar

import pytest
from sqlalchemy import event, update
from flask import Flask
from flask.testing import FlaskClient

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, file_digest
from originality.store.access import create_token
from originality.store.models import JobStatus, Submission

# (key in ServiceApp.tokens, role, name): the names the tests expect to see in the pages.
ROLES = [("platform", "platform", "lms"), ("staff", "staff", "dean"),
         ("assessor", "assessor", "ada"), ("other_assessor", "assessor", "bob")]

# Databases of the session's redis-server (tests/integration/conftest.py): one per test that
# runs a stack of its own (test_service.py takes one each).
REDIS_DATABASES = 64

_uploads = itertools.count(1)


def free_port() -> int:
    """A loopback TCP port nothing listens on now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scenario_files(name: str) -> dict[str, bytes]:
    """The files of the fixture scenario with this id."""
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    return scenarios.submission_files(found)


def write_upload(folder: Path, files: dict[str, bytes]) -> Path:
    """These files as a ZIP under a fresh name in ``folder``."""
    path = folder / f"upload-{next(_uploads)}.zip"
    path.write_bytes(zip_bytes(files))
    return path


def enter_checked(archive: Archive, path: Path, *, student: str, project: str, attempt: int = 1,
                  assessor: str | None = "ada", check: bool = True,
                  expect: str | None = JobStatus.DONE) -> str:
    """Register the ZIP at ``path`` and, with ``check``, claim and process it as a worker would;
    the outcome must be ``expect`` unless that is None. Returns the submission's id."""
    sha, size = file_digest(path)
    registered = archive.register(sha256=sha, size=size, project_id=project, student_id=student,
                                  attempt=attempt, assessor_id=assessor)
    submission_id = registered.submission.id
    if check:
        assert archive.claim(submission_id, 60)
        outcome = archive.process(submission_id, source=path)
        if expect is not None:
            assert outcome == expect
    return submission_id


class ServiceApp:
    """The app on a fresh database in ``root``, with a token per role and a way to add work."""

    # What processing an added submission must come to; None asserts nothing.
    expect: str | None = JobStatus.DONE

    def __init__(self, root: Path) -> None:
        from api import create_app

        # REDIS_URL points nowhere on purpose: these tests need no broker, and a webhook that
        # cannot be queued must not block a decision.
        self.root = root
        self.app: Flask = create_app({"DATA_DIR": str(root / "data"), "INDEX": "memory",
                                      "REDIS_URL": "redis://127.0.0.1:9/0", "TESTING": True})
        self.client: FlaskClient = self.app.test_client()
        self.archive: Archive = self.app.extensions["originality"]
        self.tokens = {key: create_token(self.archive.db, role, name) for key, role, name in ROLES}

    def headers(self, role: str | None) -> dict[str, str]:
        """The bearer header of this role's token; none without a role."""
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def get(self, url: str, role: str | None = "staff") -> Any:
        return self.client.get(url, headers=self.headers(role))

    def set_starter(self, project: str = "p1") -> None:
        """The fixtures' starter code as the project's, as the school sets it before uploads."""
        path = write_upload(self.root, {p: t.encode() for p, t in scenarios.BASE_FILES.items()})
        with open(path, "rb") as handle:
            sha, size = self.archive.store.put_stream(handle, 10**7)
        self.archive.set_starter(project, sha, size, name="starter.zip", set_by="dean")

    def add(self, scenario: str, student: str, project: str = "p1", *, attempt: int = 1,
            assessor: str | None = "ada", check: bool = True) -> str:
        """A submission of a fixture scenario, checked as a worker would (unless not ``check``)."""
        return self.add_files(scenario_files(scenario), student, project, attempt=attempt,
                              assessor=assessor, check=check)

    def add_files(self, files: dict[str, bytes], student: str, project: str = "p1", *,
                  attempt: int = 1, assessor: str | None = "ada", check: bool = True) -> str:
        return self.process(write_upload(self.root, files), student, project, attempt=attempt,
                            assessor=assessor, check=check)

    def process(self, path: Path, student: str, project: str = "p1", *, attempt: int = 1,
                assessor: str | None = "ada", check: bool = True) -> str:
        return enter_checked(self.archive, path, student=student, project=project,
                             attempt=attempt, assessor=assessor, check=check, expect=self.expect)

    def close(self) -> None:
        self.archive.close()


App = TypeVar("App", bound=ServiceApp)


def running(cls: type[App], root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """For a ``service`` fixture: ``yield from running(Service, tmp_path, monkeypatch)``. The
    app is on SQLite in ``root`` whatever ORIGINALITY_DATABASE_URL says; closed afterwards."""
    monkeypatch.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    built = cls(root)
    try:
        yield built
    finally:
        built.close()


@contextmanager
def sqlite_plans(archive: Archive) -> Iterator[dict[str, str]]:
    """The statements the archive runs on its SQLite database inside the block, each with the
    plan SQLite chooses for it (``EXPLAIN QUERY PLAN``, its steps joined by "; "): filled when
    the block ends. SQLite keeps no statistics unless ``ANALYZE`` runs, which the product never
    runs, so these are the plans it runs with."""
    statements: list[str] = []
    engine = archive.db.engine

    def traced(connection: Any, record: Any) -> None:
        connection.set_trace_callback(statements.append)

    engine.dispose()  # the connections made from here on trace what they run
    event.listen(engine, "connect", traced)
    plans: dict[str, str] = {}
    try:
        yield plans
    finally:
        event.remove(engine, "connect", traced)
        engine.dispose()
        raw = engine.raw_connection()
        try:
            for sql in statements:
                if sql.lstrip().upper().startswith("SELECT"):
                    steps = raw.driver_connection.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
                    plans[sql] = "; ".join(str(step[3]) for step in steps)
        finally:
            raw.close()


def migrate(archive: Archive, target: str, *, down: bool = False) -> None:
    """Take the archive's database up (or ``down``) to the revision ``target``."""
    from alembic import command

    from originality.store.db import alembic_config

    with archive.db.engine.begin() as connection:
        config = alembic_config(archive.db.engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def fail_check(archive: Archive, submission_id: str, message: str = "test") -> None:
    """Leave a checked submission as a check that failed leaves it (``failed``, with an
    ``internal_error``), so that it can be run again: a shortcut, since only an unfinished
    check can fail (``Archive.finish`` ends a check once)."""
    with archive.db.session() as session:
        session.execute(update(Submission).where(Submission.id == submission_id).values(
            status=JobStatus.FAILED, error_code="internal_error", error_message=message,
            lease_until=None))
