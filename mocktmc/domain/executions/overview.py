"""Every run of an account, task, plan and promotion alike, in one list: what the dashboard's runs table and
timeline show (GET /_mocktmc/runs).

The public API lists task runs and plan runs each on their own, per environment or workspace, and promotion
runs not at all; a person watching the mock wants them side by side, newest first, with one word for how each
ended (its outcome). Task runs come from the run index (a page costs bisects, as the history pages do); plan
and promotion runs, far fewer, are looked at one by one.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Iterator

from ..model import executions as ex
from ..model import lifecycle as lc
from ..model.executions import PlanExecution, PromotionExecution, TaskExecution, overlaps

if TYPE_CHECKING:
    from ..world import World

KINDS = ("task", "plan", "promotion")
# How a run stands, in one word for all three kinds (the colours of the dashboard's timeline).
OUTCOMES = ("running", "successful", "warning", "failed", "terminated", "misfired")

# A task run's executionStatuses each outcome selects from the run index; "misfired" and "terminated" share
# EXECUTION_TERMINATED, told apart by whether the run ever started.
_TASK_STATUSES: dict[str, frozenset[str]] = {
    "running": frozenset(lc.EXECUTION_STATUSES) - lc.TERMINAL,
    "successful": frozenset({lc.SUCCESS}),
    "warning": frozenset(),
    "failed": frozenset({lc.FAILED, lc.DEPLOY_FAILED, lc.REJECTED}),
    "terminated": frozenset({lc.TERMINATED, lc.TERMINATED_TIMEOUT, lc.TERMINATED_SHUTDOWN}),
    "misfired": frozenset({lc.TERMINATED}),
}
_PLAN_OUTCOME = {ex.STARTED: "running", ex.SUCCESS: "successful", ex.FAILED: "failed", ex.MISFIRED: "misfired"}
_PROMOTION_OUTCOME = {"PROMOTION_STARTED": "running", "PROMOTED": "successful", "PROMOTION_WARNING": "warning"}


@dataclass(frozen=True, slots=True)
class RunRow:
    kind: str
    id: str
    executable_id: str
    name: str
    environment_id: str
    workspace_id: str | None
    status: str  # the run's own status, as its API family names it
    outcome: str
    trigger: str  # MANUAL, SCHEDULED, WEBHOOK, PLAN, ... as the run's executionType says
    triggered: datetime
    started: datetime | None
    finished: datetime | None


@dataclass(frozen=True, slots=True)
class RunsPage:
    items: list[RunRow]
    total: int


def task_outcome(run: TaskExecution) -> str:
    if not run.terminal:
        return "running"
    if run.never_started:
        return "misfired"
    for outcome in ("successful", "failed", "terminated"):
        if run.execution_status in _TASK_STATUSES[outcome]:
            return outcome
    raise AssertionError(f"no outcome for {run.execution_status}")  # every terminal status has one above


def _task_row(run: TaskExecution) -> RunRow:
    return RunRow("task", run.id, run.task_id, run.task_name, run.environment_id, run.workspace_id,
                  run.status, task_outcome(run), run.execution_type, run.triggered, run.started, run.finished)


def _plan_row(world: "World", run: PlanExecution) -> RunRow:
    plan = world.plans.get(run.plan_id)
    return RunRow("plan", run.id, run.plan_id, plan.name if plan is not None else run.plan_id, run.environment_id,
                  run.workspace_id, ex.STATUS[run.execution_status], _PLAN_OUTCOME[run.execution_status],
                  run.execution_type, run.triggered, run.started, run.finished)


def _promotion_row(run: PromotionExecution) -> RunRow:
    return RunRow("promotion", run.id, run.promotion.id, run.promotion.name, run.promotion.source_environment_id,
                  None, run.status, _PROMOTION_OUTCOME.get(run.status, "failed"), "MANUAL", run.triggered,
                  run.triggered, run.finished)


def page(world: "World", now: datetime, *, kinds: Iterable[str] = KINDS, outcomes: Iterable[str] = OUTCOMES,
         environment_id: str | None = None, start: datetime, end: datetime, offset: int, limit: int) -> RunsPage:
    """The runs of `kinds` with one of `outcomes`, in `environment_id` (a promotion run: its source or its target)
    if given, that were going at some moment of [start, end]: the page [offset, offset + limit), newest first."""
    kinds, outcomes = set(kinds), set(outcomes)
    total, walks = 0, []
    if "task" in kinds:
        count, runs = _task_runs(world, now, outcomes, environment_id, start, end, offset + limit)
        total += count
        walks.append(iter([_task_row(run) for run in runs]))
    others: list[RunRow] = []
    if "plan" in kinds:
        others += [row for run in world.plan_executions.values()
                   if (environment_id is None or run.environment_id == environment_id)
                   and run.active_between(start, end, now)
                   for row in [_plan_row(world, run)] if row.outcome in outcomes]
    if "promotion" in kinds:
        others += [row for run in world.promotion_executions.values()
                   if (environment_id is None or environment_id in (run.promotion.source_environment_id,
                                                                    run.promotion.target_environment_id))
                   and overlaps(run.triggered, run.finished, start, end, now)
                   for row in [_promotion_row(run)] if row.outcome in outcomes]
    total += len(others)
    walks.append(iter(sorted(others, key=lambda row: row.triggered, reverse=True)))
    merged: Iterator[RunRow] = heapq.merge(*walks, key=lambda row: row.triggered, reverse=True)
    return RunsPage([row for _, row in zip(range(offset + limit), merged)][offset:], total)


def _task_runs(world: "World", now: datetime, outcomes: set[str], environment_id: str | None, start: datetime,
               end: datetime, count: int) -> tuple[int, list[TaskExecution]]:
    """(how many task runs match, the newest `count` of them), from the run index."""
    scope = ("env", environment_id) if environment_id else ("all",)
    index = world.execution_index
    if outcomes >= {"running", "successful", "failed", "terminated", "misfired"}:
        return index.count_and_page(scope, None, start, end, now, 0, count)
    statuses = set().union(*(_TASK_STATUSES[outcome] for outcome in outcomes))
    if not statuses:
        return 0, []
    keep = None
    if ("misfired" in outcomes) != ("terminated" in outcomes):  # EXECUTION_TERMINATED holds both: tell them apart
        def keep(run: TaskExecution) -> bool:
            return task_outcome(run) in outcomes
    return index.count_and_page(scope, statuses, start, end, now, 0, count, keep=keep)
