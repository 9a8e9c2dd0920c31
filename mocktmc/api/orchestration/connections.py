"""Connections: list, create, get, update, delete (409 while a task uses one), move within an environment."""
from __future__ import annotations

from typing import Literal, overload

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..filters import in_scope
from ...domain.definitions import connections
from ...domain.common.paging import paginate
from ...errors import BadRequest

bp = Blueprint("orchestration_connections", __name__)


@overload
def _parameters(body: dict, required: Literal[True]) -> list: ...


@overload
def _parameters(body: dict, required: Literal[False]) -> list | None: ...


def _parameters(body: dict, required: bool) -> list | None:
    value = body.get("parameters")
    if value is None:
        if required:  # the contract requires it, so json_object() has answered first; this types it as present
            raise BadRequest("Missing required field: 'parameters'")
        return None
    if not isinstance(value, list):
        raise BadRequest(f"Field 'parameters' must be an array, got {type(value).__name__}")
    return value


@bp.get("/orchestration/connections")
def list_connections():
    world = context.world()
    offset, limit = params.page_bounds()
    found = list(filter(in_scope(world), world.connections.values()))
    return jsonify(serialize.page(paginate(found, offset, limit), lambda c: serialize.connection(c, world)))


@bp.post("/orchestration/connections")
def create_connection():
    body = bodies.json_object()
    world = context.world()
    conn = connections.create_connection(world, context.now(), name=bodies.required_string(body, "name"),
                                         workspace_id=bodies.required_string(body, "workspaceId"),
                                         app=bodies.required_string(body, "app"), parameters=_parameters(body, True))
    return jsonify(serialize.connection(conn, world)), 201


@bp.get("/orchestration/connections/<connectionId>")
def get_connection(connectionId: str):
    world = context.world()
    return jsonify(serialize.connection(connections.connection(world, connectionId), world))


@bp.put("/orchestration/connections/<connectionId>")
def update_connection(connectionId: str):
    body = bodies.json_object()
    world = context.world()
    conn = connections.update_connection(world, connectionId, context.now(), name=bodies.string(body, "name"),
                                         parameters=_parameters(body, False))
    return jsonify(serialize.connection(conn, world))


@bp.delete("/orchestration/connections/<connectionId>")
def delete_connection(connectionId: str):
    connections.delete_connection(context.world(), connectionId)
    return "", 204


@bp.put("/orchestration/connections/<connectionId>/move/<targetWorkspaceId>")
def move_connection(connectionId: str, targetWorkspaceId: str):
    world = context.world()
    conn = connections.move_connection(world, connectionId, targetWorkspaceId, context.now())
    return jsonify(serialize.connection(conn, world))
