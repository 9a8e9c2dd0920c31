"""Fault rules and the registry that draws them: plain Python, so the rules are testable without Flask.

Rules are tried in the order they were added; the first whose method, path and account match and
whose draw succeeds fires, and only that one counts the request. A rule's n-th matching request
fires when the n-th value of random.Random(seed).random() is below its probability, so a rule with
a given seed fires on the same requests of a given request sequence every time. A rule with `times`
is spent after firing that many times; it stays listed (remaining 0) until it is removed.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from . import globs
from ..errors import NotFound


@dataclass
class FaultRule:
    id: str
    path: str
    method: str | None = None
    account: str | None = None
    status: int | None = None
    retry_after: int | None = None
    detail: str | None = None
    latency: float | None = None
    drop: bool = False
    probability: float = 1.0
    times: int | None = None
    seed: int = 0
    matched: int = 0  # requests the rule matched, whether or not its draw fired it
    fired: int = 0
    _draws: random.Random = field(init=False, repr=False)
    # Set when the rule is removed or cleared: the requests its latency holds are answered then.
    _released: threading.Event = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._draws = random.Random(self.seed)
        self._released = threading.Event()

    def wait(self, seconds: float) -> None:
        """Hold the calling request `seconds` of real time, or until the rule is removed."""
        self._released.wait(seconds)

    def release(self) -> None:
        self._released.set()

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else self.times - self.fired

    @property
    def replaces_response(self) -> bool:
        """Whether the client gets the fault's answer (a status or nothing) instead of the API's."""
        return self.status is not None or self.drop

    def applies_to(self, method: str, path: str) -> bool:
        return (self.remaining != 0 and (self.method is None or self.method == method)
                and globs.matches(self.path, path))

    def fires(self) -> bool:
        """Count a matching request and draw whether the rule fires for it (called under the registry's lock)."""
        self.matched += 1
        if self._draws.random() < self.probability:
            self.fired += 1
            return True
        return False

    def saved(self) -> dict:
        """The rule as JSON data, with its counts and where its draws are (the state dir's)."""
        version, numbers, gauss = self._draws.getstate()
        return {**self.view(), "draws": [version, list(numbers), gauss]}

    @classmethod
    def from_saved(cls, data: dict) -> "FaultRule":
        """The rule `saved` wrote, going on with its counts and draws where they were."""
        rule = cls(id=data["id"], path=data["path"], method=data["method"], account=data["account"],
                   status=data["status"], retry_after=data["retryAfter"], detail=data["detail"],
                   latency=data["latency"], drop=data["drop"], probability=data["probability"],
                   times=data["times"], seed=data["seed"], matched=data["matched"], fired=data["fired"])
        version, numbers, gauss = data["draws"]
        rule._draws.setstate((version, tuple(numbers), gauss))
        return rule

    def view(self) -> dict:
        return {"id": self.id, "method": self.method, "path": self.path, "account": self.account,
                "status": self.status, "retryAfter": self.retry_after, "detail": self.detail,
                "latency": self.latency, "drop": self.drop, "probability": self.probability,
                "times": self.times, "seed": self.seed, "matched": self.matched, "fired": self.fired,
                "remaining": self.remaining}


class FaultRules:
    """The rules of one mock server; every method is safe to call from waitress' threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._added = 0  # ids are never reused, so a removed rule's id cannot name a newer rule

    @property
    def active(self) -> bool:
        """Whether any rule is there; read without the lock, as a cheap first check on every request."""
        return bool(self._rules)

    def next_id(self) -> str:
        with self._lock:
            self._added += 1
            return f"fault-{self._added}"

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def views(self) -> list[dict]:
        with self._lock:
            return [rule.view() for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            for rule in self._rules:
                rule.release()
            self._rules.clear()

    def saved(self) -> dict:
        with self._lock:
            return {"added": self._added, "rules": [rule.saved() for rule in self._rules]}

    def restore(self, saved: dict) -> None:
        """The rules `saved` wrote, in place of these (KeyError, TypeError or ValueError when malformed)."""
        rules = [FaultRule.from_saved(rule) for rule in saved["rules"]]
        with self._lock:
            self._rules, self._added = rules, int(saved["added"])

    def remove(self, rule_id: str) -> None:
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    del self._rules[index]
                    rule.release()
                    return
        raise NotFound(f"No fault rule {rule_id!r}")

    def needs_account(self, method: str, path: str) -> bool:
        """Whether matching this request needs the caller's account (so it is resolved only then)."""
        with self._lock:
            return any(rule.account is not None and rule.applies_to(method, path) for rule in self._rules)

    def draw(self, method: str, path: str, account: str | None) -> FaultRule | None:
        """The rule that fires for this request, counted; None when no rule fires."""
        with self._lock:
            for rule in self._rules:
                if not rule.applies_to(method, path) or (rule.account is not None and rule.account != account):
                    continue
                if rule.fires():
                    return rule
            return None


class LatencyHolds:
    """How many requests latency faults may hold at once: one fewer than the server's worker threads, so a
    latency rule on `/**` never parks every worker and health, the control plane and undelayed requests
    still answer. A request past the limit is not held (its answer says so); a slow TMC keeps answering
    its other callers too."""

    def __init__(self, workers: int) -> None:
        self.limit = max(workers - 1, 0)
        self._lock = threading.Lock()
        self.held = 0

    def take(self) -> bool:
        """Take a hold if one is free; the caller gives it back with give_back()."""
        with self._lock:
            if self.held >= self.limit:
                return False
            self.held += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.held -= 1
