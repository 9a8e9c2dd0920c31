"""`mocktmc diff`: a recording of "the real TMC" (here a `mocktmc serve` of the demo world, recorded as the proxy
records, tests/cassettes.py) replayed against a mock, and the differences reported field by field."""
from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from mocktmc import parity
from mocktmc.cassette import CassetteError, read_cassette
from mocktmc.testing import MockTMC

from .cassettes import Recorder
from .errors import assert_error
from .serving import served

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "fixtures" / "default.yaml"
START = "2026-12-04T10:00:00Z"
TOKEN = "mocktmc-demo-pat-alice"
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"
SALES_WORKSPACE = "65f1a0c2e4b0a1b2c3d40101"
SECRET = "s3cr3t-for-the-warehouse"
UNKNOWN_RUN = "0d5c2a7e-3b9f-4c1d-8e6a-5f4b3c2d1e0f"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
DONE = {"EXECUTION_SUCCESS", "EXECUTION_FAILED", "EXECUTION_REJECTED", "DEPLOY_FAILED", "EXECUTION_TERMINATED"}


def _mocktmc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mocktmc", *args], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=300)


def _record(url: str, directory: Path) -> tuple[Path, str]:
    """A client's session with "the real TMC": lists, a task run polled while time passes, its logs, a run that
    does not exist, a call without credentials. The cassette's path and the recorded run id."""
    recorder = Recorder(url, TOKEN, directory)
    try:
        for path in ("/orchestration/executables/tasks", "/orchestration/executables/plans",
                     "/orchestration/schedules", "/orchestration/environments"):
            assert recorder.get(path, params={"limit": 100} if "executables" in path else None).status_code == 200
        # A creation (an id the service makes, then used in a path) whose secret the cassette must not keep.
        created = recorder.post("/orchestration/connections", {
            "name": "warehouse", "workspaceId": SALES_WORKSPACE, "app": "Snowflake",
            "parameters": [{"name": "account", "value": "acme"},
                           {"name": "password", "value": SECRET, "encrypted": True}]})
        assert created.status_code == 201, created.text
        assert recorder.get(f"/orchestration/connections/{created.json()['id']}").status_code == 200
        started = recorder.post("/processing/executions", {"executable": LOAD_CUSTOMERS})
        assert started.status_code == 201, started.text
        run_id = started.json()["executionId"]
        for _poll in range(20):
            status = recorder.get(f"/processing/executions/{run_id}").json()["executionStatus"]
            if status in DONE:
                break
            recorder.control.clock.advance(seconds=2)
        assert status == "EXECUTION_SUCCESS"
        assert recorder.get(f"/monitoring/executions/{run_id}/logs", params={"count": 50}).status_code == 200
        assert_error(recorder.get(f"/processing/executions/{UNKNOWN_RUN}"), 404, f"Execution {UNKNOWN_RUN} not found")
        assert_error(recorder.get("/orchestration/environments", authenticated=False), 401,
                     "Missing Authorization header")
    finally:
        recorder.close()
    return recorder.path, run_id


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[Path, str]:
    """The demo world served with another seed than the replay's mock, so that the ids the service makes differ
    (the id map must line them up), in strict auth, frozen at START."""
    directory = tmp_path_factory.mktemp("recording")
    command = [sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--fixtures", str(WORLD), "--auth", "strict",
               "--clock", "frozen", "--start", START, "--seed", "7"]
    with served(command, directory / "server.log", env=ENV) as (_proc, url):
        return _record(url, directory)


@pytest.fixture(scope="module")
def defective_recording(tmp_path_factory) -> Path:
    """The same session with "the real TMC" listing environments without their ids (one field, one operation)."""
    directory = tmp_path_factory.mktemp("defective")
    command = [sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--fixtures", str(WORLD), "--auth", "strict",
               "--clock", "frozen", "--start", START, "--seed", "7", "--defect", "missing_required_field"]
    with served(command, directory / "server.log", env=ENV) as (_proc, url):
        return _record(url, directory)[0]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_recording_is_a_cassette_of_the_format(recording):
    path, run_id = recording
    header, interactions = read_cassette(path)
    assert header["cassette"] == "mocktmc" and header["version"] == 1
    assert [i["seq"] for i in interactions] == list(range(1, len(interactions) + 1))
    polls = [i for i in interactions if i["request"]["path"] == f"/processing/executions/{run_id}"]
    assert len(polls) >= 3 and polls[0]["time"] < polls[-1]["time"]  # the run was polled while time passed
    assert interactions[0]["request"]["headers"]["authorization"].startswith("Bearer sha256:")
    assert TOKEN not in path.read_text() and SECRET not in path.read_text()


