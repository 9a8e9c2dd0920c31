"""The quirks of the catalog (mocktmc/quirks.py) as they show in one proxied exchange.

Each quirk that can be told from a single request and its answer has a sign: given the exchange, it says
whether the service behaved the observed way ("observed"), the documented way ("documented"), or whether the
exchange says nothing about that quirk (None). A quirk seen the observed way also *explains* the contract breaks
it is known to cause: those are reported as the quirk, not as violations. (The contracts in contracts/ already
admit most observed behaviours, as tools/derive_contracts.py's correction "observed_service" says; what they do
not admit, e.g. a 429 from the token endpoint, which declares none, is explained here.)

Quirks about what a list selects or a PUT keeps (history_window_by_trigger, last_days_overrides_period,
task_name_prefix, task_put_replaces) need the service's state to tell and have no sign; the contract kit's
quirk checks tell them (`mocktmc contract --suite quirks`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .checks import Violation

OBSERVED, DOCUMENTED = "observed", "documented"


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    request_headers: dict[str, str]  # lower-case names
    status: int
    response_headers: dict[str, str]  # lower-case names
    body: Any  # the response body parsed as JSON; None when it is not JSON


@dataclass(frozen=True)
class Sign:
    quirk: str
    tell: Callable[[Exchange], str | None]
    explains: Callable[[Violation], bool] = field(default=lambda violation: False)


_TERMINATE = re.compile(r"^/(processing|tmc/v[0-9.]+)/executions/[^/]+$")
_V1_LISTS = re.compile(r"^/tmc/v1\.[0-9]+/executables(/plans|/promotions)?$")
_LOG_EXPORT = re.compile(r"^/monitoring/.*logs$")


def _expires_in(exchange: Exchange) -> str | None:
    if exchange.path != "/security/oauth/token" or exchange.status != 200 or not isinstance(exchange.body, dict):
        return None
    value = exchange.body.get("expires_in")
    if isinstance(value, int) and not isinstance(value, bool):
        return OBSERVED
    return DOCUMENTED if isinstance(value, str) else None


def _bare_arrays(exchange: Exchange) -> str | None:
    if exchange.method != "GET" or exchange.status != 200 or not _V1_LISTS.match(exchange.path):
        return None
    if isinstance(exchange.body, list):
        return OBSERVED
    return DOCUMENTED if isinstance(exchange.body, dict) else None


def _accepts_text(accept: str) -> bool:
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(kind in ("text/plain", "text/*", "*/*", "") for kind in types)


def _terminate(exchange: Exchange) -> str | None:
    accept = exchange.request_headers.get("accept")
    if exchange.method != "DELETE" or accept is None or _accepts_text(accept) or not _TERMINATE.match(exchange.path):
        return None
    if exchange.status == 406:
        return OBSERVED
    return DOCUMENTED if 200 <= exchange.status < 300 else None


def _throttle(exchange: Exchange) -> str | None:
    if exchange.status != 429:
        return None
    return DOCUMENTED if "retry-after" in exchange.response_headers else OBSERVED


def _log_export(exchange: Exchange) -> str | None:
    if exchange.method != "POST" or exchange.status != 206 or not _LOG_EXPORT.match(exchange.path):
        return None
    return OBSERVED if "x-log-next-request-end-time" in exchange.response_headers else DOCUMENTED


def _misfire(exchange: Exchange) -> str | None:
    body = exchange.body  # a run refused before it started: it has a misfire reason and no start time
    if exchange.method != "GET" or exchange.status != 200 or not isinstance(body, dict) \
            or not body.get("misfiredExecutionReason") or body.get("startTimestamp") is not None:
        return None
    return DOCUMENTED if body.get("finishTimestamp") is not None else OBSERVED


def _is_status(status: int) -> Callable[[Violation], bool]:
    return lambda violation: violation.kind == "status" and violation.message.startswith(f"status {status} ")


SIGNS: tuple[Sign, ...] = (
    Sign("expires_in_number", _expires_in, lambda v: v.kind == "body" and "'expires_in'" in v.message),
    Sign("legacy_v1_bare_arrays", _bare_arrays, lambda v: v.kind == "body"),
    Sign("terminate_text_plain", _terminate, _is_status(406)),
    Sign("throttle_without_retry_after", _throttle, _is_status(429)),
    Sign("log_export_keeps_last", _log_export),
    Sign("misfire_never_started", _misfire, lambda v: v.kind == "body" and "finishTimestamp" in v.message),
)


def read_signs(exchange: Exchange, violations: list[Violation]) -> tuple[dict[str, str], list[Violation],
                                                                          dict[str, list[Violation]]]:
    """(quirk -> the way the exchange shows it, the response violations no quirk explains, quirk -> the
    violations it explains)."""
    seen: dict[str, str] = {}
    explained: dict[str, list[Violation]] = {}
    left = list(violations)
    for sign in SIGNS:
        way = sign.tell(exchange)
        if way is None:
            continue
        seen[sign.quirk] = way
        if way == OBSERVED:
            taken = [violation for violation in left if violation.where == "response" and sign.explains(violation)]
            if taken:
                explained[sign.quirk] = taken
                left = [violation for violation in left if violation not in taken]
    return seen, left, explained
