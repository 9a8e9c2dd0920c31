"""Fault injection: rules, what a faulted request gets (and changes: nothing), determinism, the control plane."""
from __future__ import annotations

import random
import time

import pytest
import requests
from flask.testing import FlaskClient

from mocktmc.control import globs
from mocktmc.control.fault_rules import LatencyHolds
from mocktmc.control.faults import FAULT_HEADER, HOLDS, LATENCY_SKIPPED_HEADER, ConnectionDropped
from mocktmc.inventory import NOT_IMPLEMENTED_HEADER

from .conftest import AUTH, LOAD_CUSTOMERS, Api, make_app
from .errors import assert_error
from .test_e2e import server  # noqa: F401  (the fixture: a real `mocktmc serve` subprocess)

WORKSPACES = "/orchestration/workspaces"
HISTORY = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
V2021_ERROR_KEYS = {"status", "message", "detail", "requestId"}
LEGACY_ERROR_KEYS = {"status", "message", "code", "details", "requestId", "url"}


def raw_client(app) -> FlaskClient:
    """A faulted answer breaks the TMC contract on purpose, so it is read without the suite's contract check."""
    return FlaskClient(app, app.response_class)


def add_rule(api: Api, **rule) -> dict:
    response = api.client.post("/_mocktmc/faults", json=rule)
    assert response.status_code == 201, response.json
    return response.json


def rules(api: Api) -> dict[str, dict]:
    return {rule["id"]: rule for rule in api.client.get("/_mocktmc/faults").json}


def test_the_issue_example_answers_429_once_then_normally(api):
    rule = add_rule(api, method="GET", path=WORKSPACES, status=429, retryAfter=2, times=1)
    assert rule["id"] and rule["remaining"] == 1 and rule["fired"] == 0

    first = raw_client(api.app).get(WORKSPACES, headers=AUTH)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert first.mimetype == "application/json" and set(first.json) == V2021_ERROR_KEYS
    assert first.json["status"] == 429 and first.json["message"] == "Too Many Requests"
    assert first.headers[FAULT_HEADER] == rule["id"]

    second = api.get(WORKSPACES)  # contract-checked: a normal answer again
    assert second.status_code == 200 and isinstance(second.json, list) and FAULT_HEADER not in second.headers
    assert rules(api)[rule["id"]] == {**rule, "matched": 1, "fired": 1, "remaining": 0}


def test_a_tmc_legacy_path_gets_the_legacy_error_body(api):
    path = "/tmc/v2.6/executables/tasks"
    add_rule(api, path="/tmc/**", status=503, detail="maintenance window")
    faulted = raw_client(api.app).get(path, headers=AUTH)
    assert faulted.status_code == 503 and set(faulted.json) == LEGACY_ERROR_KEYS
    assert faulted.json["details"] == "maintenance window" and faulted.json["url"] == path
    # The same shape the app gives its own errors on /tmc/ (a 404 rendered through error_for_status).
    api.client.delete("/_mocktmc/faults")
    assert set(api.get("/tmc/v2.6/no-such-thing").json) == set(faulted.json)


def test_a_faulted_request_changes_nothing(api):
    add_rule(api, method="POST", path="/processing/executions", status=500, times=1)
    faulted = raw_client(api.app).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}, headers=AUTH)
    assert faulted.status_code == 500 and faulted.json["status"] == 500
    assert api.get(HISTORY).json["total"] == 0
    api.execute(LOAD_CUSTOMERS)  # the same request unfaulted does start a run
    assert api.get(HISTORY).json["total"] == 1


def test_a_fault_acts_before_authentication_and_request_validation(api):
    add_rule(api, path="/processing/executions", status=418)
    client = raw_client(api.app)
    assert_error(client.post("/processing/executions", json={"executable": 42}),
                 418, "Injected by mocktmc fault rule fault-1")  # no token, bad body
    api.client.delete("/_mocktmc/faults")
    assert_error(client.post("/processing/executions", json={"executable": 42}), 401, "Missing Authorization header")


def test_times_is_the_most_a_rule_fires(api):
    rule = add_rule(api, path=WORKSPACES, status=502, times=2)
    client = raw_client(api.app)
    assert [client.get(WORKSPACES, headers=AUTH).status_code for _ in range(4)] == [502, 502, 200, 200]
    assert rules(api)[rule["id"]] == {**rule, "matched": 2, "fired": 2, "remaining": 0}


def test_probability_draws_are_reproducible_from_the_seed():
    def pattern(seed: int) -> list[int]:
        api = Api(make_app())
        add_rule(api, path=WORKSPACES, status=503, probability=0.5, seed=seed)
        client = raw_client(api.app)
        return [client.get(WORKSPACES, headers=AUTH).status_code for _ in range(24)]

    draws = random.Random(7)
    expected = [503 if draws.random() < 0.5 else 200 for _ in range(24)]
    assert pattern(7) == pattern(7) == expected
    assert {200, 503} <= set(expected) and pattern(8) != expected


