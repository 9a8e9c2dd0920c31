"""Plans: list filters, create, the chart, replace, delete, pause, run configuration."""
import pytest

from .conftest import (CHECK_REJECTS, DEV_SALES_WS, LOAD_CUSTOMERS, PARTNER_IMPORT, PROD_ENV, SYNC_ORDERS)
from .errors import assert_error

DAILY = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
PROD_TASK = "65f1a0c2e4b0a1b2c3d42101"
STEPS = [{"name": "first", "condition": "ALL_SUCCEEDED", "taskIds": [LOAD_CUSTOMERS]},
         {"name": "then", "condition": "ALWAYS_PROCEED_ON", "taskIds": [SYNC_ORDERS],
          "handlerOnFailure": {"taskIds": [PARTNER_IMPORT]}, "note": "may fail"}]


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def create(api, **change):
    body = {"name": "Backfill", "workspaceId": DEV_SALES_WS, "steps": STEPS, **change}
    return api.post("/orchestration/executables/plans", json=body)


def test_list_and_filters(api):
    page = api.get("/orchestration/executables/plans").json
    assert page["total"] == 1 and page["items"][0]["executable"] == DAILY
    for query, total in (({"environmentId": PROD_ENV}, 0), ({"taskId": CHECK_REJECTS}, 1), ({"taskId": PROD_TASK}, 0),
                         ({"name": "SALES"}, 1), ({"planId": "nope"}, 0), ({"workspaceId": DEV_SALES_WS}, 1)):
        assert api.get("/orchestration/executables/plans", query_string=query).json["total"] == total, query


def test_the_chart_is_a_linked_list_of_steps(api):
    details = api.get(f"/orchestration/executables/plans/{DAILY}").json
    first = details["chart"]
    assert (first["name"], first["status"], first["taskIds"]) == ("Load", "SUCCESS", [LOAD_CUSTOMERS])
    assert first["flows"][0]["name"] == "Load customers" and first["flows"][0]["destination"] == "CLOUD"
    second = first["nextStep"]
    assert (second["name"], second["status"]) == ("Sync and check", "PARTIAL_SUCCESS")
    assert second["stepOnException"]["taskIds"] == [PARTNER_IMPORT] and "nextStep" not in second


def test_create_and_get(api):
    response = create(api)
    assert response.status_code == 201
    created = response.json
    assert (created["author"], created["authorType"]) == ("alice@demo.mocktmc.local", "HUMAN")
    assert [s["name"] for s in created["steps"]] == ["first", "then"]
    assert created["steps"][1]["handlerOnFailure"] == {"taskIds": [PARTNER_IMPORT], "planIds": []}
    assert api.get(f"/orchestration/executables/plans/{created['id']}").json["chart"]["nextStep"]["note"] == "may fail"


@pytest.mark.parametrize("change, detail", [
    ({"steps": []}, "at least one step"),
    ({"workspaceId": "nope"}, "does not exist"),
    ({"steps": [{"name": "x", "condition": "SOMETIMES", "taskIds": [LOAD_CUSTOMERS]}]}, "condition"),
    ({"steps": [{"name": "x", "condition": "ALL_SUCCEEDED", "taskIds": []}]}, "at least one task"),
    ({"steps": [{"name": "x", "condition": "ALL_SUCCEEDED", "taskIds": [PROD_TASK]}]}, "plan's workspace"),
    ({"steps": [{"name": "x", "condition": "ALL_SUCCEEDED", "taskIds": [LOAD_CUSTOMERS],
                 "handlerOnFailure": {"planIds": ["nope"]}}]}, "error handler plan"),
    ({"name": ""}, "name"),
])
def test_bad_creations_change_nothing(api, change, detail):
    response = create(api, **change)
    assert response.status_code == 400 and detail in response.json["detail"], response.json
    assert api.get("/orchestration/executables/plans").json["total"] == 1


def test_replace(api):
    created = create(api).json
    response = put(api, f"/orchestration/executables/plans/{created['id']}",
                    {"name": "Backfill v2", "workspaceId": DEV_SALES_WS, "steps": STEPS[:1]})
    assert response.status_code == 200
    assert (response.json["name"], response.json["description"], len(response.json["steps"])) == ("Backfill v2", "", 1)
    assert_error(put(api, "/orchestration/executables/plans/nope", {"name": "x", "workspaceId": DEV_SALES_WS,
                                                                     "steps": STEPS}),
                 404, "Plan nope not found")
    assert_error(put(api, f"/orchestration/executables/plans/{created['id']}",
                     {"name": "x", "workspaceId": "65f1a0c2e4b0a1b2c3d40201", "steps": STEPS}),
                 400, "A plan can only move to a workspace of its own environment")
    assert api.get(f"/orchestration/executables/plans/{created['id']}").json["name"] == "Backfill v2"  # unchanged


def test_delete_rules(api):
    handler = create(api, name="Handler").json
    user = create(api, name="User", steps=[{**STEPS[0], "handlerOnFailure": {"planIds": [handler["id"]]}}]).json
    response = api.delete(f"/orchestration/executables/plans/{handler['id']}")
    assert response.status_code == 409 and "User" in response.json["detail"]
    assert api.delete(f"/orchestration/executables/plans/{user['id']}").status_code == 204
    assert api.delete(f"/orchestration/executables/plans/{handler['id']}").status_code == 204
    assert_error(api.delete(f"/orchestration/executables/plans/{handler['id']}"),
                 404, f"Plan {handler['id']} not found")
    # A task used by a plan cannot go until the plan does.
    assert_error(api.delete(f"/orchestration/executables/tasks/{CHECK_REJECTS}"),
                 409, "Task 'Check rejects' is used by plan(s) Daily sales pipeline")
    assert api.delete(f"/orchestration/executables/plans/{DAILY}").status_code == 204
    assert api.delete(f"/orchestration/executables/tasks/{CHECK_REJECTS}").status_code == 204


def test_pause_and_run_config(api):
    path = f"/orchestration/executables/plans/{DAILY}"
    assert put(api, path + "/pause", {"pause": True, "pauseContext": "audit"}).status_code == 202
    assert put(api, path + "/pause", {"pause": True}).status_code == 204
    assert api.get(path).json["planPauseDetails"]["pauseContext"] == "audit"
    assert api.get(path + "/run-config").json == {"trigger": {"type": "MANUAL", "startDate": "2024-03-01",
                                                              "timeZone": "UTC"}, "parallelExecutionAllowed": False}
    trigger = {"type": "DAILY", "interval": 1, "startDate": "2024-03-02", "timeZone": "Europe/Paris",
               "atTimes": {"type": "AT_TIME", "time": "06:30"}}
    assert put(api, path + "/run-config", {"trigger": trigger}).json["trigger"] == trigger
    assert_error(put(api, path + "/run-config", {"trigger": {**trigger, "interval": 0}}),
                 400, "trigger.interval: must be a whole number >= 1, got 0")
    assert api.get(path + "/run-config").json["trigger"] == trigger  # unchanged
    assert api.delete(path + "/run-config").status_code == 204
    assert api.get(path + "/run-config").json["trigger"]["type"] == "MANUAL"
    assert_error(api.get("/orchestration/executables/plans/nope/run-config"), 404, "Plan nope not found")
