"""The Python API (mocktmc.testing): MockTMC in-process and served, every control method over the control plane."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
import requests

from mocktmc import MockTMC
from mocktmc.testing import IN_PROCESS_URL, MockTMCError, connect

from .conftest import BASE_WORLD, LOAD_CUSTOMERS, SYNC_ORDERS, START, mock_tmc
from .errors import assert_error

DEMO_ACCOUNT = "4c0a7d3e-9f6b-4a52-8e31-2b7c5d9e1f08"
HISTORY = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
SMALL_WORLD = {
    "account": {"id": "11111111-2222-4333-8444-555555555555", "name": "Small"},
    "users": [{"login": "ann@x.test"}],
    "environments": [{"name": "Dev", "workspaces": [{
        "name": "WS", "artifacts": [{"name": "job", "versions": ["1.0"]}],
        "tasks": [{"id": "5f0000000000000000000001", "name": "Only task", "artifact": "job"}]}]}],
}


@pytest.fixture
def mock() -> MockTMC:
    return mock_tmc(fixtures=BASE_WORLD, start=START)


def execute(session: requests.Session, task_id: str = LOAD_CUSTOMERS) -> str:
    response = session.post("/processing/executions", json={"executable": task_id})
    assert response.status_code == 201, response.text
    return response.json()["executionId"]


def test_importing_mocktmc_or_its_plugin_loads_no_web_stack():
    """Every pytest session loads the plugin through its entry point: it must cost nothing until used."""
    heavy = ("flask", "werkzeug", "requests", "waitress", "mocktmc.app")
    code = f"import sys, mocktmc, mocktmc.pytest_plugin; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_the_client_is_served_in_process(mock):
    session = mock.client()
    assert mock.url == IN_PROCESS_URL and session.headers["Authorization"] == "Bearer mocktmc-test"
    tasks = session.get("/processing/executables/tasks")
    assert tasks.status_code == 200 and tasks.headers["Content-Type"] == "application/json"
    assert LOAD_CUSTOMERS in {task["executable"] for task in tasks.json()["items"]}
    assert session.get(f"{mock.url}/processing/executables/tasks").json() == tasks.json()  # full URLs work too
    page = session.get(f"{mock.url}/orchestration/executables/tasks", params={"limit": 2, "offset": 1}).json()
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)
    missing = session.get("/processing/executions/no such%2Frun")
    assert missing.status_code == 404 and "no such/run" in missing.json()["detail"]
    assert_error(mock.client(token=None).get("/processing/executables/tasks", headers={"Authorization": ""}),
                 401, "Missing Authorization header")


def test_a_header_given_as_bytes_reaches_the_in_process_app_as_it_would_a_server(mock):
    """requests sends a bytes header value as those bytes; the in-process transport reads it as a server does,
    not as "b'Bearer ...'" (which the mock answered with a 401)."""
    session = mock.client()
    session.headers["Authorization"] = b"Bearer mocktmc-test"
    tasks = session.get("/processing/executables/tasks", headers={"X-Note": "caf\u00e9".encode("latin-1")})
    assert tasks.status_code == 200, tasks.text
    mock.journal.assert_called("GET", "/processing/executables/tasks", times=1)


def test_the_clock(mock):
    assert mock.clock.now() == START
    assert mock.clock.get()["frozen"] is True
    moved = mock.clock.advance(seconds=30, minutes=1, hours=1, days=1)
    assert mock.clock.now() == START + timedelta(days=1, hours=1, minutes=1, seconds=30)
    assert {"now", "runsStarted", "misfires", "eventsApplied"} <= moved.keys()
    assert mock.clock.advance(to=START + timedelta(days=2))["now"] == "2024-03-03T09:00:00.000Z"
    assert mock.clock.set(now="2024-03-04T09:00:00Z")["now"] == "2024-03-04T09:00:00.000Z"
    assert mock.clock.set(rate=5)["rate"] == 5 and mock.clock.get()["frozen"] is False
    assert mock.clock.freeze()["frozen"] is True
    assert mock.clock.resume()["rate"] == 5
    mock.clock.freeze()


def test_a_non_2xx_control_answer_raises_with_the_tmc_detail(mock):
    with pytest.raises(MockTMCError) as caught:
        mock.clock.advance(to="2000-01-01T00:00:00Z")
    error = caught.value
    assert error.status == 409 and error.path == "/_mocktmc/clock/advance" and "only moves forward" in error.detail
    assert error.body["status"] == 409 and "answered 409: The mock clock only moves forward" in str(error)


def test_scheduled_runs_start_when_the_clock_passes_them(mock):
    """The demo's Nightly report runs daily at 02:00 Europe/Paris: a day of mock time starts one."""
    assert mock.clock.advance(days=1)["runsStarted"] >= 1


