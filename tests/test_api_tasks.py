"""Tasks: create, full replace, upgrade, delete, pause and search, with every published error."""
import pytest

from .conftest import (ARCHIVE_LOGS, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PROD_ENV, SYNC_ORDERS)
from .errors import assert_error

CUSTOMERS_LOAD, ORDERS_SYNC = "65f1a0c2e4b0a1b2c3d41001", "65f1a0c2e4b0a1b2c3d41002"
V1, V2 = "0.1.0.20240105101500", "0.2.0.20240212083000"
PERSONAL_WS, ORDERS_DB = "65f1a0c2e4b0a1b2c3d40102", "65f1a0c2e4b0a1b2c3d44001"
NEW_TASK = {"environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS, "name": "Load customers (v1)",
            "artifact": {"id": CUSTOMERS_LOAD, "version": V1}, "tags": ["sales", "backfill"],
            "parameters": {"batch_size": 50}, "connections": {"db": ORDERS_DB},
            "autoUpgradeInfo": {"autoUpgradable": True}}


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def patch(api, path, body):
    return api.client.patch(path, headers=api.headers, json=body)


def test_create_a_task(api):
    response = api.post("/orchestration/executables/tasks", json=NEW_TASK)
    assert response.status_code == 201
    task = response.json
    assert (task["name"], task["version"], task["artifact"]["version"]) == ("Load customers (v1)", "0.1", V1)
    assert task["parameters"] == {"batch_size": "50", "source_dir": "/data/in/customers"}  # artifact defaults kept
    assert task["connections"] == {"db": ORDERS_DB} and task["autoUpgradeInfo"]["autoUpgradable"] is True
    assert api.get(f"/orchestration/executables/tasks/{task['id']}").json == task
    # The name filter matches how names start (quirk task_name_prefix).
    listed = api.get("/orchestration/executables/tasks", query_string={"name": "load customers ("}).json["items"]
    assert [(t["id"], t["runtime"]) for t in listed] == [(task["id"], {"type": "CLOUD"})]
    assert api.run(api.execute(task["id"]))["jobId"] == task["id"]


@pytest.mark.parametrize("change, detail", [
    ({"environmentId": PROD_ENV}, "not in environment"),
    ({"workspaceId": "nope"}, "does not exist"),
    ({"artifact": {"id": ORDERS_SYNC + "0", "version": V1}}, "does not exist"),
    ({"artifact": {"id": CUSTOMERS_LOAD, "version": "9.9"}}, "no version"),
    ({"connections": {"db": "nope"}}, "connections.db"),
    ({"workspaceId": PERSONAL_WS}, "does not exist in workspace"),
    ({"name": " "}, "name"),
    ({"id": "forced"}, "Unrecognized field"),
])
def test_bad_creations_change_nothing(api, change, detail):
    response = api.post("/orchestration/executables/tasks", json={**NEW_TASK, **change})
    assert response.status_code == 400 and detail in response.json["detail"], response.json
    assert api.get("/orchestration/executables/tasks").json["total"] == 7


def test_full_replace_empties_what_is_left_out(api):
    body = {"workspaceId": DEV_SALES_WS, "name": "Load customers", "description": "",
            "artifact": {"id": CUSTOMERS_LOAD, "version": V1}}
    response = put(api, f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}", body)
    assert response.status_code == 200
    task = response.json
    assert (task["version"], task["tags"], task["artifact"]["version"]) == ("0.2", [], V1)
    assert task.get("parameters", {}) == {}  # not refilled from the artifact's defaults (quirk task_put_replaces)


@pytest.mark.parametrize("task_id, change, status, says", [
    ("nope", {}, 404, "Task nope not found"),
    (LOAD_CUSTOMERS, {"id": LOAD_CUSTOMERS}, 400, "Unrecognized field: 'id'"),
    (LOAD_CUSTOMERS, {"version": "9"}, 400, "Unrecognized field: 'version'"),
    (LOAD_CUSTOMERS, {"workspaceId": "65f1a0c2e4b0a1b2c3d40201"}, 400,
     "A task can only move to a workspace of its own environment"),
])
def test_bad_replacements(api, task_id, change, status, says):
    body = {"workspaceId": DEV_SALES_WS, "name": "x", "description": "", "artifact": {"id": CUSTOMERS_LOAD,
                                                                                     "version": V2}, **change}
    assert_error(put(api, f"/orchestration/executables/tasks/{task_id}", body), status, says)
    assert api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json["name"] == "Load customers"


