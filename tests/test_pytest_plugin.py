"""The pytest plugin, used the way a client project uses it: a temporary project run with pytester."""
from __future__ import annotations

import json
from importlib.metadata import entry_points

import pytest

from mocktmc import MockTMC

pytest_plugins = ["pytester"]

LIVE_TESTS = """
import json, os, pathlib
import pytest

LOAD = "65f1a0c2e4b0a1b2c3d42001"
HISTORY = f"/processing/executables/tasks/{LOAD}/executions"

def fixture_runs():  # how many runs of LOAD a fresh account of the demo world holds (its history)
    from mocktmc import MockTMC
    return MockTMC().client().get(HISTORY).json()["total"]

@pytest.mark.parametrize("runs", [1, 2, 3, 4, 5, 6])
def test_each_test_sees_only_its_own_runs(runs, mocktmc_url, mocktmc_token, mocktmc_control, mocktmc_client):
    before = mocktmc_client.get(HISTORY).json()["total"]
    assert before == fixture_runs()  # an account of its own: nobody else's runs
    for _ in range(runs):
        assert mocktmc_client.post("/processing/executions", json={"executable": LOAD}).status_code == 201
        mocktmc_control.clock.advance(seconds=1)
    assert mocktmc_client.get(HISTORY).json()["total"] == before + runs
    assert mocktmc_control.account == mocktmc_control.account_of(mocktmc_token)
    out = pathlib.Path(os.environ["MOCKTMC_PLUGIN_OUT"]) / f"{runs}.json"
    out.write_text(json.dumps({"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), "url": mocktmc_url,
                               "account": mocktmc_control.account}))

def test_the_in_process_mock_works_beside_it(mocktmc):
    assert mocktmc.client().get(HISTORY).json()["total"] == fixture_runs()
"""


def outcomes_of(result: pytest.RunResult) -> dict[str, int]:
    return {key: value for key, value in result.parseoutcomes().items() if key in ("passed", "failed", "errors")}


def test_the_entry_point_registers_the_plugin():
    plugins = {entry.name: entry.value for entry in entry_points(group="pytest11")}
    assert plugins.get("mocktmc") == "mocktmc.pytest_plugin"


def test_the_mocktmc_fixture_is_a_fresh_frozen_mock_per_test_and_the_marker_changes_it(pytester):
    pytester.makepyfile(test_in_process="""
        import pytest
        from mocktmc import MockTMC

        LOAD = "65f1a0c2e4b0a1b2c3d42001"
        HISTORY = f"/processing/executables/tasks/{LOAD}/executions"

        @pytest.mark.parametrize("attempt", [1, 2])
        def test_fresh(mocktmc, attempt):
            assert isinstance(mocktmc, MockTMC) and mocktmc.settings.clock == "frozen"
            assert mocktmc.settings.fixtures == "default" and mocktmc.settings.seed == 0
            session = mocktmc.client()
            # As fresh as a new mock: the run the other attempt started is not here.
            assert session.get(HISTORY).json()["total"] == MockTMC().client().get(HISTORY).json()["total"]
            assert session.post("/processing/executions", json={"executable": LOAD}).status_code == 201

        @pytest.mark.mocktmc(fixtures="empty", seed=7, clock="rate:2", start="2024-01-01T00:00:00Z")
        def test_marker(mocktmc):
            assert (mocktmc.settings.fixtures, mocktmc.settings.seed, mocktmc.settings.clock) == ("empty", 7, "rate:2")
            assert mocktmc.clock.now().year == 2024
            missing = mocktmc.client().get(f"/orchestration/executables/tasks/{LOAD}")
            assert missing.status_code == 404 and missing.json()["detail"] == f"Task {LOAD} not found"

        @pytest.mark.mocktmc(fidelity="documented")
        def test_fidelity_marker(mocktmc):
            assert mocktmc.health()["fidelity"] == "documented"
            assert mocktmc.client().get("/tmc/v1.2/executables").json()["items"]  # a page, as documented

        @pytest.mark.mocktmc(auth="strict")
        class TestStrict:
            def test_class_marker(self, mocktmc):
                refused = mocktmc.client("unknown").get(HISTORY)
                assert refused.status_code == 401 and "Unknown access token" in refused.json()["detail"]
    """)
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider")
    assert outcomes_of(result) == {"passed": 5}, result.stdout.str()
    help_text = pytester.runpytest("--markers").stdout.str()
    assert "@pytest.mark.mocktmc(fixtures=None, seed=None, clock=None, **settings)" in help_text


