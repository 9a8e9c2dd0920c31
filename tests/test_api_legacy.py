"""The legacy API: /tmc/v1.2 (the seed-000 walkthrough) and /tmc/v2.2 to /tmc/v2.6, served from the same world."""
from __future__ import annotations

import json

import pytest
import requests

from mocktmc.api.legacy.routes import ROUTES
from mocktmc.inventory import coverage

from .conftest import LOAD_CUSTOMERS, PROD_ENV, SYNC_ORDERS, mock_tmc
from .errors import assert_error

V2_VERSIONS = ("v2.2", "v2.3", "v2.4", "v2.5", "v2.6")
RUNNING = {"dispatching", "executing"}


# --- seed 000: the v1.2 walkthrough, over HTTP --------------------------------------------------------
@pytest.fixture
def served():
    """A mock on a free loopback port that checks its own answers against the contracts (a break is a 500)."""
    mock = mock_tmc(validate="all")
    with mock.serve() as url:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {mock.token}"
        yield mock, url, session
        session.close()


def test_seed_000_tasks(served):
    mock, url, http = served
    listed = http.get(f"{url}/tmc/v1.2/executables", timeout=10)
    assert listed.status_code == 200
    everywhere = http.get(f"{url}/orchestration/executables/tasks", timeout=10).json()
    # "lists available tasks in all environments", as a bare array (quirk legacy_v1_bare_arrays)
    assert {t["executable"] for t in listed.json()} == {t["executable"] for t in everywhere["items"]}
    assert len({t["workspace"]["environment"]["id"] for t in listed.json()}) >= 2

    details = http.get(f"{url}/tmc/v1.2/executables/{LOAD_CUSTOMERS}", timeout=10).json()
    assert details["id"] == LOAD_CUSTOMERS and details["name"] == "Load customers"

    started = http.post(f"{url}/tmc/v1.2/executions", timeout=10,
                        json={"executable": LOAD_CUSTOMERS, "parameters": {"region": "emea"}})
    assert started.status_code == 201
    execution_id = started.json()["executionId"]
    status = http.get(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10).json()
    assert status["jobId"] == LOAD_CUSTOMERS and status["status"] in RUNNING
    # The same run as the 2021-03 API shows it.
    assert http.get(f"{url}/processing/executions/{execution_id}", timeout=10).json() == status

    mock.clock.advance(minutes=5)
    status = http.get(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10).json()
    assert status["executionStatus"] == "EXECUTION_SUCCESS" and "finishTimestamp" in status

    # Terminating a run that has ended: nothing to do, and the answer names its status.
    stop = http.delete(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10)
    assert stop.status_code == 200 and stop.headers["Content-Type"].startswith("text/plain")
    assert stop.text == "Nothing to do for the task: its status is EXECUTION_SUCCESS"
    assert http.get(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10).json() == status


def test_seed_000_terminates_a_running_run(served):
    mock, url, http = served
    execution_id = http.post(f"{url}/tmc/v1.2/executions", json={"executable": SYNC_ORDERS}, timeout=10).json()[
        "executionId"]
    stop = http.delete(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10)
    assert stop.status_code == 204
    mock.clock.advance(minutes=5)
    status = http.get(f"{url}/tmc/v1.2/executions/{execution_id}", timeout=10).json()
    assert status["executionStatus"] == "EXECUTION_TERMINATED" and status["status"] == "terminated"


def test_seed_000_plans(served):
    mock, url, http = served
    plans = http.get(f"{url}/tmc/v1.2/executables/plans", timeout=10).json()  # a bare array, as observed
    plan_id = plans[0]["executable"]
    details = http.get(f"{url}/tmc/v1.2/executables/plans/{plan_id}", timeout=10).json()
    assert details["executable"] == plan_id and details["chart"]

    started = http.post(f"{url}/tmc/v1.2/executions/plans", json={"executable": plan_id}, timeout=10)
    assert started.status_code == 201
    execution_id = started.json()["executionId"]
    mock.clock.advance(minutes=30)
    status = http.get(f"{url}/tmc/v1.2/executions/plans/{execution_id}", timeout=10).json()
    assert status["planId"] == plan_id and status["executionStatus"] in ("EXECUTION_SUCCESS", "EXECUTION_FAILED")
    assert http.get(f"{url}/processing/executions/plans/{execution_id}", timeout=10).json() == status
    # "A plan execution generates logs for every task in the steps in the plan"
    runs = http.get(f"{url}/processing/executables/plans/{plan_id}/executions", timeout=10).json()["items"]
    assert runs and runs[0]["executionId"] == execution_id


