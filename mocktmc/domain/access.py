"""Who may do what: a principal's roles, its permissions on each workspace, and the one check every operation
of the table (domain/permissions.py) goes through.

A principal is a user or a service account of the world, named by its id. Roles are account-wide (the TMC_*
names Talend publishes as a service account's permissions); workspace permissions are the types the
published Permission schema lists. An administrator holds every role and every permission on every
workspace, so a world whose fixture says nothing about roles works as it did before permissions existed.
Plain Python: the HTTP layer finds the operation and the ids a request names, and asks here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..errors import BadRequest, Forbidden, NotFound
from .model.definitions import Project, ServiceAccount, User
from .permissions import PERMISSIONS, Rule
from .world import World

# The account-wide roles: the names service-accounts.json's example lists as a service account's permissions.
ROLES = (
    "TMC_OPERATOR", "TMC_ENGINE_USE", "TMC_ENVIRONMENT_MANAGEMENT", "TMC_CLUSTER_MANAGEMENT",
    "TMC_RUN_PROFILE_MANAGEMENT", "TMC_PIPELINE_MANAGEMENT", "TMC_PROMOTION_EXECUTION", "TMC_USER_MANAGEMENT",
    "TMC_GROUP_MANAGEMENT", "TMC_ROLE_MANAGEMENT", "TMC_SERVICE_ACCOUNT_MANAGEMENT", "TMC_SUBSCRIPTION_MANAGEMENT",
    "AUDIT_LOGS_VIEW",
)
# workspace-permissions.json, Permission.permissions' enum (the help's "Execute" and "EXECUTOR" are EXECUTE).
WORKSPACE_PERMISSIONS = ("VIEW", "EXECUTE", "AUTHOR", "MANAGE", "PUBLISH")

# The 403 text the Processing document gives (POST /processing/executions and others).
FORBIDDEN_MESSAGE = "Forbidden - no permissions to access resource"


@dataclass(frozen=True)
class Scope:
    """Where an operation acts: one workspace, or an environment (a permission on any of its workspaces will
    do, as the schedule texts say), or neither (an account-wide operation, or ids that name nothing: the
    handler answers those with its own 404)."""
    workspace_id: str | None = None
    environment_id: str | None = None


ACCOUNT_WIDE = Scope()


def principal_record(world: World, principal_id: str) -> User | ServiceAccount:
    """The user or service account `principal_id` names (an id, a user's login or a service account's name)."""
    found = world.users.get(principal_id) or world.service_accounts.get(principal_id)
    if found is None:
        found = next((u for u in world.users.values() if u.login == principal_id), None) or next(
            (s for s in world.service_accounts.values() if s.name == principal_id), None)
    if found is None:
        raise NotFound(f"No user or service account {principal_id!r} in account {world.account_id}")
    return found


def _holder(world: World, principal_id: str) -> User | ServiceAccount | None:
    return world.users.get(principal_id) or world.service_accounts.get(principal_id)


def roles_of(world: World, principal_id: str) -> frozenset[str]:
    """The roles a principal holds (every role for an administrator; none for an id the world does not know)."""
    holder = _holder(world, principal_id)
    if holder is None:
        return frozenset()
    return frozenset(ROLES) if holder.administrator else frozenset(holder.roles)


def permissions_on(world: World, principal_id: str, workspace_id: str) -> frozenset[str]:
    """The permission types a principal holds on a workspace."""
    holder = _holder(world, principal_id)
    if holder is None or workspace_id not in world.workspaces:
        return frozenset()
    if holder.administrator:
        return frozenset(WORKSPACE_PERMISSIONS)
    return frozenset(world.workspaces[workspace_id].permissions.get(holder.id, ()))


def visible_workspaces(world: World, principal_id: str, permission: str = "VIEW") -> set[str]:
    """The workspaces on which a principal holds `permission`."""
    return {ws for ws in world.workspaces if permission in permissions_on(world, principal_id, ws)}


def viewable_workspace_ids(world: World, principal_id: str) -> set[str] | None:
    """The workspaces whose contents a principal's lists show (VIEW on them); None for an administrator,
    who sees everything, so its lists need no filter at all."""
    holder = _holder(world, principal_id)
    if holder is not None and holder.administrator:
        return None
    return visible_workspaces(world, principal_id, "VIEW")


def sees_schedule(world: World, viewable: set[str], schedule_id: str) -> bool:
    """Whether a schedule shows to a caller who may VIEW `viewable`: O21 getAvailableSchedules, "user would need
    VIEW permission on the workspace where the schedule is in action and at least on one workspace within the
    environment for unlinked schedules" (scope_of finds the one or the other)."""
    scope = scope_of(world, "schedule", schedule_id)
    if scope.workspace_id is not None:
        return scope.workspace_id in viewable
    schedule = world.schedules[schedule_id]
    return any(world.workspaces[ws].environment_id == schedule.environment_id
               for ws in viewable if ws in world.workspaces)


def sees_project(world: World, principal_id: str, project: Project) -> bool:
    """Whether a project shows to a principal that does not see every workspace: a project is no workspace's,
    so it shows to whom it is shared with, its authorized users (getUserProjectAuthorizations), its owner and
    its author (logins). By analogy with getAvailableWorkspaces; no public text."""
    holder = _holder(world, principal_id)
    if holder is None:
        return False
    return holder.id in project.user_ids or (isinstance(holder, User) and holder.login in (project.owner,
                                                                                             project.author))


