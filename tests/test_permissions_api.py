"""Roles and workspace permissions (issue 23), enforced: every served operation has a row of the table; a
refusal is a 403 in the family's error shape that names what is missing and changes nothing; lists show what
the caller may see; unknown tokens in open and isolated modes act as administrators. The demo world is read
from this checkout's fixtures/default.yaml, by path."""
from __future__ import annotations

import base64
import json

import pytest

from mocktmc import MockTMC
from mocktmc.api.authorization import served_operations
from mocktmc.app import create_app
from mocktmc.config import Settings
from mocktmc.contract_documents import TMC_CONTRACTS, contract, operations_in
from mocktmc.domain import access
from mocktmc.domain.permissions import PERMISSIONS
from mocktmc.inventory import coverage

from .conftest import START
from .test_permissions import (
    ADMIN_PAT, DEMO, DEV_ENV, DEV_PERSONAL, DEV_SALES, LOAD_CUSTOMERS, OLIVIA, OPERATOR_PAT, PROD_LOAD_CUSTOMERS,
    PROD_SALES, RUNNER_ID, RUNNER_SECRET, VIEWER_PAT,
)

PROD_ARTIFACT = "65f1a0c2e4b0a1b2c3d41101"


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def service_token(mock: MockTMC, client_id: str = RUNNER_ID, secret: str = RUNNER_SECRET) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = mock.client().post("/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                                json={"grant_type": "client_credentials", "audience": "https://api.mock"})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def refused(answer, needs: str) -> dict:
    """A 403 in the 2021-03 error shape whose detail names what is missing."""
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert answer.headers["Content-Type"].startswith("application/json")
    assert body["status"] == 403 and body["message"] == access.FORBIDDEN_MESSAGE and body["requestId"]
    assert needs in body["detail"], body
    return body


def runs_of(mock: MockTMC, task_id: str) -> int:
    return mock.client(ADMIN_PAT).get(f"/processing/executables/tasks/{task_id}/executions").json()["total"]


def test_every_served_operation_has_a_row_and_every_row_an_operation():
    app = create_app(Settings(fixtures=DEMO))
    served = served_operations()
    implemented = [op for op, ok in coverage(app.url_map) if ok]
    assert len(implemented) > 300
    for op in implemented:
        operation_id, _ = served[(op.path, op.method)]
        assert operation_id in PERMISSIONS, f"{op.method} {op.path} ({op.operation_id}) has no row"
        if not op.family.startswith("legacy"):
            assert operation_id == op.operation_id
    ids = {operation["operationId"] for family in TMC_CONTRACTS if family != "legacy"
           for _, _, _, operation in operations_in(contract(family))}
    assert set(PERMISSIONS) == ids



# --- the API -----------------------------------------------------------------------------------------

def test_a_viewer_cannot_run_a_task_and_nothing_changes(demo):
    before = runs_of(demo, LOAD_CUSTOMERS)
    refused(demo.client(VIEWER_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
            f"execute: needs EXECUTE permission on workspace {DEV_SALES}")
    assert runs_of(demo, LOAD_CUSTOMERS) == before
    assert demo.client(VIEWER_PAT).get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").status_code == 200


def test_an_operator_runs_a_task_but_cannot_change_its_definition(demo):
    operator = demo.client(OPERATOR_PAT)
    started = operator.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS})
    assert started.status_code == 201
    assert operator.get(f"/processing/executions/{started.json()['executionId']}").status_code == 200
    task = operator.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json()
    change = {"workspaceId": DEV_SALES, "name": "Renamed", "description": "", "artifact": task["artifact"]}
    refused(operator.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}", json=change),
            f"updateTask: needs AUTHOR permission on workspace {DEV_SALES}")
    refused(operator.put(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/pause", json={"pause": True}),
            "changeTaskStatus: needs AUTHOR permission")
    refused(operator.delete(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"), "deleteTask: needs AUTHOR")
    after = demo.client(ADMIN_PAT).get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json()
    assert after["name"] == task["name"] and "taskPauseDetails" not in after or not after["taskPauseDetails"]


def test_a_missing_role_is_named_and_nothing_is_created(demo):
    environments = demo.client(ADMIN_PAT).get("/orchestration/environments").json()
    refused(demo.client(OPERATOR_PAT).post("/orchestration/environments",
                                           json={"name": "Sandbox", "workspaceName": "Play"}),
            "createEnvironment: needs role TMC_ENVIRONMENT_MANAGEMENT")
    assert demo.client(ADMIN_PAT).get("/orchestration/environments").json() == environments


def test_a_legacy_path_is_refused_in_the_legacy_error_shape(demo):
    answer = demo.client(VIEWER_PAT).post("/tmc/v2.6/executions", json={"executable": LOAD_CUSTOMERS})
    assert answer.status_code == 403
    body = answer.json()
    assert body["message"] == access.FORBIDDEN_MESSAGE and body["url"] == "/tmc/v2.6/executions"
    assert body["details"] == f"execute: needs EXECUTE permission on workspace {DEV_SALES}"
    # a legacy path parameter is renamed to find its workspace: /tmc/v2.6/artifacts/{id} is {artifactId}
    answer = demo.client(service_token(demo)).get(f"/tmc/v2.6/artifacts/{PROD_ARTIFACT}")
    assert answer.status_code == 403
    assert answer.json()["details"] == f"getArtifact: needs VIEW permission on workspace {PROD_SALES}"


def test_the_service_account_is_limited_to_its_workspace(demo):
    runner = demo.client(service_token(demo))
    assert runner.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    before = runs_of(demo, PROD_LOAD_CUSTOMERS)
    refused(runner.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS}),
            f"needs EXECUTE permission on workspace {PROD_SALES}")
    assert runs_of(demo, PROD_LOAD_CUSTOMERS) == before
    refused(runner.get(f"/orchestration/executables/tasks/{PROD_LOAD_CUSTOMERS}"),
            f"getTask: needs VIEW permission on workspace {PROD_SALES}")
    assert [ws["id"] for ws in runner.get("/orchestration/workspaces").json()] == [DEV_SALES]
    assert [env["id"] for env in runner.get("/orchestration/environments").json()] == [DEV_ENV]
    tasks = runner.get("/orchestration/executables/tasks").json()["items"]
    assert tasks and {t["workspace"]["id"] for t in tasks} == {DEV_SALES}
    searched = runner.post("/orchestration/executables/tasks/search", json={}).json()["items"]
    assert {t["workspace"]["id"] for t in searched} == {DEV_SALES}


def test_lists_show_what_the_caller_may_see(demo):
    admin, viewer = demo.client(ADMIN_PAT), demo.client(VIEWER_PAT)
    assert {ws["id"] for ws in admin.get("/orchestration/workspaces").json()} == {DEV_SALES, DEV_PERSONAL, PROD_SALES}
    assert {ws["id"] for ws in viewer.get("/orchestration/workspaces").json()} == {DEV_SALES, PROD_SALES}
    all_tasks = admin.get("/orchestration/executables/tasks").json()["total"]
    personal = [t for t in admin.get("/orchestration/executables/tasks").json()["items"]
                if t["workspace"]["id"] == DEV_PERSONAL]
    assert viewer.get("/orchestration/executables/tasks").json()["total"] == all_tasks - len(personal)
    demo.permissions.revoke(VIEWER_PAT, workspace=PROD_SALES)
    assert {ws["id"] for ws in viewer.get("/orchestration/workspaces").json()} == {DEV_SALES}
    assert {p["workspace"]["id"] for p in viewer.get("/orchestration/executables/plans").json()["items"]} <= \
        {DEV_SALES}


@pytest.mark.parametrize("validate", ["off", "requests"])
def test_enforcement_does_not_depend_on_validation(validate):
    mock = MockTMC(fixtures=DEMO, start=START, validate=validate)
    refused(mock.client(VIEWER_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
            "needs EXECUTE permission")


def test_open_mode_an_unknown_token_is_an_administrator(demo):
    anyone = demo.client("any-token-at-all")
    assert anyone.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS}).status_code == 201
    assert anyone.post("/orchestration/environments", json={"name": "Sandbox", "workspaceName": "Play"}) \
        .status_code == 201


