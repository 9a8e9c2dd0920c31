"""The Service Accounts API (/account/service-accounts...): made, read, renamed, given roles and deleted through
the API, with client credentials that work at /security/oauth/token, limited to the workspaces the account is
given (end to end). The demo world is this checkout's fixtures/default.yaml."""
from __future__ import annotations

import base64

import pytest

from mocktmc import MockTMC

from .conftest import START
from .errors import assert_error
from .test_permissions import (
    ADMIN_PAT, DEMO, DEV_SALES, LOAD_CUSTOMERS, OPERATOR_PAT, PROD_LOAD_CUSTOMERS, RUNNER_ID, VIEWER_PAT,
)
from .test_permissions_api import refused, service_token

ROLES = ["TMC_OPERATOR", "TMC_ENGINE_USE", "TMC_ENVIRONMENT_MANAGEMENT", "TMC_CLUSTER_MANAGEMENT",
         "TMC_RUN_PROFILE_MANAGEMENT", "TMC_PIPELINE_MANAGEMENT", "TMC_PROMOTION_EXECUTION", "TMC_USER_MANAGEMENT",
         "TMC_GROUP_MANAGEMENT", "TMC_ROLE_MANAGEMENT", "TMC_SERVICE_ACCOUNT_MANAGEMENT",
         "TMC_SUBSCRIPTION_MANAGEMENT", "AUDIT_LOGS_VIEW"]


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def names(mock: MockTMC) -> list[str]:
    return [a["name"] for a in mock.client(ADMIN_PAT).get("/account/service-accounts").json()]


def test_the_list_count_and_available_permissions(demo):
    admin = demo.client(ADMIN_PAT)
    listed = admin.get("/account/service-accounts").json()
    assert [a["name"] for a in listed] == ["ci-pipeline", "sales-dev-runner"]
    runner = listed[1]
    assert runner["id"] == RUNNER_ID and runner["permissions"] == ["TMC_OPERATOR"] and "secret" not in runner
    assert admin.get(f"/account/service-accounts/{RUNNER_ID}").json() == runner
    count = admin.get("/account/service-accounts/count").json()
    assert count["count"] == 2 and count["tenantId"]
    # Any authenticated caller reads the names of the permissions (the published operation has no 403).
    assert demo.client(VIEWER_PAT).get("/account/service-accounts/permissions").json() == ROLES


def test_a_service_account_made_through_the_api_works_only_where_it_was_granted(demo):
    admin = demo.client(ADMIN_PAT)
    made = admin.post("/account/service-accounts", json={"name": "nightly-loader", "permissions": ["TMC_OPERATOR"]})
    assert made.status_code == 201, made.text
    account = made.json()
    assert account["secret"] and account["permissions"] == ["TMC_OPERATOR"]
    assert account["createdDate"] == account["lastModifiedDate"] == "2024-03-01T09:00:00.000Z"
    assert "secret" not in admin.get(f"/account/service-accounts/{account['id']}").json()  # shown once
    granted = admin.post(f"/security/workspaces/{DEV_SALES}/service-accounts/{account['id']}/permissions",
                         json=["VIEW", "EXECUTE"])
    assert granted.status_code == 201
    token = service_token(demo, account["id"], account["secret"])
    loader = demo.client(token)
    assert loader.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    refused(loader.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS}), "needs EXECUTE")
    workspaces = {t["workspace"]["id"] for t in loader.get("/orchestration/executables/tasks").json()["items"]}
    assert workspaces == {DEV_SALES}
    refused(loader.get("/account/service-accounts"), "needs role TMC_SERVICE_ACCOUNT_MANAGEMENT")


def test_the_secret_must_match(demo):
    made = demo.client(ADMIN_PAT).post("/account/service-accounts", json={"name": "a", "permissions": []}).json()
    basic = base64.b64encode(f"{made['id']}:not-the-secret".encode()).decode()
    answer = demo.client().post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                                json={"grant_type": "client_credentials", "audience": "https://api.mock"})
    assert_error(answer, 401, "ClientId or Secret")


