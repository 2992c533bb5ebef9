"""The engine stays pure: importing it must not load the service layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fixtures.documents import make_odt


def test_engine_import_loads_neither_flask_nor_celery() -> None:
    code = (
        "import sys, originality, originality.check, originality.cli, originality.html_report, "
        "originality.ladder\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'celery', 'api', 'worker'})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_engine_reads_opendocument_without_the_test_only_odfpy(tmp_path: Path) -> None:
    # odfpy is a test dependency (the fixtures write OpenDocument files with it): reading an
    # ODT must not need it.
    essay = tmp_path / "essay.odt"
    essay.write_bytes(make_odt(["An essay."]))
    code = (
        "import sys\n"
        "sys.modules['odf'] = None  # any import of odfpy now fails\n"
        "from originality.extract import extract\n"
        "from originality.model import Entry\n"
        f"print(extract(Entry('essay.odt', open({str(essay)!r}, 'rb').read())).text)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "An essay."
