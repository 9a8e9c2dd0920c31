"""Snapshots (mocktmc/domain/snapshot.py): a restored world answers as the saved one did, and goes on the same.

Why these tests: a snapshot that forgets one piece of state (a counter, an agenda event, where a behavior
sequence stands, the order runs ended in) still restores a world that looks right at first sight; the
difference shows only later, or only in one answer. So a world that was saved, sent through JSON text and
restored into a fresh server is compared with the same world left alone, through the HTTP API, now and
after both clocks have moved on by the same steps, with the same requests made to both in between. The
registry tests make sure a class or a World attribute added later cannot be left out of snapshots silently.
"""
from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from dataclasses import fields, is_dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import mocktmc.domain
from mocktmc.domain import snapshot
from mocktmc.domain.executables.behaviors import parse_behavior_plan
from mocktmc.domain.model.ids import IdSource
from mocktmc.domain.common.timeutil import to_ms
from mocktmc.domain.world import World

from .conftest import (ARCHIVE_LOGS, CHECK_REJECTS, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT,
                       PARTNER_IMPORT, START, SYNC_ORDERS, Api, make_app)

DAILY_PLAN = "8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"
DEV_TO_PROD = "65f1a0c2e4b0a1b2c3d43001"
CUSTOMERS_LOAD, V1 = "65f1a0c2e4b0a1b2c3d41001", "0.1.0.20240105101500"
HOUR, DAY = 3600, 86400
Answer = tuple  # (status code, normalized body)


# --- helpers ---------------------------------------------------------------------------------------

def world_of(app) -> World:
    return app.extensions["mocktmc"].accounts.default_world


def saved_text(app) -> str:
    """The default account's snapshot, as JSON text (what a client would store)."""
    world = world_of(app)
    with world.lock:
        return json.dumps(snapshot.dump(world))


def restored_twin(original: Api) -> Api:
    """A fresh server built from the same settings, its clock set to the original's, holding the restored world."""
    app = original.app
    text = saved_text(app)
    twin = Api(make_app())
    moment = app.extensions["mocktmc"].clock.now()
    assert twin.client.post("/_mocktmc/clock/advance", json={"to": to_ms(moment)}).status_code == 200
    accounts = twin.app.extensions["mocktmc"].accounts
    restored = snapshot.load(json.loads(text), account_id=accounts.default_account_id)
    accounts.replace(accounts.default_account_id, restored)
    return twin


def normalized(response) -> Answer:
    """Status and body; an error's requestId differs between two servers by design, so it is left out."""
    body = response.get_json(silent=True)
    if body is None:
        return response.status_code, response.data, response.headers.get("Content-Disposition")
    return response.status_code, _without_request_ids(body)


def _without_request_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_request_ids(v) for k, v in value.items() if k != "requestId"}
    if isinstance(value, list):
        return [_without_request_ids(v) for v in value]
    return value


def put(api: Api, path: str, body: Any):
    return api.client.put(path, headers=api.headers, json=body)


def daily(at: str) -> dict:
    return {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "UTC",
            "atTimes": {"type": "AT_TIME", "time": at}}


def configure(api: Api, task_id: str, trigger: dict):
    return put(api, f"/orchestration/executables/tasks/{task_id}/run-config", {"trigger": trigger,
                                                                               "runtime": {"type": "CLOUD"}})


def set_behavior(api: Api, task_id: str, spec: dict) -> None:
    world = world_of(api.app)
    with world.lock:
        world.task(task_id).behavior = parse_behavior_plan(spec)


def create_task(api: Api, name: str) -> str:
    response = api.post("/orchestration/executables/tasks", json={
        "environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS, "name": name,
        "artifact": {"id": CUSTOMERS_LOAD, "version": V1}})
    assert response.status_code == 201, response.json
    return response.json["id"]


def metrics_query(api: Api):
    return api.post("/monitoring/observability/metrics/component", json={
        "environmentId": DEV_ENV, "startTime": "2024-03-01T00:00:00Z", "endTime": "2024-03-09T00:00:00Z"})


def webhook_call(api: Api, path: str, data: str):
    return api.client.post(path, data=data, content_type="text/plain")


def known_ids(world: World) -> dict[str, list]:
    with world.lock:
        return {"tasks": list(world.tasks), "plans": list(world.plans), "schedules": list(world.schedules),
                "runs": list(world.executions), "plan_runs": list(world.plan_executions),
                "promotion_runs": list(world.promotion_executions),
                "exports": [(e.token, e.execution_id, e.download_id) for e in world.log_exports.values()]}


