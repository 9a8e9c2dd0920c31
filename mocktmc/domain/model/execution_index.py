"""Task runs by scope and status, kept in trigger order, so a history page costs bisects and a short walk.

Runs are created at the current mock time and the mock clock never goes back, so appending keeps
every list sorted by trigger time, equal times in creation order; the lists of ended runs get a run
when it ends, so one that ends after a later-created run triggered at the same instant is inserted.
As the documents describe, a run matches a period [start, end] when it began (started, else triggered) by
`end` and was still going (finished, else now) at `start`; as the service does (quirk
history_window_by_trigger), when it was triggered within the period, which the trigger times bisect exactly.
Two bounds make the first cheap to count exactly:

- `longest`: no finished run lasted longer from trigger to finish, so a finished run triggered
  before `start - longest` cannot match; runs still going are kept aside in `active`;
- `longest_queue`: no run waited longer from trigger to start, so every run triggered within
  [start, end - longest_queue] matches without looking at it.

Only the runs near the two edges of the period are looked at one by one.
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from typing import Callable, Iterable, Iterator

from ...errors import BrokenInvariant
from . import lifecycle as lc
from .executions import TaskExecution

Scope = tuple  # ("all",) | ("env", id) | ("ws", id) | ("task", id)
Keep = Callable[["TaskExecution"], bool]


class _Runs:
    """One scope's (or scope and status's) runs in trigger order, with their trigger times for bisecting."""
    __slots__ = ("times", "runs")

    def __init__(self) -> None:
        self.times: list[datetime] = []
        self.runs: list["TaskExecution"] = []

    def add(self, run: "TaskExecution") -> None:
        if not self.runs or _order(self.runs[-1]) <= _order(run):
            self.times.append(run.triggered)
            self.runs.append(run)
        else:  # a run that ends after a later-created one triggered at the same instant (or earlier)
            at = bisect_right(self.runs, _order(run), key=_order)
            self.times.insert(at, run.triggered)
            self.runs.insert(at, run)


def _scopes(run: "TaskExecution") -> tuple[Scope, ...]:
    return ("all",), ("env", run.environment_id), ("ws", run.workspace_id), ("task", run.task_id)


def _order(run: "TaskExecution") -> tuple:
    return run.triggered, run.seq


class ExecutionIndex:
    def __init__(self) -> None:
        self._all: dict[Scope, _Runs] = {}
        self._ended: dict[tuple[Scope, str], _Runs] = {}  # terminal runs by scope and executionStatus
        self.active: dict[str, "TaskExecution"] = {}  # runs not ended yet
        self._active_per_task: dict[str, int] = {}  # how many of them each task has
        # The workspaces each task's runs were made in (a task moves within its environment; its runs stay):
        # kept, never shrunk, so a caller who may VIEW all of them reads one task's runs without a filter.
        self._task_workspaces: dict[str, set[str]] = {}
        self.longest = timedelta(0)
        self.longest_queue = timedelta(0)

    # --- upkeep, called by the world as runs are created, start and end ---------------------
    def added(self, run: "TaskExecution") -> None:
        for scope in _scopes(run):
            self._all.setdefault(scope, _Runs()).add(run)
        self.active[run.id] = run
        self._active_per_task[run.task_id] = self._active_per_task.get(run.task_id, 0) + 1
        self._task_workspaces.setdefault(run.task_id, set()).add(run.workspace_id)
        if run.started is not None:
            self.started(run)
        if run.terminal:
            self.ended(run)

    def started(self, run: "TaskExecution") -> None:
        if run.started is None:
            raise BrokenInvariant(f"Run {run.id} is indexed as started but has no start time")
        self.longest_queue = max(self.longest_queue, run.started - run.triggered)

    def ended(self, run: "TaskExecution") -> None:
        if self.active.pop(run.id, None) is None:
            return
        self._active_per_task[run.task_id] -= 1
        self.longest = max(self.longest, (run.finished or run.triggered) - run.triggered)
        for scope in _scopes(run):
            self._ended.setdefault((scope, run.execution_status), _Runs()).add(run)

    def forget(self, gone: set[str], horizon: datetime) -> None:
        """Drop the ended runs `gone`, every one triggered before `horizon` (so each list loses a prefix's worth)."""
        for runs in (*self._all.values(), *self._ended.values()):
            cut = bisect_left(runs.times, horizon)
            kept = [i for i in range(cut) if runs.runs[i].id not in gone]
            if len(kept) < cut:
                runs.times[:cut] = [runs.times[i] for i in kept]
                runs.runs[:cut] = [runs.runs[i] for i in kept]

    # --- queries ------------------------------------------------------------------------------
    def ended_order(self) -> list[str]:
        """Ids of the ended runs in the order this index saw them end. Runs triggered at the same instant keep
        that order in the ended lists, so an index rebuilt from saved runs must see them end in it too."""
        return [run.id for (scope, _status), runs in self._ended.items() if scope == ("all",) for run in runs.runs]

    def task_workspaces(self, task_id: str) -> frozenset[str]:
        """The workspaces a task's runs were made in (a superset once old runs are forgotten)."""
        return frozenset(self._task_workspaces.get(task_id, ()))

    def running(self, task_id: str) -> bool:
        """Whether a run of the task has not ended."""
        return self._active_per_task.get(task_id, 0) > 0

    def count_and_page(self, scope: Scope | list[Scope], statuses: Iterable[str] | None, start: datetime,
                       end: datetime, now: datetime, offset: int, limit: int, keep: Keep | None = None,
                       by_trigger: bool = False) -> tuple[int, list["TaskExecution"]]:
        """(how many runs of `scope` with one of `statuses` belong to the period [start, end] (active within
        it, or `by_trigger` triggered within it), the page [offset, offset + limit) of them, newest first).
        `scope` may be a list of disjoint scopes (the workspaces a caller may VIEW): their runs are counted
        and merged as one, each by its own bisects. `keep` narrows further (by looking at each candidate, so
        it costs a walk over the period)."""
        scopes = scope if isinstance(scope, list) else [scope]
        wanted_scopes = set(scopes)

        def matches(run: "TaskExecution") -> bool:
            in_period = start <= run.triggered <= end if by_trigger else run.active_between(start, end, now)
            return in_period and (keep is None or keep(run))

        sources: list[_Runs] = []
        if statuses is None:  # every run of the scopes, the active ones included
            sources += [self._all[one] for one in scopes if one in self._all]
            wanted = None
        else:  # the ended runs of the wanted statuses; the active ones come below
            wanted = set(statuses)
            sources += [self._ended[(one, s)] for one in scopes for s in sorted(wanted & lc.TERMINAL)
                        if (one, s) in self._ended]
        lowest = start if by_trigger else start - self.longest
        total, walks = 0, []
        for runs in sources:
            lo, hi = bisect_left(runs.times, lowest), bisect_right(runs.times, end)
            if keep is None and by_trigger:
                total += hi - lo  # every run triggered within [start, end] matches
            elif keep is None:
                sure_lo = max(lo, bisect_left(runs.times, start))
                sure_hi = max(sure_lo, min(hi, bisect_right(runs.times, end - self.longest_queue)))
                total += (sure_hi - sure_lo) + sum(1 for i in range(lo, sure_lo) if matches(runs.runs[i])) \
                    + sum(1 for i in range(sure_hi, hi) if matches(runs.runs[i]))
            else:
                total += sum(1 for i in range(lo, hi) if matches(runs.runs[i]))
            walks.append(self._newest_first(runs, lo, hi, matches))
        # Runs still going: those not in a walk above (older than the walks reach, or of a wanted
        # status that is not terminal) are few, and looked at one by one.
        extra = sorted((run for run in self.active.values()
                        if not wanted_scopes.isdisjoint(_scopes(run)) and matches(run)
                        and (run.triggered < lowest if wanted is None else run.execution_status in wanted)),
                       key=_order, reverse=True)
        total += len(extra)
        walks.append(iter(extra))
        merged = heapq.merge(*walks, key=_order, reverse=True)
        page = [run for _, run in zip(range(offset + limit), merged)][offset:]
        return total, page

    @staticmethod
    def _newest_first(runs: _Runs, lo: int, hi: int, matches: Callable) -> Iterator:
        for i in range(hi - 1, lo - 1, -1):
            run = runs.runs[i]
            if matches(run):
                yield run
