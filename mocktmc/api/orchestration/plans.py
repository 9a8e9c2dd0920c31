"""Plans: list, create, get (with its chart), replace, delete, pause, run configuration."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..filters import in_scope
from ...domain.executables import plans
from ...domain.common.paging import paginate

bp = Blueprint("orchestration_plans", __name__)
PLAN = "/orchestration/executables/plans/<planId>"


@bp.get("/orchestration/executables/plans")
def list_plans():
    world = context.world()
    offset, limit = params.page_bounds()
    scoped, task_id, plan_id = in_scope(world), params.text("taskId"), params.text("planId")
    using = {p.id for p in plans.plans_using_task(world, task_id)} if task_id else None
    found = [p for p in world.plans.values()
             if scoped(p) and (using is None or p.id in using) and (plan_id is None or p.id == plan_id)]
    return jsonify(serialize.page(paginate(found, offset, limit), lambda p: serialize.plan_details(p, world)))


def _request(body: dict) -> dict:
    return {"name": bodies.string(body, "name"), "workspace_id": bodies.string(body, "workspaceId"),
            "description": bodies.string(body, "description") or "", "steps": body.get("steps")}


@bp.post("/orchestration/executables/plans")
def create_plan():
    body = bodies.json_object()
    world = context.world()
    created = plans.create_plan(world, context.now(), context.principal(), **_request(body))
    return jsonify(serialize.plan(created, world)), 201


@bp.get(PLAN)
def get_plan(planId: str):
    world = context.world()
    return jsonify(serialize.plan_details(plans.plan(world, planId), world))


@bp.put(PLAN)
def replace_plan(planId: str):
    body = bodies.json_object()
    world = context.world()
    return jsonify(serialize.plan(plans.replace_plan(world, planId, context.now(), **_request(body)), world))


@bp.delete(PLAN)
def delete_plan(planId: str):
    plans.delete_plan(context.world(), planId)
    return "", 204


@bp.put(PLAN + "/pause")
def pause_plan(planId: str):
    body = bodies.json_object()
    changed = plans.change_pause(context.world(), planId, context.now(), context.principal(),
                                 pause=bool(bodies.boolean(body, "pause")),
                                 context=bodies.string(body, "pauseContext") or "")
    return "", 202 if changed else 204


@bp.get(PLAN + "/run-config")
def get_plan_run_config(planId: str):
    world = context.world()
    return jsonify(serialize.plan_run_config(plans.plan(world, planId), world))


@bp.put(PLAN + "/run-config")
def put_plan_run_config(planId: str):
    # v2.6 clients also send a `runtime`: accepted, not kept, since a plan runs each step on its task's runtime.
    body = bodies.json_object()
    bodies.mapping(body, "runtime")
    world = context.world()
    found = plans.configure_run(world, planId, bodies.required_mapping(body, "trigger"),
                                bool(bodies.boolean(body, "parallelExecutionAllowed")), context.principal())
    return jsonify(serialize.plan_run_config(found, world))


@bp.delete(PLAN + "/run-config")
def delete_plan_run_config(planId: str):
    plans.stop_schedule(context.world(), planId)
    return "", 204
