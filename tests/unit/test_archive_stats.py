"""The archive's running statistics (``archive/stats.py``): counted as entries come and go,
equal to a recount of the archive, and what a check reads instead of recounting it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select, update

from originality.archive import Archive, PastSubmission, stats, unit_from_row
from originality.archive.stats import BAG, LONG, PRUNED, EntryFeatures, deltas
from originality.check import load_submission
from originality import cohort
from originality.cohort import groups_of, unique_pruned
from originality.fingerprint import SymbolTable
from originality.privacy.erasure import Removal, forget_fingerprints
from originality.score import Comparison
from originality.store.models import (ArchiveEntry, FeatureCount, NearDuplicateKey, ProjectStatistics,
                                      Submission, UnitRow)
from tests.support import sqlite_plans
from tests.unit.test_archive import archive, scenario_zip  # noqa: F401  (the fixture)

H = np.uint64


def features(bag: list[int], long: list[int], pruned: list[int] | None = None) -> EntryFeatures:
    as_set = lambda xs: np.unique(np.array(xs, dtype=np.uint64))  # noqa: E731
    return EntryFeatures(as_set(bag), as_set(long), as_set(long if pruned is None else pruned))


def as_dict(change: tuple[np.ndarray, np.ndarray]) -> dict[int, int]:
    return {int(f): int(d) for f, d in zip(*change)}


def test_an_entry_joining_its_group_counts_only_what_the_group_lacks() -> None:
    member = features([1, 2, 3], [10, 11])
    joining = features([2, 3, 4], [11, 12])
    change = deltas([member], joining, 1)
    assert as_dict(change[BAG]) == {4: 1} and as_dict(change[LONG]) == {12: 1}
    assert as_dict(change[PRUNED]) == {}  # no pruned streams: the pruned counts are the long ones
    alone = deltas([], joining, 1)
    assert as_dict(alone[BAG]) == {2: 1, 3: 1, 4: 1} and as_dict(alone[LONG]) == {11: 1, 12: 1}


def test_removing_an_entry_gives_back_only_what_no_other_member_holds() -> None:
    kept, leaving = features([1, 2], [10]), features([2, 5], [10, 13])
    change = deltas([kept], leaving, -1)
    assert as_dict(change[BAG]) == {5: -1} and as_dict(change[LONG]) == {13: -1}
    assert as_dict(deltas([], leaving, -1)[BAG]) == {2: -1, 5: -1}


def test_merging_two_groups_counts_once_what_both_held() -> None:
    ours, theirs = stats.union([features([1, 2], [10]), features([2], [10, 12])]), features([2, 3], [10, 11])
    summed: dict[int, dict[int, int]] = {BAG: {}, LONG: {}}
    for change in stats.merge_changes(ours, theirs):
        for space in (BAG, LONG):
            for f, d in as_dict(change[space]).items():
                summed[space][f] = summed[space].get(f, 0) + d
    assert {f: d for f, d in summed[BAG].items() if d} == {2: -1}
    assert {f: d for f, d in summed[LONG].items() if d} == {10: -1}


def test_the_pruned_space_keeps_the_difference_from_the_long_counts() -> None:
    # Java with a dead local: its pruned stream lacks k-gram 11 and has 14 instead.
    change = deltas([], features([1], [10, 11], pruned=[10, 14]), 1)
    assert as_dict(change[PRUNED]) == {11: -1, 14: 1}
    # A group member without pruned streams holds 11 in both spaces: nothing changes for 11.
    change = deltas([features([1], [11])], features([1], [10, 11], pruned=[10, 14]), 1)
    assert as_dict(change[PRUNED]) == {14: 1}


def stored(archive: Archive, project: str = "p") -> tuple[int, dict[int, dict[int, int]]]:
    with archive.db.sessions() as session:
        groups = session.scalar(select(ProjectStatistics.groups).filter_by(project_id=project))
        counts: dict[int, dict[int, int]] = {BAG: {}, LONG: {}, PRUNED: {}}
        for space, feature, n in session.execute(select(FeatureCount.space, FeatureCount.feature, FeatureCount.n)
                                                 .filter_by(project_id=project)):
            assert n != 0, "a count that fell to 0 is dropped"
            counts[space][int(np.int64(feature).view(np.uint64))] = n
    return int(groups or 0), counts


def recounted(archive: Archive, project: str = "p") -> tuple[int, dict[int, dict[int, int]], dict[str, str]]:
    """The counts made from scratch over every entry, with the groups the statistics chose."""
    with archive.db.sessions() as session:
        group_of = dict(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.stats_group)
                                        .filter_by(project_id=project)).all())
        units: dict[str, list] = {sid: [] for sid in group_of}
        for row in session.scalars(select(UnitRow).where(UnitRow.submission_id.in_(list(group_of)))
                                   .order_by(UnitRow.ordinal)):
            units[row.submission_id].append(unit_from_row(row))
    counts: dict[int, dict[int, int]] = {BAG: {}, LONG: {}, PRUNED: {}}
    for group in set(group_of.values()):
        members = stats.union([EntryFeatures.of(units[s]) for s, g in group_of.items() if g == group])
        for space, held in ((BAG, members.bag), (LONG, members.long)):
            for f in held.tolist():
                counts[space][f] = counts[space].get(f, 0) + 1
        pruned, long = set(members.pruned.tolist()), set(members.long.tolist())
        for f in pruned ^ long:
            counts[PRUNED][f] = counts[PRUNED].get(f, 0) + (1 if f in pruned else -1)
    return len(set(group_of.values())), counts, {s: str(g) for s, g in group_of.items()}


SCENARIOS = ["original", "identical", "renamed", "partial_copy", "independent_a", "independent_b",
             "independent_c", "java_original", "java_disguised", "prose_source", "prose_paraphrase"]


def imported(archive: Archive, tmp_path: Path, names: list[str]) -> dict[str, str]:
    """The scenarios entered as ``archive add`` enters them (one batch); their ids by name."""
    archive.import_batch("p", [PastSubmission(scenario_zip(tmp_path, n), n, n) for n in names])
    with archive.db.sessions() as session:
        return {name: sid for sid, name in session.execute(select(Submission.id, Submission.name))}


def test_the_counts_equal_a_recount_as_entries_come_and_go(archive: Archive, tmp_path: Path) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    groups, counts = stored(archive)
    expected_groups, expected, group_of = recounted(archive)
    assert (groups, counts) == (expected_groups, expected)
    # Identical and renamed copies are one group, as ``cohort.groups_of`` makes them.
    assert group_of[ids["identical"]] == group_of[ids["renamed"]] == group_of[ids["original"]] == ids["original"]
    assert group_of[ids["independent_a"]] == ids["independent_a"]
    with archive.db.sessions() as session:
        units = {sid: [unit_from_row(r) for r in session.scalars(
            select(UnitRow).filter_by(submission_id=sid).order_by(UnitRow.ordinal))] for sid in ids.values()}
    order = list(ids.values())
    check_groups = groups_of([unique_pruned(units[s]) for s in order])
    assert len(set(check_groups.tolist())) == groups
    # The group's first entry goes, then a whole group: the others' counts stay right.
    for gone in ("original", "java_disguised", "java_original"):
        with archive.db.session() as session:
            forget_fingerprints(session, session.get(Submission, ids[gone]), Removal())
        groups, counts = stored(archive)
        expected_groups, expected, _ = recounted(archive)
        assert (groups, counts) == (expected_groups, expected), gone
    # Counted again from scratch (a new starter code, re-tokenized units), the same.
    archive.reindex("p")
    assert stored(archive) == (groups, counts)


def test_a_check_scores_as_a_comparison_over_the_whole_archive(archive: Archive, tmp_path: Path) -> None:
    """What a check read of a context before, it reads of the statistics now: the same pairs
    with the same scores, where the groups are those ``check`` finds."""
    check_scores_as_over_the_whole_archive(archive, tmp_path, list(imported(archive, tmp_path, SCENARIOS).values()))


def check_scores_as_over_the_whole_archive(archive: Archive, tmp_path: Path, ids: list[str]) -> None:
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    report = archive.compare(upload, "p", None)
    with archive.db.sessions() as session:
        units = [[unit_from_row(r) for r in session.scalars(
            select(UnitRow).filter_by(submission_id=sid).order_by(UnitRow.ordinal))] for sid in ids]
    fresh = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    whole = Comparison(["new"] + ids, [fresh.units] + units, [], archive.options.match)
    scored = whole.score(whole.pair_features(np.zeros(len(ids), dtype=np.int64),
                                             np.arange(1, len(ids) + 1)), archive.options.min_similarity)
    expected = {p.b: p.similarity for p in scored}
    found = {m["submission_id"]: m["similarity"] for m in report["matches"]}
    assert found and found == expected


def test_an_archive_from_before_the_statistics_gets_them_at_its_first_check(archive: Archive,
                                                                          tmp_path: Path) -> None:
    imported(archive, tmp_path, SCENARIOS)
    upload = lambda: load_submission(scenario_zip(tmp_path, "reordered"), archive.options,  # noqa: E731
                                     SymbolTable(), "new")
    before = archive.compare(upload(), "p", None)
    counted = stored(archive)
    with archive.db.session() as session:  # as migration 0016 leaves an older archive
        session.execute(delete(FeatureCount))
        session.execute(delete(NearDuplicateKey))
        session.execute(delete(ProjectStatistics))
        session.execute(update(ArchiveEntry).values(stats_group=None, long_sketch=None))
    assert archive.compare(upload(), "p", None) == before
    assert stored(archive) == counted


def test_a_check_finds_the_uncounted_entries_on_an_index_not_by_reading_the_project(archive: Archive,
                                                                                    tmp_path: Path) -> None:
    """Every check asks whether its project has uncounted entries: on SQLite the question is
    answered from the index of project and group (migration 0029), whose plan reads the
    uncounted entries alone; on the index of the project alone it read every entry."""
    ids = imported(archive, tmp_path, SCENARIOS[:4])
    with sqlite_plans(archive) as plans:
        with archive.db.sessions() as session:
            assert not stats.needs_counting(session, "p")
    [plan] = [plan for sql, plan in plans.items() if "stats_group IS NULL" in sql]
    assert "ix_archive_entries_uncounted (project_id=? AND stats_group=?)" in plan
    with archive.db.sessions() as session:
        stats.uncount_entry(session, ids["partial_copy"])
        assert stats.needs_counting(session, "p")


def test_entries_archived_without_counting_are_counted_at_the_next_entry(archive: Archive,
                                                                         tmp_path: Path) -> None:
    """A worker still on the previous release (a rolling upgrade) enters without counting: the
    next entry of the project counts what it left."""
    ids = imported(archive, tmp_path, SCENARIOS[:4])
    counted = stored(archive)
    with archive.db.session() as session:
        stats.uncount_entry(session, ids["partial_copy"])
    assert stored(archive) != counted
    imported(archive, tmp_path, ["independent_a"])
    groups, counts = stored(archive)
    assert (groups, counts) == recounted(archive)[:2]


def test_a_count_space_read_whole_gives_the_same_report_as_the_populations_features(
        archive: Archive, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``stats._space`` reads a small space whole instead of the population's distinct
    features: more features listed, the same scores and template lines."""
    imported(archive, tmp_path, SCENARIOS)
    # Common code from 2 groups on, so that k-grams are at, near and below the threshold.
    archive.options = replace(archive.options, match=replace(archive.options.match, common_min_submissions=2,
                                                             common_fraction=0.2))
    upload = lambda: load_submission(scenario_zip(tmp_path, "reordered"), archive.options,  # noqa: E731
                                     SymbolTable(), "new")
    reports, whole = [], []
    real = stats._space

    def spy(*args):  # type: ignore[no-untyped-def]
        found = real(*args)
        whole.append(found[2])
        return found

    monkeypatch.setattr(stats, "_space", spy)
    for share in (0.0, 1e9):  # never whole (a limit of 0 rows), always whole
        monkeypatch.setattr(stats, "WHOLE_SPACE_SHARE", share)
        reports.append(archive.compare(upload(), "p", None))
    assert whole == [False, False, True, True]  # the bag's space, then the pruned one's near the threshold
    assert reports[0] == reports[1] and reports[0]["matches"]


