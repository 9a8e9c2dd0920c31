"""The Workspace Permissions API (2021-03 /security/..., and v2.6 /permissions... on the same world): records of
one principal on one workspace, batches, lists; who may change them (MANAGE on the workspace); and what a
change does to what the principal may then do. The demo world is this checkout's fixtures/default.yaml."""
from __future__ import annotations

import pytest

from mocktmc import MockTMC

from .conftest import START
from .errors import assert_error
from .test_permissions import (
    ADMIN_PAT, DEMO, DEV_ENV, DEV_PERSONAL, DEV_SALES, LOAD_CUSTOMERS, OLIVIA, OPERATOR_PAT, PROD_SALES, RUNNER_ID,
    VICTOR, VIEWER_PAT,
)
from .test_permissions_api import refused, service_token

USERS = "/security/workspaces/{ws}/users/{user}/permissions"
ACCOUNTS = "/security/workspaces/{ws}/service-accounts/{sa}/permissions"
UNKNOWN = "65f1a0c2e4b0a1b2c3d4ffff"


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def held(mock: MockTMC, workspace: str, user: str) -> list[str] | None:
    answer = mock.client(ADMIN_PAT).get(USERS.format(ws=workspace, user=user))
    return answer.json()["permissions"] if answer.status_code == 200 else None


# --- one record -------------------------------------------------------------------------------------------

def test_an_administrator_reads_creates_updates_and_deletes_a_users_record(demo):
    admin = demo.client(ADMIN_PAT)
    path = USERS.format(ws=DEV_SALES, user=VICTOR)
    assert admin.get(path).json() == {"workspaceId": DEV_SALES, "userId": VICTOR, "permissions": ["VIEW"]}
    assert admin.put(path, json=["EXECUTE", "VIEW"]).status_code == 204
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW", "EXECUTE"]  # in the published order
    assert admin.delete(path).status_code == 204
    assert_error(admin.get(path), 404, f"{VICTOR} has no permission on workspace {DEV_SALES}")
    assert admin.post(path, json=["AUTHOR"]).status_code == 201
    assert held(demo, DEV_SALES, VICTOR) == ["AUTHOR"]


def test_a_record_changes_what_the_principal_may_do(demo):
    """Victor (VIEW on Development / Sales) may not run a task there until he is given EXECUTE."""
    victor = demo.client(VIEWER_PAT)
    run = {"executable": LOAD_CUSTOMERS}
    refused(victor.post("/processing/executions", json=run), f"needs EXECUTE permission on workspace {DEV_SALES}")
    assert demo.client(ADMIN_PAT).put(USERS.format(ws=DEV_SALES, user=VICTOR), json=["VIEW", "EXECUTE"]) \
        .status_code == 204
    assert victor.post("/processing/executions", json=run).status_code == 201


def test_creating_a_record_that_exists_is_a_conflict(demo):
    answer = demo.client(ADMIN_PAT).post(USERS.format(ws=DEV_SALES, user=OLIVIA), json=["AUTHOR"])
    assert answer.status_code == 409 and "already has permissions" in answer.json()["detail"]
    assert held(demo, DEV_SALES, OLIVIA) == ["VIEW", "EXECUTE"]


@pytest.mark.parametrize("validate", ["all", "off"])  # the contract's check, or the handler's own
@pytest.mark.parametrize("body, named", [(["OWNER"], "'OWNER'"), ([], "permissions"), ({"VIEW": 1}, "array")])
def test_a_bad_list_of_types_is_a_400_naming_it(validate, body, named):
    mock = MockTMC(fixtures=DEMO, start=START, validate=validate)
    answer = mock.client(ADMIN_PAT).put(USERS.format(ws=DEV_SALES, user=VICTOR), json=body)
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["detail"]
    assert held(mock, DEV_SALES, VICTOR) == ["VIEW"]


