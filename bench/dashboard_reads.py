"""The dashboard's reads at scale: one account with many task runs (made as history_scale.py makes them), and what
the dashboard asks of it every two seconds, through the app with the dashboard's header.

Prints, per read, the median and p95 latency and the runs matched: the runs table's first page (every kind, no
period), a page far down it, the failed runs, the timeline's last day and last week (pages of 500, as the page
draws at most four of them), and one environment's runs. The dashboard must not slow the server: a read that
walked every run would grow with the history; these should not.

    python bench/dashboard_reads.py [--runs N] [--requests N]
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from datetime import datetime, timedelta

try:
    from .history_scale import DAYS, DEV_ENV, T0, build
except ImportError:  # run as a script
    from history_scale import DAYS, DEV_ENV, T0, build  # type: ignore[no-redef]

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

READ = {"X-Mocktmc-Dashboard": "read"}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def queries(end: datetime, pick: random.Random):
    """(name, function giving one request's query) for each measured read."""
    def timeline(span: timedelta):
        def query():
            stop = T0 + timedelta(days=pick.uniform(span.days or 1, DAYS))
            return {"from": _iso(stop - span), "to": _iso(stop), "offset": pick.choice([0, 500, 1000, 1500]),
                    "limit": 500}
        return query

    return [("runs table: first page of 50, every kind", lambda: {"limit": 50}),
            ("runs table: page of 50 at offset 5,000", lambda: {"offset": 5000, "limit": 50}),
            ("runs table: failed runs, first page", lambda: {"outcome": "failed", "limit": 50}),
            ("runs table: one environment, tasks, first page", lambda: {"environmentId": DEV_ENV, "kind": "task"}),
            ("timeline: a day, a page of 500 (offset 0-1,500)", timeline(timedelta(days=1))),
            ("timeline: a week, a page of 500 (offset 0-1,500)", timeline(timedelta(days=7)))]


def run(runs: int = 200_000, requests_max: int = 100) -> list[dict]:
    began = time.perf_counter()
    app, end = build(runs)
    results = [{"measure": "world", "runs": runs, "generation_s": round(time.perf_counter() - began, 1)}]
    client = app.test_client()
    pick = random.Random(5)
    for name, make in queries(end, pick):
        latencies, totals = [], []
        for _ in range(requests_max):
            query = make()
            t0 = time.perf_counter()
            response = client.get("/_mocktmc/runs", query_string=query, headers=READ)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"/_mocktmc/runs {query} answered {response.status_code}: "
                                   f"{response.get_data()[:300]}")
            totals.append(response.json["total"])
        latencies.sort()
        results.append({"measure": name, "requests": len(latencies),
                        "median_ms": round(statistics.median(latencies) * 1000, 2),
                        "p95_ms": round(latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000, 2),
                        "median_total": statistics.median(totals)})
    results.append({"measure": "peak RSS", "MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    rows = run(args.runs, args.requests)
    for row in rows:
        print(json.dumps(row))
    save("dashboard_reads", rows)


if __name__ == "__main__":
    main()