def sees_every_workspace(world: World, principal_id: str) -> bool:
    """getAvailableWorkspaces / getAvailableEnvironments: CLUSTER_MANAGEMENT or ENVIRONMENT_MANAGEMENT see
    them all; an OPERATOR sees those its workspace permissions reach."""
    return bool(roles_of(world, principal_id) & {"TMC_CLUSTER_MANAGEMENT", "TMC_ENVIRONMENT_MANAGEMENT"})


def _checked(values: Iterable[str], known: tuple[str, ...], what: str) -> list[str]:
    values = list(values)
    unknown = [v for v in values if v not in known]
    if unknown:
        raise BadRequest(f"Unknown {what} {unknown[0]!r}; known: {', '.join(known)}")
    return values


def grant(world: World, principal_id: str, roles: Iterable[str] = (), workspace_id: str | None = None,
          permissions: Iterable[str] = (), administrator: bool = False) -> User | ServiceAccount:
    """Give a principal roles, permission types on one workspace, or the administrator's everything."""
    holder = principal_record(world, principal_id)
    roles, permissions = _checked(roles, ROLES, "role"), _checked(permissions, WORKSPACE_PERMISSIONS, "permission")
    if permissions and workspace_id is None:
        raise BadRequest("Workspace permissions need the workspace they apply to")
    holder.roles = [r for r in ROLES if r in set(holder.roles) | set(roles)]
    if workspace_id is not None:
        workspace = world.workspaces.get(workspace_id)
        if workspace is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        held = set(workspace.permissions.get(holder.id, ())) | set(permissions)
        workspace.permissions[holder.id] = [p for p in WORKSPACE_PERMISSIONS if p in held]
    if administrator:
        holder.administrator = True
    return holder


def revoke(world: World, principal_id: str, roles: Iterable[str] = (), workspace_id: str | None = None,
           permissions: Iterable[str] | None = None, administrator: bool = False) -> User | ServiceAccount:
    """Take roles, permission types on one workspace (all of them when `permissions` is None), or the
    administrator's everything away from a principal."""
    holder = principal_record(world, principal_id)
    roles = _checked(roles, ROLES, "role")
    holder.roles = [r for r in holder.roles if r not in roles]
    if workspace_id is not None:
        workspace = world.workspaces.get(workspace_id)
        if workspace is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        gone = set(WORKSPACE_PERMISSIONS if permissions is None else
                   _checked(permissions, WORKSPACE_PERMISSIONS, "permission"))
        kept = [p for p in workspace.permissions.get(holder.id, ()) if p not in gone]
        if kept:
            workspace.permissions[holder.id] = kept
        else:
            workspace.permissions.pop(holder.id, None)
    elif permissions:
        raise BadRequest("Workspace permissions need the workspace they apply to")
    if administrator:
        holder.administrator = False
    return holder


def refusal(world: World, principal_id: str, rule: Rule, *scopes: Scope) -> str | None:
    """What a principal lacks to do an operation of `rule` in every one of `scopes` (where the object is, and
    for a move where it goes), in words; None when it may."""
    if rule.roles and not roles_of(world, principal_id) & set(rule.roles):
        return f"needs role {' or '.join(rule.roles)}"
    if rule.permission is None:
        return None
    for scope in scopes:
        if scope.workspace_id is not None:
            if rule.permission not in permissions_on(world, principal_id, scope.workspace_id):
                return f"needs {rule.permission} permission on workspace {scope.workspace_id}"
        elif scope.environment_id is not None:
            if not any(rule.permission in permissions_on(world, principal_id, ws.id)
                       for ws in world.workspaces.values() if ws.environment_id == scope.environment_id):
                return (f"needs {rule.permission} permission on at least one workspace of environment "
                        f"{scope.environment_id}")
    return None


def may(world: World, principal_id: str, operation_id: str, *scopes: Scope) -> bool:
    """Whether a principal may do an operation (a key of PERMISSIONS) in `scopes` (none: account-wide)."""
    return refusal(world, principal_id, PERMISSIONS[operation_id], *scopes) is None


def check(world: World, principal_id: str, operation_id: str, *scopes: Scope) -> None:
    """A 403 that names what is missing, unless the principal may do the operation in `scopes`."""
    missing = refusal(world, principal_id, PERMISSIONS[operation_id], *scopes)
    if missing is not None:
        raise Forbidden(f"{operation_id}: {missing}", message=FORBIDDEN_MESSAGE)


def scope_of(world: World, kind: str, identifier: str) -> Scope:
    """The scope an id of `kind` (a Locate.kind of the table) names; ACCOUNT_WIDE when it names nothing."""
    if kind == "workspace":
        return Scope(workspace_id=identifier) if identifier in world.workspaces else ACCOUNT_WIDE
    if kind == "environment":
        return Scope(environment_id=identifier) if identifier in world.environments else ACCOUNT_WIDE
    if kind == "schedule":
        schedule = world.schedules.get(identifier)
        if schedule is None:
            return ACCOUNT_WIDE
        if schedule.executable_id is not None:  # "in action on some task or plan": that one's workspace
            return scope_of(world, "executable", schedule.executable_id)
        return Scope(environment_id=schedule.environment_id)
    if kind == "executable":
        return scope_of(world, "task" if identifier in world.tasks else "plan", identifier)
    if kind == "plan_execution":
        run = world.plan_executions.get(identifier)
        return Scope(workspace_id=run.workspace_id) if run is not None else ACCOUNT_WIDE
    stores: dict[str, dict] = {"task": world.tasks, "plan": world.plans, "execution": world.executions,
                               "artifact": world.artifacts, "connection": world.connections,
                               "resource": world.resources}
    found = stores[kind].get(identifier)
    return Scope(workspace_id=found.workspace_id) if found is not None else ACCOUNT_WIDE
