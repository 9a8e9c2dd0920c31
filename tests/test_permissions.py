"""Roles and workspace permissions (issue 23), the model: the one table of what each operation needs and its
evidence, the domain's rules (grant, revoke, roles_of, permissions_on, may), fixtures that declare them, and
snapshots that keep them. The demo world is read from this checkout's fixtures/default.yaml, by path."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mocktmc.api.body_fields import contract_fields
from mocktmc.contract_documents import TMC_CONTRACTS, contract, operations_in
from mocktmc.domain import access, snapshot
from mocktmc.domain.fixtures import FixtureError, build_world, fixture_account_id, load_fixture, parse_fixture
from mocktmc.domain.permissions import PERMISSIONS
from mocktmc.errors import BadRequest, Forbidden, NotFound

from .conftest import START

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "fixtures" / "default.yaml")
REFERENCE = ROOT.parent / "shared" / "reference" / "talend-2021-03"

DEV_SALES, DEV_PERSONAL, PROD_SALES = "65f1a0c2e4b0a1b2c3d40101", "65f1a0c2e4b0a1b2c3d40102", "65f1a0c2e4b0a1b2c3d40201"
DEV_ENV, PROD_ENV = "65f1a0c2e4b0a1b2c3d40001", "65f1a0c2e4b0a1b2c3d40002"
LOAD_CUSTOMERS, PROD_LOAD_CUSTOMERS = "65f1a0c2e4b0a1b2c3d42001", "65f1a0c2e4b0a1b2c3d42101"
OLIVIA, VICTOR = "65f1a0c2e4b0a1b2c3d4e5f8", "65f1a0c2e4b0a1b2c3d4e5f9"
ADMIN_PAT, OPERATOR_PAT, VIEWER_PAT = "mocktmc-demo-pat-alice", "mocktmc-demo-pat-operator", "mocktmc-demo-pat-viewer"
RUNNER_ID, RUNNER_SECRET = "7d2e9a41-3b6c-4f58-a1d0-8c5e4b2f9a73", "demo-sales-runner-secret"


# --- the table --------------------------------------------------------------------------------------

@pytest.mark.parametrize("operation_id", sorted(PERMISSIONS))
def test_a_row_uses_the_published_vocabulary_and_finds_its_workspace(operation_id):
    rule = PERMISSIONS[operation_id]
    assert set(rule.roles) <= set(access.ROLES)
    assert rule.permission in (None, *access.WORKSPACE_PERMISSIONS)
    assert (rule.permission is None) == (rule.locate is None), "a permission needs where its workspace is"
    assert rule.evidence.strip()
    path, method = next((p, m) for family in TMC_CONTRACTS if family != "legacy"
                        for p, _, m, o in operations_in(contract(family)) if o["operationId"] == operation_id)
    for locate in (rule.locate, rule.target):
        if locate is not None and locate.source == "path":
            assert f"{{{locate.name}}}" in path
        if locate is not None and locate.source == "body":
            assert locate.name in contract_fields()[(method.upper(), path)].allowed
        if locate is not None and locate.source == "form":
            doc = contract(next(f for f in TMC_CONTRACTS if path.startswith(f"/{f}")))
            form = next(o for p, _, m, o in operations_in(doc) if p == path and m == method)
            assert locate.part in form["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert rule.target is None or rule.locate is not None


def test_published_evidence_quotes_the_published_descriptions():
    if not REFERENCE.is_dir():
        pytest.skip(f"{REFERENCE} is not present: the published documents cannot be compared")
    files = {"O21": "orchestration.json", "P21": "processing.json"}
    descriptions = {}
    for tag, name in files.items():
        doc = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
        descriptions.update({(tag, op["operationId"]): " ".join((op.get("description") or "").split())
                             for item in doc["paths"].values() for op in item.values()
                             if isinstance(op, dict) and "operationId" in op})
    checked = 0
    for operation_id, rule in PERMISSIONS.items():
        quoted = re.match(r"(O21|P21) (\w+): (.*)", rule.evidence)
        if not quoted:
            continue
        text = descriptions[(quoted.group(1), quoted.group(2))]
        for quote in re.findall(r'"([^"]+)"', quoted.group(3)):
            for fragment in quote.split(" ... "):
                assert fragment in text, f"{operation_id}: {fragment!r} is not in {quoted.group(2)}'s description"
        checked += 1
    assert checked >= 15
    published = sum(rule.published for rule in PERMISSIONS.values())
    assert 20 <= published < len(PERMISSIONS)


@pytest.fixture
def world():
    spec = load_fixture(DEMO)
    return build_world(spec, fixture_account_id(spec, 0), START, seed=0)


def test_the_demo_world_declares_an_administrator_an_operator_a_viewer_and_a_one_workspace_service_account(world):
    alice = "65f1a0c2e4b0a1b2c3d4e5f6"
    assert access.roles_of(world, alice) == set(access.ROLES)
    assert access.permissions_on(world, alice, DEV_PERSONAL) == set(access.WORKSPACE_PERMISSIONS)
    assert access.roles_of(world, OLIVIA) == {"TMC_OPERATOR"}
    assert access.permissions_on(world, OLIVIA, PROD_SALES) == {"VIEW", "EXECUTE"}
    assert access.permissions_on(world, VICTOR, DEV_SALES) == {"VIEW"}
    assert {ws for ws in world.workspaces if access.permissions_on(world, RUNNER_ID, ws)} == {DEV_SALES}
    # what fixtures declared before roles existed: administrators
    assert world.service_accounts["0b4f3c2a-8d1e-4f6a-9c7b-5e2d1a3f4b6c"].administrator


def test_grant_and_revoke_roles_and_workspace_permissions(world):
    assert not access.may(world, VICTOR, "execute", access.Scope(DEV_SALES))
    access.grant(world, "victor@demo.mocktmc.local", workspace_id=DEV_SALES, permissions=["EXECUTE"])
    assert access.may(world, VICTOR, "execute", access.Scope(DEV_SALES))
    assert not access.may(world, VICTOR, "execute", access.Scope(PROD_SALES))
    assert world.workspaces[DEV_SALES].permissions[VICTOR] == ["VIEW", "EXECUTE"]  # in the published order
    access.revoke(world, VICTOR, roles=["TMC_OPERATOR"])
    assert access.refusal(world, VICTOR, PERMISSIONS["execute"], access.Scope(DEV_SALES)) == \
        "needs role TMC_OPERATOR or TMC_ENGINE_USE"
    access.grant(world, VICTOR, roles=["TMC_ENGINE_USE"])
    assert access.may(world, VICTOR, "execute", access.Scope(DEV_SALES))
    access.revoke(world, VICTOR, workspace_id=DEV_SALES)  # every type on it
    assert DEV_SALES and VICTOR not in world.workspaces[DEV_SALES].permissions
    with pytest.raises(Forbidden, match=f"execute: needs EXECUTE permission on workspace {DEV_SALES}"):
        access.check(world, VICTOR, "execute", access.Scope(DEV_SALES))


def test_an_environment_scope_needs_the_permission_on_one_of_its_workspaces(world):
    assert access.may(world, RUNNER_ID, "createSchedule", access.Scope(environment_id=DEV_ENV))
    assert access.refusal(world, RUNNER_ID, PERMISSIONS["createSchedule"], access.Scope(environment_id=PROD_ENV)) \
        == f"needs EXECUTE permission on at least one workspace of environment {PROD_ENV}"


@pytest.mark.parametrize("call, error, words", [
    (lambda w: access.grant(w, VICTOR, roles=["OPERATOR"]), BadRequest, "Unknown role 'OPERATOR'"),
    (lambda w: access.grant(w, VICTOR, workspace_id=DEV_SALES, permissions=["EXECUTOR"]), BadRequest,
     "Unknown permission 'EXECUTOR'"),
    (lambda w: access.grant(w, VICTOR, permissions=["VIEW"]), BadRequest, "need the workspace"),
    (lambda w: access.grant(w, "nobody", roles=["TMC_OPERATOR"]), NotFound, "No user or service account 'nobody'"),
    (lambda w: access.grant(w, VICTOR, workspace_id="nope", permissions=["VIEW"]), NotFound, "Workspace nope"),
])
def test_a_bad_grant_changes_nothing_and_says_why(world, call, error, words):
    before = snapshot.dump(world)
    with pytest.raises(error, match=words):
        call(world)
    assert snapshot.dump(world) == before


def test_snapshots_keep_roles_and_permissions(world):
    access.grant(world, VICTOR, roles=["TMC_ENGINE_USE"], workspace_id=PROD_SALES, permissions=["AUTHOR"])
    restored = snapshot.load(json.loads(json.dumps(snapshot.dump(world))))
    assert access.roles_of(restored, VICTOR) == {"TMC_OPERATOR", "TMC_ENGINE_USE"}
    assert access.permissions_on(restored, VICTOR, PROD_SALES) == {"VIEW", "AUTHOR"}
    assert not restored.users[VICTOR].administrator and restored.users["65f1a0c2e4b0a1b2c3d4e5f6"].administrator


def test_a_fixture_permission_of_an_unknown_principal_is_refused_with_its_place():
    text = ("users: [{login: a@x.test}]\nenvironments:\n- name: E\n  workspaces:\n"
            "  - name: W\n    permissions: {ghost@x.test: [VIEW]}\n")
    with pytest.raises(FixtureError, match=r"w.yaml:6: environments\[0\].workspaces\[0\].permissions.ghost@x.test: "
                                           "unknown user or service account 'ghost@x.test'"):
        parse_fixture(text, "w.yaml")
    assert parse_fixture(text.replace("ghost@x.test", "a@x.test"), "w.yaml")
    with pytest.raises(FixtureError, match="EXECUTOR"):
        parse_fixture(text.replace("[VIEW]", "[EXECUTOR]"), "w.yaml")
