"""The proxy's parts, each on its own: the cassette's writer and reader, the quirk signs, the headers passed on,
the settings and options, and the report route (a 404 on the mock; on an in-process proxy, checked against
contracts/control.yaml like every response of the suite)."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from mocktmc.app import create_app
from mocktmc.cassette import CassetteError, CassetteWriter, read_cassette
from mocktmc.cli import main
from mocktmc.config import Settings
from mocktmc.proxy.checks import Violation
from mocktmc.proxy.quirk_signs import Exchange, read_signs
from mocktmc.proxy.upstream import Unreachable, Upstream, forwarded_headers, returned_headers

from .conftest import AUTH, BASE_WORLD, START, ContractCheckingClient, make_app
from .errors import assert_error
from .serving import served

STARTED = datetime(2026, 12, 4, 10, 0, 0, 123000, tzinfo=timezone.utc)


def interaction(path: str = "/orchestration/workspaces", **extra) -> dict:
    return {"time": "2026-12-04T10:00:00.123Z", "durationMs": 1.5,
            "request": {"method": "GET", "path": path, "query": {}, "headers": {}, "body": None},
            "response": {"status": 200, "headers": {}, "body": []}, "error": None, "violations": [], **extra}


def test_a_cassette_is_a_header_then_numbered_interactions(tmp_path):
    writer = CassetteWriter(tmp_path / "new", "https://api.eu.cloud.talend.com", "9.9", started=STARTED, pid=4242)
    assert writer.path == tmp_path / "new" / "cassette-20261204T100000Z-4242.jsonl"
    assert writer.write(interaction("/a")) == 1 and writer.write(interaction("/b")) == 2
    # Flushed at once: readable while the proxy still runs.
    lines = writer.path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"cassette": "mocktmc", "version": 1, "upstream": "https://api.eu.cloud.talend.com",
                                    "started": "2026-12-04T10:00:00.123Z", "mocktmc": "9.9"}
    assert list(json.loads(lines[1]))[:2] == ["seq", "time"]
    writer.close()
    header, interactions = read_cassette(writer.path)
    assert header["upstream"] == "https://api.eu.cloud.talend.com"
    assert [(i["seq"], i["request"]["path"]) for i in interactions] == [(1, "/a"), (2, "/b")]
    with pytest.raises(ValueError, match="closed"):
        writer.write(interaction())


def test_the_reader_skips_a_cut_line_and_keeps_unknown_fields(tmp_path, caplog):
    path = tmp_path / "cassette.jsonl"
    header = {"cassette": "mocktmc", "version": 1, "upstream": "u", "started": "s", "mocktmc": "v", "later": 1}
    first = {"seq": 1, **interaction(), "newField": {"x": 1}}
    path.write_text("\n".join([json.dumps(header), json.dumps(first), '{"seq": 2, "time": "2026-12-0']) + "\n",
                    encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mocktmc.cassette"):
        got_header, interactions = read_cassette(path)
    assert got_header == header and interactions == [first]
    assert "line 3 is not a JSON object" in caplog.text


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ('{"cassette": "other", "version": 1}\n', "not a mocktmc cassette"),
    ('{"cassette": "mocktmc", "version": 2}\n', "cassette version 2"),
    ("not json\n", "line 1 is not a cassette header"),
])
def test_the_reader_refuses_what_is_no_cassette(tmp_path, text, fragment):
    path = tmp_path / "x.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError, match=fragment):
        read_cassette(path)


def exchange(method="GET", path="/orchestration/workspaces", status=200, body=None, request_headers=None,
             response_headers=None) -> Exchange:
    return Exchange(method, path, request_headers or {}, status, response_headers or {}, body)


def test_quirk_signs_tell_the_way_and_explain_only_their_breaks():
    token = "/security/oauth/token"
    assert read_signs(exchange("POST", token, body={"expires_in": 1800}), [])[0] == {"expires_in_number": "observed"}
    assert read_signs(exchange("POST", token, body={"expires_in": "1800"}), [])[0] == {
        "expires_in_number": "documented"}
    assert read_signs(exchange(path="/tmc/v1.3/executables", body=[]), [])[0] == {"legacy_v1_bare_arrays": "observed"}
    assert read_signs(exchange(path="/tmc/v1.2/executables", body={"items": []}), [])[0] == {
        "legacy_v1_bare_arrays": "documented"}
    json_only = {"accept": "application/json"}
    assert read_signs(exchange("DELETE", "/processing/executions/e1", 406, request_headers=json_only), [])[0] == {
        "terminate_text_plain": "observed"}
    assert read_signs(exchange("DELETE", "/processing/executions/e1", 204, request_headers=json_only), [])[0] == {
        "terminate_text_plain": "documented"}
    assert read_signs(exchange("DELETE", "/processing/executions/e1", 204, request_headers={"accept": "*/*"}),
                      [])[0] == {}
    assert read_signs(exchange("POST", "/monitoring/executions/e1/logs", 206,
                               response_headers={"x-log-next-request-end-time": "1"}), [])[0] == {
        "log_export_keeps_last": "observed"}
    misfired = {"executionId": "e1", "misfiredExecutionReason": "PAUSED"}
    assert read_signs(exchange(path="/processing/executions/e1", body=misfired), [])[0] == {
        "misfire_never_started": "observed"}
    assert read_signs(exchange(path="/processing/executions/e1", body={**misfired, "finishTimestamp": "t"}),
                      [])[0] == {"misfire_never_started": "documented"}
    assert read_signs(exchange(body={"items": []}), []) == ({}, [], {})

    # A 429 without Retry-After explains an undeclared 429, not another break of the same response.
    status = Violation("response", "status", "status 429 is not declared for POST /security/oauth/token")
    body = Violation("response", "body", "body field 'x': 1 is not of type 'string'")
    request = Violation("request", "parameter", "Query parameter 'limit': 0 is less than the minimum of 1")
    seen, left, explained = read_signs(exchange("POST", token, 429), [request, status, body])
    assert seen == {"throttle_without_retry_after": "observed"}
    assert left == [request, body] and explained == {"throttle_without_retry_after": [status]}
    # The documented way (Retry-After sent) explains nothing.
    seen, left, explained = read_signs(exchange("POST", token, 429, response_headers={"retry-after": "1"}), [status])
    assert seen == {"throttle_without_retry_after": "documented"} and left == [status] and explained == {}


def test_the_headers_passed_on_are_the_end_to_end_ones():
    sent = [("Authorization", "Bearer abc"), ("Content-Type", "application/json"), ("Accept", "application/json"),
            ("Host", "proxy:8080"), ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "5"), ("X-Hop", "1"),
            ("Transfer-Encoding", "chunked"), ("Content-Length", "12"), ("Accept-Encoding", "gzip"),
            ("Expect", "100-continue"), ("X-Mocktmc-Dashboard", "read"), ("Proxy-Authorization", "Basic x"),
            ("X-Request-Id", "r1"), ("X-Request-Id", "r2")]
    assert forwarded_headers(sent) == {"Authorization": "Bearer abc", "Content-Type": "application/json",
                                       "Accept": "application/json", "X-Request-Id": "r1, r2"}
    answered = [("Content-Type", "application/json"), ("Content-Length", "10"), ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"), ("Connection", "close"), ("Date", "Fri"), ("Server", "nginx"),
                ("Retry-After", "2"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Location", "/x")]
    assert returned_headers(answered) == [("Content-Type", "application/json"), ("Retry-After", "2"),
                                          ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Location", "/x")]


@pytest.mark.parametrize("overrides, fragment", [
    ({"proxy": "ftp://tmc.example"}, "http:// or https:// URL"),
    ({"proxy": "api.eu.cloud.talend.com"}, "http:// or https:// URL"),
    ({"proxy": "https://tmc.example/?x=1"}, "no query"),
    ({"record": "/tmp/c"}, "record needs proxy"),
    ({"proxy": "https://tmc.example", "defects": ["wrong_type"]}, "--defect does not go with --proxy"),
    ({"proxy": "https://tmc.example", "proxy_timeout": 0}, "proxy_timeout"),
])
def test_the_proxy_settings_are_checked(overrides, fragment):
    with pytest.raises(ValueError, match=fragment):
        Settings(**overrides)
    assert Settings(proxy="https://api.eu.cloud.talend.com", record="/tmp/c").proxy_timeout == 30.0


def test_serve_refuses_record_without_proxy(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--record", str(tmp_path)])
    assert result.exit_code == 2 and "record needs proxy" in result.output and "--proxy" in result.output


def test_the_report_is_a_404_on_the_mock(api):
    assert_error(api.client.get("/_mocktmc/proxy/report"), 404, "not a proxy", "--proxy")


@pytest.mark.e2e
def test_an_in_process_proxy_answers_within_the_control_contract(tmp_path, monkeypatch, caplog):
    """The journal entries of proxied requests and the report keep contracts/control.yaml (every response the
    suite's client gets is checked against its contract); a reset app's report is empty again."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("MOCKTMC_CONTROL_TOKEN", None)
    command = [sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen", "--defect", "wrong_type"]
    with served(command, tmp_path / "upstream.log", env=env) as (_, upstream):
        app = create_app(Settings(clock="frozen", start=START, fixtures=BASE_WORLD, proxy=upstream,
                                  record=str(tmp_path / "rec")))
        tmc = app.test_client()  # the upstream's answers break their contract on purpose: not checked here
        app.test_client_class = ContractCheckingClient
        client = app.test_client()
        assert tmc.get("/orchestration/executables/tasks", headers=AUTH).status_code == 200
        assert_error(tmc.get("/orchestration/executables/tasks?limit=0", headers=AUTH), 400, "'limit'")
        entries = client.get("/_mocktmc/requests").json
        assert [e["violations"][0]["where"] for e in entries] == ["response", "request"]
        report = client.get("/_mocktmc/proxy/report").json
        assert report["violationCount"] == 2 and report["byKind"] == {"request parameter": 1, "response body": 1}
        from mocktmc.app import reset_app
        reset_app(app)
        assert client.get("/_mocktmc/proxy/report").json["violationCount"] == 0

        # A check that fails, or a cassette that cannot be written, never costs the client the service's answer.
        def broken(*args, **kwargs):
            raise RuntimeError("broken check")
        monkeypatch.setattr("mocktmc.proxy.checks.response_violations", broken)
        monkeypatch.setattr("mocktmc.proxy.checks.request_violations", broken)
        cassette = app.extensions["mocktmc.proxy"].cassette

        def full_disk(interaction):
            raise OSError(28, "No space left on device")
        monkeypatch.setattr(cassette, "write", full_disk)
        with caplog.at_level(logging.WARNING, logger="mocktmc.proxy"):
            unchecked = tmc.get("/orchestration/executables/tasks", headers=AUTH)
        assert unchecked.status_code == 200 and unchecked.json["total"] == "9"  # as the upstream sent it
        assert "could not check the request" in caplog.text and "could not check the service's response" in caplog.text
        assert "not recorded" in caplog.text and "No space left on device" in caplog.text
        assert client.get("/_mocktmc/proxy/report").json["exchanges"] == 1
        monkeypatch.undo()
        from mocktmc.proxy.report import close
        close(app)

        # An answer larger than the body limit is not passed on: a 502 that says so.
        small = Upstream(upstream, connections=1, timeout=10, body_limit=1000)
        with pytest.raises(Unreachable, match="larger than 1000 bytes"):
            small.forward("GET", "/orchestration/executables/tasks", "", {"Authorization": "Bearer x"}, b"")
        assert small.forward("GET", "/_mocktmc/health", "", {}, b"").status == 200  # smaller ones are
        small.close()
    assert len(read_cassette(next((tmp_path / "rec").glob("*.jsonl")))[1]) == 2


def test_a_proxy_app_from_the_pool_is_no_mock(tmp_path):
    """make_app's settings with a proxy: the TMC API is not the world's (an unreachable service is a 502, not
    the world's workspaces)."""
    app = make_app(proxy="http://127.0.0.1:9")  # the discard port: nothing listens
    app.test_client_class = None  # a 502 is the proxy's, declared by no TMC contract
    response = app.test_client().get("/orchestration/workspaces", headers=AUTH)
    body = assert_error(response, 502, "could not be reached", "http://127.0.0.1:9", "refused")
    assert "HTTPConnection" not in body["detail"] and "object at" not in body["detail"]
