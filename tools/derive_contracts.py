"""Derive mocktmc's 2021-03 contracts (contracts/*.yaml) from Talend's published OpenAPI documents.

Only structure is taken: paths, parameters, bodies, schemas, enums, formats, required lists and
status codes. Descriptions, summaries, examples and vendor extensions are dropped; the few words
the contracts need (response descriptions, titles) are the project's own. Then the corrections
listed in contracts/README.md are applied, each by one function below, so that the contracts
describe what the service sends on the wire. Run with `make contracts`.
"""
from __future__ import annotations

import copy
import http
import re
import sys
from pathlib import Path
from typing import Any, Callable

import yaml

from mocktmc.contract_documents import operations_in

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT.parent / "shared" / "reference" / "talend-2021-03"
OUT = ROOT / "contracts"
MOCK_SERVER = "http://127.0.0.1:8080"

# family -> [(published file, prefix for its schema names when several files merge into one)]
FAMILIES: dict[str, list[tuple[str, str]]] = {
    "orchestration": [("orchestration.json", "")],
    "processing": [("processing.json", "")],
    "monitoring": [("execution-logs.json", "Logs"), ("execution-history-search.json", "History"),
                   ("observability-metrics.json", "Metrics")],
    # /security/... and /account/... (mocktmc/families.py): the token, workspace permissions, the audit log,
    # service accounts and the subscription.
    "security": [("oauth.json", ""), ("workspace-permissions.json", "Workspace"), ("audit-logs.json", ""),
                 ("service-accounts.json", ""), ("seats-and-subscription.json", "Account")],
}
TITLES = {
    "orchestration": "TMC Orchestration API (2021-03), as mocktmc serves it",
    "processing": "TMC Processing API (2021-03), as mocktmc serves it",
    "monitoring": "TMC Monitoring APIs (2021-03): execution logs, execution history search, observability "
                  "metrics, as mocktmc serves them",
    "security": "TMC security and account APIs (2021-03): OAuth token, workspace permissions, audit logs, service "
                "accounts, subscription, as mocktmc serves them",
}
SCHEMA_KEYS = ("type", "format", "enum", "required", "default", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
               "readOnly", "writeOnly", "nullable", "$ref")


# --- structure-only copy ------------------------------------------------------------------------
class Copier:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def ref(self, ref: str) -> str:
        kind, _, name = ref.rpartition("/")
        if kind == "#/definitions":  # Swagger 2.0
            kind = "#/components/schemas"
        return f"{kind}/{self.prefix}{name}" if kind.startswith("#/components/schemas") else ref

    def schema(self, src: dict) -> dict:
        out: dict[str, Any] = {}
        for key in SCHEMA_KEYS:
            if key in src:
                out[key] = self.ref(src[key]) if key == "$ref" else copy.deepcopy(src[key])
        if "properties" in src:
            out["properties"] = {name: self.schema(prop) for name, prop in src["properties"].items()}
        if "items" in src:
            out["items"] = self.schema(src["items"])
        if isinstance(src.get("additionalProperties"), dict):
            out["additionalProperties"] = self.schema(src["additionalProperties"])
        elif "additionalProperties" in src:
            out["additionalProperties"] = src["additionalProperties"]
        for key in ("allOf", "oneOf", "anyOf"):
            if key in src:
                out[key] = [self.schema(s) for s in src[key]]
        if "not" in src:
            out["not"] = self.schema(src["not"])
        return out

    def content(self, src: dict) -> dict:
        return {media: ({"schema": self.schema(m["schema"])} if "schema" in m else {}) for media, m in src.items()}

    def parameter(self, src: dict) -> dict:
        if "$ref" in src:
            return {"$ref": src["$ref"]}
        out = {"name": src["name"], "in": src["in"]}
        for key in ("required", "style", "explode", "deprecated"):
            if key in src:
                out[key] = src[key]
        if "schema" in src:
            out["schema"] = self.schema(src["schema"])
        return out

    def response(self, code: str, src: dict) -> dict:
        if "$ref" in src:
            return {"$ref": src["$ref"]}
        out: dict[str, Any] = {"description": describe(code)}
        if src.get("content"):
            out["content"] = self.content(src["content"])
        return out

    def operation(self, method: str, path: str, src: dict) -> dict:
        out: dict[str, Any] = {"operationId": src.get("operationId") or fallback_operation_id(method, path)}
        if src.get("tags"):
            out["tags"] = [tag.strip() for tag in src["tags"]]
        if src.get("parameters"):
            out["parameters"] = [self.parameter(p) for p in src["parameters"]]
        if "requestBody" in src:
            body = src["requestBody"]
            out["requestBody"] = {"content": self.content(body.get("content", {}))}
            if body.get("required"):
                out["requestBody"]["required"] = True
        out["responses"] = {code: self.response(code, r) for code, r in src["responses"].items()}
        if "security" in src:
            out["security"] = src["security"]
        return out


