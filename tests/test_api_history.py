"""Run histories across tasks (GET and POST /processing/executables/tasks/executions) and misfires."""
from datetime import timedelta

import pytest

from mocktmc.domain.common.timeutil import to_ms

from .conftest import (DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PROD_ENV, START, SYNC_ORDERS)
from .errors import assert_error

PROD_TASK = "65f1a0c2e4b0a1b2c3d42101"
PATH = "/processing/executables/tasks/executions"


def test_every_task_run_newest_first_with_filters(api):
    load, sync = api.execute(LOAD_CUSTOMERS), api.execute(SYNC_ORDERS)
    api.advance(60)
    prod = api.execute(PROD_TASK)
    page = api.get(PATH).json
    assert [i["executionId"] for i in page["items"]] == [prod, sync, load]
    assert [i["executionId"] for i in api.get(PATH, query_string={"environmentId": PROD_ENV}).json["items"]] == [prod]
    assert api.get(PATH, query_string={"workspaceId": DEV_SALES_WS}).json["total"] == 2
    assert [i["executionId"] for i in api.get(PATH, query_string={"status": "execution_failed"}).json["items"]] == [sync]


def test_post_filters_by_tags_and_window(api):
    load, sync = api.execute(LOAD_CUSTOMERS), api.execute(SYNC_ORDERS)
    api.advance(60)
    tagged = api.post(PATH, json={"tags": ["sales", "daily"]}).json
    assert [i["executionId"] for i in tagged["items"]] == [load]  # every tag must be on the task
    assert api.post(PATH, json={"tags": ["sales"]}).json["total"] == 2
    window = {"from": to_ms(START - timedelta(days=1)), "to": to_ms(START + timedelta(minutes=5))}
    assert api.post(PATH, json=window).json["total"] == 2
    assert api.post(PATH, json={"lastDays": 1, "limit": 1}).json["items"][0]["executionId"] in (load, sync)


@pytest.mark.parametrize("body, says", [
    ({"environmentId": PROD_ENV, "workspaceId": DEV_SALES_WS},
     "The workspace must belong to the environment when both are given"),
    ({"from": to_ms(START - timedelta(days=90)), "to": to_ms(START)},
     "The period between 'from' and 'to' must not exceed 60 days"),
    ({"from": to_ms(START), "to": to_ms(START - timedelta(days=1))}, "'from' must not be after 'to'"),
    ({"lastDays": 61}, "'lastDays': 61 is greater than the maximum of 60"),
    ({"status": "running"}, "'status': 'running' is not one of"),
    ({"tags": "sales"}, "'tags': 'sales' is not of type 'array'"),
])
def test_bad_searches(api, body, says):
    assert_error(api.post(PATH, json=body), 400, says)


def test_get_refuses_a_period_over_60_days(api):
    query = {"from": to_ms(START - timedelta(days=61)), "to": to_ms(START)}
    assert_error(api.get(PATH, query_string=query), 400, "The period between 'from' and 'to' must not exceed 60 days")
    assert_error(api.get(PATH, query_string={"environmentId": DEV_ENV, "workspaceId": "65f1a0c2e4b0a1b2c3d40201"}),
                 400, "The workspace must belong to the environment when both are given")


def test_a_second_manual_run_misfires(api):
    first = api.execute(NIGHTLY_REPORT)
    second = api.run(api.execute(NIGHTLY_REPORT))
    assert second["misfiredExecutionReason"] == "PARALLEL_EXECUTION_FORBIDDEN"
    assert (second["status"], second["executionStatus"]) == ("terminated", "EXECUTION_TERMINATED")
    assert "finishTimestamp" not in second and "startTimestamp" not in second  # never started: quirk misfire_never_started
    assert api.run(first)["status"] == "dispatching"
    item = api.get(f"/processing/executables/tasks/{NIGHTLY_REPORT}/executions").json["items"][0]
    assert item["misfiredExecutionReason"] == "PARALLEL_EXECUTION_FORBIDDEN"
