"""Many clients at once against one served mock: mixed operations, then invariants over what they left.

`threads` client threads, each on its own connection, do `operations` random operations each (seeded) against one
mock served by waitress in this process (`MockTMC(...).serve`, `server_threads` workers, the clock frozen): create,
replace and delete their own tasks (a 409 only for a task with runs of its own), execute them and one task every
thread shares, move the clock, read tasks, runs and task lists. Every answer must have the status the operation
promises; a 5xx or any other fails the run.

Afterwards, with the clock moved a day so that every run has ended:
- no lost updates: every task a thread kept has the name it last wrote; every task it deleted is gone;
  the shared task's history holds exactly the runs every thread started on it, and each own task's
  history exactly the runs started on it;
- ids are unique: tasks (across threads) and runs;
- runs went through valid lifecycle states: every status a thread read, in the order it read them, follows the
  lifecycle's transitions, and each run's last one is final;
- list counts agree with gets: the task list filtered by the stress's name prefix has the kept tasks' total
  and ids, and names that agree with each task's GET.

Figures: requests, operations per second, invariant checks made, violations (exit 1 when any), RSS of this
process (the server and its clients). `make bench` runs the full size; tests/test_stress.py a small one.

    python bench/stress.py [--threads N] [--operations N] [--server-threads N] [--seed N]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from mocktmc.charts import percentile
from mocktmc.domain.model import lifecycle
from mocktmc.testing import MockTMC

try:  # imported as bench.<name> (the tests), or run as a script (make bench), where bench/ is on the path
    from .figures import save
except ImportError:
    from figures import save  # type: ignore[no-redef]

DEV_ENV, DEV_SALES_WS = "65f1a0c2e4b0a1b2c3d40001", "65f1a0c2e4b0a1b2c3d40101"
ARTIFACT = {"id": "65f1a0c2e4b0a1b2c3d41001", "version": "0.1.0.20240105101500"}  # the demo's Customers load
PREFIX = "stress-"
AUTH = {"Authorization": "Bearer stress-token"}
TASKS, RUNS = "/orchestration/executables/tasks", "/processing/executions"
# Operation -> weight; reads are the commonest, as in a client's poll loop.
MIX = {"create": 14, "replace": 14, "delete": 7, "execute": 22, "execute_shared": 8, "advance": 5, "read_task": 10,
       "read_run": 14, "list": 6}


def _reachable() -> dict[str, set[str]]:
    """executionStatus -> every status a run can be in later (itself included)."""
    later = {}
    for status in lifecycle.EXECUTION_STATUSES:
        seen, todo = {status}, [status]
        while todo:
            for following in lifecycle.TRANSITIONS.get(todo.pop(), ()):
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        later[status] = seen
    return later


LATER = _reachable()


@dataclass
class Client:
    """One client thread's model of what it did."""
    index: int
    base: str
    seed: int
    tasks: dict[str, str] = field(default_factory=dict)  # kept task id -> the name last written
    deleted: set[str] = field(default_factory=set)
    runs_of: Counter = field(default_factory=Counter)  # task id -> runs this thread started on it
    runs: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    seen: dict[str, list[str]] = field(default_factory=dict)  # run id -> executionStatus read, in order
    requests: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds each answer took, for the percentiles
    violations: list[str] = field(default_factory=list)
    made: int = 0

    def call(self, session: requests.Session, method: str, path: str, expected: int, **kwargs) -> dict | None:
        self.requests += 1
        began = time.perf_counter()
        answer = session.request(method, self.base + path, timeout=60, **kwargs)
        self.latencies.append(time.perf_counter() - began)
        if answer.status_code != expected:
            self.violations.append(f"{method} {path}: {answer.status_code}, expected {expected}: {answer.text[:300]}")
            return None
        return answer.json() if answer.content else {}

    def body(self, name: str) -> dict:
        return {"environmentId": DEV_ENV, "workspaceId": DEV_SALES_WS, "name": name, "artifact": ARTIFACT}

    def work(self, operations: int, shared: str) -> None:
        draw = random.Random(self.seed)
        names, weights = list(MIX), list(MIX.values())
        with requests.Session() as session:
            session.headers.update(AUTH)
            for _ in range(operations):
                self.step(session, draw, draw.choices(names, weights)[0], shared)

    def step(self, session: requests.Session, draw: random.Random, operation: str, shared: str) -> None:
        own = sorted(self.tasks)
        if operation in ("replace", "delete", "execute", "read_task") and not own:
            operation = "create"
        if operation == "read_run" and not self.runs:
            operation = "execute_shared"
        if operation == "create":
            self.made += 1
            name = f"{PREFIX}{self.index}-{self.made}"
            task = self.call(session, "POST", TASKS, 201, json=self.body(name))
            if task is not None:
                self.tasks[task["id"]] = name
                self.created.append(task["id"])
        elif operation == "replace":
            task, self.made = draw.choice(own), self.made + 1
            name = f"{PREFIX}{self.index}-{self.made}"
            body = {"workspaceId": DEV_SALES_WS, "name": name, "description": f"client {self.index}",
                    "artifact": ARTIFACT}
            if self.call(session, "PUT", f"{TASKS}/{task}", 200, json=body) is not None:
                self.tasks[task] = name
        elif operation == "delete":
            task = draw.choice(own)
            self.requests += 1
            began = time.perf_counter()
            answer = session.delete(f"{self.base}{TASKS}/{task}", timeout=60)
            self.latencies.append(time.perf_counter() - began)
            if answer.status_code == 204:
                del self.tasks[task]
                self.deleted.add(task)
            elif not (answer.status_code == 409 and self.runs_of[task] and "in progress" in answer.text):
                # 409 only while a run this client started may not have ended (the clock is moved by all)
                self.violations.append(f"DELETE {TASKS}/{task}: {answer.status_code}: {answer.text[:300]}")
        elif operation in ("execute", "execute_shared"):
            task = shared if operation == "execute_shared" else draw.choice(own)
            run = self.call(session, "POST", RUNS, 201, json={"executable": task})
            if run is not None:
                self.runs.append(run["executionId"])
                self.runs_of[task] += 1
        elif operation == "advance":
            self.call(session, "POST", "/_mocktmc/clock/advance", 200, json={"seconds": draw.choice([1, 2, 5, 30])})
        elif operation == "read_task":
            task = draw.choice(own)
            got = self.call(session, "GET", f"{TASKS}/{task}", 200)
            if got is not None and got["name"] != self.tasks[task]:
                self.violations.append(f"task {task}: read {got['name']!r} after writing {self.tasks[task]!r}")
        elif operation == "read_run":
            self.read_run(session, draw.choice(self.runs))
        else:
            self.call(session, "GET", TASKS, 200, params={"workspaceId": DEV_SALES_WS, "limit": 10})

    def read_run(self, session: requests.Session, run: str) -> None:
        got = self.call(session, "GET", f"{RUNS}/{run}", 200)
        if got is not None:
            self.seen.setdefault(run, []).append(got["executionStatus"])


