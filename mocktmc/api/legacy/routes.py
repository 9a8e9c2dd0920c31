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


def _group(target_prefix: str, base: str, rows: tuple[tuple[str, str], ...]) -> tuple[LegacyRoute, ...]:
    """(method, tail) rows whose path reads the same under /tmc/v2.6{base} and {target_prefix}{base}."""
    return tuple(_same(method, f"{V26}{base}{tail}", f"{target_prefix}{base}{tail}") for method, tail in rows)


_O, _P, _M = "/orchestration", "/processing", "/monitoring"
_TASKS, _PLANS, _PROMOTIONS = "/executables/tasks", "/executables/plans", "/executables/promotions"
_CRUD = (("GET", ""), ("POST", ""))  # a collection's list and create
_ONE_TASK, _ONE_PLAN = "/{taskId}", "/{planId}"

V26_ROUTES: tuple[LegacyRoute, ...] = (
    # Artifacts, connections, environments, workspaces, projects, resources: v2.6 names their ids
    # differently ({id}, {environmentId}, {workspaceId}), so most are written out.
    _same("GET", f"{V26}/artifacts", f"{_O}/artifacts"),
    _same("GET", f"{V26}/artifacts/{{id}}", f"{_O}/artifacts/{{artifactId}}"),
    _same("DELETE", f"{V26}/artifacts/{{id}}", f"{_O}/artifacts/{{artifactId}}"),
    _same("GET", f"{V26}/artifacts/{{id}}/versions/{{version}}", f"{_O}/artifacts/{{artifactId}}/versions/{{version}}"),
    _same("DELETE", f"{V26}/artifacts/{{id}}/versions/{{version}}",
          f"{_O}/artifacts/{{artifactId}}/versions/{{version}}"),
    *_group(_O, "/connections", _CRUD),
    *(_same(method, f"{V26}/connections/{{id}}", f"{_O}/connections/{{connectionId}}")
      for method in ("GET", "PUT", "DELETE")),
    *_group(_O, "/environments", _CRUD),
    *(_same(method, f"{V26}/environments/{{environmentId}}", f"{_O}/environments/{{Id}}")
      for method in ("PUT", "DELETE")),
    *_group(_O, "/workspaces", _CRUD),
    *(_same(method, f"{V26}/workspaces/{{workspaceId}}", f"{_O}/workspaces/{{id}}") for method in ("PUT", "DELETE")),
    *_group(_O, "/projects", (*_CRUD, ("GET", "/{projectId}"), ("PUT", "/{projectId}"), ("DELETE", "/{projectId}"),
                              ("PUT", "/{projectId}/groups/{groupId}"), ("DELETE", "/{projectId}/groups/{groupId}"),
                              ("GET", "/{projectId}/users"), ("PUT", "/{projectId}/users/{userId}"),
                              ("DELETE", "/{projectId}/users/{userId}"))),
    _same("GET", f"{V26}/projects/{{id}}/groups", f"{_O}/projects/{{projectId}}/groups"),
    *_group(_O, "/resources", _CRUD),
    _same("GET", f"{V26}/resources/{{id}}", f"{_O}/resources/{{resourceId}}"),
    # v2.6 updates a resource's metadata with PUT; 2021-03 with PATCH.
    LegacyRoute("PUT", f"{V26}/resources/{{id}}", "PATCH", f"{_O}/resources/{{resourceId}}"),
    _same("DELETE", f"{V26}/resources/{{id}}", f"{_O}/resources/{{resourceId}}"),
    _same("PUT", f"{V26}/resources/{{id}}/upload", f"{_O}/resources/{{resourceId}}/upload"),
    # Tasks, their run configuration, schedule link, pause and history
    *_group(_O, _TASKS, (*_CRUD, ("POST", "/search"), ("GET", _ONE_TASK), ("PUT", _ONE_TASK),
                         ("GET", f"{_ONE_TASK}/run-config"), ("PUT", f"{_ONE_TASK}/run-config"),
                         ("DELETE", f"{_ONE_TASK}/run-config"), ("GET", f"{_ONE_TASK}/run-config/events"),
                         ("GET", f"{_ONE_TASK}/schedule"), ("PUT", f"{_ONE_TASK}/schedule"),
                         ("DELETE", f"{_ONE_TASK}/schedule"), ("PUT", f"{_ONE_TASK}/pause"))),
    _same("DELETE", f"{V26}{_TASKS}/{{taskId}}", f"{_O}{_TASKS}/{{taskId}}", "delete_task"),
    *_group(_P, _TASKS, (("GET", f"{_ONE_TASK}/executions"), ("GET", "/executions"), ("POST", "/executions"))),
    _same("POST", f"{V26}/executables/events/search", f"{_O}/executables/events/search"),
    # Plans
    *_group(_O, _PLANS, (*_CRUD, ("GET", _ONE_PLAN), ("PUT", _ONE_PLAN), ("DELETE", _ONE_PLAN),
                         ("GET", f"{_ONE_PLAN}/run-config"), ("PUT", f"{_ONE_PLAN}/run-config"),
                         ("DELETE", f"{_ONE_PLAN}/run-config"), ("GET", f"{_ONE_PLAN}/run-config/events"),
                         ("GET", f"{_ONE_PLAN}/schedule"), ("PUT", f"{_ONE_PLAN}/schedule"),
                         ("DELETE", f"{_ONE_PLAN}/schedule"), ("PUT", f"{_ONE_PLAN}/pause"))),
    *_group(_P, _PLANS, (("GET", "/executions"), ("GET", f"{_ONE_PLAN}/executions"))),
    # Promotions, and their analysis at POST /executions/promotions/{id}
    *_group(_O, _PROMOTIONS, (*_CRUD, ("GET", "/{promotionId}"), ("PATCH", "/{promotionId}"),
                              ("DELETE", "/{promotionId}"), ("GET", "/{promotionId}/users"),
                              ("PUT", "/{promotionId}/users/{userId}"), ("DELETE", "/{promotionId}/users/{userId}"))),
    LegacyRoute("POST", f"{V26}/executions/promotions/{{id}}", "POST", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    # Runs: tasks, plans and their steps, promotions; logs
    _same("POST", f"{V26}/executions", f"{_P}/executions"),
    _same("GET", f"{V26}/executions/{{id}}", f"{_P}/executions/{{executionId}}"),
    _same("DELETE", f"{V26}/executions/{{id}}", f"{_P}/executions/{{executionId}}", "terminate"),
    *(_same(method, f"{V26}/executions/{{id}}{tail}", f"{_M}/executions/{{id}}{tail}")
      for method, tail in (("GET", "/logs"), ("POST", "/logs"), ("POST", "/logs/status"))),
    _same("POST", f"{V26}/executions/plans", f"{_P}/executions/plans"),
    _same("GET", f"{V26}/executions/plans/{{id}}", f"{_P}/executions/plans/{{planExecutionId}}"),
    *_group(_P, "/executions/plans/{planExecutionId}/steps", (("GET", ""),)),
    *(_same("GET", f"{V26}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}{tail}",
            f"{_P}/executions/plans/{{planExecutionId}}/steps/{{stepExecutionId}}{tail}", "step_as_plan_status")
      for tail in ("", "/error-handler")),
    _same("POST", f"{V26}/executions/promotions", f"{_P}/executions/promotions"),
    _same("GET", f"{V26}/executions/promotions/{{id}}", f"{_P}/executions/promotions/{{executionId}}"),
    # Schedules
    *_group(_O, "/schedules", (*_CRUD, ("GET", "/{scheduleId}"), ("POST", "/{scheduleId}"), ("PATCH", "/{scheduleId}"),
                               ("DELETE", "/{scheduleId}"), ("POST", "/{scheduleId}/triggers"),
                               ("PUT", "/{scheduleId}/triggers"), ("DELETE", "/{scheduleId}/triggers"),
                               ("GET", "/{scheduleId}/events"))),
    _same("GET", f"{V26}/subscription", "/account/subscription"),
    # Workspace permissions of users: the 2021-03 /security/ operations, on the same paths below /tmc/v2.6
    _same("GET", f"{V26}/permissions", "/security/permissions"),
    *(_same(method, f"{V26}/permissions/batch", "/security/permissions/batch") for method in ("POST", "PUT", "DELETE")),
    *(_same(method, f"{V26}/workspaces/{{workspaceId}}/users/{{userId}}/permissions",
            "/security/workspaces/{workspaceId}/users/{userId}/permissions")
      for method in ("GET", "POST", "PUT", "DELETE")),
    # Runtimes: remote engines, clusters, pipeline engines, and their run profiles
    *_group(_P, "/runtimes/remote-engines", (
        *_CRUD, ("GET", "/{id}"), ("DELETE", "/{id}"), ("DELETE", "/{id}/pairing"), ("PUT", "/{remoteEngineId}/debug"),
        ("GET", "/{engineId}/run-profiles"), ("POST", "/{engineId}/run-profiles"),
        ("GET", "/{engineId}/run-profiles/{runProfileId}"), ("PUT", "/{engineId}/run-profiles/{runProfileId}"),
        ("DELETE", "/{engineId}/run-profiles/{runProfileId}"))),
    *_group(_P, "/runtimes/remote-engine-clusters", (
        *_CRUD, ("GET", "/{clusterId}"), ("DELETE", "/{clusterId}"), ("PUT", "/{clusterId}/engines/{engineId}"),
        ("DELETE", "/{clusterId}/engines/{engineId}"), ("GET", "/{clusterId}/run-profiles"),
        ("POST", "/{clusterId}/run-profiles"), ("GET", "/{clusterId}/run-profiles/{runProfileId}"),
        ("PUT", "/{clusterId}/run-profiles/{runProfileId}"), ("DELETE", "/{clusterId}/run-profiles/{runProfileId}"))),
    *_group(_P, "/runtimes/pipeline-engines", (
        *_CRUD, ("GET", "/{engineId}"), ("DELETE", "/{engineId}"), ("DELETE", "/{engineId}/pairing"),
        ("GET", "/{engineId}/run-profiles"), ("DELETE", "/{engineId}/run-profiles/{type}/{runProfileId}"),
        *((method, f"/{{engineId}}/run-profiles/{kind}{tail}")
          for kind in ("advanced", "big-data", "data-integration", "databricks", "standard")
          for method, tail in (("POST", ""), ("GET", "/{runProfileId}"), ("PUT", "/{runProfileId}"))))),
)

# /tmc/v1.2 (and /tmc/v1.3): tasks, plans and promotions only (TMC-API-NOTES section 5), on the v2.6 layout,
# but for the lists, which the service answers as bare arrays (quirk legacy_v1_bare_arrays).
V12_ROUTES: tuple[LegacyRoute, ...] = (
    _same("GET", f"{V12}/executables", f"{_O}{_TASKS}", "v1_list"),
    _same("GET", f"{V12}/executables/{{id}}", f"{_O}{_TASKS}/{{taskId}}"),
    _same("POST", f"{V12}/executions", f"{_P}/executions"),
    _same("GET", f"{V12}/executions/{{id}}", f"{_P}/executions/{{executionId}}"),
    _same("DELETE", f"{V12}/executions/{{id}}", f"{_P}/executions/{{executionId}}", "terminate"),
    _same("GET", f"{V12}/executables/plans", f"{_O}{_PLANS}", "v1_list"),
    _same("GET", f"{V12}/executables/plans/{{id}}", f"{_O}{_PLANS}/{{planId}}"),
    _same("POST", f"{V12}/executions/plans", f"{_P}/executions/plans"),
    _same("GET", f"{V12}/executions/plans/{{id}}", f"{_P}/executions/plans/{{planExecutionId}}"),
    _same("GET", f"{V12}/executables/promotions", f"{_O}{_PROMOTIONS}"),
    _same("GET", f"{V12}/executables/promotions/{{id}}", f"{_O}{_PROMOTIONS}/{{promotionId}}"),
    _same("POST", f"{V12}/executions/promotions", f"{_P}/executions/promotions"),
    _same("GET", f"{V12}/executions/promotions/{{id}}", f"{_P}/executions/promotions/{{executionId}}"),
)

ROUTES = V26_ROUTES + V12_ROUTES