def test_behaviors_set_get_clear(mock):
    session = mock.client()
    declared = mock.behaviors.get(LOAD_CUSTOMERS)
    stored = mock.behaviors.set(LOAD_CUSTOMERS, outcome="EXECUTION_FAILED",
                                durations={"DISPATCHING_FLOW": 2, "STARTING_FLOW_EXECUTION": 600},
                                error_message="disk full", log_lines=["reading", {"severity": "ERROR",
                                                                                  "message": "disk full"}],
                                sequence=[{"outcome": "EXECUTION_REJECTED", "rejected_rows": 3}])
    assert stored["outcome"] == "EXECUTION_FAILED" and stored["sequence"][0]["rejectedRows"] == 3
    assert mock.behaviors.get(LOAD_CUSTOMERS) == stored
    first = execute(session)
    mock.clock.advance(hours=1)
    second = execute(session)
    mock.clock.advance(hours=1)
    assert session.get(f"/processing/executions/{first}").json()["executionStatus"] == "EXECUTION_REJECTED"
    failed = session.get(f"/processing/executions/{second}").json()
    assert failed["executionStatus"] == "EXECUTION_FAILED" and "disk full" in failed["errorMessage"]
    mock.behaviors.clear(LOAD_CUSTOMERS)
    assert mock.behaviors.get(LOAD_CUSTOMERS) == declared
    with pytest.raises(MockTMCError) as caught:
        mock.behaviors.set(LOAD_CUSTOMERS, outcome="NOT_AN_OUTCOME")
    assert caught.value.status == 400 and "outcome" in caught.value.detail


def test_faults_add_list_remove_clear(mock):
    session = mock.client()
    rule = mock.faults.add("POST", "/processing/executions", status=429, retry_after=7, times=1)
    assert rule["id"] and rule["retryAfter"] == 7 and mock.faults.added == [rule["id"]]
    limited = session.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
    assert_error(limited, 429, f"Injected by mocktmc fault rule {rule['id']}")
    assert limited.headers["Retry-After"] == "7"
    execute(session)  # the rule was good for one request
    assert [r["id"] for r in mock.faults.list()] == [rule["id"]]
    mock.faults.remove(rule["id"])
    assert mock.faults.list() == [] and mock.faults.added == []
    mock.faults.add(path="/processing/**", status=503)
    mock.faults.add(method="GET", path="/orchestration/*", status=500)
    assert session.get("/processing/executables/tasks").status_code == 503
    assert len(mock.faults.list()) == 2
    mock.faults.clear()
    assert mock.faults.list() == [] and session.get("/processing/executables/tasks").status_code == 200
    mock.faults.add("GET", "/orchestration/environments", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):  # in process, as over the network
        session.get("/orchestration/environments")
    assert session.get("/orchestration/environments").status_code == 200


def test_the_journal(mock):
    session = mock.client()
    execution_id = execute(session)
    session.get(f"/processing/executions/{execution_id}")
    session.get("/processing/executions/nope")
    posts = mock.journal.requests(method="POST")
    assert [(e["method"], e["path"], e["status"]) for e in posts if not e["path"].startswith("/_mocktmc")] == [
        ("POST", "/processing/executions", 201)]
    assert posts[0]["body"] == {"executable": LOAD_CUSTOMERS}
    assert {e["path"] for e in mock.journal.requests(status=404)} == {"/processing/executions/nope"}
    calls = mock.journal.assert_called("POST", "/processing/executions", times=1, json={"executable": LOAD_CUSTOMERS})
    assert calls[0]["status"] == 201
    mock.journal.assert_called("GET", "/processing/executions/*", times=2)
    with pytest.raises(AssertionError) as caught:
        mock.journal.assert_called("DELETE", "/processing/executions/*")
    message = str(caught.value)
    assert message.startswith("expected DELETE /processing/executions/* at least once, found 0")
    assert "POST /processing/executions -> 201" in message and "GET /processing/executions/nope -> 404" in message
    with pytest.raises(AssertionError, match="with body"):
        mock.journal.assert_called("POST", "/processing/executions", json={"executable": SYNC_ORDERS})
    mock.journal.clear()
    with pytest.raises(AssertionError):
        mock.journal.assert_called("POST", "/processing/executions")


