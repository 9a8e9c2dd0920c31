"""Run profiles: named JVM settings a remote engine runs a task with (one per engine, per type).

A profile belongs to its engine (processor RE, scope the engine). Tasks name a profile in their
runtime; deleting a profile they use moves them to a replacement, or is refused without one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .engines import RUN_PROFILE_TYPES, remote_engine
from ..errors import BadRequest, Conflict, NotFound

if TYPE_CHECKING:
    from .world import World


@dataclass
class RunProfile:
    id: str
    name: str
    type: str
    engine_id: str
    runtime_id: str
    description: str = ""
    jvm_arguments: list[str] = field(default_factory=list)
    version: int = 1
    created: datetime | None = None
    updated: datetime | None = None


def engine_profiles(world: "World", engine_id: str, type_: str | None = None) -> list[RunProfile]:
    engine = remote_engine(world, engine_id)
    return [p for p in world.run_profiles.values()
            if p.engine_id == engine.id and (type_ is None or p.type == type_)]


def engine_profile(world: "World", engine_id: str, profile_id: str) -> RunProfile:
    engine = remote_engine(world, engine_id)
    found = world.run_profiles.get(profile_id)
    if found is None or found.engine_id != engine.id:
        raise NotFound(f"Run profile {profile_id} not found on remote engine {engine.id}")
    return found


def _name(value: str | None) -> str:
    if value is None or not value.strip():
        raise BadRequest("The run profile name must not be empty")
    return value


def _jvm_arguments(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest("Field 'jvmArguments' must be an array of strings")
    return list(values)


def _unique(world: "World", engine_id: str, name: str, keep: str | None = None,
            error: type = Conflict) -> None:
    if any(p.engine_id == engine_id and p.name.lower() == name.lower() and p.id != keep
           for p in world.run_profiles.values()):
        raise error(f"A run profile named {name!r} exists on this engine")


def create_engine_profile(world: "World", engine_id: str, at: datetime, *, name: str | None, type_: str | None,
                          runtime_id: str | None, jvm_arguments: Any, description: str | None = None) -> RunProfile:
    engine = remote_engine(world, engine_id)
    name, arguments = _name(name), _jvm_arguments(jvm_arguments)
    if type_ not in RUN_PROFILE_TYPES:
        raise BadRequest(f"type must be one of {', '.join(RUN_PROFILE_TYPES)}, got {type_!r}")
    if type_ not in engine.run_profiles:
        raise BadRequest(f"Remote engine {engine.name!r} does not run {type_} profiles")
    if runtime_id != engine.runtime_id:
        raise BadRequest(f"runtimeId must be the engine's runtime id {engine.runtime_id}, got {runtime_id!r}")
    _unique(world, engine.id, name)
    profile = RunProfile(world.ids.hex24(), name, type_, engine.id, engine.runtime_id, description or "",
                         arguments, 1, at, at)
    world.run_profiles[profile.id] = profile
    return profile


def update_engine_profile(world: "World", engine_id: str, profile_id: str, at: datetime, *, name: str | None,
                          jvm_arguments: Any, description: str | None = None) -> RunProfile:
    """PUT replaces name, description and JVM arguments; each change is a new version."""
    profile = engine_profile(world, engine_id, profile_id)
    name, arguments = _name(name), _jvm_arguments(jvm_arguments)
    # The published PUT has no 409: a clashing new name is a bad request.
    _unique(world, profile.engine_id, name, keep=profile.id, error=BadRequest)
    profile.name, profile.jvm_arguments, profile.description = name, arguments, description or ""
    profile.version, profile.updated = profile.version + 1, at
    return profile


def tasks_using(world: "World", profile_id: str) -> list:
    return [t for t in world.tasks.values() if t.runtime.run_profile_id == profile_id]


def delete_engine_profile(world: "World", engine_id: str, profile_id: str, replacement_id: str | None) -> None:
    """Tasks on the profile move to the replacement (a profile of the same engine and type)."""
    profile = engine_profile(world, engine_id, profile_id)
    users = tasks_using(world, profile.id)
    replacement = None
    if replacement_id is not None:
        replacement = world.run_profiles.get(replacement_id)
        if replacement is None or replacement.engine_id != profile.engine_id or replacement.id == profile.id \
                or replacement.type != profile.type:
            raise BadRequest(f"newRunProfileId must be another {profile.type} run profile of the same engine")
    if users and replacement is None:
        raise Conflict(f"Run profile {profile.name!r} is used by task(s) {', '.join(t.name for t in users)}; "
                       "name a newRunProfileId to move them to")
    for task in users:
        task.runtime = replace(task.runtime, run_profile_id=replacement.id)
    del world.run_profiles[profile.id]


def remove_engine_profiles(world: "World", engine_id: str) -> None:
    for profile_id in [p.id for p in world.run_profiles.values() if p.engine_id == engine_id]:
        del world.run_profiles[profile_id]
