"""The ``originality check`` command as users and the platform call it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from originality.report import young_note
from tests.unit.test_matching import own_work

CODE = "".join(f"def step_{i}(v):\n    return v * {i} + len(str(v)) - {i}\n\n" for i in range(12))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "originality", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def make_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_json_to_stdout_follows_the_contract(tmp_path: Path) -> None:
    a = make_zip(tmp_path / "alice.zip", {"src/app.py": CODE})
    b = make_zip(tmp_path / "bob.zip", {"main.py": CODE})
    bad = tmp_path / "mallory.zip"
    bad.write_text("not a zip")
    result = run("check", str(a), str(b), str(bad), "--json", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == 1
    assert [s["id"] for s in report["submissions"]] == ["alice", "bob", "mallory"]
    assert report["submissions"][2]["status"] == "rejected"
    assert report["submissions"][2]["error"]["code"] == "not_a_zip"
    [pair] = report["pairs"]
    assert (pair["a"], pair["b"]) == ("alice", "bob")
    assert pair["similarity"] > 0.9
    fragment = pair["fragments"][0]
    assert fragment["a"]["file"] == "src/app.py" and fragment["b"]["file"] == "main.py"
    assert fragment["tokens"] > 0 and fragment["a"]["start_line"] >= 1


def test_min_similarity_leaves_out_lower_pairs(tmp_path: Path) -> None:
    # b has a third of a's statements and work of its own: a partial copy.
    from tests.unit.test_matching import own_work

    mine, theirs = own_work(1, statements=30), own_work(101, statements=30)
    a = make_zip(tmp_path / "a.zip", {"x.py": mine})
    b = make_zip(tmp_path / "b.zip", {"y.py": "".join(mine.splitlines(keepends=True)[:12])
                                      + "".join(theirs.splitlines(keepends=True)[1:])})
    out = tmp_path / "r.json"
    assert run("check", str(a), str(b), "--json", str(out), "--min-similarity", "0", cwd=tmp_path).returncode == 0
    [pair] = json.loads(out.read_text())["pairs"]
    assert 0.1 < pair["similarity"] < 0.99
    above = f"{pair['similarity'] + 0.0001:.4f}"
    assert run("check", str(a), str(b), "--json", str(out), "--min-similarity", above, cwd=tmp_path).returncode == 0
    assert json.loads(out.read_text())["pairs"] == []
    at = f"{pair['similarity']:.4f}"
    assert run("check", str(a), str(b), "--json", str(out), "--min-similarity", at, cwd=tmp_path).returncode == 0
    assert len(json.loads(out.read_text())["pairs"]) == 1


def test_the_summary_shows_similarities_and_shares_as_the_reports_and_pages_do(tmp_path: Path) -> None:
    from originality.percents import percent

    # b copies most of a's statements and adds work of its own: similar, not identical.
    mine, theirs = own_work(1, statements=30), own_work(101, statements=10)
    a = make_zip(tmp_path / "a.zip", {"x.py": mine})
    b = make_zip(tmp_path / "b.zip", {"y.py": mine + "".join(theirs.splitlines(keepends=True)[1:])})
    out = tmp_path / "r.json"
    result = run("check", str(a), str(b), "--json", str(out), "--min-similarity", "0", cwd=tmp_path)
    [pair] = json.loads(out.read_text())["pairs"]
    assert pair["fragments"] and 0 < pair["b_share"] < 1
    # As the HTML report and the pages show them: "78.8%", where the summary printed "0.79".
    line = next(line for line in result.stdout.splitlines() if " a ~ b " in line)
    assert line.split()[:4] == [percent(pair["similarity"]), "a", "~", "b"]
    assert f"({percent(pair['a_share'])} / {percent(pair['b_share'])}, " in line


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("check", str(tmp_path / "missing.zip"), cwd=tmp_path).returncode == 2
    a = make_zip(tmp_path / "a.zip", {"x.py": CODE})
    assert run("check", str(a), "--min-similarity", "2", cwd=tmp_path).returncode == 2
    assert run("check", cwd=tmp_path).returncode == 2


def test_html_report_links_every_pair(tmp_path: Path) -> None:
    a = make_zip(tmp_path / "a.zip", {"x.py": CODE})
    b = make_zip(tmp_path / "b.zip", {"y.py": CODE})
    result = run("check", str(a), str(b), "--html", str(tmp_path / "html"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "html" / "index.html").read_text()
    pages = list((tmp_path / "html" / "pairs").glob("*.html"))
    assert len(pages) == 1 and pages[0].name in index


def test_service_commands_are_registered_without_the_engine_importing_them(tmp_path: Path) -> None:
    listing = run("--help", cwd=tmp_path)
    assert listing.returncode == 0
    for command in ("check", "archive", "token", "serve", "worker"):
        assert f"  {command} " in listing.stdout
    assert run("serve", "--help", cwd=tmp_path).returncode == 0
    assert run("worker", "--help", cwd=tmp_path).returncode == 0


def test_the_summary_warns_when_the_cohort_is_too_small_for_common_code(tmp_path: Path) -> None:
    a = make_zip(tmp_path / "alice.zip", {"src/app.py": CODE})
    b = make_zip(tmp_path / "bob.zip", {"main.py": CODE})
    lines = run("check", str(a), str(b), cwd=tmp_path).stdout.splitlines()
    assert lines[0] == "2 submissions, 0 rejected, 1 pair reported"
    assert lines[1] == "  note: " + young_note(1) and "1 independent submission (near-duplicates" in lines[1]
    others = [make_zip(tmp_path / f"s{k}.zip", {"m.py": own_work(k, statements=30)}) for k in range(10)]
    summary = run("check", str(a), str(b), *map(str, others), cwd=tmp_path).stdout
    assert "alice ~ bob" in summary and "note:" not in summary  # 11 independent submissions


def test_the_summary_names_the_files_a_student_handed_in_that_were_never_compared(tmp_path: Path) -> None:
    a = make_zip(tmp_path / "alice.zip", {"src/app.py": CODE, "report.doc": "\xd0\xcf\x11\xe0 Word 97",
                                          "data.csv": "a,b\n1,2\n"})
    b = make_zip(tmp_path / "bob.zip", {"main.py": CODE})
    lines = run("check", str(a), str(b), cwd=tmp_path).stdout.splitlines()
    assert "  not compared (unreadable): legacy Word .doc files cannot be read; save as .docx or PDF: " \
           "alice: report.doc" in lines
    assert not any("data.csv" in line for line in lines)  # data nobody wrote: in the reports only


def test_files_hidden_from_the_check_are_listed_in_the_json_the_summary_and_the_html(tmp_path: Path) -> None:
    # Each was neither compared nor listed, the submission reading "ok": a password-protected
    # project.zip inside the upload, a main.py whose Unix mode says folder, a .py with a NUL.
    locked = io.BytesIO()
    with zipfile.ZipFile(locked, "w") as inner:
        inner.writestr("main.py", CODE)
    locked_bytes = bytearray(locked.getvalue())
    for magic, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the encryption flag, in both headers
        locked_bytes[locked_bytes.find(magic) + flags_at] |= 1
    path = tmp_path / "mallory.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.zip", bytes(locked_bytes))
        archive.writestr("copied.py", CODE[:100] + "\0" + CODE[100:])
        folder_mode = zipfile.ZipInfo("main.py")
        folder_mode.external_attr = 0o40755 << 16
        archive.writestr(folder_mode, CODE)
    other = make_zip(tmp_path / "alice.zip", {"app.py": CODE})
    report = json.loads(run("check", str(other), str(path), "--json", "-", cwd=tmp_path).stdout)
    mallory = report["submissions"][1]
    assert (mallory["status"], mallory["files"]) == ("ok", 3)
    assert mallory["unread"] == [
        {"file": "copied.py", "state": "unreadable", "detail": "binary content: NUL bytes in a source file"},
        {"file": "project.zip", "state": "unreadable",
         "detail": "a password-protected ZIP inside the submission: not opened, never compared"}]
    assert [(p["a"], p["b"], p["fragments"][0]["b"]["file"]) for p in report["pairs"]] == [
        ("alice", "mallory", "main.py")]
    lines = run("check", str(other), str(path), "--html", str(tmp_path / "html"), cwd=tmp_path).stdout.splitlines()
    assert "  not compared (unreadable): binary content: NUL bytes in a source file: mallory: copied.py" in lines
    assert "  not compared (unreadable): a password-protected ZIP inside the submission: not opened, never " \
           "compared: mallory: project.zip" in lines
    index = (tmp_path / "html" / "index.html").read_text()
    assert "copied.py" in index and "project.zip" in index
    assert '<a href="#not-compared">Files not checked</a>' in index  # reached from the top


def test_a_tricked_copy_is_flagged_in_the_json_and_the_summary(tmp_path: Path) -> None:
    text = "The grade book reads a spreadsheet of marks that teachers export as CSV. " * 8
    a = make_zip(tmp_path / "alice.zip", {"essay.md": text})
    b = make_zip(tmp_path / "bob.zip", {"essay.md": text.replace("a", "\u0430").replace("e", "\u0435")})
    report = json.loads(run("check", str(a), str(b), "--json", "-", cwd=tmp_path).stdout)
    assert report["submissions"][0]["flags"] == []
    [flag] = report["submissions"][1]["flags"]
    assert (flag["file"], flag["kind"]) == ("essay.md", "homoglyphs") and flag["count"] > 100
    assert report["pairs"][0]["similarity"] > 0.9
    summary = run("check", str(a), str(b), cwd=tmp_path)
    assert f"  flag bob: essay.md: homoglyphs ({flag['count']})" in summary.stdout.splitlines()


def test_outputs_that_cannot_be_written_are_refused_before_the_check(tmp_path: Path) -> None:
    # Found after the run, a class's whole check was lost with a traceback.
    a = make_zip(tmp_path / "a.zip", {"x.py": CODE})
    (tmp_path / "afile").write_text("not a folder")
    for option, target in (("--json", "afile/report.json"), ("--html", "afile/html")):
        result = run("check", str(a), option, target, cwd=tmp_path)
        assert result.returncode == 2 and option in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_submissions_sharing_an_id_are_named_and_a_path_given_twice_is_read_once(tmp_path: Path) -> None:
    bob = make_zip(tmp_path / "bob.zip", {"x.py": CODE})
    (tmp_path / "late").mkdir()
    late = make_zip(tmp_path / "late" / "bob.zip", {"y.py": CODE})
    clash = run("check", str(bob), str(late), cwd=tmp_path)
    assert clash.returncode == 2
    assert str(bob) in clash.stderr and str(late) in clash.stderr and "rename" in clash.stderr
    twice = run("check", str(bob), str(bob), "--json", "-", cwd=tmp_path)
    assert twice.returncode == 0 and [s["id"] for s in json.loads(twice.stdout)["submissions"]] == ["bob"]


def test_a_submission_given_as_the_current_folder_is_named_by_it(tmp_path: Path) -> None:
    emma = tmp_path / "emma"
    emma.mkdir()
    (emma / "main.py").write_text(CODE)
    make_zip(tmp_path / "nora.zip", {"main.py": CODE})
    report = json.loads(run("check", ".", "../nora.zip", "--json", "-", cwd=emma).stdout)
    assert [s["id"] for s in report["submissions"]] == ["emma", "nora"]


def test_the_young_cohort_note_is_printed_with_no_pair_listed(tmp_path: Path) -> None:
    a = make_zip(tmp_path / "alice.zip", {"app.py": CODE})
    b = make_zip(tmp_path / "bob.zip", {"main.py": own_work(1, statements=30)})
    lines = run("check", str(a), str(b), "--min-similarity", "1", cwd=tmp_path).stdout.splitlines()
    assert lines[0] == "2 submissions, 0 rejected, 0 pairs reported" and lines[1].startswith("  note: ")


def test_the_progress_bar_is_drawn_on_stderr(monkeypatch: object) -> None:
    from originality import cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # type: ignore[attr-defined]
    bar = cli._TerminalProgress()._bar
    assert bar is not None and bar.console.stderr  # never into `--json -` or a summary redirected


def test_the_summary_says_how_many_pairs_it_does_not_name(tmp_path: Path) -> None:
    subs = [make_zip(tmp_path / f"s{k}.zip", {"m.py": CODE}) for k in range(6)]  # 15 identical pairs
    lines = run("check", *map(str, subs), cwd=tmp_path).stdout.splitlines()
    assert "  and 5 more pairs: the JSON and the HTML report list them all" in lines
