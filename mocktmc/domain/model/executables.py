"""Tasks, plans, promotions and what they carry (behaviour plans, pauses, promotion plans), as plain data."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from . import lifecycle as lc
from .definitions import Principal

DEFAULT_DURATIONS: Mapping[str, float] = {
    lc.EVENT_RECEIVED: 1.0,
    lc.DISPATCHING: 2.0,
    lc.EXECUTING: 5.0,
    lc.STOPPING: 2.0,
}

@dataclass(frozen=True)
class LogLine:
    severity: str
    message: str


@dataclass(frozen=True)
class GeneratedLines:
    """`count` log lines made when a run logs, not sent nor stored one by one: a log of 100,000 lines for the
    price of three fields. `{n}` in the message is the line's number (from 1), `{count}` the count."""
    count: int
    message: str = "Log line {n} of {count}"
    severity: str = "INFO"

    def lines(self) -> list[LogLine]:
        # str.replace, not str.format: the message is the client's text, and format would read attributes.
        template = self.message.replace("{count}", str(self.count))
        if "{n}" not in template:
            line = LogLine(self.severity, template)
            return [line] * self.count
        return [LogLine(self.severity, template.replace("{n}", str(n))) for n in range(1, self.count + 1)]

    def to_dict(self) -> dict:
        return {"count": self.count, "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class Behavior:
    outcome: str = lc.SUCCESS
    durations: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DURATIONS))
    processed_rows: int = 0
    rejected_rows: int = 0
    error_type: str | None = None
    error_message: str | None = None
    log_lines: tuple[LogLine, ...] = ()
    generated_lines: GeneratedLines | None = None  # logged after log_lines

    def duration(self, phase: str) -> float:
        return self.durations.get(phase, DEFAULT_DURATIONS.get(phase, 0.0))

    def all_log_lines(self) -> list[LogLine]:
        """The job output a run of this behavior writes: its lines, then the generated ones."""
        generated = self.generated_lines.lines() if self.generated_lines is not None else []
        return [*self.log_lines, *generated]

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"outcome": self.outcome, "durations": dict(self.durations),
                               "processedRows": self.processed_rows, "rejectedRows": self.rejected_rows}
        if self.error_type:
            out["errorType"] = self.error_type
        if self.error_message:
            out["errorMessage"] = self.error_message
        out["logLines"] = [{"severity": line.severity, "message": line.message} for line in self.log_lines]
        if self.generated_lines is not None:
            out["logLinesGenerated"] = self.generated_lines.to_dict()
        return out


@dataclass
class BehaviorPlan:
    base: Behavior = field(default_factory=Behavior)
    sequence: deque[Behavior] = field(default_factory=deque)

    def next(self) -> Behavior:
        """The behavior of the next run: the head of the sequence, else the base."""
        return self.sequence.popleft() if self.sequence else self.base

    def to_dict(self) -> dict:
        out = self.base.to_dict()
        if self.sequence:
            out["sequence"] = [b.to_dict() for b in self.sequence]
        return out


@dataclass
class PauseDetails:
    pause: bool
    context: str = ""
    user: str = ""
    user_type: str = "HUMAN"
    date: datetime | None = None


@dataclass
class Step:
    id: str
    name: str
    task_ids: list[str]
    condition: str = "ALL_SUCCEEDED"
    on_failure_task_ids: list[str] = field(default_factory=list)
    note: str = ""
    on_failure_plan_ids: list[str] = field(default_factory=list)


@dataclass
class Plan:
    id: str
    name: str
    workspace_id: str
    steps: list[Step]
    description: str = ""
    author: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    author_type: str = "HUMAN"
    pause: PauseDetails | None = None
    trigger: dict | None = None  # None: never scheduled (MANUAL)
    parallel_execution_allowed: bool = False
    scheduled_by: "Principal | None" = None  # who set the trigger: scheduled runs run as them
    webhook_id: str | None = None  # the address a WEBHOOK trigger answers at

    @property
    def paused(self) -> bool:
        return bool(self.pause and self.pause.pause)


RUNTIME_TYPES = ("CLOUD", "REMOTE_ENGINE", "REMOTE_ENGINE_CLUSTER", "CLOUD_EXCLUSIVE", "PIPELINE_ENGINE")


LOG_LEVELS = ("OFF", "ERROR", "WARN", "INFO")


# Runtime type -> the executionDestination a run reports ("ELASTIC_ENGINE is the legacy name of
# PIPELINE_ENGINE", and the wire keeps the legacy name).
DESTINATION = {
    "CLOUD": "CLOUD",
    "CLOUD_EXCLUSIVE": "CLOUD_EXCLUSIVE",
    "REMOTE_ENGINE": "REMOTE_ENGINE",
    "REMOTE_ENGINE_CLUSTER": "REMOTE_ENGINE_CLUSTER",
    "PIPELINE_ENGINE": "ELASTIC_ENGINE",
}


@dataclass(frozen=True)  # a value: a task's and its runs' may be one object, or equal copies
class Runtime:
    type: str = "CLOUD"
    id: str | None = None
    run_profile_id: str | None = None


@dataclass
class Task:
    id: str
    name: str
    workspace_id: str
    artifact_id: str
    artifact_version: str
    version: str = "0.1"
    description: str = ""
    tags: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    runtime: Runtime = field(default_factory=Runtime)
    log_level: str = "WARN"
    parallel_execution_allowed: bool = False
    timeout: int | None = None
    auto_upgradable: bool = False
    override_with_default_parameters: bool = False
    pause: PauseDetails | None = None
    behavior: BehaviorPlan = field(default_factory=BehaviorPlan)
    created: datetime | None = None
    # The run configuration beyond runtime, log level, parallelism and timeout (kept above).
    trigger: dict | None = None  # None: never scheduled (MANUAL)
    remote_run_as_user: str | None = None
    deployment_strategy: str = "PARALLEL"
    lineage: bool = False
    microservice_port: str | None = None
    de_run_config: dict | None = None  # Dynamic Engine run configuration, as set
    scheduled_by: "Principal | None" = None  # who set the trigger: scheduled runs run as them
    webhook_id: str | None = None  # the address a WEBHOOK trigger answers at

    @property
    def paused(self) -> bool:
        return bool(self.pause and self.pause.pause)


@dataclass
class Promotion:
    id: str
    name: str
    source_environment_id: str
    target_environment_id: str
    description: str = ""
    user_ids: list[str] = field(default_factory=list)
    service_account_ids: list[str] = field(default_factory=list)


@dataclass
class Item:
    """One object to promote and what would happen to it (CREATED, REPLACED, REUSED)."""
    kind: str  # FLOW | PLAN | ACTION | CONNECTION | RESOURCE
    source_id: str
    name: str
    status: str
    target_id: str | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level, info)
    version: str | None = None
    versions: list[tuple[str, str]] = field(default_factory=list)  # (version, status) of an artifact
    artifact_id: str | None = None


@dataclass
class WorkspacePlan:
    source_id: str
    name: str
    workspace_type: str
    status: str
    target_id: str | None
    items: list[Item] = field(default_factory=list)


@dataclass
class PromotionPlan:
    promotion_id: str
    keep_target_resources: bool
    keep_target_run_profiles: bool
    scope: tuple[str, str] | None  # (type, id)
    workspaces: list[WorkspacePlan]
