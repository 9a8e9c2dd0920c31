"""A headless chromium for the tests that look at a page as a person would (the dashboard, the API browser, the
kit's report, the benchmark page), and the screenshots they leave in build/screenshots/ on every run.

Without Debian's `chromium` and `chromium-driver` these tests are skipped, saying why (`.ci/run` installs both)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1600")
# Where a run's pictures are kept: the checkout's build/ (a clone's own), whatever the working directory.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    """A headless chromium with a fresh profile in `profile`, quit afterwards; the test is skipped without one."""
    binary, driver_binary = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver_binary is None:
        pytest.skip(f"no chromium/chromedriver: chromium at {binary}, chromedriver at {driver_binary} "
                    "(Debian: apt-get install chromium chromium-driver; .ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # A fresh profile: nothing from an earlier run (or the person's own browser) shows in the page.
    options.add_argument(f"--user-data-dir={profile}")
    # The driver named, so that selenium does not go looking for one on the network (Selenium Manager).
    driver = webdriver.Chrome(options=options, service=Service(driver_binary))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(browser: webdriver.Chrome, name: str) -> Path:
    """The page as it shows now, in build/screenshots/<name>.png (kept after the run, for whoever reads it)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    assert browser.save_screenshot(str(shot)), f"chromium took no screenshot of {name}"
    return shot
