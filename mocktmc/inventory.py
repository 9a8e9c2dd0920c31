"""The published operations mocktmc answers, and which of them it simulates.

The operations are those of the contracts (contracts/*.yaml). A request the app's own routes do
not take but that names a contract operation answers 501 with a TMC error body. `mocktmc routes`
prints OPERATIONS.md, generated from the contracts and the app's routes, so it cannot drift.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule

from .contract_documents import LEGACY_VERSIONS, TMC_CONTRACTS, contract, operations_in

# Marks a 501 that means "mocktmc does not simulate this operation yet" (not a TMC answer).
NOT_IMPLEMENTED_HEADER = "X-Mocktmc-Not-Implemented"
FAMILY_ORDER = ("orchestration", "processing", "monitoring", "security", "legacy-v2", "legacy-v1.2")


@dataclass(frozen=True)
class Operation:
    family: str
    method: str
    path: str
    operation_id: str

    @property
    def rule(self) -> str:
        return flask_rule(self.path)

    @property
    def sample_path(self) -> str:
        return re.sub(r"\{[^}]+\}", "x", self.path)


def flask_rule(path: str) -> str:
    """A contract path as a Flask URL rule: {param} -> <param>; /tmc/v2.6 paths match every v2.x prefix, and
    /tmc/v1.2 paths v1.2 and v1.3."""
    rule = re.sub(r"\{([^}]+)\}", r"<\1>", path)
    for prefix, versions in LEGACY_VERSIONS.items():
        if rule.startswith(prefix):
            listed = ", ".join(f'"{v}"' for v in versions)
            rule = rule.replace(prefix, f"/tmc/<any({listed}):legacyVersion>/", 1)
    return rule


def _family(contract_name: str, path: str) -> str:
    if contract_name != "legacy":
        return contract_name
    return "legacy-v1.2" if path.startswith("/tmc/v1.2/") else "legacy-v2"


@lru_cache(maxsize=1)
def operations() -> tuple[Operation, ...]:
    """Every operation of the TMC contracts, family by family in contract order."""
    found = [Operation(_family(name, path), method.upper(), path, operation["operationId"])
             for name in TMC_CONTRACTS for path, _, method, operation in operations_in(contract(name))]
    return tuple(sorted(found, key=lambda op: FAMILY_ORDER.index(op.family)))


@lru_cache(maxsize=1)
def _published_map() -> Map:
    """Every published operation as a URL rule; compiled once per process and never changed."""
    return Map([Rule(op.rule, endpoint=index, methods=[op.method]) for index, op in enumerate(operations())])


@lru_cache(maxsize=1)
def _templates() -> tuple[tuple[re.Pattern, int, frozenset[str]], ...]:
    """(pattern, number of parameters, methods) of every published path template."""
    methods: dict[str, set[str]] = {}
    for op in operations():
        methods.setdefault(op.path, set()).add(op.method)
    compiled = []
    for template, found in methods.items():
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        if template.startswith("/tmc/v2.6/"):
            pattern = pattern.replace(re.escape("/tmc/v2.6/"), r"/tmc/v2\.[2-6]/", 1)
        elif template.startswith("/tmc/v1.2/"):
            pattern = pattern.replace(re.escape("/tmc/v1.2/"), r"/tmc/v1\.[23]/", 1)
        compiled.append((re.compile(pattern + "$"), template.count("{"), frozenset(found)))
    return tuple(compiled)


def published_methods(path: str) -> frozenset[str]:
    """The methods published for a path, from its most specific template (literal segments win)."""
    matches = [(params, found) for pattern, params, found in _templates() if pattern.match(path)]
    if not matches:
        return frozenset()
    fewest = min(params for params, _ in matches)
    return frozenset().union(*(found for params, found in matches if params == fewest))


def published_route(path: str, method: str) -> tuple[Operation | None, frozenset[str]]:
    """The published operation a request names, else the methods published for its path (if any)."""
    try:
        index, _ = _published_map().bind("mocktmc.local").match(path, method=method)
    except MethodNotAllowed:
        return None, published_methods(path)
    except HTTPException:  # not found, or a slash redirect: not a published path
        return None, frozenset()
    return operations()[index], frozenset()


def is_implemented(url_map: Map, operation: Operation) -> bool:
    """True when the app routes this operation to a handler of its own."""
    try:
        url_map.bind("mocktmc.local").match(operation.sample_path, method=operation.method)
    except HTTPException:
        return False
    return True


def coverage(url_map: Map) -> list[tuple[Operation, bool]]:
    return [(op, is_implemented(url_map, op)) for op in operations()]


def summary_table(url_map: Map) -> str:
    """Per family: how many operations are simulated and how many answer 501."""
    rows = coverage(url_map)
    lines = ["| family | implemented | answered 501 |", "|---|---:|---:|"]
    for family in FAMILY_ORDER:
        done = sum(1 for op, ok in rows if op.family == family and ok)
        total = sum(1 for op, _ in rows if op.family == family)
        lines.append(f"| {family} | {done} | {total - done} |")
    done = sum(1 for _, ok in rows if ok)
    lines.append(f"| **all** | **{done}** | **{len(rows) - done}** |")
    return "\n".join(lines) + "\n"


def full_table(url_map: Map) -> str:
    """Every operation with its state."""
    lines = ["| family | method | path | operationId | state |", "|---|---|---|---|---|"]
    lines += [f"| {op.family} | {op.method} | `{op.path}` | {op.operation_id} | "
              f"{'implemented' if ok else '501 not implemented'} |" for op, ok in coverage(url_map)]
    return "\n".join(lines) + "\n"


def operations_document(url_map: Map) -> str:
    """OPERATIONS.md: what `mocktmc routes` prints and `make tables` writes."""
    return ("# Operations\n\nEvery operation of the TMC contracts (`contracts/*.yaml`) with its state in mocktmc, "
            "generated from the contracts and the app's routes (`mocktmc routes`; `make tables` writes this file). "
            "Operations not simulated yet answer 501 with a TMC error body and the header "
            f"`{NOT_IMPLEMENTED_HEADER}`.\n\n{summary_table(url_map)}\n{full_table(url_map)}")
