"""The control plane's roles and workspace permissions: grant, revoke and read what a principal may do.

`POST /_mocktmc/permissions` grants, `DELETE` revokes, `GET` lists (domain/access.py does the work). The
principal is a user (id or login), a service account (id or name), or a bearer token the mock issued or the
fixture declares (its user or service account); `?account=` picks the account, else a token's own, else the
default one. So a client's 403 handling can be tested in one line.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ..api import context
from ..api.bodies import parse_json
from ..domain import access
from ..domain.model.definitions import ServiceAccount, User
from ..domain.permissions import PERMISSIONS, Locate
from ..domain.world import World
from ..errors import BadRequest
from . import access as control_access

bp = Blueprint("control_permissions", __name__, url_prefix="/_mocktmc")

_FIELDS = ("principal", "roles", "workspace", "permissions", "administrator")


def describe(world: World, holder: User | ServiceAccount) -> dict[str, Any]:
    """What a principal may do: its roles and, per workspace, its permission types (as the table reads them)."""
    return {"principal": holder.id, "type": "HUMAN" if isinstance(holder, User) else "SERVICE",
            "name": holder.login if isinstance(holder, User) else holder.name,
            "administrator": holder.administrator, "roles": sorted(access.roles_of(world, holder.id)),
            "workspaces": {ws: [p for p in access.WORKSPACE_PERMISSIONS
                                if p in access.permissions_on(world, holder.id, ws)]
                           for ws in world.workspaces if access.permissions_on(world, holder.id, ws)}}


def _request() -> dict[str, Any]:
    body = parse_json(request.get_data(cache=True), request.mimetype)
    if not isinstance(body, dict):
        raise BadRequest(f"The request body must be a JSON object, got {type(body).__name__}")
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise BadRequest(f"Unrecognized field: {unknown[0]!r}; known fields: {', '.join(sorted(_FIELDS))}")
    if not isinstance(body.get("principal"), str) or not body["principal"]:
        raise BadRequest("Missing required field: 'principal' (a user id or login, a service account id or "
                         "name, or a bearer token)")
    for name in ("roles", "permissions"):
        if not isinstance(body.get(name, []), list) or not all(isinstance(v, str) for v in body.get(name, [])):
            raise BadRequest(f"Field {name!r} must be an array of strings")
    if not isinstance(body.get("workspace", ""), str):
        raise BadRequest("Field 'workspace' must be a string")
    if not isinstance(body.get("administrator", False), bool):
        raise BadRequest("Field 'administrator' must be true or false")
    return body


def _target(principal: str) -> tuple[World, str]:
    """The world and principal id a control call names: a token names its own account and principal."""
    accounts = context.state().accounts
    named = control_access.account_named()
    held = accounts.token_holder(principal)
    if held is not None and named in (None, held[0]):
        return accounts.world(held[0]), held[1].user_id
    return accounts.world(named or accounts.default_account_id), principal


def _change(change: Any, permissions: list | None) -> Any:
    """Grant or revoke (`change`) what the body names; `permissions`: when the body names none."""
    body = _request()
    world, principal = _target(body["principal"])
    with world.lock:
        holder = change(world, principal, body.get("roles", []), body.get("workspace"),
                        body.get("permissions", permissions), administrator=body.get("administrator", False))
        return jsonify(describe(world, holder))


@bp.post("/permissions")
def grant():
    return _change(access.grant, [])


@bp.delete("/permissions")
def revoke():
    return _change(access.revoke, None)  # no permissions named: revoke them all on the workspace


@bp.get("/permissions")
def list_permissions():
    """Every principal of the account (or the one `?principal=` names) with what it may do."""
    wanted = request.args.get("principal")
    world, principal = _target(wanted) if wanted else (
        context.state().accounts.world(control_access.account_or_default()), None)
    with world.lock:
        if principal is not None:
            return jsonify([describe(world, access.principal_record(world, principal))])
        holders: list[User | ServiceAccount] = [*world.users.values(), *world.service_accounts.values()]
        return jsonify([describe(world, holder) for holder in holders])


def _located(locate: Locate | None) -> dict[str, str] | None:
    return None if locate is None else {"source": locate.source, "name": locate.name, "kind": locate.kind,
                                        **({"part": locate.part} if locate.part else {})}


@bp.get("/permissions/table")
def permissions_table():
    """The table the server holds requests to (domain/permissions.py), as data: the contract kit judges a mocktmc
    target's refusals by the table of the server it talks to, without importing the domain (its layering rule)."""
    return jsonify({operation: {"roles": list(rule.roles), "permission": rule.permission,
                                "locate": _located(rule.locate), "target": _located(rule.target),
                                "evidence": rule.evidence}
                    for operation, rule in sorted(PERMISSIONS.items())})
