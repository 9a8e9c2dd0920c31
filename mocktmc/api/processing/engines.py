"""Remote engines: list (FIQL `query`), create, get, delete (409 while a task runs on one), unpair,
debug mode, and each engine's run profiles."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .. import bodies, context, params, serialize
from ..filters import fiql_filter, runtime_fields
from ...domain.runtimes import engines
from ...errors import BadRequest, Conflict
from ..run_profile_routes import profile_routes

bp = Blueprint("processing_engines", __name__)
ENGINE = "/processing/runtimes/remote-engines/<id>"


def _fields(world):
    return {**runtime_fields(world), "status": lambda e: e.status, "availability": lambda e: e.availability}


@bp.get("/processing/runtimes/remote-engines")
def list_remote_engines():
    world = context.world()
    keep = fiql_filter(_fields(world))
    return jsonify([serialize.remote_engine(e, world) for e in world.remote_engines.values() if keep(e)])


@bp.post("/processing/runtimes/remote-engines")
def create_remote_engine():
    body = bodies.json_object()
    run_profiles = body.get("runProfiles")
    if run_profiles is not None and not isinstance(run_profiles, list):
        raise BadRequest("Field 'runProfiles' must be an array")
    debug = bodies.mapping(body, "debug")
    debug_host = None
    if debug is not None:
        debug_host = bodies.string(debug, "host")
        if not debug_host:
            raise BadRequest("Field 'debug.host' is required")
    world = context.world()
    engine = engines.create_remote_engine(
        world, context.now(), name=bodies.required_string(body, "name"),
        environment_id=bodies.required_string(body, "environmentId"),
        workspace_id=bodies.string(body, "workspaceId"), description=bodies.string(body, "description"),
        run_profiles=run_profiles, debug_host=debug_host,
        esb_compatibility_version=bodies.string(body, "esbCompatibilityVersion"))
    return jsonify(serialize.remote_engine(engine, world)), 201


@bp.get(ENGINE)
def get_remote_engine(id: str):
    world = context.world()
    return jsonify(serialize.remote_engine(engines.remote_engine(world, id), world))


@bp.delete(ENGINE)
def delete_remote_engine(id: str):
    engines.delete_remote_engine(context.world(), id)
    return "", 204


@bp.delete(ENGINE + "/pairing")
def unpair_remote_engine(id: str):
    # The keep* flags choose what stays deployed on the engine host; the mock deploys nothing there.
    for flag in ("keepOsgiDeployments", "keepMicroserviceDeployments"):
        params.choice(flag, ("true", "false"), ignore_case=True)
    engine = engines.unpair(engines.remote_engine(context.world(), id), context.now())
    return Response(f"Remote engine {engine.id} is unpaired", 200, mimetype="text/plain")


@bp.put("/processing/runtimes/remote-engines/<remoteEngineId>/debug")
def set_debug(remoteEngineId: str):
    body = bodies.json_object()
    world = context.world()
    engine = engines.set_debug(world, remoteEngineId, context.now(), host=bodies.string(body, "host"),
                               on=bodies.boolean(body, "isDebugModeOn"))
    return jsonify(serialize.remote_engine(engine, world))


profile_routes(bp, "/processing/runtimes/remote-engines/<engineId>", "engineId", engines.remote_engine,
               replacement_parameter="newRunProfileId", deleted_status=202, in_use=Conflict)
