"""Per-request access to the mock's state: the caller's world (locked and settled) and principal."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g
from flask.sansio.app import App

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


# app.extensions key -> how that extension's run state is made: what reset_state renews.
_FRESH = "mocktmc.fresh"


def keep_fresh(app: App, key: str, make: Callable[[], Any], first: Any = None) -> None:
    """Put a new `make()` (or `first`, when given) in app.extensions[key] and remember `make`, so that
    reset_state makes it anew.

    Everything a request can change (the accounts and the clock, the journal, fault rules, throttle counts,
    defect ghosts) is made here, both when the app is built and when it is reset: one code path, so a
    reset app cannot hold anything a newly built one would not."""
    app.extensions.setdefault(_FRESH, {})[key] = make
    app.extensions[key] = make() if first is None else first


def reset_state(app: Flask) -> None:
    """Every extension keep_fresh made, made anew (not while the app is answering requests)."""
    for key, make in app.extensions[_FRESH].items():
        app.extensions[key] = make()


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
