"""Any sequence of execute / poll / terminate / let time pass / read logs keeps the run invariants, on any target.

A Hypothesis state machine starts runs of tasks it made in the sandbox workspace and, after every step, reads every
run it started and checks it against the published facts (TMC-API-NOTES 6.1, 6.5), written out here independently
of mocktmc's code:

- status_mapping: `status` is what the Processing 2021-03 table maps `executionStatus` to;
- timestamps: finishTimestamp present exactly when the run is terminal; trigger <= start <= finish;
- terminal_runs_frozen: a terminal run never changes again;
- lifecycle_transition: what changes between two reads only goes forward along the lifecycle;
- terminate: DELETE answers 204 while the run is running, else 400 naming its status;
- log_paging / log_pages_end: log pages keep size == len(data) <= count, their order and totals, and walking
  nextIndex ends within ceil(totalSize / count) + 1 pages;
- run_finishes: at the end of each example every run the machine did not stop reaches a terminal status.

Nothing is left running: runs still going at the end of an example are terminated.
"""
from __future__ import annotations

import math
import sys
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import pytest
import requests
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule

from mocktmc.kit.checks import describe, json_or_none
from mocktmc.kit.sandbox import sandbox
from mocktmc.kit.target import Target, current_target

pytestmark = [pytest.mark.suite("lifecycle"), pytest.mark.families("processing", "monitoring"), pytest.mark.writes]

EXECUTE = "POST /processing/executions"
RUN = "GET /processing/executions/{executionId}"
STOP = "DELETE /processing/executions/{executionId}"
LOGS = "GET /monitoring/executions/{id}/logs"
TASKS = "POST /orchestration/executables/tasks"
ARTIFACTS = "GET /orchestration/artifacts"

# --- the published facts, written out here (TMC-API-NOTES 6.1) -------------------------------------------------------
RECEIVED, DISPATCHING, EXECUTING, STOPPING = ("EXECUTION_EVENT_RECEIVED", "DISPATCHING_FLOW",
                                              "STARTING_FLOW_EXECUTION", "STOPPING_FLOW_EXECUTION")
TERMINATED, TIMED_OUT, SHUT_DOWN = ("EXECUTION_TERMINATED", "EXECUTION_TERMINATED_TIMEOUT",
                                   "EXECUTION_TERMINATED_SHUTDOWN")
DEPLOY_FAILED, FAILED, REJECTED, SUCCESS = ("DEPLOY_FAILED", "EXECUTION_FAILED", "EXECUTION_REJECTED",
                                            "EXECUTION_SUCCESS")

# The Processing 2021-03 executionStatus -> status table. STOPPING_FLOW_EXECUTION, which the table leaves out, is a run
# still going: clients poll while the status is dispatching or executing.
PUBLISHED_STATUS = {
    RECEIVED: "dispatching", DISPATCHING: "dispatching", EXECUTING: "executing", STOPPING: "executing",
    DEPLOY_FAILED: "deploy_failed", SUCCESS: "execution_successful", REJECTED: "execution_rejected",
    FAILED: "execution_failed", TERMINATED: "terminated", TIMED_OUT: "terminated_timeout",
    SHUT_DOWN: "terminated_shutdown",
}
RUNNING = {"dispatching", "executing"}
TERMINAL = {state for state, status in PUBLISHED_STATUS.items() if status not in RUNNING}

# The lifecycle the meanings of the states imply (Talend publishes no diagram): received -> dispatching -> executing ->
# an outcome; deployment fails while dispatching; a stop passes through STOPPING; a received run that never starts
# (a misfire) ends TERMINATED; a timeout or a shutdown can end any run still going.
NEXT = {
    RECEIVED: {DISPATCHING, STOPPING, TERMINATED, TIMED_OUT, SHUT_DOWN},
    DISPATCHING: {EXECUTING, DEPLOY_FAILED, STOPPING, TIMED_OUT, SHUT_DOWN},
    EXECUTING: {SUCCESS, REJECTED, FAILED, STOPPING, TIMED_OUT, SHUT_DOWN},
    STOPPING: {TERMINATED},
}


def reachable(source: str) -> set[str]:
    """Every state a run in `source` can be seen in later (polls may skip states), itself included."""
    seen, frontier = {source}, [source]
    while frontier:
        for following in NEXT.get(frontier.pop(), ()):
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return seen


