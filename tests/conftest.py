"""Shared fixtures: a fresh in-process mock per test on a frozen clock, and ids of the demo world.

Fresh is the state, not the Flask app: apps are built once per distinct Settings and lent, reset, to one
test (or one Hypothesis example) at a time (AppPool)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument
from flask.testing import FlaskClient

from mocktmc.app import create_app, reset_app
from mocktmc.config import Settings
from mocktmc.testing import MockTMC
from mocktmc.validation import check_response

START = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
AUTH = {"Authorization": "Bearer test-token"}
# The world the tests run in (tests/worlds/base.yaml): the demo world without its history and later kinds.
BASE_WORLD = str(Path(__file__).resolve().parent / "worlds" / "base.yaml")

# Demo world (fixtures/default.yaml)
DEV_ENV = "65f1a0c2e4b0a1b2c3d40001"
PROD_ENV = "65f1a0c2e4b0a1b2c3d40002"
DEV_SALES_WS = "65f1a0c2e4b0a1b2c3d40101"
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"
SYNC_ORDERS = "65f1a0c2e4b0a1b2c3d42002"
NIGHTLY_REPORT = "65f1a0c2e4b0a1b2c3d42003"
PARTNER_IMPORT = "65f1a0c2e4b0a1b2c3d42004"
CHECK_REJECTS = "65f1a0c2e4b0a1b2c3d42005"
ARCHIVE_LOGS = "65f1a0c2e4b0a1b2c3d42006"
ALICE = "65f1a0c2e4b0a1b2c3d4e5f6"
SERVICE_ACCOUNT = "0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c"
SERVICE_SECRET = "demo-client-secret"
DEMO_PAT = "mocktmc-demo-pat-alice"


VALIDATED = {"responses": 0}


class ContractCheckingClient(FlaskClient):
    """Every response the suite gets from the mock is validated against its contract."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        environ = response.request.environ
        if check_response(environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", ""),
                          response):
            VALIDATED["responses"] += 1
        return response


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller adds up every worker's count
        workeroutput["validated_responses"] = VALIDATED["responses"]


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: no such hook without it (-p no:xdist)
def pytest_testnodedown(node: Any, error: Any) -> None:
    VALIDATED["responses"] += getattr(node, "workeroutput", {}).get("validated_responses", 0)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"contract check: {VALIDATED['responses']} responses validated against contracts/")


class Api:
    """The Flask test client with a bearer token, plus a handle on the mock clock."""

    def __init__(self, app, headers=AUTH):
        self.app = app
        self.client = app.test_client()
        self.headers = dict(headers)

    def get(self, path, **kw):
        return self.client.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def advance(self, seconds: float) -> dict:
        response = self.client.post("/_mocktmc/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.json
        return response.json

    def execute(self, task_id: str, **body) -> str:
        response = self.post("/processing/executions", json={"executable": task_id, **body})
        assert response.status_code == 201, response.json
        return response.json["executionId"]

    def run(self, execution_id: str) -> dict:
        response = self.get(f"/processing/executions/{execution_id}")
        assert response.status_code == 200, response.json
        return response.json


def _running_example() -> object | None:
    """The Hypothesis example running now (its build context), or None outside one."""
    try:
        return current_build_context()
    except InvalidArgument:
        return None


class AppPool:
    """Apps built once per distinct Settings and lent to one test at a time, reset on every loan.

    Building an app is mostly werkzeug compiling its ~350 URL rules, the same for every test; what a test
    may change is its run state, which mocktmc.app.reset_app makes anew (tests/test_reset_app.py proves a
    reset app answers as a new one). A loan lasts until the test ends, so two apps a test holds at once are
    two apps; made in a Hypothesis example (a @given test's, a state machine's), it lasts until the next
    example starts, so a test of a hundred examples does not build a hundred apps. A loan made outside any
    test (a module's shared app) is never taken back."""

    def __init__(self) -> None:
        self._idle: dict[Settings, list[Flask]] = defaultdict(list)
        self._lent: list[Flask] | None = None  # loans of the running test; None between tests
        self._example: object | None = None  # the Hypothesis example the loans below were made in
        self._example_lent: list[Flask] = []

    def lend(self, settings: Settings) -> Flask:
        idle = self._idle[settings]
        if idle:
            app = idle.pop()
            reset_app(app)
            app.test_client_class = None  # as create_app leaves it (a test may have set its own)
        else:
            app = create_app(settings)
        if self._lent is not None:
            example = _running_example()
            if example is None:
                self._lent.append(app)
            else:
                if example is not self._example:  # the previous example is over: its apps are free again
                    self._end_example()
                    self._example = example
                self._example_lent.append(app)
        return app

    def _give_back(self, apps: list[Flask]) -> None:
        for app in apps:
            self._idle[app.extensions["mocktmc"].settings].append(app)
        apps.clear()

    def _end_example(self) -> None:
        self._give_back(self._example_lent)
        self._example = None

    @contextmanager
    def test(self) -> Iterator[None]:
        self._lent = []
        try:
            yield
        finally:
            self._end_example()
            self._give_back(self._lent)
            self._lent = None


POOL = AppPool()


@pytest.fixture(scope="session")
def failing_kit_run(tmp_path_factory: pytest.TempPathFactory):
    """A kit run with a defect, as users run it (tests/kit_runs.py): read by the console's, the reports' and the
    replay's tests, which share its xdist group so that it is made once."""
    from .kit_runs import failing_run
    return failing_run(tmp_path_factory.mktemp("failing-kit-run"))


@pytest.fixture(autouse=True)
def _apps_go_back_to_the_pool() -> Iterator[None]:
    with POOL.test():
        yield


def settings_of(**overrides: Any) -> Settings:
    """The tests' settings: a frozen clock at START in the tests' world, with these changes."""
    return Settings(**{"clock": "frozen", "start": START, "fixtures": BASE_WORLD, **overrides})


def make_app(**overrides: Any) -> Flask:
    """An app as create_app builds it with settings_of(**overrides), lent for this test."""
    app = POOL.lend(settings_of(**overrides))
    app.test_client_class = ContractCheckingClient
    return app


def mock_tmc(**options: Any) -> MockTMC:
    """MockTMC(**options) on an app lent for this test (MockTMC's own default settings, not make_app's)."""
    return MockTMC(build_app=POOL.lend, **options)


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def unbuilt(monkeypatch: pytest.MonkeyPatch) -> Api:
    """An app that routes every operation but v2.6 /subscription, left unrouted on purpose to see how an unbuilt
    operation answers whatever else is built (made here, never pooled: no other test gets it)."""
    from mocktmc.api import legacy
    monkeypatch.setattr(legacy, "ROUTES", tuple(r for r in legacy.ROUTES if r.path != "/tmc/v2.6/subscription"))
    return Api(create_app(settings_of()))


# `make contract` runs the property suites at length; `make test` keeps them quick. Under CI the
# examples are derandomized, so a landing never hinges on what a random draw happened to find;
# local runs and `make contract` keep exploring (and their finds become regression tests).
import os as _os  # noqa: E402

from hypothesis import settings as _settings  # noqa: E402

_settings.register_profile("thorough", max_examples=300, stateful_step_count=40, deadline=None)
_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _os.environ.get("CI") else "default"))
