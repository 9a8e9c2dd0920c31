"""The control plane's state operations: reset, accounts, fixture worlds, behaviors, tokens, the control token."""
import base64
import json

import pytest

from .conftest import LOAD_CUSTOMERS, NIGHTLY_REPORT, SYNC_ORDERS, Api, make_app
from .errors import assert_error

SMALL_WORLD = """\
account: {id: 11111111-2222-4333-8444-555555555555, name: Small}
users: [{login: ann@x.test}]
environments:
  - name: Dev
    workspaces:
      - name: WS
        artifacts: [{name: job, versions: ["1.0"]}]
        tasks: [{id: 5f0000000000000000000001, name: Only task, artifact: job}]
"""


def run_to_end(api, task_id):
    execution_id = api.execute(task_id)
    api.advance(3600)
    return api.run(execution_id)


def test_reset_brings_every_account_back_to_the_fixture_world():
    api = Api(make_app(auth="isolated"), {"Authorization": "Bearer first"})
    other = Api(api.app, {"Authorization": "Bearer second"})
    api.execute(LOAD_CUSTOMERS)
    other.execute(LOAD_CUSTOMERS)
    mine = api.client.post("/_mocktmc/accounts", json={"token": "first"}).json["id"]
    assert {a["id"] for a in api.client.get("/_mocktmc/accounts").json} >= {mine}
    one = api.client.post(f"/_mocktmc/reset?account={mine}")
    assert one.status_code == 200 and mine in one.json["accounts"]
    history = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"
    assert api.get(history).json["total"] == 0 and other.get(history).json["total"] == 1
    everything = api.client.post("/_mocktmc/reset").json["accounts"]
    assert len(everything) == 1 and mine not in everything
    assert_error(api.client.post("/_mocktmc/reset?account=nope"), 404, "Account nope not found")


def test_a_fixture_world_can_be_loaded_as_yaml_or_json(api):
    loaded = api.client.post("/_mocktmc/fixtures", data=SMALL_WORLD, content_type="application/yaml")
    assert loaded.status_code == 200 and loaded.json == {"accounts": ["11111111-2222-4333-8444-555555555555"]}
    names = [t["name"] for t in api.get("/orchestration/executables/tasks").json["items"]]
    assert names == ["Only task"]
    as_json = {"users": [{"login": "bo@x.test"}], "environments": [{"name": "Solo"}]}
    assert api.client.post("/_mocktmc/fixtures", json=as_json).status_code == 200
    assert [e["name"] for e in api.get("/orchestration/environments").json] == ["Solo"]


@pytest.mark.parametrize("body, content_type, status, words", [
    ("environments: [{name: Dev, colour: red}]", "application/yaml", 400, "request body:1"),
    ("environments: [", "application/yaml", 400, "not valid YAML"),
    ("{", "application/json", 400, "not valid JSON"),
    ("environments: []", "text/plain", 415, "application/yaml"),
])
def test_a_bad_fixture_world_changes_nothing(api, body, content_type, status, words):
    response = api.client.post("/_mocktmc/fixtures", data=body, content_type=content_type)
    assert response.status_code == status and words in response.json["detail"]
    assert api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").status_code == 200


def test_a_behavior_scripts_the_next_runs_and_clearing_it_restores_the_fixtures(api):
    path = f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}"
    declared = api.client.get(path).json
    assert declared["processedRows"] == 1250
    scripted = {"outcome": "EXECUTION_FAILED", "durations": {"DISPATCHING_FLOW": 2, "STARTING_FLOW_EXECUTION": 600},
                "errorMessage": "disk full", "sequence": [{"outcome": "EXECUTION_REJECTED", "rejectedRows": 3}]}
    stored = api.client.put(path, json=scripted)
    assert stored.status_code == 200 and stored.json["outcome"] == "EXECUTION_FAILED"
    assert stored.json["sequence"][0]["outcome"] == "EXECUTION_REJECTED"
    assert run_to_end(api, LOAD_CUSTOMERS)["executionStatus"] == "EXECUTION_REJECTED"
    failed = run_to_end(api, LOAD_CUSTOMERS)
    assert failed["executionStatus"] == "EXECUTION_FAILED" and "disk full" in failed.get("errorMessage", "")
    assert api.client.delete(path).status_code == 204
    assert api.client.get(path).json == declared
    assert run_to_end(api, LOAD_CUSTOMERS)["executionStatus"] == "EXECUTION_SUCCESS"


