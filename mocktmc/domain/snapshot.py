"""Snapshots: one account's whole world as plain JSON data, and a new world restored from it.

Why: a suite can build a state once (runs half way, schedules armed, webhook windows open, log files
being prepared), save it, and start again from it later; reading the restored world gives the answers
the saved one gave, and its future (the agenda, the id stream, the counters) unfolds the same.

What: every field of `World` (domain/world.py, the one declaration of an account's state) but those its
metadata marks derived or not state; the classes a snapshot may hold are the dataclasses those fields' type
hints reach, and the agenda's events (subclasses of `AgendaEvent`). Nothing here lists them again.

How: dataclass instances are encoded generically, field by field, as {"$type": "ClassName", ...}.
Values JSON lacks are tagged: {"$dt": ISO} datetimes, {"$td": [days, s, us]} timedeltas, {"$bytes":
base64}, {"$tuple": [...]}, {"$deque": [...]}, {"$map": [[key, value], ...]} for a dict whose keys are
not plain strings (or start with "$", so that user data cannot pose as a tag). An object held in two
places (a task's Runtime and its runs', a Promotion and its runs') is written once with "$id" and then
as {"$ref": n}, so the restored world shares it as the saved one did. Dicts keep their order (entity
lists are answered in creation order): any ordinary JSON round trip keeps the order of object keys
(runs are put back in creation order regardless; a tool that sorts keys would reorder the other lists).

Decoding goes through REGISTRY only (never an import by name, a pickle or an eval): an unknown $type,
a missing or unknown field, a value that does not fit its field's type hint, or an inconsistent world
(a counter behind the ids it gave out, a key that is not its entity's id) is a ValueError naming where.
`load` builds a new World and touches nothing else.

What is not saved, because it is derived: the run index (rebuilt from the runs; only the order in which
runs ended is saved, since it orders runs triggered at the same instant in the ended-runs lists). Nor what is the server's rather than the account's: the clock, and the
bearer tokens and request ids of the accounts registry.
"""
from __future__ import annotations

import base64
import collections.abc
import heapq
import re
import types
import typing
from collections import deque
from dataclasses import Field, fields, is_dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Union

# The modules that define the agenda's events: imported so that every AgendaEvent subclass exists.
from .executions import plan_executions, promotion_executions, task_executions  # noqa: F401
from .model import lifecycle as lc
from .model.execution_index import ExecutionIndex
from .model.ids import IdSource
from .scheduling import scheduler, webhooks  # noqa: F401
from .world import STATE, AgendaEvent, World

FORMAT = "mocktmc-state/2"
_HEADER = ("account_id", "account_name")  # written as the snapshot's "account"
_SPECIAL = ("ids", "agenda")  # saved in a form of their own (the generator's state; events by class)


def _state_fields() -> tuple[Field, ...]:
    return tuple(f for f in fields(World) if f.metadata.get("kind", STATE) == STATE and f.name not in _HEADER)


