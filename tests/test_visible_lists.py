"""Lists show only what the caller may VIEW (issue 23): task and plan run lists, the Monitoring history search and
its CSV download, the schedule list, the scheduled-events search, and the legacy /tmc/ paths that delegate to
them. The world is the demo (this checkout's fixtures/default.yaml) with a task, a plan, their runs and a
schedule in the Personal workspace, which only the administrator may VIEW, and an unbound schedule in
Production; the operator (VIEW, EXECUTE) and the viewer (VIEW) hold the Sales workspaces."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from mocktmc import MockTMC

from .conftest import START
from .test_permissions import (
    ADMIN_PAT, DEMO, DEV_ENV, DEV_PERSONAL, DEV_SALES, OLIVIA, OPERATOR_PAT, PROD_ENV, PROD_SALES, VIEWER_PAT,
)

PRIVATE_TASK, PRIVATE_PLAN = "65f1a0c2e4b0a1b2c3d4c001", "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PRIVATE_SCHEDULE, PROD_UNBOUND_SCHEDULE = "65f1a0c2e4b0a1b2c3d4c201", "65f1a0c2e4b0a1b2c3d4c202"
RESTRICTED = (OPERATOR_PAT, VIEWER_PAT)
FAR_FUTURE_MS = 1893456000000  # 2030-01-01: the events search's window end


def _world_file(tmp_path: Path) -> str:
    world = yaml.safe_load(Path(DEMO).read_text(encoding="utf-8"))
    development = next(env for env in world["environments"] if env["id"] == DEV_ENV)
    production = next(env for env in world["environments"] if env["id"] == PROD_ENV)
    personal = next(ws for ws in development["workspaces"] if ws["id"] == DEV_PERSONAL)
    personal["artifacts"] = [{"id": "65f1a0c2e4b0a1b2c3d4c301", "name": "private_job",
                              "versions": ["0.1.0.20240105101500"]}]
    personal["tasks"] = [{"id": PRIVATE_TASK, "name": "Private sandbox", "artifact": "private_job",
                          "trigger": {"type": "DAILY", "interval": 1, "startDate": "2024-01-01", "timeZone": "UTC",
                                      "atTimes": {"type": "AT_TIME", "time": "03:00"}}}]
    personal["plans"] = [{"id": PRIVATE_PLAN, "name": "Private plan",
                          "steps": [{"name": "Only", "tasks": ["Private sandbox"]}]}]
    def weekly() -> dict:  # a new one each time: the fixture loader refuses YAML aliases
        return {"name": "weekly", "type": "WEEKLY", "interval": 1, "startDate": "2024-01-01", "timeZone": "UTC",
                "atDays": {"type": "DAY_OF_WEEK", "days": ["MONDAY"]}, "atTimes": {"type": "AT_TIME", "time": "05:00"}}
    development["schedules"].append({"id": PRIVATE_SCHEDULE, "description": "Private", "task": "Private sandbox",
                                     "triggers": [weekly()]})
    production.setdefault("schedules", []).append({"id": PROD_UNBOUND_SCHEDULE, "description": "Unbound",
                                                    "triggers": [weekly()]})
    world["history"]["runs"] += [{"task": "Private sandbox", "daysAgo": days, "at": "09:00"} for days in (30, 3)]
    world["history"]["runs"].append({"plan": "Private plan", "daysAgo": 7, "at": "09:30"})
    path = tmp_path / "visible.yaml"
    path.write_text(yaml.safe_dump(world), encoding="utf-8")
    return str(path)


@pytest.fixture
def mock(tmp_path: Path) -> MockTMC:
    return MockTMC(fixtures=_world_file(tmp_path), start=START, validate="all")


def _all_pages(client, path: str, limit: int = 7) -> tuple[int, list[dict]]:
    """Every item of a GET list, page by page: the total each page states, and the items."""
    first = client.get(path, params={"limit": limit}).json()
    items, offset = list(first["items"]), limit
    while offset < first["total"]:
        page = client.get(path, params={"limit": limit, "offset": offset}).json()
        assert page["total"] == first["total"]
        assert len(page["items"]) == min(limit, first["total"] - offset)  # full while more visible items exist
        items += page["items"]
        offset += limit
    assert len(items) == first["total"] == len({item.get("executionId", item.get("id")) for item in items})
    return first["total"], items


# --- task runs -------------------------------------------------------------------------------------

def test_task_run_lists_show_the_runs_of_viewable_workspaces(mock):
    total, runs = _all_pages(mock.client(ADMIN_PAT), "/processing/executables/tasks/executions")
    private = [r for r in runs if r["taskId"] == PRIVATE_TASK]
    assert len(private) >= 2
    for token in RESTRICTED:
        seen_total, seen = _all_pages(mock.client(token), "/processing/executables/tasks/executions")
        assert seen_total == total - len(private)
        assert PRIVATE_TASK not in {r["taskId"] for r in seen}
        assert {r["executionId"] for r in seen} == {r["executionId"] for r in runs} - {
            r["executionId"] for r in private}


def test_task_run_search_and_filters_show_only_viewable_runs(mock):
    admin, operator = mock.client(ADMIN_PAT), mock.client(OPERATOR_PAT)
    path = "/processing/executables/tasks/executions"
    everything = admin.post(path, json={"environmentId": DEV_ENV}).json()
    private = admin.post(path, json={"workspaceId": DEV_PERSONAL}).json()
    assert private["total"] >= 2 and {r["taskId"] for r in private["items"]} == {PRIVATE_TASK}
    searched = operator.post(path, json={"environmentId": DEV_ENV, "limit": 5}).json()
    assert searched["total"] == everything["total"] - private["total"] and len(searched["items"]) == 5
    # A workspace the caller may not VIEW: an empty list, as a list of "what the user is granted visibility
    # on" is (the table needs the role only for these lists), not a 403.
    for answer in (operator.post(path, json={"workspaceId": DEV_PERSONAL}),
                   operator.get(path, params={"workspaceId": DEV_PERSONAL})):
        assert answer.status_code == 200 and answer.json()["total"] == 0 and answer.json()["items"] == []
    by_status = operator.get(path, params={"status": "execution_successful"}).json()
    assert by_status["total"] == admin.get(path, params={"status": "execution_successful"}).json()["total"] - \
        sum(r["executionStatus"] == "EXECUTION_SUCCESS" for r in private["items"])
    sales = operator.get(path, params={"workspaceId": DEV_SALES}).json()
    assert sales["total"] == admin.get(path, params={"workspaceId": DEV_SALES}).json()["total"] > 0


def test_a_running_private_task_is_left_out_until_and_after_it_ends(mock):
    admin, viewer = mock.client(ADMIN_PAT), mock.client(VIEWER_PAT)
    path = "/processing/executables/tasks/executions"
    before = viewer.get(path).json()["total"]
    started = admin.post("/processing/executions", json={"executable": PRIVATE_TASK})
    assert started.status_code == 201
    assert started.json()["executionId"] in {r["executionId"] for r in admin.get(path).json()["items"]}
    assert viewer.get(path).json()["total"] == before
    assert started.json()["executionId"] not in {r["executionId"] for r in viewer.get(path).json()["items"]}


def test_one_tasks_runs_are_refused_where_the_caller_may_not_view(mock):
    answer = mock.client(VIEWER_PAT).get(f"/processing/executables/tasks/{PRIVATE_TASK}/executions")
    assert answer.status_code == 403
    assert f"listTaskExecutions: needs VIEW permission on workspace {DEV_PERSONAL}" in answer.json()["detail"]
    assert mock.client(ADMIN_PAT).get(f"/processing/executables/tasks/{PRIVATE_TASK}/executions").json()["total"] >= 2


# --- plan runs -------------------------------------------------------------------------------------

def test_plan_run_lists_show_the_runs_of_viewable_workspaces(mock):
    path = "/processing/executables/plans/executions"
    total, runs = _all_pages(mock.client(ADMIN_PAT), path, limit=2)
    private = [r for r in runs if r["planId"] == PRIVATE_PLAN]
    assert len(private) == 1
    for token in RESTRICTED:
        seen_total, seen = _all_pages(mock.client(token), path, limit=2)
        assert seen_total == total - 1 and PRIVATE_PLAN not in {r["planId"] for r in seen}
        assert mock.client(token).get(path, params={"workspaceId": DEV_PERSONAL}).json()["total"] == 0
    answer = mock.client(OPERATOR_PAT).get(f"/processing/executables/plans/{PRIVATE_PLAN}/executions")
    assert answer.status_code == 403
    assert f"listPlanExecutions: needs VIEW permission on workspace {DEV_PERSONAL}" in answer.json()["detail"]
    assert mock.client(ADMIN_PAT).get(f"/processing/executables/plans/{PRIVATE_PLAN}/executions").json()["total"] == 1


# --- Monitoring history ----------------------------------------------------------------------------

def _history(client, **extra) -> list[dict]:
    answer = client.post("/monitoring/observability/executions/search",
                         json={"environmentId": DEV_ENV, "category": "ETL", "limit": 200, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_the_history_search_and_download_show_viewable_workspaces_only(mock):
    everything = _history(mock.client(ADMIN_PAT), exclude="TASK_EXECUTIONS_TRIGGERED_BY_PLAN")
    assert {r["workspaceId"] for r in everything} == {DEV_SALES, DEV_PERSONAL}
    private = [r for r in everything if r["workspaceId"] == DEV_PERSONAL]
    assert {r["type"] for r in private} >= {"PLAN"}  # the private plan run is a record too
    for token in RESTRICTED:
        seen = _history(mock.client(token), exclude="TASK_EXECUTIONS_TRIGGERED_BY_PLAN")
        assert {r["id"] for r in seen} == {r["id"] for r in everything} - {r["id"] for r in private}
        def page(offset: int) -> dict:
            return mock.client(token).post("/monitoring/observability/executions/search", json={
                "environmentId": DEV_ENV, "category": "ETL", "limit": 50, "offset": offset}).json()
        # a page is full, and says a next one exists, while more visible records exist
        assert len(page(len(seen) - 51)["items"]) == 50 and page(len(seen) - 51)["nextPageExists"] is True
        assert len(page(len(seen) - 50)["items"]) == 50 and page(len(seen) - 50)["nextPageExists"] is False
        download = mock.client(token).post("/monitoring/observability/executions/download",
                                           json={"environmentId": DEV_ENV, "category": "ETL", "limit": 100000})
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert rows and DEV_PERSONAL not in {row["workspaceId"] for row in rows}
    admin_rows = list(csv.DictReader(io.StringIO(mock.client(ADMIN_PAT).post(
        "/monitoring/observability/executions/download",
        json={"environmentId": DEV_ENV, "category": "ETL", "limit": 100000}).text)))
    assert DEV_PERSONAL in {row["workspaceId"] for row in admin_rows}


def test_the_history_of_an_environment_the_caller_cannot_view_is_refused(mock):
    mock.permissions.revoke(VIEWER_PAT, workspace=PROD_SALES)
    answer = mock.client(VIEWER_PAT).post("/monitoring/observability/executions/search",
                                          json={"environmentId": PROD_ENV, "category": "ETL"})
    assert answer.status_code == 403
    assert (f"postMonitoringObservabilityExecutionsSearch: needs VIEW permission on at least one workspace of "
            f"environment {PROD_ENV}") in answer.json()["detail"]


# --- schedules -------------------------------------------------------------------------------------

def test_the_schedule_list_shows_what_the_published_text_says(mock):
    everything = {s["id"] for s in mock.client(ADMIN_PAT).get("/orchestration/schedules").json()["items"]}
    assert {PRIVATE_SCHEDULE, PROD_UNBOUND_SCHEDULE} <= everything
    for token in RESTRICTED:
        listed = mock.client(token).get("/orchestration/schedules").json()
        # bound to a task of a workspace it may not VIEW: left out; unbound in an environment where it may
        # VIEW a workspace: shown
        assert {s["id"] for s in listed["items"]} == everything - {PRIVATE_SCHEDULE}
        assert listed["total"] == len(everything) - 1
        paged = mock.client(token).get("/orchestration/schedules", params={"limit": 1, "offset": 1}).json()
        assert paged["total"] == listed["total"] and len(paged["items"]) == 1
    mock.permissions.revoke(VIEWER_PAT, workspace=PROD_SALES)
    listed = mock.client(VIEWER_PAT).get("/orchestration/schedules").json()
    assert PROD_UNBOUND_SCHEDULE not in {s["id"] for s in listed["items"]}
    assert listed["total"] == len(everything) - 2


# --- scheduled events ------------------------------------------------------------------------------

def _events(client, **extra) -> dict:
    answer = client.post("/orchestration/executables/events/search",
                         json={"environmentId": DEV_ENV, "to": FAR_FUTURE_MS, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_scheduled_events_search_shows_viewable_workspaces_only(mock):
    admin = _events(mock.client(ADMIN_PAT))
    private = _events(mock.client(ADMIN_PAT), workspaceIds=[DEV_PERSONAL])
    assert private["total"] > 0
    for token in RESTRICTED:
        seen = _events(mock.client(token), limit=100)
        assert seen["total"] == admin["total"] - private["total"] and len(seen["items"]) == 100
        assert PRIVATE_TASK not in {e.get("executableId") for e in seen["items"]}
        # naming only a workspace it may not VIEW finds nothing (not every workspace of the environment)
        assert _events(mock.client(token), workspaceIds=[DEV_PERSONAL])["total"] == 0


# --- the legacy paths delegate, so they are cut down the same way ----------------------------------

@pytest.mark.parametrize("path", ["/tmc/v2.6/executables/tasks/executions", "/tmc/v2.6/executables/plans/executions",
                                  "/tmc/v2.6/schedules"])
def test_legacy_lists_are_cut_down_too(mock, path):
    admin = mock.client(ADMIN_PAT).get(path)
    viewer = mock.client(VIEWER_PAT).get(path)
    assert admin.status_code == viewer.status_code == 200, (admin.text, viewer.text)
    text_admin, text_viewer = admin.text, viewer.text
    hidden = PRIVATE_SCHEDULE if path.endswith("schedules") else \
        PRIVATE_PLAN if "plans" in path else PRIVATE_TASK
    assert hidden in text_admin and hidden not in text_viewer


def test_legacy_events_search_is_cut_down_too(mock):
    body = {"environmentId": DEV_ENV, "to": FAR_FUTURE_MS, "workspaceIds": [DEV_PERSONAL]}
    admin = mock.client(ADMIN_PAT).post("/tmc/v2.6/executables/events/search", json=body)
    viewer = mock.client(VIEWER_PAT).post("/tmc/v2.6/executables/events/search", json=body)
    assert admin.status_code == viewer.status_code == 200
    assert PRIVATE_TASK in admin.text and PRIVATE_TASK not in viewer.text


# --- promotions and projects -----------------------------------------------------------------------

DEMO_PROMOTION, SALES_PROJECT = "65f1a0c2e4b0a1b2c3d43001", "65f1a0c2e4b0a1b2c3d4b001"


@pytest.mark.parametrize("path", ["/orchestration/executables/promotions", "/tmc/v2.6/executables/promotions",
                                  "/tmc/v1.2/executables/promotions"])
def test_a_promotion_shows_to_whom_sees_both_its_environments(mock, path):
    assert DEMO_PROMOTION in {p["executable"] for p in mock.client(ADMIN_PAT).get(path).json()}
    for token in RESTRICTED:
        mock.permissions.grant(token, roles=["TMC_PROMOTION_EXECUTION"])
        # Development to Production: both environments hold a Sales workspace it may VIEW
        assert DEMO_PROMOTION in {p["executable"] for p in mock.client(token).get(path).json()}
    mock.permissions.revoke(VIEWER_PAT, workspace=PROD_SALES)
    assert mock.client(VIEWER_PAT).get(path).json() == []
    assert DEMO_PROMOTION in {p["executable"] for p in mock.client(OPERATOR_PAT).get(path).json()}


@pytest.mark.parametrize("path", ["/orchestration/projects", "/tmc/v2.6/projects"])
def test_a_project_shows_to_whom_it_is_shared_with(mock, path):
    def listed(token: str) -> tuple[int, set[str]]:
        answer = mock.client(token).get(path)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body["items"] if isinstance(body, dict) else body
        assert not isinstance(body, dict) or body["total"] == len(items)
        return len(items), {p["id"] for p in items}

    assert SALES_PROJECT in listed(ADMIN_PAT)[1]
    for token in RESTRICTED:  # neither olivia nor victor is among the project's users
        assert listed(token) == (0, set())
    created = mock.client(ADMIN_PAT).put(f"/orchestration/projects/{SALES_PROJECT}/users/{OLIVIA}")
    assert created.status_code in (200, 201, 204), created.text
    assert listed(OPERATOR_PAT) == (1, {SALES_PROJECT}) and listed(VIEWER_PAT) == (0, set())
    mock.permissions.grant(VIEWER_PAT, roles=["TMC_ENVIRONMENT_MANAGEMENT"])  # sees every one, as workspaces
    assert listed(VIEWER_PAT) == listed(ADMIN_PAT)
