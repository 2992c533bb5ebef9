"""Later matches read from their links, never from the later reports but for links written
before migration 0025 (``originality/store/links.py``), on a real SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from originality.archive import Archive
from originality.store import links
from originality.store.models import JobStatus, MatchLink, ReportRow, Submission
from originality.store.settings import Settings


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    opened = Archive.open(Settings(data_dir=tmp_path / "data", index="memory"))
    yield opened
    opened.close()


def match(other: str, similarity: float, shares: tuple[float, float],
          fragments: list[dict[str, Any]]) -> dict[str, Any]:
    return {"submission_id": other, "student_id": f"student-{other}", "name": other, "attempt": 1,
            "similarity": similarity, "a_share": shares[0], "b_share": shares[1], "fragments": fragments}


def store(archive: Archive, sid: str, report: dict[str, Any], body: str | None = None) -> None:
    with archive.db.session() as session:
        session.add(Submission(id=sid, project_id="p", student_id=f"student-{sid}", name=sid,
                               sha256=sid * 4, status=JobStatus.DONE))
        session.flush()
        session.add(ReportRow(submission_id=sid, body=body or json.dumps(report, sort_keys=True)))
        links.write(session, sid, report)


FRAGMENT = {"a": {"file": "b.py", "start_line": 1, "end_line": 9},
            "b": {"file": "a.py", "start_line": 3, "end_line": 11}, "tokens": 80}
ALIGNED = {"submission": "copy", "matches": [match("first", 0.91, (0.92, 0.9), [FRAGMENT])], "own_attempts": [],
           "template_lines": {"copy": {"b.py": [[1, 2]]}, "first": {"a.py": [[3, 3]]}, "other": {}}}
WEAK = {"submission": "weak", "matches": [match("first", 0.14, (0.15, 0.13), [])], "own_attempts": [],
        "template_lines": {"weak": {"c.py": [[5, 6]]}}}


def later_of_first(archive: Archive, aligned_body: str | None) -> links.Later:
    store(archive, "first", {"submission": "first", "matches": [], "own_attempts": [], "template_lines": {}})
    store(archive, "copy", ALIGNED, aligned_body)
    # A later report is not read: a body that does not parse proves it (on one task with
    # 20,000 entries, thousands of reports of 2 MB each).
    store(archive, "weak", WEAK, body="{not read")
    return links.later_matches(archive.db, "first")


def test_later_matches_are_read_from_their_links_alone(archive: Archive) -> None:
    later = later_of_first(archive, aligned_body="{not read")
    assert [m["submission_id"] for m in later.matches] == ["copy", "weak"]
    strong, listed = later.matches
    # The very numbers of the later report and its fragments, seen from this side.
    assert strong == match("copy", 0.91, (0.9, 0.92), [{**FRAGMENT, "a": FRAGMENT["b"], "b": FRAGMENT["a"]}])
    assert listed == match("weak", 0.14, (0.13, 0.15), [])
    # The starter and common lines of an aligned pair's two sides, for greying; none of a pair
    # the side by side draws nothing of.
    assert later.template_lines == {"copy": {"copy": {"b.py": [[1, 2]]}, "first": {"a.py": [[3, 3]]}}}


def test_a_link_from_before_its_evidence_was_kept_reads_its_report(archive: Archive) -> None:
    expected = later_of_first(archive, aligned_body=None)
    with archive.db.session() as session:  # as migration 0025 leaves an older row
        session.execute(update(MatchLink).values(evidence_z=None))
    assert links.later_matches(archive.db, "first") == expected
