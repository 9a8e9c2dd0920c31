"""The dashboard (/_mocktmc/ui) clicked through in a real headless chromium, against a real `mocktmc serve` of the
demo world on a frozen clock: watch a run finish as the clock moves and read its log, pick a maintenance window
and pause the task it names, add a fault and see the client's next request fail in the journal; and a server with
a control token, whose dashboard works once the token is given; the client report of a client that polls too fast,
and of one the page alone has watched. Screenshots go to build/screenshots/."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .browser import chromium, screenshot
from .conftest import NIGHTLY_REPORT
from .serving import served

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("dashboard")]
STATUS_FIELD = "#run-detail-fields dd[data-field='status']"
# A Wednesday in winter: the demo's Nightly report (02:00, Paris) runs next at 01:00 UTC on Thursday.
START = "2026-03-04T12:00:00Z"
WAIT = 20  # seconds a page may take to show what a step did (it polls every 2 s)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen",
                 "--start", START], tmp_path / "serve.log") as (_, url):
        yield url


def _client(url: str) -> requests.Session:
    """A TMC client of the demo account, with a token the control plane issues."""
    session = requests.Session()
    token = session.post(f"{url}/_mocktmc/tokens", json={}).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _open(browser: webdriver.Chrome, url: str) -> None:
    browser.get(f"{url}/_mocktmc/ui")
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))


def _text(browser: webdriver.Chrome, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def _wait_for(browser: webdriver.Chrome, condition, message: str):
    """`condition` once it holds; a table redrawn while the condition reads it is read again, not a failure."""
    return WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: condition(d), message)


def _click(browser: webdriver.Chrome, css: str, message: str) -> None:
    """Click what `css` finds, found again if the page redrew it meanwhile (a table is redrawn as it refreshes)."""
    def clicked(d: webdriver.Chrome) -> bool:
        found = d.find_elements(By.CSS_SELECTOR, css)
        if found:
            found[0].click()
        return bool(found)
    _wait_for(browser, clicked, message)


def _tab(browser: webdriver.Chrome, name: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"[data-tab='{name}']").click()
    assert browser.find_element(By.ID, f"tab-{name}").is_displayed()


def _set_input(browser: webdriver.Chrome, element_id: str, value: str) -> None:
    """A datetime-local field set as the page reads it (typing into one depends on the browser's locale)."""
    browser.execute_script("document.getElementById(arguments[0]).value = arguments[1]", element_id, value)


def test_watch_a_run_finish_and_read_its_log(browser, server):
    client = _client(server)
    started = client.post(f"{server}/processing/executions", json={"executable": NIGHTLY_REPORT})
    assert started.status_code == 201, started.text
    run_id = started.json()["executionId"]
    # From the landing page, as a person who opened the server's address would come.
    browser.get(f"{server}/")
    browser.find_element(By.ID, "link-dashboard").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
    assert browser.current_url == f"{server}/_mocktmc/ui"
    assert _text(browser, "auth") == "open" and _text(browser, "problem") == ""
    row = f"#runs-table tr[data-run='{run_id}']"
    _wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, f"{row} td:nth-child(2)").text == "Nightly report",
              "the new run is not in the runs table")
    _click(browser, row, "the new run's row went away")
    _wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, STATUS_FIELD).text in ("dispatching", "executing"),
              "no details of a run going opened")
    screenshot(browser, "dashboard-run-going")

    # The Nightly report runs ten minutes: an hour later it has finished, and the open details say so.
    before = _text(browser, "clock-now")
    browser.find_element(By.CSS_SELECTOR, "[data-advance='3600']").click()
    _wait_for(browser, lambda d: _text(d, "clock-now") != before, "the clock did not move")
    _wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, STATUS_FIELD).text == "execution_successful",
              "the run did not finish in the page")
    assert _text(browser, "clock-result").startswith("Moved:")
    log = _text(browser, "run-log")
    assert "Execution finished successfully" in log and "Report source is large" in log
    outcome = browser.find_element(By.CSS_SELECTOR, f"#runs-table tr[data-run='{run_id}'] .outcome")
    assert outcome.text == "execution_successful" and "successful" in outcome.get_attribute("class").split()
    # What the page shows is what the public API says.
    assert client.get(f"{server}/processing/executions/{run_id}").json()["status"] == "execution_successful"
    screenshot(browser, "dashboard-run-finished")

    _tab(browser, "timeline")
    bar = _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"#timeline rect[data-run='{run_id}']"),
                    "the run has no bar on the timeline")[0]
    assert "successful" in bar.get_attribute("class").split()
    assert float(bar.get_attribute("width")) > 2  # ten minutes of a day is a bar, not a tick
    screenshot(browser, "dashboard-timeline")


