"""A model of connections, tasks, plans and schedules (and, on a mock, workspaces) made in the sandbox: any sequence
of create, rename, link and delete answers what the model predicts, on any target.

The machine names everything it makes after the example (mocktmc-kit-<seed>-crud-<n>-...), so among the objects
of the sandbox it can tell its own. After every step:

- crud_status: each call answered the status the model (and the contract) predicts: 201 on create, 200/204 on update
  and delete as the contract says, 409 on the conflicts the model sees coming (a connection name taken, a task in a
  plan, a schedule still linked, a connection a task uses), 403 linking a schedule another task holds, 404 unlinking
  a task that has no schedule;
- crud_read_agrees: GET by id of every live object, and the lists of the sandbox, agree with the model: the objects
  named after the example are exactly the live ones;
- deleted_is_gone: after a DELETE, GET by id answers 404 (and keeps answering it).

Every example deletes what it made at its end, and checks those deletions too.
"""
from __future__ import annotations

import re
import sys
from datetime import timedelta
from typing import Any

import pytest
import requests
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mocktmc.kit.checks import describe
from mocktmc.kit.sandbox import sandbox
from mocktmc.kit.target import current_target

pytestmark = [pytest.mark.suite("crud"), pytest.mark.families("orchestration"), pytest.mark.writes]

CONNECTIONS = "/orchestration/connections"
TASKS = "/orchestration/executables/tasks"
PLANS = "/orchestration/executables/plans"
SCHEDULES = "/orchestration/schedules"
WORKSPACES = "/orchestration/workspaces"
# The path templates of the operations, for the report.
ONE = {CONNECTIONS: "/{connectionId}", TASKS: "/{taskId}", PLANS: "/{planId}", SCHEDULES: "/{scheduleId}",
       WORKSPACES: "/{id}"}
LINK = TASKS + "/{taskId}/schedule"
LETTERS = ("a", "b", "c")  # connection and workspace names come from a small pool, so that they clash
letters = st.sampled_from(LETTERS)

def items_of(answer: requests.Response) -> list[dict]:
    body = answer.json()
    return body if isinstance(body, list) else body.get("items", [])


