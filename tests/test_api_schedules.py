"""Schedules: the published trigger rules, clone, orphan-only delete, simulation, links to tasks and plans."""
from datetime import datetime, timezone

import pytest

from mocktmc.domain.common.timeutil import to_ms

from .conftest import DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, PROD_ENV, SYNC_ORDERS
from .errors import assert_error

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
PROD_TASK = "65f1a0c2e4b0a1b2c3d42101"


def morning(name="morning", time="06:00"):
    return {"name": name, "type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
            "atTimes": {"type": "AT_TIME", "time": time}}


def ms(text):
    return to_ms(datetime.fromisoformat(text).replace(tzinfo=timezone.utc))


def create(api, trigger=None, environment=DEV_ENV, description="nightly jobs"):
    response = api.post("/orchestration/schedules", json={"environmentId": environment,
                                                           "trigger": trigger or morning(), "description": description})
    assert response.status_code == 201, response.json
    return response.json["id"]


def call(api, method, path, body=None):
    return api.client.open(path, method=method, headers=api.headers, json=body)


def test_create_get_list_clone_describe_delete(api):
    schedule_id = create(api)
    schedule = api.get(f"/orchestration/schedules/{schedule_id}").json
    assert schedule["environmentId"] == DEV_ENV and [t["name"] for t in schedule["triggers"]] == ["morning"]
    assert "executableId" not in schedule
    copy = call(api, "POST", f"/orchestration/schedules/{schedule_id}", {}).json["id"]
    assert api.get(f"/orchestration/schedules/{copy}").json["description"] == "copy of nightly jobs"
    assert call(api, "PATCH", f"/orchestration/schedules/{copy}", {"description": "spare"}).status_code == 204
    page = api.get("/orchestration/schedules", query_string={"descriptionFilter": "^night"}).json
    assert (page["total"], page["items"][0]["id"]) == (1, schedule_id)
    assert api.get("/orchestration/schedules", query_string={"environmentId": PROD_ENV}).json["total"] == 0
    assert_error(api.get("/orchestration/schedules", query_string={"descriptionFilter": "("}),
                 400, "Query parameter 'descriptionFilter' is not a valid regular expression")
    assert api.delete(f"/orchestration/schedules/{copy}").status_code == 204
    assert_error(api.get(f"/orchestration/schedules/{copy}"), 404, f"Schedule {copy} not found")


def test_trigger_rules(api):
    schedule_id = create(api)
    triggers = f"/orchestration/schedules/{schedule_id}/triggers"
    assert call(api, "POST", triggers, morning("evening", "18:00")).status_code == 200
    duplicate_name = call(api, "POST", triggers, morning("evening", "20:00"))
    assert duplicate_name.status_code == 409 and "unique" in duplicate_name.json["detail"]
    same_events = call(api, "POST", triggers, morning("again", "18:00"))
    assert same_events.status_code == 409 and "same events" in same_events.json["detail"]
    too_close = call(api, "POST", triggers, morning("close", "18:03"))
    assert too_close.status_code == 409 and "5 minutes" in too_close.json["detail"]
    for hour in range(13):
        assert call(api, "POST", triggers, morning(f"h{hour}", f"{hour:02d}:30")).status_code == 200
    assert len(api.get(f"/orchestration/schedules/{schedule_id}").json["triggers"]) == 15
    sixteenth = call(api, "POST", triggers, morning("sixteenth", "23:45"))
    assert sixteenth.status_code == 400 and "15" in sixteenth.json["detail"]
    assert call(api, "PUT", triggers, morning("evening", "19:00")).status_code == 200
    assert_error(call(api, "PUT", triggers, morning("nope", "19:00")), 400, "The schedule has no trigger named 'nope'")
    assert api.client.delete(triggers + "?name=evening", headers=api.headers).status_code == 204
    assert_error(api.client.delete(triggers + "?name=evening", headers=api.headers),
                 400, "The schedule has no trigger named 'evening'")
    assert_error(api.client.delete(triggers, headers=api.headers), 400, "Query parameter 'name' is required")
    assert len(api.get(f"/orchestration/schedules/{schedule_id}").json["triggers"]) == 14


def test_a_trigger_firing_every_two_minutes_breaks_the_spacing_rule(api):
    response = api.post("/orchestration/schedules", json={"environmentId": DEV_ENV, "trigger": {
        "name": "busy", "type": "CRON", "cronExpression": "*/2 * * * *"}})
    assert response.status_code == 400 and "5 minutes" in response.json["detail"]  # creation publishes no 409
    assert api.get("/orchestration/schedules").json["total"] == 0


