"""Run configurations: defaults, set, stop, and the triggers they accept."""
import pytest

from .conftest import DEV_ENV, LOAD_CUSTOMERS, NIGHTLY_REPORT, Api, make_app
from .errors import assert_error

PATH = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config"
CRON = {"type": "CRON", "cronExpression": "*/10 9 15 * ? 2027", "startDate": "2024-03-01",
        "timeZone": "Europe/Paris"}


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def test_a_task_never_configured_answers_the_published_defaults(api):
    config = api.get(PATH).json
    assert config["trigger"] == {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"}
    assert config["runtime"] == {"type": "CLOUD"}
    assert (config["logLevel"], config["parallelExecutionAllowed"]) == ("INFO", False)  # the demo sets INFO


def paired_engine(api) -> str:
    engine = api.post("/processing/runtimes/remote-engines", json={"name": "re", "environmentId": DEV_ENV}).json
    api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": engine["preAuthorizedKey"]})
    return engine["id"]


def test_set_then_read_then_stop(api):
    engine_id = paired_engine(api)
    body = {"trigger": CRON, "runtime": {"type": "REMOTE_ENGINE", "id": engine_id}, "logLevel": "ERROR",
            "timeout": 3, "parallelExecutionAllowed": True}
    response = put(api, PATH, body)
    assert response.status_code == 200
    assert response.json["trigger"] == CRON and response.json["runtime"] == {"type": "REMOTE_ENGINE", "id": engine_id}
    assert api.get(PATH).json == response.json
    run = api.run(api.execute(LOAD_CUSTOMERS))
    assert (run["executionDestination"], run["remoteEngineId"], run["timeout"]) == ("REMOTE_ENGINE", engine_id, 3)
    assert run["status"] == "dispatching"
    found = api.post("/orchestration/executables/tasks/search", json={"triggerType": "cron"}).json["items"]
    assert [t["executable"] for t in found] == [LOAD_CUSTOMERS]
    assert api.delete(PATH).status_code == 204
    assert api.get(PATH).json["trigger"]["type"] == "MANUAL"
    assert api.get(PATH).json["runtime"]["type"] == "REMOTE_ENGINE"  # stopping the schedule keeps the runtime


@pytest.mark.parametrize("trigger, field", [
    ({**CRON, "timeZone": "Mars/Base"}, "trigger.timeZone"),
    ({**CRON, "cronExpression": "61 * * * *"}, "trigger.cronExpression"),
    ({**CRON, "cronExpression": "* * *"}, "trigger.cronExpression"),
    ({**CRON, "startDate": "2024-02-30"}, "trigger.startDate"),
    ({"type": "WEEKLY", "startDate": "2024-03-01", "timeZone": "UTC", "atTimes": {"type": "AT_TIME", "time": "09:00"}},
     "trigger.atDays"),
    ({"type": "DAILY", "startDate": "2024-03-01", "timeZone": "UTC", "atTimes": {"type": "AT_TIME", "time": "25:00"}},
     "trigger.atTimes.time"),
    ({"type": "DAILY", "startDate": "2024-03-01", "timeZone": "UTC",
      "atTimes": {"type": "AT_INTERVALS", "startTime": "10:00", "endTime": "09:00", "interval": 5}},
     "trigger.atTimes.endTime"),
    ({"type": "WEBHOOK", "startDate": "2024-03-01", "timeZone": "UTC"}, "trigger.webhook"),
    ({"type": "MULTIPLE", "startDate": "2024-03-01", "timeZone": "UTC"}, "trigger.type"),
])
def test_bad_triggers_are_400_and_change_nothing(api, trigger, field):
    response = put(api, PATH, {"trigger": trigger, "runtime": {"type": "CLOUD"}})
    assert response.status_code == 400 and response.json["detail"].startswith(field), response.json
    assert api.get(PATH).json["trigger"]["type"] == "MANUAL"


def test_other_bad_run_configs(api):
    assert_error(put(api, PATH, {"trigger": CRON, "runtime": {"type": "REMOTE_ENGINE"}}),
                 400, "runtime.id is required for a REMOTE_ENGINE runtime")
    assert_error(put(api, PATH, {"trigger": CRON, "runtime": {"type": "CLOUD"}, "timeout": 0}),
                 400, "'timeout': 0 is less than the minimum of 1")
    assert_error(put(api, PATH, {"trigger": CRON}), 400, "'runtime' is a required property")
    assert_error(put(api, "/orchestration/executables/tasks/nope/run-config",
                     {"trigger": CRON, "runtime": {"type": "CLOUD"}}),
                 404, "Task nope not found")
    assert_error(api.get("/orchestration/executables/tasks/nope/run-config"), 404, "Task nope not found")


def test_dynamic_engine_run_config(api):
    path = f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/de-run-config"
    assert_error(api.get(path), 404, "Task 'Nightly report' has no Dynamic Engine run configuration")
    body = {"trigger": CRON, "runProfileId": "profile-1", "logLevel": "INFO"}
    assert put(api, path, body).json == body
    assert api.get(path).json == body
    assert api.delete(path).status_code == 204
    assert api.get(path).json["trigger"]["type"] == "MANUAL"
    assert_error(put(api, path, {"trigger": {**CRON, "timeZone": "x"}}),
                 400, "trigger.timeZone: must be a time zone such as Europe/Paris, got 'x'")
    assert api.get(path).json["trigger"]["type"] == "MANUAL"  # unchanged


def test_remote_engine_runtime_names_an_engine_of_the_account_and_its_profiles(api):
    assert_error(put(api, PATH, {"trigger": CRON, "runtime": {"type": "REMOTE_ENGINE", "id": "nope"}}),
                 400, "runtime.id: remote engine nope does not exist")
    engine_id = paired_engine(api)
    runtime = {"type": "REMOTE_ENGINE", "id": engine_id, "runProfileId": "nope"}
    assert_error(put(api, PATH, {"trigger": CRON, "runtime": runtime}),
                 400, f"runtime.runProfileId: nope is not a run profile of remote engine {engine_id}")
    assert api.get(PATH).json["runtime"] == {"type": "CLOUD"}


def test_a_run_on_an_unpaired_engine_misfires(api):
    engine_id = paired_engine(api)
    assert put(api, PATH, {"trigger": CRON, "runtime": {"type": "REMOTE_ENGINE", "id": engine_id}}).status_code == 200
    assert api.delete(f"/processing/runtimes/remote-engines/{engine_id}/pairing").status_code == 200
    run = api.run(api.execute(LOAD_CUSTOMERS))
    assert run["executionStatus"] == "EXECUTION_TERMINATED"
    assert run["misfiredExecutionReason"] == "REMOTE_ENGINE_UNAVAILABLE"


@pytest.mark.parametrize("field, value", [("timeout", "5"), ("lineage", "yes"), ("runProfileId", 7),
                                          ("parallelExecutionAllowed", "no")])
def test_without_validation_a_mistyped_dynamic_engine_field_is_a_400_and_not_kept(field, value):
    # The Dynamic Engine configuration is kept as sent: its schema is checked whatever --validate says.
    api = Api(make_app(validate="off"))
    path = f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/de-run-config"
    body = assert_error(put(api, path, {"trigger": CRON, field: value}), 400, f"Request body field {field!r}: ")
    assert body["detail"].startswith(f"Request body field {field!r}: "), body
    assert_error(api.get(path), 404, "has no Dynamic Engine run configuration")  # nothing was kept