def answers(api: Api, ids: dict[str, list], runs_to_read: list[str]) -> dict[str, Answer]:
    """A broad set of reads (the ids to read come from the original world, so both sides read the same)."""
    now = api.app.extensions["mocktmc"].clock.now()
    ahead = to_ms(now + timedelta(days=3))
    out: dict[str, Answer] = {}

    def get(path: str, **query: Any) -> None:
        out[f"GET {path} {query}"] = normalized(api.get(path, query_string=query))

    def post(path: str, body: Any) -> None:
        out[f"POST {path} {body}"] = normalized(api.post(path, json=body))

    get("/orchestration/executables/tasks", limit=100)
    get("/orchestration/executables/plans")
    get("/orchestration/schedules")
    get("/orchestration/workspaces")
    get("/processing/runtimes/remote-engines")
    post("/orchestration/executables/events/search", {"environmentId": DEV_ENV, "to": ahead})
    post("/monitoring/observability/executions/search", {"environmentId": DEV_ENV, "category": "ETL", "limit": 100})
    post("/processing/executables/tasks/executions", {"tags": ["sales"]})
    for status in ("dispatching", "executing", "execution_successful", "execution_rejected", "execution_failed",
                   "terminated", "terminated_timeout", None):
        get("/processing/executables/tasks/executions", limit=100, **({"status": status} if status else {}))
    for task_id in ids["tasks"]:
        get(f"/orchestration/executables/tasks/{task_id}")
        get(f"/orchestration/executables/tasks/{task_id}/run-config")
        get(f"/orchestration/executables/tasks/{task_id}/run-config/events", to=ahead)
        get(f"/processing/executables/tasks/{task_id}/executions", limit=100)
    for plan_id in ids["plans"]:
        get(f"/orchestration/executables/plans/{plan_id}/run-config")
        get(f"/orchestration/executables/plans/{plan_id}/run-config/events", to=ahead)
        get(f"/processing/executables/plans/{plan_id}/executions")
    for schedule_id in ids["schedules"]:
        get(f"/orchestration/schedules/{schedule_id}")
    for run_id in runs_to_read:
        get(f"/processing/executions/{run_id}")
        get(f"/monitoring/executions/{run_id}/logs", count=100)
    for run_id in ids["plan_runs"]:
        get(f"/processing/executions/plans/{run_id}")
        get(f"/processing/executions/plans/{run_id}/steps")
    for run_id in ids["promotion_runs"]:
        get(f"/processing/executions/promotions/{run_id}")
    for token, run_id, download_id in ids["exports"]:
        out[f"status {token}"] = normalized(api.post(f"/monitoring/executions/{run_id}/logs/status",
                                                     data=json.dumps(token),
                                                     headers={"Content-Type": "application/json"}))
        out[f"download {download_id}"] = normalized(api.client.get(f"/_mocktmc/downloads/{download_id}"))
    return out


def assert_same(original: Api, twin: Api, runs_to_read: list[str]) -> None:
    ids = known_ids(world_of(original.app))
    assert known_ids(world_of(twin.app)) == ids
    mine, theirs = answers(original, ids, runs_to_read), answers(twin, ids, runs_to_read)
    assert mine.keys() == theirs.keys()
    for key in mine:
        assert theirs[key] == mine[key], key


def both(original: Api, twin: Api, action: Callable[[Api], Any]) -> Any:
    """Make the same request to both servers; their answers must agree."""
    mine, theirs = normalized(action(original)), normalized(action(twin))
    assert theirs == mine
    return mine


# --- a busy world ------------------------------------------------------------------------------

