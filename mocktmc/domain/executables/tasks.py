"""Tasks: an artifact version deployed in a workspace with its parameters and run settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from ...errors import BadRequest, Conflict, NotFound
from ..executions.task_executions import nothing_to_terminate, terminate_execution
from ..model.definitions import Principal
from ..model.executables import LOG_LEVELS, RUNTIME_TYPES, Runtime, Task
from ..model.runtimes import PipelineProfile, RunProfile
from ..scheduling.scheduler import arm
from ..scheduling.schedules import unlink
from ..scheduling.triggers import check_trigger, manual_trigger
from ..world import World
from .pausing import set_pause
from .plans import plans_using_task


@dataclass(frozen=True)
class TaskFilter:
    """What the task list (GET) and the task search (POST) can select on; None selects everything."""
    environment_id: str | None = None
    workspace_id: str | None = None
    name: str | None = None  # case-insensitively: how names start (quirk task_name_prefix), else contained
    artifact_id: str | None = None
    runtime_type: str | None = None
    runtime_id: str | None = None
    run_profile_id: str | None = None
    tags: tuple[str, ...] = ()  # every one of them
    trigger_type: str | None = None


def select_tasks(world: "World", wanted: TaskFilter) -> list[Task]:
    """Matching tasks in creation order."""
    name = (wanted.name or "").lower()
    named = str.startswith if "task_name_prefix" in world.quirks else str.__contains__

    def keep(task: Task) -> bool:
        ws = world.workspaces[task.workspace_id]
        return ((wanted.environment_id is None or ws.environment_id == wanted.environment_id)
                and (wanted.workspace_id is None or ws.id == wanted.workspace_id)
                and named(task.name.lower(), name)
                and (wanted.artifact_id is None or task.artifact_id == wanted.artifact_id)
                and (wanted.runtime_type is None or task.runtime.type == wanted.runtime_type)
                and (wanted.runtime_id is None or task.runtime.id == wanted.runtime_id)
                and (wanted.run_profile_id is None or task.runtime.run_profile_id == wanted.run_profile_id)
                and all(tag in task.tags for tag in wanted.tags)
                and (wanted.trigger_type is None or trigger_type(task) == wanted.trigger_type.upper()))
    return [task for task in world.tasks.values() if keep(task)]


def trigger_type(task: Task) -> str:
    """A task without a run configuration runs only when asked: MANUAL."""
    return (task.trigger or {}).get("type", "MANUAL")


@dataclass(frozen=True)
class RunConfig:
    trigger: Mapping[str, Any]
    runtime: Runtime
    parallel_execution_allowed: bool = False
    log_level: str = "WARN"
    remote_run_as_user: str | None = None
    timeout: int | None = None
    deployment_strategy: str = "PARALLEL"
    lineage: bool = False
    microservice_port: str | None = None


def _runtime(runtime: Runtime) -> Runtime:
    if runtime.type not in RUNTIME_TYPES:
        raise BadRequest(f"runtime.type must be one of {', '.join(RUNTIME_TYPES)}, got {runtime.type!r}")
    if runtime.type in ("REMOTE_ENGINE", "REMOTE_ENGINE_CLUSTER", "PIPELINE_ENGINE") and not runtime.id:
        raise BadRequest(f"runtime.id is required for a {runtime.type} runtime")
    # "Empty for cloud engines": a cloud runtime carries no engine id.
    return Runtime(runtime.type, None if runtime.type in ("CLOUD", "CLOUD_EXCLUSIVE") else runtime.id,
                   runtime.run_profile_id)


def _check_engine(world: "World", runtime: Runtime) -> None:
    """A remote engine (cluster) runtime names one of the account and, optionally, one of its run profiles."""
    # The owners are only asked whether they hold the id, and a profile only for its owner_id.
    kinds: dict[str, tuple[Mapping[str, object], str, Mapping[str, RunProfile | PipelineProfile]]] = {
        "REMOTE_ENGINE": (world.remote_engines, "remote engine", world.run_profiles),
        "REMOTE_ENGINE_CLUSTER": (world.clusters, "remote engine cluster", world.run_profiles),
        "PIPELINE_ENGINE": (world.pipeline_engines, "pipeline engine", world.pipeline_profiles),
    }
    owners, label, profiles = kinds[runtime.type]
    if runtime.id not in owners:
        raise BadRequest(f"runtime.id: {label} {runtime.id} does not exist")
    profile = profiles.get(runtime.run_profile_id) if runtime.run_profile_id else None
    if runtime.run_profile_id and (profile is None or profile.owner_id != runtime.id):
        raise BadRequest(f"runtime.runProfileId: {runtime.run_profile_id} is not a run profile of {label} {runtime.id}")


def configure_run(world: "World", task_id: str, config: RunConfig, by: "Principal | None" = None) -> Task:
    """PUT run-config: how and when the task runs (runs started later use it; scheduled runs run as `by`)."""
    task = world.task(task_id)
    trigger = check_trigger(config.trigger, today=world.now.date())
    if config.log_level not in LOG_LEVELS:
        raise BadRequest(f"logLevel must be one of {', '.join(LOG_LEVELS)}, got {config.log_level!r}")
    if config.timeout is not None and config.timeout < 1:
        raise BadRequest(f"timeout must be at least 1 minute, got {config.timeout}")
    if config.deployment_strategy not in ("ROLLING", "PARALLEL"):
        raise BadRequest(f"deploymentStrategy must be ROLLING or PARALLEL, got {config.deployment_strategy!r}")
    runtime = _runtime(config.runtime)
    if runtime.type in ("REMOTE_ENGINE", "REMOTE_ENGINE_CLUSTER", "PIPELINE_ENGINE"):
        _check_engine(world, runtime)
    unlink(world, task.id)  # a trigger of its own replaces a linked schedule (once the request is known good)
    task.runtime, task.trigger = runtime, trigger
    task.parallel_execution_allowed, task.log_level, task.timeout = (config.parallel_execution_allowed,
                                                                     config.log_level, config.timeout)
    task.remote_run_as_user, task.deployment_strategy = config.remote_run_as_user, config.deployment_strategy
    task.lineage, task.microservice_port = config.lineage, config.microservice_port
    task.scheduled_by = by
    arm(world, task.id)
    return task


def stop_schedule(world: "World", task_id: str) -> None:
    """DELETE run-config: the task no longer runs on a schedule; it still runs when asked."""
    unlink(world, task_id)
    world.task(task_id).trigger = None
    arm(world, task_id)


def configure_de_run(world: "World", task_id: str, config: Mapping[str, Any]) -> dict:
    """PUT de-run-config: the Dynamic Engine run configuration, kept as set once checked."""
    task = world.task(task_id)
    checked = dict(config)
    checked["trigger"] = check_trigger(config.get("trigger") or {}, today=world.now.date())
    if checked.get("logLevel", "WARN") not in LOG_LEVELS:
        raise BadRequest(f"logLevel must be one of {', '.join(LOG_LEVELS)}, got {checked.get('logLevel')!r}")
    if checked.get("timeout") is not None and checked["timeout"] < 1:
        raise BadRequest(f"timeout must be at least 1 minute, got {checked['timeout']}")
    task.de_run_config = checked
    return checked


def de_run_config(world: "World", task_id: str) -> dict:
    task = world.task(task_id)
    if task.de_run_config is None:
        raise NotFound(f"Task {task.name!r} has no Dynamic Engine run configuration")
    return task.de_run_config


def stop_de_schedule(world: "World", task_id: str) -> None:
    config = de_run_config(world, task_id)
    config["trigger"] = manual_trigger(world.task(task_id).created or world.now)


def _text_map(values: Mapping[str, Any] | None, what: str) -> dict[str, str]:
    out = {}
    for key, value in (values or {}).items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise BadRequest(f"{what}.{key}: must be a string or a number")
        out[str(key)] = str(value)
    return out


@dataclass(frozen=True)
class TaskDefinition:
    """The fields a client sets on a task (create and full replace)."""
    workspace_id: str
    name: str
    artifact_id: str
    artifact_version: str
    description: str = ""
    tags: tuple[str, ...] = ()
    connections: Mapping[str, Any] | None = None
    parameters: Mapping[str, Any] | None = None
    resources: Mapping[str, Any] | None = None
    auto_upgradable: bool = False
    override_with_default_parameters: bool = False


def _checked(world: "World", spec: TaskDefinition, *, default_parameters: bool = True
             ) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Referential integrity: the workspace, the artifact version, connections and resources in it; the task's
    parameters: those sent, over the artifact version's defaults unless `default_parameters` is False."""
    if not spec.name.strip():
        raise BadRequest("The task name must not be empty")
    if spec.workspace_id not in world.workspaces:
        raise BadRequest(f"Workspace {spec.workspace_id} does not exist")
    art = world.artifacts.get(spec.artifact_id)
    if art is None or art.workspace_id != spec.workspace_id:
        raise BadRequest(f"Artifact {spec.artifact_id} does not exist in workspace {spec.workspace_id}")
    version = art.version(spec.artifact_version)
    if version is None:
        raise BadRequest(f"Artifact {art.name!r} has no version {spec.artifact_version!r}")
    connections = _text_map(spec.connections, "connections")
    for key, connection_id in connections.items():
        conn = world.connections.get(connection_id)
        if conn is None or conn.workspace_id != spec.workspace_id:
            raise BadRequest(f"connections.{key}: connection {connection_id} does not exist in the task's workspace")
    resources = _text_map(spec.resources, "resources")
    for key, resource_id in resources.items():
        found = world.resources.get(resource_id)
        if found is None or found.workspace_id != spec.workspace_id:
            raise BadRequest(f"resources.{key}: resource {resource_id} does not exist in the task's workspace")
    parameters = dict(version.parameters) if default_parameters else {}
    parameters.update(_text_map(spec.parameters, "parameters"))
    return connections, parameters, resources


