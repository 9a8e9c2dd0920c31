"""How many of Talend's published 2021-03 operations reach a 2xx against a fixture world, sent one by one.

Each operation of the published documents (../shared/reference/talend-2021-03: 163 in the files mocktmc
serves) is sent once to a fresh in-process mock of the world: path parameters name the world's first object
of their kind (found through the API's own lists, as a client would find them), required query parameters
take the document's example, default or first enum value, and a JSON body is built from the operation's
schema (the document's examples and defaults first; fields that name an object take the world's ids).
What counts is whether the answer is a 2xx; the rest is listed with its status, so a world's gaps show.

    python tools/reach.py [WORLD ...]      (default: fixtures/default.yaml and tests/worlds/base.yaml)
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mocktmc import MockTMC
from mocktmc.contract_documents import operations_in

PUBLISHED = ROOT.parent / "shared" / "reference" / "talend-2021-03"
FILES = ("orchestration.json", "processing.json", "execution-logs.json", "execution-history-search.json",
         "observability-metrics.json", "oauth.json")


def first(session, path: str, key: str = "id", **query: Any) -> str | None:
    answer = session.get(path, params=query)
    if answer.status_code != 200:
        return None
    body = answer.json()
    items = body if isinstance(body, list) else body.get("items") or body.get("data") or []
    return items[0].get(key) if items else None


def ids_of(mock: MockTMC) -> dict[str, str | None]:
    """The world's first object of each kind, found through the API's lists."""
    s = mock.client()
    found: dict[str, str | None] = {
        "environment": first(s, "/orchestration/environments"), "workspace": first(s, "/orchestration/workspaces"),
        "artifact": first(s, "/orchestration/artifacts"), "connection": first(s, "/orchestration/connections"),
        "task": first(s, "/orchestration/executables/tasks"),
        "plan": first(s, "/orchestration/executables/plans", "executable"),
        "promotion": first(s, "/orchestration/executables/promotions", "executable"),
        "project": first(s, "/orchestration/projects"),
        "resource": first(s, "/orchestration/resources"), "schedule": first(s, "/orchestration/schedules"),
        "engine": first(s, "/processing/runtimes/remote-engines"),
        "cluster": first(s, "/processing/runtimes/remote-engine-clusters"),
        "pipeline": first(s, "/processing/runtimes/pipeline-engines"),
        "execution": first(s, "/processing/executables/tasks/executions", "executionId"),
        "planExecution": first(s, "/processing/executables/plans/executions", "executionId"),
    }
    artifact = s.get(f"/orchestration/artifacts/{found['artifact']}").json() if found["artifact"] else {}
    found["version"] = (artifact.get("versions") or [None])[-1]
    found["engineProfile"] = first(s, f"/processing/runtimes/remote-engines/{found['engine']}/run-profiles") \
        if found["engine"] else None
    found["clusterProfile"] = first(s, f"/processing/runtimes/remote-engine-clusters/{found['cluster']}/run-profiles") \
        if found["cluster"] else None
    found["pipelineProfiles"] = {}
    if found["pipeline"]:
        listed = s.get(f"/processing/runtimes/pipeline-engines/{found['pipeline']}/run-profiles").json()
        for profile in listed if isinstance(listed, list) else listed.get("items", []):
            found["pipelineProfiles"].setdefault(profile.get("type"), profile.get("id"))
    found["step"] = first(s, f"/processing/executions/plans/{found['planExecution']}/steps") \
        if found["planExecution"] else None
    found["user"] = mock.snapshot()["defaultUserId"]
    found["trigger"] = None
    if found["schedule"]:
        triggers = s.get(f"/orchestration/schedules/{found['schedule']}/triggers").json()
        found["trigger"] = triggers[0].get("name") if isinstance(triggers, list) and triggers else None
    return found


def value_for(name: str, path: str, ids: dict) -> str | None:
    """The world's id a path parameter (or an id-like body field) names."""
    lowered = name.lower()
    if lowered in ("runprofileid", "id") and "/pipeline-engines/" in path:
        kind = re.search(r"/run-profiles/([a-z-]+)/", path)
        profiles = ids["pipelineProfiles"]
        return profiles.get(kind.group(1)) if kind and kind.group(1) in profiles else next(iter(profiles.values()),
                                                                                             None)
    if lowered == "runprofileid":
        return ids["clusterProfile"] if "clusters" in path else ids["engineProfile"]
    table = {"environmentid": "environment", "workspaceid": "workspace", "targetworkspaceid": "workspace",
             "artifactid": "artifact", "version": "version", "connectionid": "connection", "taskid": "task",
             "planid": "plan", "promotionid": "promotion", "projectid": "project", "resourceid": "resource",
             "scheduleid": "schedule", "remoteengineid": "engine", "clusterid": "cluster",
             "planexecutionid": "planExecution", "stepexecutionid": "step", "userid": "user",
             "triggername": "trigger", "executable": "task", "groupid": None}
    if lowered in table:
        return ids[table[lowered]] if table[lowered] else "sales-engineers"
    if lowered == "engineid":
        return ids["pipeline"] if "pipeline" in path else ids["engine"]
    if lowered == "type" and "/pipeline-engines/" in path:
        return next(iter(ids["pipelineProfiles"]), None)
    if lowered == "serviceaccountid":
        return "0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c"  # the demo world's service account
    if lowered == "id" and "/remote-engines/" in path:
        return ids["engine"]
    if lowered == "id" and "/run-profiles/" in path:
        return ids["engineProfile"]
    if lowered in ("executionid", "id"):
        if "/monitoring/" in path or "/processing/executions" in path:
            return ids["execution"]
        if "/workspaces" in path:
            return ids["workspace"]
        return ids["environment"]
    return None


