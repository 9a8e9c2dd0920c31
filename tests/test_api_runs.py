"""The core client loop over HTTP: execute, poll, terminate, history, logs."""
from datetime import timedelta

import pytest

from mocktmc.domain.common.timeutil import parse_iso, to_ms

from .conftest import (ALICE, ARCHIVE_LOGS, CHECK_REJECTS, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, START,
                       SYNC_ORDERS, Api, make_app)
from .errors import assert_error

REQUIRED = {"accountId", "environmentVersion", "executionDestination", "executionId", "executionStatus",
            "executionType", "jobId", "jobVersion", "status", "triggerTimestamp", "userId", "userType",
            "workspaceId"}


def test_execute_answers_201_with_execution_id(api):
    response = api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
    assert response.status_code == 201
    assert list(response.json) == ["executionId"]


def test_poll_to_the_end(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    first = api.run(execution_id)
    assert REQUIRED <= set(first)
    assert (first["status"], first["executionStatus"]) == ("dispatching", "EXECUTION_EVENT_RECEIVED")
    assert first["jobId"] == LOAD_CUSTOMERS and first["workspaceId"] == DEV_SALES_WS
    assert (first["executionType"], first["userType"], first["userId"]) == ("MANUAL", "HUMAN", ALICE)
    assert first["triggerTimestamp"] == "2024-03-01T09:00:00.000Z"
    assert "finishTimestamp" not in first and "startTimestamp" not in first
    api.advance(4)
    middle = api.run(execution_id)
    assert (middle["status"], middle["executionStatus"]) == ("executing", "STARTING_FLOW_EXECUTION")
    assert middle["startTimestamp"] == "2024-03-01T09:00:03.000Z" and "finishTimestamp" not in middle
    api.advance(10)
    last = api.run(execution_id)
    assert (last["status"], last["executionStatus"]) == ("execution_successful", "EXECUTION_SUCCESS")
    assert last["finishTimestamp"] == "2024-03-01T09:00:08.000Z"
    assert last["numberOfProcessedRows"] == 1250


@pytest.mark.parametrize("task_id, status, execution_status", [
    (SYNC_ORDERS, "execution_failed", "EXECUTION_FAILED"),
    (CHECK_REJECTS, "execution_rejected", "EXECUTION_REJECTED"),
])
def test_failing_and_rejecting_tasks(api, task_id, status, execution_status):
    execution_id = api.execute(task_id)
    api.advance(60)
    run = api.run(execution_id)
    assert (run["status"], run["executionStatus"]) == (status, execution_status)
    assert ("errorMessage" in run) == (status == "execution_failed")


def test_terminate_a_running_run(api):
    execution_id = api.execute(NIGHTLY_REPORT)
    api.advance(60)
    response = api.delete(f"/processing/executions/{execution_id}")
    assert response.status_code == 204 and response.data == b""
    stopping = api.run(execution_id)
    assert (stopping["status"], stopping["executionStatus"]) == ("executing", "STOPPING_FLOW_EXECUTION")
    assert "finishTimestamp" not in stopping
    api.advance(10)
    done = api.run(execution_id)
    assert (done["status"], done["executionStatus"]) == ("terminated", "EXECUTION_TERMINATED")
    assert "finishTimestamp" in done


def test_terminating_a_finished_run_is_a_400_naming_its_status(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    response = api.delete(f"/processing/executions/{execution_id}")
    assert response.status_code == 400
    assert "EXECUTION_SUCCESS" in response.json["detail"]
    assert api.run(execution_id)["executionStatus"] == "EXECUTION_SUCCESS"


def test_execute_with_options(api):
    execution_id = api.execute(NIGHTLY_REPORT, parameters={"day": "2024-03-01", "limit": 5}, logLevel="INFO",
                               timeout=1)
    api.advance(600)
    run = api.run(execution_id)
    assert run["executionStatus"] == "EXECUTION_TERMINATED_TIMEOUT" and run["status"] == "terminated_timeout"
    assert run["timeout"] == 1


def test_paused_task_is_405(api):
    response = api.post("/processing/executions", json={"executable": ARCHIVE_LOGS})
    assert_error(response, 405, "Current Task is paused, it can't be executed", f"Task {ARCHIVE_LOGS} is paused")


@pytest.mark.parametrize("body, status, says", [
    ({"executable": "000000000000000000000000"}, 404, "Task 000000000000000000000000 not found"),
    ({}, 400, "'executable' is a required property"),
    ({"executable": ""}, 400, "Missing required field: 'executable'"),
    ({"executable": 42}, 400, "'executable': 42 is not of type 'string'"),
    ({"executable": LOAD_CUSTOMERS, "logLevel": "LOUD"}, 400,
     "'logLevel': 'LOUD' is not one of ['OFF', 'ERROR', 'WARN', 'INFO']"),
    ({"executable": LOAD_CUSTOMERS, "timeout": 0}, 400, "'timeout': 0 is less than the minimum of 1"),
    ({"executable": LOAD_CUSTOMERS, "timeout": "5"}, 400, "'timeout': '5' is not of type 'integer'"),
    ({"executable": LOAD_CUSTOMERS, "parameters": ["a"]}, 400, "'parameters': ['a'] is not of type 'object'"),
    ({"executable": LOAD_CUSTOMERS, "taskId": LOAD_CUSTOMERS}, 400, "Unrecognized field: 'taskId'"),
])
def test_bad_execute_requests_change_nothing(api, body, status, says):
    response = api.post("/processing/executions", json=body)
    assert_error(response, status, says)
    assert api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json["total"] == 0


@pytest.mark.parametrize("data, content_type, status, says", [
    (b"{not json", "application/json", 400, "The request body is not valid JSON"),
    (b"\xff\xfe{}", "application/json", 400, "The request body is not valid UTF-8"),
    (b"[1, 2]", "application/json", 400, "Request body: [1, 2] is not of type 'object'"),
    (b"", "application/json", 400, "A JSON request body is required"),
    (b'{"executable": "x"}', "text/plain", 415, "Content-Type must be application/json, got text/plain"),
])
def test_malformed_bodies(api, data, content_type, status, says):
    response = api.post("/processing/executions", data=data, headers={"Content-Type": content_type})
    assert_error(response, status, says)
    assert response.content_type == "application/json"


def test_unknown_execution_is_404(api):
    for response in (api.get("/processing/executions/nope"), api.delete("/processing/executions/nope"),
                     api.get("/monitoring/executions/nope/logs")):
        assert_error(response, 404, "Execution nope not found")


def test_history_newest_first_with_filters(api):
    first = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    second = api.execute(LOAD_CUSTOMERS)
    api.advance(1)
    path = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
    body = api.get(path).json
    assert [item["executionId"] for item in body["items"]] == [second, first]
    assert body["total"] == 2 and body["limit"] == 100 and body["offset"] == 0
    item = body["items"][1]
    assert item["taskId"] == LOAD_CUSTOMERS and item["taskVersion"] == "0.1" and item["status"] == "execution_successful"
    assert [i["executionId"] for i in api.get(path, query_string={"status": "dispatching"}).json["items"]] == [second]
    assert api.get(path, query_string={"status": "execution_successful"}).json["total"] == 1
    assert api.get(path, query_string={"limit": 1, "offset": 1}).json["items"][0]["executionId"] == first


@pytest.mark.parametrize("fidelity", ["observed", "documented"])
def test_history_time_window(fidelity):
    """As documented, a period lists the runs active in it; as observed, those triggered in it
    (quirk history_window_by_trigger)."""
    api = Api(make_app(fidelity=fidelity))
    early = api.execute(LOAD_CUSTOMERS)
    api.advance(3600)
    late = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    path = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
    window = {"from": to_ms(START + timedelta(seconds=5)), "to": to_ms(START + timedelta(minutes=30))}
    listed = [i["executionId"] for i in api.get(path, query_string=window).json["items"]]
    assert listed == ([] if fidelity == "observed" else [early])  # it ran from 0 s to 8 s
    window = {"from": to_ms(START + timedelta(minutes=30))}
    assert [i["executionId"] for i in api.get(path, query_string=window).json["items"]] == [late]


def test_history_last_days(api):
    api.execute(LOAD_CUSTOMERS)
    api.advance(3 * 86400)
    path = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
    assert api.get(path, query_string={"lastDays": 2}).json["total"] == 0
    assert api.get(path, query_string={"lastDays": 4}).json["total"] == 1


@pytest.mark.parametrize("params, says", [
    ({"lastDays": 0}, "'lastDays': 0 is less than the minimum of 1"),
    ({"lastDays": 61}, "'lastDays': 61 is greater than the maximum of 60"),
    ({"status": "running"}, "'status': 'running' is not one of"),
    ({"from": "yesterday"}, "Query parameter 'from' must be an integer, got 'yesterday'"),
    ({"from": 2000, "to": 1000}, "'from' must not be after 'to'"),
    ({"limit": 500}, "'limit': 500 is greater than the maximum of 100"),
])
def test_history_bad_filters(api, params, says):
    response = api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", query_string=params)
    assert_error(response, 400, says)


def test_history_of_unknown_task_is_404(api):
    assert_error(api.get("/processing/executables/tasks/nope/executions"), 404, "Task nope not found")


def read_all_logs(api, execution_id, **params):
    pages, start = [], 0
    while True:
        body = api.get(f"/monitoring/executions/{execution_id}/logs",
                       query_string={"startIndex": start, **params}).json
        pages.append(body)
        if "nextIndex" not in body:
            return pages
        assert body["nextIndex"] > start
        start = body["nextIndex"]


def test_logs_grow_with_the_run_and_page_with_next_index(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    early = api.get(f"/monitoring/executions/{execution_id}/logs").json
    assert early["totalSize"] == 1 and "nextIndex" not in early
    api.advance(60)
    pages = read_all_logs(api, execution_id, count=2, order="ASC")
    entries = [entry for page in pages for entry in page["data"]]
    assert len(entries) == pages[0]["totalSize"] == 6
    assert [p["size"] for p in pages] == [2, 2, 2]
    stamps = [entry["logTimestamp"] for entry in entries]
    assert stamps == sorted(stamps)
    assert entries[0]["logMessage"].startswith("Execution request received")
    assert entries[-1]["logMessage"].startswith("Execution finished successfully")
    assert {"severity", "logType", "logTimestamp", "logMessage", "bundleName", "bundleVersion"} <= set(entries[0])


def test_logs_default_order_is_newest_first(api):
    execution_id = api.execute(SYNC_ORDERS)
    api.advance(60)
    body = api.get(f"/monitoring/executions/{execution_id}/logs").json
    stamps = [entry["logTimestamp"] for entry in body["data"]]
    assert stamps == sorted(stamps, reverse=True)
    assert body["data"][0]["severity"] == "ERROR"


def test_logs_time_filter(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    run = api.run(execution_id)
    started = parse_iso(run["startTimestamp"])
    body = api.get(f"/monitoring/executions/{execution_id}/logs",
                   query_string={"startTime": run["startTimestamp"], "order": "asc"}).json
    assert body["totalSizeFiltered"] < body["totalSize"]
    assert all(entry["logTimestamp"] >= to_ms(started) for entry in body["data"])


@pytest.mark.parametrize("params, says", [
    ({"count": 0}, "'count': 0 is less than the minimum of 1"),
    ({"count": 201}, "'count': 201 is greater than the maximum of 200"),
    ({"count": 1.5}, "Query parameter 'count' must be an integer, got '1.5'"),
    ({"startIndex": -1}, "'startIndex': -1 is less than the minimum of 0"),
    ({"order": "sideways"}, "Query parameter 'order' must be one of ASC, DESC, got 'sideways'"),
    ({"startTime": "noon"}, "Query parameter 'startTime': 'noon' is not a 'date-time'"),
])
def test_logs_bad_params(api, params, says):
    execution_id = api.execute(LOAD_CUSTOMERS)
    response = api.get(f"/monitoring/executions/{execution_id}/logs", query_string=params)
    assert_error(response, 400, says)


def test_the_singular_log_path_answers_as_the_logs_path(api):
    # Talend's API overview names GET /monitoring/executions/{runId}/log; clients copied it.
    execution_id = api.execute(SYNC_ORDERS)
    api.advance(60)
    query = {"count": 3, "order": "ASC", "startIndex": 1}
    singular = api.get(f"/monitoring/executions/{execution_id}/log", query_string=query)
    plural = api.get(f"/monitoring/executions/{execution_id}/logs", query_string=query)
    assert singular.status_code == plural.status_code == 200
    assert singular.json == plural.json and singular.json["size"] == 3
    assert_error(api.get(f"/monitoring/executions/{execution_id}/log", query_string={"count": 0}),
                 400, "Query parameter 'count': 0 is less than the minimum of 1")
    assert_error(api.get("/monitoring/executions/no-such-run/log"), 404, "Execution no-such-run not found")
    assert_error(api.delete(f"/monitoring/executions/{execution_id}/log"),
                 405, f"DELETE is not allowed on /monitoring/executions/{execution_id}/log", allow="GET")
