"""Tasks: the list (also served at /processing/executables/tasks, which real clients call although
Processing does not publish it), search, create, get, full replace, upgrade, delete, pause."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..visibility import viewable
from ...domain.executables import tasks
from ...domain.common.paging import paginate
from ...domain.model.executables import RUNTIME_TYPES
from ...domain.executables.tasks import TaskDefinition, TaskFilter
from ...errors import BadRequest

bp = Blueprint("orchestration_tasks", __name__)

TRIGGER_TYPES = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "WEBHOOK", "MANUAL", "CRON", "MULTIPLE")


def _page_of(found: list, offset: int, limit: int):
    """A page of the tasks found in the workspaces the caller may VIEW."""
    world, visible = context.world(), viewable()
    found = [task for task in found if visible(task.workspace_id)]
    return jsonify(serialize.page(paginate(found, offset, limit), lambda t: serialize.task_extract(t, world)))


@bp.get("/orchestration/executables/tasks")
@bp.get("/processing/executables/tasks")
def list_tasks():
    offset, limit = params.page_bounds()
    wanted = TaskFilter(environment_id=params.text("environmentId"), workspace_id=params.text("workspaceId"),
                        name=params.text("name"), artifact_id=params.text("artifactId"),
                        runtime_type=params.choice("runtimeType", RUNTIME_TYPES), runtime_id=params.text("runtimeId"),
                        run_profile_id=params.text("runtimeRunProfileId"))
    return _page_of(tasks.select_tasks(context.world(), wanted), offset, limit)


def _choice_any_case(value: str | None, name: str, values: tuple[str, ...]) -> str | None:
    """The search's runtimeType and triggerType are free strings in any case (the examples use lower case)."""
    if value is None:
        return None
    if value.upper() not in values:
        raise BadRequest(f"Field {name!r} must be one of {', '.join(values)} (any case), got {value!r}")
    return value.upper()


@bp.post("/orchestration/executables/tasks/search")
def search_tasks():
    body = bodies.json_object()
    if body.get("environmentId") and body.get("workspaceId"):
        raise BadRequest("environmentId and workspaceId are exclusive: send one of them")
    limit, offset = bodies.integer(body, "limit"), bodies.integer(body, "offset")
    limit, offset = (100 if limit is None else limit), (offset or 0)
    if not 0 <= limit <= 100 or offset < 0:
        raise BadRequest(f"limit must be in [0, 100] and offset >= 0, got limit {limit}, offset {offset}")
    wanted = TaskFilter(
        environment_id=bodies.string(body, "environmentId"), workspace_id=bodies.string(body, "workspaceId"),
        name=bodies.string(body, "name"), artifact_id=bodies.string(body, "artifactId"),
        runtime_type=_choice_any_case(bodies.string(body, "runtimeType"), "runtimeType", RUNTIME_TYPES),
        runtime_id=bodies.string(body, "runtimeId"), run_profile_id=bodies.string(body, "runtimeRunProfileId"),
        tags=tuple(bodies.strings(body, "tags")),
        trigger_type=_choice_any_case(bodies.string(body, "triggerType"), "triggerType", TRIGGER_TYPES))
    return _page_of(tasks.select_tasks(context.world(), wanted), offset, limit)


def _definition(body: dict) -> TaskDefinition:
    artifact = bodies.mapping(body, "artifact") or {}
    artifact_id, version = bodies.string(artifact, "id"), bodies.string(artifact, "version")
    if not artifact_id or not version:
        raise BadRequest("Field 'artifact' needs 'id' and 'version'")
    upgrade = bodies.mapping(body, "autoUpgradeInfo") or {}
    return TaskDefinition(
        workspace_id=bodies.required_string(body, "workspaceId"), name=bodies.required_string(body, "name"),
        artifact_id=artifact_id, artifact_version=version, description=bodies.string(body, "description") or "",
        tags=tuple(bodies.strings(body, "tags")), connections=bodies.mapping(body, "connections"),
        parameters=bodies.mapping(body, "parameters"), resources=bodies.mapping(body, "resources"),
        auto_upgradable=bool(bodies.boolean(upgrade, "autoUpgradable")),
        override_with_default_parameters=bool(bodies.boolean(upgrade, "overrideWithDefaultParameters")))


@bp.post("/orchestration/executables/tasks")
def create_task():
    body = bodies.json_object()
    world = context.world()
    task = tasks.create_task(world, bodies.required_string(body, "environmentId"), _definition(body), context.now())
    return jsonify(serialize.task_v21(task, world)), 201


@bp.get("/orchestration/executables/tasks/<taskId>")
def get_task(taskId: str):
    world = context.world()
    return jsonify(serialize.task_v21(world.task(taskId), world))


@bp.put("/orchestration/executables/tasks/<taskId>")
def replace_task(taskId: str):
    # id and version are not fields of the request: sending them is a 400, as TMC answers.
    body = bodies.json_object()
    world = context.world()
    return jsonify(serialize.task_v21(tasks.replace_task(world, taskId, _definition(body)), world))


@bp.patch("/orchestration/executables/tasks/<taskId>")
def patch_task(taskId: str):
    body = bodies.json_object()
    tasks.upgrade_task(context.world(), taskId, latest_artifact=bool(bodies.boolean(body, "latestArtifact")))
    return "", 204


@bp.delete("/orchestration/executables/tasks/<taskId>")
def delete_task(taskId: str):
    tasks.delete_task(context.world(), taskId)
    return "", 204


@bp.put("/orchestration/executables/tasks/<taskId>/pause")
def pause_task(taskId: str):
    # user and pauseDate are read-only: accepted and ignored, the mock records who and when.
    body = bodies.json_object()
    pause = bodies.boolean(body, "pause")
    changed = tasks.change_pause(context.world(), taskId, context.now(), context.principal(), pause=bool(pause),
                                 context=bodies.string(body, "pauseContext") or "")
    return "", 202 if changed else 204
