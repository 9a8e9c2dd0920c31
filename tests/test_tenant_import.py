"""`mocktmc import`: a mocktmc server with a closed control plane and strict auth stands in for a real TMC; the
world the import writes, served again, must answer the same public API calls with the same ids, names and links."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
import yaml

from mocktmc.testing import IN_PROCESS_URL, MockTMC, WSGITransport, connect
from mocktmc.tenant_import import REDACTED, ImportOptions, Refused, TMCReader, import_tenant

from .errors import assert_error
from .serving import served

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
# The command reads $TMC_TOKEN and the like: a developer's own must not change what these tests pass.
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("TMC_")}, "PYTHONPATH": str(ROOT)}
PAT = "mocktmc-demo-pat-alice"
CLIENT_ID, CLIENT_SECRET = "0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c", "demo-client-secret"
CONTROL = "import-test-control"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """The demo world behind strict auth and a closed control plane: "the real TMC" of these tests."""
    log = tmp_path_factory.mktemp("standin") / "server.log"
    with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--control-token", CONTROL,
                 "--auth", "strict"], log, env=ENV) as (_, url):
        yield url


@pytest.fixture
def control(standin):
    control = connect(standin, control_token=CONTROL)
    control.faults.clear()
    yield control
    control.faults.clear()


def mocktmc_import(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mocktmc", "import", *args], capture_output=True, text=True,
                          env=ENV, timeout=300)


def session_for(url: str, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def served_import(path: Path) -> tuple[requests.Session, str]:
    """The imported world in-process (open auth, any token), as `mocktmc serve --fixtures` would load it."""
    mock = MockTMC(fixtures=path, clock="real")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    session.headers["Authorization"] = "Bearer whoever"
    return session, IN_PROCESS_URL


def every(session: requests.Session, url: str, path: str, **params) -> list[dict]:
    body = session.get(url + path, params={**params, "limit": 100}).json()
    if isinstance(body, list):
        return body
    items, offset = list(body["items"]), len(body["items"])
    while offset < body["total"]:
        body = session.get(url + path, params={**params, "limit": 100, "offset": offset}).json()
        items += body["items"]
        offset += len(body["items"])
    return items


def without(item: dict, *keys: str) -> dict:
    return {k: v for k, v in item.items() if k not in keys}


def trigger_view(trigger: dict) -> dict:
    # A MANUAL trigger's (or a linked schedule's MULTIPLE) start date is the day the task was made: the demo world's
    # history makes that 60 days ago, the import's world (without --history-days) today.
    return {"type": trigger["type"]} if trigger["type"] in ("MANUAL", "MULTIPLE") else trigger


def world_view(session: requests.Session, url: str) -> dict:
    """What a client sees of an account through the public API, less what a served world makes anew (dates,
    runtime ids, pairing keys)."""
    def get(path: str):
        response = session.get(url + path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    view: dict = {"environments": get("/orchestration/environments"),
                  "workspaces": get("/orchestration/workspaces")}
    view["artifacts"] = [{**art, "versionDetails": [
        without(get(f"/orchestration/artifacts/{art['id']}/versions/{v}"), "createDate")
        for v in art["versions"]]} for art in every(session, url, "/orchestration/artifacts")]
    view["connections"] = [without(c, "createDate", "updateDate")
                           for c in every(session, url, "/orchestration/connections")]
    view["resources"] = every(session, url, "/orchestration/resources")
    view["tasks"] = []
    for task in every(session, url, "/orchestration/executables/tasks"):
        detail = get(f"/orchestration/executables/tasks/{task['id']}")
        if "taskPauseDetails" in detail:
            # Who paused it is a user id; the public API gives no login for it, so the served world names its own.
            detail["taskPauseDetails"] = without(detail["taskPauseDetails"], "pauseDate", "user")
        config = get(f"/orchestration/executables/tasks/{task['id']}/run-config")
        config["trigger"] = trigger_view(config["trigger"])
        view["tasks"].append({"extract": task, "detail": detail, "runConfig": config})
    view["plans"] = []
    for plan in every(session, url, "/orchestration/executables/plans"):
        config = get(f"/orchestration/executables/plans/{plan['executable']}/run-config")
        config["trigger"] = trigger_view(config["trigger"])
        view["plans"].append({"detail": get(f"/orchestration/executables/plans/{plan['executable']}"),
                              "runConfig": config})
    view["schedules"] = [get(f"/orchestration/schedules/{s['id']}") for s in every(session, url,
                                                                                   "/orchestration/schedules")]
    view["promotions"] = get("/orchestration/executables/promotions")
    made_anew = ("createDate", "updateDate", "runtimeId", "preAuthorizedKey")
    view["remoteEngines"] = [{**without(e, *made_anew), "profiles": [
        without(p, *made_anew) for p in get(f"/processing/runtimes/remote-engines/{e['id']}/run-profiles")]}
        for e in get("/processing/runtimes/remote-engines")]
    view["clusters"] = [{**without(get(f"/processing/runtimes/remote-engine-clusters/{c['id']}"), *made_anew),
                         "profiles": [without(p, *made_anew) for p in get(
                             f"/processing/runtimes/remote-engine-clusters/{c['id']}/run-profiles")]}
                        for c in get("/processing/runtimes/remote-engine-clusters")]
    view["pipelineEngines"] = [{**without(e, *made_anew), "profiles": [
        without(get(f"/processing/runtimes/pipeline-engines/{e['id']}/run-profiles/{p['type']}/{p['id']}"),
                *made_anew) for p in get(f"/processing/runtimes/pipeline-engines/{e['id']}/run-profiles")]}
        for e in get("/processing/runtimes/pipeline-engines")]
    view["projects"] = [without(p, "createDate", "updateDate") for p in every(session, url,
                                                                              "/orchestration/projects")]
    return view


def test_an_imported_account_serves_the_same_world(standin, control, tmp_path):
    out = tmp_path / "world.yaml"
    control.journal.clear()
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(out), "--rate", "50")
    assert result.returncode == 0, result.stderr
    assert "tasks: 9/9" in result.stderr  # progress, counts per kind
    original = world_view(session_for(standin, PAT), standin)
    imported = world_view(*served_import(out))
    for kind in original:
        assert imported[kind] == original[kind], kind
    # The demo world's shape is all there: not a vacuous equality.
    assert len(original["tasks"]) == 9 and len(original["plans"]) == 2 and len(original["schedules"]) == 2
    assert {t["runConfig"]["trigger"]["type"] for t in original["tasks"]} == {"MANUAL", "DAILY", "MULTIPLE"}
    assert len(original["remoteEngines"]) == 3 and original["clusters"][0]["engines"]
    # A client: GETs, and nothing else (the import ran before the comparisons, which are GETs too).
    methods = {(e["method"], e["path"].split("/")[1]) for e in control.journal.requests() if e["path"] != "/_mocktmc"}
    assert {m for m, _ in methods} == {"GET"}


def test_client_credentials_import_the_same_world(standin, tmp_path):
    by_token, by_client = tmp_path / "token.yaml", tmp_path / "client.yaml"
    assert mocktmc_import("--url", standin, "--token", PAT, "-o", str(by_token), "--rate", "0",
                          "--quiet").returncode == 0
    result = mocktmc_import("--url", standin, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                            "-o", str(by_client), "--rate", "0")
    assert result.returncode == 0, result.stderr
    assert "service-account token obtained" in result.stderr
    # The projects endpoints take personal access tokens only: the summary says so, and the rest is the same.
    assert "every project: not read: GET /orchestration/projects answered 403 Forbidden" in result.stdout
    by_pat = yaml.safe_load(by_token.read_text())
    assert by_pat.pop("projects") and yaml.safe_load(by_client.read_text()) == by_pat
    assert CLIENT_SECRET not in by_client.read_text()


def test_a_service_account_token_is_renewed_before_it_runs_out(tmp_path):
    """The mock expires service tokens after 30 minutes of its clock; the reader renews by its own clock."""
    mock = MockTMC(auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    now = [1000.0]
    reader = TMCReader(ImportOptions(url=IN_PROCESS_URL, output=tmp_path / "w.yaml", client_id=CLIENT_ID,
                                     client_secret=CLIENT_SECRET, rate=0), session=session, clock=lambda: now[0])
    assert reader.get("/orchestration/environments")
    first = reader._token
    mock.clock.advance(29 * 60)
    now[0] += 29 * 60 + 30  # within a minute of the end: renewed before the next call
    assert reader.get("/orchestration/environments")
    assert reader._token != first
    mock.clock.advance(2 * 60)  # the first token is dead now; the renewed one is not
    assert reader.get("/orchestration/workspaces")
    dead = session.get(IN_PROCESS_URL + "/orchestration/workspaces", headers={"Authorization": f"Bearer {first}"})
    assert_error(dead, 401, "expired")


def big_world(tasks: int) -> dict:
    """One workspace with `tasks` tasks (one artifact each), behind a PAT."""
    return {"users": [{"login": "ops@big.example"}],
            "personalAccessTokens": [{"token": "big-pat", "user": "ops@big.example"}],
            "environments": [{"id": "e" * 24, "name": "Big", "workspaces": [{
                "id": "f" * 24, "name": "Many", "owner": "ops@big.example",
                "artifacts": [{"id": f"{i:024x}", "name": f"job_{i}", "versions": ["1.0.0"]} for i in range(tasks)],
                "tasks": [{"id": f"{i + 10_000:024x}", "name": f"Task {i}", "artifact": f"{i:024x}"}
                          for i in range(tasks)]}]}]}


def test_every_page_of_a_long_list_is_read(tmp_path):
    mock = MockTMC(fixtures=big_world(130), auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    out = tmp_path / "big.yaml"
    outcome = import_tenant(ImportOptions(url=IN_PROCESS_URL, output=out, token="big-pat", rate=0, quiet=True),
                            session=session)
    assert outcome.report.read["tasks"] == 130 and outcome.report.read["artifacts"] == 130
    tasks = yaml.safe_load(out.read_text())["environments"][0]["workspaces"][0]["tasks"]
    assert sorted(t["id"] for t in tasks) == sorted(f"{i + 10_000:024x}" for i in range(130))
    pages = [e["query"].get("offset") for e in mock.journal.requests(path="/orchestration/executables/tasks")]
    assert sorted(pages) == [["0"], ["100"]]


def test_429_and_503_are_retried_honouring_retry_after(standin, control, tmp_path):
    control.faults.add("GET", "/orchestration/environments", 429, retry_after=1, times=2)
    control.faults.add("GET", "/orchestration/workspaces", 503, times=1)
    control.journal.clear()
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(tmp_path / "w.yaml"), "--rate", "0")
    assert result.returncode == 0, result.stderr
    assert "3 retried" in result.stdout
    assert "429; retrying in 1 s" in result.stderr and "503; retrying in 0.5 s" in result.stderr
    asked = sorted((e for e in control.journal.requests(path="/orchestration/environments")), key=lambda e: e["seq"])
    assert [e["status"] for e in asked][:3] == [429, 429, 200]
    times = [datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in asked[:3]]
    assert all((b - a).total_seconds() >= 0.99 for a, b in zip(times, times[1:]))  # Retry-After: 1 waited


def test_a_tmc_that_keeps_failing_ends_the_import_with_exit_1(standin, control, tmp_path):
    control.faults.add("GET", "/orchestration/workspaces", 503)
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(tmp_path / "w.yaml"), "--retries", "1",
                            "--quiet")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("mocktmc import: GET /orchestration/workspaces answered 503 Service Unavailable")
    assert "Traceback" not in result.stderr and not (tmp_path / "w.yaml").exists()


def test_include_and_exclude_by_name_or_id(standin, tmp_path):
    only = tmp_path / "production.yaml"
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(only), "--rate", "0",
                            "--include", "Production")
    assert result.returncode == 0, result.stderr
    world = yaml.safe_load(only.read_text())
    assert [e["name"] for e in world["environments"]] == ["Production"]
    assert [t["id"] for t in world["environments"][0]["workspaces"][0]["tasks"]] == ["65f1a0c2e4b0a1b2c3d42101"]
    assert "promotions" not in world  # its source, Development, is left out
    assert "1 environment(s) and 2 workspace(s), with what is in them: left out by --include/--exclude" \
        in result.stdout

    rest = tmp_path / "rest.yaml"
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(rest), "--rate", "0",
                            "--exclude", "65f1a0c2e4b0a1b2c3d40101", "--exclude", "Production")
    assert result.returncode == 0, result.stderr
    world = yaml.safe_load(rest.read_text())
    [dev] = world["environments"]
    assert [w["name"] for w in dev["workspaces"]] == ["Personal"]
    # The engines stay in their environment, without the workspace that was left out; the cluster needs one.
    assert {e["name"] for e in dev["remoteEngines"]} == {"onprem-re-1", "onprem-re-2", "onprem-re-3"}
    assert "clusters" not in dev and "onprem-cluster" in result.stdout
    session, url = served_import(rest)
    assert [w["name"] for w in session.get(url + "/orchestration/workspaces").json()] == ["Personal"]


def test_the_summary_names_what_could_not_be_mapped(standin, tmp_path):
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(tmp_path / "w.yaml"), "--rate", "0",
                            "--quiet", "--history-days", "30")
    assert result.returncode == 0 and result.stderr == ""
    unmapped = result.stdout.split("not mapped (", 1)[1]
    assert ("resource 'country-codes.csv' (65f1a0c2e4b0a1b2c3d4a001) content: the public API cannot download "
            "a resource's file; imported empty") in unmapped
    assert "remote engine 'onprem-re-1' (65f1a0c2e4b0a1b2c3d45001) field runtimeId" in unmapped
    assert "project 'Sales data' (65f1a0c2e4b0a1b2c3d4b001) users" in unmapped
    assert "task runs started by a schedule, trigger or plan (the served world replays them)" in unmapped


def test_runs_of_the_last_days_come_back_in_the_served_world(standin, tmp_path):
    out = tmp_path / "history.yaml"
    assert mocktmc_import("--url", standin, "--token", PAT, "-o", str(out), "--rate", "0", "--quiet",
                          "--history-days", "30").returncode == 0
    runs = yaml.safe_load(out.read_text())["history"]["runs"]
    assert runs and {r.get("task") or r.get("plan") for r in runs} >= {"65f1a0c2e4b0a1b2c3d42001"}

    def manual(session, url):
        return sorted((r["taskId"], r["triggerTimestamp"][:16]) for r in every(
            session, url, "/processing/executables/tasks/executions", lastDays=29)
            if r["executionType"] == "MANUAL")
    original = manual(session_for(standin, PAT), standin)
    assert original and manual(*served_import(out)) == original


def test_no_secret_reaches_the_written_world(tmp_path):
    world = big_world(1)
    workspace = world["environments"][0]["workspaces"][0]
    workspace["connections"] = [{"name": "warehouse", "app": "Snowflake", "parameters": [
        {"name": "user", "value": "loader"},
        {"name": "password", "value": "plain-hunter2"},  # not flagged encrypted: its name gives it away
        {"name": "privateKey", "value": "encrypted-s3cr3t", "encrypted": True}]}]
    workspace["tasks"][0]["parameters"] = {"api_key": "task-key-123", "batch": "50"}
    mock = MockTMC(fixtures=world, auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    out = tmp_path / "secrets.yaml"
    outcome = import_tenant(ImportOptions(url=IN_PROCESS_URL, output=out, token="big-pat", rate=0, quiet=True),
                            session=session)
    text = out.read_text()
    for secret in ("plain-hunter2", "encrypted-s3cr3t", "task-key-123", "big-pat"):
        assert secret not in text
    assert text.count(f": {REDACTED}") == 3 and "loader" in text and "'50'" in text
    assert len(outcome.report.secrets) == 3


def test_the_demo_worlds_secrets_stay_behind(standin, tmp_path):
    out = tmp_path / "w.yaml"
    assert mocktmc_import("--url", standin, "--token", PAT, "-o", str(out), "--quiet", "--rate", "0"
                          ).returncode == 0
    text = out.read_text()
    for secret in ("demo-password", PAT, CLIENT_SECRET, "3f1c9a52-7d4e-4b8a-9c21-5e6f7a8b9c01"):
        assert secret not in text
    assert f"value: {REDACTED}" in text


@pytest.mark.parametrize("args, message", [
    (["--url", "http://x"], "a credential is needed"),
    (["--url", "http://x", "--token", "t", "--client-id", "c", "--client-secret", "s"], "not both"),
    (["--url", "http://x", "--client-id", "c"], "go together"),
    (["--url", "ftp://x", "--token", "t"], "--url must be the API's base URL"),
    (["--url", "http://x", "--token", "t", "--history-days", "61"], "61 is not in the range 0<=x<=60"),
    (["--token", "t"], "Missing option '--url'"),
])
def test_bad_usage_exits_2_with_one_line(tmp_path, args, message):
    result = mocktmc_import(*args, "-o", str(tmp_path / "w.yaml"))
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_include_is_bad_usage(standin, tmp_path):
    result = mocktmc_import("--url", standin, "--token", PAT, "-o", str(tmp_path / "w.yaml"), "--include", "Nope")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("--include/--exclude 'Nope' names no environment or workspace of this "
                                          "account")


@pytest.mark.parametrize("credential, named", [
    (["--token", "not-a-known-token"], "401 Unauthorized"),
    (["--client-id", CLIENT_ID, "--client-secret", "wrong"], "refused the client credentials: 401 Unauthorized"),
])
def test_a_refusing_tmc_exits_1_naming_the_status(standin, tmp_path, credential, named):
    result = mocktmc_import("--url", standin, *credential, "-o", str(tmp_path / "w.yaml"), "--quiet")
    assert result.returncode == 1 and named in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_unreachable_tmc_exits_1(tmp_path):
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    result = mocktmc_import("--url", f"http://127.0.0.1:{port}", "--token", "t", "-o", str(tmp_path / "w.yaml"),
                            "--retries", "1", "--quiet")
    assert result.returncode == 1
    assert result.stderr.strip() == f"mocktmc import: cannot reach http://127.0.0.1:{port}: Connection refused"


def test_progress_goes_to_stderr_and_quiet_silences_it(tmp_path):
    mock = MockTMC(fixtures=big_world(3), auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    for quiet, expected in ((False, "mocktmc import: tasks: 3/3\n"), (True, "")):
        err = io.StringIO()
        import_tenant(ImportOptions(url=IN_PROCESS_URL, output=tmp_path / "w.yaml", token="big-pat", rate=0,
                                    quiet=quiet), session=session, err=err)
        assert (expected in err.getvalue()) if expected else err.getvalue() == ""


def test_an_engine_outside_every_workspace_keeps_its_environment(tmp_path):
    world = big_world(1)
    world["environments"].append({"id": "d" * 24, "name": "Other", "remoteEngines": [{"id": "c" * 24,
                                                                                        "name": "loose-engine"}]})
    world["environments"][0]["remoteEngines"] = [{"id": "b" * 24, "name": "home-engine", "workspace": "Many"}]
    mock = MockTMC(fixtures=world, auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    out = tmp_path / "engines.yaml"
    import_tenant(ImportOptions(url=IN_PROCESS_URL, output=out, token="big-pat", rate=0, quiet=True), session=session)
    imported = {e["name"]: [r["id"] for r in e.get("remoteEngines", [])]
                for e in yaml.safe_load(out.read_text())["environments"]}
    assert imported == {"Big": ["b" * 24], "Other": ["c" * 24]}


def test_pacing_and_backoff_wait_what_they_should(tmp_path):
    """With a clock that stands still, every wait is the reader's own: 1/rate between requests, and on a 503
    without Retry-After 0.5 s doubling per retry until the retries run out."""
    mock = MockTMC(auth="strict")
    session = requests.Session()
    session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    options = ImportOptions(url=IN_PROCESS_URL, output=tmp_path / "w.yaml", token=PAT, rate=4, retries=3)
    reader = TMCReader(options, session=session, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        reader.get("/orchestration/environments")
    assert waits == [0.25, 0.25] and reader.requests == 3

    waits.clear()
    mock.faults.add("GET", "/orchestration/workspaces", 503)
    reader = TMCReader(replace(options, rate=0), session=session, sleep=sleep, clock=lambda: now[0])
    with pytest.raises(Refused) as refused:
        reader.get("/orchestration/workspaces")
    assert refused.value.status == 503 and "503 Service Unavailable" in str(refused.value)
    assert waits == [0.5, 1.0, 2.0] and reader.requests == 4 and reader.retried == 3


def test_retry_after_is_read_as_seconds_or_as_a_date():
    from mocktmc.tenant_import import _retry_after

    def answered(value: str | None) -> requests.Response:
        response = requests.Response()
        if value is not None:
            response.headers["Retry-After"] = value
        return response

    assert _retry_after(answered("3")) == 3.0 and _retry_after(answered(None)) is None
    assert _retry_after(answered("soon")) is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (_retry_after(answered(later)) or 0) <= 30


def test_a_field_without_a_place_is_named_and_a_secret_one_is_not_shown():
    from mocktmc.tenant_import import Report, _extra

    report = Report()
    _extra("engine 'x' (1)", {"id": "1", "color": "red", "apiToken": "zzz-secret", "lineage": False, "empty": ""},
           {"id"}, report, defaults={"lineage": False})
    assert report.unmapped == [
        "engine 'x' (1) field color: the fixture format has no place for it (value 'red')",
        "engine 'x' (1) field apiToken: the fixture format has no place for it (a secret, not shown)"]
