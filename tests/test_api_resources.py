"""Resources: multipart upload within the limit, list, rename, replace the file, delete, move."""
import io
import json

import pytest

from .conftest import DEV_SALES_WS, Api, make_app

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
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("kwargs, status", [
    ({"workspace": "nope"}, 404),
    ({"name": ""}, 400),
])
def test_bad_uploads(api, kwargs, status):
    assert upload(api, **kwargs).status_code == status
    assert api.get("/orchestration/resources").json["total"] == 0


def test_duplicate_name_is_409(api):
    upload(api)
    assert upload(api).status_code == 409
    assert upload(api, workspace=PERSONAL_WS).status_code == 201  # another workspace


def test_upload_limit_is_413_and_configurable():
    api = Api(make_app(upload_limit=10))
    assert upload(api, content=b"0123456789").status_code == 201
    too_big = upload(api, name="big", content=b"0123456789A")
    assert too_big.status_code == 413 and "limit" in too_big.json["detail"]
    assert api.get("/orchestration/resources").json["total"] == 1


def test_multipart_parts_are_required(api):
    no_file = api.client.post("/orchestration/resources", headers=api.headers, content_type="multipart/form-data",
                              data={"resource": json.dumps({"name": "x", "workspaceId": DEV_SALES_WS})})
    assert no_file.status_code == 400 and "'file'" in no_file.json["detail"]
    no_details = api.client.post("/orchestration/resources", headers=api.headers, content_type="multipart/form-data",
                                 data={"file": (io.BytesIO(b"x"), "x")})
    assert no_details.status_code == 400
    assert api.client.post("/orchestration/resources", headers=api.headers).status_code == 400
    as_json = api.post("/orchestration/resources", json={"name": "x"})
    assert as_json.status_code == 415


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
    assert api.client.put(f"{path}/{PROD_WS}", headers=api.headers).status_code == 400
    assert api.client.put(f"{path}/nope", headers=api.headers).status_code == 404
    upload(api)  # the same name again in the first workspace
    assert api.client.put(f"{path}/{DEV_SALES_WS}", headers=api.headers).status_code == 409
