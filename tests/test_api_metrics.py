"""Component metrics: a run's components, and the environment search with its 5-a-minute limit."""
import pytest

from .conftest import CHECK_REJECTS, DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT
from .errors import assert_error

SEARCH = "/monitoring/observability/metrics/component"


def test_a_finished_runs_components(api):
    run_id = api.execute(CHECK_REJECTS)
    api.advance(60)
    body = api.get(f"/monitoring/observability/executions/{run_id}/component").json
    assert (body["task_execution_id"], body["rows_rejected"], body["artifact_name"]) == (run_id, 17, "rejects_check")
    items = body["metrics"]["items"]
    assert [m["connector_type"] for m in items] == ["tFileInputDelimited", "tMap", "tDBOutput", "tLogRow"]
    assert [m["component_connection_rows_total"] for m in items] == [980, 963, 963, 17]
    assert body["metrics"]["total"] == 4 and body["processes"][0]["job_name"] == "rejects_check"
    by_rows = api.get(f"/monitoring/observability/executions/{run_id}/component",
                      query_string={"sortBy": "component_connection_rows_total", "sortOrder": "desc"}).json
    assert by_rows["metrics"]["items"][0]["component_connection_rows_total"] == 980


def test_runs_without_metrics_and_bad_queries(api):
    assert_error(api.get("/monitoring/observability/executions/nope/component"), 404, "Execution nope not found")
    run_id = api.execute(LOAD_CUSTOMERS)  # received, not yet started
    assert_error(api.get(f"/monitoring/observability/executions/{run_id}/component"),
                 404, f"Execution {run_id} never started: it has no component metrics")
    api.advance(60)
    assert_error(api.get(f"/monitoring/observability/executions/{run_id}/component",
                         query_string={"sortBy": "colour"}),
                 400, "Query parameter 'sortBy': 'colour' is not one of")


def query(api, **body):
    return api.post(SEARCH, json={"environmentId": DEV_ENV, "startTime": "2024-03-01T00:00:00Z",
                                  "endTime": "2024-03-02T00:00:00Z", **body})


def test_search_filters_and_the_rate_limit(api):
    api.execute(CHECK_REJECTS)
    api.execute(NIGHTLY_REPORT)
    api.advance(3600)
    everything = query(api).json
    assert everything["total"] == 7  # 4 components of one run, 3 of the other
    outputs = query(api, filters=[{"field": "connector_type", "operator": "in", "value": ["tDBOutput"]}]).json
    assert {row["job_name"] for row in outputs["items"]} == {"rejects_check", "nightly_report"}
    assert query(api, filters=[{"field": "component_start_time_seconds", "operator": "gt", "value": 4102444800}]
                 ).json["total"] == 0
    assert len(query(api, limit=2).json["items"]) == 2
    assert query(api, sortBy="job_name").status_code == 200  # the fifth query of this minute
    limited = query(api)  # the sixth
    assert_error(limited, 429, "At most 5 component metric queries a minute")
    assert int(limited.headers["Retry-After"]) > 0
    api.advance(61)
    assert query(api).status_code == 200


@pytest.mark.parametrize("body, says", [
    ({"endTime": "2024-02-01T00:00:00Z"}, "endTime must not be before startTime"),
    ({"startTime": "yesterday"}, "Field 'startTime' must be an ISO-8601 date-time, got 'yesterday'"),
    ({"filters": [{"field": "pid", "operator": "gt", "value": 1}, {"field": "pid", "operator": "gte", "value": 1}]},
     "'filters[0].field': 'pid' is not one of"),
    ({"limit": 201}, "'limit': 201 is greater than the maximum of 200"),
])
def test_bad_searches(api, body, says):
    assert_error(query(api, **body), 400, says)
