"""Fixture worlds: the bundled ones load, ids are deterministic, and bad files fail with file:line: field."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from mocktmc.domain.fixtures import (
    FixtureError,
    build_world,
    fixture_account_id,
    load_fixture,
    parse_fixture,
    personal_access_tokens,
)

DEMO_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "default.yaml"
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
HEX24 = re.compile(r"[0-9a-f]{24}")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def ids(world) -> dict[str, list[str]]:
    """Every id of a world, per kind, in creation order."""
    return {
        "users": list(world.users),
        "serviceAccounts": list(world.service_accounts),
        "environments": list(world.environments),
        "workspaces": list(world.workspaces),
        "artifacts": list(world.artifacts),
        "tasks": list(world.tasks),
        "plans": list(world.plans),
        "steps": [step.id for plan in world.plans.values() for step in plan.steps],
        "promotions": list(world.promotions),
    }


def error(text: str, source: str = "x.yaml") -> str:
    with pytest.raises(FixtureError) as info:
        parse_fixture(textwrap.dedent(text), source)
    return str(info.value)


# A small valid world in which every reference can be broken by changing one line.
# Line numbers (1-based) are what the error tests below assert.
WORLD = """\
users:
  - login: ann@x.test
personalAccessTokens:
  - token: pat-1
    user: {pat_user}
environments:
  - name: Dev
    maxCloudContainers: {containers}
    workspaces:
      - name: W
        artifacts:
          - name: art
            versions: ["1.0.0", "1.1.0"]
        tasks:
          - name: T
            artifact: {artifact}
            artifactVersion: "{version}"
            behavior:
              outcome: {outcome}
              durations: {{{phase}: {seconds}}}
        plans:
          - name: P
            steps:
              - name: S
                tasks: [{step_task}]
  - name: Prod
promotions:
  - name: Pr
    source: {source}
    target: {target}
