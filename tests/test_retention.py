"""Memory that does not grow without bound: ended runs leave after the retention window (`--retention`), and
scheduled occurrences the clock passes long before the window are counted, not built."""
from __future__ import annotations

import json
from datetime import timedelta

from mocktmc.domain import snapshot

from .conftest import LOAD_CUSTOMERS, Api, make_app
from .errors import assert_error

EVERY_MINUTE = {"type": "CRON", "cronExpression": "* * * * *", "startDate": "2024-03-01", "timeZone": "UTC"}
DAY = 86400
NIGHTLY = 1  # the tests' world also runs the Nightly report once a day (02:00, Paris)
DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"


def every_minute(api: Api, task_id: str = LOAD_CUSTOMERS) -> None:
    configured = api.client.put(f"/orchestration/executables/tasks/{task_id}/run-config", headers=api.headers,
                                json={"trigger": EVERY_MINUTE, "runtime": {"type": "CLOUD"}})
    assert configured.status_code == 200, configured.json


def world_of(api: Api):
    return api.app.extensions["mocktmc"].accounts.default_world


def test_runs_that_ended_before_the_window_are_forgotten():
    api = Api(make_app(retention=1))
    first = api.execute(LOAD_CUSTOMERS)
    every_minute(api)
    counts = []
    for _ in range(12):  # three days, six hours at a time
        api.advance(6 * 3600)
        counts.append(len(world_of(api).executions))
    # a day of minutely runs (and the hour forgetting waits at most) is all a world holds
    assert max(counts) <= 1440 + 60 + 2 * NIGHTLY, counts
    assert counts[-1] >= 1440, counts
    assert_error(api.get(f"/processing/executions/{first}"), 404, first)
    history = api.get("/processing/executables/tasks/executions", query_string={"lastDays": 60, "limit": 1})
    assert history.json["total"] == counts[-1]
    world = world_of(api)
    oldest = min(run.triggered for run in world.executions.values())
    assert world.now - oldest <= timedelta(days=1, hours=1)


def test_a_century_of_a_minutely_schedule_costs_what_the_window_holds():
    api = Api(make_app(retention=1))
    every_minute(api)
    answer = api.advance(100 * 365 * DAY)
    world = world_of(api)
    built = answer["runsStarted"]
    assert built <= 2 * (1440 + NIGHTLY) + 60, built  # the window and the day before it, not a century
    # every occurrence is accounted for: started, or skipped
    assert answer["runsSkipped"] + built == 100 * 365 * (1440 + NIGHTLY), answer  # one a minute, in UTC
    assert len(world.executions) <= 1440 + 60 + 2 * NIGHTLY
    assert world.runs_skipped == answer["runsSkipped"]
    # the schedule goes on from there, one run a minute
    assert api.advance(60)["runsStarted"] == 1


def test_no_retention_keeps_every_run():
    api = Api(make_app(retention=0))
    first = api.execute(LOAD_CUSTOMERS)
    every_minute(api)
    answer = api.advance(3 * DAY)
    assert answer["runsSkipped"] == 0 and answer["runsStarted"] == 3 * (1440 + NIGHTLY)
    assert api.get(f"/processing/executions/{first}").status_code == 200


def test_a_plan_run_kept_keeps_its_task_runs_and_a_snapshot_keeps_the_count():
    api = Api(make_app(retention=1))
    plan_run = api.post("/processing/executions/plans", json={"executable": DAILY_PLAN}).json["executionId"]
    every_minute(api)
    api.advance(2 * DAY)
    world = world_of(api)
    assert plan_run not in world.plan_executions  # it ended two days ago
    assert all(run.plan_execution_id is None or run.plan_execution_id in world.plan_executions
               for run in world.executions.values())
    assert_error(api.get(f"/processing/executions/plans/{plan_run}"), 404, plan_run)
    skipped = api.advance(10 * DAY)["runsSkipped"]
    assert skipped > 0
    restored = snapshot.load(json.loads(json.dumps(snapshot.dump(world_of(api)))))
    assert restored.runs_skipped == world_of(api).runs_skipped == skipped
