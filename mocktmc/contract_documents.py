"""The contract documents shipped with the package (mocktmc.contracts), read and parsed once per process."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Iterator

import yaml

CONTRACTS = ("orchestration", "processing", "monitoring", "security", "legacy", "control")
# The families of the TMC API itself (the control plane is mocktmc's own).
TMC_CONTRACTS = CONTRACTS[:-1]
METHODS = ("get", "put", "post", "delete", "patch")


@lru_cache(maxsize=None)
def contract_text(family: str) -> str:
    """A contract's YAML text, from the installed package (so no checkout is needed)."""
    return resources.files("mocktmc.contracts").joinpath(f"{family}.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def contract(family: str) -> dict:
    """A contract document as data."""
    return yaml.load(contract_text(family), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=None)
def contract_json(family: str) -> str:
    return json.dumps(contract(family), indent=1)


def operations_in(doc: dict) -> Iterator[tuple[str, dict, str, dict]]:
    """(path, path item, method, operation) for every operation of an OpenAPI or Swagger document."""
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, item, method, item[method]
