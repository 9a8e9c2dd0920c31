"""Fixture worlds built once and copied: what makes a fresh account (a reset, a new test) cost about a millisecond.

Building the demo world replays 60 days of history through the rules (about 12 ms); a copy of the world it
built costs about 1 ms. A world depends only on the fixture world, the account, the time it is built at and
the seed, so those are the key. The copy is a pickle round trip of the world this process built itself
(plain dataclasses, the id generator, the agenda's events): nothing read from outside is ever unpickled.
"""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from datetime import datetime

from .fixtures import WorldSpec, build_world
from .world import World

_KEPT = 8  # templates kept per app: the fixture worlds and accounts a suite resets again and again


class WorldTemplates:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (id of the spec, account, time, seed) -> (the spec, kept alive so its id stays its own; the pickled world)
        self._made: OrderedDict[tuple, tuple[WorldSpec, bytes]] = OrderedDict()

    def build(self, spec: WorldSpec, account_id: str, now: datetime, seed: int) -> World:
        """A new world, as build_world would make it."""
        key = (id(spec), account_id, now, seed)
        with self._lock:
            made = self._made.get(key)
            if made is not None:
                self._made.move_to_end(key)
        if made is not None:
            return _thawed(made[1])
        world = build_world(spec, account_id, now, seed)
        blob = _frozen(world)
        with self._lock:
            self._made[key] = (spec, blob)
            while len(self._made) > _KEPT:
                self._made.popitem(last=False)
        return world


def _frozen(world: World) -> bytes:
    """The world as bytes, without its lock (a lock is not data) nor a clock of its own (not yet given)."""
    lock, clock = world.lock, world.clock
    world.lock, world.clock = None, None  # type: ignore[assignment]  # put back below
    try:
        return pickle.dumps(world, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        world.lock, world.clock = lock, clock


def _thawed(blob: bytes) -> World:
    world: World = pickle.loads(blob)  # noqa: S301  # bytes _frozen made in this process
    world.lock = threading.RLock()
    return world
