"""GET /monitoring/executions/{id}/logs: a page of a run's log, with `nextIndex` while more remain."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context, params, serialize
from ...errors import BadRequest

bp = Blueprint("monitoring_logs", __name__)


@bp.get("/monitoring/executions/<id>/logs")
def get_logs(id: str):
    world = context.world()
    run = world.execution(id)
    count = params.integer("count", 50, minimum=1, maximum=200)
    start_index = params.integer("startIndex", 0, minimum=0, maximum=2**31 - 1)
    order = params.choice("order", ("ASC", "DESC"), ignore_case=True) or "DESC"
    start_time, end_time = params.date_time("startTime"), params.date_time("endTime")
    if start_time and end_time and start_time > end_time:
        raise BadRequest("Query parameter 'startTime' must not be after 'endTime'")
    visible = run.visible_logs(context.now())
    selected = [entry for entry in visible
                if (start_time is None or entry.timestamp >= start_time)
                and (end_time is None or entry.timestamp <= end_time)]
    if order == "DESC":
        selected.reverse()
    data = selected[start_index:start_index + count]
    body = {"size": len(data), "totalSize": len(visible), "totalSizeFiltered": len(selected),
            "data": [serialize.log_entry(entry, run) for entry in data]}
    # nextIndex only while more entries follow: clients loop until it is gone.
    if start_index + len(data) < len(selected):
        body["nextIndex"] = start_index + len(data)
    return jsonify(body)
