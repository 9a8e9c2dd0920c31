"""A fleet behind nginx (deploy/): three `mocktmc serve` processes and a real nginx, configured from the shipped
deploy/nginx files, on free loopback ports. Through the balancer each client sees one mocktmc: its own world,
its own clock, an OAuth token that works, a reset that touches its account alone.

nginx is started by bench/fleet.py's balancer(), which the fleet benchmark uses too. Needs nginx and its njs
module (Debian: nginx, libnginx-mod-http-js; .ci/run installs them); skipped, saying so, where they are missing.
The control plane's X-Mocktmc-Token, which the balancer routes control calls by, is tested without nginx."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from datetime import timedelta

import pytest
import requests
import yaml

from bench.fleet import balancer, nginx
from mocktmc import testing
from mocktmc.control import access

from .conftest import LOAD_CUSTOMERS, SERVICE_ACCOUNT, SERVICE_SECRET, Api, make_app
from .errors import assert_error
from .serving import served

pytest_plugins = ["pytester"]
needs_nginx = pytest.mark.skipif(
    nginx() is None,
    reason="nginx with its njs module is not installed (Debian: nginx libnginx-mod-http-js; .ci/run installs them)")
SERVERS = 3
UPSTREAM = "X-Mocktmc-Upstream"  # deploy/nginx/nginx.conf names the server that answered


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Iterator[tuple[str, list[str]]]:
    """(the balancer's URL, the servers' URLs): three isolated servers with frozen clocks behind nginx."""
    workdir = tmp_path_factory.mktemp("fleet")
    env = {**os.environ, "MOCKTMC_CLOCK": "frozen", "MOCKTMC_START": "2024-03-01T09:00:00Z", "MOCKTMC_AUTH": "isolated"}
    with ExitStack() as stack:
        servers = [stack.enter_context(served([sys.executable, "-m", "mocktmc", "serve", "--port", "0"],
                                              workdir / f"serve-{n}.log", env=env))[1] for n in range(SERVERS)]
        yield stack.enter_context(balancer(servers, workdir)), servers


def client(url: str, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def server_of(fleet: tuple[str, list[str]], response: requests.Response) -> str:
    """The URL of the server that answered, as the balancer names it."""
    return f"http://{response.headers[UPSTREAM]}"


def start(url: str, token: str) -> tuple[str, str]:
    """A run of Load customers for the token's account: (its id, the server that started it)."""
    answer = client(url, token).post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["executionId"], answer.headers[UPSTREAM]


@needs_nginx
def test_each_token_lands_on_one_server_and_sees_its_own_world(fleet):
    url, servers = fleet
    tokens = [f"fleet-client-{n}" for n in range(12)]
    runs = {token: start(url, token) for token in tokens}
    started = {run_id for run_id, _ in runs.values()}
    for token, (run_id, upstream) in runs.items():
        with client(url, token) as session:
            history = session.get(f"{url}/processing/executables/tasks/{LOAD_CUSTOMERS}/executions",
                                  params={"limit": 100}, timeout=30)
            assert history.headers[UPSTREAM] == upstream  # every call of the token reaches the same server
            seen = {item["executionId"] for item in history.json()["items"]}
            assert seen & started == {run_id}  # its own run, beside the fixture world's history: no other's
    used = {upstream for _, upstream in runs.values()}
    assert len(used) >= 2 and used <= {server.split("//")[1] for server in servers}  # the tokens spread
    # On each server, its journal holds the calls of the tokens routed to it, and no other's.
    for server in servers:
        accounts = {entry["account"] for entry in requests.get(f"{server}/_mocktmc/requests",
                                                                params={"path": "/processing/executions"},
                                                                timeout=30).json()}
        routed_here = {testing.connect(server).account_of(token) for token, (_, up) in runs.items()
                       if f"http://{up}" == server}
        assert accounts == routed_here


@needs_nginx
def test_time_moves_only_the_account_whose_clock_it_is(fleet):
    url, _ = fleet
    (mine, _), (theirs, _) = start(url, "fleet-clock-mine"), start(url, "fleet-clock-theirs")
    control = testing.connect(url).for_token("fleet-clock-mine")  # its control calls route by the token
    before = testing.connect(url).for_token("fleet-clock-theirs").clock.now()
    control.clock.advance(hours=2)
    run = client(url, "fleet-clock-mine").get(f"{url}/processing/executions/{mine}", timeout=30).json()
    other = client(url, "fleet-clock-theirs").get(f"{url}/processing/executions/{theirs}", timeout=30).json()
    assert run["status"] == "execution_successful" and other["status"] == "dispatching"
    assert testing.connect(url).for_token("fleet-clock-theirs").clock.now() == before
    assert control.clock.now() - before >= timedelta(hours=2)


