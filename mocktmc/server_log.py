"""How `mocktmc serve` logs: a level, and lines as text or as one JSON object each (for log collectors).

The access log (api/access_log.py) writes at INFO; the server's own warnings and errors at WARNING and
above. Lines go to standard error; the line that says where the server listens goes to standard output.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")


def _timestamp(record: logging.LogRecord) -> str:
    # The host's time of the log line, not mock time: a log is read beside other logs of the host.
    return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and for a request its `http` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _timestamp(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        http = getattr(record, "http", None)
        if http is not None:
            entry.update(http)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)  # ASCII: a lone surrogate cannot break the stream


def configure(level: str = "warning", fmt: str = "text") -> None:
    """Send every logger's records at `level` and above to standard error, formatted as `fmt`."""
    if level not in LEVELS or fmt not in FORMATS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)} and format one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