def build_busy_world(api: Api) -> dict[str, str]:
    """Every kind of pending future at once; returns what the later steps need."""
    assert configure(api, LOAD_CUSTOMERS, daily("10:00")).status_code == 200
    assert configure(api, CHECK_REJECTS, {"type": "CRON", "cronExpression": "15,45 * * * ?",
                                          "startDate": "2024-03-01", "timeZone": "UTC"}).status_code == 200
    schedule = api.post("/orchestration/schedules", json={"environmentId": DEV_ENV, "trigger": {
        "name": "morning", **daily("06:00")}})
    assert schedule.status_code == 201
    assert put(api, f"/orchestration/executables/plans/{DAILY_PLAN}/schedule",
               {"scheduleId": schedule.json["id"]}).status_code == 200
    hook = configure(api, SYNC_ORDERS, {"type": "WEBHOOK", "startDate": "2024-03-01", "timeZone": "UTC",
                                        "webhook": {"name": "drop", "triggerCalls": 3, "triggerTimeout": 600}})
    webhook = hook.json["trigger"]["webhook"]["url"].removeprefix("http://localhost")
    # A behavior sequence part used: its next entries must come in the same order after a restore.
    set_behavior(api, PARTNER_IMPORT, {"processedRows": 320, "sequence": [
        {"outcome": "EXECUTION_FAILED"}, {"durations": {"STARTING_FLOW_EXECUTION": 1}, "processedRows": 7},
        {"outcome": "EXECUTION_FAILED", "errorMessage": "again"}]})
    api.execute(PARTNER_IMPORT)
    # Two runs triggered at one instant that end in the other order than they were created in.
    quick = create_task(api, "Quick")
    set_behavior(api, quick, {"durations": {"EXECUTION_EVENT_RECEIVED": 0, "DISPATCHING_FLOW": 0,
                                            "STARTING_FLOW_EXECUTION": 0}})
    loaded = api.execute(LOAD_CUSTOMERS, logLevel="INFO")
    api.execute(quick)
    api.execute(SYNC_ORDERS)  # fails
    terminated = api.execute(NIGHTLY_REPORT)
    api.advance(30)
    assert api.delete(f"/processing/executions/{terminated}").status_code == 204
    api.advance(60)
    for _ in range(5):  # the minute's five metric queries: a sixth is refused, restored or not
        assert metrics_query(api).status_code == 200
    ready = api.post(f"/monitoring/executions/{loaded}/logs").json["token"]
    api.advance(5)
    assert api.post(f"/monitoring/executions/{loaded}/logs/status", data=json.dumps(ready),
                    headers={"Content-Type": "application/json"}).json["status"] == "READY"
    # Mid-way at the snapshot: a ten-minute run, a run that will time out, a plan run, a promotion,
    # an open webhook window, a log file being prepared, a paused scheduled task, a run just received.
    running = api.execute(NIGHTLY_REPORT)
    api.execute(NIGHTLY_REPORT)  # misfires: the task forbids parallel runs
    slow = create_task(api, "Slow")
    set_behavior(api, slow, {"durations": {"STARTING_FLOW_EXECUTION": 900}})
    api.execute(slow, timeout=2)
    assert api.post("/processing/executions/plans", json={"executable": DAILY_PLAN}).status_code == 201
    api.advance(10)
    assert api.post("/processing/executions/promotions", json={"executable": DEV_TO_PROD}).status_code == 201
    assert webhook_call(api, webhook, "first").status_code == 204
    assert api.post(f"/monitoring/executions/{loaded}/logs", query_string={"fileFormat": "TEXT"}).status_code == 200
    assert put(api, f"/orchestration/executables/tasks/{CHECK_REJECTS}/pause", {"pause": True}).status_code == 202
    api.execute(LOAD_CUSTOMERS)
    return {"webhook": webhook, "running": running, "quick": quick}


