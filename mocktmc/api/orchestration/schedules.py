"""Schedules (up to 15 named triggers), their triggers and events, and their links to tasks and plans."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..visibility import viewable_ids
from ...domain import access
from ...domain.executables import plans
from ...domain.scheduling import schedules, streams
from ...domain.common.paging import paginate
from ...domain.common.timeutil import to_iso
from ...errors import BadRequest, NotFound
from .events import window

bp = Blueprint("orchestration_schedules", __name__)
SCHEDULE = "/orchestration/schedules/<scheduleId>"


@bp.get("/orchestration/schedules")
def list_schedules():
    world = context.world()
    offset, limit = params.page_bounds()
    environment_id = params.text("environmentId")
    only_bound = params.choice("onlyBound", ("true", "false"), ignore_case=True) == "true"
    pattern = params.text("descriptionFilter")
    try:
        matcher = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise BadRequest(f"Query parameter 'descriptionFilter' is not a valid regular expression: {exc}") from None
    found = [s for s in world.schedules.values()
             if (environment_id is None or s.environment_id == environment_id)
             and (not only_bound or s.executable_id) and (matcher is None or matcher.search(s.description))]
    viewable = viewable_ids()
    if viewable is not None:  # only the schedules the caller may VIEW, before paging so the total counts them
        found = [s for s in found if access.sees_schedule(world, viewable, s.id)]
    return jsonify(serialize.page(paginate(found, offset, limit), serialize.schedule))


@bp.post("/orchestration/schedules")
def create_schedule():
    body = bodies.json_object()
    created = schedules.create_schedule(context.world(), context.now(),
                                        environment_id=bodies.required_string(body, "environmentId"),
                                        trigger=bodies.required_mapping(body, "trigger"),
                                        description=bodies.string(body, "description") or "")
    return jsonify({"id": created.id}), 201


@bp.get(SCHEDULE)
def get_schedule(scheduleId: str):
    return jsonify(serialize.schedule(schedules.schedule(context.world(), scheduleId)))


@bp.post(SCHEDULE)
def clone_schedule(scheduleId: str):
    body = bodies.json_object()
    copy = schedules.clone_schedule(context.world(), scheduleId, bodies.string(body, "description"))
    return jsonify({"id": copy.id}), 201


@bp.patch(SCHEDULE)
def describe_schedule(scheduleId: str):
    body = bodies.json_object()
    schedules.describe(context.world(), scheduleId, bodies.string(body, "description") or "")
    return "", 204


@bp.delete(SCHEDULE)
def delete_schedule(scheduleId: str):
    schedules.delete_schedule(context.world(), scheduleId)
    return "", 204


def _trigger_body() -> dict:
    return bodies.json_object()


@bp.post(SCHEDULE + "/triggers")
def append_trigger(scheduleId: str):
    schedules.append_trigger(context.world(), scheduleId, _trigger_body(), context.now())
    return "", 200


@bp.put(SCHEDULE + "/triggers")
def update_trigger(scheduleId: str):
    schedules.update_trigger(context.world(), scheduleId, _trigger_body(), context.now())
    return "", 200


@bp.delete(SCHEDULE + "/triggers")
def delete_trigger(scheduleId: str):
    name = params.text("name")
    if not name:
        raise BadRequest("Query parameter 'name' is required")
    schedules.delete_trigger(context.world(), scheduleId, name)
    return "", 204


@bp.get(SCHEDULE + "/events")
def simulate(scheduleId: str):
    offset, limit = params.page_bounds()
    start, end = window()
    events = schedules.simulate(context.world(), scheduleId, start, end, schedules.SIMULATION_CAP)
    # A bare array, as published; offset and limit still apply to it.
    return jsonify([{"datetime": to_iso(at), "sourceTriggerName": name} for at, name in events[offset:offset + limit]])


# The published paths name their parameter taskId or planId; routing each as published keeps the
# contract checks on them.
TASK_SCHEDULE = "/orchestration/executables/tasks/<taskId>/schedule"
PLAN_SCHEDULE = "/orchestration/executables/plans/<planId>/schedule"


def _executable(ids: dict):
    world = context.world()
    if "taskId" in ids:
        return world.task(ids["taskId"]), "TASK"
    return plans.plan(world, ids["planId"]), "PLAN"


@bp.get(TASK_SCHEDULE)
@bp.get(PLAN_SCHEDULE)
def get_linked_schedule(**ids: str):
    executable, _ = _executable(ids)
    linked = streams.linked_schedule(context.world(), executable.id)
    if linked is None:
        raise NotFound(f"No schedule is associated with {executable.name!r}")
    return jsonify(serialize.schedule(linked))


@bp.put(TASK_SCHEDULE)
@bp.put(PLAN_SCHEDULE)
def link_schedule(**ids: str):
    body = bodies.json_object()
    executable, kind = _executable(ids)
    schedules.link_executable(context.world(), bodies.required_string(body, "scheduleId"), executable, kind,
                              context.now(), context.principal())
    return "", 200


@bp.delete(TASK_SCHEDULE)
@bp.delete(PLAN_SCHEDULE)
def unlink_schedule(**ids: str):
    schedules.unlink_executable(context.world(), _executable(ids)[0])
    return "", 204
