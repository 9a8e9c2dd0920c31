"""Authorization: a token with fewer rights is refused (403) where the permissions table says so, a refusal changes
nothing, and the kit's own (privileged) token is not refused the same request.

Two tokens: the kit's (--tmc-token, privileged) and a restricted one (--tmc-restricted-token). On a mocktmc target
the restricted one may be left out: the suite then takes the world's non-administrator user with the fewest
permissions (the demo viewer) and asks the control plane for a token of it. On a mocktmc target what is expected is
asserted: the server's table (GET /_mocktmc/permissions/table) and the restricted principal's roles and workspace
permissions (GET /_mocktmc/permissions) say which requests must be refused; the kit never imports the mock's domain,
it judges the target from outside. Against the real TMC the table is not known: every 403 must be a TMC error body
and must change nothing (the privileged token's reading of the object is the same before and after, and no run
appears), and the suite writes only in the sandbox --tmc-allow-writes names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from mocktmc.kit.checks import describe, json_or_none
from mocktmc.kit.sandbox import sandbox
from mocktmc.kit.target import Target
from mocktmc.testing import Control, MockTMCError

pytestmark = pytest.mark.suite("authorization")

TASKS = "/orchestration/executables/tasks"
RUNS = "/processing/executions"
WORKSPACES = "/orchestration/workspaces"
ENVIRONMENTS = "/orchestration/environments"
PROBED_TASKS = 4  # tasks read per run, one per workspace: enough to meet a workspace the restricted one may not see


@dataclass(frozen=True)
class Restricted:
    """The restricted token, and on a mocktmc target what it may do and the table it is held to."""
    token: str
    name: str  # for messages
    grants: dict[str, Any] | None  # {roles, workspaces: {id: [permission types]}}; None on the real TMC
    table: dict[str, dict[str, Any]] | None  # operationId -> {roles, permission, ...}; None on the real TMC


def _fewest_rights(control: Control) -> tuple[str, str]:  # (its token, its name)
    """A token of the world's most restricted user: no administrator, a role, and VIEW on some workspace (so that
    some requests are allowed and some refused); the fewest permission types of those (the demo viewer)."""
    candidates = [p for p in control.permissions.get() if p["type"] == "HUMAN" and not p["administrator"]
                  and p["roles"] and any("VIEW" in types for types in p["workspaces"].values())]
    if not candidates:
        pytest.skip("the target's world has no restricted user (not an administrator, with VIEW on a workspace); "
                    "pass --restricted-token")
    chosen = min(candidates, key=lambda p: (sum(len(t) for t in p["workspaces"].values()), len(p["roles"]),
                                            p["name"]))
    return control.tokens.personal(chosen["principal"])["token"], chosen["name"]


@pytest.fixture(scope="module")
def restricted(target: Target) -> Restricted:
    control = target.account_control()
    token = target.options.restricted_token
    if control is None:
        if not token:
            pytest.skip("needs --restricted-token: a second token, with fewer rights than --token")
        return Restricted(token, "the restricted token", None, None)
    if not token:
        token, _ = _fewest_rights(control)
    try:
        grants = control.permissions.get(token)[0]
    except MockTMCError as exc:
        pytest.fail(f"the control plane does not know the restricted token's principal: {exc}")
    return Restricted(token, f"restricted principal {grants['name']}", grants, control.permissions.table())


def _lacks(row: dict[str, Any], grants: dict[str, Any], workspace: str | None) -> str | None:
    """What the table row says a principal with `grants` lacks for a request on `workspace`; None: nothing.
    Roles are any-of; the workspace permission is checked where the object is (None: account-wide)."""
    if row["roles"] and not set(row["roles"]) & set(grants["roles"]):
        return f"needs role {' or '.join(row['roles'])}"
    if row["permission"] and workspace is not None and row["permission"] not in grants["workspaces"].get(workspace, []):
        return f"needs {row['permission']} permission on workspace {workspace}"
    return None


def _as(restricted: Restricted, target: Target, method: str, path: str, **kwargs: Any) -> requests.Response:
    return target.request(method, path, headers={"Authorization": f"Bearer {restricted.token}"}, **kwargs)


def _judge(target: Target, restricted: Restricted, operation_id: str, label: str, answer: requests.Response,
           workspace: str | None) -> None:
    """The restricted token's answer: on a mocktmc target 403 exactly where the table says; anywhere, a 403 is a
    TMC error body."""
    if restricted.table is not None and restricted.grants is not None:
        missing = _lacks(restricted.table[operation_id], restricted.grants, workspace)
        if missing is not None:
            target.check("refused_as_the_table_says", answer.status_code == 403,
                         f"{restricted.name} {missing} ({operation_id}), yet {describe(answer)}",
                         response=answer, operation=label)
        else:
            target.check("allowed_as_the_table_says", answer.status_code != 403,
                         f"{restricted.name} may {operation_id} by the table, yet {describe(answer)}",
                         response=answer, operation=label)
    if answer.status_code == 403:
        body = json_or_none(answer)
        target.check("refusal_is_a_tmc_error", isinstance(body, dict) and (
            body.get("status") == 403 or isinstance(body.get("message"), str)),
            f"a refusal is not a TMC error body (status 403 or a message): {describe(answer)}",
            response=answer, operation=label)


def _not_refused(target: Target, label: str, answer: requests.Response) -> None:
    target.check("privileged_not_refused", answer.status_code != 403,
                 f"the kit's own token is refused what the restricted one was asked: {describe(answer)}",
                 response=answer, operation=label)


def _items(answer: requests.Response) -> list[dict[str, Any]]:
    body = json_or_none(answer)
    items = body.get("items") if isinstance(body, dict) else body
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _workspace_of(task: dict[str, Any]) -> str | None:
    return (task.get("workspace") or {}).get("id")


def _run_ids(target: Target, task: str) -> set[str]:
    return {str(run.get("executionId")) for run in
            _items(target.get(f"/processing/executables/tasks/{task}/executions", params={"limit": 100}))}


@pytest.mark.families("orchestration", "processing")
def test_reads_are_refused_where_the_table_says(target: Target, restricted: Restricted) -> None:
    tasks = _items(target.get(TASKS, params={"limit": 100}))
    if not tasks:
        pytest.skip("the privileged token lists no task to read")
    chosen: dict[str | None, dict[str, Any]] = {}
    for task in tasks:  # one task per workspace
        chosen.setdefault(_workspace_of(task), task)
    for task in list(chosen.values())[:PROBED_TASKS]:
        workspace, path = _workspace_of(task), f"{TASKS}/{task['id']}"
        _judge(target, restricted, "getTask", f"GET {TASKS}/{{taskId}}", _as(restricted, target, "GET", path),
               workspace)
        _not_refused(target, f"GET {TASKS}/{{taskId}}", target.get(path))
        runs = sorted(_run_ids(target, task["id"]))
        if runs:
            label = f"GET {RUNS}/{{executionId}}"
            _judge(target, restricted, "getTaskExecutionStatus", label,
                   _as(restricted, target, "GET", f"{RUNS}/{runs[0]}"), workspace)
            _not_refused(target, label, target.get(f"{RUNS}/{runs[0]}"))


# Account-wide reads, each needing roles of its own: (operationId, path, family). The demo viewer, an operator, lacks
# the subscription's and the audit log's roles; every principal that may run tasks sees environments.
ACCOUNT_READS = (("getAvailableEnvironments", ENVIRONMENTS, "orchestration"),
                 ("getAccountSubscription", "/account/subscription", "security"),
                 ("getAllAuditLogsUsingGET", "/security/audit/logs", "security"))


@pytest.mark.families("orchestration", "security")
def test_account_reads_need_their_roles(target: Target, restricted: Restricted) -> None:
    for operation_id, path, _ in ACCOUNT_READS:
        label = f"GET {path}"
        privileged = target.get(path)
        if privileged.status_code == 403 and restricted.table is None:
            continue  # the real TMC: the kit's own token lacks this role too, so the pair tells nothing here
        _not_refused(target, label, privileged)
        _judge(target, restricted, operation_id, label, _as(restricted, target, "GET", path), None)


@pytest.mark.families("orchestration")
def test_a_list_shows_only_what_may_be_seen(target: Target, restricted: Restricted) -> None:
    label = f"GET {TASKS}"
    privileged = target.get(TASKS, params={"limit": 100})
    _not_refused(target, label, privileged)
    answer = _as(restricted, target, "GET", TASKS, params={"limit": 100})
    _judge(target, restricted, "getAvailableTasks", label, answer, None)
    if answer.status_code != 200:
        return
    everything = {task["id"]: _workspace_of(task) for task in _items(privileged)}
    seen = {task.get("id") for task in _items(answer)}
    # Anywhere: the restricted token sees nothing the privileged one does not.
    target.check("list_shows_only_what_may_be_seen", seen <= set(everything),
                 f"{restricted.name} lists tasks the kit's token does not: {sorted(map(str, seen - set(everything)))}",
                 response=answer, operation=label)
    if restricted.grants is None:
        return
    viewable = {ws for ws, types in restricted.grants["workspaces"].items() if "VIEW" in types}
    hidden = sorted(str(task) for task in seen if everything.get(task) not in viewable)
    target.check("list_shows_only_what_may_be_seen", not hidden,
                 f"{restricted.name} lists tasks of workspaces it has no VIEW on: {hidden}", response=answer,
                 operation=label)
    if (json_or_none(privileged) or {}).get("total", 0) <= 100:  # the whole list was read: nothing may be missing
        missing = sorted(task for task, ws in everything.items() if ws in viewable and task not in seen)
        target.check("list_shows_what_may_be_seen", not missing,
                     f"{restricted.name} has VIEW on their workspaces, yet its list leaves out tasks {missing}",
                     response=answer, operation=label)


RUNNING = {"dispatching", "executing"}


def _runs_ended(target: Target, task: str) -> None:
    """Wait until none of the task's runs is going (a mock moves its clock; the real TMC is polled)."""
    def ended() -> bool | None:
        runs = _items(target.get(f"/processing/executables/tasks/{task}/executions", params={"limit": 100}))
        return True if not any(run.get("status") in RUNNING for run in runs) else None
    target.wait_for(ended, within=target.options.poll_deadline, step=60)


