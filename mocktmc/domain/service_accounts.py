"""Service accounts as the Service Accounts API (2021-03 /account/service-accounts) manages them: a name,
the account-wide roles it holds (published as its `permissions`), and OAuth client credentials. Its id is
its client id; its secret is shown once, when it is made, and /security/oauth/token exchanges the two for a
bearer token whose principal is the account (domain/accounts.py). What it may do on each workspace is a
workspace permission record (permission_records.py), kept on the workspaces, so deleting it removes those.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import BadRequest, Conflict, NotFound
from .access import ROLES
from .model.definitions import ServiceAccount
from .world import World


def find(world: World, account_id: str) -> ServiceAccount:
    found = world.service_accounts.get(account_id)
    if found is None:
        raise NotFound(f"Service account {account_id} not found")
    return found


def roles_held(account: ServiceAccount) -> list[str]:
    """The roles it holds, in the published order (an administrator, as a fixture may declare, holds all)."""
    return list(ROLES) if account.administrator else [r for r in ROLES if r in account.roles]


def _name(world: World, value: Any, exclude: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("name is required: a non-blank string")
    if any(a.name == value for a in world.service_accounts.values() if a.id != exclude):
        raise Conflict(f"A service account named {value!r} exists already")
    return value


def _roles(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("permissions is required: an array of permission names (GET /account/service-accounts/"
                         "permissions lists them)")
    unknown = [v for v in value if v not in ROLES]
    if unknown:
        raise BadRequest(f"permissions: unknown permission {unknown[0]!r}; known: {', '.join(ROLES)}")
    return [r for r in ROLES if r in value]


def create(world: World, now: datetime, name: Any, permissions: Any) -> ServiceAccount:
    """A new service account with fresh client credentials; 409 when the name is taken."""
    account = ServiceAccount(world.ids.uuid(), _name(world, name), world.ids.secret(24).hex(),
                             roles=_roles(permissions), created=now, updated=now)
    world.service_accounts[account.id] = account
    return account


def update(world: World, account_id: str, now: datetime, name: Any, permissions: Any) -> ServiceAccount:
    """Change the name and the roles, the only things the published update changes."""
    account = find(world, account_id)
    new_name, roles = _name(world, name, exclude=account_id), _roles(permissions)
    account.name, account.roles, account.administrator, account.updated = new_name, roles, False, now
    return account


def delete(world: World, account_id: str) -> None:
    """Remove it and its workspace permission records."""
    find(world, account_id)
    del world.service_accounts[account_id]
    for workspace in world.workspaces.values():
        workspace.permissions.pop(account_id, None)
    for promotion in world.promotions.values():
        if account_id in promotion.service_account_ids:
            promotion.service_account_ids.remove(account_id)
