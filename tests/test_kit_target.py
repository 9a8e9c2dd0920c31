"""The kit's target as users meet it: reproductions that send what the failing request sent, a mocktmc in auth
mode open checked without its auth (visibly), the clock the kit moves said and kept to its own account, and a
budget the run keeps to."""
from __future__ import annotations

import copy
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from types import SimpleNamespace

import pytest
import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import FuzzingPhaseData
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth
from schemathesis.specs.openapi._auth_retry import get_security_parameters, _invalid_value_for

from mocktmc.contract_documents import contract
from mocktmc.kit import schemathesis_runs as runs
from mocktmc.kit.checks import curl_of
from mocktmc.kit.report import RECORD
from mocktmc.kit.target import Target, TargetOptions, open_target
from mocktmc.testing import MockTMC, connect

from .serving import served

WORKSPACES = "/orchestration/workspaces"
START = "2026-01-05T09:00:00Z"
pytestmark = pytest.mark.xdist_group("kit_target")


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """A `mocktmc serve` process in auth mode open (what `make run` serves), and mocks served from this process in
    auth modes isolated and strict."""
    logs = tmp_path_factory.mktemp("servers")
    urls: dict[str, str] = {}
    env = {**os.environ, "MOCKTMC_CLOCK": "frozen", "MOCKTMC_START": START}
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--auth", "open"], logs / "open.log",
                env=env) as (_, urls["open"]), \
            MockTMC(auth="isolated", clock="frozen", start=START).serve() as urls["isolated"], \
            MockTMC(auth="strict", clock="frozen", start=START).serve() as urls["strict"]:
        yield urls


@pytest.fixture(scope="module")
def list_workspaces() -> Any:
    """GET /orchestration/workspaces as schemathesis loads it, once (from a copy of the shared contract, which
    schemathesis changes)."""
    return schemathesis.openapi.from_dict(copy.deepcopy(contract("orchestration")))[WORKSPACES]["GET"]


def _target(url: str, token: str = "kit-token", **options) -> Target:
    return open_target(TargetOptions(url=url, token=token, **options))


def _run_curl(command: str) -> int:
    """Run a reproduction as a user would paste it, $TMC_TOKEN set; the HTTP status it got."""
    out = subprocess.run(["bash", "-c", command + " -s -o /dev/null -w '%{http_code}'"], capture_output=True,
                         text=True, timeout=30, env={**os.environ, "TMC_TOKEN": "kit-token"})
    return int(out.stdout.strip()[-3:])


def test_a_reproduction_shows_invalid_credentials_as_sent_and_the_kits_token_as_a_variable():
    request = requests.Request("GET", "http://127.0.0.1:8080/orchestration/workspaces",
                               headers={"Authorization": "Bearer not-a-token"}).prepare()
    shown = curl_of(request, secrets={"kit-token": "TMC_TOKEN"})
    assert "'Authorization: Bearer not-a-token'" in shown and "$TMC_TOKEN" not in shown
    request.headers["Authorization"] = "Bearer kit-token"
    shown = curl_of(request, secrets={"kit-token": "TMC_TOKEN"})
    assert '"Authorization: Bearer $TMC_TOKEN"' in shown and "kit-token" not in shown


def test_the_invalid_credentials_are_those_schemathesis_sends(list_workspaces):
    values = {_invalid_value_for(parameter) for parameter in get_security_parameters(list_workspaces)}
    assert values == {runs.INVALID_BEARER}


@pytest.mark.parametrize("scenario, open_status, strict_status", [
    # Auth mode open takes any bearer token, but not none: a request without one is refused there too.
    (AuthScenario.NO_AUTH, 401, 401), (AuthScenario.INVALID_AUTH, 200, 401), (None, 200, 200)])
