"""`mocktmc contract`: run the installed contract kit (mocktmc.contracts) against a target with pytest.

The kit is a pytest suite, so that `pytest contracts/` in a checkout and this command from a
pip-installed mocktmc run the same tests with the same options (`--url` here is `--tmc-url` there).
"""
from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from importlib import resources
from importlib.util import find_spec
from typing import Any
from urllib.parse import urlsplit

import click
from click.shell_completion import CompletionItem

from ..defect_catalog import DEFECTS

# The kit's engines come with the `kit` extra; serving, the Python API and the plugin need none of them.
ENGINES = ("pytest", "hypothesis", "schemathesis")
# The kit's suites and families (contracts/conftest.py reads them from here): known here so that a wrong name
# is refused before pytest, and the kit's imports, start.
SUITES = ("schemathesis", "stateful", "lifecycle", "crud", "schedules", "scenarios", "quirks", "authorization")
FAMILIES = ("orchestration", "processing", "monitoring", "security", "legacy")
# schemathesis' phases for the schemathesis suite: the contracts' examples, the coverage phase (boundary and
# negative values of every parameter, unexpected methods), and fuzzing (max-examples generated cases).
PHASES = ("examples", "coverage", "fuzzing")
# --url: one GET that any HTTP answer satisfies, retried every POLL_EVERY seconds while --wait lasts.
REACH_TIMEOUT = 5.0
POLL_EVERY = 0.5
# Where a run writes its failures and options for --replay (relative to where it runs; no credentials).
RUN_FILE = ".mocktmc-kit/last-run.json"


def missing_engines() -> list[str]:
    return [name for name in ENGINES if find_spec(name) is None]


def kit_directory() -> str:
    return str(resources.files("mocktmc.contracts"))


class NameList(click.ParamType):
    """Comma-separated names, each one of `known`; converted to the names joined by commas again."""

    name = "list"

    def __init__(self, noun: str, plural: str, known: Sequence[str]) -> None:
        self.noun, self.plural = noun, plural
        self.known = tuple(known)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        names = [part.strip() for part in str(value).split(",") if part.strip()]
        known = ", ".join(self.known)
        if not names:
            self.fail(f"name at least one {self.noun}; known: {known}", param, ctx)
        unknown = [name for name in names if name not in self.known]
        if unknown:
            noun = self.noun if len(unknown) == 1 else self.plural
            self.fail(f"unknown {noun} {', '.join(unknown)}; known: {known}", param, ctx)
        return ",".join(dict.fromkeys(names))

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        # Complete the name after the last comma, keeping those before it.
        head, comma, tail = incomplete.rpartition(",")
        return [CompletionItem(head + comma + name) for name in self.known if name.startswith(tail)]


class Unreachable(click.ClickException):
    """The target did not answer: exit 2, apart from 1 (a contract failed) and without a traceback."""

    exit_code = 2


def _url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(f"{value!r} is not an http(s) URL; for example http://127.0.0.1:8080 or "
                                     "https://api.eu.cloud.talend.com", ctx, param)
    return value


