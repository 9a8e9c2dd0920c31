"""Scheduled runs ahead: when tasks and plans will run, for the events operations and the
maintenance-window search. They read the same lazy occurrence streams the scheduler fires from.

A page is cut from a merge of lazy streams and its total is counted without listing the events, so
a search over 10,000 hourly tasks and 30 days never holds 7.2 million events. Executables that
share a trigger definition share one stream and one count.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Collection, Iterable, Iterator

from ..common.paging import Page
from ..definitions.environments import environment
from ..executables.tasks import TaskFilter, select_tasks
from ..world import World
from .scheduler import trigger_key
from .streams import (
    NamedTrigger,
    count_events,
    event_stream,
    executable_triggers,
    until,
    window_start,
)


@dataclass(frozen=True)
class ScheduledEvent:
    date: datetime
    id: str  # the task or plan
    type: str  # TASK | PLAN
    source_trigger_name: str | None = None


def executable_events(world: "World", executable_id: str, trigger: dict | None, start: datetime, end: datetime,
                      offset: int, limit: int) -> Page[tuple[datetime, str | None]]:
    """One page of the runs a task or plan has scheduled in [start, end], in time order."""
    after = window_start(start, end)
    triggers = executable_triggers(world, executable_id, trigger)
    items = list(islice(until(event_stream(triggers, after), end), offset, offset + limit))
    return Page(items, limit, offset, count_events(triggers, start, end))


def _group_events(triggers: list[NamedTrigger], members: list[tuple[str, str]], after: datetime,
                  end: datetime) -> Iterator[tuple[datetime, str, str, str | None]]:
    """The events of every executable sharing these triggers, ordered by date then id."""
    for instant, name in until(event_stream(triggers, after), end):
        for executable_id, kind in members:
            yield instant, executable_id, kind, name


def search(world: "World", *, environment_id: str, start: datetime, end: datetime, workspace_ids: Iterable[str] = (),
           tags: Iterable[str] = (), runtime_type: str | None = None, runtime_id: str | None = None,
           offset: int = 0, limit: int = 100, viewable: Collection[str] | None = None) -> Page[ScheduledEvent]:
    """Runs scheduled in [start, end] in an environment, ordered by date then id; `viewable`: of these
    workspaces only (those the caller may VIEW; None, every one).

    Tags and runtime select tasks; plans carry neither, so they are left out when either is asked for.
    """
    environment(world, environment_id)
    after = window_start(start, end)
    tags = tuple(tags)
    spaces = set(workspace_ids) or {ws.id for ws in world.workspaces.values() if ws.environment_id == environment_id}
    if viewable is not None:  # after the default: naming only workspaces it may not VIEW finds nothing
        spaces &= set(viewable)
    selected: list[tuple[str, str, dict | None]] = [
        (task.id, "TASK", task.trigger) for task in select_tasks(world, TaskFilter(
            environment_id=environment_id, tags=tags, runtime_type=runtime_type, runtime_id=runtime_id))
        if task.workspace_id in spaces and task.trigger]
    if not tags and runtime_type is None and runtime_id is None:
        selected += [(plan.id, "PLAN", plan.trigger) for plan in world.plans.values()
                     if plan.workspace_id in spaces and plan.trigger]
    groups: dict[str, tuple[list[NamedTrigger], list[tuple[str, str]]]] = {}
    for executable_id, kind, trigger in selected:
        key = trigger_key(world, executable_id, trigger)
        if key not in groups:
            groups[key] = (executable_triggers(world, executable_id, trigger), [])
        groups[key][1].append((executable_id, kind))
    groups.pop("[]", None)  # MANUAL, WEBHOOK, or a MULTIPLE whose schedule is gone: nothing is scheduled
    total = sum(count_events(triggers, start, end) * len(members) for triggers, members in groups.values())
    merged = heapq.merge(*(_group_events(triggers, sorted(members), after, end)
                           for triggers, members in groups.values()))
    items = [ScheduledEvent(at, executable_id, kind, name)
             for at, executable_id, kind, name in islice(merged, offset, offset + limit)]
    return Page(items, limit, offset, total)
