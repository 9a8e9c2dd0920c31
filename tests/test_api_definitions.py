"""Environments, workspaces and tasks over HTTP."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV
from .errors import assert_error


def test_environments_are_a_bare_array(api):
    response = api.get("/orchestration/environments")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.json
    assert isinstance(body, list)
    assert [env["id"] for env in body] == [DEV_ENV, PROD_ENV]
    assert body[0] == {"id": DEV_ENV, "name": "Development", "description": "Where the team builds and tries jobs",
                       "maxCloudContainers": 4, "default": True}


@pytest.mark.parametrize("query, names", [
    ("name==Dev*", ["Development"]),
    ("name==*tion", ["Production"]),
    ("default==true", ["Development"]),
    ("name==Development,name==Production", ["Development", "Production"]),
    ("maxCloudContainers=gt=4", ["Production"]),
])
def test_environments_fiql(api, query, names):
    response = api.get("/orchestration/environments", query_string={"query": query})
    assert response.status_code == 200, response.json
    assert [env["name"] for env in response.json] == names


def test_workspaces_carry_their_environment(api):
    body = api.get("/orchestration/workspaces").json
    assert isinstance(body, list) and len(body) == 3
    sales = next(ws for ws in body if ws["id"] == DEV_SALES_WS)
    assert sales["environment"]["id"] == DEV_ENV and sales["type"] == "custom"


def test_workspaces_fiql_on_nested_field_and_legacy_name(api):
    for param in ("query", "_s"):
        body = api.get("/orchestration/workspaces", query_string={param: "environment.name==Production"}).json
        assert [ws["environment"]["name"] for ws in body] == ["Production"]


@pytest.mark.parametrize("query", ["name=", "name==a;", "(name==a", "colour==red", "name=like=x"])
def test_bad_fiql_is_a_400_naming_the_problem(api, query):
    response = api.get("/orchestration/workspaces", query_string={"query": query})
    assert response.status_code == 400
    assert response.json["status"] == 400 and "FIQL" in response.json["detail"]


def test_task_list_is_a_page_with_executable_and_id(api):
    body = api.get("/orchestration/executables/tasks").json
    assert set(body) == {"items", "limit", "offset", "total"}
    assert (body["limit"], body["offset"], body["total"]) == (100, 0, 7)
    for item in body["items"]:
        assert item["executable"] == item["id"]
        assert item["workspace"]["environment"]["id"] in (DEV_ENV, PROD_ENV)


def test_processing_alias_serves_the_same_list(api):
    assert api.get("/processing/executables/tasks").json == api.get("/orchestration/executables/tasks").json


@pytest.mark.parametrize("params, expected", [
    ({"environmentId": PROD_ENV}, 1),
    ({"workspaceId": DEV_SALES_WS}, 6),
    ({"name": "load"}, 2),
    ({"runtimeType": "CLOUD_EXCLUSIVE"}, 1),
    ({"artifactId": "65f1a0c2e4b0a1b2c3d41002"}, 1),
    ({"environmentId": "nope"}, 0),
])
def test_task_list_filters(api, params, expected):
    body = api.get("/orchestration/executables/tasks", query_string=params).json
    assert body["total"] == expected == len(body["items"])


def test_task_list_pages_cover_everything_once(api):
    seen, offset = [], 0
    while True:
        body = api.get("/orchestration/executables/tasks", query_string={"limit": 3, "offset": offset}).json
        assert body["offset"] == offset and body["limit"] == 3
        seen += [item["id"] for item in body["items"]]
        offset += 3
        if offset >= body["total"]:
            break
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"},
                                    {"runtimeType": "MOON"}])
def test_task_list_bad_paging_is_400(api, params):
    response = api.get("/orchestration/executables/tasks", query_string=params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json["detail"]


def test_get_task(api):
    body = api.get(f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}").json
    assert body["id"] == LOAD_CUSTOMERS and body["name"] == "Load customers"
    assert body["artifact"] == {"id": "65f1a0c2e4b0a1b2c3d41001", "name": "customers_load",
                                "version": "0.2.0.20240212083000"}
    assert body["parameters"] == {"batch_size": "1000", "source_dir": "/data/in/customers"}
    assert body["workspace"]["id"] == DEV_SALES_WS
    assert "taskPauseDetails" not in body


def test_paused_task_shows_its_pause(api):
    body = api.get("/orchestration/executables/tasks/65f1a0c2e4b0a1b2c3d42006").json
    assert body["taskPauseDetails"]["pause"] is True
    assert body["taskPauseDetails"]["pauseContext"] == "Paused during the storage migration"


def test_unknown_task_is_404(api):
    response = api.get("/orchestration/executables/tasks/000000000000000000000000")
    assert_error(response, 404, "Task 000000000000000000000000 not found")
