"""The service on PostgreSQL: a throwaway cluster (initdb/pg_ctl in a temporary directory, on a
free loopback port; conftest.py's ``pg_url``) for this module; migrations, the archive and cases
run on it exactly as on SQLite. Skipped only when no PostgreSQL server binaries exist (``make
test`` installs them)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, file_digest
from originality.store.models import JobStatus
from originality.store.settings import Settings


@pytest.fixture
def database(fresh_database: str, tmp_path: Path) -> str:
    """A fresh database with its schema, as `originality db upgrade` leaves it before the
    service starts: on PostgreSQL no process migrates at start (docs/deploy.md)."""
    from originality.store.db import make_engine, migrate

    engine = make_engine(fresh_database)
    try:
        migrate(engine, tmp_path / "migrate-lock")
    finally:
        engine.dispose()
    return fresh_database


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

        # The pages read the same rows: report, side by side, cohort, queue, case, record.
        staff = {"Authorization": f"Bearer {tokens['staff']}"}
        original = report["matches"][0]["submission_id"]
        for url in [f"/reports/{copy}", f"/reports/{copy}/matches/{original}",
                    f"/reports/{copy}/print", "/projects/p", "/queue?status=all",
                    f"/cases/{case['id']}", "/students/mallory", "/submissions"]:
            page = client.get(url, headers=staff)
            assert page.status_code == 200, url
            assert "mallory" in page.get_data(as_text=True), url
    finally:
        archive.close()


def register(archive: Archive, path: Path, student: str, project: str = "p") -> str:
    sha, size = file_digest(path)
    submission_id = archive.register(sha256=sha, size=size, project_id=project,
                                     student_id=student).submission.id
    assert archive.claim(submission_id, 60)
    return submission_id


def seqs_of(archive: Archive) -> dict[str, int]:
    from sqlalchemy import select

    from originality.store.models import ArchiveEntry

    with archive.db.sessions() as session:
        return {sid: seq for sid, seq in session.execute(
            select(ArchiveEntry.submission_id, ArchiveEntry.seq))}


def test_a_check_waits_for_an_earlier_entry_of_its_project_to_be_committed(
        database: str, tmp_path: Path) -> None:
    """PostgreSQL hands out A's seq at insert and commits later. While A sits between the two,
    B (entered meanwhile) must wait for A's commit, get the later seq and see A; without the
    per-project lock B committed first and its report missed A."""
    import threading
    import time

    from sqlalchemy import event

    from originality.store.models import ArchiveEntry

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database, index="sql"))
    watcher = create_engine(database)
    try:
        paths = {"alice": scenario_zip(tmp_path, "original"),
                 "mallory": scenario_zip(tmp_path, "identical")}
        ids = {student: register(archive, path, student) for student, path in paths.items()}
        flushed, entering = threading.Event(), threading.Event()
        blocked: list[bool] = []

        def hold(session: Any, context: Any) -> None:
            if not any(isinstance(o, ArchiveEntry) and o.submission_id == ids["alice"]
                       for o in session.new):
                return
            flushed.set()
            assert entering.wait(30)
            deadline = time.monotonic() + 10
            with watcher.connect() as connection:
                while time.monotonic() < deadline and not blocked:
                    if connection.execute(text("SELECT count(*) FROM pg_locks WHERE "
                                               "locktype = 'advisory' AND NOT granted")).scalar():
                        blocked.append(True)
                    connection.rollback()
                    time.sleep(0.05)

        enter = archive.enter

        def entering_enter(submission: Any, loaded: Any) -> int:
            if submission.id == ids["mallory"]:
                entering.set()
            return enter(submission, loaded)

        event.listen(archive.db.sessions, "after_flush", hold)
        archive.enter = entering_enter  # type: ignore[method-assign]
        first = threading.Thread(target=archive.process, args=(ids["alice"], paths["alice"]))
        first.start()
        assert flushed.wait(30)
        assert archive.process(ids["mallory"], source=paths["mallory"]) == JobStatus.DONE
        first.join(30)
        seqs = seqs_of(archive)
        assert seqs[ids["alice"]] < seqs[ids["mallory"]]
        assert [m["submission_id"] for m in archive.report_of(ids["mallory"])["matches"]] == [ids["alice"]]
        assert blocked == [True]  # B waited on A's lock
    finally:
        watcher.dispose()
        archive.close()


def test_concurrent_checks_of_one_project_each_see_every_earlier_entry(
        database: str, tmp_path: Path) -> None:
    """Eight copies of one work checked at the same moment: each report lists exactly the
    copies with a smaller seq (too few copies for the code to count as common). Every entry
    lingers between its insert and its commit, where the race used to be; the first one
    longest, so that later ones would overtake it."""
    import itertools
    import threading
    import time

    from sqlalchemy import event

    from originality.store.models import ArchiveEntry

    flushes = itertools.count()

    def linger(session: Any, context: Any) -> None:
        if any(isinstance(o, ArchiveEntry) for o in session.new):
            time.sleep(0.6 if next(flushes) == 0 else 0.05)

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database, index="sql"))
    event.listen(archive.db.sessions, "after_flush", linger)
    try:
        path = scenario_zip(tmp_path, "identical")
        ids = [register(archive, path, f"student{i}") for i in range(8)]
        start = threading.Barrier(len(ids))
        outcomes: dict[str, str] = {}

        def check(submission_id: str) -> None:
            start.wait(30)
            outcomes[submission_id] = archive.process(submission_id, source=path)

        threads = [threading.Thread(target=check, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert outcomes == {i: JobStatus.DONE for i in ids}
        seqs = seqs_of(archive)
        for submission_id in ids:
            earlier = {i for i in ids if seqs[i] < seqs[submission_id]}
            report = archive.report_of(submission_id)
            assert {m["submission_id"] for m in report["matches"]} == earlier, submission_id
            assert all(m["similarity"] >= 0.95 for m in report["matches"])
    finally:
        archive.close()


def test_the_database_index_and_starter_code_work_on_postgresql(database: str, tmp_path: Path) -> None:
    from originality.store.index import SqlIndex

    settings = Settings(data_dir=tmp_path / "data", database_url=database)
    archive = Archive.open(settings)  # auto, no Redis: the index lives in PostgreSQL
    try:
        assert isinstance(archive.index, SqlIndex)
        starter = tmp_path / "starter.zip"
        starter.write_bytes(zip_bytes({p: t.encode() for p, t in scenarios.BASE_FILES.items()}))
        for _ in range(2):  # set, then replaced
            with open(starter, "rb") as handle:
                sha, size = archive.store.put_stream(handle, 10**7)
            summary = archive.set_starter("p", sha, size, name="starter.zip", set_by="dean")
        assert summary["files"] == len(scenarios.BASE_FILES) and archive.starter("p") == summary
        original = add(archive, scenario_zip(tmp_path, "original"), "alice")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
        report = archive.report_of(copy)
        assert [m["submission_id"] for m in report["matches"]] == [original]
        assert report["template_lines"][copy]["project2/main.py"]
        # Their prose is the starter code's: the index holds the entry with prose of its own.
        prose = add(archive, scenario_zip(tmp_path, "prose_source"), "carol")
    finally:
        archive.close()
    reopened = Archive.open(settings)
    try:
        assert reopened.index.members("p") == {prose}
        assert reopened.reindex("p") == {"p": 3}
        assert reopened.index.members("p") == {prose}
    finally:
        reopened.close()


def test_later_matches_and_their_links_on_postgresql(database: str, tmp_path: Path) -> None:
    from alembic import command

    from originality.store import links
    from originality.store.db import alembic_config

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                                    index="memory"))
    try:
        original = add(archive, scenario_zip(tmp_path, "original"), "alice")
        copy = add(archive, scenario_zip(tmp_path, "partial_copy"), "mallory")
        [stored] = archive.report_of(copy)["matches"]
        later = links.later_matches(archive.db, original)
        [match] = later.matches
        assert match["submission_id"] == copy and match["similarity"] == stored["similarity"]
        assert (match["a_share"], match["b_share"]) == (stored["b_share"], stored["a_share"])
        before = links.later(archive.db, original)
        # The migration fills the links of reports stored before it, on PostgreSQL too.
        url = archive.db.engine.url.render_as_string(hide_password=False)
        for target in ("0004", "head"):
            with archive.db.engine.begin() as connection:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                (command.downgrade if target == "0004" else command.upgrade)(config, target)
        assert links.later(archive.db, original) == before and before[0].own is False
    finally:
        archive.close()


def test_the_triage_flags_both_sides_and_clears_them_on_postgresql(database: str,
                                                                  tmp_path: Path) -> None:
    from originality.cases import Actor, CaseBook
    from originality.errors import CaseConflict
    from originality.triage import Triage

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                                    index="memory"))
    try:
        original = add(archive, scenario_zip(tmp_path, "original"), "alice", assessor="bob")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory", assessor="ada")
        triage = Triage(archive)
        items = triage.items()
        assert [(i["submission_id"], i["kind"]) for i in items] == [(copy, "copied"),
                                                                    (original, "shared")]
        assert triage.counts("ada").to_review == 1 and triage.counts().to_review == 2
        dismissed = triage.dismiss(Actor("bob", "assessor"), items[1]["id"], "alice shared nothing")
        assert dismissed["status"] == "dismissed"
        with pytest.raises(CaseConflict):
            triage.dismiss(Actor("bob", "assessor"), items[1]["id"], "twice")
        case = CaseBook(archive).open(Actor("ada", "assessor"), copy, "submission", "copy")
        assert triage.items() == [] and triage.counts().to_review == 0
        assert triage.get(items[0]["id"])["status"] == "case"
        # Warned, mallory copies again: a possible repeat, with the earlier case.
        CaseBook(archive).decide(Actor("dean", "staff"), case["id"], "confirmed", "warned")
        add(archive, scenario_zip(tmp_path, "original"), "alice", "q", assessor="bob")
        again = add(archive, scenario_zip(tmp_path, "renamed"), "mallory", "q", assessor="ada")
        [repeat] = triage.possible_repeats()
        assert repeat["submission_id"] == again and repeat["earlier_case"]["case_id"] == case["id"]
        assert triage.counts().possible_repeats == 1
    finally:
        archive.close()


def test_two_staff_opening_a_case_at_once_get_one_case_on_postgresql(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three threads, each with its own connection, pass the check for a blocking case
    together (a barrier holds them there) and then insert: PostgreSQL makes the later ones
    wait on the guard's primary key and fail once the first commits."""
    import threading

    from sqlalchemy import select

    from originality.cases import Actor, CaseBook
    from originality.errors import CaseConflict
    from originality.store.models import ActiveCase, CaseRow

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database,
                                    index="memory"))
    try:
        add(archive, scenario_zip(tmp_path, "original"), "alice")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
        book = CaseBook(archive)
        real = CaseBook.submission_case
        barrier = threading.Barrier(3, timeout=30)

        def checked_together(self: CaseBook, submission: Any) -> Any:
            out = real(self, submission)
            barrier.wait()
            return out

        monkeypatch.setattr(CaseBook, "submission_case", checked_together)
        outcomes: list[str] = []

        def open_case(i: int) -> None:
            try:
                book.open(Actor(f"staff{i}", "staff"), copy, "creation", "copy")
                outcomes.append("opened")
            except CaseConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=open_case, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["conflict", "conflict", "opened"]
        with archive.db.sessions() as session:
            [case_id] = session.scalars(select(CaseRow.id))
            assert [(g.submission_id, g.case_id) for g in session.scalars(select(ActiveCase))] \
                == [(copy, case_id)]
        monkeypatch.setattr(CaseBook, "submission_case", real)
        # Dismissed, the submission takes a new case.
        book.decide(Actor("dean", "staff"), case_id, "dismissed", "not a copy")
        assert book.open(Actor("dean", "staff"), copy, "creation", "new evidence")["status"] == "open"
    finally:
        archive.close()


