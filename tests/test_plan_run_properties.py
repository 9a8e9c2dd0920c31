"""Plan runs agree with a simple model: which steps run, in which order, with what outcome."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import CHECK_REJECTS, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, SYNC_ORDERS, Api, make_app

# Tasks whose every run ends the same way: succeeded (success or rejected rows) or not.
SUCCEEDS = {LOAD_CUSTOMERS: True, NIGHTLY_REPORT: True, CHECK_REJECTS: True, SYNC_ORDERS: False}
CONDITIONS = ["ALL_SUCCEEDED", "AT_LEAST_ONE_SUCCEEDED", "ALWAYS_PROCEED_ON"]

steps_strategy = st.lists(st.fixed_dictionaries({
    "tasks": st.lists(st.sampled_from(sorted(SUCCEEDS)), min_size=1, max_size=3),
    "condition": st.sampled_from(CONDITIONS),
    "handler": st.lists(st.sampled_from([LOAD_CUSTOMERS, CHECK_REJECTS]), max_size=1),
}), min_size=1, max_size=4)


def model(steps: list[dict]) -> tuple[list[str], bool, str]:
    """(status of each step that runs, whether an error handler runs, final plan status)."""
    statuses = []
    for step in steps:
        outcomes = [SUCCEEDS[t] for t in step["tasks"]]
        statuses.append("EXECUTION_SUCCESS" if all(outcomes) else "EXECUTION_FAILED")
        passed = step["condition"] == "ALWAYS_PROCEED_ON" or (
            step["condition"] == "ALL_SUCCEEDED" and all(outcomes)) or (
            step["condition"] == "AT_LEAST_ONE_SUCCEEDED" and any(outcomes))
        if not passed:
            return statuses, bool(step["handler"]), "execution_failed"
    return statuses, False, "execution_successful"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps_strategy)
def test_plan_runs_follow_the_model(steps):
    api = Api(make_app())
    for task in SUCCEEDS:  # the same task may run in several steps of one plan
        api.client.put(f"/orchestration/executables/tasks/{task}/run-config", headers=api.headers, json={
            "trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
            "runtime": {"type": "CLOUD"}, "parallelExecutionAllowed": True})
    plan = api.post("/orchestration/executables/plans", json={
        "name": "Generated", "workspaceId": DEV_SALES_WS,
        "steps": [{"name": f"step {i}", "condition": s["condition"], "taskIds": s["tasks"],
                   "handlerOnFailure": {"taskIds": s["handler"]}} for i, s in enumerate(steps)]}).json
    run_id = api.post("/processing/executions/plans", json={"executable": plan["id"]}).json["executionId"]
    api.advance(3600)
    expected_steps, handler_runs, expected_status = model(steps)
    run = api.get(f"/processing/executions/plans/{run_id}").json
    assert run["status"] == expected_status
    step_executions = api.get(f"/processing/executions/plans/{run_id}/steps").json
    assert [s["executionStatus"] for s in step_executions] == expected_steps
    starts = [s["startTimestamp"] for s in step_executions]
    assert starts == sorted(starts)  # designed order
    handler = api.get(f"/processing/executions/plans/{run_id}/steps/{step_executions[-1]['id']}/error-handler")
    assert (handler.status_code == 200) == handler_runs
    ran = sum(len(s["tasks"]) for s in steps[:len(expected_steps)]) + (len(steps[len(expected_steps) - 1]["handler"])
                                                                         if handler_runs else 0)
    assert run["doneExecutableCount"] == ran
