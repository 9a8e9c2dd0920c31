"""Schedules that fire: scheduled runs, misfires, the maintenance-window workflow, webhooks, the clock control."""
import json
from datetime import datetime, timezone

import pytest

from mocktmc.domain.fixtures import FixtureError, parse_fixture
from mocktmc.domain.common.timeutil import to_ms

from .conftest import (DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, PARTNER_IMPORT, SYNC_ORDERS, make_app, Api)
from .errors import assert_error

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"


def ms(text):
    return to_ms(datetime.fromisoformat(text).replace(tzinfo=timezone.utc))


def daily(at, zone="UTC", **more):
    return {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": zone,
            "atTimes": {"type": "AT_TIME", "time": at}, **more}


def configure(api, task_id, trigger, **more):
    response = api.client.put(f"/orchestration/executables/tasks/{task_id}/run-config", headers=api.headers,
                              json={"trigger": trigger, "runtime": {"type": "CLOUD"}, **more})
    assert response.status_code == 200, response.json
    return response.json


def runs(api, task_id):
    """The task's runs, oldest first: (triggered, executionType, misfire reason or status)."""
    page = api.get(f"/processing/executables/tasks/{task_id}/executions", query_string={"limit": 100}).json
    return [(item["triggerTimestamp"], item["executionType"], item.get("misfiredExecutionReason", item["status"]))
            for item in reversed(page["items"])]


def pause(api, task_id, paused=True, kind="tasks"):
    response = api.client.put(f"/orchestration/executables/{kind}/{task_id}/pause", headers=api.headers,
                              json={"pause": paused, "pauseContext": "maintenance window"})
    assert response.status_code in (202, 204), response.json


def advance_to(api, text):
    response = api.client.post("/_mocktmc/clock/advance", json={"to": text})
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def quiet(api):
    """The demo world without its nightly schedule, so that only what a test schedules runs."""
    assert api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/run-config").status_code == 204
    return api


def test_a_trigger_starts_scheduled_runs_as_the_clock_passes_them(quiet):
    api = quiet
    configure(api, LOAD_CUSTOMERS, daily("10:00"))
    assert advance_to(api, "2024-03-01T09:59:59Z")["runsStarted"] == 0
    moved = advance_to(api, "2024-03-03T12:00:00Z")
    assert (moved["runsStarted"], moved["misfires"]) == (3, 0)
    assert runs(api, LOAD_CUSTOMERS) == [(f"2024-03-0{d}T10:00:00.000Z", "SCHEDULED", "execution_successful")
                                         for d in (1, 2, 3)]
    first = api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json["items"][-1]
    assert first["userId"] and first["startTimestamp"] > first["triggerTimestamp"]


def test_the_demo_nightly_report_runs_at_two_in_paris(api):
    moved = advance_to(api, "2024-04-01T12:00:00Z")
    assert moved["runsStarted"] == 31  # 2 March to 1 April: 01:00 UTC in winter, 00:00 UTC in summer
    found = runs(api, NIGHTLY_REPORT)
    assert found[0][0] == "2024-03-02T01:00:00.000Z" and found[-2:] == [
        ("2024-03-31T01:00:00.000Z", "SCHEDULED", "execution_successful"),  # 02:00 is skipped: 03:00 CEST
        ("2024-04-01T00:00:00.000Z", "SCHEDULED", "execution_successful")]


def test_a_paused_task_misfires_and_runs_again_once_resumed(quiet):
    api = quiet
    configure(api, LOAD_CUSTOMERS, daily("10:00"))
    pause(api, LOAD_CUSTOMERS)
    moved = advance_to(api, "2024-03-02T12:00:00Z")
    assert (moved["runsStarted"], moved["misfires"]) == (0, 2)
    pause(api, LOAD_CUSTOMERS, False)
    advance_to(api, "2024-03-03T12:00:00Z")
    assert [(at[:10], reason) for at, _, reason in runs(api, LOAD_CUSTOMERS)] == [
        ("2024-03-01", "TASK_IS_PAUSED"), ("2024-03-02", "TASK_IS_PAUSED"), ("2024-03-03", "execution_successful")]


def test_a_run_still_going_makes_the_next_occurrence_misfire_unless_parallel_runs_are_allowed(quiet):
    api = quiet
    every_five = {"type": "CRON", "cronExpression": "*/5 * * * ?", "startDate": "2024-03-01", "timeZone": "UTC"}
    configure(api, NIGHTLY_REPORT, every_five)  # each run takes about ten minutes
    advance_to(api, "2024-03-01T09:30:00Z")
    assert [(at[11:16], reason) for at, _, reason in runs(api, NIGHTLY_REPORT)] == [
        ("09:05", "execution_successful"), ("09:10", "PARALLEL_EXECUTION_FORBIDDEN"),
        ("09:15", "PARALLEL_EXECUTION_FORBIDDEN"), ("09:20", "executing"), ("09:25", "PARALLEL_EXECUTION_FORBIDDEN"),
        ("09:30", "PARALLEL_EXECUTION_FORBIDDEN")]
    configure(api, SYNC_ORDERS, every_five, parallelExecutionAllowed=True)
    advance_to(api, "2024-03-01T09:40:00Z")
    assert all(reason != "PARALLEL_EXECUTION_FORBIDDEN" for _, _, reason in runs(api, SYNC_ORDERS))


