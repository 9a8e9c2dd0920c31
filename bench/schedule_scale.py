"""Schedules at scale: 10,000 scheduled tasks, the scheduled-runs search over them, a day of scheduled runs,
and the memory a schedule holds.

Builds the demo world on a frozen clock and adds `--tasks` tasks with a trigger each to the Production
environment, directly in the domain (building them is not what is measured); the Development
environment's nightly report is unscheduled so that only these tasks run. Then, through the app
(bearer token, contract checks as served):
- search: the first page (limit 100) of POST /orchestration/executables/events/search over 30 days,
  with hourly triggers of 60 distinct definitions (12 start minutes x 5 time zones), then with every
  definition distinct (worst case: no two tasks share a stream or a count), and a page at the very end;
- advance: POST /_mocktmc/clock/advance by 86,400 s with daily triggers: every task starts one run;
- memory: bytes held per schedule after arming N schedules, daily vs hourly vs every minute
  (CRON "* * * * *"): the growth of the resident set in a fresh process for N = tasks/10 and tasks, and
  for N = tasks/10 the allocations tracemalloc sees, with the files that made them (tracing 10,000
  dense schedules would take half an hour).
Every figure is checked against an independent expectation: totals and pages are computed from the
definitions with arithmetic over UTC offsets (the 30-day window holds no daylight-saving change in any
zone used, which is checked), runs are counted in the world. A wrong result exits non-zero.

Targets: the first page under 100 ms; the advance starting 10,000 daily runs under 2 s.

    python bench/schedule_scale.py [--tasks N] [--repeat R]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from mocktmc.app import create_app
from mocktmc.config import Settings
from mocktmc.domain.executables import plans
from mocktmc.domain.executables.tasks import RunConfig, TaskDefinition, configure_run, create_task, stop_schedule
from mocktmc.domain.model.executables import Runtime

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)  # June: no daylight-saving change in any zone below for 30 days
WINDOW = timedelta(days=30)
HOURS = 30 * 24
PROD_ENV, PROD_SALES_WS = "65f1a0c2e4b0a1b2c3d40002", "65f1a0c2e4b0a1b2c3d40201"
CUSTOMERS_LOAD, CUSTOMERS_VERSION = "65f1a0c2e4b0a1b2c3d41101", "0.1.0.20240105101500"
AUTH = {"Authorization": "Bearer bench-token"}
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
MINUTES = tuple(range(0, 60, 5))
SHARED_START = date(2025, 1, 15)


class WrongResult(RuntimeError):
    """The mock answered something other than what the definitions imply."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise WrongResult(message)


