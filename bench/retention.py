"""Memory bounded by the retention window: a minutely schedule run for a year of mock time.

The demo world with one task scheduled every minute (1,440 runs a mock day, each through the real
lifecycle, its log lines written). The clock moves a day at a time for `days` days; every `every` days it
prints the runs the world holds, the process's resident memory (RSS) and the seconds that day's advance
took: the curve flattens once the window (`--retention`, 60 days) is full. Then, in a fresh app, one
advance of the whole period at once (it builds only what the window holds and counts the rest), and one of
1e10 seconds (317 years).

Targets (issue 18): under 300 MB RSS after 365 mock days; the advance of a year in seconds.

    python bench/retention.py [--days N] [--every N] [--retention DAYS]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import time
from datetime import datetime, timezone

from mocktmc.app import create_app
from mocktmc.config import Settings

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"  # 8 seconds a run in the demo world
AUTH = {"Authorization": "Bearer bench-token"}
EVERY_MINUTE = {"type": "CRON", "cronExpression": "* * * * *", "startDate": "2026-01-01", "timeZone": "UTC"}
DAY = 86400


def rss_mb() -> float:
    """The process's resident memory now (not its peak), from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def scheduled_app(retention: float):
    app = create_app(Settings(clock="frozen", start=T0, retention=retention))
    client = app.test_client()
    answer = client.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config", headers=AUTH,
                        json={"trigger": EVERY_MINUTE, "runtime": {"type": "CLOUD"}})
    assert answer.status_code == 200, answer.json
    return app, client


def advance(client, seconds: float) -> tuple[dict, float]:
    began = time.perf_counter()
    answer = client.post("/_mocktmc/clock/advance", json={"seconds": seconds})
    assert answer.status_code == 200, answer.json
    return answer.json, time.perf_counter() - began


def run(days: int = 365, every: int = 15, retention: float = 60, huge: float = 1e10) -> list[dict]:
    results = []
    app, client = scheduled_app(retention)
    world = app.extensions["mocktmc"].accounts.default_world
    started = 0
    for day in range(1, days + 1):
        answer, seconds = advance(client, DAY)
        started += answer["runsStarted"]
        if day % every == 0 or day == days:
            gc.collect()
            row = {"measure": "day by day", "mock_day": day, "runs_held": len(world.executions),
                   "runs_started": started, "rss_mb": rss_mb(), "advance_s": round(seconds, 3)}
            results.append(row)
            print(json.dumps(row), flush=True)
    del app, client, world
    gc.collect()
    for label, seconds in ((f"one advance of {days} days", days * DAY), (f"one advance of {huge:g} s", huge)):
        app, client = scheduled_app(retention)
        answer, took = advance(client, seconds)
        world = app.extensions["mocktmc"].accounts.default_world
        gc.collect()
        row = {"measure": label, "advance_s": round(took, 2), "runs_started": answer["runsStarted"],
               "runs_skipped": answer["runsSkipped"], "runs_held": len(world.executions), "rss_mb": rss_mb()}
        results.append(row)
        print(json.dumps(row), flush=True)
        del app, client, world
        gc.collect()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--every", type=int, default=15, help="print the curve every N mock days")
    parser.add_argument("--retention", type=float, default=60)
    options = parser.parse_args()
    save("retention", run(options.days, options.every, options.retention))


if __name__ == "__main__":
    main()
