"""Domain objects -> the published JSON shapes. Optional fields are left out, never sent as null
(the published documents declare nothing nullable)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from flask import request

from . import context

from ..domain.model.definitions import Artifact, ArtifactVersion
from ..domain.runtimes import clusters
from ..domain.model.runtimes import Cluster
from ..domain.model.definitions import Connection
from ..domain.model.definitions import Principal
from ..domain.model.runtimes import Pairable, RemoteEngine
from ..domain.model.definitions import Environment, Workspace
from ..domain.model.executions import LogEntry, TaskExecution
from ..domain.common.paging import Page
from ..domain.model.runtimes import PipelineEngine, PipelineProfile
from ..domain.model.executables import PauseDetails
from ..domain.executions import plan_executions as plan_executions
from ..domain.model.executions import PlanExecution, StepExecution
from ..domain.model.executables import Plan
from ..domain.model.definitions import Project
from ..domain.model.executables import PromotionPlan
from ..domain.model.executables import Promotion
from ..domain.model.definitions import Resource
from ..domain.model.runtimes import RunProfile
from ..domain.runtimes.run_profiles import owner_of
from ..domain.scheduling.scheduled_events import ScheduledEvent
from ..domain.model.scheduling import Schedule
from ..domain.model.executables import Runtime, Task
from ..domain.common.timeutil import to_iso, to_ms
from ..domain.scheduling.triggers import manual_trigger
from ..domain.world import World

# Runtime types TaskExecutionStatus.runtime.type can carry; pipeline runs leave the type out.
_EXECUTION_RUNTIME_TYPES = ("CLOUD", "REMOTE_ENGINE", "REMOTE_ENGINE_CLUSTER", "CLOUD_EXCLUSIVE")


def _stamped(moment: datetime | None) -> datetime:
    """An object's creation, update or publication date. The domain sets them on every object it stores (from
    the fixtures, the API and promotions); its dataclasses default them to None only so that an object can be
    built first."""
    if moment is None:
        raise ValueError("an object of the world has no creation, update or publication date")
    return moment


def _iso(moment: datetime | None) -> str:
    return to_iso(_stamped(moment))


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def page(result: Page, item: Any) -> dict:
    return {"items": [item(x) for x in result.items], "limit": result.limit, "offset": result.offset,
            "total": result.total}


def environment_info(env: Environment) -> dict:
    return {"id": env.id, "name": env.name, "description": env.description,
            "maxCloudContainers": env.max_cloud_containers, "default": env.default}


def workspace(ws: Workspace, world: World) -> dict:
    """The Workspace answered on creation; only this shape spells the type with a capital letter."""
    owner = next((u for u in world.users.values() if u.login == ws.owner), None)
    return {"id": ws.id, "name": ws.name, "description": ws.description, "createDate": _iso(ws.created),
            "updateDate": _iso(ws.updated), "owner": ws.owner,
            "ownerFullName": owner.full_name if owner else ws.owner, "type": ws.type.capitalize(),
            "environmentId": ws.environment_id}


def workspace_info(ws: Workspace, world: World) -> dict:
    return {"id": ws.id, "name": ws.name, "description": ws.description, "owner": ws.owner, "type": ws.type,
            "environment": environment_info(world.environments[ws.environment_id]),
            "protectedArtifactUpdate": ws.protected_artifact_update}


def _engine(engine: Pairable, world: World) -> dict:
    """The fields remote and pipeline engines answer alike; the workspace only when there is one."""
    out = {"id": engine.id, "name": engine.name, "description": engine.description,
           "createDate": _iso(engine.created), "updateDate": _iso(engine.updated),
           "runtimeId": engine.runtime_id, "availability": engine.availability, "managed": False,
           "status": engine.status}
    if engine.workspace_id is not None:
        out["workspace"] = workspace_info(world.workspaces[engine.workspace_id], world)
    return out


def remote_engine(engine: RemoteEngine, world: World) -> dict:
    out = {**_engine(engine, world), "runProfiles": list(engine.run_profiles),
           "preAuthorizedKey": engine.pre_authorized_key}
    if engine.debug_host is not None:
        out["debug"] = {"host": engine.debug_host}
    if engine.cluster_id is not None:
        out["clusterId"] = engine.cluster_id
    if engine.esb_compatibility_version is not None:
        out["esbCompatibilityVersion"] = engine.esb_compatibility_version
    return out


def cluster(found: Cluster, world: World, *, with_engines: bool = True) -> dict:
    """EngineCluster; the list answers BaseEngine, which has no engines."""
    out = {"id": found.id, "name": found.name, "description": found.description,
           "workspace": workspace_info(world.workspaces[found.workspace_id], world),
           "createDate": _iso(found.created), "updateDate": _iso(found.updated), "runtimeId": found.runtime_id,
           "availability": clusters.availability(world, found), "managed": False}
    if with_engines:
        out["engines"] = list(found.engine_ids)
    return out


def run_profile(profile: RunProfile) -> dict:
    return {"id": profile.id, "name": profile.name, "description": profile.description,
            "createDate": _iso(profile.created), "updateDate": _iso(profile.updated), "type": profile.type,
            "jvmArguments": list(profile.jvm_arguments), "runtimeId": profile.runtime_id,
            "version": profile.version, "processorId": profile.owner_id, "processorType": profile.processor_type,
            "runProfileType": profile.type, "scopeId": profile.owner_id}


def pipeline_engine(engine: PipelineEngine, world: World) -> dict:
    return {**_engine(engine, world), "preAuthorizedKey": engine.pre_authorized_key, "cloudRunner": False,
            "runStatus": engine.run_status}


def pipeline_profile_extract(profile: PipelineProfile) -> dict:
    """PipelineRunProfileResponse, the list's items."""
    return {"name": profile.name, "description": profile.fields.get("description", ""), "engineId": profile.engine_id,
            "id": profile.id, "type": profile.type, "createDate": _iso(profile.created),
            "updateDate": _iso(profile.updated)}


