"""The request journal: what an entry holds, redaction, filters, clearing, bounds and threads."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
from collections import deque

import pytest
from flask.testing import FlaskClient

from mocktmc.control import redaction
from mocktmc.control.journal import BODY_LIMIT
from mocktmc.control.journal_store import DEFAULT_CAPACITY, Journal

from .conftest import AUTH, LOAD_CUSTOMERS, SERVICE_ACCOUNT, SERVICE_SECRET, START, Api, make_app
from .errors import assert_error

WORKSPACES = "/orchestration/workspaces"


def journal(api: Api, **filters) -> list[dict]:
    response = api.client.get("/_mocktmc/requests", query_string=filters)
    assert response.status_code == 200, response.json
    return response.json


def default_account(api: Api) -> str:
    return api.app.extensions["mocktmc"].accounts.default_account_id


def test_every_request_is_recorded_with_what_the_client_got(api):
    api.get(WORKSPACES, query_string=[("limit", "5"), ("tag", "a"), ("tag", "b")])
    api.client.get("/_mocktmc/clock")
    api.get("/orchestration/nothing-here")
    api.client.get(WORKSPACES)  # no token
    entries = journal(api)
    assert [(e["seq"], e["method"], e["path"], e["status"]) for e in entries] == [
        (1, "GET", WORKSPACES, 200), (2, "GET", "/_mocktmc/clock", 200),
        (3, "GET", "/orchestration/nothing-here", 404), (4, "GET", WORKSPACES, 401)]
    first = entries[0]
    assert first == {
        "seq": 1, "time": "2024-03-01T09:00:00.000Z", "method": "GET", "path": WORKSPACES,
        "query": {"limit": ["5"], "tag": ["a", "b"]}, "status": 200, "dropped": False, "fault": None,
        "account": default_account(api), "authorization": redaction.authorization(AUTH["Authorization"]),
        "contentType": None, "body": None, "bodyTruncated": False}
    assert [e["account"] for e in entries] == [default_account(api), None, default_account(api), None]


def test_the_time_is_the_mock_time_the_request_arrived_at(api):
    api.advance(90)
    api.get(WORKSPACES)
    times = [(e["path"], e["time"]) for e in journal(api)]
    assert times == [("/_mocktmc/clock/advance", START.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
                     (WORKSPACES, "2024-03-01T09:01:30.000Z")]


def test_a_json_body_is_kept_as_json_and_other_text_as_text(api):
    api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
    api.post("/processing/executions", data="not json", content_type="text/plain")
    api.post("/processing/executions", data="{broken", content_type="application/json")
    entries = journal(api)
    assert [(e["status"], e["contentType"], e["body"]) for e in entries] == [
        (201, "application/json", {"executable": LOAD_CUSTOMERS}),
        (415, "text/plain", "not json"), (400, "application/json", "{broken")]


def test_long_bodies_are_cut_at_the_documented_size(api):
    long_name = "x" * (BODY_LIMIT + 10)
    api.post("/processing/executions", json={"executable": LOAD_CUSTOMERS, "name": long_name})
    api.post("/processing/executions", data=long_name, content_type="text/plain")
    short = "y" * (BODY_LIMIT - 20)
    api.post("/processing/executions", json={"n": short})
    as_json, as_text, kept = journal(api)
    assert as_json["bodyTruncated"] and isinstance(as_json["body"], str) and len(as_json["body"]) == BODY_LIMIT
    assert as_json["body"].startswith('{"executable":"' + LOAD_CUSTOMERS)
    assert as_text["bodyTruncated"] and as_text["body"] == long_name[:BODY_LIMIT]
    assert kept["body"] == {"n": short} and not kept["bodyTruncated"]


def test_multipart_and_binary_bodies_are_noted_not_kept(api):
    api.post("/processing/executions", data={"file": (io.BytesIO(b"abc"), "a.csv")},
             content_type="multipart/form-data")
    api.post("/processing/executions", data=b"\xff\xfe\x00", content_type="application/octet-stream")
    multipart, binary = (e["body"] for e in journal(api))
    assert multipart.startswith("[multipart/form-data body, ") and multipart.endswith("not recorded]")
    assert binary == "[binary body, 3 bytes, not recorded]"


def test_credentials_never_reach_the_journal(api):
    token = api.client.post("/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                            data={"grant_type": "client_credentials", "audience": "http://x",
                                  "client_secret": "form-secret"}).json["access_token"]
    api.client.get(WORKSPACES, headers={"Authorization": f"Bearer {token}"})
    api.client.post("/security/oauth/token", auth=(SERVICE_ACCOUNT, SERVICE_SECRET),
                    json={"grant_type": "client_credentials", "audience": "http://x", "client_secret": "json-secret"})
    api.client.get(WORKSPACES + "?access_token=query-secret&limit=2", headers=AUTH)
    api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": "pairing-secret"})
    api.post("/orchestration/connections", json={
        "name": "db", "workspaceId": "w", "app": "MySQL", "parameters": [
            {"name": "host", "value": "db.local"}, {"name": "user", "value": "encrypted-secret", "encrypted": True},
            {"name": "DB_Password", "value": "named-secret"}], "extra": {"nested": [{"apiKey": "nested-secret"}]}})
    dump = json.dumps(journal(api))
    basic = base64.b64encode(f"{SERVICE_ACCOUNT}:{SERVICE_SECRET}".encode()).decode()
    for secret in (token, SERVICE_SECRET, basic, "form-secret", "json-secret", "query-secret", "pairing-secret",
                   "encrypted-secret", "named-secret", "nested-secret", "test-token"):
        assert secret not in dump, secret
    entries = journal(api)
    assert entries[0]["authorization"] == "Basic sha256:" + hashlib.sha256(basic.encode()).hexdigest()[:12]
    assert entries[0]["body"] == "grant_type=client_credentials&audience=http%3A%2F%2Fx&client_secret=[redacted]"
    assert entries[1]["authorization"] == "Bearer sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]
    assert entries[1]["account"] == default_account(api)
    assert entries[2]["body"]["client_secret"] == "[redacted]"
    assert entries[3]["query"] == {"access_token": ["[redacted]"], "limit": ["2"]}
    assert entries[4]["body"] == {"preAuthorizedKey": "[redacted]"}
    assert entries[5]["body"]["parameters"] == [
        {"name": "host", "value": "db.local"}, {"name": "user", "value": "[redacted]", "encrypted": True},
        {"name": "DB_Password", "value": "[redacted]"}]


@pytest.mark.parametrize("text, kept", [
    ('{"password": "p1", "user": "u"', '{"password": "[redacted]", "user": "u"'),
    ("grant_type=x&client_secret=s&a=b", "grant_type=x&client_secret=[redacted]&a=b"),
    ("db.password=hunter2 host=h", "db.password=[redacted] host=h"),
    ("nothing to hide=here", "nothing to hide=here"),
])
def test_text_bodies_lose_their_secrets(text, kept):
    assert redaction.text(text) == kept


def test_an_authorization_without_a_scheme_is_a_fingerprint():
    assert redaction.authorization("abc") == "sha256:" + hashlib.sha256(b"abc").hexdigest()[:12]
    assert redaction.authorization(None) is None


def test_faulted_and_dropped_requests_are_recorded(api):
    rule = api.client.post("/_mocktmc/faults", json={"path": WORKSPACES, "status": 503, "times": 1}).json
    client = FlaskClient(api.app, api.app.response_class)  # the faulted answer is off-contract
    client.get(WORKSPACES, headers=AUTH)
    drop = api.client.post("/_mocktmc/faults", json={"path": WORKSPACES, "drop": True, "times": 1}).json
    with pytest.raises(ConnectionError):
        client.get(WORKSPACES, headers=AUTH)
    entries = journal(api, path=WORKSPACES)
    assert [(e["status"], e["dropped"], e["fault"], e["account"]) for e in entries] == [
        (503, False, rule["id"], default_account(api)), (None, True, drop["id"], default_account(api))]


def test_filters(api):
    app = make_app(auth="isolated")
    alice, bob = Api(app, {"Authorization": "Bearer alice"}), Api(app, {"Authorization": "Bearer bob"})
    alice.get(WORKSPACES)
    bob.get(WORKSPACES)
    alice.post("/processing/executions", json={"executable": LOAD_CUSTOMERS})
    alice.get("/processing/executions/nope")
    bob.client.get("/_mocktmc/clock")
    alice_account = app.extensions["mocktmc"].accounts.account_of("alice").account_id

    def seqs(**filters):
        return [e["seq"] for e in journal(alice, **filters)]
    assert seqs(method="post") == [3]
    assert seqs(path=WORKSPACES) == [1, 2]
    assert seqs(path="/processing/**") == [3, 4]
    assert seqs(path="/*/executions") == [3]
    assert seqs(status=404) == [4]
    assert seqs(account=alice_account) == [1, 3, 4]
    assert seqs(since=3, path="/processing/**") == [4]
    assert seqs(since=2, method="GET", account=alice_account) == [4]
    for bad in ({"colour": "red"}, {"status": "oops"}, {"status": 99}, {"since": -1}):
        response = alice.client.get("/_mocktmc/requests", query_string=bad)
        assert response.status_code == 400 and f"'{next(iter(bad))}'" in response.json["detail"]


def test_clearing_leaves_nothing_not_even_itself(api):
    api.get(WORKSPACES)
    assert api.client.delete("/_mocktmc/requests").status_code == 204
    assert journal(api) == []
    # The first listing is recorded once it answered; numbering goes on after the GET (1), not from 1.
    assert [(e["seq"], e["path"]) for e in journal(api)] == [(2, "/_mocktmc/requests")]


def test_the_journal_keeps_the_last_entries_only(api):
    assert api.app.extensions["mocktmc.journal"].capacity == DEFAULT_CAPACITY == 10_000
    api.app.extensions["mocktmc.journal"] = Journal(capacity=3)
    for _ in range(5):
        api.get(WORKSPACES)
    assert [e["seq"] for e in journal(api)] == [3, 4, 5]


def test_the_store_numbers_entries_safely_from_many_threads():
    class YieldingDeque(deque):
        def append(self, item):
            time.sleep(0)  # hand the GIL over mid-append: without the store's lock, numbers would interleave
            super().append(item)

    store = Journal(capacity=5_000)
    store._entries = YieldingDeque(maxlen=5_000)

    def write():
        for _ in range(200):
            store.append({"path": "/x"})
    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e["seq"] for e in store.entries()] == list(range(1, 1601))


def test_concurrent_requests_are_all_recorded(app):
    def call():
        client = app.test_client()
        for _ in range(25):
            client.get(WORKSPACES, headers=AUTH)
    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = app.extensions["mocktmc.journal"].entries()
    assert [e["seq"] for e in entries] == list(range(1, 101)) and {e["status"] for e in entries} == {200}


def test_the_journal_is_behind_the_control_token():
    client = make_app(control_token="s3cret").test_client()
    assert_error(client.get("/_mocktmc/requests"), 401, "Missing Authorization header")
    assert_error(client.delete("/_mocktmc/requests"), 401, "Missing Authorization header")
    assert client.get("/_mocktmc/requests", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_a_restored_snapshot_is_noted_by_its_size_only(api):
    """A snapshot may weigh hundreds of megabytes: the journal does not parse and redact it whole."""
    saved = api.client.get("/_mocktmc/state").json
    assert api.client.put("/_mocktmc/state", json=saved).status_code == 200
    entry = api.client.get("/_mocktmc/requests", query_string={"method": "PUT"}).json[-1]
    assert entry["path"] == "/_mocktmc/state" and entry["body"].startswith("[state body, ")
    assert entry["body"].endswith(" bytes, not recorded]")


def test_an_entry_keeps_what_the_client_report_needs_of_the_answer(api):
    """retryAfter of a 429, total and items of a list page, runStatus of a run's poll; nothing on other answers."""
    api.client.post("/_mocktmc/faults", json={"method": "GET", "path": WORKSPACES, "status": 429, "retryAfter": 3,
                                              "times": 1})
    api.get(WORKSPACES)
    api.get("/orchestration/executables/tasks", query_string={"limit": 1})
    execution_id = api.execute(LOAD_CUSTOMERS)
    api.run(execution_id)
    refused, page, start, poll = [entry for entry in journal(api) if not entry["path"].startswith("/_mocktmc")]
    assert refused["retryAfter"] == 3
    assert page["items"] == 1 and page["total"] > 1
    assert poll["runStatus"] in ("dispatching", "executing")
    assert not {"retryAfter", "total", "items", "nextIndex", "runStatus"} & set(start)
