"""World: one account's entities, indexes, and agenda, guarded by one lock.

The agenda is a heap of (due, seq, event). `settle(now)` applies every event due up to `now` in
time order, each at its own due time, so moving the clock by an hour gives the same result as
polling every second for an hour. Nothing here reads the OS clock.
"""
from __future__ import annotations

import gc
import heapq
import itertools
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from .common.lookups import find
from .executions import plan_executions as plan_executions
from .executions.execution_index import ExecutionIndex
from .ids import IdSource
from .model.definitions import (
    Artifact,
    Connection,
    Environment,
    Project,
    Resource,
    ServiceAccount,
    User,
    Workspace,
)
from .model.executables import Plan, Promotion, Task
from .model.executions import TaskExecution
from .model.runtimes import RemoteEngine
from .model.scheduling import Schedule
from .scheduling import scheduler


class Event(Protocol):
    def apply(self, world: "World", at: datetime) -> None: ...


_gc_pausers = 0
_gc_lock = threading.Lock()
_gc_was_enabled = True


@contextmanager
def _cyclic_gc_paused():
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


class World:
    def __init__(self, account_id: str, account_name: str, now: datetime, ids: IdSource) -> None:
        self.account_id = account_id
        self.account_name = account_name
        self.now = now
        self.ids = ids
        self.lock = threading.RLock()
        # Deliberate bugs the server was started with (mocktmc/defects.py) that live in the rules, not the
        # HTTP layer ("never_finishes", "pause_ignored"); Accounts sets them on every world it holds.
        self.defects: frozenset[str] = frozenset()
        # The quirks in effect (mocktmc/quirks.py: where the observed service differs from its documents);
        # Accounts sets them from the server's fidelity.
        self.quirks: frozenset[str] = frozenset()
        # (due, seq, event): plain tuples compare in C; seq is unique, so events are never compared.
        self._agenda: list[tuple[datetime, int, Event]] = []
        self._seq = itertools.count()
        self.users: dict[str, User] = {}
        self.default_user_id: str = ""
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.environments: dict[str, Environment] = {}
        self.workspaces: dict[str, Workspace] = {}
        self.artifacts: dict[str, Artifact] = {}
        self.connections: dict[str, Connection] = {}
        self.tasks: dict[str, Task] = {}
        self.plans: dict[str, Plan] = {}
        self.promotions: dict[str, Promotion] = {}
        self.projects: dict[str, Project] = {}
        self.resources: dict[str, Resource] = {}
        self.schedules: dict[str, Schedule] = {}
        self.remote_engines: dict[str, RemoteEngine] = {}
        self.run_profiles: dict = {}  # id -> RunProfile
        self.clusters: dict = {}  # id -> Cluster
        self.pipeline_engines: dict = {}  # id -> PipelineEngine
        self.pipeline_profiles: dict = {}  # id -> PipelineProfile
        self.log_exports: dict = {}  # token -> LogExport
        self.plan_executions: dict = {}  # id -> PlanExecution
        self.promotion_executions: dict = {}  # id -> PromotionExecution
        self.metric_queries: list = []  # mock times of the last minute's component metric queries
        self.executions: dict[str, TaskExecution] = {}
        self.execution_index = ExecutionIndex()
        self._run_seq = itertools.count()
        self.armed: dict[str, scheduler.Armed] = {}  # executable id -> its next scheduled occurrence
        self._arm_tokens = itertools.count()
        self.webhook_windows: dict = {}  # executable id -> webhooks.Window of calls not yet run
        self.runs_started = 0  # task runs that started, and runs (task or plan) that misfired, ever:
        self.misfires = 0  # the clock control reports how many an advance added

    # --- the agenda -------------------------------------------------------------------------
    def schedule(self, due: datetime, event: Event) -> None:
        heapq.heappush(self._agenda, (due, next(self._seq), event))

    def settle(self, now: datetime) -> int:
        """Apply every event due at or before `now`; returns how many were applied."""
        applied = 0
        if self._agenda and self._agenda[0][0] <= now:
            with _cyclic_gc_paused():
                while self._agenda and self._agenda[0][0] <= now:
                    due, _, event = heapq.heappop(self._agenda)
                    self.now = max(self.now, due)
                    event.apply(self, due)
                    applied += 1
        self.now = max(self.now, now)
        return applied

    @property
    def pending_events(self) -> int:
        return len(self._agenda)

    # --- the scheduler -----------------------------------------------------------------------
    def rearm(self, executable_id: str) -> None:
        """When a task or plan runs has changed: queue its next scheduled occurrence afresh."""
        scheduler.arm(self, executable_id)

    def next_arm_token(self) -> int:
        return next(self._arm_tokens)

    # --- lookups that answer 404 -------------------------------------------------------------
    def task(self, task_id: str) -> Task:
        return find(self.tasks, task_id, "Task")

    def execution(self, execution_id: str) -> TaskExecution:
        return find(self.executions, execution_id, "Execution")

    # --- indexes -----------------------------------------------------------------------------
    def add_execution(self, run: TaskExecution) -> None:
        run.seq = next(self._run_seq)
        self.executions[run.id] = run
        self.execution_index.added(run)
        if run.misfire_reason:
            self.misfires += 1
        else:
            self.runs_started += 1

    def remove_workspace_contents(self, workspace_id: str) -> None:
        """Forget every definition a workspace holds; the runs already recorded stay in history."""
        for store in (self.tasks, self.plans, self.artifacts, self.connections, self.resources):
            for key in [k for k, v in store.items() if v.workspace_id == workspace_id]:
                del store[key]
                self.armed.pop(key, None)

    def update_plan_execution(self, plan_execution_id: str, at: datetime) -> None:
        plan_executions.update(self, plan_execution_id, at)

