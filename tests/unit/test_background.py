"""A population's background (``score.background``): what its independent work shares, which
the code part of the similarity reads a pair's containment above; drawn alike by ``check`` and
the archive (``archive/background.py``)."""

from __future__ import annotations

import json
import random
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from originality import score
from originality.archive import Archive, background, compare, postings
from originality.calibration import DEFAULT_MODEL, FEATURES
from originality.check import check, load_submission
from originality.html_report import write_html
from originality.options import CheckOptions
from originality.percents import percent
from originality.fingerprint import SymbolTable
from originality.options import MatchOptions
from originality.score import Comparison, background_rows
from originality.store.models import ArchiveEntry, EntryProfile
from originality.profile import Profile
from tests.support import migrate, sqlite_plans
from tests.unit.test_archive import archive, scenario_zip  # noqa: F401  (the fixture)
from tests.unit.test_archive_stats import SCENARIOS, check_scores_as_over_the_whole_archive, imported
from tests.unit.test_matching import own_work
from tests.unit.test_matching import write
from tests.unit.test_score import population


def test_the_sample_takes_one_submission_a_group_in_key_order_whatever_the_order_given() -> None:
    keys = [bytes([k]) for k in (5, 1, 4, 2, 3, 0)]
    groups = ["a", "b", "a", "c", "b", "d"]
    names = [f"s{k}" for k in range(6)]
    rows = background_rows(keys, groups, names)
    assert [keys[r] for r in rows] == [bytes([0]), bytes([1]), bytes([2]), bytes([4])]  # d, b, c, a
    order = list(range(6))
    random.Random(1).shuffle(order)
    shuffled = background_rows([keys[k] for k in order], [groups[k] for k in order], [names[k] for k in order])
    assert [names[order[r]] for r in shuffled] == [names[r] for r in rows]


def test_the_background_is_the_median_containment_over_the_samples_pairs() -> None:
    longs = [np.arange(0, 10, dtype=np.uint64), np.arange(5, 25, dtype=np.uint64),  # 5 shared: 0.5 of the smaller
             np.arange(100, 110, dtype=np.uint64)]  # shares nothing
    # Pairs: (0, 1) 0.5, (0, 2) 0, (1, 2) 0: the median is 0; with the third out, 0.5.
    assert score.background(longs, 2) == 0.0
    assert score.background(longs[:2], 2) == 0.5
    assert score.background(longs[:2], 3) == 0.0  # under the least groups it asks for


