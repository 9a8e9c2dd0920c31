"""A stateful model of workspaces, connections, tasks and plans: any sequence of create, rename,
move and delete answers what the model predicts, and every GET agrees with the model."""
from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

from .conftest import DEV_ENV, DEV_SALES_WS, PROD_ENV, Api, make_app
from .errors import assert_error

PROD_SALES_WS = "65f1a0c2e4b0a1b2c3d40201"
# Artifacts only arrive by publishing: tasks are made in the demo workspaces that hold one.
ARTIFACT_OF = {DEV_SALES_WS: ("65f1a0c2e4b0a1b2c3d41001", "0.1.0.20240105101500"),
               PROD_SALES_WS: ("65f1a0c2e4b0a1b2c3d41101", "0.1.0.20240105101500")}
ENV_OF = {DEV_SALES_WS: DEV_ENV, PROD_SALES_WS: PROD_ENV}
names = st.sampled_from(["alpha", "beta", "gamma"])


class CrudMachine(RuleBasedStateMachine):
    workspaces = Bundle("workspaces")
    connections = Bundle("connections")
    tasks = Bundle("tasks")
    plans = Bundle("plans")

    def __init__(self):
        super().__init__()
        self.api = Api(make_app())
        self.ws = {}      # id -> {name, env}       (custom workspaces this machine made)
        self.conns = {}   # id -> {name, ws}
        self.task = {}    # id -> {name, ws, conn}
        self.plan = {}    # id -> {name, ws, tasks}

    def env_of(self, ws_id):
        return self.ws[ws_id]["env"] if ws_id in self.ws else ENV_OF[ws_id]

    # --- workspaces -------------------------------------------------------------------------------
    @rule(target=workspaces, name=names, env=st.sampled_from([DEV_ENV, PROD_ENV]))
    def create_workspace(self, name, env):
        taken = name in [w["name"] for w in self.ws.values() if w["env"] == env]
        response = self.api.post("/orchestration/workspaces", json={"name": name, "environmentId": env})
        assert response.status_code == (409 if taken else 201)
        if taken:
            return None
        self.ws[response.json["id"]] = {"name": name, "env": env}
        return response.json["id"]

    @rule(ws=workspaces, name=names)
    def rename_workspace(self, ws, name):
        if ws is None or ws not in self.ws:
            return
        clash = any(w["name"] == name and w["env"] == self.ws[ws]["env"] and i != ws for i, w in self.ws.items())
        response = self.api.client.put(f"/orchestration/workspaces/{ws}", headers=self.api.headers, json={"name": name})
        assert response.status_code == (400 if clash else 204)
        if not clash:
            self.ws[ws]["name"] = name

    @rule(ws=consumes(workspaces))
    def delete_workspace(self, ws):
        if ws is None or ws not in self.ws:
            return
        holds = any(t["ws"] == ws for t in self.task.values()) or any(p["ws"] == ws for p in self.plan.values())
        response = self.api.delete(f"/orchestration/workspaces/{ws}")
        assert response.status_code == (409 if holds else 204)
        if not holds:
            del self.ws[ws]
            self.conns = {i: c for i, c in self.conns.items() if c["ws"] != ws}

    # --- connections ------------------------------------------------------------------------------
    @rule(target=connections, ws=st.one_of(workspaces, st.sampled_from([DEV_SALES_WS, PROD_SALES_WS])), name=names)
    def create_connection(self, ws, name):
        if ws is None or (ws not in self.ws and ws not in ENV_OF):
            return None
        taken = any(c["name"] == name and c["ws"] == ws for c in self.conns.values()) or \
            (ws == DEV_SALES_WS and name in ("orders-db", "partner-sftp"))
        response = self.api.post("/orchestration/connections", json={"name": name, "workspaceId": ws, "app": "X",
                                                                      "parameters": []})
        assert response.status_code == (409 if taken else 201)
        if taken:
            return None
        self.conns[response.json["id"]] = {"name": name, "ws": ws}
        return response.json["id"]

    @rule(conn=connections, target_ws=st.one_of(workspaces, st.sampled_from([DEV_SALES_WS, PROD_SALES_WS])))
    def move_connection(self, conn, target_ws):
        if conn is None or conn not in self.conns or target_ws is None or \
                (target_ws not in self.ws and target_ws not in ENV_OF):
            return
        here = self.conns[conn]
        if self.env_of(target_ws) != self.env_of(here["ws"]):
            expected, says = 400, "The target workspace must be in the same environment as the current one"
        elif any(c["name"] == here["name"] and c["ws"] == target_ws and i != conn for i, c in self.conns.items()):
            expected, says = 409, f"Connection name '{here['name']}' already exists in this workspace"
        else:
            expected, says = 200, None
        response = self.api.client.put(f"/orchestration/connections/{conn}/move/{target_ws}", headers=self.api.headers)
        if says:
            assert_error(response, expected, says)
        else:
            assert response.status_code == expected, response.json
            here["ws"] = target_ws

    @rule(conn=consumes(connections))
    def delete_connection(self, conn):
        if conn is None or conn not in self.conns:
            return
        used = any(t["conn"] == conn for t in self.task.values())
        assert self.api.delete(f"/orchestration/connections/{conn}").status_code == (409 if used else 204)
        if not used:
            del self.conns[conn]

    # --- tasks and plans --------------------------------------------------------------------------
    @rule(target=tasks, ws=st.sampled_from([DEV_SALES_WS, PROD_SALES_WS]), name=names, conn=st.one_of(st.none(),
                                                                                                      connections))
    def create_task(self, ws, name, conn):
        artifact, version = ARTIFACT_OF[ws]
        body = {"environmentId": ENV_OF[ws], "workspaceId": ws, "name": name,
                "artifact": {"id": artifact, "version": version}}
        usable = conn is not None and conn in self.conns and self.conns[conn]["ws"] == ws
        if conn is not None:
            body["connections"] = {"db": conn}
        response = self.api.post("/orchestration/executables/tasks", json=body)
        assert response.status_code == (201 if conn is None or usable else 400), response.json
        if response.status_code != 201:
            return None
        self.task[response.json["id"]] = {"name": name, "ws": ws, "conn": conn if usable else None}
        return response.json["id"]

    @rule(task=consumes(tasks))
    def delete_task(self, task):
        if task is None or task not in self.task:
            return
        used = any(task in p["tasks"] for p in self.plan.values())
        assert self.api.delete(f"/orchestration/executables/tasks/{task}").status_code == (409 if used else 204)
        if not used:
            del self.task[task]

    @precondition(lambda self: self.task)
    @rule(target=plans, name=names, data=st.data())
    def create_plan(self, name, data):
        task = data.draw(st.sampled_from(sorted(self.task)))
        ws = self.task[task]["ws"]
        response = self.api.post("/orchestration/executables/plans", json={
            "name": name, "workspaceId": ws,
            "steps": [{"name": "only", "condition": "ALL_SUCCEEDED", "taskIds": [task]}]})
        assert response.status_code == 201, response.json
        self.plan[response.json["id"]] = {"name": name, "ws": ws, "tasks": {task}}
        return response.json["id"]

    @rule(plan=consumes(plans))
    def delete_plan(self, plan):
        if plan is None or plan not in self.plan:
            return
        assert self.api.delete(f"/orchestration/executables/plans/{plan}").status_code == 204
        del self.plan[plan]

    # --- every GET agrees with the model ----------------------------------------------------------
    @invariant()
    def reads_agree(self):
        listed = {w["id"]: w for w in self.api.get("/orchestration/workspaces").json}
        for ws_id, expected in self.ws.items():
            assert (listed[ws_id]["name"], listed[ws_id]["environment"]["id"]) == (expected["name"], expected["env"])
        for conn_id, expected in self.conns.items():
            got = self.api.get(f"/orchestration/connections/{conn_id}").json
            assert (got["name"], got["workspace"]["id"]) == (expected["name"], expected["ws"])
        for task_id, expected in self.task.items():
            got = self.api.get(f"/orchestration/executables/tasks/{task_id}").json
            assert (got["name"], got["workspace"]["id"]) == (expected["name"], expected["ws"])
            assert got["connections"] == ({"db": expected["conn"]} if expected["conn"] else {})
        for plan_id, expected in self.plan.items():
            got = self.api.get(f"/orchestration/executables/plans/{plan_id}").json
            assert got["name"] == expected["name"] and set(got["chart"]["taskIds"]) == expected["tasks"]
        assert self.api.get("/orchestration/connections").json["total"] == 2 + len(self.conns)  # 2: the demo's


CrudMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=25, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestCrudMachine = CrudMachine.TestCase
