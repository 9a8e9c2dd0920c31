"""Snapshots: one account's whole world as plain JSON data, and a new world restored from it.

Why: a suite can build a state once (runs half way, schedules armed, webhook windows open, log files
being prepared), save it, and start again from it later; reading the restored world gives the answers
the saved one gave, and its future (the agenda, the id stream, the counters) unfolds the same.

What: every field of `World` (domain/world.py, the one declaration of an account's state) but those its
metadata marks derived or not state, plus the id source's generator state, the agenda's events by class
name, and the order in which runs ended. Nothing here declares the shape again: pydantic reads the type
hints of World's fields and of the model dataclasses they reach, writes them as JSON and checks them
strictly on the way back (a value of another JSON type is refused, not coerced; so is an unknown field).

Entities refer to each other by id, and the objects two places hold (a task's Runtime and Behavior and its
runs', the Principal a plan run and its task runs share) are frozen values: a restored world holds equal
copies, which `_share_values` makes one object again so that a restored world takes no more memory.

`load` never imports by name, unpickles or evaluates: anything malformed, or an inconsistent world (a
counter behind the ids it gave out, a key that is not its entity's id, a date-time without a UTC offset),
is a ValueError naming where. It builds a new World and touches nothing else. Not saved, because they
are derived or the server's: the run index (rebuilt; only the order runs ended in is kept, as it orders
runs triggered at the same instant), the clock, the bearer tokens.
"""
from __future__ import annotations

import heapq
import json
import typing
from dataclasses import Field, fields, is_dataclass
from datetime import datetime
from functools import lru_cache
from types import GenericAlias
from typing import Any, Iterable, Literal

from pydantic import ConfigDict, NonNegativeFloat, NonNegativeInt, PositiveFloat, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic reads typing.TypedDict only from Python 3.12

from ..clock import VirtualClock

# The modules that define the agenda's events: imported so that every AgendaEvent subclass exists.
from .executions import plan_executions, promotion_executions, task_executions  # noqa: F401
from .model import lifecycle as lc
from .model.execution_index import ExecutionIndex
from .model.ids import IdSource
from .scheduling import scheduler, webhooks  # noqa: F401
from .world import STATE, AgendaEvent, World, cyclic_gc_paused

# 4: principals carry roles, workspaces their permissions, and a world its subscription and audit log (issue 23);
# a snapshot of an earlier format is refused by its format, before any field is read.
FORMAT = "mocktmc-state/4"
_HEADER = ("account_id", "account_name")  # written as the snapshot's "account"
_SPECIAL = ("ids", "agenda", "clock")  # saved in a form of their own (generator state; events by class; rates)


