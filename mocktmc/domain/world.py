"""World: one account's entities, indexes, and agenda, guarded by one lock.

The dataclass below is the one declaration of what an account's world holds: every field is state that
snapshots save (domain/snapshot.py derives its format from these fields and their types) unless its
metadata says it is derived (rebuilt from the state) or not state at all (the lock, the server's defects).

The agenda is a heap of (due, seq, event). `settle(now)` applies every event due up to `now` in
time order, each at its own due time, so moving the clock by an hour gives the same result as
polling every second for an hour. Nothing here reads the OS clock.
"""
from __future__ import annotations

import gc
import heapq
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import VirtualClock
from .common.lookups import find
from .model.definitions import (
    Artifact,
    AuditEntry,
    Connection,
    Environment,
    Project,
    Resource,
    ServiceAccount,
    Subscription,
    User,
    Workspace,
)
from .model.executables import Plan, Promotion, Task
from .model.execution_index import ExecutionIndex
from .model.executions import (
    LogExport,
    PlanExecution,
    PromotionExecution,
    TaskExecution,
)
from .model.ids import IdSource
from .model.runtimes import (
    Cluster,
    PipelineEngine,
    PipelineProfile,
    RemoteEngine,
    RunProfile,
)
from .model.scheduling import Armed, Schedule, Window

_gc_pausers = 0
_gc_lock = threading.Lock()
_gc_was_enabled = True


@contextmanager
def cyclic_gc_paused():
    """Settling a day of 10,000 scheduled runs allocates a few hundred thousand long-lived objects and no
    garbage cycles; Python's cyclic collector would walk the growing world over and over (more than half
    the time). It is paused while any world settles, and runs again once none does."""
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


FORGET_EVERY = timedelta(hours=1)  # of mock time, between two walks over the runs that left the retention window

STATE = "state"
DERIVED = "derived"  # rebuilt from the state when a snapshot is loaded
NOT_STATE = "not state"  # the server's, given to every world it holds (defects, quirks), or the lock


def _kind(kind: str) -> dict[str, str]:
    return {"kind": kind}


class AgendaEvent:
    """What the agenda holds: a frozen dataclass of the rules whose `apply` runs when its time comes.
    Subclasses are the event kinds snapshots know, by class name."""

    def apply(self, world: "World", at: datetime) -> None:
        raise NotImplementedError


