"""Run a command as a child process and measure its wall time and peak memory.

Peak memory is the larger of two figures: the sum of proportional set sizes (PSS) over the
whole process tree, sampled from /proc every 50 ms (so concurrent worker processes count
together, while pages they share after a fork count once, not once per worker), and the
kernel's maximum RSS of the largest single process among the command and its waited-for
descendants, which catches a peak shorter than the sampling interval. The plain sum of RSS
over the tree is kept too (``rss_sum_mb``): it over-counts shared pages. The kernel figure
comes from GNU time (``/usr/bin/time -f %M``) wrapped around the command, not from our own
``wait4``: Linux carries a forked child's pre-exec high-water mark (a copy of this
benchmark process) into ``ru_maxrss``, which would charge our own size to every tool.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measured:
    """What one measured run produced."""

    returncode: int
    seconds: float
    peak_mb: float
    timed_out: bool
    stderr_tail: str
    rss_sum_mb: float = 0.0
    max_process_mb: float = 0.0


def _process_table() -> dict[int, tuple[int, int]]:
    """Map pid -> (parent pid, rss bytes) for every visible process."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                raw = fh.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: split after the last ')'.
        fields = raw[raw.rfind(b")") + 2 :].split()
        try:
            table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
        except (IndexError, ValueError):
            continue
    return table


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes over ``root`` and all its live descendants."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    rss, pss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        if pid in table:
            rss += table[pid][1]
            pss += _pss(pid)
        stack.extend(children.get(pid, ()))
    return rss, pss


def run_measured(
    cmd: list[str],
    *,
    cwd: str | Path | None = None,
    timeout: float | None = None,
    stdout_path: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run ``cmd`` to completion (or ``timeout``), measuring time and peak tree RSS."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    maxrss_file = None
    if GNU_TIME:
        fd, maxrss_file = tempfile.mkstemp(prefix="maxrss-", suffix=".txt")
        os.close(fd)
        cmd = [GNU_TIME, "-q", "-f", "%M", "-o", maxrss_file, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=out,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            rss, pss = tree_memory(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(
        target=lambda: stderr_chunks.append(proc.stderr.read() if proc.stderr else b""),
        daemon=True,
    )
    reader.start()
    timed_out = False
    deadline = None if timeout is None else start + timeout
    status = 0
    usage = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            _pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    if stdout_path:
        out.close()  # type: ignore[union-attr]
    kernel_peak = 0
    if maxrss_file:
        try:
            text = Path(maxrss_file).read_text().split()
            kernel_peak = int(text[-1]) * 1024 if text and text[-1].isdigit() else 0
        finally:
            os.unlink(maxrss_file)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    return Measured(
        returncode=proc.returncode,
        seconds=seconds,
        peak_mb=max(peak_pss, kernel_peak) / 1e6,
        timed_out=timed_out,
        stderr_tail=stderr[-2000:],
        rss_sum_mb=max(peak_rss, kernel_peak) / 1e6,
        max_process_mb=kernel_peak / 1e6,
    )
