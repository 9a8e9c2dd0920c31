"""`serve --state-dir`: the server's state kept on disk across a clean stop and a kill -9 (control/state_dir.py)."""
from __future__ import annotations

import base64
import os
import signal
import sqlite3
import sys
import time
from datetime import datetime

import pytest
import requests
from click.testing import CliRunner

from mocktmc.app import create_app
from mocktmc.cli import main
from mocktmc.control import state_dir
from mocktmc.control.state_dir import FILE_NAME, StateDirError, StateStore

from .conftest import BASE_WORLD, NIGHTLY_REPORT, settings_of
from .errors import assert_error
from .serving import served

HISTORY = f"/processing/executables/tasks/{NIGHTLY_REPORT}/executions"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _saved(directory, holds) -> dict:
    """The server's record once the running server has saved one that `holds` (it saves every 0.1 s here)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            found = StateStore(directory).read()
        except StateDirError:  # the file is being made
            found = None
        if found is not None and holds(found[0]):
            return found[0]
        time.sleep(0.05)  # waiting for the server's background save, not for the simulation
    raise AssertionError("the server never saved the state")


def test_a_served_state_dir_survives_kill_9(tmp_path):
    """Tasks, a run mid-way, a fault rule, tokens and a moved clock: after SIGKILL and a restart on the same state
    dir the answers are the same, the run goes on, the fault fires and the tokens work."""
    directory = tmp_path / "state"
    command = [sys.executable, "-m", "mocktmc", "serve", "--host", "127.0.0.1", "--port", "0", "--auth", "strict",
               "--clock", "frozen", "--start", "2024-03-01T09:00:00Z", "--fixtures", BASE_WORLD,
               "--state-dir", str(directory), "--state-interval", "0.1"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKTMC_")}
    with served(command, tmp_path / "first.log", env=env) as (proc, url):
        control = requests.Session()
        token = control.post(f"{url}/_mocktmc/tokens", json={}).json()["token"]
        client = control.post(f"{url}/_mocktmc/service-accounts", json={"name": "deployer"}).json()
        basic = base64.b64encode(f"{client['clientId']}:{client['clientSecret']}".encode()).decode()
        issued = control.post(f"{url}/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                              json={"audience": "https://api.eu.cloud.talend.com", "grant_type": "client_credentials"})
        service_token = issued.json()["access_token"]
        run = requests.post(f"{url}/processing/executions", json={"executable": NIGHTLY_REPORT},
                            headers=_bearer(token)).json()["executionId"]  # ten minutes long
        moved = control.post(f"{url}/_mocktmc/clock/advance", json={"seconds": 60}).json()
        fault = control.post(f"{url}/_mocktmc/faults", json={"method": "GET", "path": "/orchestration/environments",
                                                              "status": 503, "times": 1}).json()
        before = {path: requests.get(f"{url}{path}", headers=_bearer(token)).json()
                  for path in (HISTORY, f"/processing/executions/{run}", "/orchestration/executables/tasks")}
        assert before[f"/processing/executions/{run}"]["executionStatus"] == "STARTING_FLOW_EXECUTION"
        moved_to = datetime.fromisoformat(moved["now"].replace("Z", "+00:00"))
        _saved(directory, lambda server: server["faults"]["rules"] and server["clock"]["now"] == moved_to
               and any(t["token"] == service_token for t in server["tokens"]))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    with served(command, tmp_path / "second.log", env=env) as (_, url):
        control = requests.Session()
        assert control.get(f"{url}/_mocktmc/clock").json()["nowMs"] == moved["nowMs"]
        assert control.get(f"{url}/_mocktmc/faults").json() == [fault]
        for path, answer in before.items():
            assert requests.get(f"{url}{path}", headers=_bearer(token)).json() == answer, path
        faulted = requests.get(f"{url}/orchestration/environments", headers=_bearer(token))
        assert_error(faulted, 503, f"Injected by mocktmc fault rule {fault['id']}")
        assert faulted.headers["X-Mocktmc-Fault"] == fault["id"]
        assert requests.get(f"{url}/orchestration/environments", headers=_bearer(service_token)).status_code == 200
        assert_error(requests.get(f"{url}/orchestration/environments", headers=_bearer("unknown")), 401,
                     "Unknown access token")
        control.post(f"{url}/_mocktmc/clock/advance", json={"seconds": 600})
        ended = requests.get(f"{url}/processing/executions/{run}", headers=_bearer(token)).json()
        assert ended["executionStatus"] == "EXECUTION_SUCCESS"
        # a new token is a new one: the token ids went on where they were, not from the seed again
        assert control.post(f"{url}/_mocktmc/tokens", json={}).json()["token"] != token


def test_a_clean_stop_keeps_own_clocks_accounts_and_service_accounts(tmp_path):
    settings = settings_of(auth="isolated", state_dir=str(tmp_path))
    app = create_app(settings)
    client = app.test_client()
    run = client.post("/processing/executions", json={"executable": NIGHTLY_REPORT},
                      headers=_bearer("worker")).json["executionId"]
    moved = client.post("/_mocktmc/clock/advance", json={"seconds": 120}, headers=_bearer("worker")).json
    made = client.post(f"/_mocktmc/service-accounts?account={moved['account']}", json={"name": "ci"}).json
    state_dir.close(app)
    again = create_app(settings)
    try:
        client = again.test_client()
        assert client.get(f"/_mocktmc/clock?account={moved['account']}").json["nowMs"] == moved["nowMs"]
        assert client.get("/_mocktmc/clock").json["nowMs"] < moved["nowMs"]  # the server's did not move
        basic = base64.b64encode(f"{made['clientId']}:{made['clientSecret']}".encode()).decode()
        assert client.post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                           json={"audience": "x", "grant_type": "client_credentials"}).status_code == 200
        seen = client.get(f"/processing/executions/{run}", headers=_bearer("worker"))
        assert seen.json["executionStatus"] == "STARTING_FLOW_EXECUTION"
    finally:
        state_dir.close(again)


@pytest.mark.parametrize("content", [b"not a database at all\n" * 50, "foreign"])
def test_a_corrupt_or_foreign_state_file_stops_the_start_and_is_left_alone(tmp_path, content):
    file = tmp_path / FILE_NAME
    if content == "foreign":
        with sqlite3.connect(file) as other:
            other.execute("CREATE TABLE meta (key TEXT, value TEXT)")
            other.execute("INSERT INTO meta VALUES ('format', 'somebody-else/7')")
        other.close()
        says = "format: expected 'mocktmc-state-dir/1', got 'somebody-else/7'"
    else:
        file.write_bytes(content)
        says = "not a mocktmc state file (file is not a database)"
    before = file.read_bytes()
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--fixtures", BASE_WORLD,
                                       "--state-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"cannot use the state dir: state file {file}: {says}" in result.output
    assert file.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([FILE_NAME, state_dir.LOCK_NAME])


def test_a_state_file_whose_snapshot_does_not_load_names_the_account(tmp_path):
    settings = settings_of(state_dir=str(tmp_path))
    app = create_app(settings)
    account = app.extensions["mocktmc"].accounts.default_account_id
    state_dir.close(app)
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("UPDATE accounts SET snapshot = '{\"format\": \"mocktmc-state/4\"}'")
    db.close()
    with pytest.raises(StateDirError, match=f"account {account}: account: Field required"):
        create_app(settings)
    with pytest.raises(StateDirError, match="another mocktmc server is using it"):
        held = StateStore(tmp_path)
        held.hold()
        try:
            StateStore(tmp_path).hold()
        finally:
            held.close()