def pipeline_profile(profile: PipelineProfile) -> dict:
    """The typed GETs: the fields as sent, with the read-only ones. The data-integration shape is the
    odd one out: its type is the job runtime kind and its createDate a date."""
    out = {**profile.fields, "id": profile.id, "engineId": profile.engine_id}
    if profile.type == "data-integration":
        out.update({"type": "JOB_SERVER", "createDate": _stamped(profile.created).date().isoformat(),
                    "updateDate": _iso(profile.updated)})
    else:
        out.update({"type": profile.type, "createDate": _iso(profile.created),
                    "updateDate": _iso(profile.updated)})
    return out


def base_run_profile(profile: RunProfile, world: World) -> dict:
    # owner_of answers a remote engine or a cluster, both of which have a workspace_id; the ProfileOwner
    # protocol it is typed with does not declare one.
    owner = cast(RemoteEngine | Cluster, owner_of(world, profile))
    out = {"id": profile.id, "name": profile.name, "scopeId": profile.owner_id, "runProfileType": profile.type,
           "processorType": profile.processor_type, "processorId": profile.owner_id,
           "description": profile.description, "createDate": _iso(profile.created),
           "updateDate": _iso(profile.updated)}
    if owner.workspace_id is not None:
        out["workspaceId"] = owner.workspace_id
    return out


def artifact(art: Artifact, world: World) -> dict:
    return {"id": art.id, "name": art.name, "type": art.type, "versions": [v.version for v in art.versions],
            "workspace": workspace_info(world.workspaces[art.workspace_id], world)}


def artifact_version(art: Artifact, version: ArtifactVersion, world: World) -> dict:
    return {"id": art.id, "name": art.name, "version": version.version, "type": art.type,
            "description": art.description, "publisher": version.publisher, "publisherType": "HUMAN",
            # Not known for artifacts published outside the Talend marketplace; required, so sent empty.
            "marketplaceProduct": "",
            "parameters": [{"name": name, "value": value, "type": "String", "required": False}
                           for name, value in version.parameters.items()],
            "workspace": workspace_info(world.workspaces[art.workspace_id], world),
            "createDate": _iso(version.published)}


def connection(conn: Connection, world: World) -> dict:
    """Encrypted parameter values are never sent back."""
    return {"id": conn.id, "name": conn.name, "app": conn.app,
            "parameters": [_compact({"name": p.name, "value": None if p.encrypted else p.value,
                                     "encrypted": p.encrypted}) for p in conn.parameters],
            "workspace": workspace_info(world.workspaces[conn.workspace_id], world),
            "createDate": _iso(conn.created), "updateDate": _iso(conn.updated)}


def _trigger(executable: Task | Plan, world: World) -> dict:
    """The trigger as set, or MANUAL; a WEBHOOK trigger shows the address that starts a run."""
    trigger = executable.trigger or manual_trigger(executable.created or world.now)
    if executable.webhook_id is None:
        return trigger
    url = f"{request.host_url}_mocktmc/webhooks/{executable.webhook_id}"
    return {**trigger, "webhook": {**trigger["webhook"], "url": url}}


