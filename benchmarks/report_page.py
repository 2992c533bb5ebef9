"""Server time of the report pages for one submission with many matches, of the project's
cohort page and of the staff queue.

    .venv/bin/python benchmarks/report_page.py [--matches 50] [--prior 200] [--runs 20]
    .venv/bin/python benchmarks/report_page.py --prior 20000 --runs 10
    .venv/bin/python benchmarks/report_page.py --prior 20000 --runs 10 --web 11
    .venv/bin/python benchmarks/report_page.py --prior 20000 --profile cohort   # pyinstrument

Builds a fresh SQLite archive in a temporary data dir: ``--prior`` earlier submissions of one
project (the first ``--matches`` with stored documents: generated multi-file Python and a
Markdown report, ``gen_python`` and ``gen_prose``), then one submission whose stored report
matches each of those with 3-15 fragments over their real line ranges, starter lines included.
Every other submission has a stored report too, with up to ``--cohort-matches`` weak matches
among the earlier ones (independent work: 0-45%, mostly 5-15%) and, for ``--copy-share`` of
them, a copy of one earlier submission (60-99%); with ``--web N``, N more earlier ones at
50-85% (independent solutions of one small task: the pairs chain the project into one web,
as on the processed scale cohort); 1% carry an integrity flag. The strong pairs
are flagged in the triage, ``--cases`` of the copying submissions have a case (a third
confirmed, a third dismissed) and a tenth as many of their students a confirmed case on an
earlier project, so their waiting items are possible repeats in the staff queue. Rows are
inserted directly, in bulk (the report, its links and, where the version keeps one, its
summary, as ``Archive.process`` stores them), so 20,000 submissions build in half a minute.

Then it times, through Flask's test client with a bearer token (the whole request in this
process: auth, access log, database, templates), after a warm-up: the report page, the side
by side of the top match, the print page (the 20 most similar matches side by side), the
cohort page (staff; then its list of submissions half-way down; then as an assessor with a
tenth of the submissions) and the staff queue. Prints the median and p95 wall time, the median
CPU time of the process (the machine may be shared), the size and the SQL statements a request
runs. Targets: the report page and the cohort page under 300 ms.
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
from urllib.parse import quote
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
ASSESSORS = 10  # the project's submissions are shared among them, in turn
BULK = 2000  # rows per insert while building
WEAK = 0.45  # independent work shares up to this much (mostly 5-15%); copies share 60-99%
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


def cohort_report(rng: random.Random, ids: list[str], n: int, most: int,
                  copy_share: float, web: int = 0) -> dict[str, Any]:
    """A plain stored report for submission ``n``: a few earlier ones, weakly similar (what
    students of one project share), and now and then a copy of one earlier submission; with
    ``web``, as many earlier ones again at 50-85%, as independent solutions of one small task
    can be (the pairs then chain the project into one web)."""
    earlier = set(rng.sample(range(n), min(n, rng.randint(0, most))))
    copied = rng.randrange(n) if n and rng.random() < copy_share else None
    if copied is not None:
        earlier.add(copied)
    alike = set(rng.sample(range(n), min(n, web))) - earlier - {copied}
    earlier |= alike
    found = [{"submission_id": ids[k], "student_id": f"student{k:05d}", "name": None,
              "attempt": 1,
              "similarity": round(rng.uniform(0.6, 0.99) if k == copied
                                  else rng.uniform(0.5, 0.85) if k in alike
                                  else WEAK * rng.betavariate(1.5, 6), 4),
              "a_share": 0.0, "b_share": 0.0, "fragments": []} for k in sorted(earlier)]
    found.sort(key=lambda m: (-m["similarity"], m["submission_id"]))
    return {"submission": ids[n], "matches": found, "own_attempts": [], "flags": (
        [{"file": "REPORT.md", "kind": "hidden_text", "count": 1, "detail": ""}]
        if rng.random() < 0.01 else [])}


def assessor_of(n: int) -> str:
    return f"assessor{n % ASSESSORS}"


def build(archive: Any, matches: int, prior: int, rng: random.Random,
          cohort_matches: int, copy_share: float, web: int = 0) -> tuple[str, str]:
    """The archive's rows; returns (the reported submission, its top match)."""
    from sqlalchemy import insert

    from originality.store import models
    from originality.store.models import (ArchiveEntry, DocumentRow, JobStatus, MatchLink,
                                          ReportRow, Submission, utcnow)

    start = utcnow() - timedelta(days=10)
    lines: dict[str, dict[str, int]] = {}
    with archive.db.session() as session:
        ids = [uuid.uuid4().hex for _ in range(prior + 1)]
        session.execute(insert(Submission), [
            {"id": sid, "project_id": PROJECT, "student_id": f"student{n:05d}", "attempt": 1,
             "assessor_id": assessor_of(n), "sha256": uuid.uuid4().hex * 2, "size": 1,
             "created_at": start + timedelta(minutes=n), "finished_at": start + timedelta(minutes=n),
             "status": JobStatus.DONE, "files": 0, "runs": 1, "origin": "upload"}
            for n, sid in enumerate(ids)])
        session.execute(insert(ArchiveEntry), [
            {"submission_id": sid, "project_id": PROJECT, "student_id": f"student{n:05d}",
             "minhash": b"", "indexed_at": start} for n, sid in enumerate(ids)])
        mine = ids[-1]
        for n, sid in enumerate(ids):
            if n < matches or sid == mine:
                files = student_files(rng)
                lines[sid] = {path: text.count("\n") for path, text in files.items()}
                for ordinal, (path, text) in enumerate(sorted(files.items())):
                    session.add(DocumentRow(submission_id=sid, ordinal=ordinal, path=path,
                                            state="ok", sha256="0" * 64, size=len(text),
                                            detail="", text_z=zlib.compress(text.encode())))
        found: list[dict[str, Any]] = []
        for sid in ids[:matches]:
            similarity = round(rng.uniform(0.15, 0.98), 4)
            found.append({"submission_id": sid, "student_id": f"student{ids.index(sid):05d}",
                          "name": None, "attempt": 1, "similarity": similarity,
                          "a_share": round(similarity * rng.uniform(0.8, 1), 4),
                          "b_share": round(similarity * rng.uniform(0.8, 1), 4),
                          "fragments": fragments(rng, lines[mine], lines[sid])})
        found.sort(key=lambda m: (-m["similarity"], m["submission_id"]))
        starter = {sid: {"main.py": [[1, 6]], "utils.py": [[1, 4], [8, 10]]}
                   for sid in [mine] + ids[:matches]}
        body = {"submission": mine, "matches": found, "own_attempts": [], "template_lines": starter}
        # The other reports in bulk, with the rows Archive.process writes beside each (the
        # links, and the summary where this version keeps one).
        summary = getattr(models, "SubmissionSummary", None)
        for first in range(0, len(ids), BULK):
            reports, link_rows, summary_rows = [], [], []
            for n in range(first, min(len(ids), first + BULK)):
                sid = ids[n]
                theirs = body if sid == mine else cohort_report(rng, ids, n, cohort_matches,
                                                                copy_share, web)
                reports.append({"submission_id": sid, "created_at": utcnow(),
                                "body": json.dumps(theirs, sort_keys=True)})
                link_rows += [{"submission_id": sid, "other_id": m["submission_id"],
                               "similarity": m["similarity"], "a_share": m["a_share"],
                               "b_share": m["b_share"], "fragments": len(m["fragments"]),
                               "own": False} for m in theirs["matches"]]
                if summary is not None:
                    from originality.store import summaries

                    summary_rows.append({"submission_id": sid, "project_id": PROJECT,
                                         **summaries.values_of(f"student{n:05d}", theirs)})
            session.execute(insert(ReportRow), reports)
            session.execute(insert(MatchLink), link_rows)
            if summary_rows:
                session.execute(insert(summary), summary_rows)
    return mine, str(found[0]["submission_id"])


