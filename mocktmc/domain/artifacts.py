"""Artifacts (published jobs, routes, pipelines ...) and their versions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ARTIFACT_TYPES = ("standard", "big_data_streaming", "big_data_batch", "route", "data_service", "pipeline")


@dataclass
class ArtifactVersion:
    version: str
    published: datetime | None = None
    publisher: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Artifact:
    id: str
    name: str
    workspace_id: str
    type: str = "standard"
    description: str = ""
    versions: list[ArtifactVersion] = field(default_factory=list)

    def version(self, version: str) -> ArtifactVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    @property
    def latest(self) -> ArtifactVersion:
        return self.versions[-1]
