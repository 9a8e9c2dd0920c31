"""Run profiles across runtimes: create by runtime id, get, partial update, delete (406 in use), search."""
import pytest

from .conftest import DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, PROD_ENV
from .errors import assert_error

PROFILES = "/processing/run-profiles"
ENGINES = "/processing/runtimes/remote-engines"
DEMO_ENGINE = "65f1a0c2e4b0a1b2c3d45001"


def put(api, path, body):
    return api.client.put(path, headers=api.headers, json=body)


def runtime_of(api, engine_id=DEMO_ENGINE):
    return api.get(f"{ENGINES}/{engine_id}").json["runtimeId"]


def create(api, name="p", runtime_id=None, **body):
    return api.post(PROFILES, json={"name": name, "processorType": "RE", "type": "JOB_SERVER", "jvmArguments": [],
                                    "runtimeId": runtime_id or runtime_of(api), **body})


def test_create_get_update_delete(api):
    response = create(api, description="d", jvmArguments=["-Xms1g"])
    assert response.status_code == 201
    made = response.json
    assert (made["processorId"], made["scopeId"], made["processorType"]) == (DEMO_ENGINE, DEMO_ENGINE, "RE")
    assert api.get(f"{PROFILES}/{made['id']}").json == made
    # The engine sees the same profile under its own path.
    assert api.get(f"{ENGINES}/{DEMO_ENGINE}/run-profiles/{made['id']}").json == made
    api.advance(1)
    updated = put(api, f"{PROFILES}/{made['id']}", {"jvmArguments": ["-Xms2g"]})
    assert updated.status_code == 200
    assert (updated.json["name"], updated.json["description"], updated.json["jvmArguments"]) == ("p", "d", ["-Xms2g"])
    create(api, name="q")
    assert_error(put(api, f"{PROFILES}/{made['id']}", {"name": "Q"}),
                 409, "A run profile named 'Q' exists on this runtime")
    assert_error(put(api, f"{PROFILES}/{made['id']}", {"scopeId": "elsewhere"}),
                 400, "A run profile cannot move to another scope")
    assert_error(put(api, f"{PROFILES}/nope", {"name": "x"}), 404, "Run profile nope not found")
    assert api.delete(f"{PROFILES}/{made['id']}").status_code == 204
    assert_error(api.get(f"{PROFILES}/{made['id']}"), 404, f"Run profile {made['id']} not found")


@pytest.mark.parametrize("change, status, says", [
    ({"runtimeId": "nope"}, 400, "runtimeId 'nope' is not the runtime of any RE of this account"),
    ({"processorType": "GEN_2"}, 400, "processorType GEN_2: the mock has no such runtimes; use RE or REC"),
    # the runtime id is an engine's, not a cluster's
    ({"processorType": "REC"}, 400, "is not the runtime of any REC of this account"),
    ({"processorType": "XX"}, 400, "'processorType': 'XX' is not one of"),
    ({"type": "STANDARD"}, 400, "'type': 'STANDARD' is not one of"),
    ({"scopeId": "other"}, 400, "scopeId must be the id of the runtime's remote engine"),
    ({"jvmArguments": None}, 400, "'jvmArguments' is a required property"),
    ({"name": "P"}, 409, "A run profile named 'P' exists on this runtime"),
])
def test_bad_creations_change_nothing(api, change, status, says):
    create(api)
    body = {"name": "new", "processorType": "RE", "type": "JOB_SERVER", "jvmArguments": [],
            "runtimeId": runtime_of(api), **change}
    response = api.post(PROFILES, json={k: v for k, v in body.items() if v is not None})
    assert_error(response, status, says)
    assert api.post(f"{PROFILES}/search", json={"offset": 0}).json["total"] == 1


def test_cluster_profiles_by_runtime_id(api):
    cluster = api.post("/processing/runtimes/remote-engine-clusters", json={
        "name": "c", "workspaceId": DEV_SALES_WS, "environmentId": DEV_ENV, "description": "pool",
        "remoteEngines": [DEMO_ENGINE]}).json
    made = create(api, processorType="REC", runtime_id=cluster["runtimeId"], type="MICROSERVICE").json
    assert (made["processorType"], made["processorId"]) == ("REC", cluster["id"])


def test_delete_in_use_is_406_unless_a_replacement_is_named(api):
    used, spare = create(api).json, create(api, name="spare").json
    config = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
              "runtime": {"type": "REMOTE_ENGINE", "id": DEMO_ENGINE, "runProfileId": used["id"]}}
    path = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config"
    assert put(api, path, config).status_code == 200
    assert_error(api.delete(f"{PROFILES}/{used['id']}"),
                 406, "Run profile 'p' is used by task(s) Load customers; name a replacement")
    assert_error(api.delete(f"{PROFILES}/{used['id']}", query_string={"rescheduleRunProfileId": "nope"}),
                 400, "The replacement must be another JOB_SERVER run profile of the same remote engine")
    assert api.delete(f"{PROFILES}/{used['id']}",
                      query_string={"rescheduleRunProfileId": spare["id"]}).status_code == 204
    assert api.get(path).json["runtime"]["runProfileId"] == spare["id"]


def test_search_filters_sorts_and_pages(api):
    prod = api.post(ENGINES, json={"name": "prod-re", "environmentId": PROD_ENV}).json
    create(api, name="alpha", description="b")
    create(api, name="beta", type="MICROSERVICE", description="a")
    create(api, name="gamma", runtime_id=prod["runtimeId"], description="c")

    def names(**body):
        response = api.post(f"{PROFILES}/search", json={"offset": 0, **body})
        assert response.status_code == 200, response.json
        return [p["name"] for p in response.json["items"]]
    assert names() == ["gamma", "beta", "alpha"]  # NAME, DESC by default
    assert names(sortOrder="ASC") == ["alpha", "beta", "gamma"]
    assert names(sortBy="DESCRIPTION", sortOrder="ASC") == ["beta", "alpha", "gamma"]
    assert names(sortBy="ENVIRONMENT_NAME", sortOrder="ASC") == ["beta", "alpha", "gamma"]  # Development first
    assert names(processorIds=[prod["id"]]) == ["gamma"]
    assert names(scopeIds=[DEMO_ENGINE], runProfileType="MICROSERVICE") == ["beta"]
    assert names(name="ET") == ["beta"]
    assert names(processorType="REC") == [] and names(processorTypes=["RE"]) == ["gamma", "beta", "alpha"]
    page = api.post(f"{PROFILES}/search", json={"offset": 1, "limit": 1, "sortOrder": "ASC"}).json
    assert [p["name"] for p in page["items"]] == ["beta"] and page["total"] == 3
    first = page["items"][0]
    assert first["workspaceId"] == DEV_SALES_WS and first["runProfileType"] == "MICROSERVICE"
    for bad, says in (({}, "'offset' is a required property"),
                      ({"offset": -1}, "limit must be in [0, 100] and offset >= 0, got limit 100, offset -1"),
                      ({"offset": 0, "limit": 101}, "limit must be in [0, 100] and offset >= 0, got limit 101"),
                      ({"offset": 0, "sortBy": "AGE"}, "'sortBy': 'AGE' is not one of"),
                      ({"offset": 0, "processorTypes": ["XX"]}, "'processorTypes[0]': 'XX' is not one of"),
                      ({"offset": 0, "scopeIds": "x"}, "'scopeIds': 'x' is not of type 'array'")):
        assert_error(api.post(f"{PROFILES}/search", json=bad), 400, says)
