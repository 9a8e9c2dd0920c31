"""The control plane under /_mocktmc: health and the mock clock."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, g, jsonify, request

from ..api import bodies, context
from . import access
from .. import __version__
from ..domain.runtimes import engines
from ..domain.executions import log_exports
from ..domain.scheduling import webhooks
from ..clock import VirtualClock
from ..domain.common.timeutil import from_ms, parse_iso, to_iso, to_ms
from ..domain.world import World
from ..errors import BadRequest, NotFound

bp = Blueprint("control", __name__, url_prefix="/_mocktmc")


def _clock_view(world: World | None = None) -> dict:
    """A clock's time and rate; for an account, whose clock it reads (its own, or the server's it follows)."""
    clock = context.state().accounts.clock_of(world) if world is not None else context.state().clock
    now = clock.now()
    view = {"now": to_iso(now), "nowMs": to_ms(now), "rate": clock.rate, "frozen": clock.frozen}
    if world is not None:
        view.update(account=world.account_id, own=world.clock is not None)
    return view


def server_status() -> dict:
    """What is running: health's answer, which the landing page (pages.py) shows too."""
    mock = context.state()
    return {"status": "UP", "version": __version__, "auth": mock.settings.auth, "fidelity": mock.settings.fidelity,
            "accounts": len(mock.accounts.worlds()), "clock": _clock_view()}


@bp.get("/health")
def health():
    return jsonify(server_status())


@bp.get("/downloads/<downloadId>")
def download(downloadId: str):
    """A prepared log file, served at the address the logs status gave: no bearer token, 60 minutes."""
    mock = context.state()
    world = mock.accounts.world_holding(
        lambda w: any(e.download_id == downloadId for e in w.log_exports.values()),
        "Unknown or expired download address")
    g.mocktmc_account = world.account_id  # the journal's account of this call: the log's (client_rules.py)
    with world.lock:
        export = log_exports.download(world, downloadId, mock.accounts.clock_of(world).now())
        response = Response(export.content, mimetype=export.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response


@bp.post("/webhooks/<webhookId>")
def call_webhook(webhookId: str):
    """Stands in for TMC's webhook service: no token, the address is the credential; 204 once accepted."""
    mock = context.state()
    world = mock.accounts.world_holding(lambda w: webhooks.target(w, webhookId) is not None,
                                        "Unknown webhook address")
    data = request.get_data()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("A webhook payload must be UTF-8 text") from None
    with world.lock:
        now = mock.accounts.clock_of(world).now()
        world.settle(now)
        webhooks.call(world, webhookId, text, request.mimetype, now)
    return "", 204


@bp.post("/engines/pair")
def pair_engine():
    """Stands in for the engine software: pairs the remote or pipeline engine that holds this key."""
    body = bodies.json_object()
    key = bodies.required_string(body, "preAuthorizedKey")
    mock = context.state()
    for world in mock.accounts.worlds():
        with world.lock:
            engine = engines.engine_with_key(world, key)
            if engine is not None:
                engines.pair(engine, mock.accounts.clock_of(world).now())
                return jsonify({"id": engine.id, "name": engine.name, "status": engine.status,
                                "availability": engine.availability})
    raise NotFound("No remote engine holds this pre-authorized key")


def _clock_account() -> World | None:
    """The account a clock call is for: `?account=`, or for a TMC bearer token in auth mode isolated its own
    account (access.py); else none: the server clock."""
    account_id = access.account_named()
    return context.state().accounts.world(account_id) if account_id else None


def _clock_to_move() -> tuple[VirtualClock, World | None]:
    """The clock a change moves: the account's own (given to it now if it followed the server's), or the server's."""
    world = _clock_account()
    mock = context.state()
    return (mock.clock, None) if world is None else (mock.accounts.own_clock(world), world)


@bp.get("/clock")
def get_clock():
    return jsonify(_clock_view(_clock_account()))


def _moment(value) -> datetime:
    try:
        return from_ms(value) if isinstance(value, int) and not isinstance(value, bool) else parse_iso(value)
    except (TypeError, ValueError, OverflowError, AttributeError):
        raise BadRequest(f"A time must be an ISO-8601 date-time or epoch milliseconds, got {value!r}") from None


def _settled(moved: World | None) -> Response:
    """The worlds whose time moved apply, in time order, what fell due up to their clock's new time (runs start,
    misfire, end): the one account whose own clock moved, or every account that follows the server clock."""
    accounts = context.state().accounts
    worlds = [moved] if moved is not None else [w for w in accounts.worlds() if w.clock is None]
    applied = started = misfired = skipped = 0
    for world in worlds:
        with world.lock:
            before = (world.runs_started, world.misfires, world.runs_skipped)
            applied += world.settle(accounts.clock_of(world).now())
            started += world.runs_started - before[0]
            misfired += world.misfires - before[1]
            skipped += world.runs_skipped - before[2]
    return jsonify({**_clock_view(moved), "eventsApplied": applied, "runsStarted": started, "misfires": misfired,
                    "runsSkipped": skipped})


@bp.post("/clock/advance")
def advance_clock():
    body = bodies.json_object()
    if ("seconds" in body) == ("to" in body):
        raise BadRequest("Send exactly one of 'seconds' (a number) or 'to' (a date-time or epoch ms)")
    clock, moved = _clock_to_move()
    if "seconds" in body:
        seconds = body["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not abs(seconds) <= 10**10:
            raise BadRequest(f"'seconds' must be a number of at most 1e10, got {seconds!r}")
        clock.advance(seconds)
    else:
        clock.advance_to(_moment(body["to"]))
    return _settled(moved)


@bp.put("/clock")
def set_clock():
    """Set the time (forward only) and/or the rate mock time runs at (0: frozen)."""
    body = bodies.json_object()
    if not body:
        raise BadRequest("Send 'now' (a date-time or epoch ms), 'rate' (a number >= 0), or both")
    clock, moved = _clock_to_move()
    rate = body.get("rate")
    if "rate" in body and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 10**6):
        raise BadRequest(f"'rate' must be a number in [0, 1e6], got {rate!r}")
    moment = _moment(body["now"]) if "now" in body else None
    if moment is not None:
        clock.advance_to(moment)
    if rate is not None:
        clock.set_rate(rate)
    return _settled(moved)


@bp.post("/clock/freeze")
def freeze_clock():
    clock, moved = _clock_to_move()
    clock.freeze()
    return _settled(moved)


@bp.post("/clock/resume")
def resume_clock():
    clock, moved = _clock_to_move()
    clock.resume()
    return _settled(moved)