def test_seed_000_promotes_one_artifact(served):
    mock, url, http = served
    promotion = http.get(f"{url}/tmc/v1.2/executables/promotions", timeout=10).json()[0]
    promotion_id = promotion["executable"]
    details = http.get(f"{url}/tmc/v1.2/executables/promotions/{promotion_id}", timeout=10).json()
    assert details["executable"] == promotion_id
    source, target = promotion["sourceEnvironment"]["id"], promotion["targetEnvironment"]["id"]
    assert target == PROD_ENV

    def artifact_names(environment_id: str) -> dict[str, str]:
        found = {}
        for workspace in http.get(f"{url}/orchestration/workspaces", timeout=10).json():
            if workspace["environment"]["id"] == environment_id:
                page = http.get(f"{url}/orchestration/artifacts", params={"workspaceId": workspace["id"]},
                                timeout=10).json()
                found.update({a["name"]: a["id"] for a in page["items"]})
        return found

    in_target = artifact_names(target)
    new = {name: id_ for name, id_ in artifact_names(source).items() if name not in in_target}
    assert new, "the demo world has an artifact that Production does not have yet"
    name, artifact_id = sorted(new.items())[0]

    started = http.post(f"{url}/tmc/v1.2/executions/promotions", timeout=10, json={
        "executable": promotion_id, "keepTargetResources": True,
        "advanced": {"artifactId": artifact_id, "artifactType": "ACTION"}})
    assert started.status_code == 201
    execution_id = started.json()["executionId"]
    mock.clock.advance(minutes=5)
    status = http.get(f"{url}/tmc/v1.2/executions/promotions/{execution_id}", timeout=10).json()
    assert status["executionId"] == execution_id and status["keepTargetResources"] is True
    assert status["status"] == "PROMOTED" and status["finishTimestamp"]
    promoted = [a for w in status["workspaces"] for a in w.get("actions", [])]
    assert [a["name"] for a in promoted] == [name]  # only the artifact named in `advanced`
    assert name in artifact_names(target)  # "The artifact has been promoted"


# --- /tmc/v2.x ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", V2_VERSIONS)
def test_a_v2_client_loop(api, version):
    """List the tasks page by page, run one, poll until it ends, read its log and download it."""
    base = f"/tmc/{version}"
    seen, offset = [], 0
    while True:
        page = api.get(f"{base}/executables/tasks", query_string={"limit": 2, "offset": offset}).json
        assert page["offset"] == offset
        seen += [t["executable"] for t in page["items"]]
        offset += page["limit"]
        if offset >= page["total"] or not page["items"]:
            break
    assert LOAD_CUSTOMERS in seen and len(seen) == len(set(seen)) == page["total"]

    started = api.post(f"{base}/executions", json={"executable": LOAD_CUSTOMERS, "logLevel": "INFO"})
    assert started.status_code == 201
    execution_id = started.json["executionId"]
    polls = 0
    while (run := api.get(f"{base}/executions/{execution_id}").json)["status"] in RUNNING:
        assert "finishTimestamp" not in run
        api.advance(2)
        polls += 1
    assert polls >= 2 and run["executionStatus"] == "EXECUTION_SUCCESS" and run["finishTimestamp"]

    lines, start = [], 0
    while start is not None:
        page = api.get(f"{base}/executions/{execution_id}/logs",
                       query_string={"startIndex": start, "count": 2, "order": "ASC"}).json
        lines += [line["logMessage"] for line in page["data"]]
        assert page.get("nextIndex") is None or page["nextIndex"] > start
        start = page.get("nextIndex")
    assert lines and lines[0].startswith("Execution request received")

    asked = api.post(f"{base}/executions/{execution_id}/logs")
    assert asked.status_code == 200
    token = asked.json["token"]
    api.advance(5)
    ready = api.post(f"{base}/executions/{execution_id}/logs/status", data=json.dumps(token),
                     headers={"Content-Type": "application/json"}).json
    assert ready["status"] == "READY"
    downloaded = api.app.test_client().get(ready["presignedURL"])  # without the Authorization header
    assert downloaded.status_code == 200
    assert [line["logMessage"] for line in downloaded.json] == lines


def test_v2_errors_carry_the_v26_body(api):
    missing = api.get("/tmc/v2.4/executions/no-such-run")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert set(missing.json) == {"status", "message", "code", "details", "requestId", "url"}
    assert missing.json["url"] == "/tmc/v2.4/executions/no-such-run" and "no-such-run" in missing.json["details"]
    bad = api.post("/tmc/v2.6/executions", json={"parameters": {}})
    assert bad.status_code == 400 and "executable" in bad.json["details"]


