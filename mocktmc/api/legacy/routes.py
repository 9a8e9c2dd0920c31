"""Which 2021-03 operation serves each legacy operation (/tmc/v2.x and /tmc/v1.2).

The legacy API is the same world seen through older paths: a run started at /tmc/v1.2/executions is
the run /processing/executions/{id} shows. Each legacy operation names the 2021-03 operation whose
handler serves it; path parameters pair up in order. Where v2.6 shapes differ from 2021-03 an
adapter (adapters.py) reshapes the answer. v2.6 operations with no counterpart in the world are not
listed here, so they answer 501 and the implemented-operations table shows them.
"""
from __future__ import annotations

from dataclasses import dataclass

V26 = "/tmc/v2.6"
V12 = "/tmc/v1.2"


@dataclass(frozen=True)
class LegacyRoute:
    method: str
    path: str           # the legacy contract's path (v2.x paths are written as /tmc/v2.6/...)
    target_method: str
    target_path: str    # the 2021-03 contract's path that serves it
    adapter: str = ""   # the name of an adapter in adapters.ADAPTERS, if the v2.6 shape differs


def _same(method: str, path: str, target_path: str, adapter: str = "") -> LegacyRoute:
    return LegacyRoute(method, path, method, target_path, adapter)


_O, _P, _M = "/orchestration", "/processing", "/monitoring"
_TASKS, _PLANS, _PROMOTIONS = "/executables/tasks", "/executables/plans", "/executables/promotions"
_REC, _PE = "/runtimes/remote-engine-clusters", "/runtimes/pipeline-engines"

