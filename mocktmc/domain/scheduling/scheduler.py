"""The scheduler: every task or plan with a trigger keeps its next occurrence on its world's agenda.

When the clock passes that occurrence, the run starts (or misfires) at that instant, and the next
occurrence after it takes its place. Only the next instant is kept, not a stream of them: 10,000
schedules hold 10,000 small agenda entries, however many occurrences lie ahead and however dense
their triggers are, and the scheduler's state is plain data.

Anything that changes when an executable runs (its trigger, its schedule link, its schedule's
triggers, its deletion) re-arms it; the entry it had on the agenda goes stale and is ignored.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from ...errors import BrokenInvariant
from ..executions.plan_executions import misfire_plan_execution, start_plan_execution
from ..executions.task_executions import execute_task, misfire_task
from ..model.definitions import Principal
from ..model.scheduling import Armed
from ..world import AgendaEvent, World
from .streams import count_events, event_stream, executable_triggers


@dataclass(frozen=True)
class Fire(AgendaEvent):
    """An agenda event: a scheduled occurrence of an executable falls due."""
    executable_id: str
    token: int

    def apply(self, world: "World", at: datetime) -> None:
        armed = world.armed.get(self.executable_id)
        if armed is None or armed.token != self.token:
            return  # re-armed or disarmed since this occurrence was queued
        if world.horizon is not None and at < world.horizon - LONGEST_RUN:
            _skip_to(world, self.executable_id, armed, at, world.horizon - LONGEST_RUN)
            return
        start_scheduled(world, self.executable_id, at)
        _queue_next(world, self.executable_id, armed, at)


# A run longer than this is not expected: a scheduled occurrence this long before the retention window would
# end before it, so the clock moving past it counts it instead of building a run it would forget at once.
LONGEST_RUN = timedelta(days=1)


def _skip_to(world: "World", executable_id: str, armed: Armed, at: datetime, until: datetime) -> None:
    """Count the occurrences from `at` up to `until` (not built: they would end before the retention window) and
    queue the first one after. A clock moved by centuries costs what the window holds, not what it skipped."""
    executable = world.tasks.get(executable_id) or world.plans.get(executable_id)
    if executable is None:
        raise BrokenInvariant(f"Executable {executable_id} is armed but is neither a task nor a plan")
    last = until - timedelta(milliseconds=1)
    world.runs_skipped += count_events(executable_triggers(world, executable_id, executable.trigger), at, last)
    _queue_next(world, executable_id, armed, last)


def arm(world: "World", executable_id: str) -> None:
    """Queue the next occurrence of a task or plan after the world's current time, or nothing.

    A WEBHOOK trigger gets its address instead (a new one when it had none or asks with newUrl),
    and a window of calls still open is dropped.
    """
    world.armed.pop(executable_id, None)
    world.webhook_windows.pop(executable_id, None)
    executable = world.tasks.get(executable_id) or world.plans.get(executable_id)
    if executable is None:
        return
    _address(world, executable)
    triggers = executable_triggers(world, executable_id, executable.trigger)
    if triggers:
        key = json.dumps(triggers, sort_keys=True)
        _queue_next(world, executable_id, Armed(world.next_arm_token(), key), world.now)


def trigger_key(world: "World", executable_id: str, trigger: dict | None) -> str:
    """The definition key of an executable's triggers (kept by the scheduler while it is armed)."""
    armed = world.armed.get(executable_id)
    if armed is not None:
        return armed.key
    return json.dumps(executable_triggers(world, executable_id, trigger), sort_keys=True)


def _address(world: "World", executable) -> None:
    trigger = executable.trigger or {}
    if trigger.get("type") != "WEBHOOK":
        executable.webhook_id = None
        return
    if executable.webhook_id is None or trigger["webhook"].get("newUrl"):
        executable.webhook_id = world.ids.uuid()
    # The address is the mock's to give: a url or newUrl sent in is not kept.
    trigger["webhook"] = {k: v for k, v in trigger["webhook"].items() if k not in ("newUrl", "url")}


def _queue_next(world: "World", executable_id: str, armed: Armed, after: datetime) -> None:
    executable = world.tasks.get(executable_id) or world.plans.get(executable_id)
    if executable is None:  # a task or plan is disarmed when it is deleted
        raise BrokenInvariant(f"Executable {executable_id} is armed but is neither a task nor a plan")
    following = next(event_stream(executable_triggers(world, executable_id, executable.trigger), after), None)
    if following is None:
        world.armed.pop(executable_id, None)  # a ONCE trigger, or a cron year that has passed
        return
    armed.due = following[0]
    world.armed[executable_id] = armed
    world.schedule(armed.due, Fire(executable_id, armed.token))


def _runs_as(world: "World", executable) -> Principal:
    """The user who set the schedule up; the account's first user for fixture schedules."""
    return executable.scheduled_by or Principal(world.default_user_id, "HUMAN")


def start_scheduled(world: "World", executable_id: str, at: datetime, execution_type: str = "SCHEDULED",
                    parameters: dict | None = None) -> None:
    """Start a run that no client asked for (a schedule, a webhook): a paused executable misfires instead."""
    task = world.tasks.get(executable_id)
    if task is not None:
        if task.paused and "pause_ignored" not in world.defects:
            misfire_task(world, task, _runs_as(world, task), at, "TASK_IS_PAUSED", execution_type=execution_type)
        else:
            with _pause_lifted(task):
                execute_task(world, task, _runs_as(world, task), at, parameters=parameters,
                             execution_type=execution_type)
        return
    plan = world.plans[executable_id]
    if plan.paused and "pause_ignored" not in world.defects:
        misfire_plan_execution(world, plan, _runs_as(world, plan), at, "PLAN_EXECUTIONS_PAUSED",
                         execution_type=execution_type)
    else:
        with _pause_lifted(plan):
            start_plan_execution(world, plan, _runs_as(world, plan), at, execution_type=execution_type)


@contextmanager
def _pause_lifted(executable) -> Iterator[None]:
    """The deliberate bug "pause_ignored" (mocktmc/defects.py): the run starts as if the executable were not paused.

    execute_task and start_plan_execution refuse a paused executable (the 405 a client gets), so the pause is set
    aside for the call and put back after it; the world's lock is held throughout, so no request sees it
    gone, and GET still shows the executable paused.
    """
    saved = executable.pause
    if executable.paused:
        executable.pause = None
    try:
        yield
    finally:
        executable.pause = saved
