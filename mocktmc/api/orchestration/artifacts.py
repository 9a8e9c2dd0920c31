"""Artifacts and their versions: list, get, delete (409 while a task uses them)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .. import context, params, serialize
from ..filters import in_scope
from ...domain.definitions import artifacts
from ...domain.common.paging import paginate

bp = Blueprint("orchestration_artifacts", __name__)


@bp.get("/orchestration/artifacts")
def list_artifacts():
    world = context.world()
    offset, limit = params.page_bounds()
    scoped, types = in_scope(world), set(request.args.getlist("types"))
    found = [art for art in world.artifacts.values() if scoped(art) and (not types or art.type in types)]
    return jsonify(serialize.page(paginate(found, offset, limit), lambda a: serialize.artifact(a, world)))


@bp.get("/orchestration/artifacts/<artifactId>")
def get_artifact(artifactId: str):
    world = context.world()
    return jsonify(serialize.artifact(artifacts.artifact(world, artifactId), world))


@bp.delete("/orchestration/artifacts/<artifactId>")
def delete_artifact(artifactId: str):
    artifacts.delete_artifact(context.world(), artifactId)
    return "", 204


@bp.get("/orchestration/artifacts/<artifactId>/versions/<version>")
def get_artifact_version(artifactId: str, version: str):
    world = context.world()
    art = artifacts.artifact(world, artifactId)
    return jsonify(serialize.artifact_version(art, artifacts.artifact_version(world, artifactId, version), world))


@bp.delete("/orchestration/artifacts/<artifactId>/versions/<version>")
def delete_artifact_version(artifactId: str, version: str):
    artifacts.delete_artifact_version(context.world(), artifactId, version)
    return "", 204
