"""Schemathesis over the contracts against the in-process mock: every Orchestration operation, and
the Processing and Monitoring operations the mock simulates so far; positive and negative data,
every check, no failures.

Exemptions, each with its reason:
- Schema-valid data may be refused with 400 (positive_data_acceptance also accepts 400, 413,
  422): the mock enforces rules a schema cannot state, as the service does - names must not be
  empty, references must name objects that exist (a workspaceId in a body), trigger fields must
  be coherent, a promotion's environments must differ.
- Undeclared query parameters are not generated (allow-extra-parameters off): the mock ignores
  them, as the service's framework does, instead of refusing them.
The server runs in strict auth mode with the demo personal access token, so that requests with
invalid credentials are refused (401) as schemathesis expects. MOCKTMC_SCHEMATHESIS_EXAMPLES sets
the examples per operation (make contract runs more).
"""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mocktmc.inventory import coverage

from .conftest import DEMO_PAT, make_app

EXAMPLES = int(os.environ.get("MOCKTMC_SCHEMATHESIS_EXAMPLES", "5"))
AUTH = {"Authorization": f"Bearer {DEMO_PAT}"}
CONFIG = SchemathesisConfig.from_dict({
    "generation": {"allow-extra-parameters": False},
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "413",
                                                                   "422", "429"]}},
})
APP = make_app(auth="strict")
SIMULATED = {op.operation_id for op, ok in coverage(APP.url_map) if ok}
orchestration = schemathesis.openapi.from_wsgi("/_mocktmc/contracts/orchestration.json", APP, config=CONFIG)
# Operations not simulated yet answer a deliberate 501 (with X-Mocktmc-Not-Implemented): left out.
processing = schemathesis.openapi.from_wsgi("/_mocktmc/contracts/processing.json", APP, config=CONFIG).include(
    operation_id=sorted(SIMULATED))
monitoring = schemathesis.openapi.from_wsgi("/_mocktmc/contracts/monitoring.json", APP, config=CONFIG).include(
    operation_id=sorted(SIMULATED))


@orchestration.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_orchestration_contract(case):
    case.call_and_validate(headers=AUTH)


@processing.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_processing_contract(case):
    case.call_and_validate(headers=AUTH)


@monitoring.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_monitoring_contract(case):
    case.call_and_validate(headers=AUTH)