def test_pause_the_task_a_maintenance_window_holds(browser, server):
    client = _client(server)
    clock = requests.get(f"{server}/_mocktmc/clock").json()
    # The Nightly report runs every night at 02:00 Paris time; the window holds the next such run.
    environment = client.get(f"{server}/orchestration/executables/tasks/{NIGHTLY_REPORT}").json()["workspace"][
        "environment"]["id"]
    coming = client.post(f"{server}/orchestration/executables/events/search", json={
        "environmentId": environment, "to": clock["nowMs"] + 2 * 86_400_000}).json()["items"]
    due = datetime.fromisoformat(next(e for e in coming if e["id"] == NIGHTLY_REPORT)["date"].replace("Z", "+00:00"))
    assert due.isoformat() == "2026-03-05T01:00:00+00:00"
    _open(browser, server)
    _tab(browser, "schedules")
    _wait_for(browser, lambda d: "Nightly report" in _text(d, "calendar"), "the calendar shows no nightly run")
    _set_input(browser, "window-from", (due - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"))
    _set_input(browser, "window-to", (due + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S"))
    browser.find_element(By.CSS_SELECTOR, "#window-form button").click()
    rows = _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#window-runs tbody tr"),
                     "no run found inside the window")
    assert [row.get_attribute("data-executable") for row in rows] == [NIGHTLY_REPORT]
    assert "Nightly report" in rows[0].text
    browser.find_element(By.ID, "window-pause").click()
    _wait_for(browser, lambda d: _text(d, "window-result") == "Paused: Nightly report", "the pause was not told")
    screenshot(browser, "dashboard-maintenance-window")

    # Through the window: the scheduled run misfires, as the task is paused.
    moved = requests.post(f"{server}/_mocktmc/clock/advance", json={"to": (due + timedelta(hours=1)).isoformat()})
    assert moved.json()["misfires"] == 1
    last = client.get(f"{server}/processing/executables/tasks/{NIGHTLY_REPORT}/executions").json()["items"][0]
    assert (last["executionType"], last["misfiredExecutionReason"]) == ("SCHEDULED", "TASK_IS_PAUSED")
    # The pause is in the journal, as the dashboard's change; its reads are not.
    journal = requests.get(f"{server}/_mocktmc/requests").json()
    assert [(e["method"], e["path"]) for e in journal if e["path"].endswith("/pause")] == [
        ("PUT", f"/orchestration/executables/tasks/{NIGHTLY_REPORT}/pause")]
    assert not [e for e in journal if e["path"] in ("/_mocktmc/runs", "/_mocktmc/accounts", "/orchestration/schedules")]

    # After the window: resume, and the next night's run goes ahead.
    browser.find_element(By.ID, "window-resume").click()
    _wait_for(browser, lambda d: _text(d, "window-result") == "Resumed: Nightly report", "the resume was not told")
    next_night = (due + timedelta(days=1, hours=1)).isoformat()
    moved = requests.post(f"{server}/_mocktmc/clock/advance", json={"to": next_night})
    assert moved.json()["misfires"] == 0
    last = client.get(f"{server}/processing/executables/tasks/{NIGHTLY_REPORT}/executions").json()["items"][0]
    assert (last["executionType"], last["status"]) == ("SCHEDULED", "execution_successful")


def test_a_fault_added_in_the_page_fails_the_clients_next_request(browser, server):
    client = _client(server)
    _open(browser, server)
    _tab(browser, "faults")
    path = browser.find_element(By.ID, "fault-path")
    path.clear()
    path.send_keys("/orchestration/environments")
    browser.find_element(By.ID, "fault-status").send_keys("503")
    browser.find_element(By.ID, "fault-times").send_keys("1")
    browser.find_element(By.CSS_SELECTOR, "#fault-form button").click()
    rule = _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#faults-table tbody tr"),
                     "the rule is not listed")[0]
    fault_id = rule.get_attribute("data-fault")
    assert "answers 503" in rule.text and "/orchestration/environments" in rule.text

    # The client's next request meets the rule (the dashboard's own reads never do).
    assert client.get(f"{server}/orchestration/environments").status_code == 503
    assert client.get(f"{server}/orchestration/environments").status_code == 200
    _tab(browser, "journal")
    newest = _wait_for(browser, lambda d: [row for row in d.find_elements(By.CSS_SELECTOR, "#journal-table tbody tr")
                                           if "/orchestration/environments" in row.text][1:],
                       "the client's two requests are not in the journal")
    faulted_seq = newest[0].get_attribute("data-seq")
    cells = [cell.text for cell in newest[0].find_elements(By.TAG_NAME, "td")]
    assert cells[2:6] == ["GET", "/orchestration/environments", "503", fault_id]
    _click(browser, f"#journal-table tr[data-seq='{faulted_seq}']", "the faulted request's row went away")
    assert f'"fault": "{fault_id}"' in _text(browser, "journal-body")
    screenshot(browser, "dashboard-journal")
    # Filtered by status: the faulted request alone.
    browser.find_element(By.ID, "journal-status").send_keys("503")
    browser.find_element(By.ID, "journal-path").click()  # leaving the field tells the page it changed
    _wait_for(browser, lambda d: [row.get_attribute("data-seq") for row in
                                  d.find_elements(By.CSS_SELECTOR, "#journal-table tbody tr")] == [faulted_seq],
              "the status filter did not leave the faulted request alone")

    # The spent rule is removed from the page.
    _tab(browser, "faults")
    _click(browser, f"#faults-table button[data-remove='{fault_id}']", "no button removes the rule")
    _wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#faults-table tbody tr"), "the rule stayed")
    assert requests.get(f"{server}/_mocktmc/faults").json() == []

    # A behaviour is read and set from the same tab.
    select = browser.find_element(By.ID, "behavior-task")
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))",
                           select, NIGHTLY_REPORT)
    _wait_for(browser, lambda d: "EXECUTION_SUCCESS" in d.find_element(By.ID, "behavior").get_attribute("value"),
              "the task's behaviour did not load")
    _set_input(browser, "behavior", '{"outcome": "EXECUTION_FAILED"}')
    browser.find_element(By.ID, "behavior-set").click()
    _wait_for(browser, lambda d: _text(d, "behavior-result").startswith("Set"), "the behaviour was not set")
    assert requests.get(f"{server}/_mocktmc/behaviors/tasks/{NIGHTLY_REPORT}").json()["outcome"] == "EXECUTION_FAILED"
    screenshot(browser, "dashboard-faults")


