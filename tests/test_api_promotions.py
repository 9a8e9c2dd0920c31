"""Promotion definitions: list with FIQL, create with its 409, describe, delete, assignments."""
import pytest

from .conftest import ALICE, DEV_ENV, PROD_ENV, SERVICE_ACCOUNT

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
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("body, status", [
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": PROD_ENV}, 409),
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": DEV_ENV}, 400),
    ({"sourceEnvironmentId": DEV_ENV, "targetEnvironmentId": "nope"}, 404),
    ({"sourceEnvironmentId": DEV_ENV}, 400),
])
def test_bad_creations(api, body, status):
    assert api.post("/orchestration/executables/promotions", json=body).status_code == status
    assert len(api.get("/orchestration/executables/promotions").json) == 1


def test_patch_needs_a_description_and_a_promotion(api):
    path = f"/orchestration/executables/promotions/{DEV_TO_PROD}"
    assert api.client.patch(path, headers=api.headers, json={}).status_code == 400
    assert api.client.patch("/orchestration/executables/promotions/nope", headers=api.headers,
                            json={"description": "x"}).status_code == 404


def test_users_and_service_accounts(api):
    base = f"/orchestration/executables/promotions/{DEV_TO_PROD}"
    assert api.get(base + "/users").json == {"executable": DEV_TO_PROD, "userIds": [], "serviceAccountIds": []}
    assert put(api, f"{base}/users/{BOB}").status_code == 204
    assert put(api, f"{base}/users/{BOB}").status_code == 409
    assert put(api, f"{base}/users/nobody").status_code == 404
    assert put(api, f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204
    assert put(api, f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204  # idempotent
    assert api.get(base + "/users").json == {"executable": DEV_TO_PROD, "userIds": [BOB],
                                             "serviceAccountIds": [SERVICE_ACCOUNT]}
    assert api.delete(f"{base}/users/{ALICE}").status_code == 404  # not assigned
    assert api.delete(f"{base}/users/{BOB}").status_code == 204
    assert api.delete(f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 204
    assert api.delete(f"{base}/service-accounts/{SERVICE_ACCOUNT}").status_code == 404
    assert api.get("/orchestration/executables/promotions/nope/users").status_code == 404


def test_an_environment_loses_its_promotion_guard_once_the_promotion_is_gone(api):
    assert api.delete(f"/orchestration/environments/{PROD_ENV}").status_code == 400
    assert api.delete(f"/orchestration/executables/promotions/{DEV_TO_PROD}").status_code == 204
    assert api.delete(f"/orchestration/environments/{PROD_ENV}").status_code == 204