def test_an_ignored_auth_reproduction_sends_what_the_probe_sent(servers, list_workspaces, scenario, open_status,
                                                                 strict_status):
    """The curl of an ignored_auth failure sends what schemathesis' probe sent: with invalid credentials, the open
    server accepts it again (the failure reproduces) and a server that checks tokens refuses it; without any, both
    refuse it. A failure of another check carries the kit's token, read from $TMC_TOKEN."""
    target = _target(servers["open"])
    case = list_workspaces.Case()
    failure = IgnoredAuth(operation=f"GET {WORKSPACES}", message="accepted", scenario=scenario) \
        if scenario is not None else None
    command = runs._curl(target, case, None, failure)
    if scenario == AuthScenario.NO_AUTH:
        assert "Authorization" not in command
    elif scenario == AuthScenario.INVALID_AUTH:
        assert shlex.quote(f"Authorization: {runs.INVALID_BEARER}") in command
    else:
        assert '"Authorization: Bearer $TMC_TOKEN"' in command
    assert _run_curl(command) == open_status
    # The kit's token is not one the strict server issued either; the probes' credentials must be refused.
    if scenario is not None:
        assert _run_curl(command.replace(servers["open"], servers["strict"])) == strict_status


def test_an_open_mocktmc_is_checked_without_its_auth_and_says_so(servers):
    target = _target(servers["open"])
    assert target.auth_mode == "open" and not target.enforces_auth
    assert "auth open" in target.describe()
    RECORD.exemptions.clear()
    runs.load(target, "security")
    assert any("ignored_auth" in what and "'open'" in why for what, why in RECORD.exemptions)
    strict = open_target(TargetOptions())  # the in-process mock: strict
    assert strict.enforces_auth
    RECORD.exemptions.clear()
    runs.load(strict, "security")
    assert not any("ignored_auth" in what for what, _ in RECORD.exemptions)
    target.close(), strict.close()


def test_the_kit_moves_only_its_own_accounts_clock_and_says_so(servers):
    target = _target(servers["isolated"], token="kit-a")
    server = connect(servers["isolated"])
    before = server.clock.get()["now"]
    other = server.for_token("someone-else")
    other_before = other.clock.get()["now"]
    target.pass_time(3600 * 30 + 60)
    assert server.clock.get()["now"] == before and other.clock.get()["now"] == other_before
    account = server.account_of("kit-a")
    (line,) = target.changes()
    assert f"account {account}'s clock forward by 1 d 6 h 1 min" in line and "own clock" in line
    target.close()


def test_on_an_open_server_the_kit_says_its_time_is_shared(servers):
    target = _target(servers["open"])
    target.pass_time(60)
    assert any("every client of this server shares that account" in line for line in target.changes())
    target.close()


def test_past_its_budget_the_kit_sends_nothing_more_and_lists_what_it_cut(servers):
    target = _target(servers["open"], budget_ends=time.monotonic() - 1)
    RECORD.exemptions.clear()
    with pytest.raises(pytest.skip.Exception, match="budget"):
        target.get(WORKSPACES)
    assert any("budget" in why for _, why in RECORD.exemptions)
    assert target.wait_for(lambda: None, within=3600) is None  # a real wait would end at once: no time left
    target.close()


def _case_negating(parameter: str, location: str, mode: str = "negative") -> SimpleNamespace:
    """A case as schemathesis marks one whose `parameter` it mutated (or left out) to make it invalid."""
    data = FuzzingPhaseData(description=None, parameter=parameter, parameter_location=ParameterLocation(location),
                            location=None)
    return SimpleNamespace(_meta=SimpleNamespace(generation=SimpleNamespace(mode=GenerationMode(mode)),
                                                 phase=SimpleNamespace(data=data)))


def test_a_case_that_leaves_the_credentials_out_is_sent_without_them():
    """A negative case may leave the Authorization header out (schemathesis takes the bearer scheme for a required
    header): the kit must not put its token back, or the target is judged on a request nobody sent."""
    target = open_target(TargetOptions())
    try:
        left_out = _case_negating("Authorization", "header")
        assert runs.omits_credentials(left_out)
        assert runs.transport(target, left_out)["headers"] == {}
        for kept in (_case_negating("Authorization", "header", "positive"), _case_negating("limit", "query"),
                     _case_negating("authorization", "query"), None):
            assert runs.transport(target, kept)["headers"] == target.auth_headers != {}
    finally:
        target.close()
