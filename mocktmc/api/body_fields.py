"""Which fields a JSON object body may and must carry: those of its contract operation, save the departures below.

The contracts are the one source of request shapes. With --validate on they are checked before any
handler runs; the handlers read their fields from the same documents, so that with --validate off
(where the handlers' checks are all that guards the world) a body the contract refuses is still a 400
naming the field. Where the mock knowingly takes a body other than the published document says,
DEPARTURES records it, with the reason, in this one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

from flask import g, request

from ..contract_documents import CONTRACTS, contract, operations_in, resolve, rule_template


@dataclass(frozen=True)
class BodyFields:
    """What a JSON object body may and must carry."""
    allowed: frozenset[str]
    required: frozenset[str]
    # Required fields for which "" is a value; for any other required field "" is as good as absent.
    blank: frozenset[str] = frozenset()
    # An object-valued field -> the fields the contract names in that object.
    nested: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Departure:
    """Where the mock takes a body other than its published operation says, and why."""
    why: str
    extra: frozenset[str] = frozenset()  # accepted although the contract does not name them
    blank: frozenset[str] = frozenset()  # required fields that may be ""


# (METHOD, contract path) -> the departure. A legacy operation is served by its 2021-03 handler and takes
# that operation's fields (api/legacy/routes.py pairs them), so only 2021-03 and control operations appear.
DEPARTURES: dict[tuple[str, str], Departure] = {
    ("PUT", "/orchestration/executables/plans/{planId}/run-config"): Departure(
        "v2.6 clients send the plan's `runtime` too: accepted and not kept, since a plan runs each step on "
        "its task's runtime", extra=frozenset({"runtime"})),
    ("PATCH", "/orchestration/executables/promotions/{promotionId}"): Departure(
        "an empty description is a fine one: it clears the description", blank=frozenset({"description"})),
    ("PUT", "/orchestration/executables/tasks/{taskId}"): Departure(
        "an empty description is a fine one: clients send \"\" for a task that has none",
        blank=frozenset({"description"})),
}


def _object_fields(doc: dict, schema: dict) -> frozenset[str]:
    return frozenset(resolve(doc, schema).get("properties", {}))


@lru_cache(maxsize=None)
def contract_fields() -> dict[tuple[str, str], BodyFields]:
    """(METHOD, contract path) -> the fields of every operation whose JSON body is an object, departures applied."""
    found = {}
    for family in CONTRACTS:
        doc = contract(family)
        for path, _, method, operation in operations_in(doc):
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is None or "properties" not in resolve(doc, schema):
                continue
            schema = resolve(doc, schema)
            key = (method.upper(), path)
            departure = DEPARTURES.get(key, Departure(""))
            properties = schema["properties"]
            # A readOnly property is the server's to send (a service account's id and dates): required in
            # answers, never in requests, as OpenAPI says.
            required = frozenset(name for name in schema.get("required", ())
                                 if not resolve(doc, properties.get(name, {})).get("readOnly"))
            found[key] = BodyFields(
                allowed=frozenset(properties) | departure.extra, required=required,
                blank=departure.blank,
                nested={name: _object_fields(doc, sub) for name, sub in properties.items()
                        if "properties" in resolve(doc, sub)})
    return found


def serve_as(method: str, path: str) -> None:
    """Say that this request is served by the handler of another operation (a legacy route's 2021-03 one)."""
    g.mocktmc_served_operation = (method.upper(), path)


def served() -> BodyFields:
    """The body fields of the operation whose handler is answering this request."""
    rule = request.url_rule
    if rule is None:
        raise LookupError(f"{request.method} {request.path} matched no route, so it has no contract operation")
    key = g.get("mocktmc_served_operation") or (request.method, rule_template(rule.rule))
    try:
        return contract_fields()[key]
    except KeyError:
        raise LookupError(f"{key[0]} {key[1]} has no JSON object body in the contracts") from None