def describe(code: str) -> str:
    try:
        return http.HTTPStatus(int(code)).phrase
    except ValueError:
        return "Response"


def fallback_operation_id(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return method + "".join(w[:1].upper() + w[1:] for w in words)


def merge(family: str, sources: list[tuple[str, dict, str]]) -> dict:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": TITLES[family], "version": "2021-03"},
        "servers": [{"url": MOCK_SERVER}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    for filename, published, prefix in sources:
        copier = Copier(prefix)
        # Security schemes of merged documents may share a name for different kinds of credentials (every
        # security document calls its own "Public": HTTP basic for the token, a bearer token for the others): a
        # later one of another kind is renamed, and its operations name it. One of the same kind is one scheme.
        schemes = {}
        for name, scheme in published.get("components", {}).get("securitySchemes", {}).items():
            kept = {k: v for k, v in scheme.items() if k in ("type", "scheme", "bearerFormat", "in", "name")}
            earlier = doc["components"]["securitySchemes"].get(name)
            kind = lambda s: tuple(s.get(k) for k in ("type", "scheme", "in", "name"))  # noqa: E731
            if earlier is not None and kind(earlier) != kind(kept):
                schemes[name] = f"{prefix or 'Bearer'}{name}"
            doc["components"]["securitySchemes"][schemes.get(name, name)] = kept
        renamed = lambda requirements: [{schemes.get(k, k): v for k, v in r.items()}  # noqa: E731
                                        for r in requirements]
        for server in published.get("servers", []):
            if {"url": server["url"]} not in doc["servers"]:
                doc["servers"].append({"url": server["url"]})
        for path, item in published["paths"].items():
            target = doc["paths"].setdefault(path, {})
            if item.get("parameters"):
                target["parameters"] = [copier.parameter(p) for p in item["parameters"]]
        for path, _, method, operation in operations_in(published):
            doc["paths"][path][method] = copier.operation(method, path, operation)
            requirements = operation.get("security", published.get("security"))
            if schemes and requirements is not None:
                doc["paths"][path][method]["security"] = renamed(requirements)
        components = published.get("components", {})
        for name, schema in components.get("schemas", {}).items():
            doc["components"]["schemas"][prefix + name] = copier.schema(schema)
        for name, parameter in components.get("parameters", {}).items():
            doc["components"].setdefault("parameters", {})[name] = copier.parameter(parameter)
        for name, response in components.get("responses", {}).items():
            doc["components"].setdefault("responses", {})[name] = copier.response(name, response)
        if "security" in published and "security" not in doc:
            doc["security"] = renamed(published["security"])
    return doc


# --- the legacy family: Swagger 2.0 (v2.6) converted, and v1.2 on the v2.6 layout ----------------
LEGACY_SWAGGER = PUBLISHED.parent / "tmc-v2.6.reconstructed.swagger.json"
# /tmc/v1.2 has no published document; each operation takes the layout of its v2.6 counterpart
# (TMC-API-NOTES section 5: "bodies and records probably match v2.6").
V12_FROM_V26 = {
    ("get", "/executables"): ("get", "/executables/tasks"),
    ("get", "/executables/{id}"): ("get", "/executables/tasks/{taskId}"),
    ("post", "/executions"): ("post", "/executions"),
    ("get", "/executions/{id}"): ("get", "/executions/{id}"),
    ("delete", "/executions/{id}"): ("delete", "/executions/{id}"),
    ("get", "/executables/plans"): ("get", "/executables/plans"),
    ("get", "/executables/plans/{id}"): ("get", "/executables/plans/{planId}"),
    ("post", "/executions/plans"): ("post", "/executions/plans"),
    ("get", "/executions/plans/{id}"): ("get", "/executions/plans/{id}"),
    ("get", "/executables/promotions"): ("get", "/executables/promotions"),
    ("get", "/executables/promotions/{id}"): ("get", "/executables/promotions/{promotionId}"),
    ("post", "/executions/promotions"): ("post", "/executions/promotions"),
    ("get", "/executions/promotions/{id}"): ("get", "/executions/promotions/{executionId}"),
}
_SWAGGER_SCHEMA_KEYS = ("type", "format", "enum", "default", "minimum", "maximum", "items", "pattern",
                        "minLength", "maxLength")


def _swagger_parameter(copier: Copier, src: dict) -> dict:
    out = {"name": src["name"], "in": src["in"]}
    if src.get("required") or src["in"] == "path":
        out["required"] = True
    schema = {k: src[k] for k in _SWAGGER_SCHEMA_KEYS if k in src}
    out["schema"] = copier.schema(schema)
    return out


def _swagger_operation(copier: Copier, method: str, path: str, src: dict) -> dict:
    out: dict[str, Any] = {"operationId": src.get("operationId") or fallback_operation_id(method, path)}
    if src.get("tags"):
        out["tags"] = list(src["tags"])
    consumes = src.get("consumes") or ["application/json"]
    produces = src.get("produces") or ["application/json"]
    parameters, form = [], {}
    for parameter in src.get("parameters", []):
        if parameter["in"] == "body":
            body = {"content": {consumes[0]: {"schema": copier.schema(parameter.get("schema", {}))}}}
            if parameter.get("required"):
                body["required"] = True
            out["requestBody"] = body
        elif parameter["in"] == "formData":
            field = {"type": "string", "format": "binary"} if parameter.get("type") == "file" else \
                copier.schema({k: parameter[k] for k in _SWAGGER_SCHEMA_KEYS if k in parameter})
            form[parameter["name"]] = (field, parameter.get("required", False))
        else:
            parameters.append(_swagger_parameter(copier, parameter))
    if form:
        media = "multipart/form-data" if "multipart/form-data" in consumes else consumes[0]
        schema = {"type": "object", "properties": {name: f for name, (f, _) in form.items()}}
        required = [name for name, (_, req) in form.items() if req]
        if required:
            schema["required"] = required
        out["requestBody"] = {"content": {media: {"schema": schema}}}
    if parameters:
        out["parameters"] = parameters
    responses = {}
    for code, response in src["responses"].items():
        entry: dict[str, Any] = {"description": describe(code)}
        if "schema" in response:
            entry["content"] = {produces[0] if produces[0] != "*/*" else "application/json":
                                {"schema": copier.schema(response["schema"])}}
        responses[code] = entry
    out["responses"] = responses
    return out


def legacy_document() -> dict:
    import json
    swagger = json.loads(LEGACY_SWAGGER.read_text())
    copier = Copier("")
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "TMC legacy API (/tmc/v1.2 and /tmc/v2.x), as mocktmc serves it", "version": "2.6"},
        "servers": [{"url": MOCK_SERVER}, *({"url": f"https://api.{region}.cloud.talend.com"}
                                            for region in ("eu", "ap", "us", "au", "us-west"))],
        "paths": {},
        "components": {"schemas": {name: copier.schema(schema) for name, schema in swagger["definitions"].items()},
                       "securitySchemes": {"Public": {"type": "http", "scheme": "bearer"}}},
        "security": [{"Public": []}],
    }
    v26 = {}
    for path, _, method, source in operations_in(swagger):
        operation = _swagger_operation(copier, method, path, source)
        doc["paths"].setdefault(swagger["basePath"] + path, {})[method] = operation
        v26[(method, path)] = operation
    for (method, path), source in V12_FROM_V26.items():
        operation = copy.deepcopy(v26[source])
        operation["operationId"] = "v12" + operation["operationId"][:1].upper() + operation["operationId"][1:]
        operation["tags"] = ["v1.2"]
        names = re.findall(r"\{([^}]+)\}", path)
        operation["parameters"] = [p for p in operation.get("parameters", []) if p["in"] != "path"] + \
            [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in names]
        if not operation["parameters"]:
            del operation["parameters"]
        doc["paths"].setdefault("/tmc/v1.2" + path, {})[method] = operation
    return doc


