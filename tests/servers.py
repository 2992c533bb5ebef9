"""The real servers the integration tests start: a redis-server and a throwaway PostgreSQL
cluster, each on a loopback port of its own, each able to be stopped and started again on that
port (the fault tests kill Redis and restart PostgreSQL under a running service).

Import it as ``from tests.servers import ...`` (pytest puts the repository root on the path)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import REDIS_DATABASES, free_port

START_SECONDS = 20.0


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


class RedisServer:
    """A redis-server that keeps nothing on disk: started again, it is empty, as a Redis
    machine replaced or restarted without persistence."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (make test installs it)")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--databases", str(REDIS_DATABASES), "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        try:
            deadline = time.monotonic() + START_SECONDS
            while not _pings(client):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError("redis-server did not start")
                time.sleep(0.05)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: what it held in memory (queued messages, the candidate index) is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = ([str(Path(found).parent)] if found else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    return None


class PostgresCluster:
    """A cluster made by initdb in a temporary directory on a free loopback port, run by
    pg_ctl (as the ``postgres`` user when the tests run as root, which PostgreSQL refuses)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="originality-pg-"))
        self.data, self.port = self.root / "data", free_port()
        self.url = f"postgresql+psycopg://originality@127.0.0.1:{self.port}/postgres"
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
                user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _pg(self, *args: str) -> None:
        subprocess.run(self.run_as + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.root)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def create(self) -> None:
        """initdb, then start."""
        try:
            self._pg(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "originality",
                     "-A", "trust", "-E", "UTF8", "--no-sync")
            self.start()
        except subprocess.CalledProcessError as error:
            log = self.log()
            self.remove()
            raise RuntimeError(f"cannot start PostgreSQL: {error.stderr!r}\n{log}") from error

    def start(self) -> None:
        self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l",
                 str(self.root / "server.log"), "-w", "-t", "30", "-o",
                 f"-c listen_addresses=127.0.0.1 -p {self.port} "
                 f"-c unix_socket_directories={self.root} -c fsync=off", "start")

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: every connection cut at once, as a crashed or rebooted server."""
        self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
