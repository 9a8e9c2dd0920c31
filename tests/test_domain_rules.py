"""The domain's own rules that say again what the contracts say, tested where they are all that stands
between a request and the world: with validation off (or no HTTP at all).

With validation on the contract answers first, so none of these rules is reached; they stay, because the
mock must not take a body that corrupts its state when validation is off. Each case names the rule the
400 must name, and a witness: a GET whose answer the refused request must leave as it was.
"""
from __future__ import annotations

import pytest

from mocktmc.domain.model.definitions import Principal
from mocktmc.domain.definitions.projects import create_project
from mocktmc.domain.fixtures import build_world, load_fixture
from mocktmc.domain.executables.tasks import configure_de_run
from mocktmc.domain.runtimes.clusters import add_engine, create_cluster
from mocktmc.errors import BadRequest

from .conftest import BASE_WORLD, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, START, Api, make_app

ENGINE = "65f1a0c2e4b0a1b2c3d45001"  # onprem-re-1 in tests/worlds/base.yaml
TASK = f"/orchestration/executables/tasks/{LOAD_CUSTOMERS}"
RUN_CONFIG = f"{TASK}/run-config"
MANUAL = {"type": "MANUAL", "startDate": "2024-03-01", "timeZone": "UTC"}
DAILY = {"type": "DAILY", "startDate": "2024-03-01", "timeZone": "UTC", "atTimes": {"type": "AT_TIME", "time": "06:00"}}
STEP = {"name": "first", "condition": "ALL_SUCCEEDED", "taskIds": [LOAD_CUSTOMERS]}
CONNECTION = {"name": "warehouse", "workspaceId": DEV_SALES_WS, "app": "PostgreSQL"}
PLAN = {"name": "p", "workspaceId": DEV_SALES_WS}
SCHEDULES = "/orchestration/schedules"
HISTORY = "/monitoring/observability/executions/search"
METRICS = "/monitoring/observability/metrics/component"
WINDOW = {"environmentId": DEV_ENV, "startTime": "2024-02-29T00:00:00Z", "endTime": "2024-03-01T00:00:00Z"}


def run_config(**fields) -> dict:
    return {"trigger": MANUAL, "runtime": {"type": "CLOUD"}, **fields}