# The one operation of the 2021-03 families that takes client credentials rather than a bearer token, and is
# not throttled like the others.
TOKEN_PATH = "/security/oauth/token"


# --- corrections --------------------------------------------------------------------------------
Correction = Callable[[str, dict], list[str]]
CORRECTIONS: list[tuple[str, Correction]] = []


def correction(text: str):
    def register(fn: Correction) -> Correction:
        CORRECTIONS.append((text, fn))
        return fn
    return register


def schemas_in(doc: dict):
    """Every schema object of a document with a readable location."""
    def walk(node: Any, where: str):
        if isinstance(node, dict):
            if "type" in node or "properties" in node or "$ref" in node or "enum" in node:
                yield where, node
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}/{i}")
    yield from walk(doc.get("components", {}), "#/components")
    yield from walk(doc.get("paths", {}), "#/paths")


@correction("History search enums whose values carry an explanation in parentheses keep only the leading token "
            "(FieldFilter.field, Execution.status, Execution.subStatus): clients send and receive bare tokens.")
def bare_enum_tokens(family: str, doc: dict) -> list[str]:
    changed = []
    for where, schema in schemas_in(doc):
        enum = schema.get("enum")
        if enum and any(isinstance(v, str) and "(" in v for v in enum):
            schema["enum"] = [re.match(r"\s*([A-Za-z0-9_]+)", v).group(1) if isinstance(v, str) else v for v in enum]
            changed.append(where)
    return changed


@correction("`pattern: \"UUID\"` (a regex matching the word UUID) becomes `format: uuid` (History search ids, "
            "requestId).")