def test_strict_mode_applies_the_rules_and_still_refuses_unknown_tokens():
    mock = MockTMC(fixtures=DEMO, start=START, auth="strict")
    unknown = mock.client("nobody-knows").get("/orchestration/workspaces")
    assert unknown.status_code == 401 and "Unknown access token" in unknown.json()["detail"]
    refused(mock.client(VIEWER_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
            "needs EXECUTE permission")
    assert mock.client(OPERATOR_PAT).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}) \
        .status_code == 201


def test_isolated_mode_a_new_tokens_account_is_its_own_and_its_rules_apply_to_its_issued_tokens():
    mock = MockTMC(fixtures=DEMO, start=START, auth="isolated")
    mine = mock.for_token("worker-1")
    before = runs_of(mock, LOAD_CUSTOMERS)
    assert mock.client("worker-1").post("/orchestration/environments",
                                        json={"name": "Mine", "workspaceName": "W"}).status_code == 201
    viewer = mine.tokens.personal("victor@demo.mocktmc.local")["token"]
    refused(mock.client(viewer).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}),
            "needs EXECUTE permission")
    mine.permissions.grant(viewer, workspace=DEV_SALES, permissions=["EXECUTE"])
    assert mock.client(viewer).post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert runs_of(mock, LOAD_CUSTOMERS) == before  # the default account's history did not move


