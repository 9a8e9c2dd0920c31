"""Reading a cassette: what `mocktmc serve --proxy URL --record DIR` writes (the format, version 1: a header line
`{"cassette": "mocktmc", "version": 1, "upstream", "started", "mocktmc"}`, then one interaction a line, `{"seq",
"time", "durationMs", "request", "response", "error", "violations"}`, JSON Lines, appended and flushed as the proxy
answers). Plain Python.

A proxy killed mid-write leaves its last line cut short: such a line is skipped with a warning on the
"mocktmc.cassette" logger, as the format says, so that everything recorded before the kill can still be used. A file
that is not a cassette at all (no header, another format, another version) is a CassetteError: nothing in it can be
trusted. Interactions are the dicts the file holds, unknown fields kept; what a reader needs of them is its own
check (mocktmc/parity.py's).
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any

FORMAT = "mocktmc"
VERSION = 1

log = logging.getLogger("mocktmc.cassette")


class CassetteError(ValueError):
    """The file cannot be read as a cassette: unreadable, not a mocktmc cassette, or of a version not known here."""


def read_cassette(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the header, the interactions in file order) of one cassette file; lines that are not JSON objects after the
    header are skipped with a warning."""
    try:
        with open(path, "rb") as file:
            text = file.read().decode("utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read {os.fspath(path)}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CassetteError(f"{os.fspath(path)} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    if not text.strip():
        raise CassetteError(f"{os.fspath(path)}: empty; a cassette starts with its header line")
    header: dict[str, Any] | None = None
    interactions: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() and header is not None:
            continue  # the newline after the last line
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if header is None:
            header = _header(path, value)
        elif isinstance(value, dict):
            interactions.append(value)
        else:
            log.warning("%s: line %d is not a JSON object; skipped (a file cut short?)", os.fspath(path), number)
    assert header is not None  # the first line is always read
    return header, interactions


def _header(path: str | os.PathLike[str], value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("cassette") != FORMAT:
        raise CassetteError(f"{os.fspath(path)} is not a mocktmc cassette: its first line is no "
                            f"{{\"cassette\": \"{FORMAT}\", ...}} header")
    if value.get("version") != VERSION:
        raise CassetteError(f"{os.fspath(path)} is a cassette of version {value.get('version')!r}; "
                            f"this mocktmc reads version {VERSION}")
    return value