def test_a_recording_replayed_against_its_own_world_has_no_difference(recording):
    path, run_id = recording
    result = _mocktmc("diff", str(path), "--fixtures", str(WORLD), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["differences"] == 0 and report["results"] == []
    assert report["replayed"] == len(_lines(path)) - 1 and report["skipped"] == []
    # The run the replay started has an id of its own: the polls and the logs reached it through the map.
    assert report["idMap"][run_id] != run_id
    # The clock followed the recording's: even the times the two sides picked agree to the millisecond.
    text = _mocktmc("diff", str(path), "--fixtures", str(WORLD), "--time-tolerance", "0")
    assert text.returncode == 0 and "no difference" in text.stdout, text.stdout + text.stderr


def test_without_the_id_map_the_polls_would_miss_the_run(recording, monkeypatch):
    """The same replay, in process, with the map's learning switched off: the run's polls answer 404. What proves
    the map is what made the clean replay clean."""
    path, run_id = recording
    files, interactions, _notes = parity.load(path)
    target = parity.Target.from_fixtures(str(WORLD), parity.first_time(interactions))

    class NoLearning(parity.IdMap):
        def learn(self, recorded: str, mock: str) -> bool:
            return False

    monkeypatch.setattr(parity, "IdMap", NoLearning)
    try:
        report = parity.replay(interactions, target, cassettes=files)
    finally:
        target.close()
    assert report.id_map == {}
    polls = [r for r in report.results if r.path == f"/processing/executions/{run_id}"]
    assert polls and all(any(d.where == "status" and d.mock == 404 for d in r.differences) for r in polls)


def test_a_defect_in_the_real_tmc_is_reported_field_by_field_and_nothing_else(defective_recording):
    result = _mocktmc("diff", str(defective_recording), "--fixtures", str(WORLD), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    [differing] = report["results"]
    assert (differing["method"], differing["path"]) == ("GET", "/orchestration/environments")
    # The recording lacks each environment's id; the mock (rightly) has it.
    assert differing["differences"] == [
        {"path": "$[0].id", "mock": "65f1a0c2e4b0a1b2c3d40001"},
        {"path": "$[1].id", "mock": "65f1a0c2e4b0a1b2c3d40002"}]
    text = _mocktmc("diff", str(defective_recording), "--fixtures", str(WORLD))
    assert text.returncode == 1
    assert text.stdout.splitlines()[:3] == [
        f"#{differing['seq']} GET /orchestration/environments",
        '  $[0].id: recorded (absent), mock "65f1a0c2e4b0a1b2c3d40001"',
        '  $[1].id: recorded (absent), mock "65f1a0c2e4b0a1b2c3d40002"']
    assert "1 with differences (2 in all)" in text.stdout


@pytest.mark.parametrize("ignore", ["$[*].id", "GET /orchestration/environments $..id", "/orchestration/* $[*]"])
def test_ignore_accepts_a_known_difference(defective_recording, ignore):
    result = _mocktmc("diff", str(defective_recording), "--fixtures", str(WORLD), "--ignore", ignore)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no difference" in result.stdout


def test_an_ignore_for_another_operation_accepts_nothing(defective_recording):
    result = _mocktmc("diff", str(defective_recording), "--fixtures", str(WORLD),
                      "--ignore", "GET /orchestration/schedules $[*].id", "--ignore", "$.items")
    assert result.returncode == 1 and "$[0].id" in result.stdout


def test_against_a_running_mock_whose_clock_is_set_through_the_control_plane(recording):
    """--url: the token is made through the control plane, the account's clock frozen and set to the recording's
    start; a mock already later keeps the recording's intervals (a warning says so)."""
    path, run_id = recording
    for start, late in (("2026-12-04T09:00:00Z", False), ("2026-12-05T00:00:00Z", True)):
        mock = MockTMC(fixtures=str(WORLD), clock="real", start=start, seed=3, auth="strict")
        with mock.serve(threads=2) as url:
            result = _mocktmc("diff", str(path), "--url", url, "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert report["differences"] == 0 and report["idMap"][run_id] != run_id
        assert ("past the recording's start" in result.stderr) is late, result.stderr
        # The replay's account had a clock of its own, moved with the recording and running again afterwards.
        clock = mock.for_token(TOKEN).clock.get()
        assert clock["own"] and not clock["frozen"]
        assert (clock["now"] > "2026-12-05") is late and clock["now"] >= "2026-12-04T10:00:08"
        assert mock.clock.now().isoformat() < "2026-12-04T10" or late  # the server clock was left alone


def test_a_cut_cassette_is_read_with_a_warning(recording, tmp_path, caplog):
    path, _run_id = recording
    text = path.read_text()
    lines = len(text.splitlines())
    cut = tmp_path / path.name
    cut.write_text(text[:len(text) - 40])  # the last interaction's line, cut by a kill
    with caplog.at_level(logging.WARNING, logger="mocktmc.cassette"):
        _header, interactions = read_cassette(cut)
    assert len(interactions) == lines - 2
    [warning] = caplog.records
    assert f"line {lines} is not a JSON object; skipped" in warning.getMessage()
    result = _mocktmc("diff", str(tmp_path), "--fixtures", str(WORLD))  # a directory: its cassettes
    assert result.returncode == 0, result.stdout + result.stderr
    [said] = result.stderr.splitlines()  # told once, as the report's warning (not also by the logger)
    assert said.startswith("mocktmc diff: warning: ") and f"line {lines} is not a JSON object; skipped" in said
    assert f"{lines - 2} interaction(s) replayed" in result.stdout


def test_bad_usage_and_unreadable_cassettes_exit_2_with_one_line(recording, tmp_path):
    path, _run_id = recording
    not_a_cassette = tmp_path / "notes.jsonl"
    not_a_cassette.write_text('{"hello": "world"}\n')
    newer = tmp_path / "newer.jsonl"
    newer.write_text('{"cassette": "mocktmc", "version": 9}\n')
    cases = {
        "exactly one of --fixtures": [str(path)],
        "exactly one of": [str(path), "--fixtures", str(WORLD), "--url", "http://127.0.0.1:1"],
        "no such file": [str(tmp_path / "missing.jsonl"), "--fixtures", str(WORLD)],
        "holds no cassette": [str(tmp_path / "empty-dir"), "--fixtures", str(WORLD)],
        "not a mocktmc cassette": [str(not_a_cassette), "--fixtures", str(WORLD)],
        "version 9": [str(newer), "--fixtures", str(WORLD)],
        "neither a JSON path": [str(path), "--fixtures", str(WORLD), "--ignore", "items"],
        "cannot load the fixture world": [str(path), "--fixtures", str(tmp_path / "nowhere.yaml")],
        "cannot reach the mock": [str(path), "--url", "http://127.0.0.1:1"],
    }
    (tmp_path / "empty-dir").mkdir()
    for expected, args in cases.items():
        result = _mocktmc("diff", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert expected in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == "", (args, result.stderr)


# --- the comparison's rules, one by one ---------------------------------------------------------------------------

def _compare(recorded, mock, *, ids: parity.IdMap | None = None, ignores=(), tolerance=None,
             shift=timedelta(0)) -> list[str]:
    comparison = parity.Comparison(ids or parity.IdMap(), [parity.parse_ignore(i) for i in ignores], "GET", "/x",
                                   tolerance, shift)
    comparison.body(recorded, mock)
    return [d.text() for d in comparison.found]


def test_types_missing_and_extra_members_and_list_lengths_are_differences():
    assert _compare({"total": 3, "a": 1, "ok": True}, {"total": "3", "b": 1, "ok": 1}) == [
        '$.total: recorded 3, mock "3"', "$.a: recorded 1, mock (absent)", "$.ok: recorded true, mock 1",
        "$.b: recorded (absent), mock 1"]
    assert _compare([1, 2], [1]) == ["$[1]: recorded 2, mock (absent)"]
    assert _compare({"x y": [1.0]}, {"x y": [1]}) == []  # one JSON number


def test_times_compare_by_presence_and_type_or_within_a_tolerance():
    recorded = {"startTimestamp": "2026-12-04T10:00:03.000Z", "logTimestamp": 1796378403000, "rows": 1796378403000}
    later = {"startTimestamp": "2026-12-04T10:00:09.000Z", "logTimestamp": 1796378409000, "rows": 1796378409000}
    assert _compare(recorded, later) == ["$.rows: recorded 1796378403000, mock 1796378409000"]
    assert len(_compare(recorded, later, tolerance=5)) == 3
    assert len(_compare(recorded, later, tolerance=6)) == 1
    assert len(_compare(recorded, later, tolerance=0, shift=timedelta(seconds=6))) == 1  # a mock 6 s ahead
    assert _compare({"at": "2026-12-04T10:00:03.000Z"}, {"at": None}) == [
        '$.at: recorded "2026-12-04T10:00:03.000Z", mock null']


def test_redacted_values_are_checked_for_presence_only():
    assert _compare({"password": "[redacted]"}, {"password": "[redacted]"}) == []
    assert _compare({"value": "[redacted]"}, {"value": "s3cret"}) == []
    assert _compare({"password": "[redacted]"}, {}) == ['$.password: recorded "[redacted]", mock (absent)']


def test_ids_new_on_both_sides_are_mapped_and_known_ones_are_not():
    ids = parity.IdMap()
    run, replayed = "1c9d10bc-ec8b-4551-896c-56c8262cd299", "3fbbf4d9-c33c-4a92-b6b2-3d50a8c9bbc2"
    assert _compare({"executionId": run}, {"executionId": replayed}, ids=ids) == []
    assert ids.mapping == {run: replayed}
    # Strings made from it compare through the map; requests are rewritten with it.
    assert _compare({"pod": f"cloud-{run[:8]}", "step": f"{run}-on-failure"},
                    {"pod": f"cloud-{replayed[:8]}", "step": f"{replayed}-on-failure"}, ids=ids) == []
    assert ids.rewrite({"q": [f"/runs/{run}"]}) == {"q": [f"/runs/{replayed}"]}
    # The mapped id answering as a third one, or an id the client already sent changing: differences.
    other = "0d5c2a7e-3b9f-4c1d-8e6a-5f4b3c2d1e0f"
    assert _compare({"executionId": run}, {"executionId": other}, ids=ids) == [
        f'$.executionId: recorded "{run}", mock "{other}"']
    ids.saw({"path": "/tasks/65f1a0c2e4b0a1b2c3d42001"}, {})
    assert _compare({"id": "65f1a0c2e4b0a1b2c3d42001"}, {"id": "65f1a0c2e4b0a1b2c3d42009"}, ids=ids) == [
        '$.id: recorded "65f1a0c2e4b0a1b2c3d42001", mock "65f1a0c2e4b0a1b2c3d42009"']
    assert _compare({"name": "a"}, {"name": "b"}, ids=ids) == ['$.name: recorded "a", mock "b"']  # not ids


def test_ignore_paths():
    recorded, mock = {"items": [{"id": 1, "n": {"id": 2}}], "total": 1}, {"items": [{"id": 9, "n": {"id": 8}}]}
    assert len(_compare(recorded, mock)) == 3
    assert _compare(recorded, mock, ignores=["$.items[*].id"]) == ["$.items[0].n.id: recorded 2, mock 8",
                                                                   "$.total: recorded 1, mock (absent)"]
    assert _compare(recorded, mock, ignores=["$..id", "$.total"]) == []
    assert _compare(recorded, mock, ignores=["$.items"]) == ["$.total: recorded 1, mock (absent)"]
    assert _compare(recorded, mock, ignores=["PUT /x $"]) != []  # another method
    assert _compare(recorded, mock, ignores=["GET /* $"]) == []
    # An ignored place is still compared: an id in it is learnt all the same.
    ids = parity.IdMap()
    assert _compare({"id": "65f1a0c2e4b0a1b2c3d49001"}, {"id": "65f1a0c2e4b0a1b2c3d49abc"}, ids=ids,
                    ignores=["$"]) == []
    assert ids.mapping == {"65f1a0c2e4b0a1b2c3d49001": "65f1a0c2e4b0a1b2c3d49abc"}
    for bad in ("$.items[", "$..", "GET", "a b c d"):
        with pytest.raises(parity.ParityError):
            parity.parse_ignore(bad)


def test_headers_that_matter():
    comparison = parity.Comparison(parity.IdMap(), [], "POST", "/x", None, timedelta(0))
    comparison.headers({"content-type": "application/json;charset=UTF-8", "retry-after": "3",
                        "location": "https://api.eu.cloud.talend.com/processing/executions/1"},
                       {"content-type": "application/json", "retry-after": "7",
                        "location": "http://127.0.0.1:5/processing/executions/1", "x-other": "x"})
    assert comparison.found == []
    comparison.headers({"content-type": "application/json"}, {"content-type": "text/html", "retry-after": "1"})
    assert [d.text() for d in comparison.found] == [
        'headers.content-type: recorded "application/json", mock "text/html"',
        'headers.retry-after: recorded (absent), mock "1"']


def test_a_file_that_is_not_a_cassette_is_an_error_and_what_cannot_be_replayed_is_skipped(tmp_path, caplog):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(CassetteError, match="empty; a cassette starts with its header line"):
        read_cassette(empty)
    for first in ("[1]", '{"cassette": "vcr"}'):
        (tmp_path / "other.jsonl").write_text(first + "\n")
        with pytest.raises(CassetteError, match="not a (mocktmc )?cassette"):
            read_cassette(tmp_path / "other.jsonl")
    partial = tmp_path / "partial.jsonl"
    partial.write_text('{"cassette": "mocktmc", "version": 1}\n{"seq": 1}\n[1]\n'
                       '{"seq": 2, "time": "2026-12-04T10:00:00Z", "request": {"method": "GET", "path": "/x", '
                       '"query": {"a": "b"}}}\n')
    with caplog.at_level(logging.WARNING, logger="mocktmc.cassette"):
        assert [i.get("seq") for i in read_cassette(partial)[1]] == [1, 2]  # the reader keeps JSON objects
    assert [r.getMessage().split(": ", 1)[1] for r in caplog.records] == [
        "line 3 is not a JSON object; skipped (a file cut short?)"]
    _files, interactions, notes = parity.load(partial)  # the replay, what it can replay
    assert interactions == [] and [note.split(": ", 1)[1] for note in notes] == [
        "line 3 is not a JSON object; skipped (a file cut short?)",
        "seq 1 skipped: no request with a method and a path",
        "seq 2 skipped: a query that is not a dict of lists of strings"]


def test_the_readme_example_is_what_diff_prints(defective_recording, tmp_path):
    """The README's example session, run as written against the defective recording (as `recordings/`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Parity: `mocktmc diff`\n")
    section = readme[start:readme.index("\n## ", start + 1)]
    [example] = [block for _language, block in re.findall(r"^```(\w*)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
                 if block.startswith("$ mocktmc diff")]
    (tmp_path / "recordings").symlink_to(defective_recording.parent)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    steps = re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", example, re.MULTILINE)
    assert len(steps) == 3
    last = None
    for command, expected in steps:
        if command == "echo $?":
            assert last is not None and f"{last.returncode}\n" == expected
            continue
        assert command.startswith("mocktmc diff ")
        last = subprocess.run([sys.executable, "-m", "mocktmc", *shlex.split(command)[1:]], capture_output=True,
                              text=True, env=ENV, cwd=tmp_path, timeout=300)
        assert last.stdout == expected, (command, last.stdout, last.stderr)


def test_a_directory_of_sessions_is_replayed_oldest_first_with_one_id_map(recording, tmp_path):
    """Two proxy sessions (the run started in the first, polled in the second): one replay, one map."""
    path, run_id = recording
    header, *lines = path.read_text().splitlines()
    started = next(n for n, line in enumerate(lines) if '"/processing/executions"' in line)
    (tmp_path / "cassette-20261204T100000Z-1.jsonl").write_text("\n".join([header, *lines[:started + 1]]) + "\n")
    (tmp_path / "cassette-20261204T100001Z-2.jsonl").write_text("\n".join([header, *lines[started + 1:]]) + "\n")
    result = _mocktmc("diff", str(tmp_path), "--fixtures", str(WORLD), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert len(report["cassettes"]) == 2 and report["replayed"] == len(lines) and run_id in report["idMap"]
    # In the wrong order the polls come before the run: the second file's answers differ, named by file.
    (tmp_path / "cassette-20261204T100000Z-1.jsonl").rename(tmp_path / "cassette-20261204T100002Z-1.jsonl")
    result = _mocktmc("diff", str(tmp_path), "--fixtures", str(WORLD))
    assert result.returncode == 1
    assert result.stdout.startswith("cassette-20261204T100001Z-2.jsonl #"), result.stdout


def test_a_running_mock_with_a_closed_control_plane(recording):
    """Behind a control token: without it no token can be made (exit 2); with it, the replay is clean; with only a
    TMC token the clock cannot follow the recording, which a warning says, and the run's polls then differ."""
    path, _run_id = recording
    mock = MockTMC(fixtures=str(WORLD), clock="frozen", start="2026-12-04T09:00:00Z", auth="strict",
                   control_token="sesame")
    with mock.serve(threads=2) as url:
        closed = _mocktmc("diff", str(path), "--url", url)
        opened = _mocktmc("diff", str(path), "--url", url, "--control-token", "sesame")
        unmoved = _mocktmc("diff", str(path), "--url", url, "--token", TOKEN, "--json")
    assert closed.returncode == 2 and "give --token, or --control-token" in closed.stderr, closed.stderr
    assert opened.returncode == 0 and "no difference" in opened.stdout, opened.stdout + opened.stderr
    assert unmoved.returncode == 1 and "the mock's clock is left as it is" in unmoved.stderr, unmoved.stderr
    # The account's clock stands where the replay with the control token left it, frozen at the recording's end:
    # the run this replay starts never gets going, where the recorded one succeeded.
    report = json.loads(unmoved.stdout)
    said = [(d["path"], d.get("recorded")) for r in report["results"] for d in r["differences"]]
    assert ("$.executionStatus", "EXECUTION_SUCCESS") in said, report