# --- the control plane makes a refusal a one-line test ------------------------------------------------

def test_the_control_plane_grants_and_revokes_in_one_line(demo):
    operator = demo.client(OPERATOR_PAT)
    revoked = demo.permissions.revoke(OPERATOR_PAT, workspace=DEV_SALES, permissions=["EXECUTE"])
    assert revoked["principal"] == OLIVIA and revoked["workspaces"][DEV_SALES] == ["VIEW"]
    refused(operator.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}), "needs EXECUTE")
    granted = demo.permissions.grant("olivia@demo.mocktmc.local", roles=["TMC_ENVIRONMENT_MANAGEMENT"],
                                     workspace=DEV_SALES, permissions=["EXECUTE", "AUTHOR"])
    assert granted["roles"] == ["TMC_ENVIRONMENT_MANAGEMENT", "TMC_OPERATOR"]
    assert granted["workspaces"][DEV_SALES] == ["VIEW", "EXECUTE", "AUTHOR"]
    assert operator.post("/processing/executions", json={"executable": LOAD_CUSTOMERS}).status_code == 201
    assert operator.post("/orchestration/environments", json={"name": "S", "workspaceName": "P"}).status_code == 201
    [listed] = demo.permissions.get(OLIVIA)
    assert listed == granted
    demo.permissions.revoke(RUNNER_ID, roles=["TMC_OPERATOR"])
    refused(demo.client(service_token(demo)).get("/orchestration/workspaces"), "needs role TMC_CLUSTER_MANAGEMENT")


def test_the_control_plane_makes_an_administrator_and_takes_it_back(demo):
    viewer = demo.client(VIEWER_PAT)
    assert demo.permissions.grant(VIEWER_PAT, administrator=True)["administrator"] is True
    assert viewer.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS}).status_code == 201
    demo.permissions.revoke(VIEWER_PAT, administrator=True)
    refused(viewer.post("/processing/executions", json={"executable": PROD_LOAD_CUSTOMERS}), "needs EXECUTE")
    assert {p["name"] for p in demo.permissions.get()} >= {"alice@demo.mocktmc.local", "sales-dev-runner"}


