"""The FIQL filter of a list endpoint: published as `query` on some, `_s` on others; both are accepted."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from ..domain.common import fiql
from ..domain.world import World
from . import params
from .visibility import viewable


def fiql_filter(getters: Mapping[str, Callable[[Any], Any]]) -> Callable[[Any], bool]:
    return fiql.compile_filter(params.text("query") or params.text("_s"), getters)


def in_scope(world: World) -> Callable[[Any], bool]:
    """The environmentId, workspaceId and name (contained, any case) filters several lists share; and only what
    workspaces the caller may VIEW hold (api/visibility.py)."""
    environment_id, workspace_id = params.text("environmentId"), params.text("workspaceId")
    name = (params.text("name") or "").lower()
    visible = viewable()

    def keep(found: Any) -> bool:
        ws = world.workspaces[found.workspace_id]
        return (visible(ws.id) and (environment_id is None or ws.environment_id == environment_id)
                and (workspace_id is None or ws.id == workspace_id) and name in found.name.lower())
    return keep


def runtime_fields(world: World) -> dict[str, Callable[[Any], Any]]:
    """The FIQL selectors engines, clusters and pipeline engines share: what they are and where they sit."""
    def ws(getter: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda r: None if r.workspace_id is None else getter(world.workspaces[r.workspace_id])
    return {
        "id": lambda r: r.id,
        "name": lambda r: r.name,
        "description": lambda r: r.description,
        "runtimeId": lambda r: r.runtime_id,
        "environmentId": lambda r: r.environment_id,
        "workspace.id": lambda r: r.workspace_id,
        "workspace.name": ws(lambda w: w.name),
        "workspace.environment.id": lambda r: r.environment_id,
        "workspace.environment.name": lambda r: world.environments[r.environment_id].name,
    }
