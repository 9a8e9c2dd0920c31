"""The FIQL filter of a list endpoint: published as `query` on some, `_s` on others; both are accepted."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from ..domain import fiql
from ..domain.world import World
from . import params


def fiql_filter(getters: Mapping[str, Callable[[Any], Any]]) -> Callable[[Any], bool]:
    return fiql.compile_filter(params.text("query") or params.text("_s"), getters)


def in_scope(world: World) -> Callable[[Any], bool]:
    """The environmentId, workspaceId and name (contained, any case) filters several lists share."""
    environment_id, workspace_id = params.text("environmentId"), params.text("workspaceId")
    name = (params.text("name") or "").lower()

    def keep(found: Any) -> bool:
        ws = world.workspaces[found.workspace_id]
        return ((environment_id is None or ws.environment_id == environment_id)
                and (workspace_id is None or ws.id == workspace_id) and name in found.name.lower())
    return keep
