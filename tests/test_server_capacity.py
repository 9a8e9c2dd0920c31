"""What a served mock keeps answering (issue 20, rows 10 and 11): a latency fault on every path never parks
every worker thread, and idle or half-sent connections past the connection limit are closed by the channel
timeout instead of stopping the server. Bounds are generous timeouts, never timed asserts."""
from __future__ import annotations

import os
import socket
import sys
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import pytest
import requests

from mocktmc.control.faults import FAULT_HEADER, LATENCY_SKIPPED_HEADER
from mocktmc.testing import MockTMC

from .serving import served

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": "Bearer any-token"}
WORKSPACES = "/orchestration/workspaces"


def test_a_latency_fault_on_every_path_leaves_health_and_the_control_plane_answering(tmp_path):
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen", "--threads", "3"],
                tmp_path / "serve.log") as (_, base):
        rule = requests.post(f"{base}/_mocktmc/faults", json={"path": "/**", "latency": 5}, timeout=10).json()
        with ThreadPoolExecutor(5) as pool:  # more requests than threads, each on its own connection
            calls = [pool.submit(requests.get, base + WORKSPACES, headers=AUTH, timeout=20) for _ in range(5)]
            done: set = set()
            while len(done) < 3:  # two holds (threads - 1): the other three are answered at once
                done |= wait(calls, timeout=4, return_when=FIRST_COMPLETED).done
                assert done, "no request was answered: every worker is held"
            held = [call for call in calls if call not in done]
            for call in done:
                answer = call.result()
                assert answer.status_code == 200 and answer.headers[FAULT_HEADER] == rule["id"]
                assert answer.headers[LATENCY_SKIPPED_HEADER] == "skipped: all 2 holds taken"
            # Health and the control plane answer while two requests are still held.
            assert requests.get(f"{base}/_mocktmc/health", timeout=3).json()["status"] == "UP"
            listed = requests.get(f"{base}/_mocktmc/faults", timeout=3).json()
            assert [(r["id"], r["fired"]) for r in listed] == [(rule["id"], 5)]
            assert not any(call.done() for call in held)
            # Clearing the rules answers the requests it holds, as the rule is gone.
            assert requests.delete(f"{base}/_mocktmc/faults", timeout=3).status_code == 204
            for call in held:
                answer = call.result(timeout=3)
                assert answer.status_code == 200 and LATENCY_SKIPPED_HEADER not in answer.headers


def _idle_connections(port: int, count: int) -> list[socket.socket]:
    """Connections that send nothing, or half a request line and head, and wait."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    for sock in sockets[::2]:
        sock.sendall(b"GET /_mocktmc/health HTTP/1.1\r\nHost: x\r\n")  # the head never ends
    return sockets


def test_idle_connections_past_the_limit_are_closed_by_the_channel_timeout(tmp_path):
    env = {**os.environ, "MOCKTMC_CONNECTION_LIMIT": "3", "MOCKTMC_CHANNEL_TIMEOUT": "1"}
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--fixtures", "empty", "--threads", "2"],
                tmp_path / "serve.log", env=env) as (_, base):
        sockets = _idle_connections(int(base.rsplit(":", 1)[1]), 6)
        try:
            # Twice the limit is held idle: the server closes them one timeout after they were accepted,
            # then answers.
            assert requests.get(f"{base}/_mocktmc/health", timeout=20).json()["status"] == "UP"
            for sock in sockets:
                assert sock.recv(100) == b""  # closed by the server without an answer
        finally:
            for sock in sockets:
                sock.close()


def test_the_connection_limit_counts_client_connections():
    mock = MockTMC(fixtures="empty")
    with mock.serve(threads=2, connection_limit=3, channel_timeout=60) as base:
        sockets = _idle_connections(int(base.rsplit(":", 1)[1]), 2)
        try:
            with ThreadPoolExecutor(1) as pool:
                # The third connection of three is accepted while two idle ones are open ...
                assert requests.get(f"{base}/_mocktmc/health", timeout=10).status_code == 200
                sockets += _idle_connections(int(base.rsplit(":", 1)[1]), 1)
                # ... a fourth waits for one to close.
                call = pool.submit(requests.get, f"{base}/_mocktmc/health", timeout=10)
                assert not wait([call], timeout=0.3).done
                sockets.pop().close()
                assert call.result(timeout=10).status_code == 200
        finally:
            for sock in sockets:
                sock.close()