def test_a_closed_control_plane_asks_for_its_token(browser, tmp_path):
    token = "dashboard-test-token"
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen",
                 "--control-token", token], tmp_path / "serve.log") as (_, url):
        browser.execute_script("sessionStorage.clear()")
        _open(browser, url)
        assert "needs its control token" in _text(browser, "problem")
        assert browser.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr") == []
        browser.find_element(By.ID, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr"),
                  "no runs after the token was given")
        assert not browser.find_element(By.ID, "problem").is_displayed()
        total = requests.get(f"{url}/_mocktmc/runs", headers={"Authorization": f"Bearer {token}"}).json()["total"]
        assert _text(browser, "runs-range").endswith(f"of {total}")
        browser.execute_script("sessionStorage.clear()")


def test_every_account_of_an_isolated_server_is_picked_in_turn(browser, tmp_path):
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--clock", "frozen", "--auth", "isolated",
                 "--start", START], tmp_path / "serve.log") as (_, url):
        first, second = requests.Session(), requests.Session()
        first.headers["Authorization"], second.headers["Authorization"] = "Bearer worker-a", "Bearer worker-b"
        run_id = first.post(f"{url}/processing/executions", json={"executable": NIGHTLY_REPORT}).json()["executionId"]
        accounts = {s: requests.post(f"{url}/_mocktmc/accounts", json={"token": token}).json()["id"]
                    for s, token in (("a", "worker-a"), ("b", "worker-b"))}
        _open(browser, url)
        options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#account option")]
        assert set(accounts.values()) <= set(options)
        for name, has_run in (("a", True), ("b", False)):
            browser.execute_script("const s = document.getElementById('account'); s.value = arguments[0]; "
                                   "s.dispatchEvent(new Event('change'))", accounts[name])
            _wait_for(browser, lambda d: "own clock" in _text(d, "clock-which"), "no clock of its own")
            _wait_for(browser, lambda d: bool(d.find_elements(By.CSS_SELECTOR, f"#runs-table tr[data-run='{run_id}']"))
                      == has_run, f"account {name}'s runs are not its own")
        # The isolated account's own clock moves, and only it.
        browser.find_element(By.CSS_SELECTOR, "[data-advance='86400']").click()
        _wait_for(browser, lambda d: _text(d, "clock-result").startswith("Moved:"), "the clock did not move")
        clock = {name: requests.get(f"{url}/_mocktmc/clock", params={"account": account}).json()["nowMs"]
                 for name, account in accounts.items()}
        assert clock["b"] - clock["a"] == 86_400_000
        screenshot(browser, "dashboard-isolated")


def _refreshes(browser: webdriver.Chrome) -> int:
    return int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-refreshes") or 0)


def _wait_refreshes(browser: webdriver.Chrome, cycles: int) -> None:
    """Until the page has refreshed `cycles` more times (it counts them on its body)."""
    before = _refreshes(browser)
    _wait_for(browser, lambda d: _refreshes(d) >= before + cycles, f"the page did not refresh {cycles} times")


