"""Reports scored again as their project outgrows them, a young project's and a quiet one's
(``archive/rescoring.py``): the same pair then scores as ``check`` of the whole class scores
it, whatever the order it came in."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from originality.archive import Archive
from originality.archive.rescoring import REQUEUE_AFTER, SETTLE_WINDOW, stale
from originality.check import check
from originality.cohort import SETTLED_GROUPS
from originality.store.models import ArchiveEntry, ProjectStatistics, ReportRow, TriageItem, utcnow
from tests.support import migrate, sqlite_plans
from tests.unit.test_archive import add, archive  # noqa: F401  (the fixture)
from tests.unit.test_matching import own_work, write

HELPER = own_work(99, statements=12)  # what every student of the task writes alike
# Seven idioms, three to a student as the lines of a Fano plane: every two students share one,
# each is written by 3 in 7 (under common code's half), so independent work shares something
# (the project's background) once there are groups enough to see it.
IDIOMS = [own_work(300 + i, statements=6) for i in range(7)]
LINES = [(0, 1, 2), (0, 3, 4), (0, 5, 6), (1, 3, 5), (1, 4, 6), (2, 3, 6), (2, 4, 5)]


def a_class(root: Path, students: int) -> list[Path]:
    """Students who each write their own program, the task's helper and three idioms."""
    return [write(root / f"s{k:02d}", {"m.py": own_work(10 + k, statements=30), "h.py": HELPER,
                                       "i.py": "".join(IDIOMS[i] for i in LINES[k % 7])})
            for k in range(students)]


def matches(archive: Archive, submission_id: str) -> dict[str, float]:
    return {m["submission_id"]: m["similarity"] for m in archive.report_of(submission_id)["matches"]}


@pytest.mark.parametrize(("scored_among", "now", "due"), [
    (1, 1, False), (1, 2, True), (3, 5, False), (3, 6, True),
    (4, 10, True), (9, 10, True), (9, 9, False),  # common code exists from 10 groups
    (10, 19, False), (10, 20, True), (60, 120, True),
    (SETTLED_GROUPS, 10 * SETTLED_GROUPS, False),  # settled: never again
])
def test_a_report_is_due_when_its_project_doubled_or_reached_common_code_until_settled(
        scored_among: int, now: int, due: bool) -> None:
    assert stale(scored_among, now, 10) == due
    assert stale(scored_among, now, 10, quiet=True) == (due or 10 * now >= 11 * scored_among)


@pytest.mark.parametrize(("scored_among", "now", "due"), [
    (10, 11, True), (50, 55, True), (100, 110, True), (500, 550, True), (100, 109, False), (501, 551, False)])
def test_a_quiet_project_takes_a_report_it_outgrew_by_exactly_a_tenth(archive: Archive, tmp_path: Path,
                                                                      scored_among: int, now: int,
                                                                      due: bool) -> None:
    """At least 10% more groups, in the rule and in the query that lists the reports alike (in
    floats, 1.1 x 50 is more than 55, and 110 / 1.1 less than 100)."""
    assert stale(scored_among, now, 10, quiet=True) == due
    sid = add(archive, a_class(tmp_path / "in", 1)[0], "s00")
    with archive.db.session() as session:
        session.execute(update(ReportRow).values(groups=scored_among))
        session.execute(update(ProjectStatistics).values(groups=now))
    assert archive.due_for_rescoring("p", quiet=True) == ([sid] if due else [])


def test_the_young_reports_are_listed_off_the_index_of_their_groups(archive: Archive, tmp_path: Path) -> None:
    """After every check the young reports are listed, read off the index of ``reports.groups``
    (a project's first hundred reports at most), not by reading every submission of the project."""
    folders = a_class(tmp_path / "in", 3)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]
    with sqlite_plans(archive) as plans:
        assert archive.due_for_rescoring("p") == ids[:1]  # scored among 1 group, now 3; the second among 2
    [plan] = [plan for sql, plan in plans.items() if "FROM reports JOIN submissions" in sql]
    assert plan.startswith("SEARCH reports USING INDEX ix_reports_groups")


def check_scores(archive: Archive, folders: list[Path], ids: list[str]) -> tuple[dict[str, dict[str, float]], Any]:
    """What ``check`` of the whole class lists, by the later submission of each pair."""
    whole = check(folders, options=replace(archive.options, workers=1))
    by_name = {f"s{k:02d}": sid for k, sid in enumerate(ids)}
    expected: dict[str, dict[str, float]] = {sid: {} for sid in ids}
    for pair in whole.pairs:
        a, b = sorted((by_name[Path(pair.a).name], by_name[Path(pair.b).name]), key=ids.index)
        expected[b][a] = pair.similarity
    return expected, whole


