"""What students zip beside their work: does it make two of them copies of each other?

    .venv/bin/python benchmarks/litter.py
    PYTHONPATH=OLD_CHECKOUT .venv/bin/python benchmarks/litter.py   # another engine, the same cases

A cohort of twelve students, each handing in one real program of the java-pairs set (twelve
programs no labelled copy links) as their own work. Students s00 and s01 also hand in the same
files of one kind that nobody in the class wrote, and nothing else in common: a Python virtual
environment with a library in it (this checkout's own `click`), jQuery's unminified build under
`static/js/`, the MIT licence, a `.gitignore` in the words of GitHub's Python template, and a
shell script of some hundred lines named `gradlew`. Prints, per kind, the similarity `check`
gives s00 ~ s01 (0 when the pair is not listed; "nothing" is the pair alone); then the CPU
seconds `read_zip_bytes` takes to pass over ZIPs of 5,000 to 99,990 files of `node_modules/`
beside one of code (issue 9; generated cohorts of real programs, since no real set holds
litter).
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from originality import CheckOptions, check  # noqa: E402
from originality.errors import SubmissionRejected  # noqa: E402
from originality.unpack import read_zip_bytes  # noqa: E402

JAVA = Path("/work/shared/data/java-pairs")
if not JAVA.exists():
    JAVA = HERE.parent.parent / "shared" / "data" / "java-pairs"
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
JQUERY = HERE / "node_modules" / "@dodona" / "dolos-parsers" / "javascript" / "examples" / "jquery.js"

MIT = """MIT License

Copyright (c) 2026

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""
GITIGNORE = "\n".join([
    "# Byte-compiled / optimized / DLL files", "__pycache__/", "*.py[cod]", "*$py.class", "",
    "# C extensions", "*.so", "", "# Distribution / packaging", ".Python", "build/", "develop-eggs/",
    "dist/", "downloads/", "eggs/", ".eggs/", "lib/", "lib64/", "parts/", "sdist/", "var/", "wheels/",
    "*.egg-info/", ".installed.cfg", "*.egg", "MANIFEST", "", "# PyInstaller",
    "#  Usually these files are written by a python script from a template",
    "#  before PyInstaller builds the exe, so as to inject date/other infos into it.", "*.manifest",
    "*.spec", "", "# Installer logs", "pip-log.txt", "pip-delete-this-directory.txt", "",
    "# Unit test / coverage reports", "htmlcov/", ".tox/", ".nox/", ".coverage", ".coverage.*",
    ".cache", "nosetests.xml", "coverage.xml", "*.cover", ".hypothesis/", ".pytest_cache/", "",
    "# Translations", "*.mo", "*.pot", "", "# Django stuff:", "*.log", "local_settings.py",
    "db.sqlite3", "db.sqlite3-journal", "", "# Flask stuff:", "instance/", ".webassets-cache", "",
    "# Sphinx documentation", "docs/_build/", "", "# Jupyter Notebook", ".ipynb_checkpoints", "",
    "# pyenv", "#   For a library or package, you might want to ignore these files since the code is",
    "#   intended to run in multiple environments; otherwise, check them in:", "# .python-version",
    "", "# Environments", ".env", ".venv", "env/", "venv/", "ENV/", "env.bak/", "venv.bak/", ""])
GRADLEW = "#!/bin/sh\n" + "".join(
    f'if [ -n "$JAVA_HOME" ] ; then\n    JAVACMD="$JAVA_HOME/jre/sh/java{k}"\nfi\n'
    f'case "$(uname)" in\n  CYGWIN* ) cygwin=true ;;\n  Darwin* ) darwin{k}=true ;;\nesac\n' for k in range(12))


def own_programs(count: int) -> list[Path]:
    """``count`` java-pairs programs that no labelled copy links to each other."""
    linked: set[str] = set()
    with open(JAVA / "pairs.csv") as handle:
        for row in csv.DictReader(handle):
            if row["veredict"] == "1":
                linked |= {row["sub1"], row["sub2"]}
    return sorted(p for p in (JAVA / "java").glob("*.java") if p.stem not in linked)[:count]


def litter(kind: str, folder: Path) -> None:
    """Write the files of one kind into a student's folder."""
    if kind == "a virtual environment":
        (folder / ".venv").mkdir()
        (folder / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
        shutil.copytree(SITE / "click", folder / ".venv" / "lib" / "python3.11" / "site-packages" / "click")
    elif kind == "jQuery's build":
        (folder / "static" / "js").mkdir(parents=True)
        shutil.copy(JQUERY, folder / "static" / "js" / "jquery.js")
    elif kind == "the MIT licence":
        (folder / "LICENSE").write_text(MIT)
    elif kind == "a .gitignore":
        (folder / ".gitignore").write_text(GITIGNORE)
    elif kind == "gradlew":
        (folder / "gradlew").write_text(GRADLEW)


KINDS = ["nothing", "a virtual environment", "jQuery's build", "the MIT licence", "a .gitignore", "gradlew"]


def main() -> None:
    programs = own_programs(12)
    print("litter s00 and s01 share | s00 ~ s01")
    for kind in KINDS:
        with tempfile.TemporaryDirectory() as tmp:
            folders = []
            for k, program in enumerate(programs):
                folder = Path(tmp) / f"s{k:02d}"
                (folder / "src").mkdir(parents=True)
                shutil.copy(program, folder / "src" / "Main.java")
                if k < 2:
                    litter(kind, folder)
                folders.append(folder)
            report = check(folders, options=CheckOptions(workers=1, min_similarity=0.0))
            scores = {(p.a, p.b): p.similarity for p in report.pairs}
            print(f"{kind} | {scores.get(('s00', 's01'), 0.0):.2f}")
    print("files of node_modules/ beside one of code | CPU seconds to read the ZIP")
    for count in (5_000, 20_000, 99_990):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for i in range(count):
                archive.writestr(f"node_modules/pkg{i // 100}/f{i}.js", b"x")
            archive.writestr("main.py", b"def f(a):\n    return a + 1\n" * 20)
        started = time.process_time()
        try:
            entries = read_zip_bytes(buffer.getvalue())
            read = [e for e in entries if not getattr(e, "passed_over", "")]  # the folder is listed, not read
            outcome = f"{len(read)} file read, {len(entries) - len(read)} folder listed"
        except SubmissionRejected as error:  # as the engine before this benchmark did
            outcome = f"refused: {error.code}"
        print(f"{count:,} | {time.process_time() - started:.2f} ({outcome})")


if __name__ == "__main__":
    main()
