"""How and when a task runs: run-config (cloud and remote engines) and de-run-config (Dynamic Engines)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import bodies, context, serialize
from ..request_checks import contract_body
from ...domain.executables import tasks
from ...domain.executables.tasks import RunConfig
from ...domain.model.executables import Runtime

bp = Blueprint("orchestration_run_configs", __name__)
RUN_CONFIG = "/orchestration/executables/tasks/<taskId>/run-config"
DE_RUN_CONFIG = "/orchestration/executables/tasks/<taskId>/de-run-config"


@bp.get(RUN_CONFIG)
def get_run_config(taskId: str):
    world = context.world()
    return jsonify(serialize.task_run_config(world.task(taskId), world))


@bp.put(RUN_CONFIG)
def put_run_config(taskId: str):
    body = bodies.json_object()
    runtime = bodies.nested_object(body, "runtime")
    config = RunConfig(
        trigger=bodies.required_mapping(body, "trigger"),
        runtime=Runtime(bodies.string(runtime, "type") or "CLOUD", bodies.string(runtime, "id"),
                        bodies.string(runtime, "runProfileId")),
        parallel_execution_allowed=bool(bodies.boolean(body, "parallelExecutionAllowed")),
        log_level=bodies.string(body, "logLevel") or "WARN",
        remote_run_as_user=bodies.string(body, "remoteRunAsUser"),
        timeout=bodies.integer(body, "timeout"),
        deployment_strategy=bodies.string(body, "deploymentStrategy") or "PARALLEL",
        lineage=bool(bodies.boolean(body, "lineage")),
        microservice_port=bodies.string(body, "microservicePort"))
    world = context.world()
    return jsonify(serialize.task_run_config(tasks.configure_run(world, taskId, config, context.principal()), world))


@bp.delete(RUN_CONFIG)
def delete_run_config(taskId: str):
    tasks.stop_schedule(context.world(), taskId)
    return "", 204


@bp.get(DE_RUN_CONFIG)
def get_de_run_config(taskId: str):
    return jsonify(tasks.de_run_config(context.world(), taskId))


@bp.put(DE_RUN_CONFIG)
def put_de_run_config(taskId: str):
    # The configuration is kept as sent, so its schema is checked whatever --validate says: with validation
    # off a mistyped field would otherwise be stored (or, for timeout, end in a 500).
    body = contract_body(request)
    return jsonify(tasks.configure_de_run(context.world(), taskId, body))


@bp.delete(DE_RUN_CONFIG)
def delete_de_run_config(taskId: str):
    tasks.stop_de_schedule(context.world(), taskId)
    return "", 204