def test_probability_zero_matches_but_never_fires(api):
    rule = add_rule(api, path=WORKSPACES, status=500, probability=0)
    assert all(api.get(WORKSPACES).status_code == 200 for _ in range(5))
    assert rules(api)[rule["id"]]["matched"] == 5 and rules(api)[rule["id"]]["fired"] == 0


def test_rules_are_tried_in_order_and_the_first_that_fires_acts_alone(api):
    first = add_rule(api, path="/orchestration/*", status=503, times=1)
    second = add_rule(api, path=WORKSPACES, status=429)
    client = raw_client(api.app)
    assert [client.get(WORKSPACES, headers=AUTH).status_code for _ in range(2)] == [503, 429]
    listed = rules(api)
    assert (listed[first["id"]]["fired"], listed[second["id"]]["fired"], listed[second["id"]]["matched"]) == (1, 1, 1)


@pytest.mark.parametrize("pattern, path, hit", [
    (WORKSPACES, WORKSPACES, True),
    (WORKSPACES, WORKSPACES + "/x", False),
    ("/orchestration/*", WORKSPACES, True),
    ("/orchestration/*", WORKSPACES + "/x", False),
    ("/orchestration/**", WORKSPACES + "/x/y", True),
    ("/processing/executions/*", "/processing/executions/abc", True),
    ("/**/logs", "/monitoring/executions/abc/logs", True),
    ("/a.b", "/aXb", False),  # every character but * is literal
])
def test_path_patterns(pattern, path, hit):
    assert globs.matches(pattern, path) is hit


def test_method_and_path_must_both_match(api):
    add_rule(api, method="post", path="/processing/executions/*", status=500)
    assert_error(api.get("/processing/executions/does-not-exist"), 404, "Execution does-not-exist not found")
    faulted = raw_client(api.app).post("/processing/executions/x", headers=AUTH)
    assert faulted.status_code == 500


def test_a_rule_with_an_account_faults_only_that_accounts_requests():
    app = make_app(auth="isolated")
    alice, bob = Api(app, {"Authorization": "Bearer alice"}), Api(app, {"Authorization": "Bearer bob"})
    alice_account = app.extensions["mocktmc"].accounts.account_of("alice").account_id
    add_rule(alice, path=WORKSPACES, status=503, account=alice_account)
    client = raw_client(app)
    assert client.get(WORKSPACES, headers=alice.headers).status_code == 503
    assert bob.get(WORKSPACES).status_code == 200
    assert_error(client.get(WORKSPACES), 401, "Missing Authorization header")  # no token: no account to match


def test_latency_holds_the_request_in_real_time_then_answers(api):
    api.get(WORKSPACES)  # warm up: the first request of a process pays for one-off set-up
    add_rule(api, path=WORKSPACES, latency=0.05, times=1)
    started = time.monotonic()
    response = api.get(WORKSPACES)  # a latency-only fault lets the request through: contract-checked
    assert time.monotonic() - started >= 0.05
    assert response.status_code == 200 and response.headers[FAULT_HEADER]
    started = time.monotonic()
    assert api.get(WORKSPACES).status_code == 200 and time.monotonic() - started < 0.05


def test_latency_with_a_status_waits_then_answers_the_status(api):
    api.get(WORKSPACES)  # warm up
    add_rule(api, path=WORKSPACES, latency=0.05, status=504)
    started = time.monotonic()
    assert raw_client(api.app).get(WORKSPACES, headers=AUTH).status_code == 504
    assert time.monotonic() - started >= 0.05


def test_latency_past_the_free_holds_answers_at_once_and_says_so(api, monkeypatch):
    monkeypatch.setitem(api.app.extensions, HOLDS, LatencyHolds(1))  # one worker thread: it may never be held
    rule = add_rule(api, path="/**", latency=30)
    response = api.get(WORKSPACES)
    assert response.status_code == 200 and response.headers[FAULT_HEADER] == rule["id"]
    assert response.headers[LATENCY_SKIPPED_HEADER] == "skipped: all 0 holds taken"
    assert rules(api)[rule["id"]]["fired"] == 1


def test_a_dropped_request_raises_in_process(api):
    add_rule(api, path=WORKSPACES, drop=True, times=1)
    with pytest.raises(ConnectionDropped):
        raw_client(api.app).get(WORKSPACES, headers=AUTH)
    assert api.get(WORKSPACES).status_code == 200


@pytest.mark.e2e
def test_a_dropped_request_closes_the_connection_over_http(server):  # noqa: F811
    _, base = server
    session = requests.Session()
    session.headers.update(AUTH)
    added = session.post(f"{base}/_mocktmc/faults", json={"path": WORKSPACES, "drop": True, "times": 1}, timeout=10)
    assert added.status_code == 201
    with pytest.raises(requests.ConnectionError):
        session.get(f"{base}{WORKSPACES}", timeout=10)
    assert session.get(f"{base}{WORKSPACES}", timeout=10).status_code == 200
    session.post(f"{base}/_mocktmc/faults", json={"path": WORKSPACES, "status": 429, "retryAfter": 1}, timeout=10)
    limited = session.get(f"{base}{WORKSPACES}", timeout=10)
    assert_error(limited, 429, "Injected by mocktmc fault rule")
    assert limited.headers["Retry-After"] == "1"
    dropped = session.get(f"{base}/_mocktmc/requests", params={"path": WORKSPACES}, timeout=10).json()
    assert [(entry["status"], entry["dropped"]) for entry in dropped] == [(None, True), (200, False), (429, False)]


