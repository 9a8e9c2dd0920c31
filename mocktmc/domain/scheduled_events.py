"""Scheduled runs ahead: when tasks and plans will run, from their triggers (the same occurrences the
scheduler fires), for the events operations and the maintenance-window search."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable, Mapping

from ..errors import BadRequest
from .environments import environment
from .occurrences import occurrences
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


def window(start: datetime, end: datetime) -> None:
    if start > end:
        raise BadRequest("'from' must not be after 'to'")


def trigger_events(trigger: Mapping | None, start: datetime, end: datetime) -> list[datetime]:
    """The instants in [start, end] when `trigger` fires."""
    window(start, end)
    found: list[datetime] = []
    if not trigger:
        return found
    for instant in occurrences(trigger, start - timedelta(milliseconds=1)):
        if instant > end:
            break
        found.append(instant)
        if len(found) > EVENT_CAP:
            raise BadRequest(f"More than {EVENT_CAP} events fall between 'from' and 'to': narrow the range")
    return found


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
    events = [ScheduledEvent(at, task.id, "TASK") for task in tasks for at in trigger_events(task.trigger, start, end)]
    if not tags and runtime_type is None and runtime_id is None:
        events += [ScheduledEvent(at, plan.id, "PLAN") for plan in world.plans.values() if plan.workspace_id in spaces
                   for at in trigger_events(plan.trigger, start, end)]
        if len(events) > EVENT_CAP:
            raise BadRequest(f"More than {EVENT_CAP} events fall between 'from' and 'to': narrow the range")
    return sorted(events, key=lambda e: (e.date, e.id))
