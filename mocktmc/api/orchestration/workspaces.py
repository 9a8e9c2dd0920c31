"""GET /orchestration/workspaces: a bare array of WorkspaceInfo, in creation order."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context, serialize
from ..filters import fiql_filter

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
    keep = fiql_filter(_fields(world))
    return jsonify([serialize.workspace_info(ws, world) for ws in world.workspaces.values() if keep(ws)])
