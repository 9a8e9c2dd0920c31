"""Scenarios written from the seed documents, run unchanged on any target.

- The v1.2 walkthrough (seed 000): executables and executions of tasks and plans under /tmc/v1.2.
- The promotion walkthrough (seed 000): promote one artifact (ACTION) with the 2021-03 API.
- The maintenance window (seed 004): search the runs scheduled in an environment up to a date, pick those
  inside a maintenance window, pause the task when the window opens, resume it when it closes.

No demo-world id appears here: everything is discovered through the API, and what a scenario runs it runs
on things it creates in the sandbox workspace (removed again at its end, even when a check fails).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from mocktmc.kit.checks import describe, json_or_none
from mocktmc.kit.report import RECORD
from mocktmc.kit.target import Target

pytestmark = [pytest.mark.suite("scenarios")]

log = logging.getLogger("mocktmc.kit.scenarios")

# Target time a run, a plan run or a promotion may take to end. A mock moves its clock this far at most;
# the real TMC is polled for min(this, --tmc-poll-deadline) seconds.
RUN_WAIT = 2 * 3600.0
# How far a mock's clock moves between two polls.
MOCK_STEP = 30.0
# The most items a scenario pages through in one listing, so that a huge account cannot loop it forever.
MAX_LISTED = 5000

# Task run statuses (JobExecutionStatusV21.executionStatus) after which nothing changes any more.
TASK_DONE = {"EXECUTION_TERMINATED", "EXECUTION_TERMINATED_TIMEOUT", "DEPLOY_FAILED", "EXECUTION_FAILED",
             "EXECUTION_REJECTED", "EXECUTION_SUCCESS"}
# Plan run statuses (PlanExecutionStatus.executionStatus) of an ended plan run.
PLAN_DONE = {"FINISHED", "EXECUTION_FAILED", "EXECUTION_SUCCESS"}
# Promotion run statuses (PromotionExecutionStatusV26.status) of an ended promotion; ANALIZED (sic) is the
# status of an analysis, never of an execution.
PROMOTION_DONE = {"PROMOTED", "PROMOTION_WARNING", "PROMOTION_FAILED"}

V12_NOT_IMPLEMENTED = "the target does not implement /tmc/v1.2 yet (501 Not Implemented)"


# --- small helpers ---------------------------------------------------------------------------------------

def _ended(target: Target, path: str, field: str, done: set[str], step: float) -> dict | None:
    """The run at `path` once its `field` reaches one of `done`, polled (or the clock moved) up to RUN_WAIT."""
    def probe() -> dict | None:
        polled = target.get(path)
        body = json_or_none(polled)
        return body if polled.status_code == 200 and isinstance(body, dict) and body.get(field) in done else None

    return target.wait_for(probe, within=RUN_WAIT, step=step)


def _id_of(item: dict[str, Any]) -> str | None:
    """Task and plan list items name their id `executable` (some targets also send `id`)."""
    return item.get("executable") or item.get("id")


def _instant(text: str | None) -> datetime | None:
    """An API timestamp (ISO-8601 UTC, `...Z`) as an aware datetime; None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _environment_of(workspace: dict[str, Any]) -> str | None:
    """The help names the field `environmentId` "in each workspace block"; the 2021-03 document nests it
    as environment.id. Either will do."""
    return workspace.get("environmentId") or (workspace.get("environment") or {}).get("id")


def _page_all(target: Target, path: str, params: dict[str, Any], *, name: str) -> list[dict[str, Any]]:
    """Every item of a {items, limit, offset, total} listing, paging with offset/limit; each page is the check
    `name` (200 and a page envelope). A bare array (the /tmc/v1.x lists: quirk legacy_v1_bare_arrays) is the
    whole listing."""
    operation = f"GET {path}"
    found: list[dict[str, Any]] = []
    while len(found) < MAX_LISTED:
        answer = target.get(path, params={**params, "offset": len(found), "limit": 100})
        page = json_or_none(answer)
        if answer.status_code == 200 and isinstance(page, list) and path.startswith("/tmc/v1."):
            target.check(name, True, "a v1.x listing answers 200 with an array", operation=operation)
            return page
        target.check(name, answer.status_code == 200 and isinstance(page, dict) and isinstance(page.get("items"), list),
                     f"a listing answers 200 with a page of items: {describe(answer)}",
                     response=answer, operation=operation)
        found += page["items"]
        if not page["items"] or len(found) >= int(page.get("total") or 0):
            break
    return found


