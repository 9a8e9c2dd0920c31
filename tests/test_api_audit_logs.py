"""GET /security/audit/logs: every change made through the API in this test is in the log (who, what operation,
which object, when in mock time), newest first, in the published date and id windows and pages; reads and
refused requests are not changes. The demo world is this checkout's fixtures/default.yaml."""
from __future__ import annotations

import json

import pytest

from mocktmc import MockTMC

from .conftest import START
from .test_permissions import (
    ADMIN_PAT, DEMO, DEV_SALES, LOAD_CUSTOMERS, OLIVIA, OPERATOR_PAT, RUNNER_ID, VICTOR, VIEWER_PAT,
)
from .test_permissions_api import refused, service_token

ALICE = "65f1a0c2e4b0a1b2c3d4e5f6"
LOGS = "/security/audit/logs"


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def logs(mock: MockTMC, **query) -> list[dict]:
    answer = mock.client(ADMIN_PAT).get(LOGS, params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_changes_made_through_the_api_are_logged_with_who_what_which_and_when(demo):
    admin = demo.client(ADMIN_PAT)
    made = admin.post("/account/service-accounts", json={"name": "auditor", "permissions": ["TMC_OPERATOR"]}).json()
    demo.clock.advance(minutes=5)
    assert demo.client(OPERATOR_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}) \
        .status_code == 201
    demo.clock.advance(minutes=5)
    runner = demo.client(service_token(demo))
    assert runner.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert admin.put(f"/tmc/v2.6/workspaces/{DEV_SALES}/users/{VICTOR}/permissions", json=["VIEW", "EXECUTE"]) \
        .status_code == 204
    found = logs(demo)
    assert [(e["userId"], e["eventType"], e["eventOperation"], e["timestamp"]) for e in found] == [
        (ALICE, "updateWorkspacePermissions", "update", "2024-03-01T09:10:00.000Z"),
        (RUNNER_ID, "execute", "create", "2024-03-01T09:10:00.000Z"),
        (OLIVIA, "execute", "create", "2024-03-01T09:05:00.000Z"),
        (ALICE, "postAccountServiceAccounts", "create", "2024-03-01T09:00:00.000Z"),
    ]
    legacy, by_service, _, creation = found
    assert legacy["request"] == {"url": f"/tmc/v2.6/workspaces/{DEV_SALES}/users/{VICTOR}/permissions",
                                 "method": "PUT", "userAgent": legacy["request"]["userAgent"]}
    assert legacy["response"] == {"code": "204"} and legacy["eventCategory"] == "tmc"
    assert (by_service["username"], "email" in by_service) == ("sales-dev-runner", False)
    assert (creation["username"], creation["email"]) == ("alice@demo.mocktmc.local", "alice@demo.mocktmc.local")
    assert json.loads(creation["response"]["body"]) == {"id": made["id"]}  # which object it made
    assert "secret" not in json.dumps(found)
    assert len({e["logId"] for e in found}) == 4 and all(e["applicationId"] == "TMC" for e in found)


def test_reads_and_refused_changes_are_not_logged(demo):
    demo.client(ADMIN_PAT).get("/account/service-accounts")
    demo.client(ADMIN_PAT).post("/account/service-accounts", json={"name": "no permissions field"})  # a 400
    refused(demo.client(VIEWER_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
            "needs EXECUTE")
    assert logs(demo) == []


def _three_changes(demo: MockTMC) -> list[dict]:
    admin = demo.client(ADMIN_PAT)
    for name in ("first", "second", "third"):
        assert admin.post("/account/service-accounts", json={"name": name, "permissions": []}).status_code == 201
        demo.clock.advance(hours=1)
    return logs(demo)


def test_pages_and_their_headers(demo):
    everything = _three_changes(demo)
    answer = demo.client(ADMIN_PAT).get(LOGS, params={"size": "2", "page": "2"})
    assert [e["logId"] for e in answer.json()] == [everything[2]["logId"]]
    headers = {name: answer.headers[name] for name in ("page-number", "page-first", "page-last", "total-elements",
                                                       "total-pages", "page-total-elements")}
    assert headers == {"page-number": "2", "page-first": "false", "page-last": "true", "total-elements": "3",
                       "total-pages": "2", "page-total-elements": "1"}
    assert logs(demo, page="3", size="2") == []


def test_the_date_and_id_windows(demo):
    everything = _three_changes(demo)  # at 09:00, 10:00 and 11:00; the clock is at 12:00
    assert [e["logId"] for e in logs(demo, fromDate="2024-03-01T09:30:00Z")] == \
        [e["logId"] for e in everything[:2]]
    assert [e["logId"] for e in logs(demo, toDate="2024-03-01T10:00:00.000Z")] == \
        [e["logId"] for e in everything[1:]]
    assert [e["logId"] for e in logs(demo, fromId=everything[1]["logId"])] == [e["logId"] for e in everything[:2]]
    assert logs(demo, fromId="00000000-0000-4000-8000-000000000000") == []  # published: unknown id, empty array
    # fromDate wins over fromId.
    assert len(logs(demo, fromDate="2024-03-01T08:00:00Z", fromId=everything[0]["logId"])) == 3


def test_the_hot_period_bounds_what_is_shown(demo):
    _three_changes(demo)
    demo.clock.advance(days=31)
    assert logs(demo) == []
    assert logs(demo, fromDate="2024-03-01T00:00:00Z") == []  # before the hot period: the hot period is used


@pytest.mark.parametrize("query, named", [
    ({"size": "0"}, "size"), ({"size": "1001"}, "size"), ({"page": "0"}, "page"), ({"page": "one"}, "page"),
    ({"fromDate": "yesterday"}, "fromDate"), ({"fromDate": "2030-01-01T00:00:00Z"}, "fromDate"),
    ({"fromDate": "2024-03-01T08:30:00Z", "toDate": "2024-03-01T08:00:00Z"}, "toDate"),
    ({"fromId": "not-a-uuid"}, "fromId")])
def test_bad_parameters_are_a_400_naming_them(demo, query, named):
    answer = demo.client(ADMIN_PAT).get(LOGS, params=query)
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["detail"]


def test_reading_needs_the_audit_role_and_a_high_enough_support_level(demo, tmp_path):
    refused(demo.client(OPERATOR_PAT).get(LOGS), "needs role AUDIT_LOGS_VIEW")
    world = tmp_path / "world.yaml"
    world.write_text("subscription: {supportLevel: GOLD}\n")
    answer = MockTMC(fixtures=str(world), start=START).client("any-token").get(LOGS)
    assert answer.status_code == 403 and "GOLD" in answer.json()["detail"]
