"""Pipeline engines: list (FIQL `query`), create, get, delete (409 while a task runs on one), unpair,
and their typed run profiles (standard, big-data, databricks, advanced, data-integration)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import bodies, context, params, serialize
from ..filters import fiql_filter, runtime_fields
from ..request_checks import contract_body
from ...domain.runtimes import engines, pipeline_engines
from ...domain.runtimes.pipeline_engines import PROFILE_TYPES
from ...errors import BadRequest

bp = Blueprint("processing_pipeline_engines", __name__)
ENGINES = "/processing/runtimes/pipeline-engines"
ENGINE = ENGINES + "/<engineId>"
READ_ONLY = ("id", "type", "createDate", "updateDate")


def _fields(world):
    return {**runtime_fields(world), "status": lambda e: e.status, "availability": lambda e: e.availability,
            "runStatus": lambda e: e.run_status}


@bp.get(ENGINES)
def list_pipeline_engines():
    world = context.world()
    keep = fiql_filter(_fields(world))
    return jsonify([serialize.pipeline_engine(e, world) for e in world.pipeline_engines.values() if keep(e)])


@bp.post(ENGINES)
def create_pipeline_engine():
    body = bodies.json_object()
    world = context.world()
    engine = pipeline_engines.create_pipeline_engine(
        world, context.now(), name=bodies.required_string(body, "name"),
        environment_id=bodies.required_string(body, "environmentId"),
        workspace_id=bodies.string(body, "workspaceId"), description=bodies.string(body, "description"))
    return jsonify(serialize.pipeline_engine(engine, world)), 201


@bp.get(ENGINE)
def get_pipeline_engine(engineId: str):
    world = context.world()
    return jsonify(serialize.pipeline_engine(pipeline_engines.pipeline_engine(world, engineId), world))


@bp.delete(ENGINE)
def delete_pipeline_engine(engineId: str):
    pipeline_engines.delete_pipeline_engine(context.world(), engineId)
    return "", 204


@bp.delete(ENGINE + "/pairing")
def unpair_pipeline_engine(engineId: str):
    engine = engines.unpair(pipeline_engines.pipeline_engine(context.world(), engineId), context.now())
    return Response(f"Pipeline engine {engine.id} is unpaired", 200, mimetype="text/plain")


@bp.get(ENGINE + "/run-profiles")
def list_pipeline_profiles(engineId: str):
    profiles = pipeline_engines.profiles_of(context.world(), engineId)
    return jsonify([serialize.pipeline_profile_extract(p) for p in profiles])


def _profile_fields(engine_id: str) -> dict:
    """The body as the type's published schema allows; read-only fields sent back (as a GET gave them) are dropped."""
    pipeline_engines.pipeline_engine(context.world(), engine_id)  # a missing engine is a 404 before the body
    body = contract_body(request, ignore=READ_ONLY + ("engineId",))
    if body.get("engineId") not in (None, engine_id):
        raise BadRequest(f"engineId {body['engineId']!r} is not the engine of this path ({engine_id})")
    return {k: v for k, v in body.items() if k not in READ_ONLY and k != "engineId"}


def _typed_routes(type_: str) -> None:
    rule = f"{ENGINE}/run-profiles/{type_}"
    endpoint = type_.replace("-", "_")

    def create(engineId: str):
        profile = pipeline_engines.create_profile(context.world(), engineId, type_, _profile_fields(engineId),
                                                  context.now())
        # The published 201 has no body; the Location header says where the new profile is.
        return "", 201, {"Location": f"{rule.replace('<engineId>', engineId)}/{profile.id}"}

    def get(engineId: str, runProfileId: str):
        return jsonify(serialize.pipeline_profile(
            pipeline_engines.profile_of(context.world(), engineId, type_, runProfileId)))

    def update(engineId: str, runProfileId: str):
        world = context.world()
        pipeline_engines.profile_of(world, engineId, type_, runProfileId)
        pipeline_engines.update_profile(world, engineId, type_, runProfileId, _profile_fields(engineId),
                                        context.now())
        return "", 204

    bp.add_url_rule(rule, f"create_{endpoint}_profile", create, methods=["POST"])
    bp.add_url_rule(rule + "/<runProfileId>", f"get_{endpoint}_profile", get, methods=["GET"])
    bp.add_url_rule(rule + "/<runProfileId>", f"update_{endpoint}_profile", update, methods=["PUT"])


for _type in PROFILE_TYPES:
    _typed_routes(_type)


@bp.delete(ENGINE + "/run-profiles/<type>/<runProfileId>")
def delete_pipeline_profile(engineId: str, type: str, runProfileId: str):
    pipeline_engines.delete_profile(context.world(), engineId, type, runProfileId, params.text("newRunProfileId"))
    return "", 204
