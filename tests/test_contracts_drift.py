"""Drift check: contracts/ against Talend's published 2021-03 documents (when ../shared/reference exists).

Every published operation, parameter, response code, response/request property, required field
and enum value must be in our contracts with a compatible type. The only departures allowed are
the corrections recorded in contracts/README.md, each recognised below by its shape.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from mocktmc.contract_documents import operations_in

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT.parent / "shared" / "reference" / "talend-2021-03"
FAMILIES = {
    "orchestration": [("orchestration.json", "")],
    "processing": [("processing.json", "")],
    "monitoring": [("execution-logs.json", "Logs"), ("execution-history-search.json", "History"),
                   ("observability-metrics.json", "Metrics")],
    "security": [("oauth.json", ""), ("workspace-permissions.json", "Workspace"), ("audit-logs.json", ""),
                 ("service-accounts.json", ""), ("seats-and-subscription.json", "Account")],
}
# Corrections 6 and 16 (contracts/README.md): required fields the contracts drop, as (published file, schema, field).
# Correction 19: a run configuration's trigger requires only its type.
DROPPED_REQUIRED = {("execution-history-search.json", "Execution", "version"), ("v2.6", "PlanRunConfig", "runtime"),
                    *((source, "Trigger", field) for source in ("orchestration.json", "v2.6")
                      for field in ("startDate", "timeZone")),
                    *(("v2.6", name, "startTimestamp") for name in (
                        "JobExecutionStatus", "JobExecutionStatusV21", "TaskExecutionStatusV21",
                        "TaskExecutionStatusV26"))}
# Correction 16: properties whose declared type the contracts change, as (published file, schema, field).
RETYPED = {("v2.6", "ArtifactPromotionResult", "version")}
# Correction 15: the legacy path written with the parameter name of the other operation on it.
RENAMED_V26_PATHS = {"/executions/promotions/{executionId}": ("/executions/promotions/{id}", {"executionId": "id"})}

pytestmark = pytest.mark.skipif(not PUBLISHED.is_dir(),
                                reason=f"published documents not found at {PUBLISHED} (../shared/reference)")


def token(value):
    """A published enum value as the wire carries it (correction 1: drop the explanation)."""
    return re.match(r"\s*([A-Za-z0-9_]+)", value).group(1) if isinstance(value, str) and "(" in value else value


class Side:
    def __init__(self, doc: dict, prefix: str = "", source: str = "") -> None:
        self.doc, self.prefix, self.source = doc, prefix, source

    def resolve(self, schema: dict) -> tuple[dict, str | None]:
        name = None
        while "$ref" in schema:
            name = self.prefix + schema["$ref"].rsplit("/", 1)[1]
            schema = self.doc["components"]["schemas"][name] if self.prefix == "" or name in \
                self.doc["components"]["schemas"] else self.doc["components"]["schemas"][name[len(self.prefix):]]
        return schema, name


class Drift:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.fields = 0

    def types_compatible(self, published: dict, ours: dict) -> bool:
        p, o = published.get("type"), ours.get("type")
        if p == o or p is None:
            return True
        if p == "number" and o == "integer":  # correction 3
            return True
        # Numbers also sent as strings (correction 12); either of a quirk's two behaviours (correction 18).
        if any(option.get("type") == p for option in ours.get("anyOf", []) + ours.get("oneOf", [])):
            return True
        return p == "object" and o is None and not ours  # correction 4: filter value accepts anything

    def compare(self, pub: Side, p: dict, ours: Side, o: dict, where: str, seen: frozenset = frozenset()) -> None:
        p, p_name = pub.resolve(p)
        o, _ = ours.resolve(o)
        if p_name and p_name in seen:
            return  # recursive schema (e.g. PlanStep.nextStep): compared once
        seen = seen | {p_name} if p_name else seen
        self.fields += 1
        if not self.types_compatible(p, o):
            self.problems.append(f"{where}: type {p.get('type')} published, {o.get('type')} in contract")
        for value in p.get("enum", []):
            if token(value) not in o.get("enum", []):
                self.problems.append(f"{where}: enum value {token(value)!r} missing")
        for field in p.get("required", []):
            if field not in o.get("required", []) and (pub.source, p_name, field) not in DROPPED_REQUIRED:
                self.problems.append(f"{where}: required field {field!r} not required")
        for name, prop in p.get("properties", {}).items():
            if name not in o.get("properties", {}):
                self.problems.append(f"{where}.{name}: property missing")
            elif (pub.source, p_name, name) in RETYPED:
                self.fields += 1
            else:
                self.compare(pub, prop, ours, o["properties"][name], f"{where}.{name}", seen)
        if "items" in p:
            if "items" not in o:
                self.problems.append(f"{where}[]: items missing")
            else:
                self.compare(pub, p["items"], ours, o["items"], f"{where}[]", seen)


def resolve_parameter(doc: dict, parameter: dict) -> dict:
    if "$ref" in parameter:
        return doc["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def load_ours(family: str) -> dict:
    return yaml.safe_load((ROOT / "contracts" / f"{family}.yaml").read_text())


@pytest.mark.parametrize("family", list(FAMILIES))
def test_contract_covers_the_published_documents(family, capsys):
    ours = load_ours(family)
    drift, operations = Drift(), 0
    for filename, prefix in FAMILIES[family]:
        published = json.loads((PUBLISHED / filename).read_text())
        pub, our = Side(published, source=filename), Side(ours, prefix)
        for path, item, method, op in operations_in(published):
            operations += 1
            where = f"{method.upper()} {path}"
            mine = ours["paths"].get(path, {}).get(method)
            if mine is None:
                drift.problems.append(f"{where}: operation missing")
                continue
            my_params = {(x["name"], x["in"]): x for x in map(lambda x: resolve_parameter(ours, x),
                                                               mine.get("parameters", []) +
                                                               ours["paths"][path].get("parameters", []))}
            for parameter in op.get("parameters", []) + item.get("parameters", []):
                parameter = resolve_parameter(published, parameter)
                key = (parameter["name"], parameter["in"])
                found = my_params.get(key)
                if found is None:
                    drift.problems.append(f"{where}: parameter {key} missing")
                elif "schema" in parameter:
                    drift.compare(pub, parameter["schema"], our, found.get("schema", {}), f"{where} ?{key[0]}")
            for media, body in op.get("requestBody", {}).get("content", {}).items():
                mine_body = mine.get("requestBody", {}).get("content", {}).get(media)
                if mine_body is None:
                    drift.problems.append(f"{where}: request body {media} missing")
                elif "schema" in body:
                    drift.compare(pub, body["schema"], our, mine_body["schema"], f"{where} body")
            for code, response in op["responses"].items():
                mine_response = mine["responses"].get(code)
                if mine_response is None:
                    drift.problems.append(f"{where}: response {code} missing")
                    continue
                for media, content in response.get("content", {}).items():
                    mine_content = mine_response.get("content", {}).get(media)
                    if mine_content is None:
                        drift.problems.append(f"{where} {code}: media type {media} missing")
                    elif "schema" in content:
                        drift.compare(pub, content["schema"], our, mine_content["schema"], f"{where} {code}")
    with capsys.disabled():
        print(f"\n[drift] {family}: {operations} published operations, {drift.fields} schema nodes compared, "
              f"{len(drift.problems)} problems")
    assert not drift.problems, "\n".join(drift.problems[:40])


def test_drift_check_notices_a_missing_enum_value(monkeypatch):
    """The check itself can fail: remove one published enum value from our copy and it is reported."""
    ours = load_ours("processing")
    enum = ours["components"]["schemas"]["JobExecutionStatusV21"]["properties"]["executionStatus"]["enum"]
    enum.remove("EXECUTION_TERMINATED_SHUTDOWN")
    published = json.loads((PUBLISHED / "processing.json").read_text())
    drift = Drift()
    schema = {"$ref": "#/components/schemas/JobExecutionStatusV21"}
    drift.compare(Side(published), schema, Side(ours), schema, "JobExecutionStatusV21")
    assert drift.problems == ["JobExecutionStatusV21.executionStatus: enum value 'EXECUTION_TERMINATED_SHUTDOWN' "
                              "missing"]


def test_legacy_contract_covers_the_v26_document(capsys):
    """Every v2.6 operation, parameter and response schema of the Swagger document is in legacy.yaml."""
    swagger = json.loads((PUBLISHED.parent / "tmc-v2.6.reconstructed.swagger.json").read_text())
    ours = load_ours("legacy")
    pub = Side({"components": {"schemas": swagger["definitions"]}}, source="v2.6")
    our = Side(ours)
    drift, operations = Drift(), 0
    for path, item, method, op in operations_in(swagger):
        operations += 1
        where = f"{method.upper()} {path}"
        our_path, renamed = RENAMED_V26_PATHS.get(path, (path, {}))
        mine = ours["paths"].get("/tmc/v2.6" + our_path, {}).get(method)
        if mine is None:
            drift.problems.append(f"{where}: operation missing")
            continue
        names = {(p["name"], p["in"]) for p in mine.get("parameters", [])}
        for parameter in op.get("parameters", []):
            name = renamed.get(parameter["name"], parameter["name"])
            if parameter["in"] in ("path", "query", "header") and (name, parameter["in"]) not in names:
                drift.problems.append(f"{where}: parameter {parameter['name']} missing")
            if parameter["in"] == "body" and "requestBody" not in mine:
                drift.problems.append(f"{where}: request body missing")
        for code, response in op["responses"].items():
            if code not in mine["responses"]:
                drift.problems.append(f"{where}: response {code} missing")
            elif "schema" in response:
                content = next(iter(mine["responses"][code].get("content", {}).values()), {})
                drift.compare(pub, json.loads(json.dumps(response["schema"]).replace("#/definitions/",
                                                                                     "#/components/schemas/")),
                              our, content.get("schema", {}), f"{where} {code}")
    v12 = sum(1 for path, item in ours["paths"].items() if path.startswith("/tmc/v1.2/") for _ in item)
    with capsys.disabled():
        print(f"\n[drift] legacy: {operations} v2.6 operations, {drift.fields} schema nodes compared, "
              f"{len(drift.problems)} problems; {v12} v1.2 operations on the v2.6 layout")
    assert v12 == 13
    assert not drift.problems, "\n".join(drift.problems[:40])


def test_contracts_are_what_the_script_derives():
    """contracts/ is generated: editing a file by hand, or the script without regenerating, fails here."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("derive_contracts", ROOT / "tools" / "derive_contracts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.render().items():
        assert (ROOT / "contracts" / name).read_text() == text, f"contracts/{name} is stale: run `make contracts`"
