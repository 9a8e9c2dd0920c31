"""Promotion runs: start one (201 with its report, PROMOTION_STARTED), then read its status."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, serialize
from ...domain.executions import promotion_executions as promotion_executions
from ...domain.executables import promotions
from ...errors import BadRequest

bp = Blueprint("processing_promotion_executions", __name__)


def report(run) -> dict:
    """The run as PromotionExecutionStatusV26: the plan as it stands, reported per object."""
    return serialize.promotion_result(run.plan, execution_id=run.id, at=run.triggered, principal=run.principal,
                                      status=run.status, report="promotionReport", context=run.context,
                                      finished=run.finished)


@bp.post("/processing/executions/promotions")
def execute_promotion():
    body = bodies.json_object()
    context_text = bodies.string(body, "context")
    if context_text is not None and len(context_text) > 255:
        raise BadRequest("context must be at most 255 characters")
    advanced = bodies.mapping(body, "advanced") or {}
    scope = None
    if advanced:
        artifact_id = bodies.string(advanced, "artifactId")
        artifact_type = artifact_id and bodies.string(advanced, "artifactType")  # read once the id is there
        if not artifact_id or not artifact_type:
            raise BadRequest("advanced needs 'artifactId' and 'artifactType' (WORKSPACE, PLAN, FLOW or ACTION)")
        scope = (artifact_type, artifact_id)
    world = context.world()
    run = promotion_executions.start_promotion(
        world, promotions.promotion(world, bodies.required_string(body, "executable")), context.principal(),
        context.now(),
        keep_target_resources=bool(bodies.boolean(body, "keepTargetResources")),
        keep_target_run_profiles=bool(bodies.boolean(body, "keepTargetRunProfiles")), scope=scope,
        context=context_text)
    return jsonify({"executionId": run.id, "executionReport": report(run)}), 201


@bp.get("/processing/executions/promotions/<executionId>")
def get_promotion_execution(executionId: str):
    return jsonify(report(promotion_executions.promotion_execution(context.world(), executionId)))