def test_the_same_pair_scores_lower_where_independent_work_shares_more(tmp_path: Path) -> None:
    """A copy of half a program among students who share nothing, and among students who all
    write the same helper: the second population's background is higher, its pair lower."""
    source = own_work(1, statements=40)
    copy = "".join(source.splitlines(keepends=True)[:20]) + own_work(2, statements=20)
    helper = own_work(99, statements=8)
    sparse_files = [{"m.py": source}, {"m.py": copy}] + [{"m.py": own_work(10 + k, statements=30)} for k in range(12)]
    dense_files = [{"m.py": source}, {"m.py": copy}] + [
        {"m.py": own_work(10 + k, statements=30), "h.py": own_work(200 + k // 2, statements=8) + helper}
        for k in range(12)]
    options = replace(MatchOptions(), common_fraction=1.0, common_min_submissions=10)  # the helper is not common code
    sparse_population = population(tmp_path / "sparse", sparse_files, options)
    dense_population = population(tmp_path / "dense", dense_files, options)
    assert sparse_population.background < 0.01 < 0.1 < dense_population.background
    pair = (np.array([0]), np.array([1]))
    sparse_pair, dense_pair = sparse_population.pair_features(*pair), dense_population.pair_features(*pair)
    containments = [FEATURES.index(f) for f in FEATURES if "containment" in f and "cosine" not in f]
    assert np.array_equal(sparse_pair.values[:, containments], dense_pair.values[:, containments])
    assert dense_population.similarities(dense_pair)[0] < sparse_population.similarities(sparse_pair)[0]
    # Read above the background: the same as the model over the containment less it.
    shifted = dense_pair.values.copy()
    shifted[:, FEATURES.index("containment_max")] -= dense_population.background
    assert dense_population.similarities(dense_pair)[0] == DEFAULT_MODEL.similarity(shifted, dense_pair.code_share)[0]



def test_the_background_leaves_out_what_half_the_groups_hold_where_common_code_asks_more(tmp_path: Path) -> None:
    """Sixteen of twenty students hold a helper: too few for a population this young to call it
    common code (17 of 20), so their pairs still count it, but the background, which measures
    what independent work shares beyond the task's code, leaves it out at the bare share: it
    is the background of the same students without the helper."""
    helper = own_work(99, statements=8)
    files = [{"m.py": own_work(10 + k, statements=30)} for k in range(20)]
    with_helper = population(tmp_path / "with", [dict(f, **({"h.py": helper} if k < 16 else {}))
                                                  for k, f in enumerate(files)], MatchOptions())
    without = population(tmp_path / "without", files, MatchOptions())
    helper_grams = with_helper.profiles[0].long[~np.isin(with_helper.profiles[0].long, without.profiles[0].long)]
    assert len(helper_grams) > 10
    assert np.isin(helper_grams, with_helper.excluded.long).mean() < 0.1  # a few the others write too
    assert np.isin(helper_grams, with_helper.excluded.background_long).all()
    # As without it (a few of the students' own k-grams the helper's pass the bare share too),
    # where the median pair would share the helper if common code's threshold left it in.
    rows = background_rows([p.key for p in with_helper.profiles], with_helper.excluded.groups.tolist(),
                           with_helper.ids)
    counting_it = score.background(score.own_long([with_helper.profiles[r] for r in rows], with_helper.excluded),
                                   MatchOptions().common_min_submissions)
    assert abs(with_helper.background - without.background) < 0.001 < 0.1 < counting_it


def test_checks_report_gives_its_cohorts_background(tmp_path: Path) -> None:
    """``check``'s JSON and HTML say what the cohort's independent work shares."""
    files = [{"m.py": own_work(10 + k, statements=30), "h.py": own_work(200 + k // 2, statements=8)}
             for k in range(12)]
    folders = [write(tmp_path / "in" / f"s{k:02d}", f) for k, f in enumerate(files)]
    options = CheckOptions(workers=1)
    report = check(folders, options=options)
    whole = population(tmp_path / "again", files)
    assert report.background == round(whole.background, 4) > 0
    assert json.loads(report.to_json())["background"] == report.background
    page = write_html(report, tmp_path / "html").read_text(encoding="utf-8")
    assert percent(report.background) in page and "Background" in page


@pytest.mark.parametrize("students", [4, 12])
def test_checks_report_says_how_many_independent_submissions_its_cohort_holds(tmp_path: Path,
                                                                             students: int) -> None:
    """Near-duplicates count once; under 10 the HTML report says that neither common code nor
    the background could be found, from 10 on it does not."""
    files = [{"m.py": own_work(10 + k, statements=30)} for k in range(students - 1)]
    files.append(dict(files[0]))  # a near-duplicate of the first: the same group
    report = check([write(tmp_path / "in" / f"s{k:02d}", f) for k, f in enumerate(files)],
                   options=CheckOptions(workers=1))
    assert report.groups == students - 1 == json.loads(report.to_json())["groups"]
    page = write_html(report, tmp_path / "html").read_text(encoding="utf-8")
    assert f'<td class="num">{students - 1}</td>' in page
    assert ("under 10, the code students commonly write" in page) == (students - 1 < 10)


def test_the_archive_reports_the_groups_a_comparison_over_the_whole_archive_counts(
        archive: Archive, tmp_path: Path) -> None:
    """The archive's report says how many independent groups the project held at the check,
    the upload included, as ``check`` of the same submissions counts them."""
    ids = imported(archive, tmp_path, SCENARIOS)
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    found = archive.compare(upload, "p", None)["groups"]
    folders = [scenario_zip(tmp_path, name) for name in SCENARIOS + ["reordered"]]
    whole = check(folders, options=replace(archive.options, workers=1))
    assert found == whole.groups and 5 < found < len(ids) + 1  # the identical copy joins its original's group


def test_a_check_reads_the_background_a_comparison_over_the_whole_archive_reads(
        archive: Archive, tmp_path: Path) -> None:
    """With the background drawn from the scenarios (common code and the background from 2
    groups on), the archive's check and a comparison over the whole archive score alike."""
    archive.options = replace(archive.options, match=replace(archive.options.match, common_min_submissions=2))
    ids = imported(archive, tmp_path, SCENARIOS)
    backgrounds = []
    real = Comparison.background.func  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Comparison, "background",
                      property(lambda self: backgrounds.append((self, real(self))) or real(self)))
        check_scores_as_over_the_whole_archive(archive, tmp_path, list(ids.values()))
    # Both comparisons read one background, and not nothing (the comparisons are held, so that
    # the second cannot take the first one's id once it is freed).
    assert len({id(c) for c, _ in backgrounds}) == 2 and len({b for _, b in backgrounds}) == 1 and backgrounds[0][1] > 0
    # The report says it, rounded as a score.
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    assert archive.compare(upload, "p", None)["background"] == round(backgrounds[0][1], 4)

    with archive.db.sessions() as session:
        keys = dict(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.content_key)).all())
        stored = dict(session.execute(select(EntryProfile.submission_id, EntryProfile.data)).all())
    assert keys == {sid: Profile.from_bytes(data).key for sid, data in stored.items()}


def test_the_candidate_test_asks_for_the_share_above_the_background(archive: Archive, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The archive's check reads its project's background before its candidates and raises
    their test by it, scoring with the same background; every pair a comparison over the whole
    archive scores is still listed alike (``check_scores_as_over_the_whole_archive``)."""
    archive.options = replace(archive.options, match=replace(archive.options.match, common_min_submissions=2))
    ids = imported(archive, tmp_path, SCENARIOS)
    floors, backgrounds = [], []
    real_floor, real_background = postings.candidate_floor, compare.counted_background
    monkeypatch.setattr(postings, "candidate_floor", lambda *args: floors.append(args) or real_floor(*args))
    monkeypatch.setattr(compare, "counted_background",
                        lambda *args: backgrounds.append(real_background(*args)) or backgrounds[-1])
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    report = archive.compare(upload, "p", None)
    assert backgrounds[0] > 0 and floors == [(DEFAULT_MODEL, archive.options.min_similarity, backgrounds[0])]
    assert report["background"] == round(backgrounds[0], 4)
    assert real_floor(*floors[0]) > real_floor(DEFAULT_MODEL, archive.options.min_similarity, 0.0)
    check_scores_as_over_the_whole_archive(archive, tmp_path, list(ids.values()))


@pytest.mark.parametrize("size", [2, 3, 9, 10, 20])
def test_the_archives_sample_is_the_one_drawn_over_every_entry(archive: Archive, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Read a few rows at a time in key order (doubling while they hold too few groups), the
    sample is the one ``background_rows`` draws over every entry and the upload."""
    monkeypatch.setattr(score, "BACKGROUND_SAMPLE", size)
    monkeypatch.setattr(background, "READ_AHEAD", 1)
    imported(archive, tmp_path, SCENARIOS)
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    mine = background.Member("new", "new", Profile.of(upload.units).key)
    reads = []
    real = background.driver_rows
    monkeypatch.setattr(background, "driver_rows", lambda *args: reads.append(args[2][-1]) or real(*args))
    with archive.db.sessions() as session:
        rows = session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.stats_group,
                                      ArchiveEntry.content_key)).all()
        drawn = background.sample(session, "p", mine, None)
    # The scenarios hold 9 groups in 11 entries (the upload makes 10): a sample of 9 or 10 finds
    # too few groups in its first rows and reads twice as many.
    assert reads == ([size, 2 * size] if size in (9, 10) else [size])
    everyone = [mine] + [background.Member(sid, group, key) for sid, group, key in rows]
    expected = [everyone[r] for r in background_rows([m.key for m in everyone], [m.group for m in everyone],
                                                     [m.submission_id for m in everyone])]
    assert drawn == expected and len(drawn) == min(size, len({m.group for m in everyone}))


