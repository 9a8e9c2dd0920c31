"""What the caller's lists show: only what its roles and workspace permissions reach (domain/access.py).

getAvailableWorkspaces and getAvailableEnvironments say it (O21): CLUSTER_MANAGEMENT or ENVIRONMENT_MANAGEMENT
see everything, an OPERATOR what its workspace permissions reach. Lists of what workspaces hold (tasks, plans,
artifacts, connections, resources, task and plan runs, history records, scheduled events) show the workspaces the
caller may VIEW; schedules, promotions and projects have rules of their own (domain/access.py). An administrator,
and a token the mock does not know, sees everything: its lists are not filtered at all.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import g

from ..domain import access
from ..domain.model.definitions import Project
from . import context


def _caller() -> str | None:
    """The principal whose rules apply to this request, or None when none do (an administrator's token)."""
    return context.principal().user_id if g.get("mocktmc_checked") else None


def _everything(workspace_or_environment_id: str) -> bool:
    return True


def workspace_visible() -> Callable[[str], bool]:
    """Whether the caller may see a workspace in the workspace list (any permission on it will do)."""
    principal, world = _caller(), context.world()
    if principal is None or access.sees_every_workspace(world, principal):
        return _everything
    return {ws for ws in world.workspaces if access.permissions_on(world, principal, ws)}.__contains__


def environment_visible() -> Callable[[str], bool]:
    """Whether the caller may see an environment: all of them, or those where a workspace is visible to it."""
    world, visible = context.world(), workspace_visible()
    if visible is _everything:
        return _everything
    return {ws.environment_id for ws in world.workspaces.values() if visible(ws.id)}.__contains__


def viewable() -> Callable[[str], bool]:
    """Whether the caller may VIEW a workspace, so see what it holds in lists."""
    principal, world = _caller(), context.world()
    if principal is None:
        return _everything
    return access.visible_workspaces(world, principal, "VIEW").__contains__


def promotion_visible() -> Callable[[str, str], bool]:
    """Whether the caller may see a promotion from one environment to another: it names both, so it shows when
    the environment list shows both (every one for environment or cluster managers). By analogy with
    getAvailableEnvironments; no public text."""
    visible = environment_visible()
    if visible is _everything:
        return _both
    return lambda source, target: visible(source) and visible(target)


def _both(source_environment_id: str, target_environment_id: str) -> bool:
    return True


def project_visible() -> Callable[[Project], bool]:
    """Whether the caller may see a project: every one for environment or cluster managers (as the workspace
    list), else those shared with it (access.sees_project)."""
    principal, world = _caller(), context.world()
    if principal is None or access.sees_every_workspace(world, principal):
        return _every_project
    return lambda project: access.sees_project(world, principal, project)


def _every_project(project: Project) -> bool:
    return True


def viewable_ids() -> set[str] | None:
    """The workspaces the caller may VIEW, for lists that filter by a set (the run index's scopes); None when
    the caller sees everything (an administrator, a token the mock does not know): no filter at all."""
    principal = _caller()
    return None if principal is None else access.viewable_workspace_ids(context.world(), principal)


def manageable() -> Callable[[str], bool]:
    """Whether the caller manages a workspace (holds MANAGE on it), so may see and change its permissions."""
    principal, world = _caller(), context.world()
    if principal is None:
        return _everything
    return access.visible_workspaces(world, principal, "MANAGE").__contains__
