"""Remote engine clusters: membership, availability, tasks moving with their engine, and cluster run profiles."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV
from .errors import assert_error

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


@pytest.mark.parametrize("change, says", [
    ({"environmentId": "nope"}, "Environment nope not found"),
    ({"workspaceId": "nope"}, "Workspace nope not found"),
    ({"environmentId": PROD_ENV}, f"Workspace {DEV_SALES_WS} is not in environment {PROD_ENV}"),
    ({"remoteEngines": ["nope"]}, "Remote engine nope not found"),
    ({"remoteEngines": [7]}, "'remoteEngines[0]': 7 is not of type 'string'"),
    ({"remoteEngines": "x"}, "'remoteEngines': 'x' is not of type 'array'"),
    ({"name": " "}, "The cluster name must not be empty"),
    ({"description": None}, "'description' is a required property"),
])
def test_bad_creations_change_nothing(api, change, says):
    body = {"name": "c1", "workspaceId": DEV_SALES_WS, "environmentId": DEV_ENV, "description": "d",
            "remoteEngines": [DEMO_ENGINE], **change}
    assert_error(api.post(CLUSTERS, json={k: v for k, v in body.items() if v is not None}), 400, says)
    assert api.get(CLUSTERS).json == []
    assert "clusterId" not in api.get(f"{ENGINES}/{DEMO_ENGINE}").json


def test_an_engine_is_in_one_cluster_of_its_environment(api):
    first = cluster(api, [DEMO_ENGINE]).json
    assert_error(cluster(api, [DEMO_ENGINE], name="c2"),
                 400, f"Remote engine 'onprem-re-1' is already in cluster {first['id']}")
    second = cluster(api, [], name="c2").json
    options = {"method": "DEFAULT", "runProfileId": "unused-by-DEFAULT"}
    assert_error(put(api, f"{CLUSTERS}/{second['id']}/engines/{DEMO_ENGINE}", options),
                 409, f"Remote engine 'onprem-re-1' is already in cluster {first['id']}")
    prod = engine(api, "prod-re", PROD_ENV)
    assert_error(put(api, f"{CLUSTERS}/{second['id']}/engines/{prod['id']}", options),
                 400, "Remote engine 'prod-re' is not in the cluster's environment")
    assert_error(api.delete(f"{ENGINES}/{DEMO_ENGINE}"),
                 409, "Remote engine 'onprem-re-1' is in a cluster; remove it from the cluster first")
    assert_error(api.delete(f"{CLUSTERS}/{second['id']}/engines/{DEMO_ENGINE}"),
                 404, f"Remote engine {DEMO_ENGINE} is not in cluster {second['id']}")
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
    assert_error(put(api, f"{CLUSTERS}/{pool['id']}/engines/{DEMO_ENGINE}", bad),
                 400, f"runProfileId must be a run profile of cluster {pool['id']}, got '{fat['id']}'")
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
    assert_error(api.delete(f"{CLUSTERS}/{pool['id']}"), 400, "Cluster 'c1' is the runtime of task(s) Load customers")
    api.delete(f"{ENGINES}/{DEMO_ENGINE}/pairing")
    api.advance(60)
    misfired = api.run(api.execute(LOAD_CUSTOMERS))
    assert misfired["misfiredExecutionReason"] == "REMOTE_ENGINE_UNAVAILABLE_IN_CLUSTER"


def test_cluster_run_profiles_and_deleting_the_cluster(api):
    pool = cluster(api, [DEMO_ENGINE]).json
    profiles = f"{CLUSTERS}/{pool['id']}/run-profiles"
    body = {"name": "p", "type": "MICROSERVICE", "runtimeId": pool["runtimeId"], "jvmArguments": []}
    assert_error(api.post(profiles, json={**body, "runtimeId": "other"}),
                 400, f"runtimeId must be the cluster's runtime id {pool['runtimeId']}, got 'other'")
    first = api.post(profiles, json=body).json
    second = api.post(profiles, json={**body, "name": "q"}).json
    assert_error(api.post(profiles, json=body), 409, "A run profile named 'p' exists on this runtime")
    runtime = {"type": "REMOTE_ENGINE_CLUSTER", "id": pool["id"], "runProfileId": first["id"]}
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}).status_code == 200
    # in use, and clusters publish no 409
    assert_error(api.delete(f"{profiles}/{first['id']}"),
                 400, "Run profile 'p' is used by task(s) Load customers; name a replacement")
    assert api.delete(f"{profiles}/{first['id']}", query_string={"runProfileId": second["id"]}).status_code == 204
    assert api.get(RUN_CONFIG).json["runtime"]["runProfileId"] == second["id"]
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": {"type": "CLOUD"}}).status_code == 200
    assert api.delete(f"{CLUSTERS}/{pool['id']}").status_code == 204
    assert_error(api.get(f"{CLUSTERS}/{pool['id']}"), 404, f"Remote engine cluster {pool['id']} not found")
    assert "clusterId" not in api.get(f"{ENGINES}/{DEMO_ENGINE}").json
    assert_error(api.get(profiles), 404, f"Remote engine cluster {pool['id']} not found")


def test_a_cluster_runtime_names_a_cluster(api):
    runtime = {"type": "REMOTE_ENGINE_CLUSTER", "id": "nope"}
    assert_error(put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}),
                 400, "runtime.id: remote engine cluster nope does not exist")
