"""Remote engine clusters: list (FIQL `_s`), create, get, delete, add and remove engines, run profiles."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, serialize
from ..filters import fiql_filter, runtime_fields
from ..run_profile_routes import profile_routes
from ...domain.runtimes import clusters
from ...errors import BadRequest

bp = Blueprint("processing_clusters", __name__)
CLUSTERS = "/processing/runtimes/remote-engine-clusters"
CLUSTER = CLUSTERS + "/<clusterId>"


def _fields(world):
    return {**runtime_fields(world), "availability": lambda c: clusters.availability(world, c)}


@bp.get(CLUSTERS)
def list_clusters():
    world = context.world()
    keep = fiql_filter(_fields(world))
    return jsonify([serialize.cluster(c, world, with_engines=False) for c in world.clusters.values() if keep(c)])


@bp.post(CLUSTERS)
def create_cluster():
    body = bodies.json_object()
    members = body["remoteEngines"]
    if not isinstance(members, list):
        raise BadRequest("Field 'remoteEngines' must be an array of engine ids")
    world = context.world()
    found = clusters.create_cluster(world, context.now(), name=bodies.required_string(body, "name"),
                                    environment_id=bodies.required_string(body, "environmentId"),
                                    workspace_id=bodies.required_string(body, "workspaceId"),
                                    description=bodies.required_string(body, "description"), engine_ids=members)
    return jsonify(serialize.cluster(found, world)), 201


@bp.get(CLUSTER)
def get_cluster(clusterId: str):
    world = context.world()
    return jsonify(serialize.cluster(clusters.cluster(world, clusterId), world))


@bp.delete(CLUSTER)
def delete_cluster(clusterId: str):
    clusters.delete_cluster(context.world(), clusterId)
    return "", 204


@bp.put(CLUSTER + "/engines/<engineId>")
def add_engine(clusterId: str, engineId: str):
    world = context.world()
    clusters.cluster(world, clusterId)  # 404s first, then the body
    body = bodies.json_object()
    clusters.add_engine(world, clusterId, engineId, context.now(),
                        method=bodies.required_choice(body, "method", clusters.RESCHEDULE_METHODS),
                        profile_id=bodies.string(body, "runProfileId"))
    return "", 204


@bp.delete(CLUSTER + "/engines/<engineId>")
def remove_engine(clusterId: str, engineId: str):
    clusters.remove_engine(context.world(), clusterId, engineId, context.now())
    return "", 204


# Clusters publish no 409 on delete: a profile in use without a replacement is a 400.
profile_routes(bp, CLUSTER, "clusterId", clusters.cluster, replacement_parameter="runProfileId",
               deleted_status=204, in_use=BadRequest)
