"""History at scale: one account with 1,000,000 task runs, and how fast a filtered history page answers.

Builds the demo world, then runs its tasks through the real simulation (execute, phases, logs,
outcomes) one every ~5 seconds of mock time for 60 days, so the history is what a busy account would
have. Then it asks history pages through the app (bearer token, contract checks as served) and
prints, per query, the median and p95 latency, with the generation time and the process's peak RSS.

Targets (issue 5): a filtered page under 20 ms median; the process under 2 GB RSS.

    python bench/history_scale.py [--runs N] [--requests N]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from datetime import datetime, timedelta, timezone

from mocktmc.app import create_app
from mocktmc.config import Settings
from mocktmc.domain.model.definitions import Principal
from mocktmc.domain.executions.task_executions import execute_task

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 60
DEV_ENV, DEV_SALES_WS = "65f1a0c2e4b0a1b2c3d40001", "65f1a0c2e4b0a1b2c3d40101"
NIGHTLY_REPORT = "65f1a0c2e4b0a1b2c3d42003"
AUTH = {"Authorization": "Bearer bench-token"}


def build(runs: int):
    """The app and its world after `runs` runs spread evenly over DAYS days of mock time."""
    app = create_app(Settings(clock="frozen", start=T0))
    mock = app.extensions["mocktmc"]
    world = mock.accounts.default_world
    tasks = [t for t in world.tasks.values() if not t.paused]
    for task in tasks:
        task.parallel_execution_allowed = True  # a busy account: runs overlap
    user = Principal(world.default_user_id, "HUMAN")
    step = timedelta(days=DAYS) / max(runs, 1)
    pick = random.Random(7)
    for i in range(runs):
        now = T0 + step * i
        world.settle(now)
        execute_task(world, tasks[pick.randrange(len(tasks))], user, now)
    end = T0 + timedelta(days=DAYS)
    mock.clock.advance_to(end + timedelta(hours=1))  # every run has ended
    return app, end


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def queries(end: datetime, pick: random.Random):
    """(name, function giving one request's arguments) for each measured query."""
    def day():
        start = T0 + timedelta(days=pick.uniform(0, DAYS - 1))
        return ms(start), ms(start + timedelta(days=1))

    def filtered_day():
        start, stop = day()
        return ("GET", "/processing/executables/tasks/executions",
                {"query_string": {"workspaceId": DEV_SALES_WS, "status": "execution_failed", "from": start,
                                  "to": stop, "limit": 100}})

    def workspace_day_page():
        start, stop = day()
        return ("GET", "/processing/executables/tasks/executions",
                {"query_string": {"workspaceId": DEV_SALES_WS, "from": start, "to": stop,
                                  "offset": pick.choice([0, 100, 500]), "limit": 100}})

    def environment_60_days():
        return ("GET", "/processing/executables/tasks/executions",
                {"query_string": {"environmentId": DEV_ENV, "status": "execution_successful", "limit": 100}})

    def task_day():
        start, stop = day()
        return ("GET", f"/processing/executables/tasks/{NIGHTLY_REPORT}/executions",
                {"query_string": {"from": start, "to": stop, "limit": 100}})

    def tagged_day():
        start, stop = day()
        return ("POST", "/processing/executables/tasks/executions",
                {"json": {"environmentId": DEV_ENV, "tags": ["sales"], "from": start, "to": stop, "limit": 100}})

    return [("GET history: workspace + status execution_failed, 1-day period", filtered_day),
            ("GET history: workspace, 1-day period, offset 0/100/500", workspace_day_page),
            ("GET history: environment + status execution_successful, last 60 days", environment_60_days),
            ("GET task history: one task, 1-day period", task_day),
            ("POST history search: environment + tag, 1-day period (tags are not indexed)", tagged_day)]


def run(runs: int = 1_000_000, requests_max: int = 200) -> list[dict]:
    began = time.perf_counter()
    app, end = build(runs)
    built_s = time.perf_counter() - began
    client = app.test_client()
    pick = random.Random(11)
    results = [{"measure": "world", "runs": runs, "generation_s": round(built_s, 1)}]
    for name, make in queries(end, pick):
        latencies, totals = [], []
        for _ in range(requests_max):
            method, path, kwargs = make()
            t0 = time.perf_counter()
            response = client.open(path, method=method, headers=AUTH, **kwargs)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.get_data()[:300]}")
            totals.append(response.json["total"])
        latencies.sort()
        results.append({"measure": name, "requests": len(latencies),
                        "median_ms": round(statistics.median(latencies) * 1000, 2),
                        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
                        "median_total": statistics.median(totals)})
    results.append({"measure": "peak RSS", "MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rows = run(args.runs, args.requests)
    for row in rows:
        print(json.dumps(row))
    save("history_scale", rows)


if __name__ == "__main__":
    main()
