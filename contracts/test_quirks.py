"""Quirks: which way a target behaves where the TMC service, as clients observe it, differs from its published
documents (`mocktmc quirks` lists them with their evidence). Each test probes one quirk and tells what it saw:
`observed`, `documented`, or `undetermined` (and why). On a mocktmc target the answer is checked against the
mock's fidelity (the check `quirk_<name>`); against the real TMC it is told, not judged: the summary's quirk
lines say which quirks hold there today.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from mocktmc.kit.checks import describe, json_or_none
from mocktmc.kit.report import RECORD
from mocktmc.kit.sandbox import sandbox
from mocktmc.kit.target import Target
from mocktmc.quirks import QUIRKS

pytestmark = pytest.mark.suite("quirks")

OBSERVED, DOCUMENTED, UNDETERMINED = "observed", "documented", "undetermined"
RUNNING = {"dispatching", "executing"}
PROBE_LOG_ENTRIES = 100_001  # one past the published export limit


@pytest.fixture(autouse=True)
def _account_as_it_was(target: Target) -> Iterator[None]:
    """On a mock, each probe leaves the account as it found it (a 100,001-line log would weigh on every later
    snapshot); on the real TMC, what a probe creates in the sandbox is deleted."""
    before = target.account_state()
    yield
    if before is not None:
        target.restore_account(before)


def tell(target: Target, name: str, behaves: str, seen: str, *, response: requests.Response | None = None,
         operation: str | None = None) -> None:
    """Record which way the target behaves; on a mock, check it against the mock's fidelity."""
    RECORD.observe_quirk(name, behaves, seen)
    expected = target.fidelity
    if expected is None:
        return  # the real TMC: told, not judged
    if behaves == UNDETERMINED:
        pytest.skip(f"{name}: undetermined on this target: {seen}")
    target.check(QUIRKS[name].check, behaves == expected,
                 f"{QUIRKS[name].title}: a mock of fidelity {expected} behaves as {behaves}: {seen}",
                 response=response, operation=operation)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@contextmanager
def _sandbox_task(target: Target, label: str) -> Iterator[str]:
    """A task of the sandbox workspace, deleted afterwards (and by the session's clean-up if that fails)."""
    if not target.writes:
        pytest.skip("read-only target: this probe creates a task; pass --tmc-allow-writes WORKSPACE_ID")
    box = sandbox(target)
    made = target.post("/orchestration/executables/tasks", json={
        "environmentId": box.environment, "workspaceId": box.workspace, "name": target.name(label),
        "description": "made by the mocktmc contract kit (quirks)", "artifact": box.artifact})
    target.check("kit_setup", made.status_code == 201 and (json_or_none(made) or {}).get("id"),
                 f"creating a task in the sandbox: {describe(made)}", response=made,
                 operation="POST /orchestration/executables/tasks")
    path = f"/orchestration/executables/tasks/{made.json()['id']}"
    target.created(path)
    try:
        yield made.json()["id"]
    finally:
        if target.moves_time:
            target.pass_time(3600)  # let its runs end, so that it can go
        if target.delete(path).status_code in (204, 404):
            target.forget(path)


def _run(target: Target, task: str, **body: Any) -> str:
    answer = target.post("/processing/executions", json={"executable": task, **body})
    target.check("kit_setup", answer.status_code == 201, f"starting a run: {describe(answer)}", response=answer,
                 operation="POST /processing/executions")
    return answer.json()["executionId"]


def _ended(target: Target, execution: str) -> dict | None:
    def done() -> dict | None:
        run = json_or_none(target.get(f"/processing/executions/{execution}")) or {}
        return run if run.get("status") and run["status"] not in RUNNING else None
    return target.wait_for(done, within=target.options.poll_deadline, step=5)


def _history(target: Target, path: str, **query: Any) -> list[dict] | None:
    answer = target.get(path, params={"limit": 100, **query})
    page = json_or_none(answer)
    return page.get("items") if answer.status_code == 200 and isinstance(page, dict) else None


