"""Promotion definitions: list with FIQL, create with its 409, describe, delete, assignments."""
import pytest

from .conftest import ALICE, DEV_ENV, PROD_ENV, SERVICE_ACCOUNT
from .errors import assert_error

DEV_TO_PROD = "65f1a0c2e4b0a1b2c3d43001"
BOB = "65f1a0c2e4b0a1b2c3d4e5f7"


def put(api, path):
    return api.client.put(path, headers=api.headers)


def test_list_is_a_bare_array_with_fiql(api):
    body = api.get("/orchestration/executables/promotions").json
    assert isinstance(body, list) and body[0]["executable"] == DEV_TO_PROD
    assert body[0]["sourceEnvironment"]["id"] == DEV_ENV and body[0]["targetEnvironment"]["id"] == PROD_ENV
    for param in ("_s", "query"):
        assert len(api.get("/orchestration/executables/promotions",
                           query_string={param: "name==dev*"}).json) == 0  # FIQL is case-sensitive
        assert len(api.get("/orchestration/executables/promotions",
                           query_string={param: "targetEnvironment.name==Production"}).json) == 1


def test_create_get_describe_delete(api):
    response = api.post("/orchestration/executables/promotions",
                        json={"sourceEnvironmentId": PROD_ENV, "targetEnvironmentId": DEV_ENV, "description": "back"})
    assert response.status_code == 201
    created = response.json
    assert created["name"] == "Production to Development" and created["description"] == "back"
    path = f"/orchestration/executables/promotions/{created['executable']}"
    assert api.client.patch(path, headers=api.headers, json={"description": ""}).status_code == 204
    assert api.get(path).json["description"] == ""
    assert api.delete(path).status_code == 204
    assert_error(api.get(path), 404, f"Promotion {created['executable']} not found")


@pytest.mark.parametrize("body, status, says", [
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": PROD_ENV}, 409,
     "Promotion with same source and target already exists"),
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": DEV_ENV}, 400,
     "The source and target environments must differ"),
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": "nope"}, 404, "Environment nope is not present"),
    ({"sourceEnvironmentId": DEV_ENV}, 400, "'targetEnvironmentId' is a required property"),
])
def test_bad_creations(api, body, status, says):
    assert_error(api.post("/orchestration/executables/promotions", json=body), status, says)
    assert len(api.get("/orchestration/executables/promotions").json) == 1


def test_patch_needs_a_description_and_a_promotion(api):
    path = f"/orchestration/executables/promotions/{DEV_TO_PROD}"
    assert_error(api.client.patch(path, headers=api.headers, json={}), 400, "'description' is a required property")
    assert_error(api.client.patch("/orchestration/executables/promotions/nope", headers=api.headers,
                                  json={"description": "x"}),
                 404, "Promotion nope not found")


def test_users_and_service_accounts(api):
    base = f"/orchestration/executables/promotions/{DEV_TO_PROD}"
    assert api.get(base + "/users").json == {"executable": DEV_TO_PROD, "userIds": [], "serviceAccountIds": []}
    assert put(api, f"{base}/users/{BOB}").status_code == 204
    assert_error(put(api, f"{base}/users/{BOB}"), 409, f"User {BOB} is already assigned")
    assert_error(put(api, f"{base}/users/nobody"), 404, "User nobody not found")
    assert put(api, f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204
    assert put(api, f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204  # idempotent
    assert api.get(base + "/users").json == {"executable": DEV_TO_PROD, "userIds": [BOB],
                                             "serviceAccountIds": [SERVICE_ACCOUNT]}
    assert_error(api.delete(f"{base}/users/{ALICE}"), 404, f"User {ALICE} is not assigned")
    assert api.delete(f"{base}/users/{BOB}").status_code == 204
    assert api.delete(f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204
    assert_error(api.delete(f"{base}/service-accounts/{SERVICE_ACCOUNT}"),
                 404, f"Service account {SERVICE_ACCOUNT} is not assigned")
    assert_error(api.get("/orchestration/executables/promotions/nope/users"), 404, "Promotion nope not found")


def test_an_environment_loses_its_promotion_guard_once_the_promotion_is_gone(api):
    assert_error(api.delete(f"/orchestration/environments/{PROD_ENV}"),
                 400, "Cannot delete environment: it is used in promotion(s) Development to Production")
    assert api.delete(f"/orchestration/executables/promotions/{DEV_TO_PROD}").status_code == 204
    assert api.delete(f"/orchestration/environments/{PROD_ENV}").status_code == 204