def task_run_config(task: Task, world: World) -> dict:
    """The published defaults are filled in: a MANUAL trigger, WARN, no parallel runs."""
    return _compact({
        "trigger": _trigger(task, world), "runtime": _runtime(task.runtime),
        "parallelExecutionAllowed": task.parallel_execution_allowed, "logLevel": task.log_level,
        "remoteRunAsUser": task.remote_run_as_user, "timeout": task.timeout,
        "deploymentStrategy": task.deployment_strategy, "lineage": task.lineage,
        "microservicePort": task.microservice_port})


def _runtime(runtime: Runtime) -> dict:
    return _compact({"type": runtime.type, "id": runtime.id, "runProfileId": runtime.run_profile_id})


def task_extract(task: Task, world: World) -> dict:
    ws = world.workspaces[task.workspace_id]
    env = world.environments[ws.environment_id]
    # `executable` is the published field; `id` carries the same value for clients that read it.
    return {"executable": task.id, "id": task.id, "name": task.name,
            "workspace": {"id": ws.id, "name": ws.name, "description": ws.description, "owner": ws.owner,
                          "type": ws.type, "environment": {"id": env.id, "name": env.name,
                                                           "description": env.description,
                                                           "default": env.default}},
            "artifactId": task.artifact_id, "runtime": _runtime(task.runtime)}


def task_v21(task: Task, world: World) -> dict:
    artifact = world.artifacts[task.artifact_id]
    out = {"id": task.id, "name": task.name, "description": task.description, "version": task.version,
           "artifact": {"id": artifact.id, "name": artifact.name, "version": task.artifact_version},
           "workspace": workspace_info(world.workspaces[task.workspace_id], world),
           "tags": list(task.tags), "connections": dict(task.connections), "parameters": dict(task.parameters),
           "resources": dict(task.resources),
           "autoUpgradeInfo": {"autoUpgradable": task.auto_upgradable,
                               "overrideWithDefaultParameters": task.override_with_default_parameters}}
    if task.pause is not None:
        out["taskPauseDetails"] = pause_details(task.pause)
    return out


def pause_details(pause: PauseDetails) -> dict:
    return _compact({"pause": pause.pause, "pauseContext": pause.context, "user": pause.user,
                     "userType": pause.user_type, "pauseDate": to_iso(pause.date) if pause.date else None})


def plan(found: Plan, world: World) -> dict:
    """The Plan answered by create and replace."""
    return {"id": found.id, "name": found.name, "description": found.description,
            "workspace": workspace_info(world.workspaces[found.workspace_id], world),
            "createDate": _iso(found.created), "updateDate": _iso(found.updated), "author": found.author,
            "authorType": found.author_type,
            "steps": [_compact({"id": step.id, "name": step.name, "condition": step.condition,
                                "taskIds": list(step.task_ids), "note": step.note or None,
                                "handlerOnFailure": {"taskIds": list(step.on_failure_task_ids),
                                                     "planIds": list(step.on_failure_plan_ids)}})
                      for step in found.steps]}


# How a step's condition reads in the chart: the outcome after which the plan goes on.
_CHART_STATUS = {"ALL_SUCCEEDED": "SUCCESS", "AT_LEAST_ONE_SUCCEEDED": "PARTIAL_SUCCESS",
                 "ALWAYS_PROCEED_ON": "PROCEED"}


def _plan_task(task: Task, world: World) -> dict:
    artifact = world.artifacts.get(task.artifact_id)
    return _compact({"id": task.id, "name": task.name, "version": task.version, "description": task.description,
                     "destination": task.runtime.type, "workspaceId": task.workspace_id,
                     "artifact": {"id": task.artifact_id, "name": artifact.name if artifact else None,
                                  "version": task.artifact_version},
                     "taskPauseDetails": pause_details(task.pause) if task.pause else None})


def plan_chart(found: Plan, world: World) -> dict | None:
    """The steps as the published linked list: nextStep in design order, stepOnException for handlers."""
    chart: dict[str, Any] | None = None
    for step in reversed(found.steps):
        node: dict[str, Any] = {
            "id": step.id, "abstractStepId": step.id, "name": step.name, "status": _CHART_STATUS[step.condition],
            "taskIds": list(step.task_ids), "flows": [_plan_task(world.tasks[t], world) for t in step.task_ids
                                                      if t in world.tasks]}
        if step.note:
            node["note"] = step.note
        if step.on_failure_task_ids:
            node["stepOnException"] = {"id": f"{step.id}-on-failure", "abstractStepId": step.id,
                                       "name": f"{step.name} (on failure)", "status": "FAIL",
                                       "taskIds": list(step.on_failure_task_ids),
                                       "flows": [_plan_task(world.tasks[t], world) for t in step.on_failure_task_ids
                                                 if t in world.tasks]}
        if chart is not None:
            node["nextStep"] = chart
        chart = node
    return chart


