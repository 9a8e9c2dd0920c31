"""Poll-loop benchmark: how fast a real `mocktmc serve` answers the calls a TMC client makes most.

Starts a server on a free loopback port (frozen clock), then measures, per operation:
- latency: one client connection at a time (median, p95);
- throughput: `--clients` connections at once from threads, the server's requests/s under load.
Operations: POST /processing/executions, GET /processing/executions/{id} (the poll), a logs page.
Bounded in request count and seconds; sends traffic to 127.0.0.1 only and stops the server it started.

    python bench/poll_loop.py [--requests N] [--seconds S] [--clients C] [--validate MODE ...]
"""
from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import threading
import time

import requests

from mocktmc.charts import percentile

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

TASK = "65f1a0c2e4b0a1b2c3d42001"


def start_server(validate: str = "requests") -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen",
                             "--host", "127.0.0.1", "--validate", validate],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "serving " not in line:
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, line.split("serving ", 1)[1].split()[0]


def measure(name: str, call, requests_max: int, seconds_max: float) -> dict:
    latencies = []
    deadline = time.perf_counter() + seconds_max
    began = time.perf_counter()
    while len(latencies) < requests_max and time.perf_counter() < deadline:
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - began
    # Percentiles by nearest rank (a latency that was measured), for the page's chart as well as the console.
    return {"operation": name, "requests": len(latencies), "requests_per_s": round(len(latencies) / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 3),
            **{f"p{q}_ms": round(percentile(latencies, q) * 1000, 3) for q in (90, 95, 99)}}


def throughput(make_call, clients: int, requests_max: int, seconds_max: float) -> float:
    """Requests/s with `clients` connections at once, each with its own session."""
    counts = [0] * clients
    deadline = time.perf_counter() + seconds_max
    per_client = max(1, requests_max // clients)

    def worker(index: int) -> None:
        call = make_call()
        while counts[index] < per_client and time.perf_counter() < deadline:
            call()
            counts[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(counts) / (time.perf_counter() - began), 1)


def run(requests_max: int, seconds_max: float, validate: str = "requests", clients: int = 4) -> list[dict]:
    proc, base = start_server(validate)
    try:
        def session() -> requests.Session:
            s = requests.Session()
            s.headers["Authorization"] = "Bearer bench"
            return s

        def execute_with(s: requests.Session):
            def execute():
                response = s.post(f"{base}/processing/executions", json={"executable": TASK})
                assert response.status_code == 201, response.text
                return response.json()["executionId"]
            return execute

        setup = session()
        execution_id = execute_with(setup)()
        setup.post(f"{base}/_mocktmc/clock/advance", json={"seconds": 60})

        def poll_with(s: requests.Session):
            return lambda: s.get(f"{base}/processing/executions/{execution_id}").raise_for_status()

        def logs_with(s: requests.Session):
            return lambda: s.get(f"{base}/monitoring/executions/{execution_id}/logs").raise_for_status()

        rows = []
        for name, make in (("GET /processing/executions/{id}", poll_with),
                           ("GET /monitoring/executions/{id}/logs", logs_with),
                           ("POST /processing/executions", execute_with)):
            row = measure(name, make(session()), requests_max, seconds_max)
            row[f"requests_per_s_{clients}_clients"] = throughput(lambda: make(session()), clients,
                                                                   requests_max, seconds_max)
            rows.append(row)
        return rows
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests per operation")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per operation")
    parser.add_argument("--validate", nargs="+", default=["off", "requests"], choices=["off", "requests", "all"],
                        help="the server's --validate modes to measure, one server each")
    parser.add_argument("--clients", type=int, default=4, help="connections at once for the throughput measure")
    args = parser.parse_args(argv)
    rows = []
    for validate in args.validate:
        for row in run(args.requests, args.seconds, validate, args.clients):
            rows.append({"validate": validate, **row})
            print(json.dumps(rows[-1]))
    save("poll_loop", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