def test_a_restored_busy_world_answers_and_goes_on_like_the_original():
    original = Api(make_app())
    facts = build_busy_world(original)
    twin = restored_twin(original)
    pending = [run_id for run_id, run in world_of(original.app).executions.items() if not run.terminal]
    assert len(pending) >= 4 and world_of(original.app).pending_events >= 8
    runs = list(world_of(original.app).executions)
    assert_same(original, twin, runs)

    # The same requests to both, then the same clock steps; the answers (new ids included) must agree.
    assert both(original, twin, metrics_query)[0] == 429
    both(original, twin, lambda api: webhook_call(api, facts["webhook"], "second"))
    both(original, twin, lambda api: api.post("/processing/executions", json={"executable": ARCHIVE_LOGS}))
    both(original, twin, lambda api: api.post("/processing/executions", json={"executable": PARTNER_IMPORT}))
    both(original, twin, lambda api: api.delete(f"/processing/executions/{facts['running']}"))
    both(original, twin, lambda api: api.post("/orchestration/executables/tasks", json={
        "environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS, "name": "After",
        "artifact": {"id": CUSTOMERS_LOAD, "version": V1}}))
    both(original, twin, lambda api: api.post("/orchestration/schedules", json={
        "environmentId": DEV_ENV, "trigger": {"name": "noon", **daily("12:00")}}))
    both(original, twin, lambda api: api.post("/processing/executions/plans", json={"executable": DAILY_PLAN}))
    for seconds in (1, 3, 10, 60, 600, HOUR, 6 * HOUR, DAY):
        both(original, twin, lambda api: api.client.post("/_mocktmc/clock/advance", json={"seconds": seconds}))
        both(original, twin, lambda api: api.post("/processing/executions", json={"executable": facts["quick"]}))
        if seconds == 600:
            both(original, twin, lambda api: put(api, f"/orchestration/executables/tasks/{CHECK_REJECTS}/pause",
                                                 {"pause": False}))
            both(original, twin, lambda api: api.post(f"/monitoring/executions/{runs[1]}/logs"))
        newest = list(world_of(original.app).executions)
        assert_same(original, twin, pending + newest[-8:])
    # The future did happen: scheduled runs (own triggers, a schedule, the cron), the timeout, the promotion.
    types = {run.execution_type for run in world_of(twin.app).executions.values()}
    assert {"SCHEDULED", "WEBHOOK", "PLAN", "MANUAL"} <= types
    statuses = {run.execution_status for run in world_of(twin.app).executions.values()}
    assert {"EXECUTION_SUCCESS", "EXECUTION_FAILED", "EXECUTION_TERMINATED", "EXECUTION_TERMINATED_TIMEOUT",
            "EXECUTION_REJECTED"} <= statuses


def test_a_snapshot_of_a_restored_world_is_the_same_snapshot():
    """dump(load(dump(w))) == dump(w): nothing is lost or added on the way (after a JSON round trip)."""
    original = Api(make_app())
    build_busy_world(original)
    text = saved_text(original.app)
    data = json.loads(text)
    again = snapshot.dump(snapshot.load(data))
    assert json.dumps(again) == text
    assert json.dumps(data) == text  # load changed nothing it was given
    assert json.loads(text)["format"] == "mocktmc-state/4"


def sharing(world: World) -> dict[frozenset[str], Any]:
    """The dataclass objects held in more than one place, by the places that hold them."""
    places: dict[int, list[str]] = {}
    objects: dict[int, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}[{key!r}]")
        elif is_dataclass(value) and not isinstance(value, type):
            places.setdefault(id(value), []).append(path)
            objects[id(value)] = value
            if len(places[id(value)]) == 1:
                for f in fields(value):
                    walk(getattr(value, f.name), f"{path}.{f.name}")
    for name in snapshot.STORES:
        walk(getattr(world, name), name)
    walk([entry[2] for entry in world.agenda], "agenda")
    return {frozenset(paths): objects[key] for key, paths in places.items() if len(paths) > 1}


def _frozen(value: Any) -> bool:
    return type(value).__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_what_two_places_hold_is_a_frozen_value_and_a_restore_shares_it_again():
    """Snapshots keep no object identity: entities refer to each other by id, and an object two places hold
    (a task's Runtime and its runs', a Principal) is frozen, so equal copies would do; a restore makes them
    one object again all the same, so that a restored million runs takes no more memory than the original."""
    original = Api(make_app())
    build_busy_world(original)
    world = world_of(original.app)
    restored = snapshot.load(json.loads(saved_text(original.app)))
    shared = sharing(world)
    assert shared
    mutable = {type(value).__name__ for value in shared.values() if not _frozen(value)}
    assert not mutable, f"mutable objects held in two places: {mutable}"
    assert all(_frozen(value) for value in sharing(restored).values())
    for name in ("tasks", "executions", "plan_executions", "promotion_executions", "promotions"):
        assert getattr(restored, name) == getattr(world, name), name
    for attribute in ("runtime", "principal", "behavior"):
        def distinct(w: World) -> int:
            return len({id(getattr(run, attribute)) for run in w.executions.values()})
        assert distinct(restored) <= distinct(world), attribute
    run = next(r for r in restored.executions.values() if r.task_id == NIGHTLY_REPORT)
    assert run.runtime is restored.tasks[NIGHTLY_REPORT].runtime


