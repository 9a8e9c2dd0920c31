"""Plan runs: steps in order, conditions, error handlers, counts, misfires, re-runs, histories."""
import pytest

from .conftest import CHECK_REJECTS, DEV_SALES_WS, LOAD_CUSTOMERS, PARTNER_IMPORT, PROD_ENV, SYNC_ORDERS
from .errors import assert_error

DAILY = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"


def start(api, plan_id=DAILY, **body):
    response = api.post("/processing/executions/plans", json={"executable": plan_id, **body})
    assert response.status_code == 201, response.json
    return response.json["executionId"]


def status(api, run_id):
    response = api.get(f"/processing/executions/plans/{run_id}")
    assert response.status_code == 200, response.json
    return response.json


def failing_plan(api, condition="ALL_SUCCEEDED"):
    body = {"name": "Fragile", "workspaceId": DEV_SALES_WS, "steps": [
        {"name": "load", "condition": "ALL_SUCCEEDED", "taskIds": [LOAD_CUSTOMERS]},
        {"name": "sync", "condition": condition, "taskIds": [SYNC_ORDERS, CHECK_REJECTS],
         "handlerOnFailure": {"taskIds": [PARTNER_IMPORT]}},
        {"name": "never", "condition": "ALL_SUCCEEDED", "taskIds": [LOAD_CUSTOMERS]}]}
    return api.post("/orchestration/executables/plans", json=body).json["id"]


def test_the_demo_plan_runs_its_steps_in_order(api):
    run_id = start(api)
    first = status(api, run_id)
    assert (first["status"], first["executionStatus"], first["plannedExecutableCount"]) == ("executing", "STARTED", 3)
    assert first["doneExecutableCount"] == 0 and "finishTimestamp" not in first
    api.advance(9)  # Load customers is done: the second step has started
    steps = api.get(f"/processing/executions/plans/{run_id}/steps").json
    assert [s["executionStatus"] for s in steps] == ["EXECUTION_SUCCESS", "STARTED"]
    api.advance(30)
    done = status(api, run_id)
    # Sync orders fails, Check rejects finishes with rejected rows: at least one succeeded.
    assert (done["status"], done["executionStatus"]) == ("execution_successful", "EXECUTION_SUCCESS")
    assert done["doneExecutableCount"] == 3 and "finishTimestamp" in done
    children = {d["jobId"]: d for d in done["doneExecutableDetails"]}
    assert set(children) == {LOAD_CUSTOMERS, SYNC_ORDERS, CHECK_REJECTS}
    assert all(d["executionType"] == "PLAN" and d["planId"] == run_id for d in children.values())
    history = api.get(f"/processing/executables/tasks/{SYNC_ORDERS}/executions").json["items"][0]
    assert history["planId"] == DAILY  # TaskExecutionStatus names the plan, JobExecutionStatus its run


def test_a_failed_condition_runs_the_error_handler_and_fails_the_plan(api):
    plan_id = failing_plan(api)
    run_id = start(api, plan_id)
    api.advance(120)
    done = status(api, run_id)
    assert (done["status"], done["executionStatus"]) == ("execution_failed", "EXECUTION_FAILED")
    steps = api.get(f"/processing/executions/plans/{run_id}/steps").json
    assert [s["executionStatus"] for s in steps] == ["EXECUTION_SUCCESS", "EXECUTION_FAILED"]  # never reached 3
    handler = api.get(f"/processing/executions/plans/{run_id}/steps/{steps[1]['id']}/error-handler").json
    assert [d["jobId"] for d in handler["doneTaskExecutableDetails"]] == [PARTNER_IMPORT]
    details = api.get(f"/processing/executions/plans/{run_id}/steps/{steps[1]['id']}").json
    assert (details["plannedExecutableCount"], details["doneExecutableCount"]) == (2, 2)
    no_handler = api.get(f"/processing/executions/plans/{run_id}/steps/{steps[0]['id']}/error-handler")
    assert_error(no_handler, 404, f"Step execution {steps[0]['id']} ran no error handler")