def test_the_pruned_counts_read_near_the_threshold_are_those_of_the_whole_space(
        archive: Archive, tmp_path: Path) -> None:
    """``stats.read`` reads of the pruned space only the k-grams whose pruned count can reach
    the common threshold's neighbourhood (their long count near it, or their difference alone;
    on these few groups, every long count): their counts and the common pruned k-grams are those
    the whole space gives."""
    imported(archive, tmp_path, SCENARIOS)
    _, counts = stored(archive)
    assert any(n > 0 for n in counts[PRUNED].values()) and any(n < 0 for n in counts[PRUNED].values())
    every = sorted(set(counts[LONG]) | set(counts[PRUNED]))
    whole = {f: counts[LONG].get(f, 0) + counts[PRUNED].get(f, 0) for f in every}
    for least in (2, 3, 4):  # common code from a few groups on: k-grams at, near and under it
        options = replace(archive.options.match, common_min_submissions=least, common_fraction=0.2)
        with archive.db.sessions() as session:
            statistics = stats.read(session, "p", [], options)
        features, read = statistics.pruned
        assert {int(f): int(n) for f, n in zip(features, read)} == {int(f): whole[int(f)] for f in features}
        common = {f for f, n in whole.items() if n >= cohort.common_threshold(statistics.groups, options)}
        assert set(statistics.common(statistics.pruned, options).tolist()) == common


