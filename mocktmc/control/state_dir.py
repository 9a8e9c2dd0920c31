"""The state dir (`serve --state-dir PATH`): the server's state kept on disk, so that a restart, even after
`kill -9`, finds every account, clock, token, service account and fault rule as they were a few seconds before.

Storage: one SQLite database (the standard library's sqlite3, WAL journal), PATH/mocktmc-state.sqlite3: a
`meta` table with the format marker (FORMAT) and the server's record (its clock and the accounts' own clocks,
the bearer tokens, the registry's id sources, the fault rules), and an `accounts` table with one snapshot (JSON text)
(domain/snapshot.py) per account. A save is one transaction, so a crash at any moment leaves the last save
whole. The file keeps secrets: it is the server's own storage, not a snapshot handed out.

When: every `interval` seconds of real time, by a background thread, if a request came since the last save or
a clock runs, and once more on a clean stop. Only the accounts requests touched are written again: a world
nobody touched needs no new save even while its clock runs, since restored it settles to its clock's time and
what fell due meanwhile happens as it would have. A world's lock
is held while its snapshot is made (as JSON text, in one go: 1.3 s at 100,000 runs), not while it is written.

Mock time does not pass while the server is down: the clocks go on from the time they were saved at. The
request journal is not kept (a restarted server's journal starts empty).

A file that is not a mocktmc state database, one of another format, or one whose content does not load is a
StateDirError at start-up naming the file and the problem, and nothing is written to it; so is a state dir
another running server holds.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from flask import Flask, Response, g, request
from pydantic import ConfigDict, NonNegativeFloat, NonNegativeInt, PositiveFloat, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from ..clock import VirtualClock
from ..domain import snapshot
from ..domain.world import World
from .faults import REGISTRY as FAULTS

try:
    import fcntl
except ImportError:  # Windows: no advisory lock, so nothing stops two servers sharing a state dir
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("mocktmc.state_dir")

FORMAT = "mocktmc-state-dir/1"
FILE_NAME = "mocktmc-state.sqlite3"
LOCK_NAME = "mocktmc-state.lock"
KEY = "mocktmc.state_dir"  # app.extensions: the app's Saver


class StateDirError(Exception):
    """The state dir cannot be used; the message names the file and the problem."""


_STRICT = ConfigDict(strict=True, extra="forbid")


class _Clock(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    now: datetime
    rate: NonNegativeFloat
    resumeRate: PositiveFloat


class _Token(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    token: str
    account: str
    userId: str
    userType: Literal["HUMAN", "SERVICE"]
    expires: datetime | None


class _Faults(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    added: NonNegativeInt
    rules: list[dict[str, Any]]


class _Server(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    format: Literal[FORMAT]  # type: ignore[valid-type]
    clock: _Clock
    clocks: dict[str, _Clock]  # the accounts with a clock of their own
    accounts: list[str]
    defaultAccount: str
    tokens: list[_Token]
    requestIds: tuple[int, list[int], float | None]
    tokenIds: tuple[int, list[int], float | None]
    faults: _Faults


_SERVER = TypeAdapter(_Server)


def _clock(clock: VirtualClock) -> dict[str, Any]:
    return {"now": clock.now().isoformat(), "rate": clock.rate, "resumeRate": clock.resume_rate}


class StateStore:
    """The database file of a state dir: checked, read and written."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.file = self.directory / FILE_NAME
        self._connection: sqlite3.Connection | None = None
        self._lock_file: Any = None

    def _fail(self, problem: str) -> StateDirError:
        return StateDirError(f"state file {self.file}: {problem}")

    def hold(self) -> None:
        """Make the directory if needed and hold its lock: one server per state dir."""
        if self.directory.exists() and not self.directory.is_dir():
            raise StateDirError(f"state dir {self.directory}: not a directory")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.directory / LOCK_NAME, "a")
        except OSError as exc:
            raise StateDirError(f"state dir {self.directory}: {exc.strerror or exc}") from None
        if fcntl is not None:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock_file.close()
                self._lock_file = None
                raise StateDirError(f"state dir {self.directory}: another mocktmc server is using it") from None

    def read(self) -> tuple[dict[str, Any], dict[str, bytes]] | None:
        """The server's record and each account's snapshot text; None when the dir holds no state yet."""
        if not self.file.exists():
            return None
        try:
            connection = sqlite3.connect(f"file:{self.file}?mode=rw", uri=True)
        except sqlite3.Error as exc:
            raise self._fail(f"cannot be opened ({exc})") from None
        try:
            try:
                meta = dict(connection.execute("SELECT key, value FROM meta"))
            except sqlite3.DatabaseError as exc:  # not a database, or another program's
                raise self._fail(f"not a mocktmc state file ({exc})") from None
            if meta.get("format") != FORMAT:
                raise self._fail(f"format: expected {FORMAT!r}, got {meta.get('format')!r}")
            try:
                server = _SERVER.validate_json(meta.get("server") or "")
                accounts = dict(connection.execute("SELECT id, snapshot FROM accounts"))
            except (ValidationError, sqlite3.DatabaseError) as exc:
                raise self._fail(f"the server's record does not load ({_first_error(exc)})") from None
        finally:
            connection.close()
        return dict(server), accounts

    def write(self, server: dict[str, Any], snapshots: dict[str, bytes]) -> None:
        """One transaction: the server's record, the snapshots given, and no account the record does not list."""
        connection = self._connection or self._open()
        with connection:
            connection.executemany("INSERT OR REPLACE INTO accounts (id, snapshot) VALUES (?, ?)",
                                   snapshots.items())
            listed = set(server["accounts"])
            gone = [(account,) for (account,) in connection.execute("SELECT id FROM accounts")
                    if account not in listed]
            connection.executemany("DELETE FROM accounts WHERE id = ?", gone)
            connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('server', ?)",
                               (json.dumps(server, separators=(",", ":")),))

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.file, check_same_thread=False)  # used by one saving thread at a time
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash keeps every committed save but the last
        with connection:
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            connection.execute("CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, snapshot BLOB NOT NULL)")
            connection.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?)", (FORMAT,))
        self._connection = connection
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors(include_url=False)[0]
        return f"{'.'.join(str(part) for part in error['loc']) or 'record'}: {error['msg']}"
    return str(exc)


