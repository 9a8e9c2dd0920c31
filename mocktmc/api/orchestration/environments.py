"""Environments: list (a bare array of EnvironmentInfo, in creation order), create, update, delete."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, serialize
from ..filters import fiql_filter
from ..visibility import environment_visible
from ...domain.definitions import environments

bp = Blueprint("orchestration_environments", __name__)

FIELDS = {
    "id": lambda env: env.id,
    "name": lambda env: env.name,
    "description": lambda env: env.description,
    "default": lambda env: env.default,
    "maxCloudContainers": lambda env: env.max_cloud_containers,
}


@bp.get("/orchestration/environments")
def list_environments():
    keep, visible = fiql_filter(FIELDS), environment_visible()
    world = context.world()
    return jsonify([serialize.environment_info(env) for env in world.environments.values()
                    if visible(env.id) and keep(env)])


@bp.post("/orchestration/environments")
def create_environment():
    body = bodies.json_object()
    env = environments.create_environment(
        context.world(), context.now(), name=bodies.required_string(body, "name"),
        workspace_name=bodies.required_string(body, "workspaceName"),
        description=bodies.string(body, "description") or "",
        max_cloud_containers=bodies.integer(body, "maxCloudContainers") or 0, owner=bodies.string(body, "owner"))
    return jsonify(serialize.environment_info(env)), 201


@bp.put("/orchestration/environments/<Id>")
def update_environment(Id: str):
    body = bodies.json_object()
    environments.update_environment(context.world(), Id, name=bodies.required_string(body, "name"),
                                     description=bodies.string(body, "description") or "",
                                     max_cloud_containers=bodies.integer(body, "maxCloudContainers") or 0)
    return "", 204


@bp.delete("/orchestration/environments/<Id>")
def delete_environment(Id: str):
    environments.delete_environment(context.world(), Id)
    return "", 204
