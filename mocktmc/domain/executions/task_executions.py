"""Task executions: a run walks its behavior's path through the lifecycle table on the world's agenda.

Every transition goes through `_enter`, which checks it against lifecycle.TRANSITIONS, stamps the
run, writes its log lines, and puts the end of the new phase on the agenda. Agenda events carry
the run's `step` at the time they were scheduled, so an event overtaken by another transition
(a terminate, a timeout) finds a newer step and does nothing.
"""
from __future__ import annotations

import bisect
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Collection, Iterable, Mapping

from ...errors import BadRequest, NotFound, TaskPaused
from ..common.paging import Page
from ..executables.behaviors import DEFAULT_ERRORS
from ..model import lifecycle as lc
from ..model.definitions import Principal
from ..model.executables import LOG_LEVELS, LogLine, Task
from ..model.executions import LogEntry, TaskExecution
from ..runtimes.clusters import availability
from ..world import AgendaEvent, World

EXECUTION_TYPES = ("MANUAL", "SCHEDULED", "WEBHOOK", "PLAN")
MISFIRE_MESSAGES = {
    "PARALLEL_EXECUTION_FORBIDDEN": "Another execution of this task is still running and parallel executions "
                                    "are not allowed",
    "TASK_IS_PAUSED": "The task is paused: its executions are discarded",
    "REMOTE_ENGINE_UNAVAILABLE": "The remote engine of this task is not paired or not available",
    "REMOTE_ENGINE_UNAVAILABLE_IN_CLUSTER": "No remote engine of this task's cluster is available",
}
SEVERITY_RANK = {"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
LOG_LEVEL_RANK = {"INFO": 1, "WARN": 2, "ERROR": 3}  # OFF shows no job output at all
SYSTEM, USER = "SYSTEM", "USER"  # logType: platform lines vs. the job's own output


@dataclass(frozen=True)
class PhaseEnds(AgendaEvent):
    """The run leaves its current phase along its path (or from stopping to terminated)."""
    execution_id: str
    step: int

    def apply(self, world: "World", at: datetime) -> None:
        run = _still_at_step(world, self.execution_id, self.step)
        if run is None:
            return
        if run.execution_status == lc.STOPPING:
            _enter(world, run, lc.STOPPED_TO, at)
        else:
            target = lc.next_on_path(run.behavior.outcome, run.execution_status)
            if target is not None:
                _enter(world, run, target, at)


@dataclass(frozen=True)
class TimeoutDue(AgendaEvent):
    """The run's timeout elapsed while it was still executing."""
    execution_id: str
    step: int

    def apply(self, world: "World", at: datetime) -> None:
        run = _still_at_step(world, self.execution_id, self.step)
        if run is not None:
            _enter(world, run, lc.TIMEOUT_TO, at)


def _still_at_step(world: "World", execution_id: str, step: int) -> TaskExecution | None:
    """The run an event was scheduled for, unless another transition has overtaken the event."""
    run = world.executions.get(execution_id)
    return run if run is not None and run.step == step else None


def _log(run: TaskExecution, at: datetime, severity: str, message: str, log_type: str = SYSTEM) -> None:
    # Job output is written ahead with future timestamps, so a line logged now (a termination request)
    # may belong before some of it: insert in time order, after lines of the same instant.
    # Runs of one task write the same lines: interned, a million runs' history keeps one copy of each.
    entry = LogEntry(at, severity, log_type, sys.intern(message))
    if not run.logs or run.logs[-1].timestamp <= at:
        run.logs.append(entry)  # the usual case, and the cheap one
    else:
        bisect.insort(run.logs, entry, key=lambda e: e.timestamp)


def _user_lines(run: TaskExecution) -> list[LogLine]:
    if run.log_level == "OFF":
        return []
    floor = LOG_LEVEL_RANK[run.log_level]
    return [line for line in run.behavior.all_log_lines() if SEVERITY_RANK[line.severity] >= floor]


def _enter_executing(world: "World", run: TaskExecution, at: datetime) -> None:
    run.started = at
    world.execution_index.started(run)
    _log(run, at, "INFO", f"Artifact {run.bundle_name} {run.bundle_version} deployed; execution started")
    duration = run.behavior.duration(lc.EXECUTING)
    lines = _user_lines(run)
    # Job output is spread evenly across the executing phase, so a reader polling mid-run sees part of it.
    for i, line in enumerate(lines, start=1):
        offset = timedelta(seconds=duration * i / (len(lines) + 1))
        _log(run, at + offset, line.severity, line.message, USER)
    if run.timeout is not None and not _never_finishes(world):
        world.schedule(at + timedelta(minutes=run.timeout), TimeoutDue(run.id, run.step))


def _never_finishes(world: "World") -> bool:
    """The deliberate bug "never_finishes" (mocktmc/defects.py): an executing run waits for no end, natural or
    timeout, and leaves only when terminated. Lifecycle suites must notice a run that never settles."""
    return "never_finishes" in world.defects


# Who hears that a run has ended: plan executions register here (plan_executions.py), so that a step's
# run ending moves its plan on, without this module knowing plans.
ENDED_LISTENERS: list[Callable[["World", TaskExecution, datetime], None]] = []


def _finish(world: "World", run: TaskExecution, at: datetime) -> None:
    run.finished = at
    world.execution_index.ended(run)
    # Output written ahead for a phase that did not run to its end never happened.
    run.logs = [entry for entry in run.logs if entry.timestamp <= at]
    behavior, state = run.behavior, run.execution_status
    if state in (lc.SUCCESS, lc.REJECTED, lc.FAILED):
        run.processed_rows = behavior.processed_rows
        run.rejected_rows = behavior.rejected_rows
    if state in DEFAULT_ERRORS:
        default_type, default_message = DEFAULT_ERRORS[state]
        run.error_type = behavior.error_type or default_type
        run.error_message = behavior.error_message or default_message
    elif state == lc.TERMINATED_TIMEOUT:
        limit = f"{run.timeout} minute(s)" if run.timeout is not None else "the allowed time"
        run.error_message = behavior.error_message or f"The execution exceeded {limit}"
    elif state == lc.TERMINATED_SHUTDOWN:
        run.error_message = behavior.error_message or "The execution was stopped by a system shutdown"
    elif run.misfire_reason:
        run.error_message = MISFIRE_MESSAGES[run.misfire_reason]
    summary = {
        lc.SUCCESS: ("INFO", f"Execution finished successfully; {run.processed_rows} row(s) processed"),
        lc.REJECTED: ("WARN", f"Execution finished with {run.rejected_rows} rejected row(s) "
                              f"out of {run.processed_rows} processed"),
        lc.FAILED: ("ERROR", f"Execution failed: {run.error_type}: {run.error_message}"),
        lc.DEPLOY_FAILED: ("ERROR", f"Deployment failed: {run.error_message}"),
        lc.TERMINATED: ("WARN", f"Execution misfired: {run.misfire_reason}") if run.misfire_reason else
                       ("INFO", "Execution terminated"),
        lc.TERMINATED_TIMEOUT: ("ERROR", f"Execution terminated: {run.error_message}"),
        lc.TERMINATED_SHUTDOWN: ("ERROR", f"Execution terminated: {run.error_message}"),
    }[state]
    _log(run, at, *summary)
    for listener in ENDED_LISTENERS:
        listener(world, run, at)


def _enter(world: "World", run: TaskExecution, target: str, at: datetime) -> None:
    lc.check_transition(run.execution_status, target)
    run.execution_status = target
    run.step += 1
    if target == lc.DISPATCHING:
        _log(run, at, "INFO", f"Dispatching task '{run.task_name}' version {run.task_version} "
                              f"to {run.destination}")
    elif target == lc.EXECUTING:
        _enter_executing(world, run, at)
    elif target == lc.STOPPING:
        _log(run, at, "INFO", f"Termination requested by {run.stopped_by}")
    if lc.is_terminal(target):
        _finish(world, run, at)
    elif not (target == lc.EXECUTING and _never_finishes(world)):  # else only a terminate moves the run on
        world.schedule(at + timedelta(seconds=run.behavior.duration(target)), PhaseEnds(run.id, run.step))


# The most context parameters one run takes. TMC documents no limit; a run keeps its parameters as long as the
# run is kept (60 days of history), so without one a single 1 MB request could leave 100,000 of them behind.
# A Talend job with more than a thousand context variables is beyond anything a client sends.
MAX_RUN_PARAMETERS = 1000


def _text_parameters(parameters: Mapping | None) -> dict[str, str]:
    """Context parameters are strings on the wire; numbers and booleans sent by clients become text."""
    if parameters and len(parameters) > MAX_RUN_PARAMETERS:
        raise BadRequest(f"parameters: a run takes at most {MAX_RUN_PARAMETERS} context parameters, "
                         f"got {len(parameters)}")
    out = {}
    for name, value in (parameters or {}).items():
        if isinstance(value, bool):
            out[str(name)] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            out[str(name)] = str(value)
        else:
            raise BadRequest(f"parameters.{name}: must be a string, number or boolean, "
                             f"got {type(value).__name__}")
    return out


def execute_task(world: "World", task: Task, principal: Principal, at: datetime, *,
                 parameters: Mapping | None = None, log_level: str | None = None,
                 timeout: int | None = None, execution_type: str = "MANUAL",
                 api_version: str = "2021-03", plan: tuple[str, str] | None = None) -> TaskExecution:
    """Start a run of `task` now. A paused task refuses (405), as the Processing API says; a second run
    while one goes misfires unless the task allows parallel runs (a plan's steps run their tasks anyway).

    `plan`: (plan id, plan run id) for the runs of a plan step.
    """
    if task.paused:
        raise TaskPaused(f"Task {task.id} is paused")
    running = world.execution_index.running(task.id)
    forbidden = running and not task.parallel_execution_allowed and plan is None
    misfire = "PARALLEL_EXECUTION_FORBIDDEN" if forbidden else None
    # A runtime that names no engine or cluster has none available: the run misfires.
    if task.runtime.type in ("REMOTE_ENGINE", "PIPELINE_ENGINE"):  # a pipeline engine is a Remote Engine Gen2
        engines = world.remote_engines if task.runtime.type == "REMOTE_ENGINE" else world.pipeline_engines
        engine = engines.get(task.runtime.id) if task.runtime.id is not None else None
        if engine is None or engine.availability != "AVAILABLE":
            misfire = "REMOTE_ENGINE_UNAVAILABLE"
    elif task.runtime.type == "REMOTE_ENGINE_CLUSTER":
        found = world.clusters.get(task.runtime.id) if task.runtime.id is not None else None
        if found is None or availability(world, found) != "AVAILABLE":
            misfire = "REMOTE_ENGINE_UNAVAILABLE_IN_CLUSTER"
    return _new_run(world, task, principal, at, parameters=parameters, log_level=log_level, timeout=timeout,
                    execution_type=execution_type, api_version=api_version, plan=plan, misfire=misfire)


def misfire_task(world: "World", task: Task, principal: Principal, at: datetime, reason: str, *,
                 execution_type: str, plan: tuple[str, str] | None = None) -> TaskExecution:
    """Record a run that could not start (a paused task in a plan, a scheduled run of a paused task ...)."""
    return _new_run(world, task, principal, at, execution_type=execution_type, misfire=reason, plan=plan)


def _new_run(world: "World", task: Task, principal: Principal, at: datetime, *, parameters: Mapping | None = None,
             log_level: str | None = None, timeout: int | None = None, execution_type: str = "MANUAL",
             api_version: str = "2021-03", misfire: str | None = None,
             plan: tuple[str, str] | None = None) -> TaskExecution:
    if log_level is not None and log_level not in LOG_LEVELS:
        raise BadRequest(f"logLevel must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    if timeout is not None and timeout < 1:
        raise BadRequest(f"timeout must be at least 1 minute, got {timeout}")
    workspace = world.workspaces[task.workspace_id]
    artifact = world.artifacts[task.artifact_id]
    merged = dict(task.parameters)
    merged.update(_text_parameters(parameters))
    run = TaskExecution(
        id=world.ids.uuid(), task_id=task.id, task_name=task.name, task_version=task.version,
        account_id=world.account_id, workspace_id=workspace.id, environment_id=workspace.environment_id,
        # A run that never starts does not use up the next behavior of a sequence ("fail, then succeed").
        execution_type=execution_type, principal=principal, triggered=at,
        behavior=task.behavior.base if misfire else task.behavior.next(),
        runtime=task.runtime, bundle_name=artifact.name, bundle_version=task.artifact_version,
        log_level=log_level or task.log_level, parallel_execution_allowed=task.parallel_execution_allowed,
        timeout=timeout if timeout is not None else task.timeout, parameters=merged, api_version=api_version,
        plan_id=plan[0] if plan else None, plan_execution_id=plan[1] if plan else None, misfire_reason=misfire)
    world.add_execution(run)
    _log(run, at, "INFO", f"Execution request received for task '{task.name}' ({execution_type})")
    if misfire is not None:
        _enter(world, run, lc.MISFIRE_TO, at)
        return run
    world.schedule(at + timedelta(seconds=run.behavior.duration(lc.EVENT_RECEIVED)), PhaseEnds(run.id, run.step))
    return run


def terminate_execution(world: "World", run: TaskExecution, principal: Principal, at: datetime) -> bool:
    """Ask a running run to stop. Returns False if it is already stopping (nothing more to do).

    A finished run cannot be terminated: the answer names its status, as TMC does.
    """
    if run.execution_status == lc.STOPPING:
        return False
    reason = nothing_to_terminate(run)
    if reason:
        raise BadRequest(reason, message="Execution is already finished")
    run.stopped_by = principal.user_id
    _enter(world, run, lc.TERMINATE_TO, at)
    return True


def nothing_to_terminate(run: TaskExecution) -> str | None:
    """Why a terminate request has nothing to do (the run has ended), in TMC's words; else None."""
    if run.execution_status == lc.STOPPING or lc.can_terminate(run.execution_status):
        return None
    return f"Nothing to do for the task: its status is {run.execution_status}"


def run_with_output(world: "World", execution_id: str) -> TaskExecution:
    """A run whose logs or component metrics are asked for. A run that never started has none: 404, as the
    service answers (quirk misfire_never_started)."""
    run = world.execution(execution_id)
    if run.never_started and "misfire_never_started" in world.quirks:
        raise NotFound(f"Execution {execution_id} never started ({run.misfire_reason}): it has no logs or metrics")
    return run


def in_period(run, start: datetime, end: datetime, now: datetime, *, by_trigger: bool) -> bool:
    """Whether a task or plan run belongs to a history period [start, end]: triggered within it, as the service
    selects (quirk history_window_by_trigger), else active within it, as the documents describe."""
    return start <= run.triggered <= end if by_trigger else run.active_between(start, end, now)


def history(runs: Iterable[TaskExecution], *, execution_statuses: set[str] | None, start: datetime, end: datetime,
            now: datetime, by_trigger: bool) -> list[TaskExecution]:
    """Runs (given oldest first) of the period [start, end], newest first: clients read page one for the latest."""
    selected = [run for run in reversed(list(runs))
                if (execution_statuses is None or run.execution_status in execution_statuses)
                and in_period(run, start, end, now, by_trigger=by_trigger)]
    # sorted() is stable: runs triggered at the same instant stay latest-created first.
    return sorted(selected, key=lambda run: run.triggered, reverse=True)


def history_page(world: "World", *, task_id: str | None = None, environment_id: str | None = None,
                 workspace_id: str | None = None, tags: Iterable[str] = (), execution_statuses: set[str] | None,
                 start: datetime, end: datetime, now: datetime, offset: int, limit: int,
                 viewable: Collection[str] | None = None) -> Page:
    """One page of the runs of a task, or of every task in an environment or workspace (the workspace
    must belong to the environment), of the period [start, end] (see in_period), newest first, from the run
    index. `viewable`: only the runs of these workspaces (those the caller may VIEW; None, every one)."""
    if environment_id and workspace_id and world.workspaces.get(workspace_id) is not None and \
            world.workspaces[workspace_id].environment_id != environment_id:
        raise BadRequest("The workspace must belong to the environment when both are given")
    # A workspace lies in one environment, so its scope is enough when both are given.
    scope: tuple | list[tuple] = (("task", task_id) if task_id else ("ws", workspace_id) if workspace_id else
                                  ("env", environment_id) if environment_id else ("all",))
    wanted_tags = set(tags)
    keeps: list[Callable[[TaskExecution], bool]] = []
    if wanted_tags:
        keeps.append(lambda run: run.task_id in world.tasks and wanted_tags <= set(world.tasks[run.task_id].tags))
    if viewable is not None:
        if task_id:  # a task moved from a workspace left its runs there: filter only when some lie out of sight
            if not world.execution_index.task_workspaces(task_id) <= set(viewable):
                keeps.append(lambda run: run.workspace_id in viewable)
        else:  # the index keeps each workspace's runs apart: the union of the visible ones, by bisects
            scope = sorted(("ws", ws) for ws in viewable if ws in world.workspaces
                           and (workspace_id is None or ws == workspace_id)
                           and (environment_id is None or world.workspaces[ws].environment_id == environment_id))
    total, items = world.execution_index.count_and_page(scope, execution_statuses, start, end, now, offset, limit,
                                                  keep=(lambda run: all(k(run) for k in keeps)) if keeps else None,
                                                  by_trigger="history_window_by_trigger" in world.quirks)
    return Page(items, limit, offset, total)
