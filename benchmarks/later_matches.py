"""What reading a report costs once later uploads match it: the service path at scale.

    .venv/bin/python benchmarks/later_matches.py --students 2000 [--data DIR] [--reports 5]

Every submission of the generated scale cohort (``datasets.build_scale_cohort``: one task,
starter code set) goes through ``Archive.process`` one upload at a time, as the worker takes
them (the report, its links, summary and flags stored); then the reports of the earliest
submissions, which every later upload was compared with, are built as the API returns them
(``links.later_matches`` added to the stored report) and timed, with the process's peak memory.
Prints the stored reports' sizes too (generated data: no real set has a project this large).
``--pages`` also times, through Flask's test client with a staff token, the API report, the
report page and the printable evidence of the earliest submission and of the one with the
largest report, and the cohort page. ``--data DIR`` keeps the processed archive and reuses it.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))  # after PYTHONPATH: an engine from `git worktree` there is measured

import datasets  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from originality.archive import Archive, file_digest  # noqa: E402
from originality.store import links  # noqa: E402
from originality.store.models import ReportRow, Submission  # noqa: E402
from originality.store.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=5, help="how many of the earliest reports to read")
    parser.add_argument("--pages", action="store_true", help="time the API report and the pages too")
    parser.add_argument("--data", type=Path, required=True, help="the archive's directory (kept, reused)")
    args = parser.parse_args()
    root = datasets.build_scale_cohort(args.students)
    zips = sorted((root / "subs").glob("*.zip"))
    marker = args.data / "processed"
    args.data.mkdir(parents=True, exist_ok=True)
    archive = Archive.open(Settings(data_dir=args.data, index="sql"))
    try:
        if not marker.exists():
            datasets.set_starter(archive, root, "bench")
            started = time.perf_counter()
            for n, path in enumerate(zips, start=1):
                sha, size = file_digest(path)
                submission = archive.register(sha256=sha, size=size, project_id="bench", student_id=path.stem,
                                              name=path.stem, origin="upload").submission
                assert archive.claim(submission.id, 3600)
                assert archive.process(submission.id, source=path) == "done"
                if n % 200 == 0:
                    print(f"  {n}/{len(zips)} processed, {time.perf_counter() - started:.0f} s", file=sys.stderr)
            marker.write_text(f"{args.students}\n")
        with archive.db.sessions() as session:  # the sizes only: the bodies would weigh on the peak
            rows = session.execute(select(ReportRow.submission_id, func.length(ReportRow.body), Submission.created_at)
                                   .join(Submission, Submission.id == ReportRow.submission_id)).all()
        sizes = sorted(size for _, size, _ in rows)
        earliest = [sid for sid, _, _ in sorted(rows, key=lambda row: (row[2], row[0]))[: args.reports]]
        seconds, later_counts, bytes_out = [], [], []
        for sid in earliest:
            began = time.process_time()
            report = links.later_matches(archive.db, sid).added_to(archive.report_of(sid))
            seconds.append(time.process_time() - began)
            later_counts.append(len(report["later_matches"]))
            bytes_out.append(len(json.dumps(report)))
        largest = max(rows, key=lambda row: row[1])[0]
    finally:
        archive.close()
    if args.pages:
        time_pages(args.data, earliest[0], largest)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(rows)} reports stored: median {statistics.median(sizes) / 1e3:.0f} kB, largest "
          f"{sizes[-1] / 1e3:.0f} kB, all {sum(sizes) / 1e6:.0f} MB")
    print(f"the {len(earliest)} earliest reports as the API builds them: CPU median {statistics.median(seconds):.2f} s, "
          f"max {max(seconds):.2f} s; later matches {min(later_counts)}-{max(later_counts)}; "
          f"JSON {min(bytes_out) / 1e6:.1f}-{max(bytes_out) / 1e6:.1f} MB; peak {peak:.0f} MB")


def time_pages(data: Path, earliest: str, largest: str, runs: int = 3) -> None:
    """The median CPU of each request (and its size), through Flask's test client."""
    from api import create_app
    from originality.store.access import create_token

    app = create_app({"DATA_DIR": str(data), "INDEX": "sql", "REDIS_URL": "redis://127.0.0.1:9/0", "TESTING": True})
    archive = app.extensions["originality"]
    staff = {"Authorization": f"Bearer {create_token(archive.db, 'staff', 'bench')}"}
    client = app.test_client()
    for label, sid in (("earliest", earliest), ("largest report", largest)):
        for what, url in (("API report", f"/api/v1/submissions/{sid}/report"), ("report page", f"/reports/{sid}"),
                          ("print page", f"/reports/{sid}/print")):
            spent, size = [], 0
            for _ in range(runs):
                began = time.process_time()
                answer = client.get(url, headers=staff)
                spent.append(time.process_time() - began)
                assert answer.status_code == 200, (url, answer.status_code)
                size = len(answer.get_data())
            print(f"  {what} of the {label} ({sid[:8]}): CPU median {statistics.median(spent) * 1e3:.0f} ms, "
                  f"{size / 1e3:.0f} kB")
    spent = []
    for _ in range(runs):
        began = time.process_time()
        assert client.get("/projects/bench", headers=staff).status_code == 200
        spent.append(time.process_time() - began)
    print(f"  cohort page: CPU median {statistics.median(spent) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