# --- the token -------------------------------------------------------------------------------------------------------
@pytest.mark.families("security")
def test_expires_in_number(target: Target) -> None:
    if target.control is not None:
        made = target.control.tokens.service_account("mocktmc-kit-quirks")
        client_id, secret = made["clientId"], made["clientSecret"]
    else:
        client_id, secret = target.options.client_id, target.options.client_secret
    if not (client_id and secret):
        tell(target, "expires_in_number", UNDETERMINED, "needs client credentials (--client-id, --client-secret)")
        return
    # The in-process mock has no address: its session reaches it. Basic credentials, not the kit's bearer token.
    post = target.session.post if target.kind == "mock" else requests.post
    answer = post(f"{target.base_url}/security/oauth/token", auth=(client_id, secret), timeout=60,
                  # requests leaves out a header set to None (here the session's bearer token), though its
                  # annotations admit only values.
                  headers={"Authorization": None},  # type: ignore[dict-item]
                  data={"grant_type": "client_credentials", "audience": target.base_url})
    value = (json_or_none(answer) or {}).get("expires_in")
    behaves = OBSERVED if isinstance(value, int) and not isinstance(value, bool) else \
        DOCUMENTED if isinstance(value, str) and value.isdigit() else UNDETERMINED
    tell(target, "expires_in_number", behaves, f"expires_in is {value!r}", response=answer,
         operation="POST /security/oauth/token")


# --- the legacy v1.x lists ------------------------------------------------------------------------------------------
@pytest.mark.families("legacy")
def test_legacy_v1_bare_arrays(target: Target) -> None:
    listed = target.get("/tmc/v1.2/executables", params={"limit": 5})
    v13 = target.get("/tmc/v1.3/executables", params={"limit": 5})
    body = json_or_none(listed)
    array = listed.status_code == 200 and isinstance(body, list)
    page = listed.status_code == 200 and isinstance(body, dict) and "items" in body
    behaves = OBSERVED if array and v13.status_code == 200 else DOCUMENTED if page and v13.status_code == 404 \
        else UNDETERMINED
    tell(target, "legacy_v1_bare_arrays", behaves,
         f"GET /tmc/v1.2/executables answers {'an array' if array else 'a page' if page else describe(listed)}, "
         f"GET /tmc/v1.3/executables {v13.status_code}", response=listed, operation="GET /tmc/v1.2/executables")


# --- the task name filter ------------------------------------------------------------------------------------------
@pytest.mark.families("orchestration")
def test_task_name_prefix(target: Target) -> None:
    tasks = _history(target, "/orchestration/executables/tasks") or []
    named = next((t for t in tasks if len(t.get("name") or "") >= 4 and len(set(t["name"].lower())) > 1), None)
    if named is None:
        tell(target, "task_name_prefix", UNDETERMINED, "no task with a name of four letters or more to filter on")
        return
    name, task = named["name"], named.get("executable") or named.get("id")
    middle = name[1:].lower()

    def finds(fragment: str) -> tuple[bool, requests.Response]:
        answer = target.get("/orchestration/executables/tasks", params={"name": fragment, "limit": 100})
        items = (json_or_none(answer) or {}).get("items") or []
        return any((t.get("executable") or t.get("id")) == task for t in items), answer

    by_prefix, _ = finds(name[:3].lower())
    by_middle, answer = finds(middle)
    behaves = (OBSERVED if by_prefix and not by_middle else DOCUMENTED if by_prefix and by_middle else UNDETERMINED)
    tell(target, "task_name_prefix", behaves,
         f"the task {name!r} is {'' if by_prefix else 'not '}found by {name[:3].lower()!r} and "
         f"{'' if by_middle else 'not '}by {middle!r}", response=answer,
         operation="GET /orchestration/executables/tasks")


# --- history periods ------------------------------------------------------------------------------------------------
def _a_finished_run(target: Target, *, older_than: timedelta = timedelta(0), lasting: float = 1.0) -> dict | None:
    """A finished task run of the account's history (read-only), triggered before now - `older_than` and running
    `lasting` seconds or more; on a mock with nothing such, one made in the sandbox (time moved on)."""
    now = target.now()
    for run in _history(target, "/processing/executables/tasks/executions", lastDays=60) or []:
        if run.get("finishTimestamp") and run.get("taskId") and \
                (_time(run["finishTimestamp"]) - _time(run["triggerTimestamp"])).total_seconds() >= lasting and \
                _time(run["triggerTimestamp"]) < now - older_than:
            return run
    return None


