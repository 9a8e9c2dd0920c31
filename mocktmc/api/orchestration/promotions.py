"""Promotion definitions: list (FIQL `_s`), create, get, describe, delete, and who may run them."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, serialize
from ..memberships import membership_routes
from ..filters import fiql_filter
from ..visibility import promotion_visible
from ...domain.executables import promotions
from ...domain.executables.promotion_plan import plan_promotion
from ...errors import BadRequest

bp = Blueprint("orchestration_promotions", __name__)
PROMOTION = "/orchestration/executables/promotions/<promotionId>"


def _fields(world):
    env = world.environments
    return {"id": lambda p: p.id, "name": lambda p: p.name, "description": lambda p: p.description,
            "sourceEnvironment.id": lambda p: p.source_environment_id,
            "sourceEnvironment.name": lambda p: env[p.source_environment_id].name,
            "targetEnvironment.id": lambda p: p.target_environment_id,
            "targetEnvironment.name": lambda p: env[p.target_environment_id].name}


@bp.get("/orchestration/executables/promotions")
def list_promotions():
    world = context.world()
    keep, visible = fiql_filter(_fields(world)), promotion_visible()
    return jsonify([serialize.promotion(p, world) for p in world.promotions.values()
                    if visible(p.source_environment_id, p.target_environment_id) and keep(p)])


@bp.post("/orchestration/executables/promotions")
def create_promotion():
    body = bodies.json_object()
    world = context.world()
    created = promotions.create_promotion(world, source_id=bodies.required_string(body, "sourceEnvironmentId"),
                                          target_id=bodies.required_string(body, "targetEnvironmentId"),
                                          description=bodies.string(body, "description") or "")
    return jsonify(serialize.promotion(created, world)), 201


@bp.get(PROMOTION)
def get_promotion(promotionId: str):
    world = context.world()
    return jsonify(serialize.promotion(promotions.promotion(world, promotionId), world))


@bp.patch(PROMOTION)
def update_promotion(promotionId: str):
    body = bodies.json_object()
    # The contract requires it and DEPARTURES lets "" through: an empty description is a fine one.
    promotions.update_description(context.world(), promotionId, bodies.required_string(body, "description"))
    return "", 204


@bp.post(PROMOTION)
def analyse_promotion(promotionId: str):
    """What the promotion would do, object by object, without doing it (status ANALIZED, as spelled)."""
    body = bodies.json_object()
    advanced = bodies.mapping(body, "promotionAdvancedInfo")
    scope = None
    if advanced:
        scope_id = bodies.string(advanced, "id")
        scope_type = scope_id and bodies.string(advanced, "type")  # the type is read once the id is there
        if not scope_id or not scope_type:
            raise BadRequest("promotionAdvancedInfo needs 'id' and 'type' (WORKSPACE, PLAN, FLOW or ACTION)")
        scope = (scope_type, scope_id)
    world = context.world()
    plan = plan_promotion(world, promotions.promotion(world, promotionId),
                          keep_target_resources=bool(bodies.boolean(body, "keepTargetResources")),
                          keep_target_run_profiles=bool(bodies.boolean(body, "keepTargetRunProfiles")), scope=scope)
    return jsonify(serialize.promotion_result(plan, execution_id=world.ids.uuid(), at=context.now(),
                                              principal=context.principal(), status="ANALIZED",
                                              context=bodies.string(body, "context"), finished=context.now()))


@bp.delete(PROMOTION)
def delete_promotion(promotionId: str):
    promotions.delete_promotion(context.world(), promotionId)
    return "", 204


@bp.get(PROMOTION + "/users")
def promotion_users(promotionId: str):
    found = promotions.promotion(context.world(), promotionId)
    return jsonify({"executable": found.id, "userIds": list(found.user_ids),
                    "serviceAccountIds": list(found.service_account_ids)})


membership_routes(bp, PROMOTION + "/users/<userId>", "promotionId", "userId", promotions.assign_user,
                  promotions.unassign_user)
membership_routes(bp, PROMOTION + "/service-accounts/<serviceAccountId>", "promotionId", "serviceAccountId",
                  promotions.assign_service_account, promotions.unassign_service_account)