def test_patch_moves_to_the_latest_artifact(api):
    created = api.post("/orchestration/executables/tasks", json=NEW_TASK).json
    assert patch(api, f"/orchestration/executables/tasks/{created['id']}", {"latestArtifact": True}).status_code == 204
    task = api.get(f"/orchestration/executables/tasks/{created['id']}").json
    assert (task["artifact"]["version"], task["version"]) == (V2, "0.2")
    assert_error(patch(api, f"/orchestration/executables/tasks/{created['id']}", {"artifact": {}}),
                 400, "Unrecognized field: 'artifact'; known fields: forceUpdate, latestArtifact")
    assert_error(patch(api, "/orchestration/executables/tasks/nope", {"latestArtifact": True}),
                 404, "Task nope not found")


def test_delete_rules(api):
    used_by_plan = api.delete(f"/orchestration/executables/tasks/{SYNC_ORDERS}")
    assert used_by_plan.status_code == 409 and "Daily sales pipeline" in used_by_plan.json["detail"]
    api.execute(NIGHTLY_REPORT)
    running = api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}")
    assert running.status_code == 409 and "in progress" in running.json["detail"]
    api.advance(3600)
    assert api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}").status_code == 204
    assert_error(api.get(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}"), 404, f"Task {NIGHTLY_REPORT} not found")
    assert_error(api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}"),
                 404, f"Task {NIGHTLY_REPORT} not found")


def test_pause_and_resume(api):
    path = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/pause"
    assert put(api, path, {"pause": True, "pauseContext": "maintenance"}).status_code == 202
    assert put(api, path, {"pause": True}).status_code == 204  # nothing changes
    details = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json["taskPauseDetails"]
    assert details["pause"] is True and details["pauseContext"] == "maintenance"
    assert details["pauseDate"] == "2024-03-01T09:00:00.000Z"
    assert_error(api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
                 405, "Current Task is paused, it can't be executed", f"Task {LOAD_CUSTOMERS} is paused")
    assert put(api, path, {"pause": False}).status_code == 202
    assert api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert put(api, f"/orchestration/executables/tasks/{ARCHIVE_LOGS}/pause", {"pause": False}).status_code == 202
    assert_error(put(api, path, {"pauseContext": "no pause field"}), 400, "'pause' is a required property")
    assert_error(put(api, "/orchestration/executables/tasks/nope/pause", {"pause": True}), 404, "Task nope not found")


@pytest.mark.parametrize("body, names", [
    ({}, None),
    ({"tags": ["sales"]}, ["Load customers", "Sync orders", "Load customers"]),
    ({"tags": ["sales", "daily"]}, ["Load customers", "Load customers"]),
    ({"name": "nightly"}, ["Nightly report"]),
    ({"name": "report"}, []),  # a prefix, not a substring (quirk task_name_prefix)
    ({"environmentId": PROD_ENV}, ["Load customers"]),
    ({"runtimeType": "cloud_exclusive"}, ["Load customers"]),
    ({"triggerType": "manual", "workspaceId": DEV_SALES_WS, "limit": 2}, ["Load customers", "Sync orders"]),
    ({"triggerType": "daily"}, ["Nightly report"]),
])
def test_search(api, body, names):
    response = api.post("/orchestration/executables/tasks/search", json=body)
    assert response.status_code == 200
    found = [item["name"] for item in response.json["items"]]
    assert found == names if names is not None else len(found) == 7


@pytest.mark.parametrize("body, says", [
    ({"environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS}, "environmentId and workspaceId are exclusive"),
    ({"limit": 101}, "'limit': 101 is greater than the maximum of 100"),
    ({"runtimeType": "moon"}, "Field 'runtimeType' must be one of CLOUD, REMOTE_ENGINE"),
    ({"triggerType": "hourly"}, "Field 'triggerType' must be one of ONCE, DAILY"),
    ({"tags": "sales"}, "'tags': 'sales' is not of type 'array'"),
])
def test_bad_searches(api, body, says):
    assert_error(api.post("/orchestration/executables/tasks/search", json=body), 400, says)
