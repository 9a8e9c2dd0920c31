"""`mocktmc import` at scale: a stand-in TMC of 1,000 tasks (each with its artifact, 20 plans of 5 steps, 50
schedules, 10 connections per workspace) served by `mocktmc serve --auth strict`, imported by the
`mocktmc import` command unpaced (`--rate 0`): seconds, requests made, requests/s. The written world is then
loaded as `serve --fixtures` would load it and its task ids are checked against the stand-in's (exit 1 if
they differ).

With the default `--rate 8`, the same import takes requests / 8 seconds: the pacing, not the client, sets it.

    python bench/import_scale.py [--tasks N] [--rate R]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

try:
    from .figures import save
    from .serving import served
except ImportError:  # run as a script
    from figures import save  # type: ignore[no-redef]
    from serving import served  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PAT = "bench-import-pat"


def stand_in(tasks: int) -> dict:
    """Two environments, five workspaces each, the tasks spread over them; plans and schedules on some."""
    environments = []
    per_workspace = max(1, tasks // 10)
    n = 0
    for e in range(2):
        workspaces = []
        for w in range(5):
            count = min(per_workspace, tasks - n)
            ids = [f"{n + i:024x}" for i in range(count)]
            n += count
            workspaces.append({
                "id": f"{0xa000 + e * 10 + w:024x}", "name": f"ws-{e}-{w}",
                "artifacts": [{"id": f"{int(i, 16) + 0x100000:024x}", "name": f"job_{i}",
                               "versions": [{"version": "1.0.0", "parameters": {"batch": 100}}]} for i in ids],
                "connections": [{"name": f"db-{c}", "app": "PostgreSQL", "parameters": [
                    {"name": "host", "value": f"db{c}.internal"},
                    {"name": "password", "value": "bench-secret", "encrypted": True}]} for c in range(10)],
                "tasks": [{"id": i, "name": f"Task {int(i, 16)}", "artifact": f"{int(i, 16) + 0x100000:024x}",
                           "tags": ["bench"]} for i in ids],
                "plans": [{"name": f"Plan {e}-{w}-{p}", "steps": [
                    {"name": f"step {s}", "tasks": [ids[(p * 5 + s) % len(ids)]]} for s in range(5)]}
                    for p in range(2)] if ids else [],
            })
        first_tasks = [t["id"] for ws in workspaces for t in ws["tasks"]][:25]
        environments.append({
            "id": f"{0xe000 + e:024x}", "name": f"env-{e}", "workspaces": workspaces,
            "schedules": [{"task": t, "triggers": [{"name": "nightly", "type": "DAILY", "interval": 1,
                                                    "startDate": "2024-01-01", "timeZone": "UTC",
                                                    "atTimes": {"type": "AT_TIME", "time": "02:00"}}]}
                          for t in first_tasks]})
    return {"users": [{"login": "bench@import.example"}],
            "personalAccessTokens": [{"token": PAT, "user": "bench@import.example"}],
            "environments": environments}


def run(tasks: int = 1000, rate: float = 0) -> list[dict]:
    env = {"PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "standin.yaml", Path(tmp) / "imported.yaml"
        source.write_text(yaml.safe_dump(stand_in(tasks), sort_keys=False))
        with served([sys.executable, "-m", "mocktmc", "serve", "--port", "0", "--fixtures", str(source),
                     "--auth", "strict", "--control-token", "bench"], env=env) as url:
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "mocktmc", "import", "--url", url, "--token", PAT,
                                     "-o", str(out), "--rate", str(rate), "--quiet"],
                                    capture_output=True, text=True, env={**os.environ, **env})
            seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"the import failed: {result.stderr.strip()}")
        made = re.search(r"\((\d+) requests, (\d+) retried", result.stdout)
        assert made, result.stdout
        requests_made = int(made.group(1))
        imported = yaml.safe_load(out.read_text())
        got = sorted(t["id"] for e in imported["environments"] for w in e["workspaces"] for t in w.get("tasks", []))
        want = sorted(t["id"] for e in stand_in(tasks)["environments"] for w in e["workspaces"] for t in w["tasks"])
        if got != want:
            raise SystemExit(f"the import lost tasks: {len(got)} of {len(want)}")
        secrets_left = out.read_text().count("bench-secret")
        if secrets_left:
            raise SystemExit(f"a secret reached the written world {secrets_left} times")
        return [{"measure": "mocktmc import", "tasks": tasks, "rate": rate or "unpaced",
                 "seconds": round(seconds, 2), "requests": requests_made,
                 "requests_per_s": round(requests_made / seconds, 1), "world_bytes": out.stat().st_size}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0, help="the import's --rate (0: unpaced)")
    args = parser.parse_args()
    rows = run(args.tasks, args.rate)
    for row in rows:
        print(json.dumps(row))
    save("import_scale", rows)


if __name__ == "__main__":
    main()
