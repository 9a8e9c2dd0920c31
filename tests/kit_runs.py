"""`mocktmc contract` run by the kit's own tests: as users run it (`python -m mocktmc contract`, a process of its own),
or in this process, through the same command (click, then pytest.main on the installed kit) without the cost of a
new interpreter, its imports and its contracts read again.

A kit session in process leaves the process as it found it: it loads its own Hypothesis profile (put back here), it
imports the kit's suites as a package of their own (dropped here, so that the next session imports them afresh, with
its own settings and no module state left from this one), pytest puts the kit's folder on sys.path and keeps the
last failure in sys.last_traceback (both put back here). Its record (mocktmc.kit.report.RECORD) starts empty in each
session, and what the kit keeps per target is held weakly, so that a later target is never taken for a finished one.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KitRun:
    returncode: int
    stdout: str
    stderr: str


def kit_in_a_process(args: list[str], cwd: Path | None = None) -> KitRun:
    """`python -m mocktmc contract ARGS` in a new process (in `cwd`), with no TMC named by the environment."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("TMC_URL", None)
    env.pop("TMC_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "mocktmc", "contract", *args],
                          capture_output=True, text=True, timeout=600, env=env, cwd=cwd)
    return KitRun(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class FailingRun:
    """One run as a user makes it, of two families with a defect: what the console, the reports and a replay
    of its failures are tested on (tests/conftest.py's `failing_kit_run`, made once per worker)."""
    run: KitRun
    folder: Path  # where it ran: its run file (.mocktmc-kit/last-run.json) is there
    html: Path
    junit: Path

    @property
    def summary(self) -> str:
        return self.run.stdout[self.run.stdout.find("mocktmc contract kit: target"):]


# Of the quirks, one that holds and the one this target cannot show (skipped, with its reason): pytest's -k.
FAILING_ARGS = ["--defect", "wrong_type", "--family", "orchestration,processing", "--suite", "schemathesis,quirks",
                "--max-examples", "1", "--seed", "7", "--phases", "examples,fuzzing", "-k",
                "test_schemathesis or throttle or task_name_prefix"]
# The tests that read the failing run share one worker, so that it is made once.
FAILING_RUN_GROUP = "kit_failing_run"


def failing_run(folder: Path) -> FailingRun:
    html, junit = folder / "report.html", folder / "reports" / "junit.xml"
    run = kit_in_a_process([*FAILING_ARGS, "--html", str(html), "--report", str(junit)], cwd=folder)
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    return FailingRun(run, folder, html, junit)


LAST_FAILURE = ("last_type", "last_value", "last_traceback", "last_exc")


def _suites(name: str) -> bool:
    """The kit's suites as pytest imports them (a package named after the kit's folder, `contracts`)."""
    return name == "contracts" or name.startswith("contracts.")


def kit_in_this_process(args: list[str]) -> KitRun:
    """`mocktmc contract ARGS` run by its own command in this process; what it prints is captured."""
    from hypothesis import settings

    from mocktmc.kit.command import contract

    profile = settings._current_profile
    path = list(sys.path)
    # pytest keeps the last failure for a post-mortem (sys.last_traceback...): its frames would keep the session's
    # target, and the mock in it, alive.
    last = {name: getattr(sys, name) for name in LAST_FAILURE if hasattr(sys, name)}
    before = {name for name in sys.modules if _suites(name)}
    out, err = io.StringIO(), io.StringIO()
    returncode = None
    saved = {name: os.environ.pop(name) for name in ("TMC_URL", "TMC_TOKEN") if name in os.environ}
    try:
        with redirect_stdout(out), redirect_stderr(err):
            contract.main(args, prog_name="mocktmc contract", standalone_mode=False)
    except SystemExit as exit_:  # the command ends with pytest's exit status
        returncode = exit_.code
    finally:
        os.environ.update(saved)
        if profile is not None:
            settings.load_profile(profile)
        sys.path[:] = path
        for name in LAST_FAILURE:
            if name in last:
                setattr(sys, name, last[name])
            elif hasattr(sys, name):
                delattr(sys, name)
        for name in [name for name in sys.modules if _suites(name) and name not in before]:
            del sys.modules[name]
    assert isinstance(returncode, int), f"the command ended without an exit status:\n{err.getvalue()[-3000:]}"
    return KitRun(returncode, out.getvalue(), err.getvalue())