def test_a_young_projects_first_reports_are_scored_again_as_check_scores_the_class(
        archive: Archive, tmp_path: Path) -> None:
    """Under 10 groups nothing is common code, so the task's helper makes two students alike;
    at 12 the early reports are due, and scored again each pair scores as ``check`` of the
    whole class scores it (the helper left out)."""
    folders = a_class(tmp_path / "in", 12)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]
    young = matches(archive, ids[1])
    assert young.get(ids[0], 0.0) >= 0.1 and archive.report_of(ids[1])["groups"] == 2
    # Groups 1-9 are under common code's 10, the rest under twice their own: 9 of them due,
    # taken by the first to ask; listed again only once their message may be lost.
    assert archive.due_for_rescoring("p") == ids[:9]
    assert archive.due_for_rescoring("p") == []
    with archive.db.session() as session:
        session.execute(update(ReportRow).where(ReportRow.submission_id == ids[0]).values(
            rescore_queued_at=utcnow() - timedelta(seconds=REQUEUE_AFTER + 1)))
    assert archive.due_for_rescoring("p") == ids[:1]
    assert all(archive.rescore(sid, source=folders[ids.index(sid)], when_due=True) for sid in ids[:9])
    assert archive.due_for_rescoring("p") == []
    assert not archive.rescore(ids[1], source=folders[1], when_due=True)  # no longer due

    expected, whole = check_scores(archive, folders, ids)
    assert whole.background > 0
    for sid in ids[:9]:
        report = archive.report_of(sid)
        assert (report["groups"], report["background"]) == (12, whole.background) and whole.groups == 12
        assert matches(archive, sid) == expected[sid]
    assert matches(archive, ids[1]).get(ids[0], 0.0) < young[ids[0]]
    with archive.db.sessions() as session:
        assert session.scalar(select(ReportRow.groups).filter_by(submission_id=ids[1])) == 12


def test_under_10_groups_a_report_is_scored_again_as_its_project_doubles_for_its_document_frequencies(
        archive: Archive, tmp_path: Path) -> None:
    """Under 10 groups there is neither common code nor a background, but the cosine's document
    frequencies are the project's groups': the pair of the second report, scored among 2, scores
    otherwise among 4, as ``check`` of the 4 scores it (so the young rule doubles from 1 group,
    not from 10)."""
    folders = a_class(tmp_path / "in", 4)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]
    first = matches(archive, ids[1])
    assert archive.due_for_rescoring("p") == ids[:2]  # scored among 1 and 2 groups, now 4
    assert all(archive.rescore(sid, source=folders[k], when_due=True) for k, sid in enumerate(ids[:2]))
    expected, whole = check_scores(archive, folders, ids)
    assert whole.background == archive.report_of(ids[1])["background"] == 0.0 and whole.groups == 4
    assert matches(archive, ids[1]) == expected[ids[1]] != first


def test_a_waiting_item_takes_the_pairs_new_score_and_a_dismissed_one_keeps_its_own(
        archive: Archive, tmp_path: Path) -> None:
    archive.review_threshold = 0.1  # the young pairs are flagged
    folders = a_class(tmp_path / "in", 12)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders[:3])]
    with archive.db.sessions() as session:
        flagged = {(i.submission_id, i.other_id): i.similarity for i in session.scalars(select(TriageItem))}
    assert (ids[1], ids[0]) in flagged and (ids[0], ids[1]) in flagged and (ids[2], ids[0]) in flagged
    with archive.db.session() as session:  # an assessor dismissed the third student's item
        session.execute(update(TriageItem).where(TriageItem.submission_id == ids[2])
                        .values(dismissed_at=utcnow(), dismissed_by="a", dismissal_reason="the helper"))
    ids += [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders[3:], start=3)]
    for sid in archive.due_for_rescoring("p"):
        archive.rescore(sid, source=folders[ids.index(sid)], when_due=True)
    now = matches(archive, ids[1]).get(ids[0], 0.0)
    with archive.db.sessions() as session:
        items = {(i.submission_id, i.other_id): i.similarity for i in session.scalars(select(TriageItem))}
    assert items[(ids[1], ids[0])] == items[(ids[0], ids[1])] == now < flagged[(ids[1], ids[0])]
    assert items[(ids[2], ids[0])] == flagged[(ids[2], ids[0])]  # judged on this score


