"""Projects (Studio repositories) and who may work on them."""
from __future__ import annotations

import re
from datetime import datetime

from ...errors import BadRequest, Conflict, Forbidden
from ..common.lookups import find
from ..model.definitions import Principal, Project
from ..world import World
from .assignments import assign, unassign


def personal_token_only(principal: "Principal") -> None:
    """The published projects operations take personal access tokens only."""
    if principal.user_type != "HUMAN":
        raise Forbidden("Only personal access tokens are supported on the projects endpoints")


def project(world: "World", project_id: str) -> Project:
    return find(world.projects, project_id, "Project")


def technical_label(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") or "PROJECT"


def create_project(world: "World", at: datetime, principal: "Principal", *, name: str, owner: str, url: str,
                   description: str = "") -> Project:
    if not name.strip() or not owner.strip() or not url.strip():
        raise BadRequest("A project needs a name, an owner and a url")
    if any(p.name.lower() == name.lower() for p in world.projects.values()):
        raise Conflict(f"A project named {name!r} exists")
    author = world.users.get(principal.user_id)
    created = Project(world.ids.hex24(), name, technical_label(name), url, owner,
                      author.login if author else principal.user_id, description, "DI", at, at)
    world.projects[created.id] = created
    return created


def update_project(world: "World", project_id: str, at: datetime, *, owner: str | None, url: str | None,
                   description: str | None) -> Project:
    """The name is fixed; the fields sent replace the ones held."""
    found = project(world, project_id)
    if owner is not None:
        found.owner = owner
    if url is not None:
        found.url = url
    if description is not None:
        found.description = description
    found.updated = at
    return found


def delete_project(world: "World", project_id: str) -> None:
    del world.projects[project(world, project_id).id]


def assign_user(world: "World", project_id: str, user_id: str) -> None:
    assign(project(world, project_id).user_ids, user_id, user_id in world.users, "User", conflict=True)


def unassign_user(world: "World", project_id: str, user_id: str) -> None:
    unassign(project(world, project_id).user_ids, user_id, "User")


def assign_group(world: "World", project_id: str, group_id: str) -> None:
    # Groups live in the identity service, which the mock does not model: any id names one.
    assign(project(world, project_id).group_ids, group_id, bool(group_id.strip()), "Group", conflict=True)


def unassign_group(world: "World", project_id: str, group_id: str) -> None:
    unassign(project(world, project_id).group_ids, group_id, "Group")
