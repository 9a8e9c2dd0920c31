"""Task runs: start one, read it, terminate it, and list a task's history."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ...domain import lifecycle
from ...domain.executions import execute_task, task_history, terminate_execution
from ...domain.paging import paginate
from ...errors import BadRequest

bp = Blueprint("processing_executions", __name__)

EXECUTE_FIELDS = {"executable", "parameters", "logLevel", "timeout"}


@bp.post("/processing/executions")
def execute():
    body = bodies.json_object(allowed=EXECUTE_FIELDS, required={"executable"})
    world = context.world()
    task = world.task(bodies.string(body, "executable"))
    run = execute_task(world, task, context.principal(), context.now(),
                       parameters=bodies.mapping(body, "parameters"),
                       log_level=bodies.string(body, "logLevel"),
                       timeout=bodies.integer(body, "timeout"))
    return jsonify({"executionId": run.id}), 201


@bp.get("/processing/executions/<executionId>")
def get_execution(executionId: str):
    return jsonify(serialize.job_execution_status(context.world().execution(executionId)))


@bp.delete("/processing/executions/<executionId>")
def stop_execution(executionId: str):
    world = context.world()
    terminate_execution(world, world.execution(executionId), context.principal(), context.now())
    return "", 204


@bp.get("/processing/executables/tasks/<taskId>/executions")
def list_task_executions(taskId: str):
    world = context.world()
    world.task(taskId)
    offset, limit = params.page_bounds()
    status = params.choice("status", tuple(lifecycle.STATUS_FILTER))
    last_days = params.integer("lastDays", 60, minimum=1, maximum=60)
    start, end = params.epoch_ms("from"), params.epoch_ms("to")
    now = context.now()
    end = end or now
    start = start or end - timedelta(days=last_days)
    if start > end:
        raise BadRequest("Query parameter 'from' must not be after 'to'")
    runs = task_history(world, taskId, execution_statuses=lifecycle.STATUS_FILTER.get(status),
                        start=start, end=end, now=now)
    return jsonify(serialize.page(paginate(runs, offset, limit), serialize.task_execution_status))
