"""Judging the client from pytest (mocktmc_judge: ini key, --mocktmc-judge, marker): a temporary project run with
pytester, whose tests drive a scripted client against the plugin's fixtures and pass or fail by its report."""
from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]

# Scripted clients against the in-process `mocktmc` (clock frozen): one that polls a run twelve times in one
# second of mock time (polls_too_fast, an error), one that starts once and polls once after time moved on.
CLIENTS = """
import pytest

LOAD = "65f1a0c2e4b0a1b2c3d42001"  # a task of the default fixture world
RUNS = "/processing/executions"

def start(session):
    answer = session.post(RUNS, json={"executable": LOAD})
    assert answer.status_code == 201
    return answer.json()["executionId"]

def poll_fast(session, times=12):
    run = start(session)
    for _ in range(times):
        assert session.get(f"{RUNS}/{run}").status_code == 200

def poll_politely(session, advance):
    run = start(session)
    advance(seconds=5)
    assert session.get(f"{RUNS}/{run}").status_code == 200
"""

POLLED_SEQS = "seqs 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13"  # a fresh mock's journal: the start is 1, the polls next


def run(pytester: pytest.Pytester, tests: str, *args: str, ini: str | None = None) -> pytest.RunResult:
    pytester.makepyfile(clients=CLIENTS, test_client=tests)
    if ini is not None:
        pytester.makeini(f"[pytest]\n{ini}\n")
    return pytester.runpytest("-p", "no:cacheprovider", "--strict-markers", *args)


def test_the_ini_line_fails_a_test_whose_client_polls_too_fast_and_passes_a_polite_one(pytester):
    result = run(pytester, """
        import pytest
        from clients import poll_fast, poll_politely

        @pytest.fixture
        def session(mocktmc):  # a project's own fixture over mocktmc: the test used the mock all the same
            return mocktmc.client()

        def test_fast(mocktmc):
            poll_fast(mocktmc.client())

        def test_polite(mocktmc):
            poll_politely(mocktmc.client(), mocktmc.clock.advance)

        def test_fast_through_a_fixture(session):
            poll_fast(session)
    """, ini="mocktmc_judge = warning")
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["*_ test_fast _*",
                                 "mocktmc_judge: the client broke 1 rule(s) at or above 'warning' (ini mocktmc_judge):",
                                 "the in-process `mocktmc`, 13 journal entries judged:",
                                 f"  error polls_too_fast ({POLLED_SEQS}): 12 GET /processing/executions/* within "
                                 "one second of mock time*Fix: Sleep between polls*",
                                 "*@pytest.mark.mocktmc_judge(ignore=('polls_too_fast',)) or severity=\"off\".",
                                 "FAILED test_client.py::test_fast - Failed: mocktmc_judge*",
                                 "FAILED test_client.py::test_fast_through_a_fixture - Failed: mocktmc_judge*"])
    assert "test_polite" not in out.split("short test summary info")[-1]  # only the fast one failed
    assert "ERROR" not in out  # a failure of the test, not an error in its teardown


def test_without_the_ini_line_nothing_is_judged_and_the_option_judges_every_test(pytester):
    tests = """
        from clients import poll_fast

        def test_fast(mocktmc):
            poll_fast(mocktmc.client())
    """
    unjudged = run(pytester, tests)
    unjudged.assert_outcomes(passed=1)
    assert "polls_too_fast" not in unjudged.stdout.str()
    judged = pytester.runpytest("-p", "no:cacheprovider", "--mocktmc-judge=error")
    judged.assert_outcomes(failed=1)
    judged.stdout.fnmatch_lines(["*at or above 'error' (--mocktmc-judge=error):",
                                 f"  error polls_too_fast ({POLLED_SEQS}):*"])


def test_the_option_overrides_the_ini_and_a_bad_ini_value_is_a_usage_error(pytester):
    tests = """
        from clients import poll_fast

        def test_fast(mocktmc):
            poll_fast(mocktmc.client())
    """
    result = run(pytester, tests, "--mocktmc-judge=off", ini="mocktmc_judge = error")
    result.assert_outcomes(passed=1)
    assert "polls_too_fast" not in result.stdout.str()
    pytester.makeini("[pytest]\nmocktmc_judge = loud\n")
    refused = pytester.runpytest("-p", "no:cacheprovider")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*ini mocktmc_judge must be one of info, warning, error, off, got 'loud'*"])


def test_a_marker_judges_one_test_without_the_ini(pytester):
    result = run(pytester, """
        import pytest
        from clients import poll_fast

        @pytest.mark.mocktmc_judge
        def test_judged(mocktmc):
            poll_fast(mocktmc.client())

        def test_not_judged(mocktmc):
            poll_fast(mocktmc.client())
    """)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*_ test_judged _*",
                                 "*at or above 'warning' (@pytest.mark.mocktmc_judge (default warning)):",
                                 f"  error polls_too_fast ({POLLED_SEQS}):*",
                                 "FAILED test_client.py::test_judged - Failed: mocktmc_judge*"])
    assert "test_not_judged" not in result.stdout.str()


