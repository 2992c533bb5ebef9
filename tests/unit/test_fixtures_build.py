"""The cohort generator (fixtures/make_fixtures.py): what it writes is what it promises.

No engine here: these tests read the ZIPs with the libraries a student's tools would use.
"""

from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import sys
import tokenize
import zipfile
from pathlib import Path
from typing import Any

import docx
import nbformat
import pptx
import pypdf
import pytest
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odf

from fixtures import hostile, make_fixtures, scenarios

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_IDS = [s.id for s in scenarios.SCENARIOS]
# Scenarios whose main.py is a complete command-line solution.
RUNNABLE = ["original", "identical", "renamed", "reordered", "partial_copy", "independent_a",
            "independent_b", "independent_c"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cohort")
    make_fixtures.build(outdir, heavy=False)
    return outdir


def _files(cohort: Path, scenario: str) -> dict[str, bytes]:
    with zipfile.ZipFile(cohort / "submissions" / f"{scenario}.zip") as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _strip_prefix(files: dict[str, bytes], scenario: str) -> dict[str, bytes]:
    prefix = next(s.prefix for s in scenarios.SCENARIOS if s.id == scenario)
    return {path[len(prefix):]: data for path, data in files.items()}


def test_layout_and_expected_json(cohort: Path) -> None:
    assert sorted(p.name for p in cohort.iterdir()) == ["base", "expected.json", "submissions"]
    expected = json.loads((cohort / "expected.json").read_text(encoding="utf-8"))
    assert set(expected) == {"rejected", "ok", "similar", "dissimilar"}
    assert set(SCENARIO_IDS) <= set(expected["ok"])
    stems = {p.stem for p in (cohort / "submissions").glob("*.zip")}
    assert stems == set(expected["ok"]) | set(expected["rejected"])
    named = {name for a, b, _ in expected["similar"] + expected["dissimilar"] for name in (a, b)}
    assert named <= set(SCENARIO_IDS)
    for _, _, bound in expected["similar"] + expected["dissimilar"]:
        assert 0 < bound <= 1


def test_base_directory_is_the_starter_code(cohort: Path) -> None:
    base = cohort / "base"
    written = {str(p.relative_to(base)): p.read_text(encoding="utf-8")
               for p in base.rglob("*") if p.is_file()}
    assert written == scenarios.BASE_FILES


@pytest.mark.parametrize("scenario", SCENARIO_IDS)
def test_submission_zip_is_well_formed(cohort: Path, scenario: str) -> None:
    with zipfile.ZipFile(cohort / "submissions" / f"{scenario}.zip") as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert {info.date_time for info in infos} == {make_fixtures.ZIP_DATE}
    files = _strip_prefix(_files(cohort, scenario), scenario)
    assert set(scenarios.BASE_FILES) - {"README.md", "main.py"} <= set(files)
    for path, data in files.items():
        if path.endswith(".py"):
            ast.parse(data.decode("utf-8"), filename=f"{scenario}/{path}")


@pytest.mark.parametrize("scenario", RUNNABLE)
def test_solution_runs(cohort: Path, scenario: str, tmp_path: Path) -> None:
    for path, data in _strip_prefix(_files(cohort, scenario), scenario).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for command in (["report"], ["stats"], ["export", str(tmp_path / "out.csv")]):
        result = subprocess.run([sys.executable, "main.py", command[0], "data/grades.csv",
                                 *command[1:]], cwd=tmp_path, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
    assert "Ada Lovelace" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_renamed_keeps_no_own_identifier_or_comment() -> None:
    originals = set(scenarios.RENAMED_NAMES)
    comments = set(scenarios.RENAMED_COMMENTS)
    for path, source in scenarios.renamed_files().items():
        previous = None
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string in originals:
                assert previous == "." and token.string not in scenarios.RENAMED_ATTRIBUTES, (
                    f"{path}:{token.start[0]}: {token.string} was not renamed")
            assert not (token.type == tokenize.COMMENT and token.string in comments)
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token.string


def test_renamed_is_indented_by_two() -> None:
    for path, source in scenarios.renamed_files().items():
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body:
                assert node.body[0].col_offset - node.col_offset == 2, f"{path}: {node.name}"


def test_reordered_keeps_every_definition_but_moves_most_to_other_files() -> None:
    original = {name: path for path, text in scenarios.ORIGINAL_FILES.items()
                for name in scenarios.python_chunks(text)}
    moved = {name: path for path, text in scenarios.reordered_files().items()
             for name in scenarios.python_chunks(text)}
    assert set(original) == set(moved)
    assert sum(original[name] != moved[name] for name in original) >= 10


def test_partial_copy_copies_about_a_third() -> None:
    def code_lines(text: str) -> int:
        return sum(1 for line in text.splitlines() if line.strip())

    files = scenarios.partial_copy_files()
    copied = code_lines(files["stats_helpers.py"])
    total = sum(code_lines(text) for text in files.values())
    assert 0.25 <= copied / total <= 0.45
    for block in scenarios.python_chunks(files["stats_helpers.py"]).values():
        assert any(block in text for text in scenarios.ORIGINAL_FILES.values())


def test_template_only_is_the_starter_code_with_trivial_edits(cohort: Path) -> None:
    files = _files(cohort, "template_only")
    changed = [p for p, data in files.items()
               if scenarios.BASE_FILES.get(p, "").encode("utf-8") != data]
    assert sorted(changed) == ["README.md", "main.py"]
    assert set(files) == set(scenarios.BASE_FILES)


def test_documents_open_with_their_libraries(cohort: Path) -> None:
    report = docx.Document(io.BytesIO(_files(cohort, "prose_paraphrase")["report.docx"]))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "quietly dropping a student" in text
    assert report.tables and report.sections[0].header.paragraphs[0].text

    manual = docx.Document(io.BytesIO(_files(cohort, "pdf_report_b")["docs/manual.docx"]))
    assert "Preparing the spreadsheet" in "\n".join(p.text for p in manual.paragraphs)

    files = _files(cohort, "prose_independent")
    odt = load_odf(io.BytesIO(files["docs/report.odt"]))
    paragraphs = [teletype.extractText(p) for p in odt.getElementsByType(odf_text.P)]
    assert any("GradeBook" in p for p in paragraphs)
    slides = pptx.Presentation(io.BytesIO(files["docs/slides.pptx"]))
    assert len(slides.slides) == len(scenarios.PROSE_INDEPENDENT_SLIDES)

    pdf = pypdf.PdfReader(io.BytesIO(_files(cohort, "pdf_report_a")["guide.pdf"]))
    extracted = " ".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) == 2 and "resit deadline" in extracted


@pytest.mark.parametrize("scenario, path", [("notebook_a", "analysis.ipynb"),
                                            ("notebook_b", "notebooks/term_results.ipynb")])
def test_notebooks_are_valid(cohort: Path, scenario: str, path: str) -> None:
    notebook = nbformat.reads(_files(cohort, scenario)[path].decode("utf-8"), as_version=4)
    nbformat.validate(notebook)
    kinds = {cell.cell_type for cell in notebook.cells}
    assert kinds == {"code", "markdown"}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)