def uuid_format(family: str, doc: dict) -> list[str]:
    changed = []
    for where, schema in schemas_in(doc):
        if schema.get("pattern") == "UUID":
            del schema["pattern"]
            schema["format"] = "uuid"
            changed.append(where)
    return changed


@correction("Execution logs, history search and observability metrics declare counters, sizes, indexes, "
            "statuses and epoch-millisecond times as `number` (some `int32`); they are integers, and the "
            "millisecond times need int64.")
def integers(family: str, doc: dict) -> list[str]:
    if family != "monitoring":
        return []
    changed = []
    for where, schema in schemas_in(doc):
        if schema.get("type") == "number":
            schema["type"] = "integer"
            if re.search(r"(Time|Ms|_seconds|_milliseconds)$", where):
                schema["format"] = "int64"
            elif schema.get("format") != "int32":
                schema.pop("format", None)
            changed.append(where)
    return changed


@correction("The filter `value` of history search and metrics queries accepts any JSON value (the published "
            "`type: object` contradicts every example: arrays, strings, numbers).")
def any_filter_value(family: str, doc: dict) -> list[str]:
    changed = []
    for name in ("HistoryFieldFilter", "MetricsComponentFieldFilter"):
        schema = doc["components"]["schemas"].get(name)
        if schema:
            schema["properties"]["value"] = {}
            changed.append(f"#/components/schemas/{name}/properties/value")
    return changed


@correction("`readOnly` is dropped from request-only schemas (EngineRequest, PipelineEngineRequest): clients must "
            "be able to send those fields.")
def request_fields_writable(family: str, doc: dict) -> list[str]:
    changed = []
    for name in ("EngineRequest", "PipelineEngineRequest"):
        for prop_name, prop in doc["components"]["schemas"].get(name, {}).get("properties", {}).items():
            if prop.pop("readOnly", None):
                changed.append(f"#/components/schemas/{name}/properties/{prop_name}")
    return changed


@correction("History search `Execution.version` is not required (plan runs have none).")
def history_records(family: str, doc: dict) -> list[str]:
    if family != "monitoring":
        return []
    execution = doc["components"]["schemas"]["HistoryExecution"]
    execution["required"] = [f for f in execution["required"] if f != "version"]
    return ["#/components/schemas/HistoryExecution/required"]


# Bounds stated only in prose: query parameter name -> (minimum, maximum, default).
QUERY_BOUNDS = {"limit": (1, 100, 100), "offset": (0, None, 0), "lastDays": (1, 60, 60), "count": (1, 200, 50),
                "startIndex": (0, None, 0)}
# Operations whose bounds differ, or that declare no 400 (there the mock clamps instead).
QUERY_BOUNDS_EXCEPTIONS = {("get", "/orchestration/projects"): None,
                           ("get", "/monitoring/observability/executions/{executionId}/component"):
                               {"limit": (1, 200, 50)}}
BODY_BOUNDS = {
    "TaskFiltersRequest": {"limit": (0, 100, None), "offset": (0, None, None)},
    "ScheduledEventsRequest": {"limit": (1, 100, 100), "offset": (0, None, 0)},
    "TaskExecutionsFilters": {"limit": (1, 100, 100), "offset": (0, None, 0), "lastDays": (1, 60, 60)},
    "HistorySearchRequest": {"limit": (1, 200, 50), "offset": (0, None, 0)},
    "HistoryDownloadRequest": {"limit": (1, 100000, 1000)},
    "MetricsComponentQueryRequest": {"limit": (1, 200, 50), "offset": (0, None, 0)},
    "Executabletask": {"timeout": (1, None, None)},
    "TaskRunConfig": {"timeout": (1, None, None)},
    "DETaskRunConfig": {"timeout": (1, None, None)},
}


def _bound(schema: dict, bounds: tuple) -> None:
    minimum, maximum, default = bounds
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if default is not None:
        schema["default"] = default


@correction("Paging bounds and minimums stated only in prose are encoded: query `limit` [1, 100] default 100, "
            "`offset` >= 0, `lastDays` [1, 60] default 60, logs `count` [1, 200] default 50 and `startIndex` "
            ">= 0; the same in request bodies (task search limit [0, 100], history search limit [1, 200], ...); "
            "run `timeout` >= 1. Not on `GET /orchestration/projects`, whose document has no 400 for paging: "
            "the mock clamps out-of-range values there.")
