"""POST /monitoring/observability/executions/search: the execution history, filtered and paged."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .. import bodies, context
from ..visibility import viewable_ids
from ...domain.monitoring import history_search
from ...errors import BadRequest

bp = Blueprint("monitoring_history", __name__)


def _records(body: dict) -> list[dict]:
    filters = body.get("filters") or []
    if not isinstance(filters, list):
        raise BadRequest("Field 'filters' must be an array")
    exclude = bodies.choice(body, "exclude", ("PLAN_EXECUTIONS", "TASK_EXECUTIONS_TRIGGERED_BY_PLAN")) or \
        "TASK_EXECUTIONS_TRIGGERED_BY_PLAN"
    return history_search.search(context.world(), environment_id=bodies.required_string(body, "environmentId"),
                                 category=bodies.required_string(body, "category"), filters=filters, exclude=exclude,
                                 viewable=viewable_ids())


@bp.post("/monitoring/observability/executions/download")
def download_history():
    """The same records as CSV, by keyset pages: `lastId` is the last id of the previous page."""
    body = bodies.json_object()
    limit = bodies.integer(body, "limit", 1000)
    if not 1 <= limit <= 100_000:
        raise BadRequest(f"limit must be in [1, 100000], got {limit}")
    records = _records(body)
    last_id = bodies.string(body, "lastId")
    if last_id:
        position = next((i for i, r in enumerate(records) if r["id"] == last_id), None)
        if position is None:
            raise BadRequest(f"lastId {last_id} is not among the executions this search finds")
        records = records[position + 1:]
    text = history_search.to_csv(records[:limit], context.world().account_id)
    response = Response(text.encode("utf-8"), mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = 'attachment; filename="executions.csv"'
    return response


@bp.post("/monitoring/observability/executions/search")
def search_history():
    body = bodies.json_object()
    limit = bodies.integer(body, "limit", 50)
    offset = bodies.integer(body, "offset") or 0
    if not 1 <= limit <= 200 or offset < 0:
        raise BadRequest(f"limit must be in [1, 200] and offset >= 0, got limit {limit}, offset {offset}")
    if offset >= history_search.MAX_PAGES * limit:
        raise BadRequest(f"The offset is limited to {history_search.MAX_PAGES} pages of {limit}")
    # A request may ask for pages of 1 to 4, but the published page never holds fewer than 5: such a
    # request gets a page of 5, which says so in its `limit`.
    limit = max(limit, history_search.SMALLEST_PAGE)
    found = _records(body)
    return jsonify({"items": found[offset:offset + limit], "limit": limit, "offset": offset,
                    "nextPageExists": offset + limit < len(found)})
