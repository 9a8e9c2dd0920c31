"""Plans: steps of tasks run in order, with a condition to go on and an error handler."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STEP_CONDITIONS = ("ALL_SUCCEEDED", "AT_LEAST_ONE_SUCCEEDED", "ALWAYS_PROCEED_ON")


@dataclass
class Step:
    id: str
    name: str
    task_ids: list[str]
    condition: str = "ALL_SUCCEEDED"
    on_failure_task_ids: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Plan:
    id: str
    name: str
    workspace_id: str
    steps: list[Step]
    description: str = ""
    author: str = ""
    created: datetime | None = None