# --- the machine ------------------------------------------------------------------------------------------------------
class CrudMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.target = current_target()
        self.box = sandbox(self.target)
        # Everything this example makes is named `<tag>-...`: the lists are compared on that prefix.
        self.tag = self.target.name("crud")
        self.serial = 0
        self.conns: dict[str, dict] = {}  # id -> {name}
        self.tasks: dict[str, dict] = {}  # id -> {name, conn}
        self.plans: dict[str, dict] = {}  # id -> {name, tasks}
        self.schedules: dict[str, dict] = {}  # id -> {description, task}
        self.spaces: dict[str, dict] = {}  # id -> {name}
        self.gone: dict[str, str] = {}  # id -> the collection it was deleted from

    # --- helpers ------------------------------------------------------------------------------------------------------
    def fresh(self, kind: str) -> str:
        self.serial += 1
        return f"{self.tag}-{kind}-{self.serial}"

    def pooled(self, kind: str, letter: str) -> str:
        return f"{self.tag}-{kind}-{letter}"

    def expect(self, answer: requests.Response, statuses: int | tuple[int, ...], operation: str, why: str) -> None:
        wanted = statuses if isinstance(statuses, tuple) else (statuses,)
        self.target.check("crud_status", answer.status_code in wanted,
                          f"{why}: expected {' or '.join(map(str, wanted))}, got {describe(answer)}",
                          response=answer, operation=operation)

    def created(self, answer: requests.Response, collection: str, operation: str) -> str:
        made = answer.json().get("id") if answer.status_code in (200, 201) else None
        self.target.check("crud_status", isinstance(made, str) and made,
                          f"a create must answer the new object's id: {describe(answer)}", response=answer,
                          operation=operation)
        assert isinstance(made, str)  # target.check raised otherwise
        self.target.created(f"{collection}/{made}")
        return made

    def delete(self, collection: str, object_id: str, expected: int, why: str) -> bool:
        """DELETE one object; when it went, GET by id must answer 404 from then on."""
        path = f"{collection}/{object_id}"
        answer = self.target.delete(path)
        self.expect(answer, expected, f"DELETE {collection}{ONE[collection]}", why)
        if expected not in (200, 204):
            return False
        self.target.forget(path)
        self.gone[object_id] = collection
        self.is_gone(object_id, collection)
        return True

    def is_gone(self, object_id: str, collection: str) -> None:
        if collection == WORKSPACES:  # no GET by id: the list must not hold it
            listed = self.target.get(WORKSPACES)
            present = listed.status_code == 200 and any(ws.get("id") == object_id for ws in items_of(listed))
            self.target.check("deleted_is_gone", listed.status_code == 200 and not present,
                              f"the deleted workspace {object_id} is still listed: {describe(listed)}",
                              response=listed, operation=f"GET {WORKSPACES}")
            return
        answer = self.target.get(f"{collection}/{object_id}")
        self.target.check("deleted_is_gone", answer.status_code == 404,
                          f"a deleted object must answer 404, got {describe(answer)}", response=answer,
                          operation=f"GET {collection}{ONE[collection]}")

    def linked(self, task: str) -> str | None:
        return next((sid for sid, s in self.schedules.items() if s["task"] == task), None)

    def task_body(self, task_id: str) -> dict:
        """The whole task, as PUT replaces it (fields left out would be emptied)."""
        body: dict[str, Any] = {"workspaceId": self.box.workspace, "name": self.tasks[task_id]["name"],
                                "description": "made by the mocktmc contract kit (crud machine)",
                                "artifact": self.box.artifact}
        if self.tasks[task_id]["conn"]:
            body["connections"] = {"db": self.tasks[task_id]["conn"]}
        return body

    # Objects are drawn in the order they were made: their ids come from the target, and differ when Hypothesis replays
    # an example, so sorting them would draw different objects on a replay.

    # --- connections --------------------------------------------------------------------------------------------------
    @initialize(letter=letters)
    def first_objects(self, letter: str) -> None:
        """Every example starts with a connection and a task on a schedule, so that even the shortest one unlinks and
        deletes (and checks) at its end."""
        self.create_connection(letter)
        task = self.make_task(None)
        self.link(self.make_schedule(), task)

    @rule(letter=letters)
    def create_connection(self, letter: str) -> None:
        name = self.pooled("conn", letter)
        taken = any(c["name"] == name for c in self.conns.values())
        answer = self.target.post(CONNECTIONS, json={
            "name": name, "workspaceId": self.box.workspace, "app": "SFTP",
            "parameters": [{"name": "host", "value": "kit.invalid"}]})
        # The contract lets a create answer 200 or 201; 409 "Connection name already exists".
        self.expect(answer, 409 if taken else (200, 201), f"POST {CONNECTIONS}",
                    f"creating connection {name!r}" + (" (the name is taken)" if taken else ""))
        if not taken:
            self.conns[self.created(answer, CONNECTIONS, f"POST {CONNECTIONS}")] = {"name": name}

    @precondition(lambda self: self.conns)
    @rule(data=st.data(), letter=letters)
    def rename_connection(self, data: st.DataObject, letter: str) -> None:
        conn = data.draw(st.sampled_from(list(self.conns)), label="connection")
        name = self.pooled("conn", letter)
        clash = any(c["name"] == name for cid, c in self.conns.items() if cid != conn)
        answer = self.target.put(f"{CONNECTIONS}/{conn}", json={"name": name})
        self.expect(answer, 409 if clash else 200, f"PUT {CONNECTIONS}/{{connectionId}}",
                    f"renaming a connection to {name!r}" + (" (another one has that name)" if clash else ""))
        if not clash:
            self.conns[conn]["name"] = name

    @precondition(lambda self: self.conns)
    @rule(data=st.data())
    def delete_connection(self, data: st.DataObject) -> None:
        conn = data.draw(st.sampled_from(list(self.conns)), label="connection")
        used = any(t["conn"] == conn for t in self.tasks.values())
        if self.delete(CONNECTIONS, conn, 409 if used else 204,
                       "deleting a connection" + (" a task uses" if used else "")):
            del self.conns[conn]

    # --- tasks --------------------------------------------------------------------------------------------------------
    @rule(data=st.data(), with_connection=st.booleans())
    def create_task(self, data: st.DataObject, with_connection: bool) -> None:
        # Only a mock takes any connection key: a real task binds the connections its artifact declares, which the
        # kit cannot know.
        conn = None
        if with_connection and self.conns and self.target.is_mocktmc:
            conn = data.draw(st.sampled_from(list(self.conns)), label="connection")
        self.make_task(conn)

    def make_task(self, conn: str | None) -> str:
        body: dict[str, Any] = {"environmentId": self.box.environment, "workspaceId": self.box.workspace,
                                "name": self.fresh("task"), "artifact": self.box.artifact,
                                "description": "made by the mocktmc contract kit (crud machine)"}
        if conn:
            body["connections"] = {"db": conn}
        answer = self.target.post(TASKS, json=body)
        self.expect(answer, 201, f"POST {TASKS}", "creating a task")
        task = self.created(answer, TASKS, f"POST {TASKS}")
        self.tasks[task] = {"name": body["name"], "conn": conn}
        return task

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def rename_task(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(list(self.tasks)), label="task")
        previous = self.tasks[task]["name"]
        self.tasks[task]["name"] = self.fresh("task")
        answer = self.target.put(f"{TASKS}/{task}", json=self.task_body(task))
        self.expect(answer, 200, f"PUT {TASKS}/{{taskId}}", "replacing a task with a new name")
        if answer.status_code != 200:
            self.tasks[task]["name"] = previous

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def delete_task(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from(list(self.tasks)), label="task")
        if self.linked(task):
            # What TMC does to a schedule whose task goes is not published: the machine unlinks it first.
            self.unlink(task)
        used = any(task in p["tasks"] for p in self.plans.values())
        if self.delete(TASKS, task, 409 if used else 204, "deleting a task" + (" a plan uses" if used else "")):
            del self.tasks[task]

    # --- plans --------------------------------------------------------------------------------------------------------
    def steps(self, tasks: list[str]) -> list[dict]:
        return [{"name": f"step {n}", "condition": "ALL_SUCCEEDED", "taskIds": [task]}
                for n, task in enumerate(tasks, 1)]

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def create_plan(self, data: st.DataObject) -> None:
        tasks = data.draw(st.lists(st.sampled_from(list(self.tasks)), min_size=1, max_size=2, unique=True),
                          label="tasks")
        name = self.fresh("plan")
        answer = self.target.post(PLANS, json={"name": name, "workspaceId": self.box.workspace,
                                               "steps": self.steps(tasks)})
        self.expect(answer, 201, f"POST {PLANS}", "creating a plan")
        self.plans[self.created(answer, PLANS, f"POST {PLANS}")] = {"name": name, "tasks": tasks}

    @precondition(lambda self: self.plans)
    @rule(data=st.data())
    def rename_plan(self, data: st.DataObject) -> None:
        plan = data.draw(st.sampled_from(list(self.plans)), label="plan")
        name = self.fresh("plan")
        answer = self.target.put(f"{PLANS}/{plan}", json={"name": name, "workspaceId": self.box.workspace,
                                                          "steps": self.steps(self.plans[plan]["tasks"])})
        self.expect(answer, 200, f"PUT {PLANS}/{{planId}}", "replacing a plan with a new name")
        if answer.status_code == 200:
            self.plans[plan]["name"] = name

    @precondition(lambda self: self.plans)
    @rule(data=st.data())
    def delete_plan(self, data: st.DataObject) -> None:
        plan = data.draw(st.sampled_from(list(self.plans)), label="plan")
        if self.delete(PLANS, plan, 204, "deleting a plan"):
            del self.plans[plan]

    # --- schedules ----------------------------------------------------------------------------------------------------
    @rule()
    def create_schedule(self) -> None:
        self.make_schedule()

    def make_schedule(self) -> str:
        # A single run a year ahead: nothing the machine links ever fires while it runs.
        day = (self.target.now() + timedelta(days=365)).date().isoformat()
        description = self.fresh("schedule")
        answer = self.target.post(SCHEDULES, json={
            "environmentId": self.box.environment, "description": description,
            "trigger": {"name": "kit", "type": "ONCE", "startDate": day, "timeZone": "UTC",
                        "atTimes": {"type": "AT_TIME", "time": "03:00"}}})
        self.expect(answer, 201, f"POST {SCHEDULES}", "creating a schedule")
        schedule = self.created(answer, SCHEDULES, f"POST {SCHEDULES}")
        self.schedules[schedule] = {"description": description, "task": None}
        return schedule

    @precondition(lambda self: self.schedules)
    @rule(data=st.data())
    def describe_schedule(self, data: st.DataObject) -> None:
        schedule = data.draw(st.sampled_from(list(self.schedules)), label="schedule")
        description = self.fresh("schedule")
        answer = self.target.request("PATCH", f"{SCHEDULES}/{schedule}", json={"description": description})
        self.expect(answer, 204, f"PATCH {SCHEDULES}/{{scheduleId}}", "changing a schedule's description")
        if answer.status_code == 204:
            self.schedules[schedule]["description"] = description

    @precondition(lambda self: self.schedules and any(not self.linked(t) for t in self.tasks))
    @rule(data=st.data())
    def link_schedule(self, data: st.DataObject) -> None:
        schedule = data.draw(st.sampled_from(list(self.schedules)), label="schedule")
        # A task that has none: whether linking replaces a task's schedule is not published.
        task = data.draw(st.sampled_from([t for t in self.tasks if not self.linked(t)]), label="task")
        self.link(schedule, task)

    def link(self, schedule: str, task: str) -> None:
        holder = self.schedules[schedule]["task"]
        answer = self.target.put(f"{TASKS}/{task}/schedule", json={"scheduleId": schedule})
        # 403 "Schedule is already assigned to another task or plan".
        self.expect(answer, 403 if holder else 200, f"PUT {LINK}",
                    "linking a schedule" + (" another task holds" if holder else ""))
        if not holder and answer.status_code == 200:
            self.schedules[schedule]["task"] = task
            self.target.created(f"{TASKS}/{task}/schedule")  # the session's clean-up unlinks before deleting

    def unlink(self, task: str) -> None:
        schedule = self.linked(task)
        answer = self.target.delete(f"{TASKS}/{task}/schedule")
        self.expect(answer, 204 if schedule else 404, f"DELETE {LINK}",
                    "unlinking a task's schedule" if schedule else "unlinking a task that has no schedule")
        if schedule and answer.status_code == 204:
            self.schedules[schedule]["task"] = None
            self.target.forget(f"{TASKS}/{task}/schedule")
            # The link is gone too: GET of the path just deleted answers 404.
            after = self.target.get(f"{TASKS}/{task}/schedule")
            self.target.check("deleted_is_gone", after.status_code == 404,
                              f"an unlinked task's schedule must answer 404, got {describe(after)}", response=after,
                              operation=f"GET {LINK}")

    @precondition(lambda self: self.tasks)
    @rule(data=st.data())
    def unlink_schedule(self, data: st.DataObject) -> None:
        self.unlink(data.draw(st.sampled_from(list(self.tasks)), label="task"))

    @precondition(lambda self: self.schedules)
    @rule(data=st.data())
    def delete_schedule(self, data: st.DataObject) -> None:
        schedule = data.draw(st.sampled_from(list(self.schedules)), label="schedule")
        used = self.schedules[schedule]["task"] is not None
        # 409 "The schedule is currently in use for an executable": only orphans can go.
        if self.delete(SCHEDULES, schedule, 409 if used else 204,
                       "deleting a schedule" + (" linked to a task" if used else "")):
            del self.schedules[schedule]

    # --- workspaces: a mock only (a real account's workspaces lie outside the sandbox) --------------------------------
    @precondition(lambda self: self.target.kind != "tmc")
    @rule(letter=letters)
    def create_workspace(self, letter: str) -> None:
        name = self.pooled("ws", letter)
        taken = any(w["name"] == name for w in self.spaces.values())
        answer = self.target.post(WORKSPACES, json={"name": name, "environmentId": self.box.environment})
        self.expect(answer, 409 if taken else 201, f"POST {WORKSPACES}",
                    f"creating workspace {name!r}" + (" (the name is taken in the environment)" if taken else ""))
        if not taken:
            self.spaces[self.created(answer, WORKSPACES, f"POST {WORKSPACES}")] = {"name": name}

    @precondition(lambda self: self.spaces)
    @rule(data=st.data(), letter=letters)
    def rename_workspace(self, data: st.DataObject, letter: str) -> None:
        space = data.draw(st.sampled_from(list(self.spaces)), label="workspace")
        name = self.pooled("ws", letter)
        clash = any(w["name"] == name for wid, w in self.spaces.items() if wid != space)
        answer = self.target.put(f"{WORKSPACES}/{space}", json={"name": name})
        # The contract declares no 409 here: a name taken in the environment is a 400.
        self.expect(answer, 400 if clash else 204, f"PUT {WORKSPACES}/{{id}}",
                    f"renaming a workspace to {name!r}" + (" (another one has that name)" if clash else ""))
        if not clash:
            self.spaces[space]["name"] = name

    @precondition(lambda self: self.spaces)
    @rule(data=st.data())
    def delete_workspace(self, data: st.DataObject) -> None:
        space = data.draw(st.sampled_from(list(self.spaces)), label="workspace")
        if self.delete(WORKSPACES, space, 204, "deleting an empty workspace"):
            del self.spaces[space]

    # --- every read agrees with the model -----------------------------------------------------------------------------
    def read(self, collection: str, object_id: str) -> tuple[dict, requests.Response]:
        answer = self.target.get(f"{collection}/{object_id}")
        self.target.check("crud_read_agrees", answer.status_code == 200,
                          f"a live object must be readable: {describe(answer)}", response=answer,
                          operation=f"GET {collection}{ONE[collection]}")
        return answer.json(), answer

    def agrees(self, got: Any, expected: Any, what: str, answer: requests.Response, operation: str) -> None:
        self.target.check("crud_read_agrees", got == expected, f"{what}: the model says {expected!r}, "
                          f"the target {got!r}", response=answer, operation=operation)

    def listed(self, path: str, params: dict[str, Any], key: str, name_key: str = "name") -> None:
        """The list's objects named after this example, id -> name, against the model (every page walked)."""
        found: dict[str | None, str] = {}  # an object listed without an id shows as None: the comparison fails
        offset, answer = 0, None
        while True:
            answer = self.target.get(path, params={**params, "limit": 100, "offset": offset} if params else None)
            self.target.check("crud_read_agrees", answer.status_code == 200, f"listing: {describe(answer)}",
                              response=answer, operation=f"GET {path}")
            body = answer.json()
            if isinstance(body, dict):
                self.target.check("crud_read_agrees", isinstance(body.get("total"), int),
                                  f"a page's total must be an integer: {describe(answer)}", response=answer,
                                  operation=f"GET {path}")
            for item in items_of(answer):
                name = item.get(name_key) or ""
                if name.startswith(self.tag + "-"):
                    found[item.get(key) or item.get("id")] = name
            if isinstance(body, list) or offset + 100 >= body.get("total", 0):
                break
            offset += 100
        model = {CONNECTIONS: self.conns, TASKS: self.tasks, PLANS: self.plans, SCHEDULES: self.schedules,
                 WORKSPACES: self.spaces}[path]
        expected = {oid: entry.get("name", entry.get("description")) for oid, entry in model.items()}
        self.agrees(found, expected, f"the objects named {self.tag}-... in the list", answer, f"GET {path}")

    @invariant()
    def reads_agree(self) -> None:
        box = self.box
        for conn, expected in self.conns.items():
            got, answer = self.read(CONNECTIONS, conn)
            self.agrees((got.get("name"), (got.get("workspace") or {}).get("id")), (expected["name"], box.workspace),
                        "connection (name, workspace)", answer, f"GET {CONNECTIONS}/{{connectionId}}")
        for task, expected in self.tasks.items():
            got, answer = self.read(TASKS, task)
            self.agrees((got.get("name"), (got.get("workspace") or {}).get("id"), got.get("connections") or {}),
                        (expected["name"], box.workspace, {"db": expected["conn"]} if expected["conn"] else {}),
                        "task (name, workspace, connections)", answer, f"GET {TASKS}/{{taskId}}")
            link = self.target.get(f"{TASKS}/{task}/schedule")
            schedule = self.linked(task)
            self.agrees((link.status_code, link.json().get("id") if link.status_code == 200 else None),
                        (200, schedule) if schedule else (404, None), "the task's schedule (status, id)", link,
                        f"GET {LINK}")
        for plan, expected in self.plans.items():
            got, answer = self.read(PLANS, plan)
            chart = got.get("chart") or {}
            self.agrees((got.get("name"), chart.get("taskIds", [expected["tasks"][0]])),
                        (expected["name"], [expected["tasks"][0]]), "plan (name, first step's tasks)", answer,
                        f"GET {PLANS}/{{planId}}")
        for schedule, expected in self.schedules.items():
            got, answer = self.read(SCHEDULES, schedule)
            self.agrees((got.get("description"), got.get("executableId") or None),
                        (expected["description"], expected["task"]), "schedule (description, linked task)",
                        answer, f"GET {SCHEDULES}/{{scheduleId}}")
        self.listed(CONNECTIONS, {"workspaceId": box.workspace}, "id")
        self.listed(TASKS, {"workspaceId": box.workspace}, "executable")
        self.listed(PLANS, {"workspaceId": box.workspace}, "executable")
        self.listed(SCHEDULES, {"environmentId": box.environment, "descriptionFilter": "^" + re.escape(self.tag)},
                    "id", "description")
        if self.target.kind != "tmc":
            self.listed(WORKSPACES, {}, "id")
        for object_id, collection in self.gone.items():
            self.is_gone(object_id, collection)

    # --- the end of an example ----------------------------------------------------------------------------------------
    def teardown(self) -> None:
        """Delete what the example made, in an order the model allows; checked unless the example failed already
        (Hypothesis calls teardown in a `finally`, so an exception in flight means it did)."""
        if sys.exc_info()[0] is None:
            for task in [t for t in self.tasks if self.linked(t)]:
                self.unlink(task)
            for collection, model in ((PLANS, self.plans), (TASKS, self.tasks), (SCHEDULES, self.schedules),
                                      (CONNECTIONS, self.conns), (WORKSPACES, self.spaces)):
                for object_id in list(model):
                    if self.delete(collection, object_id, 204, "deleting what the example made, at its end"):
                        del model[object_id]
            return
        # Best effort: what cannot go now is left to the session's clean-up, newest first.
        for task in [t for t in self.tasks if self.linked(t)]:
            if self.target.delete(f"{TASKS}/{task}/schedule").status_code in (204, 404):
                self.target.forget(f"{TASKS}/{task}/schedule")
        for collection, model in ((PLANS, self.plans), (TASKS, self.tasks), (SCHEDULES, self.schedules),
                                  (CONNECTIONS, self.conns), (WORKSPACES, self.spaces)):
            for object_id in model:
                if self.target.delete(f"{collection}/{object_id}").status_code in (204, 404):
                    self.target.forget(f"{collection}/{object_id}")


TestCrudMachine = CrudMachine.TestCase
