"""Environments and the workspaces inside them: the definitions and their rules."""
from __future__ import annotations

from datetime import datetime

from ...errors import BadRequest, Conflict, Forbidden
from ..common.lookups import find
from ..model.definitions import Environment, Workspace
from ..world import World

WORKSPACE_TYPES = ("shared", "personal", "custom")


def environment(world: "World", environment_id: str) -> Environment:
    return find(world.environments, environment_id, "Environment")


def workspace(world: "World", workspace_id: str) -> Workspace:
    return find(world.workspaces, workspace_id, "Workspace")


def move_target(world: "World", from_workspace_id: str, to_workspace_id: str) -> Workspace:
    """The workspace something moves to: it must exist and share the environment of the one it leaves."""
    target = workspace(world, to_workspace_id)
    if target.environment_id != world.workspaces[from_workspace_id].environment_id:
        raise BadRequest("The target workspace must be in the same environment as the current one")
    return target


def _name(value: str, what: str) -> str:
    if not value.strip():
        raise BadRequest(f"The {what} name must not be empty")
    return value


def _containers(count: int) -> int:
    if count < 0:
        raise BadRequest(f"maxCloudContainers must be >= 0, got {count}")
    return count


def _owner_login(world: "World", owner: str | None) -> str:
    """Owners are users of the account, named by login or id; none given means the account's first user."""
    if not owner:
        return world.users[world.default_user_id].login
    user = world.users.get(owner) or next((u for u in world.users.values() if u.login == owner), None)
    if user is None:
        raise BadRequest(f"Unknown owner {owner!r}: no user of this account has that login or id")
    return user.login


def _unique_environment_name(world: "World", name: str, keep: str | None = None) -> None:
    if any(env.name.lower() == name.lower() and env.id != keep for env in world.environments.values()):
        raise Conflict(f"An environment named {name!r} exists: environment name should be unique")


def _unique_workspace_name(world: "World", environment_id: str, name: str, keep: str | None = None) -> bool:
    return not any(ws.name.lower() == name.lower() and ws.environment_id == environment_id and ws.id != keep
                   for ws in world.workspaces.values())


def create_environment(world: "World", at: datetime, *, name: str, workspace_name: str, description: str = "",
                       max_cloud_containers: int = 0, owner: str | None = None) -> Environment:
    """A new environment, and the Custom workspace every environment starts with."""
    _name(name, "environment")
    _name(workspace_name, "workspace")
    _unique_environment_name(world, name)
    login = _owner_login(world, owner)
    env = Environment(world.ids.hex24(), name, description, False, _containers(max_cloud_containers), at)
    world.environments[env.id] = env
    ws = Workspace(world.ids.hex24(), workspace_name, env.id, "custom", "", login, False, at, at)
    world.workspaces[ws.id] = ws
    return env


def update_environment(world: "World", environment_id: str, *, name: str, description: str = "",
                       max_cloud_containers: int = 0) -> None:
    """PUT: every field is replaced; the ones left out become empty."""
    env = environment(world, environment_id)
    _name(name, "environment")
    _unique_environment_name(world, name, keep=env.id)
    env.name, env.description, env.max_cloud_containers = name, description, _containers(max_cloud_containers)


def delete_environment(world: "World", environment_id: str) -> None:
    """Removes the environment with everything in it, unless a promotion still uses it."""
    env = environment(world, environment_id)
    used_by = [p.name for p in world.promotions.values()
               if env.id in (p.source_environment_id, p.target_environment_id)]
    if used_by:
        raise BadRequest(f"Cannot delete environment: it is used in promotion(s) {', '.join(used_by)}")
    for ws in [ws for ws in world.workspaces.values() if ws.environment_id == env.id]:
        world.remove_workspace_contents(ws.id)
        del world.workspaces[ws.id]
    del world.environments[env.id]


def create_workspace(world: "World", at: datetime, *, name: str, environment_id: str, description: str = "",
                     owner: str | None = None) -> Workspace:
    """Only Custom workspaces can be created through the API."""
    _name(name, "workspace")
    if environment_id not in world.environments:
        raise BadRequest(f"Environment {environment_id} does not exist")
    if not _unique_workspace_name(world, environment_id, name):
        raise Conflict(f"A workspace named {name!r} exists in this environment")
    ws = Workspace(world.ids.hex24(), name, environment_id, "custom", description, _owner_login(world, owner),
                   False, at, at)
    world.workspaces[ws.id] = ws
    return ws


def _custom(ws: Workspace, action: str) -> None:
    if ws.type != "custom":
        raise Forbidden(f"Only custom workspaces can be {action}; {ws.name!r} is a {ws.type} workspace")


def update_workspace(world: "World", workspace_id: str, at: datetime, *, name: str, description: str = "",
                     owner: str | None = None, protected_artifact_update: bool = False) -> None:
    """PUT: every field is replaced; the ones left out become empty (owner: the account's first user)."""
    ws = workspace(world, workspace_id)
    _custom(ws, "updated")
    _name(name, "workspace")
    if not _unique_workspace_name(world, ws.environment_id, name, keep=ws.id):
        raise BadRequest(f"A workspace named {name!r} exists in this environment")
    ws.name, ws.description, ws.owner = name, description, _owner_login(world, owner)
    ws.protected_artifact_update, ws.updated = protected_artifact_update, at


def delete_workspace(world: "World", workspace_id: str) -> None:
    """A Custom workspace goes with its artifacts and connections; tasks and plans must go first."""
    ws = workspace(world, workspace_id)
    _custom(ws, "deleted")
    executables = [t.name for t in world.tasks.values() if t.workspace_id == ws.id] + \
        [p.name for p in world.plans.values() if p.workspace_id == ws.id]
    if executables:
        raise Conflict(f"There are objects in custom workspace {ws.name!r} that could not be removed: "
                       f"{', '.join(executables)}")
    world.remove_workspace_contents(ws.id)
    del world.workspaces[ws.id]