def test_db_upgrade_on_postgresql_runs_once_however_many_machines_start_it(
        fresh_database: str, tmp_path: Path) -> None:
    """Three `originality db upgrade` at once, each with its own data dir (as on three
    machines): the advisory lock lets one build the schema; the others wait and find it done.
    Until then the service refuses the empty database rather than build it at start."""
    import sys

    from originality.errors import SchemaOutOfDate

    settings = Settings(data_dir=tmp_path / "api", database_url=fresh_database, index="memory")
    with pytest.raises(SchemaOutOfDate, match="originality db upgrade"):
        Archive.open(settings)
    plain = fresh_database.replace("postgresql+psycopg://", "postgresql://")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    runs = [subprocess.Popen([sys.executable, "-m", "originality", "db", "upgrade"],
                             env={**env, "ORIGINALITY_DATABASE_URL": plain,
                                  "ORIGINALITY_DATA_DIR": str(tmp_path / f"machine{i}")},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    said = sorted(out.split(" from ")[0].split(" at ")[0] for out, _ in outputs)
    assert said == ["database already", "database already", "database upgraded"], outputs
    archive = Archive.open(settings)
    try:
        assert archive.db.engine.dialect.name == "postgresql"
    finally:
        archive.close()


def test_retention_removes_what_is_past_its_period_and_only_it_on_postgresql(
        database: str, tmp_path: Path) -> None:
    from tests.integration.test_privacy import run_retention_scenario

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database))
    try:
        run_retention_scenario(archive, tmp_path / "uploads")
    finally:
        archive.close()