def _reason(exc: Exception) -> str:
    """Why a request failed, in a few words: requests wraps the socket's error in two layers of reprs."""
    import requests

    if isinstance(exc, requests.Timeout):
        return f"no answer within {REACH_TIMEOUT:g} s"
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] [^'\")]+", text)
    if errno:
        return errno.group(0).strip()
    return text if len(text) <= 300 else text[:300] + "..."


def reach(url: str, wait: float = 0.0, *, get: Callable[..., Any] | None = None,
          sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.monotonic) -> None:
    """Return once `url` gives any HTTP answer; try every POLL_EVERY seconds for up to `wait` seconds, then
    raise Unreachable. (`get`, `sleep` and `now` are requests.get and the clock, or a test's stand-ins.)"""
    import requests

    get = requests.get if get is None else get
    deadline = now() + wait
    while True:
        try:
            get(url, timeout=REACH_TIMEOUT, allow_redirects=False)
            return
        except requests.RequestException as exc:
            if now() + POLL_EVERY > deadline:
                waited = f" (tried for {wait:g} s)" if wait else " (--wait SECONDS waits for it to come up)"
                raise Unreachable(f"cannot reach {url}: {_reason(exc)}{waited}") from None
        sleep(POLL_EVERY)


def pytest_arguments(url: str | None, token: str | None, client_id: str | None, client_secret: str | None,
                     allow_writes: str | None, control_token: str | None, family: str, suite: str,
                     max_examples: int, steps: int, seed: int | None, report: str | None, html: str | None,
                     defects: tuple[str, ...], poll_deadline: float, extra: tuple[str, ...] = (),
                     fidelity: str = "observed", verbose: bool = False, budget: float | None = None,
                     run_file: str | None = None, phases: str = ",".join(PHASES),
                     operations: tuple[str, ...] = (), tests: tuple[str, ...] = (),
                     restricted_token: str | None = None) -> list[str]:
    """The pytest command line that runs the kit with these options."""
    # The kit needs none of mocktmc's fixtures for testing clients; that plugin, loaded after this command
    # imported mocktmc, would only be warned about (its assertions cannot be rewritten). Nor does the kit
    # need assertion rewriting at all: its checks carry their own messages (mocktmc.kit.checks), and
    # rewriting warns that mocktmc, imported by this command, cannot be rewritten.
    # The kit's suites, or only the tests named (a replay's); both, and pytest would run the suites whole.
    args = [*(tests or (kit_directory(),)), "-p", "no:mocktmc", "-p", "mocktmc.kit.progress", "--assert=plain"]
    if verbose:
        args += ["-v", "--tb=long"]
    else:
        # The progress plugin's line is the progress and its closing lines the counts: pytest's dots,
        # percentages, header, "collected N items" and counts (-qq), its tracebacks (--tb=no) and its list of
        # failed tests (-rs keeps only the skipped ones) would say again, less well, what the kit's summary says.
        args += ["-qq", "--tb=no", "-rs", "-o", "console_output_style=classic"]
    args += [f"--tmc-family={family}", f"--tmc-suite={suite}", f"--tmc-max-examples={max_examples}",
             f"--tmc-steps={steps}", f"--tmc-poll-deadline={poll_deadline}"]
    named = {"--tmc-url": url, "--tmc-token": token, "--tmc-client-id": client_id,
             "--tmc-client-secret": client_secret, "--tmc-allow-writes": allow_writes,
             "--tmc-control-token": control_token, "--tmc-seed": seed, "--tmc-html": html, "--tmc-junit": report,
             "--tmc-budget": budget, "--tmc-run-file": run_file, "--tmc-restricted-token": restricted_token}
    args += [f"{name}={value}" for name, value in named.items() if value is not None]
    args += [f"--tmc-defect={name}" for name in defects]
    if phases != ",".join(PHASES):
        args.append(f"--tmc-phases={phases}")
    args += [f"--tmc-operation={label}" for label in operations]
    if fidelity != "observed":
        args.append(f"--tmc-fidelity={fidelity}")
    return args + list(extra)


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
@click.option("--url", envvar="TMC_URL", default=None, callback=_url,
              help="The TMC to check: a mocktmc server or the real API; it must answer (see --wait) before the kit "
                   "starts. Default: a mock in this process.")
@click.option("--wait", metavar="SECONDS", default=0.0, show_default=True, type=click.FloatRange(0),
              help="With --url: wait up to this long for the target to answer (tried every 0.5 s), for a server "
                   "that is still starting.")
@click.option("--token", envvar="TMC_TOKEN", default=None, help="Bearer token (personal access token).")
@click.option("--restricted-token", envvar="TMC_RESTRICTED_TOKEN", default=None,
              help="The authorization suite: a token with fewer rights than --token, whose refusals it checks "
                   "(on a mocktmc target a restricted principal of the world's is used without it).")
@click.option("--client-id", envvar="TMC_CLIENT_ID", default=None, help="Service account id, with --client-secret.")
@click.option("--client-secret", envvar="TMC_CLIENT_SECRET", default=None)
@click.option("--allow-writes", metavar="WORKSPACE_ID", default=None,
              help="Real TMC: create (with the name prefix mocktmc-kit-) only in this sandbox workspace, and "
                   "delete it afterwards. Without it the kit only reads.")
@click.option("--control-token", default=None, help="The control-plane token of a mocktmc server.")
@click.option("--family", default=",".join(FAMILIES), show_default=True, metavar="NAME[,NAME...]",
              type=NameList("family", "families", FAMILIES), help="API families to check, comma-separated.")
@click.option("--suite", default=",".join(SUITES), show_default=True, metavar="NAME[,NAME...]",
              type=NameList("suite", "suites", SUITES), help="Suites to run, comma-separated.")
@click.option("--phases", default=",".join(PHASES), show_default=True, metavar="NAME[,NAME...]",
              type=NameList("phase", "phases", PHASES),
              help="The schemathesis suite's phases: the contracts' examples, coverage (boundary and negative "
                   "values of every parameter, methods a path lacks), fuzzing (--max-examples generated cases).")
@click.option("--operation", "operations", multiple=True, metavar="'METHOD /path'",
              help="The schemathesis suite sends only this operation (as the summary names it, e.g. "
                   "'GET /orchestration/workspaces'); repeatable. Other suites (stateful sequences included) are "
                   "unchanged.")
@click.option("--max-examples", default=10, show_default=True, type=click.IntRange(1),
              help="Hypothesis examples per operation and per state machine.")
@click.option("--steps", default=20, show_default=True, type=click.IntRange(1), help="Steps per state-machine run.")
@click.option("--seed", default=None, type=int, help="Repeat a run: the seed its summary printed.")
@click.option("--report", metavar="PATH", default=None,
              help="Write a JUnit XML report: a test case per check and operation, a test suite per family.")
@click.option("--html", metavar="PATH", default=None, help="Write an HTML report.")
@click.option("--defect", "defects", multiple=True, type=click.Choice(list(DEFECTS)),
              help="Switch on a deliberate bug in the in-process mock (to see the kit catch it); repeatable. "
                   "`mocktmc defects` says what each breaks.")
@click.option("--fidelity", default="observed", show_default=True, type=click.Choice(["observed", "documented"]),
              help="The in-process mock's fidelity (`mocktmc quirks`): the service as observed, or as documented.")
@click.option("--poll-deadline", default=600.0, show_default=True, type=click.FloatRange(1),
              help="Real TMC: seconds to wait for a run or a scheduled start.")
@click.option("--budget", metavar="MINUTES", default=None, type=click.FloatRange(0, min_open=True),
              help="Minutes the whole run may take: past them no test starts and waits end early (listed).")
@click.option("--run-file", metavar="PATH", default=RUN_FILE, show_default=True,
              help="Where a run writes its failures and options (no credentials), for --replay.")
@click.option("--replay", metavar="ID", default=None,
              help="Run again the test of one failure of the last run (its id, e.g. F3, from the summary or the "
                   "report), with that run's options and seed; credentials come from the options as always.")
@click.option("-v", "--verbose", is_flag=True,
              help="pytest's own output: a line per test and full tracebacks (--tb=long), instead of the progress "
                   "line and the kit's summary alone.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract(url, wait, token, restricted_token, client_id, client_secret, allow_writes, control_token, family, suite,
             phases, operations, max_examples, steps, seed, report, html, defects, fidelity, poll_deadline, budget,
             run_file, replay, verbose, pytest_args) -> None:
    """Check a TMC target against the contracts (extra arguments go to pytest, e.g. -x or -k).

    A status line shows the checks passed and failed so far, per family; at the end the kit's summary lists
    each failure with a curl command that repeats it. Exit status: 0 all checks held, 1 some failed, 2 the
    options or the target were wrong (nothing ran).
    """
    # Everything that can be told from the options is told before pytest, and the kit's imports, start.
    replayed: dict[str, Any] | None = None
    tests: tuple[str, ...] = ()
    if replay is not None:
        saved, replayed = replay_of(run_file, replay)
        url, family, suite = saved.get("url"), saved["family"], saved["suite"]
        max_examples, steps, seed = saved["max_examples"], saved["steps"], saved["seed"]
        defects, fidelity = tuple(saved.get("defects", ())), saved.get("fidelity", "observed")
        allow_writes, poll_deadline = saved.get("allow_writes"), saved.get("poll_deadline", poll_deadline)
        phases, operations = saved.get("phases", phases), tuple(saved.get("operations", ()))
        if replayed["operation"] and "/test_schemathesis.py::test_" in f"/{replayed['item']}" \
                and "test_stateful" not in replayed["item"]:
            # A schemathesis test checks a whole family; its failure was one operation's, and only that one is
            # sent again (the same seed draws the same cases for it).
            operations = (replayed["operation"],)
        tests = (f"{kit_directory()}/{replayed['item']}",)
        click.echo(f"mocktmc contract: replaying {replay} ([{replayed['check']}] on {replayed['operation'] or '-'}) "
                   f"from {run_file}: {replayed['item']}, seed {seed}")
    operations = tuple(dict.fromkeys(chosen_operation(label, family) for label in operations))
    if url is not None:
        if defects:
            raise click.UsageError("--defect switches on bugs in the in-process mock (no --url); for a server use "
                                   "`mocktmc serve --defect`")
        if fidelity != "observed":
            raise click.UsageError("--fidelity sets the in-process mock's (no --url); for a server use "
                                   "`mocktmc serve --fidelity`")
        if not token and not (client_id and client_secret):
            raise click.UsageError("--url needs credentials: --token, or --client-id with --client-secret")
    elif wait:
        raise click.UsageError("--wait waits for the target --url names; without --url the mock is in this process")
    missing = missing_engines()
    if missing:
        raise click.ClickException(
            f"the contract kit needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"installed here; install the kit with: pip install 'mocktmc[kit]'")
    if url is not None:
        if wait:
            click.echo(f"mocktmc contract: waiting up to {wait:g} s for {url} to answer")
        reach(url, wait)
    # The first line at once: pytest takes seconds to import the engines and collect the suites.
    click.echo(f"mocktmc contract: checking {url or 'a mock in this process'}; families {family}; suites {suite}")
    import pytest

    args = pytest_arguments(url, token, client_id, client_secret, allow_writes, control_token, family, suite,
                            max_examples, steps, seed, report, html, tuple(defects), poll_deadline,
                            tuple(pytest_args), fidelity, verbose, budget,
                            run_file if replayed is None else None,  # a replay leaves the run it replays as it was
                            phases, operations, tests, restricted_token)
    status = int(pytest.main(args))
    if replayed is not None:
        from .report import RECORD
        again = [f for f in RECORD.failures
                 if f.check == replayed["check"] and (f.operation or "") == (replayed["operation"] or "")]
        if again:
            first_line = (again[0].message.splitlines() or [""])[0]
            click.echo(f"mocktmc contract: {replay} failed again: [{again[0].check}] {first_line}")
            sys.exit(1)
        click.echo(f"mocktmc contract: {replay} did not fail this time "
                   f"({'other checks failed' if status else 'every check held'})")
        sys.exit(1 if status else 0)
    sys.exit(status)


def chosen_operation(given: str, families: str) -> str:
    """An --operation as the summary names it ('GET /path'), checked against the chosen families' contracts."""
    from ..contract_documents import operation_label, operation_labels

    method, _, path = given.strip().partition(" ")
    label = operation_label(method, path.strip())
    known = frozenset().union(*(operation_labels(family) for family in families.split(",")))
    if label not in known:
        near = sorted(name for name in known if path.strip() and path.strip().rstrip("/") in name)[:5]
        hint = f"; did you mean {', '.join(near)}" if near else ""
        raise click.BadParameter(f"{given!r} is no operation of the families {families} "
                                 f"(give it as 'METHOD /path', as the summary names it){hint}",
                                 param_hint="'--operation'")
    return label


def replay_of(run_file: str, failure_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the options a run was made with, its failure `failure_id`) from the run file it wrote."""
    try:
        with open(run_file, encoding="utf-8") as opened:
            saved = json.load(opened)
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"--replay needs the run file a kit run wrote ({run_file}): {exc}") from None
    for failure in saved.get("failures", []):
        if failure.get("id") == failure_id:
            return saved["options"], failure
    known = ", ".join(f["id"] for f in saved.get("failures", [])) or "none: that run had no failure"
    raise click.UsageError(f"--replay: no failure {failure_id} in {run_file}; its failures: {known}")
