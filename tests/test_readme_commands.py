"""The README's shell recipes run as written: the quick start's loop against a server started as `make run`
starts it, and the CI recipe as a whole. Only the port changes (tests take a free one, never 8080)."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .serving import served

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parent.parent / "README.md"
BIN = Path(sys.executable).parent  # where this venv's `mocktmc` command is
needs_curl = pytest.mark.skipif(shutil.which("curl") is None,
                                reason="curl is not installed: the README's shell recipes use it (.ci/run installs it)")


def shell_blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"^```sh\n(.*?)^```$", text[start:end], re.MULTILINE | re.DOTALL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def run_bash(script: str, cwd: Path, timeout: float = 120) -> tuple[subprocess.CompletedProcess, bool]:
    """The script in bash, stopping at the first failing command, in a process group of its own; and whether
    something it started was still running 10 s after it ended (it is stopped then)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        for _ in range(100):
            if not group_alive(proc.pid):
                break
            time.sleep(0.1)  # a server given SIGTERM takes a moment to close; nothing here waits on the mock
        lingering = group_alive(proc.pid)
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), lingering


@pytest.fixture
def make_run_server(tmp_path):
    """`mocktmc serve --log-level info`, as `make run` starts it, on a free port; its URL."""
    with served([str(BIN / "mocktmc"), "serve", "--port", "0", "--log-level", "info"],
                tmp_path / "serve.log") as (_, url):
        yield url


@needs_curl
def test_the_quick_start_loop_runs_to_the_end_of_a_run(make_run_server, tmp_path):
    blocks = shell_blocks("Quick start")
    assert len(blocks) == 2 and "make run" in blocks[0]
    loop = blocks[1]
    assert "http://127.0.0.1:8080" in loop
    result, _ = run_bash(loop.replace("http://127.0.0.1:8080", make_run_server), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"execution [0-9a-f-]{36}", lines[0]), lines[0]
    statuses = [line for line in lines[1:] if re.fullmatch(r"[A-Z_]+", line)]
    assert statuses[-1] == "EXECUTION_SUCCESS" and len(statuses) >= 2, statuses  # it polled to the end
    assert set(statuses[:-1]) <= {"EXECUTION_EVENT_RECEIVED", "DISPATCHING_FLOW", "STARTING_FLOW_EXECUTION"}
    log = lines[1 + len(statuses):]
    assert log[0] == "Execution request received for task 'Load customers' (MANUAL)", log
    assert len(log) >= 5
    # The loop is the client the README recommends: the client report finds nothing wrong with it.
    report = requests.get(f"{make_run_server}/_mocktmc/report", timeout=10).json()
    assert report["findings"] == [] and report["entries"] >= 4, report


@needs_curl
def test_the_ci_recipe_starts_waits_tests_and_stops(tmp_path):
    (block,) = shell_blocks("Use it in CI")
    port = free_port()
    assert block.count("8080") >= 3
    tests = tmp_path / "run-my-tests.sh"  # the user's part: here, one call that must reach the server
    tests.write_text('#!/bin/sh\nset -e\ncurl -sf "$TMC_URL/processing/executables/tasks" '
                     '-H "Authorization: Bearer ci-job" > tasks.json\n')
    tests.chmod(0o755)
    result, lingering = run_bash(block.replace("8080", str(port)), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"Load customers"' in (tmp_path / "tasks.json").read_text()  # the tests ran against a live server
    assert not lingering  # and the recipe stopped the server it started
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_mocktmc/health", timeout=5)
    assert "serving http://127.0.0.1:" in (tmp_path / "mocktmc.log").read_text()


@needs_curl
def test_the_landing_page_recipe_prints_what_is_running(make_run_server, tmp_path):
    (block,) = shell_blocks("In a browser: the landing page and the API browser")
    assert "http://127.0.0.1:8080/" in block
    result, _ = run_bash(block.replace("http://127.0.0.1:8080", make_run_server), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    version = requests.get(f"{make_run_server}/_mocktmc/health", timeout=10).json()["version"]
    assert result.stdout == f"{version} open /_mocktmc/docs\n"