def test_generated_log_lines_are_made_as_the_run_logs_and_echoed_as_sent(api):
    """A long log for three fields: the lines are made when the run logs them, after the behavior's own lines;
    the behavior is stored and echoed as sent, not as 100,000 lines. The message is text, never a format."""
    path = f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}"
    generated = {"count": 3, "message": "row {n} of {count} {0.__class__}", "severity": "WARN"}
    stored = api.client.put(path, json={"logLines": ["first"], "logLinesGenerated": generated})
    assert stored.status_code == 200, stored.json
    assert stored.json["logLinesGenerated"] == generated and len(stored.json["logLines"]) == 1
    execution_id = api.execute(LOAD_CUSTOMERS)
    api.advance(3600)
    logs = api.get(f"/monitoring/executions/{execution_id}/logs", query_string={"order": "ASC", "count": 100}).json
    job = [(e["severity"], e["logMessage"]) for e in logs["data"]
           if e["logMessage"] == "first" or e["logMessage"].startswith("row ")]
    assert job == [("INFO", "first"), ("WARN", "row 1 of 3 {0.__class__}"), ("WARN", "row 2 of 3 {0.__class__}"),
                   ("WARN", "row 3 of 3 {0.__class__}")]
    # null drops them (a sequence entry's way out of its base's).
    dropped = api.client.put(path, json={"logLinesGenerated": None})
    assert dropped.status_code == 200 and "logLinesGenerated" not in dropped.json


@pytest.mark.parametrize("body, says", [
    ({"logLinesGenerated": {"count": 1_000_001}}, "'logLinesGenerated.count': 1000001 is greater than the maximum"),
    ({"logLinesGenerated": {"message": "x"}}, "'logLinesGenerated': 'count' is a required property"),
    ({"logLinesGenerated": {"count": 2, "message": "x" * 1001}}, "'logLinesGenerated.message': "),
    ({"logLinesGenerated": {"count": 2, "colour": "red"}}, "('colour' was unexpected)"),
    ({"outcome": "MAYBE"}, "'outcome': 'MAYBE' is not one of"),
    ({"durations": {"DISPATCHING_FLOW": -1}}, "'durations.DISPATCHING_FLOW': -1 is less than the minimum of 0"),
    ({"colour": "red"}, "Additional properties are not allowed ('colour' was unexpected)"),
])
def test_a_bad_behavior_changes_nothing(api, body, says):
    path = f"/_mocktmc/behaviors/tasks/{SYNC_ORDERS}"
    before = api.client.get(path).json
    assert_error(api.client.put(path, json=body), 400, says)
    assert api.client.get(path).json == before
    assert_error(api.client.get("/_mocktmc/behaviors/tasks/nope"), 404, "Task nope not found")


def test_personal_tokens_and_service_accounts_can_be_made(api):
    strict = Api(make_app(auth="strict"), {})
    made = strict.client.post("/_mocktmc/tokens", json={"user": "bob@demo.mocktmc.local"})
    assert made.status_code == 201 and made.json["userId"] == "65f1a0c2e4b0a1b2c3d4e5f7"
    headers = {"Authorization": f"Bearer {made.json['token']}"}
    assert strict.client.get("/orchestration/environments", headers=headers).status_code == 200
    assert_error(strict.client.post("/_mocktmc/tokens", json={"user": "nobody"}), 404, "No user 'nobody' in account")
    account = strict.client.post("/_mocktmc/service-accounts", json={"name": "deployer"})
    assert account.status_code == 201
    basic = base64.b64encode(f"{account.json['clientId']}:{account.json['clientSecret']}".encode()).decode()
    token = strict.client.post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                               json={"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"})
    assert token.status_code == 200, token.json
    assert strict.client.get("/orchestration/environments",
                             headers={"Authorization": f"Bearer {token.json['access_token']}"}).status_code == 200
    assert_error(strict.client.post("/_mocktmc/service-accounts", json={"name": "deployer"}),
                 400, "A service account named 'deployer' exists already")