def test_a_document_whose_keys_were_sorted_restores_the_same_world():
    """A JSON tool may sort keys: runs come back in creation order regardless."""
    original = Api(make_app())
    build_busy_world(original)
    world = world_of(original.app)
    restored = snapshot.load(json.loads(json.dumps(json.loads(saved_text(original.app)), sort_keys=True)))
    assert list(restored.executions) == list(world.executions)
    assert {key: getattr(restored, key) for key in ("tasks", "executions", "plan_executions", "armed")} == \
        {key: getattr(world, key) for key in ("tasks", "executions", "plan_executions", "armed")}


# --- a property: snapshot, restore, go on == go on -------------------------------------------------

OPERATIONS = st.one_of(
    st.tuples(st.just("execute"), st.sampled_from([LOAD_CUSTOMERS, SYNC_ORDERS, NIGHTLY_REPORT, PARTNER_IMPORT,
                                                   CHECK_REJECTS, ARCHIVE_LOGS])),
    st.tuples(st.just("advance"), st.sampled_from([1, 4, 30, 600, 5 * HOUR])),
    st.tuples(st.just("terminate"), st.just("")),
    st.tuples(st.just("plan"), st.just(DAILY_PLAN)),
    st.tuples(st.just("pause"), st.sampled_from([LOAD_CUSTOMERS, CHECK_REJECTS])),
    st.tuples(st.just("resume"), st.sampled_from([LOAD_CUSTOMERS, CHECK_REJECTS])),
    st.tuples(st.just("schedule"), st.sampled_from(["10:30", "11:00"])),
    st.tuples(st.just("logs"), st.just("")),
)


def operate(api: Api, operation: tuple[str, str]) -> Answer:
    kind, arg = operation
    world = world_of(api.app)
    if kind == "execute":
        return normalized(api.post("/processing/executions", json={"executable": arg}))
    if kind == "advance":
        return normalized(api.client.post("/_mocktmc/clock/advance", json={"seconds": arg}))
    if kind == "terminate":
        newest = list(world.executions)[-1:]
        return normalized(api.delete(f"/processing/executions/{newest[0]}")) if newest else (0, None)
    if kind == "plan":
        return normalized(api.post("/processing/executions/plans", json={"executable": arg}))
    if kind in ("pause", "resume"):
        return normalized(put(api, f"/orchestration/executables/tasks/{arg}/pause", {"pause": kind == "pause"}))
    if kind == "schedule":
        return normalized(configure(api, LOAD_CUSTOMERS, daily(arg)))
    newest = list(world.executions)[-1:]
    return normalized(api.post(f"/monitoring/executions/{newest[0]}/logs")) if newest else (0, None)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(OPERATIONS, max_size=6), after=st.lists(OPERATIONS, min_size=1, max_size=6))
def test_snapshot_restore_and_go_on_is_the_same_as_going_on(before, after):
    original = Api(make_app())
    for operation in before:
        operate(original, operation)
    twin = restored_twin(original)
    for operation in after + [("advance", HOUR)]:
        assert operate(twin, operation) == operate(original, operation), operation
    ids = known_ids(world_of(original.app))
    assert known_ids(world_of(twin.app)) == ids
    assert answers(twin, ids, ids["runs"][-6:]) == answers(original, ids, ids["runs"][-6:])


# --- the registry ------------------------------------------------------------------------------

# Dataclasses of the domain that no World holds, and why.
NOT_STATE = {
    "TokenGrant": "the accounts registry's (bearer tokens), not an account's world",
    "Comparison": "a parsed FIQL query", "Combination": "a parsed FIQL query",
    "WorldSpec": "a fixture file, read when a world is built", "Page": "one page of an answer",
    "LogPage": "one page of a run's log",
    "RunRow": "a run as the dashboard's list shows it", "RunsPage": "one page of that list",
    "ProfileFilter": "a run profile search", "ScheduledEvent": "an events search answer",
    "TaskFilter": "a task search", "RunConfig": "a run-config request", "TaskDefinition": "a task request",
    "Pairable": "the base class of RemoteEngine and PipelineEngine, never made itself",
    "World": "the declaration of a world's state itself",
    "Rule": "a row of the permissions table (code, not state)", "Locate": "where a row finds its workspace",
    "Scope": "where one request acts, worked out per request",
    "PermissionRecord": "a workspace permission as the API answers it (the workspace holds the state)",
    "BatchOutcome": "one item's outcome in a batch answer",
}