def _workspaces(target: Target) -> list[dict[str, Any]]:
    answer = target.get("/orchestration/workspaces")
    listed = json_or_none(answer)
    target.check("workspaces_listed", answer.status_code == 200 and isinstance(listed, list),
                 f"GET /orchestration/workspaces answers 200 with a bare array: {describe(answer)}",
                 response=answer, operation="GET /orchestration/workspaces")
    assert isinstance(listed, list)  # target.check raised otherwise
    return listed


def _sandbox(target: Target) -> tuple[str, str]:
    """(workspace id, environment id) of the sandbox workspace, the environment read from the workspace list
    as seed 004 does."""
    workspace_id = target.sandbox_workspace()
    if workspace_id is None:
        pytest.skip("no sandbox workspace to create in: pass --tmc-allow-writes WORKSPACE_ID")
    mine = next((w for w in _workspaces(target) if w.get("id") == workspace_id), None)
    environment_id = _environment_of(mine) if mine else None
    target.check("sandbox_environment_found", environment_id is not None,
                 f"the sandbox workspace {workspace_id} is listed with its environment id; got {mine!r}",
                 operation="GET /orchestration/workspaces")
    assert environment_id is not None  # target.check raised otherwise
    return workspace_id, environment_id


def _remove(target: Target, path: str) -> None:
    """Delete something the scenario made, now. A task whose run is still going answers 409: wait that out
    (on a mock the clock moves). Whatever is left stays in the target's clean-up list, which the session
    retries at its end; a failure here is logged, never raised over the test's own outcome."""
    def gone() -> bool | None:
        answer = target.delete(path)
        if answer.status_code in (200, 204, 404):
            return True
        return None if answer.status_code == 409 else False

    try:
        if target.wait_for(gone, within=RUN_WAIT, step=60.0):
            target.forget(path)
        else:
            log.warning("the scenario could not delete %s now; the session clean-up will try again", path)
    except requests.RequestException as exc:
        log.warning("the scenario could not delete %s now (%s); the session clean-up will try again", path, exc)


@contextmanager
def _made(target: Target) -> Iterator[Callable[[str], None]]:
    """Collects delete paths of what the scenario creates and deletes them, newest first, when the scenario
    ends however it ends. Each path is also registered with the target, so a crash of the test process
    between the two still leaves it to the session's clean-up."""
    paths: list[str] = []

    def remember(path: str) -> None:
        target.created(path)
        paths.append(path)

    try:
        yield remember
    finally:
        for path in reversed(paths):
            _remove(target, path)


def _create(target: Target, path: str, body: dict[str, Any], name: str, what: str,
            remember: Callable[[str], None]) -> str:
    """POST `body` to `path` in the sandbox; check `name` (201 with an id) and return the id. Whatever was made
    is remembered for deletion, even when the status is wrong."""
    answer = target.post(path, json=body)
    made = json_or_none(answer)
    if isinstance(made, dict) and made.get("id"):
        remember(f"{path}/{made['id']}")
    target.check(name, answer.status_code == 201 and isinstance(made, dict) and bool(made.get("id")),
                 f"{what} is created in the sandbox workspace: {describe(answer)}",
                 response=answer, operation=f"POST {path}")
    return made["id"]


def _sandbox_task(target: Target, workspace_id: str, environment_id: str, label: str,
                  remember: Callable[[str], None]) -> str:
    """A task of the sandbox workspace on the latest version of one of its artifacts (2021-03 API)."""
    artifacts = _page_all(target, "/orchestration/artifacts", {"workspaceId": workspace_id}, name="artifacts_listed")
    artifact = next((a for a in artifacts if a.get("versions")), None)
    if artifact is None:
        pytest.skip(f"the sandbox workspace {workspace_id} holds no artifact with a version to make a task of")
    body = {"environmentId": environment_id, "workspaceId": workspace_id, "name": target.name(label),
            "description": "created by the mocktmc contract kit's seed scenarios; safe to delete",
            "artifact": {"id": artifact["id"], "version": artifact["versions"][-1]}}
    return _create(target, "/orchestration/executables/tasks", body, "sandbox_task_created", "a task", remember)


# --- seed 000: the v1.2 walkthrough ----------------------------------------------------------------------

