"""State at scale: one account with 100,000 task runs saved to a state dir and loaded back, and as a snapshot.

Builds the world as history_scale.py does (the real simulation, runs spread over 60 days), then measures:
- the state dir's save (`--state-dir`): every world's snapshot, encoded and written in one SQLite transaction,
  and how long of it the world's lock was held (the snapshot only);
- the state dir's load (what `mocktmc serve --state-dir` does at start-up): read, checked, restored;
- GET /_mocktmc/state (secrets redacted) and PUT /_mocktmc/state through the app;
with the snapshot's size and the process's peak RSS.

Target (issue 20): save and load of 100,000 runs in a few seconds each.

    python bench/state_scale.py [--runs N]
"""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from mocktmc.app import create_app
from mocktmc.config import Settings
from mocktmc.control import state_dir
from mocktmc.domain import snapshot

try:
    from .history_scale import T0, build
except ImportError:  # run as a script
    from history_scale import T0, build  # type: ignore[no-redef]

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]


def _timed(action):
    start = time.perf_counter()
    result = action()
    return result, round(time.perf_counter() - start, 3)


def run(runs: int = 100_000) -> list[dict]:
    results = []
    (app, _), generation = _timed(lambda: build(runs))
    mock = app.extensions["mocktmc"]
    world = mock.accounts.default_world
    world.settle(mock.clock.now())
    results.append({"measure": "world", "runs": len(world.executions), "generation_s": generation})
    with tempfile.TemporaryDirectory() as directory:
        store = state_dir.StateStore(directory)
        store.hold()
        saver = state_dir.Saver(app, store, interval=3600, saved=False)
        _, locked = _timed(lambda: snapshot.dumps(world))  # what a save does under the lock
        _, save = _timed(saver.save)
        store.close()
        size = (Path(directory) / state_dir.FILE_NAME).stat().st_size
        results.append({"measure": "state dir save", "seconds": save, "world_locked_s": locked,
                        "file_MB": round(size / 1e6, 1)})
        settings = Settings(clock="frozen", start=T0, state_dir=directory)
        loaded, load = _timed(lambda: create_app(settings))
        again = loaded.extensions["mocktmc"].accounts.default_world
        assert len(again.executions) == len(world.executions), "the loaded world lacks runs"
        state_dir.close(loaded)
        results.append({"measure": "state dir load (serve start-up)", "seconds": load})
    client = app.test_client()
    got, get = _timed(lambda: client.get("/_mocktmc/state"))
    assert got.status_code == 200, got.status_code
    body = got.get_data()
    results.append({"measure": "GET /_mocktmc/state (redacted)", "seconds": get, "MB": round(len(body) / 1e6, 1)})
    put, restore = _timed(lambda: client.put("/_mocktmc/state", data=body, content_type="application/json"))
    assert put.status_code == 200, put.get_data(as_text=True)[:300]
    results.append({"measure": "PUT /_mocktmc/state", "seconds": restore})
    results.append({"measure": "peak RSS", "MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    rows = run(args.runs)
    for row in rows:
        print(json.dumps(row), flush=True)
    save("state_scale", rows)


if __name__ == "__main__":
    main()