def test_always_proceed_on_goes_on_after_a_failure(api):
    run_id = start(api, failing_plan(api, "ALWAYS_PROCEED_ON"))
    api.advance(120)
    assert status(api, run_id)["status"] == "execution_successful"
    assert len(api.get(f"/processing/executions/plans/{run_id}/steps").json) == 3


def test_rerun_only_the_failed_tasks_of_a_failed_step(api):
    plan_id = failing_plan(api)
    failed = start(api, plan_id)
    api.advance(120)
    failed_step = api.get(f"/processing/executions/plans/{failed}/steps").json[1]["id"]
    rerun = start(api, plan_id, executionPlanId=failed, stepId=failed_step, rerunOnlyFailedTasks=True)
    first = status(api, rerun)
    assert first["plannedExecutableCount"] == 2  # Sync orders again, then the last step
    api.advance(120)
    assert [d["jobId"] for d in status(api, rerun)["doneExecutableDetails"]][:1] == [SYNC_ORDERS]


@pytest.mark.parametrize("body, status_code, says", [
    ({"executionPlanId": "nope", "stepId": "x"}, 404, "Plan execution nope not found"),
    ({"executionPlanId": "x"}, 400, "stepId (a step execution id of the failed run) is required to re-run a plan"),
])
def test_bad_reruns(api, body, status_code, says):
    assert_error(api.post("/processing/executions/plans", json={"executable": DAILY, **body}), status_code, says)


def test_a_run_that_did_not_fail_cannot_be_rerun(api):
    run_id = start(api)
    api.advance(120)
    step = api.get(f"/processing/executions/plans/{run_id}/steps").json[0]["id"]
    response = api.post("/processing/executions/plans", json={"executable": DAILY, "executionPlanId": run_id,
                                                               "stepId": step})
    assert_error(response, 422, "because too old or plan exec didn't fail")


def test_paused_plans_parallel_runs_and_paused_tasks(api):
    first = start(api)
    second = status(api, start(api))
    assert (second["status"], second["misfiredExecutionReason"]) == ("execution_misfired",
                                                                     "PARALLEL_EXECUTIONS_FORBIDDEN")
    assert "startTimestamp" in second
    api.advance(120)
    assert status(api, first)["status"] == "execution_successful"
    api.client.put(f"/orchestration/executables/plans/{DAILY}/pause", headers=api.headers, json={"pause": True})
    paused = api.post("/processing/executions/plans", json={"executable": DAILY})
    assert paused.status_code == 405 and paused.json["message"] == "Plan is paused, it can't be executed"
    api.client.put(f"/orchestration/executables/plans/{DAILY}/pause", headers=api.headers, json={"pause": False})
    api.client.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/pause", headers=api.headers,
                   json={"pause": True})
    run_id = start(api)
    done = status(api, run_id)
    assert done["status"] == "execution_failed"  # the first step's only task misfired
    assert done["doneExecutableDetails"][0]["misfiredExecutionReason"] == "TASK_IS_PAUSED"


def test_plan_histories(api):
    ok = start(api)
    api.advance(120)
    bad = start(api, failing_plan(api))
    api.advance(120)
    everything = api.get("/processing/executables/plans/executions").json
    assert [r["executionId"] for r in everything["items"]] == [bad, ok]
    assert api.get("/processing/executables/plans/executions", query_string={"environmentId": PROD_ENV}
                   ).json["total"] == 0
    assert api.get("/processing/executables/plans/executions", query_string={"status": "execution_failed"}
                   ).json["items"][0]["executionId"] == bad
    assert [r["executionId"] for r in api.get(f"/processing/executables/plans/{DAILY}/executions").json["items"]] \
        == [ok]
    assert_error(api.get("/processing/executables/plans/nope/executions"), 404, "Plan nope not found")
    assert_error(api.get("/processing/executions/plans/nope"), 404, "Plan execution nope not found")
    assert_error(api.post("/processing/executions/plans", json={"executable": "nope"}), 404, "Plan nope not found")