def linking(tmp_path: Path, name: str, parts: list[int]) -> Path:
    """A submission of some of three programs of its own (one file each): two that share one
    of them are no near-duplicates (a Jaccard index of about 1/3), and one that holds all three
    is a near-duplicate of each (about 2/3)."""
    from tests.unit.test_archive import zip_bytes
    from tests.unit.test_matching import own_work

    path = tmp_path / f"{name}.zip"
    path.write_bytes(zip_bytes({f"part{k}.py": own_work(4000 + k, statements=20).encode() for k in parts}))
    return path


def test_an_entry_that_links_two_groups_merges_them(archive: Archive, tmp_path: Path) -> None:
    archive.import_batch("p", [PastSubmission(linking(tmp_path, n, parts), n, n)
                               for n, parts in (("left", [0, 1]), ("right", [1, 2]))])
    assert stored(archive)[0] == 2
    archive.import_batch("p", [PastSubmission(linking(tmp_path, "both", [0, 1, 2]), "both", "both")])
    groups, counts = stored(archive)
    expected_groups, expected, group_of = recounted(archive)
    assert groups == expected_groups == 1 and counts == expected and len(set(group_of.values())) == 1


def test_an_upload_that_would_link_two_groups_is_scored_as_if_counted(archive: Archive, tmp_path: Path) -> None:
    """Compared before it is archived, an upload that would merge two groups reads the
    statistics as counting it would leave them: the scores of a comparison over the whole
    archive and the upload, whose groups chain through it."""
    archive.import_batch("p", [PastSubmission(linking(tmp_path, n, parts), n, n)
                               for n, parts in (("left", [0, 1]), ("right", [1, 2]))])
    with archive.db.sessions() as session:
        ids = list(session.scalars(select(Submission.id).order_by(Submission.name)))
        units = [[unit_from_row(r) for r in session.scalars(
            select(UnitRow).filter_by(submission_id=sid).order_by(UnitRow.ordinal))] for sid in ids]
    upload = load_submission(linking(tmp_path, "both", [0, 1, 2]), archive.options, SymbolTable(), "new")
    report = archive.compare(upload, "p", None)
    whole = Comparison(["new"] + ids, [upload.units] + units, [], archive.options.match)
    assert len(set(whole.excluded.groups.tolist())) == 1
    scored = whole.score(whole.pair_features(np.zeros(len(ids), dtype=np.int64), np.arange(1, len(ids) + 1)),
                         archive.options.min_similarity)
    assert {m["submission_id"]: m["similarity"] for m in report["matches"]} == {p.b: p.similarity for p in scored}
    assert report["background"] == round(whole.background, 4)


