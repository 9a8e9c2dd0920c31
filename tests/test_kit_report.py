"""The contract kit's reports: the rendering of a record built by hand, with what a short run does not
bring (hostile text, a test failing outside the checks).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from mocktmc.kit.command import pytest_arguments
from mocktmc.kit.report import Failure, Record


def _record() -> Record:
    """A record as a kit run leaves it, with text a page must not take for markup."""
    record = Record(seed=42, target="the in-process mock <yes>")
    record.started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    record.finished = record.started + timedelta(seconds=75)
    record.suites, record.chosen_families = ["schemathesis", "crud"], ["orchestration", "processing"]
    record.current_test = "test_crud_machine.py::test_crud"
    record.passed("orchestration", "crud_status", "GET /orchestration/workspaces")
    record.failed("orchestration", "deleted_is_gone", "GET /orchestration/connections/{connectionId}",
                  "still there <script>alert(1)</script>\x00\x1b", "curl -X GET 'http://x/a?b=1&c=2'")
    record.failed("processing", "deleted_is_gone", None, "no operation", None)
    record.exempt("undeclared query parameters", "TMC ignores them & says nothing")
    record.observe_quirk("task_name_prefix", "observed", "'Load' finds 'Load customers'")
    record.leave_out("legacy", "GET /tmc/v2.6/plans", "answered 501")
    record.test_outcome("test_crud_machine.py::test_crud", "failed", "KitFailure", "test_crud_machine.py::test_crud")
    record.test_outcome("test_lifecycle_machine.py::test_x", "failed", "ConnectionError: <refused>",
                        "test_lifecycle_machine.py::test_x")
    record.test_outcome("test_quirks.py::test_q", "skipped", "read-only target", "test_quirks.py::test_q")
    record.exit_status = 1
    return record


def test_failures_are_numbered_in_order_and_replayed_by_number():
    record = _record()
    assert [failure.id for failure in record.failures] == ["F1", "F2"]
    assert record.failures[1].replay == "mocktmc contract --replay F2"
    lines = "\n".join(record.summary_lines())
    assert "[deleted_is_gone] F1 (orchestration on GET /orchestration/connections/{connectionId})" in lines
    assert "[deleted_is_gone] F2 (processing) no operation" in lines


def test_the_page_escapes_what_it_shows_and_counts_tests_failed_outside_the_checks():
    record = _record()
    page = record.html()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;\\x00\\x1b" in page
    assert "the in-process mock &lt;yes&gt;" in page and "&#x27;http://x/a?b=1&amp;c=2&#x27;" in page
    assert "<p id='verdict' class='verdict failed'>FAILED</p>" in page
    # The test that failed with a check failing in it is explained by the check; the other is shown apart.
    assert record.failed_outside_checks() == ["test_lifecycle_machine.py::test_x"]
    assert "1 test(s) failed outside the named checks" in page and "ConnectionError: &lt;refused&gt;" in page
    assert "<td id='duration'>1 min 15 s</td>" in page and "2026-01-02T03:04:05+00:00" in page
    # One check's failures grouped, each on its operation, linked from the index by check and by id.
    assert page.count("<section class='check-group' id='check-deleted_is_gone'>") == 1
    assert "<a href='#check-deleted_is_gone'>deleted_is_gone</a>: 2 failure(s) on 2 operation(s)" in page
    assert "<div class='failure' id='F2'>" in page and "<a href='#F2'>F2</a>" in page
    assert "no request to repeat" in page and "legacy" in page and "answered 501" in page


def test_a_clean_record_passes_and_several_failures_on_one_operation_share_a_group():
    record = Record(seed=1)
    record.passed("security", "token_issued", "POST /security/oauth/token")
    assert record.verdict() == "PASSED" and "class='verdict passed'>PASSED" in record.html()
    record.exit_status = 5  # pytest collected nothing: the command fails, so the page must not say PASSED
    assert record.verdict() == "FAILED"
    record.failures += [Failure("security", "token_issued", "POST /security/oauth/token", f"try {n}", None,
                                id=f"F{n}") for n in (1, 2)]
    page = record.html()
    assert ("<span class='fid'>F1</span> POST /security/oauth/token <span class='family'>(security)</span> "
            "&mdash; 2 failure(s)") in page
    assert "<div class='failure' id='F2'>" in page and "try 2" not in page  # the group shows its first message


def test_the_junit_xml_carries_failures_left_out_operations_and_tests_outside_the_checks():
    root = ET.fromstring(_record().junit())
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["mocktmc contract kit: legacy", "mocktmc contract kit: orchestration",
                            "mocktmc contract kit: processing", "mocktmc contract kit: tests"]
    orchestration = suites["mocktmc contract kit: orchestration"]
    assert (orchestration.get("tests"), orchestration.get("failures")) == ("2", "1")
    failure = orchestration.find("testcase[@classname='orchestration.deleted_is_gone']/failure")
    assert failure.get("message") == "still there <script>alert(1)</script>\\x00\\x1b"
    assert "repeat it: curl -X GET 'http://x/a?b=1&c=2'" in failure.text
    assert suites["mocktmc contract kit: processing"].find("testcase").get("name") == "-"
    skipped = suites["mocktmc contract kit: legacy"].find("testcase/skipped")
    assert skipped.get("message") == "answered 501"
    tests = suites["mocktmc contract kit: tests"]
    assert tests.find("testcase/error").get("message") == "ConnectionError: <refused>"
    assert tests.find("testcase/skipped").get("message") == "read-only target"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped"), root.get("time")) == (
        "6", "2", "1", "2", "75.000")


def test_the_command_asks_the_kit_for_its_own_junit_report():
    args = pytest_arguments(None, None, None, None, None, None, "security", "quirks", 1, 1, None,
                            "build/junit.xml", "build/report.html", (), 600.0)
    assert "--tmc-junit=build/junit.xml" in args and "--tmc-html=build/report.html" in args
    assert not any(arg.startswith("--junitxml") for arg in args)
