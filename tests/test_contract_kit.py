"""The contract kit catches bugs: it passes on the healthy mock and fails on each deliberate defect, naming the
check that caught it.

The runs go through the command itself, in this process (tests/kit_runs.py): the healthy mock, every family and
suite; a mocktmc server, with a token from client credentials; each defect, the v12 walkthrough, the fidelities, a
served defect and a server that is only read. The run users make, `python -m mocktmc contract` in a process of its
own, is tests/conftest.py's `failing_kit_run` (the console's, the reports' and the replay's tests read it). They are
slices (a family and a suite, few examples, no coverage phase but in the read-only runs) so that they fit in
`make test`; `make contract` runs the whole kit at length.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import requests
import yaml

from mocktmc.contract_documents import contract, contract_text
from mocktmc.kit.schemathesis_runs import READING_POSTS
from mocktmc.testing import MockTMC

from .conftest import DEMO_PAT, SERVICE_ACCOUNT, SERVICE_SECRET
from .kit_runs import KitRun, kit_in_this_process

CONTROL_TOKEN = "kit-test-control"

# The seed is fixed, so that every run below is the same run each time (each defect is caught with it).
# schemathesis' coverage phase (boundary and negative values of every parameter of every operation: most of a
# run's requests) is left to the read-only run below, which keeps every phase, and to `make contract`; the
# others run the contracts' examples and fuzzing, where every defect is caught by the same check.
SLICE_PHASES = ["--phases", "examples,fuzzing"]
FAST = ["--max-examples", "2", "--steps", "5", "--seed", "7", *SLICE_PHASES]
# The long runs that must pass take one example: every operation is still sent and every check still made (the
# healthy test counts them).
ONE_EXAMPLE = ["--max-examples", "1", "--steps", "10", "--seed", "7"]
# A defect run ends at its first failure (pytest's -x, passed on by the command), which must be the expected one:
# the schemathesis slices would otherwise go through all of a family's operations after the defect was caught.
FIRST_FAILURE = ["-x"]
# defect -> (the slice that should catch it, the check that must fail)
DEFECTS = {
    "wrong_type": (["--family", "orchestration", "--suite", "schemathesis"], "response_schema_conformance"),
    "missing_required_field": (["--family", "orchestration", "--suite", "schemathesis"],
                               "response_schema_conformance"),
    "wrong_status": (["--family", "orchestration", "--suite", "schemathesis"], "status_code_conformance"),
    "use_after_free": (["--family", "orchestration", "--suite", "crud"], "deleted_is_gone"),
    "never_finishes": (["--family", "processing", "--suite", "lifecycle"], "run_finishes"),
    "endless_log_pages": (["--family", "monitoring", "--suite", "lifecycle"], "log_pages_end"),
    "pause_ignored": (["--family", "orchestration", "--suite", "schedules"], "pause_suppresses_runs"),
    "server_error_on_bad_body": (["--family", "orchestration", "--suite", "schemathesis"], "not_a_server_error"),
    "quirks_reversed": (["--family", "orchestration", "--suite", "quirks"], "quirk_task_name_prefix"),
    "permissions_ignored": (["--family", "processing", "--suite", "authorization"], "refused_as_the_table_says"),
}
HEALTHY = ["--family", "orchestration,processing,monitoring,security,legacy", *SLICE_PHASES]
SERVED = ["--client-id", SERVICE_ACCOUNT, "--client-secret", SERVICE_SECRET]


@contextmanager
def _server(**settings) -> Iterator[str]:
    """A mock served on a free loopback port (frozen clock, strict auth) from this process; yields its URL."""
    mock = MockTMC(auth="strict", clock="frozen", **settings)
    with mock.serve() as url:
        yield url


@pytest.fixture(scope="module")
def runs() -> dict[str, KitRun]:
    """The long runs that must pass, made once for the tests that read them."""
    with _server() as healthy_url:
        return {"healthy": kit_in_this_process([*ONE_EXAMPLE, *HEALTHY]),
                # The same kit against a server: a token from client credentials, the clock moved over HTTP.
                "served": kit_in_this_process([*ONE_EXAMPLE, "--url", healthy_url, *SERVED,
                                            "--family", "orchestration,processing,monitoring",
                                            "--suite", "lifecycle,crud,schedules,scenarios,authorization"])}


# The tests that read `runs` share one worker, so that its runs are made once.
shares_the_runs = pytest.mark.xdist_group("contract_kit")


def _summary(run: KitRun) -> str:
    text = run.stdout
    return text[text.find("mocktmc contract kit: target"):]


@shares_the_runs
def test_the_healthy_mock_passes_every_suite(runs):
    run = runs["healthy"]
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "FAIL" not in summary and "failure(s)" not in summary
    covered = dict(re.findall(r"^  (\w+): (\d+) operations covered", summary, re.M))
    # Every operation of the five families was sent at least once and checked (356 operations in all): none is
    # left unbuilt, so none is listed as not checked.
    assert {family: int(count) for family, count in covered.items()} == {
        "orchestration": 90, "processing": 65, "monitoring": 9, "security": 26, "legacy": 166}
    assert "operation(s) not checked" not in summary
    # The run was made in this process: the contracts everything here reads are as their files say (schemathesis
    # was given copies, which it changes).
    for family in covered:
        assert contract(family) == yaml.load(contract_text(family), Loader=yaml.CSafeLoader), family
    for check in ("response_schema_conformance", "status_code_conformance", "not_a_server_error", "run_finishes",
                  "log_pages_end", "deleted_is_gone", "pause_suppresses_runs", "events_match_triggers"):
        assert re.search(rf"\b{check} \(\d+\)", summary), f"{check} never ran:\n{summary}"


def test_the_v12_walkthrough_passes():
    run = kit_in_this_process([*FAST, "--family", "legacy", "--suite", "scenarios"])
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "SKIPPED" not in run.stdout and "FAIL" not in summary, run.stdout[-3000:]
    for check in ("v12_lists_executables", "v12_execute_task", "v12_execution_finishes",
                  "v12_terminate_finished_says_nothing_to_do", "v12_terminate_finished_names_status"):
        assert re.search(rf"\b{check} \(\d+\)", summary), f"{check} never ran:\n{summary}"


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_kit_catches_the_defect(defect):
    run = kit_in_this_process([*FAST, *DEFECTS[defect][0], "--defect", defect, *FIRST_FAILURE])
    summary = _summary(run)
    expected = DEFECTS[defect][1]
    assert run.returncode == 1, f"the kit passed with {defect} on:\n{run.stdout[-4000:]}{run.stderr[-2000:]}"
    assert re.search(rf"^    FAIL {expected}:", summary, re.M), f"{expected} did not fail:\n{summary}"
    failure = re.search(rf"^    \[{expected}\] .*\n(        .*\n)*      repeat it: curl ", summary, re.M)
    assert failure, f"no curl command for {expected}:\n{summary}"
    assert "repeat the run: mocktmc contract ... --seed 7" in summary


@shares_the_runs
def test_the_kit_runs_against_a_mocktmc_server(runs):
    run = runs["served"]
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "target mocktmc at http://127.0.0.1:" in summary
    # The authorization suite found the world's restricted user and its token through the control plane (HTTP).
    for check in ("run_finishes", "deleted_is_gone", "pause_suppresses_runs", "refused_as_the_table_says",
                  "allowed_as_the_table_says", "refusal_changes_nothing", "privileged_not_refused"):
        assert re.search(rf"\b{check} \(\d+\)", summary), f"{check} never ran:\n{summary}"


def test_the_kit_catches_a_served_defect():
    with _server(defects=["pause_ignored"]) as broken_url:
        run = kit_in_this_process([*FAST, "--url", broken_url, *SERVED, "--suite", "schedules"])
    assert run.returncode == 1, run.stdout[-4000:]
    assert re.search(r"^    FAIL pause_suppresses_runs:", _summary(run), re.M), _summary(run)


def test_a_target_without_a_control_plane_is_only_read():
    # A server whose control plane the kit cannot open looks like the real TMC: read-only, real time.
    with _server(control_token=CONTROL_TOKEN) as closed_url:
        run = kit_in_this_process([*ONE_EXAMPLE, *SLICE_PHASES, "--url", closed_url, "--token", DEMO_PAT,
                                   "--family", "orchestration,processing",
                                   "--suite", "schemathesis,crud,lifecycle,quirks"])
        entries = requests.get(f"{closed_url}/_mocktmc/requests", timeout=30,
                               headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}).json()
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "read-only" in summary.splitlines()[0]
    assert "schemathesis sends no writes to a real TMC" in summary
    assert re.search(r"SKIPPED .*read-only target", run.stdout), run.stdout[-3000:]
    assert len(entries) > 100  # the kit did talk to it
    assert _writes(entries) == []
    # What looks like the real TMC is told which way each readable quirk goes, never judged on it.
    told = _quirk_lines(summary)  # the orchestration and processing quirks; those that need writes are skipped
    assert told == {"task_name_prefix": "observed", "history_window_by_trigger": "observed",
                    "last_days_overrides_period": "observed", "misfire_never_started": "observed",
                    "throttle_without_retry_after": "undetermined"}, told
    assert "quirk_" not in summary.split("quirks (which way")[0]  # no quirk check counted, passed or failed


def test_the_authorization_suite_on_a_target_without_a_control_plane():
    """What looks like the real TMC has no table to read: without a restricted token the suite is skipped and says
    why; with one it only reads (no write without --allow-writes), and judges each refusal by its body alone."""
    with _server(control_token=CONTROL_TOKEN) as closed_url:
        alone = kit_in_this_process([*FAST, "--url", closed_url, "--token", DEMO_PAT, "--suite", "authorization"])
        run = kit_in_this_process([*FAST, "--url", closed_url, "--token", DEMO_PAT, "--suite", "authorization",
                                   "--restricted-token", "mocktmc-demo-pat-viewer"])
        entries = requests.get(f"{closed_url}/_mocktmc/requests", timeout=30,
                               headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}).json()
    assert alone.returncode == 0 and "needs --restricted-token" in alone.stdout, alone.stdout[-3000:]
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert re.search(r"SKIPPED .*read-only target", run.stdout), run.stdout[-3000:]
    # The viewer lacks the subscription's and the audit log's roles: refused, and each refusal a TMC error body.
    for check in ("refusal_is_a_tmc_error", "privileged_not_refused", "list_shows_only_what_may_be_seen"):
        assert re.search(rf"\b{check} \(\d+\)", summary), f"{check} never ran:\n{summary}"
    for check in ("refused_as_the_table_says", "allowed_as_the_table_says"):  # no table: nothing asserted from it
        assert check not in summary, summary
    assert _writes(entries) == []


def test_the_authorization_suite_with_an_operator_token(caplog):
    """The demo operator (VIEW and EXECUTE on the Sales workspaces) may run the kit's task but not change it."""
    run = kit_in_this_process([*FAST, "--suite", "authorization", "--family", "processing",
                               "--restricted-token", "mocktmc-demo-pat-operator"])
    summary = _summary(run)
    assert run.returncode == 0, run.stdout[-6000:]
    # The kit's task is gone at the end (a run the operator started is let end first, else the delete is a 409).
    assert not [r for r in caplog.records if "could not delete" in r.getMessage()], caplog.text
    processing = summary.split("  processing:")[1].split("  what the kit")[0]
    assert "allowed_as_the_table_says" in processing and "refused_as_the_table_says" not in processing, summary
    assert "refused_as_the_table_says" in summary  # the task's update, pause and delete


