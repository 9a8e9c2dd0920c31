"""The contract kit's reports, as people and CI meet them: the HTML page opened in a real (headless) browser,
and the JUnit XML read back, both from one real run of the kit against a defect; and the rendering of a
record built by hand for what a short run does not bring (hostile text, a test failing outside the checks).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from mocktmc.kit.command import pytest_arguments
from mocktmc.kit.report import Failure, Record

from .browser import chromium, screenshot
from .kit_runs import FAILING_RUN_GROUP, FailingRun

# The module's fixtures run the kit once (with the console's and the replay's tests) and start one browser: all
# its tests on one worker.
pytestmark = pytest.mark.xdist_group(FAILING_RUN_GROUP)



@pytest.fixture(scope="module")
def kit_run(failing_kit_run: FailingRun) -> FailingRun:
    """Two families, one check failing on several operations, exemptions and quirks: a run of a few seconds."""
    return failing_kit_run


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def _summary_counts(summary: str) -> tuple[int, int, int, int]:
    """(operations covered, checks passed, checks failed, failures) as the terminal summary adds them up."""
    families = re.findall(r"^  \w+: (\d+) operations covered, (\d+) checks passed, (\d+) failed", summary, re.M)
    covered, passed, failed = (sum(int(row[index]) for row in families) for index in range(3))
    failures = re.search(r"^  (\d+) failure\(s\):", summary, re.M)
    assert families and failures, summary
    return covered, passed, failed, int(failures.group(1))


def test_the_report_reads_in_a_browser(browser, kit_run, tmp_path):
    covered, passed, failed, failures = _summary_counts(kit_run.summary)
    browser.get(kit_run.html.as_uri())
    try:
        verdict = browser.find_element(By.ID, "verdict")
        assert verdict.text == "FAILED"
        assert "failed" in verdict.get_attribute("class").split()
        assert verdict.value_of_css_property("background-color") in ("rgba(207, 34, 46, 1)", "rgb(207, 34, 46)")
        # The totals say what the terminal's summary said.
        shown = {key: browser.find_element(By.ID, key).text for key in (
            "total-covered", "total-checks-passed", "total-checks-failed", "total-failures", "seed", "families",
            "suites", "version", "started", "duration", "target")}
        assert shown["total-covered"].startswith(f"{covered} of ")
        assert (shown["total-checks-passed"], shown["total-checks-failed"]) == (str(passed), str(failed))
        assert shown["total-failures"] == str(failures) and failures >= 2
        # Tests are counted as the console's closing line counts them: a schemathesis test once, its failed
        # operations as subtests.
        console = re.search(r"^\d+ tests: (\d+) passed, (\d+) failed, (\d+) skipped \((\d+) failed subtests",
                            kit_run.run.stdout, re.M)
        assert console, kit_run.run.stdout[-2000:]
        passed_tests, failed_tests, skipped_tests, subtests = console.groups()
        assert browser.find_element(By.ID, "total-tests").text == (
            f"{passed_tests} passed, {skipped_tests} skipped, {failed_tests} failed "
            f"({subtests} failed subtests: operations of a schema)")
        assert (shown["seed"], shown["families"], shown["suites"]) == ("7", "orchestration, processing",
                                                                      "schemathesis, quirks")
        assert re.fullmatch(r"\d+\.\d+(\.\w+)*", shown["version"]), shown["version"]
        assert datetime.fromisoformat(shown["started"]).tzinfo is not None
        assert re.fullmatch(r"\d+\.\d s|\d+ min \d\d s", shown["duration"]), shown["duration"]
        assert "wrong_type" in shown["target"]

        # A failure's group is folded: its summary line shows, its curl does not, until the summary is clicked.
        group = browser.find_element(By.CSS_SELECTOR, "details.failure-group")
        curl = group.find_element(By.CSS_SELECTOR, ".curl")
        assert group.get_attribute("open") is None and not curl.is_displayed()
        assert group.find_element(By.TAG_NAME, "summary").text.startswith("F1 ")
        group.find_element(By.TAG_NAME, "summary").click()
        assert curl.is_displayed() and curl.text.startswith("curl -X ")
        assert group.find_element(By.CSS_SELECTOR, ".replay").text == "mocktmc contract --replay F1"

        # The index at the top links to every failure; following a link opens the fold it points into.
        last = f"F{failures}"
        target = browser.find_element(By.ID, last)
        assert not target.is_displayed()
        browser.find_element(By.CSS_SELECTOR, f"#failure-index a[href='#{last}']").click()
        assert browser.current_url.endswith(f"#{last}")
        assert target.is_displayed() and target.find_element(By.CSS_SELECTOR, ".curl").is_displayed()
        assert target.find_element(By.CSS_SELECTOR, ".replay").text == f"mocktmc contract --replay {last}"
        # ... and it is scrolled into view.
        top = browser.execute_script(f"return document.getElementById('{last}').getBoundingClientRect().top")
        assert 0 <= top < browser.execute_script("return window.innerHeight")
        # The check's group is linked too, from the index and from the failing row of its family's table.
        check = browser.find_element(By.CSS_SELECTOR, "#failure-index a").text
        assert check == "response_schema_conformance"
        assert browser.find_elements(By.CSS_SELECTOR, f"table.checks tr.fail a[href='#check-{check}']")
        _the_charts_show_what_the_summary_says(browser, kit_run.summary)
    finally:
        _keep_screenshot(browser)


def _the_charts_show_what_the_summary_says(browser: webdriver.Chrome, summary: str) -> None:
    """A stacked bar per family of the coverage table, its parts the checks the summary counts; the target's
    answer times per family, percentiles in order, from as many answers as the table beside says."""
    chart = browser.find_element(By.ID, "chart-checks")
    browser.execute_script("arguments[0].scrollIntoView()", chart)
    assert chart.is_displayed() and chart.size["height"] > 150
    table = [row.find_element(By.TAG_NAME, "td").text for row in
             browser.find_elements(By.CSS_SELECTOR, "#coverage tr:not(.all)")[1:]]
    categories = [g.get_attribute("data-category") for g in chart.find_elements(By.CSS_SELECTOR, "g.category")]
    assert categories == table and len(categories) >= 2
    said = re.findall(r"^  (\w+): \d+ operations covered, (\d+) checks passed, (\d+) failed", summary, re.M)
    assert said
    for family, passed, failed in said:
        bars = {bar.get_attribute("data-series"): bar for bar in
                chart.find_elements(By.CSS_SELECTOR, f"rect.bar[data-category='{family}']")}
        assert (bars["passed"].get_attribute("data-value"), bars["failed"].get_attribute("data-value")) == (
            passed, failed)
        assert bars["passed"].size["height"] > 0 and (bars["failed"].size["height"] > 0) == (failed != "0")
        assert bars["failed"].find_element(By.TAG_NAME, "title").get_attribute("textContent") == (
            f"{family}, failed: {failed} checks")
    times = browser.find_element(By.ID, "chart-answer-times")
    assert times.is_displayed()
    counts = {row.find_elements(By.TAG_NAME, "td")[0].text: int(row.find_elements(By.TAG_NAME, "td")[1].text)
              for row in browser.find_elements(By.CSS_SELECTOR, "#answer-times tr")[1:]}
    assert {"orchestration", "processing"} <= set(counts) and all(count > 0 for count in counts.values())
    for family in counts:
        values = [float(bar.get_attribute("data-value")) for bar in
                  times.find_elements(By.CSS_SELECTOR, f"rect.bar[data-category='{family}']")]
        assert len(values) == 4 and 0 < values[0] <= values[1] <= values[2] <= values[3], (family, values)


def _keep_screenshot(browser: webdriver.Chrome) -> None:
    """A picture of the page for whoever reads the test run (build/screenshots/contract-report.png)."""
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "contract-report")


def test_the_junit_report_counts_what_the_summary_counts(kit_run):
    covered, passed, failed, failures = _summary_counts(kit_run.summary)
    root = ET.parse(kit_run.junit).getroot()
    assert root.tag == "testsuites" and root.get("name") == "mocktmc contract kit"
    names = [suite.get("name") for suite in root.findall("testsuite")]
    # The families chosen, and any other a quirk's probe touched (monitoring's logs), in name order.
    assert {"mocktmc contract kit: orchestration", "mocktmc contract kit: processing"} <= set(names)
    assert names == sorted(names)
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) and int(root.get("failures")) == failures
    assert float(root.get("time")) > 0
    failing = [case for case in cases if case.find("failure") is not None]
    assert len(failing) == failures
    for case in failing:
        family, check = case.get("classname").split(".", 1)
        assert check == "response_schema_conformance" and re.fullmatch(r"(GET|POST) /\S+", case.get("name"))
        element = case.find("failure")
        assert element.get("message").startswith("Response violates schema")
        assert "repeat it: curl -X " in element.text and "replay: mocktmc contract --replay F" in element.text
    # One test case per (check, operation), each check named by family: as many checks as the summary counts.
    checked = [case for suite in root.findall("testsuite") if suite.get("name") != "mocktmc contract kit: tests"
               for case in suite.findall("testcase")]
    assert len({case.get("classname") for case in checked}) == passed + failed
    assert len({(case.get("classname").split(".")[0], case.get("name")) for case in checked}) >= covered
    # A skipped test (a quirk this target cannot show) is told as skipped, with its reason.
    skipped = root.find("testsuite[@name='mocktmc contract kit: tests']/testcase/skipped")
    assert skipped is not None and "undetermined" in skipped.get("message")
    # No pytest properties, no blobs: only what the record holds.
    assert not root.findall(".//properties") and "base64" not in kit_run.junit.read_text()
    assert f"JUnit XML report: {kit_run.junit}" in kit_run.run.stdout


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


def test_the_page_charts_checks_and_answer_times_per_family():
    record = _record()
    for milliseconds in range(1, 101):  # 1 ms to 100 ms: the percentiles are those very answers
        record.answered("orchestration", milliseconds / 1000)
    record.answered("processing", 0.25)
    page = record.html()
    charts = {svg.get("id"): svg for svg in map(ET.fromstring, re.findall(r"<svg .*?</svg>", page, re.S))}
    bars = {(bar.get("data-category"), bar.get("data-series")): bar.get("data-value")
            for bar in charts["chart-checks"].iter("{http://www.w3.org/2000/svg}rect") if bar.get("data-series")}
    # legacy's operations were all left out: it is in the coverage table, with no checks, and so in the chart.
    assert bars == {("legacy", "passed"): "0", ("legacy", "failed"): "0", ("orchestration", "passed"): "1",
                    ("orchestration", "failed"): "1", ("processing", "passed"): "0", ("processing", "failed"): "1"}
    times = {(bar.get("data-category"), bar.get("data-series")): float(bar.get("data-value"))
             for bar in charts["chart-answer-times"].iter("{http://www.w3.org/2000/svg}rect")
             if bar.get("data-series")}
    assert [times[("orchestration", p)] for p in ("p50", "p90", "p95", "p99")] == [50, 90, 95, 99]
    assert times[("processing", "p99")] == 250
    assert "<tr><td>orchestration</td><td class='n'>100</td><td class='n'>50</td><td class='n'>90</td>" in page
    assert "<td class='n'>99</td><td class='n'>100</td></tr>" in page  # p99, and the slowest answer
    assert "How fast the target answered" in page
    # Without timed answers there is no answer-time chart (nothing is drawn that was not measured).
    assert "chart-answer-times" not in _record().html() and "chart-checks" in _record().html()


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