def test_the_workers_sample_of_the_entries_before_its_upload_walks_the_content_keys(archive: Archive,
                                                                                    tmp_path: Path) -> None:
    """In the worker, the sample is of the entries before the upload: the same sample when every
    entry is before it, read in the order of the content keys' index, not by reading every entry
    before the upload and sorting them (which SQLite chose on the condition on ``seq``)."""
    imported(archive, tmp_path, SCENARIOS)
    upload = load_submission(scenario_zip(tmp_path, "reordered"), archive.options, SymbolTable(), "new")
    mine = background.Member("new", "new", Profile.of(upload.units).key)
    with archive.db.sessions() as session:
        after_all = int(session.scalar(select(func.max(ArchiveEntry.seq)))) + 1
        everything = background.sample(session, "p", mine, None)
    with sqlite_plans(archive) as plans:
        with archive.db.sessions() as session:
            assert background.sample(session, "p", mine, after_all) == everything
    [plan] = [plan for sql, plan in plans.items() if "ORDER BY content_key" in sql]
    assert "ix_archive_entries_content_key" in plan


def test_migration_0021_gives_counted_entries_their_keys_from_their_profiles(archive: Archive, tmp_path: Path) -> None:
    ids = imported(archive, tmp_path, SCENARIOS)
    with archive.db.sessions() as session:
        before = dict(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.content_key)).all())
    assert set(before) == set(ids.values()) and all(before.values())
    migrate(archive, "0020", down=True)
    with archive.db.session() as session:  # the profiles the release at 0020 wrote (emptied by 0024)
        for sid, key in before.items():
            session.execute(text("INSERT INTO entry_profiles (submission_id, data) VALUES (:s, :d)"),
                            {"s": sid, "d": struct.pack("<6q", 0, 0, 0, 0, 0, 0) + key})
    migrate(archive, "head")
    with archive.db.sessions() as session:
        assert dict(session.execute(select(ArchiveEntry.submission_id, ArchiveEntry.content_key)).all()) == before
