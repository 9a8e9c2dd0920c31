"""Run profiles: named JVM settings a remote engine or an engine cluster runs a task with.

A profile belongs to its owner (an engine, processor RE, or a cluster, processor REC). Tasks name a
profile in their runtime; deleting a profile they use moves them to a replacement, or is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping, Protocol, Sequence

from ...errors import BadRequest, Conflict, NotFound, TMCError
from ..common.lookups import find
from ..model.runtimes import PipelineProfile, RunProfile
from ..world import World


# Tasks name either kind in their runtime: a remote engine's or cluster's, or a pipeline engine's.
AnyProfile = RunProfile | PipelineProfile


class ProfileOwner(Protocol):
    """A remote engine or an engine cluster."""
    id: str
    name: str
    environment_id: str
    runtime_id: str
    processor_type: str  # RE | REC
    label: str  # "remote engine" | "cluster", for messages

    @property
    def profile_types(self) -> Sequence[str]: ...


def profiles_of(world: "World", owner: ProfileOwner, type_: str | None = None) -> list[RunProfile]:
    return [p for p in world.run_profiles.values()
            if p.owner_id == owner.id and (type_ is None or p.type == type_)]


def profile_of(world: "World", owner: ProfileOwner, profile_id: str) -> RunProfile:
    found = world.run_profiles.get(profile_id)
    if found is None or found.owner_id != owner.id:
        raise NotFound(f"Run profile {profile_id} not found on {owner.label} {owner.id}")
    return found


def _name(value: str | None) -> str:
    if value is None or not value.strip():
        raise BadRequest("The run profile name must not be empty")
    return value


def _jvm_arguments(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise BadRequest("Field 'jvmArguments' must be an array of strings")
    return list(values)


def _unique(world: "World", owner_id: str, name: str, keep: str | None = None,
            error: type[TMCError] = Conflict) -> None:
    if any(p.owner_id == owner_id and p.name.lower() == name.lower() and p.id != keep
           for p in world.run_profiles.values()):
        raise error(f"A run profile named {name!r} exists on this runtime")


def create_profile(world: "World", owner: ProfileOwner, at: datetime, *, name: str | None, type_: str | None,
                   runtime_id: str | None, jvm_arguments: Any, description: str | None = None) -> RunProfile:
    name, arguments = _name(name), _jvm_arguments(jvm_arguments)
    if type_ is None or type_ not in owner.profile_types:
        raise BadRequest(f"type must be one of {', '.join(owner.profile_types)} for {owner.label} "
                         f"{owner.name!r}, got {type_!r}")
    if runtime_id != owner.runtime_id:
        raise BadRequest(f"runtimeId must be the {owner.label}'s runtime id {owner.runtime_id}, got {runtime_id!r}")
    _unique(world, owner.id, name)
    profile = RunProfile(world.ids.hex24(), name, type_, owner.id, owner.processor_type, owner.runtime_id,
                         description or "", arguments, 1, at, at)
    world.run_profiles[profile.id] = profile
    return profile


def copy_profile(world: "World", source: RunProfile, owner: ProfileOwner, at: datetime) -> RunProfile:
    """The owner's profile of the same name and type, made from `source` if it has none."""
    same = next((p for p in profiles_of(world, owner, source.type) if p.name.lower() == source.name.lower()), None)
    if same is not None:
        return same
    _unique(world, owner.id, source.name)  # a same-named profile of another type cannot be merged
    return create_profile(world, owner, at, name=source.name, type_=source.type, runtime_id=owner.runtime_id,
                          jvm_arguments=source.jvm_arguments, description=source.description)


def update_profile(world: "World", profile: RunProfile, at: datetime, *, name: str | None = None,
                   jvm_arguments: Any = None, description: str | None = None,
                   name_clash: type[TMCError] = Conflict) -> RunProfile:
    """Changes what is given (None keeps a field); each update is a new version."""
    name = profile.name if name is None else _name(name)
    arguments = profile.jvm_arguments if jvm_arguments is None else _jvm_arguments(jvm_arguments)
    _unique(world, profile.owner_id, name, keep=profile.id, error=name_clash)
    profile.name, profile.jvm_arguments = name, arguments
    profile.description = profile.description if description is None else description
    profile.version, profile.updated = profile.version + 1, at
    return profile


