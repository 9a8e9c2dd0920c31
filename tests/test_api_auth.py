"""Bearer authentication in the three modes, the OAuth token endpoint, and error bodies."""
import base64
import json

import pytest

from .conftest import AUTH, DEMO_PAT, LOAD_CUSTOMERS, SERVICE_ACCOUNT, SERVICE_SECRET, Api, make_app
from .errors import assert_error


def basic(client_id=SERVICE_ACCOUNT, secret=SERVICE_SECRET):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


TOKEN_BODY = {"grant_type": "client_credentials", "audience": "https://api.eu.cloud.talend.com"}


def issue_token(api: Api, **kw) -> dict:
    response = api.client.post("/security/oauth/token", headers=basic(), json=TOKEN_BODY, **kw)
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("headers, says", [
    ({}, "Missing Authorization header"),
    ({"Authorization": "Bearer"}, "The Authorization header must read 'Bearer <token>'"),
    ({"Authorization": "Basic abc"}, "The Authorization header must read 'Bearer <token>'"),
    ({"Authorization": "Bearer two words"}, "The Authorization header must read 'Bearer <token>'"),
    ({"Authorization": "token abc"}, "The Authorization header must read 'Bearer <token>'"),
])
def test_missing_or_malformed_authorization_is_401(app, headers, says):
    response = app.test_client().get("/orchestration/workspaces", headers=headers)
    assert_error(response, 401, says)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_endpoint_json_and_form(api):
    body = issue_token(api)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800  # a number (quirk expires_in_number)
    assert body["access_token"].count(".") == 2
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["sub"] == SERVICE_ACCOUNT and claims["exp"] - claims["iat"] == 1800
    form = api.client.post("/security/oauth/token", headers=basic(), data=TOKEN_BODY)
    assert form.status_code == 200 and form.json["access_token"] != body["access_token"]


def test_service_token_runs_as_the_service_account(api):
    token = issue_token(api)["access_token"]
    service = Api(api.app, {"Authorization": f"Bearer {token}"})
    run = service.run(service.execute(LOAD_CUSTOMERS))
    assert (run["userId"], run["userType"]) == (SERVICE_ACCOUNT, "SERVICE")


@pytest.mark.parametrize("headers, says", [
    (basic(secret="wrong"), "The ClientId or Secret is missing or invalid"),
    (basic(client_id="nobody"), "The ClientId or Secret is missing or invalid"),
    ({}, "send 'Authorization: Basic base64(clientId:clientSecret)'"),
    ({"Authorization": "Basic !!!"}, "not valid base64 of 'clientId:clientSecret'"),
    ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "must read 'clientId:clientSecret'"),
])
def test_bad_client_credentials_are_401_in_every_mode(headers, says):
    for auth in ("open", "isolated", "strict"):
        response = make_app(auth=auth).test_client().post("/security/oauth/token", headers=headers,
                                                          json=TOKEN_BODY)
        assert_error(response, 401, says)
        assert response.content_type == "application/json"


@pytest.mark.parametrize("body, says", [
    ({"grant_type": "password", "audience": "x"}, "grant_type must be 'client_credentials', got 'password'"),
    ({"grant_type": "client_credentials"}, "'audience' is a required property"),
    ("not json", "The request body is not valid JSON"),
])
def test_bad_token_requests(api, body, says):
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = api.client.post("/security/oauth/token", headers=basic(), **kwargs)
    assert_error(response, 400, says)


def test_token_request_with_another_media_type_is_415(api):
    response = api.client.post("/security/oauth/token", headers={**basic(), "Content-Type": "text/plain"},
                               data="grant_type=client_credentials")
    assert_error(response, 415, "application/json or application/x-www-form-urlencoded, got text/plain")


def test_open_mode_shares_the_default_account():
    app = make_app(auth="open")
    one, two = Api(app, {"Authorization": "Bearer one"}), Api(app, {"Authorization": "Bearer two"})
    execution_id = one.execute(LOAD_CUSTOMERS)
    assert two.run(execution_id)["executionId"] == execution_id


