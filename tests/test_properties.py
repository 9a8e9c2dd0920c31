"""Any sequence of execute / poll / terminate / advance / read logs keeps the run invariants.

A Hypothesis state machine drives the in-process mock over HTTP and checks, after every step,
every run it has started: the status mapping, finishTimestamp iff terminal, monotonic timestamps,
terminal runs never change, observed changes follow the lifecycle table, and log pages follow
the nextIndex contract.
"""
from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from mocktmc.domain.executions import lifecycle as lc
from mocktmc.domain.common.timeutil import parse_iso

from .conftest import CHECK_REJECTS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PARTNER_IMPORT, SYNC_ORDERS, Api, make_app

TASKS = [LOAD_CUSTOMERS, SYNC_ORDERS, NIGHTLY_REPORT, PARTNER_IMPORT, CHECK_REJECTS]

# The Processing 2021-03 mapping table, written out here independently of the implementation
# (STOPPING_FLOW_EXECUTION, which the table leaves out, is still a running run).
PUBLISHED_STATUS = {
    "EXECUTION_EVENT_RECEIVED": "dispatching", "DISPATCHING_FLOW": "dispatching",
    "STARTING_FLOW_EXECUTION": "executing", "STOPPING_FLOW_EXECUTION": "executing",
    "DEPLOY_FAILED": "deploy_failed", "EXECUTION_SUCCESS": "execution_successful",
    "EXECUTION_REJECTED": "execution_rejected", "EXECUTION_FAILED": "execution_failed",
    "EXECUTION_TERMINATED": "terminated", "EXECUTION_TERMINATED_TIMEOUT": "terminated_timeout",
    "EXECUTION_TERMINATED_SHUTDOWN": "terminated_shutdown",
}
RUNNING = {"dispatching", "executing"}  # what clients poll on


def reachable(source: str) -> set[str]:
    seen, frontier = {source}, [source]
    while frontier:
        for target in lc.TRANSITIONS.get(frontier.pop(), ()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


class RunLifecycle(RuleBasedStateMachine):
    executions = Bundle("executions")

    def __init__(self):
        super().__init__()
        self.api = Api(make_app())
        self.last_seen: dict[str, dict] = {}
        self.log_sizes: dict[str, int] = {}

    @initialize(target=executions)
    def one_run_of_every_task(self):
        # Every example then exercises every outcome; later rules add runs, time and stops.
        return multiple(*(self.api.execute(task) for task in TASKS))

    @rule(target=executions, task=st.sampled_from(TASKS),
          timeout=st.one_of(st.none(), st.integers(min_value=1, max_value=15)))
    def execute(self, task, timeout):
        body = {"executable": task} if timeout is None else {"executable": task, "timeout": timeout}
        response = self.api.post("/processing/executions", json=body)
        assert response.status_code == 201
        return response.json["executionId"]

    @rule(seconds=st.one_of(st.integers(0, 5), st.integers(5, 120), st.integers(120, 1800)))
    def advance(self, seconds):
        self.api.advance(seconds)

    @rule(execution_id=executions)
    def terminate(self, execution_id):
        before = self.api.run(execution_id)["executionStatus"]
        response = self.api.delete(f"/processing/executions/{execution_id}")
        if lc.can_terminate(before) or before == lc.STOPPING:
            assert response.status_code == 204
            assert self.api.run(execution_id)["executionStatus"] == lc.STOPPING
        else:
            assert response.status_code == 400 and before in response.json["detail"]

    @rule(execution_id=executions, count=st.integers(1, 4), order=st.sampled_from(["ASC", "DESC", "desc"]))
    def read_logs(self, execution_id, count, order):
        run = self.api.run(execution_id)
        if "misfiredExecutionReason" in run and "startTimestamp" not in run:  # never started: no log (as observed)
            response = self.api.get(f"/monitoring/executions/{execution_id}/logs")
            assert response.status_code == 404 and "never started" in response.json["detail"]
            return
        start, seen = 0, 0
        while True:
            body = self.api.get(f"/monitoring/executions/{execution_id}/logs",
                                query_string={"startIndex": start, "count": count, "order": order}).json
            assert body["size"] == len(body["data"]) <= count
            stamps = [entry["logTimestamp"] for entry in body["data"]]
            assert stamps == sorted(stamps, reverse=order.upper() == "DESC")
            seen += body["size"]
            if "nextIndex" not in body:
                break
            assert body["nextIndex"] > start
            start = body["nextIndex"]
        assert seen == body["totalSizeFiltered"] == body["totalSize"]
        assert body["totalSize"] >= self.log_sizes.get(execution_id, 0)
        self.log_sizes[execution_id] = body["totalSize"]

    @invariant()
    def runs_are_consistent(self):
        for execution_id in list(self.last_seen) + [e for e in self._known() if e not in self.last_seen]:
            run = self.api.run(execution_id)
            state = run["executionStatus"]
            assert run["status"] == PUBLISHED_STATUS[state]
            never_started = "misfiredExecutionReason" in run and "startTimestamp" not in run  # no finish, as observed
            assert ("finishTimestamp" in run) == (run["status"] not in RUNNING and not never_started)
            stamps = [parse_iso(run[key]) for key in ("triggerTimestamp", "startTimestamp", "finishTimestamp")
                      if key in run]
            assert stamps == sorted(stamps)
            previous = self.last_seen.get(execution_id)
            if previous is not None:
                if lc.is_terminal(previous["executionStatus"]):
                    assert run == previous
                else:
                    assert state in reachable(previous["executionStatus"])
            self.last_seen[execution_id] = run

    def _known(self):
        history = []
        for task in TASKS:
            page = self.api.get(f"/processing/executables/tasks/{task}/executions").json
            assert page["total"] == len(page["items"])
            history += [item["executionId"] for item in page["items"]]
        return history


RunLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestRunLifecycle = RunLifecycle.TestCase
