"""The audit log: GET /security/audit/logs (newest first, a date or id window, pages whose figures travel in
the published headers), and the after-request hook that records each change the API answered with a 2xx
(domain/audit.py says which requests are changes)."""
from __future__ import annotations

import json

from flask import Blueprint, Request, Response, g, jsonify, request

from . import context, params
from .authorization import operation_of
from ..domain import audit
from ..domain.common.timeutil import to_iso
from ..domain.model.definitions import AuditEntry
from ..domain.subscription import subscription_of
from ..errors import BadRequest, Forbidden

bp = Blueprint("audit", __name__)

_OPERATIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
# Published: "support level is too low (Platinum or Mission Critical are required)" is a 403.
SUPPORT_LEVELS = ("PLATINUM", "MISSION_CRITICAL", "MISSION CRITICAL")
MAX_SIZE = 1000
_ID_FIELDS = ("id", "executionId")
_SMALL = 64 * 1024  # a creation's answer is read for its id only when it is this small (never a download)


def log_entry(entry: AuditEntry) -> dict:
    """The published AuditLog."""
    body: dict = {"timestamp": to_iso(entry.timestamp), "logId": entry.log_id, "applicationId": "TMC",
                  "eventCategory": entry.family, "eventType": entry.operation_id,
                  "eventOperation": _OPERATIONS.get(entry.method, entry.method.lower()), "clientIp": entry.client_ip,
                  "userId": entry.principal_id, "username": entry.username}
    if "@" in entry.username:
        body["email"] = entry.username
    body["request"] = {"url": entry.url, "method": entry.method, "userAgent": entry.user_agent}
    body["response"] = {"code": str(entry.status)}
    if entry.created_id:
        body["response"]["body"] = json.dumps({"id": entry.created_id})
    return body


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    """page and size are published as strings of digits."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        bound = f" and at most {maximum}" if maximum else ""
        raise BadRequest(f"Query parameter '{name}' must be a whole number from 1{bound}, got {raw!r}")
    return int(raw)


@bp.get("/security/audit/logs")
def list_audit_logs() -> Response:
    world = context.world()
    level = subscription_of(world).support_level.upper()
    if level not in SUPPORT_LEVELS:
        raise Forbidden(f"The audit log needs a Platinum or Mission Critical support level; this account's is "
                        f"{level}")
    page, size = _positive("page", 1), _positive("size", 100, MAX_SIZE)
    entries = audit.window(world, context.now(), params.date_time("fromDate"), params.date_time("toDate"),
                           request.args.get("fromId"))
    shown = entries[(page - 1) * size:page * size]
    pages = (len(entries) + size - 1) // size
    response = jsonify([log_entry(entry) for entry in shown])
    response.headers.update({"page-number": str(page), "page-first": str(page == 1).lower(),
                             "page-last": str(page >= pages).lower(), "total-elements": str(len(entries)),
                             "total-pages": str(pages), "page-total-elements": str(len(shown))})
    return response


def _created_id(response: Response) -> str:
    if response.status_code not in (200, 201) or response.mimetype != "application/json" or \
            response.direct_passthrough or (response.content_length or _SMALL + 1) > _SMALL:
        return ""
    body = response.get_json(silent=True)
    found = next((body[name] for name in _ID_FIELDS if isinstance(body, dict) and name in body), "")
    return found if isinstance(found, str) else ""


def record_change(req: Request, response: Response) -> None:
    """after_request: a change the API answered with a 2xx goes into the caller's audit log."""
    flags = g._get_current_object()
    world = flags.get("mocktmc_world")
    if world is None or req.method not in audit.CHANGES or not 200 <= response.status_code < 300:
        return
    operation_id = operation_of(req)
    if operation_id is None:
        return
    audit.record(world, flags.mocktmc_now, flags.mocktmc_principal, operation_id,
                 req.path.lstrip("/").split("/", 1)[0], req.method, req.full_path.rstrip("?"), response.status_code,
                 _created_id(response), req.remote_addr or "", req.user_agent.string or "")