"""
GOOD = dict(pat_user="ann@x.test", containers=2, artifact="art", version="1.0.0", outcome="EXECUTION_FAILED",
            phase="DISPATCHING_FLOW", seconds=3, step_task="T", source="Dev", target="Prod")


def world_text(**changes) -> str:
    return WORLD.format(**{**GOOD, **changes})


# --- bundled worlds ----------------------------------------------------------------------------

def test_default_world_loads_with_its_documented_contents():
    assert load_fixture("default").source == "default.yaml"  # the bundled world, by name
    spec = load_fixture(str(DEMO_FILE))  # this checkout's, which the package bundles
    world = build_world(spec, fixture_account_id(spec, 0), NOW, seed=0)
    assert world.account_name == "Demo account"
    assert fixture_account_id(spec, 0) == "4c0a7d3e-9f6b-4a52-8e31-2b7c5d9e1f08"
    assert [u.login for u in world.users.values()] == ["alice@demo.mocktmc.local", "bob@demo.mocktmc.local",
                                                       "olivia@demo.mocktmc.local", "victor@demo.mocktmc.local"]
    assert [e.name for e in world.environments.values()] == ["Development", "Production"]
    assert len(world.workspaces) == 3
    assert len(world.artifacts) == 9
    assert len(world.tasks) == 9
    assert [(e.name, e.status) for e in world.remote_engines.values()] == [
        ("onprem-re-1", "PAIRED"), ("onprem-re-2", "PAIRED"), ("onprem-re-3", "PAIRED")]
    assert [p.name for p in world.plans.values()] == ["Daily sales pipeline", "Month-end close"]
    assert [p.name for p in world.promotions.values()] == ["Development to Production"]
    assert list(world.service_accounts) == ["0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c",
                                            "7d2e9a41-3b6c-4f58-a1d0-8c5e4b2f9a73"]
    assert personal_access_tokens(spec) == [("mocktmc-demo-pat-alice", "alice@demo.mocktmc.local"),
                                            ("mocktmc-demo-pat-operator", "olivia@demo.mocktmc.local"),
                                            ("mocktmc-demo-pat-viewer", "victor@demo.mocktmc.local")]
    # References by name resolve to the artifact / tasks of the same workspace.
    load = world.tasks["65f1a0c2e4b0a1b2c3d42001"]
    assert load.artifact_id == "65f1a0c2e4b0a1b2c3d41001"
    assert world.tasks["65f1a0c2e4b0a1b2c3d42101"].artifact_id == "65f1a0c2e4b0a1b2c3d41101"
    plan = world.plans["8f0e6a52-3c1d-4b7e-9a2f-6d5c4b3a2e10"]
    assert [step.task_ids for step in plan.steps] == [
        ["65f1a0c2e4b0a1b2c3d42001"], ["65f1a0c2e4b0a1b2c3d42002", "65f1a0c2e4b0a1b2c3d42005"]]
    assert plan.steps[1].on_failure_task_ids == ["65f1a0c2e4b0a1b2c3d42004"]
    promotion = world.promotions["65f1a0c2e4b0a1b2c3d43001"]
    assert (promotion.source_environment_id, promotion.target_environment_id) == (
        "65f1a0c2e4b0a1b2c3d40001", "65f1a0c2e4b0a1b2c3d40002")


def test_empty_world_loads_with_one_generated_user():
    spec = load_fixture("empty")
    assert spec.source == "empty.yaml"
    world = build_world(spec, "acct", NOW, seed=0)
    assert world.account_name == "Empty account"
    assert [u.login for u in world.users.values()] == ["admin@mocktmc.local"]
    assert HEX24.fullmatch(world.default_user_id)
    for kind in ("environments", "workspaces", "artifacts", "tasks", "plans", "promotions", "service_accounts"):
        assert getattr(world, kind) == {}, kind
    assert personal_access_tokens(spec) == []
    assert UUID4.fullmatch(fixture_account_id(spec, 0))


def test_building_the_default_world_twice_gives_identical_ids():
    spec = load_fixture("default")
    first = ids(build_world(spec, "acct", NOW, seed=7))
    second = ids(build_world(load_fixture("default"), "acct", NOW, seed=7))
    assert first == second
    assert len(first["steps"]) == 3 and all(UUID4.fullmatch(i) for i in first["steps"])  # generated ones too


def test_default_world_written_ids_do_not_depend_on_the_seed():
    spec = load_fixture("default")
    one, two = ids(build_world(spec, "acct", NOW, seed=1)), ids(build_world(spec, "acct", NOW, seed=2))
    assert {k: v for k, v in one.items() if k != "steps"} == {k: v for k, v in two.items() if k != "steps"}
    assert one["steps"] != two["steps"]  # the step ids are not in the file, so they follow the seed


def test_empty_text_is_an_empty_world():
    world = build_world(parse_fixture("", "blank.yaml"), "acct", NOW, seed=0)
    assert len(world.users) == 1 and not world.environments


# --- generated ids -----------------------------------------------------------------------------

NO_IDS = """\
users:
  - login: ann@x.test
serviceAccounts:
  - name: ci
    secret: s3cret
environments:
  - name: Dev
    workspaces:
      - name: W
        artifacts:
          - name: art
            versions: ["1.0"]
        tasks:
          - name: T
            artifact: art
        plans:
          - name: P
            steps:
              - name: S
                tasks: [T]
  - name: Prod
promotions:
  - name: Pr
    source: Dev
    target: Prod
