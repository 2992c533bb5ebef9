"""A burst of uploads on several workers (issue 13, item 4).

    .venv/bin/python benchmarks/burst.py [--uploads 2000] [--workers 1,2,4] [--clients 8]
                                         [--restart-redis]

For each worker count: a fresh PostgreSQL database (on one throwaway cluster) and a fresh
redis-server, the API under gunicorn and that many solo Celery worker processes, as
``tests/stack.py`` deploys them for the fault tests. The project's starter code is set
through the API, then ``--clients`` threads send the scale cohort's ZIPs
(``datasets.build_scale_cohort``: multi-file deliverables of one project with starter code, 5%
disguised copies; generated into ``benchmarks/out/`` on first use), each with a short notes.md of
the student's own, as fast as the API takes them, a failed request sent again as a platform
does. Printed per run: the wall time from the first upload sent to the last report finished,
uploads a second, and the CPU seconds of the workers, the API, PostgreSQL and Redis.

Afterwards it verifies against the database that every upload has exactly one finished check
and one report, that each is in the archive exactly once, and counts the check tasks the
workers took and the claims per upload. ``--restart-redis`` kills redis-server when half the
uploads were answered and starts it again empty 3 s later (queued messages and the candidate
index lost); the same is verified, plus that the workers' recovery queued the lost checks again
and that the Redis index holds every entry it should (rebuilt from the database).
The machine's load average is printed: on a shared machine the seconds move with it.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timezone
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
# Every API machine of a deployment is given the same cookie key (tests/processes.py reads it).
os.environ.setdefault("ORIGINALITY_SECRET_KEY", secrets.token_hex(32))

import datasets  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from originality.store.index import RedisIndex  # noqa: E402
from originality.store.models import ArchiveEntry, ReportRow, Submission  # noqa: E402
from originality.store.settings import LSH_SEED, Settings  # noqa: E402
from tests.processes import http, multipart  # noqa: E402
from tests.servers import PostgresCluster, RedisServer, pg_bindir  # noqa: E402
from tests.stack import Deployment  # noqa: E402

PROJECT = "burst"
FINISHED = ("done", "rejected", "failed")
GIVE_UP_AFTER = 300.0  # seconds an upload is sent again before the run fails
REDIS_DOWN_SECONDS = 3.0

# Notes of the student's own beside the code (what the platform's deliverables hold): the
# Redis index holds entries with prose, so it has something to lose and to rebuild.
OPENINGS = ["This project is my gradebook for the statistics assignment.",
            "My submission implements the gradebook exercise.",
            "Here is the gradebook program for the course.",
            "This folder holds my solution to the grading task."]
DETAILS = ["I wrote the {f} function first and tested it with small lists of scores.",
           "The hardest part was {f}, because empty inputs had to be handled.",
           "I kept {f} short and moved the helpers into their own module.",
           "For {f} I compared my results with a spreadsheet by hand.",
           "Running main.py prints the table, the histogram and the {f} result.",
           "I added checks to {f} so that bad records are skipped with a message.",
           "My teammate explained how {f} should round, so I followed that.",
           "Next time I would write tests for {f} before the code."]
FUNCTIONS = ["mean", "median", "stdev", "letter grade", "top n", "histogram", "email check",
             "name normalisation", "table formatting", "grouping by letter"]


def notes(student: str) -> bytes:
    rng = random.Random(student)
    lines = [rng.choice(OPENINGS)] + [rng.choice(DETAILS).format(f=rng.choice(FUNCTIONS))
                                      for _ in range(rng.randint(3, 5))]
    return ("\n".join(lines) + "\n").encode()


def with_notes(path: Path) -> bytes:
    """The cohort's ZIP with the student's notes added at its top level (some ZIPs hold the
    starter's README.md there already)."""
    out = BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for item in source.infolist():
            bundle.writestr(item, source.read(item))
        bundle.writestr("notes.md", notes(path.stem))
    return out.getvalue()


def starter_zip(base: Path) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file in sorted(base.rglob("*")):
            if file.is_file():
                bundle.write(file, file.relative_to(base).as_posix())
    return out.getvalue()


# -- CPU of process trees, from /proc -------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it has waited for)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / TICK


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of these processes and all their descendants (live ones read directly,
    ended ones through their parent's waited-for children)."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo, seen = 0.0, [r for r in roots if r in stats], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


class LockWaits(threading.Thread):
    """Samples PostgreSQL every ``INTERVAL`` s for the run's sessions waiting on a lock (the
    project's advisory lock that orders entries, or a row lock): their sum times the interval
    estimates the seconds the workers spent waiting rather than checking."""

    INTERVAL = 0.1

    def __init__(self, url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.database = database
        self.stopped = threading.Event()
        self.seconds: dict[str, float] = {}

    def run(self) -> None:
        query = text("SELECT wait_event, count(*) FROM pg_stat_activity WHERE datname = :db "
                     "AND wait_event_type = 'Lock' GROUP BY wait_event")
        with self.engine.connect() as connection:
            while not self.stopped.wait(self.INTERVAL):
                for event, count in connection.execute(query, {"db": self.database}):
                    self.seconds[event] = self.seconds.get(event, 0.0) + count * self.INTERVAL

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        self.engine.dispose()
        return self.seconds


@dataclass
class Run:
    workers: int
    uploads: int
    wall: float = 0.0
    answered_in: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    tasks: int = 0
    claims: int = 0
    resent: int = 0
    recovered: int = 0
    lock_waits: dict[str, float] = field(default_factory=dict)  # seconds, per wait event
    indexed: tuple[int, int] | None = None  # (entries with prose, of them in the Redis index)
    problems: list[str] = field(default_factory=list)


def postmaster(pg: PostgresCluster) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


def one_run(pg: PostgresCluster, zips: list[Path], base: Path, workers: int, clients: int,
            restart_redis: bool) -> Run:
    """A fresh database and Redis, ``workers`` workers, one burst, its verification."""
    root = Path(tempfile.mkdtemp(prefix=f"originality-burst-{workers}-"))
    name = f"burst{workers}_{os.urandom(3).hex()}"
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    redis = RedisServer(root)
    redis.start()
    stack = Deployment(root, redis, pg, pg.url.rsplit("/", 1)[0] + "/" + name)
    run = Run(workers, len(zips))
    try:
        stack.start(workers=workers)
        status, _, answer = http("PUT", f"{stack.url}/api/v1/projects/{PROJECT}/starter", stack.token,
                                 *multipart({}, starter_zip(base)))
        assert status == 200, answer
        payloads = [(path.stem, with_notes(path)) for path in zips]
        processes = {"workers": lambda: [w.popen.pid for w in stack.workers.values()],
                     "API": lambda: [stack.api.popen.pid] if stack.api else [],
                     "PostgreSQL": lambda: [postmaster(pg)],
                     "Redis": lambda: [redis.process.pid] if redis.process else []}
        cpu_before = {k: tree_cpu(pids()) for k, pids in processes.items()}
        ids: list[str] = []
        lock = threading.Lock()
        half = threading.Event()

        def upload(item: tuple[str, bytes]) -> None:
            student, data = item
            submission_id, resent = stack.upload({"student_id": student, "project_id": PROJECT},
                                                 data, GIVE_UP_AFTER)
            with lock:
                ids.append(submission_id)
                run.resent += resent
                if len(ids) * 2 >= len(payloads):
                    half.set()

        load_before = os.getloadavg()[0]
        waits = LockWaits(pg.url, name)
        waits.start()
        started = time.time()
        pool = ThreadPoolExecutor(clients)
        sent = [pool.submit(upload, item) for item in payloads]
        redis_cpu = 0.0
        if restart_redis:
            half.wait(GIVE_UP_AFTER)
            redis_cpu = tree_cpu(processes["Redis"]())  # lost with the process
            redis.kill()
            time.sleep(REDIS_DOWN_SECONDS)
            redis.start()
        for future in sent:
            future.result()
        pool.shutdown()
        run.answered_in = time.time() - started

        deadline = time.monotonic() + 3 * 3600
        while True:
            with stack.session() as session:
                finished = session.scalar(select(func.count()).select_from(Submission).where(
                    Submission.project_id == PROJECT, Submission.status.in_(FINISHED)))
            if finished >= len(ids):
                break
            assert time.monotonic() < deadline, f"{len(ids) - finished} checks still unfinished"
            time.sleep(0.5)
        cpu_after = {k: tree_cpu(pids()) for k, pids in processes.items()}
        run.lock_waits = waits.stop()
        cpu_before["Redis"] -= redis_cpu
        run.cpu = {k: cpu_after[k] - cpu_before[k] for k in processes}
        with stack.session() as session:
            last = session.scalar(select(func.max(Submission.finished_at))
                                  .where(Submission.project_id == PROJECT))
        run.wall = last.replace(tzinfo=timezone.utc).timestamp() - started  # stored naive UTC
        run.tasks = stack.check_runs()
        run.recovered = sum(int(n) for w in stack.workers.values()
                            for n in re.findall(r"recovery queued (\d+)", w.output()))
        verify(stack, ids, run, restart_redis)
        print(f"  {workers} worker(s): load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after", flush=True)
        return run
    finally:
        stack.stop()
        redis.stop()
        shutil.rmtree(root, ignore_errors=True)
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def verify(stack: Deployment, ids: list[str], run: Run, restart_redis: bool) -> None:
    """What the issue requires of the burst, read from the database: none lost, none archived
    twice, each checked once; with ``restart_redis``, the index rebuilt."""
    problems = run.problems
    if len(set(ids)) != len(ids):
        problems.append("two uploads were given one submission")
    with stack.session() as session:
        rows = session.execute(select(Submission.id, Submission.status, Submission.runs,
                                      Submission.finished_at).filter_by(project_id=PROJECT)).all()
        reports = dict(session.execute(select(ReportRow.submission_id, func.count())
                                       .group_by(ReportRow.submission_id)).all())
        entries = dict(session.execute(select(ArchiveEntry.submission_id, func.count())
                                       .filter_by(project_id=PROJECT)
                                       .group_by(ArchiveEntry.submission_id)).all())
    status = {r.id: r.status for r in rows}
    if set(status) != set(ids):
        problems.append(f"{len(set(ids) - set(status))} uploads missing from the database, "
                        f"{len(set(status) - set(ids))} submissions nobody uploaded")
    done = {i for i, s in status.items() if s == "done"}
    if len(done) != len(ids):
        problems.append(f"{len(ids) - len(done)} uploads not done: "
                        f"{sorted(s for i, s in status.items() if s != 'done')[:5]}")
    if any(r.finished_at is None for r in rows):
        problems.append("a finished check without its end time")
    if set(reports) != done or any(n != 1 for n in reports.values()):
        problems.append(f"reports: {len(reports)} for {len(done)} done")
    if set(entries) != done:
        problems.append(f"archive entries for {len(entries)} of {len(done)} done")
    twice = [i for i, n in entries.items() if n != 1]
    if twice:
        problems.append(f"{len(twice)} submissions archived more than once")
    run.claims = sum(r.runs for r in rows)
    if restart_redis:
        if not run.recovered:
            problems.append("the workers' recovery queued nothing after Redis came back empty")
        settings = Settings.from_env()
        index = RedisIndex(f"{stack.redis.url}/0", settings.lsh_bands, settings.lsh_num_perm, LSH_SEED)
        try:
            with stack.session() as session:
                with_prose = session.scalar(select(func.count()).select_from(ArchiveEntry).where(
                    ArchiveEntry.project_id == PROJECT, ArchiveEntry.minhash != index.empty))
                lacking = index.lacking(session, PROJECT)
            run.indexed = (with_prose, with_prose - len(lacking))
            if lacking or not with_prose:
                problems.append(f"the Redis index lacks {len(lacking)} of {with_prose} entries")
        finally:
            index.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, one run each")
    parser.add_argument("--clients", type=int, default=8, help="threads sending uploads")
    parser.add_argument("--restart-redis", action="store_true",
                        help="kill redis-server mid-burst and start it again empty")
    args = parser.parse_args()
    # Stopped with SIGTERM (a background job ignores SIGINT), the servers are still stopped and
    # the throwaway cluster removed (the finally clauses below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    counts = [int(n) for n in args.workers.split(",")]
    cohort = datasets.build_scale_cohort(args.uploads)
    zips = sorted((cohort / "subs").glob("*.zip"))
    bindir = pg_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (initdb, pg_ctl): make postgres installs them")
    pg = PostgresCluster(bindir)
    pg.create()
    print(f"{len(zips)} uploads of {cohort.name} from {args.clients} clients to one project; "
          f"{os.cpu_count()} cores{'; Redis killed and started again empty mid-burst' if args.restart_redis else ''}",
          flush=True)
    runs: list[Run] = []
    try:
        for workers in counts:
            runs.append(one_run(pg, zips, cohort / "base", workers, args.clients, args.restart_redis))
    finally:
        pg.stop()
        pg.remove()
    first = runs[0].wall
    print()
    print("| workers | wall (first upload to last report) | uploads/s | speed-up | answered in | "
          "workers' CPU | CPU s/upload (workers) | API | PostgreSQL | Redis | waiting on locks | check tasks/upload | claims/upload |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r.workers} | {r.wall:.1f} s | {r.uploads / r.wall:.2f} | {first / r.wall:.2f} | "
              f"{r.answered_in:.1f} s | {r.cpu['workers']:.0f} s | {r.cpu['workers'] / r.uploads:.3f} | "
              f"{r.cpu['API']:.0f} s | {r.cpu['PostgreSQL']:.0f} s | {r.cpu['Redis']:.0f} s | "
              f"{sum(r.lock_waits.values()):.0f} s ({', '.join(f'{k} {v:.0f}' for k, v in sorted(r.lock_waits.items())) or '-'}) | "
              f"{r.tasks / r.uploads:.3f} | {r.claims / r.uploads:.3f} |")
    failed = False
    for r in runs:
        extra = (f"; resent {r.resent}, recovery queued {r.recovered}"
                 + (f"; Redis index holds {r.indexed[1]} of {r.indexed[0]} entries with prose"
                    if r.indexed else ""))
        if r.problems:
            failed = True
            print(f"{r.workers} worker(s): FAILED: " + "; ".join(r.problems) + extra)
        else:
            print(f"{r.workers} worker(s): all {r.uploads} done, each archived once{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
