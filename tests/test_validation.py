"""The response check the whole suite runs: it accepts what the contracts allow and catches what they do not."""
import json

import pytest

from mocktmc.validation import ContractViolation, check_response

from .conftest import LOAD_CUSTOMERS


def tamper(response, **changes):
    body = response.json
    body.update(changes)
    response.set_data(json.dumps(body))
    return response


def test_a_real_poll_response_passes(api):
    execution_id = api.execute(LOAD_CUSTOMERS)
    response = api.get(f"/processing/executions/{execution_id}")
    assert check_response("GET", f"/processing/executions/{execution_id}", "", response) is True


@pytest.mark.parametrize("changes", [{"status": "running"}, {"triggerTimestamp": 12}, {"userType": None}])
def test_a_broken_poll_response_is_a_violation(api, changes):
    execution_id = api.execute(LOAD_CUSTOMERS)
    response = tamper(api.get(f"/processing/executions/{execution_id}"), **changes)
    with pytest.raises(ContractViolation):
        check_response("GET", f"/processing/executions/{execution_id}", "", response)


def test_a_missing_required_field_is_a_violation(api):
    response = api.get("/orchestration/environments")
    body = response.json
    del body[0]["name"]
    response.set_data(json.dumps(body))
    with pytest.raises(ContractViolation):
        check_response("GET", "/orchestration/environments", "", response)


def test_an_undeclared_status_is_a_violation(api):
    response = api.get("/orchestration/environments")
    response.status_code = 418
    with pytest.raises(ContractViolation):
        check_response("GET", "/orchestration/environments", "", response)


def test_control_plane_responses_are_checked(api):
    assert check_response("GET", "/_mocktmc/health", "", api.client.get("/_mocktmc/health")) is True
    broken = api.client.get("/_mocktmc/clock")
    broken.set_data(json.dumps({**broken.json, "rate": "fast"}))
    with pytest.raises(ContractViolation):
        check_response("GET", "/_mocktmc/clock", "", broken)


def test_requests_no_contract_covers_are_not_checked(unbuilt):
    api = unbuilt
    assert check_response("GET", "/tmc/v2.6/executables", "", api.get("/tmc/v2.6/executables")) is False
    assert check_response("GET", "/orchestration/nothing", "", api.get("/orchestration/nothing")) is False
    answer = api.get("/tmc/v2.6/subscription")
    assert answer.status_code == 501 and answer.headers["X-Mocktmc-Not-Implemented"] == "subscriptionGet"
    assert check_response("GET", "/tmc/v2.6/subscription", "", answer) is False


def test_what_a_check_remembers_is_where_to_look_never_a_verdict(api):
    """Paths found and schema validators made are kept from one check to the next (mocktmc.validation); the
    same URL and schema still pass or fail on each response's own content, and a path no contract has is
    looked for again."""
    execution_id = api.execute(LOAD_CUSTOMERS)
    path = f"/processing/executions/{execution_id}"
    for _ in range(2):
        assert check_response("GET", path, "", api.get(path)) is True
        with pytest.raises(ContractViolation):
            check_response("GET", path, "", tamper(api.get(path), status="running"))
        assert check_response("GET", "/orchestration/nothing", "", api.get("/orchestration/nothing")) is False
