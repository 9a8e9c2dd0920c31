"""Fault injection: /_mocktmc/faults, and the request hooks that apply the rules to TMC API requests.

A fault acts first: before authentication, request validation and the caller's world, so a faulted
request changes nothing (a rule scoped to an account authenticates the caller to match it, see
caller.account_id). Faults apply to the TMC API paths only (/orchestration/, /processing/,
/monitoring/, /tmc/, /security/), never to the control plane, so a test can always list and clear them.

Latency is real time (it simulates the network); the mock clock moves only as it always does. A latency
fault holds a worker thread, so at most the server's threads minus one requests are held at once
(LatencyHolds): the rest are answered at once, with FAULT_HEADER and LATENCY_SKIPPED_HEADER. Removing or
clearing a rule answers the requests it holds.
A dropped request gets no answer at all: under waitress (`mocktmc serve`) the connection is closed
before a byte is written, so `requests` raises ConnectionError; with Flask's test client the call
raises ConnectionDropped, a ConnectionAbortedError.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from waitress.channel import ClientDisconnected

from ..api import bodies, context
from . import access, caller
from .fault_rules import FaultRule, FaultRules, LatencyHolds
from ..errors import BadRequest, error_for_status

bp = Blueprint("faults", __name__, url_prefix="/_mocktmc")

REGISTRY = "mocktmc.faults"
# The rules are run state: a reset app has none (context.keep_fresh).
bp.record_once(lambda setup: context.keep_fresh(setup.app, REGISTRY, FaultRules))

# Names the rule that answered (status, drop) or delayed (latency) a response, for whoever debugs a client.
FAULT_HEADER = "X-Mocktmc-Fault"
# Says a latency rule fired but every hold was taken, so the request was not delayed.
LATENCY_SKIPPED_HEADER = "X-Mocktmc-Fault-Latency"
HOLDS = "mocktmc.latency_holds"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_LATENCY = 60  # seconds of real time a request may be held
MAX_RETRY_AFTER = 86400


class ConnectionDropped(ClientDisconnected, ConnectionAbortedError):
    """Raised in place of a response: waitress then closes the connection without writing anything;
    in process (Flask's test client) the caller sees a ConnectionError, as a network client would."""


class DroppedResponse(Response):
    """What a `drop` rule answers inside Flask; it raises when the WSGI server asks for its bytes."""

    def __call__(self, environ, start_response):
        raise ConnectionDropped(f"mocktmc dropped {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}")


def rules() -> FaultRules:
    return current_app.extensions[REGISTRY]


def set_workers(app, threads: int) -> None:
    """Tell the app how many worker threads serve it (create_app assumes Settings.threads)."""
    app.extensions[HOLDS] = LatencyHolds(threads)


def _holds() -> LatencyHolds:
    extensions = current_app.extensions
    holds = extensions.get(HOLDS)
    return holds if holds is not None else extensions.setdefault(
        HOLDS, LatencyHolds(extensions["mocktmc"].settings.threads))


def injected(flags: Any = None) -> FaultRule | None:
    """The rule that fired for the current request, if any (`flags`: the request's `g`, when at hand)."""
    return (g if flags is None else flags).get("mocktmc_fault")


# --- the control plane ----------------------------------------------------------------------------
@bp.post("/faults")
def add_fault():
    body = bodies.json_object()
    registry = rules()
    rule = _rule(body, registry.next_id())
    registry.add(rule)
    return jsonify(rule.view()), 201


@bp.get("/faults")
def list_faults():
    own = access.own_account()  # a bearer token in isolated mode sees its account's rules only
    return jsonify([view for view in rules().views() if own is None or view["account"] == own])


@bp.delete("/faults")
def clear_faults():
    access.require_every_account("removes every account's rules")
    rules().clear()
    return "", 204


@bp.delete("/faults/<faultId>")
def remove_fault(faultId: str):
    registry = rules()
    rule = next((view for view in registry.views() if view["id"] == faultId), None)
    if rule is not None:
        access.permitted(rule["account"], every="removes a rule for every account")
    registry.remove(faultId)
    return "", 204


def _number(body: dict, name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequest(f"Field {name!r} must be a number in [{low}, {high}], got {value!r}")
    return value


def _ranged(body: dict, name: str, low: int, high: int | None = None) -> int | None:
    value = bodies.integer(body, name)
    if value is not None and (value < low or (high is not None and value > high)):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise BadRequest(f"Field {name!r} must be an integer {bounds}, got {value}")
    return value


def _rule(body: dict, rule_id: str) -> FaultRule:
    """A rule from a request body; anything off is a 400 naming the field."""
    path = bodies.required_string(body, "path")
    if not path.startswith("/"):
        raise BadRequest(f"Field 'path' must be a path or glob starting with '/', got {path!r}")
    if path.startswith("/_mocktmc"):
        raise BadRequest("Field 'path' names the control plane, which faults never apply to")
    method = bodies.string(body, "method")
    if method is not None and method.upper() not in METHODS:
        raise BadRequest(f"Field 'method' must be one of {', '.join(METHODS)}, got {method!r}")
    status = _ranged(body, "status", 400, 599)
    retry_after = _ranged(body, "retryAfter", 0, MAX_RETRY_AFTER)
    drop = bool(bodies.boolean(body, "drop"))
    latency = _number(body, "latency", 0, MAX_LATENCY)
    if retry_after is not None and status is None:
        raise BadRequest("Field 'retryAfter' needs a 'status' to go with (429 or 503, say)")
    if drop and status is not None:
        raise BadRequest("Field 'drop' cannot go with 'status': a dropped request gets no answer")
    detail = bodies.string(body, "detail")
    if detail is not None and status is None:
        raise BadRequest("Field 'detail' needs a 'status': it is the error body's detail")
    if status is None and latency is None and not drop:
        raise BadRequest("A rule needs at least one of 'status', 'latency' or 'drop'")
    probability = _number(body, "probability", 0, 1)
    seed = bodies.integer(body, "seed")
    return FaultRule(
        id=rule_id, path=path, method=method and method.upper(),
        # A bearer token's rule is its account's; X-Mocktmc-Token names one too.
        account=access.permitted(access.routed(bodies.string(body, "account"))),
        status=status, retry_after=retry_after, detail=detail, latency=latency, drop=drop,
        probability=1.0 if probability is None else probability, times=_ranged(body, "times", 1),
        # Without a seed a rule draws from the server's --seed: reproducible run after run.
        seed=current_app.extensions["mocktmc"].settings.seed if seed is None else seed)


# --- the request hooks (registered by app.py) -----------------------------------------------------
def inject(registry: FaultRules | None = None) -> Response | None:
    """before_request, ahead of every other hook: delay, answer or drop a request a rule fires for (`registry`:
    the app's rules, when the caller has them at hand)."""
    registry = registry or rules()
    if not registry.active or not caller.is_api_path(request.path) or caller.dashboard_read(request.environ):
        return None  # no rule (the usual case): one look at the registry; the dashboard's reads are never faulted
    account = caller.account_id() if registry.needs_account(request.method, request.path) else None
    rule = registry.draw(request.method, request.path, account)
    if rule is None:
        return None
    g.mocktmc_fault = rule
    if rule.latency:
        _delay(rule, rule.latency)
    if rule.drop:
        return DroppedResponse(status=503)  # the status is never sent
    if rule.status is not None:
        err = error_for_status(rule.status, rule.detail or f"Injected by mocktmc fault rule {rule.id}")
        if rule.retry_after is not None:
            err.headers["Retry-After"] = str(rule.retry_after)
        raise err  # rendered by app.py, in the shape of the path's family (legacy /tmc/ or 2021-03)
    return None


def _delay(rule: FaultRule, seconds: float) -> None:
    """Hold the request the rule's latency (no lock is held: other requests go on meanwhile), if a hold is free."""
    holds = _holds()
    if not holds.take():
        g.mocktmc_latency_skipped = holds.limit
        return
    try:
        rule.wait(seconds)
    finally:
        holds.give_back()


def replaced_response() -> bool:
    """Whether a fault answered this request in place of the mock (a status or a drop)."""
    rule = injected()
    return rule is not None and rule.replaces_response


def mark_faulted(response: Response, flags: Any) -> Response:
    """after_request: name the rule that fired (on the request's `g`, `flags`)."""
    rule = injected(flags)
    if rule is not None:
        response.headers[FAULT_HEADER] = rule.id
        skipped = flags.get("mocktmc_latency_skipped")
        if skipped is not None:
            response.headers[LATENCY_SKIPPED_HEADER] = f"skipped: all {skipped} holds taken"
    return response