def _history_probe(target: Target, probe, *, older_than: timedelta = timedelta(0)) -> None:
    run = _a_finished_run(target, older_than=older_than)
    if run is not None:
        probe(run)
        return
    if not target.moves_time:
        probe(None)
        return
    with _sandbox_task(target, "history") as task:
        execution = _run(target, task)
        target.pass_time(600 + older_than.total_seconds())
        ended = json_or_none(target.get(f"/processing/executions/{execution}")) or {}
        probe({**ended, "taskId": task} if ended.get("finishTimestamp") else None)


def _tell_listed(target: Target, quirk: str, run: dict, query: dict[str, Any], period: str) -> None:
    """Whether the run comes back in its task's run list for `query`: listed is the documents' way, left out
    the observed service's."""
    answer = target.get(f"/processing/executables/tasks/{run['taskId']}/executions", params={**query, "limit": 100})
    items = (json_or_none(answer) or {}).get("items")
    if answer.status_code != 200 or not isinstance(items, list):
        tell(target, quirk, UNDETERMINED, describe(answer))
        return
    listed = any(item.get("executionId") == run["executionId"] for item in items)
    tell(target, quirk, DOCUMENTED if listed else OBSERVED,
         f"the run {run['executionId']} (triggered {run['triggerTimestamp']}, finished {run['finishTimestamp']}) "
         f"is {'' if listed else 'not '}listed {period}", response=answer,
         operation="GET /processing/executables/tasks/{taskId}/executions")


@pytest.mark.families("processing")
def test_history_window_by_trigger(target: Target) -> None:
    def probe(run: dict | None) -> None:
        if run is None:
            tell(target, "history_window_by_trigger", UNDETERMINED, "no finished task run in the last 60 days")
            return
        query = {"from": _ms(_time(run["triggerTimestamp"])) + 1, "to": _ms(_time(run["finishTimestamp"]))}
        _tell_listed(target, "history_window_by_trigger", run, query,
                     "for the period from 1 ms after its trigger to its finish")
    _history_probe(target, probe)


@pytest.mark.families("processing")
def test_last_days_overrides_period(target: Target) -> None:
    def probe(run: dict | None) -> None:
        if run is None:
            tell(target, "last_days_overrides_period", UNDETERMINED, "no finished task run older than two days")
            return
        triggered = _ms(_time(run["triggerTimestamp"]))
        _tell_listed(target, "last_days_overrides_period", run,
                     {"lastDays": 1, "from": triggered - 60_000, "to": triggered + 60_000},
                     "with lastDays=1 and from/to a minute around its trigger")
    _history_probe(target, probe, older_than=timedelta(days=2))


# --- runs that never started ----------------------------------------------------------------------------------------
@pytest.mark.families("processing", "monitoring")
def test_misfire_never_started(target: Target) -> None:
    def probe(run: dict) -> None:
        logs = target.get(f"/monitoring/executions/{run['executionId']}/logs")
        finish = "finishTimestamp" in run
        behaves = OBSERVED if not finish and logs.status_code == 404 else \
            DOCUMENTED if finish and logs.status_code == 200 else UNDETERMINED
        tell(target, "misfire_never_started", behaves,
             f"a misfired run ({run.get('misfiredExecutionReason')}) {'has' if finish else 'has no'} finishTimestamp "
             f"and its logs answer {logs.status_code}", response=logs, operation="GET /monitoring/executions/{id}/logs")

    for run in _history(target, "/processing/executables/tasks/executions", lastDays=60) or []:
        if run.get("misfiredExecutionReason") and "startTimestamp" not in run:
            probe(run)
            return
    if not target.writes:
        tell(target, "misfire_never_started", UNDETERMINED, "no misfired run in the last 60 days (read-only target)")
        return
    with _sandbox_task(target, "misfire") as task:
        first, second = _run(target, task), _run(target, task)  # parallel runs are not allowed: a misfire
        for execution in (second, first):
            run = _ended(target, execution) or {}
            if run.get("misfiredExecutionReason"):
                probe(run)
                return
        tell(target, "misfire_never_started", UNDETERMINED, "two runs started at once did not misfire")


