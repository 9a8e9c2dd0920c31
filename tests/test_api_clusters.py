"""Remote engine clusters: membership, availability, tasks moving with their engine, and cluster run profiles."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV

ENGINES, CLUSTERS = "/processing/runtimes/remote-engines", "/processing/runtimes/remote-engine-clusters"
DEMO_ENGINE = "65f1a0c2e4b0a1b2c3d45001"  # onprem-re-1, paired, in Development/Sales
RUN_CONFIG = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config"
MANUAL = {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"}


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def engine(api, name, env=DEV_ENV):
    created = api.post(ENGINES, json={"name": name, "environmentId": env}).json
    return created


def cluster(api, members=(), **body):
    response = api.post(CLUSTERS, json={"name": "c1", "workspaceId": DEV_SALES_WS, "environmentId": DEV_ENV,
                                        "description": "pool", "remoteEngines": list(members), **body})
    return response


def test_create_get_list_and_availability(api):
    spare = engine(api, "spare")
    response = cluster(api, [DEMO_ENGINE, spare["id"]])
    assert response.status_code == 201
    created = response.json
    assert created["engines"] == [DEMO_ENGINE, spare["id"]] and created["availability"] == "AVAILABLE"
    assert created["workspace"]["id"] == DEV_SALES_WS
    assert api.get(f"{CLUSTERS}/{created['id']}").json == created
    listed = api.get(CLUSTERS).json
    assert [c["id"] for c in listed] == [created["id"]] and "engines" not in listed[0]
    assert api.get(CLUSTERS, query_string={"_s": "name==c*"}).json == listed
    assert api.get(CLUSTERS, query_string={"_s": "name==x*"}).json == []
    assert api.get(f"{ENGINES}/{DEMO_ENGINE}").json["clusterId"] == created["id"]
    api.delete(f"{ENGINES}/{DEMO_ENGINE}/pairing")
    assert api.get(f"{CLUSTERS}/{created['id']}").json["availability"] == "NOT_AVAILABLE"


@pytest.mark.parametrize("change", [
    {"environmentId": "nope"},
    {"workspaceId": "nope"},
    {"environmentId": PROD_ENV},  # the workspace is not in it
    {"remoteEngines": ["nope"]},
    {"remoteEngines": [7]},
    {"remoteEngines": "x"},
    {"name": " "},
    {"description": None},
])
def test_bad_creations_change_nothing(api, change):
    body = {"name": "c1", "workspaceId": DEV_SALES_WS, "environmentId": DEV_ENV, "description": "d",
            "remoteEngines": [DEMO_ENGINE], **change}
    assert api.post(CLUSTERS, json={k: v for k, v in body.items() if v is not None}).status_code == 400
    assert api.get(CLUSTERS).json == []
    assert "clusterId" not in api.get(f"{ENGINES}/{DEMO_ENGINE}").json


def test_an_engine_is_in_one_cluster_of_its_environment(api):
    first = cluster(api, [DEMO_ENGINE]).json
    assert cluster(api, [DEMO_ENGINE], name="c2").status_code == 400  # already in c1
    second = cluster(api, [], name="c2").json
    options = {"method": "DEFAULT", "runProfileId": "unused-by-DEFAULT"}
    assert put(api, f"{CLUSTERS}/{second['id']}/engines/{DEMO_ENGINE}", options).status_code == 409
    prod = engine(api, "prod-re", PROD_ENV)
    assert put(api, f"{CLUSTERS}/{second['id']}/engines/{prod['id']}", options).status_code == 400
    assert api.delete(f"{ENGINES}/{DEMO_ENGINE}").status_code == 409  # leave the cluster first
    assert api.delete(f"{CLUSTERS}/{second['id']}/engines/{DEMO_ENGINE}").status_code == 404
    assert api.delete(f"{CLUSTERS}/{first['id']}/engines/{DEMO_ENGINE}").status_code == 204
    assert put(api, f"{CLUSTERS}/{second['id']}/engines/{DEMO_ENGINE}", options).status_code == 204
    assert api.get(f"{CLUSTERS}/{second['id']}").json["engines"] == [DEMO_ENGINE]
    assert api.get(f"{CLUSTERS}/{first['id']}").json["engines"] == []


def test_tasks_move_with_their_engine_by_the_reschedule_method(api):
    profiles = f"{ENGINES}/{DEMO_ENGINE}/run-profiles"
    runtime_id = api.get(f"{ENGINES}/{DEMO_ENGINE}").json["runtimeId"]
    fat = api.post(profiles, json={"name": "fat", "type": "JOB_SERVER", "runtimeId": runtime_id,
                                   "jvmArguments": ["-Xmx4g"]}).json
    runtime = {"type": "REMOTE_ENGINE", "id": DEMO_ENGINE, "runProfileId": fat["id"]}
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}).status_code == 200
    pool = cluster(api).json
    bad = {"method": "CLUSTER_RUN_PROFILE", "runProfileId": fat["id"]}  # not a profile of the cluster
    assert put(api, f"{CLUSTERS}/{pool['id']}/engines/{DEMO_ENGINE}", bad).status_code == 400
    assert put(api, f"{CLUSTERS}/{pool['id']}/engines/{DEMO_ENGINE}",
               {"method": "DUPLICATE_RUN_PROFILES", "runProfileId": fat["id"]}).status_code == 204
    moved = api.get(RUN_CONFIG).json["runtime"]
    assert moved["type"] == "REMOTE_ENGINE_CLUSTER" and moved["id"] == pool["id"]
    (copy,) = api.get(f"{CLUSTERS}/{pool['id']}/run-profiles").json
    assert moved["runProfileId"] == copy["id"] != fat["id"]
    assert (copy["name"], copy["jvmArguments"], copy["processorType"]) == ("fat", ["-Xmx4g"], "REC")
    run = api.run(api.execute(LOAD_CUSTOMERS))
    assert run["executionDestination"] == "REMOTE_ENGINE_CLUSTER" and run["remoteEngineClusterId"] == pool["id"]
    assert run["status"] == "dispatching"
    assert api.delete(f"{CLUSTERS}/{pool['id']}").status_code == 400  # a task runs on it
    api.delete(f"{ENGINES}/{DEMO_ENGINE}/pairing")
    api.advance(60)
    misfired = api.run(api.execute(LOAD_CUSTOMERS))
    assert misfired["misfiredExecutionReason"] == "REMOTE_ENGINE_UNAVAILABLE_IN_CLUSTER"


def test_cluster_run_profiles_and_deleting_the_cluster(api):
    pool = cluster(api, [DEMO_ENGINE]).json
    profiles = f"{CLUSTERS}/{pool['id']}/run-profiles"
    body = {"name": "p", "type": "MICROSERVICE", "runtimeId": pool["runtimeId"], "jvmArguments": []}
    assert api.post(profiles, json={**body, "runtimeId": "other"}).status_code == 400
    first = api.post(profiles, json=body).json
    second = api.post(profiles, json={**body, "name": "q"}).json
    assert api.post(profiles, json=body).status_code == 409
    runtime = {"type": "REMOTE_ENGINE_CLUSTER", "id": pool["id"], "runProfileId": first["id"]}
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}).status_code == 200
    assert api.delete(f"{profiles}/{first['id']}").status_code == 400  # in use, and clusters publish no 409
    assert api.delete(f"{profiles}/{first['id']}", query_string={"runProfileId": second["id"]}).status_code == 204
    assert api.get(RUN_CONFIG).json["runtime"]["runProfileId"] == second["id"]
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": {"type": "CLOUD"}}).status_code == 200
    assert api.delete(f"{CLUSTERS}/{pool['id']}").status_code == 204
    assert api.get(f"{CLUSTERS}/{pool['id']}").status_code == 404
    assert "clusterId" not in api.get(f"{ENGINES}/{DEMO_ENGINE}").json
    assert api.get(profiles).status_code == 404


def test_a_cluster_runtime_names_a_cluster(api):
    runtime = {"type": "REMOTE_ENGINE_CLUSTER", "id": "nope"}
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}).status_code == 400
