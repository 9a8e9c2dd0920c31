"""Workspace permissions as records: what the Workspace Permissions API (2021-03 /security/..., v2.6
/permissions...) reads and writes, on the same model access.py checks (Workspace.permissions).

A record is one principal's permission types on one workspace. Users and service accounts have separate
operations, so each function is told which kind of principal it serves; an id of the other kind is a 404.
An administrator's authority comes from being one, not from records: its records are those it was given.
Who may change a workspace's records: whoever holds MANAGE on it (an administrator holds MANAGE everywhere);
the API's table (permissions.py) checks that for single records, and the batch and list operations here ask
`may_manage` for each workspace they touch, so a caller sees and changes only what it manages.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest, Conflict, Forbidden, NotFound, TMCError
from .access import FORBIDDEN_MESSAGE, WORKSPACE_PERMISSIONS
from .model.definitions import ServiceAccount, User, Workspace
from .world import World

USER, SERVICE_ACCOUNT = "user", "service account"


@dataclass(frozen=True)
class PermissionRecord:
    workspace_id: str
    principal_id: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class BatchOutcome:
    """One item of a batch: its HTTP status, a message, and the record it names (as sent, or as it now is)."""
    status: int
    message: str
    workspace_id: Any
    principal_id: Any
    permissions: tuple[str, ...] = ()


def _principal(world: World, principal_id: str, kind: str) -> User | ServiceAccount:
    store: dict = world.users if kind == USER else world.service_accounts
    found = store.get(principal_id)
    if found is None:
        raise NotFound(f"No {kind} {principal_id!r} in account {world.account_id}")
    return found


def _workspace(world: World, workspace_id: str) -> Workspace:
    found = world.workspaces.get(workspace_id)
    if found is None:
        raise NotFound(f"Workspace {workspace_id} not found")
    return found


def permission_types(values: Any, field: str = "permissions") -> tuple[str, ...]:
    """The permission types a request gives, in the published order; a 400 naming `field` unless it is a
    non-empty list of known types (v2.6 does not enumerate them, so the check is here, not only in the contract)."""
    if not isinstance(values, list) or not values:
        raise BadRequest(f"{field} must be a non-empty array of permission types: {', '.join(WORKSPACE_PERMISSIONS)}")
    unknown = [v for v in values if v not in WORKSPACE_PERMISSIONS]
    if unknown:
        raise BadRequest(f"{field}: unknown permission type {unknown[0]!r}; known: {', '.join(WORKSPACE_PERMISSIONS)}")
    return tuple(p for p in WORKSPACE_PERMISSIONS if p in values)


def _held(world: World, workspace_id: str, principal_id: str, kind: str) -> tuple[Workspace, tuple[str, ...]]:
    workspace = _workspace(world, workspace_id)
    _principal(world, principal_id, kind)
    return workspace, tuple(workspace.permissions.get(principal_id, ()))


def read(world: World, workspace_id: str, principal_id: str, kind: str) -> PermissionRecord:
    """A principal's record on a workspace; 404 when it has none."""
    _, held = _held(world, workspace_id, principal_id, kind)
    if not held:
        raise NotFound(f"The {kind} {principal_id} has no permission on workspace {workspace_id}")
    return PermissionRecord(workspace_id, principal_id, held)


def create(world: World, workspace_id: str, principal_id: str, kind: str, types: Any) -> PermissionRecord:
    """A new record; 409 when the principal already has one on the workspace (update changes it)."""
    workspace, held = _held(world, workspace_id, principal_id, kind)
    wanted = permission_types(types)
    if held:
        raise Conflict(f"The {kind} {principal_id} already has permissions on workspace {workspace_id} "
                       f"({', '.join(held)}); update them instead")
    workspace.permissions[principal_id] = list(wanted)
    return PermissionRecord(workspace_id, principal_id, wanted)


def update(world: World, workspace_id: str, principal_id: str, kind: str, types: Any) -> PermissionRecord:
    """Replace the types of an existing record; 404 when there is none."""
    workspace = _workspace(world, workspace_id)
    wanted = permission_types(types)
    read(world, workspace_id, principal_id, kind)
    workspace.permissions[principal_id] = list(wanted)
    return PermissionRecord(workspace_id, principal_id, wanted)


