"""The landing page and the API browser in a real (headless) chromium against a real `mocktmc serve` (issue 21):
from / to the docs, pick a contract, Authorize with a token, try GET /orchestration/environments, and see the
mock answer it, in the page and in the mock's request journal. Screenshots in build/screenshots/."""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

import mocktmc

from .browser import chromium, screenshot
from .conftest import DEMO_PAT
from .serving import served

# One server and one browser for the module's tests, on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("docs-browser")]
ENVIRONMENTS = "/orchestration/environments"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo world in auth mode strict: a call the API browser makes is answered only with the token given
    to Authorize, so the answer shows the token went with it."""
    env = {**os.environ, "MOCKTMC_CLOCK": "frozen", "MOCKTMC_AUTH": "strict"}
    for name in ("MOCKTMC_FIXTURES", "MOCKTMC_CONTROL_TOKEN"):
        env.pop(name, None)
    log = tmp_path_factory.mktemp("docs-server") / "serve.log"
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0"], log, env=env) as (_, base):
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def wait_for(browser: webdriver.Chrome, css: str, timeout: float = 30) -> WebElement:
    return WebDriverWait(browser, timeout).until(ready.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_the_landing_page_says_what_is_running(browser, server):
    browser.get(f"{server}/")
    assert browser.find_element(By.ID, "version").text == mocktmc.__version__
    assert browser.find_element(By.ID, "auth").text == "strict"
    assert browser.find_element(By.ID, "clock-frozen").text == "yes"
    assert browser.find_element(By.ID, "accounts").text == "1"
    assert browser.find_element(By.ID, "link-dashboard").get_attribute("href") == f"{server}/_mocktmc/ui"
    screenshot(browser, "landing")


def test_the_api_browser_tries_a_call_against_the_mock(browser, server):
    browser.get(f"{server}/")
    browser.find_element(By.ID, "link-docs").click()
    title = wait_for(browser, ".swagger-ui .info .title")
    assert browser.current_url.startswith(f"{server}/_mocktmc/docs") and "Orchestration" in title.text

    # The selector: another contract, then orchestration again.
    Select(wait_for(browser, ".topbar select")).select_by_visible_text("processing")
    WebDriverWait(browser, 30).until(
        lambda _: "Processing" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text)
    Select(browser.find_element(By.CSS_SELECTOR, ".topbar select")).select_by_visible_text("orchestration")
    WebDriverWait(browser, 30).until(
        lambda _: "Orchestration" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text)
    # Its server is this mock.
    servers = Select(wait_for(browser, ".servers select"))
    assert [option.get_attribute("value") for option in servers.options] == [server]
    screenshot(browser, "api-browser")
    # Everything the page loaded came from the mock: it works offline, and tells no other site it was opened.
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(entry => entry.name);")
    assert loaded and [url for url in loaded if not url.startswith(f"{server}/")] == []

    # Authorize with the demo world's personal access token.
    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    dialog = wait_for(browser, ".dialog-ux .modal-ux")
    dialog.find_element(By.CSS_SELECTOR, "input[type=text], input[type=password]").send_keys(DEMO_PAT)
    dialog.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    dialog.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.btn-done").click()

    # GET /orchestration/environments: expand, Try it out, Execute.
    operation = browser.find_element(
        By.XPATH, f"//div[contains(@class, 'opblock-get')][.//*[@data-path='{ENVIRONMENTS}']]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", operation)
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    try_it = WebDriverWait(operation, 30).until(
        lambda element: element.find_element(By.CSS_SELECTOR, "button.try-out__btn"))
    try_it.click()
    operation.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = WebDriverWait(operation, 30).until(lambda element: element.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"))
    body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .response-col_description pre").text
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", status)
    screenshot(browser, "api-browser-try-it-out")
    assert status.text.strip() == "200", body
    assert "Development" in body  # the demo world's first environment
    request_url = operation.find_element(By.CSS_SELECTOR, ".request-url pre").text
    assert request_url == f"{server}{ENVIRONMENTS}"

    # The mock's journal holds the call, made with the token given to Authorize.
    journal = requests.get(f"{server}/_mocktmc/requests", params={"path": ENVIRONMENTS}, timeout=10).json()
    fingerprint = hashlib.sha256(DEMO_PAT.encode()).hexdigest()[:12]
    assert [(entry["method"], entry["status"], entry["authorization"]) for entry in journal] == [
        ("GET", 200, f"Bearer sha256:{fingerprint}")]
