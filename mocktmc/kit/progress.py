"""The kit's console: a live status line while the suites run, and closing lines in the kit's terms.

A pytest plugin. `mocktmc contract` loads it (`-p mocktmc.kit.progress`, with -qq so that pytest's own dots,
percentages and counts give way to it); from a checkout, `pytest contracts/ -p mocktmc.kit.progress -qq`
shows the same. One schemathesis test can check a family's every operation for minutes, so the line is
redrawn by a thread from what the suites recorded so far (mocktmc.kit.report.RECORD), not only between tests.

On a terminal the line is rewritten in place and cleared at the end; in a log (not a terminal) a plain line
is written when a test file starts and every PLAIN_INTERVAL seconds.
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Generator
from typing import IO

import pytest

from .report import RECORD, Tally

TTY_INTERVAL = 0.5  # seconds between redraws of the line on a terminal
PLAIN_INTERVAL = 10.0  # seconds between plain lines in a log


def clock(seconds: float) -> str:
    """Elapsed time as m:ss (h:mm:ss past an hour)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def short_test(nodeid: str) -> str:
    """A node id without its directories (the kit's files are all in one); its parameters may hold slashes."""
    path, sep, rest = nodeid.partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def status_line(tally: Tally, elapsed: float, *, width: int | None = None, phase: str = "") -> str:
    """The status of a run: elapsed time, per family the checks passed and failed so far and the operations
    covered, then the current test and operation. `width` cuts it to fit a terminal line (None: the whole
    line, for logs); `phase` stands in for the test before any ran (collecting, say)."""
    parts = [f"mocktmc contract {clock(elapsed)}"]
    for family, (passed, failed, operations) in sorted(tally.families.items()):
        counts = f"{passed} ok" + (f" {failed} FAILED" if failed else "")
        parts.append(f"{family}: {counts}, {operations} ops")
    if tally.test:
        now = short_test(tally.test)
        if tally.operation:
            now += f" {tally.operation}"
        parts.append(now)
    elif phase:
        parts.append(phase)
    line = " | ".join(parts)
    if width is not None and len(line) > width:
        line = line[:max(width - 3, 0)] + "..."
    return line


def outcome_lines(tally: Tally, tests: Counter[str], failed_subtests: int, deselected: int,
                  elapsed: float) -> list[str]:
    """The closing lines: the kit's counts (checks, operations, failures), then pytest's, named as tests so
    that nobody adds them to the checks."""
    passed = sum(counts[0] for counts in tally.families.values())
    failed = sum(counts[1] for counts in tally.families.values())
    operations = sum(counts[2] for counts in tally.families.values())
    families = len(tally.families)
    kit = (f"mocktmc contract: {passed} checks passed, {failed} failed, over {operations} "
           f"operation{'' if operations == 1 else 's'} covered "
           f"in {families} {'family' if families == 1 else 'families'}; "
           f"{tally.failures} failure{'' if tally.failures == 1 else 's'}")
    if tally.failures:
        kit += " (listed above, each with a curl command)"
    total = sum(tests.values())
    told = ", ".join(f"{count} {state}" for state in ("passed", "failed", "errors", "skipped")
                     if (count := tests.get(state, 0)))
    run = f"{total} test{'' if total == 1 else 's'}" + (f": {told}" if told else "")
    if failed_subtests:
        run += f" ({failed_subtests} failed subtest{'' if failed_subtests == 1 else 's'}: operations of a schema)"
    if deselected:
        run += f"; {deselected} not selected"
    return [kit, f"{run}; {elapsed:.1f} s"]


def _is_subtest(report: pytest.TestReport) -> bool:
    # pytest 9 reports subtests with its own class; on pytest 8 schemathesis marks the reports it makes.
    return type(report).__name__ == "SubtestReport" or bool(getattr(report, "_schemathesis_subtest", False))


