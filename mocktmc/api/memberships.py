"""PUT and DELETE {parent}/{members}/{memberId}: one shape for every assignment the API publishes."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint

from . import context

Change = Callable[..., None]  # (world, parent id, member id)


def membership_routes(bp: Blueprint, rule: str, parent: str, member: str, assign: Change, unassign: Change) -> None:
    """Register PUT (assign, 204) and DELETE (unassign, 204) on `rule`, e.g. ".../<projectId>/users/<userId>"."""
    def put(**ids: str):
        assign(context.world(), ids[parent], ids[member])
        return "", 204

    def delete(**ids: str):
        unassign(context.world(), ids[parent], ids[member])
        return "", 204

    name = rule.rsplit("/", 2)[-2].replace("-", "_")
    bp.add_url_rule(rule, f"add_{name}", put, methods=["PUT"])
    bp.add_url_rule(rule, f"remove_{name}", delete, methods=["DELETE"])
