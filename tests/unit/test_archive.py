"""The archive without a server: SQLite in a temporary directory, the in-memory LSH."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
from sqlalchemy import func, select, update

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, LocalBlobStore, unit_from_row, unit_row
from originality.check import check, load_submission
from originality.errors import UsageError
from originality.fingerprint import SymbolTable
from originality.options import CheckOptions, MatchOptions
from originality.store.access import authenticate, create_token, token_digest
from originality.store.index import MemoryIndex, minhash_of
from originality.store.models import ArchiveEntry, EventRow, JobStatus, Submission, utcnow
from originality.store.settings import Settings
from tests.support import migrate


def scenario_zip(tmp_path: Path, name: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    path = tmp_path / f"{name}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory"))
    yield opened
    opened.close()


def add(archive: Archive, path: Path, student: str, project: str = "p", attempt: int = 1) -> str:
    from originality.archive import file_digest

    sha, size = file_digest(path)
    registered = archive.register(sha256=sha, size=size, project_id=project, student_id=student,
                                  attempt=attempt)
    assert archive.claim(registered.submission.id, 60)
    assert archive.process(registered.submission.id, source=path) == JobStatus.DONE
    return registered.submission.id


def test_a_copy_matches_its_original_and_an_own_attempt_is_listed_apart(archive: Archive,
                                                                        tmp_path: Path) -> None:
    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
    again = add(archive, scenario_zip(tmp_path, "renamed"), "alice", attempt=2)
    assert archive.report_of(original)["matches"] == []
    first_copy = archive.report_of(copy)["matches"]
    assert [m["submission_id"] for m in first_copy] == [original]
    assert first_copy[0]["similarity"] >= 0.95 and first_copy[0]["fragments"]
    report = archive.report_of(again)
    assert [m["student_id"] for m in report["matches"]] == ["mallory"]
    assert [m["submission_id"] for m in report["own_attempts"]] == [original]


def test_files_counts_every_file_read_through_check_an_upload_and_an_import_alike(
        archive: Archive, tmp_path: Path) -> None:
    """The same ZIP gives the same ``files`` whichever path: a skipped data file is one of the
    files the submission holds, and ``unread`` says it was not compared."""
    from originality.archive import PastSubmission

    [original] = [s for s in scenarios.SCENARIOS if s.id == "original"]
    files = {**scenarios.submission_files(original), "data/loans.csv": "id,amount\n1,100\n2,250\n"}
    path = tmp_path / "loans.zip"
    path.write_bytes(zip_bytes(files))
    [checked] = check([path]).submissions
    assert {u["file"]: u["state"] for u in checked.unread}["data/loans.csv"] == "skipped"
    uploaded = archive.get(add(archive, path, "ana"))
    assert archive.import_batch("q", [PastSubmission(path, "loans", "ana")]).added == 1
    with archive.db.sessions() as session:
        imported = session.scalar(select(Submission.files).filter_by(project_id="q"))
    assert checked.files == uploaded.files == imported == len(files)  # type: ignore[union-attr]


def test_independent_work_in_another_project_is_never_compared(archive: Archive, tmp_path: Path) -> None:
    add(archive, scenario_zip(tmp_path, "original"), "alice", project="p1")
    other = add(archive, scenario_zip(tmp_path, "identical"), "bob", project="p2")
    assert archive.report_of(other)["matches"] == []


def test_registering_the_same_upload_twice_finds_the_first(archive: Archive) -> None:
    first = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s")
    second = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s")
    third = archive.register(sha256="a" * 64, size=1, project_id="p", student_id="s", attempt=2)
    assert first.created and not second.created and third.created
    assert second.submission.id == first.submission.id != third.submission.id


def test_entering_twice_indexes_once(archive: Archive, tmp_path: Path) -> None:
    path = scenario_zip(tmp_path, "original")
    submission_id = add(archive, path, "alice")
    submission = archive.get(submission_id)
    assert submission is not None
    loaded = load_submission(path, archive.options, SymbolTable(), submission_id)
    with archive.db.sessions() as session:
        first = session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=submission_id))
    assert archive.enter(submission, loaded) == first
    with archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 1
    assert archive.index.members("p") == {submission_id}


def test_one_worker_at_a_time_holds_a_submission_until_its_lease_runs_out(archive: Archive) -> None:
    submission = archive.register(sha256="b" * 64, size=1, project_id="p", student_id="s").submission
    assert archive.claim(submission.id, 60)
    assert not archive.claim(submission.id, 60)
    assert archive.stuck(60) == []
    archive.renew(submission.id, -1)  # as if the worker died a while ago
    assert archive.stuck(60) == [submission.id]
    assert archive.claim(submission.id, 60)
    archive.finish(submission.id, JobStatus.DONE)
    assert not archive.claim(submission.id, 60)
    with archive.db.sessions() as session:
        assert session.get(Submission, submission.id).runs == 2  # type: ignore[union-attr]


def test_a_check_whose_worker_dies_every_time_ends_failed_and_a_retry_starts_it_afresh(archive: Archive) -> None:
    # An upload whose reading kills its worker process (out of memory) each time: the recovery
    # pass takes it again once its lease lapses, at most MAX_RUNS times in all.
    from originality.archive.jobs import MAX_RUNS, SUBMISSION_CHECKED, WORKER_LOST

    submission = archive.register(sha256="b" * 64, size=1, project_id="p", student_id="s").submission
    for _ in range(MAX_RUNS):
        assert archive.claim(submission.id, 60)
        archive.renew(submission.id, -1)  # its worker died
    assert not archive.claim(submission.id, 60)
    stored = archive.get(submission.id)
    assert stored is not None and stored.status == JobStatus.FAILED
    assert stored.error()["code"] == WORKER_LOST  # type: ignore[index]
    assert archive.stuck(60) == []
    with archive.db.sessions() as session:
        [event] = session.scalars(select(EventRow).filter_by(type=SUBMISSION_CHECKED)).all()
        assert '"worker_lost"' in event.data
    # Once the cause is found, a retry runs it again, with its starts counted afresh.
    assert archive.retry(submission.id)
    assert archive.claim(submission.id, 60)


def test_a_bomb_is_rejected_with_its_code(archive: Archive, tmp_path: Path) -> None:
    from fixtures import hostile

    path = tmp_path / "bomb.zip"
    path.write_bytes(hostile.overlap_bomb())
    registered = archive.register(sha256="c" * 64, size=1, project_id="p", student_id="s")
    assert archive.claim(registered.submission.id, 60)
    assert archive.process(registered.submission.id, source=path) == JobStatus.REJECTED
    stored = archive.get(registered.submission.id)
    assert stored is not None and stored.error() is not None
    assert stored.error()["code"] == "zip_bomb"  # type: ignore[index]


def test_a_file_left_unread_is_stored_as_too_large_and_the_rest_is_checked(
        archive: Archive, tmp_path: Path) -> None:
    from originality.store.models import DocumentRow

    [original] = [s for s in scenarios.SCENARIOS if s.id == "original"]
    files = scenarios.submission_files(original)
    path = tmp_path / "zeros.zip"
    path.write_bytes(zip_bytes({**files, "data/zeros.bin": bytes(3 * 1024 * 1024)}))
    submission = add(archive, path, "zoe")
    checked = add(archive, scenario_zip(tmp_path, "original"), "alice")
    stored = archive.get(submission)
    # Every file read counted, zeros.bin with them (``LoadedSubmission.files``), as ``check`` counts.
    assert stored is not None and stored.files == archive.get(checked).files + 1  # type: ignore[union-attr]
    with archive.db.sessions() as session:
        rows = {r.path: (r.state, r.detail, r.size, r.text_z) for r in session.scalars(
            select(DocumentRow).filter_by(submission_id=submission))}
    assert rows.pop("data/zeros.bin") == (
        "too_large", "not read: compressed more than 200 to 1 (like a zip bomb)", 0, None)
    assert sorted(rows) == sorted(files)
    assert [m["submission_id"] for m in archive.report_of(checked)["matches"]] == [submission]


def test_units_survive_the_database_unchanged(tmp_path: Path) -> None:
    loaded = load_submission(scenario_zip(tmp_path, "original"), CheckOptions(workers=1), SymbolTable())
    for index, unit in enumerate(loaded.units):
        back = unit_from_row(unit_row("x", index, unit))
        assert back.path == unit.path and back.kind == unit.kind and back.k == unit.k
        for a, b in [(back.lines, unit.lines), (back.prints.hashes, unit.prints.hashes), (back.bag, unit.bag)]:
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_the_lsh_finds_a_copy_and_not_an_unrelated_submission(tmp_path: Path) -> None:
    from originality.store.index import minhash_bytes

    options = CheckOptions(workers=1)
    units = {n: load_submission(scenario_zip(tmp_path, n), options, SymbolTable()).units
             for n in ("original", "partial_copy", "java_original")}
    index = MemoryIndex(128, 128, 1)
    index.sync("p", [(n, minhash_bytes(minhash_of(u, 128, 1))) for n, u in units.items()])
    assert index.sync("p", [("original", b"")]) == 0  # already there
    found = index.query("p", minhash_of(units["partial_copy"], 128, 1))
    assert {"original", "partial_copy"} <= found


def test_tokens_are_stored_as_digests(archive: Archive) -> None:
    token = create_token(archive.db, "assessor", "ada")
    principal = authenticate(archive.db, token)
    assert principal is not None and (principal.role, principal.name) == ("assessor", "ada")
    assert authenticate(archive.db, token + "x") is None
    assert authenticate(archive.db, "") is None
    assert token_digest(token) != token
    with pytest.raises(UsageError):
        create_token(archive.db, "admin", "root")


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"ORIGINALITY_DATA_DIR": "/srv/o", "ORIGINALITY_LEASE_SECONDS": "5",
                                  "ORIGINALITY_REDIS_URL": "redis://h:1/2"})
    assert settings.data_dir == Path("/srv/o") and settings.lease_seconds == 5.0
    assert settings.redis_url_given and settings.sqlalchemy_url == "sqlite:////srv/o/originality.db"
    assert not Settings.from_env({}).redis_url_given
    with pytest.raises(UsageError):
        Settings.from_env({"ORIGINALITY_LEASE_SECONDS": "soon"})
    with pytest.raises(UsageError):
        Settings(index="cassandra")


@pytest.mark.parametrize("raw, expected", [(None, 0.5), ("0.7", 0.7), ("1", 1.0)])
def test_the_review_threshold_defaults_to_the_calibrations_even_odds(raw: str | None,
                                                                      expected: float) -> None:
    from originality.calibration import EVEN_ODDS

    env = {} if raw is None else {"ORIGINALITY_REVIEW_THRESHOLD": raw}
    assert Settings.from_env(env).review_threshold == expected
    assert EVEN_ODDS == 0.5


@pytest.mark.parametrize(("env", "expected"), [
    ({}, True),  # SQLite: one machine, make serve and the tests just work
    ({"ORIGINALITY_DATABASE_URL": "postgresql://db/originality"}, False),  # db upgrade, once
    ({"ORIGINALITY_DATABASE_URL": "postgresql://db/o", "ORIGINALITY_MIGRATE": "always"}, True),
    ({"ORIGINALITY_MIGRATE": "never"}, False),
])
def test_processes_migrate_at_start_on_sqlite_only_unless_told(env: dict[str, str],
                                                               expected: bool) -> None:
    assert Settings.from_env(env).migrate_at_start is expected


def test_an_unknown_migrate_choice_is_refused() -> None:
    with pytest.raises(UsageError, match="migrate must be auto, always or never"):
        Settings.from_env({"ORIGINALITY_MIGRATE": "yes"})


def test_a_process_that_does_not_migrate_refuses_a_schema_behind_and_accepts_a_newer_one(
        archive: Archive, tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from originality.errors import SchemaOutOfDate
    from originality.store.db import Database, alembic_config, head_revision

    url = archive.db.engine.url.render_as_string(hide_password=False)
    with archive.db.engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with pytest.raises(SchemaOutOfDate, match="is at 0006 and this version needs"):
        Database(url, tmp_path, migrate_now=False)
    Database(url, tmp_path, migrate_now=True).dispose()  # brought up to date
    Database(url, tmp_path, migrate_now=False).dispose()
    # A later release upgraded the schema first (a rolling deployment): still served.
    with archive.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    Database(url, tmp_path, migrate_now=False).dispose()
    assert head_revision() != "9999"


@pytest.mark.parametrize("raw", ["0", "1.5", "-0.2"])
def test_a_review_threshold_outside_the_similarity_range_is_refused(raw: str) -> None:
    with pytest.raises(UsageError, match="review_threshold"):
        Settings.from_env({"ORIGINALITY_REVIEW_THRESHOLD": raw})


def test_the_migrations_match_the_models(archive: Archive) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from originality.store.models import Base

    with archive.db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_reports_stored_before_the_links_get_them_from_the_migration(archive: Archive,
                                                                     tmp_path: Path) -> None:
    from alembic import command

    from originality.store import links
    from originality.store.db import alembic_config
    from originality.store.models import MatchLink

    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "partial_copy"), "mallory")
    again = add(archive, scenario_zip(tmp_path, "renamed"), "alice", attempt=2)

    def stored() -> list[tuple[str, str, float, float, float, int, bool]]:
        with archive.db.sessions() as session:
            return [(r.submission_id, r.other_id, r.similarity, r.a_share, r.b_share, r.fragments,
                     r.own) for r in session.scalars(select(MatchLink).order_by(
                         MatchLink.submission_id, MatchLink.other_id))]

    written = stored()
    assert {(r[0], r[1], r[6]) for r in written} == {(copy, original, False), (again, original, True),
                                                     (again, copy, False)}
    url = archive.db.engine.url.render_as_string(hide_password=False)
    for target in ("0004", "head"):  # back to before the links (dropped), then filled again
        with archive.db.engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            (command.downgrade if target == "0004" else command.upgrade)(config, target)
    assert stored() == written
    assert {(link.submission_id, link.own) for link in links.later(archive.db, original)} == \
        {(copy, False), (again, True)}


def test_equal_matches_are_listed_in_archive_order_both_ways(archive: Archive, tmp_path: Path) -> None:
    # Six copies of one solution score alike; ids are random, so ordered by them the six came
    # in another order in each archive built alike (1 chance in 720 of archive order).
    from originality.store import links

    path = scenario_zip(tmp_path, "original")
    copies = [add(archive, path, f"student{n}") for n in range(6)]
    report = archive.report_of(copies[-1])
    assert [m["submission_id"] for m in report["matches"]] == copies[:-1]
    assert len({m["similarity"] for m in report["matches"]}) == 1
    assert [link.submission_id for link in links.later(archive.db, copies[0])] == copies[1:]


def test_each_stored_report_leaves_its_summary_and_the_migration_fills_them_for_older_reports(
        archive: Archive, tmp_path: Path) -> None:
    from alembic import command

    from originality.overview import overview, pairs_from_links, Member
    from originality.store import summaries
    from originality.store.db import alembic_config
    from originality.store.links import later as links_of
    from originality.store.models import MatchLink, SubmissionSummary

    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "partial_copy"), "mallory")
    again = add(archive, scenario_zip(tmp_path, "renamed"), "alice", attempt=2)
    other = add(archive, scenario_zip(tmp_path, "independent_a"), "ian")

    def stored() -> dict[str, tuple[Any, ...]]:
        with archive.db.sessions() as session:
            return {r.submission_id: (r.project_id, r.top_similarity, r.top_other_id, r.pairs,
                                      tuple(getattr(r, f"bin{i}") for i in range(10)), r.flags)
                    for r in session.scalars(select(SubmissionSummary))}

    written = stored()
    copied = archive.report_of(copy)["matches"][0]
    with archive.db.sessions() as session:
        explained = {(link.submission_id, link.other_id) for link in session.scalars(
            select(MatchLink).where(MatchLink.explained_by.is_not(None)))}
    # alice's second attempt matches mallory's copy of her first: explained by it, no pair.
    assert explained == {(again, copy)}
    # Its pairs both ways: alice's work it copied, and the later ones whose reports match it.
    later = {link.submission_id for link in links_of(archive.db, copy) if not link.own} - {again}
    assert written[copy][1:4] == (copied["similarity"], original, 1 + len(later))
    # The first has no earlier pair: its pairs are the later ones, mallory's copy the strongest
    # (alice's own second attempt is none).
    theirs = {link.submission_id for link in links_of(archive.db, original) if not link.own}
    assert written[original][1:4] == (copied["similarity"], copy, len(theirs))
    assert copy in theirs and again not in theirs
    assert written[original][4] == (0,) * 10  # the histogram counts the pair in the copy's bins
    # alice's second attempt: neither her own first one nor mallory's copy of it is a pair;
    # ian's later work is.
    assert written[again][2] != copy and written[again][3] == len(links_of(archive.db, again))
    # The sums are the histogram of every link, as the page drew it before.
    with archive.db.sessions() as session:
        figures = summaries.figures(session, "p")
        members = {s.id: Member(s.id, s.student_id, s.attempt)
                   for s in session.scalars(select(Submission))}
        links = [(link.submission_id, link.other_id, link.similarity,
                  members[link.other_id].student_id, members[link.other_id].attempt)
                 for link in session.scalars(select(MatchLink).where(
                     MatchLink.own.is_(False), MatchLink.explained_by.is_(None)))]
    every = overview(pairs_from_links(links, members))
    assert figures.pairs == every.pairs >= 3
    assert figures.bins == tuple(b.count for b in every.histogram.bins)
    assert other in written
    # An assessor's view: the pairs with a side of theirs (alice's two attempts: the first is
    # only ever the earlier side, the second the earlier side of ian's pair).
    with archive.db.session() as session:
        for sid in (original, again):
            session.get(Submission, sid).assessor_id = "ada"
    with archive.db.sessions() as session:
        theirs = summaries.figures(session, "p", "ada")
        strong = summaries.strong_pairs(session, "p", 1000, theirs, "ada")
    touching = [p for p in pairs_from_links(links, members) if p.involves({original, again})]
    assert theirs.pairs == len(touching) and 0 < theirs.pairs < every.pairs
    assert theirs.bins == tuple(b.count for b in overview(touching).histogram.bins)
    assert strong == touching
    url = archive.db.engine.url.render_as_string(hide_password=False)
    for target in ("0008", "head"):  # back to before the summaries (dropped), then filled again
        with archive.db.engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            (command.downgrade if target == "0008" else command.upgrade)(config, target)
    assert stored() == written


def test_the_summaries_bin_a_pair_by_the_percent_shown_and_the_migration_bins_the_older_ones_so(
        archive: Archive, tmp_path: Path) -> None:
    from originality.overview import bin_of
    from originality.percents import percent
    from originality.store import summaries
    from originality.store.models import MatchLink, SubmissionSummary

    add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "partial_copy"), "mallory")
    # The copy's one pair, as if its report had scored 0.2994: the pages show 29.9%, in 20-30%.
    with archive.db.session() as session:
        session.execute(update(MatchLink).where(MatchLink.submission_id == copy).values(similarity=0.2994))

    def bins() -> tuple[int, ...]:
        with archive.db.sessions() as session:
            row = session.get(SubmissionSummary, copy)
            return tuple(getattr(row, f"bin{i}") for i in range(10))

    assert percent(0.2994) == "29.9%" and bin_of(0.2994) == 2
    # Before, binned by the whole percent (30%): in 30-40%, a band the pages no longer show it in.
    migrate(archive, "0031", down=True)
    assert bins() == (0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    migrate(archive, "head")
    assert bins() == (0, 0, 1, 0, 0, 0, 0, 0, 0, 0)
    with archive.db.sessions() as session:
        assert summaries.figures(session, "p").bins == bins()


def test_the_work_copied_has_its_later_copies_as_pairs_in_its_summary(
        archive: Archive, tmp_path: Path) -> None:
    """The first of two copies is the work copied: its line of the cohort list names its
    strongest copy and counts every pair, earlier and later, as the copies' lines do; a later
    report scored again without the pair takes it away; the migration counts older archives so."""
    from originality.store import links, summaries
    from originality.store.models import ReportRow, SubmissionSummary

    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
    partial = add(archive, scenario_zip(tmp_path, "partial_copy"), "rob")

    def stored() -> dict[str, tuple[float, str | None, int]]:
        with archive.db.sessions() as session:
            return {r.submission_id: (r.top_similarity, r.top_other_id, r.pairs)
                    for r in session.scalars(select(SubmissionSummary))}

    def similarity(later: str, earlier: str) -> float:
        [found] = [m["similarity"] for m in archive.report_of(later)["matches"]
                   if m["submission_id"] == earlier]
        return float(found)

    written = stored()
    assert similarity(copy, original) == 1.0
    # alice's work: both copies are its pairs, the identical one the strongest.
    assert written[original] == (1.0, copy, 2)
    # rob copies part of alice's work, so of mallory's copy too.
    assert written[partial][2] == 2 and written[partial][0] < 1.0
    # mallory: alice's work, and rob's later copy.
    assert written[copy] == (1.0, original, 2)
    with archive.db.sessions() as session:
        listed = [r.submission_id for r in summaries.page(session, "p", 10).rows]
    assert listed.index(original) < listed.index(partial)
    # mallory's report scored again without alice's work: alice's strongest pair is rob's
    # copy now, and mallory's pair with her goes from both lines.
    with archive.db.session() as session:
        report = json.loads(session.get(ReportRow, copy).body)
        report["matches"] = [m for m in report["matches"] if m["submission_id"] != original]
        before = links.write(session, copy, report)
        summaries.write(session, archive.get(copy), report, before)
    after = stored()
    assert after[original] == (similarity(partial, original), partial, 1)
    assert after[copy] == (similarity(partial, copy), partial, 1)
    assert after[partial] == written[partial]
    # An archive upgraded from before the summaries counted later pairs counts them so.
    migrate(archive, "0029", down=True)
    assert stored()[original] == (0.0, None, 0)
    migrate(archive, "head")
    assert stored() == after


def test_the_list_of_a_projects_submissions_pages_by_keyset_strongest_first(
        archive: Archive, tmp_path: Path) -> None:
    from originality.store import summaries

    ids = [add(archive, scenario_zip(tmp_path, name), student) for name, student in (
        ("original", "alice"), ("partial_copy", "mallory"), ("renamed", "rob"),
        ("independent_a", "ian"), ("independent_b", "ivy"))]
    with archive.db.sessions() as session:
        everything = summaries.page(session, "p", 10)
        assert everything.next is None and {r.submission_id for r in everything.rows} == set(ids)
        tops = [(r.top_similarity, r.submission_id) for r in everything.rows]
        assert tops == sorted(tops, reverse=True)
        walked, after = [], None
        while True:
            found = summaries.page(session, "p", 2, after)
            walked += found.rows
            assert len(found.rows) == 2 or found.next is None
            if found.next is None:
                break
            after = summaries.Cursor.parse(str(found.next))  # as the "next" link carries it
        assert walked == list(everything.rows)
        assert summaries.page(session, "other", 2).rows == ()
    for raw in ("", "x_abc", "1.5_abc", "0.5_", "nan_abc"):
        with pytest.raises(UsageError):
            summaries.Cursor.parse(raw)


# -- the database's own index ----------------------------------------------------------------


def sql_archive(tmp_path: Path, **settings: object) -> Archive:
    return Archive.open(Settings(data_dir=tmp_path / "data", index="sql",
                                 **settings))  # type: ignore[arg-type]


def test_auto_keeps_the_index_in_the_database_when_redis_is_not_used(tmp_path: Path) -> None:
    from originality.store.index import SqlIndex, open_index

    opened = Archive.open(Settings(data_dir=tmp_path / "data"))
    try:
        assert isinstance(opened.index, SqlIndex)
        # Redis named but not answering: the database's index, not an empty memory one.
        fallback = open_index("auto", "redis://127.0.0.1:9/0", True, 128, 128, 1,
                              sessions=opened.db.sessions)
        assert isinstance(fallback, SqlIndex)
    finally:
        opened.close()
    assert Settings(index="sql").index == "sql"


def test_the_database_index_finds_what_the_memory_index_finds(tmp_path: Path) -> None:
    from originality.store.index import SqlIndex, minhash_bytes

    opened = sql_archive(tmp_path)
    try:
        options = CheckOptions(workers=1)
        names = ["original", "identical", "renamed", "partial_copy", "independent_a",
                 "java_original", "prose_source"]
        sketches = {n: minhash_of(load_submission(scenario_zip(tmp_path, n), options,
                                                  SymbolTable()).units, 128, 1) for n in names}
        ids = {}
        for name in names:  # the buckets' rows name real submissions
            ids[name] = opened.register(sha256=name.ljust(64, "0"), size=1, project_id="p",
                                        student_id=name).submission.id
        sql = SqlIndex(opened.db.sessions, 128, 128, 1)
        memory = MemoryIndex(128, 128, 1)
        entries = [(ids[n], minhash_bytes(s)) for n, s in sketches.items()]
        assert sql.insert_missing("p", entries) == memory.insert_missing("p", entries) == len(names)
        assert sql.insert_missing("p", entries[:2]) == 0  # already there
        assert sql.members("p") == memory.members("p") == set(ids.values())
        for sketch in sketches.values():
            assert sql.query("p", sketch) == memory.query("p", sketch)
            assert sql.query("other", sketch) == set()
        assert {ids["original"], ids["partial_copy"]} <= sql.query("p", sketches["partial_copy"])
    finally:
        opened.close()


def test_the_database_index_is_written_with_the_entry_and_rebuilt_when_missing(tmp_path: Path) -> None:
    from originality.store.models import LshBucket

    opened = sql_archive(tmp_path)
    try:
        original = add(opened, scenario_zip(tmp_path, "original"), "alice")
        with opened.db.sessions() as session:
            staged = set(session.execute(select(LshBucket.bucket, LshBucket.submission_id)))
        assert staged and opened.index.members("p") == {original}
    finally:
        opened.close()
    # Another process (a new archive on the same database) finds it without rebuilding.
    reopened = sql_archive(tmp_path)
    try:
        with reopened.db.sessions() as session:
            assert reopened.index.lacking(session, "p") == []
            session.execute(LshBucket.__table__.delete())  # as if written before the index existed
            session.commit()
    finally:
        reopened.close()
    reopened = sql_archive(tmp_path)  # a process started after the upgrade
    try:
        copy = add(reopened, scenario_zip(tmp_path, "identical"), "mallory")
        assert [m["submission_id"] for m in reopened.report_of(copy)["matches"]] == [original]
        assert reopened.index.members("p") == {original, copy}
        assert reopened.reindex() == {"p": 2}
        with reopened.db.sessions() as session:
            rebuilt = set(session.execute(select(LshBucket.bucket, LshBucket.submission_id)))
        # Staged with the entry or rebuilt from its stored MinHash: the same buckets.
        assert {row for row in rebuilt if row[1] == original} == staged
    finally:
        reopened.close()


# -- the order of the archive ----------------------------------------------------------------


def test_a_check_waits_for_an_earlier_entry_of_its_project_to_be_committed(tmp_path: Path) -> None:
    """A is entered first and sleeps between writing its entry and committing; B, entered
    meanwhile, must get the later seq and see A."""
    import threading
    import time

    from sqlalchemy import event

    from originality.archive import file_digest

    opened = sql_archive(tmp_path)
    try:
        paths = {"alice": scenario_zip(tmp_path, "original"), "mallory": scenario_zip(tmp_path, "identical")}
        ids = {}
        for student, path in paths.items():
            sha, size = file_digest(path)
            ids[student] = opened.register(sha256=sha, size=size, project_id="p",
                                           student_id=student).submission.id
            assert opened.claim(ids[student], 60)
        flushed, entering = threading.Event(), threading.Event()

        def hold(session: object, context: object) -> None:
            if any(isinstance(o, ArchiveEntry) and o.submission_id == ids["alice"]
                   for o in session.new):  # type: ignore[attr-defined]
                flushed.set()
                entering.wait(30)
                time.sleep(0.5)  # B now tries to write its entry

        enter = opened.enter

        def entering_enter(submission: Submission, loaded: object) -> int:
            if submission.id == ids["mallory"]:
                entering.set()
            return enter(submission, loaded)  # type: ignore[arg-type]

        event.listen(opened.db.sessions, "after_flush", hold)
        opened.enter = entering_enter  # type: ignore[method-assign]
        first = threading.Thread(target=opened.process, args=(ids["alice"], paths["alice"]))
        first.start()
        assert flushed.wait(30)
        assert opened.process(ids["mallory"], source=paths["mallory"]) == JobStatus.DONE
        first.join(30)
        with opened.db.sessions() as session:
            seqs = {sid: seq for sid, seq in session.execute(
                select(ArchiveEntry.submission_id, ArchiveEntry.seq))}
        assert seqs[ids["alice"]] < seqs[ids["mallory"]]
        assert [m["submission_id"] for m in opened.report_of(ids["mallory"])["matches"]] == [ids["alice"]]
    finally:
        opened.close()


def test_every_candidate_is_compared_whatever_its_age(archive: Archive, tmp_path: Path) -> None:
    original = add(archive, scenario_zip(tmp_path, "original"), "alice")
    java = add(archive, scenario_zip(tmp_path, "java_original"), "bob")
    for name in ("independent_a", "independent_b", "independent_c", "prose_source"):
        add(archive, scenario_zip(tmp_path, name), name)
    copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
    disguised = add(archive, scenario_zip(tmp_path, "java_disguised"), "trudy")
    # Their sources are the oldest entries, and still the closest matches.
    assert archive.report_of(copy)["matches"][0]["submission_id"] == original
    assert archive.report_of(disguised)["matches"][0]["submission_id"] == java



def test_a_solution_most_of_the_class_shares_is_reported_through_the_archive(archive: Archive,
                                                                          tmp_path: Path) -> None:
    """Fourteen copies of one solution among twenty uploads, one at a time in a shuffled order: as
    in ``check`` (tests/unit/test_matching.py), the copies are one independent group, so the
    solution never becomes common code, however young the archive; each copy's report lists
    every earlier copy, aligned, all at one score, and independent work stays apart."""
    import random

    from tests.unit.test_matching import ORIGINAL, own_work

    uploads = [("copy", {"main.py": ORIGINAL})] * 14
    uploads += [("own", {"main.py": own_work(2000 + i)}) for i in range(6)]
    random.Random(5).shuffle(uploads)
    copies: list[str] = []
    scores = set()
    for n, (kind, files) in enumerate(uploads):
        path = tmp_path / f"u{n:02d}.zip"
        path.write_bytes(zip_bytes({name: text.encode() for name, text in files.items()}))
        sid = add(archive, path, f"student{n:02d}")
        matches = {m["submission_id"]: m for m in archive.report_of(sid)["matches"]}
        if kind == "copy":
            assert set(copies) <= set(matches), f"upload {n}: an earlier copy is missing"
            for earlier in copies:
                assert matches[earlier]["fragments"], f"upload {n}"
                scores.add(matches[earlier]["similarity"])
            copies.append(sid)
        assert all(m["similarity"] < 0.5 for other, m in matches.items() if not (kind == "copy" and other in copies))
    assert len(copies) == 14 and len(scores) == 1 and scores.pop() > 0.9


def test_a_solution_each_student_padded_differently_is_reported_through_the_archive(
        archive: Archive, tmp_path: Path) -> None:
    """As in ``check`` (tests/unit/test_matching.py): twenty copies of one solution, each padded
    with other dead code, among twenty-four uploads, are one group in the running statistics, so
    each copy's report lists every earlier copy; found by their plain streams, they were twenty
    groups and the solution became common code."""
    import random

    from tests.unit.test_matching import ORIGINAL, own_work, padded

    uploads = [("copy", {"main.py": padded(ORIGINAL, i)}) for i in range(20)]
    uploads += [("own", {"main.py": own_work(3000 + i)}) for i in range(4)]
    random.Random(6).shuffle(uploads)
    copies: list[str] = []
    for n, (kind, files) in enumerate(uploads):
        path = tmp_path / f"u{n:02d}.zip"
        path.write_bytes(zip_bytes({name: text.encode() for name, text in files.items()}))
        sid = add(archive, path, f"student{n:02d}")
        matches = {m["submission_id"]: m["similarity"] for m in archive.report_of(sid)["matches"]}
        if kind == "copy":
            assert all(matches.get(earlier, 0) > 0.9 for earlier in copies), f"upload {n}"
            copies.append(sid)
        assert all(score < 0.5 for other, score in matches.items() if not (kind == "copy" and other in copies))
    with archive.db.sessions() as session:
        groups = set(session.scalars(select(ArchiveEntry.stats_group).where(ArchiveEntry.submission_id.in_(copies))))
    assert len(copies) == 20 and len(groups) == 1

# -- binary assets, starter code, template lines ---------------------------------------------

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(reversed(range(256))) * 8


def files_zip(tmp_path: Path, name: str, scenario: str, extra: dict[str, bytes]) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == scenario]
    path = tmp_path / f"{name}.zip"
    path.write_bytes(zip_bytes({**scenarios.submission_files(found), **extra}))
    return path


def starter_zip(tmp_path: Path, extra: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / "starter.zip"
    base = {p: t.encode() for p, t in scenarios.BASE_FILES.items()}
    path.write_bytes(zip_bytes({**base, **(extra or {})}))
    return path


def set_starter(archive: Archive, path: Path, project: str = "p") -> dict[str, object]:
    with open(path, "rb") as handle:
        sha, size = archive.store.put_stream(handle, 10**7)
    return archive.set_starter(project, sha, size, name=path.name, set_by="test")


def test_an_identical_binary_asset_is_shown_as_in_check(archive: Archive, tmp_path: Path) -> None:

    assets = {"img/chart.png": PICTURE, "img/logo.png": LOGO}
    first = files_zip(tmp_path, "a_first", "original", assets)
    second = files_zip(tmp_path, "b_second", "identical", {"docs/picture.png": PICTURE,
                                                           "img/logo.png": LOGO})
    set_starter(archive, starter_zip(tmp_path, {"img/logo.png": LOGO}))
    original = add(archive, first, "alice")
    copy = add(archive, second, "mallory")
    [match] = archive.report_of(copy)["matches"]
    assert match["submission_id"] == original
    binary = [f for f in match["fragments"] if f["tokens"] == 0]
    assert binary == [{"a": {"file": "docs/picture.png", "start_line": 1, "end_line": 1},
                       "b": {"file": "img/chart.png", "start_line": 1, "end_line": 1}, "tokens": 0}]
    # check, given the same starter code, shows the same fragments for the pair.
    [pair] = check([first, second], [starter_zip(tmp_path, {"img/logo.png": LOGO})],
                   CheckOptions(workers=1)).pairs
    assert [f.to_dict() for f in pair.fragments if f.tokens == 0] == [
        {"a": binary[0]["b"], "b": binary[0]["a"], "tokens": 0}]


def test_a_shared_binary_alone_is_listed_only_when_every_pair_is(tmp_path: Path) -> None:
    def run(min_similarity: float, root: Path) -> list[dict[str, object]]:
        opened = Archive(sql_archive(root).db, LocalBlobStore(root / "up"),
                         MemoryIndex(128, 128, 1), CheckOptions(workers=1, min_similarity=min_similarity))
        try:
            set_starter(opened, starter_zip(root))
            add(opened, files_zip(root, "one", "original", {"a.png": PICTURE}), "alice")
            other = add(opened, files_zip(root, "two", "java_original", {"b.png": PICTURE}), "bob")
            return opened.report_of(other)["matches"]  # type: ignore[no-any-return]
        finally:
            opened.close()

    assert run(0.1, tmp_path / "default") == []  # noticed, never scored: below the cut
    [match] = run(0.0, tmp_path / "all")
    # Python against Java: a few shared short features, far below the cut; the picture is shown.
    assert match["similarity"] < 0.1 and [f["tokens"] for f in match["fragments"]] == [0]


def test_starter_code_set_for_a_project_is_left_out_of_later_checks(archive: Archive,
                                                                    tmp_path: Path) -> None:
    template = add(archive, scenario_zip(tmp_path, "template_only"), "alice")
    before = add(archive, scenario_zip(tmp_path, "independent_a"), "bob")
    assert template in [m["submission_id"] for m in archive.report_of(before)["matches"]]
    assert archive.starter("p") is None
    summary = set_starter(archive, starter_zip(tmp_path))
    assert summary["files"] == len(scenarios.BASE_FILES) and summary["name"] == "starter.zip"
    assert archive.starter("p") == summary and archive.starter("q") is None
    after = add(archive, files_zip(tmp_path, "again", "independent_a", {}), "carol")
    report = archive.report_of(after)
    assert template not in [m["submission_id"] for m in report["matches"]]
    # The starter's lines are reported as template, file by file, as ranges.
    lines = report["template_lines"][after]
    assert "main.py" in lines and "utils.py" in lines
    assert all(a <= b for ranges in lines.values() for a, b in ranges)
    # A copy of real work still matches, and both sides carry their template lines.
    original = add(archive, scenario_zip(tmp_path, "original"), "dave")
    copy = add(archive, scenario_zip(tmp_path, "identical"), "mallory")
    copied = archive.report_of(copy)
    assert copied["matches"][0]["submission_id"] == original
    assert set(copied["template_lines"]) == {copy} | {m["submission_id"] for m in copied["matches"]}
    assert copied["template_lines"][copy]["project2/utils.py"]
    assert copied["template_lines"][original]["utils.py"]


def test_a_hostile_starter_is_refused_and_not_kept(archive: Archive, tmp_path: Path) -> None:
    from fixtures import hostile

    from originality.errors import NotAnArchive, ZipBomb

    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(hostile.overlap_bomb())
    with pytest.raises(ZipBomb):
        set_starter(archive, bomb)
    text = tmp_path / "notes.zip"
    text.write_bytes(b"not a zip at all")
    with pytest.raises(NotAnArchive):
        set_starter(archive, text)
    with pytest.raises(UsageError):
        set_starter(archive, starter_zip(tmp_path), project="x" * 201)
    assert archive.starter("p") is None
    assert [p for p in (tmp_path / "data" / "uploads").rglob("*.zip")] == []


def test_line_ranges_merge_consecutive_lines() -> None:
    from originality.archive import line_ranges

    assert line_ranges([]) == []
    assert line_ranges([1, 2, 3, 7, 9, 10]) == [[1, 3], [7, 7], [9, 10]]


def test_the_same_check_gives_the_same_report(archive: Archive, tmp_path: Path) -> None:
    import json

    add(archive, scenario_zip(tmp_path, "original"), "alice")
    add(archive, scenario_zip(tmp_path, "partial_copy"), "bob")
    set_starter(archive, starter_zip(tmp_path))
    path = scenario_zip(tmp_path, "renamed")
    reports = [json.dumps(archive.compare(load_submission(path, archive.options, SymbolTable(), "new"),
                                          "p", "carol"), sort_keys=True) for _ in range(2)]
    assert reports[0] == reports[1] and '"template_lines"' in reports[0]


def _past(tmp_path: Path, names: list[tuple[str, str]]) -> list:
    from originality.archive import PastSubmission

    return [PastSubmission(scenario_zip(tmp_path, scenario), scenario, student)
            for scenario, student in names]


def test_a_batch_import_enters_what_one_at_a_time_enters(tmp_path: Path) -> None:
    """The same past cohort imported in one batch or one upload at a time: the same entries,
    the same index, the same report for a later upload."""
    cohort = [("original", "alice"), ("java_original", "bob"), ("identical", "mallory")]
    reports = []
    for way in ("batch", "one"):
        opened = Archive.open(Settings(data_dir=tmp_path / way, index="sql"))
        try:
            items = _past(tmp_path, cohort)
            if way == "batch":
                done = opened.import_batch("p", items)
                assert (done.added, done.existing, done.rejected) == (3, 0, [])
            else:
                for item in items:
                    assert opened.import_batch("p", [item]).added == 1
            with opened.db.sessions() as session:
                assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 3
                assert {s.status for s in session.scalars(select(Submission))} == {JobStatus.DONE}
            new = add(opened, scenario_zip(tmp_path, "renamed"), "eve")
            report = opened.report_of(new)
            # Submission ids are random, and they break ties in the report's order.
            reports.append(sorted((m["student_id"], m["similarity"], m["fragments"]) for m in report["matches"]))
        finally:
            opened.close()
    assert reports[0] == reports[1]
    scores = {student: similarity for student, similarity, _ in reports[0]}
    assert scores["alice"] == scores["mallory"] == 1.0


def test_a_batch_import_is_idempotent_and_counts_rejections(archive: Archive, tmp_path: Path) -> None:
    from originality.archive import PastSubmission
    from fixtures import hostile

    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(hostile.overlap_bomb())
    items = _past(tmp_path, [("original", "alice"), ("original", "alice")]) + \
        [PastSubmission(bomb, "bomb", "zed")]
    done = archive.import_batch("p", items)
    # The same ZIP twice for one student is one submission.
    assert (done.added, done.existing, [name for name, _ in done.rejected]) == (1, 1, ["bomb"])
    again = archive.import_batch("p", items)
    assert (again.added, again.existing, again.rejected) == (0, 3, [])
    with archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 2
        assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 1


def test_an_interrupted_or_concurrent_import_is_finished_one_at_a_time(
        archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from originality.archive import file_digest

    [first, second] = _past(tmp_path, [("original", "alice"), ("java_original", "bob")])
    # An import interrupted after registering alice's submission left it queued.
    sha, size = file_digest(first.path)
    queued = archive.register(sha256=sha, size=size, project_id="p", student_id="alice",
                              origin="archive", name="original").submission
    # bob's is registered by another import between this batch's lookup and its write.
    sha_b, size_b = file_digest(second.path)
    real_known = archive._known

    def known_then_raced(*args: object) -> dict:
        found = real_known(*args)  # type: ignore[arg-type]
        archive.register(sha256=sha_b, size=size_b, project_id="p", student_id="bob", origin="archive")
        return found

    monkeypatch.setattr(archive, "_known", known_then_raced)
    done = archive.import_batch("p", [first, second])
    assert (done.added, done.existing) == (2, 0)  # both finished, each once
    assert archive.get(queued.id).status == JobStatus.DONE  # type: ignore[union-attr]
    with archive.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 2
        assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 2


def test_the_archive_tokenizes_as_its_settings_say(tmp_path: Path) -> None:
    # An archive whose entries were made with the lexical tokens must keep making them so.
    assert Settings.from_env({"ORIGINALITY_TOKENIZER": "lexical"}).tokenizer == "lexical"
    with pytest.raises(UsageError, match="tokenizer"):
        Settings(tokenizer="ast")
    for tokenizer in ("lexical", "syntax"):
        opened = Archive.open(Settings(data_dir=tmp_path / tokenizer, index="memory", tokenizer=tokenizer))
        try:
            assert opened.options.match.tokenizer == tokenizer
        finally:
            opened.close()


def test_the_archive_normalizes_as_its_settings_say(tmp_path: Path) -> None:
    # A Java school that fears automated refactoring asks for the two normalizations that undo it.
    settings = Settings.from_env({"ORIGINALITY_NORMALIZATIONS": "loops, compound,inline,optionals",
                                  "ORIGINALITY_DATA_DIR": str(tmp_path), "ORIGINALITY_INDEX": "memory"})
    assert settings.normalization_names == ("loops", "compound", "inline", "optionals")
    with pytest.raises(UsageError, match="normalizations must be among .*got unboxing"):
        Settings(normalizations="loops,unboxing")
    opened = Archive.open(settings)
    try:
        assert opened.options.match.normalizations == ("loops", "compound", "inline", "optionals")
    finally:
        opened.close()
    assert Settings().normalization_names == MatchOptions().normalizations
    assert Settings(normalizations="").normalization_names == ()


@pytest.mark.parametrize("soft, hard", [("0", "10"), ("30", "30"), ("60", "30")])
def test_a_soft_time_limit_must_be_positive_and_below_the_hard_one(soft: str, hard: str) -> None:
    with pytest.raises(UsageError, match="check_soft_time_limit must be positive and below"):
        Settings.from_env({"ORIGINALITY_CHECK_SOFT_TIME_LIMIT": soft,
                           "ORIGINALITY_CHECK_TIME_LIMIT": hard})


def test_a_check_run_twice_ends_once_with_one_event(archive: Archive) -> None:
    # A lease lapsed under a slow worker: a second worker claimed the same check.
    submission = archive.register(sha256="d" * 64, size=1, project_id="p", student_id="s").submission
    assert archive.claim(submission.id, 60)
    archive.renew(submission.id, -1)
    assert archive.claim(submission.id, 60)
    assert archive.finish(submission.id, JobStatus.DONE)
    assert not archive.finish(submission.id, JobStatus.FAILED, {"code": "x", "message": "late"})
    with archive.db.sessions() as session:
        assert session.get(Submission, submission.id).status == JobStatus.DONE  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(EventRow)) == 1


def test_recovery_sends_a_lost_submission_once_however_many_workers_look(archive: Archive) -> None:
    queued = archive.register(sha256="e" * 64, size=1, project_id="p", student_id="q").submission
    dead = archive.register(sha256="f" * 64, size=1, project_id="p", student_id="r").submission
    assert archive.claim(dead.id, 60)
    archive.renew(dead.id, -1)  # its worker died
    long_ago = utcnow() - timedelta(seconds=120)
    with archive.db.session() as session:
        session.execute(update(Submission).values(enqueued_at=long_ago, created_at=long_ago))
    assert set(archive.stuck(60)) == {queued.id, dead.id}
    # A backlog in the broker: only the dead worker's submission is sent again.
    assert archive.stuck(60, queued=False) == [dead.id]
    # Two workers recovering at once: the first to take each sends it, the second finds it taken.
    assert archive.take_stuck(queued.id, 60) and archive.take_stuck(dead.id, 60)
    assert not archive.take_stuck(queued.id, 60) and not archive.take_stuck(dead.id, 60)
    assert archive.claim(dead.id, 60)
    assert not archive.take_stuck(dead.id, 60)


def test_an_entry_without_prose_takes_no_room_in_the_index(tmp_path: Path) -> None:
    from originality.store.index import SqlIndex, empty_minhash_bytes
    from originality.store.models import LshBucket

    opened = sql_archive(tmp_path)
    try:
        code = tmp_path / "code.zip"
        code.write_bytes(zip_bytes({"main.py": b"def total(xs):\n    return sum(x * x for x in xs)\n"}))
        code_only = add(opened, code, "bob")
        prose = add(opened, scenario_zip(tmp_path, "prose_source"), "alice")
        with opened.db.sessions() as session:
            stored = session.scalar(select(ArchiveEntry.minhash).filter_by(submission_id=code_only))
            indexed = set(session.scalars(select(LshBucket.submission_id).distinct()))
            # Its empty sketch is stored (a new starter code may resketch it), never indexed,
            # and a sync does not count it as lacking.
            assert stored == empty_minhash_bytes(128)
            assert indexed == {prose} and opened.index.lacking(session, "p") == []
        assert opened.reindex() == {"p": 2}
        assert opened.index.members("p") == {prose}
        for index in (SqlIndex(opened.db.sessions, 128, 128, 1), MemoryIndex(128, 128, 1)):
            assert index.insert_missing("q", [(code_only, stored)]) == 0
            assert index.members("q") == set()
    finally:
        opened.close()


def test_the_entries_before_a_check_are_counted_on_the_project_index(archive: Archive, tmp_path: Path) -> None:
    from originality.archive.compare import Compare

    ids = [add(archive, scenario_zip(tmp_path, name), name) for name in ("original", "renamed", "independent_a")]
    add(archive, scenario_zip(tmp_path, "identical"), "other", project="q")
    with archive.db.sessions() as session:
        seqs = [session.scalar(select(ArchiveEntry.seq).filter_by(submission_id=i)) for i in ids]
        assert Compare._count_prior(session, "p", "new", None) == 3
        assert Compare._count_prior(session, "p", ids[1], None) == 2  # less the upload's own entry
        assert Compare._count_prior(session, "p", ids[1], seqs[2]) == 1
        assert Compare._count_prior(session, "p", ids[2], seqs[2]) == 2
        assert Compare._count_prior(session, "q", ids[0], None) == 1
        assert Compare._count_prior(session, "r", "new", None) == 0


def test_a_sync_reads_only_the_entries_newer_than_those_it_saw_indexed(tmp_path: Path) -> None:
    from originality.store.models import LshBucket

    opened = sql_archive(tmp_path)
    try:
        first = add(opened, scenario_zip(tmp_path, "prose_source"), "alice")
        with opened.db.sessions() as session:
            assert opened.index.lacking(session, "p") == []
            # An older entry is not looked at again (it was seen indexed) ...
            session.execute(LshBucket.__table__.delete().where(LshBucket.submission_id == first))
            session.commit()
            assert opened.index.lacking(session, "p") == []
        # ... a newer one is (archived by another process), and a rebuild or a new process
        # finds every entry again.
        other = sql_archive(tmp_path)
        try:
            second = add(other, scenario_zip(tmp_path, "prose_paraphrase"), "bob")
            assert other.index.members("p") == {first, second}  # its first sync saw every entry
        finally:
            other.close()
        with opened.db.sessions() as session:
            session.execute(LshBucket.__table__.delete().where(LshBucket.submission_id == second))
            session.commit()
            assert [sid for sid, _ in opened.index.lacking(session, "p")] == [second]
        fresh = sql_archive(tmp_path)
        try:
            with fresh.db.sessions() as session:
                assert [sid for sid, _ in fresh.index.lacking(session, "p")] == [second]
            fresh.index.rebuild("p", [])  # entries read before these were archived: none left out
            assert fresh.index.members("p") == {first, second}
        finally:
            fresh.close()
    finally:
        opened.close()


def test_an_upload_aligns_its_strongest_pairs_within_the_budget_and_keeps_every_score(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from originality import score

    def matches(root: Path) -> list[dict[str, Any]]:
        opened = Archive.open(Settings(data_dir=root, index="memory"))
        try:
            add(opened, scenario_zip(tmp_path, "original"), "alice")
            add(opened, scenario_zip(tmp_path, "partial_copy"), "bob")
            copy = add(opened, scenario_zip(tmp_path, "identical"), "mallory")
            return list(opened.report_of(copy)["matches"])
        finally:
            opened.close()

    everything = matches(tmp_path / "all")
    monkeypatch.setattr("originality.archive.compare.ALIGNED_PER_UPLOAD", 1)
    bounded = matches(tmp_path / "one")
    assert [m["student_id"] for m in everything] == ["alice", "bob"]
    assert everything[0]["similarity"] > everything[1]["similarity"] >= score.ALIGN_FROM
    assert all(m["fragments"] for m in everything)
    assert [(m["student_id"], m["similarity"]) for m in bounded] == \
        [(m["student_id"], m["similarity"]) for m in everything]
    assert [bool(m["fragments"]) for m in bounded] == [True, False]  # the strongest aligned


def test_the_strongest_pairs_and_the_pairs_reaching_a_threshold_as_the_links_give_them(
        archive: Archive) -> None:
    """The cohort page's reads of a project's links: the strongest pairs, ties at the floor
    included as the pure overview orders them, and how many reach a threshold (from the
    histogram, or the links inside one of its bins), for staff and for two assessors."""
    import random

    from originality.overview import Pair, reaches, unique_pairs
    from originality.store import links, summaries

    rng = random.Random(3)
    ids: list[str] = []
    students: dict[str, str] = {}
    every: list[Pair] = []
    for n in range(40):
        student = f"st{n % 37}"  # three students hand in twice: their own pairs are no pairs
        sid = archive.register(sha256=f"{n:064x}", size=1, project_id="web", student_id=student,
                               attempt=1 + n // 37,
                               assessor_id="ada" if n % 4 == 0 else "eve" if n == 7 else "bob"
                               ).submission.id
        earlier = rng.sample(ids, min(len(ids), 6))
        # Ties on purpose: similarities on a coarse grid, some of them at the floors below.
        matches = [{"submission_id": other, "student_id": students[other],
                    "similarity": rng.choice([0.31, 0.52, 0.547, 0.55, 0.7, 0.7, 0.93, 1.0]),
                    "a_share": 0.5, "b_share": 0.5, "fragments": []} for other in earlier]
        report = {"submission": sid, "matches": matches}
        with archive.db.session() as session:
            links.write(session, sid, report)
            summaries.write(session, archive.get(sid), report)
        assert archive.finish(sid, JobStatus.DONE, files=1)
        every += [Pair(sid, m["submission_id"], m["similarity"], student, m["student_id"],
                       1 + n // 37) for m in matches if m["student_id"] != student]
        ids.append(sid)
        students[sid] = student
    attempts = {sid: 1 + n // 37 for n, sid in enumerate(ids)}
    every = [Pair(p.a, p.b, p.similarity, p.a_student, p.b_student, p.a_attempt,
                  attempts[p.b]) for p in every]
    ordered = unique_pairs(every)
    # ada has a quarter of the submissions, eve one.
    views = {"ada": {sid for n, sid in enumerate(ids) if n % 4 == 0}, "eve": {ids[7]}}
    with archive.db.sessions() as session:
        figures = summaries.figures(session, "web")
        for limit in (1, 7, 25, 1000):
            assert summaries.strong_pairs(session, "web", limit, figures) == ordered[:limit]
        for threshold in (0.3, 0.5, 0.55, 0.6, 0.95, 1.0):
            assert summaries.reaching(session, "web", threshold, figures) == \
                sum(1 for p in ordered if reaches(p, threshold))
        for assessor, theirs in views.items():
            touching = unique_pairs(p for p in every if p.involves(theirs))
            seen = summaries.figures(session, "web", assessor)
            assert seen.pairs == len(touching) > 0
            for limit in (1, 7, 25, 1000):
                assert summaries.strong_pairs(session, "web", limit, seen, assessor) == \
                    touching[:limit]
            for threshold in (0.3, 0.5, 0.55, 0.6, 0.95, 1.0):
                assert summaries.reaching(session, "web", threshold, seen, assessor) == \
                    sum(1 for p in touching if reaches(p, threshold))
