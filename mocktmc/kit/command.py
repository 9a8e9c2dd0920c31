"""`mocktmc contract`: run the installed contract kit (mocktmc.contracts) against a target with pytest.

The kit is a pytest suite, so that `pytest contracts/` in a checkout and this command from a
pip-installed mocktmc run the same tests with the same options (`--url` here is `--tmc-url` there).
"""
from __future__ import annotations

import sys
from importlib import resources
from importlib.util import find_spec

import click

# The kit's engines come with the `kit` extra; serving, the Python API and the plugin need none of them.
ENGINES = ("pytest", "hypothesis", "schemathesis")
SUITES = "schemathesis,stateful,lifecycle,crud,schedules,scenarios,quirks"
FAMILIES = "orchestration,processing,monitoring,security,legacy"


def missing_engines() -> list[str]:
    return [name for name in ENGINES if find_spec(name) is None]


def kit_directory() -> str:
    return str(resources.files("mocktmc.contracts"))


def pytest_arguments(url: str | None, token: str | None, client_id: str | None, client_secret: str | None,
                     allow_writes: str | None, control_token: str | None, family: str, suite: str,
                     max_examples: int, steps: int, seed: int | None, report: str | None, html: str | None,
                     defects: tuple[str, ...], poll_deadline: float, extra: tuple[str, ...] = (),
                     fidelity: str = "observed") -> list[str]:
    """The pytest command line that runs the kit with these options."""
    # The kit needs none of mocktmc's fixtures for testing clients; that plugin, loaded after this command
    # imported mocktmc, would only be warned about (its assertions cannot be rewritten).
    args = [kit_directory(), "-p", "no:mocktmc", f"--tmc-family={family}", f"--tmc-suite={suite}",
            f"--tmc-max-examples={max_examples}", f"--tmc-steps={steps}", f"--tmc-poll-deadline={poll_deadline}"]
    named = {"--tmc-url": url, "--tmc-token": token, "--tmc-client-id": client_id,
             "--tmc-client-secret": client_secret, "--tmc-allow-writes": allow_writes,
             "--tmc-control-token": control_token, "--tmc-seed": seed, "--tmc-html": html, "--tmc-junit": report}
    args += [f"{name}={value}" for name, value in named.items() if value is not None]
    args += [f"--tmc-defect={name}" for name in defects]
    if fidelity != "observed":
        args.append(f"--tmc-fidelity={fidelity}")
    return args + list(extra)


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]})
@click.option("--url", envvar="TMC_URL", default=None,
              help="The TMC to check: a mocktmc server or the real API. Default: a mock in this process.")
@click.option("--token", envvar="TMC_TOKEN", default=None, help="Bearer token (personal access token).")
@click.option("--client-id", envvar="TMC_CLIENT_ID", default=None, help="Service account id, with --client-secret.")
@click.option("--client-secret", envvar="TMC_CLIENT_SECRET", default=None)
@click.option("--allow-writes", metavar="WORKSPACE_ID", default=None,
              help="Real TMC: create (with the name prefix mocktmc-kit-) only in this sandbox workspace, and "
                   "delete it afterwards. Without it the kit only reads.")
@click.option("--control-token", default=None, help="The control-plane token of a mocktmc server.")
@click.option("--family", default=FAMILIES, show_default=True, help="Comma-separated API families to check.")
@click.option("--suite", default=SUITES, show_default=True, help="Comma-separated suites to run.")
@click.option("--max-examples", default=10, show_default=True, type=click.IntRange(1),
              help="Hypothesis examples per operation and per state machine.")
@click.option("--steps", default=20, show_default=True, type=click.IntRange(1), help="Steps per state-machine run.")
@click.option("--seed", default=None, type=int, help="Repeat a run: the seed its summary printed.")
@click.option("--report", metavar="PATH", default=None,
              help="Write a JUnit XML report: a test case per check and operation, a test suite per family.")
@click.option("--html", metavar="PATH", default=None, help="Write an HTML report.")
@click.option("--defect", "defects", multiple=True, metavar="NAME",
              help="Switch on a deliberate bug in the in-process mock (to see the kit catch it); repeatable.")
@click.option("--fidelity", default="observed", show_default=True, type=click.Choice(["observed", "documented"]),
              help="The in-process mock's fidelity (`mocktmc quirks`): the service as observed, or as documented.")
@click.option("--poll-deadline", default=600.0, show_default=True, type=click.FloatRange(1),
              help="Real TMC: seconds to wait for a run or a scheduled start.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract(url, token, client_id, client_secret, allow_writes, control_token, family, suite, max_examples,
             steps, seed, report, html, defects, fidelity, poll_deadline, pytest_args) -> None:
    """Check a TMC target against the contracts (extra arguments go to pytest, e.g. -x or -k)."""
    missing = missing_engines()
    if missing:
        raise click.ClickException(
            f"the contract kit needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
            f"installed here; install the kit with: pip install 'mocktmc[kit]'")
    import pytest

    args = pytest_arguments(url, token, client_id, client_secret, allow_writes, control_token, family, suite,
                            max_examples, steps, seed, report, html, tuple(defects), poll_deadline,
                            tuple(pytest_args), fidelity)
    sys.exit(int(pytest.main(args)))
