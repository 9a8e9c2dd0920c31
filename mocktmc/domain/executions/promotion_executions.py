"""Promotion runs: the planner's plan applied to the target environment, a few seconds after the start.

What is copied: workspaces (created when missing), artifact versions the target lacks, connections
(new ones with their secured values replaced by <change me>; existing ones reused), resources
(replaced unless keepTargetResources), tasks and plans (created or replaced, with their
references mapped to the target's objects; auto-upgrade is off on a first promotion).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..common.lookups import find
from ..executables.promotion_plan import plan_promotion
from ..model.definitions import (
    Artifact,
    Connection,
    ConnectionParameter,
    Principal,
    Resource,
    Workspace,
)
from ..model.executables import Plan, Promotion, Step, Task
from ..model.executions import PromotionExecution
from ..world import AgendaEvent, World

DURATION = timedelta(seconds=5)
CHANGE_ME = "<change me>"


@dataclass(frozen=True)
class PromotionDue(AgendaEvent):
    run_id: str

    def apply(self, world: "World", at: datetime) -> None:
        run = world.promotion_executions.get(self.run_id)
        if run is not None and run.status == "PROMOTION_STARTED":
            complete(world, run, at)


def start_promotion(world: "World", promotion: Promotion, principal: Principal, at: datetime, *,
                    keep_target_resources: bool, keep_target_run_profiles: bool,
                    scope: tuple[str, str] | None, context: str | None) -> PromotionExecution:
    plan = plan_promotion(world, promotion, keep_target_resources=keep_target_resources,
                          keep_target_run_profiles=keep_target_run_profiles, scope=scope)
    run = PromotionExecution(world.ids.uuid(), copy.deepcopy(promotion), principal, at, plan, context)
    world.promotion_executions[run.id] = run
    world.schedule(at + DURATION, PromotionDue(run.id))
    return run


def promotion_execution(world: "World", run_id: str) -> PromotionExecution:
    return find(world.promotion_executions, run_id, "Promotion execution")


def complete(world: "World", run: PromotionExecution, at: datetime) -> None:
    """Apply the plan, re-planned now: the environments may have changed since the start."""
    run.plan = plan_promotion(world, run.promotion, keep_target_resources=run.plan.keep_target_resources,
                              keep_target_run_profiles=run.plan.keep_target_run_profiles, scope=run.plan.scope)
    target_env = run.promotion.target_environment_id
    ids = run.target_ids
    for ws_plan in run.plan.workspaces:
        source_ws = world.workspaces[ws_plan.source_id]
        if ws_plan.target_id is None:
            created = Workspace(world.ids.hex24(), source_ws.name, target_env, source_ws.type, source_ws.description,
                                source_ws.owner, source_ws.protected_artifact_update, at, at)
            world.workspaces[created.id] = created
            ws_plan.target_id = created.id
        ids[ws_plan.source_id] = target_ws = ws_plan.target_id
        by_kind = {kind: [i for i in ws_plan.items if i.kind == kind]
                   for kind in ("ACTION", "CONNECTION", "RESOURCE", "FLOW", "PLAN")}
        # Each kind gets its own source and target names: they hold different types.
        for item in by_kind["ACTION"]:
            source_artifact = world.artifacts[item.source_id]
            target_artifact = world.artifacts.get(item.target_id) if item.target_id else None
            if target_artifact is None:
                target_artifact = Artifact(world.ids.hex24(), source_artifact.name, target_ws, source_artifact.type,
                                           source_artifact.description, [])
                world.artifacts[target_artifact.id] = target_artifact
            for version in source_artifact.versions:
                if target_artifact.version(version.version) is None:
                    target_artifact.versions.append(copy.deepcopy(version))
            ids[item.source_id] = item.target_id = target_artifact.id
        for item in by_kind["CONNECTION"]:
            if item.target_id is None:
                source_connection = world.connections[item.source_id]
                new_connection = Connection(
                    world.ids.hex24(), source_connection.name, source_connection.app, target_ws,
                    [ConnectionParameter(p.name, CHANGE_ME if p.encrypted else p.value, p.encrypted)
                     for p in source_connection.parameters], at, at)
                world.connections[new_connection.id] = new_connection
                item.target_id = new_connection.id
            ids[item.source_id] = item.target_id
        for item in by_kind["RESOURCE"]:
            source_resource = world.resources[item.source_id]
            if item.target_id is None:
                new_resource = Resource(world.ids.hex24(), source_resource.name, target_ws, source_resource.content,
                                        source_resource.description, at)
                world.resources[new_resource.id] = new_resource
                item.target_id = new_resource.id
            elif item.status == "REPLACED":
                world.resources[item.target_id].content = source_resource.content
            ids[item.source_id] = item.target_id
        for item in by_kind["FLOW"]:
            ids[item.source_id] = item.target_id = _promote_task(world, world.tasks[item.source_id], item.target_id,
                                                                 target_ws, ids, at,
                                                                 run.plan.keep_target_run_profiles)
        for item in by_kind["PLAN"]:
            ids[item.source_id] = item.target_id = _promote_plan(world, world.plans[item.source_id], item.target_id,
                                                                 target_ws, ids, at)
    warned = any(level == "WARN" for ws in run.plan.workspaces for i in ws.items for level, _ in i.messages)
    run.status, run.finished = ("PROMOTION_WARNING" if warned else "PROMOTED"), at


def _promote_task(world: "World", source: Task, target_id: str | None, target_ws: str, ids: dict,
                  at: datetime, keep_target_run_profiles: bool) -> str:
    """A replaced task keeps its own runtime (engine and run profile) only with keepTargetRunProfiles."""
    fields = dict(workspace_id=target_ws, artifact_id=ids.get(source.artifact_id, source.artifact_id),
                  artifact_version=source.artifact_version, description=source.description, tags=list(source.tags),
                  parameters=dict(source.parameters),
                  connections={k: ids.get(v, v) for k, v in source.connections.items()},
                  resources={k: ids.get(v, v) for k, v in source.resources.items()})
    if target_id is None:
        target = Task(id=world.ids.hex24(), name=source.name, created=at, runtime=copy.deepcopy(source.runtime),
                      auto_upgradable=False, **fields)  # auto-upgrade is forced off on a first promotion
        world.tasks[target.id] = target
        return target.id
    target = world.tasks[target_id]
    if not keep_target_run_profiles:
        fields["runtime"] = copy.deepcopy(source.runtime)
    for name, value in fields.items():
        setattr(target, name, value)
    return target_id


def _promote_plan(world: "World", source: Plan, target_id: str | None, target_ws: str, ids: dict,
                  at: datetime) -> str:
    steps = [Step(world.ids.uuid(), s.name, [ids.get(t, t) for t in s.task_ids], s.condition,
                  [ids.get(t, t) for t in s.on_failure_task_ids], s.note) for s in source.steps]
    if target_id is None:
        target = Plan(world.ids.uuid(), source.name, target_ws, steps, source.description, source.author, at, at)
        world.plans[target.id] = target
        return target.id
    target = world.plans[target_id]
    target.steps, target.description, target.updated = steps, source.description, at
    return target_id
