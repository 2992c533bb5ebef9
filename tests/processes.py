"""The service's commands as real processes, as the deployment and multi-machine tests start
them: a command's environment (one data dir per "machine"), a long-running command with its log
stopped with its process group, and plain HTTP calls to a server.

Import it as ``from tests.processes import ...`` (pytest puts the repository root on the path)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes

REPO = Path(__file__).resolve().parents[1]
START_SECONDS = 60.0


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env.update({"ORIGINALITY_DATA_DIR": str(data), "PYTHONPATH": str(REPO),
                # Every API machine of a deployment is given the same cookie key.
                "ORIGINALITY_SECRET_KEY": os.environ["ORIGINALITY_SECRET_KEY"], **extra})
    return env


def originality(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "originality", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=REPO)


class Process:
    """A long-running command, its output in a log file, stopped with its process group."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen([sys.executable, "-m", "originality", *args], cwd=REPO,
                                          env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while text not in self.output():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came:\n{self.output()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.terminate()
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)

    def terminate(self) -> None:
        """SIGTERM to the process group (a graceful stop), without waiting for it."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)


def stop_all(processes: list[Process]) -> None:
    """Stop several processes together: each is told first, so their graceful stops overlap."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop()


def http(method: str, url: str, token: str | None = None, body: bytes | None = None,
         content_type: str | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with ``fields`` and the ZIP as ``file``."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="deliverable.zip"\r\nContent-Type: application/zip\r\n\r\n'.encode()
                 + file + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def scenario_zip(name: str) -> bytes:
    [found] = [s for s in scenarios.SCENARIOS if s.id == name]
    return zip_bytes(scenarios.submission_files(found))


def wait_until_up(url: str, process: Process) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            if process.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("originality serve did not start:\n" + process.output())
            time.sleep(0.1)