def test_an_update_changes_the_name_and_the_roles_and_what_its_token_may_do(demo):
    admin = demo.client(ADMIN_PAT)
    token = service_token(demo)  # the runner: TMC_OPERATOR, VIEW and EXECUTE on Development / Sales
    runner = demo.client(token)
    assert runner.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").status_code == 200
    demo.clock.advance(seconds=60)
    changed = admin.put(f"/account/service-accounts/{RUNNER_ID}",
                        json={"name": "sales-reader", "permissions": ["TMC_ENGINE_USE"]})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["permissions"]) == ("sales-reader", ["TMC_ENGINE_USE"])
    assert body["lastModifiedDate"] == "2024-03-01T09:01:00.000Z" != body["createdDate"]
    refused(runner.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"), "needs role TMC_OPERATOR")


def test_validation_and_conflicts_name_the_field(demo):
    admin = demo.client(ADMIN_PAT)
    missing = admin.post("/account/service-accounts", json={"name": "b"})
    assert missing.status_code == 400 and "permissions" in missing.json()["detail"]
    unknown = admin.post("/account/service-accounts", json={"name": "b", "permissions": ["ROOT"]})
    assert unknown.status_code == 400 and "'ROOT'" in unknown.json()["detail"]
    blank = admin.post("/account/service-accounts", json={"name": " ", "permissions": []})
    assert blank.status_code == 400 and "name" in blank.json()["detail"]
    taken = admin.post("/account/service-accounts", json={"name": "ci-pipeline", "permissions": []})
    assert taken.status_code == 409 and "ci-pipeline" in taken.json()["detail"]
    renamed = admin.put(f"/account/service-accounts/{RUNNER_ID}", json={"name": "ci-pipeline", "permissions": []})
    assert_error(renamed, 409, "'ci-pipeline' exists already")
    assert names(demo) == ["ci-pipeline", "sales-dev-runner"]


def test_unknown_ids_are_404(demo):
    admin = demo.client(ADMIN_PAT)
    for method, kwargs in (("get", {}), ("put", {"json": {"name": "z", "permissions": []}}), ("delete", {})):
        answer = getattr(admin, method)("/account/service-accounts/no-such-account", **kwargs)
        assert answer.status_code == 404 and "no-such-account" in answer.json()["detail"], method


def test_without_the_role_nothing_changes(demo):
    for pat in (OPERATOR_PAT, VIEWER_PAT):
        caller = demo.client(pat)
        refused(caller.post("/account/service-accounts", json={"name": "sneaky", "permissions": ["TMC_OPERATOR"]}),
                "needs role TMC_SERVICE_ACCOUNT_MANAGEMENT")
        refused(caller.delete(f"/account/service-accounts/{RUNNER_ID}"), "TMC_SERVICE_ACCOUNT_MANAGEMENT")
        refused(caller.get("/account/service-accounts/count"),
                "needs role TMC_SERVICE_ACCOUNT_MANAGEMENT or TMC_SUBSCRIPTION_MANAGEMENT")
    assert names(demo) == ["ci-pipeline", "sales-dev-runner"]


def test_a_deleted_service_account_loses_its_records_and_its_tokens(demo):
    admin = demo.client(ADMIN_PAT)
    token = service_token(demo)
    assert admin.delete(f"/account/service-accounts/{RUNNER_ID}").status_code == 204
    assert_error(admin.get(f"/account/service-accounts/{RUNNER_ID}"), 404, RUNNER_ID)
    assert admin.get("/security/service-accounts/permissions").json() == []
    assert_error(demo.client(token).get("/orchestration/workspaces"), 401, "service account no longer exists")
    assert demo.client(ADMIN_PAT).get("/account/service-accounts/count").json()["count"] == 1


def test_the_account_rows_quote_the_published_texts():
    """The permission-table rows that quote service-accounts.json and audit-logs.json quote them exactly."""
    import json
    import re

    from mocktmc.domain.permissions import PERMISSIONS

    from .test_permissions import REFERENCE
    if not REFERENCE.is_dir():
        pytest.skip(f"{REFERENCE} is not present: the published documents cannot be compared")
    texts = {}
    for tag, name in (("SA21", "service-accounts.json"), ("AL21", "audit-logs.json")):
        doc = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
        texts[tag] = " ".join(" ".join(json.dumps(doc).replace("\\n", " ").split()).split())
    quoted = 0
    for operation_id, rule in PERMISSIONS.items():
        found = re.match(r"(SA21|AL21) ", rule.evidence)
        if found:
            for quote in re.findall(r'"([^"]+)"', rule.evidence):
                assert quote in texts[found.group(1)], f"{operation_id}: {quote!r} is not published"
                quoted += 1
    assert quoted >= 2
