"""Every TMC API request is held to the permissions table (domain/permissions.py) before its handler runs.

The request's operation is found from its URL rule (a legacy /tmc/ operation needs what the 2021-03 operation
that serves it needs, api/legacy/routes.py), the ids the table's Locate names are read from the path or the JSON
body, and the domain says what the caller lacks. A refusal is a 403 raised before the handler, so it changes
nothing; it is checked whatever --validate says. A token the accounts registry does not know acts as an
administrator (Accounts.identify): nothing is checked for it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from flask import Request, g

from ..contract_documents import TMC_CONTRACTS, contract, operations_in, rule_template
from ..domain import access
from ..domain.permissions import PERMISSIONS, Locate
from .legacy.routes import ROUTES

_NAMES = re.compile(r"\{([^}]+)\}")


@lru_cache(maxsize=1)
def served_operations() -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """(contract path, METHOD) -> (the table's operationId, {2021-03 path parameter: the request's name for it})."""
    found: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for family in TMC_CONTRACTS:
        if family == "legacy":
            continue
        for path, _, method, operation in operations_in(contract(family)):
            found[(path, method.upper())] = (operation["operationId"], {n: n for n in _NAMES.findall(path)})
    for route in ROUTES:
        target, _ = found[(route.target_path, route.target_method)]
        names = dict(zip(_NAMES.findall(route.target_path), _NAMES.findall(route.path)))
        found[(route.path, route.method)] = (target, names)
    return found


@lru_cache(maxsize=None)  # one entry per URL rule and method: asked on every request
def _operation_of(url_rule: str, method: str) -> tuple[str, dict[str, str]] | None:
    # HEAD reads what GET reads: it needs what GET needs.
    return served_operations().get((rule_template(url_rule), "GET" if method == "HEAD" else method))


def operation_of(request: Request) -> str | None:
    """The operationId of the table that a request is served as (a legacy one's 2021-03 operation), if any."""
    if request.url_rule is None:
        return None
    served = _operation_of(request.url_rule.rule, request.method)
    return None if served is None else served[0]


def _body_field(request: Request, name: str) -> Any:
    """A field of the JSON object body, or None when there is none (the handler says what is wrong with it)."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body.get(name) if isinstance(body, dict) else None


def _form_field(request: Request, part: str, name: str) -> Any:
    """A field of the JSON object a multipart part holds (a form field or a file part), or None; a file part is
    put back at its start for the handler."""
    if request.mimetype != "multipart/form-data":
        return None  # the handler answers 415
    raw: Any = request.form.get(part)
    if raw is None and part in request.files:
        upload = request.files[part]
        raw = upload.read().decode("utf-8", errors="replace")
        upload.seek(0)
    try:
        details = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return details.get(name) if isinstance(details, dict) else None


def _scope(request: Request, world: Any, locate: Locate, names: dict[str, str]) -> access.Scope:
    """The scope the id a Locate names is in; account-wide when the request names none (the handler says so)."""
    if locate.source == "path":
        value = (request.view_args or {}).get(names.get(locate.name, locate.name))
    elif locate.source == "body":
        value = _body_field(request, locate.name)
    else:
        value = _form_field(request, locate.part, locate.name)
    return access.scope_of(world, locate.kind, value) if isinstance(value, str) else access.ACCOUNT_WIDE


def check_permissions(request: Request) -> None:
    """before_request: the 403 the caller's roles and workspace permissions call for, if any."""
    flags = g._get_current_object()
    world = flags.get("mocktmc_world")
    if world is None or not flags.get("mocktmc_checked") or request.url_rule is None:
        return
    served = _operation_of(request.url_rule.rule, request.method)
    if served is None:
        return  # no operation of the table (OPTIONS, which app.py answers 405)
    if "permissions_ignored" in world.defects:
        return  # the deliberate bug (mocktmc/defects.py) the kit's authorization suite must catch
    operation_id, names = served
    rule = PERMISSIONS[operation_id]
    scopes = [_scope(request, world, locate, names) for locate in (rule.locate, rule.target) if locate is not None]
    access.check(world, flags.mocktmc_principal.user_id, operation_id, *scopes)
