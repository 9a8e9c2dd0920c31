"""Promotion definitions: a source environment whose content is copied to a target environment."""
from __future__ import annotations

from ...errors import BadRequest, Conflict, NotFound
from ..common.lookups import find
from ..definitions.assignments import assign, unassign
from ..model.executables import Promotion
from ..world import World


def promotion(world: "World", promotion_id: str) -> Promotion:
    return find(world.promotions, promotion_id, "Promotion")


def create_promotion(world: "World", *, source_id: str, target_id: str, description: str = "") -> Promotion:
    """One promotion per source and target pair; it is named after them."""
    for env_id in (source_id, target_id):
        if env_id not in world.environments:
            raise NotFound(f"Environment {env_id} is not present")
    if source_id == target_id:
        raise BadRequest("The source and target environments must differ")
    if any(p.source_environment_id == source_id and p.target_environment_id == target_id
           for p in world.promotions.values()):
        raise Conflict("Promotion with same source and target already exists")
    name = f"{world.environments[source_id].name} to {world.environments[target_id].name}"
    created = Promotion(world.ids.hex24(), name, source_id, target_id, description)
    world.promotions[created.id] = created
    return created


def update_description(world: "World", promotion_id: str, description: str) -> None:
    promotion(world, promotion_id).description = description


def delete_promotion(world: "World", promotion_id: str) -> None:
    del world.promotions[promotion(world, promotion_id).id]


def assign_user(world: "World", promotion_id: str, user_id: str) -> None:
    """Assigning a user twice is a 409, as published; a service account twice changes nothing."""
    assign(promotion(world, promotion_id).user_ids, user_id, user_id in world.users, "User", conflict=True)


def unassign_user(world: "World", promotion_id: str, user_id: str) -> None:
    unassign(promotion(world, promotion_id).user_ids, user_id, "User")


def assign_service_account(world: "World", promotion_id: str, account_id: str) -> None:
    assign(promotion(world, promotion_id).service_account_ids, account_id, account_id in world.service_accounts,
            "Service account", conflict=False)


def unassign_service_account(world: "World", promotion_id: str, account_id: str) -> None:
    unassign(promotion(world, promotion_id).service_account_ids, account_id, "Service account")
