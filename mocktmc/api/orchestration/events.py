"""Scheduled runs ahead: a task's or a plan's next runs, and the search over an environment."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..visibility import viewable_ids
from ...domain.executables import plans
from ...domain.scheduling import scheduled_events
from ...domain.model.executables import RUNTIME_TYPES
from ...domain.common.timeutil import from_ms, to_iso
from ...errors import BadRequest

bp = Blueprint("orchestration_events", __name__)


def window() -> tuple:
    """(from, to) of an events query: `to` is required, `from` defaults to now."""
    end = params.epoch_ms("to")
    if end is None:
        raise BadRequest("Query parameter 'to' is required")
    return params.epoch_ms("from") or context.now(), end


def _page_of_instants(executable):
    offset, limit = params.page_bounds()
    start, end = window()
    found = scheduled_events.executable_events(context.world(), executable.id, executable.trigger, start, end,
                                               offset, limit)
    return jsonify(serialize.page(found, lambda event: to_iso(event[0])))


@bp.get("/orchestration/executables/tasks/<taskId>/run-config/events")
def task_events(taskId: str):
    return _page_of_instants(context.world().task(taskId))


@bp.get("/orchestration/executables/plans/<planId>/run-config/events")
def plan_events(planId: str):
    return _page_of_instants(plans.plan(context.world(), planId))


def _epoch_ms(body: dict, name: str):
    """Epoch milliseconds, as a number or as a string of digits (Talend's own example sends a string)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 253402300799999:
        raise BadRequest(f"Field {name!r} must be epoch milliseconds, got {value!r}")
    return from_ms(value)


@bp.post("/orchestration/executables/events/search")
def search_events():
    body = bodies.json_object()
    limit = bodies.integer(body, "limit", 100)
    offset = bodies.integer(body, "offset") or 0
    if not 1 <= limit <= 100 or offset < 0:
        raise BadRequest(f"limit must be in [1, 100] and offset >= 0, got limit {limit}, offset {offset}")
    runtime = bodies.mapping(body, "runtime") or {}
    runtime_type = bodies.string(runtime, "type")
    if runtime_type is not None and runtime_type not in RUNTIME_TYPES:
        raise BadRequest(f"runtime.type must be one of {', '.join(RUNTIME_TYPES)}, got {runtime_type!r}")
    for name in ("workspaceIds", "tags"):
        if not isinstance(body.get(name, []), list) or not all(isinstance(v, str) for v in body.get(name, [])):
            raise BadRequest(f"Field {name!r} must be an array of strings")
    found = scheduled_events.search(
        context.world(), environment_id=bodies.required_string(body, "environmentId"),
        start=_epoch_ms(body, "from") or context.now(), end=_epoch_ms(body, "to"),
        workspace_ids=body.get("workspaceIds", []), tags=body.get("tags", []), runtime_type=runtime_type,
        runtime_id=bodies.string(runtime, "id"), offset=offset, limit=limit,
        viewable=viewable_ids())
    return jsonify(serialize.page(found, serialize.scheduled_event))
