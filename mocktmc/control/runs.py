"""GET /_mocktmc/runs: every run of an account, task, plan and promotion alike, newest first (the dashboard's
runs table and timeline; domain/executions/overview.py says what a row holds and how it is found)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request

from ..api import context, params
from . import access
from ..domain.common.timeutil import from_ms, to_iso
from ..domain.executions import overview
from ..errors import BadRequest

bp = Blueprint("control_runs", __name__, url_prefix="/_mocktmc")

PARAMETERS = ("account", "kind", "outcome", "environmentId", "from", "to", "offset", "limit")
MAX_LIMIT = 500
EARLIEST = from_ms(0)


def _listed(name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated choice (`kind=task,plan`); absent: all of them."""
    raw = request.args.get(name)
    if raw is None:
        return allowed
    chosen = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [part for part in chosen if part not in allowed]
    if unknown or not chosen:
        raise BadRequest(f"Query parameter '{name}' takes a comma-separated list of {', '.join(allowed)}; "
                         f"got {raw!r}")
    return chosen


def _moment(name: str) -> datetime | None:
    """A date-time (ISO-8601) or epoch milliseconds, as the clock control takes them."""
    raw = request.args.get(name)
    if raw is None:
        return None
    return params.epoch_ms(name) if raw.strip().isdigit() else params.date_time(name)


def _row(row: overview.RunRow) -> dict:
    def when(moment: datetime | None) -> str | None:
        return to_iso(moment) if moment is not None else None
    return {"kind": row.kind, "id": row.id, "executableId": row.executable_id, "name": row.name,
            "environmentId": row.environment_id, "workspaceId": row.workspace_id, "status": row.status,
            "outcome": row.outcome, "trigger": row.trigger, "triggered": when(row.triggered),
            "started": when(row.started), "finished": when(row.finished)}


@bp.get("/runs")
def list_runs():
    params.only(PARAMETERS)
    kinds = _listed("kind", overview.KINDS)
    outcomes = _listed("outcome", overview.OUTCOMES)
    start, end = _moment("from"), _moment("to")
    offset, limit = params.integer("offset", 0, 0, 100_000), params.integer("limit", 50, 1, MAX_LIMIT)
    accounts = context.state().accounts
    world = accounts.world(access.account_or_default())
    with world.lock:
        now = accounts.clock_of(world).now()
        world.settle(now)
        start, end = start or EARLIEST, end or now
        if start > end:
            raise BadRequest(f"Query parameter 'from' ({to_iso(start)}) must not be after 'to' ({to_iso(end)})")
        found = overview.page(world, now, kinds=kinds, outcomes=outcomes,
                              environment_id=request.args.get("environmentId") or None,
                              start=start, end=end, offset=offset, limit=limit)
        items = [_row(row) for row in found.items]
    return jsonify({"account": world.account_id, "now": to_iso(now), "items": items, "total": found.total,
                    "offset": offset, "limit": limit})
