"""The control plane under /_mocktmc: health and the mock clock."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from . import bodies, context
from .. import __version__
from ..domain import engines, log_exports
from ..domain.timeutil import from_ms, parse_iso, to_iso, to_ms
from ..errors import BadRequest, NotFound

bp = Blueprint("control", __name__, url_prefix="/_mocktmc")


def _clock_view() -> dict:
    clock = context.state().clock
    now = clock.now()
    return {"now": to_iso(now), "nowMs": to_ms(now), "rate": clock.rate, "frozen": clock.frozen}


@bp.get("/health")
def health():
    mock = context.state()
    return jsonify({"status": "UP", "version": __version__, "auth": mock.settings.auth,
                    "accounts": len(mock.accounts.worlds()), "clock": _clock_view()})


@bp.get("/downloads/<downloadId>")
def download(downloadId: str):
    """A prepared log file, served at the address the logs status gave: no bearer token, 60 minutes."""
    mock = context.state()
    world = mock.accounts.world_of_download(downloadId)
    with world.lock:
        export = log_exports.download(world, downloadId, mock.clock.now())
        response = Response(export.content, mimetype=export.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response


@bp.post("/engines/pair")
def pair_engine():
    """Stands in for the engine software: pairs the remote or pipeline engine that holds this key."""
    body = bodies.json_object(allowed={"preAuthorizedKey"}, required={"preAuthorizedKey"})
    key = bodies.string(body, "preAuthorizedKey")
    mock = context.state()
    for world in mock.accounts.worlds():
        with world.lock:
            engine = engines.engine_with_key(world, key)
            if engine is not None:
                engines.pair(engine, mock.clock.now())
                return jsonify({"id": engine.id, "name": engine.name, "status": engine.status,
                                "availability": engine.availability})
    raise NotFound("No remote engine holds this pre-authorized key")


@bp.get("/clock")
def get_clock():
    return jsonify(_clock_view())


@bp.post("/clock/advance")
def advance_clock():
    body = bodies.json_object(allowed={"seconds", "to"})
    if ("seconds" in body) == ("to" in body):
        raise BadRequest("Send exactly one of 'seconds' (a number >= 0) or 'to' (a date-time or epoch ms)")
    clock = context.state().clock
    if "seconds" in body:
        seconds = body["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10**10:
            raise BadRequest(f"'seconds' must be a number in [0, 1e10], got {seconds!r}")
        clock.advance(seconds)
    else:
        target = body["to"]
        try:
            moment = from_ms(target) if isinstance(target, int) and not isinstance(target, bool) \
                else parse_iso(target)
        except (TypeError, ValueError, OverflowError, AttributeError):
            raise BadRequest(f"'to' must be an ISO-8601 date-time or epoch milliseconds, got {target!r}") from None
        clock.advance_to(moment)
    now = clock.now()
    applied = 0
    for world in context.state().accounts.worlds():
        with world.lock:
            applied += world.settle(now)
    return jsonify({**_clock_view(), "eventsApplied": applied})
