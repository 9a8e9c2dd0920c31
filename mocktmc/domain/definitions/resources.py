"""Resources: files a workspace's tasks use, uploaded as multipart, within an upload limit."""
from __future__ import annotations

from datetime import datetime

from ...errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from ..common.lookups import find
from ..model.definitions import Resource
from ..world import World
from .environments import move_target


def resource(world: "World", resource_id: str) -> Resource:
    return find(world.resources, resource_id, "Resource")


def _within_limit(content: bytes, limit: int) -> bytes:
    if len(content) > limit:
        raise PayloadTooLarge(f"Upload limit exceeded: the file has {len(content)} bytes, the limit is {limit}")
    return content


def _unique(world: "World", workspace_id: str, name: str, keep: str | None = None) -> bool:
    return not any(r.name == name and r.workspace_id == workspace_id and r.id != keep
                   for r in world.resources.values())


def create_resource(world: "World", at: datetime, *, name: str, workspace_id: str, description: str,
                    content: bytes, limit: int) -> Resource:
    if not name.strip():
        raise BadRequest("The resource name must not be empty")
    if workspace_id not in world.workspaces:
        raise NotFound(f"Workspace id {workspace_id} not found")
    if not _unique(world, workspace_id, name):
        raise Conflict(f"Resource name {name!r} already used in this workspace")
    created = Resource(world.ids.hex24(), name, workspace_id, _within_limit(content, limit), description, at)
    world.resources[created.id] = created
    return created


def update_resource(world: "World", resource_id: str, *, name: str | None, description: str | None) -> None:
    """PATCH: only the fields sent change."""
    found = resource(world, resource_id)
    if name is not None:
        if not name.strip() or not _unique(world, found.workspace_id, name, keep=found.id):
            raise BadRequest(f"Resource name {name!r} is empty or already used in this workspace")
        found.name = name
    if description is not None:
        found.description = description


def replace_content(world: "World", resource_id: str, content: bytes, limit: int) -> None:
    resource(world, resource_id).content = _within_limit(content, limit)


def delete_resource(world: "World", resource_id: str) -> None:
    found = resource(world, resource_id)
    users = [task.name for task in world.tasks.values() if found.id in task.resources.values()]
    if users:
        raise Conflict(f"Resource is in use by task(s) {', '.join(users)}")
    del world.resources[found.id]


def move_resource(world: "World", resource_id: str, target_workspace_id: str) -> Resource:
    """Only to another workspace of the same environment."""
    found = resource(world, resource_id)
    target = move_target(world, found.workspace_id, target_workspace_id)
    if not _unique(world, target.id, found.name, keep=found.id):
        raise Conflict(f"Resource name {found.name!r} already used in the target workspace")
    found.workspace_id = target.id
    return found
