"""Requests are checked against the contracts: the detail names what is wrong, the check can be
switched off, and it agrees with openapi-core (the authority) on generated requests."""
from __future__ import annotations

import json

import flask
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings, strategies as st
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from mocktmc.api import serialize
from mocktmc.api.request_checks import check_request
from mocktmc.errors import TMCError
from mocktmc.contract_documents import contract

from .conftest import AUTH, LOAD_CUSTOMERS, make_app
from .errors import assert_error


@pytest.mark.parametrize("path, query, detail", [
    ("/orchestration/executables/tasks", {"limit": 0}, "Query parameter 'limit': 0 is less than the minimum of 1"),
    ("/orchestration/executables/tasks", {"offset": "x"}, "Query parameter 'offset' must be an integer, got 'x'"),
    (f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", {"status": "running"},
     "Query parameter 'status': 'running' is not one of"),
    (f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions", {"lastDays": 61},
     "Query parameter 'lastDays': 61 is greater than the maximum of 60"),
])
def test_parameter_violations_name_the_parameter(api, path, query, detail):
    response = api.get(path, query_string=query)
    assert response.status_code == 400
    assert response.json["detail"].startswith(detail)


@pytest.mark.parametrize("body, detail", [
    ({"executable": 42}, "Request body field 'executable': 42 is not of type 'string'"),
    ({"executable": LOAD_CUSTOMERS, "timeout": 0}, "Request body field 'timeout': 0 is less than the minimum of 1"),
    ({"executable": LOAD_CUSTOMERS, "logLevel": "LOUD"}, "Request body field 'logLevel': 'LOUD' is not one of"),
    ({"logLevel": "INFO"}, "Request body: 'executable' is a required property"),
    ([], "Request body: [] is not of type 'object'"),
])
def test_body_violations_name_the_field(api, body, detail):
    response = api.post("/processing/executions", json=body)
    assert response.status_code == 400
    assert response.json["detail"].startswith(detail)


def test_bodies_that_are_not_json_utf8_or_of_the_declared_type(api):
    cases = [(b"\xff\xfe\x00{", "application/json", 400, "not valid UTF-8"),
             (b"[" * 100000, "application/json", 400, ""),
             (b"{}", "text/csv", 415, "application/json"),
             (b"", "application/json", 400, "required")]
    for data, content_type, status, detail in cases:
        response = api.post("/processing/executions", data=data, headers={"Content-Type": content_type})
        assert response.status_code == status, (data[:10], response.json)
        assert detail in response.json["detail"]


def test_validation_can_be_switched_off():
    body = {"seconds": "soon"}
    checked = make_app().test_client().post("/_mocktmc/clock/advance", json=body)
    unchecked = make_app(validate="off").test_client().post("/_mocktmc/clock/advance", json=body)
    assert checked.status_code == unchecked.status_code == 400
    assert checked.json["detail"].startswith("Request body field 'seconds'")
    assert not unchecked.json["detail"].startswith("Request body")  # the handler's own rule answered


def test_validate_all_turns_a_broken_response_into_a_500(monkeypatch):
    def nameless(env):
        return {"id": env.id}  # EnvironmentInfo requires a name
    monkeypatch.setattr(serialize, "environment_info", nameless)
    for mode, status in (("requests", 200), ("all", 500)):
        app = make_app(validate=mode)
        app.test_client_class = FlaskClient  # the suite's own response check would stop the broken answer first
        response = app.test_client().get("/orchestration/environments", headers=AUTH)
        assert response.status_code == status, mode
    assert "broke its contract" in response.json["detail"]


# --- agreement with openapi-core --------------------------------------------------------------------
def _authority(family: str) -> OpenAPI:
    spec = dict(contract(family))
    spec["servers"] = [{"url": "http://localhost"}]
    return OpenAPI.from_dict(spec)


PROCESSING = _authority("processing")
APP = make_app()
HISTORY = f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"

query_values = st.one_of(st.integers(-5, 200).map(str), st.sampled_from(["", "x", "1.5", "+3", " 7", "1e2"]))
statuses = st.one_of(st.sampled_from(["executing", "terminated", "dispatching"]), st.text(max_size=5))


def authority_accepts(method: str, path: str, **kw) -> bool:
    environ = EnvironBuilder(method=method, path=path, base_url="http://localhost", headers=AUTH, **kw).get_environ()
    try:
        PROCESSING.validate_request(WerkzeugOpenAPIRequest(Request(environ)))
    except Exception:
        return False
    return True


def ours_accepts(method: str, path: str, **kw) -> bool:
    with APP.test_request_context(path, method=method, headers=AUTH, **kw):
        try:
            check_request(flask.request)
        except TMCError:
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.dictionaries(st.sampled_from(["limit", "offset", "lastDays", "from", "to"]), query_values, max_size=3),
       status=st.one_of(st.none(), statuses))
def test_parameter_checks_agree_with_openapi_core(query, status):
    if status is not None:
        query = {**query, "status": status}
    assert ours_accepts("GET", HISTORY, query_string=query) == authority_accepts("GET", HISTORY, query_string=query)


bodies = st.dictionaries(
    st.sampled_from(["executable", "logLevel", "timeout", "parameters"]),
    st.one_of(st.just(LOAD_CUSTOMERS), st.integers(-2, 3), st.sampled_from(["INFO", "LOUD", "WARN"]),
              st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["1", "x"]), max_size=2),
              st.lists(st.integers(), max_size=2), st.none(), st.booleans()),
    max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_body_checks_agree_with_openapi_core(body):
    kw = {"data": json.dumps(body), "content_type": "application/json"}
    assert ours_accepts("POST", "/processing/executions", **kw) == \
        authority_accepts("POST", "/processing/executions", **kw), body


@pytest.mark.parametrize("mode", ["requests", "all"])
def test_non_utf8_bodies_never_reach_openapi_core(mode):
    """openapi-core can crash formatting errors about non-UTF-8 bodies; the compiled checks answer first."""
    client = make_app(validate=mode).test_client()
    for path in ("/processing/executions", "/_mocktmc/clock/advance", "/security/oauth/token"):
        response = client.post(path, data=b'{"executable": "\xff\xfe"}', headers={**AUTH, "Content-Type": "application/json"})
        assert_error(response, 400, "The request body is not valid UTF-8")
