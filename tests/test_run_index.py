"""The run index answers history pages exactly as a scan of every run would.

Hypothesis builds a world's history from runs started, stopped and left running while the clock
moves, then asks random questions (scope, status, period, page, tags) of both the index and a
plain filter-and-sort over all runs.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from mocktmc.domain.model import lifecycle as lc
from mocktmc.domain.model.definitions import Principal
from mocktmc.domain.executions.task_executions import execute_task, history, history_page, terminate_execution
from mocktmc.domain.fixtures import build_world, load_fixture
from mocktmc.domain.common.paging import paginate

from .conftest import (
    BASE_WORLD, CHECK_REJECTS, DEV_ENV, DEV_SALES_WS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PARTNER_IMPORT, PROD_ENV,
    SYNC_ORDERS,
)

START = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
TASKS = [LOAD_CUSTOMERS, SYNC_ORDERS, NIGHTLY_REPORT, PARTNER_IMPORT, CHECK_REJECTS]
SPEC = load_fixture(BASE_WORLD)
USER = Principal("user-1", "HUMAN")
# Partner import is moved here before any run, so the runs lie in two workspaces a caller may or may not VIEW.
PERSONAL_WS, PROD_SALES_WS = "65f1a0c2e4b0a1b2c3d40102", "65f1a0c2e4b0a1b2c3d40201"

steps = st.lists(st.one_of(
    st.tuples(st.just("run"), st.sampled_from(TASKS), st.one_of(st.none(), st.integers(1, 20))),
    st.tuples(st.just("advance"), st.integers(0, 4000)),
    st.tuples(st.just("stop"), st.integers(0, 50)),
), max_size=40)
questions = st.fixed_dictionaries({
    "scope": st.sampled_from([{}, {"environment_id": DEV_ENV}, {"environment_id": PROD_ENV},
                              {"workspace_id": DEV_SALES_WS}, {"workspace_id": PERSONAL_WS},
                              {"task_id": NIGHTLY_REPORT}, {"task_id": PARTNER_IMPORT},
                              {"task_id": LOAD_CUSTOMERS}]),
    "status": st.sampled_from([None, *lc.STATUS_FILTER]),
    # Period bounds near run boundaries: an anchor run's trigger, start or finish, a few seconds off.
    "from_anchor": st.tuples(st.integers(0, 10**6), st.sampled_from(["triggered", "started", "finished"]),
                             st.integers(-5, 5)),
    "to_anchor": st.tuples(st.integers(0, 10**6), st.sampled_from(["triggered", "started", "finished"]),
                           st.integers(-5, 5)),
    "offset": st.integers(0, 12), "limit": st.integers(1, 8),
    "tags": st.sampled_from([(), ("sales",), ("daily", "sales"), ("reporting",)]),
    # The workspaces the caller may VIEW (None: an administrator's, no filter).
    "viewable": st.sampled_from([None, frozenset(), frozenset({DEV_SALES_WS}), frozenset({PERSONAL_WS}),
                                 frozenset({DEV_SALES_WS, PERSONAL_WS}), frozenset({PERSONAL_WS, PROD_SALES_WS})]),
})


def scanned(world, question, start, end, now, by_trigger):
    scope = question["scope"]
    runs = [r for r in world.executions.values()
            if all(getattr(r, key) == value for key, value in scope.items())
            and set(question["tags"]) <= set(getattr(world.tasks.get(r.task_id), "tags", ()))
            and (question["viewable"] is None or r.workspace_id in question["viewable"])]
    statuses = lc.STATUS_FILTER.get(question["status"])
    return paginate(history(runs, execution_statuses=statuses, start=start, end=end, now=now, by_trigger=by_trigger),
                    question["offset"], question["limit"])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=steps, asked=st.lists(questions, min_size=1, max_size=6), by_trigger=st.booleans())
def test_index_pages_equal_a_full_scan(steps, asked, by_trigger):
    """Either way a period selects runs: active in it (as documented), or triggered in it (as observed)."""
    world = build_world(SPEC, "acct", START, seed=0)
    world.quirks = frozenset({"history_window_by_trigger"}) if by_trigger else frozenset()
    world.tasks[PARTNER_IMPORT].workspace_id = PERSONAL_WS
    now = START
    for step in steps:
        if step[0] == "run":
            task = world.tasks[step[1]]
            task.parallel_execution_allowed = True
            if not task.paused:
                execute_task(world, task, USER, now, timeout=step[2])
        elif step[0] == "advance":
            now += timedelta(seconds=step[1])
            world.settle(now)
        else:
            running = [r for r in world.executions.values() if not r.terminal]
            if running:
                terminate_execution(world, running[step[1] % len(running)], USER, now)
    runs = list(world.executions.values())

    def moment(anchor):
        if not runs:
            return START + timedelta(seconds=anchor[2])
        run = runs[anchor[0] % len(runs)]
        return (getattr(run, anchor[1]) or run.triggered) + timedelta(seconds=anchor[2])
    for question in asked:
        start, end = sorted((moment(question["from_anchor"]), moment(question["to_anchor"])))
        expected = scanned(world, question, start, end, now, by_trigger)
        got = history_page(world, **question["scope"], tags=question["tags"],
                           execution_statuses=lc.STATUS_FILTER.get(question["status"]),
                           start=start, end=end, now=now, offset=question["offset"], limit=question["limit"],
                           viewable=question["viewable"])
        assert got.total == expected.total
        assert [r.id for r in got.items] == [r.id for r in expected.items]


def test_runs_triggered_together_keep_their_creation_order_whatever_order_they_end_in():
    world = build_world(SPEC, "acc", START, 0)
    slow = execute_task(world, world.tasks[NIGHTLY_REPORT], USER, START)  # ten minutes
    quick = execute_task(world, world.tasks[LOAD_CUSTOMERS], USER, START)  # seconds: it ends first
    world.settle(START + timedelta(hours=1))
    page = history_page(world, environment_id=DEV_ENV, execution_statuses={"EXECUTION_SUCCESS"},
                        start=START, end=START + timedelta(hours=1), now=world.now, offset=0, limit=10)
    assert [run.id for run in page.items] == [quick.id, slow.id]  # newest first: the later-created one


def test_a_restricted_callers_page_is_the_union_of_its_workspaces_runs():
    """The runs of the workspaces a caller may VIEW, counted and merged across the index's workspace scopes
    (finished and still going), exactly as a scan that drops the others."""
    world = build_world(SPEC, "acct", START, seed=0)
    world.tasks[PARTNER_IMPORT].workspace_id = PERSONAL_WS
    now = START
    for minute in range(6):
        for task in (PARTNER_IMPORT, LOAD_CUSTOMERS):
            world.tasks[task].parallel_execution_allowed = True
            execute_task(world, world.tasks[task], USER, now)
        now += timedelta(minutes=minute)
        world.settle(now)
    execute_task(world, world.tasks[PARTNER_IMPORT], USER, now)  # still going
    start = START - timedelta(days=1)
    for viewable in (None, frozenset(), frozenset({PERSONAL_WS}), frozenset({DEV_SALES_WS, PERSONAL_WS})):
        for offset, limit in ((0, 3), (4, 5), (10, 8)):
            question = {"scope": {"environment_id": DEV_ENV}, "tags": (), "status": None, "offset": offset,
                        "limit": limit, "viewable": viewable}
            expected = scanned(world, question, start, now, now, False)
            got = history_page(world, environment_id=DEV_ENV, execution_statuses=None, start=start, end=now,
                               now=now, offset=offset, limit=limit, viewable=viewable)
            assert got.total == expected.total
            assert [r.id for r in got.items] == [r.id for r in expected.items]
    assert history_page(world, execution_statuses=None, start=start, end=now, now=now, offset=0, limit=100,
                        viewable=frozenset({DEV_SALES_WS, PERSONAL_WS})).total == 13
    # A task moved to another workspace of its environment leaves its runs where they were made.
    world.tasks[LOAD_CUSTOMERS].workspace_id = PERSONAL_WS
    execute_task(world, world.tasks[LOAD_CUSTOMERS], USER, now)
    for viewable, expected_total in ((None, 7), (frozenset({DEV_SALES_WS}), 6), (frozenset({PERSONAL_WS}), 1),
                                     (frozenset({DEV_SALES_WS, PERSONAL_WS}), 7), (frozenset(), 0)):
        question = {"scope": {"task_id": LOAD_CUSTOMERS}, "tags": (), "status": None, "offset": 0, "limit": 4,
                    "viewable": viewable}
        expected = scanned(world, question, start, now, now, False)
        got = history_page(world, task_id=LOAD_CUSTOMERS, execution_statuses=None, start=start, end=now, now=now,
                           offset=0, limit=4, viewable=viewable)
        assert got.total == expected.total == expected_total
        assert [r.id for r in got.items] == [r.id for r in expected.items]