def domain_dataclasses() -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(mocktmc.domain.__path__, "mocktmc.domain."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and is_dataclass(value) and value.__module__ == module.__name__:
                assert found.get(value.__name__, value) is value, f"two domain dataclasses named {value.__name__}"
                found[value.__name__] = value
    return found


def test_every_domain_dataclass_is_in_the_registry_or_said_not_to_be_state():
    everything = domain_dataclasses()
    registered = {name for name, cls in snapshot.REGISTRY.items() if everything.get(name) is cls}
    assert registered == set(snapshot.REGISTRY), "the registry holds a class that is not the domain's"
    assert not registered & set(NOT_STATE)
    assert set(everything) == registered | set(NOT_STATE), "a new dataclass: add it to snapshot.REGISTRY " \
                                                          "(or to NOT_STATE here, saying why no World holds it)"


def test_every_class_a_world_can_reach_is_registered_and_checkable():
    reachable = snapshot.reachable_classes(snapshot.HINTS.values())
    assert reachable <= set(snapshot.REGISTRY.values())
    for cls in snapshot.REGISTRY.values():
        assert all(f.init for f in fields(cls)), cls
    snapshot._document()  # pydantic reads every hint the declaration holds, or raises
    events = {cls for cls in domain_dataclasses().values() if callable(getattr(cls, "apply", None))}
    assert events == set(snapshot.AGENDA_EVENTS)


def test_a_world_holds_only_what_it_declares_and_snapshots_save_all_its_state():
    world = World("a", "A", START, IdSource("x"))
    with pytest.raises(AttributeError):
        world.extra = 1  # slots: state cannot be added beside the declaration
    saved = snapshot.dump(world)
    state = {f.name for f in fields(World) if f.metadata.get("kind", "state") == "state"}
    assert set(saved) == state - {"account_id", "account_name"} | {"format", "account", "endedOrder"}


def test_an_unregistered_object_in_a_world_cannot_be_dumped():
    world = World("a", "A", START, IdSource("x"))
    world.users["u"] = object()
    with pytest.raises(TypeError, match="cannot snapshot account a"):
        snapshot.dump(world)


# --- bad snapshots -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good() -> dict:
    api = Api(make_app())
    run_id = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    api.post(f"/monitoring/executions/{run_id}/logs")
    api.execute(NIGHTLY_REPORT)
    return json.loads(saved_text(api.app))


def first_run(data: dict) -> dict:
    return next(iter(data["executions"].values()))


def first_event(data: dict) -> dict:
    return data["agenda"][0][2]


BREAKAGES: dict[str, Callable[[dict], Any]] = {
    "format": lambda d: d.update(format="mocktmc-state/2"),
    "no format": lambda d: d.pop("format"),
    "unknown top field": lambda d: d.update(colour="red"),
    "missing store": lambda d: d.pop("tasks"),
    "account id type": lambda d: d["account"].update(id=5),
    "now garbage": lambda d: d.update(now="soon"),
    "now a number": lambda d: d.update(now=1709283600000),
    "naive now": lambda d: d.update(now="2024-03-01T09:00:00"),
    "naive trigger time": lambda d: first_run(d).update(triggered="2024-03-01T09:00:00"),
    "unknown event class": lambda d: d["agenda"][0].__setitem__(2, {"os.system": {}}),
    "event class not a string": lambda d: d["agenda"][0].__setitem__(2, [first_event(d)]),
    "two events in one entry": lambda d: first_event(d).update(Fire={"executable_id": "x", "token": 0}),
    "no event": lambda d: d["agenda"][0].__setitem__(2, {}),
    "wrong class in store": lambda d: d["tasks"].update({LOAD_CUSTOMERS: d["users"][next(iter(d["users"]))]}),
    "missing field": lambda d: d["tasks"][LOAD_CUSTOMERS].pop("name"),
    "unknown field": lambda d: d["tasks"][LOAD_CUSTOMERS].update(colour="red"),
    "field type": lambda d: d["tasks"][LOAD_CUSTOMERS].update(name=5),
    "text for int": lambda d: first_run(d).update(seq="3"),
    "bool for int": lambda d: first_run(d).update(seq=True),
    "list for str": lambda d: d["tasks"][LOAD_CUSTOMERS].update(tags="sales"),
    "object for a value": lambda d: d["tasks"][LOAD_CUSTOMERS].update(runtime=5),
    "key not the id": lambda d: d["tasks"].update(nope=d["tasks"].pop(LOAD_CUSTOMERS)),
    "bad bytes": lambda d: next(iter(d["log_exports"].values())).update(content="not base64!"),
    "bad tuple": lambda d: d["tasks"][LOAD_CUSTOMERS]["behavior"]["base"].update(log_lines=3),
    "bad mapping": lambda d: d["tasks"][LOAD_CUSTOMERS].update(parameters={"a": ["not text"]}),
    "not a number": lambda d: first_run(d).update(processed_rows=float("nan")),
    "counter negative": lambda d: d.update(run_seq=-1),
    "counter behind the runs": lambda d: d.update(run_seq=0),
    "counter behind the agenda": lambda d: d.update(agenda_seq=0),
    "counters missing": lambda d: d.pop("arm_token_seq"),
    "counter not a number": lambda d: d.update(misfires="3"),
    "agenda entry shape": lambda d: d["agenda"].append([1, 2]),
    "agenda event not an event": lambda d: d["agenda"][0].__setitem__(2, d["tasks"][LOAD_CUSTOMERS]),
    "agenda not a list": lambda d: d.update(agenda={}),
    "ids state": lambda d: d["ids"].update(state=[1, 2, 3]),
    "ids version": lambda d: d["ids"].update(version="three"),
    "ids gauss": lambda d: d["ids"].update(gaussNext="x"),
    "unknown status": lambda d: first_run(d).update(execution_status="HALF_DONE"),
    "ended order": lambda d: d.update(endedOrder=[]),
    "armed for nothing": lambda d: d["armed"].update(nope=d["armed"][NIGHTLY_REPORT]),
    "deep nesting": lambda d: d["tasks"][LOAD_CUSTOMERS].update(trigger=_deep(100_000)),
    "python object": lambda d: d["tasks"][LOAD_CUSTOMERS].update(name=object()),
}


def _deep(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_bad_snapshot_is_a_value_error(good, breakage):
    data = copy.deepcopy(good) if breakage != "deep nesting" else {**good, "tasks": copy.deepcopy(good["tasks"])}
    BREAKAGES[breakage](data)
    with pytest.raises(ValueError) as caught:
        snapshot.load(data)
    assert type(caught.value) is ValueError and str(caught.value)


@pytest.mark.parametrize("data", [None, [], "mocktmc-state/4", 5, {}, {"format": "mocktmc-state/4"}])
def test_not_a_snapshot_at_all_is_a_value_error(data):
    with pytest.raises(ValueError):
        snapshot.load(data)


def test_a_snapshot_of_another_account_is_refused(good):
    with pytest.raises(ValueError, match="account"):
        snapshot.load(good, account_id="someone-else")
    assert snapshot.load(good, account_id=good["account"]["id"]).account_id == good["account"]["id"]


def _replace_somewhere(data: Any, path: list[int], new: Any) -> Any:
    """`data` with the node `path` leads to (each step picks a child by index, modulo) replaced by `new`."""
    if not path or not isinstance(data, (dict, list)) or not data:
        return new
    if isinstance(data, list):
        i = path[0] % len(data)
        return [_replace_somewhere(v, path[1:], new) if j == i else v for j, v in enumerate(data)]
    keys = list(data)
    key = keys[path[0] % len(keys)]
    return {k: (_replace_somewhere(v, path[1:], new) if k == key else v) for k, v in data.items()}


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 2**40) | st.floats(allow_nan=False)
                           | st.text(max_size=5)
                           | st.sampled_from(["PhaseEnds", "2024-03-01T09:00:00", "P1D", "Task", "LogEntry"]),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["PhaseEnds", "TimeoutDue", "format", "seq", "id",
                                                             "name"]), inner, max_size=3), max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(path=st.lists(st.integers(0, 10_000), min_size=1, max_size=7), new=JSON_VALUES)
def test_a_snapshot_changed_anywhere_loads_or_is_a_value_error(good, path, new):
    try:
        snapshot.load(_replace_somewhere(good, path, new))
    except ValueError:
        pass


def test_values_json_lacks_survive_a_round_trip():
    world = World("a", "A", datetime(2024, 3, 1, tzinfo=timezone.utc), IdSource("x"))
    world.metric_queries = [datetime(2024, 3, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))]
    restored = snapshot.load(json.loads(json.dumps(snapshot.dump(world))))
    assert restored.metric_queries == world.metric_queries
    assert restored.ids.uuid() == world.ids.uuid() and restored.ids.hex24() == world.ids.hex24()
    assert restored.next_arm_token() == world.next_arm_token()
