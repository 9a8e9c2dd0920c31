"""GET /orchestration/environments: a bare array of EnvironmentInfo, in creation order."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context, serialize
from ..filters import fiql_filter

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
    keep = fiql_filter(FIELDS)
    world = context.world()
    return jsonify([serialize.environment_info(env) for env in world.environments.values() if keep(env)])
