"""The run-profile routes engines and clusters both publish: list (by type), create, get, update, delete."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, jsonify

from . import bodies, context, params, serialize
from ..domain.runtimes import run_profiles
from ..domain.model.runtimes import RUN_PROFILE_TYPES
from ..domain.runtimes.run_profiles import ProfileOwner
from ..errors import BadRequest, TMCError


def profile_routes(bp: Blueprint, owner_rule: str, owner_parameter: str,
                   find_owner: Callable[..., ProfileOwner], *, replacement_parameter: str, deleted_status: int,
                   in_use: type[TMCError]) -> None:
    """Register the five operations under `owner_rule` + "/run-profiles".

    The two families differ only in how a delete names the replacement profile, what it answers
    (engines: 202 with text, clusters: 204) and whether a profile in use is a 409 or (clusters
    publish no 409) a 400.
    """
    rule = owner_rule + "/run-profiles"

    def owner(ids: dict) -> ProfileOwner:
        return find_owner(context.world(), ids[owner_parameter])

    def list_profiles(**ids: str):
        type_ = params.choice("type", RUN_PROFILE_TYPES)
        return jsonify([serialize.run_profile(p) for p in run_profiles.profiles_of(context.world(), owner(ids), type_)])

    def create(**ids: str):
        found = owner(ids)  # a missing owner is a 404 before the body is looked at
        body = bodies.json_object()
        profile = run_profiles.create_profile(
            context.world(), found, context.now(), name=bodies.string(body, "name"),
            type_=bodies.string(body, "type"), runtime_id=bodies.string(body, "runtimeId"),
            jvm_arguments=body["jvmArguments"], description=bodies.string(body, "description"))
        return jsonify(serialize.run_profile(profile)), 201

    def get(runProfileId: str, **ids: str):
        return jsonify(serialize.run_profile(run_profiles.profile_of(context.world(), owner(ids), runProfileId)))

    def update(runProfileId: str, **ids: str):
        world = context.world()
        profile = run_profiles.profile_of(world, owner(ids), runProfileId)
        body = bodies.json_object()
        # This PUT replaces the description too, and publishes no 409: a clashing name is a 400.
        run_profiles.update_profile(world, profile, context.now(), name=bodies.string(body, "name"),
                                    jvm_arguments=body["jvmArguments"],
                                    description=bodies.string(body, "description") or "", name_clash=BadRequest)
        return jsonify(serialize.run_profile(profile))

    def delete(runProfileId: str, **ids: str):
        run_profiles.delete_profile(context.world(), owner(ids), runProfileId, params.text(replacement_parameter),
                                    in_use=in_use)
        if deleted_status == 204:
            return "", 204
        return Response("Run Profile deleted.", deleted_status, mimetype="text/plain")

    prefix = bp.name
    bp.add_url_rule(rule, f"{prefix}_list_run_profiles", list_profiles, methods=["GET"])
    bp.add_url_rule(rule, f"{prefix}_create_run_profile", create, methods=["POST"])
    one = rule + "/<runProfileId>"
    bp.add_url_rule(one, f"{prefix}_get_run_profile", get, methods=["GET"])
    bp.add_url_rule(one, f"{prefix}_update_run_profile", update, methods=["PUT"])
    bp.add_url_rule(one, f"{prefix}_delete_run_profile", delete, methods=["DELETE"])
