"""Promotion definitions: a source environment whose content is copied to a target environment."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Promotion:
    id: str
    name: str
    source_environment_id: str
    target_environment_id: str
    description: str = ""
