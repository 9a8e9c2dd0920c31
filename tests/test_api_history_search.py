"""Execution history search (Monitoring): records, filters, category, exclusion, order, pages."""
import pytest

from .conftest import DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, SYNC_ORDERS
from .errors import assert_error

PATH = "/monitoring/observability/executions/search"
DAILY = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"


def search(api, **body):
    response = api.post(PATH, json={"environmentId": DEV_ENV, "category": "ETL", **body})
    assert response.status_code == 200, response.json
    return response.json


def test_records_and_order(api):
    load = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    sync = api.execute(SYNC_ORDERS)
    api.advance(60)
    slow = api.execute(NIGHTLY_REPORT)
    api.advance(5)
    page = search(api)
    assert [r["id"] for r in page["items"]] == [slow, sync, load]  # still running first, then by end time
    assert page["nextPageExists"] is False and page["limit"] == 50
    record = next(r for r in page["items"] if r["id"] == sync)
    assert (record["status"], record["type"], record["triggerType"]) == ("EXECUTION_FAILED", "STANDARD", "MANUAL")
    assert record["taskId"] == SYNC_ORDERS and record["errorMessage"] and record["runEndTime"] > record["triggerTime"]
    assert record["author"] == "alice@demo.mocktmc.local" and record["tags"] == ["sales"]


@pytest.mark.parametrize("filters, expected", [
    ([{"field": "status", "operator": "in", "value": ["EXECUTION_FAILED"]}], {"sync"}),
    ([{"field": "status", "operator": "not_in", "value": "EXECUTION_FAILED"}], {"load"}),
    ([{"field": "name", "operator": "match", "value": "^load"}], {"load"}),
    ([{"field": "tags", "operator": "in", "value": ["daily"]}], {"load"}),
    ([{"field": "taskId", "operator": "or", "value": [{"field": "taskId", "operator": "in", "value": [LOAD_CUSTOMERS]},
                                                       {"field": "status", "operator": "in",
                                                        "value": ["EXECUTION_FAILED"]}]}], {"load", "sync"}),
    ([{"field": "executeDurationMs", "operator": "greater_than", "value": 4000}], {"load", "sync"}),  # 5 s each
    ([{"field": "executeDurationMs", "operator": "between", "value": [0, 4000]}], set()),
    ([{"field": "planId", "operator": "is_empty", "value": True}], {"load", "sync"}),
])
def test_filters(api, filters, expected):
    ids = {"load": api.execute(LOAD_CUSTOMERS), "sync": api.execute(SYNC_ORDERS)}
    api.advance(60)
    found = {r["id"] for r in search(api, filters=filters)["items"]}
    assert found == {ids[name] for name in expected}


def test_plan_runs_and_the_exclusions(api):
    run_id = api.post("/processing/executions/plans", json={"executable": DAILY}).json["executionId"]
    api.advance(120)
    default = search(api)["items"]
    assert [r["type"] for r in default] == ["PLAN"] and default[0]["id"] == run_id  # plan children left out
    assert default[0]["status"] == "EXECUTION_SUCCESS" and "version" not in default[0]
    without_plans = search(api, exclude="PLAN_EXECUTIONS")["items"]
    assert {r["triggerType"] for r in without_plans} == {"PLAN"} and len(without_plans) == 3
    assert search(api, category="ESB")["items"] == []


def test_pages(api):
    for _ in range(7):
        api.execute(LOAD_CUSTOMERS)
        api.advance(60)
    first = search(api, limit=5)  # the published page holds 5 at least (tests/test_corrections.py)
    assert len(first["items"]) == 5 and first["nextPageExists"] is True
    assert search(api, limit=5, offset=5)["nextPageExists"] is False


@pytest.mark.parametrize("body, status, says", [
    ({"limit": 201}, 400, "'limit': 201 is greater than the maximum of 200"),
    ({"limit": 5, "offset": 100}, 400, "The offset is limited to 20 pages of 5"),
    ({"category": "BATCH"}, 400, "'category': 'BATCH' is not one of ['ETL', 'ESB']"),
    ({"filters": [{"field": "colour", "operator": "in", "value": "x"}]}, 400,
     "'filters[0].field': 'colour' is not one of"),
    ({"filters": [{"field": "status ( Status of the execution )", "operator": "in", "value": "x"}]}, 400,
     "'filters[0].field': 'status ( Status of the execution )' is not one"),
    ({"filters": [{"field": "executeDurationMs", "operator": "between", "value": [1]}]}, 400,
     "filters[0].value: between takes [low, high]"),
])
def test_bad_searches(api, body, status, says):
    assert_error(api.post(PATH, json={"environmentId": DEV_ENV, "category": "ETL", **body}), status, says)


def test_csv_download_with_keyset_pages(api):
    import csv
    import io
    ids = []
    for task in (LOAD_CUSTOMERS, SYNC_ORDERS, LOAD_CUSTOMERS):
        ids.append(api.execute(task))
        api.advance(60)
    body = {"environmentId": DEV_ENV, "category": "ETL", "limit": 2}
    first = api.post("/monitoring/observability/executions/download", json=body)
    assert first.status_code == 200 and first.mimetype == "application/octet-stream"
    rows = list(csv.DictReader(io.StringIO(first.get_data(as_text=True))))
    assert len(first.get_data(as_text=True).splitlines()[0].split(",")) == 47
    assert [r["id"] for r in rows] == [ids[2], ids[1]]  # newest end first
    assert rows[1]["status"] == "EXECUTION_FAILED" and rows[1]["triggerTime"].endswith("Z")
    assert rows[0]["accountId"] and rows[0]["tags"] == "sales,daily"
    second = api.post("/monitoring/observability/executions/download", json={**body, "lastId": rows[-1]["id"]})
    assert [r["id"] for r in csv.DictReader(io.StringIO(second.get_data(as_text=True)))] == [ids[0]]
    assert_error(api.post("/monitoring/observability/executions/download",
                          json={**body, "lastId": "nope"}),
                 400, "lastId nope is not among the executions this search finds")
    assert_error(api.post("/monitoring/observability/executions/download",
                          json={**body, "limit": 100001}),
                 400, "'limit': 100001 is greater than the maximum of 100000")