# --- trigger definitions -------------------------------------------------------------------------
def hourly(i: int, distinct: bool = False) -> dict:
    """Every hour at minute 00, 05 ... 55 of the task's zone; `distinct`: each task its own startDate too."""
    minute, zone = MINUTES[i % len(MINUTES)], ZONES[(i // len(MINUTES)) % len(ZONES)]
    start = (T0 - timedelta(days=2 + i)).date() if distinct else SHARED_START
    return {"type": "DAILY", "interval": 1, "startDate": start.isoformat(), "timeZone": zone,
            "atTimes": {"type": "AT_INTERVALS", "startTime": f"00:{minute:02d}", "endTime": f"23:{minute:02d}",
                        "interval": 60}}


def daily(i: int) -> dict:
    """Once a day, at times spread over the day (7-minute steps), in the task's zone."""
    at = (i * 7) % 1440
    return {"type": "DAILY", "interval": 1, "startDate": SHARED_START.isoformat(), "timeZone": ZONES[i % len(ZONES)],
            "atTimes": {"type": "AT_TIME", "time": f"{at // 60:02d}:{at % 60:02d}"}}


def minutely(i: int) -> dict:
    return {"type": "CRON", "cronExpression": "* * * * *", "startDate": SHARED_START.isoformat(),
            "timeZone": ZONES[i % len(ZONES)]}


DENSITIES = (("daily", daily), ("hourly", hourly), ("every minute (CRON * * * * *)", minutely))


# --- the world -----------------------------------------------------------------------------------
def new_app():
    app = create_app(Settings(clock="frozen", start=T0))
    world = app.extensions["mocktmc"].accounts.default_world
    with world.lock:  # the demo world's own triggers and schedules would add runs the bench does not count
        for executable_id in list(world.armed):
            (stop_schedule if executable_id in world.tasks else plans.stop_schedule)(world, executable_id)
        check(not world.armed, f"the demo world has other schedules: {sorted(world.armed)}")
    return app, world


def add_tasks(world, count: int) -> list[str]:
    with world.lock:
        return [create_task(world, PROD_ENV, TaskDefinition(PROD_SALES_WS, f"Scheduled load {i:05d}", CUSTOMERS_LOAD,
                                                            CUSTOMERS_VERSION), T0).id for i in range(count)]


def build(count: int, trigger: Callable[[int], dict]):
    """The app, its world and the ids of `count` new tasks, task i scheduled with trigger(i)."""
    app, world = new_app()
    ids = add_tasks(world, count)
    with world.lock:
        for i, task_id in enumerate(ids):
            configure_run(world, task_id, RunConfig(trigger=trigger(i), runtime=Runtime("CLOUD")))
        check(set(world.armed) == set(ids), f"{len(world.armed)} schedules armed, {count} expected")
    return app, world, ids


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def timed(call) -> tuple[float, object]:
    t0 = time.perf_counter()
    answer = call()
    return time.perf_counter() - t0, answer


def figures(seconds: list[float]) -> dict:
    return {"requests": len(seconds), "median_ms": round(statistics.median(seconds) * 1000, 2),
            "min_ms": round(min(seconds) * 1000, 2), "max_ms": round(max(seconds) * 1000, 2)}


# --- 1. the scheduled-runs search -----------------------------------------------------------------
def steady_offsets() -> dict[str, int]:
    """Each zone's UTC offset in minutes, checked to be the same every hour of the window (and a day around)."""
    offsets = {}
    for name in ZONES:
        zone = ZoneInfo(name)
        seen = {(T0 + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(-24, HOURS + 25)}
        check(len(seen) == 1, f"{name} changes its UTC offset inside the window: {seen}")
        offsets[name] = int(seen.pop().total_seconds() // 60)
    return offsets


def expected_events(ids: list[str], trigger: Callable[[int], dict]):
    """(total, page(offset, limit)) of the 30-day search, from the definitions alone.

    Without a daylight-saving change, a task firing every hour at local minute M fires at every UTC hour
    at minute (M - offset) mod 60, so in [T0, T0 + 30 days] it fires 720 times, plus once at the window's
    end when that minute is 0. Events are ordered by date then task id: hour block h holds every task in
    (UTC minute, id) order, and the extra block at the end holds the minute-0 tasks, which lead that order.
    """
    offsets = steady_offsets()
    minutes = {}
    for i, task_id in enumerate(ids):
        definition = trigger(i)
        local = int(definition["atTimes"]["startTime"][3:])
        minutes[task_id] = (local - offsets[definition["timeZone"]]) % 60
    order = sorted(ids, key=lambda task_id: (minutes[task_id], task_id))
    total = len(ids) * HOURS + sum(1 for m in minutes.values() if m == 0)

    def page(offset: int, limit: int) -> list[dict]:
        items = []
        for index in range(offset, min(offset + limit, total)):
            hour, rank = divmod(index, len(ids))
            task_id = order[rank]
            items.append({"id": task_id, "date": iso(T0 + timedelta(hours=hour, minutes=minutes[task_id])),
                          "type": "TASK"})
        return items

    return total, page


def search_measures(count: int, distinct: bool, first_repeat: int, deep_repeat: int) -> list[dict]:
    trigger = (lambda i: hourly(i, distinct=True)) if distinct else hourly
    built, (app, world, ids) = timed(lambda: build(count, trigger))
    definitions = len({json.dumps(trigger(i), sort_keys=True) for i in range(count)})
    total, page = expected_events(ids, trigger)
    client = app.test_client()
    label = "all definitions distinct (worst case)" if distinct else f"{definitions} distinct definitions"

    def search(offset: int) -> dict:
        response = client.post("/orchestration/executables/events/search", headers=AUTH,
                               json={"environmentId": PROD_ENV, "from": ms(T0), "to": ms(T0 + WINDOW),
                                     "limit": 100, "offset": offset})
        check(response.status_code == 200,
              f"events search answered {response.status_code}: {response.get_data()[:300]}")
        return response.json

    rows = []
    for name, offset, times in ((f"events search, 30 days, first page: {label}", 0, first_repeat),
                                (f"events search, 30 days, last page (offset total-100): {label}",
                                 max(0, total - 100), deep_repeat)):
        seconds = []
        for _ in range(times):
            elapsed, answer = timed(lambda: search(offset))
            seconds.append(elapsed)
            check(answer["total"] == total, f"{name}: total {answer['total']}, expected {total}")
            check(answer["items"] == page(offset, 100), f"{name}: the page differs from the expected events")
        rows.append({"measure": name, "tasks": count, "definitions": definitions, "offset": offset, "total": total,
                     **figures(seconds), "build_s": round(built, 1)})
    return rows


# --- 2. a day of scheduled runs -------------------------------------------------------------------
def advance_measures(count: int, days: int) -> list[dict]:
    """Advance the clock a day at a time: every daily task starts exactly one SCHEDULED run a day."""
    app, world, ids = build(count, daily)
    client = app.test_client()
    seconds = []
    with world.lock:  # the demo world's history: runs from before the bench began
        before = set(world.executions)
    for day in range(1, days + 1):
        elapsed, response = timed(lambda: client.post("/_mocktmc/clock/advance", json={"seconds": 86400}))
        check(response.status_code == 200, f"advance answered {response.status_code}: {response.get_data()[:300]}")
        answer = response.json
        check(answer["runsStarted"] == count and answer["misfires"] == 0,
              f"day {day}: runsStarted {answer['runsStarted']}, misfires {answer['misfires']}; expected {count}, 0")
        seconds.append(elapsed)
        events_applied = answer["eventsApplied"]
    with world.lock:
        scheduled: dict[str, int] = {}
        new_runs = [run for run_id, run in world.executions.items() if run_id not in before]
        for run in new_runs:
            if run.execution_type == "SCHEDULED" and not run.misfire_reason:
                scheduled[run.task_id] = scheduled.get(run.task_id, 0) + 1
    check(len(new_runs) == count * days and scheduled == {task_id: days for task_id in ids},
          f"{len(new_runs)} runs, {sum(scheduled.values())} SCHEDULED over {len(scheduled)} tasks; "
          f"expected {count * days} SCHEDULED, {days} for each of {count} tasks")
    history = client.get("/processing/executables/tasks/executions", headers=AUTH,
                         query_string={"environmentId": PROD_ENV, "limit": 1})
    check(history.status_code == 200 and history.json["total"] == count * days,
          f"the history answers {history.status_code} {history.get_data()[:200]}; expected total {count * days}")
    row = {"measure": "POST /_mocktmc/clock/advance 86400 s, daily triggers", "tasks": count,
           "runs_started_per_advance": count, "misfires": 0, "first_advance_ms": round(seconds[0] * 1000, 1),
           "events_applied_last_advance": events_applied}
    if days > 1:
        row.update({"later_advances": days - 1, "later_median_ms": round(statistics.median(seconds[1:]) * 1000, 1)})
    return [row]


# --- 3. memory per schedule -----------------------------------------------------------------------
def traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def resident() -> int:
    """The process's resident set now (Linux /proc), after a collection."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def arm_schedules(count: int, name: str, trigger: Callable[[int], dict], measure: Callable[[], int],
                  seen: Callable[[], None] = lambda: None) -> tuple[int, float]:
    """(bytes `measure` sees added, seconds) by PUT run-config's domain step (trigger checked and stored,
    schedule armed) for `count` tasks that exist before counting starts; `seen` runs after each measure."""
    app, world = new_app()
    ids = add_tasks(world, count)
    configs = [RunConfig(trigger=trigger(i), runtime=Runtime("CLOUD")) for i in range(count)]
    with world.lock:
        agenda_before = world.pending_events
        base = measure()
        seen()
        began = time.perf_counter()
        for task_id, config in zip(ids, configs):
            configure_run(world, task_id, config)
        seconds = time.perf_counter() - began
        held = measure()
        seen()
        check(len(world.armed) == count and world.pending_events == agenda_before + count,
              f"{len(world.armed)} armed and {world.pending_events - agenda_before} agenda entries for {count}")
        due = sorted(world.armed[task_id].due for task_id in ids)
    check(T0 < due[0] and due[-1] <= T0 + timedelta(days=1), f"{name}: next occurrences from {due[0]} to {due[-1]}")
    return held - base, seconds


def memory_traced(count: int, index: int) -> dict:
    """Allocations still held after arming, by tracemalloc, in this process, with the files that made them
    (innermost frame). Tracing makes arming dense schedules about 7 times slower."""
    name, trigger = DENSITIES[index]
    snapshots = []
    tracemalloc.start()
    try:
        held, seconds = arm_schedules(count, name, trigger, traced,
                                      seen=lambda: snapshots.append(tracemalloc.take_snapshot()))
    finally:
        tracemalloc.stop()
    files = sorted((s for s in snapshots[1].compare_to(snapshots[0], "filename") if s.size_diff > 0),
                   key=lambda s: -s.size_diff)[:3]
    return {"measure": f"memory per schedule: {name}", "schedules": count, "method": "tracemalloc",
            "bytes_per_schedule": round(held / count), "held_MB": round(held / 2**20, 1),
            "bytes_per_schedule_by_file": {_short(s.traceback[0].filename): round(s.size_diff / count)
                                           for s in files},
            "ms_per_schedule_under_tracemalloc": round(seconds * 1000 / count, 2)}


def rss_child(count: int, index: int) -> dict:
    """In a fresh process (--rss-child): the resident set's growth while arming, allocator overhead included."""
    name, trigger = DENSITIES[index]
    held, seconds = arm_schedules(count, name, trigger, resident)
    return {"measure": f"memory per schedule: {name}", "schedules": count, "method": "RSS delta, fresh process",
            "bytes_per_schedule": round(held / count), "held_MB": round(held / 2**20, 1),
            "ms_per_schedule": round(seconds * 1000 / count, 2)}


def memory_rss(count: int, index: int) -> dict | None:
    """rss_child in a new interpreter, so that memory freed by earlier measures cannot hide the growth."""
    if not os.path.exists("/proc/self/statm"):
        return None
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--rss-child", str(count), str(index)],
                           capture_output=True, text=True)
    check(child.returncode == 0, f"the memory measure of {DENSITIES[index][0]} failed: {child.stderr[-600:]}")
    return json.loads(child.stdout.splitlines()[-1])


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-3:] if "mocktmc" in parts else parts[-2:])