@pytest.mark.families("legacy")
@pytest.mark.writes
def test_v12_walkthrough(target: Target) -> None:
    """Tasks then plans through /tmc/v1.2: list, details, execute, status, terminate a finished run."""
    # The seed's first call, with nothing created yet: a target without /tmc/v1.2 changes nothing.
    listed = target.get("/tmc/v1.2/executables")
    if listed.status_code == 501:
        # Only a 501, and only here: a 501 on any later call is a failure of the operation that answered it.
        RECORD.exempt("/tmc/v1.2 walkthrough", f"GET /tmc/v1.2/executables answered 501 "
                                               f"({listed.headers.get('X-Mocktmc-Not-Implemented') or 'no header'})")
        pytest.skip(V12_NOT_IMPLEMENTED)
    page = json_or_none(listed)
    target.check("v12_lists_executables",
                 listed.status_code == 200 and (isinstance(page, list) or isinstance(page, dict)
                                                and isinstance(page.get("items"), list)),
                 f"GET /tmc/v1.2/executables lists the tasks of all environments, as an array or a page (quirk "
                 f"legacy_v1_bare_arrays): {describe(listed)}",
                 response=listed, operation="GET /tmc/v1.2/executables")

    workspace_id, environment_id = _sandbox(target)
    with _made(target) as remember:
        task_id = _sandbox_task(target, workspace_id, environment_id, "v12-task", remember)
        task_name = _v12_task_steps(target, task_id, workspace_id)
        _v12_plan_steps(target, task_id, task_name, workspace_id, remember)


def _v12_execute(target: Target, path: str, executable: str, name: str) -> str:
    """POST {executable} to a v1.2 executions path, checked as `name`; the new execution's id."""
    answer = target.post(path, json={"executable": executable})
    started = json_or_none(answer)
    target.check(name, answer.status_code == 201 and isinstance(started, dict) and bool(started.get("executionId")),
                 f"POST {path} {{executable}} answers 201 with the execution id: {describe(answer)}",
                 response=answer, operation=f"POST {path}")
    return started["executionId"]


def _v12_task_steps(target: Target, task_id: str, workspace_id: str) -> str:
    """List, details, execute, status until finished, terminate the finished run; the task's name."""
    listed = _page_all(target, "/tmc/v1.2/executables", {"workspaceId": workspace_id}, name="v12_lists_executables")
    target.check("v12_lists_created_task", any(_id_of(item) == task_id for item in listed),
                 f"GET /tmc/v1.2/executables lists the task {task_id} the scenario created in workspace "
                 f"{workspace_id}; listed {[_id_of(item) for item in listed][:20]}",
                 operation="GET /tmc/v1.2/executables")

    answer = target.get(f"/tmc/v1.2/executables/{task_id}")
    details = json_or_none(answer)
    target.check("v12_task_details",
                 answer.status_code == 200 and isinstance(details, dict) and details.get("id") == task_id
                 and bool(details.get("name")),
                 f"GET /tmc/v1.2/executables/{{id}} answers the task's details: {describe(answer)}",
                 response=answer, operation="GET /tmc/v1.2/executables/{id}")

    execution_id = _v12_execute(target, "/tmc/v1.2/executions", task_id, "v12_execute_task")
    status_path = f"/tmc/v1.2/executions/{execution_id}"

    answer = target.get(status_path)
    run = json_or_none(answer)
    target.check("v12_execution_status",
                 answer.status_code == 200 and isinstance(run, dict) and run.get("executionId") == execution_id
                 and run.get("jobId") == task_id and isinstance(run.get("executionStatus"), str),
                 f"GET /tmc/v1.2/executions/{{id}} answers the run of task {task_id} with its status: "
                 f"{describe(answer)}",
                 response=answer, operation="GET /tmc/v1.2/executions/{id}")

    ended = _ended(target, status_path, "executionStatus", TASK_DONE, MOCK_STEP)
    target.check("v12_execution_finishes", ended is not None,
                 f"the run {execution_id} reaches one of {sorted(TASK_DONE)} within {RUN_WAIT:.0f}s",
                 operation="GET /tmc/v1.2/executions/{id}")
    assert ended is not None  # target.check raised otherwise
    final = ended["executionStatus"]

    # The seed: terminating a run that already ended answers "Nothing to do for the task: its status is
    # EXECUTION_SUCCESS". It does not say with which status code, so any answer but a server error or a
    # 404 (the run not found) will do, as long as its text says so.
    stop = target.delete(status_path)
    said = stop.text or ""
    target.check("v12_terminate_finished_says_nothing_to_do",
                 stop.status_code < 500 and stop.status_code != 404 and "nothing to do" in said.lower(),
                 f"DELETE /tmc/v1.2/executions/{{id}} on a run that ended says there is nothing to do: "
                 f"{describe(stop)}",
                 response=stop, operation="DELETE /tmc/v1.2/executions/{id}")
    target.check("v12_terminate_finished_names_status", final in said,
                 f"the answer names the run's status {final}: {describe(stop)}",
                 response=stop, operation="DELETE /tmc/v1.2/executions/{id}")
    again = target.get(status_path)
    target.check("v12_terminate_finished_changes_nothing",
                 again.status_code == 200 and (json_or_none(again) or {}).get("executionStatus") == final,
                 f"the ended run still reads {final} after the terminate request: {describe(again)}",
                 response=again, operation="GET /tmc/v1.2/executions/{id}")
    return details["name"]


