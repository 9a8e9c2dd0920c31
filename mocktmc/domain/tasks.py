"""Tasks: an artifact version deployed in a workspace with its parameters and run settings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .behaviors import BehaviorPlan

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


@dataclass
class Runtime:
    type: str = "CLOUD"
    id: str | None = None
    run_profile_id: str | None = None


@dataclass
class PauseDetails:
    pause: bool
    context: str = ""
    user: str = ""
    user_type: str = "HUMAN"
    date: datetime | None = None


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

    @property
    def paused(self) -> bool:
        return bool(self.pause and self.pause.pause)