def _state(target: Target, task: str) -> tuple[int, Any, set[str]]:
    """What the privileged token reads of a task: its GET (status and body) and its runs."""
    read = target.get(f"{TASKS}/{task}")
    return read.status_code, json_or_none(read), _run_ids(target, task)


@pytest.mark.writes
@pytest.mark.families("orchestration", "processing")
def test_refused_task_writes_change_nothing(target: Target, restricted: Restricted) -> None:
    box = sandbox(target)
    body = {"environmentId": box.environment, "workspaceId": box.workspace, "name": target.name("authz"),
            "description": "made by the mocktmc contract kit (authorization)", "artifact": box.artifact}
    made = target.post(TASKS, json=body)
    target.check("kit_setup", made.status_code == 201 and (json_or_none(made) or {}).get("id"),
                 f"creating a task in the sandbox: {describe(made)}", response=made, operation=f"POST {TASKS}")
    task = made.json()["id"]
    path = f"{TASKS}/{task}"
    target.created(path)
    update = {key: body[key] for key in ("workspaceId", "name", "description", "artifact")}
    # The requests both tokens send, the delete last: what the restricted token may do, it does too.
    probes = [("execute", "POST", RUNS, f"POST {RUNS}", {"json": {"executable": task}}),
              ("updateTask", "PUT", path, f"PUT {TASKS}/{{taskId}}", {"json": update}),
              ("changeTaskStatus", "PUT", f"{path}/pause", f"PUT {TASKS}/{{taskId}}/pause", {"json": {"pause": True}}),
              ("deleteTask", "DELETE", path, f"DELETE {TASKS}/{{taskId}}", {})]
    gone = False
    for operation_id, method, where, label, kwargs in probes:
        before = _state(target, task)
        answer = _as(restricted, target, method, where, **kwargs)
        _judge(target, restricted, operation_id, label, answer, box.workspace)
        if answer.status_code == 403:
            after = _state(target, task)
            target.check("refusal_changes_nothing", after == before,
                         f"{label} was refused (403) yet changed the task: before {before!r}, after {after!r}",
                         response=answer, operation=label)
        elif operation_id == "deleteTask" and answer.status_code in (200, 204):
            gone = True
    for operation_id, method, where, label, kwargs in probes:
        if gone:
            break
        if operation_id == "deleteTask":
            _runs_ended(target, task)  # a task with a run going cannot be deleted (409)
        answer = target.request(method, where, **kwargs)
        _not_refused(target, label, answer)
        if operation_id == "changeTaskStatus":
            target.put(f"{path}/pause", json={"pause": False})
        if operation_id == "deleteTask" and answer.status_code in (200, 204):
            gone = True
    if gone:
        target.forget(path)


