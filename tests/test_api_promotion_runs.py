"""Promotion runs: started, then applied to the target a few seconds later, with a per-object report."""
from .conftest import NIGHTLY_REPORT, PROD_ENV
from .errors import assert_error

DEV_TO_PROD = "65f1a0c2e4b0a1b2c3d43001"
PROD_SALES_WS = "65f1a0c2e4b0a1b2c3d40201"


def promote(api, **body):
    response = api.post("/processing/executions/promotions", json={"executable": DEV_TO_PROD, **body})
    assert response.status_code == 201, response.json
    return response.json


def test_promote_the_whole_environment(api):
    started = promote(api)
    report = started["executionReport"]
    assert report["status"] == "PROMOTION_STARTED" and "finishTimestamp" not in report
    path = f"/processing/executions/promotions/{started['executionId']}"
    assert api.get(path).json["status"] == "PROMOTION_STARTED"
    api.advance(10)
    done = api.get(path).json
    assert done["status"] == "PROMOTION_WARNING"  # secured connection values arrive as <change me>
    [sales] = done["workspaces"]
    flows = {f["name"]: f for f in sales["flows"]}
    assert flows["Load customers"]["promotionReport"]["status"] == "REPLACED"
    assert flows["Sync orders"]["promotionReport"]["status"] == "CREATED" and flows["Sync orders"]["targetId"]
    prod_tasks = api.get("/orchestration/executables/tasks", query_string={"environmentId": PROD_ENV}).json
    assert sorted(t["name"] for t in prod_tasks["items"]) == sorted(
        ["Load customers", "Sync orders", "Nightly report", "Partner import", "Check rejects", "Archive logs"])
    promoted = api.get(f"/orchestration/executables/tasks/{flows['Sync orders']['targetId']}").json
    assert promoted["workspace"]["id"] == PROD_SALES_WS and promoted["autoUpgradeInfo"]["autoUpgradable"] is False
    target_connection = api.get(f"/orchestration/connections/{promoted['connections']['orders_db']}").json
    assert target_connection["workspace"]["environment"]["id"] == PROD_ENV
    artifact = api.get("/orchestration/artifacts", query_string={"environmentId": PROD_ENV,
                                                                 "name": "customers_load"}).json["items"][0]
    assert artifact["versions"] == ["0.1.0.20240105101500", "0.2.0.20240212083000"]  # the version it lacked
    plans = api.get("/orchestration/executables/plans", query_string={"environmentId": PROD_ENV}).json
    assert [p["name"] for p in plans["items"]] == ["Daily sales pipeline"]
    run = api.run(api.execute(flows["Sync orders"]["targetId"]))  # the promoted task runs in Production
    assert run["workspaceId"] == PROD_SALES_WS
    again = promote(api)
    api.advance(10)
    second = api.get(f"/processing/executions/promotions/{again['executionId']}").json
    assert {f["promotionReport"]["status"] for f in second["workspaces"][0]["flows"]} == {"REPLACED"}


def test_promote_one_task(api):
    started = promote(api, advanced={"artifactId": NIGHTLY_REPORT, "artifactType": "FLOW"}, context="just one")
    api.advance(10)
    done = api.get(f"/processing/executions/promotions/{started['executionId']}").json
    assert done["status"] == "PROMOTED" and done["advanced"]["artifactType"] == "FLOW"
    assert [f["name"] for f in done["workspaces"][0]["flows"]] == ["Nightly report"]
    prod = api.get("/orchestration/executables/tasks", query_string={"environmentId": PROD_ENV}).json
    assert sorted(t["name"] for t in prod["items"]) == ["Load customers", "Nightly report"]


def test_bad_promotion_runs(api):
    assert_error(api.post("/processing/executions/promotions", json={"executable": "nope"}),
                 404, "Promotion nope not found")
    assert_error(api.post("/processing/executions/promotions",
                          json={"executable": DEV_TO_PROD, "advanced": {"artifactType": "FLOW"}}),
                 400, "advanced needs 'artifactId' and 'artifactType'")
    assert_error(api.post("/processing/executions/promotions",
                          json={"executable": DEV_TO_PROD, "context": "x" * 256}),
                 400, "'context': 'xxxxxxxx", "is too long")
    assert_error(api.get("/processing/executions/promotions/nope"), 404, "Promotion execution nope not found")


PROD_LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42101"  # CLOUD_EXCLUSIVE in Production, CLOUD in Development


def test_keep_target_run_profiles_decides_a_replaced_tasks_runtime(api):
    path = f"/orchestration/executables/tasks/{PROD_LOAD_CUSTOMERS}/run-config"
    assert api.get(path).json["runtime"]["type"] == "CLOUD_EXCLUSIVE"
    promote(api, keepTargetRunProfiles=True)
    api.advance(10)
    assert api.get(path).json["runtime"]["type"] == "CLOUD_EXCLUSIVE"
    promote(api)
    api.advance(10)
    assert api.get(path).json["runtime"]["type"] == "CLOUD"  # the source's runtime replaced it