class Saver:
    """Saves an app's state to its store: in the background every `interval` seconds, and on `close`."""

    def __init__(self, app: Flask, store: StateStore, interval: float, saved: bool) -> None:
        self.app = app
        self.store = store
        self.interval = interval
        self._marks = threading.Lock()
        self._saving = threading.Lock()
        # What changed since the last save: nothing when the state was just read from the store.
        self._touched = self._everything = not saved
        self._dirty: set[str] = set()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mocktmc-state-dir", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def after_request(self, response: Response) -> Response:
        """Note what a request may have changed: its account's world, or (the control plane) any account."""
        world = g.get("mocktmc_world")
        with self._marks:
            self._touched = True
            if world is not None:
                self._dirty.add(world.account_id)
            elif request.path.startswith("/_mocktmc/") and (request.method != "GET"
                                                            or request.path.startswith("/_mocktmc/downloads/")):
                account = request.args.get("account")
                if account:
                    self._dirty.add(account)
                else:
                    self._everything = True
        return response

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.save()
            except Exception:  # a full disk, say: said, and tried again next time with everything
                log.exception("could not save the state to %s", self.store.file)
                with self._marks:
                    self._everything = self._touched = True

    def save(self) -> bool:
        """Write what changed since the last save; False when nothing did (and no clock runs)."""
        with self._saving:
            mock = self.app.extensions["mocktmc"]
            registry, worlds = mock.accounts.saved()
            with self._marks:
                touched, everything, dirty = self._touched, self._everything, self._dirty
                self._touched = self._everything = False
                self._dirty = set()
            running = mock.clock.rate > 0 or any(w.clock is not None and w.clock.rate > 0 for w in worlds)
            if not (touched or running):
                return False
            snapshots = {w.account_id: snapshot.dumps(w) for w in worlds if everything or w.account_id in dirty}
            server = {"format": FORMAT, "clock": _clock(mock.clock),
                      "clocks": {w.account_id: _clock(w.clock) for w in worlds if w.clock is not None},
                      **registry, "faults": self.app.extensions[FAULTS].saved()}
            self.store.write(server, snapshots)
            return True

    def close(self) -> None:
        """Stop saving in the background, save once more, let the state dir go."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            self.save()
        finally:
            self.store.close()


def attach(app: Flask, directory: str | Path, interval: float) -> Saver:
    """Give the app the state its state dir holds (if any), and save it there from now on."""
    store = StateStore(directory)
    store.hold()
    try:
        saved = store.read()
        if saved is not None:
            _restore(app, store, *saved)
    except BaseException:
        store.close()
        raise
    saver = Saver(app, store, interval, saved is not None)
    app.extensions[KEY] = saver
    app.after_request(saver.after_request)
    saver.start()
    return saver


def close(app: Flask) -> None:
    """The clean stop's last save, for an app with a state dir."""
    saver = app.extensions.get(KEY)
    if saver is not None:
        saver.close()


def _restore(app: Flask, store: StateStore, server: dict[str, Any], snapshots: dict[str, bytes]) -> None:
    worlds: list[World] = []
    for account_id in server["accounts"]:
        if account_id not in snapshots:
            raise store._fail(f"account {account_id}: listed, but no snapshot of it is stored")
        try:
            world = snapshot.loads(snapshots[account_id], account_id=account_id)
        except ValueError as exc:
            raise store._fail(f"account {account_id}: {exc}") from None
        own = server["clocks"].get(account_id)
        if own is not None:  # it ran on after its world was saved
            world.clock = VirtualClock(start=max(own["now"], world.now), rate=own["rate"],
                                       resume_rate=own["resumeRate"])
        worlds.append(world)
    saved_clock = server["clock"]
    # A world saved after the server's record may be ahead of the clock it follows: the clock catches up.
    start = max([saved_clock["now"], *(w.now for w in worlds if w.clock is None)])
    clock = VirtualClock(start=start, rate=saved_clock["rate"], resume_rate=saved_clock["resumeRate"])
    mock = app.extensions["mocktmc"]
    try:
        mock.accounts.restore_saved(server, worlds, clock)
        app.extensions[FAULTS].restore(server["faults"])
    except (KeyError, TypeError, ValueError) as exc:
        raise store._fail(f"the server's record does not load ({exc!r})") from None
    mock.clock = clock