def _v12_plan_steps(target: Target, task_id: str, task_name: str, workspace_id: str,
                    remember: Callable[[str], None]) -> None:
    """A one-step plan of the scenario's task (2021-03 API), then the seed's plan operations under v1.2."""
    body = {"name": target.name("v12-plan"), "workspaceId": workspace_id,
            "description": "created by the mocktmc contract kit's seed scenarios; safe to delete",
            "steps": [{"name": f"run {task_name}", "condition": "ALL_SUCCEEDED", "taskIds": [task_id]}]}
    plan_id = _create(target, "/orchestration/executables/plans", body, "sandbox_plan_created", "a plan", remember)

    listed = _page_all(target, "/tmc/v1.2/executables/plans", {"workspaceId": workspace_id},
                       name="v12_lists_plans")
    target.check("v12_lists_created_plan", any(_id_of(item) == plan_id for item in listed),
                 f"GET /tmc/v1.2/executables/plans lists the plan {plan_id} the scenario created; "
                 f"listed {[_id_of(item) for item in listed][:20]}", operation="GET /tmc/v1.2/executables/plans")

    answer = target.get(f"/tmc/v1.2/executables/plans/{plan_id}")
    details = json_or_none(answer)
    target.check("v12_plan_details",
                 answer.status_code == 200 and isinstance(details, dict) and details.get("executable") == plan_id
                 and details.get("name") == body["name"],
                 f"GET /tmc/v1.2/executables/plans/{{id}} answers the plan's details: {describe(answer)}",
                 response=answer, operation="GET /tmc/v1.2/executables/plans/{id}")

    execution_id = _v12_execute(target, "/tmc/v1.2/executions/plans", plan_id, "v12_execute_plan")
    status_path = f"/tmc/v1.2/executions/plans/{execution_id}"

    answer = target.get(status_path)
    run = json_or_none(answer)
    target.check("v12_plan_execution_status",
                 answer.status_code == 200 and isinstance(run, dict)
                 and run.get("executionId") == execution_id and run.get("planId") == plan_id
                 and isinstance(run.get("executionStatus"), str),
                 f"GET /tmc/v1.2/executions/plans/{{id}} answers the plan run with its status: {describe(answer)}",
                 response=answer, operation="GET /tmc/v1.2/executions/plans/{id}")

    # Wait for the plan run to end, so that the plan and its task can be deleted at the end.
    plan_ended = _ended(target, status_path, "executionStatus", PLAN_DONE, MOCK_STEP)
    target.check("v12_plan_execution_finishes", plan_ended is not None,
                 f"the plan run reaches one of {sorted(PLAN_DONE)} within {RUN_WAIT:.0f}s",
                 operation="GET /tmc/v1.2/executions/plans/{id}")


# --- seed 000: the promotion walkthrough -----------------------------------------------------------------

@dataclass
class _Promotable:
    promotion: dict[str, Any]
    artifact: dict[str, Any]
    already_there: dict[str, Any] | None  # the target environment's artifact of the same name, if any


def _artifacts_by_name(target: Target, environment_id: str) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in _page_all(target, "/orchestration/artifacts", {"environmentId": environment_id},
                                           name="artifacts_listed") if a.get("name")}


