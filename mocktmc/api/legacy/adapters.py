"""Where a legacy operation's answer differs from its 2021-03 counterpart's, the difference.

An adapter is called with `call` (which runs the 2021-03 handler) and the handler's path
arguments; it returns the legacy answer.
"""
from __future__ import annotations

from typing import Callable

from flask import Response, jsonify, make_response
from flask.typing import ResponseReturnValue

from .. import context, params
from ..processing.executions import refuse_unless_text_accepted
from ...domain.executions import plan_executions as plan_executions
from ...domain.executables.tasks import delete_task_terminating_runs
from ...domain.executions.task_executions import nothing_to_terminate
from ...domain.common.timeutil import to_iso

Call = Callable[[], ResponseReturnValue]


def terminate(call: Call, executionId: str) -> ResponseReturnValue:
    """DELETE /executions/{id} on a run that has ended: 200 with a text saying there is nothing to do
    and naming the run's status (v2.6 publishes a text/plain 200; 2021-03 answers 400 instead)."""
    refuse_unless_text_accepted()
    reason = nothing_to_terminate(context.world().execution(executionId))
    if reason:
        return Response(reason, 200, mimetype="text/plain")
    return call()


def delete_task(call: Call, taskId: str) -> ResponseReturnValue:
    """v2.6 `terminateExecutions=true` deletes a task whose runs are going, asking them to stop."""
    if params.choice("terminateExecutions", ("true", "false"), ignore_case=True) != "true":
        return call()
    delete_task_terminating_runs(context.world(), taskId, context.principal(), context.now())
    return "", 204


def step_as_plan_status(call: Call, planExecutionId: str, stepExecutionId: str) -> ResponseReturnValue:
    """A plan step's run (or its error handler's) in v2.6's layout, PlanExecutionStatus: the step's id as
    `executionId`, the plan's id and who ran it, and the finished task runs as `doneExecutableDetails`."""
    answer = make_response(call())
    if answer.status_code != 200:
        return answer
    step = answer.get_json()
    prun = plan_executions.plan_execution(context.world(), planExecutionId)
    reshaped = {"executionId": step["id"], "planId": prun.plan_id, "userId": prun.principal.user_id,
                "userType": prun.principal.user_type, "executionStatus": step["executionStatus"],
                # a step that has not started yet reads the plan run's start (v2.6 requires one)
                "startTimestamp": step.get("startTimestamp") or to_iso(prun.started or prun.triggered),
                "finishTimestamp": step.get("finishTimestamp"),
                "plannedExecutableCount": step["plannedExecutableCount"],
                "doneExecutableCount": step["doneExecutableCount"],
                "doneExecutableDetails": step.get("doneTaskExecutableDetails", [])}
    return jsonify({k: v for k, v in reshaped.items() if v is not None})


def v1_list(call: Call) -> ResponseReturnValue:
    """GET /tmc/v1.x/executables and .../plans: the service answers the page's items as a bare array
    (quirk legacy_v1_bare_arrays); mocktmc's documented reconstruction keeps the v2.x page."""
    answer = make_response(call())
    if answer.status_code != 200 or not context.quirk("legacy_v1_bare_arrays"):
        return answer
    return jsonify(answer.get_json()["items"])


ADAPTERS: dict[str, Callable[..., ResponseReturnValue]] = {
    "terminate": terminate, "delete_task": delete_task, "step_as_plan_status": step_as_plan_status,
    "v1_list": v1_list}
