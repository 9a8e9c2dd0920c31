"""Deliberate defects: each one has its effect when switched on, and the same scenario on a healthy mock does not.

The project's usual client checks every response against the contracts and raises on a violation; defects
break contracts on purpose, so these tests use Flask's plain test client.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from mocktmc.cli import main
from mocktmc.config import Settings
from mocktmc.defect_catalog import DEFECTS
from mocktmc.testing import MockTMC

from .conftest import (ARCHIVE_LOGS, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, Api,
                       make_app)
from .errors import assert_error

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
TASK = f"/orchestration/executables/tasks/{ARCHIVE_LOGS}"  # no plan uses it: it can be deleted


def mock(*defects: str, **settings) -> Api:
    app = make_app(defects=defects, **settings)
    app.test_client_class = FlaskClient  # answers that break their contract are the point here
    return Api(app)


def both(defect: str, **settings) -> tuple[Api, Api]:
    """(a healthy mock, one with the defect), in the same demo world."""
    return mock(**settings), mock(defect, **settings)


def well_formed(response) -> object:
    """The JSON body, after checking that a rewritten answer is still valid JSON of the length it announces."""
    assert int(response.headers["Content-Length"]) == len(response.data)
    return json.loads(response.data)


# --- the registry, Settings, the command line ------------------------------------------------------
def test_there_are_ten_defects_each_described():
    assert list(DEFECTS) == ["wrong_type", "missing_required_field", "wrong_status", "use_after_free",
                             "never_finishes", "endless_log_pages", "pause_ignored", "server_error_on_bad_body",
                             "quirks_reversed", "permissions_ignored"]
    assert all(description and "\n" not in description for description in DEFECTS.values())


def test_settings_take_any_iterable_of_known_names_as_a_tuple():
    assert Settings().defects == ()
    assert Settings(defects=["wrong_type", "wrong_status", "wrong_type"]).defects == ("wrong_type", "wrong_status")
    assert Settings(defects=iter({"never_finishes"})).defects == ("never_finishes",)
    assert Settings(defects="pause_ignored").defects == ("pause_ignored",)


def test_an_unknown_defect_is_a_value_error_naming_it_and_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown defect 'nope'.*wrong_type.*server_error_on_bad_body"):
        Settings(defects=["wrong_type", "nope"])
    with pytest.raises(ValueError, match="nope"):
        MockTMC(defects=["nope"])


def test_serve_refuses_an_unknown_defect_as_a_usage_error():
    result = CliRunner().invoke(main, ["serve", "--defect", "nope"])
    assert result.exit_code == 2
    assert "Invalid value for '--defect'" in result.output and "wrong_type" in result.output


def test_serve_reads_defects_from_the_environment_too():
    result = CliRunner().invoke(main, ["serve"], env={"MOCKTMC_DEFECTS": "wrong_type nope"})
    assert result.exit_code == 2 and "'nope' is not one of" in result.output


def test_the_defects_command_lists_all_ten_with_their_descriptions():
    result = CliRunner().invoke(main, ["defects"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(DEFECTS) == 10
    for line, (name, description) in zip(lines, DEFECTS.items()):
        assert line.startswith(name) and line.endswith(description)


# --- wrong_type --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, query", [
    ("/orchestration/executables/tasks", {"environmentId": DEV_ENV}),
    (f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", {}),
])
def test_wrong_type_gives_a_page_total_as_a_string(path, query):
    healthy, broken = both("wrong_type")
    expected = healthy.get(path, query_string=query).json
    assert isinstance(expected["total"], int) and expected["total"] >= 0
    response = broken.get(path, query_string=query)
    assert response.status_code == 200
    assert well_formed(response) == {**expected, "total": str(expected["total"])}


def test_wrong_type_leaves_other_bodies_and_the_control_plane_alone():
    broken = mock("wrong_type")
    assert broken.get("/orchestration/environments").json == mock().get("/orchestration/environments").json
    assert isinstance(broken.client.get("/_mocktmc/requests").json, list)


# --- missing_required_field -------------------------------------------------------------------------
def test_missing_required_field_lists_environments_without_their_id():
    healthy, broken = both("missing_required_field")
    expected = healthy.get("/orchestration/environments").json
    assert [env["id"] for env in expected] == [DEV_ENV, "65f1a0c2e4b0a1b2c3d40002"]
    response = broken.get("/orchestration/environments")
    assert response.status_code == 200
    assert well_formed(response) == [{k: v for k, v in env.items() if k != "id"} for env in expected]


# --- wrong_status -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path, body", [
    ("/processing/executions", {"executable": LOAD_CUSTOMERS}),
    ("/orchestration/workspaces", {"environmentId": DEV_ENV, "name": "Finance", "owner": "alice@demo.mocktmc.local"}),
    ("/orchestration/schedules", {"environmentId": DEV_ENV, "trigger": {
        "name": "morning", "type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
        "atTimes": {"type": "AT_TIME", "time": "06:00"}}}),
])
def test_wrong_status_answers_a_creation_with_200(path, body):
    healthy, broken = both("wrong_status")
    created = healthy.post(path, json=body)
    assert created.status_code == 201, created.json
    response = broken.post(path, json=body)
    assert response.status_code == 200 and response.json == created.json


def test_wrong_status_keeps_201_where_the_contract_also_declares_200():
    broken = mock("wrong_status")
    response = broken.post("/orchestration/connections", json={"workspaceId": DEV_SALES_WS, "name": "warehouse",
                                                               "app": "PostgreSQL", "parameters": []})
    assert response.status_code == 201  # POST /orchestration/connections declares 200 as well: not a bug there


def test_a_defect_answer_survives_validate_all_and_the_journal_records_it():
    """--validate all checks the world's own answer; the defect acts after the check, not into a 500."""
    healthy, broken = both("wrong_status", validate="all")
    assert healthy.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert broken.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 200
    journal = broken.client.get("/_mocktmc/requests", query_string={"path": "/processing/executions"}).json
    assert [entry["status"] for entry in journal] == [200]


