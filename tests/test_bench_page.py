"""The benchmarks' page (bench/page.py), built from a small fixed set of figures written here (not by running the
benchmarks): what it charts and tables, read back from its markup, then opened in a headless chromium as a person
would look at it (screenshot build/screenshots/bench-page.png)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from bench.figures import save
from bench.page import build, render

from .browser import chromium, screenshot

SVG = "{http://www.w3.org/2000/svg}"
RSS = [96.1, 179.3, 186.0, 190.2, 190.4]  # MB on mock days 15, 60, 120, 240, 365
RETENTION = [{"measure": "day by day", "mock_day": day, "runs_held": held, "runs_started": day * 1441,
              "rss_mb": rss, "advance_s": 0.2}
             for day, held, rss in zip((15, 60, 120, 240, 365), (21729, 86509, 86508, 86510, 86507), RSS)] + [
    {"measure": "one advance of 365 days", "advance_s": 11.4, "runs_started": 87950, "runs_skipped": 438290,
     "runs_held": 87950, "rss_mb": 150.0}]
OPERATIONS = ("GET /processing/executions/{id}", "GET /monitoring/executions/{id}/logs", "POST /processing/executions")
POLL = [{"validate": mode, "operation": operation, "requests": 3000, "requests_per_s": 1000.0 + index,
         "median_ms": 0.8 + index / 10, "p90_ms": 1.0 + index / 10, "p95_ms": 1.1 + index / 10, "p99_ms": 1.5 + index,
         "requests_per_s_4_clients": 1100.0}
        for mode in ("off", "requests") for index, operation in enumerate(OPERATIONS)]
STRESS = [{"measure": "mixed operations", "requests": 16000}, {"measure": "invariants", "violations": 0},
          {"measure": "request latency, mixed operations", "requests": 16000, "p50_ms": 5.7, "p90_ms": 9.1,
           "p95_ms": 10.3, "p99_ms": 12.0, "max_ms": 13.4}]
HOSTILE = [{"measure": "huge_execute <10 MB>", "status": 413, "seconds": 0.016}, {"measure": "bounded_runs",
                                                                                  "statuses": [201]}]


def figures(folder: Path) -> Path:
    """The fixed figures as the benchmarks leave them (bench/figures.py), and one file that is not JSON."""
    for name, rows in (("retention", RETENTION), ("poll_loop", POLL), ("stress", STRESS), ("hostile_bodies", HOSTILE)):
        # Fixed figures, not a measurement: the page says so where it names the command that saved them.
        save(name, rows, folder, command=f"tests/test_bench_page.py: fixed figures standing in for bench/{name}.py")
    (folder / "broken.json").write_text("{not json")
    return folder


def svgs(page: str) -> dict[str, ET.Element]:
    """Every chart of the page by its id, parsed as XML."""
    charts = [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, re.S)]
    return {chart.get("id"): chart for chart in charts}


def test_the_page_charts_the_series_and_tables_every_figure(tmp_path):
    page = build(figures(tmp_path))
    assert page == tmp_path / "index.html"
    text = page.read_text()
    charts = svgs(text)
    assert set(charts) == {"retention-rss", "retention-runs", "retention-advance", "poll-latency-off",
                           "poll-latency-requests", "poll-throughput", "stress-latency"}
    # The memory curve: one point per sampled day, at the figures measured, in day order.
    points = charts["retention-rss"].findall(f".//{SVG}circle")
    assert [(float(p.get("data-x")), float(p.get("data-y"))) for p in points] == list(zip((15, 60, 120, 240, 365),
                                                                                          RSS))
    assert charts["retention-rss"].get("data-points") == "5"
    # Latency percentiles: a bar per operation and percentile, as the file has them.
    bars = charts["poll-latency-requests"].findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 3 * 4 and {b.get("data-series") for b in bars} == {"median", "p90", "p95", "p99"}
    assert [b.get("data-value") for b in bars if b.get("data-series") == "p99"] == ["1.5", "2.5", "3.5"]
    stress = charts["stress-latency"].findall(f".//{SVG}rect[@class='bar']")
    assert [(b.get("data-category"), b.get("data-value")) for b in stress] == [
        ("p50", "5.7"), ("p90", "9.1"), ("p95", "10.3"), ("p99", "12"), ("max", "13.4")]
    # Every benchmark's rows in a table, escaped; what is missing or unreadable is said.
    assert "huge_execute &lt;10 MB&gt;" in text and "<10 MB>" not in text and "<code>[201]</code>" in text
    assert "438290" in text and "fixed figures standing in for bench/retention.py" in text
    assert re.search(r"id='missing'[^>]*>Not measured yet: validation_cost, history_scale, dashboard_reads, "
                     r"schedule_scale", text)
    assert "Could not read broken.json" in text
    # In make bench's order.
    assert [m for m in re.findall(r"<section class='bench' id='(\w+)'", text)] == [
        "poll_loop", "retention", "stress", "hostile_bodies"]


def test_a_page_without_figures_says_so_and_older_files_chart_what_they_hold():
    assert "No figures yet: run <code>make bench</code>" in render({})
    # A poll_loop file from before p90 and p99 were measured: its chart shows median and p95 only.
    older = [{key: value for key, value in row.items() if key not in ("p90_ms", "p99_ms")} for row in POLL]
    chart = svgs(render({"poll_loop": {"rows": older}}))["poll-latency-off"]
    assert {b.get("data-series") for b in chart.findall(f".//{SVG}rect[@class='bar']")} == {"median", "p95"}
    # History pages and the dashboard's reads: median and p95 per query, the world and peak rows left to the table.
    reads = [{"measure": "world", "runs": 600}, {"measure": "runs table, first page", "median_ms": 1.5, "p95_ms": 2.5},
             {"measure": "failed runs", "median_ms": 0.5, "p95_ms": 0.75}, {"measure": "peak RSS", "MB": 70}]
    chart = svgs(render({"dashboard_reads": {"rows": reads}}))["dashboard-latency"]
    assert [(b.get("data-category"), b.get("data-series"), b.get("data-value"))
            for b in chart.findall(f".//{SVG}rect[@class='bar']")] == [
        ("runs table, first page", "median", "1.5"), ("runs table, first page", "p95", "2.5"),
        ("failed runs", "median", "0.5"), ("failed runs", "p95", "0.75")]


def test_saved_figures_say_when_and_on_what(tmp_path):
    document = json.loads(save("retention", RETENTION[:1], tmp_path, command="x").read_text())
    assert document["bench"] == "retention" and document["rows"] == RETENTION[:1] and document["command"] == "x"
    assert document["written"].endswith("+00:00") and document["cpus"] >= 1
    assert not list(tmp_path.glob("*.partial"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def test_the_page_reads_in_a_browser(browser, tmp_path):
    browser.get(build(figures(tmp_path)).as_uri())
    try:
        assert browser.title == "mocktmc benchmarks"
        curve = browser.find_element(By.ID, "retention-rss")
        assert curve.is_displayed() and curve.size["width"] > 300 and curve.size["height"] > 150
        points = curve.find_elements(By.CSS_SELECTOR, "circle.point")
        assert len(points) == len(RSS)
        # Drawn left to right, higher for more memory; the last point's tooltip names its figure.
        xs = [p.location["x"] for p in points]
        assert xs == sorted(xs) and points[-1].location["y"] < points[0].location["y"]
        assert points[-1].find_element(By.TAG_NAME, "title").get_attribute("textContent") == (
            "RSS: mock day 365, 190 MB")
        assert "Resident memory: RSS: 5 points from 96.1 to 190" in curve.get_attribute("aria-label")
        bars = browser.find_elements(By.CSS_SELECTOR, "#poll-latency-off rect.bar")
        assert len(bars) == 12 and all(bar.size["height"] > 0 for bar in bars)
        values = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#stress-latency text.value")]
        assert values == ["5.7", "9.1", "10.3", "12", "13.4"]
        # The figure under the chart is the table's too.
        cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#retention table.figures td")]
        assert "190.4" in cells and "86507" in cells
        # Nothing is fetched: the page is one file, styles inline, no script.
        assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
        assert not browser.find_elements(By.TAG_NAME, "script")
    finally:
        browser.execute_script("window.scrollTo(0, document.getElementById('retention').offsetTop)")
        screenshot(browser, "bench-page")
