"""Connections: CRUD, the in-use rule, moving within an environment, and secrets never sent back."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, PROD_ENV, SYNC_ORDERS
from .errors import assert_error

ORDERS_DB, PARTNER_SFTP = "65f1a0c2e4b0a1b2c3d44001", "65f1a0c2e4b0a1b2c3d44002"
PERSONAL_WS, PROD_WS = "65f1a0c2e4b0a1b2c3d40102", "65f1a0c2e4b0a1b2c3d40201"


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def test_list_and_get(api):
    page = api.get("/orchestration/connections").json
    assert page["total"] == 2 and [c["name"] for c in page["items"]] == ["orders-db", "partner-sftp"]
    assert api.get("/orchestration/connections", query_string={"environmentId": PROD_ENV}).json["total"] == 0
    assert api.get("/orchestration/connections", query_string={"name": "SFTP"}).json["total"] == 1
    conn = api.get(f"/orchestration/connections/{ORDERS_DB}").json
    assert conn["app"] == "PostgreSQL" and conn["workspace"]["id"] == DEV_SALES_WS
    password = next(p for p in conn["parameters"] if p["name"] == "password")
    assert password == {"name": "password", "encrypted": True}  # the secret never leaves
    assert api.get(f"/orchestration/executables/tasks/{SYNC_ORDERS}").json["connections"] == {"orders_db": ORDERS_DB}
    assert_error(api.get("/orchestration/connections/nope"), 404, "Connection nope not found")


def test_create(api):
    body = {"name": "warehouse", "workspaceId": DEV_SALES_WS, "app": "Snowflake",
            "parameters": [{"name": "account", "value": "acme"}, {"name": "key", "value": "s3cr3t", "encrypted": True}]}
    response = api.post("/orchestration/connections", json=body)
    assert response.status_code == 201
    created = response.json
    assert created["parameters"] == [{"name": "account", "value": "acme", "encrypted": False},
                                     {"name": "key", "encrypted": True}]
    assert api.get(f"/orchestration/connections/{created['id']}").json == created


@pytest.mark.parametrize("body, status, says", [
    ({"name": "orders-db", "workspaceId": DEV_SALES_WS, "app": "X", "parameters": []}, 409,
     "Connection name 'orders-db' already exists in this workspace"),
    ({"name": "new", "workspaceId": "nope", "app": "X", "parameters": []}, 400, "Workspace nope does not exist"),
    ({"name": "new", "workspaceId": DEV_SALES_WS, "app": "X"}, 400, "'parameters' is a required property"),
    ({"name": "new", "workspaceId": DEV_SALES_WS, "app": "X", "parameters": [{"value": "no name"}]}, 400,
     "'parameters[0]': 'name' is a required property"),
    ({"name": "new", "workspaceId": DEV_SALES_WS, "app": "X", "parameters": [{"name": "a"}, {"name": "a"}]}, 400,
     "Connection parameter 'a' is given twice"),
])
def test_bad_creations_change_nothing(api, body, status, says):
    assert_error(api.post("/orchestration/connections", json=body), status, says)
    assert api.get("/orchestration/connections").json["total"] == 2


def test_same_name_is_fine_in_another_workspace(api):
    body = {"name": "orders-db", "workspaceId": PERSONAL_WS, "app": "PostgreSQL", "parameters": []}
    assert api.post("/orchestration/connections", json=body).status_code == 201


def test_update_replaces_parameters_and_keeps_unsent_secrets(api):
    response = put(api, f"/orchestration/connections/{ORDERS_DB}",
                   {"parameters": [{"name": "host", "value": "db2.internal"}, {"name": "password", "encrypted": True}]})
    assert response.status_code == 200
    assert response.json["name"] == "orders-db"  # kept: no new name was sent
    assert [p["name"] for p in response.json["parameters"]] == ["host", "password"]
    renamed = put(api, f"/orchestration/connections/{ORDERS_DB}", {"name": "orders"})
    assert renamed.json["name"] == "orders" and renamed.json["parameters"] == []
    assert_error(put(api, f"/orchestration/connections/{ORDERS_DB}", {"name": "partner-sftp"}),
                 409, "Connection name 'partner-sftp' already exists in this workspace")
    assert api.get(f"/orchestration/connections/{ORDERS_DB}").json["name"] == "orders"  # not renamed
    assert_error(put(api, "/orchestration/connections/nope", {"name": "x"}), 404, "Connection nope not found")


def test_delete_rules(api):
    response = api.delete(f"/orchestration/connections/{ORDERS_DB}")
    assert response.status_code == 409 and "Sync orders" in response.json["detail"]
    assert api.delete(f"/orchestration/connections/{PARTNER_SFTP}").status_code == 204
    assert_error(api.get(f"/orchestration/connections/{PARTNER_SFTP}"), 404, f"Connection {PARTNER_SFTP} not found")
    assert_error(api.delete(f"/orchestration/connections/{PARTNER_SFTP}"), 404, f"Connection {PARTNER_SFTP} not found")


def test_move_within_the_environment_only(api):
    moved = put(api, f"/orchestration/connections/{PARTNER_SFTP}/move/{PERSONAL_WS}", None)
    assert moved.status_code == 200 and moved.json["workspace"]["id"] == PERSONAL_WS
    across = put(api, f"/orchestration/connections/{PARTNER_SFTP}/move/{PROD_WS}", None)
    assert across.status_code == 400 and "same environment" in across.json["detail"]
    assert_error(put(api, f"/orchestration/connections/{PARTNER_SFTP}/move/nope", None),
                 404, "Workspace nope not found")
    clash = api.post("/orchestration/connections", json={"name": "partner-sftp", "workspaceId": DEV_SALES_WS,
                                                          "app": "SFTP", "parameters": []}).json
    assert_error(put(api, f"/orchestration/connections/{clash['id']}/move/{PERSONAL_WS}", None),
                 409, "Connection name 'partner-sftp' already exists in this workspace")
    assert api.get(f"/orchestration/connections/{clash['id']}").json["workspace"]["id"] == DEV_SALES_WS


def test_deleting_a_workspace_takes_its_connections(api):
    ws = api.post("/orchestration/workspaces", json={"name": "Temp", "environmentId": DEV_ENV}).json
    conn = api.post("/orchestration/connections", json={"name": "c", "workspaceId": ws["id"], "app": "X",
                                                         "parameters": []}).json
    assert api.delete(f"/orchestration/workspaces/{ws['id']}").status_code == 204
    assert_error(api.get(f"/orchestration/connections/{conn['id']}"), 404, f"Connection {conn['id']} not found")