def plan_details(found: Plan, world: World) -> dict:
    """PlanExecutableDetails: list items and GET /{planId}."""
    return _compact({"executable": found.id, "name": found.name, "description": found.description,
                     "workspace": workspace_info(world.workspaces[found.workspace_id], world),
                     "chart": plan_chart(found, world),
                     "planPauseDetails": pause_details(found.pause) if found.pause else None})


def promotion(found: Promotion, world: World) -> dict:
    return {"executable": found.id, "name": found.name, "description": found.description,
            "sourceEnvironment": environment_info(world.environments[found.source_environment_id]),
            "targetEnvironment": environment_info(world.environments[found.target_environment_id])}


def project(found: Project) -> dict:
    return {"id": found.id, "name": found.name, "technicalLabel": found.technical_label,
            "description": found.description, "url": found.url, "author": found.author, "owner": found.owner,
            "projectType": found.project_type, "repoType": found.repo_type, "createDate": _iso(found.created),
            "updateDate": _iso(found.updated)}


def resource(found: Resource, world: World) -> dict:
    return {"id": found.id, "name": found.name, "description": found.description,
            "workspaceInfo": workspace_info(world.workspaces[found.workspace_id], world), "file": True}


def scheduled_event(event: ScheduledEvent) -> dict:
    return _compact({"id": event.id, "sourceTriggerName": event.source_trigger_name, "date": to_iso(event.date),
                     "type": event.type})


def schedule(found: Schedule) -> dict:
    return _compact({"id": found.id, "environmentId": found.environment_id, "description": found.description,
                     "triggers": [dict(t) for t in found.triggers], "executableId": found.executable_id,
                     "executableType": found.executable_type})


_ITEM_LISTS = {"FLOW": "flows", "PLAN": "plans", "ACTION": "actions", "CONNECTION": "connections",
               "RESOURCE": "resources"}


def _report(status: str, messages: list[tuple[str, str]]) -> dict:
    return {"status": status, "messages": [{"info": info, "level": level} for level, info in messages]}


def promotion_result(plan: PromotionPlan, *, execution_id: str, at: datetime, principal: Principal, status: str,
                     report: str = "analyzeReport", context: str | None = None,
                     finished: datetime | None = None) -> dict:
    """PromotionExecutionStatusV26: the analysis (analyzeReport) or the run (promotionReport) of a plan."""
    workspaces = []
    for ws in plan.workspaces:
        entry = _compact({"id": ws.source_id, "targetId": ws.target_id, "name": ws.name, "type": "WORKSPACE",
                          "workspaceType": ws.workspace_type, report: _report(ws.status, [])})
        for item in ws.items:
            entry.setdefault(_ITEM_LISTS[item.kind], []).append(_compact({
                "id": item.source_id, "targetId": item.target_id, "name": item.name, "type": item.kind,
                report: _report(item.status, item.messages), "artifactId": item.artifact_id,
                # FlowPromotionResult declares an integer version, which a task version is not: left out.
                "version": item.version if item.kind != "FLOW" else None,
                "versions": [{"id": item.source_id, "name": item.name, "type": item.kind, "version": version,
                              report: _report(status, [])} for version, status in item.versions] or None}))
        workspaces.append(entry)
    return _compact({
        "executionId": execution_id, "promotionId": plan.promotion_id, "triggerTimestamp": to_iso(at),
        "startTimestamp": to_iso(at), "finishTimestamp": to_iso(finished) if finished else None,
        "userId": principal.user_id,
        "userType": principal.user_type, "keepTargetResources": plan.keep_target_resources,
        "keepTargetRunProfiles": plan.keep_target_run_profiles,
        "advanced": {"artifactId": plan.scope[1], "artifactType": plan.scope[0]} if plan.scope else None,
        "status": status, "context": context, "workspaces": workspaces})


def plan_run_config(found: Plan, world: World) -> dict:
    return {"trigger": _trigger(found, world), "parallelExecutionAllowed": found.parallel_execution_allowed}


