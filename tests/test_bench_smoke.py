"""The benchmark runs (a tiny slice of it): it must keep working, whatever figures it reports."""
import pytest

from bench.poll_loop import run

pytestmark = pytest.mark.e2e


def test_poll_loop_benchmark_smoke():
    results = run(requests_max=20, seconds_max=5, clients=2)
    assert [row["operation"] for row in results] == ["GET /processing/executions/{id}",
                                                     "GET /monitoring/executions/{id}/logs",
                                                     "POST /processing/executions"]
    for row in results:
        assert row["requests"] >= 1 and row["requests_per_s"] > 0 and row["median_ms"] > 0
        assert row["requests_per_s_2_clients"] > 0


def test_history_scale_benchmark_smoke():
    from bench.history_scale import run as scale
    results = scale(runs=600, requests_max=3)
    assert results[0] == {"measure": "world", "runs": 600, "generation_s": results[0]["generation_s"]}
    pages = results[1:-1]
    assert len(pages) == 5
    for row in pages:
        assert row["requests"] == 3 and row["median_ms"] > 0
    assert pages[0]["median_total"] > 0  # the generated history is really there
    assert results[-1]["MB"] > 0


def test_schedule_scale_benchmark_smoke():
    from bench.schedule_scale import run as schedules
    results = schedules(tasks=40, repeat=1, rss_sizes=1)
    measures = [row["measure"] for row in results]
    assert sum(m.startswith("events search") for m in measures) == 4
    assert next(r for r in results if r["measure"].startswith("POST /_mocktmc/clock/advance"))[
        "runs_started_per_advance"] == 40  # the bench checks totals and pages itself and raises when wrong
    memory = [r for r in results if r["measure"].startswith("memory per schedule")]
    # tracemalloc sees every block; RSS moves by whole pages, so a handful of schedules may not move it.
    assert all(r["bytes_per_schedule"] > 0 for r in memory if r["method"] == "tracemalloc")
    assert all(r["bytes_per_schedule"] >= 0 for r in memory) and len(memory) >= 3


def test_retention_benchmark_smoke(tmp_path):
    from bench.figures import save
    from bench.page import build
    from bench.retention import run as retention
    results = retention(days=3, every=1, retention=1, huge=1e8)
    curve = [row for row in results if row["measure"] == "day by day"]
    assert [row["mock_day"] for row in curve] == [1, 2, 3]
    assert curve[0]["runs_started"] >= 1440  # the minutely task, and the demo world's own schedules
    assert curve[-1]["runs_held"] <= curve[-1]["runs_started"] - curve[0]["runs_started"]  # day one is gone
    assert all(row["rss_mb"] > 0 for row in results)
    whole, huge = results[-2:]
    # one advance of the three days builds the last two (the window and the day before it) and counts the first
    assert whole["runs_skipped"] >= 1439 and whole["runs_started"] + whole["runs_skipped"] >= 3 * 1440
    assert huge["runs_skipped"] > 1e8 / 60 - 3 * 1440  # every minute but the two days it built
    # What make bench keeps of it, and the page drawn from that: the memory curve has the three days.
    save("retention", results, tmp_path)
    page = build(tmp_path).read_text()
    curve = page[page.index("<svg"):page.index("</svg>")]
    assert "id='retention-rss'" in curve and curve.count("<circle class='point'") == 3
    assert f"data-x='3' data-y='{curve_rss(results)}'" in curve


def test_fresh_mock_benchmark_smoke():
    from bench.fresh_mock import run as fresh
    rows = {row["measure"]: row for row in fresh(tests=4, repeat=4, starts=1)}
    assert rows["cold start to the first 200, demo world"]["median_ms"] > 0
    assert rows["mocktmc fixture setup, empty world"]["n"] == 3
    assert rows["reset of one account in process, default world"]["median_ms"] > 0
    assert rows["reset over HTTP vs health, default world"]["health_median_ms"] > 0


def test_poll_vs_flask_benchmark_smoke():
    from bench.poll_vs_flask import run as compare
    rows = compare(rounds=1, seconds=1, clients=2, single=4)
    assert rows[0]["mock"] > 0 and rows[0]["bare_flask"] > 0 and rows[-1]["ratio"] > 0


def test_hostile_bodies_benchmark_smoke():
    from bench.hostile_bodies import run as hostile
    rows = {row["measure"]: row for row in hostile(parameters=80_000, runs=2)}
    assert rows["huge_execute"]["status"] == 413  # 80,000 parameters: over the 1 MB JSON limit
    assert rows["bounded_runs"]["statuses"] == [201]
    assert rows["alias_bomb"]["status"] == 400


def test_state_scale_benchmark_smoke():
    from bench.state_scale import run as state_scale
    rows = {row["measure"]: row for row in state_scale(runs=300)}
    assert rows["world"]["runs"] >= 300
    assert rows["state dir save"]["file_MB"] > 0 and rows["state dir load (serve start-up)"]["seconds"] > 0
    assert rows["GET /_mocktmc/state (redacted)"]["MB"] > 0 and rows["PUT /_mocktmc/state"]["seconds"] > 0


def test_dashboard_reads_benchmark_smoke():
    from bench.dashboard_reads import run as dashboard_reads
    results = dashboard_reads(runs=600, requests_max=3)
    assert results[0]["measure"] == "world" and results[0]["runs"] == 600
    reads = results[1:-1]
    assert len(reads) == 6 and all(row["requests"] == 3 and row["median_ms"] > 0 for row in reads)
    assert reads[0]["median_total"] >= 600  # every run made is listed
    assert results[-1]["MB"] > 0


def curve_rss(results: list[dict]) -> str:
    """The last sampled day's RSS as the chart writes it."""
    return f"{[row for row in results if row['measure'] == 'day by day'][-1]['rss_mb']:g}"


def test_import_scale_benchmark_smoke():
    from bench.import_scale import run as import_scale
    [row] = import_scale(tasks=30)  # the bench itself checks every task came back and no secret did
    assert row["tasks"] == 30 and row["requests"] > 30 * 3 and row["requests_per_s"] > 0