def test_simulation_names_the_trigger_of_each_event(api):
    schedule_id = create(api)
    call(api, "POST", f"/orchestration/schedules/{schedule_id}/triggers", morning("evening", "18:00"))
    events = api.get(f"/orchestration/schedules/{schedule_id}/events",
                     query_string={"from": ms("2024-03-02T00:00:00"), "to": ms("2024-03-03T23:00:00")}).json
    assert events == [{"datetime": "2024-03-02T06:00:00.000Z", "sourceTriggerName": "morning"},
                      {"datetime": "2024-03-02T18:00:00.000Z", "sourceTriggerName": "evening"},
                      {"datetime": "2024-03-03T06:00:00.000Z", "sourceTriggerName": "morning"},
                      {"datetime": "2024-03-03T18:00:00.000Z", "sourceTriggerName": "evening"}]
    paged = api.get(f"/orchestration/schedules/{schedule_id}/events",
                    query_string={"to": ms("2024-03-03T23:00:00"), "offset": 1, "limit": 1}).json
    assert len(paged) == 1
    assert_error(api.get(f"/orchestration/schedules/{schedule_id}/events"), 400, "Query parameter 'to' is required")


def test_link_a_task_and_read_its_events(api):
    api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/run-config")  # the demo's own schedule
    schedule_id = create(api)
    path = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/schedule"
    assert_error(api.get(path), 404, "No schedule is associated with 'Load customers'")
    assert call(api, "PUT", path, {"scheduleId": schedule_id}).status_code == 200
    assert api.get(path).json["executableId"] == LOAD_CUSTOMERS and api.get(path).json["executableType"] == "TASK"
    config = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").json
    assert config["trigger"]["type"] == "MULTIPLE"
    events = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config/events",
                     query_string={"to": ms("2024-03-03T00:00:00")}).json
    assert events["items"] == ["2024-03-02T06:00:00.000Z"]
    found = api.post("/orchestration/executables/events/search",
                     json={"environmentId": DEV_ENV, "to": ms("2024-03-03T00:00:00")}).json["items"]
    assert found == [{"id": LOAD_CUSTOMERS, "sourceTriggerName": "morning", "date": "2024-03-02T06:00:00.000Z",
                      "type": "TASK"}]
    # One executable per schedule; a linked schedule cannot be deleted.
    taken = call(api, "PUT", f"/orchestration/executables/tasks/{SYNC_ORDERS}/schedule", {"scheduleId": schedule_id})
    assert_error(taken, 403, "Schedule is already assigned to another task or plan")
    assert_error(api.get(f"/orchestration/executables/tasks/{SYNC_ORDERS}/schedule"),
                 404, "No schedule is associated with 'Sync orders'")  # the refused link left nothing
    assert_error(api.delete(f"/orchestration/schedules/{schedule_id}"),
                 409, "The schedule is currently in use for an executable")
    assert api.delete(path).status_code == 204
    assert_error(api.delete(path), 404, "No schedule is associated with 'Load customers'")
    assert api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").json["trigger"]["type"] == "MANUAL"
    assert api.delete(f"/orchestration/schedules/{schedule_id}").status_code == 204


def test_link_rules_for_plans_and_environments(api):
    schedule_id = create(api)
    plan_path = f"/orchestration/executables/plans/{DAILY_PLAN}/schedule"
    assert call(api, "PUT", plan_path, {"scheduleId": schedule_id}).status_code == 200
    assert api.get(plan_path).json["executableType"] == "PLAN"
    # A run configuration of its own replaces the linked schedule.
    trigger = {k: v for k, v in morning().items() if k != "name"}
    assert call(api, "PUT", f"/orchestration/executables/plans/{DAILY_PLAN}/run-config",
                {"trigger": trigger}).status_code == 200
    assert_error(api.get(plan_path), 404, "No schedule is associated with 'Daily sales pipeline'")
    cross = call(api, "PUT", f"/orchestration/executables/tasks/{PROD_TASK}/schedule", {"scheduleId": schedule_id})
    assert cross.status_code == 400 and "environment" in cross.json["detail"]
    assert_error(call(api, "PUT", f"/orchestration/executables/tasks/{PROD_TASK}/schedule",
                      {"scheduleId": "nope"}),
                 404, "Schedule nope not found")


@pytest.mark.parametrize("trigger, status, says", [
    ({"name": "x", "type": "WEBHOOK"}, 400, "'trigger.type': 'WEBHOOK' is not one of"),
    ({"type": "DAILY"}, 400, "'trigger': 'name' is a required property"),
    ({"name": "x", "type": "DAILY", "atTimes": {"type": "AT_TIME", "time": "9am"}}, 400,
     "trigger.atTimes.time: must be a time HH:mm, got '9am'"),
])
def test_bad_schedules(api, trigger, status, says):
    assert_error(api.post("/orchestration/schedules", json={"environmentId": DEV_ENV, "trigger": trigger}),
                 status, says)
    assert_error(api.post("/orchestration/schedules", json={"environmentId": "nope", "trigger": morning()}),
                 400, "Environment nope does not exist")