def test_unknown_workspace_user_or_record_is_a_404(demo):
    admin = demo.client(ADMIN_PAT)
    assert "Workspace" in admin.get(USERS.format(ws=UNKNOWN, user=VICTOR)).json()["detail"]
    assert "No user" in admin.get(USERS.format(ws=DEV_SALES, user=UNKNOWN)).json()["detail"]
    # A service account is not a user, and the other way round.
    assert_error(admin.get(USERS.format(ws=DEV_SALES, user=RUNNER_ID)), 404, f"No user '{RUNNER_ID}'")
    assert_error(admin.get(ACCOUNTS.format(ws=DEV_SALES, sa=VICTOR)), 404, f"No service account '{VICTOR}'")
    # Victor has no record on the personal workspace: nothing to read, update or delete.
    for method in ("get", "put", "delete"):
        kwargs = {"json": ["VIEW"]} if method == "put" else {}
        answer = getattr(admin, method)(USERS.format(ws=DEV_PERSONAL, user=VICTOR), **kwargs)
        assert answer.status_code == 404 and "has no permission" in answer.json()["detail"], method


def test_without_manage_on_the_workspace_a_change_is_refused_and_changes_nothing(demo):
    olivia = demo.client(OPERATOR_PAT)  # VIEW and EXECUTE on the Sales workspaces, not MANAGE
    path = USERS.format(ws=DEV_SALES, user=VICTOR)
    refused(olivia.put(path, json=["VIEW", "AUTHOR"]), f"needs MANAGE permission on workspace {DEV_SALES}")
    refused(olivia.delete(path), "needs MANAGE")
    refused(olivia.get(path), "needs MANAGE")
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW"]


def test_manage_on_a_workspace_is_enough_to_manage_its_permissions(demo):
    admin, olivia = demo.client(ADMIN_PAT), demo.client(OPERATOR_PAT)
    assert admin.put(USERS.format(ws=DEV_SALES, user=OLIVIA), json=["VIEW", "EXECUTE", "MANAGE"]).status_code == 204
    assert olivia.put(USERS.format(ws=DEV_SALES, user=VICTOR), json=["VIEW", "EXECUTE"]).status_code == 204
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW", "EXECUTE"]
    refused(olivia.put(USERS.format(ws=PROD_SALES, user=VICTOR), json=["VIEW", "EXECUTE"]), "needs MANAGE")
    assert held(demo, PROD_SALES, VICTOR) == ["VIEW"]


