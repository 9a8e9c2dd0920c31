"""Remote engine clusters: engines of one environment that share a runtime, so a task runs on any of them.

An engine is in at most one cluster. A cluster is available while one of its engines is. When an
engine joins, tasks that ran on it move to the cluster, with a run profile chosen by the published
reschedule method.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ...errors import BadRequest, Conflict, NotFound
from ..common.lookups import find
from ..model.runtimes import Cluster, RemoteEngine
from ..world import World
from .engines import check_placement, remote_engine
from .run_profiles import copy_profile, remove_profiles
from .usage import refuse_while_a_runtime

RESCHEDULE_METHODS = ("DEFAULT", "DUPLICATE_RUN_PROFILES", "CLUSTER_RUN_PROFILE")


def cluster(world: "World", cluster_id: str) -> Cluster:
    return find(world.clusters, cluster_id, "Remote engine cluster")


def availability(world: "World", found: Cluster) -> str:
    members = [world.remote_engines[e] for e in found.engine_ids]
    return "AVAILABLE" if any(e.availability == "AVAILABLE" for e in members) else "NOT_AVAILABLE"


def _joinable(world: "World", found: Cluster, engine: RemoteEngine) -> None:
    if engine.environment_id != found.environment_id:
        raise BadRequest(f"Remote engine {engine.name!r} is not in the cluster's environment")
    if engine.cluster_id is not None:
        raise Conflict(f"Remote engine {engine.name!r} is already in cluster {engine.cluster_id}")


def create_cluster(world: "World", at: datetime, *, name: str, environment_id: str, workspace_id: str,
                   description: str, engine_ids: list[object]) -> Cluster:
    check_placement(world, world.clusters.values(), "cluster", name, environment_id, workspace_id)
    member_ids = [e for e in engine_ids if isinstance(e, str)]
    if len(member_ids) != len(engine_ids):
        raise BadRequest("remoteEngines must be engine ids (strings)")
    try:
        # An engine listed twice joins once.
        members = list({e: remote_engine(world, e) for e in member_ids}.values())
    except NotFound as missing:  # a reference in a body that does not exist is a bad request
        raise BadRequest(missing.detail) from None
    found = Cluster(world.ids.hex24(), name, environment_id, workspace_id, world.ids.hex24(), description,
                    created=at, updated=at)
    for engine in members:
        try:
            _joinable(world, found, engine)
        except Conflict as clash:  # the published create has no 409
            raise BadRequest(clash.detail) from None
    for engine in members:
        _join(world, found, engine, "DEFAULT", None, at)
    world.clusters[found.id] = found
    return found


def _join(world: "World", found: Cluster, engine: RemoteEngine, method: str, profile_id: str | None,
          at: datetime) -> None:
    """Tasks that ran on the engine run on the cluster from now on."""
    movers = [t for t in world.tasks.values() if t.runtime.type == "REMOTE_ENGINE" and t.runtime.id == engine.id]
    if method == "DUPLICATE_RUN_PROFILES":  # check every copy before changing anything
        for source in {world.run_profiles[t.runtime.run_profile_id].id: world.run_profiles[t.runtime.run_profile_id]
                       for t in movers if t.runtime.run_profile_id}.values():
            if any(p.owner_id == found.id and p.name.lower() == source.name.lower() and p.type != source.type
                   for p in world.run_profiles.values()):
                raise Conflict(f"The cluster has a run profile named {source.name!r} of another type")
    for task in movers:
        if method == "CLUSTER_RUN_PROFILE":
            new_profile = profile_id
        elif method == "DUPLICATE_RUN_PROFILES" and task.runtime.run_profile_id:
            new_profile = copy_profile(world, world.run_profiles[task.runtime.run_profile_id], found, at).id
        else:
            new_profile = None  # the cluster's default profile
        task.runtime = replace(task.runtime, type="REMOTE_ENGINE_CLUSTER", id=found.id, run_profile_id=new_profile)
    found.engine_ids.append(engine.id)
    engine.cluster_id, engine.updated, found.updated = found.id, at, at


def add_engine(world: "World", cluster_id: str, engine_id: str, at: datetime, *, method: str,
               profile_id: str | None) -> None:
    found, engine = cluster(world, cluster_id), remote_engine(world, engine_id)
    if method not in RESCHEDULE_METHODS:
        raise BadRequest(f"method must be one of {', '.join(RESCHEDULE_METHODS)}, got {method!r}")
    if method == "CLUSTER_RUN_PROFILE":
        target = world.run_profiles.get(profile_id or "")
        if target is None or target.owner_id != found.id:
            raise BadRequest(f"runProfileId must be a run profile of cluster {found.id}, got {profile_id!r}")
    _joinable(world, found, engine)
    _join(world, found, engine, method, profile_id, at)


def remove_engine(world: "World", cluster_id: str, engine_id: str, at: datetime) -> None:
    found, engine = cluster(world, cluster_id), remote_engine(world, engine_id)
    if engine.id not in found.engine_ids:
        raise NotFound(f"Remote engine {engine.id} is not in cluster {found.id}")
    found.engine_ids.remove(engine.id)
    engine.cluster_id, engine.updated, found.updated = None, at, at


def delete_cluster(world: "World", cluster_id: str) -> None:
    """The engines leave the cluster and stay. Refused (400: the published delete has no 409) while tasks run on it."""
    found = cluster(world, cluster_id)
    refuse_while_a_runtime(world, "REMOTE_ENGINE_CLUSTER", found.id, f"Cluster {found.name!r}", BadRequest)
    for engine_id in found.engine_ids:
        world.remote_engines[engine_id].cluster_id = None
    remove_profiles(world, found.id)
    del world.clusters[found.id]
