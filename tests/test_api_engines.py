"""Remote engines: create, list with FIQL, get, unpair, and delete (refused while a task runs on one)."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, PROD_ENV, SYNC_ORDERS
from .errors import assert_error

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
    assert_error(api.get(ENGINES, query_string={"query": "colour==red"}),
                 400, "Invalid FIQL query: unknown field 'colour'")


@pytest.mark.parametrize("body, says", [
    ({"name": "x"}, "'environmentId' is a required property"),
    ({"name": "x", "environmentId": "nope"}, "Environment nope not found"),
    ({"name": "x", "environmentId": DEV_ENV, "workspaceId": "nope"}, "Workspace nope not found"),
    ({"name": "x", "environmentId": PROD_ENV, "workspaceId": DEV_SALES_WS},
     f"Workspace {DEV_SALES_WS} is not in environment {PROD_ENV}"),
    ({"name": " ", "environmentId": DEV_ENV}, "The remote engine name must not be empty"),
    ({"name": "x", "environmentId": DEV_ENV, "runProfiles": ["SPARK"]},
     "runProfiles items must be one of JOB_SERVER, MICROSERVICE, TALEND_RUNTIME, got 'SPARK'"),
    ({"name": "x", "environmentId": DEV_ENV, "runProfiles": "JOB_SERVER"},
     "'runProfiles': 'JOB_SERVER' is not of type 'array'"),
    ({"name": "x", "environmentId": DEV_ENV, "debug": {}}, "'debug': 'host' is a required property"),
    ({"name": "x", "environmentId": DEV_ENV, "colour": "red"}, "Unrecognized field: 'colour'"),
])
def test_bad_creations_change_nothing(api, body, says):
    response = api.post(ENGINES, json=body)
    assert_error(response, 400, says)
    assert [e["id"] for e in api.get(ENGINES).json] == [DEMO_ENGINE]


def test_names_are_unique_per_environment(api):
    create(api)
    assert_error(create(api, name="RE-1"), 400, "A remote engine named 'RE-1' already exists in this environment")
    assert create(api, environmentId=PROD_ENV).status_code == 201


def test_unpair_and_delete(api):
    engine = create(api).json
    paired = api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": engine["preAuthorizedKey"]})
    assert paired.status_code == 200 and paired.json["id"] == engine["id"]
    assert api.get(f"{ENGINES}/{engine['id']}").json["status"] == "PAIRED"
    assert api.get(f"{ENGINES}/{engine['id']}").json["availability"] == "AVAILABLE"
    assert_error(api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": "wrong"}),
                 404, "No remote engine holds this pre-authorized key")
    assert_error(api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": 7}),
                 400, "'preAuthorizedKey': 7 is not of type 'string'")
    api.advance(60)
    response = api.delete(f"{ENGINES}/{engine['id']}/pairing", query_string={"keepOsgiDeployments": "true"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = api.get(f"{ENGINES}/{engine['id']}").json
    assert after["status"] == "NOT_PAIRED" and after["availability"] == "NOT_AVAILABLE"
    assert after["updateDate"] > engine["updateDate"]
    assert api.delete(f"{ENGINES}/{engine['id']}/pairing").status_code == 200  # idempotent
    assert_error(api.delete(f"{ENGINES}/{engine['id']}/pairing",
                            query_string={"keepOsgiDeployments": "maybe"}),
                 400, "Query parameter 'keepOsgiDeployments' must be true or false, got 'maybe'")
    assert api.delete(f"{ENGINES}/{engine['id']}").status_code == 204
    assert_error(api.get(f"{ENGINES}/{engine['id']}"), 404, f"Remote engine {engine['id']} not found")
    assert_error(api.delete(f"{ENGINES}/nope/pairing"), 404, "Remote engine nope not found")
    assert_error(api.delete(f"{ENGINES}/nope"), 404, "Remote engine nope not found")


def test_delete_refused_while_a_task_runs_on_the_engine(api):
    engine = create(api).json
    config = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
              "runtime": {"type": "REMOTE_ENGINE", "id": engine["id"]}}
    response = api.client.put(f"/orchestration/executables/tasks/{SYNC_ORDERS}/run-config", headers=api.headers,
                              json=config)
    assert response.status_code == 200, response.json
    response = api.delete(f"{ENGINES}/{engine['id']}")
    assert_error(response, 409, "Remote engine 're-1' is the runtime of task(s) Sync orders")
    assert api.get(f"{ENGINES}/{engine['id']}").status_code == 200


def test_debug_mode(api):
    engine = create(api).json
    on = api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers,
                        json={"host": "dbg.local", "isDebugModeOn": True})
    assert on.status_code == 200 and on.json["debug"] == {"host": "dbg.local"}
    assert_error(api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers,
                                json={"isDebugModeOn": True}),
                 400, "Field 'host' is required to turn debug mode on")
    assert api.get(f"{ENGINES}/{engine['id']}").json["debug"] == {"host": "dbg.local"}
    off = api.client.put(f"{ENGINES}/{engine['id']}/debug", headers=api.headers, json={"isDebugModeOn": False})
    assert off.status_code == 200 and "debug" not in off.json
    assert_error(api.client.put(f"{ENGINES}/nope/debug", headers=api.headers, json={"host": "h"}),
                 404, "Remote engine nope not found")


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
    assert_error(api.get(profiles, query_string={"type": "SPARK"}),
                 400, "Query parameter 'type': 'SPARK' is not one of")
    api.advance(5)
    updated = api.client.put(f"{profiles}/{profile['id']}", headers=api.headers,
                             json={"name": "fatter", "jvmArguments": ["-Xmx8g"]})
    assert updated.status_code == 200 and updated.json["version"] == 2 and updated.json["description"] == ""
    assert updated.json["updateDate"] > profile["updateDate"]
    assert_error(api.client.put(f"{profiles}/{profile['id']}", headers=api.headers,
                                json={"name": "ms", "jvmArguments": []}),
                 400, "A run profile named 'ms' exists on this runtime")
    gone = api.delete(f"{profiles}/{micro['id']}")
    assert gone.status_code == 202 and gone.mimetype == "text/plain"
    assert_error(api.get(f"{profiles}/{micro['id']}"),
                 404, f"Run profile {micro['id']} not found on remote engine {engine['id']}")
    other = create(api, name="re-2").json
    assert_error(api.get(f"{ENGINES}/{other['id']}/run-profiles/{profile['id']}"),
                 404, f"Run profile {profile['id']} not found on remote engine {other['id']}")
    assert_error(api.get(f"{ENGINES}/nope/run-profiles"), 404, "Remote engine nope not found")


@pytest.mark.parametrize("change, status, says", [
    ({"type": "TALEND_RUNTIME"}, 400, "type must be one of JOB_SERVER for remote engine 're-1', got 'TALEND_RUNTIME'"),
    ({"type": "SPARK"}, 400, "'type': 'SPARK' is not one of"),
    ({"runtimeId": "another"}, 400, "runtimeId must be the remote engine's runtime id"),
    ({"jvmArguments": "-Xmx1g"}, 400, "'jvmArguments': '-Xmx1g' is not of type 'array'"),
    ({"jvmArguments": [1]}, 400, "'jvmArguments[0]': 1 is not of type 'string'"),
    ({"name": ""}, 400, "Missing required field: 'name'"),
    ({"name": "FAT-JVM"}, 409, "A run profile named 'FAT-JVM' exists on this runtime"),
])
def test_bad_run_profiles_change_nothing(api, change, status, says):
    engine = create(api, runProfiles=["JOB_SERVER"]).json
    profiles = f"{ENGINES}/{engine['id']}/run-profiles"
    api.post(profiles, json=profile_body(engine))
    response = api.post(profiles, json=profile_body(engine, **change))
    assert_error(response, status, says)
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
    assert_error(api.delete(f"{profiles}/{used['id']}"),
                 409, "Run profile 'fat-jvm' is used by task(s) Sync orders; name a replacement")
    assert_error(api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": micro["id"]}),
                 400, "The replacement must be another JOB_SERVER run profile of the same remote engine")
    assert_error(api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": "nope"}),
                 400, "The replacement must be another JOB_SERVER run profile of the same remote engine")
    assert api.get(f"{profiles}/{used['id']}").status_code == 200
    assert api.delete(f"{profiles}/{used['id']}", query_string={"newRunProfileId": spare["id"]}).status_code == 202
    assert api.get(path).json["runtime"]["runProfileId"] == spare["id"]


def test_deleting_an_engine_deletes_its_profiles(api):
    engine = create(api).json
    profile = api.post(f"{ENGINES}/{engine['id']}/run-profiles", json=profile_body(engine)).json
    assert api.delete(f"{ENGINES}/{engine['id']}").status_code == 204
    recreated = create(api).json
    assert_error(api.get(f"{ENGINES}/{recreated['id']}/run-profiles/{profile['id']}"),
                 404, f"Run profile {profile['id']} not found on remote engine {recreated['id']}")
    assert api.get(f"{ENGINES}/{recreated['id']}/run-profiles").json == []
