"""Workspace Permissions (2021-03 /security/...): one principal's permission types on one workspace, read,
created, updated and deleted; batches of them; lists with filters. The same operations for users and for
service accounts, each on its own paths. The v2.6 /permissions... operations are served by the user ones
(api/legacy/routes.py). The rules are in domain/permission_records.py; the caller's MANAGE is checked by the
permissions table for one workspace and here, per workspace, for lists and batches (visibility.manageable).
"""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from . import bodies, context
from .visibility import manageable
from ..domain import permission_records as records
from ..domain.permission_records import SERVICE_ACCOUNT, USER, BatchOutcome, PermissionRecord

bp = Blueprint("security_permissions", __name__)

_ONE = {USER: "/security/workspaces/<workspaceId>/users/<userId>/permissions",
        SERVICE_ACCOUNT: "/security/workspaces/<workspaceId>/service-accounts/<serviceAccountId>/permissions"}
_MANY = {USER: "/security/permissions", SERVICE_ACCOUNT: "/security/service-accounts/permissions"}
# The query parameter naming principals in lists and batch deletes.
_PRINCIPAL_FILTER = {USER: "userId", SERVICE_ACCOUNT: "serviceAccountId"}
_PRINCIPAL_IDS = {USER: "userIds", SERVICE_ACCOUNT: "serviceAccountIds"}


def permission(record: PermissionRecord) -> dict:
    """The published Permission (a service account's id is its `userId` too)."""
    return {"workspaceId": record.workspace_id, "userId": record.principal_id,
            "permissions": list(record.permissions)}


def _outcome(outcome: BatchOutcome) -> dict:
    text = lambda value: value if isinstance(value, str) else ""  # noqa: E731  (a field the item lacked)
    return {"status": outcome.status, "message": outcome.message,
            "permission": {"workspaceId": text(outcome.workspace_id), "userId": text(outcome.principal_id),
                           "permissions": list(outcome.permissions)}}


def _types() -> object:
    return bodies.parse_json(request.get_data(cache=True), request.mimetype)


def _ids(name: str) -> list[str]:
    """An array query parameter, repeated (`?a=1&a=2`, OpenAPI's default) or comma-separated."""
    return [part for value in request.args.getlist(name) for part in value.split(",") if part]


def _principal_id(kwargs: dict[str, str]) -> str:
    return kwargs.get("userId") or kwargs["serviceAccountId"]


def _one(kind: str):
    def get_one(workspaceId: str, **kwargs: str) -> Response:
        return jsonify(permission(records.read(context.world(), workspaceId, _principal_id(kwargs), kind)))

    def create_one(workspaceId: str, **kwargs: str) -> tuple[str, int]:
        records.create(context.world(), workspaceId, _principal_id(kwargs), kind, _types())
        return "", 201

    def update_one(workspaceId: str, **kwargs: str) -> tuple[str, int]:
        records.update(context.world(), workspaceId, _principal_id(kwargs), kind, _types())
        return "", 204

    def delete_one(workspaceId: str, **kwargs: str) -> tuple[str, int]:
        records.delete(context.world(), workspaceId, _principal_id(kwargs), kind)
        return "", 204

    name = "sa" if kind == SERVICE_ACCOUNT else "user"
    for method, view in (("GET", get_one), ("POST", create_one), ("PUT", update_one), ("DELETE", delete_one)):
        bp.add_url_rule(_ONE[kind], endpoint=f"{method.lower()}_{name}_permission", view_func=view, methods=[method])


def _many(kind: str):
    def list_all() -> Response:
        found = records.records(context.world(), kind, manageable(), workspace_id=request.args.get("workspaceId"),
                                environment_id=request.args.get("environmentId"),
                                principal_id=request.args.get(_PRINCIPAL_FILTER[kind]))
        return jsonify([permission(record) for record in found])

    def batch(action: str):
        def change() -> Response | tuple[str, int]:
            outcomes = records.apply_batch(context.world(), kind, _types(), action, manageable())
            if all(outcome.status < 300 for outcome in outcomes):
                return "", 204
            response = jsonify([_outcome(outcome) for outcome in outcomes])
            response.status_code = 207  # some items failed: each says how (the published multi-status)
            return response
        return change

    def delete_all() -> tuple[str, int]:
        records.delete_many(context.world(), kind, _ids("workspaceIds"), _ids(_PRINCIPAL_IDS[kind]), manageable())
        return "", 204

    name = "sa" if kind == SERVICE_ACCOUNT else "user"
    bp.add_url_rule(_MANY[kind], endpoint=f"list_{name}_permissions", view_func=list_all, methods=["GET"])
    for method, action in (("POST", "create"), ("PUT", "update")):
        bp.add_url_rule(f"{_MANY[kind]}/batch", endpoint=f"{action}_{name}_permissions",
                        view_func=batch(action), methods=[method])
    bp.add_url_rule(f"{_MANY[kind]}/batch", endpoint=f"delete_{name}_permissions", view_func=delete_all,
                    methods=["DELETE"])


for _kind in (USER, SERVICE_ACCOUNT):
    _one(_kind)
    _many(_kind)