def test_erasure_and_export_on_postgresql(database: str, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from originality.privacy.erasure import erase_student
    from originality.privacy.export import export_student, personal_tables
    from originality.store.index import SqlIndex
    from originality.store.models import LshBucket, Submission

    settings = Settings(data_dir=tmp_path / "data", database_url=database)
    archive = Archive.open(settings)
    try:
        assert isinstance(archive.index, SqlIndex)
        original = add(archive, scenario_zip(tmp_path, "original"), "alice")
        copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
        exported = export_student(archive.db, "alice")["tables"]
        assert sorted(exported) == personal_tables()
        assert exported["lsh_buckets"] and exported["units"] and exported["documents"]
        answer = erase_student(archive, "alice", settings.retention, actor="dpo", role="staff")
        assert answer["removed"]["submissions"] == 1 and answer["kept"]["submissions"] == []
        assert erase_student(archive, "alice", settings.retention, "dpo", "staff")["removed"] == {}
        with archive.db.sessions() as session:
            assert session.scalar(select(func.count()).select_from(LshBucket)
                                  .filter_by(submission_id=original)) == 0
            assert session.get(Submission, original).erased_at is not None
        assert archive.index.members("p") == {copy}
        [match] = archive.report_of(copy)["matches"]
        assert match["erased"] is True and match["fragments"] == []
        assert export_student(archive.db, "alice")["tables"]["submissions"] == []
    finally:
        archive.close()


# -- the archive's running statistics (archive/stats.py) ---------------------------------------

def test_two_writers_counting_at_once_lose_no_count_on_postgresql(database: str) -> None:
    """The counts' upserts (``n = n + delta``) from two connections at once, without the
    project's lock: 2 x 20 transactions adding 1 to the same 400 features, none lost, no
    deadlock."""
    import threading

    import numpy as np
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from originality.archive import stats
    from originality.store.db import make_engine
    from originality.store.models import FeatureCount, ProjectStatistics

    engine = make_engine(database)
    with Session(engine) as session:
        session.add(ProjectStatistics(project_id="p", groups=0))
        session.commit()
    features = np.arange(1, 401, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    start, failures = threading.Barrier(2), []

    def count() -> None:
        try:
            start.wait(30)
            for _ in range(20):
                with Session(engine) as session:
                    stats.apply_changes(session, "p", {stats.BAG: (features, np.ones(400, dtype=np.int64))}, 1)
                    session.commit()
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)

    writers = [threading.Thread(target=count) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert failures == []
    with Session(engine) as session:
        assert session.scalar(select(ProjectStatistics.groups)) == 40
        counts = session.execute(select(func.count(), func.min(FeatureCount.n), func.max(FeatureCount.n))).one()
        assert tuple(counts) == (400, 40, 40)
    engine.dispose()


def test_the_running_statistics_on_postgresql(database: str, tmp_path: Path) -> None:
    """Entries checked by four threads at once, then erased: the counts equal a recount, and a
    check scores as a comparison over the whole archive."""
    import threading

    from tests.unit import test_archive_stats as on_sqlite

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database, index="sql"))
    try:
        names = on_sqlite.SCENARIOS
        paths = {name: scenario_zip(tmp_path, name) for name in names}
        ids = {name: register(archive, paths[name], name) for name in names}
        todo = list(names)
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    if not todo:
                        return
                    name = todo.pop()
                assert archive.process(ids[name], source=paths[name]) == JobStatus.DONE

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        groups, counts = on_sqlite.stored(archive)
        assert (groups, counts) == on_sqlite.recounted(archive)[:2]
        on_sqlite.check_scores_as_over_the_whole_archive(archive, tmp_path, list(ids.values()))
        from originality.privacy.erasure import Removal, forget_fingerprints
        from originality.store.models import Submission

        with archive.db.session() as session:
            forget_fingerprints(session, session.get(Submission, ids["original"]), Removal())
        assert on_sqlite.stored(archive) == on_sqlite.recounted(archive)[:2]
    finally:
        archive.close()


