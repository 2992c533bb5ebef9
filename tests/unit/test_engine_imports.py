"""The engine stays pure: importing it must not load the service layers."""

from __future__ import annotations

import subprocess
import sys


def test_engine_import_loads_neither_flask_nor_celery() -> None:
    code = (
        "import sys, originality, originality.check, originality.cli, originality.html_report, "
        "originality.ladder\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'celery', 'api', 'worker'})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