def _crash(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The one line saying why a test or a collection failed."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or str(report.longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "?"


class Display:
    """The status line, drawn by a thread on a stream pytest's capture does not redirect."""

    def __init__(self, stream: IO[str], tty: bool, live: bool) -> None:
        self.stream = stream
        self.tty = tty
        self.live = live  # False with -v: pytest's own lines are the progress then
        self.start = time.monotonic()
        self.phase = "collecting"
        self._drawn = 0  # characters of the line now on the terminal
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._test_file = ""
        self.test = ""  # the test running, known here before the kit's conftest records it

    def begin(self) -> None:
        if not self.live:
            return
        self.draw()
        self._thread = threading.Thread(target=self._run, name="mocktmc-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = TTY_INTERVAL if self.tty else PLAIN_INTERVAL
        while not self._stop.wait(interval):
            self.draw()

    def test_started(self, nodeid: str) -> None:
        """On a terminal redraw at once; in a log write a line when a new test file starts."""
        if not self.live:
            return
        self.test = nodeid
        test_file = nodeid.split("::", 1)[0]
        if self.tty or test_file != self._test_file:
            self._test_file = test_file
            self.draw()

    def draw(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            elapsed = time.monotonic() - self.start
            tally = RECORD.tally()
            if self.test and tally.test != self.test:  # the operation last checked was the previous test's
                tally = tally._replace(test=self.test, operation="")
            if self.tty:
                width = shutil.get_terminal_size().columns - 1
                line = status_line(tally, elapsed, width=width, phase=self.phase)
                self.stream.write("\r" + line.ljust(self._drawn))
                self._drawn = len(line)
            else:
                self.stream.write(status_line(tally, elapsed, phase=self.phase) + "\n")
            self.stream.flush()

    def end(self) -> None:
        """Stop the thread and clear the line, before pytest writes its summary."""
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            if self.tty and self._drawn:
                self.stream.write("\r" + " " * self._drawn + "\r")
                self._drawn = 0
            self.stream.flush()
        if self._thread is not None:
            self._thread.join()


def _console(config: pytest.Config) -> tuple[IO[str], bool]:
    """A stream to the terminal pytest writes to that stays there while a test's output is captured: capture
    points file descriptor 1 elsewhere, a duplicate of it keeps pointing at the terminal."""
    out = sys.stdout
    try:
        duplicate = os.dup(out.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptor (a test runner's buffer): write there
        return out, False
    out.flush()
    stream = open(duplicate, "w", encoding=getattr(out, "encoding", None) or "utf-8", errors="replace",
                  closefd=True)
    return stream, stream.isatty()


class ProgressPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        stream, tty = _console(config)
        self.display = Display(stream, tty, live=config.get_verbosity() <= 0)
        self.tests: dict[str, str] = {}  # node id -> passed, failed, errors or skipped
        self.failed_subtests = 0
        self.why: dict[str, str] = {}  # node id -> the first failure's crash line
        self.deselected = 0
        self.current = ""  # the test running: subtests report under names of their own

    def pytest_sessionstart(self) -> None:
        self.display.begin()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += len(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.display.phase = f"{len(session.items)} tests to run"

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.tests[report.nodeid] = "errors"
            self.why[report.nodeid] = "collecting: " + _crash(report)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.current = nodeid
        self.display.test_started(nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if _is_subtest(report):
            # A subtest (schemathesis': one operation of a schema) is part of the running test, which fails
            # with it; it is counted apart, so that tests are not counted twice.
            if report.failed:
                self.failed_subtests += 1
                self.tests[self.current] = "failed"
                self.why.setdefault(self.current, _crash(report))
            return
        nodeid = report.nodeid
        if self.current and nodeid.startswith(self.current + "["):
            # schemathesis names the test after the operation it is on while a subtest runs; stopped there (-x),
            # the test reports under that name: it is still the one test.
            nodeid = self.current
        now = self.tests.get(nodeid)
        if report.failed:
            state = "failed" if report.when == "call" else "errors"
            if now not in ("failed", "errors"):
                self.tests[nodeid] = state
            self.why.setdefault(nodeid, f"{'' if state == 'failed' else f'in {report.when}: '}{_crash(report)}")
        elif report.skipped and now is None:
            self.tests[nodeid] = "skipped"
        elif report.passed and report.when == "call" and now is None:
            self.tests[nodeid] = "passed"

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> Generator[None, object, object]:
        """pytest's letter (its dots) taken out while the status line is the progress; its category and word
        stay, for its counts and its short summary."""
        status = yield
        if self.display.live and isinstance(status, tuple) and len(status) == 3:
            category, _, word = status
            return (category, "", word)
        return status

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self) -> Generator[None, object, object]:
        try:
            return (yield)
        finally:
            self.display.end()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self) -> Generator[None, object, object]:
        """After pytest's own summary (the kit's section, the skipped tests): the lines that add up."""
        self.display.end()
        result = yield
        writer = self.config.pluginmanager.get_plugin("terminalreporter")
        if writer is None:
            return result
        explained = RECORD.tests_with_failures()
        unexplained = [(nodeid, why) for nodeid, why in self.why.items() if nodeid not in explained]
        if unexplained:
            writer.write_line("failed outside the kit's checks (mocktmc contract -v shows their tracebacks):")
            for nodeid, why in unexplained:
                writer.write_line(f"  {short_test(nodeid)} ({self.tests.get(nodeid)}): {why}")
        counts = Counter(self.tests.values())
        for line in outcome_lines(RECORD.tally(), counts, self.failed_subtests, self.deselected,
                                  time.monotonic() - self.display.start):
            writer.write_line(line, bold=True)
        return result

    def pytest_unconfigure(self) -> None:
        self.display.end()
        if self.display.stream is not sys.stdout:
            self.display.stream.close()


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ProgressPlugin(config), "mocktmc-kit-progress")