def paging_bounds(family: str, doc: dict) -> list[str]:
    changed = []
    for path, _, method, operation in operations_in(doc):
        key = (method, path)
        if key in QUERY_BOUNDS_EXCEPTIONS and QUERY_BOUNDS_EXCEPTIONS[key] is None:
            continue
        bounds = {**QUERY_BOUNDS, **(QUERY_BOUNDS_EXCEPTIONS.get(key) or {})}
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and parameter.get("name") in bounds and "schema" in parameter:
                _bound(parameter["schema"], bounds[parameter["name"]])
                changed.append(f"{method.upper()} {path} ?{parameter['name']}")
    for name, fields in BODY_BOUNDS.items():
        schema = doc["components"]["schemas"].get(name)
        for field, bounds in (fields.items() if schema else ()):
            if field in schema.get("properties", {}):
                _bound(schema["properties"][field], bounds)
                changed.append(f"#/components/schemas/{name}/properties/{field}")
    return changed


@correction("The token endpoint also takes `application/x-www-form-urlencoded` (what OAuth clients send), "
            "declares 400 for a malformed request, and its errors carry a JSON error body.")
def token_endpoint(family: str, doc: dict) -> list[str]:
    if family != "security":
        return []
    doc["components"]["schemas"]["ErrorResponse"] = {
        "type": "object", "required": ["status"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                       "detail": {"type": "string"}, "requestId": {"type": "string"}}}
    operation = doc["paths"]["/security/oauth/token"]["post"]
    media = operation["requestBody"]["content"]
    media["application/x-www-form-urlencoded"] = copy.deepcopy(media["application/json"])
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for code in ("400", "401", "403", "415", "500"):
        operation["responses"].setdefault(code, {"description": describe(code)})["content"] = copy.deepcopy(error)
    return ["POST /security/oauth/token"]


def _declare_error(doc: dict, operation: dict, code: str) -> None:
    """Declare an error status on an operation, with the operation's own error body."""
    operation["responses"][code] = {"description": describe(code), "content": _error_content(doc, operation)}


def _error_content(doc: dict, operation: dict) -> dict:
    """The error body an operation already declares (each merged document has its own), else the family's."""
    for code, response in operation["responses"].items():
        if code[0] in "45" and "content" in response:
            return copy.deepcopy(response["content"])
    name = next(n for n in doc["components"]["schemas"] if n.endswith("ErrorResponse"))
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


@correction("Error statuses the service answers but some operations leave out are declared, with the "
            "operation's own error body: 401 on every authenticated operation, 400 on operations with parameters "
            "or a body, 404 on operations with path parameters, 415 on operations that take a body.")
def undeclared_errors(family: str, doc: dict) -> list[str]:
    changed = []
    for path, item, method, operation in operations_in(doc):
        wanted = []
        if path != TOKEN_PATH:
            wanted.append("401")
        if operation.get("parameters") or item.get("parameters") or "requestBody" in operation:
            wanted.append("400")
        if "{" in path:
            wanted.append("404")
        if operation.get("requestBody", {}).get("content"):
            wanted.append("415")
        for code in wanted:
            if code not in operation["responses"]:
                _declare_error(doc, operation, code)
                changed.append(f"{method.upper()} {path} {code}")
    return changed


@correction("Additions beyond the published documents: `GET /processing/executables/tasks`, which real clients "
            "call although Processing does not publish it, answers like the Orchestration task list "
            "(`PageTask` of `TaskExtract`); `TaskExtract` declares `id`, sent with the value of `executable` "
            "for clients that read `id`.")
def task_list_alias(family: str, doc: dict) -> list[str]:
    import json
    if family not in ("orchestration", "processing"):
        return []
    if family == "orchestration":
        doc["components"]["schemas"]["TaskExtract"]["properties"]["id"] = {"type": "string"}
        return ["#/components/schemas/TaskExtract/properties/id"]
    orchestration = merge("orchestration", [("orchestration.json",
                                             json.loads((PUBLISHED / "orchestration.json").read_text()), "")])
    task_list = orchestration["paths"]["/orchestration/executables/tasks"]["get"]
    task_list["operationId"] = "getAvailableTasksProcessingAlias"
    doc["paths"]["/processing/executables/tasks"] = {"get": task_list}
    for name in ("PageTask", "TaskExtract"):
        doc["components"]["schemas"][name] = orchestration["components"]["schemas"][name]
    doc["components"]["schemas"]["TaskExtract"]["properties"]["id"] = {"type": "string"}
    return ["GET /processing/executables/tasks"]


@correction("Addition beyond the published documents: `GET /monitoring/executions/{id}/log`, the path Talend's own "
            "API overview gives for a run's log, answers as `GET /monitoring/executions/{id}/logs`.")
def singular_log_alias(family: str, doc: dict) -> list[str]:
    import copy
    if family != "monitoring":
        return []
    logs = copy.deepcopy(doc["paths"]["/monitoring/executions/{id}/logs"])
    logs["get"]["operationId"] = "getExecutionLogsSingularAlias"
    doc["paths"]["/monitoring/executions/{id}/log"] = {key: value for key, value in logs.items()
                                                       if key in ("get", "parameters")}
    return ["GET /monitoring/executions/{id}/log"]