def build_cases(archive: Any, rng: random.Random, cases: int) -> None:
    """The staff queue's rows: the strong pairs of the project flagged in the triage, cases
    opened on ``cases`` of the copying submissions (a third confirmed, a third dismissed), and
    for a tenth as many students a confirmed case on an earlier project, which makes their
    waiting items possible repeats."""
    from sqlalchemy import insert, select

    from originality.store.models import (ActiveCase, CaseRow, DecisionRow, JobStatus, MatchLink,
                                          Submission, TriageItem, utcnow)

    now = utcnow()
    with archive.db.session() as session:
        strong = session.execute(
            select(MatchLink.submission_id, MatchLink.other_id, MatchLink.similarity,
                   Submission.student_id)
            .join(Submission, Submission.id == MatchLink.submission_id)
            .where(MatchLink.similarity >= archive.review_threshold)
            .order_by(MatchLink.submission_id, MatchLink.other_id)).all()
        items = [{"submission_id": sid, "other_id": other, "kind": kind, "similarity": s,
                  "flagged_at": now}
                 for a, b, s, _ in strong for sid, other, kind in ((a, b, "copied"), (b, a, "shared"))]
        seen: set[tuple[str, str]] = set()
        items = [i for i in items if (i["submission_id"], i["other_id"]) not in seen
                 and not seen.add((i["submission_id"], i["other_id"]))]  # type: ignore[func-returns-value]
        session.execute(insert(TriageItem), items)
        copiers = sorted({(a, student) for a, _, _, student in strong})
        rng.shuffle(copiers)
        opened = copiers[:cases]
        repeaters = copiers[cases : cases + max(1, cases // 10)]
        case_rows, decisions, active = [], [], []
        for k, (sid, student) in enumerate(opened):
            case_id = uuid.uuid4().hex
            case_rows.append({"id": case_id, "submission_id": sid, "student_id": student,
                              "project_id": PROJECT, "stage": "submission", "note": "",
                              "evidence": "[]", "opened_by": "staff", "opened_by_role": "staff",
                              "opened_at": now - timedelta(days=3, minutes=k)})
            if k % 3 == 1:
                decisions.append({"case_id": case_id, "decision": "confirmed",
                                  "sanction": "written_warning", "decided_by": "staff",
                                  "note": "seen", "decided_at": now - timedelta(days=2)})
            if k % 3 == 2:
                decisions.append({"case_id": case_id, "decision": "dismissed", "sanction": None,
                                  "decided_by": "staff", "note": "no", "decided_at": now - timedelta(days=2)})
            else:
                active.append({"submission_id": sid, "case_id": case_id})
        for k, (sid, student) in enumerate(repeaters):  # sanctioned on an earlier project
            past, case_id = uuid.uuid4().hex, uuid.uuid4().hex
            session.execute(insert(Submission), [{
                "id": past, "project_id": "earlier", "student_id": student, "attempt": 1,
                "assessor_id": "assessor0", "sha256": uuid.uuid4().hex * 2, "size": 1,
                "created_at": now - timedelta(days=200), "status": JobStatus.DONE, "files": 0,
                "runs": 1, "origin": "upload"}])
            case_rows.append({"id": case_id, "submission_id": past, "student_id": student,
                              "project_id": "earlier", "stage": "submission", "note": "",
                              "evidence": "[]", "opened_by": "staff", "opened_by_role": "staff",
                              "opened_at": now - timedelta(days=190)})
            decisions.append({"case_id": case_id, "decision": "confirmed",
                              "sanction": "written_warning", "decided_by": "staff",
                              "note": "seen", "decided_at": now - timedelta(days=180)})
            active.append({"submission_id": past, "case_id": case_id})
        session.execute(insert(CaseRow), case_rows)
        session.execute(insert(DecisionRow), decisions)
        session.execute(insert(ActiveCase), active)
        # A case clears the items of its submission, as CaseBook.open does.
        for row in case_rows[: len(opened)]:
            session.execute(TriageItem.__table__.update()
                            .where(TriageItem.submission_id == row["submission_id"])
                            .values(case_id=row["id"]))


def later_cursor(archive: Any, position: int) -> str | None:
    """The cursor a "next" link gives to start the list of submissions at ``position`` (None
    on a version without the summaries)."""
    from originality.store import models

    if not hasattr(models, "SubmissionSummary"):
        return None
    from sqlalchemy import select

    from originality.store.summaries import Cursor

    s = models.SubmissionSummary
    with archive.db.sessions() as session:
        row = session.execute(select(s.top_similarity, s.submission_id)
                              .where(s.project_id == PROJECT)
                              .order_by(s.top_similarity.desc(), s.submission_id.desc())
                              .offset(position - 1).limit(1)).one()
    return str(Cursor(row[0], row[1]))


class Queries:
    """Counts the SQL statements a request runs."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *_: Any) -> None:
        self.count += 1


def timed(client: Any, url: str, headers: dict[str, str], runs: int,
          queries: Queries) -> tuple[float, float, float, int, int]:
    """Median and p95 wall time, median CPU time of this process (what the request costs on
    a machine others share), size and statements of one request."""
    for _ in range(WARM_UP):
        assert client.get(url, headers=headers).status_code == 200, url
    samples, cpu = [], []
    size = statements = 0
    for _ in range(runs):
        before = queries.count
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        statements = queries.count - before
        assert response.status_code == 200
        size = len(response.get_data())
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, statistics.median(cpu), size, statements


def profile(client: Any, url: str, headers: dict[str, str]) -> None:
    """One request under pyinstrument (installed apart: ``pip install pyinstrument``)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: .venv/bin/pip install pyinstrument")
    profiler = Profiler(interval=0.0005)
    with profiler:
        client.get(url, headers=headers)
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--matches", type=int, default=50)
    parser.add_argument("--prior", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cohort-matches", type=int, default=25)
    parser.add_argument("--copy-share", type=float, default=0.02,
                        help="share of submissions that copy an earlier one (60-99%%)")
    parser.add_argument("--cases", type=int, default=300, help="cases opened on copying submissions")
    parser.add_argument("--web", type=int, default=0,
                        help="earlier submissions each report also matches at 50-85%% (11 in "
                             "the scale cohort later_matches.py processes: its pairs chain into "
                             "one web)")
    parser.add_argument("--profile", metavar="PAGE",
                        help="profile one request of each page whose label starts with PAGE (pyinstrument)")
    args = parser.parse_args()
    os.environ.pop("ORIGINALITY_DATABASE_URL", None)

    from api import create_app
    from originality.store.access import create_token

    total = max(args.prior, args.matches) + 1
    with tempfile.TemporaryDirectory(prefix="originality-bench-") as tmp:
        app = create_app({"DATA_DIR": tmp, "INDEX": "memory", "REDIS_URL": "redis://127.0.0.1:9/0",
                          "TESTING": True})
        archive = app.extensions["originality"]
        try:
            began = time.perf_counter()
            rng = random.Random(SEED)
            mine, top = build(archive, args.matches, total - 1, rng, args.cohort_matches,
                              args.copy_share, args.web)
            build_cases(archive, rng, args.cases)
            print(f"built {total} submissions, {args.matches} matches, {args.cases} cases "
                  f"in {time.perf_counter() - began:.1f} s (SQLite, {tmp}; rows inserted directly)")
            staff = {"Authorization": f"Bearer {create_token(archive.db, 'staff', 'bench')}"}
            assessor = {"Authorization":
                        f"Bearer {create_token(archive.db, 'assessor', assessor_of(0))}"}
            client = app.test_client()
            queries = Queries(archive.db.engine)
            later = later_cursor(archive, total // 2)
            pages = [(f"report ({args.matches} matches)", f"/reports/{mine}", staff),
                     ("side by side (top match)", f"/reports/{mine}/matches/{top}", staff),
                     ("print (top 20)", f"/reports/{mine}/print", staff),
                     (f"cohort ({total} submissions)", f"/projects/{PROJECT}", staff)]
            if later is not None:
                pages.append((f"cohort, list at {total // 2}",
                              f"/projects/{PROJECT}?after={quote(later)}", staff))
            pages += [(f"cohort, assessor (1/{ASSESSORS})", f"/projects/{PROJECT}", assessor),
                      ("queue (open cases)", "/queue", staff),
                      ("queue (all cases)", "/queue?status=all", staff),
                      ("cases API (all)", "/api/v1/cases", staff),
                      ("cases API (50)", "/api/v1/cases?limit=50", staff)]
            if args.profile:
                for label, url, headers in pages:
                    if label.startswith(args.profile):
                        profile(client, url, headers)
                return
            print(f"{'page':<30}{'median ms':>10}{'p95 ms':>10}{'CPU ms':>8}{'KB':>8}"
                  f"{'queries':>9}   ({args.runs} runs; load average {os.getloadavg()[0]:.1f})")
            for label, url, headers in pages:
                median, p95, cpu, size, statements = timed(client, url, headers, args.runs,
                                                           queries)
                print(f"{label:<30}{median:>10.1f}{p95:>10.1f}{cpu:>8.1f}{size / 1024:>8.0f}"
                      f"{statements:>9}")
        finally:
            archive.close()


if __name__ == "__main__":
    main()