# --- use_after_free ---------------------------------------------------------------------------------
def test_use_after_free_keeps_a_deleted_task_readable_by_id():
    healthy, broken = both("use_after_free")
    before = broken.get(TASK)
    assert before.status_code == 200
    for api in (healthy, broken):
        assert api.delete(TASK).status_code == 204
        listed = api.get("/orchestration/executables/tasks", query_string={"environmentId": DEV_ENV}).json
        assert ARCHIVE_LOGS not in [item["id"] for item in listed["items"]]  # lists still omit it
    assert_error(healthy.get(TASK), 404, f"Task {ARCHIVE_LOGS} not found")
    ghost = broken.get(TASK)
    assert ghost.status_code == 200 and ghost.json == before.json
    assert ghost.headers["Content-Type"] == before.headers["Content-Type"]


def test_use_after_free_needs_a_successful_delete_and_ends_with_the_world():
    broken = mock("use_after_free")
    missing = "/orchestration/executables/tasks/65f1a0c2e4b0a1b2c3d4ffff"
    assert_error(broken.delete(missing), 404, "Task 65f1a0c2e4b0a1b2c3d4ffff not found")
    assert_error(broken.get(missing), 404, "Task 65f1a0c2e4b0a1b2c3d4ffff not found")
    connection = "/orchestration/connections/65f1a0c2e4b0a1b2c3d44002"  # partner-sftp
    assert broken.delete(connection).status_code == 204
    assert broken.get(connection).status_code == 200
    assert broken.client.post("/_mocktmc/fixtures", data="account: {name: Empty}\n",
                              content_type="application/yaml").status_code == 200
    assert_error(broken.get(connection), 404, "Connection 65f1a0c2e4b0a1b2c3d44002 not found")  # a new world: no ghosts


