"""Where a benchmark leaves its figures for the page (bench/page.py): build/bench/<name>.json, the rows it printed
and when, on what, it measured them. The console output stays what it was; this is a copy for the page.

MOCKTMC_BENCH_DIR names another folder (the tests write theirs to a temporary one)."""
from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def folder() -> Path:
    return Path(os.environ.get("MOCKTMC_BENCH_DIR") or ROOT / "build" / "bench")


def save(name: str, rows: list[dict], directory: Path | None = None, command: str | None = None) -> Path:
    """Write `rows` as build/bench/<name>.json, with the moment, the command and the machine's load: figures
    measured alongside other work read differently (bench/README.md says so of several)."""
    target = directory or folder()
    target.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    document = {"bench": name, "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": command or (" ".join(["python", *sys.argv]) if sys.argv and sys.argv[0] else ""),
                "python": platform.python_version(), "cpus": os.cpu_count(),
                "load_average": [round(value, 2) for value in load] if load else None, "rows": rows}
    path = target / f"{name}.json"
    # Written whole then renamed, so that the page never reads half a file.
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(document, indent=1) + "\n")
    partial.replace(path)
    return path
