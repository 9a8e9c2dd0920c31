"""Remote engines: the customer-hosted runtimes a task's run configuration can name.

An engine is created unpaired with a pre-authorized key; the engine software pairs itself with that
key (the mock's fixtures and control plane stand in for it). Unpairing makes it unavailable again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from ...errors import BadRequest, Conflict, NotFound
from ..common.lookups import find
from ..definitions.environments import environment, workspace
from ..model.definitions import REDACTED
from ..model.runtimes import RUN_PROFILE_TYPES, Pairable, RemoteEngine
from ..world import World
from .run_profiles import remove_profiles
from .usage import refuse_while_a_runtime


def remote_engine(world: "World", engine_id: str) -> RemoteEngine:
    return find(world.remote_engines, engine_id, "Remote engine")


def _run_profiles(values: Iterable[object] | None) -> list[str]:
    if values is None:
        return list(RUN_PROFILE_TYPES)
    out: list[str] = []
    for value in values:
        if value not in RUN_PROFILE_TYPES:
            raise BadRequest(f"runProfiles items must be one of {', '.join(RUN_PROFILE_TYPES)}, got {value!r}")
        if value not in out:
            out.append(value)
    return out


def check_placement(world: "World", siblings: Iterable, label: str, name: str, environment_id: str,
                    workspace_id: str | None) -> None:
    """A new engine or cluster: a name unique (any case) among its kind in the environment, in an
    existing environment and, if given, a workspace of it. Every failure is a 400 (the creates publish
    no 409)."""
    if not name.strip():
        raise BadRequest(f"The {label} name must not be empty")
    try:
        environment(world, environment_id)
        ws = workspace(world, workspace_id) if workspace_id is not None else None
    except NotFound as missing:  # a missing reference in a body is a bad request, not a missing page
        raise BadRequest(missing.detail) from None
    if ws is not None and ws.environment_id != environment_id:
        raise BadRequest(f"Workspace {ws.id} is not in environment {environment_id}")
    if any(e.name.lower() == name.lower() and e.environment_id == environment_id for e in siblings):
        raise BadRequest(f"A {label} named {name!r} already exists in this environment")


def create_remote_engine(world: "World", at: datetime, *, name: str, environment_id: str,
                         workspace_id: str | None = None, description: str | None = None,
                         run_profiles: list[object] | None = None, debug_host: str | None = None,
                         esb_compatibility_version: str | None = None, paired: bool = False) -> RemoteEngine:
    check_placement(world, world.remote_engines.values(), "remote engine", name, environment_id, workspace_id)
    engine = RemoteEngine(world.ids.hex24(), name, environment_id, world.ids.hex24(), world.ids.uuid(),
                          workspace_id, description or "", paired, at, at, run_profiles=_run_profiles(run_profiles),
                          debug_host=debug_host, esb_compatibility_version=esb_compatibility_version)
    world.remote_engines[engine.id] = engine
    return engine


def delete_remote_engine(world: "World", engine_id: str) -> None:
    engine = remote_engine(world, engine_id)
    refuse_while_a_runtime(world, "REMOTE_ENGINE", engine.id, f"Remote engine {engine.name!r}")
    if engine.cluster_id is not None:
        raise Conflict(f"Remote engine {engine.name!r} is in a cluster; remove it from the cluster first")
    remove_profiles(world, engine.id)  # profiles live and die with their engine
    del world.remote_engines[engine.id]


def unpair(engine: Pairable, at: datetime) -> Pairable:
    """Unpairing an engine that is not paired changes nothing (the DELETE is idempotent)."""
    if engine.paired:
        engine.paired, engine.updated = False, at
    return engine


def engine_with_key(world: "World", key: str) -> Pairable | None:
    """The remote or pipeline engine created with this pre-authorized key."""
    if key == REDACTED:  # the key of an engine restored from a snapshot without secrets: left out, not this
        return None
    candidates = [*world.remote_engines.values(), *world.pipeline_engines.values()]
    return next((e for e in candidates if e.pre_authorized_key == key), None)


def pair(engine: Pairable, at: datetime) -> Pairable:
    """What the engine software does with its pre-authorized key; pairing a paired engine changes nothing."""
    if not engine.paired:
        engine.paired, engine.updated = True, at
    return engine


def set_debug(world: "World", engine_id: str, at: datetime, *, host: str | None, on: bool | None) -> RemoteEngine:
    """Debug mode on needs the host a debugger attaches to; off forgets it."""
    engine = remote_engine(world, engine_id)
    if on is False:
        engine.debug_host = None
    else:
        if not host:
            raise BadRequest("Field 'host' is required to turn debug mode on")
        engine.debug_host = host
    engine.updated = at
    return engine
