"""Deliberate defects: bugs the mock can be started with, so that the contract kit proves it catches each one.

The idea is schemathesis' test apps with switchable bugs. `mocktmc serve --defect NAME`,
`Settings(defects=[...])` or `MockTMC(defects=[...])` switch them on; a healthy mock has none.

Three live where the bug would be in a real server: `never_finishes` (executions.py), `pause_ignored`
(scheduler.py) and `permissions_ignored` (api/authorization.py) read `World.defects`, which Accounts sets on every
world. The others rewrite
answers in the HTTP layer, in hooks that `install` registers only when one of them is on, so a healthy mock
pays nothing. app.py registers them so that they act on the world's own answer after `--validate all` has
checked it (the mock's own mistakes are still caught, and a defect's answer reaches the client as the defect
made it, not as a 500 "contract broken"), and before the journal records it (the journal shows what the
client got). They never touch the control plane, the token endpoint, or an answer a fault rule gave.
"""
from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from flask import Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .api import context
from .api.bodies import has_body, is_json, parse_json
from .api.request_checks import operation_rules
from .contract_documents import contract, operations_in, rule_template
from .defect_catalog import DOMAIN_DEFECTS
from .domain.world import World
from .errors import InternalError, TMCError

_2021_03_PREFIXES = ("/orchestration/", "/processing/", "/monitoring/")
_2021_03_FAMILIES = ("orchestration", "processing", "monitoring")
_LOGS_RULE = "/monitoring/executions/<id>/logs"
_GHOSTS = "mocktmc.defects.ghosts"
GHOSTS_PER_WORLD = 10_000  # deleted paths a world remembers for use_after_free; the oldest are forgotten

Rewrite = Callable[[Response], Response]


def install(app: Flask, names: Iterable[str]) -> None:
    """Register the hooks of the HTTP-level defects among `names` (app.py calls it where the hook order is right)."""
    on = set(names) - DOMAIN_DEFECTS
    rewrites: tuple[Rewrite, ...] = tuple(rewrite for name, rewrite in _REWRITES.items() if name in on)
    if not rewrites:
        return
    # Read the contracts now, not on the first request that needs them.
    if "wrong_status" in on:
        _created_only()
    if "server_error_on_bad_body" in on:
        operation_rules()
    if "use_after_free" in on:
        context.keep_fresh(app, _GHOSTS, _Ghosts)  # run state: a reset app remembers no deleted path
        app.before_request(_remember_before_delete)

    def apply_defects(response: Response) -> Response:
        # Only answers of a caller's world: the control plane and the token endpoint never enter one, nor
        # does a request a fault rule answered (it acts before authentication), nor one refused a token.
        if g.get("mocktmc_world") is None:
            return response
        for rewrite in rewrites:
            response = rewrite(response)
        return response

    app.after_request(apply_defects)


# --- helpers: a JSON answer read and written back ------------------------------------------------
def _json_of(response: Response) -> Any:
    """The answer's JSON, or None when it has none (or is streamed: its body cannot be read twice)."""
    if response.direct_passthrough or response.is_streamed or not response.is_json:
        return None
    try:
        return json.loads(response.get_data())
    except ValueError:
        return None


def _set_json(response: Response, body: Any) -> None:
    # set_data recomputes Content-Length; the app's JSON provider keeps the published field order.
    response.set_data(current_app.json.dumps(body, separators=(",", ":")) + "\n")


# --- wrong_type ----------------------------------------------------------------------------------
def _total_as_string(response: Response) -> Response:
    """Every Page* schema of the 2021-03 contracts declares `total` an integer: "3" breaks it."""
    if not request.path.startswith(_2021_03_PREFIXES):
        return response
    body = _json_of(response)
    if isinstance(body, dict) and isinstance(body.get("items"), list) and type(body.get("total")) is int:
        body["total"] = str(body["total"])
        _set_json(response, body)
    return response


# --- missing_required_field ----------------------------------------------------------------------
def _environments_without_id(response: Response) -> Response:
    """EnvironmentInfo requires `id`; GET /orchestration/environments is the only read of environments."""
    if request.method != "GET" or request.path != "/orchestration/environments" or response.status_code != 200:
        return response
    body = _json_of(response)
    if isinstance(body, list):
        for environment in body:
            if isinstance(environment, dict):
                environment.pop("id", None)
        _set_json(response, body)
    return response


# --- wrong_status --------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _created_only() -> frozenset[str]:
    """Path templates of the 2021-03 POSTs whose contract declares 201 and no 200: a 200 there is undocumented.

    (POST /orchestration/connections and /orchestration/resources declare both, so a 200 would still conform.)
    """
    paths = set()
    for family in _2021_03_FAMILIES:
        for path, _, method, operation in operations_in(contract(family)):
            codes = {str(code) for code in operation.get("responses", {})}
            if method == "post" and "201" in codes and "200" not in codes:
                paths.add(path)
    return frozenset(paths)


def _ok_instead_of_created(response: Response) -> Response:
    if (request.method == "POST" and response.status_code == 201 and request.url_rule is not None
            and rule_template(request.url_rule.rule) in _created_only()):
        response.status_code = 200
    return response


