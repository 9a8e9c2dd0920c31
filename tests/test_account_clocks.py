"""Time that belongs to each account: a server clock every account follows until it has a clock of its own.

In auth mode isolated every token's account has its own clock from its first call, so workers sharing one
server never move each other's time; `?account=` (or, in isolated mode, the caller's TMC token) says whose
clock a control call reads or moves; a snapshot carries the account's clock.
"""
from __future__ import annotations

import json
import sys
import threading
import os

import pytest
import requests

from mocktmc.domain import snapshot
from mocktmc.testing import connect

from .conftest import BASE_WORLD, LOAD_CUSTOMERS, NIGHTLY_REPORT, START, Api, make_app
from .errors import assert_error
from .serving import served

DAY = 86400


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def status_of(api: Api, execution_id: str) -> str:
    return api.run(execution_id)["executionStatus"]


def test_isolated_accounts_have_their_own_time():
    app = make_app(auth="isolated")
    worker_a, worker_b = Api(app, bearer("worker-a")), Api(app, bearer("worker-b"))
    run_b = worker_b.execute(NIGHTLY_REPORT)  # ten minutes of executing
    moved = worker_a.client.post("/_mocktmc/clock/advance", json={"seconds": DAY}, headers=worker_a.headers)
    assert moved.status_code == 200
    assert moved.json["own"] is True and moved.json["nowMs"] == int((START.timestamp() + DAY) * 1000)
    account_a = moved.json["account"]
    assert status_of(worker_b, run_b) == "EXECUTION_EVENT_RECEIVED"  # a's day moved nothing of b's
    seen_by_b = worker_b.client.get("/_mocktmc/clock", headers=worker_b.headers).json
    assert seen_by_b["own"] is True and seen_by_b["account"] != account_a and seen_by_b["now"].startswith(
        "2024-03-01T09:00")
    # b's own ten and a half minutes finish its run
    worker_b.client.post("/_mocktmc/clock/advance", json={"seconds": 630}, headers=worker_b.headers)
    assert status_of(worker_b, run_b) == "EXECUTION_SUCCESS"
    # the server clock moves no account that has its own
    server = worker_a.client.post("/_mocktmc/clock/advance", json={"seconds": 60})
    assert "account" not in server.json and server.json["eventsApplied"] == 0
    assert worker_a.client.get(f"/_mocktmc/clock?account={account_a}").json["nowMs"] == moved.json["nowMs"]


def test_an_account_follows_the_server_clock_until_it_is_given_its_own():
    api = Api(make_app())
    account = api.client.get("/_mocktmc/accounts").json[0]["id"]
    followed = api.client.get(f"/_mocktmc/clock?account={account}").json
    assert followed["own"] is False and followed["account"] == account
    api.advance(60)  # the server clock: the account follows it
    assert api.client.get(f"/_mocktmc/clock?account={account}").json["nowMs"] == int(START.timestamp() * 1000) + 60_000
    run = api.execute(LOAD_CUSTOMERS)  # eight seconds
    own = api.client.post(f"/_mocktmc/clock/advance?account={account}", json={"seconds": 30}).json
    assert own["own"] is True and own["runsStarted"] == 0 and own["eventsApplied"] > 0
    assert status_of(api, run) == "EXECUTION_SUCCESS"
    server = api.advance(3600)
    assert server["nowMs"] == int(START.timestamp() * 1000) + 3_660_000 and server["eventsApplied"] == 0
    # the account stays at its own time: 30 s past the minute, not an hour
    assert api.client.get(f"/_mocktmc/clock?account={account}").json["nowMs"] == \
        int(START.timestamp() * 1000) + 90_000
    assert api.get(f"/processing/executions/{run}").json["finishTimestamp"].startswith("2024-03-01T09:01:")


def test_each_clock_call_acts_on_the_account_it_names():
    api = Api(make_app(auth="isolated"))
    account = api.client.post("/_mocktmc/accounts", json={"token": "worker-c"}).json["id"]
    frozen = api.client.post(f"/_mocktmc/clock/freeze?account={account}").json
    assert frozen["frozen"] is True and frozen["account"] == account
    running = api.client.put(f"/_mocktmc/clock?account={account}", json={"rate": 5}).json
    assert running["rate"] == 5 and running["account"] == account
    assert api.client.get("/_mocktmc/clock").json["rate"] == 0  # the server's stays frozen
    resumed = api.client.post(f"/_mocktmc/clock/resume?account={account}").json
    assert resumed["rate"] == 5
    assert_error(api.client.post("/_mocktmc/clock/advance?account=nope", json={"seconds": 1}), 404,
                 "Account nope not found")
    later = api.client.get(f"/_mocktmc/clock?account={account}").json["nowMs"]
    assert_error(api.client.put(f"/_mocktmc/clock?account={account}", json={"now": later - DAY * 1000}), 409,
                 "only moves forward")


