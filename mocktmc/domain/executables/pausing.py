"""Pausing tasks and plans: new runs are refused (405) or misfire while paused; running ones finish."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..model.definitions import Principal
from ..model.executables import PauseDetails


class Pausable(Protocol):
    pause: PauseDetails | None


def is_paused(target: Pausable) -> bool:
    return bool(target.pause and target.pause.pause)


def set_pause(target: Pausable, at: datetime, principal: "Principal", pause: bool, context: str = "") -> bool:
    """Pause or resume; True when the state changed (202), False when it already was so (204)."""
    if is_paused(target) == pause:
        return False
    target.pause = PauseDetails(pause, context, principal.user_id, principal.user_type, at)
    return True