@needs_nginx
def test_an_oauth_token_routes_back_to_the_server_that_issued_it(fleet):
    url, _ = fleet
    issued = requests.post(f"{url}/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                           data={"grant_type": "client_credentials", "audience": url}, timeout=30)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    run_id, upstream = start(url, token)
    with client(url, token) as session:
        read = session.get(f"{url}/processing/executions/{run_id}", timeout=30)
        workspaces = session.get(f"{url}/orchestration/workspaces", timeout=30)
    assert issued.headers[UPSTREAM] == upstream == read.headers[UPSTREAM] == workspaces.headers[UPSTREAM]
    assert read.status_code == 200 and read.json()["userType"] == "SERVICE"
    assert workspaces.status_code == 200 and workspaces.json()


@needs_nginx
def test_a_reset_of_one_account_leaves_the_others_alone(fleet):
    url, _ = fleet
    runs = {token: start(url, token) for token in (f"fleet-reset-{n}" for n in range(8))}
    reset, (gone, gone_server) = next(iter(runs.items()))
    testing.connect(url).for_token(reset).reset()
    answer = client(url, reset).get(f"{url}/processing/executions/{gone}", timeout=30)
    assert_error(answer, 404, gone)
    others = [(token, run) for token, run in runs.items() if token != reset]
    assert any(server == gone_server for _, (_, server) in others), "no other account on the reset's server"
    for token, (run_id, _) in others:
        assert client(url, token).get(f"{url}/processing/executions/{run_id}", timeout=30).status_code == 200


@needs_nginx
def test_addresses_without_a_token_reach_a_server(fleet):
    url, _ = fleet
    assert requests.get(f"{url}/_mocktmc/health", timeout=30).json()["status"] == "UP"
    assert requests.get(f"{url}/_mocktmc/contracts/processing.yaml", timeout=30).status_code == 200
    # A log download address names no token: the balancer asks each server until one holds it.
    token = "fleet-downloads"
    run_id, _ = start(url, token)
    testing.connect(url).for_token(token).clock.advance(minutes=10)
    with client(url, token) as session:
        export = session.post(f"{url}/monitoring/executions/{run_id}/logs", json={}, timeout=30).json()["token"]
        while (status := session.post(f"{url}/monitoring/executions/{run_id}/logs/status", json=export,
                                      timeout=30).json())["status"] == "IN_PROGRESS":
            testing.connect(url).for_token(token).clock.advance(seconds=5)
    assert status["status"] == "READY" and status["presignedURL"].startswith(url)
    download = requests.get(status["presignedURL"], timeout=30)  # no Authorization, as clients fetch it
    assert download.status_code == 200 and "Execution finished successfully" in download.text


@needs_nginx
def test_a_pytest_suite_uses_the_fleet_as_one_mock(fleet, pytester):
    """The plugin's fixtures through the balancer (--mocktmc-url): each test's token, its control calls, its clock,
    its journal and its client report reach its account's server, whichever that is."""
    url, _ = fleet
    pytester.makepyfile(test_through_the_fleet=f"""
        import pytest

        @pytest.mark.parametrize("number", range(6))
        def test_one_client(number, mocktmc_client, mocktmc_control):
            started = mocktmc_client.post("/processing/executions", json={{"executable": "{LOAD_CUSTOMERS}"}})
            assert started.status_code == 201
            run = "/processing/executions/" + started.json()["executionId"]
            mocktmc_control.clock.advance(minutes=10)  # this test's account only
            assert mocktmc_client.get(run).json()["status"] == "execution_successful"
            mocktmc_control.journal.assert_called("POST", "/processing/executions", times=1)
            assert mocktmc_control.report()["findings"] == []
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "--mocktmc-url", url)
    assert result.ret == 0 and "6 passed" in result.stdout.str(), result.stdout.str()


# --- the control plane's X-Mocktmc-Token (no nginx needed) ---------------------------------------------------
def test_the_route_header_is_one_name():
    assert testing.ROUTE_HEADER == access.ROUTE_HEADER == "X-Mocktmc-Token"


def test_a_control_call_names_its_account_by_token():
    app = make_app(auth="isolated")
    Api(app, {"Authorization": "Bearer routed-a"}).execute(LOAD_CUSTOMERS)
    control = app.test_client()
    accounts = app.extensions["mocktmc"].accounts
    mine = accounts.account_of("routed-a").account_id
    moved = control.post("/_mocktmc/clock/advance", json={"seconds": 3600}, headers={"X-Mocktmc-Token": "routed-a"})
    assert moved.status_code == 200 and moved.json["account"] == mine
    assert accounts.clock_of(accounts.world(mine)).now() > accounts.clock.now()  # that account's clock alone
    journal = control.get("/_mocktmc/requests", headers={"X-Mocktmc-Token": "routed-a"}).json
    assert {entry["account"] for entry in journal} == {mine}
    other = accounts.account_of("routed-b").account_id
    before = accounts.clock_of(accounts.world(other)).now()
    refused = control.post("/_mocktmc/clock/advance", json={"seconds": 3600}, query_string={"account": other},
                           headers={"X-Mocktmc-Token": "routed-a"})
    assert_error(refused, 400, f"?account={other} and X-Mocktmc-Token (whose account is {mine})")
    assert accounts.clock_of(accounts.world(other)).now() == before  # the refused call moved nothing


def test_the_deploy_files_agree_with_the_nginx_configuration():
    """What compose and Kubernetes mount is what nginx.conf reads, and every mounted file is shipped."""
    deploy = Path(__file__).resolve().parent.parent / "deploy"
    conf = (deploy / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    js_path = conf.split("js_path ", 1)[1].split(";", 1)[0]
    script = conf.split("js_import route from ", 1)[1].split(";", 1)[0]
    servers = conf.split("include ", 1)[1].split(";", 1)[0]
    needed = {"/etc/nginx/nginx.conf", f"{js_path.rstrip('/')}/{script}", servers}
    for name in ("compose.yaml", "compose.state.yaml"):
        balancer_service = yaml.safe_load((deploy / name).read_text(encoding="utf-8"))["services"]["balancer"]
        mounts = dict(volume.rsplit(":", 1)[0].split(":", 1)[::-1] for volume in balancer_service["volumes"])
        assert set(mounts) == needed, name
        assert all((deploy / source).is_file() for source in mounts.values()), name
    documents = list(yaml.safe_load_all((deploy / "kubernetes" / "mocktmc-fleet.yaml").read_text(encoding="utf-8")))
    nginx_pod = next(doc for doc in documents if doc["metadata"]["name"] == "mocktmc-balancer"
                     and doc["kind"] == "Deployment")["spec"]["template"]["spec"]
    mounts = {mount["mountPath"]: mount["subPath"] for mount in nginx_pod["containers"][0]["volumeMounts"]}
    assert set(mounts) == needed and all((deploy / "nginx" / key).is_file() for key in mounts.values())
    # Every server of the named list runs in compose.state.yaml, with a state dir on a volume of its own.
    named = (deploy / "nginx" / "servers-named.conf").read_text(encoding="utf-8")
    state = yaml.safe_load((deploy / "compose.state.yaml").read_text(encoding="utf-8"))["services"]
    listed = {line.split()[1].split(":")[0] for line in named.splitlines() if line.startswith("server ")}
    assert listed == set(state) - {"balancer"}
    assert len({tuple(state[name]["volumes"]) for name in listed}) == len(listed)
    assert all(state[name]["environment"]["MOCKTMC_STATE_DIR"] == "/var/lib/mocktmc" for name in listed)


def test_an_expired_token_still_names_its_account():
    """A client renewing its token addresses the same account: routing by a token is not acting with it."""
    app = make_app(auth="strict")
    control = app.test_client()
    issued = control.post("/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                          data={"grant_type": "client_credentials", "audience": "http://localhost"})
    token = issued.json["access_token"]
    assert control.post("/_mocktmc/clock/advance", json={"seconds": 1801}).status_code == 200
    assert_error(control.get("/orchestration/workspaces", headers={"Authorization": f"Bearer {token}"}),
                 401, "The access token has expired")
    moved = control.post("/_mocktmc/clock/advance", json={"seconds": 60}, headers={"X-Mocktmc-Token": token})
    assert moved.status_code == 200 and moved.json["account"] == app.extensions["mocktmc"].accounts.token_holder(
        token)[0]
    assert_error(control.post("/_mocktmc/clock/advance", json={"seconds": 60},
                              headers={"X-Mocktmc-Token": "never-issued"}), 401, "Unknown access token")
