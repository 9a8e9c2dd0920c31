"""Promotion analysis: what would be created, replaced or reused, for the environment or a scope."""
import pytest

from .conftest import LOAD_CUSTOMERS, SYNC_ORDERS
from .errors import assert_error

DEV_TO_PROD = "65f1a0c2e4b0a1b2c3d43001"
PATH = f"/orchestration/executables/promotions/{DEV_TO_PROD}"
DEV_SALES_WS, PROD_SALES_WS = "65f1a0c2e4b0a1b2c3d40101", "65f1a0c2e4b0a1b2c3d40201"
DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"


def statuses(entries):
    return {e["name"]: e["analyzeReport"]["status"] for e in entries}


def test_the_whole_environment(api):
    response = api.post(PATH, json={"keepTargetResources": True})
    assert response.status_code == 200
    result = response.json
    assert (result["status"], result["promotionId"], result["keepTargetResources"]) == ("ANALIZED", DEV_TO_PROD, True)
    assert "advanced" not in result
    [sales] = result["workspaces"]  # the personal workspace stays with its owner
    assert (sales["name"], sales["targetId"], sales["analyzeReport"]["status"]) == ("Sales", PROD_SALES_WS, "REUSED")
    assert statuses(sales["flows"])["Load customers"] == "REPLACED"  # Production has a task of that name
    assert statuses(sales["flows"])["Sync orders"] == "CREATED"
    assert statuses(sales["actions"])["customers_load"] == "REPLACED"  # Production lacks version 0.2.0
    assert statuses(sales["actions"])["orders_sync"] == "CREATED"
    assert statuses(sales["plans"]) == {"Daily sales pipeline": "CREATED"}
    orders_db = next(c for c in sales["connections"] if c["name"] == "orders-db")
    assert orders_db["analyzeReport"]["status"] == "CREATED"
    assert any(m["level"] == "WARN" and "<change me>" in m["info"] for m in orders_db["analyzeReport"]["messages"])
    # An analysis changes nothing.
    assert api.get("/orchestration/executables/tasks", query_string={"workspaceId": PROD_SALES_WS}).json["total"] == 1


@pytest.mark.parametrize("kind, object_id, flows, plans", [
    ("FLOW", SYNC_ORDERS, {"Sync orders"}, set()),
    ("PLAN", DAILY_PLAN, {"Load customers", "Sync orders", "Check rejects", "Partner import"}, {"Daily sales pipeline"}),
    ("WORKSPACE", DEV_SALES_WS, {"Load customers", "Sync orders", "Nightly report", "Partner import", "Check rejects",
                                 "Archive logs"}, {"Daily sales pipeline"}),
    ("ACTION", "65f1a0c2e4b0a1b2c3d41001", set(), set()),
])
def test_scopes(api, kind, object_id, flows, plans):
    result = api.post(PATH, json={"promotionAdvancedInfo": {"id": object_id, "type": kind}}).json
    assert result["advanced"] == {"artifactId": object_id, "artifactType": kind}
    [ws] = result["workspaces"]
    assert {f["name"] for f in ws.get("flows", [])} == flows
    assert {p["name"] for p in ws.get("plans", [])} == plans
    if kind == "FLOW":
        assert [c["name"] for c in ws["connections"]] == ["orders-db"] and len(ws["actions"]) == 1


@pytest.mark.parametrize("body, status, says", [
    ({"promotionAdvancedInfo": {"id": "nope", "type": "FLOW"}}, 404, "No flow nope to promote"),
    ({"promotionAdvancedInfo": {"id": "65f1a0c2e4b0a1b2c3d42101", "type": "FLOW"}}, 400,
     "flow 65f1a0c2e4b0a1b2c3d42101 is not in the promotion's source environment"),  # a Production task
    ({"promotionAdvancedInfo": {"id": LOAD_CUSTOMERS, "type": "ENGINE"}}, 400,
     "The promotion scope type must be one of WORKSPACE, PLAN, FLOW, ACTION, got 'ENGINE'"),
    ({"promotionAdvancedInfo": {"type": "FLOW"}}, 400, "promotionAdvancedInfo needs 'id' and 'type'"),
])
def test_bad_scopes(api, body, status, says):
    assert_error(api.post(PATH, json=body), status, says)


def test_unknown_promotion(api):
    assert_error(api.post("/orchestration/executables/promotions/nope", json={}), 404, "Promotion nope not found")
