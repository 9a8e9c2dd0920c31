"""The validating proxy and its recording (issue 22, part 2), tested without a real tenant: a mocktmc server with
a closed control plane plays the real TMC (the upstream), and a `mocktmc serve --proxy <upstream>` stands in
front of it."""
from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest
import requests

from mocktmc.cassette import read_cassette
from mocktmc.control import redaction
from mocktmc.proxy.checks import operation_of

from .conftest import LOAD_CUSTOMERS, SERVICE_ACCOUNT, SERVICE_SECRET
from .errors import assert_error
from .serving import served

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("proxy")]  # one worker starts the shared servers

WORKTREE = str(Path(__file__).resolve().parent.parent)
CONTROL_TOKEN = "upstream-control-token"
CLIENT_TOKEN = "client-pat-9f8e7d6c5b4a"  # the caller's own credentials: forwarded, never written down
CLIENT = {"Authorization": f"Bearer {CLIENT_TOKEN}"}
CONTROL = {"Authorization": f"Bearer {CONTROL_TOKEN}"}
TASKS = "/orchestration/executables/tasks"
TIMEOUT = 30


def serve(*options: str) -> list[str]:
    return [sys.executable, "-m", "mocktmc", "serve", "--port", "0", *options]


def environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": WORKTREE}
    for name in ("MOCKTMC_CONTROL_TOKEN", "MOCKTMC_PROXY", "MOCKTMC_RECORD", "MOCKTMC_DEFECTS", "MOCKTMC_VALIDATE"):
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def upstream_server(tmp_path: Path, name: str, *options: str):
    """A mock playing the real TMC: frozen clock, control plane closed behind CONTROL_TOKEN."""
    return served(serve("--clock", "frozen", "--control-token", CONTROL_TOKEN, *options), tmp_path / f"{name}.log",
                  env=environment())


def proxy_server(tmp_path: Path, name: str, upstream: str, *options: str):
    return served(serve("--proxy", upstream, *options), tmp_path / f"{name}.log", env=environment())


