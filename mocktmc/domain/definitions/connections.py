"""Connections: the credentials and settings a workspace's tasks use to reach their systems."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from ...errors import BadRequest, Conflict
from ..common.lookups import find
from ..model.definitions import Connection, ConnectionParameter
from ..world import World
from .environments import move_target


def connection(world: "World", connection_id: str) -> Connection:
    return find(world.connections, connection_id, "Connection")


def parse_parameters(raw: list[Any], previous: Sequence[ConnectionParameter] = ()) -> list[ConnectionParameter]:
    """Parameters as sent; an encrypted one sent without a value keeps the secret it had."""
    kept = {p.name: p.value for p in previous if p.encrypted}
    out, seen = [], set()
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise BadRequest("Each connection parameter needs a 'name'")
        if item["name"] in seen:
            raise BadRequest(f"Connection parameter {item['name']!r} is given twice")
        seen.add(item["name"])
        encrypted = bool(item.get("encrypted", False))
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"Connection parameter {item['name']!r}: value must be a string")
        if value is None and encrypted:
            value = kept.get(item["name"])
        out.append(ConnectionParameter(item["name"], value, encrypted))
    return out


def _unique(world: "World", workspace_id: str, name: str, keep: str | None = None) -> None:
    if any(c.name == name and c.workspace_id == workspace_id and c.id != keep for c in world.connections.values()):
        raise Conflict(f"Connection name {name!r} already exists in this workspace")


def _users_of(world: "World", connection_id: str) -> list[str]:
    return [task.name for task in world.tasks.values() if connection_id in task.connections.values()]


def create_connection(world: "World", at: datetime, *, name: str, workspace_id: str, app: str,
                      parameters: list[Any]) -> Connection:
    if not name.strip():
        raise BadRequest("The connection name must not be empty")
    if workspace_id not in world.workspaces:
        raise BadRequest(f"Workspace {workspace_id} does not exist")
    _unique(world, workspace_id, name)
    created = Connection(world.ids.hex24(), name, app, workspace_id, parse_parameters(parameters), at, at)
    world.connections[created.id] = created
    return created


def update_connection(world: "World", connection_id: str, at: datetime, *, name: str | None,
                      parameters: list[Any] | None) -> Connection:
    """PUT replaces the parameters (none sent: none kept); a connection keeps its name unless a new one is sent."""
    conn = connection(world, connection_id)
    if name is not None:
        if not name.strip():
            raise BadRequest("The connection name must not be empty")
        _unique(world, conn.workspace_id, name, keep=conn.id)
    new_parameters = parse_parameters(parameters or [], conn.parameters)
    conn.name = name if name is not None else conn.name
    conn.parameters, conn.updated = new_parameters, at
    return conn


def delete_connection(world: "World", connection_id: str) -> None:
    conn = connection(world, connection_id)
    users = _users_of(world, conn.id)
    if users:
        raise Conflict(f"Connection is in use by task(s) {', '.join(users)}")
    del world.connections[conn.id]


def move_connection(world: "World", connection_id: str, target_workspace_id: str, at: datetime) -> Connection:
    """Only to another workspace of the same environment."""
    conn = connection(world, connection_id)
    target = move_target(world, conn.workspace_id, target_workspace_id)
    _unique(world, target.id, conn.name, keep=conn.id)
    conn.workspace_id, conn.updated = target.id, at
    return conn