# --- use_after_free ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ghost:
    body: bytes
    content_type: str | None


class _Ghosts:
    """What GET answered for each deleted path, per world. Keyed by the World object itself (weakly), so a
    world reset, reloaded or restored has no ghosts, and a dropped account's go with it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # worlds are locked one at a time; this map is shared by all of them
        self._by_world: weakref.WeakKeyDictionary[World, OrderedDict[str, _Ghost]] = weakref.WeakKeyDictionary()

    def remember(self, world: World, path: str, ghost: _Ghost) -> None:
        with self._lock:
            paths = self._by_world.setdefault(world, OrderedDict())
            paths[path] = ghost
            paths.move_to_end(path)
            while len(paths) > GHOSTS_PER_WORLD:
                paths.popitem(last=False)

    def haunting(self, world: World, path: str) -> _Ghost | None:
        with self._lock:
            paths = self._by_world.get(world)
            return None if paths is None else paths.get(path)


def _remember_before_delete() -> None:
    """before_request, after app.py's _enter_world: a DELETE first reads what GET of its path answers.

    The world is locked (an RLock) and settled for this request already, so the GET view runs as the GET
    would at this instant; the answer is kept only if the DELETE then succeeds (see _haunt).
    """
    world = g.get("mocktmc_world")
    if request.method != "DELETE" or world is None or not request.path.startswith("/orchestration/"):
        return
    try:
        endpoint, args = current_app.url_map.bind_to_environ(request.environ).match(request.path, method="GET")
    except HTTPException:
        return  # no GET at this path (workspaces and environments, say): nothing to stay readable
    try:
        # Flask's types admit async views; every view of this app is a plain function.
        view = cast(Callable[..., ResponseReturnValue], current_app.view_functions[endpoint])
        answer = current_app.make_response(view(**args))
    except (TMCError, HTTPException):
        return  # nothing readable to keep (most often a 404: the DELETE will be one too)
    if answer.status_code == 200:
        g.mocktmc_ghost = _Ghost(answer.get_data(), answer.headers.get("Content-Type"))


def _haunt(response: Response) -> Response:
    """A successful DELETE leaves its ghost; a later 404 of the same path in the same world shows it."""
    world = g.mocktmc_world  # apply_defects runs the rewrites only for requests that entered a world
    ghosts: _Ghosts = current_app.extensions[_GHOSTS]
    if request.method == "DELETE":
        ghost = g.pop("mocktmc_ghost", None)
        if ghost is not None and 200 <= response.status_code < 300:
            ghosts.remember(world, request.path, ghost)
        return response
    if request.method == "GET" and response.status_code == 404:
        ghost = ghosts.haunting(world, request.path)
        if ghost is not None:
            return current_app.response_class(ghost.body, status=200, content_type=ghost.content_type)
    return response


# --- endless_log_pages ---------------------------------------------------------------------------
def _next_index_always(response: Response) -> Response:
    if (request.method != "GET" or response.status_code != 200 or request.url_rule is None
            or request.url_rule.rule != _LOGS_RULE):
        return response
    body = _json_of(response)
    if isinstance(body, dict):
        # The handler has checked both parameters already (its answer is a 200).
        body["nextIndex"] = int(request.args.get("startIndex", 0)) + int(request.args.get("count", 50))
        _set_json(response, body)
    return response


# --- server_error_on_bad_body --------------------------------------------------------------------
def _body_is_bad(status: int) -> bool:
    """Whether the request's body is what a 400/415 answer was about: of a media type refused (415 is only
    ever about a body), JSON that does not parse, or JSON that breaks its operation's body schema. A 400
    about a parameter, or about a field the contract allows but TMC refuses, is left alone."""
    if status == 415:
        return True
    if not is_json(request.mimetype):
        return False  # form and multipart bodies are read by their handlers, not checked against the contract
    try:
        body = parse_json(request.get_data(cache=True), request.mimetype)
    except TMCError:
        return True
    rules = operation_rules().get((rule_template(request.url_rule.rule), request.method)) \
        if request.url_rule is not None else None
    return rules is not None and rules.body_validator is not None and \
        next(iter(rules.body_validator.iter_errors(body)), None) is not None


def _server_error_on_bad_body(response: Response) -> Response:
    if response.status_code not in (400, 415) or not has_body(request) or not _body_is_bad(response.status_code):
        return response
    err = InternalError(f"mocktmc defect server_error_on_bad_body: the request body was malformed or broke the "
                        f"contract, which a healthy mock answers with {response.status_code}")
    body = err.body(current_app.extensions["mocktmc"].accounts.next_request_id(),
                    legacy=request.path.startswith("/tmc/"), url=request.path)
    answer = jsonify(body)  # current_app.json.response, typed as the app's Response class
    answer.status_code = err.status
    return answer


# In DEFECTS order; each leaves an answer it has nothing to do with as it is.
_REWRITES: dict[str, Rewrite] = {
    "wrong_type": _total_as_string,
    "missing_required_field": _environments_without_id,
    "wrong_status": _ok_instead_of_created,
    "use_after_free": _haunt,
    "endless_log_pages": _next_index_always,
    "server_error_on_bad_body": _server_error_on_bad_body,
}
