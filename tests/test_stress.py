"""Many clients at once against one served mock (bench/stress.py at a small size): mixed creates, replaces,
deletes, runs, clock moves and reads, then the invariants (no lost updates, unique ids, runs along the
lifecycle, lists that agree with gets) hold and no answer is a surprise."""
from bench.stress import run


def test_concurrent_mixed_operations_keep_every_invariant():
    mixed, invariants, memory, latency = run(threads=4, operations=40, server_threads=3, seed=1)
    assert invariants["violations"] == 0, invariants["first_violations"]
    assert mixed["requests"] == 4 * 40 and mixed["tasks_created"] > 0 and mixed["runs_started"] > 0
    assert invariants["checks"] > mixed["runs_started"]  # every run's path was checked, and more
    assert memory["rss_mb"] > 0
    # Every request of the mixed operations was timed (bench/page.py charts the percentiles).
    assert latency["requests"] == mixed["requests"]
    assert 0 < latency["p50_ms"] <= latency["p90_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