SMALL_WORLD = """\
users: [{login: ann@x.test}]
environments:
  - name: Only
    workspaces:
      - name: WS
        artifacts: [{name: job, versions: ["1.0"]}]
        tasks: [{name: Only task, artifact: job}]
"""


def test_options_and_ini_choose_the_world_and_the_seed(pytester):
    (pytester.path / "worlds").mkdir()
    (pytester.path / "worlds" / "small.yaml").write_text(SMALL_WORLD)
    pytester.makepyfile(test_options="""
        import os

        def test_world(mocktmc):
            expected_seed = int(os.environ["EXPECTED_SEED"])
            assert mocktmc.settings.seed == expected_seed
            assert os.path.isabs(mocktmc.settings.fixtures) and mocktmc.settings.fixtures.endswith("small.yaml")
            tasks = mocktmc.client().get("/orchestration/executables/tasks").json()["items"]
            assert [task["name"] for task in tasks] == ["Only task"]
    """)
    pytester.makeini("[pytest]\nmocktmc_fixtures = worlds/small.yaml\nmocktmc_seed = 5\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPECTED_SEED", "5")
        assert outcomes_of(pytester.runpytest("-p", "no:cacheprovider")) == {"passed": 1}
        patch.setenv("EXPECTED_SEED", "3")
        result = pytester.runpytest("-p", "no:cacheprovider", "--mocktmc-fixtures", "worlds/small.yaml",
                                    "--mocktmc-seed", "3")
        assert outcomes_of(result) == {"passed": 1}, result.stdout.str()


def test_live_server_fixtures_give_each_test_its_own_account(pytester, tmp_path, monkeypatch):
    monkeypatch.setenv("MOCKTMC_PLUGIN_OUT", str(tmp_path))
    pytester.makepyfile(test_live=LIVE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert outcomes_of(result) == {"passed": 7}, result.stdout.str()
    seen = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert len({entry["account"] for entry in seen}) == 6 and len({entry["url"] for entry in seen}) == 1


def test_in_parallel_with_xdist_tests_never_see_each_others_runs(pytester, tmp_path, monkeypatch):
    """`-n 2`: a live server per worker, an account per test; each test counts exactly its own runs."""
    monkeypatch.setenv("MOCKTMC_PLUGIN_OUT", str(tmp_path))
    pytester.makepyfile(test_live=LIVE_TESTS)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    assert outcomes_of(result) == {"passed": 7}, result.stdout.str()
    seen = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    workers = {entry["worker"]: entry["url"] for entry in seen}
    assert len(seen) == 6 and len({entry["account"] for entry in seen}) == 6
    assert set(workers) == {"gw0", "gw1"} and len(set(workers.values())) == 2  # one server per worker
    assert all(entry["url"] == workers[entry["worker"]] for entry in seen)


def test_faults_a_test_adds_on_the_live_server_go_with_it(pytester):
    pytester.makepyfile(test_faults="""
        def test_adds_a_fault(mocktmc_control, mocktmc_client):
            mocktmc_control.faults.add("GET", "/processing/executables/tasks", status=503)
            assert mocktmc_client.get("/processing/executables/tasks").status_code == 503
            mocktmc_control.journal.assert_called("GET", "/processing/executables/tasks", times=1)

        def test_does_not_see_it(mocktmc_control, mocktmc_client):
            assert mocktmc_client.get("/processing/executables/tasks").status_code == 200
            assert mocktmc_control.faults.list() == []
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert outcomes_of(result) == {"passed": 2}, result.stdout.str()


def test_mocktmc_url_can_name_a_server_already_running(pytester):
    server = MockTMC(auth="isolated")
    pytester.makepyfile(test_remote="""
        import os

        def test_remote(mocktmc_url, mocktmc_client, mocktmc_control):
            assert mocktmc_url == os.environ["EXPECTED_URL"]
            assert mocktmc_client.get("/processing/executables/tasks").status_code == 200
            assert mocktmc_control.account
    """)
    with server.serve() as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPECTED_URL", url)
        result = pytester.runpytest("-p", "no:cacheprovider", "--mocktmc-url", url)
        assert outcomes_of(result) == {"passed": 1}, result.stdout.str()
    assert server.health()["accounts"] == 2  # the default one and the test's


def test_a_session_that_does_not_use_the_fixtures_does_not_load_the_mock(pytester):
    pytester.makepyfile(test_plain="""
        import sys

        def test_plain():
            assert not {"mocktmc.app", "mocktmc.testing", "flask"} & set(sys.modules)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:xdist")
    assert outcomes_of(result) == {"passed": 1}, result.stdout.str()
