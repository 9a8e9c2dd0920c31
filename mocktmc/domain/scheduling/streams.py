"""The events triggers produce, in time order: what the scheduler arms and the scheduled-events list shows."""
from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import Any, Iterator, Mapping

from ...errors import BadRequest
from ..model.scheduling import Schedule
from ..world import World
from .occurrences import count_between, occurrences

# A trigger and the name its events carry (sourceTriggerName): a schedule's triggers are named,
# a run configuration's own trigger is not.
NamedTrigger = tuple[Mapping[str, Any], "str | None"]


def named(triggers: list[dict]) -> list[NamedTrigger]:
    return [(t, t["name"]) for t in triggers]


def _tagged(trigger: Mapping, name: str | None, after: datetime) -> Iterator[tuple[datetime, str | None]]:
    for instant in occurrences(trigger, after):
        yield instant, name


def event_stream(triggers: list[NamedTrigger], after: datetime) -> Iterator[tuple[datetime, str | None]]:
    """(instant, trigger name) of every trigger, strictly after `after`, in time order, lazily."""
    return heapq.merge(*(_tagged(t, name, after) for t, name in triggers))


def count_events(triggers: list[NamedTrigger], start: datetime, end: datetime) -> int:
    """How many events the triggers have in [start, end], without listing them."""
    return sum(count_between(t, start, end) for t, _ in triggers)


def executable_triggers(world: "World", executable_id: str, trigger: Mapping | None) -> list[NamedTrigger]:
    """What decides when a task or plan runs: its own trigger, or its linked schedule's triggers."""
    if not trigger:
        return []
    if trigger.get("type") == "MULTIPLE":
        linked = linked_schedule(world, executable_id)
        return named(linked.triggers) if linked else []
    return [(trigger, None)]


def until(stream: Iterator[tuple], end: datetime, cap: int | None = None) -> Iterator[tuple]:
    """The events of a time-ordered `stream` up to `end`; more than `cap` of them is a 400 (for a caller
    that must walk them all)."""
    for count, event in enumerate(stream):
        if event[0] > end:
            return
        if cap is not None and count >= cap:
            raise BadRequest(f"More than {cap} events fall between 'from' and 'to': narrow the range")
        yield event


def window_start(start: datetime, end: datetime) -> datetime:
    """The instant the occurrences of [start, end] come strictly after: `from` itself counts."""
    if start > end:
        raise BadRequest("'from' must not be after 'to'")
    return start - timedelta(milliseconds=1)


def linked_schedule(world: "World", executable_id: str) -> Schedule | None:
    return next((s for s in world.schedules.values() if s.executable_id == executable_id), None)