def test_a_service_accounts_record(demo):
    admin = demo.client(ADMIN_PAT)
    path = ACCOUNTS.format(ws=DEV_SALES, sa=RUNNER_ID)
    assert admin.get(path).json() == {"workspaceId": DEV_SALES, "userId": RUNNER_ID, "permissions": ["VIEW", "EXECUTE"]}
    assert admin.post(ACCOUNTS.format(ws=PROD_SALES, sa=RUNNER_ID), json=["VIEW"]).status_code == 201
    assert admin.delete(path).status_code == 204
    # Its token now reaches Production / Sales only: the Development task is refused.
    token = service_token(demo)
    refused(demo.client(token).get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"), "needs VIEW")


# --- lists ------------------------------------------------------------------------------------------------

def test_the_list_filters_by_workspace_environment_and_user(demo):
    admin = demo.client(ADMIN_PAT)
    everyone = admin.get("/security/permissions").json()
    assert {(p["workspaceId"], p["userId"]) for p in everyone} == {
        (DEV_SALES, OLIVIA), (DEV_SALES, VICTOR), (PROD_SALES, OLIVIA), (PROD_SALES, VICTOR)}
    assert {p["workspaceId"] for p in admin.get("/security/permissions", params={"environmentId": DEV_ENV}).json()} \
        == {DEV_SALES}
    assert [p["workspaceId"] for p in admin.get("/security/permissions", params={"userId": VICTOR}).json()] == \
        [DEV_SALES, PROD_SALES]
    assert admin.get("/security/permissions", params={"workspaceId": DEV_PERSONAL}).json() == []
    accounts = admin.get("/security/service-accounts/permissions").json()
    assert accounts == [{"workspaceId": DEV_SALES, "userId": RUNNER_ID, "permissions": ["VIEW", "EXECUTE"]}]
    for name in ("workspaceId", "environmentId", "userId"):
        answer = admin.get("/security/permissions", params={name: UNKNOWN})
        assert answer.status_code == 404 and UNKNOWN in answer.json()["detail"], name


def test_the_list_shows_only_the_workspaces_the_caller_manages(demo):
    assert demo.client(OPERATOR_PAT).get("/security/permissions").json() == []
    demo.client(ADMIN_PAT).put(USERS.format(ws=PROD_SALES, user=OLIVIA), json=["VIEW", "MANAGE"])
    assert {p["workspaceId"] for p in demo.client(OPERATOR_PAT).get("/security/permissions").json()} == {PROD_SALES}


# --- batches ----------------------------------------------------------------------------------------------

def test_a_batch_creates_and_updates_in_order(demo):
    admin = demo.client(ADMIN_PAT)
    created = admin.post("/security/permissions/batch", json=[
        {"workspaceId": DEV_PERSONAL, "userId": VICTOR, "permissions": ["VIEW"]},
        {"workspaceId": DEV_PERSONAL, "userId": OLIVIA, "permissions": ["AUTHOR", "VIEW"]}])
    assert created.status_code == 204, created.text
    assert held(demo, DEV_PERSONAL, OLIVIA) == ["VIEW", "AUTHOR"]
    updated = admin.put("/security/permissions/batch", json=[
        {"workspaceId": DEV_PERSONAL, "userId": VICTOR, "permissions": ["VIEW", "EXECUTE"]},
        {"workspaceId": DEV_PERSONAL, "userId": VICTOR, "permissions": ["PUBLISH"]}])
    assert updated.status_code == 204
    assert held(demo, DEV_PERSONAL, VICTOR) == ["PUBLISH"]  # the later item wins


def test_a_batch_with_failing_items_is_a_multi_status_naming_each(demo):
    answer = demo.client(ADMIN_PAT).post("/security/permissions/batch", json=[
        {"workspaceId": DEV_PERSONAL, "userId": VICTOR, "permissions": ["VIEW"]},
        {"workspaceId": DEV_SALES, "userId": VICTOR, "permissions": ["VIEW"]},
        {"workspaceId": UNKNOWN, "userId": VICTOR, "permissions": ["VIEW"]}])
    assert answer.status_code == 207
    assert [(item["status"], item["permission"]["workspaceId"]) for item in answer.json()] == [
        (201, DEV_PERSONAL), (409, DEV_SALES), (404, UNKNOWN)]
    assert held(demo, DEV_PERSONAL, VICTOR) == ["VIEW"]  # the good item was applied


def test_a_batch_item_on_a_workspace_the_caller_does_not_manage_is_refused(demo):
    demo.client(ADMIN_PAT).put(USERS.format(ws=DEV_SALES, user=OLIVIA), json=["VIEW", "MANAGE"])
    answer = demo.client(OPERATOR_PAT).put("/security/permissions/batch", json=[
        {"workspaceId": DEV_SALES, "userId": VICTOR, "permissions": ["EXECUTE"]},
        {"workspaceId": PROD_SALES, "userId": VICTOR, "permissions": ["EXECUTE"]}])
    assert answer.status_code == 207
    assert [item["status"] for item in answer.json()] == [200, 403]
    assert "needs MANAGE permission on workspace " + PROD_SALES in answer.json()[1]["message"]
    assert (held(demo, DEV_SALES, VICTOR), held(demo, PROD_SALES, VICTOR)) == (["EXECUTE"], ["VIEW"])


def test_a_batch_body_must_be_an_array_of_permissions(demo):
    answer = demo.client(ADMIN_PAT).post("/security/permissions/batch",
                                         json=[{"workspaceId": DEV_SALES, "permissions": ["VIEW"]}])
    assert answer.status_code == 400 and "userId" in answer.json()["detail"]


def test_a_batch_delete_removes_the_intersection(demo):
    admin = demo.client(ADMIN_PAT)
    answer = admin.delete("/security/permissions/batch", params={"workspaceIds": PROD_SALES, "userIds": VICTOR})
    assert answer.status_code == 204
    assert held(demo, PROD_SALES, VICTOR) is None and held(demo, DEV_SALES, VICTOR) == ["VIEW"]
    # No user named: every user's record on the workspace (the service account keeps its own).
    assert admin.delete("/security/permissions/batch", params={"workspaceIds": DEV_SALES}).status_code == 204
    assert admin.get("/security/permissions", params={"workspaceId": DEV_SALES}).json() == []
    assert admin.get("/security/service-accounts/permissions").json() != []
    assert admin.delete("/security/service-accounts/permissions/batch",
                        params={"serviceAccountIds": RUNNER_ID}).status_code == 204
    assert admin.get("/security/service-accounts/permissions").json() == []


def test_a_batch_delete_names_something_it_may_touch(demo):
    admin = demo.client(ADMIN_PAT)
    answer = admin.delete("/security/permissions/batch")
    assert answer.status_code == 400 and "workspaceIds" in answer.json()["detail"]
    assert_error(admin.delete("/security/permissions/batch", params={"userIds": UNKNOWN}), 404, f"No user '{UNKNOWN}'")
    refused(demo.client(OPERATOR_PAT).delete("/security/permissions/batch", params={"workspaceIds": DEV_SALES}),
            "needs MANAGE permission on workspace " + DEV_SALES)
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW"]


# --- v2.6 on the same world -------------------------------------------------------------------------------

def test_the_legacy_operations_are_the_same_records(demo):
    admin = demo.client(ADMIN_PAT)
    legacy = f"/tmc/v2.6/workspaces/{DEV_SALES}/users/{VICTOR}/permissions"
    assert admin.get(legacy).json() == {"workspaceId": DEV_SALES, "userId": VICTOR, "permissions": ["VIEW"]}
    assert admin.put(legacy, json=["VIEW", "AUTHOR"]).status_code == 204
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW", "AUTHOR"]
    assert admin.delete(legacy).status_code == 204
    assert admin.post(legacy, json=["EXECUTE"]).status_code == 201
    assert admin.get("/tmc/v2.4/permissions", params={"userId": VICTOR, "workspaceId": DEV_SALES}).json() == \
        [{"workspaceId": DEV_SALES, "userId": VICTOR, "permissions": ["EXECUTE"]}]
    batch = [{"workspaceId": DEV_PERSONAL, "userId": VICTOR, "permissions": ["VIEW"]}]
    assert admin.post("/tmc/v2.6/permissions/batch", json=batch).status_code == 204
    batch[0]["permissions"] = ["VIEW", "EXECUTE"]
    assert admin.put("/tmc/v2.6/permissions/batch", json=batch).status_code == 204
    assert held(demo, DEV_PERSONAL, VICTOR) == ["VIEW", "EXECUTE"]
    assert admin.delete("/tmc/v2.6/permissions/batch", params={"userIds": VICTOR}).status_code == 204
    assert held(demo, DEV_PERSONAL, VICTOR) is None and held(demo, DEV_SALES, VICTOR) is None


def test_legacy_errors_take_the_v26_body(demo):
    admin = demo.client(ADMIN_PAT)
    bad = admin.put(f"/tmc/v2.6/workspaces/{DEV_SALES}/users/{VICTOR}/permissions", json=["OWNER"])
    assert bad.status_code == 400 and "OWNER" in bad.json()["details"] and bad.json()["code"]
    missing = admin.get(f"/tmc/v2.6/workspaces/{DEV_PERSONAL}/users/{VICTOR}/permissions")
    assert missing.status_code == 404 and "url" in missing.json()
    denied = demo.client(OPERATOR_PAT).delete(f"/tmc/v2.6/workspaces/{DEV_SALES}/users/{VICTOR}/permissions")
    assert denied.status_code == 403 and "needs MANAGE" in denied.json()["details"]
    assert held(demo, DEV_SALES, VICTOR) == ["VIEW"]