V26_ROUTES: tuple[LegacyRoute, ...] = (
    # Artifacts, connections, environments, workspaces, projects, resources
    _same("GET", f"{V26}/artifacts", f"{_O}/artifacts"),
    _same("GET", f"{V26}/artifacts/{{id}}", f"{_O}/artifacts/{{artifactId}}"),
    _same("DELETE", f"{V26}/artifacts/{{id}}", f"{_O}/artifacts/{{artifactId}}"),
    _same("GET", f"{V26}/artifacts/{{id}}/versions/{{version}}", f"{_O}/artifacts/{{artifactId}}/versions/{{version}}"),
    _same("DELETE", f"{V26}/artifacts/{{id}}/versions/{{version}}",
          f"{_O}/artifacts/{{artifactId}}/versions/{{version}}"),
    _same("GET", f"{V26}/connections", f"{_O}/connections"),
    _same("POST", f"{V26}/connections", f"{_O}/connections"),
    _same("GET", f"{V26}/connections/{{id}}", f"{_O}/connections/{{connectionId}}"),
    _same("PUT", f"{V26}/connections/{{id}}", f"{_O}/connections/{{connectionId}}"),
    _same("DELETE", f"{V26}/connections/{{id}}", f"{_O}/connections/{{connectionId}}"),
    _same("GET", f"{V26}/environments", f"{_O}/environments"),
    _same("POST", f"{V26}/environments", f"{_O}/environments"),
    _same("PUT", f"{V26}/environments/{{environmentId}}", f"{_O}/environments/{{Id}}"),
    _same("DELETE", f"{V26}/environments/{{environmentId}}", f"{_O}/environments/{{Id}}"),
    _same("GET", f"{V26}/workspaces", f"{_O}/workspaces"),
    _same("POST", f"{V26}/workspaces", f"{_O}/workspaces"),
    _same("PUT", f"{V26}/workspaces/{{workspaceId}}", f"{_O}/workspaces/{{id}}"),
    _same("DELETE", f"{V26}/workspaces/{{workspaceId}}", f"{_O}/workspaces/{{id}}"),
    _same("GET", f"{V26}/projects", f"{_O}/projects"),
    _same("POST", f"{V26}/projects", f"{_O}/projects"),
    _same("GET", f"{V26}/projects/{{projectId}}", f"{_O}/projects/{{projectId}}"),
    _same("PUT", f"{V26}/projects/{{projectId}}", f"{_O}/projects/{{projectId}}"),
    _same("DELETE", f"{V26}/projects/{{projectId}}", f"{_O}/projects/{{projectId}}"),
    _same("GET", f"{V26}/projects/{{id}}/groups", f"{_O}/projects/{{projectId}}/groups"),
    _same("PUT", f"{V26}/projects/{{projectId}}/groups/{{groupId}}", f"{_O}/projects/{{projectId}}/groups/{{groupId}}"),
    _same("DELETE", f"{V26}/projects/{{projectId}}/groups/{{groupId}}",
          f"{_O}/projects/{{projectId}}/groups/{{groupId}}"),
    _same("GET", f"{V26}/projects/{{projectId}}/users", f"{_O}/projects/{{projectId}}/users"),
    _same("PUT", f"{V26}/projects/{{projectId}}/users/{{userId}}", f"{_O}/projects/{{projectId}}/users/{{userId}}"),
    _same("DELETE", f"{V26}/projects/{{projectId}}/users/{{userId}}", f"{_O}/projects/{{projectId}}/users/{{userId}}"),
    _same("GET", f"{V26}/resources", f"{_O}/resources"),
    _same("POST", f"{V26}/resources", f"{_O}/resources"),
    _same("GET", f"{V26}/resources/{{id}}", f"{_O}/resources/{{resourceId}}"),
    # v2.6 updates a resource's metadata with PUT; 2021-03 with PATCH.
    LegacyRoute("PUT", f"{V26}/resources/{{id}}", "PATCH", f"{_O}/resources/{{resourceId}}"),
    _same("DELETE", f"{V26}/resources/{{id}}", f"{_O}/resources/{{resourceId}}"),
    _same("PUT", f"{V26}/resources/{{id}}/upload", f"{_O}/resources/{{resourceId}}/upload"),
    # Tasks, their run configuration, schedule link, pause and history
    _same("GET", f"{V26}{_TASKS}", f"{_O}{_TASKS}"),
    _same("POST", f"{V26}{_TASKS}", f"{_O}{_TASKS}"),
    _same("POST", f"{V26}{_TASKS}/search", f"{_O}{_TASKS}/search"),
    _same("GET", f"{V26}{_TASKS}/{{taskId}}", f"{_O}{_TASKS}/{{taskId}}"),
    _same("PUT", f"{V26}{_TASKS}/{{taskId}}", f"{_O}{_TASKS}/{{taskId}}"),
    _same("DELETE", f"{V26}{_TASKS}/{{taskId}}", f"{_O}{_TASKS}/{{taskId}}", "delete_task"),
    _same("GET", f"{V26}{_TASKS}/{{taskId}}/run-config", f"{_O}{_TASKS}/{{taskId}}/run-config"),
    _same("PUT", f"{V26}{_TASKS}/{{taskId}}/run-config", f"{_O}{_TASKS}/{{taskId}}/run-config"),
    _same("DELETE", f"{V26}{_TASKS}/{{taskId}}/run-config", f"{_O}{_TASKS}/{{taskId}}/run-config"),
    _same("GET", f"{V26}{_TASKS}/{{taskId}}/run-config/events", f"{_O}{_TASKS}/{{taskId}}/run-config/events"),
    _same("GET", f"{V26}{_TASKS}/{{taskId}}/schedule", f"{_O}{_TASKS}/{{taskId}}/schedule"),
    _same("PUT", f"{V26}{_TASKS}/{{taskId}}/schedule", f"{_O}{_TASKS}/{{taskId}}/schedule"),
    _same("DELETE", f"{V26}{_TASKS}/{{taskId}}/schedule", f"{_O}{_TASKS}/{{taskId}}/schedule"),
    _same("PUT", f"{V26}{_TASKS}/{{taskId}}/pause", f"{_O}{_TASKS}/{{taskId}}/pause"),
    _same("GET", f"{V26}{_TASKS}/{{taskId}}/executions", f"{_P}{_TASKS}/{{taskId}}/executions"),
    _same("GET", f"{V26}{_TASKS}/executions", f"{_P}{_TASKS}/executions"),
    _same("POST", f"{V26}{_TASKS}/executions", f"{_P}{_TASKS}/executions"),
    _same("POST", f"{V26}/executables/events/search", f"{_O}/executables/events/search"),
    # Plans
    _same("GET", f"{V26}{_PLANS}", f"{_O}{_PLANS}"),
    _same("POST", f"{V26}{_PLANS}", f"{_O}{_PLANS}"),
    _same("GET", f"{V26}{_PLANS}/{{planId}}", f"{_O}{_PLANS}/{{planId}}"),
    _same("PUT", f"{V26}{_PLANS}/{{planId}}", f"{_O}{_PLANS}/{{planId}}"),
    _same("DELETE", f"{V26}{_PLANS}/{{planId}}", f"{_O}{_PLANS}/{{planId}}"),
    _same("GET", f"{V26}{_PLANS}/{{planId}}/run-config", f"{_O}{_PLANS}/{{planId}}/run-config"),
    _same("PUT", f"{V26}{_PLANS}/{{planId}}/run-config", f"{_O}{_PLANS}/{{planId}}/run-config"),
    _same("DELETE", f"{V26}{_PLANS}/{{planId}}/run-config", f"{_O}{_PLANS}/{{planId}}/run-config"),
    _same("GET", f"{V26}{_PLANS}/{{planId}}/run-config/events", f"{_O}{_PLANS}/{{planId}}/run-config/events"),
    _same("GET", f"{V26}{_PLANS}/{{planId}}/schedule", f"{_O}{_PLANS}/{{planId}}/schedule"),
    _same("PUT", f"{V26}{_PLANS}/{{planId}}/schedule", f"{_O}{_PLANS}/{{planId}}/schedule"),
    _same("DELETE", f"{V26}{_PLANS}/{{planId}}/schedule", f"{_O}{_PLANS}/{{planId}}/schedule"),
    _same("PUT", f"{V26}{_PLANS}/{{planId}}/pause", f"{_O}{_PLANS}/{{planId}}/pause"),
    _same("GET", f"{V26}{_PLANS}/executions", f"{_P}{_PLANS}/executions"),
    _same("GET", f"{V26}{_PLANS}/{{planId}}/executions", f"{_P}{_PLANS}/{{planId}}/executions"),
    # Promotions, and their analysis at POST /executions/promotions/{id}
    _same("GET", f"{V26}{_PROMOTIONS}", f"{_O}{_PROMOTIONS}"),
    _same("POST", f"{V26}{_PROMOTIONS}", f"{_O}{_PROMOTIONS}"),
    _same("GET", f"{V26}{_PROMOTIONS}/{{promotionId}}", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    _same("PATCH", f"{V26}{_PROMOTIONS}/{{promotionId}}", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    _same("DELETE", f"{V26}{_PROMOTIONS}/{{promotionId}}", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    _same("GET", f"{V26}{_PROMOTIONS}/{{promotionId}}/users", f"{_O}{_PROMOTIONS}/{{promotionId}}/users"),
    _same("PUT", f"{V26}{_PROMOTIONS}/{{promotionId}}/users/{{userId}}",
          f"{_O}{_PROMOTIONS}/{{promotionId}}/users/{{userId}}"),
    _same("DELETE", f"{V26}{_PROMOTIONS}/{{promotionId}}/users/{{userId}}",
          f"{_O}{_PROMOTIONS}/{{promotionId}}/users/{{userId}}"),
    LegacyRoute("POST", f"{V26}/executions/promotions/{{id}}", "POST", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    # Runs: tasks, plans and their steps, promotions; logs
    _same("POST", f"{V26}/executions", f"{_P}/executions"),
    _same("GET", f"{V26}/executions/{{id}}", f"{_P}/executions/{{executionId}}"),
    _same("DELETE", f"{V26}/executions/{{id}}", f"{_P}/executions/{{executionId}}", "terminate"),
    _same("GET", f"{V26}/executions/{{id}}/logs", f"{_M}/executions/{{id}}/logs"),
    _same("POST", f"{V26}/executions/{{id}}/logs", f"{_M}/executions/{{id}}/logs"),
    _same("POST", f"{V26}/executions/{{id}}/logs/status", f"{_M}/executions/{{id}}/logs/status"),
    _same("POST", f"{V26}/executions/plans", f"{_P}/executions/plans"),
    _same("GET", f"{V26}/executions/plans/{{id}}", f"{_P}/executions/plans/{{planExecutionId}}"),
    _same("GET", f"{V26}/executions/plans/{{planExecutionId}}/steps",
          f"{_P}/executions/plans/{{planExecutionId}}/steps"),
    _same("GET", f"{V26}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}",
          f"{_P}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}", "step_as_plan_status"),
    _same("GET", f"{V26}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}/error-handler",
          f"{_P}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}/error-handler", "step_as_plan_status"),
    _same("POST", f"{V26}/executions/promotions", f"{_P}/executions/promotions"),
    _same("GET", f"{V26}/executions/promotions/{{id}}", f"{_P}/executions/promotions/{{executionId}}"),
    # Schedules
    _same("GET", f"{V26}/schedules", f"{_O}/schedules"),
    _same("POST", f"{V26}/schedules", f"{_O}/schedules"),
    _same("GET", f"{V26}/schedules/{{scheduleId}}", f"{_O}/schedules/{{scheduleId}}"),
    _same("POST", f"{V26}/schedules/{{scheduleId}}", f"{_O}/schedules/{{scheduleId}}"),
    _same("PATCH", f"{V26}/schedules/{{scheduleId}}", f"{_O}/schedules/{{scheduleId}}"),
    _same("DELETE", f"{V26}/schedules/{{scheduleId}}", f"{_O}/schedules/{{scheduleId}}"),
    _same("POST", f"{V26}/schedules/{{scheduleId}}/triggers", f"{_O}/schedules/{{scheduleId}}/triggers"),
    _same("PUT", f"{V26}/schedules/{{scheduleId}}/triggers", f"{_O}/schedules/{{scheduleId}}/triggers"),
    _same("DELETE", f"{V26}/schedules/{{scheduleId}}/triggers", f"{_O}/schedules/{{scheduleId}}/triggers"),
    _same("GET", f"{V26}/schedules/{{scheduleId}}/events", f"{_O}/schedules/{{scheduleId}}/events"),
    # Runtimes: remote engines, clusters, pipeline engines, and their run profiles
    _same("GET", f"{V26}/runtimes/remote-engines", f"{_P}/runtimes/remote-engines"),
    _same("POST", f"{V26}/runtimes/remote-engines", f"{_P}/runtimes/remote-engines"),
    _same("GET", f"{V26}/runtimes/remote-engines/{{id}}", f"{_P}/runtimes/remote-engines/{{id}}"),
    _same("DELETE", f"{V26}/runtimes/remote-engines/{{id}}", f"{_P}/runtimes/remote-engines/{{id}}"),
    _same("DELETE", f"{V26}/runtimes/remote-engines/{{id}}/pairing", f"{_P}/runtimes/remote-engines/{{id}}/pairing"),
    _same("PUT", f"{V26}/runtimes/remote-engines/{{remoteEngineId}}/debug",
          f"{_P}/runtimes/remote-engines/{{remoteEngineId}}/debug"),
    *(_same(method, f"{V26}/runtimes/remote-engines/{{engineId}}/run-profiles{tail}",
            f"{_P}/runtimes/remote-engines/{{engineId}}/run-profiles{tail}")
      for method, tail in (("GET", ""), ("POST", ""), ("GET", "/{runProfileId}"), ("PUT", "/{runProfileId}"),
                           ("DELETE", "/{runProfileId}"))),
    *(_same(method, f"{V26}{_REC}{tail}", f"{_P}{_REC}{tail}")
      for method, tail in (("GET", ""), ("POST", ""), ("GET", "/{clusterId}"), ("DELETE", "/{clusterId}"),
                           ("PUT", "/{clusterId}/engines/{engineId}"), ("DELETE", "/{clusterId}/engines/{engineId}"),
                           ("GET", "/{clusterId}/run-profiles"), ("POST", "/{clusterId}/run-profiles"),
                           ("GET", "/{clusterId}/run-profiles/{runProfileId}"),
                           ("PUT", "/{clusterId}/run-profiles/{runProfileId}"),
                           ("DELETE", "/{clusterId}/run-profiles/{runProfileId}"))),
    *(_same(method, f"{V26}{_PE}{tail}", f"{_P}{_PE}{tail}")
      for method, tail in (("GET", ""), ("POST", ""), ("GET", "/{engineId}"), ("DELETE", "/{engineId}"),
                           ("DELETE", "/{engineId}/pairing"), ("GET", "/{engineId}/run-profiles"),
                           ("DELETE", "/{engineId}/run-profiles/{type}/{runProfileId}"))),
    *(_same(method, f"{V26}{_PE}/{{engineId}}/run-profiles/{kind}{tail}",
            f"{_P}{_PE}/{{engineId}}/run-profiles/{kind}{tail}")
      for kind in ("advanced", "big-data", "data-integration", "databricks", "standard")
      for method, tail in (("POST", ""), ("GET", "/{runProfileId}"), ("PUT", "/{runProfileId}"))),
)

# /tmc/v1.2: tasks, plans and promotions only (TMC-API-NOTES section 5), on the v2.6 layout.
V12_ROUTES: tuple[LegacyRoute, ...] = (
    _same("GET", f"{V12}/executables", f"{_O}{_TASKS}"),
    _same("GET", f"{V12}/executables/{{id}}", f"{_O}{_TASKS}/{{taskId}}"),
    _same("POST", f"{V12}/executions", f"{_P}/executions"),
    _same("GET", f"{V12}/executions/{{id}}", f"{_P}/executions/{{executionId}}"),
    _same("DELETE", f"{V12}/executions/{{id}}", f"{_P}/executions/{{executionId}}", "terminate"),
    _same("GET", f"{V12}/executables/plans", f"{_O}{_PLANS}"),
    _same("GET", f"{V12}/executables/plans/{{id}}", f"{_O}{_PLANS}/{{planId}}"),
    _same("POST", f"{V12}/executions/plans", f"{_P}/executions/plans"),
    _same("GET", f"{V12}/executions/plans/{{id}}", f"{_P}/executions/plans/{{planExecutionId}}"),
    _same("GET", f"{V12}/executables/promotions", f"{_O}{_PROMOTIONS}"),
    _same("GET", f"{V12}/executables/promotions/{{id}}", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    _same("POST", f"{V12}/executions/promotions", f"{_P}/executions/promotions"),
    _same("GET", f"{V12}/executions/promotions/{{id}}", f"{_P}/executions/promotions/{{executionId}}"),
)

ROUTES = V26_ROUTES + V12_ROUTES