def test_deleting_the_run_config_or_unlinking_the_schedule_stops_future_runs(quiet):
    api = quiet
    configure(api, LOAD_CUSTOMERS, daily("10:00"))
    advance_to(api, "2024-03-01T12:00:00Z")
    assert api.delete(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").status_code == 204
    assert advance_to(api, "2024-03-05T12:00:00Z")["runsStarted"] == 0
    created = api.post("/orchestration/schedules", json={"environmentId": DEV_ENV, "trigger": {
        "name": "morning", **daily("06:00")}})
    schedule_id = created.json["id"]
    link = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/schedule"
    assert api.client.put(link, headers=api.headers, json={"scheduleId": schedule_id}).status_code == 200
    assert advance_to(api, "2024-03-06T12:00:00Z")["runsStarted"] == 1
    # A trigger added to the linked schedule fires too; unlinking stops both.
    evening = {"name": "evening", **daily("18:00")}
    assert api.post(f"/orchestration/schedules/{schedule_id}/triggers", json=evening).status_code == 200
    assert advance_to(api, "2024-03-07T12:00:00Z")["runsStarted"] == 2
    assert api.delete(link).status_code == 204
    assert advance_to(api, "2024-03-10T12:00:00Z")["runsStarted"] == 0
    assert len(runs(api, LOAD_CUSTOMERS)) == 4


def test_the_maintenance_window_workflow_of_the_documentation(quiet):
    """Search the runs scheduled before a date, pause those inside the window, move through it, resume."""
    api = quiet
    configure(api, LOAD_CUSTOMERS, daily("18:00"))
    configure(api, SYNC_ORDERS, daily("03:00"))
    configure(api, PARTNER_IMPORT, {**daily("21:30"), "type": "WEEKLY",
                                    "atDays": {"type": "DAY_OF_WEEK", "days": ["SATURDAY"]}})
    window = (ms("2024-03-02T17:00:00"), ms("2024-03-02T23:00:00"))
    body = {"environmentId": DEV_ENV, "to": str(ms("2024-03-05T00:00:00"))}
    scheduled = api.post("/orchestration/executables/events/search", json=body).json
    assert scheduled["total"] == 4 + 3 + 1  # 18:00 from today, 03:00 from tomorrow, one Saturday
    inside = {item["id"] for item in scheduled["items"]
              if window[0] <= ms(item["date"][:19]) <= window[1]}
    assert inside == {LOAD_CUSTOMERS, PARTNER_IMPORT}
    before = advance_to(api, "2024-03-02T17:00:00Z")  # the window opens: pause what it holds
    assert (before["runsStarted"], before["misfires"]) == (2, 0)  # 1 Mar 18:00 and 2 Mar 03:00
    for task_id in inside:
        pause(api, task_id)
    through = advance_to(api, "2024-03-02T23:00:00Z")
    assert (through["runsStarted"], through["misfires"]) == (0, 2)
    assert runs(api, PARTNER_IMPORT) == [("2024-03-02T21:30:00.000Z", "SCHEDULED", "TASK_IS_PAUSED")]
    for task_id in inside:
        pause(api, task_id, False)
    after = advance_to(api, "2024-03-03T23:00:00Z")
    assert (after["runsStarted"], after["misfires"]) == (2, 0)
    assert runs(api, LOAD_CUSTOMERS)[-1] == ("2024-03-03T18:00:00.000Z", "SCHEDULED", "execution_successful")


def test_a_scheduled_plan_runs_and_a_paused_one_misfires(quiet):
    api = quiet
    put = api.client.put(f"/orchestration/executables/plans/{DAILY_PLAN}/run-config", headers=api.headers,
                         json={"trigger": daily("10:00")})
    assert put.status_code == 200
    advance_to(api, "2024-03-01T12:00:00Z")
    pause(api, DAILY_PLAN, kind="plans")
    advance_to(api, "2024-03-02T12:00:00Z")
    history = api.get(f"/processing/executables/plans/{DAILY_PLAN}/executions").json["items"]
    assert [(h["executionType"], h.get("misfiredExecutionReason")) for h in history] == [
        ("SCHEDULED", "PLAN_EXECUTIONS_PAUSED"), ("SCHEDULED", None)]
    assert runs(api, LOAD_CUSTOMERS)[0][1] == "PLAN"  # its first step ran


def test_schedules_fire_in_every_account():
    isolated = make_app(auth="isolated")
    a, b = Api(isolated, {"Authorization": "Bearer a"}), Api(isolated, {"Authorization": "Bearer b"})
    configure(a, LOAD_CUSTOMERS, daily("10:00"))
    configure(b, LOAD_CUSTOMERS, daily("11:00"))
    server = a.client.post("/_mocktmc/clock/advance", json={"seconds": 3 * 3600}).json
    assert server["runsStarted"] == 0  # isolated accounts have clocks of their own, which the server's leaves
    for api in (a, b):  # a clock call bearing an account's token moves that account's clock
        moved = api.client.post("/_mocktmc/clock/advance", json={"seconds": 3 * 3600}, headers=api.headers).json
        assert moved["runsStarted"] == 1 and moved["own"] is True
    assert runs(a, LOAD_CUSTOMERS)[0][0] == "2024-03-01T10:00:00.000Z"
    assert runs(b, LOAD_CUSTOMERS)[0][0] == "2024-03-01T11:00:00.000Z"


# --- the clock --------------------------------------------------------------------------------

def test_the_clock_can_be_set_frozen_and_resumed(api):
    client = api.client
    moved = client.put("/_mocktmc/clock", json={"now": "2024-03-02T00:00:00Z", "rate": 60})
    assert moved.status_code == 200 and moved.json["rate"] == 60 and not moved.json["frozen"]
    assert moved.json["now"].startswith("2024-03-02T00:00")
    frozen = client.post("/_mocktmc/clock/freeze").json
    assert frozen["frozen"] and frozen["rate"] == 0
    resumed = client.post("/_mocktmc/clock/resume").json
    assert resumed["rate"] == 60
    assert client.put("/_mocktmc/clock", json={"rate": 0}).json["frozen"]


@pytest.mark.parametrize("method, path, body, status, says", [
    ("post", "/_mocktmc/clock/advance", {"seconds": -1}, 409,
     "The mock clock only moves forward: cannot advance it by -1 s"),
    ("post", "/_mocktmc/clock/advance", {"to": "2024-02-01T00:00:00Z"}, 409,
     "The mock clock only moves forward: 2024-02-01T00:00:00+00:00 is before the current mock time"),
    ("put", "/_mocktmc/clock", {"now": "2024-02-01T00:00:00Z"}, 409,
     "The mock clock only moves forward: 2024-02-01T00:00:00+00:00 is before the current mock time"),
    ("put", "/_mocktmc/clock", {"now": "2024-02-01T00:00:00Z", "rate": 5}, 409,
     "The mock clock only moves forward: 2024-02-01T00:00:00+00:00 is before the current mock time"),
    ("put", "/_mocktmc/clock", {}, 400, "Send 'now' (a date-time or epoch ms), 'rate' (a number >= 0), or both"),
    ("put", "/_mocktmc/clock", {"rate": -2}, 400, "'rate': -2 is less than the minimum of 0"),
    ("put", "/_mocktmc/clock", {"now": "tomorrow"}, 400, "'now': 'tomorrow' is not valid"),
    ("put", "/_mocktmc/clock", {"now": "2024-04-01T00:00:00Z", "rate": "fast"}, 400,
     "'rate': 'fast' is not of type 'number'"),
    ("post", "/_mocktmc/clock/advance", {"seconds": 1, "to": "2024-04-01T00:00:00Z"}, 400,
     "Send exactly one of 'seconds' (a number) or 'to'"),
])
def test_moving_the_clock_backwards_or_badly_changes_nothing(api, method, path, body, status, says):
    before = api.client.get("/_mocktmc/clock").json
    response = getattr(api.client, method)(path, json=body)
    assert_error(response, status, says)
    assert api.client.get("/_mocktmc/clock").json == before


# --- webhooks ---------------------------------------------------------------------------------

def webhook(api, task_id, **settings):
    trigger = {"type": "WEBHOOK", "startDate": "2024-03-01", "timeZone": "UTC",
               "webhook": {"name": "on_upload", **settings}}
    return configure(api, task_id, trigger)["trigger"]["webhook"]["url"]


def test_calling_a_webhook_starts_a_run_with_the_payload(api):
    url = webhook(api, LOAD_CUSTOMERS)
    path = url.removeprefix("http://localhost")
    config = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").json
    assert config["trigger"]["startDate"] == "2024-03-01" and config["trigger"]["timeZone"] == "UTC"
    called = api.client.post(path, data='{"file": "a.csv"}', content_type="application/json")
    assert called.status_code == 204
    run = api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json["items"][0]
    assert run["executionType"] == "WEBHOOK" and run["triggerTimestamp"] == "2024-03-01T09:00:00.000Z"
    world = api.app.extensions["mocktmc"].accounts.default_world
    assert json.loads(world.executions[run["executionId"]].parameters["resource_webhook_payload"]) == [
        {"data": '{"file": "a.csv"}', "type": "application/json"}]
    assert_error(api.client.post(path.replace(path.rsplit("/", 1)[1], "nope"), data="x",
                                 content_type="text/plain"),
                 404, "Unknown webhook address")


def test_webhook_calls_are_gathered_by_count_or_by_time(api):
    path = webhook(api, LOAD_CUSTOMERS, triggerCalls=3, triggerTimeout=60).removeprefix("http://localhost")
    for n in (1, 2):
        api.client.post(path, data=f"n={n}", content_type="application/x-www-form-urlencoded")
    assert runs(api, LOAD_CUSTOMERS) == []
    api.client.post(path, data="three", content_type="text/plain")
    assert len(runs(api, LOAD_CUSTOMERS)) == 1  # the third call closes the window
    api.client.post(path, data="<a/>", content_type="application/xml")
    assert api.advance(59)["runsStarted"] == 0
    assert api.advance(1)["runsStarted"] == 1  # a minute after the first call of the window
    world = api.app.extensions["mocktmc"].accounts.default_world
    payloads = [json.loads(run.parameters["resource_webhook_payload"]) for run in world.executions.values()]
    assert payloads == [[{"data": "n=1", "type": "application/x-www-form-urlencoded"},
                         {"data": "n=2", "type": "application/x-www-form-urlencoded"},
                         {"data": "three", "type": "text/plain"}],
                        [{"data": "<a/>", "type": "application/xml"}]]


def test_webhook_addresses_are_kept_renewed_and_dropped(api):
    first = webhook(api, LOAD_CUSTOMERS)
    assert webhook(api, LOAD_CUSTOMERS) == first  # setting the trigger again keeps the address
    renewed = webhook(api, LOAD_CUSTOMERS, newUrl=True)
    assert renewed != first
    assert_error(api.client.post(first.removeprefix("http://localhost"), data="x",
                                 content_type="text/plain"),
                 404, "Unknown webhook address")
    pause(api, LOAD_CUSTOMERS)
    assert api.client.post(renewed.removeprefix("http://localhost"), data="x",
                           content_type="text/plain").status_code == 204
    assert runs(api, LOAD_CUSTOMERS) == [("2024-03-01T09:00:00.000Z", "WEBHOOK", "TASK_IS_PAUSED")]
    wrong_type = api.client.post(renewed.removeprefix("http://localhost"), data=b"\x00", content_type="image/png")
    assert_error(wrong_type, 415, "Content-Type must be application/json or application/xml", "got image/png")
    assert len(runs(api, LOAD_CUSTOMERS)) == 1
    not_utf8 = api.client.post(renewed.removeprefix("http://localhost"), data=b"\xff", content_type="text/plain")
    assert_error(not_utf8, 400, "A webhook payload must be UTF-8 text")
    assert len(runs(api, LOAD_CUSTOMERS)) == 1
    assert api.delete(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").status_code == 204
    assert_error(api.client.post(renewed.removeprefix("http://localhost"), data="x",
                                 content_type="text/plain"),
                 404, "Unknown webhook address")


@pytest.mark.parametrize("settings", [{"triggerCalls": 0}, {"triggerTimeout": "soon"}, {"name": " "}])
def test_bad_webhook_settings_are_refused(api, settings):
    trigger = {"type": "WEBHOOK", "startDate": "2024-03-01", "timeZone": "UTC", "webhook": {"name": "hook", **settings}}
    response = api.client.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config", headers=api.headers,
                              json={"trigger": trigger, "runtime": {"type": "CLOUD"}})
    assert response.status_code == 400 and "webhook" in response.json["detail"]


# --- fixtures ---------------------------------------------------------------------------------

def test_a_fixture_trigger_is_checked_where_it_is_written():
    text = """\
environments:
  - name: Dev
    workspaces:
      - name: WS
        artifacts: [{name: job, versions: ["1.0"]}]
        tasks:
          - name: T
            artifact: job
            trigger: {type: DAILY, startDate: "2024-01-01", timeZone: Mars/Olympus,
                      atTimes: {type: AT_TIME, time: "02:00"}}
"""
    from mocktmc.domain.fixtures import build_world
    with pytest.raises(FixtureError, match=r"w.yaml:9: environments\[0\].workspaces\[0\].tasks\[0\].trigger: "
                                           r"trigger.timeZone"):
        build_world(parse_fixture(text, "w.yaml"), "acc", datetime(2024, 1, 1, tzinfo=timezone.utc), 0)
