"""Projects: list, create, get, update, delete, and their user and group authorizations (PAT only)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from .. import bodies, context, params, serialize
from ..memberships import membership_routes
from ..visibility import project_visible
from ...domain.definitions import projects
from ...domain.common.paging import paginate

bp = Blueprint("orchestration_projects", __name__)
PROJECT = "/orchestration/projects/<projectId>"


@bp.before_request
def personal_tokens_only():
    projects.personal_token_only(context.principal())


@bp.get("/orchestration/projects")
def list_projects():
    # This operation publishes no 400 for paging: out-of-range values are clamped instead.
    offset = max(params.integer("offset", 0) or 0, 0)
    limit = min(max(params.integer("limit", 100) or 1, 1), 100)
    name = (params.text("projectName") or "").lower()
    visible = project_visible()
    found = [p for p in context.world().projects.values() if name in p.name.lower() and visible(p)]
    return jsonify(serialize.page(paginate(found, offset, limit), serialize.project))


@bp.post("/orchestration/projects")
def create_project():
    body = bodies.json_object()
    created = projects.create_project(context.world(), context.now(), context.principal(),
                                      name=bodies.required_string(body, "name"),
                                      owner=bodies.required_string(body, "owner"),
                                      url=bodies.required_string(body, "url"),
                                      description=bodies.string(body, "description") or "")
    return jsonify(serialize.project(created)), 201


@bp.get(PROJECT)
def get_project(projectId: str):
    return jsonify(serialize.project(projects.project(context.world(), projectId)))


@bp.put(PROJECT)
def update_project(projectId: str):
    body = bodies.json_object()
    found = projects.update_project(context.world(), projectId, context.now(), owner=bodies.string(body, "owner"),
                                    url=bodies.string(body, "url"), description=bodies.string(body, "description"))
    return jsonify(serialize.project(found))


@bp.delete(PROJECT)
def delete_project(projectId: str):
    projects.delete_project(context.world(), projectId)
    return "", 204


@bp.get(PROJECT + "/users")
def project_users(projectId: str):
    found = projects.project(context.world(), projectId)
    return jsonify({"projectId": found.id, "userIds": list(found.user_ids)})


membership_routes(bp, PROJECT + "/users/<userId>", "projectId", "userId", projects.assign_user,
                  projects.unassign_user)


@bp.get(PROJECT + "/groups")
def project_groups(projectId: str):
    found = projects.project(context.world(), projectId)
    return jsonify({"projectId": found.id, "groupIds": list(found.group_ids)})


membership_routes(bp, PROJECT + "/groups/<groupId>", "projectId", "groupId", projects.assign_group,
                  projects.unassign_group)
