"""Remote engines: create, list with FIQL, get, unpair, and delete (refused while a task runs on one)."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, PROD_ENV, SYNC_ORDERS

ENGINES = "/processing/runtimes/remote-engines"


def create(api, **body):
    return api.post(ENGINES, json={"name": "re-1", "environmentId": DEV_ENV, **body})


def test_create_get_and_list(api):
    assert api.get(ENGINES).json == []
    response = create(api, workspaceId=DEV_SALES_WS, description="on-prem", runProfiles=["JOB_SERVER"],
                      debug={"host": "10.0.0.5"})
    assert response.status_code == 201
    engine = response.json
    assert engine["status"] == "NOT_PAIRED" and engine["availability"] == "NOT_AVAILABLE"
    assert engine["runProfiles"] == ["JOB_SERVER"] and engine["debug"] == {"host": "10.0.0.5"}
    assert engine["workspace"]["id"] == DEV_SALES_WS and engine["preAuthorizedKey"]
    assert engine["runtimeId"] != engine["id"]
    assert api.get(f"{ENGINES}/{engine['id']}").json == engine
    assert api.get(ENGINES).json == [engine]
    other = create(api, name="re-2", environmentId=PROD_ENV).json
    assert "workspace" not in other and other["runProfiles"] == ["JOB_SERVER", "MICROSERVICE", "TALEND_RUNTIME"]


def test_fiql_query(api):
    first = create(api).json
    second = create(api, name="other", environmentId=PROD_ENV).json
    def names(query):
        response = api.get(ENGINES, query_string={"query": query})
        assert response.status_code == 200, response.json
        return [e["name"] for e in response.json]
    assert names("name==re*") == ["re-1"]
    assert names(f"workspace.environment.id=={PROD_ENV}") == ["other"]
    assert names(f"id=={first['id']},id=={second['id']}") == ["re-1", "other"]
    assert names("status==PAIRED") == []
    assert api.get(ENGINES, query_string={"query": "colour==red"}).status_code == 400


@pytest.mark.parametrize("body", [
    {"name": "x"},
    {"name": "x", "environmentId": "nope"},
    {"name": "x", "environmentId": DEV_ENV, "workspaceId": "nope"},
    {"name": "x", "environmentId": PROD_ENV, "workspaceId": DEV_SALES_WS},
    {"name": " ", "environmentId": DEV_ENV},
    {"name": "x", "environmentId": DEV_ENV, "runProfiles": ["SPARK"]},
    {"name": "x", "environmentId": DEV_ENV, "runProfiles": "JOB_SERVER"},
    {"name": "x", "environmentId": DEV_ENV, "debug": {}},
    {"name": "x", "environmentId": DEV_ENV, "colour": "red"},
])
def test_bad_creations_change_nothing(api, body):
    response = api.post(ENGINES, json=body)
    assert response.status_code == 400 and response.json["status"] == 400
    assert api.get(ENGINES).json == []


def test_names_are_unique_per_environment(api):
    create(api)
    assert create(api, name="RE-1").status_code == 400
    assert create(api, environmentId=PROD_ENV).status_code == 201


def test_unpair_and_delete(api):
    engine = create(api).json
    paired = api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": engine["preAuthorizedKey"]})
    assert paired.status_code == 200 and paired.json["id"] == engine["id"]
    assert api.get(f"{ENGINES}/{engine['id']}").json["status"] == "PAIRED"
    assert api.get(f"{ENGINES}/{engine['id']}").json["availability"] == "AVAILABLE"
    assert api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": "wrong"}).status_code == 404
    assert api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": 7}).status_code == 400
    api.advance(60)
    response = api.delete(f"{ENGINES}/{engine['id']}/pairing", query_string={"keepOsgiDeployments": "true"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = api.get(f"{ENGINES}/{engine['id']}").json
    assert after["status"] == "NOT_PAIRED" and after["availability"] == "NOT_AVAILABLE"
    assert after["updateDate"] > engine["updateDate"]
    assert api.delete(f"{ENGINES}/{engine['id']}/pairing").status_code == 200  # idempotent
    assert api.delete(f"{ENGINES}/{engine['id']}/pairing",
                      query_string={"keepOsgiDeployments": "maybe"}).status_code == 400
    assert api.delete(f"{ENGINES}/{engine['id']}").status_code == 204
    assert api.get(f"{ENGINES}/{engine['id']}").status_code == 404
    assert api.delete(f"{ENGINES}/nope/pairing").status_code == 404
    assert api.delete(f"{ENGINES}/nope").status_code == 404


def test_delete_refused_while_a_task_runs_on_the_engine(api):
    engine = create(api).json
    config = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
              "runtime": {"type": "REMOTE_ENGINE", "id": engine["id"]}}
    response = api.client.put(f"/orchestration/executables/tasks/{SYNC_ORDERS}/run-config", headers=api.headers,
                              json=config)
    assert response.status_code == 200, response.json
    response = api.delete(f"{ENGINES}/{engine['id']}")
    assert response.status_code == 409 and "sync" in response.json["detail"].lower()
    assert api.get(f"{ENGINES}/{engine['id']}").status_code == 200