@pytest.mark.skipif(shutil.which("javac") is None, reason="javac is not installed")
@pytest.mark.parametrize("scenario", ["java_original", "java_disguised"])
def test_java_compiles(cohort: Path, scenario: str, tmp_path: Path) -> None:
    sources = []
    for path, data in _files(cohort, scenario).items():
        if path.endswith(".java"):
            (tmp_path / Path(path).name).write_bytes(data)
            sources.append(str(tmp_path / Path(path).name))
    result = subprocess.run(["javac", "-d", str(tmp_path / "classes"), *sources],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_no_heavy_leaves_out_only_the_big_archives(cohort: Path) -> None:
    expected = json.loads((cohort / "expected.json").read_text(encoding="utf-8"))
    left_out = set(hostile.EXPECTED) - set(expected["ok"]) - set(expected["rejected"])
    assert left_out == {"many_entries", "long_line"}


def test_same_bytes_on_every_run(tmp_path: Path) -> None:
    """Two separate runs of the script write identical trees."""
    outdirs = [tmp_path / "first", tmp_path / "second"]
    script = str(ROOT / "fixtures" / "make_fixtures.py")
    processes = [subprocess.Popen([sys.executable, script, str(outdir), "--no-heavy"],
                                  stdout=subprocess.DEVNULL) for outdir in outdirs]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    trees = [{str(p.relative_to(outdir)): p.read_bytes()
              for p in sorted(outdir.rglob("*")) if p.is_file()} for outdir in outdirs]
    assert trees[0].keys() == trees[1].keys()
    differing = [path for path in trees[0] if trees[0][path] != trees[1][path]]
    assert differing == []


def test_build_replaces_an_earlier_build(tmp_path: Path) -> None:
    (tmp_path / "submissions").mkdir()
    (tmp_path / "submissions" / "stale.zip").write_bytes(b"old")
    expected: dict[str, Any] = make_fixtures.build(tmp_path, heavy=False)
    assert not (tmp_path / "submissions" / "stale.zip").exists()
    assert "stale" not in expected["ok"]


def test_readme_names_every_scenario_and_hostile_archive() -> None:
    readme = (ROOT / "fixtures" / "README.md").read_text(encoding="utf-8")
    for name in [*SCENARIO_IDS, *hostile.EXPECTED]:
        assert f"`{name}`" in readme, name
