"""The proxy's request step (app.py calls it once the fault rules and the request limits let a request through)
and what becomes of each exchange: journaled with the service's answer, violations logged, counted for the
report and, with --record, written to the cassette."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote

from flask import Flask, Request, Response, current_app

from .. import __version__
from ..api import bodies, context
from ..cassette import REQUEST_HEADERS, RESPONSE_HEADERS, CassetteWriter, iso_utc
from ..control import caller, redaction
from ..control.journal import BODY_LIMIT
from . import checks
from .checks import Violation
from .quirk_signs import Exchange, read_signs
from .report import EXTENSION, REPORT, ProxyReport
from .upstream import Answer, Upstream, UpstreamError, forwarded_headers

log = logging.getLogger("mocktmc.proxy")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # what a path segment may hold unencoded (RFC 3986)


class Proxy:
    """A proxy server's parts: the service and the cassette (None without --record). The report is run state,
    kept apart (report.REPORT): a reset app (mocktmc.app.reset_app) has an empty one."""

    def __init__(self, url: str, *, connections: int, timeout: float, body_limit: int,
                 record: str | None = None) -> None:
        self.upstream = Upstream(url, connections=connections, timeout=timeout, body_limit=body_limit)
        self.cassette = CassetteWriter(record, url, __version__) if record else None

    def close(self) -> None:
        self.upstream.close()
        if self.cassette is not None:
            self.cassette.close()


def install(app: Flask, url: str, *, connections: int, timeout: float, body_limit: int,
            record: str | None = None) -> Proxy:
    from ..api.request_checks import operation_rules
    operation_rules()  # the request checks compiled now, not on the first request
    proxy = app.extensions[EXTENSION] = Proxy(url, connections=connections, timeout=timeout, body_limit=body_limit,
                                              record=record)
    context.keep_fresh(app, REPORT, lambda: ProxyReport(url))
    return proxy


def answer(req: Request, flags: Any) -> Response | None:
    """before_request, in app.py's arrival step: the service's answer to a TMC API request; None for any other
    path (the control plane and the pages stay local). Raises a 502 or 504 (TMC errors) when the service gives
    none."""
    if not caller.is_api_path(req.path):
        return None
    proxy: Proxy = current_app.extensions[EXTENSION]
    flags.mocktmc_account = None  # the service authenticates the caller, not the mock's accounts
    arrived = datetime.now(timezone.utc)
    operation = checks.operation_of(req.method, req.path)
    try:
        request_violations = checks.request_violations(req, operation)
    except Exception:  # a check that fails must not keep the request from the service
        log.exception("%s %s: the proxy could not check the request; forwarded unchecked", req.method, req.path)
        request_violations = []
    raw = req.get_data(cache=True)
    query = req.query_string.decode("latin-1")
    exchange = Proxied(proxy, arrived, req, raw, operation, request_violations)
    flags.mocktmc_proxied = exchange  # the journal hands it its seq (journal.record)
    try:
        got = proxy.upstream.forward(req.method, quote(req.path, safe=_PATH_SAFE), query,
                                     forwarded_headers(list(req.headers.items())), raw)
    except UpstreamError as err:
        exchange.failed(str(err), arrived)
        raise
    exchange.answered(got, req, query)
    response = current_app.response_class(got.content, status=got.status, headers=got.headers)
    if got.header("content-type") is None and got.content:
        del response.headers["Content-Type"]  # none was given: none is made up
    return response


@dataclass
class Proxied:
    """One exchange with the service, as the journal, the report, the log and the cassette take it."""
    proxy: Proxy
    arrived: datetime
    req: Request
    raw: bytes
    operation: str | None
    request_violations: list[Violation]
    answer: Answer | None = None
    error: str | None = None
    duration_ms: float = 0.0
    response_violations: list[Violation] = field(default_factory=list)
    quirks: dict[str, str] = field(default_factory=dict)
    explained: dict[str, list[Violation]] = field(default_factory=dict)
    response_body: Any = None

    def failed(self, error: str, arrived: datetime) -> None:
        self.error = error
        self.duration_ms = round((datetime.now(timezone.utc) - arrived).total_seconds() * 1000, 3)

    def answered(self, got: Answer, req: Request, query: str) -> None:
        self.answer, self.duration_ms = got, got.duration_ms
        content_type = got.header("content-type")
        try:
            violations = checks.response_violations(req.method, req.path, query, got.status, content_type,
                                                    got.content)
        except Exception:  # a check that fails must not cost the client the service's answer
            log.exception("%s %s: the proxy could not check the service's response; passed on unchecked",
                          req.method, req.path)
            violations = []
        parsed = _json(got.content) if bodies.is_json(_mimetype(content_type) or "") else None
        exchange = Exchange(req.method, req.path, {k.lower(): v for k, v in req.headers.items()}, got.status,
                            {k.lower(): v for k, v in got.headers}, parsed)
        self.quirks, self.response_violations, self.explained = read_signs(exchange, violations)
        self.response_body = _body_value(got.content, content_type)

    @property
    def violations(self) -> list[Violation]:
        return self.request_violations + self.response_violations

    def journal_fields(self) -> dict[str, Any]:
        """What a proxied request's journal entry holds besides what every entry holds."""
        response = None
        if self.answer is not None:
            body, truncated = _cut(self.response_body)
            response = {"status": self.answer.status, "contentType": _mimetype(self.answer.header("content-type")),
                        "body": body, "bodyTruncated": truncated}
        return {"proxied": True, "operation": self.operation, "response": response, "error": self.error,
                "violations": [violation.as_json() for violation in self.violations],
                "quirks": [{"name": name, "behaves": way} for name, way in self.quirks.items()]}

    def journaled(self, seq: int | None) -> None:
        """Called by the journal once the entry has its seq: log, count, record."""
        req = self.req
        label = self.operation or "no published operation"
        for violation in self.violations:
            log.warning("%s %s (%s, journal seq %s): %s %s violation: %s", req.method, req.path, label, seq,
                        violation.where, violation.kind, violation.message)
        if self.error is not None:
            log.warning("%s %s (journal seq %s): %s", req.method, req.path, seq, self.error)
        report: ProxyReport = current_app.extensions[REPORT]
        report.add(seq, req.method, req.path, self.operation, self.answer is not None, self.violations, self.quirks,
                   self.explained)
        if self.proxy.cassette is not None:
            try:
                self.proxy.cassette.write(self.interaction())
            except (OSError, ValueError) as exc:  # a full disk, a closed file: the client still gets its answer
                log.error("%s %s (journal seq %s): not recorded in %s: %s", req.method, req.path, seq,
                          self.proxy.cassette.path, exc)

    def interaction(self) -> dict[str, Any]:
        """The cassette's line (mocktmc/cassette.py describes the format), but for its seq."""
        req = self.req
        headers = {name: req.headers[name] for name in REQUEST_HEADERS if name in req.headers}
        if "authorization" in headers:
            headers["authorization"] = redaction.authorization(headers["authorization"]) or ""
        response = None
        if self.answer is not None:
            got = self.answer
            response = {"status": got.status,
                        "headers": {name: value for name in RESPONSE_HEADERS
                                    if (value := got.header(name)) is not None},
                        "body": self.response_body}
        return {"time": iso_utc(self.arrived), "durationMs": self.duration_ms,
                "request": {"method": req.method, "path": req.path,
                            "query": redaction.query(req.args.to_dict(flat=False)) if req.query_string else {},
                            "headers": headers, "body": _body_value(self.raw, req.content_type)},
                "response": response, "error": self.error,
                "violations": [{"where": violation.where, "message": violation.message}
                               for violation in self.violations]}


def _mimetype(content_type: str | None) -> str | None:
    return content_type.split(";")[0].strip().lower() or None if content_type else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _body_value(raw: bytes, content_type: str | None) -> Any:
    """A body as a cassette keeps it, redacted: parsed JSON, text, a note of a binary body's size, or None."""
    if not raw:
        return None
    mimetype = _mimetype(content_type)
    if mimetype == "multipart/form-data":
        return f"[multipart/form-data body, {len(raw)} bytes, not recorded]"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"[binary body, {len(raw)} bytes, not recorded]"
    if bodies.is_json(mimetype or ""):
        try:
            return redaction.json_value(json.loads(text))
        except (ValueError, RecursionError):
            pass  # not JSON after all: kept as text
    if mimetype == "application/x-www-form-urlencoded":
        return redaction.form(parse_qsl(text, keep_blank_values=True))
    return redaction.text(text)


def _cut(value: Any) -> tuple[Any, bool]:
    """A body value as the journal keeps it: whole up to BODY_LIMIT characters, else as its text cut there."""
    if value is None:
        return None, False
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) <= BODY_LIMIT:
        return value, False
    return text[:BODY_LIMIT], True
