"""Resources: multipart upload within the limit, list, rename, replace the file, delete, move."""
import io
import json

import pytest

from .conftest import DEV_SALES_WS, Api, make_app
from .errors import assert_error

PERSONAL_WS, PROD_WS = "65f1a0c2e4b0a1b2c3d40102", "65f1a0c2e4b0a1b2c3d40201"
LOAD_CUSTOMERS_V1 = "65f1a0c2e4b0a1b2c3d41001"


def upload(api, name="lookup.csv", workspace=DEV_SALES_WS, content=b"id,name\n1,a\n", **extra):
    data = {"resource": json.dumps({"name": name, "workspaceId": workspace, "description": "lookup", **extra}),
            "file": (io.BytesIO(content), name)}
    return api.client.post("/orchestration/resources", headers=api.headers, data=data,
                           content_type="multipart/form-data")


def test_upload_then_get_list_rename_delete(api):
    response = upload(api)
    assert response.status_code == 201
    created = response.json
    assert (created["name"], created["file"], created["workspaceInfo"]["id"]) == ("lookup.csv", True, DEV_SALES_WS)
    path = f"/orchestration/resources/{created['id']}"
    assert api.get(path).json == created
    assert api.get("/orchestration/resources", query_string={"workspaceId": DEV_SALES_WS}).json["total"] == 1
    assert api.get("/orchestration/resources", query_string={"name": "nothing"}).json["total"] == 0
    assert api.client.patch(path, headers=api.headers, json={"description": "codes"}).status_code == 204
    assert api.get(path).json["description"] == "codes" and api.get(path).json["name"] == "lookup.csv"
    replaced = api.client.put(path + "/upload", headers=api.headers, data={"file": (io.BytesIO(b"x"), "f")},
                              content_type="multipart/form-data")
    assert replaced.status_code == 204
    assert api.delete(path).status_code == 204
    assert_error(api.get(path), 404, f"Resource {created['id']} not found")


@pytest.mark.parametrize("kwargs, status, says", [
    ({"workspace": "nope"}, 404, "Workspace id nope not found"),
    ({"name": ""}, 400, "The 'resource' part needs 'name' and 'workspaceId'"),
])
def test_bad_uploads(api, kwargs, status, says):
    assert_error(upload(api, **kwargs), status, says)
    assert api.get("/orchestration/resources").json["total"] == 0


def test_duplicate_name_is_409(api):
    upload(api)
    assert_error(upload(api), 409, "Resource name 'lookup.csv' already used in this workspace")
    assert upload(api, workspace=PERSONAL_WS).status_code == 201  # another workspace


def test_upload_limit_is_413_and_configurable():
    api = Api(make_app(upload_limit=10))
    assert upload(api, content=b"0123456789").status_code == 201
    too_big = upload(api, name="big", content=b"0123456789A")
    assert_error(too_big, 413, "Upload limit exceeded: the file has 11 bytes, the limit is 10")
    assert api.get("/orchestration/resources").json["total"] == 1


def test_multipart_parts_are_required(api):
    no_file = api.client.post("/orchestration/resources", headers=api.headers, content_type="multipart/form-data",
                              data={"resource": json.dumps({"name": "x", "workspaceId": DEV_SALES_WS})})
    assert no_file.status_code == 400 and "'file'" in no_file.json["detail"]
    no_details = api.client.post("/orchestration/resources", headers=api.headers, content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(b"x"), "x")})
    assert_error(no_details, 400, "The multipart request needs a 'resource' part")
    assert_error(api.client.post("/orchestration/resources", headers=api.headers),
                 400, "A multipart/form-data body with 'resource' and 'file' parts is required")
    as_json = api.post("/orchestration/resources", json={"name": "x"})
    assert_error(as_json, 415, "Content-Type must be multipart/form-data, got application/json")


def test_a_resource_a_task_uses_cannot_go(api):
    created = upload(api).json
    task = api.post("/orchestration/executables/tasks", json={
        "environmentId": "65f1a0c2e4b0a1b2c3d40001", "workspaceId": DEV_SALES_WS, "name": "With lookup",
        "artifact": {"id": LOAD_CUSTOMERS_V1, "version": "0.1.0.20240105101500"},
        "resources": {"lookup": created["id"]}})
    assert task.status_code == 201 and task.json["resources"] == {"lookup": created["id"]}
    response = api.delete(f"/orchestration/resources/{created['id']}")
    assert response.status_code == 409 and "With lookup" in response.json["detail"]
    bad = api.post("/orchestration/executables/tasks", json={
        "environmentId": "65f1a0c2e4b0a1b2c3d40001", "workspaceId": DEV_SALES_WS, "name": "x",
        "artifact": {"id": LOAD_CUSTOMERS_V1, "version": "0.1.0.20240105101500"}, "resources": {"r": "nope"}})
    assert bad.status_code == 400 and "resources.r" in bad.json["detail"]


def test_move_within_the_environment(api):
    created = upload(api).json
    path = f"/orchestration/resources/{created['id']}/move"
    moved = api.client.put(f"{path}/{PERSONAL_WS}", headers=api.headers)
    assert moved.status_code == 200 and moved.json["workspaceInfo"]["id"] == PERSONAL_WS
    assert_error(api.client.put(f"{path}/{PROD_WS}", headers=api.headers),
                 400, "The target workspace must be in the same environment as the current one")
    assert_error(api.client.put(f"{path}/nope", headers=api.headers), 404, "Workspace nope not found")
    upload(api)  # the same name again in the first workspace
    assert_error(api.client.put(f"{path}/{DEV_SALES_WS}", headers=api.headers),
                 409, "Resource name 'lookup.csv' already used in the target workspace")
    assert api.get(f"/orchestration/resources/{created['id']}").json["workspaceInfo"]["id"] == PERSONAL_WS  # stayed