"""


def test_omitted_ids_are_generated_from_the_seed():
    spec = parse_fixture(NO_IDS, "ids.yaml")
    a = ids(build_world(spec, "acct", NOW, seed=1))
    b = ids(build_world(spec, "other-account", NOW, seed=1))
    c = ids(build_world(spec, "acct", NOW, seed=2))
    assert a == b  # same seed, same ids (whatever the account)
    assert all(len(v) >= 1 for v in a.values())
    for kind in a:
        assert set(a[kind]).isdisjoint(c[kind]), kind  # a different seed changes every generated id
    for kind in ("users", "environments", "workspaces", "artifacts", "tasks", "promotions"):
        assert all(HEX24.fullmatch(i) for i in a[kind]), kind
    for kind in ("serviceAccounts", "plans", "steps"):
        assert all(UUID4.fullmatch(i) for i in a[kind]), kind
    all_ids = [i for v in a.values() for i in v]
    assert len(all_ids) == len(set(all_ids))


def test_account_id_is_generated_from_the_seed_unless_written():
    spec = parse_fixture(NO_IDS, "ids.yaml")
    assert fixture_account_id(spec, 1) == fixture_account_id(spec, 1)
    assert fixture_account_id(spec, 1) != fixture_account_id(spec, 2)
    written = parse_fixture("account: {id: acc-1, name: A}\n", "a.yaml")
    assert fixture_account_id(written, 1) == fixture_account_id(written, 2) == "acc-1"


def test_written_ids_are_kept():
    spec = parse_fixture("environments:\n  - id: env-1\n    name: Dev\n", "x.yaml")
    assert list(build_world(spec, "acct", NOW, seed=3).environments) == ["env-1"]


# --- the reference world itself is valid -------------------------------------------------------

def test_the_world_template_is_valid_as_is():
    world = build_world(parse_fixture(world_text(), "x.yaml"), "acct", NOW, seed=0)
    (task,) = world.tasks.values()
    assert task.artifact_version == "1.0.0"
    assert len(world.promotions) == 1


# --- errors: YAML -----------------------------------------------------------------------------

def test_invalid_yaml_syntax_names_file_and_line():
    message = error("""\
        account:
          name: ok
        environments:
          - name: [unclosed
        """)
    assert message.startswith("x.yaml:5: not valid YAML")


def test_bad_indentation_names_the_line():
    message = error("""\
        account:
          name: a
         id: b
        """)
    assert message.startswith("x.yaml:3: not valid YAML")


def test_duplicate_key_names_its_line():
    message = error("""\
        environments:
          - name: Dev
            description: one
            name: Dev again
        """)
    assert message == "x.yaml:4: duplicate key 'name'"


def test_non_scalar_key_is_a_fixture_error():
    message = error("""\
        account:
          name: a
          ? [x, y]
          : z
        """)
    assert message.startswith("x.yaml:3: keys must be plain names")


def test_unknown_yaml_tag_is_a_fixture_error():
    message = error("""\
        account:
          name: !secret value
        """)
    assert message.startswith("x.yaml:2: account.name: cannot read the value")
    assert "!secret" in message


def test_impossible_date_is_a_fixture_error():
    message = error("""\
        environments:
          - name: Dev
            description: 2024-13-45
        """)
    assert message.startswith("x.yaml:3: environments[0].description: cannot read the value")


# --- errors: schema ---------------------------------------------------------------------------

def test_wrong_type_names_line_and_field():
    message = error(world_text(containers="lots"))
    assert message == "x.yaml:8: environments[0].maxCloudContainers: 'lots' is not of type 'integer'"


def test_negative_count_names_line_and_field():
    message = error(world_text(containers=-1))
    assert message.startswith("x.yaml:8: environments[0].maxCloudContainers:")
    assert "minimum" in message


def test_unknown_field_names_its_own_line_and_path():
    message = error("""\
        environments:
          - name: Dev
            description: d
            colour: blue
        """)
    assert message.startswith("x.yaml:4: environments[0].colour: Additional properties are not allowed")
    assert "'colour' was unexpected" in message


def test_unknown_top_level_field():
    message = error("account:\n  name: A\nenvirnoments: []\n")
    assert message.startswith("x.yaml:3: envirnoments: Additional properties are not allowed")


def test_unknown_field_in_a_task():
    message = error(world_text().replace("            artifact: art\n",
                                         "            artifact: art\n            retries: 3\n"))
    assert message.startswith("x.yaml:17: environments[0].workspaces[0].tasks[0].retries: ")


def test_missing_required_field_names_the_object():
    message = error("""\
        environments:
          - description: no name
        """)
    assert message == "x.yaml:2: environments[0]: 'name' is a required property"


def test_bad_enum_value():
    message = error("""\
        environments:
          - name: Dev
            workspaces:
              - name: W
                type: public
        """)
    assert message.startswith("x.yaml:5: environments[0].workspaces[0].type: 'public' is not one of")


def test_top_level_must_be_a_mapping():
    assert error("- a\n- b\n").startswith("x.yaml:1: (top level): ")


# --- errors: references -----------------------------------------------------------------------

def test_task_with_unknown_artifact():
    message = error(world_text(artifact="missing"))
    assert message == ("x.yaml:16: environments[0].workspaces[0].tasks[0].artifact: "
                       "unknown artifact 'missing' in this workspace")


def test_task_artifact_must_be_in_its_own_workspace():
    message = error("""\
        environments:
          - name: Dev
            workspaces:
              - name: A
                artifacts:
                  - id: art-1
                    name: art
                    versions: ["1.0"]
              - name: B
                tasks:
                  - name: by name
                    artifact: art
        """)
    assert message == ("x.yaml:12: environments[0].workspaces[1].tasks[0].artifact: "
                       "unknown artifact 'art' in this workspace")
    by_id = error("""\
        environments:
          - name: Dev
            workspaces:
              - name: A
                artifacts:
                  - id: art-1
                    name: art
                    versions: ["1.0"]
              - name: B
                tasks:
                  - name: by id
                    artifact: art-1
        """)
    assert by_id.startswith("x.yaml:12: environments[0].workspaces[1].tasks[0].artifact: unknown artifact 'art-1'")


def test_task_with_unknown_artifact_version():
    message = error(world_text(version="9.9.9"))
    assert message == ("x.yaml:17: environments[0].workspaces[0].tasks[0].artifactVersion: "
                       "artifact 'art' has no version '9.9.9'")


def test_plan_step_with_unknown_task():
    message = error(world_text(step_task="Nope"))
    assert message == ("x.yaml:25: environments[0].workspaces[0].plans[0].steps[0].tasks[0]: "
                       "unknown task 'Nope' in this workspace")


def test_promotion_with_unknown_source():
    message = error(world_text(source="Nowhere"))
    assert message == "x.yaml:29: promotions[0].source: unknown environment 'Nowhere'"


def test_promotion_with_unknown_target():
    message = error(world_text(target="Staging"))
    assert message == "x.yaml:30: promotions[0].target: unknown environment 'Staging'"


def test_promotion_to_itself():
    message = error(world_text(target="Dev"))
    assert message == "x.yaml:30: promotions[0].target: source and target must be different environments"


def test_personal_access_token_for_unknown_user():
    message = error(world_text(pat_user="zed@x.test"))
    assert message == "x.yaml:5: personalAccessTokens[0].user: unknown user 'zed@x.test'"


def test_workspace_owner_must_be_a_user():
    message = error("""\
        environments:
          - name: Dev
            workspaces:
              - name: W
                owner: nobody
        """)
    assert message == "x.yaml:5: environments[0].workspaces[0].owner: unknown user 'nobody'"


def test_duplicate_id():
    message = error("""\
        environments:
          - id: e1
            name: Dev
          - id: e1
            name: Prod
        """)
    assert message == "x.yaml:4: environments[1].id: duplicate id 'e1'"


def test_duplicate_artifact_version():
    message = error("""\
        environments:
          - name: Dev
            workspaces:
              - name: W
                artifacts:
                  - name: a
                    versions: ["1.0", "1.0"]
        """)
    assert message.startswith("x.yaml:7: environments[0].workspaces[0].artifacts[0].versions[1]: ")
    assert "duplicate version '1.0'" in message


# --- errors: behaviors ------------------------------------------------------------------------

def test_behavior_with_unknown_outcome():
    message = error(world_text(outcome="EXPLODED"))
    assert message.startswith("x.yaml:19: environments[0].workspaces[0].tasks[0].behavior.outcome: must be one of")
    assert "got 'EXPLODED'" in message


def test_behavior_with_negative_duration():
    message = error(world_text(seconds=-5))
    assert message == ("x.yaml:20: environments[0].workspaces[0].tasks[0].behavior.durations.DISPATCHING_FLOW: "
                       "must be seconds >= 0, got -5")


def test_behavior_with_unknown_phase():
    message = error(world_text(phase="NAPPING"))
    assert message.startswith(
        "x.yaml:20: environments[0].workspaces[0].tasks[0].behavior.durations.NAPPING: unknown phase")
    assert "DISPATCHING_FLOW" in message  # lists the phases there are


def test_behavior_sequence_entry_error_names_its_index():
    text = world_text().replace("              outcome: EXECUTION_FAILED\n",
                                "              outcome: EXECUTION_FAILED\n"
                                "              sequence:\n"
                                "                - processedRows: many\n")
    message = error(text)
    assert message.startswith(
        "x.yaml:21: environments[0].workspaces[0].tasks[0].behavior.sequence[0].processedRows: ")


# --- load_fixture with paths ------------------------------------------------------------------

def test_missing_path_that_is_not_a_bundled_name(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(FixtureError) as info:
        load_fixture(str(missing))
    assert str(missing) in str(info.value)
    assert "no such fixture file" in str(info.value)
    assert "default, empty" in str(info.value)


def test_unknown_bundled_name():
    with pytest.raises(FixtureError, match="no such fixture file"):
        load_fixture("defualt")


def test_real_file_path_loads(tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(NO_IDS, encoding="utf-8")
    spec = load_fixture(str(path))
    assert spec.source == str(path)
    world = build_world(spec, "acct", NOW, seed=0)
    assert [e.name for e in world.environments.values()] == ["Dev", "Prod"]


def test_errors_in_a_real_file_name_its_path(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(world_text(artifact="missing"), encoding="utf-8")
    with pytest.raises(FixtureError) as info:
        load_fixture(str(path))
    assert str(info.value).startswith(f"{path}:16: environments[0].workspaces[0].tasks[0].artifact")


def test_a_file_named_like_a_bundled_world_wins_over_it(tmp_path, monkeypatch):
    (tmp_path / "default").write_text("account: {name: Mine}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_fixture("default").data == {"account": {"name": "Mine"}}


# --- the CLI refuses to start on a bad file ---------------------------------------------------

@pytest.mark.parametrize("text, line", [
    ("environments:\n  - name: Dev\n    maxCloudContainers: lots\n", 3),
    ("account:\n  name: !secret x\n", 2),
    ("account:\n  name: [a\n", 3),
])
def test_serve_refuses_a_bad_fixture_file(tmp_path, text, line):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--fixtures", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{bad}:{line}:" in result.stderr
    assert "cannot load the fixture world" in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving" not in result.stdout  # it never got as far as listening


# --- remote engines ---------------------------------------------------------------------------

ENGINE_WORLD = """\
    environments:
      - name: Dev
        remoteEngines:
          - {{name: re-dev, workspace: {workspace}, runProfiles: [JOB_SERVER]}}
          - {{name: re-down, paired: false}}
        workspaces:
          - name: Sales
            artifacts:
              - {{name: a, versions: ["1.0.0"]}}
            tasks:
              - {{name: t, artifact: a, runtime: {{type: REMOTE_ENGINE, id: {engine}}}}}
      - name: Prod
        workspaces:
          - name: Ops
"""


def engine_world(workspace="Sales", engine="re-dev") -> str:
    return ENGINE_WORLD.format(workspace=workspace, engine=engine)


def test_remote_engines_load_paired_and_tasks_name_them():
    world = build_world(parse_fixture(textwrap.dedent(engine_world()), "x.yaml"), "acct", NOW, seed=0)
    dev, down = world.remote_engines.values()
    assert (dev.status, dev.availability, dev.run_profiles) == ("PAIRED", "AVAILABLE", ["JOB_SERVER"])
    assert world.workspaces[dev.workspace_id].name == "Sales" and dev.pre_authorized_key
    assert (down.status, down.workspace_id) == ("NOT_PAIRED", None)
    (task,) = world.tasks.values()
    assert task.runtime.id == dev.id  # named by name, stored by id


def test_task_on_an_unknown_engine():
    assert error(engine_world(engine="nope")) == (
        "x.yaml:11: environments[0].workspaces[0].tasks[0].runtime.id: "
        "unknown remote engine 'nope' in this environment")


def test_engine_workspace_must_be_in_its_environment():
    assert error(engine_world(workspace="Ops")) == (
        "x.yaml:4: environments[0].remoteEngines[0].workspace: unknown workspace 'Ops' in this environment")


def test_duplicate_engine_name():
    text = engine_world().replace("name: re-down", "name: RE-DEV")
    assert error(text) == ("x.yaml:5: environments[0].remoteEngines[1].name: "
                           "duplicate remote engine name 'RE-DEV' in this environment")


# --- clusters, pipeline engines, schedules, resources, projects, history --------------------------
EVERY_KIND = """\
    users: [{{login: ann@x.test}}, {{login: bo@x.test}}]
    environments:
      - name: Dev
        remoteEngines:
          - {{name: re-1, profiles: [{{name: big, type: JOB_SERVER, jvmArguments: ["-Xmx1g"]}}]}}
          - {{name: re-2}}
          - {{name: re-3}}
        clusters:
          - {{name: pair, workspace: Sales, engines: [{members}], profiles: [{{name: shared, type: {profile}}}]}}
        pipelineEngines:
          - {{name: gen2, workspace: Sales, profiles: [{{type: databricks, name: small, microBatchInterval: 5}}]}}
        schedules:
          - {{description: mornings, {executable}, triggers: [{{name: m, type: DAILY, atTimes: {{type: AT_TIME,
              time: "07:00"}}}}]}}
        workspaces:
          - name: Sales
            artifacts: [{{name: a, versions: ["1.0"]}}]
            resources: [{{name: codes.csv, content: "x,y"}}]
            tasks: [{{name: t, artifact: a}}, {{name: u, artifact: a}}]
            plans: [{{name: p, steps: [{{name: s, tasks: [t]}}]}}]
    projects: [{{name: Proj, url: https://git.x.test/p.git, owner: bo@x.test, users: [ann@x.test], groups: [g1]}}]
    history:
      days: 10
      runs: [{{task: t, daysAgo: {ago}, at: "06:00"}}, {{plan: p, daysAgo: 3}}]
"""


def every_kind(members="re-2, re-3", profile="JOB_SERVER", executable="task: u", ago=5) -> str:
    return textwrap.dedent(EVERY_KIND.format(members=members, profile=profile, executable=executable, ago=ago))


def test_every_kind_loads():
    world = build_world(parse_fixture(every_kind(), "x.yaml"), "acct", NOW, seed=0)
    (cluster,) = world.clusters.values()
    engines = {e.name: e for e in world.remote_engines.values()}
    assert [world.remote_engines[i].name for i in cluster.engine_ids] == ["re-2", "re-3"]
    assert engines["re-2"].cluster_id == cluster.id and engines["re-1"].cluster_id is None
    assert sorted((p.name, p.owner_id) for p in world.run_profiles.values()) == [
        ("big", engines["re-1"].id), ("shared", cluster.id)]
    (profile,) = world.pipeline_profiles.values()
    assert (profile.type, profile.name, profile.fields["microBatchInterval"]) == ("databricks", "small", 5)
    (schedule,) = world.schedules.values()
    task_u = next(t for t in world.tasks.values() if t.name == "u")
    assert schedule.executable_id == task_u.id and task_u.trigger["type"] == "MULTIPLE"
    (resource,) = world.resources.values()
    assert resource.content == b"x,y"
    (project,) = world.projects.values()
    assert project.owner == "bo@x.test" and len(project.user_ids) == 1 and project.group_ids == ["g1"]
    # The history: the world began 10 days back; the task's run at 06:00 five days ago, the plan's three.
    assert min(e.created for e in world.environments.values()) == NOW - timedelta(days=10)
    manual = sorted(run.triggered for run in world.executions.values() if run.execution_type == "MANUAL")
    assert manual[0] == datetime.combine((NOW - timedelta(days=5)).date(), time(6), timezone.utc)
    assert len(world.plan_executions) == 1 and world.now == NOW
    assert sum(1 for run in world.executions.values() if run.execution_type == "SCHEDULED") >= 9  # u, daily


@pytest.mark.parametrize("change, message", [
    ({"members": "re-2, nope"}, "environments[0].clusters[0].engines[1]: 'nope' is not a remote engine of this "
                                "environment outside every cluster"),
    ({"members": "re-2, re-2"}, "environments[0].clusters[0].engines[1]: 're-2' is not a remote engine"),
    ({"executable": "task: u, plan: p"}, "environments[0].schedules[0].plan: a schedule serves one task or one plan"),
    ({"executable": "task: nope"}, "environments[0].schedules[0].task: unknown task 'nope' in this environment"),
    ({"ago": 10}, "history.runs[0].daysAgo: must be less than history.days (10)"),
])
def test_bad_new_sections_name_the_field(change, message):
    with pytest.raises(FixtureError) as raised:
        build_world(parse_fixture(every_kind(**change), "x.yaml"), "acct", NOW, seed=0)
    assert message in str(raised.value) and str(raised.value).startswith("x.yaml:")


def test_a_past_run_of_a_paused_task_is_refused():
    text = every_kind().replace("{name: t, artifact: a}", "{name: t, artifact: a, paused: true}")
    with pytest.raises(FixtureError, match=r"history\.runs\[0\]: cannot run it then: .*paused"):
        build_world(parse_fixture(text, "x.yaml"), "acct", NOW, seed=0)


def test_a_run_profile_of_a_type_its_engine_does_not_take_is_refused():
    text = every_kind().replace("{name: re-1, profiles:", "{name: re-1, runProfiles: [MICROSERVICE], profiles:")
    with pytest.raises(FixtureError, match=r"environments\[0\]\.remoteEngines\[0\]\.profiles\[0\]\.type: remote "
                                           r"engine 're-1' takes run profiles of type MICROSERVICE, not JOB_SERVER"):
        build_world(parse_fixture(text, "x.yaml"), "acct", NOW, seed=0)