def test_migration_0028_gives_each_report_the_groups_its_json_holds(archive: Archive, tmp_path: Path) -> None:
    folders = a_class(tmp_path / "in", 3)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]
    with archive.db.session() as session:  # a report stored before the key existed
        row = session.get(ReportRow, ids[2])
        body = json.loads(row.body)  # type: ignore[union-attr]
        del body["groups"]
        row.body = json.dumps(body)  # type: ignore[union-attr]
    migrate(archive, "0027", down=True)
    migrate(archive, "head")
    with archive.db.sessions() as session:
        groups = dict(session.execute(select(ReportRow.submission_id, ReportRow.groups)).all())
    assert groups == {ids[0]: 1, ids[1]: 2, ids[2]: None}


def test_a_report_whose_upload_is_gone_stands_and_is_no_longer_due(archive: Archive, tmp_path: Path) -> None:
    folders = a_class(tmp_path / "in", 12)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders)]  # never in the blob store
    before = archive.report_of(ids[1])
    assert ids[1] in archive.due_for_rescoring("p")
    assert not archive.rescore(ids[1], when_due=True)
    assert archive.report_of(ids[1]) == before and ids[1] not in archive.due_for_rescoring("p")


def test_a_quiet_project_scores_again_the_reports_it_outgrew_by_a_tenth(archive: Archive, tmp_path: Path) -> None:
    """Past its last upload a project is quiet: its reports scored among fewer than 1 / 1.1 of
    its groups now are scored again, the young ones with them, once until the next upload."""
    folders = a_class(tmp_path / "in", 13)
    ids = [add(archive, folder, f"s{k:02d}") for k, folder in enumerate(folders[:12])]
    assert archive.settle_quiet() == []  # an upload a moment ago: not quiet for an hour

    def quiet_now() -> None:
        with archive.db.session() as session:
            session.execute(update(ProjectStatistics).values(settle_at=utcnow() - timedelta(seconds=1)))

    quiet_now()
    taken = archive.settle_quiet()
    assert taken == ids[:10]  # 10 groups: 11 or fewer would be under 12 / 1.1; 11 is not
    assert archive.settle_quiet() == []  # settled once
    assert all(archive.rescore(sid, source=folders[k], when_due=True) for k, sid in enumerate(taken))
    expected, _ = check_scores(archive, folders[:12], ids)
    # Every report as `check`'s but the one scored among 11, within a tenth of the class.
    assert [sid for sid in ids if matches(archive, sid) != expected[sid]] in ([], [ids[10]])
    # A report of a month ago is final, whatever the project gained since (later cohorts').
    with archive.db.session() as session:
        session.execute(update(ArchiveEntry).where(ArchiveEntry.submission_id == ids[10]).values(
            indexed_at=utcnow() - timedelta(seconds=SETTLE_WINDOW + 1)))
        session.execute(update(ReportRow).where(ReportRow.submission_id == ids[10]).values(groups=10))
    quiet_now()
    assert archive.settle_quiet() == []
    with archive.db.session() as session:  # as it was
        session.execute(update(ArchiveEntry).where(ArchiveEntry.submission_id == ids[10]).values(indexed_at=utcnow()))
        session.execute(update(ReportRow).where(ReportRow.submission_id == ids[10]).values(groups=11))
    ids.append(add(archive, folders[12], "s12"))
    quiet_now()
    assert archive.settle_quiet() == [ids[10]]  # 13 groups: the one scored among 11, under 11.8


def test_archive_rescore_scores_again_what_the_project_outgrew_from_its_kept_uploads(
        archive: Archive, tmp_path: Path) -> None:
    """``originality archive rescore P``: the project taken as quiet, each due report scored
    again from its upload in the blob store."""
    from click.testing import CliRunner

    from fixtures.make_fixtures import zip_bytes
    from originality.archive import file_digest
    from originality.cli import main

    ids = []
    for k, folder in enumerate(a_class(tmp_path / "in", 12)):
        path = tmp_path / f"s{k:02d}.zip"
        path.write_bytes(zip_bytes({p.name: p.read_bytes() for p in folder.iterdir()}))
        with path.open("rb") as data:
            archive.store.put_stream(data, 1 << 30)  # kept, as an upload is
        ids.append(add(archive, path, f"s{k:02d}"))
        assert file_digest(path)[0] == archive.get(ids[-1]).sha256  # type: ignore[union-attr]
    result = CliRunner().invoke(main, ["archive", "rescore", "p"],
                                env={"ORIGINALITY_DATA_DIR": str(tmp_path / "data"), "ORIGINALITY_INDEX": "memory"})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "10 of 10 due reports of p scored again"
    assert archive.report_of(ids[1])["groups"] == archive.report_of(ids[9])["groups"] == 12