def _writes(entries: list[dict]) -> list[str]:
    """The requests of a server's journal that were not reads (GETs, and the POSTs that only read)."""
    reading = re.compile("|".join(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) for path in READING_POSTS))
    return [f"{e['method']} {e['path']}" for e in entries
            if e["method"] != "GET" and not (e["method"] == "POST" and reading.fullmatch(e["path"]))]


def test_the_coverage_phase_sends_a_read_only_target_no_writes():
    """schemathesis' coverage phase (left out of the slices above) also sends each path the methods its contract
    lacks: to a target that is only read it sends reads alone, many per operation, and every check holds."""
    with _server(control_token=CONTROL_TOKEN) as closed_url:
        run = kit_in_this_process([*ONE_EXAMPLE, "--url", closed_url, "--token", DEMO_PAT,
                                   "--family", "monitoring", "--suite", "schemathesis"])
        entries = requests.get(f"{closed_url}/_mocktmc/requests", timeout=30,
                               headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}).json()
    summary = _summary(run)
    assert run.returncode == 0 and "read-only" in summary.splitlines()[0], run.stdout[-6000:] + run.stderr[-2000:]
    assert _writes(entries) == []
    sent = Counter(f"{e['method']} {e['path'].split('/')[1]}" for e in entries)
    # With one example per operation, only the coverage phase sends an operation dozens of cases.
    assert sent["POST monitoring"] > 20 and sent["GET monitoring"] > 20, sent
    assert re.search(r"\bnegative_data_rejection \(\d+\)", summary), summary