# How long a run may take to end by itself: a mock moves its clock that far; a real target is polled up to its
# --tmc-poll-deadline.
FINISH_WITHIN, FINISH_STEP = 6 * 3600, 600
REAL_PAUSE = 3.0  # seconds: on a real target time passes for real, so the machine only waits a little
# The machine is a client with manners (mocktmc's client report, /_mocktmc/report, finds nothing in what it does):
# it reads one run at most POLL_LIMIT times in a second of target time (the service throttles above about ten),
# reads a run that ended CONFIRMING_READS more times at most (enough to see that it stays as it ended), stops a
# run once, and walks one run's log from its first line at most LOG_WALKS times.
POLL_LIMIT, CONFIRMING_READS, LOG_WALKS = 10, 2, 3
# What the mock's runs may do (the control plane's behaviors; a real target runs whatever the artifact does).
BEHAVIORS: dict[str, dict[str, Any]] = {
    "success": {"outcome": SUCCESS},
    "failure": {"outcome": FAILED},
    "rejected": {"outcome": REJECTED},
    "deploy_failed": {"outcome": DEPLOY_FAILED},
    "long_running": {"outcome": SUCCESS, "durations": {EXECUTING: 2 * 3600}},
}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the tasks the machine runs ---------------------------------------------------------------------------------------
# Per target (held weakly: a later target may be given a collected one's id): made once per session, deleted at its end.
_TASKS: WeakKeyDictionary[Target, tuple[str, ...]] = WeakKeyDictionary()


def sandbox_tasks(target: Target) -> tuple[str, ...]:
    """Two tasks of an artifact of the sandbox workspace (made on first use; the session's clean-up deletes them)."""
    if target in _TASKS:
        return _TASKS[target]
    box = sandbox(target)
    tasks = []
    for label in ("run-a", "run-b"):
        made = target.post("/orchestration/executables/tasks", json={
            "environmentId": box.environment, "workspaceId": box.workspace, "name": target.name(label),
            "description": "made by the mocktmc contract kit (lifecycle machine)", "artifact": box.artifact})
        target.check("kit_setup", made.status_code == 201 and made.json().get("id"),
                     f"creating a task in the sandbox: {describe(made)}", response=made, operation=TASKS)
        tasks.append(made.json()["id"])
        target.created(f"/orchestration/executables/tasks/{made.json()['id']}")
    _TASKS[target] = tuple(tasks)
    return _TASKS[target]


