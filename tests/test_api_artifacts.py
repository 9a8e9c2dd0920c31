"""Artifacts and their versions: list filters, get, delete with 409 while a task uses them."""
import pytest

from .conftest import DEV_SALES_WS, PROD_ENV, Api, make_app
from .errors import assert_error

CUSTOMERS_LOAD = "65f1a0c2e4b0a1b2c3d41001"
V1, V2 = "0.1.0.20240105101500", "0.2.0.20240212083000"


def test_list_is_a_page_of_artifacts(api):
    body = api.get("/orchestration/artifacts").json
    assert (body["total"], body["limit"], body["offset"]) == (7, 100, 0)
    first = body["items"][0]
    assert first["id"] == CUSTOMERS_LOAD and first["versions"] == [V1, V2] and first["type"] == "standard"
    assert first["workspace"]["id"] == DEV_SALES_WS


@pytest.mark.parametrize("query, total", [
    ({"environmentId": PROD_ENV}, 1),
    ({"workspaceId": DEV_SALES_WS}, 6),
    ({"name": "LOAD"}, 2),
    ({"types": "standard"}, 7),
    ({"types": "route"}, 0),
    ({"types": "data_fabric"}, 0),
    ({"types": ["route", "standard"]}, 7),
])
def test_list_filters(api, query, total):
    body = api.get("/orchestration/artifacts", query_string=query).json
    assert body["total"] == total == len(body["items"])


def test_unknown_type_filter_is_400(api):
    response = api.get("/orchestration/artifacts", query_string={"types": "jar"})
    assert response.status_code == 400 and "types" in response.json["detail"]


def test_get_artifact_and_version(api):
    assert api.get(f"/orchestration/artifacts/{CUSTOMERS_LOAD}").json["name"] == "customers_load"
    version = api.get(f"/orchestration/artifacts/{CUSTOMERS_LOAD}/versions/{V1}").json
    assert (version["version"], version["publisherType"]) == (V1, "HUMAN")
    assert {p["name"]: p["value"] for p in version["parameters"]} == {"batch_size": "500",
                                                                      "source_dir": "/data/in/customers"}
    assert_error(api.get("/orchestration/artifacts/nope"), 404, "Artifact nope not found")
    assert_error(api.get(f"/orchestration/artifacts/{CUSTOMERS_LOAD}/versions/9.9"),
                 404, f"Artifact {CUSTOMERS_LOAD} has no version 9.9")


def test_artifact_used_by_a_task_cannot_be_deleted(api):
    response = api.delete(f"/orchestration/artifacts/{CUSTOMERS_LOAD}")
    assert response.status_code == 409 and "Load customers" in response.json["detail"]
    response = api.delete(f"/orchestration/artifacts/{CUSTOMERS_LOAD}/versions/{V2}")  # the task's version
    assert_error(response, 409, f"Version {V2} of artifact 'customers_load' is used by task(s) Load customers")
    assert api.get(f"/orchestration/artifacts/{CUSTOMERS_LOAD}").json["versions"] == [V1, V2]


def test_delete_an_unused_version_then_the_last_one(api):
    assert api.delete(f"/orchestration/artifacts/{CUSTOMERS_LOAD}/versions/{V1}").status_code == 204
    assert api.get(f"/orchestration/artifacts/{CUSTOMERS_LOAD}").json["versions"] == [V2]
    assert_error(api.delete(f"/orchestration/artifacts/{CUSTOMERS_LOAD}/versions/{V1}"),
                 404, f"Artifact {CUSTOMERS_LOAD} has no version {V1}")


def test_delete_unused_artifact(tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text("""
environments:
  - name: Dev
    workspaces:
      - name: W
        artifacts:
          - {id: a1, name: unused, versions: ["1.0"]}
          - {id: a2, name: used, versions: ["1.0"]}
        tasks:
          - {name: T, artifact: used}
""")
    api = Api(make_app(fixtures=str(world)))
    assert api.delete("/orchestration/artifacts/a1").status_code == 204
    assert_error(api.get("/orchestration/artifacts/a1"), 404, "Artifact a1 not found")
    assert [a["id"] for a in api.get("/orchestration/artifacts").json["items"]] == ["a2"]
    assert_error(api.delete("/orchestration/artifacts/a1"), 404, "Artifact a1 not found")
    assert_error(api.delete("/orchestration/artifacts/a2"), 409, "Artifact 'used' is used by task(s) T")
    assert api.get("/orchestration/artifacts/a2").json["name"] == "used"  # refused: still there