def test_the_control_token_closes_the_control_plane_but_not_what_stands_in_for_tmc():
    api = Api(make_app(control_token="s3cret"))
    assert_error(api.client.post("/_mocktmc/clock/advance", json={"seconds": 1}), 401, "Missing Authorization header")
    assert_error(api.client.post("/_mocktmc/reset", headers={"Authorization": "Bearer wrong"}),
                 401, "The control plane needs the control token this server was started with")
    allowed = api.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, headers={"Authorization": "Bearer s3cret"})
    assert allowed.status_code == 200
    for path in ("/_mocktmc/health", "/_mocktmc/contracts"):
        assert api.client.get(path).status_code == 200
    assert api.get(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}").status_code == 200  # TMC calls unaffected
    assert_error(api.client.get("/_mocktmc/clock"), 401, "Missing Authorization header")




def test_state_restored_over_http_answers_and_goes_on_as_before(api):
    execution_id = api.execute(NIGHTLY_REPORT)  # ten minutes long
    api.advance(60)
    saved = api.client.get("/_mocktmc/state")
    assert saved.status_code == 200 and saved.json["format"] == "mocktmc-state/4"
    twin = Api(make_app())  # a server whose clock is a minute behind the snapshot
    assert twin.client.put("/_mocktmc/state", json=saved.json).status_code == 200
    history = f"/processing/executables/tasks/{NIGHTLY_REPORT}/executions"
    assert twin.get(history).json == api.get(history).json
    for seconds in (300, 600, 86400):  # a run finishing, then the nightly schedule firing
        assert twin.advance(seconds)["runsStarted"] == api.advance(seconds)["runsStarted"]
        assert twin.run(execution_id) == api.run(execution_id)
        assert twin.get(history).json == api.get(history).json
    assert api.get(history).json["total"] == 2
    bad = api.client.put("/_mocktmc/state", json={"format": "mocktmc-state/4", "world": {"PhaseEnds": {}}})
    assert_error(bad, 400, "Not a mocktmc state: account: Field required")
    assert api.get(history).json["total"] == 2  # a bad snapshot changes nothing
    assert_error(api.client.get("/_mocktmc/state?account=nope"), 404, "Account nope not found")


def test_a_restore_ahead_of_the_server_clock_needs_no_clock_move():
    """The server clock moves forward to the snapshot's time (never back), and the account goes on following it;
    a snapshot behind the server clock leaves it where it is, and the world catches up with it."""
    api = Api(make_app())
    run = api.execute(NIGHTLY_REPORT)
    api.advance(300)
    ahead = api.client.get("/_mocktmc/state").json
    twin = Api(make_app(clock="rate:2"))
    twin.client.post("/_mocktmc/clock/freeze")
    assert twin.client.put("/_mocktmc/state", json=ahead).status_code == 200
    clock = twin.client.get("/_mocktmc/clock").json
    assert clock["nowMs"] == api.client.get("/_mocktmc/clock").json["nowMs"] and clock["frozen"]
    assert twin.client.post("/_mocktmc/clock/resume").json["rate"] == 2  # the server clock's own rate, kept
    twin.client.post("/_mocktmc/clock/freeze")
    account = ahead["account"]["id"]
    assert twin.client.get(f"/_mocktmc/clock?account={account}").json["own"] is False
    assert twin.run(run)["executionStatus"] == "STARTING_FLOW_EXECUTION"
    twin.advance(600)
    assert twin.run(run)["executionStatus"] == "EXECUTION_SUCCESS"
    behind = Api(make_app())
    later = behind.advance(7200)["nowMs"]
    assert behind.client.put("/_mocktmc/state", json=ahead).status_code == 200
    assert behind.client.get("/_mocktmc/clock").json["nowMs"] == later
    assert behind.run(run)["executionStatus"] == "EXECUTION_SUCCESS"