# --- the report -----------------------------------------------------------------------------------
def run(tasks: int = 10_000, repeat: int = 7, emit: Callable[[dict], None] = lambda row: None,
        rss_sizes: int = 2) -> list[dict]:
    """Every measure; `rss_sizes` 1 measures the resident set of the larger size only (each is a process)."""
    rows: list[dict] = []

    def keep(found: list[dict]) -> None:
        for row in found:
            rows.append(row)
            emit(row)

    few = max(1, min(repeat, 3))  # the slow measures: seconds to a minute a request at 10,000 tasks
    keep(search_measures(tasks, distinct=False, first_repeat=repeat, deep_repeat=few))
    keep(search_measures(tasks, distinct=True, first_repeat=few, deep_repeat=1))
    keep(advance_measures(tasks, days=few))
    sizes = sorted({max(1, tasks // 10), tasks})
    for index in range(len(DENSITIES)):
        keep([memory_traced(sizes[0], index)])
    for count in sizes[-rss_sizes:]:
        for index in range(len(DENSITIES)):
            keep([row for row in [memory_rss(count, index)] if row is not None])
    keep([{"measure": "peak RSS", "MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="scheduled tasks (memory: tasks/10 and tasks)")
    parser.add_argument("--repeat", type=int, default=7,
                        help="requests for the first page (at most 3 for the slow measures: the last pages, "
                             "the all-distinct first page, the day-long advances)")
    parser.add_argument("--rss-child", nargs=2, type=int, metavar=("N", "DENSITY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        try:
            print(json.dumps(rss_child(*args.rss_child)))
        except WrongResult as wrong:
            print(f"WRONG RESULT: {wrong}", file=sys.stderr)
            return 1
        return 0
    if args.tasks < 1 or args.repeat < 1:
        parser.error("--tasks and --repeat must be >= 1")
    try:
        rows = run(args.tasks, args.repeat, emit=lambda row: print(json.dumps(row), flush=True))
    except WrongResult as wrong:
        print(f"WRONG RESULT: {wrong}", file=sys.stderr)
        return 1
    save("schedule_scale", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
