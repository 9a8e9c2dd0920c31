"""Schemathesis over every family's contract, against the session's target: positive and negative data,
every response check (status, schema, content type, headers, server errors, auth), and stateful
sequences through the contracts' links. Exemptions are listed in the report with their reasons
(mocktmc.kit.schemathesis_runs)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from mocktmc.kit import schemathesis_runs as runs
from mocktmc.kit.report import RECORD
from mocktmc.kit.target import Target

pytestmark = pytest.mark.suite("schemathesis")


@pytest.fixture(scope="session")
def orchestration_contract(target: Target):
    return runs.load(target, "orchestration")


@pytest.fixture(scope="session")
def processing_contract(target: Target):
    return runs.load(target, "processing")


@pytest.fixture(scope="session")
def monitoring_contract(target: Target):
    return runs.load(target, "monitoring")


@pytest.fixture(scope="session")
def security_contract(target: Target):
    return runs.load(target, "security")


@pytest.fixture(scope="session")
def legacy_contract(target: Target):
    return runs.load(target, "legacy")


# Only the operations --operation names, when it names any (the test's schema is the fixture's, filtered here).
orchestration = schemathesis.pytest.from_fixture("orchestration_contract").include(func=runs.named)
processing = schemathesis.pytest.from_fixture("processing_contract").include(func=runs.named)
monitoring = schemathesis.pytest.from_fixture("monitoring_contract").include(func=runs.named)
security = schemathesis.pytest.from_fixture("security_contract").include(func=runs.named)
legacy = schemathesis.pytest.from_fixture("legacy_contract").include(func=runs.named)


@pytest.mark.families("orchestration")
@orchestration.parametrize()
def test_orchestration(case, target):
    runs.send_and_check(target, "orchestration", case)


@pytest.mark.families("processing")
@processing.parametrize()
def test_processing(case, target):
    runs.send_and_check(target, "processing", case)


@pytest.mark.families("monitoring")
@monitoring.parametrize()
def test_monitoring(case, target):
    runs.send_and_check(target, "monitoring", case)


@pytest.mark.families("security")
@security.parametrize()
def test_security(case, target):
    runs.send_and_check(target, "security", case)


@pytest.mark.families("legacy")
@legacy.parametrize()
def test_legacy(case, target):
    runs.send_and_check(target, "legacy", case)


@pytest.mark.suite("stateful")
@pytest.mark.writes
@pytest.mark.parametrize("family", [
    pytest.param(name, marks=pytest.mark.families(name)) for name in ("orchestration", "processing", "legacy")])
def test_stateful(family, target):
    """Sequences through the contracts' links: create -> read, update, delete; execute -> status, terminate.
    They create things anywhere a link leads, so they run against mocks only."""
    if target.kind == "tmc":
        RECORD.exempt(f"{family}: stateful sequences",
                      "generated sequences create outside any sandbox workspace; run against a mock only")
        pytest.skip("stateful sequences create outside the sandbox workspace: mocks only")
    machine = runs.load(target, family).as_state_machine()
    # Each example starts from the same account: the links draw values from the answers, and Hypothesis
    # needs the same answers to the same steps to replay and shrink an example.
    start = target.account_state()

    # schemathesis makes the state machine's class at run time, from the schema: mypy cannot take it as a base.
    class AgainstTarget(machine):  # type: ignore[valid-type, misc]
        def setup(self):
            target.restore_account(start)
            super().setup()
        def call(self, case, **kwargs):
            return case.call(**runs.transport(target, case))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            if runs.not_built(target, family, case, response):
                return
            RECORD.cover(family, runs.operation_label(case.operation.method, case.operation.path))
            # As in the stateless runs: the credentials are named as such (headers=), so that the probes
            # schemathesis sends without them really go without them.
            case.validate_response(response, additional_checks=additional_checks, headers=target.auth_headers,
                                   transport_kwargs=runs.transport(target, case), recorder=self.recorder)

    run_state_machine_as_test(AgainstTarget, settings=settings())
