"""Poll-loop benchmark: how fast a real `mocktmc serve` answers the calls a TMC client makes most.

Starts a server on a free loopback port (frozen clock), then, one client connection at a time:
POST /processing/executions, GET /processing/executions/{id} (the poll), and a logs page.
Reports requests/s and latency percentiles for each. Bounded in request count and seconds;
sends traffic to 127.0.0.1 only and stops the server it started.

    python bench/poll_loop.py [--requests N] [--seconds S]
"""
from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time

import requests

TASK = "65f1a0c2e4b0a1b2c3d42001"


def start_server() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen",
                             "--host", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
    latencies.sort()
    return {"operation": name, "requests": len(latencies), "requests_per_s": round(len(latencies) / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 3),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 3)}


def run(requests_max: int, seconds_max: float) -> list[dict]:
    proc, base = start_server()
    try:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer bench"

        def execute():
            response = session.post(f"{base}/processing/executions", json={"executable": TASK})
            assert response.status_code == 201, response.text
            return response.json()["executionId"]

        execution_id = execute()
        session.post(f"{base}/_mocktmc/clock/advance", json={"seconds": 60})

        def poll():
            assert session.get(f"{base}/processing/executions/{execution_id}").status_code == 200

        def logs():
            assert session.get(f"{base}/monitoring/executions/{execution_id}/logs").status_code == 200

        return [measure("GET /processing/executions/{id}", poll, requests_max, seconds_max),
                measure("GET /monitoring/executions/{id}/logs", logs, requests_max, seconds_max),
                measure("POST /processing/executions", execute, requests_max, seconds_max)]
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
    args = parser.parse_args(argv)
    results = run(args.requests, args.seconds)
    for row in results:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