def _timestamps(run: TaskExecution) -> dict:
    finished = run.shown_finish(context.state().accounts.quirks)
    return _compact({"triggerTimestamp": to_iso(run.triggered),
                     "startTimestamp": to_iso(run.started) if run.started else None,
                     "finishTimestamp": to_iso(finished) if finished else None})


def job_execution_status(run: TaskExecution) -> dict:
    """GET /processing/executions/{id}: the full run record (JobExecutionStatusV21)."""
    runtime = run.runtime
    return _compact({
        "executionId": run.id, "accountId": run.account_id, "workspaceId": run.workspace_id,
        "jobId": run.task_id, "jobVersion": run.task_version, "environmentVersion": "1.3",
        "executionType": run.execution_type, "userId": run.principal.user_id, "userType": run.principal.user_type,
        "executionDestination": run.destination,
        "status": run.status, "executionStatus": run.execution_status,
        **_timestamps(run),
        "remoteEngineId": runtime.id if runtime.type == "REMOTE_ENGINE" else None,
        "remoteEngineClusterId": runtime.id if runtime.type == "REMOTE_ENGINE_CLUSTER" else None,
        "runProfileId": runtime.run_profile_id,
        "numberOfProcessedRows": run.processed_rows, "numberOfRejectedRows": run.rejected_rows,
        "errorType": run.error_type, "errorMessage": run.error_message,
        "timeout": run.timeout, "apiVersion": run.api_version, "misfiredExecutionReason": run.misfire_reason,
        "planId": run.plan_execution_id,  # "Plan execution ID" here; TaskExecutionStatus carries the plan id
    })


def task_execution_status(run: TaskExecution) -> dict:
    """An item of a task's execution history (TaskExecutionStatus)."""
    runtime = run.runtime
    return _compact({
        "executionId": run.id, "taskId": run.task_id, "taskVersion": run.task_version,
        "executionType": run.execution_type, "userId": run.principal.user_id, "userType": run.principal.user_type,
        "status": run.status, "executionStatus": run.execution_status,
        **_timestamps(run),
        "parallelExecutionAllowed": run.parallel_execution_allowed,
        "runtime": _compact({"type": runtime.type if runtime.type in _EXECUTION_RUNTIME_TYPES else None,
                             "id": runtime.id, "runProfileId": runtime.run_profile_id}),
        "errorMessage": run.error_message, "timeout": run.timeout, "apiVersion": run.api_version,
        "misfiredExecutionReason": run.misfire_reason, "planId": run.plan_id,
    })


def plan_execution_status(prun: PlanExecution, world: World) -> dict:
    done = plan_executions.done_runs(world, prun)
    return _compact({
        "executionId": prun.id, "planId": prun.plan_id, "executionType": prun.execution_type,
        "userId": prun.principal.user_id, "userType": prun.principal.user_type,
        "status": prun.status, "executionStatus": prun.execution_status,
        "startTimestamp": to_iso(prun.started or prun.triggered),
        "finishTimestamp": to_iso(prun.finished) if prun.finished else None,
        "plannedExecutableCount": prun.planned, "doneExecutableCount": len(done),
        "doneExecutableDetails": [job_execution_status(run) for run in done],
        "misfiredExecutionReason": prun.misfire_reason, "apiVersion": "2021-03"})


def step_execution(step: StepExecution, prun: PlanExecution) -> dict:
    return _compact({"id": step.id, "executionId": prun.id, "startTimestamp": to_iso(step.started),
                     "finishTimestamp": to_iso(step.finished) if step.finished else None,
                     "executionStatus": step.status})


def step_details(world: World, prun: PlanExecution, step_id: str, started: datetime | None,
                 finished: datetime | None, run_ids: list[str], status: str) -> dict:
    runs = [world.executions[i] for i in run_ids]
    done = [run for run in runs if run.terminal]
    return _compact({"id": step_id, "executionId": prun.id, "startTimestamp": to_iso(started) if started else None,
                     "finishTimestamp": to_iso(finished) if finished else None, "executionStatus": status,
                     "plannedExecutableCount": len(runs), "doneExecutableCount": len(done),
                     "doneTaskExecutableDetails": [job_execution_status(run) for run in done],
                     "donePlanExecutableDetails": []})


def log_entry(entry: LogEntry, run: TaskExecution) -> dict:
    return {"logTimestamp": to_ms(entry.timestamp), "severity": entry.severity, "logType": entry.log_type,
            "logMessage": entry.message, "bundleName": run.bundle_name, "bundleVersion": run.bundle_version,
            "podName": f"{run.destination.lower().replace('_', '-')}-{run.id[:8]}"}
