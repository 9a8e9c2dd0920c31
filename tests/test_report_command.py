"""`mocktmc report --url URL`: a served mock's client report as text, JSON and a JUnit file, with an exit status
CI can act on."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import requests
from click.testing import CliRunner

from mocktmc.cli import main
from mocktmc.testing import MockTMC

from .conftest import LOAD_CUSTOMERS

TOKEN = {"Authorization": "Bearer report-command-client"}


def misbehave(url: str) -> list[int]:
    """Twelve polls of one run in one second of frozen mock time (polls_too_fast), and one legacy call
    (deprecated_path, info); the seqs of the polls."""
    with requests.Session() as client:
        client.headers.update(TOKEN)
        execution_id = client.post(f"{url}/processing/executions", json={"executable": LOAD_CUSTOMERS},
                                   timeout=30).json()["executionId"]
        for _ in range(12):
            assert client.get(f"{url}/processing/executions/{execution_id}", timeout=30).status_code == 200
        assert client.get(f"{url}/tmc/v2.6/workspaces", timeout=30).status_code == 200
        journal = client.get(f"{url}/_mocktmc/requests", params={"path": f"/processing/executions/{execution_id}"},
                             timeout=30).json()
    return [entry["seq"] for entry in journal]


def test_text_json_and_junit_of_a_misbehaving_client(tmp_path):
    mock = MockTMC(clock="frozen")
    with mock.serve() as url:
        polls = misbehave(url)
        junit = tmp_path / "client-report.xml"
        result = CliRunner().invoke(main, ["report", "--url", url, "--junit", str(junit)])
        as_json = CliRunner().invoke(main, ["report", "--url", url, "--json", "--fail-on", "never"])
        warnings = CliRunner().invoke(main, ["report", "--url", url, "--fail-on", "info", "--since", str(polls[-1])])
    assert result.exit_code == 1, result.output
    assert f"FAIL error   polls_too_fast: requests {', '.join(map(str, polls))}" in result.output
    assert "note info    deprecated_path" in result.output  # below --fail-on error: shown, not failed
    assert "2 finding(s): 1 error, 0 warning, 1 info; 1 at or above error" in result.output
    assert as_json.exit_code == 0
    report = json.loads(as_json.output)
    assert sorted(finding["rule"] for finding in report["findings"]) == ["deprecated_path", "polls_too_fast"]
    # After the polls only the legacy call is left: an info finding, which --fail-on info fails on.
    assert warnings.exit_code == 1 and "polls_too_fast" not in warnings.output and "FAIL info" in warnings.output
    suite = ET.parse(junit).getroot().find("testsuite")
    failures = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert [case.get("name").split(" #")[0] for case in failures] == ["polls_too_fast"]
    assert failures[0].find("failure").get("type") == "error:polls_too_fast"
    assert str(polls[0]) in failures[0].find("failure").text
    passing = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is None}
    assert "no_backoff" in passing and suite.get("failures") == "1"
    found = {finding["rule"] for finding in report["findings"]}
    assert int(suite.get("tests")) == len(report["rules"]) - len(found) + len(report["findings"])  # quiet + found


def test_a_quiet_client_and_an_unreachable_or_guarded_server(tmp_path):
    mock = MockTMC(clock="frozen", control_token="report-secret")
    with mock.serve() as url:
        assert requests.get(f"{url}/orchestration/workspaces", headers=TOKEN, timeout=30).status_code == 200
        guarded = CliRunner().invoke(main, ["report", "--url", url])
        quiet = CliRunner().invoke(main, ["report", "--url", url, "--fail-on", "info"],
                                   env={"MOCKTMC_CONTROL_TOKEN": "report-secret"})
    assert guarded.exit_code == 2 and "/_mocktmc/report answered 401" in guarded.output
    assert quiet.exit_code == 0 and "no findings: the client broke none of the rules" in quiet.output
    gone = CliRunner().invoke(main, ["report", "--url", url])  # the server has stopped
    assert gone.exit_code == 2 and "mocktmc report: " in gone.output


def test_the_readme_command_as_users_run_it(tmp_path):
    """The README's line, run as written (a process of its own) but for the server's address."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if line.startswith("mocktmc report --url "))
    mock = MockTMC(clock="frozen")
    with mock.serve() as url:
        misbehave(url)
        args = shlex.split(line.replace("http://127.0.0.1:8080", url))[1:]
        done = subprocess.run([sys.executable, "-m", "mocktmc", *args], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "polls_too_fast" in done.stdout and done.stderr == ""
    assert ET.parse(tmp_path / "build" / "client-report.xml").getroot().find("testsuite").get("failures") == "1"
