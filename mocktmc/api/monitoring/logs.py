"""GET /monitoring/executions/{id}/logs: a page of a run's log, with `nextIndex` while more remain."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import bodies, context, params, serialize
from ...domain.executions import log_exports
from ...domain.executions.task_executions import run_with_output
from ...domain.monitoring.log_pages import log_page
from ...domain.common.timeutil import to_iso
from ...errors import BadRequest

bp = Blueprint("monitoring_logs", __name__)


@bp.get("/monitoring/executions/<id>/logs")
# The singular path is the one Talend's API overview names for a run's log; clients copied it.
@bp.get("/monitoring/executions/<id>/log")
def get_logs(id: str):
    world = context.world()
    run = run_with_output(world, id)
    count = params.integer("count", 50, minimum=1, maximum=200)
    start_index = params.integer("startIndex", 0, minimum=0, maximum=2**31 - 1)
    order = params.choice("order", ("ASC", "DESC"), ignore_case=True) or "DESC"
    start_time, end_time = params.date_time("startTime"), params.date_time("endTime")
    if start_time and end_time and start_time > end_time:
        raise BadRequest("Query parameter 'startTime' must not be after 'endTime'")
    page = log_page(run, context.now(), start_index=start_index, count=count, descending=order == "DESC",
                    start=start_time, end=end_time)
    body = {"size": len(page.entries), "totalSize": page.visible, "totalSizeFiltered": page.selected,
            "data": [serialize.log_entry(entry, run) for entry in page.entries]}
    if page.next_index is not None:
        body["nextIndex"] = page.next_index
    return jsonify(body)


@bp.post("/monitoring/executions/<id>/logs")
def export_logs(id: str):
    """Prepare the run's log for download: {size, token}; 206 when cut at 100,000 entries."""
    world = context.world()
    run = run_with_output(world, id)
    file_format = (params.text("fileFormat") or "JSON").upper()
    if file_format not in ("JSON", "TEXT"):
        raise BadRequest(f"Query parameter 'fileFormat' must be JSON or TEXT, got {params.text('fileFormat')!r}")
    new_file_name = (params.text("newFileName") or "false").lower() == "true"
    export = log_exports.create_export(world, run, context.now(), file_format=file_format,
                                       start=params.date_time("startTime"), end=params.date_time("endTime"),
                                       new_file_name=new_file_name)
    answer = jsonify({"size": export.size, "token": export.token})
    if export.next_end is not None:
        answer.headers["X-Log-Next-Request-End-Time"] = to_iso(export.next_end)
    return answer, 206 if export.truncated else 200


@bp.post("/monitoring/executions/<id>/logs/status")
def export_status(id: str):
    """The body is the token as a JSON string (or unquoted); READY comes with an address that needs no bearer
    token."""
    token = bodies.json_string(request.get_data(cache=True), request.mimetype)
    world = context.world()
    export = log_exports.export_status(world, world.execution(id), token, context.now())
    if export is None:
        return jsonify({"status": "IN_PROGRESS"})
    return jsonify({"status": "READY",
                    "presignedURL": f"{request.host_url}_mocktmc/downloads/{export.download_id}"})


@bp.delete("/monitoring/executions/<id>/logs")
def delete_logs(id: str):
    log_exports.delete_logs(context.world(), id)
    return jsonify({})