def _choose_promotable(target: Target, promotions: list[dict[str, Any]]) -> _Promotable | None:
    """As in the seed, an artifact of a promotion's source environment that its target lacks; failing that,
    any artifact of a source environment (its missing versions are what gets promoted)."""
    fallback: _Promotable | None = None
    for promotion in promotions:
        source = (promotion.get("sourceEnvironment") or {}).get("id")
        destination = (promotion.get("targetEnvironment") or {}).get("id")
        if not promotion.get("executable") or not source or not destination:
            continue
        there = _artifacts_by_name(target, destination)
        for artifact in _artifacts_by_name(target, source).values():
            if not artifact.get("versions"):
                continue
            if artifact["name"] not in there:
                return _Promotable(promotion, artifact, None)
            fallback = fallback or _Promotable(promotion, artifact, there[artifact["name"]])
    return fallback


@pytest.mark.families("orchestration", "processing")
@pytest.mark.writes
def test_promotion_walkthrough(target: Target) -> None:
    """List promotions, read one, promote one artifact with keepTargetResources, follow the run, find the
    artifact in the target environment."""
    answer = target.get("/orchestration/executables/promotions")
    promotions = json_or_none(answer)
    target.check("promotions_listed", answer.status_code == 200 and isinstance(promotions, list),
                 f"GET /orchestration/executables/promotions answers 200 with a bare array: {describe(answer)}",
                 response=answer, operation="GET /orchestration/executables/promotions")
    if not promotions:
        pytest.skip("the target has no promotion to walk through")

    chosen = _choose_promotable(target, promotions)
    if chosen is None:
        pytest.skip("no promotion's source environment holds an artifact with a version to promote")
    promotion_id = chosen.promotion["executable"]
    source_id = chosen.promotion["sourceEnvironment"]["id"]
    destination_id = chosen.promotion["targetEnvironment"]["id"]

    answer = target.get(f"/orchestration/executables/promotions/{promotion_id}")
    details = json_or_none(answer)
    target.check("promotion_details",
                 answer.status_code == 200 and isinstance(details, dict) and details.get("executable") == promotion_id
                 and (details.get("sourceEnvironment") or {}).get("id") == source_id
                 and (details.get("targetEnvironment") or {}).get("id") == destination_id,
                 f"GET /orchestration/executables/promotions/{{id}} answers the promotion as listed: "
                 f"{describe(answer)}",
                 response=answer, operation="GET /orchestration/executables/promotions/{promotionId}")

    if target.kind == "tmc":
        # A promotion writes into its target environment, outside the sandbox workspace the kit may touch.
        RECORD.exempt("promotion execution", "on a real TMC it would write outside the sandbox workspace")
        pytest.skip("a promotion writes outside the sandbox workspace: on a real TMC only the read-only "
                    "steps (list, details) run")

    workspaces_before = {w["id"] for w in _workspaces(target) if _environment_of(w) == destination_id}
    with _made(target) as remember:
        try:
            _promote(target, chosen, promotion_id, destination_id)
        finally:
            # Undo what the promotion added to its target, so later suites find the world as it was.
            _forget_promoted(target, chosen, destination_id, workspaces_before, remember)