def test_reset(mock):
    session = mock.client()
    execute(session)
    mock.behaviors.set(LOAD_CUSTOMERS, outcome="EXECUTION_FAILED")
    assert session.get(HISTORY).json()["total"] == 1
    assert mock.reset() == [DEMO_ACCOUNT]
    assert session.get(HISTORY).json()["total"] == 0
    assert mock.behaviors.get(LOAD_CUSTOMERS)["outcome"] != "EXECUTION_FAILED"


def test_snapshot_and_restore(mock):
    session = mock.client()
    execute(session)
    state = mock.snapshot()
    assert isinstance(state, dict)
    execute(session)
    mock.clock.advance(minutes=5)
    assert session.get(HISTORY).json()["total"] == 2
    mock.restore(state)
    assert session.get(HISTORY).json()["total"] == 1


def test_fixture_worlds_from_a_dict_or_yaml():
    mock = MockTMC(fixtures=SMALL_WORLD, start=START)
    tasks = mock.client().get("/orchestration/executables/tasks").json()["items"]
    assert [task["name"] for task in tasks] == ["Only task"]
    mock.load_fixtures("users: [{login: bo@x.test}]\nenvironments: [{name: Solo}]\n")
    assert [env["name"] for env in mock.client().get("/orchestration/environments").json()] == ["Solo"]
    with pytest.raises(MockTMCError) as caught:
        mock.load_fixtures({"environments": [{"name": "Dev", "colour": "red"}]})
    assert caught.value.status == 400 and "colour" in caught.value.detail


def test_tokens_for_strict_auth():
    mock = MockTMC(fixtures=BASE_WORLD, auth="strict", start=START)
    assert_error(mock.client("made-up").get("/processing/executables/tasks"),
                 401, "Unknown access token (auth mode 'strict'")
    personal = mock.tokens.personal("bob@demo.mocktmc.local")
    assert personal["userId"] == "65f1a0c2e4b0a1b2c3d4e5f7"
    assert mock.client(personal["token"]).get("/processing/executables/tasks").status_code == 200
    account = mock.tokens.service_account("ci-robot")
    issued = mock.client().post("/security/oauth/token", auth=(account["clientId"], account["clientSecret"]),
                                data={"grant_type": "client_credentials", "audience": mock.url})
    assert issued.status_code == 200, issued.text
    assert mock.client(issued.json()["access_token"]).get("/processing/executables/tasks").status_code == 200


def test_isolated_accounts_are_scripted_through_a_bound_control():
    mock = MockTMC(fixtures=BASE_WORLD, auth="isolated", start=START)
    mine, theirs = mock.client("mine"), mock.client("theirs")
    me = mock.for_token("mine")
    assert me.account == mock.account_of("mine") != mock.account_of("theirs")
    me.behaviors.set(LOAD_CUSTOMERS, outcome="EXECUTION_FAILED")
    me.faults.add("GET", "/processing/executables/tasks", status=503)
    assert mine.get("/processing/executables/tasks").status_code == 503
    assert theirs.get("/processing/executables/tasks").status_code == 200
    assert [rule["account"] for rule in me.faults.list()] == [me.account]
    ours, others = execute(mine), execute(theirs)
    me.clock.advance(hours=1)  # this account's time only
    assert mine.get(f"/processing/executions/{ours}").json()["executionStatus"] == "EXECUTION_FAILED"
    assert theirs.get(f"/processing/executions/{others}").json()["executionStatus"] == "EXECUTION_EVENT_RECEIVED"
    assert mock.clock.advance(hours=1)["runsStarted"] == 0  # the server clock: no isolated account follows it
    mock.for_token("theirs").clock.advance(hours=1)
    assert theirs.get(f"/processing/executions/{others}").json()["executionStatus"] == "EXECUTION_SUCCESS"
    assert_error(mine.get(f"/processing/executions/{others}"), 404, f"Execution {others} not found")
    assert {entry["account"] for entry in me.journal.requests()} == {me.account}
    me.journal.assert_called("POST", "/processing/executions", times=1)
    me.journal.clear()  # hides this account's past, leaves the server's journal alone
    assert me.journal.requests() == [] and mock.journal.requests(path="/processing/executions")
    me.faults.clear()
    assert mine.get("/processing/executables/tasks").status_code == 200
    assert me.reset() and mine.get(HISTORY).json()["total"] == 0 and theirs.get(HISTORY).json()["total"] == 1


