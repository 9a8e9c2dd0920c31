"""What the proxy found, counted: `GET /_mocktmc/proxy/report`.

The report says how many exchanges went to the service (and how many got no answer), the contract violations
(counted per operation and per kind, and the last ITEM_LIMIT of them, each with its journal seq, operation, where
and message), and the quirks seen: for each, how many exchanges showed it the observed way and the documented
way, and the contract breaks it explained (reported as the quirk, not as violations)."""
from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

from flask import Blueprint, current_app, jsonify

from ..control import access
from ..errors import NotFound
from ..quirks import QUIRKS
from .checks import Violation

ITEM_LIMIT = 1000  # violations listed one by one; the counts go on past them
EXAMPLE_LIMIT = 5  # contract breaks listed per quirk that explained them
EXTENSION = "mocktmc.proxy"  # the proxy's parts (forwarding.Proxy); absent on the mock
REPORT = "mocktmc.proxy.report"  # its report: run state, made anew by a reset

bp = Blueprint("proxy_report", __name__, url_prefix="/_mocktmc")


class ProxyReport:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._exchanges = 0
        self._unanswered = 0
        self._by_operation: Counter[str] = Counter()
        self._by_kind: Counter[str] = Counter()
        self._items: deque[dict[str, Any]] = deque(maxlen=ITEM_LIMIT)
        self._quirks: dict[str, dict[str, Any]] = {}

    def add(self, seq: int | None, method: str, path: str, operation: str | None, answered: bool,
            violations: list[Violation], quirks: dict[str, str], explained: dict[str, list[Violation]]) -> None:
        label = operation or f"{method} {path}"
        with self._lock:
            self._exchanges += 1
            self._unanswered += not answered
            for violation in violations:
                self._by_operation[label] += 1
                self._by_kind[f"{violation.where} {violation.kind}"] += 1
                self._items.append({"seq": seq, "method": method, "path": path, "operation": operation,
                                    **violation.as_json()})
            for name, way in quirks.items():
                seen = self._quirks.setdefault(name, {"name": name, "title": QUIRKS[name].title, "observed": 0,
                                                      "documented": 0, "explained": 0, "examples": []})
                seen[way] += 1
                for violation in explained.get(name, ()):
                    seen["explained"] += 1
                    if len(seen["examples"]) < EXAMPLE_LIMIT:
                        seen["examples"].append({"seq": seq, "operation": operation, **violation.as_json()})

    def view(self) -> dict[str, Any]:
        with self._lock:
            listed = list(self._items)
            total = sum(self._by_kind.values())
            return {"upstream": self.upstream, "exchanges": self._exchanges, "unanswered": self._unanswered,
                    "violationCount": total, "byOperation": dict(sorted(self._by_operation.items())),
                    "byKind": dict(sorted(self._by_kind.items())), "violations": listed,
                    "violationsOmitted": total - len(listed),
                    "quirks": [{**seen, "examples": list(seen["examples"])}
                               for _, seen in sorted(self._quirks.items())]}


@bp.get("/proxy/report")
def proxy_report():
    found: ProxyReport | None = current_app.extensions.get(REPORT)
    if found is None:
        raise NotFound("This server is the mock, not a proxy: the report is kept by `mocktmc serve --proxy URL`")
    access.require_every_account("reads every exchange the proxy forwarded")
    return jsonify(found.view())


def close(app: Any) -> None:
    """A stopping server: the proxy's connections closed and its cassette's file (no-op on the mock)."""
    proxy = app.extensions.get(EXTENSION)
    if proxy is not None:
        proxy.close()


def cassette_path(app: Any) -> str | None:
    """The file a recording proxy writes its cassette to; None on the mock and without --record."""
    proxy = app.extensions.get(EXTENSION)
    cassette = getattr(proxy, "cassette", None)
    return str(cassette.path) if cassette is not None else None
