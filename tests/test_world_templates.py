"""Fixture worlds built once and copied (mocktmc/domain/world_templates.py): a copy is the world build_world
makes, and no two copies share anything a request could change."""
from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import pytest

from mocktmc.domain import snapshot
from mocktmc.domain.fixtures import build_world, load_fixture
from mocktmc.domain.world_templates import WorldTemplates

from .conftest import LOAD_CUSTOMERS, START, Api, make_app
from .errors import assert_error

ACCOUNT = "4c0a7d3e-9f6b-4a52-8e31-2b7c5d9e1f08"


def saved(world) -> str:
    return json.dumps(snapshot.dump(world))


def test_a_copy_is_the_world_build_world_makes_and_copies_share_nothing():
    spec = load_fixture("default")
    templates = WorldTemplates()
    first = templates.build(spec, ACCOUNT, START, 0)
    second, third = templates.build(spec, ACCOUNT, START, 0), templates.build(spec, ACCOUNT, START, 0)
    assert saved(second) == saved(build_world(spec, ACCOUNT, START, 0)) == saved(first)
    second.tasks[LOAD_CUSTOMERS].name = "changed"
    second.ids.uuid()
    next(iter(second.executions.values())).logs.clear()
    assert saved(third) == saved(first)  # the copy another reset gets is untouched
    assert second.lock is not third.lock and second.execution_index is not third.execution_index
    with second.lock:  # a lock of its own, usable
        pass


def test_copies_share_only_values_nothing_can_change():
    spec = load_fixture("default")
    templates = WorldTemplates()
    templates.build(spec, ACCOUNT, START, 0)
    one, two = templates.build(spec, ACCOUNT, START, 0), templates.build(spec, ACCOUNT, START, 0)
    run_id = next(iter(one.executions))
    run_one, run_two = one.executions[run_id], two.executions[run_id]
    assert run_one is not run_two and run_one.logs is not run_two.logs  # what a request changes is each copy's own
    assert run_one.parameters is not run_two.parameters
    assert run_one.logs[0] is run_two.logs[0] and run_one.triggered is run_two.triggered  # values are shared
    with pytest.raises(FrozenInstanceError):  # ... and cannot be changed in one copy under the other
        run_one.logs[0].message = "changed"  # type: ignore[misc]
    before = run_one.execution_status
    run_one.execution_status = "EXECUTION_FAILED"
    assert run_two.execution_status == before != "EXECUTION_FAILED"


def test_another_time_account_or_seed_is_built_not_copied():
    spec = load_fixture("default")
    templates = WorldTemplates()
    base = templates.build(spec, ACCOUNT, START, 0)
    assert saved(templates.build(spec, ACCOUNT, START, 1)) != saved(base)
    later = templates.build(spec, ACCOUNT, START.replace(hour=10), 0)
    assert later.now != base.now


def test_a_reset_account_answers_as_a_new_one():
    api = Api(make_app(fixtures="default"))
    before = api.get("/processing/executables/tasks/executions", query_string={"lastDays": 60}).json
    run = api.execute(LOAD_CUSTOMERS)
    api.advance(60)
    assert api.client.post("/_mocktmc/reset").status_code == 200
    assert_error(api.get(f"/processing/executions/{run}"), 404, run)
    assert api.get("/processing/executables/tasks/executions", query_string={"lastDays": 60}).json == before