# --- terminating a run ----------------------------------------------------------------------------------------------
@pytest.mark.families("processing")
def test_terminate_text_plain(target: Target) -> None:
    with _sandbox_task(target, "terminate") as task:
        execution = _run(target, task)
        answer = target.delete(f"/processing/executions/{execution}", headers={"Accept": "application/json"})
        behaves = OBSERVED if answer.status_code == 406 else DOCUMENTED if answer.status_code == 204 else UNDETERMINED
        tell(target, "terminate_text_plain", behaves,
             f"DELETE /processing/executions/{{id}} with Accept: application/json answers {answer.status_code}",
             response=answer, operation="DELETE /processing/executions/{executionId}")
        if answer.status_code == 406:
            target.delete(f"/processing/executions/{execution}")  # stop it the way it accepts


# --- replacing a task -----------------------------------------------------------------------------------------------
@pytest.mark.families("orchestration")
def test_task_put_replaces(target: Target) -> None:
    with _sandbox_task(target, "replace") as task:
        before = json_or_none(target.get(f"/orchestration/executables/tasks/{task}")) or {}
        if not before.get("parameters"):
            tell(target, "task_put_replaces", UNDETERMINED,
                 "the sandbox artifact gives its tasks no default parameters to tell the two ways apart")
            return
        body = {"name": before["name"], "description": before.get("description", ""),
                "workspaceId": before["workspace"]["id"], "artifact": before["artifact"]}
        answer = target.put(f"/orchestration/executables/tasks/{task}", json=body)
        after = (json_or_none(answer) or {}).get("parameters") or {}
        behaves = OBSERVED if answer.status_code == 200 and not after else \
            DOCUMENTED if answer.status_code == 200 and set(after) == set(before["parameters"]) else UNDETERMINED
        tell(target, "task_put_replaces", behaves,
             f"a PUT without parameters leaves the task {sorted(after) or 'no parameters'} "
             f"(it had {sorted(before['parameters'])})", response=answer,
             operation="PUT /orchestration/executables/tasks/{taskId}")


# --- a log past the export limit ------------------------------------------------------------------------------------
@pytest.mark.families("monitoring")
def test_log_export_keeps_last(target: Target) -> None:
    if target.control is None:
        tell(target, "log_export_keeps_last", UNDETERMINED,
             f"needs a run with more than {PROBE_LOG_ENTRIES - 1:,} log entries, which only a mock can make at will")
        return
    with _sandbox_task(target, "long-log") as task:
        control = target.control.for_token(target.auth_headers["Authorization"].split(" ", 1)[1])
        # Lines the mock makes as the run logs: three fields to send and check, not 100,001 lines.
        control.behaviors.set(task, log_lines_generated={"count": PROBE_LOG_ENTRIES, "message": "kit line {n}"})
        execution = _run(target, task, logLevel="INFO")  # the lines are INFO: a quieter run would not log them
        target.pass_time(600)
        answer = target.post(f"/monitoring/executions/{execution}/logs")
        header = answer.headers.get("X-Log-Next-Request-End-Time")
        behaves = OBSERVED if answer.status_code == 206 and header else \
            DOCUMENTED if answer.status_code == 206 else UNDETERMINED
        tell(target, "log_export_keeps_last", behaves,
             f"the export of a {PROBE_LOG_ENTRIES:,}-entry log answers {answer.status_code}"
             f"{f' with X-Log-Next-Request-End-Time {header}' if header else ' and no X-Log-Next-Request-End-Time'}",
             response=answer, operation="POST /monitoring/executions/{id}/logs")
        control.behaviors.clear(task)


# --- throttling -----------------------------------------------------------------------------------------------------
@pytest.mark.families("orchestration")
def test_throttle_without_retry_after(target: Target) -> None:
    answers = [target.get("/orchestration/workspaces") for _ in range(15)]  # gently past ~10 a second
    refused = next((a for a in answers if a.status_code == 429), None)
    if target.moves_time:
        target.pass_time(2)  # a throttled mock accepts again once its clock moves
    if refused is None:
        tell(target, "throttle_without_retry_after", UNDETERMINED,
             "15 requests at once were all answered (a mocktmc throttles only with --throttle)")
        return
    retry = refused.headers.get("Retry-After")
    tell(target, "throttle_without_retry_after", DOCUMENTED if retry else OBSERVED,
         f"request {answers.index(refused) + 1} of 15 answered 429 "
         f"{'with Retry-After ' + retry if retry else 'with no Retry-After'}",
         response=refused, operation="GET /orchestration/workspaces")
