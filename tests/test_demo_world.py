"""The demo world (fixtures/default.yaml): one of every kind of object the API lists, and 60 days of history,
so that a client pointed at `make run` finds data everywhere from the first request. The mock checks its own
answers against the contracts here (validate="all")."""
from __future__ import annotations

import base64
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from mocktmc import MockTMC
from mocktmc.domain.common.timeutil import parse_iso

from .conftest import START

README = Path(__file__).resolve().parent.parent / "README.md"
DEMO_FILE = README.parent / "fixtures" / "default.yaml"  # this checkout's, which the package bundles
DEV_ENV = "65f1a0c2e4b0a1b2c3d40001"
ENGINE, CLUSTER, PIPELINE_ENGINE = "65f1a0c2e4b0a1b2c3d45001", "65f1a0c2e4b0a1b2c3d47001", "65f1a0c2e4b0a1b2c3d48001"


@pytest.fixture(scope="module")
def demo():
    mock = MockTMC(fixtures=str(DEMO_FILE), validate="all", start=START)
    return mock, mock.client()


def items(answer):
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body if isinstance(body, list) else body.get("items", body.get("data"))


@pytest.mark.parametrize("path", [
    "/orchestration/environments", "/orchestration/workspaces", "/orchestration/artifacts",
    "/orchestration/connections", "/orchestration/executables/tasks", "/orchestration/executables/plans",
    "/orchestration/executables/promotions", "/orchestration/projects", "/orchestration/resources",
    "/orchestration/schedules", "/processing/runtimes/remote-engines", "/processing/runtimes/remote-engine-clusters",
    "/processing/runtimes/pipeline-engines", f"/processing/runtimes/remote-engines/{ENGINE}/run-profiles",
    f"/processing/runtimes/remote-engine-clusters/{CLUSTER}/run-profiles",
    f"/processing/runtimes/pipeline-engines/{PIPELINE_ENGINE}/run-profiles",
    "/processing/executables/tasks/executions", "/processing/executables/plans/executions",
])
def test_every_list_has_something_to_show(demo, path):
    _, session = demo
    assert items(session.get(path)), f"{path} lists nothing in the demo world"


def test_each_kind_of_run_profile_and_the_generic_search(demo):
    _, session = demo
    typed = items(session.get(f"/processing/runtimes/pipeline-engines/{PIPELINE_ENGINE}/run-profiles"))
    assert sorted(p["type"] for p in typed) == ["advanced", "big-data", "data-integration", "databricks", "standard"]
    for profile in typed:
        one = session.get(f"/processing/runtimes/pipeline-engines/{PIPELINE_ENGINE}/run-profiles/{profile['type']}/"
                          f"{profile['id']}")
        assert one.status_code == 200 and one.json()["name"] == profile["name"]
    found = session.post("/processing/run-profiles/search", json={"offset": 0, "limit": 100})
    assert {p["name"] for p in items(found)} >= {"jobs-large", "cluster-jobs"}


def test_the_cluster_holds_two_engines_and_the_schedules_serve_a_task_and_a_plan(demo):
    _, session = demo
    cluster = session.get(f"/processing/runtimes/remote-engine-clusters/{CLUSTER}").json()
    assert len(cluster["engines"]) == 2 and cluster["availability"] == "AVAILABLE"
    schedules = items(session.get("/orchestration/schedules"))
    served = {s["executableType"] for s in schedules if s.get("executableType")}
    assert served == {"TASK", "PLAN"}, schedules


def test_a_project_with_users_and_groups_and_a_resource_with_a_file(demo):
    mock, session = demo
    project = items(session.get("/orchestration/projects"))[0]
    users = session.get(f"/orchestration/projects/{project['id']}/users").json()
    groups = session.get(f"/orchestration/projects/{project['id']}/groups").json()
    assert len(users["userIds"]) == 2 and groups["groupIds"] == ["sales-engineers"]
    resource = items(session.get("/orchestration/resources"))[0]
    assert resource["name"] == "country-codes.csv"
    one = session.get(f"/orchestration/resources/{resource['id']}")
    assert one.status_code == 200 and one.json()["workspaceInfo"]["name"] == "Sales"
    (held,) = [r for r in mock.snapshot()["resources"].values() if r["name"] == "country-codes.csv"]
    # (bytes are written as URL-safe base64) no published operation reads it
    assert base64.urlsafe_b64decode(held["content"]).startswith(b"code,name")


def test_sixty_days_of_history_with_every_outcome(demo):
    mock, session = demo
    runs, offset = [], 0
    while True:
        page = session.get("/processing/executables/tasks/executions",
                           params={"limit": 100, "offset": offset}).json()
        runs += page["items"]
        offset += 100
        if offset >= page["total"]:
            break
    triggered = [parse_iso(run["triggerTimestamp"]) for run in runs]
    assert min(triggered) < START - timedelta(days=55) and max(triggered) < START
    outcomes = Counter(run["executionStatus"] for run in runs)
    assert {"EXECUTION_SUCCESS", "EXECUTION_FAILED", "EXECUTION_REJECTED", "EXECUTION_TERMINATED"} <= set(outcomes)
    assert any(run.get("misfiredExecutionReason") == "PARALLEL_EXECUTION_FORBIDDEN" for run in runs)
    assert {run["executionType"] for run in runs} >= {"MANUAL", "SCHEDULED", "PLAN"}
    plan_executions = items(session.get("/processing/executables/plans/executions"))
    failed = [p for p in plan_executions if p["executionStatus"] == "EXECUTION_FAILED"]
    assert failed and any(p["executionStatus"] == "EXECUTION_SUCCESS" for p in plan_executions)
    steps = items(session.get(f"/processing/executions/plans/{failed[0]['executionId']}/steps"))
    handler = session.get(f"/processing/executions/plans/{failed[0]['executionId']}/steps/{steps[0]['id']}"
                          "/error-handler")
    assert handler.status_code == 200, handler.text  # its error handler ran
    (promotion_execution,) = mock.snapshot()["promotion_executions"]  # no published operation lists promotion runs
    promoted = session.get(f"/processing/executions/promotions/{promotion_execution}").json()
    assert promoted["status"] == "PROMOTED", promoted


def test_history_search_metrics_and_logs_have_data_from_the_start(demo):
    _, session = demo
    found = session.post("/monitoring/observability/executions/search",
                         json={"environmentId": DEV_ENV, "category": "ETL", "limit": 50}).json()
    assert found["items"] and {item["status"] for item in found["items"]} >= {"EXECUTION_SUCCESS"}
    a_run = found["items"][0]["id"]
    assert items(session.get(f"/monitoring/executions/{a_run}/logs"))
    metrics = session.get(f"/monitoring/observability/executions/{a_run}/component")
    assert metrics.status_code == 200 and metrics.json()["metrics"]["items"]


def test_the_readme_table_names_what_the_demo_world_holds(demo):
    mock, session = demo
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## The demo world"):text.index("\n## ", text.index("\n## The demo world") + 1)]
    named = set(re.findall(r"`([0-9a-f]{24}|[0-9a-f-]{36})`", section))
    assert len(named) >= 20
    state = mock.snapshot()
    held = set(re.findall(r"[0-9a-f]{24}|[0-9a-f]{8}-[0-9a-f-]{27}", str(state)))
    assert named <= held, sorted(named - held)
