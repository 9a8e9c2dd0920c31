"""Runs of tasks, plans and promotions, and log exports, as plain data."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from . import lifecycle as lc
from .definitions import Principal
from .executables import DESTINATION, Behavior, Promotion, PromotionPlan, Runtime

# plan executions' own statuses
STARTED, SUCCESS, FAILED, MISFIRED = "STARTED", "EXECUTION_SUCCESS", "EXECUTION_FAILED", "EXECUTION_MISFIRED"
STATUS = {STARTED: "executing", SUCCESS: "execution_successful", FAILED: "execution_failed",
          MISFIRED: "execution_misfired"}
STATUS_FILTER = {status: {execution_status} for execution_status, status in STATUS.items()}

def overlaps(run_start: datetime, run_end: datetime | None, start: datetime, end: datetime, now: datetime) -> bool:
    """True if a run started, ended, or was running within [start, end] (the published overlap rule)."""
    return run_start <= end and (run_end or now) >= start


@dataclass
class LogExport:
    token: str
    execution_id: str
    created: datetime
    file_name: str
    media_type: str
    content: bytes
    size: int
    truncated: bool
    download_id: str
    url_expires: datetime | None = None  # set when the download address is first given out
    # A log cut to its newest entries: the time of the newest one left out, which the next request's
    # endTime reaches back from (X-Log-Next-Request-End-Time).
    next_end: datetime | None = None


# A value: never changed once written, so copies of a world may share it (world_templates.py). Frozen costs
# 0.3 us more a line to make; a million runs' worth of lines must still fit in memory (slots).
@dataclass(slots=True, frozen=True)
class LogEntry:
    timestamp: datetime
    severity: str
    log_type: str
    message: str


@dataclass(slots=True)  # a million of these must fit in memory (bench/history_scale.py)
class TaskExecution:
    id: str
    task_id: str
    task_name: str
    task_version: str
    account_id: str
    workspace_id: str
    environment_id: str
    execution_type: str
    principal: Principal
    triggered: datetime
    behavior: Behavior
    runtime: Runtime
    bundle_name: str
    bundle_version: str
    log_level: str
    parallel_execution_allowed: bool
    timeout: int | None = None  # minutes
    parameters: dict[str, str] = field(default_factory=dict)
    api_version: str = "2021-03"  # the API family the run was started through
    execution_status: str = lc.EVENT_RECEIVED
    started: datetime | None = None
    finished: datetime | None = None
    processed_rows: int | None = None
    rejected_rows: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    logs: list[LogEntry] = field(default_factory=list)
    stopped_by: str | None = None
    misfire_reason: str | None = None  # a run refused before it started: misfiredExecutionReason
    plan_id: str | None = None  # the plan a run of a plan step belongs to (TaskExecutionStatus.planId)
    plan_execution_id: str | None = None  # and its plan run (JobExecutionStatus.planId)
    step: int = 0
    seq: int = 0  # creation order in the account: orders runs triggered at the same instant

    @property
    def status(self) -> str:
        return lc.STATUS[self.execution_status]

    @property
    def terminal(self) -> bool:
        return lc.is_terminal(self.execution_status)

    @property
    def destination(self) -> str:
        return DESTINATION[self.runtime.type]

    @property
    def never_started(self) -> bool:
        """A misfire: refused when it was triggered (parallel runs forbidden, paused, no engine)."""
        return self.misfire_reason is not None and self.started is None

    def shown_finish(self, quirks: frozenset[str]) -> datetime | None:
        """The finishTimestamp a client sees: none for a run that never started (quirk misfire_never_started)."""
        return None if self.never_started and "misfire_never_started" in quirks else self.finished

    def __reduce__(self) -> tuple[type[TaskExecution], tuple[Any, ...]]:
        # Copies of a world (world_templates.py) remake each run from its fields in order, through __init__: a
        # third less than pickle's default for a slots class, which sets the 33 slots one by one by name.
        return TaskExecution, tuple(getattr(self, name) for name in _RUN_FIELDS)

    def visible_logs(self, now: datetime) -> list[LogEntry]:
        """Job output is written ahead with its future timestamps; a reader sees only what has happened."""
        return [entry for entry in self.logs if entry.timestamp <= now]

    def active_between(self, start: datetime, end: datetime, now: datetime) -> bool:
        return overlaps(self.started or self.triggered, self.finished, start, end, now)


_RUN_FIELDS = tuple(f.name for f in fields(TaskExecution))


@dataclass
class StepExecution:
    id: str
    index: int
    run_ids: list[str]
    started: datetime
    finished: datetime | None = None
    status: str = STARTED
    handler_id: str | None = None
    handler_run_ids: list[str] = field(default_factory=list)
    handler_started: datetime | None = None
    handler_finished: datetime | None = None


@dataclass
class PlanExecution:
    id: str
    plan_id: str
    workspace_id: str
    environment_id: str
    principal: Principal
    triggered: datetime
    execution_type: str
    planned: int
    execution_status: str = STARTED
    started: datetime | None = None
    finished: datetime | None = None
    misfire_reason: str | None = None
    steps: list[StepExecution] = field(default_factory=list)
    rerun_of: str | None = None

    @property
    def status(self) -> str:
        return STATUS[self.execution_status]

    @property
    def terminal(self) -> bool:
        return self.execution_status != STARTED

    def active_between(self, start: datetime, end: datetime, now: datetime) -> bool:
        return overlaps(self.started or self.triggered, self.finished, start, end, now)

    def child_run_ids(self) -> list[str]:
        return [i for step in self.steps for i in step.run_ids + step.handler_run_ids]


@dataclass
class PromotionExecution:
    id: str
    # The promotion as it was when triggered, a copy: the run goes on if the promotion is edited or deleted.
    promotion: Promotion
    principal: Principal
    triggered: datetime
    plan: PromotionPlan
    context: str | None = None
    status: str = "PROMOTION_STARTED"
    finished: datetime | None = None
    target_ids: dict[str, str] = field(default_factory=dict)  # source id -> target id
