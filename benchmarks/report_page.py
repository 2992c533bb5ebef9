"""Server time of the report pages for one submission with many matches.

    .venv/bin/python benchmarks/report_page.py [--matches 50] [--prior 200] [--runs 20]

Builds a fresh SQLite archive in a temporary data dir: ``--prior`` earlier submissions of one
project (the first ``--matches`` with stored documents: generated multi-file Python and a
Markdown report, ``gen_python`` and ``gen_prose``), then one submission whose stored report
matches each of those with 3-15 fragments over their real line ranges, starter lines included.
Rows are written directly (as ``Archive.process`` stores them), so building takes seconds.

Then it times, through Flask's test client with a bearer token (the whole request in this
process: auth, access log, database, templates), after a warm-up: the report page, the side
by side of the top match, the print page (the 20 most similar matches side by side) and the
project's cohort overview (every other submission has a stored report too, with up to
``--cohort-matches`` matches among the earlier ones, so the overview reads them all).
Prints the median and p95 in milliseconds. Target: the report page under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import textwrap
import time
import uuid
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_prose import answer  # noqa: E402
from gen_python import draw_py_student, render_student  # noqa: E402
from prose_texts import TOPICS  # noqa: E402

PROJECT = "bench"
WARM_UP = 3
SEED = 20261123


def student_files(rng: random.Random) -> dict[str, str]:
    """One student's deliverable as the archive stores it: code, and a report wrapped as
    extracted prose is (long lines broken mid-sentence)."""
    files = render_student(draw_py_student(rng))
    topic = rng.choice(sorted(TOPICS))
    prose = answer(topic, rng.choice(["cut", "light", "heavy", "non"]), rng, (350, 500))
    files["REPORT.md"] = "\n".join(textwrap.wrap(prose, 90)) + "\n"
    return files


def fragments(rng: random.Random, mine: dict[str, int], theirs: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.randint(3, 15)):
        a_file, b_file = rng.choice(sorted(mine)), rng.choice(sorted(theirs))
        size = rng.randint(3, 30)
        a_start = rng.randint(1, max(1, mine[a_file] - size))
        b_start = rng.randint(1, max(1, theirs[b_file] - size))
        out.append({"a": {"file": a_file, "start_line": a_start,
                          "end_line": min(mine[a_file], a_start + size)},
                    "b": {"file": b_file, "start_line": b_start,
                          "end_line": min(theirs[b_file], b_start + size)},
                    "tokens": size * rng.randint(6, 12)})
    return sorted(out, key=lambda f: (f["a"]["file"], f["a"]["start_line"]))


def cohort_report(rng: random.Random, ids: list[str], n: int, most: int) -> dict[str, Any]:
    """A plain stored report for submission ``n``: a few earlier ones, mostly dissimilar."""
    earlier = rng.sample(range(n), min(n, rng.randint(0, most)))
    found = [{"submission_id": ids[k], "student_id": f"student{k:04d}", "name": None,
              "attempt": 1, "similarity": round(min(0.99, rng.betavariate(1.5, 6)), 4),
              "a_share": 0.0, "b_share": 0.0, "fragments": []} for k in sorted(earlier)]
    found.sort(key=lambda m: (-m["similarity"], m["submission_id"]))
    return {"submission": ids[n], "matches": found, "own_attempts": []}


def build(archive: Any, matches: int, prior: int, rng: random.Random,
          cohort_matches: int) -> tuple[str, str]:
    """The archive's rows; returns (the reported submission, its top match)."""
    from originality.store import links
    from originality.store.models import (ArchiveEntry, DocumentRow, JobStatus, ReportRow,
                                          Submission, utcnow)

    start = utcnow() - timedelta(days=10)
    lines: dict[str, dict[str, int]] = {}
    with archive.db.session() as session:
        ids = [uuid.uuid4().hex for _ in range(prior + 1)]
        for n, sid in enumerate(ids):
            at = start + timedelta(minutes=n)
            session.add(Submission(id=sid, project_id=PROJECT, student_id=f"student{n:04d}",
                                   attempt=1, assessor_id="ada", sha256=uuid.uuid4().hex * 2,
                                   size=1, created_at=at, finished_at=at, status=JobStatus.DONE,
                                   files=0, runs=1, origin="upload"))
        session.flush()
        mine = ids[-1]
        for n, sid in enumerate(ids):
            if n < matches or sid == mine:
                files = student_files(rng)
                lines[sid] = {path: text.count("\n") for path, text in files.items()}
                for ordinal, (path, text) in enumerate(sorted(files.items())):
                    session.add(DocumentRow(submission_id=sid, ordinal=ordinal, path=path,
                                            state="ok", sha256="0" * 64, size=len(text),
                                            detail="", text_z=zlib.compress(text.encode())))
            session.add(ArchiveEntry(submission_id=sid, project_id=PROJECT,
                                     student_id=f"student{n:04d}", minhash=b"", indexed_at=start))
        found: list[dict[str, Any]] = []
        for sid in ids[:matches]:
            similarity = round(rng.uniform(0.15, 0.98), 4)
            found.append({"submission_id": sid, "student_id": f"student{ids.index(sid):04d}",
                          "name": None, "attempt": 1, "similarity": similarity,
                          "a_share": round(similarity * rng.uniform(0.8, 1), 4),
                          "b_share": round(similarity * rng.uniform(0.8, 1), 4),
                          "fragments": fragments(rng, lines[mine], lines[sid])})
        found.sort(key=lambda m: (-m["similarity"], m["submission_id"]))
        starter = {sid: {"main.py": [[1, 6]], "utils.py": [[1, 4], [8, 10]]}
                   for sid in [mine] + ids[:matches]}
        body = {"submission": mine, "matches": found, "own_attempts": [], "template_lines": starter}
        session.add(ReportRow(submission_id=mine, created_at=utcnow(),
                              body=json.dumps(body, sort_keys=True)))
        links.write(session, mine, body)
        for n, sid in enumerate(ids[:-1]):
            theirs = cohort_report(rng, ids, n, cohort_matches)
            session.add(ReportRow(submission_id=sid, created_at=utcnow(),
                                  body=json.dumps(theirs, sort_keys=True)))
            links.write(session, sid, theirs)  # as Archive.process stores a report
    return mine, str(found[0]["submission_id"])


