"""Execution history search (Monitoring): task runs and plan runs as one searchable record each.

Records follow the published Execution shape: bare-token statuses (a shutdown reads
EXECUTION_TERMINATED and a running plan STARTING_FLOW_EXECUTION, as the enum has neither),
times in epoch milliseconds. Ordered by runEndTime descending (runs still going first), then
triggerTime ascending.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Callable, Collection, Iterable

from ...errors import BadRequest
from ..common.timeutil import from_ms, to_iso, to_ms
from ..executions import plan_executions as plan_executions
from ..model import executions as executions_model
from ..model import lifecycle as lc
from ..world import World

CATEGORIES = {"ETL": {"PLAN", "STANDARD", "PIPELINE", "BIG_DATA_BATCH", "BIG_DATA_STREAMING"},
              "ESB": {"ROUTE", "DATA_SERVICE"}}
PLAN_STATUS = {executions_model.STARTED: "STARTING_FLOW_EXECUTION", executions_model.SUCCESS: "EXECUTION_SUCCESS",
               executions_model.FAILED: "EXECUTION_FAILED", executions_model.MISFIRED: "EXECUTION_MISFIRED"}
SMALLEST_PAGE = 5  # the published ExecutionPage.limit has minimum 5, although a request may ask for 1
MAX_PAGES = 20


def _user(world: "World", principal) -> tuple[str, str]:
    user = world.users.get(principal.user_id)
    if user is not None:
        return user.login, user.full_name
    account = world.service_accounts.get(principal.user_id)
    return principal.user_id, account.name if account else ""


def task_record(world: "World", run) -> dict:
    task = world.tasks.get(run.task_id)
    artifact = world.artifacts.get(task.artifact_id) if task else None
    login, name = _user(world, run.principal)
    status = lc.TERMINATED if run.execution_status == lc.TERMINATED_SHUTDOWN else run.execution_status
    record = {
        "id": run.id, "name": run.task_name, "status": "EXECUTION_MISFIRED" if run.misfire_reason else status,
        "triggerType": run.execution_type, "type": (artifact.type.upper() if artifact else "STANDARD"),
        "version": run.task_version, "operator": login, "operatorName": name, "operatorType": run.principal.user_type,
        "author": login, "authorName": name, "authorType": run.principal.user_type,
        "environmentId": run.environment_id, "workspaceId": run.workspace_id, "taskId": run.task_id,
        "artifactId": artifact.id if artifact else None, "artifactName": run.bundle_name,
        "artifactVersion": run.bundle_version, "destination": run.destination, "logLevel": run.log_level,
        "tags": list(task.tags) if task else [], "triggerTime": to_ms(run.triggered),
        "runStartTime": to_ms(run.started) if run.started else None,
        "runEndTime": to_ms(run.finished) if run.finished else None,
        "errorMessage": run.error_message, "misfiredReason": run.misfire_reason,
        "numberOfRejectedRows": run.rejected_rows, "planId": run.plan_id, "planExecutionId": run.plan_execution_id,
        "executeDurationMs": to_ms(run.finished) - to_ms(run.started) if run.started and run.finished else None,
        "apiVersion": run.api_version, "attempts": 1}
    return {k: v for k, v in record.items() if v is not None}


def plan_record(world: "World", prun) -> dict:
    plan = world.plans.get(prun.plan_id)
    login, name = _user(world, prun.principal)
    record = {
        "id": prun.id, "name": plan.name if plan else prun.plan_id, "status": PLAN_STATUS[prun.execution_status],
        "triggerType": prun.execution_type, "type": "PLAN", "operator": login, "operatorName": name,
        "operatorType": prun.principal.user_type, "author": login, "authorName": name,
        "authorType": prun.principal.user_type, "environmentId": prun.environment_id,
        "workspaceId": prun.workspace_id, "planId": prun.plan_id, "planExecutionId": prun.id,
        "planName": plan.name if plan else None, "triggerTime": to_ms(prun.triggered),
        "runStartTime": to_ms(prun.started) if prun.started else None,
        "runEndTime": to_ms(prun.finished) if prun.finished else None,
        "executeDurationMs": to_ms(prun.finished) - to_ms(prun.started) if prun.finished and prun.started else None,
        "misfiredReason": prun.misfire_reason, "rerunPlanExecutionId": prun.rerun_of, "apiVersion": "2021-03",
        "tags": [], "attempts": 1}
    return {k: v for k, v in record.items() if v is not None}


# Filter fields (bare tokens) -> where the value sits in a record.
FIELDS: dict[str, Callable[[dict], Any]] = {
    "status": lambda r: r.get("status"), "workspaceId": lambda r: r.get("workspaceId"),
    "name": lambda r: r.get("name"), "taskId": lambda r: r.get("taskId"), "planId": lambda r: r.get("planId"),
    "artifactId": lambda r: r.get("artifactId"), "artifactVersion": lambda r: r.get("artifactVersion"),
    "tags": lambda r: r.get("tags", []), "runtime": lambda r: r.get("destination"),
    "period": lambda r: r.get("triggerTime"), "executeDurationMs": lambda r: r.get("executeDurationMs"),
    "operator": lambda r: r.get("operator"), "author": lambda r: r.get("author"),
    "version": lambda r: r.get("version"), "logLevel": lambda r: r.get("logLevel"), "id": lambda r: r.get("id"),
    "runProfileId": lambda r: r.get("runProfileId"), "apiVersion": lambda r: r.get("apiVersion"),
}


def _values(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _number(value: Any, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{where}: expected a number, got {value!r}") from None


def compile_filter(spec: Any, where: str = "filters") -> Callable[[dict], bool]:
    """One FieldFilter {field, operator, value} as a predicate; `and`/`or` take a list of filters as value."""
    if not isinstance(spec, dict) or "operator" not in spec:
        raise BadRequest(f"{where}: a filter needs field, operator and value")
    operator, value = spec["operator"], spec.get("value")
    if operator in ("and", "or"):
        parts = [compile_filter(item, f"{where}.value[{i}]") for i, item in enumerate(_values(value))]
        combine = all if operator == "and" else any
        return lambda record: combine(part(record) for part in parts)
    field = spec.get("field")
    if field not in FIELDS:
        raise BadRequest(f"{where}.field: must be one of {', '.join(FIELDS)}, got {field!r}")
    read = FIELDS[field]

    def present(record: dict) -> list:
        found = read(record)
        return [str(v) for v in found] if isinstance(found, list) else ([] if found is None else [str(found)])

    if operator in ("in", "not_in"):
        wanted = {str(v) for v in _values(value)}
        hit = (lambda r: bool(wanted & set(present(r))))
        return hit if operator == "in" else (lambda r: not hit(r))
    if operator in ("match", "not_match"):
        try:
            pattern = re.compile(str(value), re.IGNORECASE)
        except re.error as exc:
            raise BadRequest(f"{where}.value: not a valid pattern: {exc}") from None
        hit = (lambda r: any(pattern.search(v) for v in present(r)))
        return hit if operator == "match" else (lambda r: not hit(r))
    if operator == "is_empty":
        return lambda r: not present(r)
    if operator == "between":
        bounds = _values(value)
        if len(bounds) != 2:
            raise BadRequest(f"{where}.value: between takes [low, high]")
        low, high = _number(bounds[0], where), _number(bounds[1], where)
        return lambda r: any(low <= float(v) <= high for v in present(r) if _numeric(v))
    if operator in ("greater_than", "less_than"):
        limit = _number(value, where)
        if operator == "greater_than":
            return lambda r: any(float(v) > limit for v in present(r) if _numeric(v))
        return lambda r: any(float(v) < limit for v in present(r) if _numeric(v))
    raise BadRequest(f"{where}.operator: unknown operator {operator!r}")


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def search(world: "World", *, environment_id: str, category: str, filters: Iterable[Any], exclude: str,
           viewable: Collection[str] | None = None) -> list[dict]:
    """The records of the environment's runs the filters select, in the published order; `viewable`: only
    those of these workspaces (the ones the caller may VIEW; None, every one)."""
    if category not in CATEGORIES:
        raise BadRequest(f"category must be ETL or ESB, got {category!r}")
    predicates = [compile_filter(f, f"filters[{i}]") for i, f in enumerate(filters)]
    records = [task_record(world, run) for run in world.executions.values()
               if run.environment_id == environment_id and (viewable is None or run.workspace_id in viewable)
               and not (exclude == "TASK_EXECUTIONS_TRIGGERED_BY_PLAN" and run.execution_type == "PLAN")]
    if exclude != "PLAN_EXECUTIONS":
        records += [plan_record(world, prun) for prun in world.plan_executions.values()
                    if prun.environment_id == environment_id
                    and (viewable is None or prun.workspace_id in viewable)]
    selected = [r for r in records if r["type"] in CATEGORIES[category] and all(p(r) for p in predicates)]
    # runEndTime descending (runs still going first), then triggerTime ascending, then id descending.
    selected.sort(key=lambda r: r["id"], reverse=True)
    return sorted(selected, key=lambda r: (-(r.get("runEndTime") or float("inf")), r["triggerTime"]))


# The download's columns, in the published order.
CSV_COLUMNS = (
    "id", "name", "status", "subStatus", "type", "version", "triggerType", "triggerTime", "runStartTime",
    "runEndTime", "operator", "operatorType", "author", "authorType", "attempts", "accountId", "environmentId",
    "workspaceId", "taskId", "planExecutionId", "planName", "artifactId", "artifactName", "artifactVersion",
    "artifactWorkspaceId", "destination", "clusterId", "clusterName", "engineId", "engineName", "runProfileId",
    "runProfileName", "errorMessage", "misfiredReason", "logLevel", "tags", "numberOfRejectedRows",
    "deploymentStrategy", "planId", "failedStepName", "rerunPlanExecutionId", "parentPlanExecutionId",
    "executeDurationMs", "engineVersion", "javaVersion", "javaVendor", "jvmName")
TIME_COLUMNS = {"triggerTime", "runStartTime", "runEndTime"}


def to_csv(records: list[dict], account_id: str) -> str:
    """UTF-8 CSV, comma-separated, double quotes doubled; times ISO-8601 UTC with milliseconds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = []
        for column in CSV_COLUMNS:
            if column == "accountId":  # the account searched, whatever the record says
                row.append(account_id)
                continue
            value = record.get(column)
            if column in TIME_COLUMNS and value is not None:
                value = to_iso(from_ms(value))
            elif isinstance(value, list):
                value = ",".join(value)
            row.append("" if value is None else value)
        writer.writerow(row)
    return out.getvalue()
