"""Log lines for a person or for a log collector (``ORIGINALITY_LOG_FORMAT``: text or json).

In ``json`` every record is one JSON object on one line: ``time`` (UTC, ISO 8601 with
milliseconds), ``level``, ``logger``, ``message``, ``process``, any structured fields the code
passed as ``extra`` (the relay's ``event_id``, ``event_type``, ``attempt``), ``exception`` with
the traceback when there is one, and, for gunicorn's access log, the request's fields. The API
(gunicorn), the worker and the relay use it (``docs/deploy.md``, "Logs").
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

TEXT = "text"
JSON = "json"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"

# A record's own attributes; anything else on it came from ``extra`` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# gunicorn's access-log atoms (its ``args``) worth a field of their own.
_ACCESS_FIELDS = {"h": "remote", "m": "method", "U": "path", "q": "query", "s": "status",
                  "B": "bytes", "f": "referer", "a": "user_agent"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "process": record.process}
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            entry.update({name: atoms[atom] for atom, name in _ACCESS_FIELDS.items()
                          if atoms.get(atom) not in (None, "-", "")})
            if str(entry.get("status", "")).isdigit():
                entry["status"] = int(entry["status"])
            if "D" in atoms:  # microseconds
                entry["duration_ms"] = round(int(atoms["D"]) / 1000, 3)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == JSON else logging.Formatter(TEXT_FORMAT)


def configure(log_format: str, level: int | str = logging.INFO) -> None:
    """Send every logger's records to stderr in ``log_format``, replacing other handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # a warning is a log line too, in the same format


def gunicorn_json_config() -> dict[str, Any]:
    """gunicorn's ``logconfig_dict`` for JSON lines: its error log to stderr and its access log
    to stdout, as gunicorn's default does, and the application's own loggers beside the error
    log. (In ``text`` gunicorn keeps its own formats.)"""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "error": {"class": "logging.StreamHandler", "formatter": "json",
                      "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "json",
                       "stream": "ext://sys.stdout"}},
        "root": {"level": "INFO", "handlers": ["error"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False}},
    }
