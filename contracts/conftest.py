"""The contract kit as a pytest suite: `pytest contracts/ [--tmc-url URL --tmc-token T ...]`, or
`mocktmc contract ...`, which runs this same directory from the installed package.

Every suite takes the session's `target` (the in-process mock unless --tmc-url names another) and
records named checks; the summary at the end lists them per family, with a curl command and the seed
for each failure. --tmc-html and --tmc-junit write the same record as a page and as JUnit XML.
"""
from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from mocktmc.kit.command import FAMILIES, PHASES, SUITES  # one list: the command refuses other names early
from mocktmc.kit.report import RECORD
from mocktmc.kit.target import Target, TargetOptions, open_target, use_target



def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mocktmc contract kit")
    group.addoption("--tmc-url", default=os.environ.get("TMC_URL"),
                    help="The TMC to check (a mocktmc server or the real API); default: a mock in this process.")
    group.addoption("--tmc-token", default=os.environ.get("TMC_TOKEN"), help="A bearer token for --tmc-url.")
    group.addoption("--tmc-restricted-token", default=os.environ.get("TMC_RESTRICTED_TOKEN"),
                    help="The authorization suite: a token with fewer rights than --tmc-token; on a mocktmc target "
                         "a restricted principal of its world is used without it.")
    group.addoption("--tmc-client-id", default=os.environ.get("TMC_CLIENT_ID"),
                    help="Service account client id (with --tmc-client-secret) instead of a token.")
    group.addoption("--tmc-client-secret", default=os.environ.get("TMC_CLIENT_SECRET"))
    group.addoption("--tmc-allow-writes", metavar="WORKSPACE_ID", default=None,
                    help="On a real TMC, create (and clean up) only inside this sandbox workspace; "
                         "without it the kit only reads.")
    group.addoption("--tmc-control-token", default=None, help="A mocktmc server's control-plane token.")
    group.addoption("--tmc-family", default=",".join(FAMILIES),
                    help=f"Comma-separated families to check (default all: {','.join(FAMILIES)}).")
    group.addoption("--tmc-suite", default=",".join(SUITES),
                    help=f"Comma-separated suites to run (default all: {','.join(SUITES)}).")
    group.addoption("--tmc-phases", default=",".join(PHASES),
                    help=f"The schemathesis suite's phases, comma-separated (default all: {','.join(PHASES)}).")
    group.addoption("--tmc-operation", action="append", default=[], metavar="'METHOD /path'",
                    help="The schemathesis suites send only this operation; repeatable.")
    group.addoption("--tmc-defect", action="append", default=[],
                    help="Switch on a deliberate bug in the in-process mock (the kit's own tests).")
    group.addoption("--tmc-fidelity", default="observed", choices=("observed", "documented"),
                    help="The in-process mock's fidelity: the service as observed (default), or as documented.")
    group.addoption("--tmc-max-examples", type=int, default=10, help="Hypothesis examples per test.")
    group.addoption("--tmc-steps", type=int, default=20, help="Steps per state-machine example.")
    group.addoption("--tmc-seed", type=int, default=None, help="Seed of the run (printed; default random).")
    group.addoption("--tmc-html", default=None, metavar="PATH", help="Write an HTML report here.")
    group.addoption("--tmc-junit", default=None, metavar="PATH",
                    help="Write a JUnit XML report here: a test case per check and operation, a suite per family.")
    group.addoption("--tmc-poll-deadline", type=float, default=600.0,
                    help="Real TMC: seconds to wait for a run or a scheduled start to show.")
    group.addoption("--tmc-run-file", default=None, metavar="PATH",
                    help="Write the run's options (no credentials) and failures here, for `mocktmc contract --replay`.")
    group.addoption("--tmc-budget", type=float, default=None, metavar="MINUTES",
                    help="Minutes the whole run may take: past them no test starts, a running one stops at its "
                         "next request, and waits end early (each listed in the report).")