@pytest.mark.writes
@pytest.mark.families("orchestration")
def test_management_needs_its_role(target: Target, restricted: Restricted) -> None:
    if target.kind == "tmc":
        pytest.skip("creating a workspace or an environment is account-wide, outside the sandbox --allow-writes names")
    box = sandbox(target)
    creations = [("createCustomWorkspace", WORKSPACES, "id",
                  lambda: {"name": target.name("authz-ws"), "environmentId": box.environment}),
                 ("createEnvironment", ENVIRONMENTS, "id",
                  lambda: {"name": target.name("authz-env"), "workspaceName": target.name("authz-env-ws")})]
    for operation_id, where, key, made_body in creations:
        label = f"POST {where}"
        before = {item.get("id") for item in _items(target.get(where))}
        answer = _as(restricted, target, "POST", where, json=made_body())
        _judge(target, restricted, operation_id, label, answer, None)
        if answer.status_code == 201 and (json_or_none(answer) or {}).get(key):
            target.created(f"{where}/{answer.json()[key]}")
        if answer.status_code == 403:
            after = {item.get("id") for item in _items(target.get(where))}
            target.check("refusal_changes_nothing", after == before,
                         f"{label} was refused (403) yet the list changed: new {sorted(map(str, after - before))}",
                         response=answer, operation=label)
        mine = target.post(where, json=made_body())
        _not_refused(target, label, mine)
        if mine.status_code == 201 and (json_or_none(mine) or {}).get(key):
            gone = target.delete(f"{where}/{mine.json()[key]}")
            if gone.status_code not in (200, 204):
                target.created(f"{where}/{mine.json()[key]}")
