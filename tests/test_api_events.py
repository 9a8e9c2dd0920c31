"""Scheduled runs ahead: task and plan events, and the environment search (maintenance windows)."""
from datetime import datetime, timezone

import pytest

from mocktmc.domain.common.timeutil import to_ms

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PROD_ENV, SYNC_ORDERS
from .errors import assert_error

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
MONTHLY = {"type": "MONTHLY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
           "atDays": {"type": "DAY_OF_MONTH", "day": 20}, "atTimes": {"type": "AT_TIME", "time": "18:00"}}
DAILY = {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
         "atTimes": {"type": "AT_TIME", "time": "18:00"}}


def ms(text):
    return to_ms(datetime.fromisoformat(text).replace(tzinfo=timezone.utc))


def schedule(api, task_id, trigger):
    response = api.client.put(f"/orchestration/executables/tasks/{task_id}/run-config", headers=api.headers,
                              json={"trigger": trigger, "runtime": {"type": "CLOUD"}})
    assert response.status_code == 200, response.json


def test_task_events_are_a_page_of_instants(api):
    schedule(api, LOAD_CUSTOMERS, MONTHLY)
    path = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config/events"
    page = api.get(path, query_string={"to": ms("2024-12-31T00:00:00")}).json
    assert page["total"] == 10 and page["items"][:2] == ["2024-03-20T18:00:00.000Z", "2024-04-20T18:00:00.000Z"]
    window = api.get(path, query_string={"from": ms("2024-06-01T00:00:00"), "to": ms("2024-08-31T00:00:00"),
                                         "limit": 2, "offset": 1}).json
    assert (window["total"], window["items"]) == (3, ["2024-07-20T18:00:00.000Z", "2024-08-20T18:00:00.000Z"])
    unscheduled = api.get(f"/orchestration/executables/tasks/{SYNC_ORDERS}/run-config/events",
                          query_string={"to": ms("2025-01-01T00:00:00")}).json
    assert unscheduled["total"] == 0 and unscheduled["items"] == []


def test_plan_events(api):
    api.client.put(f"/orchestration/executables/plans/{DAILY_PLAN}/run-config", headers=api.headers,
                   json={"trigger": DAILY})
    page = api.get(f"/orchestration/executables/plans/{DAILY_PLAN}/run-config/events",
                   query_string={"to": ms("2024-03-05T00:00:00")}).json
    assert page["items"] == [f"2024-03-0{d}T18:00:00.000Z" for d in range(1, 5)]


@pytest.mark.parametrize("path, query, status, says", [
    (f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config/events", {}, 400,
     "Query parameter 'to' is required"),
    (f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config/events", {"from": 2000, "to": 1000}, 400,
     "'from' must not be after 'to'"),
    ("/orchestration/executables/tasks/nope/run-config/events", {"to": 1000}, 404, "Task nope not found"),
    ("/orchestration/executables/plans/nope/run-config/events", {"to": 1000}, 404, "Plan nope not found"),
])
def test_bad_event_queries(api, path, query, status, says):
    assert_error(api.get(path, query_string=query), status, says)


def test_a_year_of_events_every_minute_is_counted_without_listing_them(api):
    every_minute = {"type": "CRON", "cronExpression": "* * * * *", "startDate": "2024-03-01", "timeZone": "UTC"}
    schedule(api, LOAD_CUSTOMERS, every_minute)
    path = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config/events"
    page = api.get(path, query_string={"to": ms("2025-03-01T00:00:00")}).json
    # From 2024-03-01T09:00 (now) to 2025-03-01T00:00, both ends included: 365 days less 9 hours, plus one.
    assert page["total"] == (365 * 24 - 9) * 60 + 1
    assert page["items"][:2] == ["2024-03-01T09:00:00.000Z", "2024-03-01T09:01:00.000Z"]
    last = api.get(path, query_string={"to": ms("2025-03-01T00:00:00"), "offset": page["total"] - 1}).json
    assert last["items"] == ["2025-03-01T00:00:00.000Z"]


def test_the_maintenance_window_search(api):
    nightly = api.post("/orchestration/executables/events/search",
                       json={"environmentId": DEV_ENV, "to": ms("2024-05-31T00:00:00")}).json
    # The demo's nightly report runs at 02:00 Paris time: 01:00 UTC, then 00:00 UTC from 31 March.
    assert nightly["total"] == 91 and {i["id"] for i in nightly["items"]} == {NIGHTLY_REPORT}
    assert [i["date"] for i in nightly["items"][29:32]] == ["2024-03-31T01:00:00.000Z", "2024-04-01T00:00:00.000Z",
                                                            "2024-04-02T00:00:00.000Z"]
    assert api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/run-config").status_code == 204
    schedule(api, LOAD_CUSTOMERS, MONTHLY)
    schedule(api, SYNC_ORDERS, {**MONTHLY, "atDays": {"type": "DAY_OF_MONTH", "day": 5}})
    api.client.put(f"/orchestration/executables/plans/{DAILY_PLAN}/run-config", headers=api.headers,
                   json={"trigger": {**MONTHLY, "atDays": {"type": "DAY_OF_MONTH", "day": 20}}})
    # Talend's own example sends `to` as a string of digits.
    body = {"environmentId": DEV_ENV, "to": str(ms("2024-05-31T00:00:00"))}
    page = api.post("/orchestration/executables/events/search", json=body).json
    assert page["total"] == 9  # three monthly schedules, March to May
    assert [(i["date"][:10], i["type"]) for i in page["items"][:4]] == [
        ("2024-03-05", "TASK"), ("2024-03-20", "TASK"), ("2024-03-20", "PLAN"), ("2024-04-05", "TASK")]
    dates_then_ids = [(i["date"], i["id"]) for i in page["items"]]
    assert dates_then_ids == sorted(dates_then_ids)
    tagged = api.post("/orchestration/executables/events/search", json={**body, "tags": ["daily"]}).json
    assert {i["id"] for i in tagged["items"]} == {LOAD_CUSTOMERS}  # tags select tasks; plans have none
    assert api.post("/orchestration/executables/events/search",
                    json={**body, "workspaceIds": ["65f1a0c2e4b0a1b2c3d40102"]}).json["total"] == 0
    assert api.post("/orchestration/executables/events/search",
                    json={"environmentId": PROD_ENV, "to": body["to"]}).json["total"] == 0
    paged = api.post("/orchestration/executables/events/search", json={**body, "limit": 3, "offset": 6}).json
    assert (paged["total"], len(paged["items"]), paged["offset"]) == (9, 3, 6)


@pytest.mark.parametrize("body, status, says", [
    ({"environmentId": DEV_ENV}, 400, "'to' is a required property"),
    ({"environmentId": "nope", "to": 1000}, 404, "Environment nope not found"),
    ({"environmentId": DEV_ENV, "to": "soon"}, 400, "'to': 'soon' is not valid"),
    ({"environmentId": DEV_ENV, "to": 1000, "from": 2000}, 400, "'from' must not be after 'to'"),
    ({"environmentId": DEV_ENV, "to": 1000, "runtime": {"type": "MOON"}}, 400, "'runtime.type': 'MOON' is not one of"),
    ({"environmentId": DEV_ENV, "to": 1000, "workspaceIds": DEV_SALES_WS}, 400,
     "'workspaceIds': '65f1a0c2e4b0a1b2c3d40101' is not of type 'array'"),
])
def test_bad_searches(api, body, status, says):
    assert_error(api.post("/orchestration/executables/events/search", json=body), status, says)
