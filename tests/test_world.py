"""The world's agenda and the execution engine, without the web layer."""
from datetime import timedelta

import pytest

from mocktmc.domain.model import lifecycle as lc
from mocktmc.domain.model.definitions import Principal
from mocktmc.domain.executions.task_executions import execute_task, terminate_execution
from mocktmc.domain.fixtures import build_world, load_fixture
from mocktmc.errors import BadRequest, TaskPaused

from .conftest import (BASE_WORLD, ARCHIVE_LOGS, CHECK_REJECTS, LOAD_CUSTOMERS, NIGHTLY_REPORT, PARTNER_IMPORT, START,
                       SYNC_ORDERS)

ALICE = Principal("alice", "HUMAN")


@pytest.fixture(scope="module")
def spec():
    return load_fixture(BASE_WORLD)


@pytest.fixture
def world(spec):
    return build_world(spec, "acct", START, seed=1)


def settle_by(world, seconds):
    world.settle(world.now + timedelta(seconds=seconds))


def test_events_apply_in_time_order_at_their_own_time(world):
    applied = []

    class Mark:
        def __init__(self, name):
            self.name = name

        def apply(self, w, at):
            applied.append((self.name, at, w.now))

    queued = world.pending_events  # the demo's nightly schedule has its next run queued
    world.schedule(START + timedelta(seconds=5), Mark("b"))
    world.schedule(START + timedelta(seconds=1), Mark("a"))
    world.schedule(START + timedelta(seconds=5), Mark("c"))  # same time: scheduling order
    world.schedule(START + timedelta(seconds=50), Mark("later"))
    assert world.settle(START + timedelta(seconds=10)) == 3
    assert [name for name, _, _ in applied] == ["a", "b", "c"]
    assert all(at == now for _, at, now in applied)
    assert world.now == START + timedelta(seconds=10)
    assert world.pending_events == queued + 1


def test_successful_run_walks_the_published_path(world):
    run = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START)
    seen = [run.execution_status]
    for _ in range(20):
        settle_by(world, 0.5)
        if run.execution_status != seen[-1]:
            seen.append(run.execution_status)
    assert tuple(seen) == lc.PATHS[lc.SUCCESS]
    assert run.triggered <= run.started <= run.finished
    assert run.processed_rows == 1250 and run.rejected_rows == 0


def test_one_jump_equals_many_small_steps(spec):
    def final_state(steps):
        world = build_world(spec, "acct", START, seed=7)
        runs = [execute_task(world, world.tasks[t], ALICE, START) for t in
                (LOAD_CUSTOMERS, SYNC_ORDERS, CHECK_REJECTS, NIGHTLY_REPORT)]
        for _ in range(steps):
            settle_by(world, 900 / steps)
        return [(r.id, r.execution_status, r.started, r.finished, [(e.timestamp, e.message) for e in r.logs])
                for r in runs]

    assert final_state(1) == final_state(900)


@pytest.mark.parametrize("task_id, outcome", [(SYNC_ORDERS, lc.FAILED), (CHECK_REJECTS, lc.REJECTED)])
def test_behavior_outcomes(world, task_id, outcome):
    run = execute_task(world, world.tasks[task_id], ALICE, START)
    settle_by(world, 60)
    assert run.execution_status == outcome
    if outcome == lc.FAILED:
        assert run.error_message == "Connection refused: orders-db:5432"
        assert run.error_type == "java.net.ConnectException"
    else:
        assert run.rejected_rows == 17 and run.processed_rows == 980


def test_sequence_fails_once_then_succeeds(world):
    task = world.tasks[PARTNER_IMPORT]
    first = execute_task(world, task, ALICE, START)
    settle_by(world, 60)
    second = execute_task(world, task, ALICE, world.now)
    settle_by(world, 60)
    assert (first.execution_status, second.execution_status) == (lc.FAILED, lc.SUCCESS)


def test_terminate_goes_through_stopping(world):
    run = execute_task(world, world.tasks[NIGHTLY_REPORT], ALICE, START)
    settle_by(world, 30)
    assert run.execution_status == lc.EXECUTING
    assert terminate_execution(world, run, ALICE, world.now) is True
    assert run.execution_status == lc.STOPPING and run.finished is None
    assert terminate_execution(world, run, ALICE, world.now) is False  # already stopping
    settle_by(world, 5)
    assert run.execution_status == lc.TERMINATED and run.finished is not None
    settle_by(world, 3600)  # the planned end of the executing phase is stale now
    assert run.execution_status == lc.TERMINATED


