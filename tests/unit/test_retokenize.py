"""Entries made with other tokens, made again: the archive without a server (SQLite in a
temporary directory, the in-memory LSH)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select, update

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes
from originality.archive import Archive, PastSubmission, unit_from_row
from originality.check import load_submission
from originality.fingerprint import SymbolTable
from originality.options import CheckOptions, MatchOptions
from originality.store.models import ArchiveEntry, DocumentRow, Submission, UnitRow
from originality.store.settings import Settings

NAMES = ("original", "renamed", "java_original", "prose_source", "pdf_report_a", "pdf_report_b", "notebook_a")


def write(directory: Path, scenario: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == scenario]
    path = directory / f"{scenario}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


def open_archive(tmp_path: Path, tokenizer: str = "syntax") -> Archive:
    return Archive.open(Settings(data_dir=tmp_path / "data", index="memory", tokenizer=tokenizer))


def imported(tmp_path: Path, tokenizer: str) -> dict[str, Path]:
    """The scenarios imported (`archive add`: no upload kept) with the given tokenizer."""
    paths = {name: write(tmp_path, name) for name in NAMES}
    archive = open_archive(tmp_path, tokenizer)
    try:
        done = archive.import_batch("p", [PastSubmission(path, name, name, 1, None) for name, path in paths.items()])
        assert done.added == len(NAMES)
    finally:
        archive.close()
    return paths


def stored_hashes(archive: Archive) -> dict[str, list[np.ndarray]]:
    """Each entry's units as stored, by the name it was imported under."""
    with archive.db.sessions() as session:
        names = {sid: name for sid, name in session.execute(select(Submission.id, Submission.name))}
        rows = session.scalars(select(UnitRow).order_by(UnitRow.submission_id, UnitRow.ordinal))
        found: dict[str, list[np.ndarray]] = {}
        for row in rows:
            found.setdefault(names[row.submission_id], []).append(unit_from_row(row).prints.hashes)
        return found


def fresh_hashes(paths: dict[str, Path], options: CheckOptions) -> dict[str, list[np.ndarray]]:
    return {name: [u.prints.hashes for u in load_submission(path, options, SymbolTable()).units]
            for name, path in paths.items()}


def same(a: dict[str, list[np.ndarray]], b: dict[str, list[np.ndarray]]) -> bool:
    return a.keys() == b.keys() and all(
        len(a[k]) == len(b[k]) and all(np.array_equal(x, y) for x, y in zip(a[k], b[k])) for k in a)


def test_entries_another_tokenizer_made_are_made_again_as_a_fresh_import_would_be(tmp_path: Path) -> None:
    paths = imported(tmp_path, "lexical")
    archive = open_archive(tmp_path)
    try:
        today = CheckOptions(workers=1)
        assert not same(stored_hashes(archive), fresh_hashes(paths, today))  # the test can fail
        assert archive.stale_entries() == {"p": len(NAMES)}
        counts = archive.retokenize()
        assert counts == {"p": {"retokenized": len(NAMES), "unreadable": 0, "current": 0}}
        assert same(stored_hashes(archive), fresh_hashes(paths, today))
        assert archive.stale_entries() == {}
        # Idempotent: nothing left to do.
        assert archive.retokenize() == {"p": {"retokenized": 0, "unreadable": 0, "current": len(NAMES)}}
        # Sketched and indexed again: a copy checked now finds its source through the index.
        report = archive.compare(load_submission(write(tmp_path, "identical"), today, SymbolTable()), "p", None)
        assert {m["name"] for m in report["matches"] if m["similarity"] == 1.0} == {"original", "renamed"}
    finally:
        archive.close()