def test_the_background_sample_on_postgresql(database: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL orders the entries by their content keys (bytea) as Python orders bytes: the
    sample it reads, a few rows at a time, is the one drawn over every entry, and a check scores
    as a comparison over the whole archive with a background above 0."""
    from dataclasses import replace

    from sqlalchemy import select

    from originality import score
    from originality.archive import background
    from originality.check import load_submission
    from originality.fingerprint import SymbolTable
    from originality.profile import Profile
    from originality.store.models import ArchiveEntry
    from tests.unit import test_archive_stats as on_sqlite

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database, index="sql"))
    try:
        # Common code and the background from 2 groups on (the scenarios then hold 7 groups).
        archive.options = replace(archive.options, match=replace(archive.options.match, common_min_submissions=2))
        ids = on_sqlite.imported(archive, tmp_path, on_sqlite.SCENARIOS)
        on_sqlite.check_scores_as_over_the_whole_archive(archive, tmp_path, list(ids.values()))
        upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
        assert archive.compare(upload, "p", None)["background"] > 0
        monkeypatch.setattr(score, "BACKGROUND_SAMPLE", 9)  # 9 rows read hold fewer groups: 18 are read
        monkeypatch.setattr(background, "READ_AHEAD", 1)
        mine = background.Member("new", "new", Profile.of(upload.units).key)
        with archive.db.sessions() as session:
            rows = session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.stats_group,
                                          ArchiveEntry.content_key)).all()
            drawn = background.sample(session, "p", mine, None)
        everyone = [mine] + [background.Member(sid, group, bytes(key)) for sid, group, key in rows]
        expected = [everyone[r] for r in score.background_rows([m.key for m in everyone], [m.group for m in everyone],
                                                               [m.submission_id for m in everyone])]
        assert drawn == expected and len(drawn) == min(9, len({m.group for m in everyone}))
    finally:
        archive.close()


def test_reports_scored_again_on_postgresql(database: str, tmp_path: Path) -> None:
    """A young project's reports taken once and scored again as ``check`` scores the class; a
    quiet project taken by one caller."""
    from datetime import timedelta

    from sqlalchemy import update

    from originality.store.models import ProjectStatistics, utcnow
    from tests.unit.test_rescoring import a_class, check_scores, matches

    archive = Archive.open(Settings(data_dir=tmp_path / "data", database_url=database, index="memory"))
    try:
        folders = a_class(tmp_path / "in", 12)
        ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]
        assert archive.due_for_rescoring("p") == ids[:9] and archive.due_for_rescoring("p") == []
        assert all(archive.rescore(sid, source=folders[k], when_due=True) for k, sid in enumerate(ids[:9]))
        with archive.db.session() as session:
            session.execute(update(ProjectStatistics).values(settle_at=utcnow() - timedelta(seconds=1)))
        assert archive.settle_quiet() == [ids[9]] and archive.settle_quiet() == []
        assert archive.rescore(ids[9], source=folders[9], when_due=True)
        expected, _ = check_scores(archive, folders, ids)
        assert all(matches(archive, sid) == expected[sid] for sid in ids[:10] + ids[11:])
    finally:
        archive.close()
