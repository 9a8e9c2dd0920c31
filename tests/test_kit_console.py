"""`mocktmc contract` as a new user meets it: wrong options refused before pytest starts, naming the command's
own options; a target that does not answer said so in one line; a live status line and closing lines in the
kit's terms (mocktmc.kit.progress); no pytest tracebacks, header or spurious warnings by default.

Most tests run the command in this process with pytest.main replaced, so no kit runs; the last reads the run
with a defect that tests/conftest.py's `failing_kit_run` makes as users do, in a subprocess.
"""
from __future__ import annotations

import io
import json
import re
import socket
from collections import Counter

import pytest
from click.testing import CliRunner

from mocktmc.defect_catalog import DEFECTS
from mocktmc.kit import command
from mocktmc.kit.command import FAMILIES, SUITES, Unreachable, contract, pytest_arguments, reach
from mocktmc.kit.progress import Display, outcome_lines, short_test, status_line
from mocktmc.kit.report import RECORD, Record, Tally
from mocktmc.testing import MockTMC

from .conftest import DEMO_PAT
from .kit_runs import FAILING_RUN_GROUP, FailingRun, KitRun, kit_in_a_process


@pytest.fixture
def pytest_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """pytest.main replaced: the command lines the command would have run the kit with."""
    started: list[list[str]] = []

    def main(args: list[str]) -> int:
        started.append(list(args))
        return 0

    monkeypatch.setattr(pytest, "main", main)
    monkeypatch.delenv("TMC_URL", raising=False)
    monkeypatch.delenv("TMC_TOKEN", raising=False)
    return started


def _run(*args: str):
    return CliRunner().invoke(contract, list(args))


