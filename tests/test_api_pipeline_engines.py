"""Pipeline engines: CRUD, pairing, typed run profiles checked against their published shapes."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV
from .errors import assert_error

ENGINES = "/processing/runtimes/pipeline-engines"
RUN_CONFIG = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config"
MANUAL = {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"}
BODIES = {
    "standard": {"name": "std", "executionFramework": "SPARK",
                 "configuration": {"numberOfThreads": 2, "microBatchInterval": 5000}},
    "big-data": {"name": "bd", "executorMemoryOverhead": 512, "microBatchInterval": 5000, "streamingTimeout": 60,
                 "temporaryStorage": "/tmp", "yarnStrategy": {"type": "Fixed", "executorsNumber": 2}},
    "databricks": {"name": "db", "microBatchInterval": 5000},
    "advanced": {"name": "adv", "definition": "spark.executor.cores=2"},
    "data-integration": {"name": "di", "jvmArguments": ["-Xmx1g"]},
}


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def create_engine(api, **body):
    response = api.post(ENGINES, json={"name": "gen2", "environmentId": DEV_ENV, **body})
    assert response.status_code == 201, response.json
    return response.json


def test_create_get_list_pair_unpair_delete(api):
    assert api.get(ENGINES).json == []
    engine = create_engine(api, workspaceId=DEV_SALES_WS, description="k8s")
    assert (engine["status"], engine["availability"], engine["runStatus"]) == ("NOT_PAIRED", "NOT_AVAILABLE",
                                                                                "STOPPED")
    assert engine["workspace"]["id"] == DEV_SALES_WS
    assert api.get(f"{ENGINES}/{engine['id']}").json == engine
    assert api.get(ENGINES, query_string={"query": "status==NOT_PAIRED"}).json == [engine]
    paired = api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": engine["preAuthorizedKey"]})
    assert paired.status_code == 200 and paired.json["status"] == "PAIRED"
    assert api.get(f"{ENGINES}/{engine['id']}").json["runStatus"] == "RUNNING"
    unpaired = api.delete(f"{ENGINES}/{engine['id']}/pairing")
    assert unpaired.status_code == 200 and unpaired.mimetype == "text/plain"
    assert api.get(f"{ENGINES}/{engine['id']}").json["status"] == "NOT_PAIRED"
    assert api.delete(f"{ENGINES}/{engine['id']}").status_code == 204
    assert_error(api.get(f"{ENGINES}/{engine['id']}"), 404, f"Pipeline engine {engine['id']} not found")


@pytest.mark.parametrize("body, says", [
    ({"name": "x"}, "'environmentId' is a required property"),
    ({"name": "x", "environmentId": "nope"}, "Environment nope not found"),
    ({"name": "x", "environmentId": PROD_ENV, "workspaceId": DEV_SALES_WS},
     f"Workspace {DEV_SALES_WS} is not in environment {PROD_ENV}"),
    ({"name": "", "environmentId": DEV_ENV}, "Missing required field: 'name'"),
    ({"name": "x", "environmentId": DEV_ENV, "cloudRunner": True}, "Unrecognized field: 'cloudRunner'"),
])
def test_bad_creations_change_nothing(api, body, says):
    assert_error(api.post(ENGINES, json=body), 400, says)
    assert api.get(ENGINES).json == []


@pytest.mark.parametrize("type_", sorted(BODIES))
def test_typed_profiles_round_trip(api, type_):
    engine = create_engine(api)
    base = f"{ENGINES}/{engine['id']}/run-profiles/{type_}"
    created = api.post(base, json=BODIES[type_])
    assert created.status_code == 201 and created.get_data() == b""
    location = created.headers["Location"]
    profile_id = location.rsplit("/", 1)[1]
    got = api.get(f"{base}/{profile_id}").json
    assert got["id"] == profile_id and got["engineId"] == engine["id"]
    assert {k: got[k] for k in BODIES[type_]} == BODIES[type_]
    api.advance(1)
    changed = {**got, "name": f"{BODIES[type_]['name']}-2"}  # a GET's answer sent back as is
    assert put(api, f"{base}/{profile_id}", changed).status_code == 204
    assert api.get(f"{base}/{profile_id}").json["name"] == changed["name"]
    (listed,) = api.get(f"{ENGINES}/{engine['id']}/run-profiles").json
    assert (listed["id"], listed["type"], listed["name"]) == (profile_id, type_, changed["name"])
    assert api.delete(f"{ENGINES}/{engine['id']}/run-profiles/{type_}/{profile_id}").status_code == 204
    assert_error(api.get(f"{base}/{profile_id}"),
                 404, f"No {type_} run profile {profile_id} on pipeline engine {engine['id']}")


@pytest.mark.parametrize("type_, body, says", [
    ("standard", {"name": "s"}, "'configuration' is a required property"),  # and executionFramework
    ("big-data", {**BODIES["big-data"], "yarnStrategy": {"type": "Elastic"}},
     "'yarnStrategy.type': 'Elastic' is not one of ['Fixed', 'Dynamic']"),
    ("databricks", {"name": "d", "microBatchInterval": "fast"},
     "'microBatchInterval': 'fast' is not of type 'integer'"),
    ("advanced", {"name": "a", "colour": "red"}, "Unrecognized field: 'colour'"),
    ("advanced", {"name": ""}, "The run profile name must not be empty"),
    ("data-integration", {"name": "di", "engineId": "another"}, "engineId 'another' is not the engine of this path"),
])
def test_bad_profiles_change_nothing(api, type_, body, says):
    engine = create_engine(api)
    assert_error(api.post(f"{ENGINES}/{engine['id']}/run-profiles/{type_}", json=body), 400, says)
    assert api.get(f"{ENGINES}/{engine['id']}/run-profiles").json == []


def test_profiles_are_found_under_their_own_type_and_engine(api):
    engine = create_engine(api)
    created = api.post(f"{ENGINES}/{engine['id']}/run-profiles/advanced", json=BODIES["advanced"])
    profile_id = created.headers["Location"].rsplit("/", 1)[1]
    assert_error(api.get(f"{ENGINES}/{engine['id']}/run-profiles/standard/{profile_id}"),
                 404, f"No standard run profile {profile_id} on pipeline engine {engine['id']}")
    assert_error(api.get(f"{ENGINES}/nope/run-profiles/advanced/{profile_id}"), 404, "Pipeline engine nope not found")
    assert_error(api.post(f"{ENGINES}/nope/run-profiles/advanced", json=BODIES["advanced"]),
                 404, "Pipeline engine nope not found")
    assert_error(api.post(f"{ENGINES}/{engine['id']}/run-profiles/advanced", json=BODIES["advanced"]),
                 400, "A run profile named 'adv' exists on this pipeline engine")


def test_tasks_on_a_pipeline_engine(api):
    engine = create_engine(api)
    first = api.post(f"{ENGINES}/{engine['id']}/run-profiles/standard", json=BODIES["standard"])
    second = api.post(f"{ENGINES}/{engine['id']}/run-profiles/advanced", json=BODIES["advanced"])
    first_id, second_id = (r.headers["Location"].rsplit("/", 1)[1] for r in (first, second))
    runtime = {"type": "PIPELINE_ENGINE", "id": engine["id"], "runProfileId": first_id}
    assert_error(put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": {**runtime, "id": "nope"}}),
                 400, "runtime.id: pipeline engine nope does not exist")
    assert put(api, RUN_CONFIG, {"trigger": MANUAL, "runtime": runtime}).status_code == 200
    misfired = api.run(api.execute(LOAD_CUSTOMERS))
    assert misfired["misfiredExecutionReason"] == "REMOTE_ENGINE_UNAVAILABLE"  # not paired yet
    api.client.post("/_mocktmc/engines/pair", json={"preAuthorizedKey": engine["preAuthorizedKey"]})
    api.advance(60)
    assert api.run(api.execute(LOAD_CUSTOMERS))["status"] == "dispatching"
    assert_error(api.delete(f"{ENGINES}/{engine['id']}"),
                 409, "Pipeline engine 'gen2' is the runtime of task(s) Load customers")
    profile = f"{ENGINES}/{engine['id']}/run-profiles/standard/{first_id}"
    assert_error(api.delete(profile), 400, "Run profile 'std' is used by task(s) Load customers; name a replacement")
    assert api.delete(profile, query_string={"newRunProfileId": second_id}).status_code == 204
    assert api.get(RUN_CONFIG).json["runtime"]["runProfileId"] == second_id
