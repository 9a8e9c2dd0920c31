"""POST /monitoring/observability/executions/search: the execution history, filtered and paged."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context
from ...domain import history_search
from ...errors import BadRequest

bp = Blueprint("monitoring_history", __name__)


@bp.post("/monitoring/observability/executions/search")
def search_history():
    body = bodies.json_object(allowed={"environmentId", "category", "filters", "limit", "offset", "exclude"},
                              required={"environmentId", "category"})
    limit = 50 if bodies.integer(body, "limit") is None else bodies.integer(body, "limit")
    offset = bodies.integer(body, "offset") or 0
    if not 1 <= limit <= 200 or offset < 0:
        raise BadRequest(f"limit must be in [1, 200] and offset >= 0, got limit {limit}, offset {offset}")
    if offset >= history_search.MAX_PAGES * limit:
        raise BadRequest(f"The offset is limited to {history_search.MAX_PAGES} pages of {limit}")
    filters = body.get("filters") or []
    if not isinstance(filters, list):
        raise BadRequest("Field 'filters' must be an array")
    exclude = bodies.choice(body, "exclude", ("PLAN_EXECUTIONS", "TASK_EXECUTIONS_TRIGGERED_BY_PLAN")) or \
        "TASK_EXECUTIONS_TRIGGERED_BY_PLAN"
    found = history_search.search(context.world(), environment_id=bodies.string(body, "environmentId"),
                                  category=bodies.string(body, "category"), filters=filters, exclude=exclude)
    return jsonify({"items": found[offset:offset + limit], "limit": limit, "offset": offset,
                    "nextPageExists": offset + limit < len(found)})