def _events() -> tuple[type, ...]:
    found, stack = [], list(AgendaEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return tuple(sorted(found, key=lambda cls: cls.__name__))


STATE_FIELDS: tuple[Field, ...] = tuple(f for f in fields(World)
                                        if f.metadata.get("kind", STATE) == STATE and f.name not in _HEADER)
_WORLD_HINTS = typing.get_type_hints(World)
HINTS: dict[str, Any] = {f.name: _WORLD_HINTS[f.name] for f in STATE_FIELDS}
AGENDA_EVENTS = _events()
# World's dicts of entities: field -> (class of the values, the attribute of a value its key must equal; None:
# the key is an executable id, checked apart)
STORES: dict[str, tuple[type, str | None]] = {
    f.name: (typing.get_args(HINTS[f.name])[1], f.metadata.get("key", "id")) for f in STATE_FIELDS
    if typing.get_origin(HINTS[f.name]) is dict and is_dataclass(typing.get_args(HINTS[f.name])[1])}


def reachable_classes(roots: Iterable[Any]) -> set[type]:
    """Every dataclass the type hints of `roots` lead to, transitively."""
    found: set[type] = set()
    stack: list[Any] = list(roots)
    while stack:
        hint = stack.pop()
        if isinstance(hint, type) and is_dataclass(hint):
            if hint in found:
                continue
            found.add(hint)
            stack.extend(typing.get_type_hints(hint).values())
        stack.extend(arg for arg in typing.get_args(hint) if arg is not Ellipsis)
    return found


# Every class a snapshot holds (what the registry test compares with the domain's dataclasses).
REGISTRY: dict[str, type] = {cls.__name__: cls for cls in sorted(
    reachable_classes([hint for name, hint in HINTS.items() if name not in _SPECIAL]) | set(AGENDA_EVENTS),
    key=lambda cls: cls.__name__)}

# Strict: "5" is no integer and true no number; extra fields are refused; bytes travel as base64. The
# config reaches the model dataclasses too, as they carry none of their own.
_CONFIG = ConfigDict(strict=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


def _shape(name: str, hints: dict[str, Any], total: bool = True) -> Any:
    """A TypedDict made from hints that exist only at run time (which is why mypy sees it as Any)."""
    make: Any = TypedDict
    shape = make(name, hints, total=total)
    shape.__pydantic_config__ = _CONFIG
    return shape


@lru_cache(maxsize=None)
def _document() -> TypeAdapter[dict[str, Any]]:
    """The snapshot's shape, made on first use: pydantic takes some 50 ms to read it, which a server that never
    saves nor restores an account should not wait for at start-up."""
    event = _shape("AgendaEvent", {cls.__name__: cls for cls in AGENDA_EVENTS}, total=False)  # {ClassName: fields}
    return TypeAdapter(_shape("Snapshot", {
        "format": Literal[FORMAT],
        "account": _shape("Account", {"id": str, "name": str}),
        "ids": _shape("Ids", {"version": int, "state": list[int], "gaussNext": float | None}),
        "agenda": GenericAlias(list, GenericAlias(tuple, (datetime, NonNegativeInt, event))),  # (due, seq, event)
        "endedOrder": list[str],
        # An account's own clock (None: it follows the server's); its time is the world's `now`.
        "clock": _shape("Clock", {"rate": NonNegativeFloat, "resumeRate": PositiveFloat}) | None,
        **{f.name: NonNegativeInt if HINTS[f.name] is int else HINTS[f.name]  # the counters
           for f in STATE_FIELDS if f.name not in _SPECIAL}}))


# --- dump ----------------------------------------------------------------------------------------

def dump(world: World) -> dict[str, Any]:
    """The world's whole state as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    return _serialized(world, lambda document: _document().dump_python(document, mode="json", warnings="error"))


def dumps(world: World) -> bytes:
    """`dump` as JSON text (UTF-8), written by pydantic in one go: four times as fast as encoding `dump`'s data."""
    return _serialized(world, lambda document: _document().dump_json(document, warnings="error"))


def _serialized(world: World, write: Any) -> Any:
    with world.lock, cyclic_gc_paused():  # millions of new objects, none of them garbage
        version, numbers, gauss = world.ids.state()
        document = {
            "format": FORMAT, "account": {"id": world.account_id, "name": world.account_name},
            "ids": {"version": version, "state": numbers, "gaussNext": gauss},
            "agenda": [(due, seq, {type(event).__name__: event}) for due, seq, event in world.agenda],
            "endedOrder": world.execution_index.ended_order(),
            "clock": None if world.clock is None else {"rate": world.clock.rate,
                                                       "resumeRate": world.clock.resume_rate},
            **{f.name: getattr(world, f.name) for f in STATE_FIELDS if f.name not in _SPECIAL}}
        try:
            return write(document)
        except ValueError as exc:  # pydantic's serialization error: an object the declaration does not admit
            raise TypeError(f"cannot snapshot account {world.account_id}: {exc}") from None


# --- load ----------------------------------------------------------------------------------------

def load(data: Any, account_id: str | None = None) -> World:
    """A new World from what `dump` gave (after any JSON round trip). Anything malformed is a ValueError
    that says where; `account_id`, when given, must be the snapshot's account."""
    if not isinstance(data, dict):
        raise ValueError(f"snapshot: expected an object, got {_kind(data)}")
    if data.get("format") != FORMAT:  # said first: a snapshot of another format fails everywhere else too
        raise ValueError(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
    try:
        # Read as JSON text, so that JSON's own forms count (an ISO date-time, a base64 string) and no other.
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(_error_text(exc)) from None
    return loads(text, account_id)


def loads(text: str | bytes, account_id: str | None = None) -> World:
    """`load` from the JSON text itself, as the state dir stores it (not parsed only to be written again)."""
    with cyclic_gc_paused():  # a busy account is millions of new objects, none of them garbage
        return _loaded(text, account_id)


def _loaded(text: str | bytes, account_id: str | None) -> World:
    try:
        document = _document().validate_json(text)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(_error_text(exc)) from None
    saved_id = document["account"]["id"]
    if account_id is not None and saved_id != account_id:
        raise ValueError(f"account.id: the snapshot is of account {saved_id}, not of account {account_id}")
    values = {f.name: document[f.name] for f in STATE_FIELDS if f.name not in _SPECIAL}
    for name, (_, key_attr) in STORES.items():
        for key, value in values[name].items():
            if key_attr is not None and getattr(value, key_attr) != key:
                raise ValueError(f"{name}.{key}: the key is not the {key_attr} of its value")
    # runs in creation order, whatever a JSON tool did to the order of keys
    values["executions"] = dict(sorted(values["executions"].items(), key=lambda item: item[1].seq))
    clock = document["clock"]
    try:
        own = None if clock is None else VirtualClock(start=values["now"], rate=clock["rate"],
                                                     resume_rate=clock["resumeRate"])
    except ValueError as exc:  # an infinite rate
        raise ValueError(f"clock: {exc}") from None
    world = World(saved_id, document["account"]["name"], ids=_id_source(document["ids"]), clock=own, **values)
    world.agenda = _agenda(document["agenda"], world.agenda_seq)
    _check_links(world)
    _check_offsets([world.now, world.metric_queries, world.agenda, *(getattr(world, name) for name in STORES)])
    world.execution_index = _execution_index(world, document["endedOrder"])
    _share_values(world)
    return world


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"]) or "snapshot"
        more = exc.error_count() - 1
        return f"{where}: {error['msg']}" + (f" (and {more} more)" if more else "")
    return f"snapshot: not JSON data ({exc if not isinstance(exc, RecursionError) else 'nested too deeply'})"


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _id_source(state: dict[str, Any]) -> IdSource:
    try:
        return IdSource.from_state(state["version"], state["state"], state["gaussNext"])
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"ids: not a random generator state ({exc})") from None


def _check_links(world: World) -> None:
    """What the world's code takes for granted about its own bookkeeping (a key into another dict, a
    counter ahead of every number it gave out); a world that breaks it would fail later, not now."""
    for name in ("armed", "webhook_windows"):
        for key, value in getattr(world, name).items():
            if key not in world.tasks and key not in world.plans:
                raise ValueError(f"{name}.{key}: no task or plan has this id")
            if value.token >= world.arm_token_seq:
                raise ValueError(f"{name}.{key}.token: arm_token_seq must be above every token given out")
    seqs = [run.seq for run in world.executions.values()]
    if len(set(seqs)) != len(seqs) or any(seq >= world.run_seq for seq in seqs):
        raise ValueError("executions: run seq numbers must be unique and below run_seq")
    for run in world.executions.values():
        if run.execution_status not in lc.STATUS:
            raise ValueError(f"executions.{run.id}.execution_status: unknown status {run.execution_status!r}")


def _check_offsets(values: list[Any]) -> None:
    """Every date-time has a UTC offset: one without could not be compared with the clock's. Only the fields
    whose type can hold a date-time are walked (a run's log entries, not its thirty other fields)."""
    stack = values
    while stack:
        value = stack.pop()
        kind: type = type(value)
        if kind is datetime:
            if value.tzinfo is None:
                raise ValueError(f"a date-time needs a UTC offset: {value.isoformat()}")
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif kind is dict:
            stack.extend(value.values())
        elif is_dataclass(value):
            stack.extend(getattr(value, name) for name in _time_fields(kind))


@lru_cache(maxsize=None)
def _time_fields(cls: type) -> tuple[str, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(f.name for f in fields(cls) if _may_hold_time(hints[f.name], frozenset()))


def _may_hold_time(hint: Any, seen: frozenset[type]) -> bool:
    if hint is datetime or hint is Any or hint is object:
        return True
    if isinstance(hint, type) and is_dataclass(hint):
        return hint not in seen and any(_may_hold_time(inner, seen | {hint})
                                        for inner in typing.get_type_hints(hint).values())
    return any(_may_hold_time(arg, seen) for arg in typing.get_args(hint) if arg is not Ellipsis)


def _agenda(entries: list[tuple[datetime, int, dict[str, Any]]], next_seq: int) -> list[tuple[datetime, int, Any]]:
    agenda, seqs = [], set()
    for i, (due, seq, wrapped) in enumerate(entries):
        if seq in seqs or seq >= next_seq:
            raise ValueError(f"agenda.{i}.1: seq numbers must be unique and below agenda_seq")
        if len(wrapped) != 1:
            raise ValueError(f"agenda.{i}.2: expected one event, as {{ClassName: fields}}, got {len(wrapped)}")
        seqs.add(seq)
        agenda.append((due, seq, next(iter(wrapped.values()))))
    heapq.heapify(agenda)  # a no-op on the heap `dump` wrote; (due, seq) pairs are unique, so it is well defined
    return agenda


def _execution_index(world: World, order: list[str]) -> ExecutionIndex:
    """The index, rebuilt from the runs in creation order, seeing the ended ones end in their saved order."""
    terminal = {run.id for run in world.executions.values() if run.terminal}
    if len(order) != len(set(order)) or set(order) != terminal:
        raise ValueError("endedOrder: must list every ended run (and only those) once")
    index = ExecutionIndex()
    for run in world.executions.values():
        status = run.execution_status
        run.execution_status = lc.EVENT_RECEIVED  # so that `added` leaves ending it to the loop below
        try:
            index.added(run)
        finally:
            run.execution_status = status
    for run_id in order:
        index.ended(world.executions[run_id])
    return index


def _share_values(world: World) -> None:
    """The frozen values runs hold, one object per distinct value again (a million runs of a few tasks hold a
    few runtimes and principals, and their tasks' behaviors), as in the world that was saved."""
    seen: dict[Any, Any] = {}
    for each in world.tasks.values():
        each.runtime = seen.setdefault(each.runtime, each.runtime)
    for run in world.executions.values():
        run.runtime = seen.setdefault(run.runtime, run.runtime)
        run.principal = seen.setdefault(run.principal, run.principal)
        task = world.tasks.get(run.task_id)
        if task is not None and run.behavior == task.behavior.base:
            run.behavior = task.behavior.base
    for plan_run in world.plan_executions.values():
        plan_run.principal = seen.setdefault(plan_run.principal, plan_run.principal)
