"""Corrections found by running real clients against the mock: what they send is taken, and what they get
keeps to the contract (the mocks here check their own answers: validate="all")."""
from __future__ import annotations

import pytest
import requests

from mocktmc import MockTMC

from .conftest import ARCHIVE_LOGS, BASE_WORLD, LOAD_CUSTOMERS, START, mock_tmc

ENGINE = "65f1a0c2e4b0a1b2c3d45001"  # onprem-re-1, the demo world's paired remote engine


@pytest.fixture
def mock() -> MockTMC:
    return mock_tmc(fixtures=BASE_WORLD, validate="all", start=START)


# --- a MANUAL or WEBHOOK trigger without startDate and timeZone -----------------------------------
@pytest.mark.parametrize("path", ["/orchestration/executables/tasks/{id}/run-config",
                                  "/tmc/v2.6/executables/tasks/{id}/run-config"])
def test_a_manual_trigger_needs_no_start_date_or_time_zone(mock, path):
    session = mock.client()
    body = {"runtime": {"id": ENGINE, "type": "REMOTE_ENGINE"}, "trigger": {"type": "MANUAL"}}  # as a v2.6 client
    answer = session.put(path.format(id=LOAD_CUSTOMERS), json=body)
    assert answer.status_code in (200, 204), answer.text
    config = session.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config").json()
    assert config["trigger"] == {"type": "MANUAL", "startDate": START.date().isoformat(), "timeZone": "UTC"}
    assert config["runtime"]["id"] == ENGINE


def test_a_recurring_trigger_still_needs_its_start_date(mock):
    answer = mock.client().put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config", json={
        "runtime": {"type": "CLOUD"}, "trigger": {"type": "DAILY", "timeZone": "UTC",
                                                  "atTimes": {"type": "AT_TIME", "time": "02:00"}}})
    assert answer.status_code == 400 and "trigger.startDate" in answer.json()["detail"]


def test_a_plan_webhook_trigger_needs_no_start_date(mock):
    session = mock.client()
    plan = session.get("/orchestration/executables/plans").json()["items"][0]["executable"]
    answer = session.put(f"/orchestration/executables/plans/{plan}/run-config",
                         json={"trigger": {"type": "WEBHOOK", "webhook": {"name": "hook"}}})
    assert answer.status_code in (200, 204), answer.text
    trigger = session.get(f"/orchestration/executables/plans/{plan}/run-config").json()["trigger"]
    assert (trigger["type"], trigger["startDate"], trigger["timeZone"]) == ("WEBHOOK", START.date().isoformat(), "UTC")


# --- a paused task through the legacy API ------------------------------------------------------------
@pytest.mark.parametrize("path", ["/tmc/v2.6/executions", "/tmc/v2.3/executions", "/tmc/v1.2/executions"])
def test_executing_a_paused_task_through_legacy_paths_is_a_declared_405(mock, path):
    answer = mock.client().post(path, json={"executable": ARCHIVE_LOGS})
    assert answer.status_code == 405, answer.text  # not the 500 an undeclared status made under validate=all
    assert "paused" in answer.json()["details"].lower()


# --- the log download token, sent unquoted -------------------------------------------------------
@pytest.mark.parametrize("prefix", ["/monitoring/executions", "/tmc/v2.6/executions"])
@pytest.mark.parametrize("quoted", [True, False])
def test_the_download_token_may_come_unquoted(mock, prefix, quoted):
    session = mock.client()
    execution = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    mock.clock.advance(minutes=1)
    token = session.post(f"{prefix}/{execution}/logs").json()["token"]
    mock.clock.advance(seconds=5)
    body = f'"{token}"' if quoted else token
    answer = session.post(f"{prefix}/{execution}/logs/status", data=body,
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "READY"


@pytest.mark.parametrize("body, detail", [("{}", "must be a JSON string, got dict"), ("not a token!", "not valid JSON"),
                                          ("", "A JSON request body is required")])
def test_a_download_status_body_that_is_no_token_is_refused(mock, body, detail):
    session = mock.client()
    execution = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    answer = session.post(f"/monitoring/executions/{execution}/logs/status", data=body,
                          headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and detail in answer.json()["detail"], answer.text


# --- the head of an answer ------------------------------------------------------------------------
def test_bodiless_answers_carry_no_content_type_and_status_lines_read_as_standard():
    mock = MockTMC(validate="all")
    with mock.serve() as url:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer head-test"
        paused = session.put(f"{url}/orchestration/executables/tasks/{LOAD_CUSTOMERS}/pause", json={"pause": True},
                             timeout=10)
        assert (paused.status_code, paused.reason, paused.text) == (202, "Accepted", "")
        assert "Content-Type" not in paused.headers
        resumed = session.put(f"{url}/orchestration/executables/tasks/{LOAD_CUSTOMERS}/pause",
                              json={"pause": False}, timeout=10)
        assert resumed.status_code == 202 and "Content-Type" not in resumed.headers
        execution = session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS}, timeout=10)
        stopped = session.delete(f"{url}/processing/executions/{execution.json()['executionId']}", timeout=10)
        assert (stopped.status_code, stopped.reason) == (204, "No Content") and "Content-Type" not in stopped.headers
        bad = session.get(f"{url}/processing/executables/tasks/{LOAD_CUSTOMERS}/executions?limit=0", timeout=10)
        assert (bad.status_code, bad.reason) == (400, "Bad Request")
        assert bad.headers["Content-Type"] == "application/json"
        missing = session.get(f"{url}/orchestration/nothing-here", timeout=10)
        assert (missing.status_code, missing.reason) == (404, "Not Found")


# --- the history search page ---------------------------------------------------------------------
@pytest.mark.parametrize("asked, answered", [(1, 5), (4, 5), (5, 5), (20, 20)])
def test_a_history_search_page_holds_at_least_five(mock, asked, answered):
    session = mock.client()
    for _ in range(7):
        session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
        mock.clock.advance(minutes=1)
    environment = session.get("/orchestration/environments").json()[0]["id"]
    page = session.post("/monitoring/observability/executions/search",
                        json={"environmentId": environment, "category": "ETL", "limit": asked})
    assert page.status_code == 200, page.text  # the mock checked it against the published page (limit >= 5)
    assert page.json()["limit"] == answered and len(page.json()["items"]) == min(answered, 7)
