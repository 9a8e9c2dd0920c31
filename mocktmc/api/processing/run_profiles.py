"""Run profiles across runtimes: create (naming the engine or cluster by its runtime id), get, update,
delete (406 while tasks use one and no replacement is named), and search."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ...domain.runtimes import run_profiles
from ...domain.model.runtimes import RUN_PROFILE_TYPES
from ...domain.common.paging import paginate
from ...domain.runtimes.run_profiles import SORT_FIELDS, ProfileFilter
from ...errors import BadRequest, Conflict, NotAcceptable

bp = Blueprint("processing_run_profiles", __name__)
PROCESSOR_TYPES = ("RE", "GEN_2", "REC", "DYNAMIC_ENGINE")
PROFILE_TYPES = ("STANDARD", "BIG_DATA", "ADVANCED", "DATABRICKS") + RUN_PROFILE_TYPES


@bp.post("/processing/run-profiles")
def create_run_profile():
    body = bodies.json_object()
    world = context.world()
    owner = run_profiles.owner_by_runtime(world, bodies.required_choice(body, "processorType", PROCESSOR_TYPES),
                                          bodies.string(body, "runtimeId"))
    scope = bodies.string(body, "scopeId")
    if scope is not None and scope != owner.id:
        raise BadRequest(f"scopeId must be the id of the runtime's {owner.label}, {owner.id}")
    profile = run_profiles.create_profile(
        world, owner, context.now(), name=bodies.string(body, "name"), type_=bodies.string(body, "type"),
        runtime_id=owner.runtime_id, jvm_arguments=body["jvmArguments"], description=bodies.string(body, "description"))
    return jsonify(serialize.run_profile(profile)), 201


@bp.get("/processing/run-profiles/<id>")
def get_run_profile(id: str):
    return jsonify(serialize.run_profile(run_profiles.run_profile(context.world(), id)))


@bp.put("/processing/run-profiles/<id>")
def update_run_profile(id: str):
    world = context.world()
    profile = run_profiles.run_profile(world, id)
    body = bodies.json_object()
    scope = bodies.string(body, "scopeId")
    if scope is not None and scope != profile.owner_id:
        raise BadRequest("A run profile cannot move to another scope")
    run_profiles.update_profile(world, profile, context.now(), name=bodies.string(body, "name"),
                                jvm_arguments=body.get("jvmArguments"), description=bodies.string(body, "description"),
                                name_clash=Conflict)
    return jsonify(serialize.run_profile(profile))


@bp.delete("/processing/run-profiles/<id>")
def delete_run_profile(id: str):
    world = context.world()
    profile = run_profiles.run_profile(world, id)
    run_profiles.delete_profile(world, run_profiles.owner_of(world, profile), profile.id,
                                params.text("rescheduleRunProfileId"), in_use=NotAcceptable)
    return "", 204


@bp.post("/processing/run-profiles/search")
def search_run_profiles():
    body = bodies.json_object()
    offset = bodies.integer(body, "offset")
    if offset is None:
        raise BadRequest("Missing required field: 'offset'")
    limit = bodies.integer(body, "limit", 100)
    if offset < 0 or not 0 <= limit <= 100:
        raise BadRequest(f"limit must be in [0, 100] and offset >= 0, got limit {limit}, offset {offset}")
    processor_types = bodies.strings(body, "processorTypes")
    processor_type = bodies.choice(body, "processorType", PROCESSOR_TYPES)
    if processor_type is not None:
        processor_types = [*processor_types, processor_type]
    unknown = [t for t in processor_types if t not in PROCESSOR_TYPES]
    if unknown:
        raise BadRequest(f"processorTypes must be among {', '.join(PROCESSOR_TYPES)}, got {unknown[0]!r}")
    wanted = ProfileFilter(tuple(processor_types), tuple(bodies.strings(body, "processorIds")),
                           tuple(bodies.strings(body, "scopeIds")), bodies.string(body, "name"),
                           bodies.choice(body, "runProfileType", PROFILE_TYPES))
    sort_by = bodies.choice(body, "sortBy", SORT_FIELDS) or "NAME"
    descending = (bodies.choice(body, "sortOrder", ("ASC", "DESC")) or "DESC") == "DESC"
    world = context.world()
    found = run_profiles.search_profiles(world, wanted, sort_by, descending)
    return jsonify(serialize.page(paginate(found, offset, limit), lambda p: serialize.base_run_profile(p, world)))
