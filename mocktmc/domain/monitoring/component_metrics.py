"""Component metrics of runs (observability): what each component of a run's job did.

A run's job reads its source, transforms it and writes the target; its rejected rows go to a
reject flow. The figures come from the run itself (rows processed and rejected, its executing
phase), so they are the same every time they are read.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

from ...errors import BadRequest, NotFound, TooManyRequests
from ..common.timeutil import to_iso, to_ms
from ..model.executions import TaskExecution
from ..world import World

QUERIES_PER_MINUTE = 5
SORT_FIELDS = ("engine_id", "workspace_id", "task_id", "task_execution_id", "process_id", "job_name", "pid",
               "father_pid", "root_pid", "connector_type", "connector_label", "connector_id", "target_connector_type",
               "target_label", "target_id", "connection_type", "connection_name", "component_start_time_seconds",
               "component_connection_rows_total", "component_execution_duration_milliseconds", "stacktrace")
FILTER_OPERATORS = ("in", "gt", "gte", "lt", "lte")


def _engine(run: TaskExecution) -> str:
    return run.runtime.id or f"{run.destination.lower()}-engine"


def _pid(run: TaskExecution) -> str:
    return f"pid_{run.id[:8]}"


def components(run: TaskExecution, now: datetime) -> list[dict]:
    """The component metrics of a started run (rows once it has finished)."""
    if run.started is None:
        return []
    end = run.finished or now
    duration_ms = max(to_ms(end) - to_ms(run.started), 0)
    processed = run.processed_rows or 0
    rejected = run.rejected_rows or 0
    flow = [("tFileInputDelimited", "read_source", "tMap", processed),
            ("tMap", "transform", "tDBOutput", processed - rejected),
            ("tDBOutput", "write_target", None, processed - rejected)]
    if rejected:
        flow.append(("tLogRow", "rejects", None, rejected))
    found = []
    for i, (kind, label, target, rows) in enumerate(flow):
        start = run.started + timedelta(milliseconds=duration_ms * i // (len(flow) + 1))
        metric = {"pid": _pid(run), "connector_type": kind, "connector_label": label, "connector_id": f"{kind}_1",
                  "component_start_time_seconds": to_ms(start) // 1000,
                  "component_execution_duration_milliseconds": duration_ms // len(flow)}
        if run.finished:
            metric["component_connection_rows_total"] = rows
        if target:
            metric.update({"target_connector_type": target, "target_label": flow[i + 1][1],
                           "target_id": f"{target}_1"})
        if kind == "tDBOutput" and run.error_message and run.execution_status == "EXECUTION_FAILED":
            metric["stacktrace"] = f"{run.error_type}: {run.error_message}"
        found.append(metric)
    return found


def _sorted(items: list[dict], sort_by: str, order: str) -> list[dict]:
    if sort_by not in SORT_FIELDS and sort_by != "stracktrace":
        raise BadRequest(f"sortBy must be one of {', '.join(SORT_FIELDS)}, got {sort_by!r}")
    sort_by = "stacktrace" if sort_by == "stracktrace" else sort_by  # the published enum misspells it
    key = lambda item: (item.get(sort_by) is None, item.get(sort_by) if item.get(sort_by) is not None else 0)  # noqa
    return sorted(items, key=key, reverse=order == "desc")


def execution_metrics(world: "World", run: TaskExecution, now: datetime, *, sort_by: str, order: str
                      ) -> tuple[dict, list[dict]]:
    if run.started is None:
        raise NotFound(f"Execution {run.id} never started: it has no component metrics")
    login = world.users[run.principal.user_id].login if run.principal.user_id in world.users else run.principal.user_id
    header: dict[str, Any] = {
        "engine_id": _engine(run), "workspace_id": run.workspace_id, "task_id": run.task_id,
        "task_execution_id": run.id, "artifact_id": world.tasks[run.task_id].artifact_id
        if run.task_id in world.tasks else "", "artifact_name": run.bundle_name,
        "artifact_version": run.bundle_version, "start_time": to_iso(run.started),
        "operator": login, "operator_type": run.principal.user_type,
        "processes": [{"process_id": run.id, "job_name": run.bundle_name, "pid": _pid(run),
                       "father_pid": _pid(run), "root_pid": _pid(run)}]}
    if run.finished:
        header["finish_time"] = to_iso(run.finished)
        header["rows_rejected"] = run.rejected_rows or 0
    return header, _sorted(components(run, now), sort_by, order)


def count_query(world: "World", now: datetime) -> None:
    """The published limit: 5 queries a minute (of mock time); the 6th is a 429 saying when to retry."""
    recent = [t for t in world.metric_queries if now - t < timedelta(minutes=1)]
    if len(recent) >= QUERIES_PER_MINUTE:
        retry = int((recent[0] + timedelta(minutes=1) - now).total_seconds()) + 1
        raise TooManyRequests(f"At most {QUERIES_PER_MINUTE} component metric queries a minute",
                              headers={"Retry-After": str(retry)})
    world.metric_queries = recent + [now]


def _check_filters(filters: Iterable[Any]) -> list[dict]:
    checked: list[dict] = []
    per_field: dict[str, set[str]] = {}  # the operators each field is filtered with
    for i, item in enumerate(filters):
        if not isinstance(item, dict) or item.get("operator") not in FILTER_OPERATORS or "field" not in item:
            raise BadRequest(f"filters[{i}]: needs field, operator ({', '.join(FILTER_OPERATORS)}) and value")
        operators = per_field.setdefault(item["field"], set())
        operators.add(item["operator"])
        if len(operators) > 2 or {"gt", "gte"} <= operators or {"lt", "lte"} <= operators:
            raise BadRequest(f"filters[{i}]: at most 2 operators a field, and not gt with gte nor lt with lte")
        checked.append(item)
    return checked


def _holds(item: dict, flt: dict) -> bool:
    value, wanted = item.get(flt["field"]), flt["value"]
    if flt["operator"] == "in":
        return str(value) in {str(v) for v in (wanted if isinstance(wanted, list) else [wanted])}
    if value is None:  # a row without the field is neither greater nor less than anything
        return False
    try:
        left, right = float(value), float(wanted)
    except (TypeError, ValueError):
        return False
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[flt["operator"]]


def query(world: "World", now: datetime, *, environment_id: str, start: datetime, end: datetime,
          filters: Iterable[Any], sort_by: str, order: str) -> list[dict]:
    """Raw component metrics of the environment's runs whose components started in [start, end]."""
    if end < start:
        raise BadRequest("endTime must not be before startTime")
    checked = _check_filters(filters)
    count_query(world, now)
    rows = []
    for run in world.executions.values():
        if run.environment_id != environment_id or run.started is None:
            continue
        login = world.users[run.principal.user_id].login if run.principal.user_id in world.users \
            else run.principal.user_id
        for metric in components(run, now):
            if not to_ms(start) // 1000 <= metric["component_start_time_seconds"] <= to_ms(end) // 1000:
                continue
            row = {"engine_id": _engine(run), "workspace_id": run.workspace_id, "task_id": run.task_id,
                   "task_execution_id": run.id, "operator": login, "operator_type": run.principal.user_type,
                   "process_id": run.id, "job_name": run.bundle_name, "father_pid": _pid(run),
                   "root_pid": _pid(run), **metric}
            if all(_holds(row, f) for f in checked):
                rows.append(row)
    return _sorted(rows, sort_by, order)
