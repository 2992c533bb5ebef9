"""The JSON lines formatter (the processes that use it run in tests/integration/test_json_logs.py)."""

from __future__ import annotations

import json
import logging

from originality.logs import JsonFormatter


def record(**extra: object) -> logging.LogRecord:
    made = logging.LogRecord("originality.relay", logging.WARNING, __file__, 1,
                             "delivery of %s failed", ("e1",), None)
    made.__dict__.update(extra)
    return made


def test_a_record_is_one_json_line_with_its_structured_fields() -> None:
    line = JsonFormatter().format(record(event_id="e1", attempt=2))
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING", "originality.relay", "delivery of e1 failed")
    assert (entry["event_id"], entry["attempt"]) == ("e1", 2)
    assert entry["time"].endswith("+00:00")


def test_a_traceback_stays_inside_the_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        import sys

        failed = record()
        failed.exc_info = sys.exc_info()
    line = JsonFormatter().format(failed)
    assert "\n" not in line
    assert "ValueError: bad" in json.loads(line)["exception"]
