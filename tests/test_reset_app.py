"""reset_app: an app that has served anything answers, once reset, exactly as a newly built one.

The suite lends one app per configuration to test after test (conftest.py), so this is what keeps the
tests apart: whatever a test changed (the worlds, the clock, tokens, the journal, fault rules, throttle
counts, a loaded fixture world, behaviors, accounts made for isolated tokens) must not reach the next.
"""
from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from mocktmc.app import create_app, reset_app
from mocktmc.config import Settings

from .conftest import (BASE_WORLD, DEMO_PAT, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, SERVICE_ACCOUNT, SERVICE_SECRET,
                       START, Api, make_app)

PAT = {"Authorization": f"Bearer {DEMO_PAT}"}
CREDENTIALS = base64.b64encode(f"{SERVICE_ACCOUNT}:{SERVICE_SECRET}".encode()).decode()
BASIC = {"Authorization": f"Basic {CREDENTIALS}"}
TOKEN_REQUEST = {"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"}
NEW_TASK = {"environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS, "name": "Made by the last test",
            "artifact": {"id": "65f1a0c2e4b0a1b2c3d41001", "version": "0.1.0.20240105101500"}}
SMALL_WORLD = "account: {name: Other}\nenvironments:\n  - name: Elsewhere\n"


def settings(auth: str) -> Settings:
    # Throttling and use_after_free are on, so that their counts and ghosts are state a reset must renew.
    return Settings(clock="frozen", start=START, fixtures=BASE_WORLD, auth=auth, throttle=3,
                    defects=("use_after_free",))


def mess_up(client, auth: str) -> dict:
    """What a test may leave behind (each step checked to have done it); the ids it made, for the probe."""
    def done(response, status: int = 200):
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json(silent=True)

    done(client.post("/_mocktmc/clock/advance", json={"seconds": 3600}))
    done(client.put("/_mocktmc/clock", json={"rate": 5}))
    run = done(client.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}, headers=PAT), 201)
    task = done(client.post("/orchestration/executables/tasks", json=NEW_TASK, headers=PAT), 201)
    done(client.delete(f"/orchestration/executables/tasks/{task['id']}", headers=PAT), 204)  # leaves a ghost
    done(client.put(f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}", json={"outcome": "EXECUTION_FAILED"}))
    pat = done(client.post("/_mocktmc/tokens", json={}), 201)["token"]
    done(client.post("/_mocktmc/service-accounts", json={"name": "left over"}), 201)
    done(client.post("/security/oauth/token", headers=BASIC, json=TOKEN_REQUEST))
    # An account of its own when isolated; strict knows no such token.
    done(client.post("/_mocktmc/accounts", json={"token": "someone-else"}), 401 if auth == "strict" else 200)
    for _ in range(3):
        done(client.get("/orchestration/environments", headers=PAT))  # throttle counts
    done(client.post("/_mocktmc/faults", json={"method": "GET", "path": "/orchestration/workspaces",
                                               "status": 503}), 201)
    done(client.post("/_mocktmc/fixtures", data=SMALL_WORLD, content_type="application/yaml"))
    return {"run": run["executionId"], "task": task["id"], "pat": pat}


def probe(client, left: dict) -> list:
    """Everything a test can read of the server's state, as (status, body) pairs."""
    def seen(response) -> tuple:
        return response.status_code, response.get_json(silent=True) or response.get_data(as_text=True)

    answers = [seen(client.get(path)) for path in (
        "/_mocktmc/clock", "/_mocktmc/health", "/_mocktmc/faults", "/_mocktmc/accounts", "/_mocktmc/state",
        f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}")]
    answers += [seen(client.get(path, headers=PAT)) for path in (
        f"/processing/executions/{left['run']}", f"/orchestration/executables/tasks/{left['task']}",
        "/orchestration/workspaces", "/orchestration/environments", "/orchestration/environments",
        "/orchestration/environments")]
    answers.append(seen(client.get("/orchestration/environments", headers={"Authorization": f"Bearer {left['pat']}"})))
    answers.append(seen(client.post("/_mocktmc/tokens", json={})))
    answers.append(seen(client.post("/security/oauth/token", headers=BASIC, json=TOKEN_REQUEST)))
    answers.append(seen(client.post("/_mocktmc/faults", json={"path": "/nowhere", "status": 500})))
    answers.append(seen(client.get("/_mocktmc/requests")))
    return answers


@pytest.mark.parametrize("auth", ["open", "isolated", "strict"])
def test_a_reset_app_answers_as_a_newly_built_one(auth):
    used = create_app(settings(auth))
    left = mess_up(used.test_client(), auth)
    # The run and the task made before the reset are unknown to a new app, and the token was never issued.
    expected = probe(create_app(settings(auth)).test_client(), left)
    assert probe(used.test_client(), left) != expected  # the mess shows: the probe can see it
    reset_app(used)
    assert probe(used.test_client(), left) == expected


def test_a_reset_keeps_the_routing_and_renews_every_piece_of_run_state():
    app = create_app(settings("open"))
    url_map, before = app.url_map, dict(app.extensions)
    reset_app(app)
    assert app.url_map is url_map  # the costly part, built once
    renewed = {key for key in before if key != "mocktmc.fresh" and app.extensions[key] is not before[key]}
    assert renewed == set(before) - {"mocktmc.fresh"} == {
        "mocktmc", "mocktmc.faults", "mocktmc.journal", "mocktmc.throttle", "mocktmc.defects.ghosts"}


def test_a_clock_given_to_create_app_is_the_built_apps_and_a_reset_one_follows_the_settings():
    from mocktmc.clock import VirtualClock

    given = VirtualClock(start=START.replace(year=2030))
    app = create_app(settings("open"), clock=given)
    assert app.extensions["mocktmc"].clock is given
    reset_app(app)
    assert app.extensions["mocktmc"].clock.now() == START


# --- the suite's pool of apps (conftest.py) ---------------------------------------------------------
def test_two_apps_a_test_holds_at_once_are_two_apps():
    first, second = Api(make_app()), Api(make_app())
    assert first.app is not second.app
    first.advance(60)
    assert second.client.get("/_mocktmc/clock").json["now"] == "2024-03-01T09:00:00.000Z"


@hypothesis_settings(max_examples=5, deadline=None)
@given(seconds=st.integers(1, 3600))
def test_every_hypothesis_example_gets_an_app_as_new(seconds):
    api = Api(make_app())  # the previous example's, reset
    assert api.client.get("/_mocktmc/clock").json["now"] == "2024-03-01T09:00:00.000Z"
    assert api.client.get("/_mocktmc/requests").json[0]["seq"] == 1  # that GET, the first request it journals
    assert api.get(f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions").json["total"] == 0
    api.execute(LOAD_CUSTOMERS)
    api.advance(seconds)