# --- the machine ------------------------------------------------------------------------------------------------------
class RunLifecycle(RuleBasedStateMachine):
    runs = Bundle("runs")

    def __init__(self) -> None:
        super().__init__()
        self.target = current_target()
        self.tasks = sandbox_tasks(self.target)
        self.started: list[str] = []  # every run this example started, in order
        self.stopped: set[str] = set()  # the runs the machine terminated (they need not end by themselves)
        self.last_seen: dict[str, dict] = {}
        self.log_totals: dict[str, int] = {}
        self.read_times: dict[str, list[float]] = {}  # target time (Target.elapsed) of a run's recent reads
        self.reads_after_end: dict[str, int] = {}  # reads of a run since one said it ended
        self.stop_sent: set[str] = set()  # runs the machine sent a DELETE for, answered or not
        self.log_walks: dict[str, int] = {}  # walks of a run's log from its first line, ascending
        if self.target.control is not None:  # a mock (is_mocktmc)
            # Tasks outlive examples: each example starts from the default behavior.
            for task in self.tasks:
                self.target.control.behaviors.clear(task)

    # --- reading a run ------------------------------------------------------------------------------------------------
    def pace(self, execution_id: str) -> None:
        """Wait (a second of target time: at once on a mock) before a read that would be the run's
        POLL_LIMIT + 1st within a second."""
        now = self.target.elapsed()
        recent = [moment for moment in self.read_times.get(execution_id, []) if now - moment < 1.0]
        if len(recent) >= POLL_LIMIT:
            self.target.pass_time(1.0)
            now = self.target.elapsed()
            recent = [moment for moment in recent if now - moment < 1.0]
        self.read_times[execution_id] = [*recent, now]

    def read(self, execution_id: str) -> tuple[dict[str, Any], requests.Response]:
        self.pace(execution_id)
        answer = self.target.get(f"/processing/executions/{execution_id}")
        run = json_or_none(answer) if answer.status_code == 200 else None
        self.target.check("run_readable", isinstance(run, dict),
                          f"a run the machine started cannot be read: {describe(answer)}", response=answer,
                          operation=RUN)
        assert isinstance(run, dict)  # target.check raised otherwise
        return run, answer

    def observe(self, execution_id: str) -> dict:
        """Read a run and check it, alone and against what the machine saw of it before; a run that ended and was
        read again CONFIRMING_READS times is not read any more (it was seen to stay as it ended): as last seen."""
        previous = self.last_seen.get(execution_id)
        if previous is not None and previous["executionStatus"] in TERMINAL:
            if self.reads_after_end.get(execution_id, 0) >= CONFIRMING_READS:
                return previous
            self.reads_after_end[execution_id] = self.reads_after_end.get(execution_id, 0) + 1
        run, answer = self.read(execution_id)
        check = self.target.check
        state: Any = run.get("executionStatus")  # whatever the target sent, a published status or not
        check("status_mapping", state in PUBLISHED_STATUS and run.get("status") == PUBLISHED_STATUS[state],
              f"executionStatus {state} maps to status {PUBLISHED_STATUS.get(state, '(not a published state)')}, "
              f"the run says {run.get('status')!r}", response=answer, operation=RUN)
        terminal = state in TERMINAL
        # A run that never started (a misfire) may end with no finishTimestamp, as the service's do (quirk
        # misfire_never_started; the quirk checks tell which way a target goes).
        never_started = bool(run.get("misfiredExecutionReason")) and "startTimestamp" not in run
        check("timestamps", ("finishTimestamp" in run) == terminal or (terminal and never_started),
              f"finishTimestamp must be present exactly when the run is terminal; {state} "
              f"{'has none' if terminal else 'has ' + str(run.get('finishTimestamp'))}", response=answer, operation=RUN)
        stamps = [(key, run[key]) for key in ("triggerTimestamp", "startTimestamp", "finishTimestamp") if run.get(key)]
        check("timestamps", "triggerTimestamp" in run and [parse_time(v) for _, v in stamps] ==
              sorted(parse_time(v) for _, v in stamps),
              f"timestamps out of order (trigger <= start <= finish): {dict(stamps)}", response=answer, operation=RUN)
        if previous is not None:
            before = previous["executionStatus"]
            if before in TERMINAL:
                changed = sorted(key for key in set(run) | set(previous) if run.get(key) != previous.get(key))
                check("terminal_runs_frozen", run == previous,
                      f"the run was {before} and has changed since: {', '.join(changed)}", response=answer,
                      operation=RUN)
            else:
                check("lifecycle_transition", state in reachable(before),
                      f"the run went from {before} to {state}, which the lifecycle does not lead to", response=answer,
                      operation=RUN)
        self.last_seen[execution_id] = run
        return run

    # --- rules --------------------------------------------------------------------------------------------------------
    def start(self, task: str, timeout: int | None = None) -> str:
        body: dict[str, Any] = {"executable": task}
        if timeout is not None:
            body["timeout"] = timeout  # minutes
        answer = self.target.post("/processing/executions", json=body)
        execution_id = (json_or_none(answer) or {}).get("executionId") if answer.status_code == 201 else None
        self.target.check("execute_starts", isinstance(execution_id, str) and execution_id,
                          f"starting a run of a task of the sandbox: {describe(answer)}", response=answer,
                          operation=EXECUTE)
        assert isinstance(execution_id, str)  # target.check raised otherwise
        self.started.append(execution_id)
        return execution_id

    @initialize(target=runs)
    def one_run_of_each_task(self) -> Any:
        """Every example then has runs to follow to the end; the rules add runs, time, stops and log reads."""
        return multiple(*(self.start(task) for task in self.tasks))

    @precondition(lambda self: self.target.is_mocktmc)
    @rule(task=st.integers(0, 1), behavior=st.sampled_from(sorted(BEHAVIORS)))
    def choose_behavior(self, task: int, behavior: str) -> None:
        """What the task's next runs do (mocktmc only: the real TMC runs what the artifact does)."""
        assert self.target.control is not None  # the precondition: a mock
        self.target.control.behaviors.set(self.tasks[task], **BEHAVIORS[behavior])

    @rule(target=runs, task=st.integers(0, 1), timeout=st.one_of(st.none(), st.integers(1, 15)))
    def execute(self, task: int, timeout: int | None) -> str:
        return self.start(self.tasks[task], timeout)

    @rule(execution_id=runs)
    def poll(self, execution_id: str) -> None:
        self.observe(execution_id)

    @rule(seconds=st.one_of(st.integers(0, 5), st.integers(5, 120), st.integers(120, 1800)))
    def let_time_pass(self, seconds: int) -> None:
        # A real target's time passes for real: a few seconds only.
        self.target.pass_time(seconds if self.target.moves_time else min(seconds, REAL_PAUSE))

    @rule(execution_id=runs)
    def terminate(self, execution_id: str) -> None:
        if execution_id in self.stop_sent:
            return  # its answer was checked; the same DELETE again would only be refused again
        before = self.observe(execution_id)
        self.stop_sent.add(execution_id)
        answer = self.target.delete(f"/processing/executions/{execution_id}")
        if answer.status_code == 204:
            self.stopped.add(execution_id)
        state = before["executionStatus"]
        if before["status"] in RUNNING:
            if answer.status_code == 400:
                # On a target whose time runs on its own the run may have ended between the read and the DELETE:
                # then the 400 must name the status it ended in.
                state = self.observe(execution_id)["executionStatus"]
                self.target.check("terminate", state in TERMINAL and state in answer.text,
                                  f"the run was {before['executionStatus']}: stopping it must answer 204, "
                                  f"got {describe(answer)}", response=answer, operation=STOP)
                return
            self.target.check("terminate", answer.status_code == 204,
                              f"the run was {state}: stopping it must answer 204, got {describe(answer)}",
                              response=answer, operation=STOP)
            if self.target.moves_time:
                # The mock's clock stands still between requests: the stop shows at once.
                after = self.observe(execution_id)["executionStatus"]
                self.target.check("terminate", after in (STOPPING, TERMINATED),
                                  f"a stopped run must be {STOPPING} or {TERMINATED}, it is {after}",
                                  response=answer, operation=STOP)
            return
        self.target.check("terminate", answer.status_code == 400 and state in answer.text,
                          f"the run is {state}: stopping it must answer 400 naming that status, "
                          f"got {describe(answer)}", response=answer, operation=STOP)

    @rule(execution_id=runs, count=st.integers(1, 5), order=st.sampled_from(["ASC", "DESC"]))
    def read_logs(self, execution_id: str, count: int, order: str) -> None:
        if order == "ASC":
            if self.log_walks.get(execution_id, 0) >= LOG_WALKS:
                return  # walked from its first line often enough: a client reads on from where it was
            self.log_walks[execution_id] = self.log_walks.get(execution_id, 0) + 1
        run = self.observe(execution_id)
        was_terminal = run["executionStatus"] in TERMINAL
        never_started = bool(run.get("misfiredExecutionReason")) and "startTimestamp" not in run
        # On a target whose clock stands still between requests the log cannot grow during the walk.
        settled = was_terminal or self.target.moves_time
        check = self.target.check
        start, pages, seen, bound, last_stamp = 0, 0, 0, 1, None
        while True:
            answer = self.target.get(f"/monitoring/executions/{execution_id}/logs",
                                     params={"startIndex": start, "count": count, "order": order})
            if answer.status_code == 404 and (not was_terminal or never_started):
                return  # a run just started may have no log yet; one that never started, none (misfire_never_started)
            body: dict[str, Any] = answer.json() if answer.status_code == 200 else {}
            check("log_paging", answer.status_code == 200 and isinstance(body.get("data"), list),
                  f"reading a run's log: {describe(answer)}", response=answer, operation=LOGS)
            pages += 1
            data, size, total = body["data"], body.get("size"), body.get("totalSize")
            check("log_paging", size == len(data) <= count,
                  f"size {size}, {len(data)} entries, count {count}: size must equal the entries, at most count",
                  response=answer, operation=LOGS)
            stamps = [entry.get("logTimestamp") for entry in data]
            check("log_paging", all(isinstance(stamp, int) for stamp in stamps),
                  f"log entries without an epoch-millisecond logTimestamp: {stamps}", response=answer, operation=LOGS)
            if last_stamp is not None:
                stamps.insert(0, last_stamp)
            check("log_paging", stamps == sorted(stamps, reverse=order == "DESC"),
                  f"order {order}: entries (and pages) out of order: {stamps}", response=answer, operation=LOGS)
            last_stamp = stamps[-1] if stamps else last_stamp
            filtered = body.get("totalSizeFiltered", total)
            check("log_paging", isinstance(total, int) and isinstance(filtered, int) and filtered <= total
                  and total >= self.log_totals.get(execution_id, 0),
                  f"totalSize {total}, totalSizeFiltered {filtered}: filtered <= total, and a log never shrinks "
                  f"(it held {self.log_totals.get(execution_id, 0)})", response=answer, operation=LOGS)
            assert isinstance(total, int)  # target.check raised otherwise
            self.log_totals[execution_id] = total
            seen += len(data)  # what `size` says, checked above
            bound = max(bound, math.ceil(total / count) + 1)
            if "nextIndex" not in body:
                break
            check("log_pages_end", body["nextIndex"] > start and pages < bound,
                  f"walking nextIndex: page {pages} (startIndex {start}) answers nextIndex {body['nextIndex']}, "
                  f"but {total} entries take at most {bound} pages of {count}", response=answer, operation=LOGS)
            start = body["nextIndex"]
        check("log_pages_end", True, "", response=answer, operation=LOGS)
        if settled:
            check("log_paging", seen == filtered,
                  f"the pages held {seen} entries, totalSizeFiltered says {filtered}", response=answer,
                  operation=LOGS)

    @invariant()
    def runs_keep_the_lifecycle(self) -> None:
        for execution_id in self.started:
            self.observe(execution_id)

    # --- the end of an example ----------------------------------------------------------------------------------------
    def unfinished(self, *, stopped_too: bool) -> list[str]:
        return [run for run in self.started if (stopped_too or run not in self.stopped)
                and self.last_seen.get(run, {}).get("executionStatus") not in TERMINAL]

    def teardown(self) -> None:
        # Hypothesis calls teardown in a `finally`: an exception in flight means the example failed already, and that
        # failure is the one to report.
        failing = sys.exc_info()[0] is not None
        try:
            if not failing:
                self.runs_finish()
                self.finished_runs_hold()
        finally:
            self.stop_what_still_runs()

    def runs_finish(self) -> None:
        waiting = self.unfinished(stopped_too=False)

        def all_ended() -> bool | None:
            for run in list(waiting):
                if self.observe(run)["executionStatus"] in TERMINAL:
                    waiting.remove(run)
            return True if not waiting else None

        ended = self.target.wait_for(all_ended, within=FINISH_WITHIN, step=FINISH_STEP)
        last = f"/processing/executions/{waiting[0]}" if waiting else None
        self.target.check(
            "run_finishes", ended,
            "runs still not terminal after the deadline: " + ", ".join(
                f"{run} ({self.last_seen[run]['executionStatus']})" for run in waiting),
            response=self.target.get(last) if last else None, operation=RUN)

    def finished_runs_hold(self) -> None:
        """Every example ends the same way, whatever the rules drew (a short example may not have read a log or
        stopped a run): the log of each finished run is walked to its end, and a finished run refuses to be stopped."""
        finished = [run for run in self.started if self.last_seen[run]["executionStatus"] in TERMINAL]
        for index, run in enumerate(finished):
            self.read_logs(run, 2, ("ASC", "DESC")[index % 2])
        if finished:
            self.terminate(finished[0])

    def stop_what_still_runs(self) -> None:
        """Best effort, checking nothing: terminate every run still going and give the stops time to land, so that
        nothing keeps running on a real target and the tasks can be deleted at the end of the session."""
        going = []
        for run in self.started:
            if self.last_seen.get(run, {}).get("executionStatus") in TERMINAL:
                continue  # it ended: nothing to stop, and no reason to read it again
            try:
                answer = self.target.get(f"/processing/executions/{run}")
                if answer.status_code == 200 and answer.json().get("executionStatus") not in TERMINAL:
                    going.append(run)
                    if answer.json().get("executionStatus") != STOPPING:
                        self.target.delete(f"/processing/executions/{run}")
            except (requests.RequestException, ValueError):
                continue
        if not going:
            return

        def stopped() -> bool | None:
            for run in list(going):
                answer = self.target.get(f"/processing/executions/{run}")
                if answer.status_code != 200 or answer.json().get("executionStatus") in TERMINAL:
                    going.remove(run)
            return True if not going else None

        self.target.wait_for(stopped, within=120, step=10)


TestRunLifecycle = RunLifecycle.TestCase
