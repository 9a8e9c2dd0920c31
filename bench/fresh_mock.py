"""A fresh mock per test: what the `mocktmc` fixture and a reset cost.

- The pytest plugin's `mocktmc` fixture, as pytest runs it: the setup time of each of `tests` generated tests
  (a pytest session in this process, `-p no:xdist`), median and p95, for the demo world and the empty one;
  beside it the baseline, a `MockTMC()` built from nothing (what the fixture cost when it built one per test).
- The reset of one account in process (`Accounts.reset(account)`), beside building the world anew
  (`build_world`, what a reset did before worlds were copied).
- The same reset over HTTP (`POST /_mocktmc/reset?account=`) on a served mock, interleaved with a bare
  `GET /_mocktmc/health`, one connection: median of each and the difference.
- Cold start: `mocktmc serve --port 0` (the demo world) started `starts` times, to its first 200 on health.

Targets (issue 18): the fixture's median at most 5 ms a test; a reset at most 2 ms in process and within
1 ms of a health call over HTTP; a cold start at most 1 s.

    python bench/fresh_mock.py [--tests N] [--requests N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

try:  # imported as bench.<name> (the smoke tests), or run as a script (make bench), where bench/ is on the path
    from .serving import served
except ImportError:
    from serving import served  # type: ignore[no-redef]

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

from mocktmc.domain.fixtures import build_world
from mocktmc.testing import MockTMC

TEST_FILE = '''
import pytest

@pytest.mark.parametrize("i", range({tests}))
def test_fresh(mocktmc, i):
    assert mocktmc.client().get("/orchestration/environments").status_code == 200
'''


class _SetupTimes:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            self.seconds.append(report.duration)


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3), "n": len(ordered)}


def fixture_setup(world: str, tests: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text(f"[pytest]\nmocktmc_fixtures = {world}\n")
        test_file = root / f"test_fresh_{world}.py"  # one module name per session of this process
        test_file.write_text(TEST_FILE.replace("{tests}", str(tests)))
        times = _SetupTimes()
        code = pytest.main(["-q", "-p", "no:xdist", "-p", "no:cacheprovider", "-c", str(root / "pytest.ini"),
                            "--rootdir", folder, str(test_file)], plugins=[times])
        assert code == 0, f"the generated tests failed ({code})"
    first, rest = times.seconds[0], times.seconds[1:]
    return {"measure": f"mocktmc fixture setup, {world} world", "first_ms": round(first * 1000, 1), **_ms(rest)}


def baseline_mock(world: str, repeat: int) -> dict:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        MockTMC(fixtures=world)
        seconds.append(time.perf_counter() - began)
    return {"measure": f"baseline: MockTMC() built anew, {world} world", **_ms(seconds)}


def reset_in_process(world: str, repeat: int) -> list[dict]:
    mock = MockTMC(fixtures=world, start="2026-01-01T00:00:00Z")
    accounts = mock.app.extensions["mocktmc"].accounts
    account = accounts.default_account_id
    resets, builds = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        accounts.reset(account)
        resets.append(time.perf_counter() - began)
        began = time.perf_counter()
        build_world(accounts.spec, account, accounts.clock.now(), accounts.seed)
        builds.append(time.perf_counter() - began)
    return [{"measure": f"reset of one account in process, {world} world", **_ms(resets)},
            {"measure": f"baseline: build_world, {world} world", **_ms(builds)}]


def reset_over_http(world: str, repeat: int) -> dict:
    mock = MockTMC(fixtures=world, start="2026-01-01T00:00:00Z")
    account = mock.app.extensions["mocktmc"].accounts.default_account_id
    resets, healths = [], []
    with mock.serve(threads=1) as url, requests.Session() as session:
        for _ in range(repeat):
            began = time.perf_counter()
            assert session.get(f"{url}/_mocktmc/health", timeout=10).status_code == 200
            healths.append(time.perf_counter() - began)
            began = time.perf_counter()
            assert session.post(f"{url}/_mocktmc/reset", params={"account": account}, timeout=10).status_code == 200
            resets.append(time.perf_counter() - began)
    reset, health = _ms(resets), _ms(healths)
    return {"measure": f"reset over HTTP vs health, {world} world", "reset_median_ms": reset["median_ms"],
            "health_median_ms": health["median_ms"],
            "difference_ms": round(reset["median_ms"] - health["median_ms"], 3), "n": repeat}


def cold_start(starts: int) -> dict:
    """Seconds from starting `mocktmc serve` to its first 200 (the process is stopped each time)."""
    seconds = []
    command = [sys.executable, "-m", "mocktmc", "serve", "--host", "127.0.0.1", "--port", "0", "--clock", "frozen"]
    for _ in range(starts):
        began = time.perf_counter()
        with served(command, {"MOCKTMC_FIXTURES": "default"}) as url:
            while True:
                try:
                    if requests.get(f"{url}/_mocktmc/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    time.sleep(0.005)
            seconds.append(time.perf_counter() - began)
    return {"measure": "cold start to the first 200, demo world", **_ms(seconds)}


def run(tests: int = 200, repeat: int = 200, starts: int = 5) -> list[dict]:
    rows = [cold_start(starts)]
    for world in ("default", "empty"):
        rows.append(fixture_setup(world, tests))
        rows.append(baseline_mock(world, max(3, repeat // 20)))
        rows.extend(reset_in_process(world, repeat))
        rows.append(reset_over_http(world, repeat))
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    save("fresh_mock", run(options.tests, options.requests))


if __name__ == "__main__":
    main()
