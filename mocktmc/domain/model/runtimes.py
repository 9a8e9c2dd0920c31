"""Remote engines, clusters, pipeline engines and run profiles, as plain data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RUN_PROFILE_TYPES = ("JOB_SERVER", "MICROSERVICE", "TALEND_RUNTIME")

@dataclass
class Pairable:
    """What remote and pipeline engines share: where they sit, and the pairing the engine software
    does with its pre-authorized key, which decides status and availability."""
    id: str
    name: str
    environment_id: str
    runtime_id: str
    pre_authorized_key: str
    workspace_id: str | None = None
    description: str = ""
    paired: bool = False
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def status(self) -> str:
        return "PAIRED" if self.paired else "NOT_PAIRED"

    @property
    def availability(self) -> str:
        # The mock's engines are up whenever they are paired.
        return "AVAILABLE" if self.paired else "NOT_AVAILABLE"


@dataclass
class RemoteEngine(Pairable):
    run_profiles: list[str] = field(default_factory=lambda: list(RUN_PROFILE_TYPES))
    debug_host: str | None = None
    esb_compatibility_version: str | None = None
    cluster_id: str | None = None
    processor_type = "RE"
    label = "remote engine"

    @property
    def profile_types(self) -> list[str]:
        return self.run_profiles


@dataclass
class Cluster:
    id: str
    name: str
    environment_id: str
    workspace_id: str
    runtime_id: str
    description: str = ""
    engine_ids: list[str] = field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None
    processor_type = "REC"
    label = "cluster"
    profile_types = RUN_PROFILE_TYPES


@dataclass
class PipelineEngine(Pairable):
    @property
    def run_status(self) -> str:
        return "RUNNING" if self.paired else "STOPPED"


@dataclass
class PipelineProfile:
    id: str
    engine_id: str
    type: str
    fields: dict[str, Any] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def name(self) -> str:
        return self.fields["name"]

    @property
    def owner_id(self) -> str:  # as for the other runtimes' profiles
        return self.engine_id


@dataclass
class RunProfile:
    id: str
    name: str
    type: str
    owner_id: str
    processor_type: str
    runtime_id: str
    description: str = ""
    jvm_arguments: list[str] = field(default_factory=list)
    version: int = 1
    created: datetime | None = None
    updated: datetime | None = None
