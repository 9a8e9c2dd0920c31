"""Opt-in throttling (`--throttle N/s`): the service answers 429 above roughly 10 requests a second per endpoint
(quirk throttle_without_retry_after). Counted per account and endpoint (method and path template) over the last
second of mock time, so a test meets the limit by sending requests without moving the clock, and gets through
again by moving it. A refused request is not counted. As observed, the 429 carries no Retry-After; with
--fidelity documented it says how many seconds until the endpoint accepts again.

The counts are the HTTP layer's, like the journal's: they are not part of an account's state.
"""
from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime, timedelta

from flask import Flask, current_app, request

from . import context
from ..errors import TooManyRequests

WINDOW = timedelta(seconds=1)
_STATE = "mocktmc.throttle"


class Throttle:
    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str, str], deque[datetime]] = {}

    def admit(self, key: tuple[str, str, str], now: datetime) -> datetime | None:
        """Count a request at `now`; None when it is within the limit, else when the endpoint accepts again."""
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - WINDOW:
                seen.popleft()
            if len(seen) >= self.per_second:
                return seen[0] + WINDOW
            seen.append(now)
            return None


def install(app: Flask, per_second: float) -> None:
    # The counts are run state: a reset app has counted nothing (context.keep_fresh).
    context.keep_fresh(app, _STATE, lambda: Throttle(per_second))


def check() -> None:
    """before_request, once the caller's world is entered: refuse the request past the endpoint's rate."""
    throttle: Throttle | None = current_app.extensions.get(_STATE)
    world = context.world_or_none()
    if throttle is None or world is None or request.url_rule is None:
        return
    now = context.now()
    again = throttle.admit((world.account_id, request.method, request.url_rule.rule), now)
    if again is None:
        return
    headers = {}
    if not context.quirk("throttle_without_retry_after"):
        headers["Retry-After"] = str(max(1, math.ceil((again - now).total_seconds())))
    raise TooManyRequests(f"Too many requests: at most {throttle.per_second:g} a second on "
                          f"{request.method} {request.url_rule.rule}", headers=headers)
