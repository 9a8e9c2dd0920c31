"""Environments and the workspaces inside them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WORKSPACE_TYPES = ("shared", "personal", "custom")


@dataclass
class Environment:
    id: str
    name: str
    description: str = ""
    default: bool = False
    max_cloud_containers: int = 0
    created: datetime | None = None


@dataclass
class Workspace:
    id: str
    name: str
    environment_id: str
    type: str = "custom"
    description: str = ""
    owner: str = ""
    protected_artifact_update: bool = False
    created: datetime | None = None
