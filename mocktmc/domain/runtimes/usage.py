"""Which tasks run on a runtime: an engine, cluster or pipeline engine that tasks use cannot go."""
from __future__ import annotations

from ...errors import BadRequest, Conflict
from ..world import World


def refuse_while_a_runtime(world: "World", runtime_type: str, runtime_id: str, what: str,
                           error: type[BadRequest | Conflict] = Conflict) -> None:
    """Deleting an engine, cluster or pipeline engine that tasks run on is refused, naming the tasks."""
    users = [t.name for t in world.tasks.values() if t.runtime.type == runtime_type and t.runtime.id == runtime_id]
    if users:
        raise error(f"{what} is the runtime of task(s) {', '.join(users)}")
