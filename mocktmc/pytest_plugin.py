"""mocktmc's pytest plugin (entry point `pytest11: mocktmc`): a mock TMC as fixtures.

- `mocktmc`: a fresh in-process `MockTMC` per test (frozen clock); `@pytest.mark.mocktmc(fixtures=...,
  seed=..., clock=..., **settings)` changes how it is built.
- `mocktmc_url`: one live server per session (per xdist worker), in `auth="isolated"` mode, so that each
  test's own bearer token (`mocktmc_token`) is its own account and tests never see each other's runs;
  `mocktmc_control` is the control plane bound to that account, `mocktmc_client` a session with the token.

Every pytest session in an environment with mocktmc installed loads this module, so it imports only
pytest and the standard library; Flask, requests and the app load when a fixture is first used.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import requests

    from .testing import Control, MockTMC

BUNDLED_WORLDS = ("default", "empty")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mocktmc", "mocktmc (a mock Talend Management Console)")
    group.addoption("--mocktmc-fixtures", dest="mocktmc_fixtures", default=None, metavar="WORLD",
                    help="Fixture world of the mocktmc fixtures: a YAML file or a bundled world (default, empty). "
                         "ini: mocktmc_fixtures.")
    group.addoption("--mocktmc-seed", dest="mocktmc_seed", default=None, type=int, metavar="N",
                    help="Seed for the ids mocktmc generates. ini: mocktmc_seed.")
    group.addoption("--mocktmc-url", dest="mocktmc_url", default=None, metavar="URL",
                    help="Use this running mocktmc server (auth isolated) for mocktmc_url instead of starting "
                         "one; MOCKTMC_CONTROL_TOKEN gives its control token. ini: mocktmc_url.")
    parser.addini("mocktmc_fixtures", "mocktmc fixture world: a YAML file (relative to the ini file) or a bundled "
                  "world", default="default")
    parser.addini("mocktmc_seed", "seed for the ids mocktmc generates", default="0")
    parser.addini("mocktmc_url", "a running mocktmc server for mocktmc_url (default: start one)", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mocktmc(fixtures=None, seed=None, clock=None, **settings): how the "
                                       "`mocktmc` fixture builds this test's in-process mock TMC")


def _world(value: Any, base: Path) -> Any:
    """A relative fixture path is taken from where it was written (command line, ini file, test module)."""
    if not isinstance(value, (str, os.PathLike)) or value in BUNDLED_WORLDS:
        return value
    path = Path(value)
    if not path.is_absolute() and (base / path).is_file():
        return str(base / path)
    return os.fspath(value)


def _configured_world(config: pytest.Config) -> Any:
    if config.getoption("mocktmc_fixtures") is not None:
        return _world(config.getoption("mocktmc_fixtures"), config.invocation_params.dir)
    return _world(config.getini("mocktmc_fixtures"), config.inipath.parent if config.inipath else config.rootpath)


def _configured_seed(config: pytest.Config) -> int:
    seed = config.getoption("mocktmc_seed")
    if seed is not None:
        return seed
    try:
        return int(config.getini("mocktmc_seed") or 0)
    except ValueError:
        raise pytest.UsageError(f"ini mocktmc_seed must be an integer, got {config.getini('mocktmc_seed')!r}"
                                ) from None


# Apps built by the `mocktmc` fixture in this process, by their settings, waiting for the next test: building one
# (its URL map, its compiled contract checks) is most of what a fresh mock costs; putting one back as new is not.
_IDLE_APPS: dict[Any, list[Any]] = {}
_SESSION_START = pytest.StashKey[Any]()


def _session_start(config: pytest.Config) -> Any:
    """The mock time every `mocktmc` fixture of this session starts at (unless told): the session's start, so
    that a fixture world built once can be copied for every test (a world depends on the time it is built at)."""
    if _SESSION_START not in config.stash:
        from .clock import SystemClock
        config.stash[_SESSION_START] = SystemClock().now()
    return config.stash[_SESSION_START]


@pytest.fixture
def mocktmc(request: pytest.FixtureRequest) -> Iterator[MockTMC]:
    """A fresh in-process mock TMC for this test: its own world, a frozen clock, nothing shared.

    Fresh is the state: the Flask app is built once per process and settings, and put back as new for each test
    (`mocktmc.app.reset_app`); the mock time starts where the session started unless `start=` says otherwise."""
    from .app import create_app, reset_app
    from .testing import MockTMC

    marker = request.node.get_closest_marker("mocktmc")
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.mocktmc takes keywords only: fixtures=, seed=, clock=, ...")
    options = {key: value for key, value in (marker.kwargs if marker else {}).items() if value is not None}
    if "fixtures" in options:
        options["fixtures"] = _world(options["fixtures"], request.path.parent)
    options.setdefault("fixtures", _configured_world(request.config))
    options.setdefault("seed", _configured_seed(request.config))
    options.setdefault("clock", "frozen")
    options.setdefault("start", _session_start(request.config))
    lent: list[tuple[Any, Any]] = []

    def lend(settings: Any) -> Any:
        idle = _IDLE_APPS.setdefault(settings, [])
        if idle:
            app = idle.pop()
            reset_app(app)
        else:
            app = create_app(settings)
        lent.append((settings, app))
        return app

    yield MockTMC(build_app=lend, **options)
    for settings, app in lent:
        _IDLE_APPS[settings].append(app)


@pytest.fixture(scope="session")
def _mocktmc_server(pytestconfig: pytest.Config) -> Iterator[Control]:
    """The session's live server (each xdist worker has its own session, hence its own server)."""
    from .testing import MockTMC, connect

    url = pytestconfig.getoption("mocktmc_url") or pytestconfig.getini("mocktmc_url")
    if url:
        yield connect(url, control_token=os.environ.get("MOCKTMC_CONTROL_TOKEN") or None)
        return
    mock = MockTMC(fixtures=_configured_world(pytestconfig), seed=_configured_seed(pytestconfig),
                   auth="isolated", clock="frozen")
    with mock.serve() as live_url:
        control = connect(live_url)
        yield control
        control.close()


@pytest.fixture(scope="session")
def mocktmc_url(_mocktmc_server: Control) -> str:
    """The base URL of a live mocktmc shared by the session; use it with the test's own `mocktmc_token`."""
    return _mocktmc_server.url


@pytest.fixture
def mocktmc_token() -> str:
    """A bearer token no other test uses: on the isolated live server, this test's own account."""
    return f"mocktmc-{uuid.uuid4().hex}"


@pytest.fixture
def mocktmc_control(_mocktmc_server: Control, mocktmc_token: str) -> Iterator[Control]:
    """The live server's control plane bound to this test's account; the faults it added go at teardown.

    Its clock is the test's account's: moving it gives the account a clock of its own, so tests sharing one
    server (through --mocktmc-url) never move each other's time.
    """
    control = _mocktmc_server.for_token(mocktmc_token)
    yield control
    if control.faults.added:
        control.faults.clear()


@pytest.fixture
def mocktmc_client(mocktmc_url: str, mocktmc_token: str) -> Iterator[requests.Session]:
    """A requests session to the live server with this test's token; paths are relative to `mocktmc_url`."""
    from .testing import BaseURLSession

    with BaseURLSession(mocktmc_url) as session:
        session.headers["Authorization"] = f"Bearer {mocktmc_token}"
        yield session