@pytest.mark.parametrize("option, value, named", [
    ("--family", "foo", "unknown family foo"),
    ("--family", "processing,foo", "unknown family foo"),
    ("--suite", "crud,bar,baz", "unknown suites bar, baz"),
    ("--family", " , ", "name at least one family"),
])
def test_an_unknown_name_is_refused_before_pytest_starts(pytest_runs, option, value, named):
    result = _run(option, value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and named in result.output
    known = FAMILIES if option == "--family" else SUITES
    assert f"known: {', '.join(known)}" in result.output
    assert pytest_runs == []


def test_an_unknown_defect_is_refused_naming_the_catalog(pytest_runs):
    result = _run("--defect", "foo")
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--defect'" in result.output
    assert all(name in result.output for name in DEFECTS)
    # Case sensitive, as `mocktmc serve --defect` is.
    assert _run("--defect", "WRONG_TYPE").exit_code == 2
    assert pytest_runs == []


def test_names_are_passed_on_trimmed_and_once(pytest_runs):
    result = _run("--family", " processing, security,processing", "--suite", "crud", "--defect", "wrong_type")
    assert result.exit_code == 0, result.output
    [args] = pytest_runs
    assert "--tmc-family=processing,security" in args and "--tmc-suite=crud" in args
    assert "--tmc-defect=wrong_type" in args


def test_the_known_names_are_the_kits():
    """The command checks names before the kit is imported; the kit's conftest is what selects by them."""
    from contracts import conftest
    assert conftest.FAMILIES == FAMILIES and conftest.SUITES == SUITES


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_url_is_one_clear_line(pytest_runs):
    url = f"http://127.0.0.1:{_free_port()}"
    result = _run("--url", url, "--token", "t")
    assert result.exit_code == 2, result.output
    assert f"Error: cannot reach {url}: [Errno" in result.output
    assert "--wait SECONDS" in result.output
    assert "Traceback" not in result.output and "HTTPConnectionPool" not in result.output
    assert pytest_runs == []


@pytest.mark.parametrize("args, said", [
    (["--url", "localhost:8080", "--token", "t"], "is not an http(s) URL"),
    (["--url", "http://127.0.0.1:9"], "--url needs credentials"),
    (["--url", "http://127.0.0.1:9", "--token", "t", "--defect", "wrong_type"], "mocktmc serve --defect"),
    (["--wait", "3"], "--wait waits for the target --url names"),
])
def test_options_that_cannot_go_together_are_usage_errors(pytest_runs, args, said):
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert pytest_runs == []


def test_wait_polls_until_the_target_answers():
    """Down twice, then up: two pauses of POLL_EVERY seconds (a stand-in clock; nothing sleeps)."""
    import requests
    answers = [requests.ConnectionError("[Errno 111] Connection refused")] * 2 + [None]
    now = [0.0]
    pauses: list[float] = []

    def get(url: str, **kwargs: object) -> None:
        answer = answers.pop(0)
        if answer is not None:
            raise answer

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    reach("http://tmc.test", 5.0, get=get, sleep=sleep, now=lambda: now[0])
    assert pauses == [command.POLL_EVERY] * 2 and answers == []

    answers[:] = [requests.ConnectionError("[Errno 111] Connection refused")] * 10
    pauses.clear()
    with pytest.raises(Unreachable) as refused:
        reach("http://tmc.test", 1.0, get=get, sleep=sleep, now=lambda: now[0])
    assert str(refused.value) == "cannot reach http://tmc.test: [Errno 111] Connection refused (tried for 1 s)"
    assert sum(pauses) <= 1.0 and len(pauses) == 2
    assert refused.value.exit_code == 2


def test_a_served_mock_that_is_up_is_checked(pytest_runs):
    with MockTMC(auth="strict", clock="frozen").serve() as url:
        result = _run("--url", url, "--wait", "5", "--token", DEMO_PAT, "--family", "security")
    assert result.exit_code == 0, result.output
    assert f"checking {url}; families security" in result.output
    [args] = pytest_runs
    assert f"--tmc-url={url}" in args


def _arguments(verbose: bool) -> list[str]:
    return pytest_arguments(None, None, None, None, None, None, "processing", "crud", 2, 5, 7, None, None, (),
                            600.0, ("-x",), "observed", verbose)


def test_the_console_is_the_kits_by_default_and_pytests_with_verbose():
    quiet, loud = _arguments(False), _arguments(True)
    for args in (quiet, loud):
        # No assertion rewriting: the kit's checks carry their messages, and rewriting warns about mocktmc.
        assert "--assert=plain" in args
        assert args[args.index("-p", 2) + 1] == "mocktmc.kit.progress"
        assert args[-1] == "-x"  # the user's own pytest arguments come last, so that they win
    assert {"-qq", "--tb=no", "-rs"} <= set(quiet) and "--tb=long" not in quiet
    assert {"-v", "--tb=long"} <= set(loud) and not {"-qq", "--tb=no"} & set(loud)


def test_verbose_reaches_pytest(pytest_runs):
    assert _run("-v", "--family", "security").exit_code == 0
    assert "--tb=long" in pytest_runs[0]


TALLY = Tally({"processing": (3, 0, 12), "orchestration": (15, 2, 90)}, 9,
              "contracts/test_schemathesis.py::test_processing[GET /processing/x]", "GET /processing/executions")


def test_the_status_line_says_checks_per_family_and_where_the_run_is():
    assert status_line(TALLY, 65) == (
        "mocktmc contract 1:05 | orchestration: 15 ok 2 FAILED, 90 ops | processing: 3 ok, 12 ops"
        " | test_schemathesis.py::test_processing[GET /processing/x] GET /processing/executions")
    assert status_line(TALLY, 3725).startswith("mocktmc contract 1:02:05 | ")
    cut = status_line(TALLY, 65, width=60)
    assert len(cut) == 60 and cut.endswith("...")
    assert status_line(Tally({}, 0, "", ""), 1, phase="collecting") == "mocktmc contract 0:01 | collecting"


def test_short_test_names_keep_slashes_in_parameters():
    assert short_test("a/b/test_x.py::test_y[GET /p/q]") == "test_x.py::test_y[GET /p/q]"


def test_the_closing_lines_count_checks_then_tests():
    kit, tests = outcome_lines(TALLY, Counter({"passed": 14, "failed": 40}), 38, 23, 147.25)
    assert kit == ("mocktmc contract: 18 checks passed, 2 failed, over 102 operations covered in 2 families; "
                   "9 failures (listed above, each with a curl command)")
    assert tests == ("54 tests: 14 passed, 40 failed (38 failed subtests: operations of a schema); "
                     "23 not selected; 147.2 s")
    kit, tests = outcome_lines(Tally({"security": (14, 0, 1)}, 0, "", ""), Counter({"passed": 1}), 0, 0, 0.5)
    assert kit == "mocktmc contract: 14 checks passed, 0 failed, over 1 operation covered in 1 family; 0 failures"
    assert tests == "1 test: 1 passed; 0.5 s"


def test_a_records_tally_counts_as_its_summary_does():
    record = Record()
    record.passed("orchestration", "status_code_conformance", "GET /orchestration/workspaces")
    record.passed("orchestration", "crud_status", "POST /orchestration/workspaces")
    record.failed("orchestration", "crud_status", "GET /orchestration/workspaces", "no", None)
    record.current_test = "t.py::test_a"
    tally = record.tally()
    assert tally.families == {"orchestration": (1, 1, 2)}  # crud_status failed somewhere: failed
    assert tally.failures == 1 and tally.test == "t.py::test_a"
    assert tally.operation == "GET /orchestration/workspaces"
    assert "orchestration: 2 operations covered, 1 checks passed, 1 failed" in record.summary_lines()[1]
    assert record.tests_with_failures() == {""}  # recorded before current_test was set


def test_the_line_is_rewritten_in_place_and_cleared_on_a_terminal():
    RECORD.reset()  # the display reads the process's record: kit runs in this worker may have left theirs
    screen = io.StringIO()
    display = Display(screen, tty=True, live=True)
    display.test_started("contracts/test_crud_machine.py::TestCrudMachine::runTest")
    drawn = screen.getvalue()
    assert drawn.startswith("\rmocktmc contract 0:00") and "test_crud_machine.py::TestCrudMachine" in drawn
    assert "\n" not in drawn
    display.end()
    assert screen.getvalue() == drawn + "\r" + " " * (len(drawn) - 1) + "\r"
    display.draw()  # after the end nothing more is drawn
    assert screen.getvalue().endswith(" \r")


def test_in_a_log_a_line_per_test_file_and_with_verbose_none():
    log = io.StringIO()
    RECORD.reset()
    display = Display(log, tty=False, live=True)
    for nodeid in ("c/test_a.py::one", "c/test_a.py::two", "c/test_b.py::three"):
        display.test_started(nodeid)
    lines = log.getvalue().splitlines()
    assert [line.rsplit(" | ", 1)[-1].split(" ")[0] for line in lines] == ["test_a.py::one", "test_b.py::three"]
    quiet = io.StringIO()
    Display(quiet, tty=False, live=False).test_started("c/test_a.py::one")
    assert quiet.getvalue() == ""


@pytest.mark.xdist_group(FAILING_RUN_GROUP)
def test_a_short_run_shows_progress_and_the_kits_summary_only(failing_kit_run: FailingRun):
    """A slice of the kit with a defect, as users run it: failures summarised once, without tracebacks; the
    closing lines count the checks, then the tests, and add up."""
    run = failing_kit_run.run
    out = run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == ("mocktmc contract: checking a mock in this process; families orchestration,processing; "
                        "suites schemathesis,quirks")
    assert re.search(r"^mocktmc contract \d+:\d\d \| .*test_schemathesis\.py::test_orchestration", run.stdout, re.M)
    assert re.search(r"^    FAIL response_schema_conformance:", run.stdout, re.M)
    assert re.search(r"^      repeat it: curl ", run.stdout, re.M)
    checks = re.search(r"^mocktmc contract: (\d+) checks passed, (\d+) failed, over (\d+) operations covered in "
                       r"(\d) families; (\d+) failures", run.stdout, re.M)
    assert checks, out[-3000:]
    tests = re.fullmatch(r"(\d+) tests: (\d+) passed, (\d+) failed, (\d+) skipped \((\d+) failed subtests: "
                         r"operations of a schema\); (\d+) not selected; \d+\.\d s", lines[-1])
    assert tests, out[-3000:]
    total, passed, failed, skipped, subtests, unselected = map(int, tests.groups())
    assert total == passed + failed + skipped and unselected > 0
    # The two schemathesis tests failed, one subtest per failure (every failure is one of an operation); the
    # quirk this target cannot show was skipped.
    assert (failed, skipped, subtests) == (2, 1, int(checks.group(5))), lines[-1]
    for noise in ("PytestAssertRewriteWarning", "Traceback", "test session starts", "SUBFAILED", "%]"):
        assert noise not in out, f"{noise!r} in:\n{out[-4000:]}"
    assert not re.search(r"collected \d+ item", out)


@pytest.mark.xdist_group(FAILING_RUN_GROUP)
def test_a_failure_is_replayed_by_its_id_with_the_runs_options_and_seed(failing_kit_run: FailingRun):
    """A run writes its failures and options (no credentials) to .mocktmc-kit/last-run.json where it runs;
    `--replay F2` runs that failure's test again, on that failure's operation alone, with the same seed, and says
    whether it failed again."""
    def kit(*args: str) -> KitRun:
        return kit_in_a_process(list(args), cwd=failing_kit_run.folder)
    run_file = failing_kit_run.folder / ".mocktmc-kit" / "last-run.json"
    saved = run_file.read_text()
    first = json.loads(saved)
    assert first["options"]["seed"] == 7 and first["options"]["phases"] == "examples,fuzzing"
    assert "TMC_TOKEN" in saved and "token\"" not in saved
    f2 = next(failure for failure in first["failures"] if failure["id"] == "F2")
    again = kit("--replay", "F2")
    assert again.returncode == 1, again.stdout[-3000:] + again.stderr[-2000:]
    assert "F2 failed again: [response_schema_conformance]" in again.stdout
    assert "replaying F2" in again.stdout and "seed 7" in again.stdout
    # Only F2's operation was sent again: the one the schemathesis test failed on, none of its family's others.
    assert re.search(r"^  orchestration: 1 operations covered", again.stdout, re.M), again.stdout[-3000:]
    assert f"on {f2['operation']})" in again.stdout
    assert re.search(r"^1 test: 1 failed", again.stdout.splitlines()[-2]), again.stdout[-2000:]
    assert run_file.read_text() == saved  # a replay leaves the run file
    unknown = kit("--replay", "F99")
    assert unknown.returncode == 2 and "no failure F99" in unknown.stderr and "F1, F2" in unknown.stderr