@dataclass(eq=False, slots=True, weakref_slot=True)  # weakly keyed by the defects (use_after_free)
class World:
    account_id: str
    account_name: str
    now: datetime
    ids: IdSource  # saved as its generator's state
    # The account's own clock, or None: it follows the server's (saved as its rate; its time is `now`).
    clock: VirtualClock | None = None
    default_user_id: str = ""
    users: dict[str, User] = field(default_factory=dict)
    service_accounts: dict[str, ServiceAccount] = field(default_factory=dict)
    subscription: Subscription | None = None  # the fixture's, or a year from the world's start (fixtures.py)
    environments: dict[str, Environment] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    remote_engines: dict[str, RemoteEngine] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    run_profiles: dict[str, RunProfile] = field(default_factory=dict)
    pipeline_engines: dict[str, PipelineEngine] = field(default_factory=dict)
    pipeline_profiles: dict[str, PipelineProfile] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    promotions: dict[str, Promotion] = field(default_factory=dict)
    executions: dict[str, TaskExecution] = field(default_factory=dict)  # in creation order (run.seq)
    plan_executions: dict[str, PlanExecution] = field(default_factory=dict)
    promotion_executions: dict[str, PromotionExecution] = field(default_factory=dict)
    log_exports: dict[str, LogExport] = field(default_factory=dict, metadata={"key": "token"})
    # by executable id: its next scheduled occurrence, and the webhook calls not yet run
    armed: dict[str, Armed] = field(default_factory=dict, metadata={"key": None})
    webhook_windows: dict[str, Window] = field(default_factory=dict, metadata={"key": None})
    # the changes made through the API, oldest first (domain/audit.py keeps the last AUDIT_KEPT)
    audit_log: list[AuditEntry] = field(default_factory=list)
    audit_seq: int = 0  # entries ever made: numbers the next one's id
    metric_queries: list[datetime] = field(default_factory=list)  # mock times of the last minute's queries
    # task runs that started, and runs (task or plan) that misfired, ever: the clock control reports how many
    # an advance added
    runs_started: int = 0
    misfires: int = 0
    # scheduled occurrences that fell before the retention window while the clock moved: counted, never built
    runs_skipped: int = 0
    # the next numbers handed out: agenda entries, task runs (run.seq), scheduler arm tokens
    agenda_seq: int = 0
    run_seq: int = 0
    arm_token_seq: int = 0
    # (due, seq, event): plain tuples compare in C; seq is unique, so events are never compared
    agenda: list[tuple[datetime, int, AgendaEvent]] = field(default_factory=list)
    execution_index: ExecutionIndex = field(default_factory=ExecutionIndex, metadata=_kind(DERIVED))
    # How long ended runs are kept (None: for ever); the server's setting, which Accounts gives every world. While
    # the world settles, `horizon` is where the window of the time it settles to begins.
    retention: timedelta | None = field(default=None, metadata=_kind(NOT_STATE))
    horizon: datetime | None = field(default=None, metadata=_kind(DERIVED))
    forgotten_at: datetime | None = field(default=None, metadata=_kind(DERIVED))
    # Deliberate bugs the server was started with (mocktmc/defects.py) that live in the rules ("never_finishes",
    # "pause_ignored"), and the quirks in effect (mocktmc/quirks.py); Accounts sets both on every world.
    defects: frozenset[str] = field(default=frozenset(), metadata=_kind(NOT_STATE))
    quirks: frozenset[str] = field(default=frozenset(), metadata=_kind(NOT_STATE))
    lock: threading.RLock = field(default_factory=threading.RLock, metadata=_kind(NOT_STATE), repr=False)

    # --- the agenda -------------------------------------------------------------------------
    def schedule(self, due: datetime, event: AgendaEvent) -> None:
        heapq.heappush(self.agenda, (due, self.agenda_seq, event))
        self.agenda_seq += 1

    def settle(self, now: datetime) -> int:
        """Apply every event due at or before `now`; returns how many were applied. Runs that ended before the
        retention window are forgotten (at most once an hour of mock time: it costs a walk over them)."""
        applied = 0
        self.horizon = now - self.retention if self.retention is not None else None
        if self.agenda and self.agenda[0][0] <= now:
            with cyclic_gc_paused():
                while self.agenda and self.agenda[0][0] <= now:
                    due, _, event = heapq.heappop(self.agenda)
                    self.now = max(self.now, due)
                    event.apply(self, due)
                    applied += 1
        self.now = max(self.now, now)
        if self.horizon is not None and (self.forgotten_at is None or now - self.forgotten_at >= FORGET_EVERY):
            self.forget_before(self.horizon)
            self.forgotten_at = now
        return applied

    def forget_before(self, horizon: datetime) -> None:
        """Drop the runs (task and plan runs, their log exports) that ended before `horizon`: no history period
        reaches them. A task run of a plan run that is kept stays with it."""
        gone_plans = [p.id for p in self.plan_executions.values()
                      if p.terminal and (p.finished or p.triggered) < horizon]
        for plan_run_id in gone_plans:
            del self.plan_executions[plan_run_id]
        gone: set[str] = set()
        for run in self.executions.values():  # in creation order, so in trigger order
            if run.triggered >= horizon:
                break
            if run.terminal and (run.finished or run.triggered) < horizon \
                    and run.plan_execution_id not in self.plan_executions:
                gone.add(run.id)
        if not gone:
            return
        for run_id in gone:
            del self.executions[run_id]
        self.execution_index.forget(gone, horizon)
        for token in [t for t, export in self.log_exports.items() if export.execution_id in gone]:
            del self.log_exports[token]

    @property
    def pending_events(self) -> int:
        return len(self.agenda)

    def next_arm_token(self) -> int:
        token = self.arm_token_seq
        self.arm_token_seq += 1
        return token

    # --- lookups that answer 404 -------------------------------------------------------------
    def task(self, task_id: str) -> Task:
        return find(self.tasks, task_id, "Task")

    def execution(self, execution_id: str) -> TaskExecution:
        return find(self.executions, execution_id, "Execution")

    # --- indexes -----------------------------------------------------------------------------
    def add_execution(self, run: TaskExecution) -> None:
        run.seq = self.run_seq
        self.run_seq += 1
        self.executions[run.id] = run
        self.execution_index.added(run)
        if run.misfire_reason:
            self.misfires += 1
        else:
            self.runs_started += 1

    def remove_workspace_contents(self, workspace_id: str) -> None:
        """Forget every definition a workspace holds; the runs already recorded stay in history."""
        stores: tuple[dict[str, Any], ...] = (self.tasks, self.plans, self.artifacts, self.connections, self.resources)
        for store in stores:
            for key in [k for k, v in store.items() if v.workspace_id == workspace_id]:
                del store[key]
                self.armed.pop(key, None)