def test_a_module_marker_and_a_test_marker_over_it(pytester):
    result = run(pytester, """
        import pytest
        from clients import poll_fast

        pytestmark = pytest.mark.mocktmc_judge(severity="error")

        def test_judged_by_the_module(mocktmc):
            poll_fast(mocktmc.client())

        @pytest.mark.mocktmc_judge(severity="off")
        def test_switched_off(mocktmc):
            poll_fast(mocktmc.client())
    """, ini="mocktmc_judge = error")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*_ test_judged_by_the_module _*",
                                 "*at or above 'error' (@pytest.mark.mocktmc_judge(severity='error')):",
                                 "FAILED test_client.py::test_judged_by_the_module - Failed: mocktmc_judge*"])
    assert "test_switched_off" not in result.stdout.str()


def test_ignore_rules_and_a_severity_above_the_findings_keep_a_test_passing(pytester):
    result = run(pytester, """
        import pytest
        from clients import poll_fast

        @pytest.mark.mocktmc_judge(ignore=("polls_too_fast",))
        def test_ignored(mocktmc):
            poll_fast(mocktmc.client())

        @pytest.mark.mocktmc_judge(rules=["first_page_only"])
        def test_other_rules_only(mocktmc):
            poll_fast(mocktmc.client())

        @pytest.mark.mocktmc_judge(severity="warning")
        def test_an_info_finding_under_warning(mocktmc):
            assert mocktmc.client().get("/tmc/v2.6/workspaces").status_code == 200
            assert [f["severity"] for f in mocktmc.report()["findings"]] == ["info"]  # deprecated_path

        @pytest.mark.mocktmc_judge("info")
        def test_the_same_finding_under_info(mocktmc):
            assert mocktmc.client().get("/tmc/v2.6/workspaces").status_code == 200

        @pytest.mark.mocktmc_judge(ignore="polls_to_fast")
        def test_a_misspelt_rule(mocktmc):
            poll_fast(mocktmc.client())
    """, ini="mocktmc_judge = error")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*_ test_the_same_finding_under_info _*",
        "*at or above 'info' (@pytest.mark.mocktmc_judge(severity='info')):",
        "  info deprecated_path (seqs 1): 1 legacy /tmc/v1.x or v2.x calls where GET /orchestration/workspaces does "
        "the same. Fix: *",
        "*_ test_a_misspelt_rule _*",
        "@pytest.mark.mocktmc_judge names unknown rule(s) 'polls_to_fast'; the rules are polls_too_fast, *"])


def test_a_test_that_failed_reports_its_own_failure_not_the_judges(pytester):
    result = run(pytester, """
        from clients import poll_fast

        def test_fails_on_its_own(mocktmc):
            poll_fast(mocktmc.client())
            assert mocktmc.clock.now().year == 1999, "the test's own assertion"
    """, ini="mocktmc_judge = info")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "AssertionError: the test's own assertion" in out
    assert "polls_too_fast" not in out and "mocktmc_judge:" not in out


LIVE = """
from mocktmc.testing import BaseURLSession
from clients import poll_fast, poll_politely

def test_a_fast_client_with_its_token(mocktmc_client, mocktmc_token):
    poll_fast(mocktmc_client)

def test_a_polite_neighbour(mocktmc_client, mocktmc_control):
    poll_politely(mocktmc_client, mocktmc_control.clock.advance)
    assert mocktmc_control.report()["entries"] == 2  # its own account: none of the neighbours' polls

def test_a_fast_client_of_its_own(mocktmc_url, mocktmc_token, mocktmc_control):
    with BaseURLSession(mocktmc_url) as session:  # the test's own client, given the URL and the token
        session.headers["Authorization"] = f"Bearer {mocktmc_token}"
        poll_fast(session, times=11)
    polls = [entry["seq"] for entry in mocktmc_control.journal.requests(method="GET")
             if entry["path"].startswith("/processing/")]
    print(f"ACCOUNT={mocktmc_control.account} POLLS={', '.join(map(str, polls))}")

def test_a_polite_one_after_them(mocktmc_client, mocktmc_token):
    poll_politely(mocktmc_client, lambda seconds: None)  # one poll only: polite whether time moves or not
"""


def test_on_the_live_server_each_test_is_judged_on_its_own_account(pytester):
    result = run(pytester, LIVE, ini="mocktmc_judge = warning")
    result.assert_outcomes(passed=2, failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "*_ test_a_fast_client_with_its_token _*",
        "the live server's account * (`mocktmc_token`), 13 journal entries judged:",
        "  error polls_too_fast (seqs *): 12 GET /processing/executions/* within one second of mock time*",
        "*_ test_a_fast_client_of_its_own _*",
        "  error polls_too_fast (seqs *): 11 GET /processing/executions/* within one second of mock time*"])
    printed = re.search(r"ACCOUNT=(\S+) POLLS=([\d, ]+)", out)
    assert printed is not None, out
    account, polls = printed.groups()
    assert f"the live server's account {account} (`mocktmc_token`), 12 journal entries judged:" in out
    assert f"  error polls_too_fast (seqs {polls.strip()}): 11 GET" in out  # its own polls, no neighbour's
    summary = out.split("short test summary info")[-1]
    assert "test_a_polite_neighbour" not in summary and "test_a_polite_one_after_them" not in summary
    assert "ERROR" not in out