def test_every_legacy_operation_is_served(app):
    served = {(op.method, op.path): ok for op, ok in coverage(app.url_map) if op.family.startswith("legacy")}
    routed = {(route.method, route.path) for route in ROUTES}
    assert routed == {key for key, ok in served.items() if ok}
    assert [key for key, ok in served.items() if not ok] == []


def test_v26_writes_reach_the_same_world_and_delete_can_terminate_runs(api):
    task = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json
    created = api.post("/tmc/v2.6/executables/tasks", json={
        "name": "made through v2.6", "description": "v2.6 requires one", "workspaceId": task["workspace"]["id"],
        "environmentId": task["workspace"]["environment"]["id"],
        "artifact": {"id": task["artifact"]["id"], "version": task["artifact"]["version"]}})
    assert created.status_code == 201
    task_id = created.json["id"]
    assert api.get(f"/orchestration/executables/tasks/{task_id}").json["name"] == "made through v2.6"

    execution_id = api.post("/tmc/v2.5/executions", json={"executable": task_id}).json["executionId"]
    path = f"/tmc/v2.6/executables/tasks/{task_id}"
    for refused in (api.delete(path), api.delete(path, query_string={"terminateExecutions": "false"})):
        assert refused.status_code == 409 and "in progress" in refused.json["details"]
    assert api.get(f"/tmc/v2.6/executables/tasks/{task_id}").status_code == 200
    deleted = api.delete(f"/tmc/v2.3/executables/tasks/{task_id}", query_string={"terminateExecutions": "true"})
    assert deleted.status_code == 204
    assert_error(api.get(f"/orchestration/executables/tasks/{task_id}"), 404, f"Task {task_id} not found")
    api.advance(300)
    assert api.get(f"/tmc/v2.6/executions/{execution_id}").json["executionStatus"] == "EXECUTION_TERMINATED"


def test_promotion_analysis_at_post_executions_promotions_id(api):
    promotion_id = api.get("/tmc/v2.6/executables/promotions").json[0]["executable"]
    legacy = api.post(f"/tmc/v2.6/executions/promotions/{promotion_id}", json={"keepTargetResources": True})
    current = api.post(f"/orchestration/executables/promotions/{promotion_id}", json={"keepTargetResources": True})
    assert legacy.status_code == current.status_code == 200
    # Each analysis has an id of its own; the rest is the same analysis of the same world.
    assert legacy.json["executionId"] != current.json["executionId"]
    assert {**legacy.json, "executionId": None} == {**current.json, "executionId": None}
    assert legacy.json["workspaces"]
    assert_error(api.post("/tmc/v2.6/executions/promotions/nope", json={}), 404, "Promotion nope not found")


def test_plan_steps_in_the_v26_layout(api):
    plan_id = api.get("/tmc/v2.6/executables/plans").json["items"][0]["executable"]
    run_id = api.post("/tmc/v2.6/executions/plans", json={"executable": plan_id}).json["executionId"]
    api.advance(1800)
    steps = api.get(f"/tmc/v2.6/executions/plans/{run_id}/steps").json
    step = api.get(f"/tmc/v2.6/executions/plans/{run_id}/steps/{steps[0]['id']}").json
    current = api.get(f"/processing/executions/plans/{run_id}/steps/{steps[0]['id']}").json
    assert step["executionId"] == steps[0]["id"] and step["planId"] == plan_id
    assert step["doneExecutableDetails"] == current["doneTaskExecutableDetails"]
    assert (step["plannedExecutableCount"], step["doneExecutableCount"]) == (
        current["plannedExecutableCount"], current["doneExecutableCount"])


def test_plan_run_config_takes_a_v26_runtime(api):
    plan_id = api.get("/tmc/v2.6/executables/plans").json["items"][0]["executable"]
    body = {"trigger": {"type": "DAILY", "interval": 1, "startDate": "2024-03-02", "timeZone": "UTC",
                        "atTimes": {"type": "AT_TIME", "time": "06:00"}},
            "runtime": {"type": "CLOUD"}, "parallelExecutionAllowed": False}
    answer = api.client.put(f"/tmc/v2.6/executables/plans/{plan_id}/run-config", json=body, headers=api.headers)
    assert answer.status_code == 200, answer.json
    assert api.get(f"/orchestration/executables/plans/{plan_id}/run-config").json["trigger"]["type"] == "DAILY"