def test_a_snapshot_carries_the_account_clock_and_a_restore_brings_its_time_back():
    api = Api(make_app(auth="isolated"), bearer("worker-d"))
    run = api.execute(NIGHTLY_REPORT)
    moved = api.client.post("/_mocktmc/clock/advance", json={"seconds": 300}, headers=api.headers).json
    account = moved["account"]
    saved = api.client.get(f"/_mocktmc/state?account={account}").json
    assert saved["clock"] == {"rate": 0.0, "resumeRate": 1.0}
    # another server, whose clock is a day ahead: the account gets its own time back, not the server's
    twin = Api(make_app(auth="isolated"), bearer("worker-d"))
    twin.client.post("/_mocktmc/clock/advance", json={"seconds": DAY})
    assert twin.client.post("/_mocktmc/accounts", json={"token": "worker-d"}).json["id"] == account
    restored = twin.client.put(f"/_mocktmc/state?account={account}", json=saved)
    assert restored.status_code == 200, restored.json
    assert twin.client.get(f"/_mocktmc/clock?account={account}").json["nowMs"] == moved["nowMs"]
    assert status_of(twin, run) == "STARTING_FLOW_EXECUTION"  # three seconds in, ten minutes to go
    twin.client.post("/_mocktmc/clock/advance", json={"seconds": 330}, headers=twin.headers)
    assert status_of(twin, run) == "EXECUTION_SUCCESS"


def test_snapshot_clock_values_are_checked():
    api = Api(make_app(auth="isolated"), bearer("worker-e"))
    account = api.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, headers=api.headers).json["account"]
    saved = api.client.get(f"/_mocktmc/state?account={account}").json
    for clock, named in (({"rate": -1, "resumeRate": 1.0}, "clock.rate"), ({"rate": 1.0}, "clock.resumeRate"),
                         ({"rate": 1.0, "resumeRate": 0}, "clock.resumeRate")):
        with pytest.raises(ValueError, match=named.replace(".", r"\.")):
            snapshot.load({**saved, "clock": clock})
    world = snapshot.load(json.loads(json.dumps(saved)))
    assert world.clock is not None and world.clock.now() == world.now


def test_two_workers_on_one_served_server_keep_their_own_time(tmp_path):
    """Two workers (threads), each with its own token on one `mocktmc serve --auth isolated`: A moves its
    clock a day while B's ten-minute run is executing; B's run is still executing, until B moves its own."""
    env = {**os.environ, "MOCKTMC_CLOCK": "frozen", "MOCKTMC_START": "2024-03-01T09:00:00Z",
           "MOCKTMC_AUTH": "isolated", "MOCKTMC_FIXTURES": BASE_WORLD}
    command = [sys.executable, "-m", "mocktmc", "serve", "--host", "127.0.0.1", "--port", "0"]
    with served(command, tmp_path / "serve.log", env=env) as (_, url):
        control = connect(url)
        started, a_moved = threading.Barrier(2, timeout=30), threading.Barrier(2, timeout=30)
        seen: dict[str, object] = {}

        def worker_a() -> None:
            mine = control.for_token("worker-a")
            started.wait()
            seen["a"] = mine.clock.advance(days=1)
            a_moved.wait()

        def worker_b() -> None:
            mine = control.for_token("worker-b")
            session, headers = requests.Session(), bearer("worker-b")
            run = session.post(f"{url}/processing/executions", json={"executable": NIGHTLY_REPORT}, headers=headers,
                               timeout=10).json()["executionId"]
            started.wait()
            a_moved.wait()
            seen["b during"] = session.get(f"{url}/processing/executions/{run}", headers=headers,
                                           timeout=10).json()["executionStatus"]
            seen["b clock"] = mine.clock.now()
            mine.clock.advance(minutes=10, seconds=30)
            seen["b after"] = session.get(f"{url}/processing/executions/{run}", headers=headers,
                                          timeout=10).json()["executionStatus"]
            session.close()

        threads = [threading.Thread(target=worker_a), threading.Thread(target=worker_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        control.close()
    assert seen["a"]["own"] is True and seen["a"]["now"].startswith("2024-03-02T09:00")  # type: ignore[index]
    assert seen["b during"] == "EXECUTION_EVENT_RECEIVED"  # not a second of a's day reached b's run
    assert seen["b clock"] == START
    assert seen["b after"] == "EXECUTION_SUCCESS"