def _check(clients: list[Client], base: str, shared: str) -> tuple[int, list[str], int]:
    """The invariants over what the clients left; answers (checks made, violations, requests made)."""
    checks, violations = 0, []
    reader = Client(-1, base, 0)
    with requests.Session() as session:
        session.headers.update(AUTH)

        def expect(condition: bool, what: str) -> None:
            nonlocal checks
            checks += 1
            if not condition:
                violations.append(what)

        reader.call(session, "POST", "/_mocktmc/clock/advance", 200, json={"seconds": 86400})  # every run ends
        created = [task for client in clients for task in client.created]
        expect(len(created) == len(set(created)), f"task ids repeat: {len(created) - len(set(created))}")
        runs = [run for client in clients for run in client.runs]
        expect(len(runs) == len(set(runs)), f"run ids repeat: {len(runs) - len(set(runs))}")
        kept = {task: name for client in clients for task, name in client.tasks.items()}
        for task, name in kept.items():
            got = reader.call(session, "GET", f"{TASKS}/{task}", 200)
            expect(got is not None and got["name"] == name,
                   f"task {task}: {got and got['name']!r}, last written {name!r}")
        for task in (task for client in clients for task in client.deleted):
            reader.call(session, "GET", f"{TASKS}/{task}", 404)
            checks += 1
        listed: dict[str, str] = {}
        while True:
            page = reader.call(session, "GET", TASKS, 200, params={"name": PREFIX, "limit": 100, "offset": len(listed)})
            if not page or not page["items"]:
                break
            listed.update((item["id"], item["name"]) for item in page["items"])
            expect(page["total"] == len(kept), f"task list total {page['total']}, {len(kept)} kept")
        expect(listed == kept, f"task list {len(listed)} tasks vs {len(kept)} kept: {set(listed) ^ set(kept)}")
        started = sum((client.runs_of for client in clients), Counter())
        for task in [shared, *kept]:
            history = reader.call(session, "GET", f"/processing/executables/tasks/{task}/executions", 200,
                                  params={"limit": 1})
            expect(history is not None and history["total"] == started[task],
                   f"task {task}: history holds {history and history['total']} runs, {started[task]} started")
        for client in clients:
            for run in client.runs:
                reader.read_run(session, run)
                path = client.seen.get(run, []) + reader.seen[run]
                expect(all(after in LATER[before] for before, after in zip(path, path[1:])),
                       f"run {run} went {' -> '.join(path)}")
                expect(path[-1] in lifecycle.TERMINAL, f"run {run} is still {path[-1]} a day later")
    return checks, violations + reader.violations, reader.requests


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def run(threads: int = 16, operations: int = 1000, server_threads: int = 8, seed: int = 0) -> list[dict]:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # more clients than workers queue, by design
    mock = MockTMC(clock="frozen", seed=seed)
    with mock.serve(threads=server_threads) as base:
        clients = [Client(index, base, seed * 1000 + index) for index in range(threads)]
        setup = requests.post(base + TASKS, headers=AUTH, json=clients[0].body("shared"), timeout=60)
        assert setup.status_code == 201, setup.text
        shared = setup.json()["id"]
        workers = [threading.Thread(target=client.work, args=(operations, shared)) for client in clients]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
        checks, violations, check_requests = _check(clients, base, shared)
    violations = [v for client in clients for v in client.violations] + violations
    made = sum(client.requests for client in clients)
    rows = [{"measure": "mixed operations", "threads": threads, "server_threads": server_threads,
             "requests": made, "seconds": round(seconds, 2), "requests_per_s": round(made / seconds),
             "tasks_created": sum(len(client.created) for client in clients),
             "runs_started": sum(len(client.runs) for client in clients)},
            {"measure": "invariants", "checks": checks, "requests": check_requests, "violations": len(violations),
             "first_violations": violations[:5]},
            {"measure": "memory", "rss_mb": rss_mb(),
             "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}]
    # Last, so that the rows before keep their places: each answer of the mixed operations, as its client timed it
    # (queueing behind the other threads included), percentiles by nearest rank.
    latencies = [seconds for client in clients for seconds in client.latencies]
    if latencies:
        rows.append({"measure": "request latency, mixed operations", "requests": len(latencies),
                     **{f"p{q}_ms": round(percentile(latencies, q) * 1000, 2) for q in (50, 90, 95, 99)},
                     "max_ms": round(max(latencies) * 1000, 2)})
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--operations", type=int, default=1000, help="operations per client thread")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    rows = run(options.threads, options.operations, options.server_threads, options.seed)
    save("stress", rows)
    sys.exit(1 if rows[1]["violations"] else 0)


if __name__ == "__main__":
    main()
