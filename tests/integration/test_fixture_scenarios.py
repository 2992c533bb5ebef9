"""The demo cohort end to end: build fixtures/, run the real ``originality check``, and hold
the report to every expectation written beside the scenarios (``expected.json``).

One test per expectation, so a failure names the scenario and shows the score it got.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures import hostile, make_fixtures, scenarios

ROOT = Path(__file__).resolve().parents[2]

# Known before the cohort is built, so that the tests can be parametrized by scenario.
EXPECTED: dict[str, Any] = make_fixtures.expected_outcomes(dict(hostile.EXPECTED))


def _pair_id(pair: list[Any]) -> str:
    return f"{pair[0]}~{pair[1]}"


def _listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def _run_check(cohort: Path, cwd: Path, home: Path, json_out: Path, *extra: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINALITY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["HOME"] = str(home)
    zips = sorted(str(p) for p in (cohort / "submissions").glob("*.zip"))
    command = [sys.executable, "-m", "originality", "check", *zips, "--base",
               str(cohort / "base"), "--json", str(json_out), "--min-similarity", "0", *extra]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the full cohort (heavy archives included) and check it twice."""
    tmp = tmp_path_factory.mktemp("fixture_scenarios")
    cohort, cwd, home, out = tmp / "cohort", tmp / "cwd", tmp / "home", tmp / "out"
    for directory in (cwd, home, out):
        directory.mkdir()
    built = make_fixtures.build(cohort, heavy=True)
    repo_before = _listing_top(ROOT)
    _run_check(cohort, cwd, home, out / "first.json")
    _run_check(cohort, cwd, home, out / "second.json", "--html", str(out / "html"))
    report = json.loads((out / "first.json").read_text(encoding="utf-8"))
    return {
        "built": built,
        "cohort": cohort,
        "report": report,
        "submissions": {s["id"]: s for s in report["submissions"]},
        "pairs": {frozenset((p["a"], p["b"])): p for p in report["pairs"]},
        "first": (out / "first.json").read_bytes(),
        "second": (out / "second.json").read_bytes(),
        "html": out / "html",
        "out": _listing(out),
        "cwd": _listing(cwd),
        "home": _listing(home),
        "repo_before": repo_before,
        "repo_after": _listing_top(ROOT),
    }


def _listing_top(directory: Path) -> list[str]:
    # The repository's top level only: .venv and node_modules are too big to walk, and a
    # stray ./var, ./report or output file would show up here.
    return sorted(p.name for p in directory.iterdir())


def _similarity(runs: dict[str, Any], a: str, b: str) -> tuple[float, str]:
    pair = runs["pairs"].get(frozenset((a, b)))
    if pair is None:  # a pair that shares nothing may be left out: it scored 0
        return 0.0, "pair absent from the report"
    return pair["similarity"], f"a_share={pair['a_share']}, b_share={pair['b_share']}"


def test_built_expectations_are_the_collected_ones(runs: dict[str, Any]) -> None:
    assert runs["built"] == EXPECTED
    written = json.loads((runs["cohort"] / "expected.json").read_text(encoding="utf-8"))
    assert written == EXPECTED


def test_every_submission_is_reported_once(runs: dict[str, Any]) -> None:
    ids = [s["id"] for s in runs["report"]["submissions"]]
    assert sorted(ids) == sorted([*EXPECTED["ok"], *EXPECTED["rejected"]])
    assert runs["report"]["version"] == 1


@pytest.mark.parametrize("submission", EXPECTED["ok"])
def test_submission_is_accepted(runs: dict[str, Any], submission: str) -> None:
    summary = runs["submissions"][submission]
    assert summary["status"] == "ok", f"{submission}: {summary['error']}"
    assert summary["error"] is None
    assert summary["files"] > 0


@pytest.mark.parametrize("submission, code", sorted(EXPECTED["rejected"].items()))
def test_submission_is_rejected_with_its_code(runs: dict[str, Any], submission: str,
                                              code: str) -> None:
    summary = runs["submissions"][submission]
    assert summary["status"] == "rejected", f"{submission} was accepted"
    assert summary["error"]["code"] == code, summary["error"]


def test_rejected_submissions_are_in_no_pair(runs: dict[str, Any]) -> None:
    rejected = set(EXPECTED["rejected"])
    paired = {name for pair in runs["report"]["pairs"] for name in (pair["a"], pair["b"])}
    assert not rejected & paired


@pytest.mark.parametrize("pair", EXPECTED["similar"], ids=_pair_id)
def test_copies_are_found(runs: dict[str, Any], pair: list[Any]) -> None:
    a, b, lowest = pair
    similarity, detail = _similarity(runs, a, b)
    assert similarity >= lowest, f"{a} vs {b}: similarity {similarity} < {lowest} ({detail})"


@pytest.mark.parametrize("pair", EXPECTED["dissimilar"], ids=_pair_id)
def test_independent_work_is_not_flagged(runs: dict[str, Any], pair: list[Any]) -> None:
    a, b, highest = pair
    similarity, detail = _similarity(runs, a, b)
    assert similarity < highest, f"{a} vs {b}: similarity {similarity} >= {highest} ({detail})"


def test_a_partial_copy_does_not_look_like_a_full_one(runs: dict[str, Any]) -> None:
    pair = runs["pairs"][frozenset(("partial_copy", "original"))]
    assert pair["similarity"] >= 0.25
    assert max(pair["a_share"], pair["b_share"]) < scenarios.PARTIAL_COPY_MAX, pair


def test_same_input_gives_the_same_report_bytes(runs: dict[str, Any]) -> None:
    assert runs["first"] == runs["second"]


def test_html_report_is_written(runs: dict[str, Any]) -> None:
    index = runs["html"] / "index.html"
    assert index.is_file()
    assert "<html" in index.read_text(encoding="utf-8").lower()


def test_check_writes_nothing_but_its_outputs(runs: dict[str, Any]) -> None:
    assert runs["cwd"] == [], "the CLI wrote into its working directory"
    assert runs["home"] == [], "the CLI wrote into $HOME"
    assert runs["repo_after"] == runs["repo_before"], "the run changed the repository"
    outputs = [name for name in runs["out"] if not name.startswith("html")]
    assert outputs == ["first.json", "second.json"]