def _quirk_lines(summary: str) -> dict[str, str]:
    return dict(re.findall(r"^    (\w+) +(observed|documented|undetermined): ", summary, re.M))


@shares_the_runs
def test_the_quirk_checks_follow_the_mocks_fidelity(runs):
    """Healthy mocks pass their quirk checks either way; the summary says which way each quirk went."""
    from mocktmc.quirks import QUIRKS
    # A mock as documented, and a throttled server as observed.
    documented_run = kit_in_this_process([*FAST, "--suite", "quirks", "--fidelity", "documented"])
    with _server(throttle=10) as throttled_url:
        # Only the throttle's quirk is told otherwise by a throttled server (pytest's -k, passed on by the kit).
        throttled_run = kit_in_this_process([*FAST, "--url", throttled_url, *SERVED, "--suite", "quirks",
                                             "-k", "throttle"])
    healthy, documented, throttled = (_summary(run) for run in (runs["healthy"], documented_run, throttled_run))
    assert documented_run.returncode == 0 and throttled_run.returncode == 0, documented + throttled
    seen = _quirk_lines(healthy)
    assert set(seen) == set(QUIRKS)
    assert {name for name, way in seen.items() if way != "observed"} == {"throttle_without_retry_after"}
    assert set(_quirk_lines(documented).values()) == {"documented", "undetermined"}
    assert _quirk_lines(documented)["throttle_without_retry_after"] == "undetermined"
    assert _quirk_lines(throttled)["throttle_without_retry_after"] == "observed"
    assert re.search(r"\bquirk_throttle_without_retry_after \(1\)", throttled), throttled
    for name in QUIRKS:
        if name != "throttle_without_retry_after":
            assert re.search(rf"\bquirk_{name} \(1\)", healthy), f"quirk_{name} never ran:\n{healthy}"


