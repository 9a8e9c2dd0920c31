"""Fixture worlds: a YAML description of one account, loaded with errors that name file, line and field.

The structure is checked with a JSON Schema; references (a task's artifact, a plan step's tasks,
a promotion's environments, a token's user) are checked by building the world once at load time,
so a bad file stops the server before it starts. Ids left out of the file are generated from the
seed, in document order, so every world built from one file has the same ids.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import BadRequest, NotFound, TMCError
from .access import ROLES, WORKSPACE_PERMISSIONS, principal_record
from .definitions.artifacts import ARTIFACT_TYPES
from .definitions.environments import WORKSPACE_TYPES
from .definitions.projects import technical_label
from .executables.behaviors import BehaviorError, parse_behavior_plan
from .executables.plans import STEP_CONDITIONS
from .executions.plan_executions import start_plan_execution
from .executions.promotion_executions import start_promotion
from .executions.task_executions import execute_task
from .model.definitions import (
    Artifact,
    ArtifactVersion,
    Connection,
    ConnectionParameter,
    Environment,
    Principal,
    Project,
    Resource,
    ServiceAccount,
    Subscription,
    User,
    Workspace,
)
from .model.executables import (
    LOG_LEVELS,
    RUNTIME_TYPES,
    PauseDetails,
    Plan,
    Promotion,
    Runtime,
    Step,
    Task,
)
from .model.ids import IdSource
from .model.runtimes import (
    RUN_PROFILE_TYPES,
    Cluster,
    PipelineEngine,
    PipelineProfile,
    RemoteEngine,
    RunProfile,
)
from .model.scheduling import Schedule
from .runtimes.pipeline_engines import PROFILE_TYPES
from .scheduling.scheduler import arm
from .scheduling.schedules import SCHEDULE_TRIGGER_TYPES, link_executable
from .scheduling.triggers import check_trigger
from .world import World

BUNDLED = ("default", "empty")


class FixtureError(ValueError):
    """A fixture file that cannot be loaded; the message names the file, line and field."""


_STR = {"type": "string"}
_NAME = {"type": "string", "minLength": 1}
_STR_MAP = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}


def _obj(properties: dict, required: tuple = ()) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


# Run profiles of a remote engine or a cluster (the generic /processing/run-profiles see the same ones).
_PROFILES = {"type": "array", "items": _obj({
    "id": _NAME, "name": _NAME, "type": {"enum": list(RUN_PROFILE_TYPES)}, "description": _STR,
    "jvmArguments": {"type": "array", "items": _STR},
}, ("name", "type"))}

_TASK = _obj({
    "id": _NAME, "name": _NAME, "description": _STR, "version": _NAME,
    "artifact": _NAME, "artifactVersion": _NAME,
    "tags": {"type": "array", "items": _NAME},
    "parameters": _STR_MAP, "connections": _STR_MAP, "resources": _STR_MAP,
    "runtime": _obj({"type": {"enum": list(RUNTIME_TYPES)}, "id": _NAME, "runProfileId": _NAME}, ("type",)),
    "logLevel": {"enum": list(LOG_LEVELS)},
    "parallelExecutionAllowed": {"type": "boolean"},
    "timeout": {"type": "integer", "minimum": 1},
    "autoUpgradable": {"type": "boolean"},
    "paused": {"oneOf": [{"type": "boolean"}, _obj({"pauseContext": _STR})]},
    "behavior": {"type": "object"},
    "trigger": {"type": "object"},
}, ("name", "artifact"))

# A principal's roles; one that declares none (nor `administrator`) is an administrator, as every principal was
# before fixtures could say (domain/access.py).
_ROLES = {"type": "array", "items": {"enum": list(ROLES)}, "uniqueItems": True}

_SCHEMA = _obj({
    "account": _obj({"id": _NAME, "name": _NAME}),
    "users": {"type": "array", "items": _obj(
        {"id": _NAME, "login": _NAME, "firstName": _STR, "lastName": _STR, "roles": _ROLES,
         "administrator": {"type": "boolean"}}, ("login",))},
    "serviceAccounts": {"type": "array", "items": _obj(
        {"id": _NAME, "name": _NAME, "secret": _NAME, "description": _STR, "roles": _ROLES,
         "administrator": {"type": "boolean"}}, ("name", "secret"))},
    # GET /account/subscription: what the fixture does not say is a plausible default (model Subscription).
    "subscription": _obj({
        "startDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "endDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "licenseType": _NAME, "supportLevel": _NAME, "applications": {"type": "array", "items": _NAME},
        "tokens": {"type": "integer", "minimum": 0},
        "seats": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}}),
    "personalAccessTokens": {"type": "array", "items": _obj({"token": _NAME, "user": _NAME}, ("token", "user"))},
    "environments": {"type": "array", "items": _obj({
        "id": _NAME, "name": _NAME, "description": _STR, "default": {"type": "boolean"},
        "maxCloudContainers": {"type": "integer", "minimum": 0},
        "remoteEngines": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "description": _STR, "workspace": _NAME, "paired": {"type": "boolean"},
            "runProfiles": {"type": "array", "items": {"enum": list(RUN_PROFILE_TYPES)}},
            "preAuthorizedKey": _NAME, "profiles": _PROFILES,
        }, ("name",))},
        # A cluster's engines are remote engines of the environment, by id or name (each in one cluster).
        "clusters": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "description": _STR, "workspace": _NAME,
            "engines": {"type": "array", "minItems": 1, "items": _NAME}, "profiles": _PROFILES,
        }, ("name", "workspace", "engines"))},
        "pipelineEngines": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "description": _STR, "workspace": _NAME, "paired": {"type": "boolean"},
            # Each profile holds its type and the fields its type's published schema takes.
            "profiles": {"type": "array", "items": {"type": "object", "required": ["type", "name"], "properties": {
                "type": {"enum": list(PROFILE_TYPES)}, "id": _NAME, "name": _NAME}}},
        }, ("name",))},
        # A schedule's triggers, and the task or plan of the environment it serves (one at most).
        "schedules": {"type": "array", "items": _obj({
            "id": _NAME, "description": _STR, "triggers": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "type"]}},
            "task": _NAME, "plan": _NAME,
        }, ("triggers",))},
        "workspaces": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "type": {"enum": list(WORKSPACE_TYPES)}, "description": _STR,
            "owner": _NAME, "protectedArtifactUpdate": {"type": "boolean"},
            # user (id or login) or service account (id or name) -> the permission types it holds here
            "permissions": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"enum": list(WORKSPACE_PERMISSIONS)}, "uniqueItems": True}},
            "resources": {"type": "array", "items": _obj({
                "id": _NAME, "name": _NAME, "description": _STR, "content": {"type": "string"},
            }, ("name",))},
            "artifacts": {"type": "array", "items": _obj({
                "id": _NAME, "name": _NAME, "type": {"enum": list(ARTIFACT_TYPES)}, "description": _STR,
                "versions": {"type": "array", "minItems": 1, "items": {"oneOf": [
                    _NAME, _obj({"version": _NAME, "parameters": _STR_MAP}, ("version",))]}},
            }, ("name", "versions"))},
            "connections": {"type": "array", "items": _obj({
                "id": _NAME, "name": _NAME, "app": _NAME,
                "parameters": {"type": "array", "items": _obj(
                    {"name": _NAME, "value": {"type": ["string", "number", "boolean"]},
                     "encrypted": {"type": "boolean"}}, ("name",))},
            }, ("name", "app"))},
            "tasks": {"type": "array", "items": _TASK},
            "plans": {"type": "array", "items": _obj({
                "id": _NAME, "name": _NAME, "description": _STR, "trigger": {"type": "object"},
                "parallelExecutionAllowed": {"type": "boolean"},
                "steps": {"type": "array", "minItems": 1, "items": _obj({
                    "id": _NAME, "name": _NAME, "condition": {"enum": list(STEP_CONDITIONS)},
                    "tasks": {"type": "array", "minItems": 1, "items": _NAME},
                    "onFailure": {"type": "array", "items": _NAME}, "note": _STR,
                }, ("name", "tasks"))},
            }, ("name", "steps"))},
        }, ("name",))},
    }, ("name",))},
    "promotions": {"type": "array", "items": _obj({
        "id": _NAME, "name": _NAME, "description": _STR, "source": _NAME, "target": _NAME,
    }, ("name", "source", "target"))},
    "projects": {"type": "array", "items": _obj({
        "id": _NAME, "name": _NAME, "description": _STR, "owner": _NAME, "url": _NAME,
        "users": {"type": "array", "items": _NAME}, "groups": {"type": "array", "items": _NAME},
    }, ("name", "url"))},
    # The past: the world begins `days` before its start time; schedules fire meanwhile, and each run of
    # `runs` starts `daysAgo` days before the start, at `at` (UTC), as the account's first user started it.
    "history": _obj({
        "days": {"type": "integer", "minimum": 1, "maximum": 60},
        "runs": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"task": _NAME, "plan": _NAME, "promotion": _NAME, "artifact": _NAME,
                           "daysAgo": {"type": "integer", "minimum": 0},
                           "at": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}},
            "required": ["daysAgo"],
            "oneOf": [{"required": ["task"]}, {"required": ["plan"]}, {"required": ["promotion"]}]}},
    }, ("days",)),
})


@dataclass(frozen=True)
class WorldSpec:
    """A validated fixture: plain data, the line of every field, and where it came from."""
    data: dict
    lines: dict[tuple, int]
    source: str

    def where(self, path: tuple) -> str:
        line = None
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                break
        field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        return f"{self.source}:{line or 1}: {field or '(top level)'}"


def _to_python(node: yaml.Node, path: tuple, lines: dict, source: str, loader: yaml.SafeLoader) -> Any:
    """Plain data from a composed YAML node, recording the line of every field on the way."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise FixtureError(f"{source}:{key_node.start_mark.line + 1}: keys must be plain names, "
                                   f"not a YAML {key_node.id}")
            key = key_node.value
            if key in out:
                raise FixtureError(f"{source}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            out[key] = _to_python(value_node, path + (key,), lines, source, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, path + (i,), lines, source, loader) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)  # YAML's own typing of scalars (int, bool, str ...)
    except (yaml.YAMLError, ValueError) as exc:  # an unknown !tag, a date like 2024-13-45 ...
        raise FixtureError(f"{WorldSpec({}, lines, source).where(path)}: cannot read the value: "
                           f"{getattr(exc, 'problem', None) or exc}") from None


# libyaml's parser when PyYAML has it (five to ten times faster on the demo world); the nodes, their marks and
# the errors are the same kind either way.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Limits on a fixture world, from a file or the control plane, checked before it is built into nodes: its size;
# its nodes (a PyYAML node takes some 500 bytes); its depth (reading far deeper than the schema goes would
# exhaust Python's stack); and no YAML aliases, which let a few hundred bytes stand for billions of nodes. The
# demo world is 15 KB, 998 nodes, 10 levels deep.
MAX_FIXTURE_BYTES = 16 * 1024 * 1024
MAX_FIXTURE_NODES = 500_000
MAX_FIXTURE_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def _yaml_error(exc: yaml.YAMLError, source: str) -> FixtureError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    return FixtureError(f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}")


def _check_limits(text: str, source: str) -> None:
    """Refuse a fixture beyond the limits above, reading its YAML events only: bounded work, nothing kept."""
    if len(text) > MAX_FIXTURE_BYTES:
        raise FixtureError(f"{source}: the fixture has {len(text)} characters; fixture worlds are limited to "
                           f"{MAX_FIXTURE_BYTES} bytes")
    nodes = depth = 0
    try:
        for event in yaml.parse(text, Loader=_COMPOSER):
            line = event.start_mark.line + 1 if event.start_mark else 1  # libyaml always gives one
            if isinstance(event, yaml.AliasEvent):
                raise FixtureError(f"{source}:{line}: YAML aliases (*{event.anchor}) are not allowed in fixture "
                                   f"worlds: write the value out (an alias can make a small file expand without "
                                   f"bound)")
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_FIXTURE_NODES:
                    raise FixtureError(f"{source}:{line}: the fixture has more than {MAX_FIXTURE_NODES} YAML nodes, "
                                       f"the limit of a fixture world")
                # libyaml refuses a surrogate escape itself; PyYAML's own parser (without libyaml) does not.
                if isinstance(event, yaml.ScalarEvent) and _SURROGATE.search(event.value):
                    raise FixtureError(f"{source}:{line}: a lone UTF-16 surrogate (an escape in D800-DFFF "
                                       f"without its pair) is not text")
                if isinstance(event, yaml.CollectionStartEvent):
                    depth += 1
                    if depth > MAX_FIXTURE_DEPTH:
                        raise FixtureError(f"{source}:{line}: the fixture nests deeper than {MAX_FIXTURE_DEPTH} "
                                           f"levels, the limit of a fixture world")
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None


def parse_fixture(text: str, source: str = "<fixture>") -> WorldSpec:
    _check_limits(text, source)
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source) from None
    lines: dict[tuple, int] = {}
    data = {} if root is None else _to_python(root, (), lines, source, yaml.SafeLoader(""))
    spec = WorldSpec(data, lines, source)
    validator = jsonschema.Draft202012Validator(_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # Point at the unexpected key itself (its line, its name), not at the mapping holding it.
            known = error.schema.get("properties", {})
            path += tuple(key for key in error.instance if key not in known)[:1]
        raise FixtureError(f"{spec.where(path)}: {error.message}")
    # A trial build checks every reference now, so a bad file never reaches a running server.
    build_world(spec, account_id="validation", now=datetime(2000, 1, 1, tzinfo=timezone.utc), seed=0)
    return spec


def load_fixture(name_or_path: str) -> WorldSpec:
    """A path to a YAML file, or the name of a bundled world ('default', 'empty')."""
    path = Path(name_or_path)
    if path.is_file():
        size = path.stat().st_size
        if size > MAX_FIXTURE_BYTES:  # said before the file is read
            raise FixtureError(f"{path}: the file has {size} bytes; fixture worlds are limited to "
                               f"{MAX_FIXTURE_BYTES} bytes")
        return parse_fixture(path.read_text(encoding="utf-8"), str(path))
    if name_or_path in BUNDLED:
        resource = resources.files("mocktmc.fixtures").joinpath(f"{name_or_path}.yaml")
        return parse_fixture(resource.read_text(encoding="utf-8"), f"{name_or_path}.yaml")
    raise FixtureError(f"{name_or_path}: no such fixture file (bundled worlds: {', '.join(BUNDLED)})")


class _Builder:
    def __init__(self, spec: WorldSpec, world: World, ids: IdSource) -> None:
        self.spec, self.world, self.ids = spec, world, ids
        self.engine_runtimes: list[tuple[tuple, str]] = []  # (fixture path, task id), resolved once engines exist

    def remote_engine(self, path: tuple, environment_id: str, item: dict) -> None:
        world = self.world
        rid = self.unique(path, world.remote_engines, item.get("id") or self.ids.hex24())
        if any(e.name.lower() == item["name"].lower() and e.environment_id == environment_id
               for e in world.remote_engines.values()):
            raise self.fail(path + ("name",), f"duplicate remote engine name {item['name']!r} in this environment")
        workspace_id = None
        if "workspace" in item:
            scope = [w.id for w in world.workspaces.values() if w.environment_id == environment_id]
            found = self.lookup(world.workspaces, item["workspace"], scope)
            if found is None:
                raise self.fail(path + ("workspace",), f"unknown workspace {item['workspace']!r} in this environment")
            workspace_id = found.id
        engine = world.remote_engines[rid] = RemoteEngine(
            rid, item["name"], environment_id, self.ids.hex24(), item.get("preAuthorizedKey") or self.ids.uuid(),
            workspace_id, item.get("description", ""), item.get("paired", True), world.now, world.now,
            run_profiles=list(item.get("runProfiles", RUN_PROFILE_TYPES)))
        self.run_profiles(path + ("profiles",), engine, item.get("profiles", []))

    def workspace_in(self, path: tuple, environment_id: str, ref: str) -> str:
        scope = [w.id for w in self.world.workspaces.values() if w.environment_id == environment_id]
        found = self.lookup(self.world.workspaces, ref, scope)
        if found is None:
            raise self.fail(path, f"unknown workspace {ref!r} in this environment")
        return found.id

    def run_profiles(self, path: tuple, owner: Any, items: list[dict]) -> None:
        """Run profiles of a remote engine or a cluster (the generic run-profile operations list them too)."""
        world = self.world
        for i, item in enumerate(items):
            if item["type"] not in owner.profile_types:
                raise self.fail(path + (i, "type"), f"{owner.label} {owner.name!r} takes run profiles of type "
                                                    f"{', '.join(owner.profile_types)}, not {item['type']}")
            if any(p.owner_id == owner.id and p.name.lower() == item["name"].lower()
                   for p in world.run_profiles.values()):
                raise self.fail(path + (i, "name"), f"duplicate run profile name {item['name']!r}")
            pid = self.unique(path + (i,), world.run_profiles, item.get("id") or self.ids.hex24())
            world.run_profiles[pid] = RunProfile(pid, item["name"], item["type"], owner.id, owner.processor_type,
                                                 owner.runtime_id, item.get("description", ""),
                                                 list(item.get("jvmArguments", [])), 1, world.now, world.now)

    def cluster(self, path: tuple, environment_id: str, item: dict) -> None:
        world = self.world
        cid = self.unique(path, world.clusters, item.get("id") or self.ids.hex24())
        workspace_id = self.workspace_in(path + ("workspace",), environment_id, item["workspace"])
        found = Cluster(cid, item["name"], environment_id, workspace_id, self.ids.hex24(), item.get("description", ""),
                        created=world.now, updated=world.now)
        scope = [e.id for e in world.remote_engines.values() if e.environment_id == environment_id]
        for i, ref in enumerate(item["engines"]):
            engine = self.lookup(world.remote_engines, ref, scope)
            if engine is None or engine.cluster_id is not None:
                raise self.fail(path + ("engines", i), f"{ref!r} is not a remote engine of this environment "
                                                       "outside every cluster")
            found.engine_ids.append(engine.id)
            engine.cluster_id = cid
            for task in world.tasks.values():  # tasks of a member engine run on the cluster, as when it joins
                if task.runtime.type == "REMOTE_ENGINE" and task.runtime.id == engine.id:
                    task.runtime = Runtime("REMOTE_ENGINE_CLUSTER", cid, None)
        world.clusters[cid] = found
        self.run_profiles(path + ("profiles",), found, item.get("profiles", []))

    def pipeline_engine(self, path: tuple, environment_id: str, item: dict) -> None:
        world = self.world
        eid = self.unique(path, world.pipeline_engines, item.get("id") or self.ids.hex24())
        workspace_id = self.workspace_in(path + ("workspace",), environment_id, item["workspace"]) \
            if "workspace" in item else None
        world.pipeline_engines[eid] = PipelineEngine(eid, item["name"], environment_id, self.ids.hex24(),
                                                     self.ids.uuid(), workspace_id, item.get("description", ""),
                                                     item.get("paired", True), world.now, world.now)
        names = set()
        for i, profile in enumerate(item.get("profiles", [])):
            if profile["name"].lower() in names:
                raise self.fail(path + ("profiles", i, "name"), f"duplicate run profile name {profile['name']!r}")
            names.add(profile["name"].lower())
            pid = self.unique(path + ("profiles", i), world.pipeline_profiles, profile.get("id") or self.ids.hex24())
            fields = {k: v for k, v in profile.items() if k not in ("id", "type")}
            world.pipeline_profiles[pid] = PipelineProfile(pid, eid, profile["type"], fields, world.now, world.now)

    def schedule(self, path: tuple, environment_id: str, item: dict) -> None:
        world = self.world
        sid = self.unique(path, world.schedules, item.get("id") or self.ids.hex24())
        triggers = []
        for t, raw in enumerate(item["triggers"]):
            if raw.get("type") not in SCHEDULE_TRIGGER_TYPES:
                raise self.fail(path + ("triggers", t, "type"), f"a schedule trigger is one of "
                                                                f"{', '.join(SCHEDULE_TRIGGER_TYPES)}")
            try:
                triggers.append(check_trigger({"startDate": world.now.date().isoformat(), "timeZone": "UTC", **raw}))
            except BadRequest as exc:
                raise self.fail(path + ("triggers", t), str(exc)) from None
        world.schedules[sid] = Schedule(sid, environment_id, triggers, item.get("description", ""))
        if "task" in item and "plan" in item:
            raise self.fail(path + ("plan",), "a schedule serves one task or one plan, not both")
        for kind, store in (("task", world.tasks), ("plan", world.plans)):
            if kind in item:
                scope = [x.id for x in store.values()
                         if world.workspaces[x.workspace_id].environment_id == environment_id]
                executable = self.lookup(store, item[kind], scope)
                if executable is None:
                    raise self.fail(path + (kind,), f"unknown {kind} {item[kind]!r} in this environment")
                link_executable(world, sid, executable, kind.upper(), world.now)

    def resolve_engine(self, path: tuple, task: Task) -> None:
        """A task's REMOTE_ENGINE runtime names an engine of its environment, by id or name."""
        environment_id = self.world.workspaces[task.workspace_id].environment_id
        scope = [e.id for e in self.world.remote_engines.values() if e.environment_id == environment_id]
        found = self.lookup(self.world.remote_engines, task.runtime.id or "", scope)
        if found is None:
            raise self.fail(path + ("runtime", "id"), f"unknown remote engine {task.runtime.id!r} in this environment")
        task.runtime = replace(task.runtime, id=found.id)

    def fail(self, path: tuple, message: str) -> FixtureError:
        return FixtureError(f"{self.spec.where(path)}: {message}")

    def trigger(self, path: tuple, item: dict) -> dict | None:
        """A task's or plan's own trigger (as a run configuration takes it); it fires once the world is built."""
        if "trigger" not in item:
            return None
        try:
            return check_trigger(item["trigger"])
        except BadRequest as exc:
            raise self.fail(path + ("trigger",), str(exc)) from None

    def unique(self, path: tuple, existing: dict, identifier: str) -> str:
        if identifier in existing:
            raise self.fail(path + ("id",), f"duplicate id {identifier!r}")
        return identifier

    @staticmethod
    def lookup(items: dict, ref: str, scope: list[str] | None = None) -> Any:
        """Find by id, or by name among the ids in `scope` (default: all)."""
        if ref in items and (scope is None or ref in scope):
            return items[ref]
        candidates = [items[i] for i in (scope if scope is not None else items)]
        return next((item for item in candidates if getattr(item, "name", None) == ref), None)

    def user_ref(self, path: tuple, ref: str) -> User:
        user = self.world.users.get(ref) or next((u for u in self.world.users.values() if u.login == ref), None)
        if user is None:
            raise self.fail(path, f"unknown user {ref!r}")
        return user

    def build(self) -> None:
        data, world = self.spec.data, self.world
        for i, item in enumerate(data.get("users") or [{"login": "admin@mocktmc.local", "firstName": "Mock",
                                                         "lastName": "Admin"}]):
            uid = self.unique(("users", i), world.users, item.get("id") or self.ids.hex24())
            world.users[uid] = User(uid, item["login"], item.get("firstName", ""), item.get("lastName", ""),
                                    list(item.get("roles", [])), item.get("administrator", "roles" not in item))
        world.default_user_id = next(iter(world.users))
        for i, item in enumerate(data.get("serviceAccounts", [])):
            sid = self.unique(("serviceAccounts", i), world.service_accounts, item.get("id") or self.ids.uuid())
            world.service_accounts[sid] = ServiceAccount(sid, item["name"], item["secret"], item.get("description", ""),
                                                         list(item.get("roles", [])),
                                                         item.get("administrator", "roles" not in item),
                                                         created=world.now, updated=world.now)
        declared = data.get("subscription", {})
        world.subscription = Subscription(
            declared.get("startDate", world.now.date().isoformat()),
            declared.get("endDate", (world.now + timedelta(days=365)).date().isoformat()),
            **{attribute: declared[key] for key, attribute in (
                ("licenseType", "license_type"), ("supportLevel", "support_level"), ("applications", "applications"),
                ("tokens", "tokens"), ("seats", "seats")) if key in declared})
        for i, item in enumerate(data.get("personalAccessTokens", [])):
            self.user_ref(("personalAccessTokens", i, "user"), item["user"])
        environment_ids = [self.environment(("environments", e), env)
                           for e, env in enumerate(data.get("environments", []))]
        environments = list(zip(environment_ids, data.get("environments", [])))
        for e, (eid, env) in enumerate(environments):
            for r, engine in enumerate(env.get("remoteEngines", [])):
                self.remote_engine(("environments", e, "remoteEngines", r), eid, engine)
        for path, tid in self.engine_runtimes:
            self.resolve_engine(path, world.tasks[tid])
        for e, (eid, env) in enumerate(environments):
            for c, item in enumerate(env.get("clusters", [])):
                self.cluster(("environments", e, "clusters", c), eid, item)
            for p, item in enumerate(env.get("pipelineEngines", [])):
                self.pipeline_engine(("environments", e, "pipelineEngines", p), eid, item)
        for p, item in enumerate(data.get("promotions", [])):
            path = ("promotions", p)
            ends = []
            for end in ("source", "target"):
                found = self.lookup(world.environments, item[end])
                if found is None:
                    raise self.fail(path + (end,), f"unknown environment {item[end]!r}")
                ends.append(found.id)
            if ends[0] == ends[1]:
                raise self.fail(path + ("target",), "source and target must be different environments")
            pid = self.unique(path, world.promotions, item.get("id") or self.ids.hex24())
            world.promotions[pid] = Promotion(pid, item["name"], ends[0], ends[1], item.get("description", ""))
        for e, (eid, env) in enumerate(environments):
            for s, item in enumerate(env.get("schedules", [])):
                self.schedule(("environments", e, "schedules", s), eid, item)
        for p, item in enumerate(data.get("projects", [])):
            self.project(("projects", p), item)
        for executable_id in [*world.tasks, *world.plans]:
            arm(world, executable_id)

    def environment(self, path: tuple, env: dict) -> str:
        world = self.world
        eid = self.unique(path, world.environments, env.get("id") or self.ids.hex24())
        world.environments[eid] = Environment(eid, env["name"], env.get("description", ""), env.get("default", False),
                                              env.get("maxCloudContainers", 0), world.now)
        for w, ws in enumerate(env.get("workspaces", [])):
            wpath = path + ("workspaces", w)
            wid = self.unique(wpath, world.workspaces, ws.get("id") or self.ids.hex24())
            owner = self.user_ref(wpath + ("owner",), ws["owner"]).login if "owner" in ws else \
                world.users[world.default_user_id].login
            world.workspaces[wid] = Workspace(wid, ws["name"], eid, ws.get("type", "custom"),
                                              ws.get("description", ""), owner,
                                              ws.get("protectedArtifactUpdate", False), world.now, world.now)
            for ref, types in ws.get("permissions", {}).items():
                try:
                    holder = principal_record(world, ref)
                except NotFound:
                    raise self.fail(wpath + ("permissions", ref), f"unknown user or service account {ref!r}") from None
                world.workspaces[wid].permissions[holder.id] = [p for p in WORKSPACE_PERMISSIONS if p in types]
            artifact_ids = [self.artifact(wpath + ("artifacts", a), wid, art)
                            for a, art in enumerate(ws.get("artifacts", []))]
            connection_ids = [self.connection(wpath + ("connections", c), wid, conn)
                              for c, conn in enumerate(ws.get("connections", []))]
            for r, item in enumerate(ws.get("resources", [])):
                self.resource(wpath + ("resources", r), wid, item)
            task_ids = [self.task(wpath + ("tasks", t), wid, artifact_ids, connection_ids, task)
                        for t, task in enumerate(ws.get("tasks", []))]
            for p, plan in enumerate(ws.get("plans", [])):
                self.plan(wpath + ("plans", p), wid, task_ids, plan)
        return eid

    def resource(self, path: tuple, workspace_id: str, item: dict) -> None:
        world = self.world
        rid = self.unique(path, world.resources, item.get("id") or self.ids.hex24())
        if any(r.name == item["name"] and r.workspace_id == workspace_id for r in world.resources.values()):
            raise self.fail(path + ("name",), f"duplicate resource name {item['name']!r} in this workspace")
        world.resources[rid] = Resource(rid, item["name"], workspace_id, item.get("content", "").encode("utf-8"),
                                        item.get("description", ""), world.now)

    def project(self, path: tuple, item: dict) -> None:
        world = self.world
        pid = self.unique(path, world.projects, item.get("id") or self.ids.hex24())
        author = world.users[world.default_user_id].login
        owner = self.user_ref(path + ("owner",), item["owner"]).login if "owner" in item else author
        users = [self.user_ref(path + ("users", u), ref).id for u, ref in enumerate(item.get("users", []))]
        world.projects[pid] = Project(pid, item["name"], technical_label(item["name"]), item["url"], owner, author,
                                      item.get("description", ""), "DI", world.now, world.now, users,
                                      list(item.get("groups", [])))

    def history(self, start: datetime) -> None:
        """Runs of the past, each at its time, the world settling in between; then up to `start`."""
        world, history = self.world, self.spec.data.get("history")
        if not history:
            return
        principal = Principal(world.default_user_id, "HUMAN")
        planned = []
        for i, item in enumerate(history.get("runs", [])):
            path = ("history", "runs", i)
            if item["daysAgo"] >= history["days"]:
                raise self.fail(path + ("daysAgo",), f"must be less than history.days ({history['days']})")
            hour, minute = (int(part) for part in item.get("at", start.strftime("%H:%M")).split(":"))
            at = datetime.combine(start.date() - timedelta(days=item["daysAgo"]), time(hour, minute),
                                  timezone.utc)
            planned.append((at, i, path, item))
        for at, _, path, item in sorted(planned, key=lambda entry: entry[:2]):
            world.settle(at)
            try:
                self.past_run(path, item, principal, at)
            except TMCError as exc:
                raise self.fail(path, f"cannot run it then: {exc.detail}") from None
        world.settle(start)

    def past_run(self, path: tuple, item: dict, principal: Principal, at: datetime) -> None:
        world = self.world
        if "task" in item:
            task = self.lookup(world.tasks, item["task"])
            if task is None:
                raise self.fail(path + ("task",), f"unknown task {item['task']!r}")
            execute_task(world, task, principal, at)
        elif "plan" in item:
            plan = self.lookup(world.plans, item["plan"])
            if plan is None:
                raise self.fail(path + ("plan",), f"unknown plan {item['plan']!r}")
            start_plan_execution(world, plan, principal, at)
        else:
            promotion = self.lookup(world.promotions, item["promotion"])
            if promotion is None:
                raise self.fail(path + ("promotion",), f"unknown promotion {item['promotion']!r}")
            scope = None
            if "artifact" in item:
                artifact = self.lookup(world.artifacts, item["artifact"], [
                    a.id for a in world.artifacts.values()
                    if world.workspaces[a.workspace_id].environment_id == promotion.source_environment_id])
                if artifact is None:
                    raise self.fail(path + ("artifact",), f"unknown artifact {item['artifact']!r} in the source")
                scope = ("ACTION", artifact.id)
            start_promotion(world, promotion, principal, at, keep_target_resources=True,
                            keep_target_run_profiles=True, scope=scope, context=None)

    def artifact(self, path: tuple, workspace_id: str, art: dict) -> str:
        world = self.world
        aid = self.unique(path, world.artifacts, art.get("id") or self.ids.hex24())
        versions: list[ArtifactVersion] = []
        for v, item in enumerate(art["versions"]):
            item = {"version": item} if isinstance(item, str) else item
            if any(existing.version == item["version"] for existing in versions):
                raise self.fail(path + ("versions", v), f"duplicate version {item['version']!r}")
            versions.append(ArtifactVersion(item["version"], world.now, world.users[world.default_user_id].login,
                                            {k: str(val) for k, val in item.get("parameters", {}).items()}))
        world.artifacts[aid] = Artifact(aid, art["name"], workspace_id, art.get("type", "standard"),
                                        art.get("description", ""), versions)
        return aid

    def connection(self, path: tuple, workspace_id: str, item: dict) -> str:
        world = self.world
        cid = self.unique(path, world.connections, item.get("id") or self.ids.hex24())
        if any(c.name == item["name"] and c.workspace_id == workspace_id for c in world.connections.values()):
            raise self.fail(path + ("name",), f"duplicate connection name {item['name']!r} in this workspace")
        parameters = [ConnectionParameter(p["name"], None if p.get("value") is None else str(p["value"]),
                                          p.get("encrypted", False)) for p in item.get("parameters", [])]
        world.connections[cid] = Connection(cid, item["name"], item["app"], workspace_id, parameters,
                                            world.now, world.now)
        return cid

    def task(self, path: tuple, workspace_id: str, artifact_ids: list[str], connection_ids: list[str],
             item: dict) -> str:
        world = self.world
        artifact = self.lookup(world.artifacts, item["artifact"], artifact_ids)
        if artifact is None:
            raise self.fail(path + ("artifact",), f"unknown artifact {item['artifact']!r} in this workspace")
        version = item.get("artifactVersion", artifact.latest.version)
        if artifact.version(version) is None:
            raise self.fail(path + ("artifactVersion",), f"artifact {artifact.name!r} has no version {version!r}")
        try:
            behavior = parse_behavior_plan(item.get("behavior", {}))
        except BehaviorError as exc:
            raise self.fail(path + ("behavior",) + exc.path, exc.message) from None
        paused = item.get("paused", False)
        pause = None
        if paused:
            context = paused.get("pauseContext", "") if isinstance(paused, dict) else ""
            pause = PauseDetails(True, context, world.users[world.default_user_id].id, "HUMAN", world.now)
        tid = self.unique(path, world.tasks, item.get("id") or self.ids.hex24())
        runtime = item.get("runtime", {"type": "CLOUD"})
        parameters = dict(artifact.version(version).parameters)
        parameters.update({k: str(v) for k, v in item.get("parameters", {}).items()})
        world.tasks[tid] = Task(
            id=tid, name=item["name"], workspace_id=workspace_id, artifact_id=artifact.id,
            artifact_version=version, version=item.get("version", "0.1"), description=item.get("description", ""),
            tags=list(item.get("tags", [])), parameters=parameters,
            connections=self.task_connections(path + ("connections",), item.get("connections", {}), connection_ids),
            resources={k: str(v) for k, v in item.get("resources", {}).items()},
            runtime=Runtime(runtime["type"], runtime.get("id"), runtime.get("runProfileId")),
            log_level=item.get("logLevel", "WARN"),
            parallel_execution_allowed=item.get("parallelExecutionAllowed", False),
            timeout=item.get("timeout"), auto_upgradable=item.get("autoUpgradable", False),
            pause=pause, behavior=behavior, created=world.now, trigger=self.trigger(path, item))
        if runtime["type"] == "REMOTE_ENGINE":
            self.engine_runtimes.append((path, tid))
        return tid

    def task_connections(self, path: tuple, refs: dict, connection_ids: list[str]) -> dict[str, str]:
        """A task's connections: context name -> connection id (named by id or name, in its workspace)."""
        resolved = {}
        for key, ref in refs.items():
            found = self.lookup(self.world.connections, str(ref), connection_ids)
            if found is None:
                raise self.fail(path + (key,), f"unknown connection {ref!r} in this workspace")
            resolved[key] = found.id
        return resolved

    def plan(self, path: tuple, workspace_id: str, task_ids: list[str], item: dict) -> None:
        world = self.world
        steps = []
        for s, step in enumerate(item["steps"]):
            resolved: dict[str, list[str]] = {}
            for key in ("tasks", "onFailure"):
                resolved[key] = []
                for r, ref in enumerate(step.get(key, [])):
                    task = self.lookup(world.tasks, ref, task_ids)
                    if task is None:
                        raise self.fail(path + ("steps", s, key, r), f"unknown task {ref!r} in this workspace")
                    resolved[key].append(task.id)
            steps.append(Step(step.get("id") or self.ids.uuid(), step["name"], resolved["tasks"],
                              step.get("condition", "ALL_SUCCEEDED"), resolved["onFailure"], step.get("note", "")))
        # Plan ids are UUIDs on the wire (Processing, history search and v2.6 all agree).
        pid = self.unique(path, world.plans, item.get("id") or self.ids.uuid())
        world.plans[pid] = Plan(pid, item["name"], workspace_id, steps, item.get("description", ""),
                                world.users[world.default_user_id].login, world.now, world.now,
                                trigger=self.trigger(path, item),
                                parallel_execution_allowed=item.get("parallelExecutionAllowed", False))


def build_world(spec: WorldSpec, account_id: str, now: datetime, seed: int) -> World:
    """A fresh world for one account, seeded from `spec`."""
    account = spec.data.get("account", {})
    # A world with a history begins that many days earlier: its definitions date from then.
    begins = now - timedelta(days=spec.data["history"]["days"]) if spec.data.get("history") else now
    world = World(account_id, account.get("name", "mocktmc"), begins, IdSource(f"{seed}:runs:{account_id}"))
    builder = _Builder(spec, world, IdSource(f"{seed}:fixture"))
    builder.build()
    builder.history(now)
    return world


def fixture_account_id(spec: WorldSpec, seed: int) -> str:
    return spec.data.get("account", {}).get("id") or IdSource(f"{seed}:account").uuid()


def personal_access_tokens(spec: WorldSpec) -> list[tuple[str, str]]:
    """(token, user reference) pairs declared by the fixture."""
    return [(item["token"], item["user"]) for item in spec.data.get("personalAccessTokens", [])]

