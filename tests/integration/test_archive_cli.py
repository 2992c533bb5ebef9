"""``originality archive`` and ``originality token`` as an administrator calls them: embedded,
no server, SQLite in the data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures import hostile, scenarios
from fixtures.make_fixtures import zip_bytes


def run(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env["ORIGINALITY_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "originality", *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=data.parent)


def write(directory: Path, name: str, scenario: str) -> Path:
    [found] = [s for s in scenarios.SCENARIOS if s.id == scenario]
    path = directory / f"{name}.zip"
    path.write_bytes(zip_bytes(scenarios.submission_files(found)))
    return path


def test_archive_add_is_idempotent_and_archive_check_finds_the_source(tmp_path: Path) -> None:
    data = tmp_path / "var"
    old = [write(tmp_path, "s1", "original"), write(tmp_path, "s2", "java_original")]
    bomb = tmp_path / "s3.zip"
    bomb.write_bytes(hostile.overlap_bomb())
    people = tmp_path / "people.csv"
    people.write_text("submission,student_id\ns1,alice\ns2,bob\n")
    first = run("archive", "add", *map(str, old), str(bomb), "--project", "p2", "--student-map",
                str(people), data=data)
    assert first.returncode == 0, first.stderr
    assert "2 added, 0 already in the archive, 1 rejected" in first.stdout
    again = run("archive", "add", *map(str, old), "--project", "p2", "--student-map", str(people),
                data=data)
    assert "0 added, 2 already in the archive" in again.stdout

    new = write(tmp_path, "newcomer", "renamed")
    checked = run("archive", "check", str(new), "--project", "p2", "--json", "-", data=data)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["submission"] == "newcomer"
    best = report["matches"][0]
    assert (best["name"], best["student_id"]) == ("s1", "alice")
    assert report["matches"][0]["similarity"] > 0.8
    own = run("archive", "check", str(new), "--project", "p2", "--student", "alice", "--json", "-",
              data=data)
    assert json.loads(own.stdout)["own_attempts"][0]["name"] == "s1"
    # Checking does not add.
    assert "1 added" in run("archive", "add", str(new), "--project", "p2", data=data).stdout


def test_token_create_prints_the_token_last(tmp_path: Path) -> None:
    result = run("token", "create", "--role", "assessor", "--name", "ada", data=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("orig_") and len(token) > 30
    assert run("token", "create", "--role", "root", "--name", "x", data=tmp_path / "var").returncode == 2