# --- never_finishes ---------------------------------------------------------------------------------
def test_never_finishes_keeps_a_run_executing_until_terminated():
    outcomes = []
    for mocktmc in (MockTMC(), MockTMC(defects=["never_finishes"])):
        client = mocktmc.client()
        started = client.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "timeout": 1})
        run = f"/processing/executions/{started.json()['executionId']}"
        mocktmc.clock.advance(days=1)  # long past its natural end (seconds) and its timeout (a minute)
        outcomes.append(client.get(run).json()["executionStatus"])
    assert outcomes == ["EXECUTION_SUCCESS", "STARTING_FLOW_EXECUTION"]  # the second is still executing
    assert client.delete(run).status_code == 204  # terminating still works
    mocktmc.clock.advance(minutes=1)
    assert client.get(run).json()["executionStatus"] == "EXECUTION_TERMINATED"


@pytest.mark.parametrize("how", ["reset", "restore", "isolated account"])
def test_every_world_of_the_server_has_the_domain_defects(how):
    broken = MockTMC(defects=["never_finishes"], auth="isolated" if how == "isolated account" else "open")
    if how == "reset":
        broken.reset()
    elif how == "restore":
        broken.restore(broken.snapshot())
    client = broken.client("someone-new" if how == "isolated account" else None)
    run_id = client.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    # an isolated account has a clock of its own: its bound control moves it
    (broken.for_token("someone-new") if how == "isolated account" else broken).clock.advance(hours=1)
    assert client.get(f"/processing/executions/{run_id}").json()["status"] == "executing"


# --- endless_log_pages ------------------------------------------------------------------------------
def test_endless_log_pages_always_answers_a_next_index():
    healthy, broken = both("endless_log_pages")
    pages = []
    for api in (healthy, broken):
        run_id = api.execute(LOAD_CUSTOMERS)
        api.advance(60)
        logs = f"/monitoring/executions/{run_id}/logs"
        pages.append([well_formed(api.get(logs, query_string={"count": 200, "startIndex": start}))
                      for start in (0, 200)])
    (last, empty), (last_broken, empty_broken) = pages
    assert last["data"] and "nextIndex" not in last and not empty["data"] and "nextIndex" not in empty
    assert {**last_broken, "nextIndex": None} == {**last, "nextIndex": None} and last_broken["nextIndex"] == 200
    assert not empty_broken["data"] and empty_broken["nextIndex"] == 400  # a client following it never stops


def test_endless_log_pages_counts_from_the_default_page_size():
    broken = mock("endless_log_pages")
    run_id = broken.execute(LOAD_CUSTOMERS)
    assert broken.get(f"/monitoring/executions/{run_id}/logs").json["nextIndex"] == 50


