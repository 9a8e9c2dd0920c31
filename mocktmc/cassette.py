"""Reading a cassette: what `mocktmc serve --proxy URL --record DIR` writes (format: /work/shared-notes/cassette.md).

A cassette is JSON Lines: a header line, then one interaction a line, appended and flushed as the proxy answers.
A proxy killed mid-write leaves a last line cut short; that line is skipped with a warning (CassetteWarning), as
the format says, so that everything recorded before the kill can still be used. A file that is not a cassette at
all (no header, another format, a newer version) is an error (CassetteError): nothing in it can be trusted.

Interactions are kept as the plain dicts the file holds (unknown fields included, which a reader must ignore, not
drop), checked only for the fields a replay needs.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, TypedDict, cast

FORMAT = "mocktmc"
VERSION = 1
# DIR/cassette-<UTC start>-<pid>.jsonl: sorting the names sorts the sessions by their start.
FILE_GLOB = "cassette-*.jsonl"


class CassetteError(ValueError):
    """The file cannot be read as a cassette (missing, not a header, an unknown version)."""


class CassetteWarning(UserWarning):
    """A line skipped: not JSON (a file cut by a kill) or not an interaction."""


class CassetteHeader(TypedDict, total=False):
    cassette: str
    version: int
    upstream: str
    started: str
    mocktmc: str


class RecordedRequest(TypedDict, total=False):
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class RecordedResponse(TypedDict, total=False):
    status: int | None
    headers: dict[str, str]
    body: Any


class Interaction(TypedDict, total=False):
    seq: int
    time: str
    durationMs: float
    request: RecordedRequest
    response: RecordedResponse | None
    error: str | None
    violations: list[dict[str, str]]


def read_cassette(path: str | Path) -> tuple[CassetteHeader, list[Interaction]]:
    """The header and the interactions of one cassette file, in file order; skipped lines warn."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CassetteError(f"{path} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    lines = text.split("\n")
    header = _header(path, lines[0] if lines else "")
    interactions: list[Interaction] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue  # the newline after the last interaction
        try:
            value = json.loads(line)
        except ValueError:
            warnings.warn(CassetteWarning(f"{path}:{number}: skipped a line that is not JSON "
                                          f"(a cassette cut by a kill?): {line[:60]!r}"), stacklevel=2)
            continue
        problem = _interaction_problem(value)
        if problem:
            warnings.warn(CassetteWarning(f"{path}:{number}: skipped a line that is not an interaction: {problem}"),
                          stacklevel=2)
            continue
        interactions.append(value)
    return header, interactions


def cassette_files(path: str | Path) -> list[Path]:
    """A file as itself; a directory as its cassettes, oldest session first."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob(FILE_GLOB))
        if not files:
            raise CassetteError(f"{path} holds no cassette ({FILE_GLOB})")
        return files
    if not path.exists():
        raise CassetteError(f"{path}: no such file or directory")
    return [path]


def _header(path: Path, line: str) -> CassetteHeader:
    try:
        header = json.loads(line)
    except ValueError:
        raise CassetteError(f"{path} is not a mocktmc cassette: its first line is not a JSON header") from None
    if not isinstance(header, dict) or header.get("cassette") != FORMAT:
        raise CassetteError(f"{path} is not a mocktmc cassette: its first line has no \"cassette\": \"{FORMAT}\"")
    if header.get("version") != VERSION:
        raise CassetteError(f"{path} is a cassette of version {header.get('version')!r}; "
                            f"this mocktmc reads version {VERSION}")
    return cast(CassetteHeader, header)


def _interaction_problem(value: Any) -> str | None:
    """What makes a parsed line unusable as an interaction, or None."""
    if not isinstance(value, dict):
        return "not a JSON object"
    request = value.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str) \
            or not isinstance(request.get("path"), str):
        return "no request with a method and a path"
    query = request.get("query")
    if query is not None and not (isinstance(query, dict) and all(
            isinstance(values, list) and all(isinstance(item, str) for item in values) for values in query.values())):
        return "a query that is not a dict of lists of strings"
    if not isinstance(request.get("headers") or {}, dict):
        return "request headers that are not an object"
    if not isinstance(value.get("seq"), int) or not isinstance(value.get("time"), str):
        return "no seq or time"
    response = value.get("response")
    if response is not None and not (isinstance(response, dict) and isinstance(response.get("headers") or {}, dict)):
        return "a response that is not an object with an object of headers"
    return None
