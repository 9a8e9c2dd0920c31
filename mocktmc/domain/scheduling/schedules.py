"""Schedules: named triggers (up to 15) shared by one task or plan through a link.

The published rules: at most 15 triggers, unique names, no two identical definitions, events at
least 5 minutes apart (checked 5 years ahead), only a schedule linked to nothing can be deleted,
and a schedule serves one executable at a time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from ...errors import BadRequest, Conflict, Forbidden, NotFound
from ..common.lookups import find
from ..model.scheduling import Schedule
from ..world import World
from .scheduler import arm
from .streams import (
    event_stream,
    linked_schedule,
    named,
    until,
    window_start,
)
from .triggers import check_trigger

MAX_TRIGGERS = 15
MIN_SPACING = timedelta(minutes=5)
HORIZON = timedelta(days=5 * 365)
# The spacing check walks at most this many events of the 5-year horizon: schedules repeat, and
# this covers every pattern's period many times over.
SPACING_CAP = 100_000
# A simulation walks every event of its range to find overlaps; past this many it is refused.
SIMULATION_CAP = 100_000
SCHEDULE_TRIGGER_TYPES = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "CRON")


def schedule(world: "World", schedule_id: str) -> Schedule:
    return find(world.schedules, schedule_id, "Schedule")


def _trigger(raw: Mapping[str, Any], at: datetime) -> dict:
    """A schedule trigger: named, of a recurring type; start date and zone default to today, UTC."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise BadRequest("trigger.name is required")
    if raw.get("type") not in SCHEDULE_TRIGGER_TYPES:
        raise BadRequest(f"trigger.type must be one of {', '.join(SCHEDULE_TRIGGER_TYPES)}, got {raw.get('type')!r}")
    filled = {"startDate": at.date().isoformat(), "timeZone": "UTC", **raw}
    return check_trigger(filled)


def _check_spacing(triggers: list[dict], now: datetime, error: type[BadRequest | Conflict]) -> None:
    previous = None
    for count, (instant, name) in enumerate(event_stream(named(triggers), now)):
        if instant > now + HORIZON or count >= SPACING_CAP:
            return
        if previous is not None and instant - previous[0] < MIN_SPACING:
            raise error(f"New trigger causes too many concurrent events: {previous[1]!r} and {name!r} fire "
                        f"less than 5 minutes apart ({previous[0].isoformat()}, {instant.isoformat()})")
        previous = (instant, name)


def _definition(trigger: Mapping) -> dict:
    return {k: v for k, v in trigger.items() if k != "name"}


def _with(world: "World", found: Schedule, triggers: list[dict], now: datetime,
          spacing_error: type[BadRequest | Conflict] = Conflict) -> None:
    names = [t["name"] for t in triggers]
    if len(set(names)) != len(names):
        raise Conflict("Duplicate name or trigger definition: trigger names must be unique")
    definitions = [_definition(t) for t in triggers]
    if any(definitions.count(d) > 1 for d in definitions):
        raise Conflict("Duplicate name or trigger definition: two triggers define the same events")
    if len(triggers) > MAX_TRIGGERS:
        raise BadRequest(f"A schedule takes at most {MAX_TRIGGERS} triggers")
    _check_spacing(triggers, now, spacing_error)
    found.triggers = triggers
    if found.executable_id:
        arm(world, found.executable_id)


def create_schedule(world: "World", now: datetime, *, environment_id: str, trigger: Mapping,
                    description: str = "") -> Schedule:
    if environment_id not in world.environments:
        raise BadRequest(f"Environment {environment_id} does not exist")
    created = Schedule(world.ids.hex24(), environment_id, description=description)
    # Creation publishes no 409: a trigger that breaks the spacing rule on its own is a bad request.
    _with(world, created, [_trigger(trigger, now)], now, spacing_error=BadRequest)
    world.schedules[created.id] = created
    return created


