"""The task execution lifecycle as data: states, allowed transitions, outcome paths, status mapping.

Talend publishes the meaning of each executionStatus and the executionStatus -> status table
(Processing 2021-03), but no transition diagram; the transitions below follow those meanings.
"""
from __future__ import annotations

EVENT_RECEIVED = "EXECUTION_EVENT_RECEIVED"
DISPATCHING = "DISPATCHING_FLOW"
EXECUTING = "STARTING_FLOW_EXECUTION"
STOPPING = "STOPPING_FLOW_EXECUTION"
TERMINATED = "EXECUTION_TERMINATED"
TERMINATED_TIMEOUT = "EXECUTION_TERMINATED_TIMEOUT"
DEPLOY_FAILED = "DEPLOY_FAILED"
FAILED = "EXECUTION_FAILED"
REJECTED = "EXECUTION_REJECTED"
SUCCESS = "EXECUTION_SUCCESS"
TERMINATED_SHUTDOWN = "EXECUTION_TERMINATED_SHUTDOWN"

# The published order of the executionStatus enum.
EXECUTION_STATUSES = (EVENT_RECEIVED, DISPATCHING, EXECUTING, STOPPING, TERMINATED, TERMINATED_TIMEOUT,
                      DEPLOY_FAILED, FAILED, REJECTED, SUCCESS, TERMINATED_SHUTDOWN)

# executionStatus -> simplified status. STOPPING has no published mapping: a run being stopped is
# still running, and clients loop while status is dispatching or executing (TMC-API-NOTES 9.3).
STATUS = {
    EVENT_RECEIVED: "dispatching",
    DISPATCHING: "dispatching",
    EXECUTING: "executing",
    STOPPING: "executing",
    TERMINATED: "terminated",
    TERMINATED_TIMEOUT: "terminated_timeout",
    TERMINATED_SHUTDOWN: "terminated_shutdown",
    DEPLOY_FAILED: "deploy_failed",
    FAILED: "execution_failed",
    REJECTED: "execution_rejected",
    SUCCESS: "execution_successful",
}

# The published values of the simplified status, and which executionStatuses each one selects
# when used as a filter ("terminated" covers every sub status).
STATUS_FILTER = {
    "dispatching": {EVENT_RECEIVED, DISPATCHING},
    "deploy_failed": {DEPLOY_FAILED},
    "executing": {EXECUTING, STOPPING},
    "execution_successful": {SUCCESS},
    "execution_rejected": {REJECTED},
    "execution_failed": {FAILED},
    "terminated": {TERMINATED, TERMINATED_TIMEOUT, TERMINATED_SHUTDOWN},
    "terminated_timeout": {TERMINATED_TIMEOUT},
    "terminated_shutdown": {TERMINATED_SHUTDOWN},
}

TERMINAL = frozenset({TERMINATED, TERMINATED_TIMEOUT, TERMINATED_SHUTDOWN, DEPLOY_FAILED, FAILED,
                      REJECTED, SUCCESS})

# Allowed transitions: from -> set of next states.
TRANSITIONS: dict[str, frozenset[str]] = {
    EVENT_RECEIVED: frozenset({DISPATCHING, STOPPING, TERMINATED}),  # TERMINATED: a misfire, never started
    DISPATCHING: frozenset({EXECUTING, DEPLOY_FAILED, STOPPING}),
    EXECUTING: frozenset({SUCCESS, REJECTED, FAILED, STOPPING, TERMINATED_TIMEOUT, TERMINATED_SHUTDOWN}),
    STOPPING: frozenset({TERMINATED}),
}

# The outcomes a behavior can choose, and the path a run takes to each.
PATHS: dict[str, tuple[str, ...]] = {
    SUCCESS: (EVENT_RECEIVED, DISPATCHING, EXECUTING, SUCCESS),
    REJECTED: (EVENT_RECEIVED, DISPATCHING, EXECUTING, REJECTED),
    FAILED: (EVENT_RECEIVED, DISPATCHING, EXECUTING, FAILED),
    DEPLOY_FAILED: (EVENT_RECEIVED, DISPATCHING, DEPLOY_FAILED),
    TERMINATED_TIMEOUT: (EVENT_RECEIVED, DISPATCHING, EXECUTING, TERMINATED_TIMEOUT),
    TERMINATED_SHUTDOWN: (EVENT_RECEIVED, DISPATCHING, EXECUTING, TERMINATED_SHUTDOWN),
}
OUTCOMES = tuple(PATHS)

# Where a terminate request leads, where a run-level timeout leads, and where a misfire ends.
MISFIRE_TO = TERMINATED
TERMINATE_TO = STOPPING
STOPPED_TO = TERMINATED
TIMEOUT_TO = TERMINATED_TIMEOUT


class IllegalTransition(RuntimeError):
    """A transition the table does not allow: a bug in the simulation, never a client error."""


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"{current} -> {target} is not an allowed transition")


def is_terminal(execution_status: str) -> bool:
    return execution_status in TERMINAL


def can_terminate(execution_status: str) -> bool:
    return TERMINATE_TO in TRANSITIONS.get(execution_status, frozenset())


def next_on_path(outcome: str, current: str) -> str | None:
    path = PATHS[outcome]
    index = path.index(current)
    return path[index + 1] if index + 1 < len(path) else None
