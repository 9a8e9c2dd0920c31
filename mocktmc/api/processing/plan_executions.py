"""Plan runs: start (or re-run from a step), status, steps, error handlers, histories."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..visibility import viewable_ids
from ...domain.executions import plan_executions
from ...domain.model import executions as executions_model
from ...domain.executables import plans
from ...domain.executions.task_executions import history
from ...domain.common.paging import paginate
from ...errors import BadRequest, NotFound
from .executions import history_window

bp = Blueprint("processing_plan_executions", __name__)
PLAN_RUN = "/processing/executions/plans/<planExecutionId>"


@bp.post("/processing/executions/plans")
def execute_plan():
    body = bodies.json_object()
    world = context.world()
    plan = plans.plan(world, bodies.required_string(body, "executable"))
    previous, step_id = bodies.string(body, "executionPlanId"), bodies.string(body, "stepId")
    if previous:
        if not step_id:
            raise BadRequest("stepId (a step execution id of the failed run) is required to re-run a plan")
        run = plan_executions.rerun_plan(world, plan, context.principal(), context.now(), previous_id=previous,
                                   step_id=step_id, only_failed=bool(bodies.boolean(body, "rerunOnlyFailedTasks")))
    else:
        run = plan_executions.start_plan_execution(world, plan, context.principal(), context.now())
    return jsonify({"executionId": run.id}), 201


@bp.get(PLAN_RUN)
def get_plan_execution(planExecutionId: str):
    world = context.world()
    return jsonify(serialize.plan_execution_status(plan_executions.plan_execution(world, planExecutionId), world))


@bp.get(PLAN_RUN + "/steps")
def list_steps(planExecutionId: str):
    """Steps in designed order, without error handlers."""
    prun = plan_executions.plan_execution(context.world(), planExecutionId)
    return jsonify([serialize.step_execution(step, prun) for step in prun.steps])


def _step(prun, step_id: str):
    found = next((s for s in prun.steps if s.id == step_id or s.handler_id == step_id), None)
    if found is None:
        raise NotFound(f"Plan execution {prun.id} has no step execution {step_id}")
    return found


@bp.get(PLAN_RUN + "/steps/<stepExecutionId>")
def get_step(planExecutionId: str, stepExecutionId: str):
    world = context.world()
    prun = plan_executions.plan_execution(world, planExecutionId)
    step = _step(prun, stepExecutionId)
    return jsonify(serialize.step_details(world, prun, step.id, step.started, step.finished, step.run_ids,
                                          step.status))


@bp.get(PLAN_RUN + "/steps/<stepExecutionId>/error-handler")
def get_error_handler(planExecutionId: str, stepExecutionId: str):
    world = context.world()
    prun = plan_executions.plan_execution(world, planExecutionId)
    step = _step(prun, stepExecutionId)
    if step.handler_id is None:
        raise NotFound(f"Step execution {stepExecutionId} ran no error handler")
    status = executions_model.FAILED if step.handler_finished else executions_model.STARTED
    return jsonify(serialize.step_details(world, prun, step.handler_id, step.handler_started, step.handler_finished,
                                          step.handler_run_ids, status))


def _plan_history(runs):
    """A page of the plan runs of the workspaces the caller may VIEW (P21 listAvailablePlansExecutions: "List
    all plan executions the user is granted visibility on"); an administrator's are not filtered."""
    viewable = viewable_ids()
    if viewable is not None:
        runs = (r for r in runs if r.workspace_id in viewable)
    offset, limit = params.page_bounds()
    status = params.choice("status", tuple(executions_model.STATUS_FILTER))
    start, end = history_window(params.epoch_ms("from"), params.epoch_ms("to"),
                                params.integer("lastDays", minimum=1, maximum=60), limited=False)
    statuses = None if status is None else executions_model.STATUS_FILTER[status]
    selected = history(runs, execution_statuses=statuses, start=start, end=end, now=context.now(),
                       by_trigger=context.quirk("history_window_by_trigger"))
    world = context.world()
    return jsonify(serialize.page(paginate(selected, offset, limit),
                                  lambda r: serialize.plan_execution_status(r, world)))


@bp.get("/processing/executables/plans/executions")
def list_plan_executions():
    world = context.world()
    environment_id, workspace_id = params.text("environmentId"), params.text("workspaceId")
    return _plan_history(r for r in world.plan_executions.values()
                         if (environment_id is None or r.environment_id == environment_id)
                         and (workspace_id is None or r.workspace_id == workspace_id))


@bp.get("/processing/executables/plans/<planId>/executions")
def list_executions_of_plan(planId: str):
    world = context.world()
    plans.plan(world, planId)
    return _plan_history(r for r in world.plan_executions.values() if r.plan_id == planId)
