"""Schemathesis over the contracts, on any target: which operations run where, how each case is sent,
and how every check schemathesis makes is recorded under its own name.

Exemptions are data (EXEMPTIONS, `operations_for`): each one is recorded in the run's report with its
reason, so none is silent.
"""
from __future__ import annotations

import copy
import shlex
from typing import Any
from weakref import WeakKeyDictionary

import pytest
import schemathesis
from schemathesis.checks import CheckResult
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import negated_parameters
from schemathesis.openapi.checks import AuthScenario, IgnoredAuth

from ..contract_documents import contract, operation_label, operations_in
from ..inventory import NOT_IMPLEMENTED_HEADER
from .command import PHASES
from .report import RECORD
from .target import Target, current_target

# positive_data_acceptance: schema-valid data may still be refused. TMC enforces rules a schema cannot
# state (names must not be empty, a workspaceId must name a workspace that exists, trigger fields must be
# coherent, a promotion's environments must differ), and an id drawn at random names nothing (404).
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "413", "422", "429"]
EXEMPTIONS = [
    ("positive_data_acceptance accepts 400, 403, 404, 409, 413, 422, 429",
     "schema-valid data can break rules a schema cannot state (existing references, unique names, coherent "
     "triggers), and random ids name nothing"),
    ("undeclared query parameters are not generated",
     "TMC ignores parameters it does not know instead of refusing them; the contracts do not say otherwise"),
]
# What schemathesis' ignored_auth check sends as invalid bearer credentials (schemathesis/specs/openapi/
# _auth_retry.py): a syntactically valid bearer token no server issued.
INVALID_BEARER = "Bearer SCHEMATHESIS-INVALID-VALUE"
# POST operations that only read (searches; a log download request, which prepares a file and changes
# nothing else; the token endpoint), so a read-only run may send them to a real account.
READING_POSTS = {
    "/orchestration/executables/events/search", "/orchestration/executables/tasks/search",
    "/processing/executables/tasks/executions", "/processing/run-profiles/search",
    "/monitoring/observability/executions/search", "/monitoring/observability/metrics/component",
    "/monitoring/executions/{id}/logs", "/security/oauth/token",
}


def config(read_only: bool, checks_auth: bool = True, phases: tuple[str, ...] = PHASES) -> SchemathesisConfig:
    settings: dict[str, Any] = {
        "generation": {"mode": "all", "allow-extra-parameters": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "phases": {name: {"enabled": name in phases} for name in PHASES},
    }
    if not checks_auth:
        settings["checks"]["ignored_auth"] = {"enabled": False}
    if read_only:
        # The coverage phase also sends each path the methods its contract lacks (PUT, DELETE, PATCH, ...)
        # to see them refused: on a real account those are writes, so a read-only run sends none.
        settings["phases"]["coverage"]["unexpected-methods"] = []
    return SchemathesisConfig.from_dict(settings)


def named(ctx: Any) -> bool:
    """Whether --operation names this operation (or names none, and so every operation is checked)."""
    only = current_target().options.operations
    return not only or operation_label(ctx.operation.method, ctx.operation.path) in only


def reads(method: str, path: str) -> bool:
    return method.lower() == "get" or (method.lower() == "post" and path in READING_POSTS)


def operations_for(target: Target, family: str) -> list[tuple[str, str]]:
    """(method, path) of the family's operations schemathesis may send to this target.

    A mock takes everything. A real account takes reads only: generated bodies cannot be confined to a
    sandbox workspace (a generated POST /orchestration/environments creates an environment), so writes
    there are left to the suites that create only in the sandbox and clean up."""
    chosen = []
    for path, _, method, _ in operations_in(contract(family)):
        if target.kind == "tmc" and not reads(method, path):
            RECORD.leave_out(family, operation_label(method, path),
                             "schemathesis sends no writes to a real TMC (the lifecycle, CRUD and schedule "
                             "suites write inside the sandbox workspace instead)")
            continue
        chosen.append((method, path))
    return chosen


# Per target (held weakly, so that a later target given a collected one's id starts afresh), per family.
_SENDABLE: WeakKeyDictionary[Target, dict[str, frozenset[str]]] = WeakKeyDictionary()


def sendable(target: Target, family: str) -> frozenset[str]:
    """The labels of the family's operations schemathesis may send to this target (worked out once)."""
    known = _SENDABLE.setdefault(target, {})
    if family not in known:
        known[family] = frozenset(operation_label(method, path) for method, path in operations_for(target, family))
    return known[family]


def load(target: Target, family: str) -> Any:
    """The family's contract as a schemathesis schema, aimed at the target, recording every check result."""
    # A copy: schemathesis changes the document it is given (it resolves references in place), and the one
    # contract() returns is shared by everything in this process that reads the contract (the mock's checks).
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(contract(family)), config=config(
        read_only=target.kind == "tmc", checks_auth=target.enforces_auth, phases=target.options.phases))
    if target.mock is not None:
        # In process, schemathesis calls the app itself, so that its own probes (a request without the
        # credentials, say) reach the same mock as every other request.
        loaded.app = target.mock.app
    allowed = sendable(target, family)
    # Filters the stateful machine; the pytest runs see every operation and skip the others (send_and_check).
    schema = loaded.include(func=lambda ctx: operation_label(ctx.operation.method, ctx.operation.path) in allowed)

    @schema.hook
    def after_validate(context, case, response, results: list[CheckResult]) -> None:
        label = operation_label(case.operation.method, case.operation.path)
        # schemathesis timed the call itself (over HTTP, or the app's call in process): kept for the report.
        RECORD.answered(family, response.elapsed)
        for result in results:
            if result.failure is None:
                RECORD.passed(family, result.name, label)
            else:
                RECORD.failed(family, result.name, label, _failure_text(result.failure),
                              _curl(target, case, response, result.failure))

    for what, why in EXEMPTIONS:
        RECORD.exempt(what, why)
    if not target.enforces_auth:
        RECORD.exempt("ignored_auth (requests without valid credentials are refused) is not checked",
                      "the target is a mocktmc server in auth mode 'open', which takes any token by design; "
                      "serve it with --auth strict or --auth isolated to check authentication")
    if target.kind == "tmc":
        RECORD.exempt("unsupported methods are not sent to a real TMC",
                      "sending a path a method its contract lacks is a write when the method is PUT or DELETE")
    return schema


