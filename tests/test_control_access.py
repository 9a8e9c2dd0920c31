"""Who may use the control plane (issue 20, rows 6, 7, 8 and 12): the control token before anything else, a
server reachable by others closed by default, a bearer token in auth mode isolated limited to its own account,
and control tokens of any printable characters."""
from __future__ import annotations

import os
import sys

import pytest
import requests

from mocktmc.config import Settings
from mocktmc.testing import MockTMC

from .conftest import BASE_WORLD, LOAD_CUSTOMERS, Api, make_app
from .errors import assert_error
from .serving import served

CONTROL_TOKEN_NEEDED = "control plane needs the control token this server was started with"
OWN_ACCOUNT_ONLY = "a bearer token steers only its own account on the control plane"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_control_token_is_checked_before_the_body():
    """Row 6: without the control token a bad body, a huge number or a bad media type is a 401, not a 400 or
    500 that would tell a stranger how the body is read; and nothing changes."""
    api = Api(make_app(control_token="s3cret"), bearer("s3cret"))
    before = api.client.get("/_mocktmc/clock", headers=api.headers).json
    refused = [
        ("post", "/_mocktmc/clock/advance", {"data": b'{"seconds": 1' + b"0" * 5000 + b"}",
                                             "content_type": "application/json"}),
        ("post", "/_mocktmc/clock/advance", {"json": {"seconds": "soon"}}),
        ("put", "/_mocktmc/state", {"data": b"{not json", "content_type": "application/json"}),
        ("post", "/_mocktmc/fixtures", {"data": b"x", "content_type": "text/plain"}),
        ("post", "/_mocktmc/faults", {"json": {"path": "nowhere"}}),
        ("post", "/_mocktmc/no-such-call", {}),
    ]
    for method, path, body in refused:
        response = getattr(api.client, method)(path, **body)
        assert_error(response, 401, "Missing Authorization header", CONTROL_TOKEN_NEEDED)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_error(api.client.post("/_mocktmc/clock/advance", json={"seconds": "soon"}, headers=bearer("guess")),
                 401, "The control plane needs the control token")
    assert api.client.get("/_mocktmc/clock", headers=api.headers).json == before
    # With the token the same body is read, and its fault named.
    assert_error(api.client.post("/_mocktmc/clock/advance", json={"seconds": "soon"}, headers=api.headers),
                 400, "'seconds'")


def test_a_server_beyond_loopback_makes_up_a_control_token_and_prints_it(tmp_path):
    """Row 7: `serve --host 0.0.0.0` (the Docker image) without --control-token closes the control plane behind
    a token it prints on its second line; without it no one resets, reads state or mints a token."""
    env = {**os.environ, "MOCKTMC_CLOCK": "frozen", "MOCKTMC_FIXTURES": BASE_WORLD, "MOCKTMC_AUTH": "strict"}
    env.pop("MOCKTMC_CONTROL_TOKEN", None)
    env.pop("MOCKTMC_OPEN_CONTROL_PLANE", None)
    command = [sys.executable, "-m", "mocktmc", "serve", "--host", "0.0.0.0", "--port", "0"]
    with served(command, tmp_path / "serve.log", env=env) as (proc, url):
        line = proc.stdout.readline()
        assert line.startswith("mocktmc: control token (made up, as 0.0.0.0 is beyond loopback): "), line
        token = line.rsplit(": ", 1)[1].strip()
        assert len(token) >= 32
        assert requests.get(f"{url}/_mocktmc/health", timeout=10).status_code == 200  # the health check stays open
        for method, path in (("POST", "/_mocktmc/reset"), ("GET", "/_mocktmc/state"),
                             ("POST", "/_mocktmc/tokens"), ("POST", "/_mocktmc/service-accounts")):
            response = requests.request(method, f"{url}{path}", json={"name": "intruder"}, timeout=10)
            assert_error(response, 401, CONTROL_TOKEN_NEEDED)
        minted = requests.post(f"{url}/_mocktmc/tokens", json={}, headers=bearer(token), timeout=10)
        assert minted.status_code == 201, minted.text
        assert requests.get(f"{url}/processing/executables/tasks", headers=bearer(minted.json()["token"]),
                            timeout=10).status_code == 200
        state = requests.get(f"{url}/_mocktmc/state", headers=bearer(token), timeout=10).json()
        assert not any(account["name"] == "intruder" for account in state.get("serviceAccounts", []))