def _events() -> tuple[type, ...]:
    found, stack = [], list(AgendaEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return tuple(sorted(found, key=lambda cls: cls.__name__))


STATE_FIELDS = _state_fields()
HINTS: dict[str, Any] = {f.name: hint for f in STATE_FIELDS
                         for hint in [typing.get_type_hints(World)[f.name]]}
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


# Every class a snapshot may hold; an object of any other class cannot be dumped (TypeError) nor loaded.
REGISTRY: dict[str, type] = {cls.__name__: cls for cls in sorted(
    reachable_classes([hint for name, hint in HINTS.items() if name not in _SPECIAL]) | set(AGENDA_EVENTS),
    key=lambda cls: cls.__name__)}

_REGISTERED = frozenset(REGISTRY.values())
_ATOMS = frozenset({str, int, float, bool, type(None)})  # JSON's own scalars
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


# --- dump ----------------------------------------------------------------------------------------

def dump(world: World) -> dict[str, Any]:
    """The world's whole state as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    with world.lock:
        version, numbers, gauss = world.ids.state()
        body: dict[str, Any] = {f.name: getattr(world, f.name) for f in STATE_FIELDS if f.name not in _SPECIAL}
        body["ids"] = {"version": version, "state": numbers, "gaussNext": gauss}
        body["agenda"] = [list(entry) for entry in world.agenda]
        body["endedOrder"] = world.execution_index.ended_order()
        encoder = _Encoder(_shared_objects(body))
        encoded = {key: encoder.encode(value, key) for key, value in body.items()}
    return {"format": FORMAT, "account": {"id": world.account_id, "name": world.account_name}, **encoded}


def _shared_objects(value: Any) -> set[int]:
    """ids of the dataclass instances reached more than once: they are written once and then referred to."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _ATOMS:
            continue
        if kind is list or kind is tuple or kind is deque:
            stack.extend(item)
        elif kind is dict:
            stack.extend(item.keys())
            stack.extend(item.values())
        elif kind in _REGISTERED:
            if id(item) in seen:
                shared.add(id(item))
            else:
                seen.add(id(item))
                stack.extend(getattr(item, name) for name in _field_names(kind))
    return shared


class _Encoder:
    """Values to tagged JSON. Only exact types are taken (a dict subclass, a naive datetime, an object of
    a class not in REGISTRY is a TypeError): what is written must come back as it was."""

    def __init__(self, shared: set[int]) -> None:
        self.shared = shared
        self.labels: dict[int, int] = {}

    def encode(self, value: Any, path: str) -> Any:
        kind = type(value)
        if kind in _ATOMS:
            return value
        if kind is list:
            inner = path + "[]"
            return [self.encode(item, inner) for item in value]
        if kind in _REGISTERED:
            return self._dataclass(value, kind, path)
        if kind is dict:
            if all(type(key) is str and not key.startswith("$") for key in value):
                return {key: self.encode(item, f"{path}.{key}") for key, item in value.items()}
            return {"$map": [[self.encode(key, path + "<key>"), self.encode(item, f"{path}[{key!r}]")]
                             for key, item in value.items()]}
        if kind is datetime:
            if value.tzinfo is None:
                raise TypeError(f"{path}: a naive datetime cannot be ordered with the others once restored")
            return {"$dt": value.isoformat()}
        if kind is timedelta:
            return {"$td": [value.days, value.seconds, value.microseconds]}
        if kind is bytes:
            return {"$bytes": base64.b64encode(value).decode("ascii")}
        if kind is tuple or kind is deque:
            inner = path + "[]"
            return {"$tuple" if kind is tuple else "$deque": [self.encode(item, inner) for item in value]}
        if is_dataclass(value):
            raise TypeError(f"{path}: {kind.__module__}.{kind.__name__} is not in snapshot.REGISTRY")
        raise TypeError(f"{path}: cannot snapshot a {kind.__module__}.{kind.__name__}")

    def _dataclass(self, value: Any, kind: type, path: str) -> dict[str, Any]:
        label = self.labels.get(id(value))
        if label is not None:
            return {"$ref": label}
        out: dict[str, Any] = {"$type": kind.__name__}
        if id(value) in self.shared:
            out["$id"] = self.labels[id(value)] = len(self.labels)
        for name in _field_names(kind):
            out[name] = self.encode(getattr(value, name), f"{path}.{name}")
        return out


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


# --- load ----------------------------------------------------------------------------------------

def load(data: Any, account_id: str | None = None) -> World:
    """A new World from what `dump` gave (after any JSON round trip). Anything malformed is a ValueError
    that says where; `account_id`, when given, must be the snapshot's account."""
    try:
        return _load(data, account_id)
    except RecursionError:
        raise ValueError("the snapshot is nested too deeply") from None


def _load(data: Any, account_id: str | None) -> World:
    top = _object(data, "snapshot")
    if top.get("format") != FORMAT:
        raise ValueError(f"format: expected {FORMAT!r}, got {top.get('format')!r}")
    _keys(top, {"format", "account", "endedOrder", *(f.name for f in STATE_FIELDS)}, "snapshot")
    account = _object(top["account"], "account")
    _keys(account, {"id", "name"}, "account")
    saved_id = _typed(account["id"], str, "account.id")
    if account_id is not None and saved_id != account_id:
        raise ValueError(f"account.id: the snapshot is of account {saved_id}, not of account {account_id}")
    decoder = _Decoder(top)
    values: dict[str, Any] = {}
    for f in STATE_FIELDS:
        if f.name in _SPECIAL:
            continue
        value = decoder.decode(top[f.name], f.name)
        values[f.name] = _natural(value, f.name) if HINTS[f.name] is int else _typed(value, HINTS[f.name], f.name)
    for name, (cls, key_attr) in STORES.items():
        for key, value in values[name].items():
            if key_attr is not None and getattr(value, key_attr) != key:
                raise ValueError(f"{name}.{key}: the key is not the {key_attr} of its value")
    # runs in creation order, whatever a JSON tool did to the order of keys
    values["executions"] = dict(sorted(values["executions"].items(), key=lambda item: item[1].seq))
    world = World(saved_id, _typed(account["name"], str, "account.name"), ids=_id_source(top["ids"]), **values)
    _check_links(world)
    world.agenda = _agenda(decoder.decode(top["agenda"], "agenda"), world.agenda_seq)
    world.execution_index = _execution_index(world, top["endedOrder"])
    return world


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: expected an object, got {_kind(value)}")
    return value


def _keys(value: Iterable[str], expected: set[str], path: str) -> None:
    missing, unknown = expected - set(value), set(value) - expected
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}")
    if unknown:
        raise ValueError(f"{path}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")