def test_head_needs_what_get_needs(demo):
    client, viewer = demo.app.test_client(), {"Authorization": f"Bearer {VIEWER_PAT}"}
    assert client.head(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}", headers=viewer).status_code == 200
    demo.permissions.revoke(VIEWER_PAT, workspace=DEV_SALES)
    head = client.head(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}", headers=viewer)
    assert head.status_code == 403 and head.headers["Content-Type"] == "application/json"
    refused(demo.client(VIEWER_PAT).get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"),
            f"getTask: needs VIEW permission on workspace {DEV_SALES}")


def test_a_resource_is_created_only_where_the_caller_may_author(demo):
    def create(token: str, workspace: str):
        return demo.client(token).post("/orchestration/resources", files={
            "resource": (None, json.dumps({"name": "codes.csv", "workspaceId": workspace}), "application/json"),
            "file": ("codes.csv", b"FR,France\n", "text/csv")})

    before = demo.client(ADMIN_PAT).get("/orchestration/resources").json()["total"]
    refused(create(OPERATOR_PAT, DEV_SALES), f"createResource: needs AUTHOR permission on workspace {DEV_SALES}")
    demo.permissions.grant(OPERATOR_PAT, workspace=DEV_SALES, permissions=["AUTHOR"])
    refused(create(OPERATOR_PAT, PROD_SALES), f"needs AUTHOR permission on workspace {PROD_SALES}")
    assert demo.client(ADMIN_PAT).get("/orchestration/resources").json()["total"] == before
    created = create(OPERATOR_PAT, DEV_SALES)
    assert created.status_code == 201 and created.json()["workspaceInfo"]["id"] == DEV_SALES


def test_a_move_needs_the_permission_where_the_object_goes_too(demo):
    admin = demo.client(ADMIN_PAT)
    [connection] = [c for c in admin.get("/orchestration/connections").json()["items"]
                    if c["workspace"]["id"] == DEV_SALES][:1]
    demo.permissions.grant(OPERATOR_PAT, workspace=DEV_SALES, permissions=["AUTHOR"])
    move = f"/orchestration/connections/{connection['id']}/move/{DEV_PERSONAL}"
    refused(demo.client(OPERATOR_PAT).put(move), f"moveConnection: needs AUTHOR permission on workspace {DEV_PERSONAL}")
    assert admin.get(f"/orchestration/connections/{connection['id']}").json()["workspace"]["id"] == DEV_SALES
    demo.permissions.grant(OPERATOR_PAT, workspace=DEV_PERSONAL, permissions=["AUTHOR"])
    assert demo.client(OPERATOR_PAT).put(move).status_code == 200
    assert admin.get(f"/orchestration/connections/{connection['id']}").json()["workspace"]["id"] == DEV_PERSONAL


@pytest.mark.parametrize("validate", ["off", "all"])
@pytest.mark.parametrize("body", [None, [], {"executable": 7, "workspaceId": ["x"], "environmentId": None}])
def test_no_operation_answers_500_to_a_caller_the_rules_apply_to(validate, body):
    """Whatever a restricted caller sends (ids that name nothing, bodies that are no object or whose ids are no
    strings), the permission check answers or lets the handler answer: never a 500."""
    mock = MockTMC(fixtures=DEMO, start=START, validate=validate)
    viewer = mock.app.test_client()
    headers = {"Authorization": f"Bearer {VIEWER_PAT}"}
    answered = set()
    for op, ok in coverage(mock.app.url_map):
        if not ok or op.family == "security":
            continue
        answer = viewer.open(op.sample_path, method=op.method, headers=headers, json=body)
        assert answer.status_code != 500, (op, answer.get_data(as_text=True))
        answered.add(answer.status_code)
    assert 403 in answered and 404 in answered