def test_a_kit_run_in_this_process_leaves_it_as_it_found_it():
    """A session in process leaves no trace the next could trip on: its record, its profile, its suites, the path."""
    import gc
    import sys
    from weakref import WeakSet

    from hypothesis import settings

    from mocktmc.kit import sandbox, schemathesis_runs
    from mocktmc.kit.target import Target

    profile, path = settings._current_profile, list(sys.path)
    gc.collect()
    earlier = WeakSet(t for t in gc.get_objects() if isinstance(t, Target))  # other tests' (held weakly)
    one_quirk = [*FAST, *DEFECTS["quirks_reversed"][0], "-k", "task_name_prefix"]
    broken = kit_in_this_process([*one_quirk, "--defect", "quirks_reversed"])
    assert broken.returncode == 1 and "FAIL quirk_task_name_prefix" in _summary(broken), _summary(broken)
    healthy = kit_in_this_process(one_quirk)
    summary = _summary(healthy)
    assert healthy.returncode == 0, healthy.stdout[-4000:]
    assert "defects" not in summary.splitlines()[0] and "FAIL" not in summary and "failure(s)" not in summary
    assert re.search(r"\bquirk_task_name_prefix \(1\)", summary), summary  # passed, and counted once: a new record
    assert settings._current_profile == profile and sys.path == path
    assert not [name for name in sys.modules if name == "contracts" or name.startswith("contracts.")]
    gc.collect()  # these sessions' targets are gone, and with them what the kit kept for each
    assert not [t for t in gc.get_objects() if isinstance(t, Target) and t not in earlier]
    assert set(sandbox._FOUND) <= set(earlier) and set(schemathesis_runs._SENDABLE) <= set(earlier)


def test_the_repeat_command_shows_header_values_given_as_bytes_as_text():
    """requests sends a header given as bytes unchanged; the curl command shows its text, not b'...'."""
    from mocktmc.kit.checks import curl_of
    prepared = requests.Request("GET", "http://tmc.test/orchestration/workspaces",
                                headers={"X-Tag": b"caf\xe9", "Authorization": b"Bearer secret"}).prepare()
    curl = curl_of(prepared)
    assert curl == ("curl -X GET http://tmc.test/orchestration/workspaces -H 'X-Tag: caf\u00e9' "
                    '-H "Authorization: Bearer $TMC_TOKEN"')


def test_the_kit_lifecycle_machine_is_a_client_with_manners():
    """The machine drives runs as a client should (mocktmc's client report finds nothing): it paces its polls, stops
    reading a run soon after it ended, stops a run once, and does not walk a log from its start over and over."""
    with _server() as url:
        run = kit_in_this_process(["--max-examples", "10", "--steps", "30", "--seed", "7", "--url", url, *SERVED,
                                   "--family", "processing,monitoring", "--suite", "lifecycle"])
        assert run.returncode == 0, run.stdout[-3000:]
        report = requests.get(f"{url}/_mocktmc/report", timeout=30).json()
    polls = [rule for rule in report["rules"] if rule["name"] == "polls_too_fast"]
    assert report["entries"] > 500 and polls  # it judged a long run, with the rule the machine would break unpaced
    assert report["findings"] == [], report["findings"]
