"""A recorder that writes cassettes as `mocktmc serve --proxy URL --record DIR` does (the format:
/work/shared-notes/cassette.md), for testing `mocktmc diff` without a real tenant: "the real TMC" is a mocktmc
server, and each request a test makes through the recorder is sent to it with `requests` and written down, redacted
by the journal's rules (mocktmc/control/redaction.py), one line per interaction, flushed as the proxy flushes.

One difference from the proxy, on purpose: an interaction's "time" is the upstream's clock, read through its control
plane before the request, not this machine's. For the real TMC the two are one; for a mock standing in for it, whose
clock the test freezes and moves, its own time is the time its answers speak of.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from mocktmc import __version__
from mocktmc.control import redaction
from mocktmc.testing import connect

RESPONSE_HEADERS = ("content-type", "retry-after", "location", "x-ratelimit-limit", "x-ratelimit-remaining",
                    "x-ratelimit-reset")


class Recorder:
    """Send TMC API requests to `url` with `token`, recording each into DIR/cassette-<start>-<pid>.jsonl."""

    def __init__(self, url: str, token: str, directory: Path, *, control_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.control = connect(self.url, control_token=control_token)
        self.session = requests.Session()
        started = datetime.now(timezone.utc)
        self.path = directory / f"cassette-{started:%Y%m%dT%H%M%SZ}-{os.getpid()}.jsonl"
        self.seq = 0
        self._file = self.path.open("w", encoding="utf-8")
        self._write({"cassette": "mocktmc", "version": 1, "upstream": self.url,
                     "started": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                     "mocktmc": __version__})

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
                authenticated: bool = True) -> requests.Response:
        query = {key: [str(item) for item in (value if isinstance(value, list) else [value])]
                 for key, value in (params or {}).items()}
        headers = {"accept": "application/json"}
        if authenticated:
            headers["authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            headers["content-type"] = "application/json"
        arrived = self.control.clock.get()["now"]
        began = time.monotonic()
        response = self.session.request(method, self.url + path, params=query or None, headers=headers,
                                        data=None if json_body is None else json.dumps(json_body), timeout=30)
        self.seq += 1
        recorded_headers = {name: value for name, value in headers.items() if name != "authorization"}
        if authenticated:
            recorded_headers["authorization"] = redaction.authorization(headers["authorization"])
        self._write({
            "seq": self.seq, "time": arrived, "durationMs": round((time.monotonic() - began) * 1000, 1),
            "request": {"method": method, "path": path, "query": redaction.query(query), "headers": recorded_headers,
                        "body": None if json_body is None else redaction.json_value(json_body)},
            "response": {"status": response.status_code,
                         "headers": {name: response.headers[name] for name in RESPONSE_HEADERS
                                     if name in response.headers},
                         "body": _body(response)},
            "error": None, "violations": []})
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json_body=json_body, **kwargs)

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
        self.session.close()
        self.control.close()


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return redaction.json_value(response.json())
    except ValueError:
        return redaction.text(response.text)
