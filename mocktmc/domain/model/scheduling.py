"""Schedules, armed occurrences and webhook windows, as plain data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Schedule:
    id: str
    environment_id: str
    triggers: list[dict] = field(default_factory=list)
    description: str = ""
    executable_id: str | None = None
    executable_type: str | None = None  # TASK | PLAN


@dataclass
class Armed:
    token: int
    key: str  # the triggers' definition: executables that share it share their occurrences
    due: datetime | None = None


@dataclass
class Window:
    token: int
    payloads: list[dict] = field(default_factory=list)
