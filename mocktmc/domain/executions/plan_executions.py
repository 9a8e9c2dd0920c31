"""Plan runs: steps in designed order, each step's tasks started as child task runs.

When a step's runs have all ended, its condition decides: ALL_SUCCEEDED and AT_LEAST_ONE_SUCCEEDED
count successes (a run with rejected rows executed, so it counts), ALWAYS_PROCEED_ON goes on
regardless. A step whose condition fails runs its error handler's tasks, then the plan run fails.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...errors import MethodNotAllowed, NotFound, Unprocessable
from ..model import lifecycle as lc
from ..model.definitions import Principal
from ..model.executables import Plan
from ..model.executions import (
    FAILED,
    MISFIRED,
    SUCCESS,
    PlanExecution,
    StepExecution,
    TaskExecution,
)
from ..world import AgendaEvent, World
from .task_executions import ENDED_LISTENERS, execute_task, misfire_task

SUCCEEDED = {lc.SUCCESS, lc.REJECTED}
RERUN_WINDOW = timedelta(days=60)


@dataclass(frozen=True)
class PlanExecutionUpdate(AgendaEvent):
    """Agenda event: a child run of this plan run has ended (the world hands it to the plan runs)."""
    plan_execution_id: str

    def apply(self, world: "World", at: datetime) -> None:
        update(world, self.plan_execution_id, at)


def _child_ended(world: "World", run: TaskExecution, at: datetime) -> None:
    if run.plan_execution_id:
        world.schedule(at, PlanExecutionUpdate(run.plan_execution_id))


ENDED_LISTENERS.append(_child_ended)

def plan_execution(world: "World", run_id: str) -> PlanExecution:
    found = world.plan_executions.get(run_id)
    if found is None:
        raise NotFound(f"Plan execution {run_id} not found")
    return found


def _start_tasks(world: "World", prun: PlanExecution, task_ids: list[str], at: datetime) -> list[str]:
    started = []
    for task_id in task_ids:
        task = world.tasks.get(task_id)
        if task is None:
            continue  # deleted since the plan was designed
        ids = (prun.plan_id, prun.id)
        if task.paused:
            run = misfire_task(world, task, prun.principal, at, "TASK_IS_PAUSED", execution_type="PLAN", plan=ids)
        else:
            run = execute_task(world, task, prun.principal, at, execution_type="PLAN", plan=ids)
        started.append(run.id)
    return started


def _start_step(world: "World", prun: PlanExecution, plan: Plan, index: int, at: datetime,
                only: set[str] | None = None) -> None:
    step = plan.steps[index]
    task_ids = [t for t in step.task_ids if only is None or t in only]
    step_execution = StepExecution(world.ids.uuid(), index, [], at)
    prun.steps.append(step_execution)
    step_execution.run_ids = _start_tasks(world, prun, task_ids, at)
    if not step_execution.run_ids:  # nothing to wait for (a child that misfired says so itself)
        world.schedule(at, PlanExecutionUpdate(prun.id))


def _finish(prun: PlanExecution, status: str, at: datetime) -> None:
    prun.execution_status, prun.finished = status, at


def update(world: "World", run_id: str, at: datetime) -> None:
    """A child run ended: move the plan run on if its current step (or error handler) is done."""
    prun = world.plan_executions.get(run_id)
    if prun is None or prun.terminal or not prun.steps:
        return
    plan = world.plans.get(prun.plan_id)
    step_execution = prun.steps[-1]
    if step_execution.handler_id is not None:
        if all(world.executions[i].terminal for i in step_execution.handler_run_ids):
            step_execution.handler_finished = at
            _finish(prun, FAILED, at)
        return
    runs = [world.executions[i] for i in step_execution.run_ids]
    if not all(run.terminal for run in runs):
        return
    succeeded = sum(run.execution_status in SUCCEEDED for run in runs)
    condition = plan.steps[step_execution.index].condition if plan else "ALL_SUCCEEDED"
    passed = (condition == "ALWAYS_PROCEED_ON" or (condition == "ALL_SUCCEEDED" and succeeded == len(runs))
              or (condition == "AT_LEAST_ONE_SUCCEEDED" and succeeded > 0))
    step_execution.finished = at
    step_execution.status = SUCCESS if succeeded == len(runs) else FAILED
    if passed and plan is not None and step_execution.index + 1 < len(plan.steps):
        _start_step(world, prun, plan, step_execution.index + 1, at)
    elif passed:
        _finish(prun, SUCCESS, at)
    else:
        handlers = plan.steps[step_execution.index].on_failure_task_ids if plan else []
        handler = [t for t in handlers if t in world.tasks]
        if not handler:  # no error handler: the plan run fails here
            _finish(prun, FAILED, at)
            return
        step_execution.handler_id = world.ids.uuid()
        step_execution.handler_started = at
        step_execution.handler_run_ids = _start_tasks(world, prun, handler, at)


def start_plan_execution(world: "World", plan: Plan, principal: Principal, at: datetime, *,
                         execution_type: str = "MANUAL") -> PlanExecution:
    """Start a run of `plan`; a paused plan refuses (405), a second run while one goes misfires."""
    if plan.paused:
        raise MethodNotAllowed(f"Plan {plan.id} is paused", message="Plan is paused, it can't be executed")
    if not plan.parallel_execution_allowed and any(
            not other.terminal for other in world.plan_executions.values() if other.plan_id == plan.id):
        return misfire_plan_execution(world, plan, principal, at, "PARALLEL_EXECUTIONS_FORBIDDEN",
                                      execution_type=execution_type)
    prun = _new_plan_execution(world, plan, principal, at, execution_type)
    _start_step(world, prun, plan, 0, at)
    world.settle(at)  # steps with nothing to wait for move on at once
    return prun


def _new_plan_execution(world: "World", plan: Plan, principal: Principal, at: datetime,
                        execution_type: str) -> PlanExecution:
    workspace = world.workspaces[plan.workspace_id]
    prun = PlanExecution(world.ids.uuid(), plan.id, workspace.id, workspace.environment_id, principal, at,
                         execution_type, sum(len(step.task_ids) for step in plan.steps), started=at)
    world.plan_executions[prun.id] = prun
    return prun


def misfire_plan_execution(world: "World", plan: Plan, principal: Principal, at: datetime, reason: str, *,
                     execution_type: str) -> PlanExecution:
    """Record a plan run that could not start (a second run while one goes, a scheduled run of a paused plan)."""
    prun = _new_plan_execution(world, plan, principal, at, execution_type)
    prun.misfire_reason = reason
    world.misfires += 1
    _finish(prun, MISFIRED, at)
    return prun


def rerun_plan(world: "World", plan: Plan, principal: Principal, at: datetime, *, previous_id: str,
               step_id: str, only_failed: bool) -> PlanExecution:
    """Start again from a step of a failed run (422 when it did not fail or is older than 60 days)."""
    previous = plan_execution(world, previous_id)
    if previous.plan_id != plan.id:
        raise Unprocessable(f"Plan execution {previous_id} is not a run of plan {plan.id}")
    if previous.execution_status != FAILED or at - previous.triggered > RERUN_WINDOW:
        raise Unprocessable("Entity exists but cannot be processed, because too old or plan exec didn't fail")
    step_execution = next((s for s in previous.steps if s.id == step_id), None)
    if step_execution is None:
        raise Unprocessable(f"Plan execution {previous_id} has no step execution {step_id}")
    if plan.paused:
        raise MethodNotAllowed(f"Plan {plan.id} is paused", message="Plan is paused, it can't be executed")
    only = None
    if only_failed:
        only = {world.executions[i].task_id for i in step_execution.run_ids
                if world.executions[i].execution_status not in SUCCEEDED}
    workspace = world.workspaces[plan.workspace_id]
    remaining = plan.steps[step_execution.index:]
    planned = sum(len(s.task_ids) for s in remaining) - (len(plan.steps[step_execution.index].task_ids) - len(only)
                                                         if only is not None else 0)
    prun = PlanExecution(world.ids.uuid(), plan.id, workspace.id, workspace.environment_id, principal, at, "MANUAL",
                   planned, started=at, rerun_of=previous.id)
    world.plan_executions[prun.id] = prun
    _start_step(world, prun, plan, step_execution.index, at, only)
    world.settle(at)
    return prun


def done_runs(world: "World", prun: PlanExecution) -> list[TaskExecution]:
    return [world.executions[i] for i in prun.child_run_ids() if world.executions[i].terminal]