def timed(client: Any, url: str, headers: dict[str, str], runs: int) -> tuple[float, float, int]:
    for _ in range(WARM_UP):
        assert client.get(url, headers=headers).status_code == 200, url
    samples = []
    size = 0
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
        size = len(response.get_data())
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matches", type=int, default=50)
    parser.add_argument("--prior", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cohort-matches", type=int, default=25)
    args = parser.parse_args()
    os.environ.pop("ORIGINALITY_DATABASE_URL", None)

    from api import create_app
    from originality.store.access import create_token

    with tempfile.TemporaryDirectory(prefix="originality-bench-") as tmp:
        app = create_app({"DATA_DIR": tmp, "INDEX": "memory", "REDIS_URL": "redis://127.0.0.1:9/0",
                          "TESTING": True})
        archive = app.extensions["originality"]
        try:
            began = time.perf_counter()
            mine, top = build(archive, args.matches, max(args.prior, args.matches),
                              random.Random(SEED), args.cohort_matches)
            print(f"built {max(args.prior, args.matches) + 1} submissions, {args.matches} matches "
                  f"in {time.perf_counter() - began:.1f} s (SQLite, {tmp})")
            headers = {"Authorization": f"Bearer {create_token(archive.db, 'staff', 'bench')}"}
            client = app.test_client()
            print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'KB':>8}   ({args.runs} runs)")
            for label, url in [(f"report ({args.matches} matches)", f"/reports/{mine}"),
                               ("side by side (top match)", f"/reports/{mine}/matches/{top}"),
                               ("print (top 20)", f"/reports/{mine}/print"),
                               (f"cohort ({max(args.prior, args.matches) + 1} submissions)",
                                f"/projects/{PROJECT}")]:
                median, p95, size = timed(client, url, headers, args.runs)
                print(f"{label:<28}{median:>10.1f}{p95:>10.1f}{size / 1024:>8.0f}")
        finally:
            archive.close()


if __name__ == "__main__":
    main()
