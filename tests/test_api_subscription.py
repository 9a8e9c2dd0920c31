"""GET /account/subscription (and v2.6 /subscription, on the same world): the license the fixture declares or
the default one, with what the world consumes of it counted when asked; TMC_SUBSCRIPTION_MANAGEMENT to read."""
from __future__ import annotations

import pytest

from mocktmc import MockTMC

from .conftest import START
from .test_permissions import ADMIN_PAT, DEMO, OPERATOR_PAT
from .test_permissions_api import refused


@pytest.fixture
def demo() -> MockTMC:
    return MockTMC(fixtures=DEMO, start=START, validate="all")


def test_the_default_subscription_counts_what_the_world_uses(demo):
    admin = demo.client(ADMIN_PAT)
    body = admin.get("/account/subscription").json()
    # The demo world begins 60 days before START and declares no subscription: a year from its beginning.
    assert (body["startDate"], body["endDate"]) == ("2024-01-01", "2024-12-31")
    assert body["licenseType"] and body["supportLevel"] and "Management Console" in body["applications"]
    engines = {e["type"]: e["consumed"] for e in body["enginesStatus"]}
    assert set(engines) == {"RE-GEN1", "RE-GEN2", "CLOUD", "DYNAMIC-ENGINE-ENVIRONMENT"}
    assert engines["RE-GEN1"] == len(admin.get("/processing/runtimes/remote-engines").json())
    assert body["tokensStatus"] == {"total": 100, "consumed": sum(engines.values())}
    seats = {s["application"]: s for s in body["seats"]}
    assert seats["Service Accounts"]["currentUsers"] == 2
    admin.post("/account/service-accounts", json={"name": "one-more", "permissions": []})
    again = {s["application"]: s for s in admin.get("/account/subscription").json()["seats"]}
    assert again["Service Accounts"]["currentUsers"] == 3


def test_a_fixture_declares_its_subscription(tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text("account: {name: Licensed}\n"
                     "subscription: {startDate: '2023-07-01', endDate: '2026-06-30', licenseType: PREMIUM,\n"
                     "  supportLevel: GOLD, applications: [Management Console], tokens: 12,\n"
                     "  seats: {Management Console: 3}}\n")
    body = MockTMC(fixtures=str(world), start=START, validate="all").client("any-token").get(
        "/account/subscription").json()
    assert (body["startDate"], body["endDate"], body["licenseType"], body["supportLevel"]) == \
        ("2023-07-01", "2026-06-30", "PREMIUM", "GOLD")
    assert body["applications"] == ["Management Console"] and body["tokensStatus"]["total"] == 12
    assert body["seats"] == [{"application": "Management Console", "maxUsers": 3, "currentUsers": 1}]


def test_a_malformed_declaration_is_refused_naming_the_field(tmp_path):
    world = tmp_path / "world.yaml"
    world.write_text("subscription: {tokens: -1}\n")
    with pytest.raises(ValueError, match="tokens"):
        MockTMC(fixtures=str(world), start=START)


def test_the_legacy_subscription_is_the_same_and_both_need_the_role(demo):
    admin = demo.client(ADMIN_PAT)
    assert admin.get("/tmc/v2.6/subscription").json() == admin.get("/account/subscription").json()
    refused(demo.client(OPERATOR_PAT).get("/account/subscription"), "needs role TMC_SUBSCRIPTION_MANAGEMENT")
    legacy = demo.client(OPERATOR_PAT).get("/tmc/v2.4/subscription")
    assert legacy.status_code == 403 and "TMC_SUBSCRIPTION_MANAGEMENT" in legacy.json()["details"]