def create_task(world: "World", environment_id: str, spec: TaskDefinition, at: datetime) -> Task:
    """A new task on the CLOUD runtime, its parameters defaulting to the artifact version's."""
    if spec.workspace_id in world.workspaces and world.workspaces[spec.workspace_id].environment_id != environment_id:
        raise BadRequest(f"Workspace {spec.workspace_id} is not in environment {environment_id}")
    connections, parameters, resources = _checked(world, spec)
    task = Task(id=world.ids.hex24(), name=spec.name, workspace_id=spec.workspace_id, artifact_id=spec.artifact_id,
                artifact_version=spec.artifact_version, description=spec.description, tags=list(spec.tags),
                parameters=parameters, connections=connections, resources=resources,
                auto_upgradable=spec.auto_upgradable,
                override_with_default_parameters=spec.override_with_default_parameters, created=at)
    world.tasks[task.id] = task
    return task


def _next_version(version: str) -> str:
    major, _, minor = version.partition(".")
    return f"{major}.{int(minor) + 1}" if major.isdigit() and minor.isdigit() else version


def replace_task(world: "World", task_id: str, spec: TaskDefinition) -> Task:
    """PUT: every field is replaced (left out: empty; parameters too, as the service does: quirk
    task_put_replaces, else refilled from the artifact version's defaults); a task may move to a workspace
    of its environment."""
    task = world.task(task_id)
    target = world.workspaces.get(spec.workspace_id)
    if target is not None and target.environment_id != world.workspaces[task.workspace_id].environment_id:
        raise BadRequest("A task can only move to a workspace of its own environment")
    connections, parameters, resources = _checked(
        world, spec, default_parameters="task_put_replaces" not in world.quirks)
    task.workspace_id, task.name, task.description = spec.workspace_id, spec.name, spec.description
    task.artifact_id, task.artifact_version, task.tags = spec.artifact_id, spec.artifact_version, list(spec.tags)
    task.connections, task.parameters, task.resources = connections, parameters, resources
    task.auto_upgradable = spec.auto_upgradable
    task.override_with_default_parameters = spec.override_with_default_parameters
    task.version = _next_version(task.version)
    return task


