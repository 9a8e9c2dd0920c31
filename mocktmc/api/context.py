"""Per-request access to the mock's state: the caller's world (locked and settled) and principal."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g

from ..clock import VirtualClock
from ..config import Settings
from ..domain.accounts import Accounts
from ..domain.model.definitions import Principal
from ..domain.world import World


@dataclass
class MockState:
    settings: Settings
    clock: VirtualClock
    accounts: Accounts


def state() -> MockState:
    return current_app.extensions["mocktmc"]


def world() -> World:
    """The caller's world; app.py has locked it and settled it to the request's time."""
    return g.mocktmc_world


def world_or_none() -> World | None:
    """The caller's world, or None for a request that entered none (the control plane, the token endpoint)."""
    return g.get("mocktmc_world")


def principal() -> Principal:
    return g.mocktmc_principal


def now() -> datetime:
    """The mock time this request is handled at (the time its world was settled to)."""
    return g.mocktmc_now


def quirk(name: str) -> bool:
    """Whether the server behaves as the observed service here (mocktmc/quirks.py), not as its documents."""
    return name in state().accounts.quirks
