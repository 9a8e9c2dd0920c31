"""Resources: list, upload (multipart), get, rename, replace the file, delete, move."""
from __future__ import annotations


from flask import Blueprint, jsonify, request

from .. import bodies, context, params, serialize
from ..filters import in_scope
from ...domain.definitions import resources
from ...domain.common.paging import paginate
from ...errors import BadRequest, UnsupportedMediaType

bp = Blueprint("orchestration_resources", __name__)
RESOURCE = "/orchestration/resources/<resourceId>"


def _file() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("The multipart request needs a 'file' part")
    return upload.read()


def _limit() -> int:
    return context.state().settings.upload_limit


@bp.get("/orchestration/resources")
def list_resources():
    world = context.world()
    offset, limit = params.page_bounds()
    found = list(filter(in_scope(world), world.resources.values()))
    return jsonify(serialize.page(paginate(found, offset, limit), lambda r: serialize.resource(r, world)))


@bp.post("/orchestration/resources")
def create_resource():
    if not bodies.has_body(request):
        raise BadRequest("A multipart/form-data body with 'resource' and 'file' parts is required")
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(f"Content-Type must be multipart/form-data, got {request.mimetype or 'none'}")
    # The 'resource' part is JSON text, whatever content type the part itself declares.
    raw = request.form.get("resource")
    if raw is None and "resource" in request.files:
        raw = request.files["resource"].read().decode("utf-8", errors="replace")
    try:
        details = bodies.loads(raw) if raw is not None else None
    except BadRequest as exc:
        raise BadRequest(f"The 'resource' part: {exc.detail}") from None
    if not isinstance(details, dict):
        raise BadRequest("The multipart request needs a 'resource' part: a JSON object with name and workspaceId")
    name, workspace_id = bodies.string(details, "name"), bodies.string(details, "workspaceId")
    if not name or not workspace_id:
        raise BadRequest("The 'resource' part needs 'name' and 'workspaceId'")
    world = context.world()
    created = resources.create_resource(world, context.now(), name=name, workspace_id=workspace_id,
                                        description=bodies.string(details, "description") or "", content=_file(),
                                        limit=_limit())
    return jsonify(serialize.resource(created, world)), 201


@bp.get(RESOURCE)
def get_resource(resourceId: str):
    world = context.world()
    return jsonify(serialize.resource(resources.resource(world, resourceId), world))


@bp.patch(RESOURCE)
def update_resource(resourceId: str):
    body = bodies.json_object()
    resources.update_resource(context.world(), resourceId, name=bodies.string(body, "name"),
                              description=bodies.string(body, "description"))
    return "", 204


@bp.put(RESOURCE + "/upload")
def replace_resource_file(resourceId: str):
    resources.resource(context.world(), resourceId)
    resources.replace_content(context.world(), resourceId, _file(), _limit())
    return "", 204


@bp.delete(RESOURCE)
def delete_resource(resourceId: str):
    resources.delete_resource(context.world(), resourceId)
    return "", 204


@bp.put(RESOURCE + "/move/<targetWorkspaceId>")
def move_resource(resourceId: str, targetWorkspaceId: str):
    world = context.world()
    return jsonify(serialize.resource(resources.move_resource(world, resourceId, targetWorkspaceId), world))
