"""Clocks. Everything in the simulation reads time from an injected Clock, never from the OS."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol

from .errors import BadRequest, Conflict


def truncate_ms(moment: datetime) -> datetime:
    """TMC speaks in milliseconds; keeping instants at ms precision makes ordering and output agree."""
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall time (UTC, millisecond precision). The real-time source a VirtualClock runs on."""

    def now(self) -> datetime:
        return truncate_ms(datetime.now(timezone.utc))


class VirtualClock:
    """Mock time: frozen (rate 0), or running at `rate` x real time; it can be advanced or set.

    Elapsed real time is measured with a monotonic source so that a wall-clock jump on the
    host never moves mock time backwards.
    """

    def __init__(self, start: datetime | None = None, rate: float = 0.0,
                 monotonic: Callable[[], float] = time.monotonic, resume_rate: float | None = None) -> None:
        if not 0 <= rate < float("inf") or not 0 < (resume_rate or 1.0) < float("inf"):
            raise ValueError("clock rates must be finite, rate >= 0 and resume_rate > 0")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._base = truncate_ms(start.astimezone(timezone.utc) if start else SystemClock().now())
        self._base_real = monotonic()
        self._rate = float(rate)
        # the rate `resume` goes back to
        self._resume_rate = float(resume_rate if resume_rate is not None else rate if rate > 0 else 1.0)

    def _now_locked(self) -> datetime:
        if self._rate == 0:
            return self._base
        elapsed = (self._monotonic() - self._base_real) * self._rate
        return truncate_ms(self._base + timedelta(seconds=elapsed))

    def _rebase_locked(self, moment: datetime) -> None:
        self._base = truncate_ms(moment)
        self._base_real = self._monotonic()

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def resume_rate(self) -> float:
        return self._resume_rate

    @property
    def frozen(self) -> bool:
        return self._rate == 0

    def fork(self) -> "VirtualClock":
        """A clock of its own, at this one's time and rate from now on, moved apart from it."""
        with self._lock:
            return VirtualClock(self._now_locked(), self._rate, self._monotonic, resume_rate=self._resume_rate)

    def advance(self, seconds: float) -> datetime:
        """Move time forward; going backwards is refused (409) so that runs never un-happen."""
        if seconds < 0:
            raise Conflict(f"The mock clock only moves forward: cannot advance it by {seconds} s")
        with self._lock:
            self._rebase_locked(self._now_locked() + timedelta(seconds=seconds))
            return self._base

    def advance_to(self, moment: datetime) -> datetime:
        with self._lock:
            current = self._now_locked()
            if moment < current:
                raise Conflict(f"The mock clock only moves forward: {moment.isoformat()} is before the current "
                               f"mock time {current.isoformat()}")
            self._rebase_locked(moment)
            return self._base

    def set_rate(self, rate: float) -> None:
        if rate < 0 or rate == float("inf"):
            raise BadRequest(f"clock rate must be a finite number >= 0, got {rate}")
        with self._lock:
            self._rebase_locked(self._now_locked())
            if rate == 0 and self._rate > 0:
                self._resume_rate = self._rate
            self._rate = float(rate)

    def freeze(self) -> None:
        """Stop mock time; `resume` starts it again at the rate it ran at."""
        self.set_rate(0)

    def resume(self) -> None:
        """Run again at the rate before the last freeze (real time when it never ran)."""
        if self.frozen:
            self.set_rate(self._resume_rate)


def parse_clock_mode(mode: str) -> float:
    """'real' -> rate 1, 'frozen' -> rate 0, 'rate:N' -> rate N (N >= 0)."""
    mode = mode.strip().lower()
    if mode == "real":
        return 1.0
    if mode == "frozen":
        return 0.0
    if mode.startswith("rate:"):
        try:
            rate = float(mode[5:])
        except ValueError:
            rate = -1.0
        if rate >= 0 and rate != float("inf"):
            return rate
    raise ValueError(f"clock must be 'real', 'frozen' or 'rate:N' with N >= 0, got {mode!r}")