def _promote(target: Target, chosen: _Promotable, promotion_id: str, destination_id: str) -> None:
    artifact = chosen.artifact
    body = {"executable": promotion_id, "keepTargetResources": True,
            "advanced": {"artifactId": artifact["id"], "artifactType": "ACTION"}}
    answer = target.post("/processing/executions/promotions", json=body)
    started = json_or_none(answer)
    # 201 carries the execution id and its report; 202 "Execution started" has no body (Processing 2021-03).
    target.check("promotion_execution_started",
                 (answer.status_code == 201 and isinstance(started, dict) and bool(started.get("executionId")))
                 or answer.status_code == 202,
                 f"POST /processing/executions/promotions answers 201 with an execution id (or 202): "
                 f"{describe(answer)}",
                 response=answer, operation="POST /processing/executions/promotions")

    if answer.status_code == 201:
        status_path = f"/processing/executions/promotions/{started['executionId']}"

        report = _ended(target, status_path, "status", PROMOTION_DONE, 5.0)
        target.check("promotion_execution_finishes", report is not None,
                     f"the promotion run reaches one of {sorted(PROMOTION_DONE)} within {RUN_WAIT:.0f}s",
                     operation="GET /processing/executions/promotions/{executionId}")
        assert report is not None  # target.check raised otherwise
        target.check("promotion_execution_succeeds", report["status"] in ("PROMOTED", "PROMOTION_WARNING"),
                     f"the promotion of artifact {artifact['name']!r} ends PROMOTED or PROMOTION_WARNING, not "
                     f"{report['status']}: {report.get('statusMessage')!r}",
                     operation="GET /processing/executions/promotions/{executionId}")
        target.check("promotion_scope_is_the_artifact",
                     report.get("advanced") == {"artifactId": artifact["id"], "artifactType": "ACTION"}
                     and report.get("keepTargetResources") is True,
                     f"the run reports the scope and options it was given: advanced {report.get('advanced')!r}, "
                     f"keepTargetResources {report.get('keepTargetResources')!r}",
                     operation="GET /processing/executions/promotions/{executionId}")

    def delivered() -> dict[str, Any] | None:
        there = _artifacts_by_name(target, destination_id).get(artifact["name"])
        return there if there and set(artifact["versions"]) <= set(there.get("versions") or ()) else None

    # Without an execution id (202) the artifact showing up is the only sign the promotion ended.
    there = delivered() if answer.status_code == 201 else target.wait_for(delivered, within=RUN_WAIT, step=5.0)
    target.check("promotion_delivers_artifact", there is not None,
                 f"artifact {artifact['name']!r} with versions {artifact['versions']} is in the target environment "
                 f"{destination_id} after the promotion (before: "
                 f"{(chosen.already_there or {}).get('versions', 'absent')})",
                 operation="GET /orchestration/artifacts")