def _listed(config: pytest.Config, name: str, known: tuple[str, ...]) -> set[str]:
    chosen = {part.strip() for part in config.getoption(name).split(",") if part.strip()}
    unknown = chosen - set(known)
    if unknown:
        raise pytest.UsageError(f"{name}: unknown {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "suite(name): the kit suite a test belongs to (--tmc-suite)")
    config.addinivalue_line("markers", "families(*names): the API families a test checks (--tmc-family)")
    config.addinivalue_line("markers", "writes: the test creates things; skipped on a read-only target")
    _no_full_collection_at_the_end(config)
    RECORD.reset()  # a session's record starts empty (several sessions may run in one process)
    _OPENED.clear()
    RECORD.started = datetime.now(timezone.utc)
    seed = config.getoption("--tmc-seed")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    RECORD.seed = seed
    # One seed for Hypothesis everywhere, so that `--tmc-seed N` repeats a run.
    config.option.hypothesis_seed = seed
    # No explain phase: after shrinking a failure, Hypothesis would replay it dozens of times more only to comment
    # which of its steps could vary (most of a failing state machine's time); the summary shows none of it.
    settings.register_profile("mocktmc-kit", max_examples=config.getoption("--tmc-max-examples"),
                              stateful_step_count=config.getoption("--tmc-steps"), deadline=None,
                              database=None, print_blob=False, report_multiple_bugs=False,
                              suppress_health_check=list(HealthCheck),
                              phases=[phase for phase in Phase if phase is not Phase.explain])
    # Against a target that cannot move time (the real TMC), a failing example is not shrunk: shrinking replays
    # the example again and again, and with it every real-time wait it made (minutes each).
    settings.register_profile("mocktmc-kit-real-time", parent=settings.get_profile("mocktmc-kit"),
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mocktmc-kit")
    budget = config.getoption("--tmc-budget")
    if budget is not None and budget <= 0:
        raise pytest.UsageError(f"--tmc-budget: minutes must be more than 0, got {budget:g}")


def _no_full_collection_at_the_end(config: pytest.Config) -> None:
    """pytest ends a session with a full garbage collection, to report exceptions raised in finalizers it
    would free. The kit's reports never show them, and in a process with a large heap (several kit sessions in
    one process, as the kit's own tests run it) each collection costs a third of a second. The hook that reports
    such exceptions stays; only the forced collection goes. (pytest's own testing of pytest does the same.)"""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:  # a pytest without it: nothing to turn off
        return
    config.stash[gc_collect_iterations_key] = 0


# The suites --tmc-operation confines: schemathesis' stateless runs (stateful sequences follow the contracts'
# links from operation to operation, so they are left whole).
OPERATION_SUITES = ("schemathesis",)


def _families_of(labels: list[str]) -> set[str] | None:
    """The families whose contracts have these operations ('METHOD /path'); None: no operation named."""
    if not labels:
        return None
    from mocktmc.contract_documents import operation_labels
    return {family for family in FAMILIES if operation_labels(family) & set(labels)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suites = _listed(config, "--tmc-suite", SUITES)
    families = _listed(config, "--tmc-family", FAMILIES)
    RECORD.suites = [name for name in SUITES if name in suites]
    RECORD.chosen_families = [name for name in FAMILIES if name in families]
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    named = _families_of(config.getoption("--tmc-operation"))
    for item in items:
        suite = item.get_closest_marker("suite")
        checked = item.get_closest_marker("families")
        wanted = (suite is None or suite.args[0] in suites) and (checked is None or families & set(checked.args))
        if named is not None and suite is not None and suite.args[0] in OPERATION_SUITES:
            # --operation confines these suites to the operations it names: a family it names none of has none.
            wanted = wanted and checked is not None and bool(named & set(checked.args))
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    config = request.config
    options = TargetOptions(
        url=config.getoption("--tmc-url"), token=config.getoption("--tmc-token"),
        client_id=config.getoption("--tmc-client-id"), client_secret=config.getoption("--tmc-client-secret"),
        restricted_token=config.getoption("--tmc-restricted-token"),
        allow_writes=config.getoption("--tmc-allow-writes"), control_token=config.getoption("--tmc-control-token"),
        defects=tuple(config.getoption("--tmc-defect")), fidelity=config.getoption("--tmc-fidelity"),
        seed=RECORD.seed or 0, phases=tuple(name for name in PHASES if name in _listed(config, "--tmc-phases", PHASES)),
        operations=tuple(config.getoption("--tmc-operation")),
        poll_deadline=config.getoption("--tmc-poll-deadline"),
        budget_ends=None if config.getoption("--tmc-budget") is None else
        time.monotonic() + 60 * config.getoption("--tmc-budget"))
    try:
        opened = open_target(options)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    RECORD.target = opened.describe()
    if not opened.moves_time:
        settings.load_profile("mocktmc-kit-real-time")
    use_target(opened)
    _OPENED.append(opened)
    yield opened
    use_target(None)
    opened.cleanup()
    opened.close()


_OPENED: list[Target] = []  # the session's target, for the summary of what the kit changed on it


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    for opened in _OPENED:
        opened.within_budget(item.nodeid)


@pytest.fixture(autouse=True)
def _writes_need_a_sandbox(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("writes") is not None:
        chosen: Target = request.getfixturevalue("target")
        if not chosen.writes:
            pytest.skip("read-only target: this suite creates things; pass --tmc-allow-writes WORKSPACE_ID")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    RECORD.current_test = item.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Tests are counted here as well as checks: a test that fails outside any named check (the target did not
    # answer, say) must turn the reports' verdict, and a skipped one must say why.
    note = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        note = report.longrepr[2].removeprefix("Skipped: ")
    elif report.failed:
        note = report.longreprtext
    if report.when == "call" or not report.passed:
        # The kit runs in one process, one test at a time: the item running is the one reporting (a subtest's
        # report names more than its item).
        RECORD.test_outcome(report.nodeid, report.outcome, note, item=RECORD.current_test)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Written here rather than in the terminal summary, so that the reports exist however pytest reports.
    RECORD.finished = datetime.now(timezone.utc)
    RECORD.exit_status = int(exitstatus)
    for option, render in (("--tmc-html", RECORD.html), ("--tmc-junit", RECORD.junit)):
        path = session.config.getoption(option)
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(render(), encoding="utf-8")
    run_file = session.config.getoption("--tmc-run-file")
    if run_file:
        _write_run(session.config, Path(run_file))


def _write_run(config: pytest.Config, path: Path) -> None:
    """What `mocktmc contract --replay ID` needs: the run's options (never its credentials) and each failure's
    test. The test is the pytest item it ran in (schemathesis' operations are subtests of one item)."""
    options = {"url": config.getoption("--tmc-url"), "family": config.getoption("--tmc-family"),
               "suite": config.getoption("--tmc-suite"), "max_examples": config.getoption("--tmc-max-examples"),
               "steps": config.getoption("--tmc-steps"), "seed": RECORD.seed,
               "defects": list(config.getoption("--tmc-defect")), "fidelity": config.getoption("--tmc-fidelity"),
               "allow_writes": config.getoption("--tmc-allow-writes"),
               "poll_deadline": config.getoption("--tmc-poll-deadline"),
               "phases": config.getoption("--tmc-phases"), "operations": config.getoption("--tmc-operation")}
    failures = [{"id": f.id, "check": f.check, "family": f.family, "operation": f.operation, "test": f.test,
                 "item": RECORD.test_items.get(f.test, f.test), "curl": f.curl} for f in RECORD.failures]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"options": options, "failures": failures}, indent=1), encoding="utf-8")


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    terminalreporter.section("mocktmc contract kit")
    for line in RECORD.summary_lines():
        terminalreporter.write_line(line)
    for opened in _OPENED:
        changed = opened.changes()
        if changed:
            terminalreporter.write_line("  what the kit changed on the target (beyond what it created and deleted):")
            for line in changed:
                terminalreporter.write_line(f"    - {line}")
    for option, what in (("--tmc-html", "HTML report"), ("--tmc-junit", "JUnit XML report")):
        path = config.getoption(option)
        if path:
            terminalreporter.write_line(f"{what}: {path}")