def _natural(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{path}: expected a whole number >= 0, got {value!r}")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _id_source(raw: Any) -> IdSource:
    state = _object(raw, "ids")
    _keys(state, {"version", "state", "gaussNext"}, "ids")
    numbers = state["state"]
    if not isinstance(numbers, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise ValueError("ids.state: expected a list of whole numbers")
    if state["gaussNext"] is not None and not isinstance(state["gaussNext"], float):
        raise ValueError("ids.gaussNext: expected a number or null")
    try:
        return IdSource.from_state(state["version"], numbers, state["gaussNext"])
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


def _agenda(entries: Any, next_seq: int) -> list[tuple[datetime, int, Any]]:
    if not isinstance(entries, list):
        raise ValueError(f"agenda: expected a list, got {_kind(entries)}")
    agenda, seqs = [], set()
    for i, entry in enumerate(entries):
        if not (isinstance(entry, list) and len(entry) == 3):
            raise ValueError(f"agenda[{i}]: expected [due, seq, event]")
        due, seq, event = entry
        _typed(due, datetime, f"agenda[{i}][0]")
        _natural(seq, f"agenda[{i}][1]")
        if seq in seqs or seq >= next_seq:
            raise ValueError(f"agenda[{i}][1]: seq numbers must be unique and below agenda_seq")
        if not isinstance(event, AGENDA_EVENTS):
            raise ValueError(f"agenda[{i}][2]: expected an agenda event "
                             f"({', '.join(c.__name__ for c in AGENDA_EVENTS)}), got {_kind(event)}")
        seqs.add(seq)
        agenda.append((due, seq, event))
    heapq.heapify(agenda)  # a no-op on the heap `dump` wrote; (due, seq) pairs are unique, so it is well defined
    return agenda


def _execution_index(world: World, raw: Any) -> ExecutionIndex:
    """The index, rebuilt from the runs in creation order, seeing the ended ones end in their saved order."""
    order = _typed(raw, list[str], "endedOrder")
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


class _Decoder:
    """Tagged JSON back to values, in document order. An object written once ("$id") and referred to
    ("$ref") is decoded where it is first met; a reference met before its object (a document whose keys
    were reordered) finds it by a scan of the whole document, so the order of keys does not matter."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.nodes: dict[int, dict] = {}  # label -> the object written with it
        self.done: dict[int, Any] = {}
        self.busy: set[int] = set()
        self.scanned = False
        # One copy of each text: a million runs of a few tasks repeat the same names and log lines,
        # which the saved world held once (executions.py interns log lines), and JSON parsing does not.
        self.texts: dict[str, str] = {}

    def decode(self, raw: Any, path: str) -> Any:
        kind = type(raw)
        if kind is str:
            return self.texts.setdefault(raw, raw)
        if kind in _ATOMS:
            return raw
        if kind is list:
            inner = path + "[]"
            return [self.decode(item, inner) for item in raw]
        if kind is not dict:
            raise ValueError(f"{path}: not a JSON value: {_kind(raw)}")
        if "$type" in raw:
            return self._dataclass(raw, path) if "$id" not in raw else self._labelled(raw, raw["$id"], path)
        if len(raw) == 1:
            tag = next(iter(raw))
            handler = _TAGS.get(tag) if type(tag) is str else None
            if handler is not None:
                return handler(self, raw[tag], f"{path}.{tag}")
        for key in raw:
            if type(key) is not str or key.startswith("$"):
                raise ValueError(f"{path}: unknown tag or key {key!r}; tagged objects have one key of "
                                 f"{', '.join(_TAGS)}, or $type (and $id)")
        return {key: self.decode(item, f"{path}.{key}") for key, item in raw.items()}

    # tagged values ------------------------------------------------------------------------------
    def _dt(self, raw: Any, path: str) -> datetime:
        try:
            moment = datetime.fromisoformat(_typed(raw, str, path))
        except ValueError:
            raise ValueError(f"{path}: not an ISO date-time: {raw!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"{path}: the date-time needs a UTC offset: {raw!r}")
        return moment

    def _td(self, raw: Any, path: str) -> timedelta:
        parts = _typed(raw, list[int], path)
        if len(parts) != 3:
            raise ValueError(f"{path}: expected [days, seconds, microseconds]")
        try:
            return timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2])
        except OverflowError:
            raise ValueError(f"{path}: duration out of range") from None

    def _bytes(self, raw: Any, path: str) -> bytes:
        try:
            return base64.b64decode(_typed(raw, str, path), validate=True)
        except ValueError:  # binascii.Error, or a str that is not ASCII
            raise ValueError(f"{path}: not base64") from None

    def _tuple(self, raw: Any, path: str) -> tuple:
        return tuple(self.decode(_typed(raw, list, path), path))

    def _deque(self, raw: Any, path: str) -> deque:
        return deque(self.decode(_typed(raw, list, path), path))

    def _map(self, raw: Any, path: str) -> dict:
        out = {}
        for i, pair in enumerate(_typed(raw, list, path)):
            if not (type(pair) is list and len(pair) == 2):
                raise ValueError(f"{path}[{i}]: expected [key, value]")
            key = self.decode(pair[0], f"{path}[{i}][0]")
            try:
                hash(key)
            except TypeError:
                raise ValueError(f"{path}[{i}][0]: a {_kind(key)} cannot be a key") from None
            out[key] = self.decode(pair[1], f"{path}[{i}][1]")
        return out

    def _ref(self, label: Any, path: str) -> Any:
        if type(label) is not int:
            raise ValueError(f"{path}: expected a whole number, got {_kind(label)}")
        if label in self.done:
            return self.done[label]
        if label not in self.nodes and not self.scanned:
            self._scan()
        if label not in self.nodes:
            raise ValueError(f"{path}: refers to no object ($ref {label})")
        return self._labelled(self.nodes[label], label, path)

    # objects --------------------------------------------------------------------------------------
    def _labelled(self, raw: dict, label: Any, path: str) -> Any:
        """An object written with "$id": made once, however many places hold it."""
        if type(label) is not int:
            raise ValueError(f"{path}.$id: expected a whole number, got {_kind(label)}")
        if self.nodes.setdefault(label, raw) is not raw:
            raise ValueError(f"{path}: $id {label} is used by two objects")
        if label not in self.done:
            if label in self.busy:
                raise ValueError(f"{path}: object {label} contains itself")
            self.busy.add(label)
            self.done[label] = self._dataclass(raw, path)
            self.busy.discard(label)
        return self.done[label]

    def _scan(self) -> None:
        """Find every labelled object of the document (once: for a reference met before its object)."""
        self.scanned = True
        stack = [self.document]
        while stack:
            node = stack.pop()
            if type(node) is list:
                stack.extend(item for item in node if type(item) is dict or type(item) is list)
            elif type(node) is dict:
                if "$type" in node and "$id" in node:
                    label = node["$id"]
                    if type(label) is int and self.nodes.setdefault(label, node) is not node:
                        raise ValueError(f"$id {label} is used by two objects")
                stack.extend(item for item in node.values() if type(item) is dict or type(item) is list)

    def _dataclass(self, raw: dict, path: str) -> Any:
        name = raw["$type"]
        cls = REGISTRY.get(name) if type(name) is str else None
        if cls is None:
            raise ValueError(f"{path}: unknown $type {name!r} (known: {', '.join(sorted(REGISTRY))})")
        spec = _spec(cls)
        if len(raw) != len(spec) + 1 + ("$id" in raw) or not all(field in raw for field, _, _ in spec):
            _keys([key for key in raw if key not in ("$type", "$id")], {field for field, _, _ in spec},
                  f"{path} ({name})")
        values = {}
        for field, hint, check in spec:
            where = f"{path}.{field}"
            value = self.decode(raw[field], where)
            if not check(value):
                raise ValueError(f"{where}: expected {_hint_text(hint)}, got {_kind(value)}")
            values[field] = value
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: cannot make a {name}: {exc}") from None


_TAGS: dict[str, Callable[[_Decoder, Any, str], Any]] = {
    "$dt": _Decoder._dt, "$td": _Decoder._td, "$bytes": _Decoder._bytes, "$tuple": _Decoder._tuple,
    "$deque": _Decoder._deque, "$map": _Decoder._map, "$ref": _Decoder._ref}


# --- type hints ------------------------------------------------------------------------------------

_SPECS: dict[type, tuple[tuple[str, Any, Callable[[Any], bool]], ...]] = {}
_CHECKS: dict[Any, Callable[[Any], bool]] = {}


def _spec(cls: type) -> tuple[tuple[str, Any, Callable[[Any], bool]], ...]:
    """(field, type hint, its check) of a registered class, in field order."""
    if cls not in _SPECS:
        _SPECS[cls] = tuple((name, hint, _check(hint)) for name, hint in field_hints(cls).items())
    return _SPECS[cls]


def field_hints(cls: type) -> dict[str, Any]:
    """Field name -> resolved type hint, in field order (the hints name classes of the registry)."""
    resolved = typing.get_type_hints(cls)
    return {f.name: resolved[f.name] for f in fields(cls)}


def _typed(value: Any, hint: Any, path: str) -> Any:
    if not _check(hint)(value):
        raise ValueError(f"{path}: expected {_hint_text(hint)}, got {_kind(value)}")
    return value


def _check(hint: Any) -> Callable[[Any], bool]:
    """A function telling whether a decoded value fits a type hint, made once per hint."""
    check = _CHECKS.get(hint)
    if check is None:
        check = _CHECKS[hint] = _make_check(hint)
    return check


def _make_check(hint: Any) -> Callable[[Any], bool]:
    """What a hint leaves open (Any, a bare dict or list: a trigger, a profile's fields) must be plain JSON."""
    if hint is Any or hint is object:
        return _plain
    if hint is dict or hint is list:
        return lambda value: type(value) is hint and _plain(value)
    if hint is None or hint is type(None):
        return lambda value: value is None
    if hint is int:
        return lambda value: type(value) is int
    if hint is float:
        return lambda value: type(value) is float or type(value) is int
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        options = tuple(_check(arg) for arg in args)
        return lambda value: any(option(value) for option in options)
    if origin is None:
        if not isinstance(hint, type):
            raise TypeError(f"unsupported type hint {hint!r}")
        return lambda value: isinstance(value, hint)
    if origin in (list, deque):
        item = _check(args[0])
        return lambda value: type(value) is origin and all(map(item, value))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _check(args[0])
        return lambda value: type(value) is tuple and all(map(item, value))
    if origin is tuple:
        items = tuple(_check(arg) for arg in args)
        return lambda value: (type(value) is tuple and len(value) == len(items)
                              and all(check(v) for check, v in zip(items, value)))
    if origin is dict or origin is collections.abc.Mapping:
        key, item = _check(args[0]), _check(args[1])
        return lambda value: type(value) is dict and all(key(k) and item(v) for k, v in value.items())
    raise TypeError(f"unsupported type hint {hint!r}")


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind in _ATOMS:
        return True
    if kind is list:
        return all(map(_plain, value))
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False


def supports(hint: Any) -> bool:
    """Whether `load` can check values against this hint (every field's hint must be one it can)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is None or hint is type(None):
        return True
    if origin is None:
        return isinstance(hint, type) and (hint in (str, int, float, bool, bytes, datetime, timedelta, dict, list)
                                           or hint in REGISTRY.values())
    if origin in (Union, types.UnionType, list, deque, tuple, dict, collections.abc.Mapping):
        return all(arg is Ellipsis or supports(arg) for arg in args)
    return False


def _hint_text(hint: Any) -> str:
    text = hint.__name__ if isinstance(hint, type) and not typing.get_args(hint) else str(hint)
    text = re.sub(r"\b[a-z_.]+\.(?=[A-Za-z])", "", text)  # typing.Any, mocktmc.domain.executables.tasks.Task: Any, Task
    free = re.search(r"\b(dict|list|Any)\b(?!\[)", text)
    return text + (" (of plain JSON: no tagged values)" if free else "")