def test_an_entry_linking_a_large_group_and_a_small_one_merges_them_as_checks_components_do(
        archive: Archive, tmp_path: Path) -> None:
    """Six copies of one program (a group), a student who kept part of it (another group), and
    one whose work is near both: ``check`` chains the three into one group, and so must the
    archive, though the copies are the new entry's likeliest near-duplicates many times over."""
    from originality.check import check
    from originality.store.models import ProjectStatistics
    from tests.unit.test_archive import add
    from tests.unit.test_matching import own_work, write

    a, b, c = own_work(1, statements=24), own_work(2, statements=16), own_work(3, statements=16)
    b_part = "\n".join(b.splitlines()[:13]) + "\n"
    c_part = "\n".join(c.splitlines()[:7]) + "\n"
    files = [{"m.py": a + b}] * 6 + [{"m.py": a + c}, {"m.py": a + b_part + c_part}]
    folders = [write(tmp_path / "in" / f"s{k}", f) for k, f in enumerate(files)]
    for k, folder in enumerate(folders):
        add(archive, folder, f"s{k}")
    whole = check(folders, options=replace(archive.options, workers=1))
    with archive.db.sessions() as session:
        groups = session.get(ProjectStatistics, "p").groups  # type: ignore[union-attr]
    assert groups == whole.groups == 1