# Paths that sit under a creation path but whose parameter is not what it created: v2.6's
# POST /executions/promotions/{id} analyses the promotion {id}, it does not read an execution.
LINK_EXCLUDED = {"performPromotionAnalysis"}


@correction("The scheduled-runs search takes `from` and `to` as epoch milliseconds in a number or a string of "
            "digits: Talend's own example sends `\"to\": \"1672531199000\"`.")
def numeric_string_times(family: str, doc: dict) -> list[str]:
    schema = doc["components"]["schemas"].get("ScheduledEventsRequest")
    if schema is None:
        return []
    for name in ("from", "to"):
        schema["properties"][name] = {"anyOf": [{"type": "integer", "format": "int64"},
                                                {"type": "string", "pattern": "^[0-9]{1,15}$"}]}
    return ["#/components/schemas/ScheduledEventsRequest/properties/from",
            "#/components/schemas/ScheduledEventsRequest/properties/to"]


@correction("The log download `fileFormat` takes either case (the description names `json` and `text`, the enum "
            "JSON and TEXT).")
def file_format_case(family: str, doc: dict) -> list[str]:
    operation = doc["paths"].get("/monitoring/executions/{id}/logs", {}).get("post")
    if operation is None:
        return []
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "fileFormat":
            parameter["schema"]["enum"] = ["JSON", "TEXT", "json", "text"]
            return ["POST /monitoring/executions/{id}/logs ?fileFormat"]
    return []


@correction("The component metrics search declares its published rate limit: 429 past 5 queries a minute.")
def metrics_rate_limit(family: str, doc: dict) -> list[str]:
    operation = doc["paths"].get("/monitoring/observability/metrics/component", {}).get("post")
    if operation is None:
        return []
    _declare_error(doc, operation, "429")
    return ["POST /monitoring/observability/metrics/component 429"]


def _id_field(doc: dict, operation: dict) -> tuple[str, str] | None:
    """(status, property) of a creation answer carrying the new resource's id, if any."""
    for status in ("201", "200"):
        schema = operation["responses"].get(status, {}).get("content", {}).get("application/json", {}).get("schema")
        while schema and "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        for name in ("executionId", "id"):
            if schema and name in schema.get("properties", {}):
                return status, name
    return None


@correction("Legacy: two path templates of the same hierarchy (OpenAPI forbids them) are one path: "
            "`GET /tmc/v2.6/executions/promotions/{executionId}` is written `{id}`, like the promotion analysis "
            "`POST` on the same path.")
def legacy_one_promotion_run_path(family: str, doc: dict) -> list[str]:
    old, new = "/tmc/v2.6/executions/promotions/{executionId}", "/tmc/v2.6/executions/promotions/{id}"
    if family != "legacy" or old not in doc["paths"]:
        return []
    item = doc["paths"].pop(old)
    for operation in item.values():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == "executionId":
                parameter["name"] = "id"
    doc["paths"][new] = {**doc["paths"].get(new, {}), **item}
    return [f"{old} -> {new}"]


@correction("Legacy: a promoted artifact's `version` is a string (`ArtifactPromotionResult.version`, as in "
            "2021-03): artifact versions read like `0.1.0.20240212083000`. A plan's run configuration does not "
            "require `runtime` (`PlanRunConfig`): a plan runs each step on its task's runtime. A task run's "
            "record does not require `startTimestamp` (`JobExecutionStatus`, `JobExecutionStatusV21`, "
            "`TaskExecutionStatusV21`, `TaskExecutionStatusV26`, as in 2021-03): a run waiting for its engine "
            "has not started.")
def legacy_promotion_plan_and_run_fields(family: str, doc: dict) -> list[str]:
    schemas = doc["components"]["schemas"]
    if family != "legacy":
        return []
    schemas["ArtifactPromotionResult"]["properties"]["version"] = {"type": "string"}
    optional = {"PlanRunConfig": "runtime", **{name: "startTimestamp" for name in (
        "JobExecutionStatus", "JobExecutionStatusV21", "TaskExecutionStatusV21", "TaskExecutionStatusV26")}}
    for name, field in optional.items():
        schemas[name]["required"] = [required for required in schemas[name]["required"] if required != field]
    return ["ArtifactPromotionResult.version", *(f"{name}.required" for name in optional)]


@correction("Legacy: error bodies are JSON. The Swagger conversion gave every response its operation's media "
            "type, so some `ErrorResponse` bodies read `text/plain` (`DELETE /tmc/v2.6/executions/{id}`, the "
            "engine unpairings); the service sends errors as `application/json`.")
