"""Fixture worlds built once and copied: what makes a fresh account (a reset, a new test) cost well under a
millisecond.

Building the demo world replays 60 days of history through the rules (about 12 ms); a copy of the world it
built costs about 0.6 ms. A world depends only on the fixture world, the account, the time it is built at and
the seed, so those are the key. The copy is a pickle round trip of the world this process built itself
(plain dataclasses, the id generator, the agenda's events): nothing read from outside is ever unpickled.
Values (date-times and frozen dataclasses: log lines, principals, runtimes) are not copied but shared by
every copy, as they are within one world: nothing can change them. Half of a copy's cost was making them.
"""
from __future__ import annotations

import io
import pickle
import threading
from collections import OrderedDict
from dataclasses import is_dataclass
from datetime import datetime
from typing import Any

from .fixtures import WorldSpec, build_world
from .world import World, cyclic_gc_paused

_KEPT = 8  # templates kept per app: the fixture worlds and accounts a suite resets again and again


class _Frozen:
    """A world as bytes, and the values its copies share (the bytes name them by their place in `values`)."""

    __slots__ = ("blob", "values")

    def __init__(self, blob: bytes, values: list[Any]) -> None:
        self.blob, self.values = blob, values


class WorldTemplates:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (id of the spec, account, time, seed) -> (the spec, kept alive so its id stays its own; the frozen world)
        self._made: OrderedDict[tuple, tuple[WorldSpec, _Frozen]] = OrderedDict()

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
        frozen = _frozen(world)
        with self._lock:
            self._made[key] = (spec, frozen)
            while len(self._made) > _KEPT:
                self._made.popitem(last=False)
        return world


def _is_value(obj: Any) -> bool:
    """Whether nothing can change `obj`: a date-time, or a frozen dataclass whose fields are values too (it hashes)."""
    kind = type(obj)
    if kind is datetime:
        return True
    if not (is_dataclass(kind) and kind.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        return False
    try:
        hash(obj)  # a frozen dataclass holding a list or a dict does not hash: its contents could change
    except TypeError:
        return False
    return True


class _SharingPickler(pickle.Pickler):
    """Writes values as references into a list instead of copying them."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.values: list[Any] = []
        self._places: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> int | None:
        if not _is_value(obj):
            return None
        place = self._places.get(id(obj))
        if place is None:
            place = self._places[id(obj)] = len(self.values)
            self.values.append(obj)  # kept alive here, so its id is not reused while the pickler runs
        return place


def _frozen(world: World) -> _Frozen:
    """The world as bytes, without its lock (a lock is not data) nor a clock of its own (not yet given)."""
    lock, clock = world.lock, world.clock
    world.lock, world.clock = None, None  # type: ignore[assignment]  # put back below
    try:
        out = io.BytesIO()
        pickler = _SharingPickler(out)
        pickler.dump(world)
        return _Frozen(out.getvalue(), pickler.values)
    finally:
        world.lock, world.clock = lock, clock


def _thawed(frozen: _Frozen) -> World:
    unpickler = pickle.Unpickler(io.BytesIO(frozen.blob))  # noqa: S301  # bytes _frozen made in this process
    # A C call per shared value, no Python frame (as a method of an Unpickler subclass would be)
    unpickler.persistent_load = frozen.values.__getitem__  # type: ignore[method-assign]
    with cyclic_gc_paused():  # a copy makes thousands of objects and no garbage: nothing for the collector
        world: World = unpickler.load()
    world.lock = threading.RLock()
    return world
