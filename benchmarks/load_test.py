"""Load test of the service on loopback: N uploads from C concurrent clients.

    python benchmarks/load_test.py [--uploads 200] [--clients 20] [--workers 2]
                                   [--server gunicorn|dev|both] [--web-workers 2] [--web-threads 8]

For each server asked (both by default: gunicorn, what ``originality serve`` runs, then
Werkzeug, ``serve --dev``), starts its own redis-server (spare port), Celery workers and the
API with a fresh data dir (SQLite), uploads the fixture scenarios under distinct student ids,
waits until every submission is ``done`` or ``rejected``, and prints p50/p95 upload latency and
the end-to-end throughput (first upload sent to last report done). Checks that none was lost
or duplicated (one archive entry each). The machine's load average is printed with the figures:
on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures import hostile, scenarios  # noqa: E402
from fixtures.make_fixtures import zip_bytes  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def multipart(fields: dict[str, str], data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="d.zip"\r\n'
                 f"Content-Type: application/zip\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call(url: str, token: str, body: bytes | None = None, content_type: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Authorization": f"Bearer {token}",
                                                              **({"Content-Type": content_type} if body else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def run(server: str, args: argparse.Namespace) -> dict[str, float] | None:
    """One load test against ``server`` ("gunicorn" or "dev"); its figures, None when an upload
    was lost or duplicated."""
    workdir = Path(tempfile.mkdtemp(prefix="originality-load-"))
    redis_port, api_port = free_port(), free_port()
    env = {**os.environ, "ORIGINALITY_DATA_DIR": str(workdir / "data"),
           "ORIGINALITY_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "PYTHONPATH": str(ROOT),
           "ORIGINALITY_SECRET_KEY": secrets.token_hex(32)}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(redis_port), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.DEVNULL))
        token = subprocess.run([sys.executable, "-m", "originality", "token", "create", "--role",
                                "platform", "--name", "load"], env=env, capture_output=True, text=True,
                               check=True).stdout.strip().splitlines()[-1]
        for n in range(args.workers):
            log = open(workdir / f"worker{n}.log", "wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--pool=solo", "-n",
                 f"w{n}@%h", "--without-mingle", "--without-gossip"], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))
        log = open(workdir / "api.log", "wb")
        serve = (["--dev"] if server == "dev" else
                 ["--workers", str(args.web_workers), "--threads", str(args.web_threads)])
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "originality", "serve", "--port", str(api_port), *serve],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        base = f"http://127.0.0.1:{api_port}"
        wait_http(base + "/healthz")

        payloads = [zip_bytes(scenarios.submission_files(s)) for s in scenarios.SCENARIOS]
        payloads.append(hostile.overlap_bomb())

        def upload(i: int) -> tuple[float, int, dict]:
            body, kind = multipart({"student_id": f"s{i}", "project_id": "load"}, payloads[i % len(payloads)])
            started = time.perf_counter()
            status, answer = call(base + "/api/v1/submissions", token, body, kind)
            return time.perf_counter() - started, status, answer

        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(upload, range(args.uploads)))
        uploaded = time.perf_counter() - started
        ids = [answer["id"] for _, status, answer in results if status == 202]
        assert len(ids) == args.uploads == len(set(ids)), [r for r in results if r[1] != 202][:3]
        pending = set(ids)
        outcome: dict[str, int] = {}
        while pending:
            for submission_id in list(pending):
                status = call(f"{base}/api/v1/submissions/{submission_id}", token)[1]["status"]
                if status in ("done", "rejected", "failed"):
                    outcome[status] = outcome.get(status, 0) + 1
                    pending.discard(submission_id)
            if pending:
                time.sleep(0.5)
            if time.perf_counter() - started > 600:
                raise SystemExit(f"{len(pending)} submissions still unfinished after 600 s")
        total = time.perf_counter() - started
        latencies = sorted(r[0] for r in results)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        import sqlite3

        db = sqlite3.connect(workdir / "data" / "originality.db")
        entries = db.execute("select count(*), count(distinct submission_id) from archive_entries").fetchone()
        db.close()
        shape = ("Werkzeug (serve --dev, threaded)" if server == "dev" else
                 f"gunicorn ({args.web_workers} processes x {args.web_threads} threads)")
        print(f"{shape}: {args.uploads} uploads from {args.clients} clients, {args.workers} "
              f"workers (solo pool); load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after")
        print(f"  upload latency: p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms; all uploads answered in {uploaded:.1f} s")
        print(f"  end to end: {total:.1f} s, {args.uploads / total:.1f} submissions/s; outcomes {outcome}")
        print(f"  archive entries: {entries[0]} ({entries[1]} distinct) for {outcome.get('done', 0)} done",
              flush=True)
        if not (entries[0] == entries[1] == outcome.get("done", 0) and "failed" not in outcome):
            return None
        return {"p50": statistics.median(latencies), "p95": p95, "total": total}
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (solo pool)")
    parser.add_argument("--server", choices=["gunicorn", "dev", "both"], default="both")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--web-threads", type=int, default=8, help="threads per gunicorn process")
    args = parser.parse_args()
    servers = ["gunicorn", "dev"] if args.server == "both" else [args.server]
    figures = {server: run(server, args) for server in servers}
    return 0 if all(figures.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