# (id, method, path, body, what the 400's detail starts with, witness GET or None)
CASES = [
    # run-config: tasks.configure_run, the rule whose deletion once survived the whole suite
    ("run-config timeout", "PUT", RUN_CONFIG, run_config(timeout=0), "timeout must be at least 1 minute, got 0",
     RUN_CONFIG),
    ("run-config logLevel", "PUT", RUN_CONFIG, run_config(logLevel="LOUD"), "logLevel must be one of", RUN_CONFIG),
    ("run-config deploymentStrategy", "PUT", RUN_CONFIG, run_config(deploymentStrategy="ALL_AT_ONCE"),
     "deploymentStrategy must be ROLLING or PARALLEL", RUN_CONFIG),
    ("run-config runtime.type", "PUT", RUN_CONFIG, run_config(runtime={"type": "MOON"}), "runtime.type must be one of",
     RUN_CONFIG),
    # triggers.check_trigger, through the run-config
    ("trigger.type", "PUT", RUN_CONFIG, run_config(trigger={**MANUAL, "type": "SOMETIMES"}), "trigger.type:",
     RUN_CONFIG),
    ("trigger.webhook.name", "PUT", RUN_CONFIG, run_config(trigger={**MANUAL, "type": "WEBHOOK", "webhook": {}}),
     "trigger.webhook:", RUN_CONFIG),
    ("trigger.atTimes.type", "PUT", RUN_CONFIG, run_config(trigger={**DAILY, "atTimes": {"type": "AT_NOON"}}),
     "trigger.atTimes.type:", RUN_CONFIG),
    ("trigger.atDays.days", "PUT", RUN_CONFIG,
     run_config(trigger={**DAILY, "type": "WEEKLY", "atDays": {"type": "DAY_OF_WEEK", "days": ["FUNDAY"]}}),
     "trigger.atDays:", RUN_CONFIG),
    # a run: task_executions
    ("run timeout", "POST", "/processing/executions", {"executable": LOAD_CUSTOMERS, "timeout": 0},
     "timeout must be at least 1 minute, got 0", f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"),
    ("run logLevel", "POST", "/processing/executions", {"executable": LOAD_CUSTOMERS, "logLevel": "LOUD"},
     "logLevel must be one of", f"/processing/executables/tasks/{LOAD_CUSTOMERS}/executions"),
    # plans._steps
    ("plan step taskIds", "POST", "/orchestration/executables/plans",
     {**PLAN, "steps": [{**STEP, "taskIds": LOAD_CUSTOMERS}]}, "steps[0].taskIds must be an array of ids",
     "/orchestration/executables/plans"),
    ("plan step name", "POST", "/orchestration/executables/plans",
     {**PLAN, "steps": [{k: v for k, v in STEP.items() if k != "name"}]}, "steps[0].name is required",
     "/orchestration/executables/plans"),
    ("plan step condition", "POST", "/orchestration/executables/plans",
     {**PLAN, "steps": [{**STEP, "condition": "SOMETIMES"}]}, "steps[0].condition must be one of",
     "/orchestration/executables/plans"),
    ("plan step handlerOnFailure", "POST", "/orchestration/executables/plans",
     {**PLAN, "steps": [{**STEP, "handlerOnFailure": "retry"}]}, "steps[0].handlerOnFailure must be an object",
     "/orchestration/executables/plans"),
    # connections.parse_parameters
    ("connection parameter name", "POST", "/orchestration/connections",
     {**CONNECTION, "parameters": [{"value": "db"}]}, "Each connection parameter needs a 'name'",
     "/orchestration/connections"),
    ("connection parameter value", "POST", "/orchestration/connections",
     {**CONNECTION, "parameters": [{"name": "port", "value": 5432}]}, "Connection parameter 'port': value must be",
     "/orchestration/connections"),
    # environments._containers, projects.create_project
    ("environment maxCloudContainers", "POST", "/orchestration/environments",
     {"name": "qa", "workspaceName": "Sales", "maxCloudContainers": -1}, "maxCloudContainers must be >= 0",
     "/orchestration/environments"),
    ("project name", "POST", "/orchestration/projects", {"name": " ", "owner": "alice", "url": "https://git/x"},
     "A project needs a name, an owner and a url", "/orchestration/projects"),
    # schedules._trigger
    ("schedule trigger.name", "POST", SCHEDULES, {"environmentId": DEV_ENV, "trigger": {"type": "DAILY"}},
     "trigger.name is required", SCHEDULES),
    ("schedule trigger.type", "POST", SCHEDULES,
     {"environmentId": DEV_ENV, "trigger": {"name": "t", "type": "WEBHOOK"}}, "trigger.type must be one of ONCE",
     SCHEDULES),
    # clusters.create_cluster, run_profiles
    ("cluster remoteEngines", "POST", "/processing/runtimes/remote-engine-clusters",
     {"name": "c", "workspaceId": DEV_SALES_WS, "environmentId": DEV_ENV, "description": "d", "remoteEngines": [5]},
     "remoteEngines must be engine ids (strings)", "/processing/runtimes/remote-engine-clusters"),
    ("run profile jvmArguments", "POST", f"/processing/runtimes/remote-engines/{ENGINE}/run-profiles",
     {"name": "rp", "type": "JOB_SERVER", "runtimeId": "x", "jvmArguments": "-Xmx1g"},
     "Field 'jvmArguments' must be an array of strings", f"/processing/runtimes/remote-engines/{ENGINE}/run-profiles"),
    ("run profile type", "POST", f"/processing/runtimes/remote-engines/{ENGINE}/run-profiles",
     {"name": "rp", "type": "BATCH", "runtimeId": "x", "jvmArguments": []}, "type must be one of",
     f"/processing/runtimes/remote-engines/{ENGINE}/run-profiles"),
    # the monitoring searches: history_search, component_metrics
    ("history category", "POST", HISTORY, {"environmentId": DEV_ENV, "category": "ALL"}, "category must be ETL or ESB",
     None),
    ("history filter operator missing", "POST", HISTORY,
     {"environmentId": DEV_ENV, "category": "ETL", "filters": [{"field": "status", "value": ["FAILED"]}]},
     "filters[0]: a filter needs field, operator and value", None),
    ("history filter field", "POST", HISTORY,
     {"environmentId": DEV_ENV, "category": "ETL", "filters": [{"field": "colour", "operator": "in", "value": []}]},
     "filters[0].field: must be one of", None),
    ("history filter operator", "POST", HISTORY,
     {"environmentId": DEV_ENV, "category": "ETL", "filters": [{"field": "status", "operator": "near", "value": 1}]},
     "filters[0].operator: unknown operator", None),
    ("metrics sortBy", "POST", METRICS, {**WINDOW, "sortBy": "colour"}, "sortBy must be one of", None),
    ("metrics filter operator", "POST", METRICS, {**WINDOW, "filters": [{"field": "task_id", "value": "x"}]},
     "filters[0]: needs field, operator", None),
]


@pytest.fixture
def unchecked():
    return Api(make_app(validate="off"))


@pytest.mark.parametrize("method, path, body, detail, witness", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_without_validation_the_domain_names_the_rule_and_changes_nothing(unchecked, method, path, body, detail,
                                                                         witness):
    def seen() -> tuple[int, object] | None:
        if witness is None:
            return None
        answer = unchecked.get(witness)
        # An error answer carries a new requestId each time; the rest must not change.
        return answer.status_code, ({k: v for k, v in answer.json.items() if k != "requestId"}
                                    if isinstance(answer.json, dict) else answer.json)

    before = seen()
    response = unchecked.client.open(path, method=method, headers=unchecked.headers, json=body)
    assert response.status_code == 400, response.json
    assert response.json["detail"].startswith(detail), response.json["detail"]
    assert seen() == before


@pytest.fixture
def world():
    return build_world(load_fixture(BASE_WORLD), "acct", START, seed=1)


def test_a_project_needs_its_three_fields_whoever_calls(world):
    # The handler's required fields answer first over HTTP; a direct caller meets the domain's rule.
    with pytest.raises(BadRequest, match="A project needs a name, an owner and a url"):
        create_project(world, START, Principal("alice", "HUMAN"), name="p", owner="", url="https://git/p")
    assert not world.projects


def test_an_engine_joins_a_cluster_only_by_a_published_method(world):
    # The handler's choice of methods answers first over HTTP; a direct caller meets the domain's rule.
    found = create_cluster(world, START, name="c", environment_id=DEV_ENV, workspace_id=DEV_SALES_WS,
                           description="", engine_ids=[])
    with pytest.raises(BadRequest, match="method must be one of"):
        add_engine(world, found.id, ENGINE, START, method="SOMEHOW", profile_id=None)
    assert found.engine_ids == []


@pytest.mark.parametrize("config, rule", [
    ({"trigger": MANUAL, "timeout": 0}, "timeout must be at least 1 minute, got 0"),
    ({"trigger": MANUAL, "logLevel": "LOUD"}, "logLevel must be one of"),
    ({"trigger": "daily"}, "trigger must be an object"),
], ids=["timeout", "logLevel", "trigger"])
def test_a_dynamic_engine_run_config_is_checked_whoever_calls(world, config, rule):
    # Its handler checks the body against the published schema whatever --validate says (the configuration
    # is kept as sent), so over HTTP that answers first; a direct caller meets the domain's rule.
    with pytest.raises(BadRequest, match=rule):
        configure_de_run(world, LOAD_CUSTOMERS, config)
    assert world.tasks[LOAD_CUSTOMERS].de_run_config is None
