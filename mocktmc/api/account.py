"""The account: its subscription (/account/subscription), and its service accounts (/account/service-accounts...):
list, create (its client id and secret then work at /security/oauth/token), read, update (name and
permissions), delete (its tokens stop working), count, and the names of the permissions one may hold. The rules
are in domain/service_accounts.py and domain/subscription.py; the roles each operation needs are rows of the
permissions table (domain/permissions.py).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from . import bodies, context
from ..domain import service_accounts, subscription
from ..domain.access import ROLES
from ..domain.common.timeutil import to_iso
from ..domain.model.definitions import ServiceAccount

bp = Blueprint("account", __name__)


def service_account(account: ServiceAccount, with_secret: bool = False) -> dict:
    """The published ServiceAccount; the secret only in the answer that creates it."""
    now = context.now()
    body: dict = {"id": account.id}
    if with_secret:
        body["secret"] = account.secret
    body.update({"name": account.name, "permissions": service_accounts.roles_held(account),
                 "createdDate": to_iso(account.created or now), "lastModifiedDate": to_iso(account.updated or now)})
    return body


def _fields() -> tuple[object, object]:
    body = bodies.json_object()
    return body.get("name"), body.get("permissions")


@bp.get("/account/service-accounts")
def list_service_accounts() -> Response:
    return jsonify([service_account(a) for a in context.world().service_accounts.values()])


@bp.post("/account/service-accounts")
def create_service_account() -> tuple[Response, int]:
    name, permissions = _fields()
    account = service_accounts.create(context.world(), context.now(), name, permissions)
    return jsonify(service_account(account, with_secret=True)), 201


@bp.get("/account/service-accounts/<id>")
def get_service_account(id: str) -> Response:
    return jsonify(service_account(service_accounts.find(context.world(), id)))


@bp.put("/account/service-accounts/<id>")
def update_service_account(id: str) -> Response:
    name, permissions = _fields()
    return jsonify(service_account(service_accounts.update(context.world(), id, context.now(), name, permissions)))


@bp.delete("/account/service-accounts/<id>")
def delete_service_account(id: str) -> tuple[str, int]:
    service_accounts.delete(context.world(), id)  # its tokens stop working with it (Accounts.identify)
    return "", 204


@bp.get("/account/service-accounts/count")
def count_service_accounts() -> Response:
    world = context.world()
    return jsonify({"tenantId": world.account_id, "count": len(world.service_accounts)})


@bp.get("/account/service-accounts/permissions")
def available_permissions() -> Response:
    return jsonify(list(ROLES))


@bp.get("/account/subscription")
def get_subscription() -> Response:
    world = context.world()
    declared, used = subscription.subscription_of(world), subscription.seats_used(world)
    return jsonify({
        "startDate": declared.start_date, "endDate": declared.end_date, "licenseType": declared.license_type,
        "applications": list(declared.applications), "supportLevel": declared.support_level,
        "tokensStatus": {"total": declared.tokens, "consumed": subscription.tokens_consumed(world)},
        "enginesStatus": [{"type": kind, "consumed": count}
                          for kind, count in subscription.engines_consumed(world).items()],
        "seats": [{"application": name, "maxUsers": most, "currentUsers": used.get(name, 0)}
                  for name, most in declared.seats.items()]})
