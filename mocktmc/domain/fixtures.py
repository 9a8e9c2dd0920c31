"""Fixture worlds: a YAML description of one account, loaded with errors that name file, line and field.

The structure is checked with a JSON Schema; references (a task's artifact, a plan step's tasks,
a promotion's environments, a token's user) are checked by building the world once at load time,
so a bad file stops the server before it starts. Ids left out of the file are generated from the
seed, in document order, so every world built from one file has the same ids.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .artifacts import ARTIFACT_TYPES, Artifact, ArtifactVersion
from .behaviors import BehaviorError, parse_behavior_plan
from .connections import Connection, ConnectionParameter
from .engines import RUN_PROFILE_TYPES, RemoteEngine
from .credentials import ServiceAccount, User
from .environments import WORKSPACE_TYPES, Environment, Workspace
from .ids import IdSource
from .plans import STEP_CONDITIONS, Plan, Step
from .promotions import Promotion
from .pausing import PauseDetails
from .tasks import LOG_LEVELS, RUNTIME_TYPES, Runtime, Task
from .triggers import check_trigger
from ..errors import BadRequest
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

_SCHEMA = _obj({
    "account": _obj({"id": _NAME, "name": _NAME}),
    "users": {"type": "array", "items": _obj(
        {"id": _NAME, "login": _NAME, "firstName": _STR, "lastName": _STR}, ("login",))},
    "serviceAccounts": {"type": "array", "items": _obj(
        {"id": _NAME, "name": _NAME, "secret": _NAME, "description": _STR}, ("name", "secret"))},
    "personalAccessTokens": {"type": "array", "items": _obj({"token": _NAME, "user": _NAME}, ("token", "user"))},
    "environments": {"type": "array", "items": _obj({
        "id": _NAME, "name": _NAME, "description": _STR, "default": {"type": "boolean"},
        "maxCloudContainers": {"type": "integer", "minimum": 0},
        "remoteEngines": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "description": _STR, "workspace": _NAME, "paired": {"type": "boolean"},
            "runProfiles": {"type": "array", "items": {"enum": list(RUN_PROFILE_TYPES)}},
            "preAuthorizedKey": _NAME,
        }, ("name",))},
        "workspaces": {"type": "array", "items": _obj({
            "id": _NAME, "name": _NAME, "type": {"enum": list(WORKSPACE_TYPES)}, "description": _STR,
            "owner": _NAME, "protectedArtifactUpdate": {"type": "boolean"},
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


def parse_fixture(text: str, source: str = "<fixture>") -> WorldSpec:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise FixtureError(f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
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
        world.remote_engines[rid] = RemoteEngine(
            rid, item["name"], environment_id, self.ids.hex24(), item.get("preAuthorizedKey") or self.ids.uuid(),
            workspace_id, item.get("description", ""), item.get("paired", True), world.now, world.now,
            run_profiles=list(item.get("runProfiles", RUN_PROFILE_TYPES)))

    def resolve_engine(self, path: tuple, task: Task) -> None:
        """A task's REMOTE_ENGINE runtime names an engine of its environment, by id or name."""
        environment_id = self.world.workspaces[task.workspace_id].environment_id
        scope = [e.id for e in self.world.remote_engines.values() if e.environment_id == environment_id]
        found = self.lookup(self.world.remote_engines, task.runtime.id or "", scope)
        if found is None:
            raise self.fail(path + ("runtime", "id"), f"unknown remote engine {task.runtime.id!r} in this environment")
        task.runtime.id = found.id

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
            world.users[uid] = User(uid, item["login"], item.get("firstName", ""), item.get("lastName", ""))
        world.default_user_id = next(iter(world.users))
        for i, item in enumerate(data.get("serviceAccounts", [])):
            sid = self.unique(("serviceAccounts", i), world.service_accounts, item.get("id") or self.ids.uuid())
            world.service_accounts[sid] = ServiceAccount(sid, item["name"], item["secret"], item.get("description", ""))
        for i, item in enumerate(data.get("personalAccessTokens", [])):
            self.user_ref(("personalAccessTokens", i, "user"), item["user"])
        environment_ids = [self.environment(("environments", e), env)
                           for e, env in enumerate(data.get("environments", []))]
        for e, (eid, env) in enumerate(zip(environment_ids, data.get("environments", []))):
            for r, engine in enumerate(env.get("remoteEngines", [])):
                self.remote_engine(("environments", e, "remoteEngines", r), eid, engine)
        for path, tid in self.engine_runtimes:
            self.resolve_engine(path, world.tasks[tid])
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
        for executable_id in [*world.tasks, *world.plans]:
            world.rearm(executable_id)

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
            artifact_ids = [self.artifact(wpath + ("artifacts", a), wid, art)
                            for a, art in enumerate(ws.get("artifacts", []))]
            connection_ids = [self.connection(wpath + ("connections", c), wid, conn)
                              for c, conn in enumerate(ws.get("connections", []))]
            task_ids = [self.task(wpath + ("tasks", t), wid, artifact_ids, connection_ids, task)
                        for t, task in enumerate(ws.get("tasks", []))]
            for p, plan in enumerate(ws.get("plans", [])):
                self.plan(wpath + ("plans", p), wid, task_ids, plan)
        return eid

    def artifact(self, path: tuple, workspace_id: str, art: dict) -> str:
        world = self.world
        aid = self.unique(path, world.artifacts, art.get("id") or self.ids.hex24())
        versions = []
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
    world = World(account_id, account.get("name", "mocktmc"), now, IdSource(f"{seed}:runs:{account_id}"))
    _Builder(spec, world, IdSource(f"{seed}:fixture")).build()
    return world


def fixture_account_id(spec: WorldSpec, seed: int) -> str:
    return spec.data.get("account", {}).get("id") or IdSource(f"{seed}:account").uuid()


def personal_access_tokens(spec: WorldSpec) -> list[tuple[str, str]]:
    """(token, user reference) pairs declared by the fixture."""
    return [(item["token"], item["user"]) for item in spec.data.get("personalAccessTokens", [])]