def _quiet_list(target: Target, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A listing read for clean-up only: no check (it runs in a `finally`, where a failed check would hide the
    test's own failure), every page, [] when the target does not answer it."""
    found: list[dict[str, Any]] = []
    try:
        while len(found) < MAX_LISTED:
            answer = target.get(path, params={**(params or {}), "offset": len(found), "limit": 100})
            body = json_or_none(answer) if answer.status_code == 200 else None
            items = body if isinstance(body, list) else (body or {}).get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                break
            found += items
            if not isinstance(body, dict) or not items or len(found) >= int(body.get("total") or 0):
                break  # a bare array is one page; a page's items came from a dict
    except requests.RequestException as exc:
        log.warning("clean-up could not read %s: %s", path, exc)
    return found


def _forget_promoted(target: Target, chosen: _Promotable, destination_id: str, workspaces_before: set[str],
                     remember: Callable[[str], None]) -> None:
    """Register for deletion what the promotion created: the artifact (or the versions it added) and any
    workspace it had to create in the target environment. Newest first means artifact before workspace."""
    for workspace in _quiet_list(target, "/orchestration/workspaces"):
        if _environment_of(workspace) == destination_id and workspace.get("id") not in workspaces_before:
            remember(f"/orchestration/workspaces/{workspace['id']}")
    there = next((a for a in _quiet_list(target, "/orchestration/artifacts", {"environmentId": destination_id})
                  if a.get("name") == chosen.artifact["name"]), None)
    if there is None:
        return
    if chosen.already_there is None:
        remember(f"/orchestration/artifacts/{there['id']}")
        return
    for version in set(there.get("versions") or ()) - set(chosen.already_there.get("versions") or ()):
        remember(f"/orchestration/artifacts/{there['id']}/versions/{version}")


# --- seed 004: the maintenance window --------------------------------------------------------------------

@dataclass
class _Timetable:
    """A trigger and the start times it gives, four of them, spaced `gap` apart."""
    trigger: dict[str, Any]
    starts: list[datetime]
    gap: timedelta


def _timetable(target: Target) -> _Timetable:
    """On a target that moves time, the seed's own case: a DAILY trigger, runs on the next four days. On the
    real TMC, which must be waited for, a DAILY trigger at four specific times ten minutes apart, the first
    a few minutes ahead (schedules want at least five minutes between two runs of a task)."""
    now = target.now()
    if target.moves_time:
        first = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
        gap = timedelta(days=1)
        times: dict[str, Any] = {"type": "AT_TIME", "time": first.strftime("%H:%M")}
    else:
        first = (now + timedelta(minutes=9)).replace(second=0, microsecond=0)
        gap = timedelta(minutes=10)
        times = {"type": "AT_SPECIFIC_TIMES", "times": [(first + k * gap).strftime("%H:%M") for k in range(4)]}
    trigger = {"type": "DAILY", "interval": 1, "startDate": now.date().isoformat(), "timeZone": "UTC",
               "atTimes": times}
    return _Timetable(trigger, [first + k * gap for k in range(4)], gap)


def _scheduled_runs(target: Target, environment_id: str, until: datetime,
                    since: datetime | None = None) -> list[dict[str, Any]]:
    """Seed 004's request: the runs scheduled in an environment up to `to` (from `from`, else from now), every
    page of them. Times go as epoch milliseconds in a string of digits, as the help's example sends them."""
    found: list[dict[str, Any]] = []
    while len(found) < MAX_LISTED:
        body = {"environmentId": environment_id, "to": str(_epoch_ms(until)), "offset": len(found), "limit": 100}
        if since is not None:
            body["from"] = str(_epoch_ms(since))
        answer = target.post("/orchestration/executables/events/search", json=body)
        page = json_or_none(answer)
        target.check("scheduled_runs_search",
                     answer.status_code == 200 and isinstance(page, dict) and isinstance(page.get("items"), list),
                     f"the scheduled-runs search answers 200 with a page of runs: {describe(answer)}",
                     response=answer, operation="POST /orchestration/executables/events/search")
        found += page["items"]
        if not page["items"] or len(found) >= int(page.get("total") or 0):
            break
    return found


def _runs(target: Target, task_id: str) -> list[dict[str, Any]]:
    return _page_all(target, f"/processing/executables/tasks/{task_id}/executions", {}, name="task_runs_listed")


def _near(moment: datetime | None, expected: datetime) -> bool:
    """A scheduled run's trigger time is its occurrence; a second of slack for targets that stamp the
    instant they fired rather than the one they were due."""
    return moment is not None and abs(moment - expected) <= timedelta(seconds=1)


def _started_run_at(target: Target, task_id: str, due: datetime) -> Callable[[], dict[str, Any] | None]:
    """A probe: the task's SCHEDULED run triggered at `due` that really started (no misfire), or None."""
    def probe() -> dict[str, Any] | None:
        return next((run for run in _runs(target, task_id)
                     if run.get("executionType") == "SCHEDULED" and not run.get("misfiredExecutionReason")
                     and _near(_instant(run.get("triggerTimestamp")), due)), None)
    return probe


def _recorded(target: Target, task_id: str) -> list[tuple[Any, ...]]:
    """The task's runs in short, for a failure message: (triggered, type, misfire reason or status)."""
    return [(run.get("triggerTimestamp"), run.get("executionType"),
             run.get("misfiredExecutionReason") or run.get("executionStatus")) for run in _runs(target, task_id)]


def _pause(target: Target, task_id: str, paused: bool, name: str) -> None:
    path = f"/orchestration/executables/tasks/{task_id}/pause"
    body: dict[str, Any] = {"pause": paused}
    if paused:
        body["pauseContext"] = "Pause during the maintenance window"  # the help's own example
    answer = target.put(path, json=body)
    target.check(f"{name}_accepted", answer.status_code in (202, 204),
                 f"PUT .../pause {body} answers 202 (or 204): {describe(answer)}",
                 response=answer, operation="PUT /orchestration/executables/tasks/{taskId}/pause")
    task = target.get(f"/orchestration/executables/tasks/{task_id}")
    details = (json_or_none(task) or {}).get("taskPauseDetails") or {}
    target.check(name, task.status_code == 200 and details.get("pause", False) is paused,
                 f"the task reads {'paused' if paused else 'resumed'} at once (the pause takes effect immediately): "
                 f"{describe(task)}", response=task, operation="GET /orchestration/executables/tasks/{taskId}")


def _pass_until(target: Target, moment: datetime) -> None:
    target.pass_time((moment - target.now()).total_seconds())


@pytest.mark.families("orchestration")
@pytest.mark.writes
def test_maintenance_window_walkthrough(target: Target) -> None:
    """Schedule a task, find its runs up to a date, pause it over a window that holds two of them, resume."""
    workspace_id, environment_id = _sandbox(target)
    with _made(target) as remember:
        task_id = _sandbox_task(target, workspace_id, environment_id, "maintenance", remember)
        config_path = f"/orchestration/executables/tasks/{task_id}/run-config"
        # Deleted before the task (newest first): no further run starts while the clean-up waits one out.
        remember(config_path)
        plan = _timetable(target)
        answer = target.put(config_path, json={"trigger": plan.trigger, "runtime": {"type": "CLOUD"}})
        target.check("maintenance_schedule_set", answer.status_code == 200,
                     f"the task's run-config takes the trigger {plan.trigger}: {describe(answer)}",
                     response=answer, operation="PUT /orchestration/executables/tasks/{taskId}/run-config")

        # Step 1 of the seed: the scheduled runs of the environment up to a date, and among them the task's.
        until = plan.starts[-1] + plan.gap / 2
        listed = [item for item in _scheduled_runs(target, environment_id, until) if item.get("id") == task_id]
        dates = [_instant(item.get("date")) for item in listed]
        target.check("scheduled_runs_listed",
                     len(dates) == len(plan.starts) and all(map(_near, dates, plan.starts))
                     and all(item.get("type") == "TASK" for item in listed),
                     f"the search up to {until.isoformat()} lists task {task_id} (type TASK) at the trigger's times "
                     f"{[s.isoformat() for s in plan.starts]}; listed {listed}",
                     operation="POST /orchestration/executables/events/search")

        # Step 2: the window holds the second and third runs; those are the runs to stop.
        margin = min(plan.gap * 0.4, timedelta(hours=1))
        opens, closes = plan.starts[1] - margin, plan.starts[2] + margin
        # Picked from the first answer, and asked of the target: the same search bounded to the window.
        inside = [d for d in dates if d is not None and opens <= d <= closes]
        bounded = [_instant(item.get("date")) for item in _scheduled_runs(target, environment_id, closes, opens)
                   if item.get("id") == task_id]
        target.check("maintenance_window_runs_identified",
                     inside == plan.starts[1:3] and len(bounded) == 2 and all(map(_near, bounded, plan.starts[1:3])),
                     f"the runs due in the window {opens.isoformat()} .. {closes.isoformat()} are "
                     f"{[s.isoformat() for s in plan.starts[1:3]]}: picked from the listing "
                     f"{[d.isoformat() for d in inside]}, listed by the search from/to the window "
                     f"{[d.isoformat() if d else d for d in bounded]}",
                     operation="POST /orchestration/executables/events/search")

        # The window opens: pause the task there and then, as the seed says; the run before it went ahead.
        _pass_until(target, opens)
        _pause(target, task_id, True, "maintenance_window_task_paused")
        before = target.wait_for(_started_run_at(target, task_id, plan.starts[0]), within=600.0, step=MOCK_STEP)
        target.check("scheduled_run_before_window_started", before is not None,
                     f"the run due at {plan.starts[0].isoformat()}, before the window, started as SCHEDULED; "
                     f"recorded: {'' if before else _recorded(target, task_id)}",
                     operation="GET /processing/executables/tasks/{taskId}/executions")

        # The window closes: nothing may have started inside it.
        _pass_until(target, closes)
        in_window = [run for run in _runs(target, task_id)
                     if (at := _instant(run.get("triggerTimestamp"))) is not None and opens <= at <= closes]
        started = [run for run in in_window if not run.get("misfiredExecutionReason") or run.get("startTimestamp")]
        target.check("maintenance_window_pause", not started,
                     f"no run of the paused task started in the window; started: {started}",
                     operation="GET /processing/executables/tasks/{taskId}/executions")
        target.check("maintenance_window_runs_misfire_paused",
                     all(run.get("misfiredExecutionReason") == "TASK_IS_PAUSED" for run in in_window),
                     f"the occurrences inside the window misfire with TASK_IS_PAUSED; recorded: {in_window}",
                     operation="GET /processing/executables/tasks/{taskId}/executions")

        # Resume; the next occurrence after the window runs again.
        _pause(target, task_id, False, "maintenance_window_task_resumed")
        _pass_until(target, plan.starts[3])
        after = target.wait_for(_started_run_at(target, task_id, plan.starts[3]), within=600.0, step=MOCK_STEP)
        target.check("scheduled_run_after_window_started", after is not None,
                     f"the run due at {plan.starts[3].isoformat()}, after the window, started as SCHEDULED once "
                     f"the task was resumed; recorded: {'' if after else _recorded(target, task_id)}",
                     operation="GET /processing/executables/tasks/{taskId}/executions")
