"""Plans: steps of tasks run in order, each with a condition to go on and an error handler."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from ...errors import BadRequest, Conflict
from ..common.lookups import find
from ..model.definitions import Principal
from ..model.executables import Plan, Step
from ..scheduling.scheduler import arm
from ..scheduling.schedules import unlink
from ..scheduling.triggers import check_trigger
from ..world import World
from .pausing import set_pause

STEP_CONDITIONS = ("ALL_SUCCEEDED", "AT_LEAST_ONE_SUCCEEDED", "ALWAYS_PROCEED_ON")


def plan(world: "World", plan_id: str) -> Plan:
    return find(world.plans, plan_id, "Plan")


def _ids(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        raise BadRequest(f"{where} must be an array of ids")
    return list(raw)


def _steps(world: "World", workspace_id: str, raw: Any, plan_id: str | None) -> list[Step]:
    """Steps as sent, checked: their tasks (and handler plans) belong to the plan's workspace."""
    if not isinstance(raw, list) or not raw:
        raise BadRequest("A plan needs at least one step")
    steps = []
    for i, item in enumerate(raw):
        where = f"steps[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise BadRequest(f"{where}.name is required")
        condition = item.get("condition")
        if condition not in STEP_CONDITIONS:
            raise BadRequest(f"{where}.condition must be one of {', '.join(STEP_CONDITIONS)}, got {condition!r}")
        task_ids = _ids(item.get("taskIds"), f"{where}.taskIds")
        if not task_ids:
            raise BadRequest(f"{where}.taskIds needs at least one task")
        handler = item.get("handlerOnFailure") or {}
        if not isinstance(handler, Mapping):
            raise BadRequest(f"{where}.handlerOnFailure must be an object")
        handler_tasks = _ids(handler.get("taskIds", []), f"{where}.handlerOnFailure.taskIds")
        handler_plans = _ids(handler.get("planIds", []), f"{where}.handlerOnFailure.planIds")
        for task_id in task_ids + handler_tasks:
            task = world.tasks.get(task_id)
            if task is None or task.workspace_id != workspace_id:
                raise BadRequest(f"{where}: task {task_id} does not exist in the plan's workspace")
        for other in handler_plans:
            found = world.plans.get(other)
            if found is None or found.workspace_id != workspace_id or other == plan_id:
                raise BadRequest(f"{where}: error handler plan {other} does not exist in the plan's workspace")
        steps.append(Step(item.get("id") or world.ids.uuid(), item["name"], task_ids, condition, handler_tasks,
                          str(item.get("note") or ""), handler_plans))
    return steps


def _checked(world: "World", name: str, workspace_id: str) -> None:
    if not name.strip():
        raise BadRequest("The plan name must not be empty")
    if workspace_id not in world.workspaces:
        raise BadRequest(f"Workspace {workspace_id} does not exist")


def create_plan(world: "World", at: datetime, principal: "Principal", *, name: str, workspace_id: str,
                description: str, steps: Any) -> Plan:
    _checked(world, name, workspace_id)
    author = world.users.get(principal.user_id)
    created = Plan(world.ids.uuid(), name, workspace_id, _steps(world, workspace_id, steps, None), description,
                   author.login if author else principal.user_id, at, at, principal.user_type)
    world.plans[created.id] = created
    return created


def replace_plan(world: "World", plan_id: str, at: datetime, *, name: str, workspace_id: str, description: str,
                 steps: Any) -> Plan:
    """PUT: the plan's steps and fields are replaced; it may move to a workspace of its environment."""
    found = plan(world, plan_id)
    _checked(world, name, workspace_id)
    if world.workspaces[workspace_id].environment_id != world.workspaces[found.workspace_id].environment_id:
        raise BadRequest("A plan can only move to a workspace of its own environment")
    found.steps = _steps(world, workspace_id, steps, found.id)
    found.name, found.workspace_id, found.description, found.updated = name, workspace_id, description, at
    return found


def delete_plan(world: "World", plan_id: str) -> None:
    """Refused (409) while another plan uses it as an error handler."""
    found = plan(world, plan_id)
    users = [other.name for other in world.plans.values()
             if any(found.id in step.on_failure_plan_ids for step in other.steps)]
    if users:
        raise Conflict(f"Plan {found.name!r} is the error handler of plan(s) {', '.join(users)}")
    unlink(world, found.id)
    del world.plans[found.id]
    arm(world, found.id)


def change_pause(world: "World", plan_id: str, at: datetime, principal: "Principal", *, pause: bool,
                 context: str = "") -> bool:
    return set_pause(plan(world, plan_id), at, principal, pause, context)


def configure_run(world: "World", plan_id: str, trigger: Mapping[str, Any], parallel_execution_allowed: bool,
                  by: "Principal | None" = None) -> Plan:
    found = plan(world, plan_id)
    checked = check_trigger(trigger, today=world.now.date())
    unlink(world, found.id)  # a trigger of its own replaces a linked schedule
    found.trigger, found.parallel_execution_allowed, found.scheduled_by = checked, parallel_execution_allowed, by
    arm(world, found.id)
    return found


def stop_schedule(world: "World", plan_id: str) -> None:
    unlink(world, plan_id)
    plan(world, plan_id).trigger = None
    arm(world, plan_id)


def plans_using_task(world: "World", task_id: str) -> list[Plan]:
    return [p for p in world.plans.values()
            if any(task_id in step.task_ids or task_id in step.on_failure_task_ids for step in p.steps)]