def test_a_snapshot_above_the_upload_limit_restores_with_default_settings():
    """Issue 20 row 9: the state endpoint's body limit is its own (--state-limit, 512 MiB by default), not the
    resource upload's (10 MiB); above it, a 413 names it and nothing changes."""
    api = Api(make_app())
    saved = api.client.get("/_mocktmc/state").json
    big = json.loads(json.dumps(saved))
    big["tasks"][NIGHTLY_REPORT]["description"] = "x" * (12 * 1024 * 1024)  # a body of some 12 MB
    body = json.dumps(big)
    assert len(body) > api.app.config["MAX_CONTENT_LENGTH"]
    restored = api.client.put("/_mocktmc/state", data=body, content_type="application/json")
    assert restored.status_code == 200, restored.json
    assert len(api.get(f"/orchestration/executables/tasks/{NIGHTLY_REPORT}").json["description"]) == 12 * 1024 * 1024
    small = Api(make_app(state_limit=4096))
    before = small.client.get("/_mocktmc/state").json
    assert_error(small.client.put("/_mocktmc/state", json=saved), 413,
                 "A state body may carry at most 4096 bytes (the server's --state-limit, MOCKTMC_STATE_LIMIT)")
    assert small.client.get("/_mocktmc/state").json == before


def test_a_snapshot_leaves_secrets_out_unless_the_control_token_asks_for_them():
    """Connection passwords, service account secrets and engine keys read "[redacted]" by default; the bearer of
    the control token gets them with ?secrets=include. A redacted snapshot restores: a redacted credential then
    matches nothing (a service account's secret, an engine's pre-authorized key), other values keep the
    placeholder."""
    control = {"Authorization": "Bearer s3cret"}
    api = Api(make_app(control_token="s3cret"))
    made = api.client.post("/_mocktmc/service-accounts", json={"name": "ci"}, headers=control).json
    redacted = api.client.get("/_mocktmc/state", headers=control)
    assert redacted.status_code == 200
    text = redacted.get_data(as_text=True)
    assert made["clientSecret"] not in text and "demo-password" not in text
    assert redacted.json["service_accounts"][made["clientId"]]["secret"] == "[redacted]"
    keys = [engine["pre_authorized_key"] for engine in redacted.json["remote_engines"].values()]
    assert keys and set(keys) == {"[redacted]"}
    full = api.client.get("/_mocktmc/state?secrets=include", headers=control)
    assert full.json["service_accounts"][made["clientId"]]["secret"] == made["clientSecret"]
    assert "demo-password" in full.get_data(as_text=True)
    assert full.json["executions"] == redacted.json["executions"]
    assert_error(api.client.get("/_mocktmc/state?secrets=include", headers={"Authorization": "Bearer other"}),
                 401, "The control plane needs the control token")
    assert_error(api.client.get("/_mocktmc/state?secrets=all", headers=control), 400,
                 "Query parameter 'secrets': 'all' is not one of ['redact', 'include']")
    # a redacted snapshot restores; its credentials match nothing, not the placeholder
    assert api.client.put("/_mocktmc/state", json=redacted.json, headers=control).status_code == 200
    for secret in (made["clientSecret"], "[redacted]"):
        basic = base64.b64encode(f"{made['clientId']}:{secret}".encode()).decode()
        assert_error(api.client.post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                                     json={"audience": "x", "grant_type": "client_credentials"}),
                     401, "The ClientId or Secret is missing or invalid")
    assert_error(api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": "[redacted]"}, headers=control),
                 404, "No remote engine holds this pre-authorized key")
    assert api.client.put("/_mocktmc/state", json=full.json, headers=control).status_code == 200
    basic = base64.b64encode(f"{made['clientId']}:{made['clientSecret']}".encode()).decode()
    assert api.client.post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                           json={"audience": "x", "grant_type": "client_credentials"}).status_code == 200