def test_validate_all_keeps_the_faults_answer():
    api = Api(make_app(validate="all"))
    add_rule(api, path=WORKSPACES, status=418, times=1)
    faulted = raw_client(api.app).get(WORKSPACES, headers=AUTH)
    assert_error(faulted, 418, "Injected by mocktmc fault rule")  # not a 500 for breaking the contract
    assert NOT_IMPLEMENTED_HEADER not in faulted.headers
    add_rule(api, path=WORKSPACES, drop=True, times=1)
    with pytest.raises(ConnectionDropped):
        raw_client(api.app).get(WORKSPACES, headers=AUTH)


def test_the_control_plane_is_never_faulted(api):
    rule = add_rule(api, path="/**", status=500)
    assert api.client.get("/_mocktmc/faults").status_code == 200
    assert api.client.get("/_mocktmc/health").status_code == 200
    assert raw_client(api.app).get(WORKSPACES, headers=AUTH).status_code == 500
    assert api.client.delete(f"/_mocktmc/faults/{rule['id']}").status_code == 204
    assert api.get(WORKSPACES).status_code == 200


def test_rules_are_listed_removed_and_cleared(api):
    first, second = add_rule(api, path=WORKSPACES, status=500), add_rule(api, path=WORKSPACES, latency=0)
    assert list(rules(api)) == [first["id"], second["id"]]
    assert api.client.delete(f"/_mocktmc/faults/{first['id']}").status_code == 204
    assert list(rules(api)) == [second["id"]]
    missing = api.client.delete(f"/_mocktmc/faults/{first['id']}")
    assert_error(missing, 404, f"No fault rule '{first['id']}'")
    assert api.client.delete("/_mocktmc/faults").status_code == 204 and rules(api) == {}
    assert add_rule(api, path=WORKSPACES, drop=True)["id"] not in (first["id"], second["id"])


def test_a_rule_shows_its_defaults(api):
    rule = add_rule(api, path=WORKSPACES, status=500)
    assert rule == {
        "id": rule["id"], "method": None, "path": WORKSPACES, "account": None, "status": 500, "retryAfter": None,
        "detail": None, "latency": None, "drop": False, "probability": 1.0, "times": None, "seed": 0,
        "matched": 0, "fired": 0, "remaining": None}


@pytest.mark.parametrize("body, named", [
    ({"path": WORKSPACES, "status": 500, "colour": "red"}, "colour"),
    ({"status": 500}, "path"),
    ({"path": 7, "status": 500}, "path"),
    ({"path": "orchestration/workspaces", "status": 500}, "path"),
    ({"path": "/_mocktmc/faults", "status": 500}, "path"),
    ({"path": WORKSPACES, "method": "FETCH", "status": 500}, "method"),
    ({"path": WORKSPACES, "status": 302}, "status"),
    ({"path": WORKSPACES, "status": 600}, "status"),
    ({"path": WORKSPACES, "status": "500"}, "status"),
    ({"path": WORKSPACES, "status": 429, "retryAfter": -1}, "retryAfter"),
    ({"path": WORKSPACES, "retryAfter": 2}, "retryAfter"),
    ({"path": WORKSPACES, "detail": "x"}, "detail"),
    ({"path": WORKSPACES, "status": 500, "probability": 1.5}, "probability"),
    ({"path": WORKSPACES, "status": 500, "probability": -0.1}, "probability"),
    ({"path": WORKSPACES, "status": 500, "probability": True}, "probability"),
    ({"path": WORKSPACES, "status": 500, "times": 0}, "times"),
    ({"path": WORKSPACES, "status": 500, "times": 1.5}, "times"),
    ({"path": WORKSPACES, "latency": -1}, "latency"),
    ({"path": WORKSPACES, "latency": 61}, "latency"),
    ({"path": WORKSPACES, "drop": "yes"}, "drop"),
    ({"path": WORKSPACES, "drop": True, "status": 500}, "drop"),
    ({"path": WORKSPACES, "status": 500, "seed": "abc"}, "seed"),
    ({"path": WORKSPACES, "status": 500, "account": 5}, "account"),
    ({"path": WORKSPACES}, "status"),  # a rule that does nothing
])
def test_a_bad_rule_is_a_400_naming_the_field(api, body, named):
    response = api.client.post("/_mocktmc/faults", json=body)
    assert response.status_code == 400 and f"'{named}'" in response.json["detail"], response.json
    assert rules(api) == {}


def test_the_fault_endpoints_are_behind_the_control_token():
    app = make_app(control_token="s3cret")
    client = app.test_client()
    assert_error(client.get("/_mocktmc/faults"), 401, "Missing Authorization header")
    assert_error(client.delete("/_mocktmc/faults"), 401, "Missing Authorization header")
    assert client.get("/_mocktmc/faults", headers={"Authorization": "Bearer s3cret"}).status_code == 200
