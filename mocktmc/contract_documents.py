"""The contract documents shipped with the package (mocktmc.contracts), read and parsed once per process."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Iterator

import yaml

CONTRACTS = ("orchestration", "processing", "monitoring", "security", "legacy", "control")
# The families of the TMC API itself (the control plane is mocktmc's own).
TMC_CONTRACTS = CONTRACTS[:-1]
METHODS = ("get", "put", "post", "delete", "patch")
# Legacy v2.x clients use v2.2 to v2.6 interchangeably for the same layout; v1.x clients v1.2 and v1.3
# (v1.3 only while the quirk legacy_v1_bare_arrays is in effect: the route checks it).
LEGACY_VERSIONS = {"/tmc/v2.6/": ("v2.2", "v2.3", "v2.4", "v2.5", "v2.6"), "/tmc/v1.2/": ("v1.2", "v1.3")}
_LEGACY_ALIAS = re.compile(r"^/tmc/(?:(v2\.[2-5])|(v1\.3))/")
_LEGACY_VERSION = re.compile(r"<any\([^)]*\):legacyVersion>")
_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def legacy_contract_path(path: str) -> str:
    """A request path with its legacy version as the legacy contract writes it (v2.x -> v2.6, v1.x -> v1.2)."""
    return _LEGACY_ALIAS.sub(lambda m: "/tmc/v2.6/" if m.group(1) else "/tmc/v1.2/", path, count=1)


@lru_cache(maxsize=None)  # one entry per URL rule: asked on every request the checks see
def rule_template(rule: str) -> str:
    """A Flask rule as the contract's path template: <taskId> -> {taskId}; any v2.x -> v2.6, any v1.x -> v1.2."""
    return _RULE_VARIABLE.sub(r"{\1}", _LEGACY_VERSION.sub(lambda m: "v1.2" if '"v1.' in m.group(0) else "v2.6", rule))


@lru_cache(maxsize=None)
def contract_text(family: str) -> str:
    """A contract's YAML text, from the installed package (so no checkout is needed)."""
    return resources.files("mocktmc.contracts").joinpath(f"{family}.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def contract(family: str) -> dict:
    """A contract document as data."""
    return yaml.load(contract_text(family), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def operation_label(method: str, path: str) -> str:
    """An operation as the kit's summary, reports and options name it: 'GET /orchestration/workspaces'."""
    return f"{method.upper()} {path}"


@lru_cache(maxsize=None)
def operation_labels(family: str) -> frozenset[str]:
    """The labels (operation_label) of every operation of a family's contract."""
    return frozenset(operation_label(method, path) for path, _, method, _ in operations_in(contract(family)))


@lru_cache(maxsize=None)
def contract_json(family: str) -> str:
    return json.dumps(contract(family), indent=1)


def operations_in(doc: dict) -> Iterator[tuple[str, dict, str, dict]]:
    """(path, path item, method, operation) for every operation of an OpenAPI or Swagger document."""
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, item, method, item[method]


def resolve(doc: dict, node: dict) -> dict:
    """A node of a document with its local $ref followed (#/components/...), until it is not a reference."""
    while "$ref" in node:
        section, _, name = node["$ref"].removeprefix("#/components/").partition("/")
        node = doc["components"][section][name]
    return node
