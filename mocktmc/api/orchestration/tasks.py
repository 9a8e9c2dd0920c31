"""Task definitions: the list (also served at /processing/executables/tasks, which real clients
call although Processing does not publish it) and one task."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context, params, serialize
from ...domain.paging import paginate
from ...domain.tasks import RUNTIME_TYPES

bp = Blueprint("orchestration_tasks", __name__)


@bp.get("/orchestration/executables/tasks")
@bp.get("/processing/executables/tasks")
def list_tasks():
    world = context.world()
    offset, limit = params.page_bounds()
    environment_id, workspace_id = params.text("environmentId"), params.text("workspaceId")
    name = (params.text("name") or "").lower()
    artifact_id, runtime_id = params.text("artifactId"), params.text("runtimeId")
    runtime_type = params.choice("runtimeType", RUNTIME_TYPES)
    run_profile_id = params.text("runtimeRunProfileId")

    def keep(task) -> bool:
        ws = world.workspaces[task.workspace_id]
        return ((environment_id is None or ws.environment_id == environment_id)
                and (workspace_id is None or ws.id == workspace_id)
                and name in task.name.lower()
                and (artifact_id is None or task.artifact_id == artifact_id)
                and (runtime_type is None or task.runtime.type == runtime_type)
                and (runtime_id is None or task.runtime.id == runtime_id)
                and (run_profile_id is None or task.runtime.run_profile_id == run_profile_id))

    tasks = [task for task in world.tasks.values() if keep(task)]
    return jsonify(serialize.page(paginate(tasks, offset, limit), lambda t: serialize.task_extract(t, world)))


@bp.get("/orchestration/executables/tasks/<taskId>")
def get_task(taskId: str):
    world = context.world()
    return jsonify(serialize.task_v21(world.task(taskId), world))