def legacy_json_errors(family: str, doc: dict) -> list[str]:
    changed = []
    for path, _, method, operation in operations_in(doc):
        for code, response in operation["responses"].items():
            content = response.get("content") or {}
            if family == "legacy" and code[0] in "45" and content and "application/json" not in content:
                response["content"] = {"application/json": next(iter(content.values()))}
                changed.append(f"{method.upper()} {path} {code}")
    return changed


# Where the observed service differs from its documents (mocktmc/quirks.py), the contract admits both: the
# mock answers either way (--fidelity), and the contract kit's quirk checks tell which way a target goes.
TERMINATE_PATHS = ("/processing/executions/{executionId}", "/tmc/v2.6/executions/{id}", "/tmc/v1.2/executions/{id}")
V1_LISTS = ("/tmc/v1.2/executables", "/tmc/v1.2/executables/plans")


@correction("The observed service (`mocktmc quirks`): the token's `expires_in` is a number of seconds or (as "
            "published) a numeric string; terminating a run declares 406 (it produces `text/plain`, so an "
            "`Accept` of only JSON is refused); the `/tmc/v1.2` task and plan lists are a bare array or (as "
            "reconstructed) a page; every operation declares 429, since the service throttles every endpoint.")
def observed_service(family: str, doc: dict) -> list[str]:
    changed = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        if "expires_in" in schema.get("properties", {}):
            schema["properties"]["expires_in"] = {"oneOf": [{"type": "integer", "minimum": 0},
                                                            {"type": "string", "pattern": "^[0-9]+$"}]}
            changed.append(f"#/components/schemas/{name}/properties/expires_in")
    for path, _, method, operation in operations_in(doc):
        responses = operation["responses"]
        if method == "delete" and path in TERMINATE_PATHS:
            _declare_error(doc, operation, "406")
            changed.append(f"DELETE {path} 406")
        if method == "get" and path in V1_LISTS:
            page = responses["200"]["content"]["application/json"]["schema"]
            responses["200"]["content"]["application/json"]["schema"] = {
                "oneOf": [{"type": "array", "items": {"type": "object"}}, page]}
            changed.append(f"GET {path} 200")
        if path != TOKEN_PATH and "429" not in responses:
            _declare_error(doc, operation, "429")
            changed.append(f"{method.upper()} {path} 429")
    return changed


@correction("A run configuration's `Trigger` requires only `type`: a MANUAL or WEBHOOK trigger may leave out "
            "`startDate` and `timeZone` (a public v2.6 client sends `{\"trigger\": {\"type\": \"MANUAL\"}}`; "
            "TMC-API-NOTES 10.4); the mock fills in today and UTC, and asks for them on the types that recur.")
def trigger_type_only(family: str, doc: dict) -> list[str]:
    schema = doc.get("components", {}).get("schemas", {}).get("Trigger")
    if schema is None or not {"startDate", "timeZone"} <= set(schema.get("required", [])):
        return []
    schema["required"] = [field for field in schema["required"] if field not in ("startDate", "timeZone")]
    return ["#/components/schemas/Trigger/required"]


@correction("Legacy: starting a run of a paused task answers 405, as `POST /tmc/v2.6/executions/plans` already "
            "declares for plans: `POST /tmc/v2.6/executions` and `POST /tmc/v1.2/executions` declare it too.")
def legacy_paused_task(family: str, doc: dict) -> list[str]:
    changed = []
    for path in ("/tmc/v2.6/executions", "/tmc/v1.2/executions"):
        operation = doc["paths"].get(path, {}).get("post")
        if family == "legacy" and operation is not None and "405" not in operation["responses"]:
            _declare_error(doc, operation, "405")
            changed.append(f"POST {path} 405")
    return changed


@correction("Additions: OpenAPI `links` from every operation that creates or starts something (a POST answering "
            "an id or executionId) to the operations on what it created (the paths under `{path}/{param}` that "
            "need no other path parameter), so that stateful tests can chain create -> get/update/delete and "
            "execute -> status/terminate.")
def links(family: str, doc: dict) -> list[str]:
    changed = []
    for path, item in doc["paths"].items():
        operation = item.get("post")
        found = _id_field(doc, operation) if operation else None
        if found is None:
            continue
        status, field = found
        targets = {}
        for other_path, _, _, other in operations_in(doc):
            match = re.fullmatch(re.escape(path) + r"/\{([^}/]+)\}(/[^{}]*)?", other_path)
            if match and other["operationId"] not in LINK_EXCLUDED:
                targets[other["operationId"]] = {"operationId": other["operationId"],
                                                 "parameters": {match.group(1): f"$response.body#/{field}"}}
        if targets:
            operation["responses"][status]["links"] = targets
            changed.append(f"POST {path} -> {', '.join(targets)}")
    return changed


@correction("Workspace permissions, service accounts, the subscription and the audit log: every error response "
            "declares the JSON error body the service sends (several publish none, `401 {}`), and the audit log's "
            "list is `application/json` as well as the published `*/*`.")
