"""Every quirk (mocktmc/quirks.py) behaves as the service is observed to with --fidelity observed (the default),
and as the published documents say with --fidelity documented. The mocks here check their own answers against
the contracts (validate="all"), which admit both behaviours."""
from __future__ import annotations

import json
import subprocess
import sys

from datetime import timedelta

import pytest

from mocktmc import MockTMC
from mocktmc.quirks import FIDELITIES, QUIRKS, in_effect

from .conftest import BASE_WORLD, LOAD_CUSTOMERS, NIGHTLY_REPORT, SERVICE_ACCOUNT, SERVICE_SECRET, mock_tmc
from .errors import assert_error


@pytest.fixture(params=FIDELITIES)
def mock(request) -> MockTMC:
    return mock_tmc(fixtures=BASE_WORLD, validate="all", fidelity=request.param)


def observed(mock: MockTMC) -> bool:
    return mock.settings.fidelity == "observed"


# --- the catalog ---------------------------------------------------------------------------------
def test_every_quirk_has_its_evidence_and_both_behaviours():
    assert len(QUIRKS) == 10
    for quirk in QUIRKS.values():
        assert quirk.evidence and all(e.source and e.quote for e in quirk.evidence), quirk.name
        assert quirk.documented and quirk.observed and quirk.mock_observed and quirk.mock_documented
        assert quirk.check == f"quirk_{quirk.name}"
    assert in_effect("observed") == frozenset(QUIRKS) and in_effect("documented") == frozenset()
    with pytest.raises(ValueError, match="fidelity must be one of observed, documented"):
        in_effect("literal")


def test_mocktmc_quirks_lists_the_catalog_as_text_and_json():
    text = subprocess.run([sys.executable, "-m", "mocktmc", "quirks"], capture_output=True, text=True, check=True)
    listed = json.loads(subprocess.run([sys.executable, "-m", "mocktmc", "quirks", "--json"], capture_output=True,
                                       text=True, check=True).stdout)
    assert [entry["name"] for entry in listed] == list(QUIRKS)
    for quirk in QUIRKS.values():
        assert f"{quirk.name}: {quirk.title}" in text.stdout and quirk.evidence[0].quote in text.stdout
    assert listed[0]["evidence"][0]["source"] and listed[0]["check"] == f"quirk_{listed[0]['name']}"


def test_health_says_the_fidelity(mock):
    assert mock.health()["fidelity"] == mock.settings.fidelity


def test_an_unknown_fidelity_is_refused():
    with pytest.raises(ValueError, match="fidelity must be one of observed, documented, got 'literal'"):
        MockTMC(fidelity="literal")
    refused = subprocess.run([sys.executable, "-m", "mocktmc", "serve", "--fidelity", "literal"],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "'literal' is not one of 'observed', 'documented'" in refused.stderr


# --- expires_in_number ---------------------------------------------------------------------------
def test_expires_in_is_a_number_as_observed_and_a_string_as_documented(mock):
    answer = mock.client().post("/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                                data={"grant_type": "client_credentials", "audience": mock.url})
    assert answer.status_code == 200
    assert answer.json()["expires_in"] == (1800 if observed(mock) else "1800")


# --- legacy_v1_bare_arrays -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/tmc/v1.2/executables", "/tmc/v1.2/executables/plans"])
def test_v1_lists_are_arrays_as_observed_and_pages_as_documented(mock, path):
    answer = mock.client().get(path)
    assert answer.status_code == 200
    listed = answer.json()
    if observed(mock):
        assert isinstance(listed, list) and listed and all("executable" in item for item in listed)
    else:
        assert set(listed) == {"items", "limit", "offset", "total"} and listed["total"] == len(listed["items"])


def test_v1_3_is_served_only_as_observed(mock):
    session = mock.client()
    answer = session.get(f"/tmc/v1.3/executables/{LOAD_CUSTOMERS}")
    if observed(mock):
        assert answer.status_code == 200 and answer.json()["id"] == LOAD_CUSTOMERS
        started = session.post("/tmc/v1.3/executions", json={"executable": LOAD_CUSTOMERS})
        assert started.status_code == 201
        assert session.get(f"/tmc/v1.2/executions/{started.json()['executionId']}").status_code == 200
    else:
        assert answer.status_code == 404 and "No operation at GET /tmc/v1.3/executables/" in answer.json()["details"]
        assert_error(session.post("/tmc/v1.3/executions", json={"executable": LOAD_CUSTOMERS}),
                     404, "No operation at POST /tmc/v1.3/executions")


# --- terminate_text_plain ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/processing/executions/{id}", "/tmc/v2.6/executions/{id}",
                                  "/tmc/v1.2/executions/{id}"])
