"""Projects: PAT-only access, CRUD, clamped paging, user and group authorizations."""
import base64

import pytest

from .conftest import ALICE, Api, SERVICE_ACCOUNT, SERVICE_SECRET
from .errors import assert_error

BODY = {"name": "Sales jobs", "owner": "Alice Martin", "url": "https://git.example/sales.git",
        "description": "Studio project"}


def create(api, **change):
    return api.post("/orchestration/projects", json={**BODY, **change})


def test_create_get_update_delete(api):
    response = create(api)
    assert response.status_code == 201
    project = response.json
    assert (project["technicalLabel"], project["repoType"], project["projectType"]) == ("SALES_JOBS", "GIT", "DI")
    assert project["author"] == "alice@demo.mocktmc.local"
    path = f"/orchestration/projects/{project['id']}"
    assert api.get(path).json == project
    updated = api.client.put(path, headers=api.headers, json={"url": "svn://svn.example/sales"})
    assert updated.status_code == 200 and updated.json["repoType"] == "SVN"
    assert updated.json["name"] == "Sales jobs" and updated.json["description"] == "Studio project"
    assert api.delete(path).status_code == 204
    assert_error(api.get(path), 404, f"Project {project['id']} not found")
    assert_error(api.delete(path), 404, f"Project {project['id']} not found")


@pytest.mark.parametrize("change, status, says", [
    ({"name": "sales JOBS"}, 409, "A project named 'sales JOBS' exists"),
    ({"url": ""}, 400, "Missing required field: 'url'"),
    ({"owner": None}, 400, "'owner' is a required property"),
])
def test_bad_creations(api, change, status, says):
    create(api)
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    assert_error(api.post("/orchestration/projects", json=body), status, says)
    assert api.get("/orchestration/projects").json["total"] == 1


def test_list_filters_and_clamps_paging(api):
    for name in ("Alpha", "Beta", "Gamma"):
        create(api, name=name)
    assert api.get("/orchestration/projects", query_string={"projectName": "a"}).json["total"] == 3
    assert api.get("/orchestration/projects", query_string={"projectName": "alp"}).json["total"] == 1
    clamped = api.get("/orchestration/projects", query_string={"limit": 0, "offset": -5}).json
    assert (clamped["limit"], clamped["offset"], len(clamped["items"])) == (1, 0, 1)
    assert api.get("/orchestration/projects", query_string={"limit": 1000}).json["limit"] == 100
    assert_error(api.get("/orchestration/projects", query_string={"limit": "many"}),
                 400, "Query parameter 'limit' must be an integer, got 'many'")


def test_user_and_group_authorizations(api):
    path = f"/orchestration/projects/{create(api).json['id']}"
    put = lambda p: api.client.put(p, headers=api.headers)  # noqa: E731
    assert put(f"{path}/users/{ALICE}").status_code == 204
    assert_error(put(f"{path}/users/{ALICE}"), 409, f"User {ALICE} is already assigned")
    assert_error(put(f"{path}/users/nobody"), 404, "User nobody not found")
    assert put(f"{path}/groups/data-team").status_code == 204
    assert_error(put(f"{path}/groups/data-team"), 409, "Group data-team is already assigned")
    assert api.get(f"{path}/users").json["userIds"] == [ALICE]
    assert api.get(f"{path}/groups").json["groupIds"] == ["data-team"]
    assert api.delete(f"{path}/groups/data-team").status_code == 204
    assert_error(api.delete(f"{path}/groups/data-team"), 404, "Group data-team is not assigned")
    assert api.delete(f"{path}/users/{ALICE}").status_code == 204
    assert_error(api.get("/orchestration/projects/nope/users"), 404, "Project nope not found")


def test_service_account_tokens_are_refused(api):
    credentials = base64.b64encode(f"{SERVICE_ACCOUNT}:{SERVICE_SECRET}".encode()).decode()
    token = api.client.post("/security/oauth/token", headers={"Authorization": f"Basic {credentials}"},
                            json={"grant_type": "client_credentials", "audience": "x"}).json["access_token"]
    service = Api(api.app, {"Authorization": f"Bearer {token}"})
    response = service.get("/orchestration/projects")
    assert response.status_code == 403 and "personal access tokens" in response.json["detail"]
    assert_error(service.post("/orchestration/projects", json=BODY),
                 403, "Only personal access tokens are supported on the projects endpoints")
    assert api.get("/orchestration/projects").json["total"] == 0
