"""Handlers read JSON object bodies by their contract operation (api/body_fields.py): the fields it
names, those it requires, and the departures recorded there; with validation on and off alike."""
from __future__ import annotations

import pytest

from mocktmc.api.body_fields import DEPARTURES, contract_fields
from mocktmc.contract_documents import CONTRACTS, contract, operations_in, resolve

from .conftest import LOAD_CUSTOMERS, Api, make_app

PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"  # DAILY in test_api_plans.py
PROMOTION = "65f1a0c2e4b0a1b2c3d43001"  # DEV_TO_PROD in test_api_promotions.py
TASK = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"


def published(method: str, path: str) -> dict:
    """The body schema as the document writes it (read here afresh, not through body_fields)."""
    for family in CONTRACTS:
        doc = contract(family)
        for found, _, verb, operation in operations_in(doc):
            if (found, verb.upper()) == (path, method):
                return resolve(doc, operation["requestBody"]["content"]["application/json"]["schema"])
    raise LookupError(f"{method} {path}")


@pytest.fixture(params=["off", "requests"])
def any_api(request):
    return Api(make_app(validate=request.param))


@pytest.fixture
def unchecked():
    return Api(make_app(validate="off"))


def test_each_departure_is_explained_and_departs():
    assert DEPARTURES
    for (method, path), departure in DEPARTURES.items():
        schema = published(method, path)
        assert departure.why, (method, path)
        assert departure.extra or departure.blank, (method, path)
        # A departure that the contract has caught up with is no departure: it must go.
        assert not departure.extra & set(schema["properties"]), (method, path, departure.extra)
        assert departure.blank <= set(schema.get("required", ())), (method, path, departure.blank)
        assert contract_fields()[(method, path)].allowed == set(schema["properties"]) | departure.extra


@pytest.mark.parametrize("path, body", [
    ("/orchestration/environments", {"name": "qa", "workspaceName": "w"}),
    ("/processing/executions", {"executable": LOAD_CUSTOMERS}),
    ("/orchestration/executables/tasks/search", {}),
])
def test_an_unknown_field_is_named_with_the_fields_the_contract_names(any_api, path, body):
    response = any_api.post(path, json={**body, "colour": "blue"})
    assert response.status_code == 400
    known = sorted(published("POST", path)["properties"])
    assert response.json["detail"] == f"Unrecognized field: 'colour'; known fields: {', '.join(known)}"


def test_the_control_plane_reads_its_own_contract_too(unchecked):
    # With validation on, the control document's additionalProperties: false answers first.
    response = unchecked.post("/_mocktmc/faults", json={"path": "/processing/executions", "colour": "blue"})
    assert response.status_code == 400
    known = sorted(published("POST", "/_mocktmc/faults")["properties"])
    assert response.json["detail"] == f"Unrecognized field: 'colour'; known fields: {', '.join(known)}"


@pytest.mark.parametrize("path, body, field", [
    ("/processing/executions", {"logLevel": "INFO"}, "executable"),
    ("/orchestration/connections", {"name": "c", "workspaceId": "w", "app": "MySQL"}, "parameters"),
    ("/processing/run-profiles/search", {"limit": 5}, "offset"),
    ("/_mocktmc/faults", {"status": 503}, "path"),
])
def test_without_validation_a_missing_required_field_is_named(unchecked, path, body, field):
    response = unchecked.post(path, json=body)
    assert response.status_code == 400
    assert response.json["detail"] == f"Missing required field: {field!r}"


def test_without_validation_a_blank_required_field_is_a_missing_one_unless_a_departure_says(unchecked):
    response = unchecked.post("/orchestration/environments", json={"name": "", "workspaceName": "w"})
    assert (response.status_code, response.json["detail"]) == (400, "Missing required field: 'name'")
    patch = unchecked.client.patch(f"/orchestration/executables/promotions/{PROMOTION}", headers=unchecked.headers,
                                   json={})
    assert (patch.status_code, patch.json["detail"]) == (400, "Missing required field: 'description'")


def test_an_empty_description_is_a_description(any_api):
    promotion = f"/orchestration/executables/promotions/{PROMOTION}"
    assert any_api.client.patch(promotion, headers=any_api.headers, json={"description": ""}).status_code == 204
    assert any_api.get(promotion).json.get("description", "") == ""
    task = any_api.get(TASK).json
    body = {"workspaceId": task["workspace"]["id"], "name": task["name"], "description": "",
            "artifact": {"id": task["artifact"]["id"], "version": task["artifact"]["version"]}}
    response = any_api.client.put(TASK, headers=any_api.headers, json=body)
    assert response.status_code == 200, response.json
    assert any_api.get(TASK).json.get("description", "") == ""


def test_a_plan_run_config_takes_the_runtime_v26_clients_send(any_api):
    path = f"/orchestration/executables/plans/{PLAN}/run-config"
    body = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
            "runtime": {"type": "CLOUD"}}
    response = any_api.client.put(path, headers=any_api.headers, json=body)
    assert response.status_code == 200, response.json
    assert "runtime" not in response.json  # accepted, not kept


def test_a_run_config_runtime_holds_the_fields_the_contract_names(any_api):
    body = {"trigger": {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"},
            "runtime": {"type": "CLOUD", "engine": "x"}}
    response = any_api.client.put(f"{TASK}/run-config", headers=any_api.headers, json=body)
    assert (response.status_code, response.json["detail"]) == (400, "Unrecognized runtime field: 'engine'")


def test_a_legacy_operation_takes_the_fields_of_the_handler_that_serves_it(any_api):
    # The v2.6 document names no `timeout` for a run; the 2021-03 handler that serves it takes one.
    assert "timeout" not in published("POST", "/tmc/v2.6/executions")["properties"]
    response = any_api.post("/tmc/v2.6/executions", json={"executable": LOAD_CUSTOMERS, "timeout": 5})
    assert response.status_code == 201, response.json
    refused = any_api.post("/tmc/v2.6/executions", json={"executable": LOAD_CUSTOMERS, "colour": "blue"})
    assert refused.status_code == 400
    known = sorted(published("POST", "/processing/executions")["properties"])
    assert refused.json["details"] == f"Unrecognized field: 'colour'; known fields: {', '.join(known)}"

