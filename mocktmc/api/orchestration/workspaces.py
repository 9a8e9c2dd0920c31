"""Workspaces: list (a bare array of WorkspaceInfo, in creation order), create, update, delete."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, serialize
from ..filters import fiql_filter
from ..visibility import workspace_visible
from ...domain.definitions import environments

bp = Blueprint("orchestration_workspaces", __name__)


def _fields(world):
    env = lambda ws: world.environments[ws.environment_id]  # noqa: E731
    return {
        "id": lambda ws: ws.id,
        "name": lambda ws: ws.name,
        "description": lambda ws: ws.description,
        "owner": lambda ws: ws.owner,
        "type": lambda ws: ws.type,
        "protectedArtifactUpdate": lambda ws: ws.protected_artifact_update,
        "environmentId": lambda ws: ws.environment_id,
        "environment.id": lambda ws: ws.environment_id,
        "environment.name": lambda ws: env(ws).name,
        "environment.default": lambda ws: env(ws).default,
    }


@bp.get("/orchestration/workspaces")
def list_workspaces():
    world = context.world()
    keep, visible = fiql_filter(_fields(world)), workspace_visible()
    return jsonify([serialize.workspace_info(ws, world) for ws in world.workspaces.values()
                    if visible(ws.id) and keep(ws)])


@bp.post("/orchestration/workspaces")
def create_workspace():
    body = bodies.json_object()
    world = context.world()
    ws = environments.create_workspace(world, context.now(), name=bodies.required_string(body, "name"),
                                       environment_id=bodies.required_string(body, "environmentId"),
                                       description=bodies.string(body, "description") or "",
                                       owner=bodies.string(body, "owner"))
    return jsonify(serialize.workspace(ws, world)), 201


@bp.put("/orchestration/workspaces/<id>")
def update_workspace(id: str):
    body = bodies.json_object()
    environments.update_workspace(context.world(), id, context.now(), name=bodies.required_string(body, "name"),
                                  description=bodies.string(body, "description") or "",
                                  owner=bodies.string(body, "owner"),
                                  protected_artifact_update=bool(bodies.boolean(body, "protectedArtifactUpdate")))
    return "", 204


@bp.delete("/orchestration/workspaces/<id>")
def delete_workspace(id: str):
    environments.delete_workspace(context.world(), id)
    return "", 204
