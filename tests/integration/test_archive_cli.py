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
from originality.percents import percent


def run(*args: str, data: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env["ORIGINALITY_DATA_DIR"] = str(data)
    env.update({f"ORIGINALITY_{name.upper()}": value for name, value in settings.items()})
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
    # Read by a person: counted nouns as English says them.
    plain = run("archive", "check", str(new), "--project", "p2", "--student", "alice", data=data)
    assert plain.stdout.startswith("1 match, 1 own earlier attempt\n"), plain.stdout  # bob's Java, weakly
    # Its similarity as the pages show it, one decimal of a percent.
    weak = json.loads(own.stdout)["matches"][0]
    assert f"  {percent(weak['similarity']):>6}  {weak['name']} (student " in plain.stdout
    assert plain.stderr == ""
    # A project without entries (misspelt, or not imported yet): a completed run, and a note.
    nowhere = run("archive", "check", str(new), "--project", "p3", data=data)
    assert nowhere.returncode == 0 and nowhere.stdout.startswith("0 matches, 0 own earlier attempts\n")
    assert nowhere.stderr == "note: project p3 has no entries in the archive: nothing to compare with\n"
    # Checking does not add.
    assert "1 added" in run("archive", "add", str(new), "--project", "p2", data=data).stdout


def test_entries_another_tokenizer_made_are_found_and_made_again(tmp_path: Path) -> None:
    data = tmp_path / "var"
    old = [write(tmp_path, "s1", "original"), write(tmp_path, "s2", "java_original")]
    added = run("archive", "add", *map(str, old), "--project", "p", data=data, tokenizer="lexical")
    assert "2 added" in added.stdout, added.stderr
    # Lexical units do not match parser tokens: the new copy finds nothing strong...
    copy = write(tmp_path, "copy", "identical")
    before = json.loads(run("archive", "check", str(copy), "--project", "p", "--json", "-", data=data).stdout)
    assert all(m["similarity"] < 0.5 for m in before["matches"])
    # ...until the entries are made again, which `db upgrade` and a dry run point at.
    upgrade = run("db", "upgrade", data=data)
    assert "2 archived entries were made with other tokens" in upgrade.stdout, upgrade.stderr
    assert "2 entries to retokenize in 1 projects\n  p: 2" in run("archive", "retokenize", "--dry-run", data=data).stdout
    done = run("archive", "retokenize", data=data)
    assert "2 entries retokenized, 0 already current, 0 unreadable" in done.stdout, done.stderr
    after = json.loads(run("archive", "check", str(copy), "--project", "p", "--json", "-", data=data).stdout)
    assert after["matches"][0]["name"] == "s1" and after["matches"][0]["similarity"] >= 0.95
    assert "0 entries retokenized, 2 already current" in run("archive", "retokenize", data=data).stdout
    assert "other tokens" not in run("db", "upgrade", data=data).stdout


def test_token_create_prints_the_token_last(tmp_path: Path) -> None:
    result = run("token", "create", "--role", "assessor", "--name", "ada", data=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("orig_") and len(token) > 30
    assert run("token", "create", "--role", "root", "--name", "x", data=tmp_path / "var").returncode == 2


def test_archive_starter_is_left_out_of_later_checks_and_reindex_rebuilds(tmp_path: Path) -> None:
    data = tmp_path / "var"
    old = [write(tmp_path, "s1", "template_only"), write(tmp_path, "s2", "original")]
    assert run("archive", "add", *map(str, old), "--project", "p", data=data).returncode == 0
    newcomer = write(tmp_path, "newcomer", "independent_a")
    before = json.loads(run("archive", "check", str(newcomer), "--project", "p", "--json", "-",
                            data=data).stdout)
    assert "s1" in [m["name"] for m in before["matches"]]

    starter = tmp_path / "starter.zip"
    starter.write_bytes(zip_bytes({p: t.encode() for p, t in scenarios.BASE_FILES.items()}))
    result = run("archive", "starter", "--project", "p", str(starter), data=data)
    assert result.returncode == 0, result.stderr
    assert f"starter code of project p: {len(scenarios.BASE_FILES)} files, sha256 " in result.stdout
    after = json.loads(run("archive", "check", str(newcomer), "--project", "p", "--json", "-",
                           data=data).stdout)
    assert "s1" not in [m["name"] for m in after["matches"]]
    assert after["template_lines"]["newcomer"]["main.py"]

    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(hostile.overlap_bomb())
    refused = run("archive", "starter", "--project", "p", str(bomb), data=data)
    assert refused.returncode == 1 and "zip_bomb" in refused.stderr

    reindexed = run("archive", "reindex", data=data)
    assert reindexed.returncode == 0, reindexed.stderr
    assert reindexed.stdout.strip() == "2 entries indexed in 1 projects (SqlIndex)"
    copy = write(tmp_path, "copy", "identical")
    checked = json.loads(run("archive", "check", str(copy), "--project", "p", "--json", "-",
                             data=data).stdout)
    assert checked["matches"][0]["name"] == "s2"


def test_copy_uploads_moves_a_data_dirs_uploads_into_the_database_once(tmp_path: Path) -> None:
    """A deployment that kept its uploads in the data dir moves them into the database: the
    starter code set before is then read from there, with the uploads directory gone."""
    import shutil

    data = tmp_path / "var"
    starter = tmp_path / "starter.zip"
    starter.write_bytes(zip_bytes({p: t.encode() for p, t in scenarios.BASE_FILES.items()}))
    assert run("archive", "starter", "--project", "p", str(starter), data=data).returncode == 0
    refused = run("archive", "copy-uploads", data=data)
    assert refused.returncode == 2 and "ORIGINALITY_BLOB_STORE=database" in refused.stderr

    def in_database(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
        env.update(ORIGINALITY_DATA_DIR=str(data), ORIGINALITY_BLOB_STORE="database")
        return subprocess.run([sys.executable, "-m", "originality", *args], capture_output=True,
                              text=True, timeout=120, env=env, cwd=data.parent)

    first = in_database("archive", "copy-uploads")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "1 uploads copied, 0 already there (DatabaseBlobStore)\n"
    assert in_database("archive", "copy-uploads").stdout.startswith("0 uploads copied, 1 already")
    shutil.rmtree(data / "uploads")
    # A check of the project reads its starter code, now from the database alone.
    newcomer = write(tmp_path, "newcomer", "original")
    checked = in_database("archive", "check", str(newcomer), "--project", "p", "--json", "-")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["template_lines"]  # the starter code was left out
    assert not (data / "uploads").exists()
