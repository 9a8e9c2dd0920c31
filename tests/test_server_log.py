"""The server's log: one access record per request, formatted as text or JSON; quiet below INFO."""
from __future__ import annotations

import json
import logging
import os
import sys

import pytest
import requests

from mocktmc import server_log

from .conftest import LOAD_CUSTOMERS
from .serving import served


def access_records(caplog) -> list[dict]:
    return [record.http for record in caplog.records if record.name == "mocktmc.access"]


def test_every_request_is_one_access_record_with_its_account(api, caplog):
    with caplog.at_level(logging.INFO, logger="mocktmc.access"):
        api.get("/processing/executables/tasks?limit=1")
        api.client.get("/nowhere", headers={"Authorization": "Bearer test-token"})
        api.client.get("/_mocktmc/health")
        api.client.get("/orchestration/workspaces")  # no token: 401
    records = access_records(caplog)
    assert [(r["method"], r["path"], r["query"], r["status"]) for r in records] == [
        ("GET", "/processing/executables/tasks", "limit=1", 200), ("GET", "/nowhere", "", 404),
        ("GET", "/_mocktmc/health", "", 200), ("GET", "/orchestration/workspaces", "", 401)]
    assert records[0]["account"] == api.app.extensions["mocktmc"].accounts.default_world.account_id
    assert [r["account"] for r in records[1:]] == [None, None, None]  # off the API, control plane, no token
    assert all(isinstance(r["durationMs"], float) and r["durationMs"] >= 0 for r in records)
    message = next(record.getMessage() for record in caplog.records if record.name == "mocktmc.access")
    assert message.startswith("GET /processing/executables/tasks?limit=1 200 ") and " ms account=" in message


def test_below_info_nothing_is_recorded(api, caplog):
    with caplog.at_level(logging.WARNING):
        api.get("/processing/executables/tasks")
    assert access_records(caplog) == []


def test_json_lines_carry_the_request_fields_and_survive_unencodable_text():
    record = logging.LogRecord("mocktmc.access", logging.INFO, __file__, 1, "GET %s", ("/x\ud800",), None)
    record.http = {"method": "GET", "path": "/x\ud800", "status": 200, "durationMs": 1.5, "account": "a"}
    line = server_log.JsonFormatter().format(record)
    line.encode("ascii")  # a lone surrogate is escaped, never written raw
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "mocktmc.access" and entry["time"].endswith("Z")
    assert (entry["method"], entry["path"], entry["status"], entry["durationMs"]) == ("GET", "/x\ud800", 200, 1.5)
    text = server_log.TextFormatter().format(record)
    assert text.split(" ", 1)[1] == "INFO mocktmc.access: GET /x\ud800"


def test_configure_refuses_an_unknown_level_or_format():
    with pytest.raises(ValueError, match="log level must be one of"):
        server_log.configure("loud", "text")
    with pytest.raises(ValueError, match="format one of"):
        server_log.configure("info", "yaml")


@pytest.mark.e2e
def test_serve_writes_json_access_lines_to_standard_error(tmp_path):
    log = tmp_path / "serve.log"
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen"], log,
                env={**os.environ, "MOCKTMC_LOG_LEVEL": "info", "MOCKTMC_LOG_FORMAT": "json"}) as (_, base):
        started = requests.post(f"{base}/processing/executions", json={"executable": LOAD_CUSTOMERS},
                                headers={"Authorization": "Bearer json-log"}, timeout=10)
        assert started.status_code == 201
    entries = [json.loads(text) for text in log.read_text().splitlines()]
    access = [entry for entry in entries if entry["logger"] == "mocktmc.access"]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [("POST", "/processing/executions", 201)]
    assert access[0]["account"] and access[0]["remote"] == "127.0.0.1"
