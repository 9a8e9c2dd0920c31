"""Bring your own tenant, end to end, as issue 22's "done means" reads: against a stand-in TMC (a `mocktmc serve` with
a closed control plane), `mocktmc import` → `mocktmc serve --fixtures` reproduces its world; `serve --proxy --record`
records a client's session with a stand-in whose one answer is broken (a defect mode); `mocktmc diff` replays the
recording against a mock of the imported world and finds that field, and nothing else."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .serving import served

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("tenant_roundtrip")]

PAT = "mocktmc-demo-pat-alice"  # the demo world's personal access token (README, demo world)
LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001"
START = "2026-03-04T12:00:00Z"
MOCKTMC = [sys.executable, "-m", "mocktmc"]


def stand_in(tmp_path: Path, name: str, *more: str):
    """"The real TMC": the demo world, strict tokens, the control plane closed, a frozen clock."""
    return served([*MOCKTMC, "serve", "--port", "0", "--auth", "strict", "--control-token", f"{name}-secret",
                   "--clock", "frozen", "--start", START, *more], tmp_path / f"{name}.log")


def client(base: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {PAT}"
    session.base = base  # type: ignore[attr-defined]
    return session


def view(session: requests.Session) -> dict:
    """What a client sees of the world, through the public API."""
    base = session.base  # type: ignore[attr-defined]

    def get(path: str, **params) -> object:
        answer = session.get(f"{base}{path}", params=params, timeout=10)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json()
    tasks = get("/orchestration/executables/tasks", limit=100)["items"]
    environments = get("/orchestration/environments")
    return {
        "environments": sorted((e["id"], e["name"]) for e in environments),
        "workspaces": sorted((w["id"], w["name"], w["environment"]["id"])
                             for w in get("/orchestration/workspaces")),
        "tasks": sorted((t["id"], t["name"], t["workspace"]["id"]) for t in tasks),
        "triggers": {t["id"]: get(f"/orchestration/executables/tasks/{t['id']}/run-config")["trigger"]["type"]
                     for t in tasks},
        "plans": sorted((p["executable"], p["name"]) for p in get("/orchestration/executables/plans")["items"]),
        "schedules": sorted((s["id"], s.get("executableId"), json.dumps(s["triggers"], sort_keys=True))
                            for e in environments
                            for s in get("/orchestration/schedules", environmentId=e["id"])["items"]),
        "promotions": sorted((p["executable"], p["name"]) for p in get("/orchestration/executables/promotions")),
    }


def test_import_serve_record_and_diff_find_the_broken_field_and_nothing_else(tmp_path):
    world = tmp_path / "world.yaml"
    with stand_in(tmp_path, "tenant") as (_, tenant):
        imported = subprocess.run([*MOCKTMC, "import", "--url", tenant, "--token", PAT, "-o", str(world), "--rate", "0",
                                   "--quiet"], capture_output=True, text=True, timeout=300,
                                  env={k: v for k, v in os.environ.items() if not k.startswith("TMC_")})
        assert imported.returncode == 0, imported.stderr
        assert "mocktmc-demo-pat-alice" not in world.read_text()  # no credential leaves the tenant
        original = view(client(tenant))

    # import → serve: the same world, as a client sees it.
    with served([*MOCKTMC, "serve", "--port", "0", "--fixtures", str(world), "--clock", "frozen", "--start", START],
                tmp_path / "imported.log") as (_, copy):
        assert view(client(copy)) == original

    # serve --proxy --record: a client's session with a stand-in whose environment list lost its ids.
    cassettes = tmp_path / "cassettes"
    with stand_in(tmp_path, "broken", "--defect", "missing_required_field") as (_, broken), \
            served([*MOCKTMC, "serve", "--port", "0", "--proxy", broken, "--record", str(cassettes)],
                   tmp_path / "proxy.log") as (_, proxy):
        session = client(proxy)
        assert [set(e) for e in session.get(f"{proxy}/orchestration/environments").json()][0] >= {"name"}
        session.get(f"{proxy}/orchestration/workspaces")
        session.get(f"{proxy}/orchestration/executables/tasks", params={"limit": 100})
        session.get(f"{proxy}/orchestration/executables/tasks/{LOAD_CUSTOMERS}")
        session.get(f"{proxy}/orchestration/executables/tasks/{LOAD_CUSTOMERS}/run-config")
        session.get(f"{proxy}/orchestration/executables/plans")
        started = session.post(f"{proxy}/processing/executions", json={"executable": LOAD_CUSTOMERS})
        assert started.status_code == 201, started.text
        run = session.get(f"{proxy}/processing/executions/{started.json()['executionId']}")
        assert run.json()["jobId"] == LOAD_CUSTOMERS
        report = requests.get(f"{proxy}/_mocktmc/proxy/report", timeout=10).json()
        # The proxy saw the broken answer break its contract, naming the field.
        assert report["violationCount"] >= 1 and any("'id'" in v["message"] for v in report["violations"]), report
    [cassette] = cassettes.glob("cassette-*.jsonl")
    recorded = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert [(r["request"]["method"], r["request"]["path"]) for r in recorded[1:]][:2] == [
        ("GET", "/orchestration/environments"), ("GET", "/orchestration/workspaces")]
    assert PAT not in cassette.read_text()

    # diff: the recording against a mock of the imported world finds that field, and nothing else.
    diffed = subprocess.run([*MOCKTMC, "diff", str(cassettes), "--fixtures", str(world), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert diffed.returncode == 1, diffed.stdout + diffed.stderr
    report = json.loads(diffed.stdout)
    differences = [(item["method"], item["path"], difference["path"])
                   for item in report["results"] for difference in item["differences"]]
    assert differences == [("GET", "/orchestration/environments", "$[0].id"),
                           ("GET", "/orchestration/environments", "$[1].id")], json.dumps(report, indent=1)[:3000]
