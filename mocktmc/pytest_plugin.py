"""mocktmc's pytest plugin (entry point `pytest11: mocktmc`): a mock TMC as fixtures.

- `mocktmc`: a fresh in-process `MockTMC` per test (frozen clock); `@pytest.mark.mocktmc(fixtures=...,
  seed=..., clock=..., **settings)` changes how it is built.
- `mocktmc_url`: one live server per session (per xdist worker), in `auth="isolated"` mode, so that each
  test's own bearer token (`mocktmc_token`) is its own account and tests never see each other's runs;
  `mocktmc_control` is the control plane bound to that account, `mocktmc_client` a session with the token.
- judging (`mocktmc_judge` ini key, `--mocktmc-judge`, `@pytest.mark.mocktmc_judge(...)`): a test that passed
  fails when the client report (`GET /_mocktmc/report`) of the mocks it used holds a finding at or above a
  severity.

Every pytest session in an environment with mocktmc installed loads this module, so it imports only
pytest and the standard library; Flask, requests and the app load when a fixture is first used.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .client_report import SEVERITIES, at_least

if TYPE_CHECKING:
    import requests

    from .testing import Control, MockTMC

BUNDLED_WORLDS = ("default", "empty")
# The client report's severities, least first; "off" judges nothing.
JUDGE_LEVELS = SEVERITIES + ("off",)
MARKER_SEVERITY = "warning"  # what a bare @pytest.mark.mocktmc_judge() fails on when nothing else is configured


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
    group.addoption("--mocktmc-judge", dest="mocktmc_judge", default=None, choices=JUDGE_LEVELS,
                    metavar="SEVERITY",
                    help="Fail a passing test whose client report (of the mocktmc fixtures it used) has a finding "
                         "at or above SEVERITY: error, warning, info, or off. ini: mocktmc_judge.")
    parser.addini("mocktmc_url", "a running mocktmc server for mocktmc_url (default: start one)", default="")
    parser.addini("mocktmc_judge", "fail a passing test whose client report has a finding at or above this "
                  "severity (error, warning, info; default off)", default="off")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mocktmc(fixtures=None, seed=None, clock=None, **settings): how the "
                                       "`mocktmc` fixture builds this test's in-process mock TMC")
    config.addinivalue_line("markers", "mocktmc_judge(severity=None, rules=None, ignore=()): fail this test when "
                                       "the client report of the mocktmc fixtures it used has a finding at or "
                                       "above severity (error, warning, info; off judges nothing)")
    level = (config.getini("mocktmc_judge") or "off").strip().lower()
    if level not in JUDGE_LEVELS:
        raise pytest.UsageError(f"ini mocktmc_judge must be one of {', '.join(JUDGE_LEVELS)}, got {level!r}")


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


# --- judging the client: a passing test fails when its client broke a rule of the client report -----------------
@dataclass(frozen=True)
class _Judgement:
    severity: str  # the least severity that fails the test
    rules: frozenset[str] | None  # only these rules count (None: every rule)
    ignore: frozenset[str]  # these rules never count
    source: str  # where the severity was set, so that a failure says what to change


def _names(value: Any, key: str) -> frozenset[str]:
    if isinstance(value, str):  # ignore="polls_too_fast" (or a one-name tuple missing its comma) is one name
        return frozenset({value})
    try:
        return frozenset(str(name) for name in value)
    except TypeError:
        pytest.fail(f"@pytest.mark.mocktmc_judge: {key}= takes rule names, got {value!r}", pytrace=False)


def _judgement(item: pytest.Item) -> _Judgement | None:
    """How this test is judged (None: not at all): its markers, closest first, each keyword from the closest
    marker that sets it; a marker without severity takes the configured one (or MARKER_SEVERITY when that is
    off, since a marker asks for judging)."""
    markers = list(item.iter_markers("mocktmc_judge"))
    chosen: dict[str, Any] = {}
    for marker in markers:
        if len(marker.args) > 1 or set(marker.kwargs) - {"severity", "rules", "ignore"}:
            pytest.fail("@pytest.mark.mocktmc_judge takes severity (or one positional severity), rules= and "
                        f"ignore=, got args {marker.args!r} and keywords {sorted(marker.kwargs)}", pytrace=False)
        values = dict(marker.kwargs, **({"severity": marker.args[0]} if marker.args else {}))
        for key, value in values.items():
            if value is not None:
                chosen.setdefault(key, value)
    config = item.config
    option = config.getoption("mocktmc_judge")
    configured, source = ((option, f"--mocktmc-judge={option}") if option is not None else
                          ((config.getini("mocktmc_judge") or "off").strip().lower(), "ini mocktmc_judge"))
    if "severity" in chosen:
        severity = str(chosen["severity"]).lower()
        source = f"@pytest.mark.mocktmc_judge(severity={chosen['severity']!r})"
    elif markers:
        severity, source = (configured, source) if configured != "off" else (
            MARKER_SEVERITY, f"@pytest.mark.mocktmc_judge (default {MARKER_SEVERITY})")
    else:
        severity = configured
    if severity not in JUDGE_LEVELS:
        pytest.fail(f"mocktmc_judge severity must be one of {', '.join(JUDGE_LEVELS)}, got {severity!r}",
                    pytrace=False)
    if severity == "off":
        return None
    rules = _names(chosen["rules"], "rules") if "rules" in chosen else None
    return _Judgement(severity, rules, _names(chosen.get("ignore", ()), "ignore"), source)


def _uses_mocktmc(item: pytest.Item) -> bool:
    funcargs: dict[str, Any] = getattr(item, "funcargs", None) or {}
    return "mocktmc" in funcargs or ("mocktmc_token" in funcargs and "_mocktmc_server" in funcargs)


def _judged_mocks(item: pytest.Item) -> list[tuple[str, Control]]:
    """(what it is, a control whose report() covers this test's calls) for each mocktmc fixture the test used."""
    funcargs: dict[str, Any] = getattr(item, "funcargs", None) or {}
    mocks: list[tuple[str, Control]] = []
    mock: Any = funcargs.get("mocktmc")
    if hasattr(mock, "report"):  # a project may name a fixture of its own `mocktmc`: only a mock has a report
        mocks.append(("the in-process `mocktmc`", mock))
    token, server = funcargs.get("mocktmc_token"), funcargs.get("_mocktmc_server")
    if isinstance(token, str) and server is not None:
        # The token is this test's own, so its account holds this test's calls only; mocktmc_control (when used)
        # is that account's control, and its report starts after the test's own journal.clear(), as it reads.
        control: Any = funcargs.get("mocktmc_control")
        if not hasattr(control, "report"):
            control = server.for_token(token)
        mocks.append((f"the live server's account {control.account} (`mocktmc_token`)", control))
    return mocks


def _seqs(seqs: list[int], shown: int = 20) -> str:
    more = f" (+{len(seqs) - shown} more)" if len(seqs) > shown else ""
    return ", ".join(str(seq) for seq in seqs[:shown]) + more


def _judge(item: pytest.Item, judgement: _Judgement) -> None:
    """pytest.fail (a failure of the test, not an error) listing every finding that counts, with its fix."""
    sections: list[str] = []
    broken: set[str] = set()
    for label, control in _judged_mocks(item):
        report = control.report()
        catalog = {rule["name"]: rule for rule in report.get("rules", [])}
        unknown = sorted(((judgement.rules or frozenset()) | judgement.ignore) - set(catalog))
        if unknown:  # a misspelt name would silently judge (or ignore) nothing
            pytest.fail(f"@pytest.mark.mocktmc_judge names unknown rule(s) {', '.join(map(repr, unknown))}; the "
                        f"rules are {', '.join(catalog)}", pytrace=False)
        counted = [finding for finding in report["findings"]
                   if at_least(finding["severity"], judgement.severity) and finding["rule"] not in judgement.ignore
                   and (judgement.rules is None or finding["rule"] in judgement.rules)]
        if not counted:
            continue
        lines = [f"{label}, {report['entries']} journal entries judged:"]
        for finding in counted:
            broken.add(finding["rule"])
            lines.append(f"  {finding['severity']} {finding['rule']} (seqs {_seqs(finding['seqs'])}): "
                         f"{finding['message']}")
            fix = catalog.get(finding["rule"], {}).get("fix")
            if fix and fix not in finding["message"]:
                lines.append(f"    Fix: {fix}")
        sections.append("\n".join(lines))
    if sections:
        names = ", ".join(repr(name) for name in sorted(broken))
        pytest.fail(f"mocktmc_judge: the client broke {len(broken)} rule(s) at or above {judgement.severity!r} "
                    f"({judgement.source}):\n" + "\n".join(sections) + "\nFix the client, or let this test "
                    f"pass with @pytest.mark.mocktmc_judge(ignore=({names},)) or severity=\"off\".", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Judge after the test body passed: a failing test raises out of the `yield`, so its own failure is the one
    reported; a finding raised here is the call phase's failure, shown like an assertion's (not a teardown error)."""
    judgement = _judgement(item) if _uses_mocktmc(item) else None
    result = yield
    if judgement is not None:
        _judge(item, judgement)
    return result