def test_rows_stored_without_segments_are_read_back_and_a_notebook_needs_its_upload(tmp_path: Path) -> None:
    paths = imported(tmp_path, "lexical")
    archive = open_archive(tmp_path)
    try:
        with archive.db.session() as session:  # as rows written before segments were kept
            session.execute(update(DocumentRow).values(segments=None))
            session.execute(update(ArchiveEntry).values(tokens=None))
        counts = archive.retokenize()["p"]
        # Code, Markdown, a PDF's and a DOCX's text read back; the notebook's text is not a
        # notebook, and `archive add` kept no upload.
        assert counts == {"retokenized": len(NAMES) - 1, "unreadable": 1, "current": 0}
        stored, fresh = stored_hashes(archive), fresh_hashes(paths, CheckOptions(workers=1))
        assert same({k: v for k, v in stored.items() if k != "notebook_a"},
                    {k: v for k, v in fresh.items() if k != "notebook_a"})
        assert archive.stale_entries() == {"p": 1}
        # Once its upload is in the content store, the notebook is read again from it.
        with open(paths["notebook_a"], "rb") as handle:
            sha, _ = archive.store.put_stream(handle, 1 << 30)
        with archive.db.session() as session:
            session.execute(update(Submission).where(Submission.name == "notebook_a").values(sha256=sha))
        assert archive.retokenize()["p"]["retokenized"] == 1
        assert same(stored_hashes(archive), fresh_hashes(paths, CheckOptions(workers=1)))
    finally:
        archive.close()


def test_a_projects_new_choice_about_quotations_makes_its_entries_stale(tmp_path: Path) -> None:
    paths = imported(tmp_path, "syntax")
    archive = open_archive(tmp_path)
    try:
        assert archive.stale_entries() == {}
        archive.set_quotations("staff", "staff", "p", leave_out=False)
        assert archive.stale_entries("p") == {"p": len(NAMES)}
        archive.retokenize("p")
        counting = CheckOptions(workers=1, match=MatchOptions(leave_out_quotations=False))
        assert same(stored_hashes(archive), fresh_hashes(paths, counting))
        assert archive.stale_entries() == {}
    finally:
        archive.close()


def test_an_entry_read_again_from_its_upload_keeps_what_retention_removed(tmp_path: Path) -> None:
    # Code and a notebook in one upload, stored with its ZIP; entered with the lexical tokens.
    files = {**scenarios.submission_files([s for s in scenarios.SCENARIOS if s.id == "original"][0]),
             **scenarios.submission_files([s for s in scenarios.SCENARIOS if s.id == "notebook_a"][0])}
    path = tmp_path / "mixed.zip"
    path.write_bytes(zip_bytes(files))
    archive = open_archive(tmp_path, "lexical")
    try:
        with open(path, "rb") as handle:
            sha, size = archive.store.put_stream(handle, 1 << 30)
        registered = archive.register(sha256=sha, size=size, project_id="p", student_id="s")
        assert archive.claim(registered.submission.id, 60)
        archive.process(registered.submission.id, with_report=False)
    finally:
        archive.close()
    archive = open_archive(tmp_path)
    try:
        # Rows from before segments were kept: the notebook sends the entry to its upload.
        with archive.db.session() as session:
            session.execute(update(DocumentRow).values(segments=None))
        assert archive.retokenize()["p"] == {"retokenized": 1, "unreadable": 0, "current": 0}
        fresh = [u.prints.hashes for u in load_submission(path, CheckOptions(workers=1), SymbolTable()).units]
        [stored] = stored_hashes(archive).values()
        assert len(stored) == len(fresh) and all(np.array_equal(a, b) for a, b in zip(stored, fresh))
        # A text removed by retention is not brought back by reading the upload again.
        with archive.db.session() as session:
            session.execute(update(DocumentRow).values(text_z=None))
            session.execute(update(ArchiveEntry).values(tokens=None))
        assert archive.retokenize()["p"]["retokenized"] == 1
        with archive.db.sessions() as session:
            assert all(row.text_z is None for row in session.scalars(select(DocumentRow)))
        [stored] = stored_hashes(archive).values()
        assert len(stored) == len(fresh) and all(np.array_equal(a, b) for a, b in zip(stored, fresh))
    finally:
        archive.close()