def test_a_closed_control_plane_gets_the_control_token():
    mock = MockTMC(fixtures=BASE_WORLD, control_token="s3cret", start=START)
    assert mock.clock.now() == START  # MockTMC sends its control token itself
    anonymous = mock.client()
    assert_error(anonymous.post("/_mocktmc/clock/advance", json={"seconds": 1}),
                 401, "The control plane needs the control token this server was started with")


def test_serve_runs_the_same_app_on_a_free_port(mock):
    """A real socket for clients that need a URL; the in-process control plane steers the same world."""
    with mock.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        with requests.Session() as session:
            session.headers["Authorization"] = "Bearer real-socket"
            started = session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS}, timeout=10)
            assert started.status_code == 201
            execution_id = started.json()["executionId"]
            mock.clock.advance(minutes=1)
            run = session.get(f"{url}/processing/executions/{execution_id}", timeout=10).json()
            assert run["executionStatus"] == "EXECUTION_SUCCESS"
            mock.journal.assert_called("POST", "/processing/executions", times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_mocktmc/health", timeout=2)


def test_every_control_method_over_a_real_socket(mock):
    """connect(url): the same Python API for a server running elsewhere, over HTTP with requests."""
    with mock.serve() as url, requests.Session() as session:
        remote = connect(url)
        session.headers["Authorization"] = "Bearer remote"
        assert remote.health()["status"] == "UP" and remote.clock.now() == START
        assert remote.clock.advance(minutes=1)["now"] == "2024-03-01T09:01:00.000Z"
        assert remote.clock.set(rate=2)["rate"] == 2 and remote.clock.freeze()["frozen"]
        assert remote.clock.resume()["rate"] == 2
        remote.clock.freeze()
        remote.behaviors.set(LOAD_CUSTOMERS, outcome="EXECUTION_REJECTED", rejected_rows=4)
        assert remote.behaviors.get(LOAD_CUSTOMERS)["outcome"] == "EXECUTION_REJECTED"
        remote.behaviors.clear(LOAD_CUSTOMERS)
        state = remote.snapshot()
        rule = remote.faults.add("POST", "/processing/executions", status=429, retry_after=3, times=1)
        assert [r["id"] for r in remote.faults.list()] == [rule["id"]]
        assert_error(session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS}),
                     429, "Injected by mocktmc fault rule")
        assert session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
        assert [e["status"] for e in remote.journal.assert_called("POST", "/processing/executions", times=2)] == [
            429, 201]
        assert [e["status"] for e in remote.journal.requests(method="POST", path="/processing/executions")] == [
            429, 201]
        remote.faults.remove(rule["id"])
        remote.faults.add(path="/orchestration/**", status=500)
        remote.faults.clear()
        assert remote.faults.list() == []
        remote.journal.clear()
        assert remote.journal.requests(path="/processing/**") == []
        remote.restore(state)
        assert session.get(f"{url}{HISTORY}").json()["total"] == 0
        session.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS})
        assert remote.reset() == [DEMO_ACCOUNT] and session.get(f"{url}{HISTORY}").json()["total"] == 0
        assert remote.tokens.personal()["accountId"] == DEMO_ACCOUNT
        assert remote.tokens.service_account("remote-robot")["clientSecret"]
        assert remote.account_of("remote") == DEMO_ACCOUNT and remote.for_token("remote").account == DEMO_ACCOUNT
        remote.load_fixtures("users: [{login: bo@x.test}]\nenvironments: [{name: Solo}]\n")
        assert [env["name"] for env in session.get(f"{url}/orchestration/environments").json()] == ["Solo"]
        with pytest.raises(MockTMCError) as caught:
            remote.clock.advance(seconds=-5)
        assert caught.value.status == 409 and "The mock clock only moves forward" in caught.value.detail
        remote.close()


def test_generated_log_lines_survive_a_snapshot(mock):
    mock.behaviors.set(LOAD_CUSTOMERS, log_lines_generated={"count": 5, "message": "x {n}"})
    saved = mock.snapshot()
    mock.behaviors.clear(LOAD_CUSTOMERS)
    assert "logLinesGenerated" not in mock.behaviors.get(LOAD_CUSTOMERS)
    mock.restore(saved)
    assert mock.behaviors.get(LOAD_CUSTOMERS)["logLinesGenerated"] == {"count": 5, "message": "x {n}",
                                                                       "severity": "INFO"}