def example(schema: dict, doc: dict, name: str, path: str, ids: dict, depth: int = 0) -> Any:
    """A value for a schema: the document's example, default or first enum value, else one of the right type;
    fields that name an object take the world's id."""
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    known = value_for(name, path, ids) if name else None
    if known is not None:
        return known
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type") or ("object" if "properties" in schema else "string")
    if kind == "object" and depth < 4:
        return {field: example(sub, doc, field, path, ids, depth + 1)
                for field, sub in schema.get("properties", {}).items()
                if field in schema.get("required", []) and not sub.get("readOnly")}
    if kind == "array" and depth < 4:
        return [example(schema.get("items", {}), doc, name.rstrip("s"), path, ids, depth + 1)]
    return {"integer": 1, "number": 1, "boolean": False, "object": {}}.get(kind, f"mocktmc-reach-{name or 'x'}")


def request_for(doc: dict, path: str, item: dict, operation: dict, ids: dict) -> tuple[str, dict]:
    concrete, query = path, {}
    for parameter in item.get("parameters", []) + operation.get("parameters", []):
        while "$ref" in parameter:
            parameter = doc["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        value = example(parameter.get("schema", {}), doc, parameter["name"], path, ids)
        if parameter["in"] == "path":
            concrete = concrete.replace("{" + parameter["name"] + "}", str(value))
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = value
    kwargs: dict[str, Any] = {"params": query}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        kwargs["json"] = example(content["application/json"].get("schema", {}), doc, "", path, ids)
    elif content:
        kwargs["files"] = {"file": ("reach.txt", b"mocktmc")}
        kwargs["data"] = {"resource": json.dumps({"name": "mocktmc-reach", "workspaceId": ids["workspace"]})}
    return concrete, kwargs


def reach(world: str) -> tuple[Counter, list[tuple[str, int]]]:
    ids = ids_of(MockTMC(fixtures=world))
    counts, misses = Counter(), []
    for name in FILES:
        doc = json.loads((PUBLISHED / name).read_text())
        for path, item, method, operation in operations_in(doc):
            mock = MockTMC(fixtures=world)  # a fresh one each: a DELETE must not change the next operation's world
            concrete, kwargs = request_for(doc, path, item, operation, ids)
            session = mock.client()
            if path == "/security/oauth/token":
                session.headers.pop("Authorization")
                kwargs = {"auth": ("0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c", "demo-client-secret"),
                          "data": {"grant_type": "client_credentials", "audience": mock.url}}
            status = session.request(method.upper(), concrete, **kwargs).status_code
            counts["operations"] += 1
            counts["2xx"] += 200 <= status < 300
            if not 200 <= status < 300:
                misses.append((f"{method.upper()} {path}", status))
    return counts, misses


def main(worlds: list[str]) -> int:
    if not PUBLISHED.is_dir():
        print(f"the published documents are not at {PUBLISHED}", file=sys.stderr)
        return 1
    for world in worlds:
        counts, misses = reach(world)
        print(f"{world}: {counts['2xx']} of {counts['operations']} published operations reach a 2xx")
        by_status = Counter(status for _, status in misses)
        print("  the others, by status: " + ", ".join(f"{status}: {n}" for status, n in sorted(by_status.items())))
        for operation, status in misses:
            print(f"    {status} {operation}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(ROOT / "fixtures" / "default.yaml"),
                                   str(ROOT / "tests" / "worlds" / "base.yaml")]))