def report(proxy: str) -> dict:
    response = requests.get(f"{proxy}/_mocktmc/proxy/report", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def proxy_journal(proxy: str, since: int = 0) -> list[dict]:
    response = requests.get(f"{proxy}/_mocktmc/requests", params={"since": since}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def add_fault(base: str, rule: dict, headers: dict | None = None) -> None:
    response = requests.post(f"{base}/_mocktmc/faults", json=rule, headers=headers or {}, timeout=TIMEOUT)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    with upstream_server(tmp_path_factory.mktemp("upstream"), "upstream") as (_, url):
        yield url


@pytest.fixture(scope="module")
def proxy(upstream, tmp_path_factory):
    """A proxy in front of the faithful upstream, not recording; its log file beside it."""
    folder = tmp_path_factory.mktemp("proxy")
    with proxy_server(folder, "proxy", upstream) as (_, url):
        yield url, folder / "proxy.log"


def test_a_client_run_loop_through_a_recording_proxy(upstream, tmp_path):
    """A client starts a task, polls its run to the end while the upstream's clock moves, and reads its log: it
    gets what the upstream answers; the cassette holds every exchange in order, redacted; the proxy's journal
    holds them with their responses; a faithful upstream gives no violation."""
    record = tmp_path / "cassettes"
    with proxy_server(tmp_path, "recording", upstream, "--record", str(record)) as (_, proxy):
        client = requests.Session()
        client.headers.update(CLIENT)
        calls: list[tuple[str, str, int]] = []

        def call(method: str, path: str, **kwargs) -> requests.Response:
            response = client.request(method, f"{proxy}{path}", timeout=TIMEOUT, **kwargs)
            calls.append((method, path, response.status_code))
            return response

        # A service account's token first: Basic credentials and a form body with the secret.
        form = {"grant_type": "client_credentials", "client_secret": SERVICE_SECRET,
                "audience": "https://api.us.cloud.talend.com"}
        token = requests.post(f"{proxy}/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET), data=form,
                              timeout=TIMEOUT)
        assert token.status_code == 200, token.text
        issued = token.json()["access_token"]
        calls.append(("POST", "/security/oauth/token", 200))
        started = call("POST", "/processing/executions", json={"executable": LOAD_CUSTOMERS})
        assert started.status_code == 201, started.text
        run_id = started.json()["executionId"]
        for _ in range(60):
            run = call("GET", f"/processing/executions/{run_id}")
            assert run.status_code == 200, run.text
            if run.json()["status"] not in ("dispatching", "executing"):
                break
            moved = requests.post(f"{upstream}/_mocktmc/clock/advance", json={"seconds": 5}, headers=CONTROL,
                                  timeout=TIMEOUT)
            assert moved.status_code == 200, moved.text
        else:
            pytest.fail("the run did not end within 300 s of the upstream's time")
        assert run.json()["executionStatus"] == "EXECUTION_SUCCESS"
        logs = call("GET", f"/monitoring/executions/{run_id}/logs", params={"order": "ASC"})
        assert logs.status_code == 200, logs.text
        assert "Load customers" in logs.json()["data"][0]["logMessage"]

        # What the client got is what the upstream answers (the upstream's clock is frozen between the two).
        direct = requests.get(f"{upstream}/processing/executions/{run_id}", headers=CLIENT, timeout=TIMEOUT)
        assert run.json() == direct.json()
        # The upstream saw the caller's own credentials: its journal's fingerprint is the client token's.
        seen = requests.get(f"{upstream}/_mocktmc/requests", params={"path": "/processing/executions"},
                            headers=CONTROL, timeout=TIMEOUT).json()
        assert [entry["authorization"] for entry in seen] == [redaction.authorization(CLIENT["Authorization"])]
        assert seen[0]["body"] == {"executable": LOAD_CUSTOMERS}
        granted_upstream = requests.get(f"{upstream}/_mocktmc/requests", params={"path": "/security/oauth/token"},
                                        headers=CONTROL, timeout=TIMEOUT).json()
        assert granted_upstream[-1]["authorization"] == redaction.authorization(token.request.headers["Authorization"])
        assert seen[0]["body"] == {"executable": LOAD_CUSTOMERS}

        # The proxy's journal: every exchange, with the upstream's answer.
        entries = [entry for entry in proxy_journal(proxy) if entry.get("proxied")]
        assert [(e["method"], e["path"], e["status"]) for e in entries] == calls
        assert all(e["response"]["status"] == e["status"] and e["violations"] == [] for e in entries)
        assert entries[1]["response"]["body"] == started.json()
        assert entries[1]["operation"] == operation_of("POST", "/processing/executions")
        assert entries[-1]["response"]["body"] == logs.json() or entries[-1]["response"]["bodyTruncated"]

        # The report: every exchange, no violation.
        found = report(proxy)
        assert found["upstream"] == upstream and found["exchanges"] == len(calls)
        assert (found["violationCount"], found["violations"], found["byOperation"], found["unanswered"]) == (
            0, [], {}, 0)

    # The cassette (read once the proxy has stopped): a header, then every exchange in order.
    files = list(record.glob("cassette-*.jsonl"))
    assert len(files) == 1, files
    text = files[0].read_text(encoding="utf-8")
    assert CLIENT_TOKEN not in text and CONTROL_TOKEN not in text
    assert SERVICE_SECRET not in text and issued not in text
    header, interactions = read_cassette(files[0])
    assert header["cassette"] == "mocktmc" and header["version"] == 1 and header["upstream"] == upstream
    assert files[0].name.endswith(f"{header['started'][:19].replace('-', '').replace(':', '')}Z-"
                                  f"{files[0].name.rsplit('-', 1)[1]}")
    assert [i["seq"] for i in interactions] == list(range(1, len(calls) + 1))
    assert [(i["request"]["method"], i["request"]["path"], i["response"]["status"]) for i in interactions] == calls
    granted = interactions[0]
    assert granted["request"]["headers"]["authorization"].startswith("Basic sha256:")
    assert "client_secret=[redacted]" in granted["request"]["body"]
    assert granted["response"]["body"]["access_token"] == "[redacted]"
    first = interactions[1]
    assert first["request"]["headers"] == {"authorization": redaction.authorization(CLIENT["Authorization"]),
                                           "content-type": "application/json", "accept": "*/*"}
    assert first["request"]["body"] == {"executable": LOAD_CUSTOMERS} and first["request"]["query"] == {}
    assert first["response"]["body"] == started.json() and first["error"] is None and first["violations"] == []
    assert first["response"]["headers"]["content-type"] == "application/json"
    assert interactions[-1]["request"]["query"] == {"order": ["ASC"]}
    assert interactions[-1]["response"]["body"] == logs.json()
    assert all(isinstance(i["durationMs"], float) and i["time"].endswith("Z") for i in interactions)


def test_the_token_endpoint_through_the_proxy_is_redacted_and_shows_a_quirk(upstream, proxy, tmp_path):
    """Basic credentials and the issued token never reach the journal; expires_in as a number is the quirk
    expires_in_number, seen the observed way, and no violation."""
    proxy_url, _ = proxy
    before = report(proxy_url)
    last = proxy_journal(proxy_url)[-1]["seq"] if proxy_journal(proxy_url) else 0
    token = requests.post(f"{proxy_url}/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                          data={"grant_type": "client_credentials", "audience": "https://api.us.cloud.talend.com"},
                          timeout=TIMEOUT)
    assert token.status_code == 200, token.text
    issued = token.json()["access_token"]
    assert isinstance(token.json()["expires_in"], int)
    entry = proxy_journal(proxy_url, since=last)[-1]
    assert entry["proxied"] and entry["response"]["body"]["access_token"] == "[redacted]"
    assert issued not in str(entry) and SERVICE_SECRET not in str(entry)
    assert entry["quirks"] == [{"name": "expires_in_number", "behaves": "observed"}]
    after = report(proxy_url)
    assert after["violationCount"] == before["violationCount"]
    quirk = next(q for q in after["quirks"] if q["name"] == "expires_in_number")
    assert quirk["observed"] >= 1 and quirk["documented"] == 0 and quirk["title"]


def test_a_break_a_quirk_explains_is_the_quirk_not_a_violation(upstream, proxy):
    """A 429 from the token endpoint (whose contract declares none) without Retry-After is how the service
    throttles (quirk throttle_without_retry_after): reported as that quirk. With Retry-After it is not the
    quirk's way, and the undeclared status is a violation."""
    proxy_url, _ = proxy
    credentials = (SERVICE_ACCOUNT, SERVICE_SECRET)
    form = {"grant_type": "client_credentials", "audience": "https://api.us.cloud.talend.com"}
    before = report(proxy_url)
    add_fault(upstream, {"path": "/security/oauth/token", "status": 429, "times": 1}, CONTROL)
    throttled = requests.post(f"{proxy_url}/security/oauth/token", auth=credentials, data=form, timeout=TIMEOUT)
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
    explained = report(proxy_url)
    assert explained["violationCount"] == before["violationCount"]
    quirk = next(q for q in explained["quirks"] if q["name"] == "throttle_without_retry_after")
    assert quirk["observed"] == 1 and quirk["explained"] == 1
    assert quirk["examples"][0]["operation"] == "postSecurityOauthToken"
    assert quirk["examples"][0]["message"].startswith("status 429 is not declared")

    add_fault(upstream, {"path": "/security/oauth/token", "status": 429, "retryAfter": 3, "times": 1}, CONTROL)
    documented = requests.post(f"{proxy_url}/security/oauth/token", auth=credentials, data=form, timeout=TIMEOUT)
    assert documented.status_code == 429 and documented.headers["Retry-After"] == "3"
    after = report(proxy_url)
    assert after["violationCount"] == before["violationCount"] + 1
    assert after["violations"][-1]["kind"] == "status" and after["violations"][-1]["where"] == "response"
    quirk = next(q for q in after["quirks"] if q["name"] == "throttle_without_retry_after")
    assert (quirk["observed"], quirk["documented"], quirk["explained"]) == (1, 1, 1)


def test_a_request_the_contracts_refuse_is_reported_and_still_forwarded(upstream, proxy):
    proxy_url, log = proxy
    before = report(proxy_url)
    refused = requests.get(f"{proxy_url}{TASKS}", params={"limit": "0"}, headers=CLIENT, timeout=TIMEOUT)
    # The upstream answered it (its own 400, with its request id), not the proxy.
    body = assert_error(refused, 400, "limit")
    upstream_seen = requests.get(f"{upstream}/_mocktmc/requests", params={"path": TASKS, "status": 400},
                                 headers=CONTROL, timeout=TIMEOUT).json()
    assert upstream_seen and upstream_seen[-1]["query"] == {"limit": ["0"]}
    after = report(proxy_url)
    operation = operation_of("GET", TASKS)
    assert after["violationCount"] == before["violationCount"] + 1
    item = after["violations"][-1]
    assert (item["operation"], item["where"], item["kind"], item["path"]) == (operation, "request", "parameter", TASKS)
    assert "'limit'" in item["message"]
    assert after["byOperation"][operation] >= 1 and after["byKind"]["request parameter"] >= 1
    entry = next(e for e in proxy_journal(proxy_url) if e["seq"] == item["seq"])
    assert entry["violations"] == [{"where": "request", "kind": "parameter", "message": item["message"]}]
    assert entry["response"]["status"] == 400 and entry["response"]["body"]["requestId"] == body["requestId"]
    assert "WARNING mocktmc.proxy" in log.read_text() and f"journal seq {item['seq']}" in log.read_text()


def test_a_defective_upstream_gives_a_violation_naming_the_operation_and_field(tmp_path):
    """The upstream's defect wrong_type gives the paged lists' total as a string: the client still gets it as
    the upstream sent it, and the report, the journal and the log name the operation and the field."""
    with upstream_server(tmp_path, "defective", "--defect", "wrong_type") as (_, upstream), \
            proxy_server(tmp_path, "proxy", upstream) as (_, proxy):
        listed = requests.get(f"{proxy}{TASKS}", headers=CLIENT, timeout=TIMEOUT)
        assert listed.status_code == 200 and isinstance(listed.json()["total"], str)
        found = report(proxy)
        operation = operation_of("GET", TASKS)
        assert found["violationCount"] == 1 and found["byOperation"] == {operation: 1}
        assert found["byKind"] == {"response body": 1}
        item = found["violations"][0]
        assert (item["operation"], item["where"], item["method"], item["path"]) == (operation, "response", "GET", TASKS)
        assert "'total'" in item["message"] and "integer" in item["message"]
        entry = next(e for e in proxy_journal(proxy) if e["seq"] == item["seq"])
        assert entry["violations"][0]["message"] == item["message"] and entry["response"]["status"] == 200
    log = (tmp_path / "proxy.log").read_text()
    warning = next(line for line in log.splitlines() if "violation" in line)
    assert "WARNING" in warning and operation in warning and "'total'" in warning


def test_an_unreachable_upstream_is_a_502_and_is_recorded(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}"
    record = tmp_path / "cassettes"
    with proxy_server(tmp_path, "proxy", nowhere, "--record", str(record)) as (_, proxy):
        answer = requests.get(f"{proxy}{TASKS}", headers=CLIENT, timeout=TIMEOUT)
        body = assert_error(answer, 502, "could not be reached", nowhere)
        assert body["message"] == "Bad Gateway" and body["requestId"]
        legacy = requests.get(f"{proxy}/tmc/v2.6/executables/tasks", headers=CLIENT, timeout=TIMEOUT)
        assert_error(legacy, 502, "could not be reached")
        assert "code" in legacy.json()  # in the legacy family's shape
        entry = proxy_journal(proxy)[0]
        assert (entry["status"], entry["proxied"], entry["response"]) == (502, True, None)
        assert "could not be reached" in entry["error"]
        found = report(proxy)
        assert (found["exchanges"], found["unanswered"], found["violationCount"]) == (2, 2, 0)
        health = requests.get(f"{proxy}/_mocktmc/health", timeout=TIMEOUT)
        assert health.status_code == 200 and health.json()["status"] == "UP"  # its own, the upstream is down
    _, interactions = read_cassette(next(record.glob("cassette-*.jsonl")))
    assert [(i["seq"], i["response"], i["request"]["path"]) for i in interactions] == [
        (1, None, TASKS), (2, None, "/tmc/v2.6/executables/tasks")]
    assert "could not be reached" in interactions[0]["error"]


def test_a_timeout_is_a_504_and_a_dropped_connection_a_502(upstream, tmp_path):
    with proxy_server(tmp_path, "proxy", upstream, "--proxy-timeout", "1") as (_, proxy):
        add_fault(upstream, {"path": "/orchestration/environments", "latency": 4, "times": 1}, CONTROL)
        started = time.monotonic()
        slow = requests.get(f"{proxy}/orchestration/environments", headers=CLIENT, timeout=TIMEOUT)
        assert time.monotonic() - started < 3.5
        body = assert_error(slow, 504, "did not answer", "within 1 s")
        assert body["message"] == "Gateway Timeout"
        add_fault(upstream, {"path": "/orchestration/environments", "drop": True, "times": 1}, CONTROL)
        dropped = requests.get(f"{proxy}/orchestration/environments", headers=CLIENT, timeout=TIMEOUT)
        assert_error(dropped, 502, "closed the connection without an answer")
        fine = requests.get(f"{proxy}/orchestration/environments", headers=CLIENT, timeout=TIMEOUT)
        assert fine.status_code == 200
        assert report(proxy)["unanswered"] == 2


def test_fault_rules_apply_before_forwarding_and_the_control_plane_stays_local(upstream, proxy):
    """The proxy's own fault rules answer or drop a request in front of the upstream, which never sees it; the
    control plane (journal, faults, clock, health) is the proxy's own, open where the upstream's is closed."""
    proxy_url, _ = proxy
    before = len(requests.get(f"{upstream}/_mocktmc/requests", params={"path": "/orchestration/workspaces"},
                              headers=CONTROL, timeout=TIMEOUT).json())
    add_fault(proxy_url, {"path": "/orchestration/workspaces", "status": 503, "times": 1})
    faulted = requests.get(f"{proxy_url}/orchestration/workspaces", headers=CLIENT, timeout=TIMEOUT)
    assert_error(faulted, 503, "Injected by mocktmc fault rule")
    add_fault(proxy_url, {"path": "/orchestration/workspaces", "drop": True, "times": 1})
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{proxy_url}/orchestration/workspaces", headers=CLIENT, timeout=TIMEOUT)
    through = requests.get(f"{proxy_url}/orchestration/workspaces", headers=CLIENT, timeout=TIMEOUT)
    assert through.status_code == 200
    after = requests.get(f"{upstream}/_mocktmc/requests", params={"path": "/orchestration/workspaces"},
                         headers=CONTROL, timeout=TIMEOUT).json()
    assert len(after) == before + 1  # only the request no rule stopped
    entries = [e for e in proxy_journal(proxy_url) if e["path"] == "/orchestration/workspaces"][-3:]
    assert [(e["status"], e["fault"] is not None, e.get("proxied", False)) for e in entries] == [
        (503, True, False), (None, True, False), (200, False, True)]

    # The control plane answers locally: the upstream's needs its token, the proxy's is open (loopback).
    assert_error(requests.get(f"{upstream}/_mocktmc/requests", timeout=TIMEOUT), 401, "control token")
    assert requests.get(f"{proxy_url}/_mocktmc/requests", timeout=TIMEOUT).status_code == 200
    upstream_clock = requests.get(f"{upstream}/_mocktmc/clock", headers=CONTROL, timeout=TIMEOUT).json()
    moved = requests.post(f"{proxy_url}/_mocktmc/clock/advance", json={"seconds": 3600}, timeout=TIMEOUT)
    assert moved.status_code == 200
    assert requests.get(f"{upstream}/_mocktmc/clock", headers=CONTROL, timeout=TIMEOUT).json() == upstream_clock
