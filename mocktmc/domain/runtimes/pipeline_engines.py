"""Pipeline engines (Remote Engine Gen2) and their typed run profiles.

A pipeline engine pairs like a remote engine (pre-authorized key). Its run profiles come in five
types, each with its own published shape; the mock keeps each profile's fields as sent (the API
layer checks them against the published schema) and answers them back with id, type and dates.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import BadRequest, NotFound
from ..common.lookups import find
from ..model.runtimes import PipelineEngine, PipelineProfile
from ..world import World
from .engines import check_placement
from .run_profiles import move_tasks
from .usage import refuse_while_a_runtime

PROFILE_TYPES = ("standard", "big-data", "databricks", "advanced", "data-integration")


def pipeline_engine(world: "World", engine_id: str) -> PipelineEngine:
    return find(world.pipeline_engines, engine_id, "Pipeline engine")


def create_pipeline_engine(world: "World", at: datetime, *, name: str, environment_id: str,
                           workspace_id: str | None = None, description: str | None = None,
                           paired: bool = False) -> PipelineEngine:
    check_placement(world, world.pipeline_engines.values(), "pipeline engine", name, environment_id, workspace_id)
    engine = PipelineEngine(world.ids.hex24(), name, environment_id, world.ids.hex24(), world.ids.uuid(),
                            workspace_id, description or "", paired, at, at)
    world.pipeline_engines[engine.id] = engine
    return engine


def delete_pipeline_engine(world: "World", engine_id: str) -> None:
    engine = pipeline_engine(world, engine_id)
    refuse_while_a_runtime(world, "PIPELINE_ENGINE", engine.id, f"Pipeline engine {engine.name!r}")
    for profile_id in [p.id for p in world.pipeline_profiles.values() if p.engine_id == engine.id]:
        del world.pipeline_profiles[profile_id]
    del world.pipeline_engines[engine.id]


# --- run profiles -------------------------------------------------------------------------------

def profiles_of(world: "World", engine_id: str) -> list[PipelineProfile]:
    engine = pipeline_engine(world, engine_id)
    return [p for p in world.pipeline_profiles.values() if p.engine_id == engine.id]


def profile_of(world: "World", engine_id: str, type_: str, profile_id: str) -> PipelineProfile:
    """A profile is found under its own type only."""
    engine = pipeline_engine(world, engine_id)
    found = world.pipeline_profiles.get(profile_id)
    if found is None or found.engine_id != engine.id or found.type != type_:
        raise NotFound(f"No {type_} run profile {profile_id} on pipeline engine {engine.id}")
    return found


def _check_name(world: "World", engine_id: str, fields: dict[str, Any], keep: str | None = None) -> None:
    name = fields.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("The run profile name must not be empty")
    if any(p.engine_id == engine_id and p.name.lower() == name.lower() and p.id != keep
           for p in world.pipeline_profiles.values()):
        # The published create and update have no 409.
        raise BadRequest(f"A run profile named {name!r} exists on this pipeline engine")


def create_profile(world: "World", engine_id: str, type_: str, fields: dict[str, Any], at: datetime) -> PipelineProfile:
    engine = pipeline_engine(world, engine_id)
    if type_ not in PROFILE_TYPES:
        raise NotFound(f"No run profile type {type_!r}")
    _check_name(world, engine.id, fields)
    profile = PipelineProfile(world.ids.hex24(), engine.id, type_, dict(fields), at, at)
    world.pipeline_profiles[profile.id] = profile
    return profile


def update_profile(world: "World", engine_id: str, type_: str, profile_id: str, fields: dict[str, Any],
                   at: datetime) -> PipelineProfile:
    """PUT replaces the profile's fields."""
    profile = profile_of(world, engine_id, type_, profile_id)
    _check_name(world, profile.engine_id, fields, keep=profile.id)
    profile.fields, profile.updated = dict(fields), at
    return profile


def delete_profile(world: "World", engine_id: str, type_: str, profile_id: str, replacement_id: str | None) -> None:
    """Tasks on the profile move to the replacement (another profile of the engine); without one,
    a profile in use stays (400: the published delete has no 409)."""
    profile = profile_of(world, engine_id, type_, profile_id)
    replacement = None
    if replacement_id is not None:
        replacement = world.pipeline_profiles.get(replacement_id)
        if replacement is None or replacement.engine_id != profile.engine_id or replacement.id == profile.id:
            raise BadRequest("newRunProfileId must be another run profile of the same pipeline engine")
    move_tasks(world, profile, replacement, in_use=BadRequest)
    del world.pipeline_profiles[profile.id]
