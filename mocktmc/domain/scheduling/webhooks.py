"""Webhooks: a WEBHOOK trigger gives its task or plan an address that starts a run when called.

Calls are gathered in a window: the run starts when `triggerCalls` calls have arrived (1 by default)
or `triggerTimeout` seconds after the first call, whichever comes first (no timeout: only the count
closes it). A task's run receives the calls as the `resource_webhook_payload` context parameter, a
JSON array of {"data", "type"}, as TMC passes them to the Job.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ...errors import NotFound, UnsupportedMediaType
from ..model.scheduling import Window
from ..world import AgendaEvent, World
from .scheduler import start_scheduled

PAYLOAD_TYPES = ("application/json", "application/xml", "application/x-www-form-urlencoded", "text/plain",
                 "text/xml")
PAYLOAD_PARAMETER = "resource_webhook_payload"


@dataclass(frozen=True)
class WindowCloses(AgendaEvent):
    """An agenda event: a window's duration has passed since its first call."""
    executable_id: str
    token: int

    def apply(self, world: "World", at: datetime) -> None:
        window = world.webhook_windows.get(self.executable_id)
        if window is not None and window.token == self.token:
            _start(world, self.executable_id, at)


def target(world: "World", webhook_id: str) -> Any | None:
    """The task or plan this address starts, if it still has a WEBHOOK trigger with it."""
    for store in (world.tasks, world.plans):
        for executable in store.values():
            if executable.webhook_id == webhook_id and (executable.trigger or {}).get("type") == "WEBHOOK":
                return executable
    return None


def call(world: "World", webhook_id: str, data: str, media_type: str, at: datetime) -> None:
    """One call of a webhook: its payload joins the window, which may start the run now."""
    executable = target(world, webhook_id)
    if executable is None:
        raise NotFound("Unknown webhook address")
    if media_type not in PAYLOAD_TYPES:
        raise UnsupportedMediaType(f"A webhook payload must be one of {', '.join(PAYLOAD_TYPES)}, got "
                                   f"{media_type or 'none'}")
    settings = executable.trigger["webhook"]
    window = world.webhook_windows.get(executable.id)
    if window is None:
        window = world.webhook_windows[executable.id] = Window(world.next_arm_token())
        if settings.get("triggerTimeout"):
            world.schedule(at + timedelta(seconds=settings["triggerTimeout"]), WindowCloses(executable.id,
                                                                                            window.token))
    window.payloads.append({"data": data, "type": media_type})
    if len(window.payloads) >= (settings.get("triggerCalls") or 1):
        _start(world, executable.id, at)


def _start(world: "World", executable_id: str, at: datetime) -> None:
    window = world.webhook_windows.pop(executable_id)
    parameters = {PAYLOAD_PARAMETER: json.dumps(window.payloads)} if executable_id in world.tasks else None
    start_scheduled(world, executable_id, at, execution_type="WEBHOOK", parameters=parameters)