def test_isolated_mode_gives_each_token_its_own_account():
    app = make_app(auth="isolated")
    one, two = Api(app, {"Authorization": "Bearer one"}), Api(app, {"Authorization": "Bearer two"})
    execution_id = one.execute(LOAD_CUSTOMERS)
    assert one.run(execution_id)["executionId"] == execution_id
    assert_error(two.get(f"/processing/executions/{execution_id}"), 404, f"Execution {execution_id} not found")
    assert one.run(execution_id)["accountId"] != two.run(two.execute(LOAD_CUSTOMERS))["accountId"]
    # Every account is seeded from the same fixture, with the same definition ids.
    assert one.get("/orchestration/executables/tasks").json == two.get("/orchestration/executables/tasks").json


def test_strict_mode_accepts_only_known_tokens_and_expires_service_tokens():
    app = make_app(auth="strict")
    assert_error(Api(app).get("/orchestration/workspaces"), 401, "Unknown access token (auth mode 'strict'")
    assert Api(app, {"Authorization": f"Bearer {DEMO_PAT}"}).get("/orchestration/workspaces").status_code == 200
    token = issue_token(Api(app))["access_token"]
    service = Api(app, {"Authorization": f"Bearer {token}"})
    assert service.get("/orchestration/workspaces").status_code == 200
    service.advance(29 * 60)
    assert service.get("/orchestration/workspaces").status_code == 200
    service.advance(60)
    expired = service.get("/orchestration/workspaces")
    assert expired.status_code == 401 and "expired" in expired.json["detail"]
    # A PAT does not expire.
    assert Api(app, {"Authorization": f"Bearer {DEMO_PAT}"}).get("/orchestration/workspaces").status_code == 200


def test_unknown_path_and_wrong_method_are_tmc_json(api):
    unknown = api.get("/orchestration/nothing-here")
    assert unknown.status_code == 404 and unknown.content_type == "application/json"
    assert set(unknown.json) == {"status", "message", "detail", "requestId"}
    assert_error(unknown, 404, "No operation at GET /orchestration/nothing-here")
    wrong = api.client.patch("/orchestration/environments", headers=AUTH)
    assert_error(wrong, 405, "PATCH is not allowed on /orchestration/environments", allow="GET, POST")


def test_options_is_not_answered_for_flask_but_refused_with_the_published_methods(api):
    """No published operation takes OPTIONS: 405 with the path's published methods, on every Flask mocktmc
    supports (Flask 3.0 would otherwise answer 200 with the methods of every rule the path matches)."""
    refused = api.client.open("/processing/executions/plans", method="OPTIONS", headers=AUTH)
    assert refused.status_code == 405 and refused.json["status"] == 405
    assert refused.headers["Allow"] == "POST"
    assert "OPTIONS is not allowed on /processing/executions/plans" in refused.json["detail"]


def test_unbuilt_published_operation_is_501_with_its_name(unbuilt):
    api = unbuilt
    response = api.get("/tmc/v2.6/subscription")
    assert response.status_code == 501
    assert "subscriptionGet" in response.json["details"]
    # A method the path does not publish stays a 405, even next to an unbuilt one.
    assert_error(api.client.patch("/tmc/v2.6/subscription", headers=AUTH), 405,
                 "PATCH is not allowed on /tmc/v2.6/subscription", allow="GET")


def test_legacy_family_uses_the_v2_error_body(unbuilt):
    api = unbuilt
    response = api.get("/tmc/v2.6/subscription")
    assert response.status_code == 501
    assert {"status", "message", "code", "details", "requestId", "url"} == set(response.json)
    assert api.get("/tmc/v2.2/subscription").status_code == 501
    missing = api.get("/tmc/v2.2/executables/tasks/nope")
    assert missing.status_code == 404 and {"code", "details", "url"} <= set(missing.json)
    assert (missing.json["details"], missing.json["url"]) == ("Task nope not found", "/tmc/v2.2/executables/tasks/nope")
    assert_error(api.client.get("/tmc/v1.2/executables"), 401, "Missing Authorization header")


def test_unexpected_errors_are_a_tmc_500_without_a_trace(app, monkeypatch):
    from mocktmc.api.orchestration import environments

    def explode(_env):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(environments.FIELDS, "name", explode)
    response = app.test_client().get("/orchestration/environments?query=name==x", headers=AUTH)
    assert response.status_code == 500
    assert response.json["status"] == 500 and "secret internals" not in response.get_data(as_text=True)


def test_request_ids_are_unique(api):
    ids = {api.get("/nope").json["requestId"] for _ in range(5)}
    assert len(ids) == 5