def delete(world: World, workspace_id: str, principal_id: str, kind: str) -> None:
    """Remove a record; 404 when there is none."""
    read(world, workspace_id, principal_id, kind)
    world.workspaces[workspace_id].permissions.pop(principal_id, None)


def _kind_ids(world: World, kind: str) -> Iterable[str]:
    return world.users if kind == USER else world.service_accounts


def records(world: World, kind: str, may_manage: Callable[[str], bool], workspace_id: str | None = None,
            environment_id: str | None = None, principal_id: str | None = None) -> list[PermissionRecord]:
    """Every record of `kind`, filtered as the list operations publish, on the workspaces the caller manages;
    a filter naming nothing the account has is a 404."""
    if workspace_id is not None:
        _workspace(world, workspace_id)
    if environment_id is not None and environment_id not in world.environments:
        raise NotFound(f"Environment {environment_id} not found")
    if principal_id is not None:
        _principal(world, principal_id, kind)
    of_kind = _kind_ids(world, kind)
    found = []
    for workspace in world.workspaces.values():
        if workspace_id not in (None, workspace.id) or environment_id not in (None, workspace.environment_id):
            continue
        if not may_manage(workspace.id):
            continue
        for holder, held in workspace.permissions.items():
            if holder in of_kind and principal_id in (None, holder) and held:
                found.append(PermissionRecord(workspace.id, holder, tuple(held)))
    return found


def apply_batch(world: World, kind: str, items: Any, action: str,
                may_manage: Callable[[str], bool]) -> list[BatchOutcome]:
    """Create or update (`action`) each item {workspaceId, userId, permissions} in order; each item succeeds
    or fails alone (the 207 the batch operations publish), and one the caller may not manage is a 403 item."""
    if not isinstance(items, list):
        raise BadRequest("The request body must be a JSON array of permissions")
    change = create if action == "create" else update
    outcomes = []
    for index, item in enumerate(items):
        fields = item if isinstance(item, dict) else {}
        workspace_id, principal_id = fields.get("workspaceId"), fields.get("userId")
        try:
            if not isinstance(item, dict):
                raise BadRequest(f"[{index}] must be an object with workspaceId, userId and permissions")
            for name in ("workspaceId", "userId"):
                if not isinstance(fields.get(name), str) or not fields[name]:
                    raise BadRequest(f"[{index}].{name} is required")
            if workspace_id in world.workspaces and not may_manage(workspace_id):
                raise Forbidden(f"needs MANAGE permission on workspace {workspace_id}", message=FORBIDDEN_MESSAGE)
            record = change(world, str(workspace_id), str(principal_id), kind, fields.get("permissions"))
        except TMCError as err:
            types = fields.get("permissions")
            sent = tuple(t for t in types if isinstance(t, str)) if isinstance(types, list) else ()
            outcomes.append(BatchOutcome(err.status, err.detail, workspace_id, principal_id, sent))
        else:
            outcomes.append(BatchOutcome(201 if action == "create" else 200, f"{action}d", record.workspace_id,
                                         record.principal_id, record.permissions))
    return outcomes


def delete_many(world: World, kind: str, workspace_ids: list[str], principal_ids: list[str],
                may_manage: Callable[[str], bool]) -> list[PermissionRecord]:
    """Remove every record whose workspace is one of `workspace_ids` and whose principal is one of
    `principal_ids`; an empty list means all of them, not both. Ids the account does not have are a 404 and a
    named workspace the caller does not manage a 403, before anything is removed; with no workspace named, only
    the workspaces the caller manages are touched."""
    if not workspace_ids and not principal_ids:
        raise BadRequest("workspaceIds or the principal ids must name something: an empty list means all of "
                         "them only when the other one is given")
    for workspace_id in workspace_ids:
        _workspace(world, workspace_id)
        if not may_manage(workspace_id):
            raise Forbidden(f"needs MANAGE permission on workspace {workspace_id}", message=FORBIDDEN_MESSAGE)
    for principal_id in principal_ids:
        _principal(world, principal_id, kind)
    of_kind = _kind_ids(world, kind)
    removed = []
    for workspace in world.workspaces.values():
        if (workspace_ids and workspace.id not in workspace_ids) or not may_manage(workspace.id):
            continue
        for holder in [h for h in workspace.permissions if h in of_kind and (not principal_ids or h in principal_ids)]:
            removed.append(PermissionRecord(workspace.id, holder, tuple(workspace.permissions.pop(holder))))
    return removed
