"""The served poll beside a bare Flask app: how much of a request's cost is mocktmc's own.

Two servers on loopback, both waitress with the same settings (threads, host): `mocktmc serve --validate
requests --clock frozen` answering `GET /processing/executions/{id}`, and a Flask app whose one view answers a
small JSON object. Rounds interleave them (mock, bare, mock, bare, ...): in each, `clients` threads with a
keep-alive session each send requests for `seconds`; the figure is requests a second, and the ratio mock/bare
per pair of rounds. Then one connection, `single` requests each, interleaved: the median latency of both.

Target (issue 18): the mock's requests a second at least 0.8 of the bare app's (median of the rounds' ratios).
The client is Python too and shares the machine: the ratio, not the absolute figures, is what to read.

    python bench/poll_vs_flask.py [--rounds N] [--seconds S] [--clients N] [--single N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time

import requests

try:  # imported as bench.<name> (the smoke tests), or run as a script (make bench), where bench/ is on the path
    from .serving import served
except ImportError:
    from serving import served  # type: ignore[no-redef]

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

TASK = "65f1a0c2e4b0a1b2c3d42001"
DEMO = {"MOCKTMC_FIXTURES": "default"}
AUTH = {"Authorization": "Bearer bench"}
THREADS = 8
BARE_APP = f"""
import sys
from flask import Flask, jsonify
from waitress.server import create_server

app = Flask("bare")

@app.get("/processing/executions/<id>")
def poll(id):
    return jsonify({{"executionId": id, "status": "executing"}})

server = create_server(app, host="127.0.0.1", port=0, threads={THREADS})
print(f"serving http://127.0.0.1:{{server.effective_port}}", flush=True)
server.run()
"""


def _wrk(url: str, seconds: float, clients: int) -> float:
    """Requests a second wrk (2 threads, `clients` connections) gets answered in `seconds`."""
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "-H",
                          f"Authorization: {AUTH['Authorization']}", url], capture_output=True, text=True,
                         timeout=seconds + 30, check=True).stdout
    if "Non-2xx" in out:
        raise AssertionError(f"wrk got errors from {url}:\n{out}")
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))


def _load(url: str, seconds: float, clients: int) -> float:
    """Requests a second that `clients` keep-alive threads get answered (each answer a 200) in `seconds`; with wrk
    when it is installed (a Python client would be the bottleneck)."""
    if shutil.which("wrk"):
        return _wrk(url, seconds, clients)
    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                assert session.get(url, headers=AUTH, timeout=10).status_code == 200
                counts[index] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def _latencies(url: str, count: int) -> list[float]:
    seconds = []
    with requests.Session() as session:
        for _ in range(count):
            began = time.perf_counter()
            assert session.get(url, headers=AUTH, timeout=10).status_code == 200
            seconds.append(time.perf_counter() - began)
    return seconds


def run(rounds: int = 3, seconds: float = 5.0, clients: int = 8, single: int = 600) -> list[dict]:
    mock_command = [sys.executable, "-m", "mocktmc", "serve", "--host", "127.0.0.1", "--port", "0",
                    "--clock", "frozen", "--validate", "requests", "--threads", str(THREADS)]
    rows = []
    with served(mock_command, DEMO) as mock_url, served([sys.executable, "-c", BARE_APP]) as bare_url:
        for url in (mock_url, bare_url):  # both up (and warm) before measuring
            for _ in range(100):
                try:
                    requests.get(f"{url}/processing/executions/warm", headers=AUTH, timeout=2)
                    break
                except requests.RequestException:
                    time.sleep(0.05)
        started = requests.post(f"{mock_url}/processing/executions", json={"executable": TASK}, headers=AUTH,
                                timeout=10)
        poll = f"{mock_url}/processing/executions/{started.json()['executionId']}"
        bare = f"{bare_url}/processing/executions/{started.json()['executionId']}"
        _load(poll, 1, clients), _load(bare, 1, clients)
        ratios = []
        for index in range(rounds):
            mock_rps, bare_rps = _load(poll, seconds, clients), _load(bare, seconds, clients)
            ratios.append(mock_rps / bare_rps)
            tool = "wrk -t2" if shutil.which("wrk") else "Python threads"
            rows.append({"measure": f"round {index + 1}: requests/s, {clients} connections ({tool})",
                         "mock": round(mock_rps),
                         "bare_flask": round(bare_rps), "ratio": round(ratios[-1], 3)})
        mock_ms, bare_ms = [], []
        for _ in range(rounds):
            mock_ms += _latencies(poll, single // rounds)
            bare_ms += _latencies(bare, single // rounds)
        rows.append({"measure": "one connection, median latency", "mock_us": round(statistics.median(mock_ms) * 1e6),
                     "bare_flask_us": round(statistics.median(bare_ms) * 1e6)})
        rows.append({"measure": "median ratio of requests/s, mock / bare Flask",
                     "ratio": round(statistics.median(ratios), 3), "rounds": rounds, "seconds": seconds})
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--single", type=int, default=600)
    options = parser.parse_args()
    save("poll_vs_flask", run(options.rounds, options.seconds, options.clients, options.single))


if __name__ == "__main__":
    main()
