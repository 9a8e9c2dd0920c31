"""Component metrics: one run's components, and the search over an environment (5 queries a minute)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params
from ...domain.monitoring import component_metrics
from ...domain.executions.task_executions import run_with_output
from ...domain.common.timeutil import parse_iso
from ...errors import BadRequest

bp = Blueprint("monitoring_metrics", __name__)


@bp.get("/monitoring/observability/executions/<executionId>/component")
def execution_components(executionId: str):
    world = context.world()
    offset = params.integer("offset", 0, minimum=0, maximum=2**31 - 1)
    limit = params.integer("limit", 50, minimum=1, maximum=200)
    order = params.choice("sortOrder", ("asc", "desc"), ignore_case=True) or "asc"
    header, items = component_metrics.execution_metrics(
        world, run_with_output(world, executionId), context.now(),
        sort_by=params.text("sortBy") or "component_start_time_seconds", order=order)
    return jsonify({**header, "metrics": {"items": items[offset:offset + limit], "limit": limit, "offset": offset,
                                          "total": len(items)}})


def _time(body: dict, name: str):
    try:
        return parse_iso(bodies.string(body, name) or "")
    except ValueError:
        raise BadRequest(f"Field {name!r} must be an ISO-8601 date-time, got {body.get(name)!r}") from None


@bp.post("/monitoring/observability/metrics/component")
def search_components():
    body = bodies.json_object()
    limit = bodies.integer(body, "limit", 50)
    offset = bodies.integer(body, "offset") or 0
    if not 1 <= limit <= 200 or offset < 0:
        raise BadRequest(f"limit must be in [1, 200] and offset >= 0, got limit {limit}, offset {offset}")
    filters = body.get("filters") or []
    if not isinstance(filters, list):
        raise BadRequest("Field 'filters' must be an array")
    rows = component_metrics.query(
        context.world(), context.now(), environment_id=bodies.required_string(body, "environmentId"),
        start=_time(body, "startTime"), end=_time(body, "endTime"), filters=filters,
        sort_by=bodies.string(body, "sortBy") or "component_start_time_seconds",
        order=bodies.choice(body, "sortOrder", ("asc", "desc")) or "asc")
    return jsonify({"items": rows[offset:offset + limit], "limit": limit, "offset": offset, "total": len(rows)})
