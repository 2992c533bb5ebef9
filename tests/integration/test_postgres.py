"""The service on PostgreSQL: a throwaway cluster (initdb/pg_ctl in a temporary directory, on a
free loopback port) for this module; migrations, the archive and cases run on it exactly as on
SQLite. Skipped only when no PostgreSQL server binaries exist (``make test`` installs them)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, file_digest
from originality.store.models import JobStatus
from originality.store.settings import Settings


def pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = ([str(Path(found).parent)] if found else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = pg_bindir()
    if bindir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql"
        print(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="originality-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()

    def pg(*args: str) -> None:
        subprocess.run(run_as + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=root)

    try:
        pg(str(bindir / "initdb"), "-D", str(data), "-U", "originality", "-A", "trust",
           "-E", "UTF8", "--no-sync")
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
           "-t", "30", "-o", f"-c listen_addresses=127.0.0.1 -p {port} "
           f"-c unix_socket_directories={root} -c fsync=off", "start")
    except subprocess.CalledProcessError as error:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"cannot start PostgreSQL: {error.stderr!r}\n{log}") from error
    try:
        yield f"postgresql+psycopg://originality@127.0.0.1:{port}/postgres"
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(pg_url: str) -> Iterator[str]:
    """A fresh, empty database on the cluster for each test."""
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


def scenario_zip(tmp_path: Path, name: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    path = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


def add(archive: Archive, path: Path, student: str, project: str = "p",
        assessor: str | None = None) -> str:
    sha, size = file_digest(path)
    registered = archive.register(sha256=sha, size=size, project_id=project, student_id=student,
                                  assessor_id=assessor)
    assert archive.claim(registered.submission.id, 60)
    assert archive.process(registered.submission.id, source=path) == JobStatus.DONE
    return registered.submission.id


def test_the_migrations_apply_and_match_the_models(database: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from originality.store.models import Base

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                                    index="memory"))
    try:
        assert archive.db.engine.dialect.name == "postgresql"
        with archive.db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            tables = set(connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert diff == []
        assert set(Base.metadata.tables) | {"alembic_version"} == tables
    finally:
        archive.close()
    # Opening again finds the schema at head and changes nothing.
    Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                          index="memory")).close()


def test_a_copy_matches_its_original(database: str, tmp_path: Path) -> None:
    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                                    index="memory"))
    try:
        original = add(archive, scenario_zip(tmp_path, "original"), "alice")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
        assert archive.report_of(original)["matches"] == []
        matches = archive.report_of(copy)["matches"]
        assert [m["submission_id"] for m in matches] == [original]
        assert matches[0]["similarity"] >= 0.95 and matches[0]["fragments"]
        assert not archive.claim(copy, 60)  # done is done
    finally:
        archive.close()


def test_a_case_is_opened_and_confirmed_through_the_api(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import create_app
    from originality.store.access import create_token

    monkeypatch.delenv("ORIGINALITY_DATABASE_URL", raising=False)
    # A plain postgresql:// URL, as an operator would write it, means psycopg 3.
    plain = database.replace("postgresql+psycopg://", "postgresql://")
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": plain,
                      "INDEX": "memory", "REDIS_URL": "redis://127.0.0.1:9/0", "TESTING": True})
    archive: Archive = app.extensions["originality"]
    try:
        assert archive.db.engine.dialect.name == "postgresql"
        tokens = {role: create_token(archive.db, role, name)
                  for role, name in [("staff", "dean"), ("assessor", "ada")]}

        def post(url: str, body: dict[str, Any], role: str) -> Any:
            return client.post(url, json=body, headers={"Authorization": f"Bearer {tokens[role]}"})

        client = app.test_client()
        add(archive, scenario_zip(tmp_path, "original"), "alice", assessor="ada")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory", assessor="ada")
        report = client.get(f"/api/v1/submissions/{copy}/report",
                            headers={"Authorization": f"Bearer {tokens['staff']}"}).get_json()
        assert report["matches"]
        opened = post("/api/v1/cases", {"submission_id": copy, "stage": "creation",
                                        "note": "same code as alice"}, "assessor")
        assert opened.status_code == 201, opened.get_json()
        case = opened.get_json()
        assert case["status"] == "open" and case["evidence"] == report["matches"]
        assert post("/api/v1/cases", {"submission_id": copy, "stage": "creation", "note": "x"},
                    "assessor").status_code == 409
        confirmed = post(f"/api/v1/cases/{case['id']}/decision",
                         {"decision": "confirmed", "note": "clear copy"}, "staff")
        assert confirmed.status_code == 201, confirmed.get_json()
        body = confirmed.get_json()
        assert body["case"]["status"] == "confirmed"
        assert body["case"]["sanction"] == "written_warning"
        listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {tokens['staff']}"})
        assert listed.status_code == 200, listed.get_json()
    finally:
        archive.close()
