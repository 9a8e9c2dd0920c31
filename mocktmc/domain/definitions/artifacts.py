"""Artifacts (published jobs, routes, pipelines ...) and their versions."""
from __future__ import annotations

from ...errors import Conflict, NotFound
from ..common.lookups import find
from ..model.definitions import Artifact, ArtifactVersion
from ..world import World

ARTIFACT_TYPES = ("standard", "big_data_streaming", "big_data_batch", "route", "data_service", "pipeline")
# The list filter also knows data_fabric, which no artifact record can carry: it selects nothing.
ARTIFACT_FILTER_TYPES = ARTIFACT_TYPES + ("data_fabric",)


def artifact(world: "World", artifact_id: str) -> Artifact:
    return find(world.artifacts, artifact_id, "Artifact")


def artifact_version(world: "World", artifact_id: str, version: str) -> ArtifactVersion:
    found = artifact(world, artifact_id).version(version)
    if found is None:
        raise NotFound(f"Artifact {artifact_id} has no version {version}")
    return found


def _users_of(world: "World", artifact_id: str, version: str | None = None) -> list[str]:
    return [task.name for task in world.tasks.values()
            if task.artifact_id == artifact_id and (version is None or task.artifact_version == version)]


def delete_artifact(world: "World", artifact_id: str) -> None:
    """Refused (409) while a task uses any of its versions."""
    art = artifact(world, artifact_id)
    users = _users_of(world, art.id)
    if users:
        raise Conflict(f"Artifact {art.name!r} is used by task(s) {', '.join(users)}")
    del world.artifacts[art.id]


def delete_artifact_version(world: "World", artifact_id: str, version: str) -> None:
    """Refused (409) while a task uses that version; the last version takes the artifact with it."""
    art = artifact(world, artifact_id)
    artifact_version(world, artifact_id, version)
    users = _users_of(world, art.id, version)
    if users:
        raise Conflict(f"Version {version} of artifact {art.name!r} is used by task(s) {', '.join(users)}")
    art.versions = [v for v in art.versions if v.version != version]
    if not art.versions:
        del world.artifacts[art.id]