def security_json_bodies(family: str, doc: dict) -> list[str]:
    changed: list[str] = []
    if family != "security":
        return changed
    for path, _, method, operation in operations_in(doc):
        if path == TOKEN_PATH:
            continue
        for code, response in operation["responses"].items():
            content = response.get("content") or {}
            if code[0] in "45" and not content:
                response["content"] = _error_content(doc, operation)
                changed.append(f"{method.upper()} {path} {code}")
            elif "*/*" in content and "application/json" not in content:
                content["application/json"] = copy.deepcopy(content["*/*"])
                changed.append(f"{method.upper()} {path} {code} application/json")
    return changed


@correction("Workspace permissions declare their token as an `apiKey` in the `Authorization` header, whose "
            "value is `Bearer <token>`: it is the HTTP bearer scheme the other security documents declare.")
def bearer_api_key(family: str, doc: dict) -> list[str]:
    changed = []
    for name, scheme in doc.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name") == "Authorization":
            doc["components"]["securitySchemes"][name] = {"type": "http", "scheme": "bearer"}
            changed.append(f"#/components/securitySchemes/{name}")
    return changed


def apply_corrections(family: str, doc: dict) -> dict[str, list[str]]:
    return {text: fn(family, doc) for text, fn in CORRECTIONS}


# --- output ---------------------------------------------------------------------------------------
def derive(family: str) -> tuple[dict, dict[str, list[str]]]:
    import json
    if family == "legacy":
        doc = legacy_document()
    else:
        sources = [(f, json.loads((PUBLISHED / f).read_text()), prefix) for f, prefix in FAMILIES[family]]
        doc = merge(family, sources)
    return doc, apply_corrections(family, doc)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # write every schema out in full: no YAML anchors
        return True


def render() -> dict[str, str]:
    """Every generated file of contracts/ (name -> text)."""
    files, tally = {}, {text: 0 for text, _ in CORRECTIONS}
    for family in [*FAMILIES, "legacy"]:
        doc, applied = derive(family)
        for text, places in applied.items():
            tally[text] += len(places)
        source = "the reconstructed v2.6 Swagger document" if family == "legacy" else "Talend's published 2021-03 documents"
        header = (f"# mocktmc contract: {family} (derived by tools/derive_contracts.py from {source}:\n"
                  f"# structure only, corrections listed in contracts/README.md). Do not edit.\n")
        files[f"{family}.yaml"] = header + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120,
                                                     allow_unicode=True)
    lines = ["# Contracts", "",
             "OpenAPI 3.0 documents of the API families mocktmc serves. The 2021-03 families (`orchestration`,",
             "`processing`, `monitoring`, `security`) are derived by `tools/derive_contracts.py` (`make contracts`)",
             "from Talend's published documents: paths, parameters, bodies, schemas, enums and status codes, without",
             "their prose, examples or extensions. `tests/test_contracts_drift.py` checks them against the published",
             "documents whenever `../shared/reference` is present.", "",
             "## Corrections to the published documents", "",
             "Applied by the script, one function each; the number of places each one changed is in brackets.", ""]
    lines += [f"{i}. {text} [{tally[text]}]" for i, (text, _) in enumerate(CORRECTIONS, start=1)]
    lines += ["", "`legacy.yaml` converts the reconstructed `/tmc/v2.6` Swagger 2.0 document to OpenAPI 3.0 (bodies and",
              "form fields become request bodies, response schemas take the operation's media type). `/tmc/v1.2` has",
              "no published document: each of its 13 operations takes the layout of its v2.6 counterpart, an",
              "inference (TMC-API-NOTES section 5). The mock serves the v2.6 paths under `/tmc/v2.2` to `/tmc/v2.6`,",
              "and the v1.2 paths under `/tmc/v1.3` too (quirk `legacy_v1_bare_arrays`).",
              "", "The monitoring contract merges three published documents; their schema names carry the prefix",
              "`Logs`, `History` or `Metrics` so that their different `ErrorResponse` (and other) schemas stay apart.",
              "The mock's own URL is the first server of every document.", "",
              "## The contract kit", "",
              "The `test_*.py` files here, with `conftest.py` and `pytest.ini`, are the contract kit: suites that",
              "check any TMC target against these documents (`mocktmc contract`, or `pytest contracts/` in a",
              "checkout; see the main README). They ship in the package next to the documents they check, and stand",
              "on `mocktmc.kit` (the target, the named checks, the report).", ""]
    files["README.md"] = "\n".join(lines)
    return files


def main() -> int:
    if not PUBLISHED.is_dir():
        print(f"published documents not found at {PUBLISHED}", file=sys.stderr)
        return 1
    for name, text in render().items():
        (OUT / name).write_text(text)
        print(f"wrote contracts/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
