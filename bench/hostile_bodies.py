"""Memory and time of hostile bodies (issue 20): what one request keeps, and what refusing it costs.

In process, the demo world on a frozen clock. Prints one JSON line per measure:
- `huge_execute`: one POST /processing/executions of `--parameters` parameters (700,000: the reporter's
  10 MB body): status, seconds, resident memory kept after it (RSS now minus before) and the peak's rise;
- `bounded_runs`: `--runs` runs of 1,000 parameters each, the most a run takes: the memory kept per run;
- `alias_bomb`: the 9**9 YAML alias bomb sent to /_mocktmc/fixtures: status and seconds.

Target: a refused request keeps nothing (RSS kept within noise, a few MB); a run keeps at most ~1 MB.

    python bench/hostile_bodies.py [--parameters N] [--runs N]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import time

from mocktmc.app import create_app
from mocktmc.config import Settings

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"
HEADERS = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def execute_body(parameters: int) -> bytes:
    pairs = b",".join(b'"p%07d":"v"' % i for i in range(parameters))
    return b'{"executable": "%s", "parameters": {%s}}' % (LOAD_CUSTOMERS.encode(), pairs)


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def run(parameters: int = 700_000, runs: int = 50) -> list[dict]:
    client = create_app(Settings(clock="frozen")).test_client()
    client.get("/processing/executions/warm-up", headers=HEADERS)
    results = []

    body = execute_body(parameters)
    gc.collect()
    before, peak_before, started = rss_mb(), peak_mb(), time.perf_counter()
    response = client.post("/processing/executions", data=body, headers=HEADERS)
    seconds = time.perf_counter() - started
    del body
    gc.collect()
    results.append({"measure": "huge_execute", "parameters": parameters, "status": response.status_code,
                    "seconds": round(seconds, 3), "rss_kept_mb": round(rss_mb() - before, 1),
                    "peak_rise_mb": round(peak_mb() - peak_before, 1)})

    bounded = execute_body(1000)
    gc.collect()
    before = rss_mb()
    statuses = {client.post("/processing/executions", data=bounded, headers=HEADERS).status_code
                for _ in range(runs)}
    gc.collect()
    results.append({"measure": "bounded_runs", "runs": runs, "body_bytes": len(bounded), "statuses": sorted(statuses),
                    "rss_kept_per_run_kb": round((rss_mb() - before) * 1024 / runs, 1)})

    started = time.perf_counter()
    response = client.post("/_mocktmc/fixtures", data=alias_bomb(), content_type="application/yaml")
    results.append({"measure": "alias_bomb", "status": response.status_code,
                    "seconds": round(time.perf_counter() - started, 4)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parameters", type=int, default=700_000)
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()
    rows = run(options.parameters, options.runs)
    for result in rows:
        print(json.dumps(result))
    save("hostile_bodies", rows)


if __name__ == "__main__":
    main()
