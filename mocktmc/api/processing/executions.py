"""Task runs: start one, read it, terminate it, and list a task's history."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, request

from .. import bodies, context, params, serialize
from ..visibility import viewable_ids
from ...domain.model import lifecycle
from ...domain.executions.task_executions import execute_task, history_page, terminate_execution
from ...domain.common.timeutil import from_ms
from ...errors import BadRequest, NotAcceptable

bp = Blueprint("processing_executions", __name__)


@bp.post("/processing/executions")
def execute():
    body = bodies.json_object()
    world = context.world()
    task = world.task(bodies.required_string(body, "executable"))
    run = execute_task(world, task, context.principal(), context.now(),
                       parameters=bodies.mapping(body, "parameters"),
                       log_level=bodies.string(body, "logLevel"),
                       timeout=bodies.integer(body, "timeout"))
    return jsonify({"executionId": run.id}), 201


@bp.get("/processing/executions/<executionId>")
def get_execution(executionId: str):
    return jsonify(serialize.job_execution_status(context.world().execution(executionId)))


def refuse_unless_text_accepted() -> None:
    """Terminating a run produces text/plain (quirk terminate_text_plain): a client that accepts only other
    types (Accept: application/json, say) gets 406 and the run is left alone. No Accept accepts anything."""
    accepted = request.accept_mimetypes
    if context.quirk("terminate_text_plain") and accepted and accepted.best_match(["text/plain"]) is None:
        raise NotAcceptable(f"Terminating a run produces text/plain, which the request's Accept "
                            f"({request.headers.get('Accept')}) does not allow")


@bp.delete("/processing/executions/<executionId>")
def stop_execution(executionId: str):
    refuse_unless_text_accepted()
    world = context.world()
    terminate_execution(world, world.execution(executionId), context.principal(), context.now())
    return "", 204


MAX_WINDOW = timedelta(days=60)


def history_window(start, end, last_days: int | None, *, limited: bool) -> tuple:
    """(from, to) of a history query: a period in the past, else the last `lastDays` days (60 by default).
    A `lastDays` sent with from/to decides the period, as the service does (quirk last_days_overrides_period).

    `limited`: the account-wide lists refuse a period longer than 60 days, as published.
    """
    now = context.now()
    if last_days is not None and context.quirk("last_days_overrides_period"):
        start, end = None, None
    end = end or now
    start = start or end - timedelta(days=last_days or 60)
    if start > end:
        raise BadRequest("'from' must not be after 'to'")
    if limited and end - start > MAX_WINDOW:
        raise BadRequest("The period between 'from' and 'to' must not exceed 60 days")
    return start, end


def _answer(page):
    return jsonify(serialize.page(page, serialize.task_execution_status))


@bp.get("/processing/executables/tasks/<taskId>/executions")
def list_task_executions(taskId: str):
    world = context.world()
    world.task(taskId)
    status = params.choice("status", tuple(lifecycle.STATUS_FILTER))
    start, end = history_window(params.epoch_ms("from"), params.epoch_ms("to"),
                                params.integer("lastDays", minimum=1, maximum=60), limited=False)
    offset, limit = params.page_bounds()
    return _answer(history_page(world, task_id=taskId, execution_statuses=_statuses(status),
                                start=start, end=end, now=context.now(), offset=offset, limit=limit,
                                viewable=viewable_ids()))


@bp.get("/processing/executables/tasks/executions")
def list_executions():
    status = params.choice("status", tuple(lifecycle.STATUS_FILTER))
    start, end = history_window(params.epoch_ms("from"), params.epoch_ms("to"),
                                params.integer("lastDays", minimum=1, maximum=60), limited=True)
    offset, limit = params.page_bounds()
    return _answer(history_page(
        context.world(), environment_id=params.text("environmentId"), workspace_id=params.text("workspaceId"),
        execution_statuses=_statuses(status), start=start, end=end, now=context.now(),
        offset=offset, limit=limit, viewable=viewable_ids()))


@bp.post("/processing/executables/tasks/executions")
def search_executions():
    body = bodies.json_object()
    status = bodies.choice(body, "status", tuple(lifecycle.STATUS_FILTER))
    last_days = bodies.integer(body, "lastDays")
    if last_days is not None and not 1 <= last_days <= 60:
        raise BadRequest(f"lastDays must be in [1, 60], got {last_days}")
    limit, offset = bodies.integer(body, "limit"), bodies.integer(body, "offset")
    limit, offset = (100 if limit is None else limit), (offset or 0)
    if not 1 <= limit <= 100 or offset < 0:
        raise BadRequest(f"limit must be in [1, 100] and offset >= 0, got limit {limit}, offset {offset}")
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadRequest("Field 'tags' must be an array of strings")
    times = [None if body.get(k) is None else from_ms(_epoch_ms(body, k)) for k in ("from", "to")]
    start, end = history_window(times[0], times[1], last_days, limited=True)
    return _answer(history_page(context.world(), environment_id=bodies.string(body, "environmentId"),
                                workspace_id=bodies.string(body, "workspaceId"), tags=tags,
                                execution_statuses=_statuses(status), start=start, end=end,
                                now=context.now(), offset=offset, limit=limit, viewable=viewable_ids()))


def _statuses(status: str | None) -> set[str] | None:
    """The run statuses a `status` filter stands for; None, no filter, when it is not given."""
    return None if status is None else lifecycle.STATUS_FILTER[status]


def _epoch_ms(body: dict, name: str) -> int:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 253402300799999:
        raise BadRequest(f"Field {name!r} must be epoch milliseconds, got {value!r}")
    return value
