"""Scheduled runs ahead: when tasks and plans will run, from their triggers (the same occurrences the
scheduler fires), for the events operations and the maintenance-window search."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from ..errors import BadRequest
from .environments import environment
from .schedules import executable_events
from .tasks import Task, TaskFilter, select_tasks

if TYPE_CHECKING:
    from .world import World

# Counting a page's total means walking the whole range; past this many events it is refused.
EVENT_CAP = 100_000


@dataclass(frozen=True)
class ScheduledEvent:
    date: datetime
    id: str  # the task or plan
    type: str  # TASK | PLAN
    source_trigger_name: str | None = None


def search(world: "World", *, environment_id: str, start: datetime, end: datetime, workspace_ids: Iterable[str] = (),
           tags: Iterable[str] = (), runtime_type: str | None = None, runtime_id: str | None = None
           ) -> list[ScheduledEvent]:
    """Runs scheduled in [start, end] in an environment, ordered by date then id.

    Tags and runtime select tasks; plans carry neither, so they are left out when either is asked for.
    """
    environment(world, environment_id)
    spaces = set(workspace_ids) or {ws.id for ws in world.workspaces.values() if ws.environment_id == environment_id}
    tasks: list[Task] = [t for t in select_tasks(world, TaskFilter(environment_id=environment_id, tags=tuple(tags),
                                                                   runtime_type=runtime_type, runtime_id=runtime_id))
                         if t.workspace_id in spaces]
    events = [ScheduledEvent(at, task.id, "TASK", name) for task in tasks
              for at, name in executable_events(world, task.id, task.trigger, start, end, EVENT_CAP)]
    if not tags and runtime_type is None and runtime_id is None:
        events += [ScheduledEvent(at, plan.id, "PLAN", name) for plan in world.plans.values()
                   if plan.workspace_id in spaces
                   for at, name in executable_events(world, plan.id, plan.trigger, start, end, EVENT_CAP)]
        if len(events) > EVENT_CAP:
            raise BadRequest(f"More than {EVENT_CAP} events fall between 'from' and 'to': narrow the range")
    return sorted(events, key=lambda e: (e.date, e.id))