def test_terminating_a_finished_run_says_nothing_to_do(world):
    run = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START)
    settle_by(world, 60)
    with pytest.raises(BadRequest) as info:
        terminate_execution(world, run, ALICE, world.now)
    assert "EXECUTION_SUCCESS" in info.value.detail
    assert run.execution_status == lc.SUCCESS


def test_timeout_terminates_a_long_run_and_drops_unwritten_output(world):
    run = execute_task(world, world.tasks[NIGHTLY_REPORT], ALICE, START, timeout=2)
    settle_by(world, 3600)
    assert run.execution_status == lc.TERMINATED_TIMEOUT
    assert run.finished == run.started + timedelta(minutes=2)
    assert all(entry.timestamp <= run.finished for entry in run.logs)
    assert "2 minute(s)" in run.error_message


def test_a_run_that_ends_before_its_timeout_is_not_touched(world):
    run = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, timeout=1)
    settle_by(world, 3600)
    assert run.execution_status == lc.SUCCESS


def test_paused_task_refuses_to_run(world):
    with pytest.raises(TaskPaused):
        execute_task(world, world.tasks[ARCHIVE_LOGS], ALICE, START)
    assert not world.executions


def test_log_level_filters_job_output_but_not_platform_lines(world):
    world.tasks[LOAD_CUSTOMERS].parallel_execution_allowed = True  # two runs side by side
    quiet = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, log_level="OFF")
    loud = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, log_level="INFO")
    settle_by(world, 60)
    assert not [e for e in quiet.logs if e.log_type == "USER"]
    assert len([e for e in loud.logs if e.log_type == "USER"]) == 2
    assert len([e for e in quiet.logs if e.log_type == "SYSTEM"]) == len(
        [e for e in loud.logs if e.log_type == "SYSTEM"])


def test_job_output_appears_as_time_passes(world):
    run = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, log_level="INFO")
    settle_by(world, 3.5)  # executing started at +3 s; lines land at +4.67 s and +6.33 s
    assert not [e for e in run.visible_logs(world.now) if e.log_type == "USER"]
    settle_by(world, 2)
    assert len([e for e in run.visible_logs(world.now) if e.log_type == "USER"]) == 1


@pytest.mark.parametrize("kwargs", [{"log_level": "LOUD"}, {"timeout": 0}, {"parameters": {"x": [1]}}])
def test_bad_run_options_change_nothing(world, kwargs):
    queued = world.pending_events
    with pytest.raises(BadRequest):
        execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, **kwargs)
    assert not world.executions and world.pending_events == queued


def test_ids_are_deterministic_per_seed(spec):
    def ids(seed):
        world = build_world(spec, "acct", START, seed=seed)
        return [execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START).id for _ in range(3)]

    assert ids(3) == ids(3)
    assert ids(3) != ids(4)


def test_logs_stay_in_time_order_when_a_run_is_stopped_mid_output(world):
    # Job output is written ahead; a termination logged between two of its lines must sit between them.
    run = execute_task(world, world.tasks[LOAD_CUSTOMERS], ALICE, START, log_level="INFO")
    settle_by(world, 5)  # executing since +3 s; job lines at +4.67 s and +6.33 s
    terminate_execution(world, run, ALICE, world.now)
    settle_by(world, 10)
    stamps = [entry.timestamp for entry in run.logs]
    assert stamps == sorted(stamps)
    assert [e.message for e in run.logs].index("Termination requested by alice") > \
        [e.message for e in run.logs].index("Reading /data/in/customers/customers.csv")


def test_a_second_run_misfires_unless_parallel_runs_are_allowed(world):
    task = world.tasks[NIGHTLY_REPORT]
    first = execute_task(world, task, ALICE, START)
    second = execute_task(world, task, ALICE, START + timedelta(seconds=30))
    assert (second.execution_status, second.misfire_reason) == (lc.TERMINATED, "PARALLEL_EXECUTION_FORBIDDEN")
    assert second.started is None and second.finished == second.triggered
    assert first.execution_status == lc.EVENT_RECEIVED  # the first run goes on
    settle_by(world, 3600)
    assert first.execution_status == lc.SUCCESS
    task.parallel_execution_allowed = True
    execute_task(world, task, ALICE, world.now)
    third = execute_task(world, task, ALICE, world.now)
    assert third.misfire_reason is None and third.execution_status == lc.EVENT_RECEIVED
