"""``pip install originality`` without the service extra: the console script in a process where
the service extra's modules cannot be imported (a ``sitecustomize`` on PYTHONPATH makes them
fail as a missing package does). The archive and tokens run on SQLite; ``serve``, ``worker`` and
a PostgreSQL URL say in one line which extra to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import scenarios
from fixtures.make_fixtures import zip_bytes

# The service extra's packages and what only they bring in (Flask's and Celery's own deps).
SERVICE_ONLY = ["flask", "werkzeug", "itsdangerous", "blinker", "flask_smorest", "webargs",
                "marshmallow", "apispec", "celery", "kombu", "billiard", "vine", "amqp", "redis",
                "psycopg", "psycopg_binary", "gunicorn"]

BLOCKER = f'''
import sys

BLOCKED = {set(SERVICE_ONLY)!r}


class NotInstalled:
    """Answers for the service extra's packages as if they were never installed."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled)
'''


@pytest.fixture
def engine_only(tmp_path: Path) -> dict[str, str]:
    """The environment of an engine-only install, its data dir in ``tmp_path/var``."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env["PYTHONPATH"] = str(site)
    env["ORIGINALITY_DATA_DIR"] = str(tmp_path / "var")
    return env


def originality(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("originality")
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=180,
                          env=env, cwd=env["ORIGINALITY_DATA_DIR"].rsplit("/", 1)[0])


def scenario_zip(folder: Path, name: str, scenario: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == scenario]
    path = folder / f"{name}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


def test_the_blocker_hides_the_service_extra(engine_only: dict[str, str]) -> None:
    for module in ("flask", "celery", "psycopg", "redis"):
        found = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                               text=True, env=engine_only)
        assert found.returncode == 1 and "ModuleNotFoundError" in found.stderr, module


def test_archive_and_token_run_on_sqlite_without_the_service_extra(
        tmp_path: Path, engine_only: dict[str, str]) -> None:
    # ORIGINALITY_REDIS_URL set (as on a service machine) must not need the redis package:
    # the candidate index falls back to the database's own.
    env = {**engine_only, "ORIGINALITY_REDIS_URL": "redis://127.0.0.1:9/0"}
    old = scenario_zip(tmp_path, "alice", "original")
    added = originality(env, "archive", "add", str(old), "--project", "p")
    assert added.returncode == 0, added.stderr
    assert "1 added" in added.stdout
    checked = originality(env, "archive", "check", str(scenario_zip(tmp_path, "mallory", "renamed")),
                          "--project", "p", "--json", "-")
    assert checked.returncode == 0, checked.stderr
    [match] = json.loads(checked.stdout)["matches"]
    assert match["name"] == "alice" and match["similarity"] > 0.8
    token = originality(env, "token", "create", "--role", "staff", "--name", "dean")
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.splitlines()[-1]) >= 32
    assert (tmp_path / "var" / "originality.db").exists()


@pytest.mark.parametrize(("args", "module"), [
    (["serve"], "flask"),
    (["worker"], "celery"),
    (["report-pdf", "abc", "--out", "x.pdf"], "flask"),
])
def test_service_commands_name_the_extra_in_one_line(
        engine_only: dict[str, str], args: list[str], module: str) -> None:
    done = originality(engine_only, *args)
    assert done.returncode == 1
    assert done.stderr == (f"Error: originality {args[0]} needs {module}, from the service "
                           "extra: pip install 'originality[service]'\n")


def test_a_postgresql_url_without_the_driver_names_the_extra(engine_only: dict[str, str]) -> None:
    env = {**engine_only, "ORIGINALITY_DATABASE_URL": "postgresql://u@127.0.0.1:9/db"}
    done = originality(env, "token", "create", "--role", "staff", "--name", "dean")
    assert done.returncode == 1
    assert done.stderr == ("Error: originality token needs psycopg, from the service extra: "
                           "pip install 'originality[service]'\n")


def test_help_lists_every_command_without_the_service_extra(engine_only: dict[str, str]) -> None:
    done = originality(engine_only, "--help")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert {"archive", "check", "token", "serve", "worker", "report-pdf"} <= listed
