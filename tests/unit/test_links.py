"""Later matches read from their links, and only the later reports that hold fragments
(``originality/store/links.py``), on a real SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from originality.archive import Archive
from originality.store import links
from originality.store.models import JobStatus, ReportRow, Submission
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


def test_a_later_match_without_fragments_is_read_from_its_link_alone(archive: Archive) -> None:
    fragment = {"a": {"file": "b.py", "start_line": 1, "end_line": 9},
                "b": {"file": "a.py", "start_line": 3, "end_line": 11}, "tokens": 80}
    store(archive, "first", {"submission": "first", "matches": [], "own_attempts": [], "template_lines": {}})
    aligned = {"submission": "copy", "matches": [match("first", 0.91, (0.92, 0.9), [fragment])], "own_attempts": [],
               "template_lines": {"copy": {"b.py": [[1, 2]]}, "first": {"a.py": [[3, 3]]}, "other": {}}}
    store(archive, "copy", aligned)
    weak = {"submission": "weak", "matches": [match("first", 0.14, (0.15, 0.13), [])], "own_attempts": [],
            "template_lines": {"weak": {"c.py": [[5, 6]]}}}
    # Its report is never read: a body that does not parse proves it (thousands of such
    # reports of 2 MB each on one task with 20,000 entries).
    store(archive, "weak", weak, body="{not read")

    later = links.later_matches(archive.db, "first")
    assert [m["submission_id"] for m in later.matches] == ["copy", "weak"]
    strong, listed = later.matches
    assert strong == match("copy", 0.91, (0.9, 0.92), [{**fragment, "a": fragment["b"], "b": fragment["a"]}])
    # Listed from its link: the very numbers of the later report, seen from this side.
    assert listed == match("weak", 0.14, (0.13, 0.15), [])
    # The starter and common lines of an aligned pair's two sides, for greying; none of a pair
    # the side by side draws nothing of.
    assert later.template_lines == {"copy": {"copy": {"b.py": [[1, 2]]}, "first": {"a.py": [[3, 3]]}}}
