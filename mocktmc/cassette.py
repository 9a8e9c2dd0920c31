"""Cassettes: what `mocktmc serve --proxy URL --record DIR` writes of its traffic with the real service, and
`read_cassette`, which reads one back (`mocktmc diff` compares a cassette with the mock). Plain Python.

The format, version 1 (issue 22; the proxy writes it, every reader reads it):

- One file per proxy session (one `mocktmc serve --proxy` process):
  `DIR/cassette-<UTC start as YYYYMMDDTHHMMSSZ>-<pid>.jsonl`, UTF-8, JSON Lines (one JSON object a line, `\\n`
  between lines), appended and flushed after each interaction.
- Line 1, the header: `{"cassette": "mocktmc", "version": 1, "upstream": "<the --proxy URL>",
  "started": "<ISO-8601 UTC>", "mocktmc": "<mocktmc version>"}`.
- Every later line is one interaction, in the order the proxy answered them:
  - `seq`: 1, 2, ... within the file;
  - `time`: the real UTC time the request arrived (ISO-8601, milliseconds, `Z`);
  - `durationMs`: the upstream round trip, in milliseconds;
  - `request`: `{"method", "path", "query", "headers", "body"}`: `query` a dict of lists (as the journal keeps
    it, redacted); `headers` with lower-case names, only `content-type`, `accept` and `authorization` (as its
    scheme and fingerprint, "Bearer sha256:1a4299ee6ce1"), those present; `body` parsed JSON, or a string for
    non-JSON text, or null; redacted as the journal redacts;
  - `response`: `{"status", "headers", "body"}`, or null when the upstream could not be reached; `headers` with
    lower-case names, only those present of `content-type`, `retry-after`, `location`, `x-ratelimit-limit`,
    `x-ratelimit-remaining`, `x-ratelimit-reset`; `body` as the request's, redacted likewise;
  - `error`: null, or a sentence: why the upstream gave no answer;
  - `violations`: `[{"where": "request" | "response", "message": "..."}]`, the contract violations the proxy
    found (a break the quirks catalog explains is not one).
- Redaction is the journal's (mocktmc/control/redaction.py): the Authorization header as its fingerprint,
  secret query values, secret JSON members and `name=value` pairs of secret names in text.
- A reader ignores unknown fields, and skips (with a warning) a line that is not JSON (a file cut by a kill).

Requests the proxy answered itself (a fault rule's answer or drop, a body over a limit) never reached the
upstream and are not in the cassette; they are in the journal.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FORMAT = "mocktmc"
VERSION = 1
REQUEST_HEADERS = ("content-type", "accept", "authorization")
RESPONSE_HEADERS = ("content-type", "retry-after", "location", "x-ratelimit-limit", "x-ratelimit-remaining",
                    "x-ratelimit-reset")

log = logging.getLogger("mocktmc.cassette")


class CassetteError(ValueError):
    """A file that is not a mocktmc cassette of a version this reader knows."""


def iso_utc(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`, as every time in a cassette."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def file_name(started: datetime, pid: int) -> str:
    return f"cassette-{started.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}-{pid}.jsonl"


class CassetteWriter:
    """One session's cassette: the header written when made, then one line per `write`, flushed each time.

    Safe to use from waitress' threads: a line is numbered and written under one lock, so `seq` follows the
    file's order."""

    def __init__(self, directory: str | os.PathLike[str], upstream: str, version: str,
                 started: datetime | None = None, pid: int | None = None) -> None:
        started = started or datetime.now(timezone.utc)
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / file_name(started, os.getpid() if pid is None else pid)
        self._lock = threading.Lock()
        self._seq = 0
        self._file = self.path.open("a", encoding="utf-8", newline="\n")
        self._line({"cassette": FORMAT, "version": VERSION, "upstream": upstream, "started": iso_utc(started),
                    "mocktmc": version})

    def _line(self, value: dict[str, Any]) -> None:
        self._file.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def write(self, interaction: dict[str, Any]) -> int:
        """Append one interaction (every field but `seq`, which this numbers); its seq."""
        with self._lock:
            if self._file.closed:
                raise ValueError(f"the cassette {self.path} is closed")
            self._seq += 1
            self._line({"seq": self._seq, **interaction})
            return self._seq

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_cassette(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the header, the interactions in file order) of a cassette file. Lines that are not JSON objects (a file
    cut by a kill) are skipped with a warning; fields a reader does not know are kept as they are.

    Raises CassetteError when the first line is not a mocktmc cassette header of version 1, and OSError when
    the file cannot be read."""
    header: dict[str, Any] | None = None
    interactions: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                value = None
            if not isinstance(value, dict):
                if header is None:
                    raise CassetteError(f"{path}: line {number} is not a cassette header (a JSON object)")
                log.warning("%s: line %d is not a JSON object; skipped (a file cut short?)", path, number)
                continue
            if header is None:
                if value.get("cassette") != FORMAT:
                    raise CassetteError(f"{path}: not a mocktmc cassette (its first line has no "
                                        f"\"cassette\": \"{FORMAT}\")")
                if value.get("version") != VERSION:
                    raise CassetteError(f"{path}: cassette version {value.get('version')!r}; this reader knows "
                                        f"version {VERSION}")
                header = value
                continue
            interactions.append(value)
    if header is None:
        raise CassetteError(f"{path}: empty; a cassette starts with its header line")
    return header, interactions
