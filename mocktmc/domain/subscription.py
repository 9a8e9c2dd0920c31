"""The account's subscription as GET /account/subscription (and v2.6 /subscription) tells it: the license the
fixture declares (model Subscription), and what the world consumes of it, counted when asked.

The consumption is the mock's own reckoning, as nothing public gives Talend's: one token per engine, engines
counted by type (remote engines are RE-GEN1, pipeline engines RE-GEN2, the cloud engines an environment may
run are its maxCloudContainers), and a seat per user of the Management Console and per service account.
"""
from __future__ import annotations

from datetime import timedelta

from .model.definitions import Subscription
from .world import World

ENGINE_TYPES = ("RE-GEN1", "RE-GEN2", "CLOUD", "DYNAMIC-ENGINE-ENVIRONMENT")


def subscription_of(world: World) -> Subscription:
    """The world's subscription; a world restored from before subscriptions existed gets the default one."""
    if world.subscription is None:
        world.subscription = Subscription(world.now.date().isoformat(),
                                          (world.now + timedelta(days=365)).date().isoformat())
    return world.subscription


def engines_consumed(world: World) -> dict[str, int]:
    """Engines in use, by published engine type."""
    return {"RE-GEN1": len(world.remote_engines), "RE-GEN2": len(world.pipeline_engines),
            "CLOUD": sum(env.max_cloud_containers for env in world.environments.values()),
            "DYNAMIC-ENGINE-ENVIRONMENT": 0}


def tokens_consumed(world: World) -> int:
    return sum(engines_consumed(world).values())


def seats_used(world: World) -> dict[str, int]:
    """Users per application the world can count (the others: none)."""
    return {"Management Console": len(world.users), "Service Accounts": len(world.service_accounts)}