def test_terminating_with_only_json_accepted_is_406_as_observed(mock, path):
    session = mock.client()
    execution = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    stop = session.delete(path.format(id=execution), headers={"Accept": "application/json"})
    run = session.get(f"/processing/executions/{execution}").json()
    if observed(mock):
        error = stop.json()
        assert stop.status_code == 406 and "produces text/plain" in error.get("detail", error.get("details"))
        assert run["executionStatus"] != "STOPPING_FLOW_EXECUTION"  # refused: the run goes on
    else:
        assert stop.status_code == 204 and run["executionStatus"] == "STOPPING_FLOW_EXECUTION"


@pytest.mark.parametrize("accept", [None, "*/*", "text/plain", "application/json, text/plain;q=0.5"])
def test_terminating_with_text_accepted_works_in_both_modes(mock, accept):
    session = mock.client()
    execution = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        session.headers.pop("Accept", None)
    assert session.delete(f"/processing/executions/{execution}", headers=headers).status_code == 204


# --- task_name_prefix ----------------------------------------------------------------------------
def test_the_task_name_filter_is_a_prefix_as_observed_and_a_substring_as_documented(mock):
    session = mock.client()
    names = {"load": sorted(t["name"] for t in session.get("/orchestration/executables/tasks",
                                                           params={"name": "load"}).json()["items"]),
             "customers": sorted(t["name"] for t in session.get("/orchestration/executables/tasks",
                                                                params={"name": "CUSTOMERS"}).json()["items"])}
    searched = sorted(t["name"] for t in session.post("/orchestration/executables/tasks/search",
                                                      json={"name": "customers"}).json()["items"])
    assert names["load"] == ["Load customers", "Load customers"]  # both ways: the names start with it
    if observed(mock):
        assert names["customers"] == [] and searched == []
    else:
        assert names["customers"] == ["Load customers", "Load customers"] == searched


# --- history_window_by_trigger, last_days_overrides_period ----------------------------------------
def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _listed(session, path: str, **query) -> set[str]:
    answer = session.get(path, params=query)
    assert answer.status_code == 200, answer.text
    return {run["executionId"] for run in answer.json()["items"]}


def test_a_period_selects_runs_by_trigger_time_as_observed_and_by_activity_as_documented(mock):
    # Away from the Nightly report's own schedule (01:00 UTC in winter), whose run would fall in the period
    # below when the test starts shortly before it (it did, run at 00:43 UTC).
    mock.clock.set(now=mock.clock.now().replace(hour=12, minute=0) + timedelta(days=1))
    session = mock.client()
    triggered = mock.clock.now()
    slow = session.post("/processing/executions", json={"executable": NIGHTLY_REPORT}).json()["executionId"]
    mock.clock.advance(minutes=5)
    later = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    mock.clock.advance(minutes=30)  # the slow run ended ~12 minutes after its trigger, inside the period below
    period = {"from": _ms(triggered) + 60_000, "to": _ms(triggered) + 20 * 60_000}
    expected = {later} if observed(mock) else {slow, later}
    assert _listed(session, f"/processing/executables/tasks/{NIGHTLY_REPORT}/executions", **period) == \
        ({slow} & expected)
    assert _listed(session, "/processing/executables/tasks/executions", **period) == expected
    searched = session.post("/processing/executables/tasks/executions", json={**period, "limit": 100}).json()
    assert {run["executionId"] for run in searched["items"]} == expected and searched["total"] == len(expected)