def upgrade_task(world: "World", task_id: str, *, latest_artifact: bool) -> None:
    """PATCH: move the task to its artifact's latest version (new parameters take the version's defaults)."""
    task = world.task(task_id)
    if not latest_artifact:
        return
    latest = world.artifacts[task.artifact_id].latest
    if latest.version == task.artifact_version:
        return
    for name, value in latest.parameters.items():
        task.parameters.setdefault(name, value)
    task.artifact_version = latest.version
    task.version = _next_version(task.version)


def delete_task(world: "World", task_id: str, *, allow_running: bool = False) -> None:
    """Refused (409) while a plan uses the task or, unless `allow_running`, a run of it is still going."""
    task = world.task(task_id)
    plans = [plan.name for plan in plans_using_task(world, task.id)]
    if plans:
        raise Conflict(f"Task {task.name!r} is used by plan(s) {', '.join(plans)}")
    if not allow_running and world.execution_index.running(task.id):
        raise Conflict(f"Task {task.name!r} has executions in progress")
    unlink(world, task.id)
    del world.tasks[task.id]
    arm(world, task.id)


def change_pause(world: "World", task_id: str, at: datetime, principal: "Principal", *, pause: bool,
                 context: str = "") -> bool:
    """Pause or resume; True when the state changed (202), False when it already was so (204)."""
    return set_pause(world.task(task_id), at, principal, pause, context)

def delete_task_terminating_runs(world: "World", task_id: str, principal: Principal, at: datetime) -> None:
    """Delete a task, first asking each of its unfinished runs to stop (v2.6 `terminateExecutions`).

    The runs carry on to their terminated state without the task, as runs of a deleted task do.
    """
    task = world.task(task_id)
    delete_task(world, task.id, allow_running=True)
    for run in [r for r in world.execution_index.active.values() if r.task_id == task.id]:
        if nothing_to_terminate(run) is None:
            terminate_execution(world, run, principal, at)
