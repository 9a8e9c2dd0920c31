"""Roles and workspace permissions (issue 23) through the control plane: `POST`, `DELETE` and `GET
/_mocktmc/permissions`, and `MockTMC.permissions` in Python. A principal is named by id, login or name, or by
a token the mock knows (its account then, unless ?account= says another)."""
from __future__ import annotations

import json

import pytest

from mocktmc import MockTMC
from mocktmc.testing import MockTMCError

from .conftest import START
from .test_permissions import DEMO, DEV_SALES, OLIVIA, OPERATOR_PAT, PROD_SALES, RUNNER_ID, VICTOR, VIEWER_PAT


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def test_grant_and_revoke_answer_what_the_principal_may_do_then(demo):
    revoked = demo.permissions.revoke(OPERATOR_PAT, workspace=DEV_SALES, permissions=["EXECUTE"])
    assert revoked == {"principal": OLIVIA, "type": "HUMAN", "name": "olivia@demo.mocktmc.local",
                       "administrator": False, "roles": ["TMC_OPERATOR"],
                       "workspaces": {DEV_SALES: ["VIEW"], PROD_SALES: ["VIEW", "EXECUTE"]}}
    granted = demo.permissions.grant("olivia@demo.mocktmc.local", roles=["TMC_ENVIRONMENT_MANAGEMENT"],
                                     workspace=DEV_SALES, permissions=["EXECUTE", "AUTHOR"])
    assert granted["roles"] == ["TMC_ENVIRONMENT_MANAGEMENT", "TMC_OPERATOR"]
    assert granted["workspaces"][DEV_SALES] == ["VIEW", "EXECUTE", "AUTHOR"]
    assert demo.permissions.get(OLIVIA) == [granted]
    everyone = demo.permissions.get()
    assert {p["name"] for p in everyone} == {"alice@demo.mocktmc.local", "bob@demo.mocktmc.local",
                                             "olivia@demo.mocktmc.local", "victor@demo.mocktmc.local",
                                             "ci-pipeline", "sales-dev-runner"}
    runner = next(p for p in everyone if p["principal"] == RUNNER_ID)
    assert runner["type"] == "SERVICE" and runner["workspaces"] == {DEV_SALES: ["VIEW", "EXECUTE"]}
    assert demo.permissions.revoke(RUNNER_ID, workspace=DEV_SALES)["workspaces"] == {}


def test_an_administrator_is_made_and_unmade(demo):
    made = demo.permissions.grant(VIEWER_PAT, administrator=True)
    assert made["administrator"] is True and len(made["roles"]) == 13
    assert set(made["workspaces"]) == {DEV_SALES, PROD_SALES, "65f1a0c2e4b0a1b2c3d40102"}
    unmade = demo.permissions.revoke(VIEWER_PAT, administrator=True)
    assert unmade["administrator"] is False and unmade["roles"] == ["TMC_OPERATOR"]
    assert unmade["workspaces"] == {DEV_SALES: ["VIEW"], PROD_SALES: ["VIEW"]}


def test_a_token_names_its_own_accounts_principal():
    mock = MockTMC(fixtures=DEMO, start=START, auth="isolated")
    mine = mock.for_token("worker-1")
    token = mine.tokens.personal("victor@demo.mocktmc.local")["token"]
    # No ?account=: the token's own account, not the default one.
    assert mock.permissions.grant(token, roles=["TMC_ENGINE_USE"])["roles"] == ["TMC_ENGINE_USE", "TMC_OPERATOR"]
    assert mine.permissions.get(VICTOR)[0]["roles"] == ["TMC_ENGINE_USE", "TMC_OPERATOR"]
    assert mock.permissions.get(VICTOR)[0]["roles"] == ["TMC_OPERATOR"]


def test_the_table_is_served_as_data(demo):
    """GET /_mocktmc/permissions/table: the table the server holds requests to, row for row (the contract kit
    reads it instead of importing the domain)."""
    from mocktmc.domain.permissions import PERMISSIONS

    served = demo.permissions.table()
    assert set(served) == set(PERMISSIONS)
    for operation, rule in PERMISSIONS.items():
        row = served[operation]
        assert (row["roles"], row["permission"], row["evidence"]) == (list(rule.roles), rule.permission,
                                                                        rule.evidence), operation
        for key, locate in (("locate", rule.locate), ("target", rule.target)):
            assert row[key] == (None if locate is None else {
                "source": locate.source, "name": locate.name, "kind": locate.kind,
                **({"part": locate.part} if locate.part else {})}), (operation, key)
    assert served["execute"]["locate"] == {"source": "body", "name": "executable", "kind": "task"}


@pytest.mark.parametrize("body, status, words", [
    # The fragments hold for the handler's own checks and for the control contract's (contracts/control.yaml).
    ({"roles": ["TMC_OPERATOR"]}, 400, "'principal'"),
    ({"principal": VICTOR, "roles": ["OPERATOR"]}, 400, "'OPERATOR'"),
    ({"principal": VICTOR, "roles": "TMC_OPERATOR"}, 400, "'roles'"),
    ({"principal": VICTOR, "colour": "red"}, 400, "'colour'"),
    ({"principal": VICTOR, "permissions": ["VIEW"]}, 400, "workspace"),
    ({"principal": "nobody"}, 404, "No user or service account 'nobody'"),
    ({"principal": VICTOR, "workspace": "nope", "permissions": ["VIEW"]}, 404, "Workspace nope not found"),
])
def test_a_bad_control_call_is_an_error_that_says_why_and_changes_nothing(demo, body, status, words):
    before = demo.permissions.get()
    for method in ("POST", "DELETE"):
        with pytest.raises(MockTMCError) as raised:
            demo.request(method, "/permissions", json=body)
        assert raised.value.status == status and words in json.dumps(raised.value.body)
    assert demo.permissions.get() == before
