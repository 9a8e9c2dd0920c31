"""The access log: one line per request on the `mocktmc.access` logger, with its method, path, status,
duration and account. `mocktmc serve --log-level info` shows it (server_log.py formats it as text or
JSON); with the logger above INFO a request costs two level checks."""
from __future__ import annotations

import logging
import time
from typing import Any

from flask import Response, g, request

from ..control import caller, faults

log = logging.getLogger("mocktmc.access")


def note_start(flags: Any) -> None:
    """before_request, first of all: the wall-clock start on the request's `g`, so the duration includes
    faults' latency."""
    if log.isEnabledFor(logging.INFO):  # nothing to time when no line is written
        flags.mocktmc_started = time.perf_counter()


def record(response: Response) -> Response:
    """after_request, last of all: the request as the client got it."""
    if not log.isEnabledFor(logging.INFO) or g.get("mocktmc_logged"):
        return response
    g.mocktmc_logged = True  # Flask runs the hooks again for an error raised in one: log a request once
    started = g.get("mocktmc_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    status = "dropped" if isinstance(response, faults.DroppedResponse) else response.status_code
    account = caller.account_id()
    log.info("%s %s %s %s ms account=%s", request.method, request.full_path.rstrip("?"), status, duration_ms,
             account or "-", extra={"http": {
                 "method": request.method, "path": request.path, "query": request.query_string.decode("latin-1"),
                 "status": status, "durationMs": duration_ms, "account": account,
                 "remote": request.remote_addr}})
    return response