def test_a_bearer_token_in_isolated_mode_steers_only_its_own_account():
    """Row 8: token A naming account B reads, scripts and resets nothing of B's; what acts on every account
    needs the control token; A still steers its own account."""
    app = make_app(auth="isolated")
    alice, bob = Api(app, bearer("alice")), Api(app, bearer("bob"))
    bob_run = bob.execute(LOAD_CUSTOMERS)
    bob_account = app.extensions["mocktmc"].accounts.account_of("bob").account_id
    bob_state = bob.client.get(f"/_mocktmc/state?account={bob_account}").json  # the open plane: anyone may
    bob_behavior = bob.client.get(f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}?account={bob_account}").json
    named = f"?account={bob_account}"
    for method, path, body in (
            ("get", f"/_mocktmc/state{named}", None), ("put", f"/_mocktmc/state{named}", bob_state),
            ("put", f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}{named}", {"outcome": "EXECUTION_FAILED"}),
            ("post", "/_mocktmc/faults", {"path": "/processing/**", "status": 503, "account": bob_account}),
            ("get", f"/_mocktmc/requests{named}", None), ("post", f"/_mocktmc/reset{named}", None),
            ("post", f"/_mocktmc/clock/advance{named}", {"seconds": 3600}),
            ("post", f"/_mocktmc/tokens{named}", {})):
        assert_error(getattr(alice.client, method)(path, json=body, headers=alice.headers), 403, OWN_ACCOUNT_ONLY,
                     f"account {bob_account} is not this token's")
    for method, path, what in (("post", "/_mocktmc/reset", "resets every account"),
                               ("get", "/_mocktmc/accounts", "lists every account"),
                               ("delete", "/_mocktmc/faults", "removes every account's rules"),
                               ("delete", "/_mocktmc/requests", "empties every account's journal")):
        assert_error(getattr(alice.client, method)(path, headers=alice.headers), 403, OWN_ACCOUNT_ONLY, what,
                     "needs the control token")
    assert_error(alice.client.post("/_mocktmc/fixtures", data="accountName: x\n", content_type="application/yaml",
                                   headers=alice.headers), 403, "loads the fixture world into every account")
    # B is as it was: its state, its behavior, no rule, its run not moved on.
    assert bob.client.get(f"/_mocktmc/state{named}").json == bob_state
    assert bob.client.get(f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}{named}").json == bob_behavior
    assert bob.client.get("/_mocktmc/faults").json == []
    assert bob.run(bob_run)["executionStatus"] == "EXECUTION_EVENT_RECEIVED"
    # A's own account, named or not, is A's to steer; its rules are its account's.
    set_own = alice.client.put(f"/_mocktmc/behaviors/tasks/{LOAD_CUSTOMERS}", json={"outcome": "EXECUTION_FAILED"},
                               headers=alice.headers)
    assert set_own.status_code == 200, set_own.json
    rule = alice.client.post("/_mocktmc/faults", json={"path": "/x", "status": 503}, headers=alice.headers).json
    alice_account = app.extensions["mocktmc"].accounts.account_of("alice").account_id
    assert rule["account"] == alice_account
    assert alice.client.post(f"/_mocktmc/reset?account={alice_account}", headers=alice.headers).status_code == 200


def test_the_control_token_names_any_account_on_a_closed_isolated_server():
    """Row 8, with a control token: it may name any account and reset them all; a bearer token steers its own."""
    app = make_app(auth="isolated", control_token="s3cret")
    bob = Api(app, bearer("bob"))
    bob_account = bob.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, headers=bob.headers).json["account"]
    assert_error(bob.client.get("/_mocktmc/accounts", headers=bob.headers), 403, "lists every account")
    admin = bearer("s3cret")
    assert bob.client.get(f"/_mocktmc/state?account={bob_account}", headers=admin).status_code == 200
    assert bob_account in {a["id"] for a in bob.client.get("/_mocktmc/accounts", headers=admin).json}
    assert bob.client.post("/_mocktmc/reset", headers=admin).status_code == 200
    assert_error(bob.client.post("/_mocktmc/reset"), 401, "Missing Authorization header", "control token")


@pytest.mark.parametrize("token", ["pa$$word!", "two words & a \"quote\""])
def test_a_control_token_of_any_printable_characters_opens_the_control_plane(token):
    """Row 12: '$', '!', quotes and spaces are not in the bearer syntax of RFC 6750, but a control token holds
    them: it is compared as sent. What no header can carry as it is is refused at start-up, naming why."""
    api = Api(make_app(control_token=token, auth="strict"))
    assert api.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, headers=bearer(token)).status_code == 200
    assert_error(api.client.post("/_mocktmc/clock/advance", json={"seconds": 1}, headers=bearer(token[:-1])),
                 401, CONTROL_TOKEN_NEEDED)
    mock = MockTMC(fixtures=BASE_WORLD, control_token=token)  # the Python API sends it as it is
    assert mock.tokens.personal()["token"]
    for unsendable in (" padded ", "new\nline", "caf\u00e9", ""):
        with pytest.raises(ValueError, match="control_token must be printable ASCII"):
            Settings(control_token=unsendable)
