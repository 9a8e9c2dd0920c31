"""Environments and workspaces: create, update, delete, with every published error."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV
from .errors import assert_error

PERSONAL_WS = "65f1a0c2e4b0a1b2c3d40102"


def names(api, path):
    return [item["name"] for item in api.get(path).json]


def test_create_environment_also_creates_its_workspace(api):
    response = api.post("/orchestration/environments", json={"name": "Staging", "workspaceName": "Team",
                                                              "description": "pre-prod", "maxCloudContainers": 2})
    assert response.status_code == 201
    env = response.json
    assert env["name"] == "Staging" and env["maxCloudContainers"] == 2 and env["default"] is False
    assert "Staging" in names(api, "/orchestration/environments")
    workspaces = api.get("/orchestration/workspaces", query_string={"query": f"environment.id=={env['id']}"}).json
    assert [(ws["name"], ws["type"], ws["owner"]) for ws in workspaces] == [("Team", "custom",
                                                                             "alice@demo.mocktmc.local")]


@pytest.mark.parametrize("body, status, says", [
    # names are unique, whatever the case
    ({"name": "development", "workspaceName": "x"}, 409,
     "An environment named 'development' exists: environment name should be unique"),
    ({"name": "   ", "workspaceName": "x"}, 400, "The environment name must not be empty"),
    ({"name": "New"}, 400, "'workspaceName' is a required property"),
    ({"name": "New", "workspaceName": "x", "maxCloudContainers": -1}, 400,
     "'maxCloudContainers': -1 is less than the minimum of 0"),
    ({"name": "New", "workspaceName": "x", "owner": "nobody@x"}, 400, "Unknown owner 'nobody@x'"),
    ({"name": "New", "workspaceName": "x", "colour": "red"}, 400, "Unrecognized field: 'colour'"),
])
def test_bad_environment_creation_changes_nothing(api, body, status, says):
    before = api.get("/orchestration/environments").json
    response = api.post("/orchestration/environments", json=body)
    assert_error(response, status, says)
    assert api.get("/orchestration/environments").json == before


def test_update_environment_replaces_every_field(api):
    response = api.client.put(f"/orchestration/environments/{PROD_ENV}", headers=api.headers,
                              json={"name": "Live"})
    assert response.status_code == 204 and response.data == b""
    prod = next(env for env in api.get("/orchestration/environments").json if env["id"] == PROD_ENV)
    assert (prod["name"], prod["description"], prod["maxCloudContainers"]) == ("Live", "", 0)


@pytest.mark.parametrize("env_id, body, status, says", [
    ("000000000000000000000000", {"name": "X"}, 404, "Environment 000000000000000000000000 not found"),
    (PROD_ENV, {"name": "Development"}, 409,
     "An environment named 'Development' exists: environment name should be unique"),
    (PROD_ENV, {"description": "no name"}, 400, "'name' is a required property"),
])
def test_bad_environment_updates(api, env_id, body, status, says):
    before = api.get("/orchestration/environments").json
    response = api.client.put(f"/orchestration/environments/{env_id}", headers=api.headers, json=body)
    assert_error(response, status, says)
    assert api.get("/orchestration/environments").json == before


def test_environment_used_by_a_promotion_cannot_be_deleted(api):
    response = api.delete(f"/orchestration/environments/{DEV_ENV}")
    assert response.status_code == 400 and "promotion" in response.json["detail"]
    assert DEV_ENV in [env["id"] for env in api.get("/orchestration/environments").json]


def test_delete_environment_cascades_but_keeps_run_history(api):
    created = api.post("/orchestration/environments", json={"name": "Scratch", "workspaceName": "W"}).json
    assert api.delete(f"/orchestration/environments/{created['id']}").status_code == 204
    assert "Scratch" not in names(api, "/orchestration/environments")
    assert all(ws["environment"]["id"] != created["id"] for ws in api.get("/orchestration/workspaces").json)
    assert_error(api.delete(f"/orchestration/environments/{created['id']}"),
                 404, f"Environment {created['id']} not found")


def test_create_workspace_answers_the_workspace_shape(api):
    response = api.post("/orchestration/workspaces", json={"name": "Finance", "environmentId": DEV_ENV,
                                                            "owner": "bob@demo.mocktmc.local"})
    assert response.status_code == 201
    ws = response.json
    assert ws["type"] == "Custom" and ws["environmentId"] == DEV_ENV
    assert (ws["owner"], ws["ownerFullName"]) == ("bob@demo.mocktmc.local", "Bob Osei")
    assert ws["createDate"] == ws["updateDate"] == "2024-03-01T09:00:00.000Z"


@pytest.mark.parametrize("body, status, says", [
    ({"name": "Sales", "environmentId": DEV_ENV}, 409, "A workspace named 'Sales' exists in this environment"),
    ({"name": "X", "environmentId": "nope"}, 400, "Environment nope does not exist"),
    ({"environmentId": DEV_ENV}, 400, "'name' is a required property"),
    ({"name": "X", "environmentId": DEV_ENV, "type": "shared"}, 400, "Unrecognized field: 'type'"),
])
def test_bad_workspace_creation(api, body, status, says):
    before = api.get("/orchestration/workspaces").json
    assert_error(api.post("/orchestration/workspaces", json=body), status, says)
    assert api.get("/orchestration/workspaces").json == before


def test_update_workspace(api):
    response = api.client.put(f"/orchestration/workspaces/{DEV_SALES_WS}", headers=api.headers,
                              json={"name": "Sales EU", "protectedArtifactUpdate": True})
    assert response.status_code == 204
    ws = next(w for w in api.get("/orchestration/workspaces").json if w["id"] == DEV_SALES_WS)
    assert (ws["name"], ws["description"], ws["protectedArtifactUpdate"]) == ("Sales EU", "", True)
    assert api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json["workspace"]["name"] == "Sales EU"


@pytest.mark.parametrize("ws_id, body, status, says", [
    ("nope", {"name": "X"}, 404, "Workspace nope not found"),
    (PERSONAL_WS, {"name": "Mine"}, 403, "Only custom workspaces can be updated; 'Personal' is a personal workspace"),
    (DEV_SALES_WS, {"name": "Personal"}, 400, "A workspace named 'Personal' exists in this environment"),
])
def test_bad_workspace_updates(api, ws_id, body, status, says):
    before = api.get("/orchestration/workspaces").json
    assert_error(api.client.put(f"/orchestration/workspaces/{ws_id}", headers=api.headers, json=body), status, says)
    assert api.get("/orchestration/workspaces").json == before


def test_delete_workspace_rules(api):
    assert_error(api.delete(f"/orchestration/workspaces/{DEV_SALES_WS}"),
                 409, "There are objects in custom workspace 'Sales' that could not be removed: Load customers")
    assert_error(api.delete(f"/orchestration/workspaces/{PERSONAL_WS}"),
                 403, "Only custom workspaces can be deleted; 'Personal' is a personal workspace")
    assert_error(api.delete("/orchestration/workspaces/nope"), 404, "Workspace nope not found")
    created = api.post("/orchestration/workspaces", json={"name": "Tmp", "environmentId": PROD_ENV}).json
    assert api.delete(f"/orchestration/workspaces/{created['id']}").status_code == 204
    assert created["id"] not in [ws["id"] for ws in api.get("/orchestration/workspaces").json]