def test_the_client_report_names_a_client_that_polls_too_fast(browser, server):
    client = _client(server)
    run_id = client.post(f"{server}/processing/executions", json={"executable": NIGHTLY_REPORT}).json()["executionId"]
    for _ in range(12):  # twelve polls of one run in one second of (frozen) mock time
        assert client.get(f"{server}/processing/executions/{run_id}").status_code == 200
    journal = requests.get(f"{server}/_mocktmc/requests",
                           params={"method": "GET", "path": f"/processing/executions/{run_id}"}).json()
    polls = [entry["seq"] for entry in journal]
    assert len(polls) == 12
    answer = requests.get(f"{server}/_mocktmc/report").json()
    assert [(f["rule"], f["severity"], f["seqs"]) for f in answer["findings"]] == [("polls_too_fast", "error", polls)]

    _open(browser, server)
    _tab(browser, "report")
    finding = "#report-findings tr[data-rule='polls_too_fast']"
    row = _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, finding), "the finding is not shown")[0]
    severity = row.find_element(By.CSS_SELECTOR, ".severity")
    assert severity.text == "error" and "error" in severity.get_attribute("class").split()
    assert answer["findings"][0]["message"] in row.text
    assert [int(b.get_attribute("data-seq")) for b in row.find_elements(By.CSS_SELECTOR, "button.seq")] == polls
    assert [b.text for b in row.find_elements(By.CSS_SELECTOR, "button.seq")] == [f"#{seq}" for seq in polls]
    assert browser.find_element(By.CSS_SELECTOR, "#report-counts [data-severity='error'] b").text == "1"
    assert browser.find_element(By.CSS_SELECTOR, "#report-counts [data-severity='warning'] b").text == "0"
    assert _text(browser, "report-summary").startswith("1 finding over")
    # The catalog, folded: every rule the server judges by, from its answer (a rule added there shows here).
    catalog = browser.find_element(By.ID, "report-rules")
    assert catalog.get_attribute("open") is None
    catalog.find_element(By.TAG_NAME, "summary").click()
    names = [row.get_attribute("data-rule")
             for row in browser.find_elements(By.CSS_SELECTOR, "#report-rules-table tbody tr")]
    assert names == [rule["name"] for rule in answer["rules"]]
    polls_too_fast = next(rule for rule in answer["rules"] if rule["name"] == "polls_too_fast")
    assert polls_too_fast["fix"] in _text(browser, "report-rules-table")
    screenshot(browser, "dashboard-client-report")

    # A request's number opens the journal with the finding's requests marked.
    _click(browser, f"{finding} button.seq[data-seq='{polls[3]}']", "no button for the fourth poll")
    assert browser.find_element(By.ID, "tab-journal").is_displayed()
    _wait_for(browser, lambda d: [int(r.get_attribute("data-seq"))
                                  for r in d.find_elements(By.CSS_SELECTOR, "#journal-table tr.highlight")]
              == polls[::-1], "the finding's requests are not highlighted in the journal")
    clicked = browser.find_element(By.CSS_SELECTOR, "#journal-table tr.selected")
    assert clicked.get_attribute("data-seq") == str(polls[3])
    assert _text(browser, "journal-highlight").startswith("Highlighted: the 12 requests of the finding polls_too_fast.")
    screenshot(browser, "dashboard-client-report-journal")
    browser.find_element(By.ID, "journal-highlight-clear").click()
    _wait_for(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "#journal-table tr.highlight"),
              "the highlight stayed")


def test_an_untouched_account_has_no_findings_and_the_dashboard_makes_none(browser, server):
    demo = requests.get(f"{server}/_mocktmc/accounts").json()[0]["id"]
    _open(browser, server)
    # The dashboard reads through the public API and the control plane on every tab, a few times each; a run's
    # details and log too.
    _click(browser, "#runs-table tbody tr", "the demo world shows no run")
    _wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, STATUS_FIELD), "no run details opened")
    for tab in ("runs", "timeline", "schedules", "journal", "faults", "report"):
        _tab(browser, tab)
        _wait_refreshes(browser, 2)
    rules = len(requests.get(f"{server}/_mocktmc/report").json()["rules"])
    none = f"No findings: the client broke none of the {rules} rules"
    _wait_for(browser, lambda d: none in _text(d, "report-summary"), "an untouched account has findings in the page")
    assert not browser.find_element(By.ID, "report-findings").is_displayed()
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#report-counts b")] == ["0", "0", "0"]
    _wait_refreshes(browser, 3)
    answer = requests.get(f"{server}/_mocktmc/report", params={"account": demo}).json()
    assert (answer["entries"], answer["findings"]) == (0, [])  # none of the page's reads was journaled
    screenshot(browser, "dashboard-client-report-empty")
