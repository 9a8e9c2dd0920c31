"""What checking requests against the contracts costs, per request (target: at most 0.3 ms added).

Two measures, in process, for a typical GET (the poll) and POST (execute):
- the check alone: check_request() on a routed request, median of N;
- end to end through the Flask app: median request time with --validate requests minus off.
Run the served poll loop (bench/poll_loop.py) for requests/s with validation off and on.

    python bench/validation_cost.py [--n N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone

import flask

from mocktmc.api.request_checks import check_request
from mocktmc.app import create_app
from mocktmc.config import Settings

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

AUTH = {"Authorization": "Bearer bench"}
TASK = "65f1a0c2e4b0a1b2c3d42001"


def app_for(validate: str):
    return create_app(Settings(clock="frozen", start=datetime(2024, 1, 1, tzinfo=timezone.utc), validate=validate))


def median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 1)


def timed(call, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="requests per measure")
    n = parser.parse_args(argv).n
    rows = []
    apps = {mode: app_for(mode) for mode in ("off", "requests")}
    execution_id = apps["off"].test_client().post("/processing/executions", json={"executable": TASK},
                                                  headers=AUTH).json["executionId"]
    poll_path = f"/processing/executions/{execution_id}"
    cases = {
        "GET /processing/executions/{id}": dict(path=poll_path, method="GET"),
        "POST /processing/executions": dict(path="/processing/executions", method="POST",
                                            json={"executable": TASK, "logLevel": "INFO", "parameters": {"a": "1"}}),
    }
    for name, request in cases.items():
        app = apps["requests"]

        def check_only():
            with app.test_request_context(headers=AUTH, **request):
                check_request(flask.request)

        def context_only():
            with app.test_request_context(headers=AUTH, **request):
                pass

        check_us = median_us(timed(check_only, n)) - median_us(timed(context_only, n))
        end_to_end = {}
        for mode, mode_app in apps.items():
            client = mode_app.test_client()
            if request["method"] == "GET":
                target = dict(request, path=f"/processing/executions/{execution_id}")
                call = lambda: client.open(headers=AUTH, **target)  # noqa: E731
            else:
                call = lambda: client.open(headers=AUTH, **request)  # noqa: E731
            call()
            end_to_end[mode] = median_us(timed(call, n))
        rows.append({"operation": name, "n": n, "check_alone_us": round(check_us, 1),
                     "median_us_validate_off": end_to_end["off"],
                     "median_us_validate_requests": end_to_end["requests"],
                     "added_us": round(end_to_end["requests"] - end_to_end["off"], 1)})
        print(json.dumps(rows[-1]))
    save("validation_cost", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
