"""The control plane's state operations: reset, snapshot and restore, fixture worlds, behaviors, tokens.

`?account=<id>` picks the account (default: the server's default account); `POST /_mocktmc/accounts`
tells a test which account its own bearer token maps to.
"""
from __future__ import annotations

import json

from flask import Blueprint, Request, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..api import bodies, context
from . import access, redaction
from ..domain import snapshot
from ..domain.executables.behaviors import BehaviorError, parse_behavior_plan
from ..domain.model.definitions import ServiceAccount
from ..domain.fixtures import FixtureError, parse_fixture
from ..domain.world import World
from ..errors import BadRequest, Conflict, Forbidden, UnsupportedMediaType

bp = Blueprint("control_state", __name__, url_prefix="/_mocktmc")

STATE_PATH = "/_mocktmc/state"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class StateLimitRequest(Request):
    """A request whose body limit is the state endpoint's own (--state-limit) on /_mocktmc/state, the app's
    elsewhere: a snapshot of a busy account is far larger than any API body or upload. Werkzeug asks for the
    limit whenever the body is read (by the view, a hook before it, the journal): a larger body is a 413 naming it,
    as werkzeug's own (rendered in the TMC shape by app.py), which the journal knows to leave out."""

    @property
    def max_content_length(self) -> int | None:
        if self.path != STATE_PATH:
            return super().max_content_length
        limit = current_app.extensions["mocktmc"].settings.state_limit
        if self.content_length is not None and self.content_length > limit:
            raise RequestEntityTooLarge(f"A state body may carry at most {limit} bytes (the server's --state-limit, "
                                  f"MOCKTMC_STATE_LIMIT); this one has {self.content_length}")
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value  # where Flask 3.1 keeps a request's own limit (3.0 has none)


def _account_id(every: str | None = None) -> str | None:
    """`?account=`, as the caller may name it (access.py); `every`: what the call does without one."""
    return access.account_named(every=every)


def _world() -> World:
    return context.state().accounts.world(access.account_or_default())


@bp.post("/reset")
def reset():
    return jsonify({"accounts": context.state().accounts.reset(_account_id("resets every account (no ?account=)"))})


@bp.get("/accounts")
def list_accounts():
    access.require_every_account("lists every account")
    return jsonify([{"id": w.account_id, "name": w.account_name} for w in context.state().accounts.worlds()])


@bp.post("/accounts")
def account_of_token():
    """The account a TMC bearer token maps to (in isolated mode, its own, made now if new)."""
    token = bodies.required_string(bodies.json_object(), "token")
    world = context.state().accounts.account_of(token)
    return jsonify({"id": world.account_id, "name": world.account_name})


SECRETS = ("redact", "include")


def _secrets_included() -> bool:
    """`?secrets=include`: a snapshot with its secrets, for the bearer of the control token (on a server without
    one, whose control plane is open to anyone, for anyone); by default they are left out."""
    choice = request.args.get("secrets", "redact")
    if choice not in SECRETS:
        raise BadRequest(f"Query parameter 'secrets' must be 'redact' (the default) or 'include', got {choice!r}")
    if choice == "include" and access.own_account() is not None:  # a bearer limited to its account (access.py)
        raise Forbidden("secrets=include needs the control token this server was started with")
    return choice == "include"


def _redacted(document: dict) -> dict:
    """The snapshot with its secrets replaced by redaction.REDACTED, by the journal's rule (redaction.py). A run's
    log entries are skipped, being most of a busy account's snapshot: their members (timestamp, severity,
    log_type, message) are never secret names, so the rule leaves them as they are anyway."""
    def run(saved: dict) -> dict:
        return {**redaction.json_value({k: v for k, v in saved.items() if k != "logs"}), "logs": saved["logs"]}
    return {key: ({run_id: run(saved) for run_id, saved in value.items()} if key == "executions"
                  else redaction.json_value(value)) for key, value in document.items()}


@bp.get("/state")
def get_state():
    include = _secrets_included()
    world = _world()
    mock = context.state()
    with world.lock:
        world.settle(mock.accounts.clock_of(world).now())
        if include:
            return Response(snapshot.dumps(world), mimetype="application/json")
        document = snapshot.dump(world)
    return jsonify(_redacted(document))