def run_profile(world: "World", profile_id: str) -> RunProfile:
    return find(world.run_profiles, profile_id, "Run profile")


def owner_of(world: "World", profile: RunProfile) -> ProfileOwner:
    return world.remote_engines.get(profile.owner_id) or world.clusters[profile.owner_id]


def owner_by_runtime(world: "World", processor_type: str, runtime_id: str | None) -> ProfileOwner:
    """The engine (RE) or cluster (REC) a generic create names by its runtime id."""
    runtimes: dict[str, Mapping[str, ProfileOwner]] = {"RE": world.remote_engines, "REC": world.clusters}
    owners = runtimes.get(processor_type)
    if owners is None:
        raise BadRequest(f"processorType {processor_type}: the mock has no such runtimes; use RE or REC")
    found = next((o for o in owners.values() if o.runtime_id == runtime_id), None)
    if found is None:
        raise BadRequest(f"runtimeId {runtime_id!r} is not the runtime of any {processor_type} of this account")
    return found


@dataclass(frozen=True)
class ProfileFilter:
    processor_types: tuple[str, ...] = ()
    processor_ids: tuple[str, ...] = ()
    scope_ids: tuple[str, ...] = ()
    name: str | None = None  # contained, any case
    run_profile_type: str | None = None


SORT_FIELDS = ("NAME", "ENVIRONMENT_NAME", "RUN_PROFILE_TYPE", "DESCRIPTION")


def search_profiles(world: "World", wanted: ProfileFilter, sort_by: str = "NAME",
                    descending: bool = True) -> list[RunProfile]:
    def keep(p: RunProfile) -> bool:
        return ((not wanted.processor_types or p.processor_type in wanted.processor_types)
                and (not wanted.processor_ids or p.owner_id in wanted.processor_ids)
                and (not wanted.scope_ids or p.owner_id in wanted.scope_ids)
                and (wanted.name is None or wanted.name.lower() in p.name.lower())
                and (wanted.run_profile_type is None or p.type == wanted.run_profile_type))

    def key(p: RunProfile) -> tuple:
        field_value = {"NAME": p.name.lower(), "RUN_PROFILE_TYPE": p.type, "DESCRIPTION": p.description.lower(),
                       "ENVIRONMENT_NAME": world.environments[owner_of(world, p).environment_id].name.lower()}
        return field_value[sort_by], p.id  # the id keeps equal keys in a stable order
    return sorted(filter(keep, world.run_profiles.values()), key=key, reverse=descending)


def move_tasks(world: "World", profile: AnyProfile, replacement: AnyProfile | None, *,
               in_use: type[TMCError]) -> None:
    """The tasks on a profile about to go move to its replacement; with none, a profile in use stays."""
    users = [t for t in world.tasks.values() if t.runtime.run_profile_id == profile.id]
    if not users:
        return
    if replacement is None:
        raise in_use(f"Run profile {profile.name!r} is used by task(s) {', '.join(t.name for t in users)}; "
                     "name a replacement run profile to move them to")
    for task in users:
        task.runtime = replace(task.runtime, run_profile_id=replacement.id)


def delete_profile(world: "World", owner: ProfileOwner, profile_id: str, replacement_id: str | None,
                   in_use: type[TMCError] = Conflict) -> None:
    """Tasks on the profile move to the replacement (another profile of the same owner and type)."""
    profile = profile_of(world, owner, profile_id)
    replacement = None
    if replacement_id is not None:
        replacement = world.run_profiles.get(replacement_id)
        if replacement is None or replacement.owner_id != owner.id or replacement.id == profile.id \
                or replacement.type != profile.type:
            raise BadRequest(f"The replacement must be another {profile.type} run profile of the same {owner.label}")
    move_tasks(world, profile, replacement, in_use=in_use)
    del world.run_profiles[profile.id]


def remove_profiles(world: "World", owner_id: str) -> None:
    for profile_id in [p.id for p in world.run_profiles.values() if p.owner_id == owner_id]:
        del world.run_profiles[profile_id]