def clone_schedule(world: "World", schedule_id: str, description: str | None) -> Schedule:
    """A copy with the same triggers, linked to nothing; it is described as a copy unless told otherwise."""
    source = schedule(world, schedule_id)
    copy = Schedule(world.ids.hex24(), source.environment_id, [dict(t) for t in source.triggers],
                    description if description is not None else f"copy of {source.description}".strip())
    world.schedules[copy.id] = copy
    return copy


def describe(world: "World", schedule_id: str, description: str) -> None:
    schedule(world, schedule_id).description = description


def delete_schedule(world: "World", schedule_id: str) -> None:
    found = schedule(world, schedule_id)
    if found.executable_id:
        raise Conflict("The schedule is currently in use for an executable")
    del world.schedules[found.id]


def append_trigger(world: "World", schedule_id: str, raw: Mapping, now: datetime) -> None:
    found = schedule(world, schedule_id)
    _with(world, found, found.triggers + [_trigger(raw, now)], now)


def update_trigger(world: "World", schedule_id: str, raw: Mapping, now: datetime) -> None:
    """Replace the trigger of the same name."""
    found = schedule(world, schedule_id)
    trigger = _trigger(raw, now)
    if trigger["name"] not in [t["name"] for t in found.triggers]:
        raise BadRequest(f"The schedule has no trigger named {trigger['name']!r}")
    _with(world, found, [trigger if t["name"] == trigger["name"] else t for t in found.triggers], now)


def delete_trigger(world: "World", schedule_id: str, name: str) -> None:
    found = schedule(world, schedule_id)
    if name not in [t["name"] for t in found.triggers]:
        raise BadRequest(f"The schedule has no trigger named {name!r}")
    found.triggers = [t for t in found.triggers if t["name"] != name]
    if found.executable_id:
        arm(world, found.executable_id)


def simulate(world: "World", schedule_id: str, start: datetime, end: datetime, cap: int) -> list[tuple[datetime, str]]:
    """The events of every trigger in [start, end]; events closer than 5 minutes are a 409."""
    found = schedule(world, schedule_id)
    events: list[tuple[datetime, str]] = []
    for instant, name in until(event_stream(named(found.triggers), window_start(start, end)), end, cap):
        if events and instant - events[-1][0] < MIN_SPACING:
            raise Conflict(f"Overlapping events found at {instant.isoformat()}")
        events.append((instant, name))
    return events


def link(world: "World", schedule_id: str, executable_id: str, executable_type: str, environment_id: str) -> Schedule:
    """One schedule serves one executable of its environment; linking replaces what the executable had."""
    found = schedule(world, schedule_id)
    if found.executable_id not in (None, executable_id):
        raise Forbidden("Schedule is already assigned to another task or plan")
    if found.environment_id != environment_id:
        raise BadRequest("The schedule belongs to another environment")
    unlink(world, executable_id)
    found.executable_id, found.executable_type = executable_id, executable_type
    return found


def unlink(world: "World", executable_id: str) -> None:
    current = linked_schedule(world, executable_id)
    if current is not None:
        current.executable_id = current.executable_type = None


def link_executable(world: "World", schedule_id: str, executable: Any, kind: str, now: datetime,
                    by: Any = None) -> Schedule:
    """Link a task or plan: its run configuration's trigger becomes MULTIPLE (the schedule's triggers)."""
    found = link(world, schedule_id, executable.id, kind, world.workspaces[executable.workspace_id].environment_id)
    executable.trigger = {"type": "MULTIPLE", "startDate": (executable.created or now).date().isoformat(),
                          "timeZone": "UTC"}
    executable.scheduled_by = by
    arm(world, executable.id)
    return found


def unlink_executable(world: "World", executable: Any) -> None:
    if linked_schedule(world, executable.id) is None:
        raise NotFound(f"No schedule is associated with {executable.name!r}")
    unlink(world, executable.id)
    executable.trigger = None
    arm(world, executable.id)