def _failure_text(failure: Failure) -> str:
    text = f"{failure.title}: {failure.message}".strip()
    return text if len(text) < 1500 else text[:1500] + "..."


def _curl(target: Target, case: Any, response: Any, failure: Failure | None = None) -> str | None:
    """The curl command of the request that failed. For ignored_auth that is schemathesis' probe, not the case:
    sent without credentials, or with invalid ones, or with the ones the case generated; shown as sent, so that
    it fails again. Otherwise the request carried the kit's token, which the command reads from $TMC_TOKEN."""
    scenario = getattr(failure, "scenario", None) if isinstance(failure, IgnoredAuth) else None
    generated = {k: v for k, v in (case.headers or {}).items() if k.lower() == "authorization"}
    sent: dict[str, str]
    shown: str | None
    if scenario == AuthScenario.NO_AUTH:
        sent, shown = {}, None
    elif scenario == AuthScenario.INVALID_AUTH:
        sent, shown = {}, INVALID_BEARER
    elif scenario == AuthScenario.GENERATED_AUTH and generated:
        sent, shown = {}, str(next(iter(generated.values())))
    elif scenario is None and omits_credentials(case):
        sent, shown = {}, None  # the case went without them, as its curl does
    else:
        sent, shown = target.auth_headers, '"Authorization: Bearer $TMC_TOKEN"'
    probe = case
    if scenario in (AuthScenario.NO_AUTH, AuthScenario.INVALID_AUTH):
        # A copy: the case itself stays as schemathesis keeps it.
        probe = case.derive(headers={k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"})
        if scenario == AuthScenario.INVALID_AUTH:
            sent = {"Authorization": INVALID_BEARER}
    try:
        command = probe.as_curl_command(headers=sent, base_url=target.shown_url)
    except Exception:  # a case that cannot be rendered is still a failure worth reporting without it
        return None
    if shown is None:
        return command
    # schemathesis hides credentials as [Filtered]; put back what was sent (the kit's token as a variable).
    literal = shown if shown.startswith('"') else shlex.quote(f"Authorization: {shown}")
    return command.replace("'Authorization: [Filtered]'", literal)


def not_built(target: Target, family: str, case: Any, response: Any) -> bool:
    """A mock's deliberate 501 for an operation it does not simulate yet: recorded as an exemption, not
    checked (the real TMC never answers it)."""
    # schemathesis' responses keep header names lower-cased; requests' are case-insensitive.
    marked = NOT_IMPLEMENTED_HEADER.lower() in {name.lower() for name in response.headers}
    if response.status_code == 501 and marked and target.is_mocktmc:
        RECORD.leave_out(family, operation_label(case.operation.method, case.operation.path),
                         "the target (mocktmc) does not simulate it yet: 501 Not Implemented")
        return True
    return False


def send_and_check(target: Target, family: str, case: Any) -> None:
    """Send one generated case to the target and run every schemathesis check on the answer."""
    label = operation_label(case.operation.method, case.operation.path)
    if label not in sendable(target, family):
        pytest.skip(f"{label} is not sent to this target: it writes, and the target is read-only")
    sent = transport(target, case)
    response = case.call(**sent)
    if response.status_code == 401 and _expired(response) and target.renew_token():
        sent = transport(target, case)
        response = case.call(**sent)
    if not_built(target, family, case, response):
        return
    RECORD.cover(family, label)
    case.validate_response(response, headers=target.auth_headers, transport_kwargs=sent)


def _expired(response: Any) -> bool:
    """A 401 to a request that carried the kit's token: it expired (other 401s are what a case asked for)."""
    sent = getattr(response.request, "headers", {}) or {}
    return "Bearer" in str(sent.get("Authorization", ""))


def omits_credentials(case: Any) -> bool:
    """Whether a negative case left the Authorization header out on purpose (schemathesis takes the bearer scheme
    for a required header): the kit's token must not put it back, or the request it checks is not the one sent."""
    meta = getattr(case, "_meta", None)  # `meta` itself would revalidate the case
    return any(name.lower() == "authorization" and location == ParameterLocation.HEADER
               for name, location in negated_parameters(meta))


def transport(target: Target, case: Any = None) -> dict[str, Any]:
    """How schemathesis reaches the target: the app itself in process, else the URL; the token as a header
    (not a session), so that the probes schemathesis sends without credentials go to the same place, and so that
    a case that leaves the credentials out goes without them."""
    sent: dict[str, Any] = {"headers": {} if case is not None and omits_credentials(case)
                            else dict(target.auth_headers)}
    if target.mock is None:
        sent.update(base_url=target.base_url, timeout=60)
    return sent
