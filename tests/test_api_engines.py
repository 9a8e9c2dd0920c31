"""Remote engines: create, list with FIQL, get, unpair, and delete (refused while a task runs on one)."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, PROD_ENV, SYNC_ORDERS

ENGINES = "/processing/runtimes/remote-engines"
DEMO_ENGINE = "65f1a0c2e4b0a1b2c3d45001"  # onprem-re-1, paired, in Development/Sales


def create(api, **body):
    return api.post(ENGINES, json={"name": "re-1", "environmentId": DEV_ENV, **body})


def test_the_demo_engine(api):
    (engine,) = api.get(ENGINES).json
    assert (engine["id"], engine["name"], engine["status"]) == (DEMO_ENGINE, "onprem-re-1", "PAIRED")
    assert engine["workspace"]["id"] == DEV_SALES_WS


def test_create_get_and_list(api):
    api.delete(f"{ENGINES}/{DEMO_ENGINE}")
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
    api.delete(f"{ENGINES}/{DEMO_ENGINE}")
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
    assert [e["id"] for e in api.get(ENGINES).json] == [DEMO_ENGINE]


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


def test_debug_mode(api):
    engine = create(api).json
    on = api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers,
                        json={"host": "dbg.local", "isDebugModeOn": True})
    assert on.status_code == 200 and on.json["debug"] == {"host": "dbg.local"}
    assert api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers,
                          json={"isDebugModeOn": True}).status_code == 400
    assert api.get(f"{ENGINES}/{engine['id']}").json["debug"] == {"host": "dbg.local"}
    off = api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers, json={"isDebugModeOn": False})
    assert off.status_code == 200 and "debug" not in off.json
    assert api.client.put(f"{ENGINES}/nope/debug", headers=api.headers, json={"host": "h"}).status_code == 404


def profile_body(engine, **body):
    return {"name": "fat-jvm", "type": "JOB_SERVER", "runtimeId": engine["runtimeId"],
            "jvmArguments": ["-Xmx4g"], **body}


def test_run_profiles_crud(api):
    engine = create(api, runProfiles=["JOB_SERVER", "MICROSERVICE"]).json
    profiles = f"{ENGINES}/{engine['id']}/run-profiles"
    response = api.post(profiles, json=profile_body(engine, description="big"))
    assert response.status_code == 201
    profile = response.json
    assert profile["processorId"] == engine["id"] and profile["processorType"] == "RE"
    assert profile["version"] == 1 and profile["jvmArguments"] == ["-Xmx4g"]
    micro = api.post(profiles, json=profile_body(engine, name="ms", type="MICROSERVICE")).json
    assert api.get(f"{profiles}/{profile['id']}").json == profile
    assert [p["name"] for p in api.get(profiles).json] == ["fat-jvm", "ms"]
    assert [p["name"] for p in api.get(profiles, query_string={"type": "MICROSERVICE"}).json] == ["ms"]
    assert api.get(profiles, query_string={"type": "SPARK"}).status_code == 400
    api.advance(5)
    updated = api.client.put(f"{profiles}/{profile['id']}", headers=api.headers,
                             json={"name": "fatter", "jvmArguments": ["-Xmx8g"]})
    assert updated.status_code == 200 and updated.json["version"] == 2 and updated.json["description"] == ""
    assert updated.json["updateDate"] > profile["updateDate"]
    assert api.client.put(f"{profiles}/{profile['id']}", headers=api.headers,
                          json={"name": "ms", "jvmArguments": []}).status_code == 400
    gone = api.delete(f"{profiles}/{micro['id']}")
    assert gone.status_code == 202 and gone.mimetype == "text/plain"
    assert api.get(f"{profiles}/{micro['id']}").status_code == 404
    other = create(api, name="re-2").json
    assert api.get(f"{ENGINES}/{other['id']}/run-profiles/{profile['id']}").status_code == 404
    assert api.get(f"{ENGINES}/nope/run-profiles").status_code == 404


@pytest.mark.parametrize("change, status", [
    ({"type": "TALEND_RUNTIME"}, 400),  # not a type this engine runs
    ({"type": "SPARK"}, 400),
    ({"runtimeId": "another"}, 400),
    ({"jvmArguments": "-Xmx1g"}, 400),
    ({"jvmArguments": [1]}, 400),
    ({"name": ""}, 400),
    ({"name": "FAT-JVM"}, 409),
])
def test_bad_run_profiles_change_nothing(api, change, status):
    engine = create(api, runProfiles=["JOB_SERVER"]).json
    profiles = f"{ENGINES}/{engine['id']}/run-profiles"
    api.post(profiles, json=profile_body(engine))
    response = api.post(profiles, json=profile_body(engine, **change))
    assert response.status_code == status, response.json
    assert len(api.get(profiles).json) == 1


def test_deleting_a_profile_in_use_moves_its_tasks_or_is_refused(api):
    engine = create(api).json
    profiles = f"{ENGINES}/{engine['id']}/run-profiles"
    used = api.post(profiles, json=profile_body(engine)).json
    spare = api.post(profiles, json=profile_body(engine, name="spare")).json
    micro = api.post(profiles, json=profile_body(engine, name="ms", type="MICROSERVICE")).json
    config = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
              "runtime": {"type": "REMOTE_ENGINE", "id": engine["id"], "runProfileId": used["id"]}}
    path = f"/orchestration/executables/tasks/{SYNC_ORDERS}/run-config"
    assert api.client.put(path, headers=api.headers, json=config).status_code == 200
    assert api.delete(f"{profiles}/{used['id']}").status_code == 409
    assert api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": micro["id"]}).status_code == 400
    assert api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": "nope"}).status_code == 400
    assert api.get(f"{profiles}/{used['id']}").status_code == 200
    assert api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": spare["id"]}).status_code == 202
    assert api.get(path).json["runtime"]["runProfileId"] == spare["id"]


def test_deleting_an_engine_deletes_its_profiles(api):
    engine = create(api).json
    profile = api.post(f"{ENGINES}/{engine['id']}/run-profiles", json=profile_body(engine)).json
    assert api.delete(f"{ENGINES}/{engine['id']}").status_code == 204
    recreated = create(api).json
    assert api.get(f"{ENGINES}/{recreated['id']}/run-profiles/{profile['id']}").status_code == 404
    assert api.get(f"{ENGINES}/{recreated['id']}/run-profiles").json == []
