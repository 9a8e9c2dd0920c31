"""What a promotion would do: objects of the source environment matched by name in the target.

The analysis answers this plan as it is; the execution (Processing) applies the same plan. The
default scope is the whole environment; an advanced scope narrows it to one workspace, plan,
task (FLOW) or artifact (ACTION) and what it needs.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ...errors import BadRequest, NotFound
from ..model.definitions import Artifact, Workspace
from ..model.executables import Item, Plan, Promotion, PromotionPlan, Task, WorkspacePlan
from ..world import World

SCOPES = ("WORKSPACE", "PLAN", "FLOW", "ACTION")


def _by_name(items: Iterable, workspace_id: str | None) -> dict:
    return {i.name: i for i in items if workspace_id is not None and i.workspace_id == workspace_id}


def _contents(world: "World", workspace_ids: set[str]):
    """(workspace ids, task ids, plan ids, artifact ids): everything the workspaces hold."""
    return (workspace_ids, {t.id for t in world.tasks.values() if t.workspace_id in workspace_ids},
            {p.id for p in world.plans.values() if p.workspace_id in workspace_ids},
            {a.id for a in world.artifacts.values() if a.workspace_id in workspace_ids})


def _scope(world: "World", promotion: Promotion, scope: tuple[str, str] | None):
    """(workspace ids, task ids, plan ids, artifact ids) in scope, from the source environment."""
    source = promotion.source_environment_id
    if scope is None:  # personal workspaces are their owners' own: an environment promotion leaves them
        return _contents(world, {w.id for w in world.workspaces.values()
                                 if w.environment_id == source and w.type != "personal"})
    kind, object_id = scope
    if kind not in SCOPES:
        raise BadRequest(f"The promotion scope type must be one of {', '.join(SCOPES)}, got {kind!r}")
    stores: dict[str, Mapping[str, Workspace | Plan | Task | Artifact]] = {
        "WORKSPACE": world.workspaces, "PLAN": world.plans, "FLOW": world.tasks, "ACTION": world.artifacts}
    found = stores[kind].get(object_id)
    if found is None:
        raise NotFound(f"No {kind.lower()} {object_id} to promote")
    # Each kind has its own store, so the type of what was found is the kind.
    workspace_id = found.id if isinstance(found, Workspace) else found.workspace_id
    if world.workspaces[workspace_id].environment_id != source:
        raise BadRequest(f"{kind.lower()} {object_id} is not in the promotion's source environment")
    if isinstance(found, Workspace):
        return _contents(world, {found.id})
    if isinstance(found, Plan):
        tasks = {t for step in found.steps for t in step.task_ids + step.on_failure_task_ids}
        return {workspace_id}, tasks, {found.id}, {world.tasks[t].artifact_id for t in tasks if t in world.tasks}
    if isinstance(found, Task):
        return {workspace_id}, {found.id}, set(), {found.artifact_id}
    return {workspace_id}, set(), set(), {found.id}


def plan_promotion(world: "World", promotion: Promotion, *, keep_target_resources: bool = False,
                   keep_target_run_profiles: bool = False, scope: tuple[str, str] | None = None) -> PromotionPlan:
    spaces, task_ids, plan_ids, artifact_ids = _scope(world, promotion, scope)
    target_env = world.environments[promotion.target_environment_id]
    plans: list[WorkspacePlan] = []
    for ws in (w for w in world.workspaces.values() if w.id in spaces):
        twin = next((w for w in world.workspaces.values()
                     if w.environment_id == target_env.id and w.name == ws.name and w.type == ws.type), None)
        target_ws = twin.id if twin else None
        workspace = WorkspacePlan(ws.id, ws.name, ws.type, "REUSED" if twin else "CREATED", target_ws)
        artifacts_there = _by_name(world.artifacts.values(), target_ws)
        for art in (a for a in world.artifacts.values() if a.id in artifact_ids and a.workspace_id == ws.id):
            there = artifacts_there.get(art.name)
            missing = [v.version for v in art.versions if there is None or there.version(v.version) is None]
            status = "CREATED" if there is None else "REPLACED" if missing else "REUSED"
            workspace.items.append(Item("ACTION", art.id, art.name, status, there.id if there else None,
                                        [("INFO", f"Artifact {art.name!r}: {status.lower()} in {target_env.name}")],
                                        art.latest.version,
                                        [(v.version, "CREATED" if v.version in missing else "REUSED")
                                         for v in art.versions], art.id))
        tasks = [t for t in world.tasks.values() if t.id in task_ids and t.workspace_id == ws.id]
        connection_ids = {c for t in tasks for c in t.connections.values()}
        resource_ids = {r for t in tasks for r in t.resources.values()}
        if scope is None or scope[0] == "WORKSPACE":
            connection_ids |= {c.id for c in world.connections.values() if c.workspace_id == ws.id}
            resource_ids |= {r.id for r in world.resources.values() if r.workspace_id == ws.id}
        connections_there = _by_name(world.connections.values(), target_ws)
        for conn in (world.connections[c] for c in sorted(connection_ids) if c in world.connections):
            there = connections_there.get(conn.name)
            messages = [("INFO", f"Connection {conn.name!r}: {'reused' if there else 'created'}")]
            if there is None and any(p.encrypted for p in conn.parameters):
                messages.append(("WARN", "Secured values are not promoted: they read <change me> in the target"))
            workspace.items.append(Item("CONNECTION", conn.id, conn.name, "REUSED" if there else "CREATED",
                                        there.id if there else None, messages))
        resources_there = _by_name(world.resources.values(), target_ws)
        for res in (world.resources[r] for r in sorted(resource_ids) if r in world.resources):
            there = resources_there.get(res.name)
            status = "CREATED" if there is None else "REUSED" if keep_target_resources else "REPLACED"
            workspace.items.append(Item("RESOURCE", res.id, res.name, status, there.id if there else None,
                                        [("INFO", f"Resource {res.name!r}: {status.lower()}")]))
        tasks_there = _by_name(world.tasks.values(), target_ws)
        for task in tasks:
            there = tasks_there.get(task.name)
            workspace.items.append(Item("FLOW", task.id, task.name, "REPLACED" if there else "CREATED",
                                        there.id if there else None,
                                        [("INFO", f"Task {task.name!r}: {'replaced' if there else 'created'}")],
                                        task.artifact_version, artifact_id=task.artifact_id))
        plans_there = _by_name(world.plans.values(), target_ws)
        for found in (p for p in world.plans.values() if p.id in plan_ids and p.workspace_id == ws.id):
            there = plans_there.get(found.name)
            workspace.items.append(Item("PLAN", found.id, found.name, "REPLACED" if there else "CREATED",
                                        there.id if there else None,
                                        [("INFO", f"Plan {found.name!r}: {'replaced' if there else 'created'}")]))
        plans.append(workspace)
    return PromotionPlan(promotion.id, keep_target_resources, keep_target_run_profiles, scope, plans)