# --- pause_ignored ----------------------------------------------------------------------------------
def _scheduled_then_paused(api: Api, kind: str, executable: str) -> dict:
    """The executable runs daily at 10:00 UTC and is paused; the clock passes two occurrences."""
    assert api.delete(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/run-config").status_code == 204
    trigger = {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
               "atTimes": {"type": "AT_TIME", "time": "10:00"}}
    body = {"trigger": trigger, **({"runtime": {"type": "CLOUD"}} if kind == "tasks" else {})}
    assert api.client.put(f"/orchestration/executables/{kind}/{executable}/run-config", headers=api.headers,
                          json=body).status_code == 200
    assert api.client.put(f"/orchestration/executables/{kind}/{executable}/pause", headers=api.headers,
                          json={"pause": True}).status_code == 202
    return api.client.post("/_mocktmc/clock/advance", json={"to": "2024-03-02T12:00:00Z"}).json


def test_pause_ignored_runs_a_paused_task_on_its_schedule():
    healthy, broken = both("pause_ignored")
    moved = _scheduled_then_paused(healthy, "tasks", LOAD_CUSTOMERS)
    assert (moved["runsStarted"], moved["misfires"]) == (0, 2)
    moved = _scheduled_then_paused(broken, "tasks", LOAD_CUSTOMERS)
    assert (moved["runsStarted"], moved["misfires"]) == (2, 0)
    history = broken.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json["items"]
    assert [run["status"] for run in history] == ["execution_successful"] * 2
    # Pausing still holds otherwise: GET shows it, and a client's run is still refused.
    assert broken.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json["taskPauseDetails"]["pause"]
    assert_error(broken.post("/processing/executions", json={"executable": ARCHIVE_LOGS}),
                 405, "Current Task is paused, it can't be executed", f"Task {ARCHIVE_LOGS} is paused")


def test_pause_ignored_runs_a_paused_plan_on_its_schedule():
    reasons = []
    for api in both("pause_ignored"):
        _scheduled_then_paused(api, "plans", DAILY_PLAN)
        history = api.get(f"/processing/executables/plans/{DAILY_PLAN}/executions").json["items"]
        reasons.append([run.get("misfiredExecutionReason") for run in history])
    assert reasons == [["PLAN_EXECUTIONS_PAUSED"] * 2, [None, None]]


# --- server_error_on_bad_body -----------------------------------------------------------------------
@pytest.mark.parametrize("data, content_type, status, says", [
    ('{"executable": ', "application/json", 400, "The request body is not valid JSON"),  # JSON that does not parse
    (json.dumps({"executable": 5}), "application/json", 400, "'executable': 5 is not of type 'string'"),
    ("executable=x", "text/plain", 415, "Content-Type must be application/json, got text/plain"),
])
def test_server_error_on_bad_body_answers_500_instead(data, content_type, status, says):
    healthy, broken = both("server_error_on_bad_body")
    assert_error(healthy.post("/processing/executions", data=data, content_type=content_type), status, says)
    response = broken.post("/processing/executions", data=data, content_type=content_type)
    body = well_formed(response)
    assert response.status_code == 500 and body["status"] == 500
    assert body["message"] == "Internal Server Error" and "server_error_on_bad_body" in body["detail"]
    assert body["requestId"]


def test_server_error_on_bad_body_leaves_other_400s_alone():
    broken = mock("server_error_on_bad_body")
    # A body the contract allows that the mock refuses, like TMC, for a field it does not know.
    response = broken.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "bogus": 1})
    assert response.status_code == 400 and "bogus" in response.json["detail"]
    assert_error(broken.get("/orchestration/executables/tasks", query_string={"limit": "x"}),
                 400, "Query parameter 'limit' must be an integer, got 'x'")
    # The control plane is not the TMC API, and a fault's answer is the fault's.
    assert_error(broken.client.post("/_mocktmc/clock/advance", data="{", content_type="application/json"),
                 400, "The request body is not valid JSON")
    assert broken.client.post("/_mocktmc/faults", json={"path": "/processing/executions", "status": 400,
                                                        "times": 1}).status_code == 201
    assert_error(broken.post("/processing/executions", data="{", content_type="application/json"),
                 400, "Injected by mocktmc fault rule fault-1")
    assert broken.post("/processing/executions", data="{", content_type="application/json").status_code == 500


# --- permissions_ignored ------------------------------------------------------------------------------
def test_permissions_ignored_lets_a_refused_request_go_ahead():
    """The demo viewer (VIEW only on the Sales workspaces) may not run a task: a healthy mock answers 403 and no
    run is made; with the defect the run starts. Lists stay cut down to what the caller may see."""
    for defects, status in (((), 403), (("permissions_ignored",), 201)):
        mock = MockTMC(fixtures="default", auth="strict", defects=list(defects))
        viewer = mock.client("mocktmc-demo-pat-viewer")
        runs = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
        before = mock.client("mocktmc-demo-pat-alice").get(runs, params={"limit": 100}).json()["total"]
        answer = viewer.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
        if status == 403:
            assert_error(answer, 403, "needs EXECUTE permission on workspace")
        else:
            assert answer.status_code == 201, (defects, answer.text)
        after = mock.client("mocktmc-demo-pat-alice").get(runs, params={"limit": 100}).json()["total"]
        assert after == before + (status == 201), defects
        listed = viewer.get("/orchestration/workspaces").json()
        assert "65f1a0c2e4b0a1b2c3d40102" not in {ws["id"] for ws in listed}, defects  # alice's Personal one