@bp.put("/state")
def put_state():
    """Restore an account from a snapshot: reading it then gives the answers it gave when it was taken."""
    accounts = context.state().accounts
    account_id = access.account_or_default()
    accounts.world(account_id)
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("A JSON request body is required")
    if not bodies.is_json(request.mimetype):
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {request.mimetype or 'none'}")
    try:  # the text as sent, read once (a busy account's snapshot is hundreds of megabytes)
        restored = snapshot.loads(raw, account_id=account_id)
    except ValueError as exc:
        raise BadRequest(f"Not a mocktmc state: {exc}") from None
    # The restore brings its time with it. An account with a clock of its own gets that clock back. One that
    # followed the server clock goes on following it, and a snapshot ahead of it moves the server clock forward
    # to the snapshot's time (it never moves back), as a clock advance would: every account that follows it
    # then goes on from there. The state dir restores the same way (control/state_dir.py).
    server = context.state().clock
    if restored.clock is None and restored.now > server.now():
        try:
            server.advance_to(restored.now)
        except Conflict:  # a running clock got there meanwhile
            pass
    accounts.replace(account_id, restored)
    return jsonify({"account": account_id})


@bp.post("/fixtures")
def load_fixtures():
    """A fixture world (YAML, or the same as JSON): the server's world, or one account's with ?account=."""
    account_id = _account_id("loads the fixture world into every account (no ?account=)")
    raw = request.get_data(cache=True)
    if request.mimetype not in YAML_TYPES + ("application/json",):
        raise UnsupportedMediaType("Send the fixture as application/yaml or application/json")
    try:
        text = raw.decode("utf-8")
        if request.mimetype == "application/json":
            text = json.dumps(bodies.loads(text))  # JSON is YAML: parsed the same way, with the same checks
        spec = parse_fixture(text, "request body")
    except (UnicodeDecodeError, ValueError) as exc:  # FixtureError and JSONDecodeError are ValueErrors
        raise BadRequest(str(exc) if isinstance(exc, FixtureError) else f"Not a fixture world: {exc}") from None
    return jsonify({"accounts": context.state().accounts.use_spec(spec, account_id)})


# --- behaviors ----------------------------------------------------------------------------------

BEHAVIOR = "/behaviors/tasks/<taskId>"


@bp.get(BEHAVIOR)
def get_behavior(taskId: str):
    world = _world()
    with world.lock:
        return jsonify(world.task(taskId).behavior.to_dict())


@bp.put(BEHAVIOR)
def set_behavior(taskId: str):
    """What the task's next runs do; runs already going keep theirs."""
    body = bodies.parse_json(request.get_data(cache=True), request.mimetype)
    try:
        plan = parse_behavior_plan(body)
    except BehaviorError as exc:
        where = ".".join(str(p) for p in exc.path)
        raise BadRequest(f"{where + ': ' if where else ''}{exc.message}") from None
    world = _world()
    with world.lock:
        task = world.task(taskId)
        task.behavior = plan
        return jsonify(task.behavior.to_dict())


@bp.delete(BEHAVIOR)
def clear_behavior(taskId: str):
    """Back to what the fixture world gives the task (tasks it does not declare: the default)."""
    world = _world()
    with world.lock:
        task = world.task(taskId)
        task.behavior = parse_behavior_plan(context.state().accounts.declared_behavior(task.id))
    return "", 204


# --- credentials --------------------------------------------------------------------------------

@bp.post("/tokens")
def issue_personal_token():
    body = bodies.json_object()
    accounts = context.state().accounts
    account_id = access.account_or_default()
    token, user_id = accounts.issue_personal_token(account_id, bodies.string(body, "user"))
    return jsonify({"token": token, "accountId": account_id, "userId": user_id}), 201


@bp.post("/service-accounts")
def create_service_account():
    """A service account whose client credentials /security/oauth/token exchanges for a 30-minute token."""
    body = bodies.json_object()
    name = bodies.string(body, "name")
    if not name or not name.strip():
        raise BadRequest("Field 'name' must not be empty")
    world = _world()
    with world.lock:
        if any(account.name == name for account in world.service_accounts.values()):
            raise BadRequest(f"A service account named {name!r} exists already")
        # An administrator, as every principal was before roles existed; POST /_mocktmc/permissions narrows it.
        account = ServiceAccount(world.ids.uuid(), name, world.ids.secret(24).hex(),
                                 bodies.string(body, "description") or "", administrator=True,
                                 created=world.now, updated=world.now)
        world.service_accounts[account.id] = account
    return jsonify({"clientId": account.id, "clientSecret": account.secret, "accountId": world.account_id}), 201