def test_last_days_overrides_from_and_to_as_observed(mock):
    session = mock.client()
    triggered = mock.clock.now()
    old = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    mock.clock.advance(days=3)
    period = {"from": _ms(triggered) - 60_000, "to": _ms(triggered) + 3_600_000}
    listed = _listed(session, f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", lastDays=1, **period)
    assert listed == (set() if observed(mock) else {old})
    assert _listed(session, f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", **period) == {old}
    assert _listed(session, f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", lastDays=5) == {old}


def test_plan_run_lists_follow_the_same_quirks(mock):
    session = mock.client()
    plan = session.get("/orchestration/executables/plans").json()["items"][0]["executable"]
    triggered = mock.clock.now()
    run = session.post("/processing/executions/plans", json={"executable": plan}).json()["executionId"]
    mock.clock.advance(hours=2)
    after_trigger = {"from": _ms(triggered) + 1_000, "to": _ms(triggered) + 3_600_000}
    listed = _listed(session, f"/processing/executables/plans/{plan}/executions", **after_trigger)
    assert listed == (set() if observed(mock) else {run})
    old_period = {"from": _ms(triggered) - 60_000, "to": _ms(triggered) + 60_000}
    listed = _listed(session, "/processing/executables/plans/executions", lastDays=1, **old_period)
    assert listed == {run}  # lastDays=1 reaches back over the run as well: both ways list it


# --- misfire_never_started -----------------------------------------------------------------------
def test_a_run_that_never_started_has_no_finish_logs_or_metrics_as_observed(mock):
    session = mock.client()
    first = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    misfire = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    mock.clock.advance(minutes=5)
    run = session.get(f"/processing/executions/{misfire}").json()
    assert run["misfiredExecutionReason"] == "PARALLEL_EXECUTION_FORBIDDEN" and "startTimestamp" not in run
    listed = session.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json()["items"]
    item = next(entry for entry in listed if entry["executionId"] == misfire)
    logs = session.get(f"/monitoring/executions/{misfire}/logs")
    export = session.post(f"/monitoring/executions/{misfire}/logs")
    metrics = session.get(f"/monitoring/observability/executions/{misfire}/component")
    if observed(mock):
        assert "finishTimestamp" not in run and "finishTimestamp" not in item
        assert [logs.status_code, export.status_code, metrics.status_code] == [404, 404, 404]
        assert "never started (PARALLEL_EXECUTION_FORBIDDEN)" in logs.json()["detail"]
    else:
        assert run["finishTimestamp"] == run["triggerTimestamp"] == item["finishTimestamp"]
        assert [logs.status_code, export.status_code, metrics.status_code] == [200, 200, 404]
        assert "Execution misfired: PARALLEL_EXECUTION_FORBIDDEN" in logs.json()["data"][0]["logMessage"]
    # The run that did start keeps its finish time, logs and metrics either way.
    assert "finishTimestamp" in session.get(f"/processing/executions/{first}").json()
    assert session.get(f"/monitoring/executions/{first}/logs").status_code == 200


# --- task_put_replaces ---------------------------------------------------------------------------
def test_a_task_put_leaves_out_parameters_as_observed_and_refills_them_as_documented(mock):
    session = mock.client()
    task = session.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json()
    assert task["parameters"]  # the demo task has parameters (from its artifact version and its own)
    body = {"name": task["name"], "workspaceId": task["workspace"]["id"], "description": "",
            "artifact": {"id": task["artifact"]["id"], "version": task["artifact"]["version"]}}
    replaced = session.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}", json=body)
    assert replaced.status_code == 200, replaced.text
    defaults = {"batch_size", "source_dir"}
    if observed(mock):
        assert replaced.json().get("parameters", {}) == {}
    else:
        assert set(replaced.json()["parameters"]) >= defaults
    assert replaced.json().get("description", "") == "" and replaced.json().get("tags", []) == []  # both ways


# --- log_export_keeps_last -----------------------------------------------------------------------
def _download(mock, session, execution: str, **query) -> tuple[int, dict, list[str]]:
    """(status, headers, log messages) of a log export, followed through to the file."""
    prepared = session.post(f"/monitoring/executions/{execution}/logs", params=query)
    mock.clock.advance(seconds=3)
    ready = session.post(f"/monitoring/executions/{execution}/logs/status", json=prepared.json()["token"]).json()
    assert ready["status"] == "READY", ready
    lines = mock.client().get(ready["presignedURL"]).json()
    return prepared.status_code, prepared.headers, [line["logMessage"] for line in lines]


def test_a_cut_log_export_keeps_the_newest_entries_as_observed(mock, monkeypatch):
    from mocktmc.domain.executions import log_exports
    monkeypatch.setattr(log_exports, "MAX_ENTRIES", 3)  # the published limit is 100,000 entries
    session = mock.client()
    execution = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).json()["executionId"]
    mock.clock.advance(minutes=5)
    every = [entry["logMessage"] for entry in session.get(f"/monitoring/executions/{execution}/logs",
                                                         params={"order": "ASC", "count": 200}).json()["data"]]
    assert len(every) == 6
    status, headers, kept = _download(mock, session, execution)
    assert status == 206
    if observed(mock):
        assert kept == every[-3:]
        status, headers, earlier = _download(mock, session, execution,
                                             endTime=headers["X-Log-Next-Request-End-Time"])
        assert status == 200 and earlier == every[:3] and "X-Log-Next-Request-End-Time" not in headers
    else:
        assert kept == every[:3] and "X-Log-Next-Request-End-Time" not in headers


# --- throttle_without_retry_after ----------------------------------------------------------------
@pytest.mark.parametrize("fidelity", FIDELITIES)
def test_throttling_refuses_past_n_a_second_per_account_and_endpoint(fidelity):
    mock = MockTMC(fixtures=BASE_WORLD, validate="all", fidelity=fidelity, throttle=3, auth="isolated")
    session, other = mock.client(token="first-worker"), mock.client(token="second-worker")
    answers = [session.get("/orchestration/workspaces") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert "at most 3 a second on GET /orchestration/workspaces" in refused.json()["detail"]
    if fidelity == "observed":
        assert "Retry-After" not in refused.headers
    else:
        assert refused.headers["Retry-After"] == "1"
    assert session.get("/orchestration/environments").status_code == 200  # another endpoint
    assert other.get("/orchestration/workspaces").status_code == 200  # another account
    mock.for_token("first-worker").clock.advance(seconds=1)  # the account's own clock (auth isolated)
    assert session.get("/orchestration/workspaces").status_code == 200  # a second of mock time later
    # A refused request changes nothing: the run it asked for is not started.
    for _ in range(3):
        assert session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert_error(session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
                 429, "Too many requests: at most 3 a second on POST /processing/executions")
    runs = session.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json()
    assert runs["total"] == 3


def test_throttling_is_off_by_default(mock):
    session = mock.client()
    assert {session.get("/orchestration/workspaces").status_code for _ in range(50)} == {200}


def test_an_unusable_throttle_is_refused():
    with pytest.raises(ValueError, match="throttle must be in"):
        MockTMC(throttle=-1)
    refused = subprocess.run([sys.executable, "-m", "mocktmc", "serve", "--throttle", "fast"], capture_output=True,
                             text=True)
    assert refused.returncode == 2 and "'fast' is not a rate such as 10/s" in refused.stderr
