"""The sandbox the kit's writing suites work in: a workspace, its environment, and an artifact of it
(tasks need one), found once per target through the API, never from ids the kit knows in advance."""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from weakref import WeakKeyDictionary

from .checks import describe
from .target import Target

ARTIFACTS = "GET /orchestration/artifacts"


@dataclass(frozen=True)
class Sandbox:
    workspace: str
    environment: str
    artifact: dict  # {"id", "version"}: what the kit's tasks run


# Per target, held weakly: a target's id may be reused once it is collected (kit runs in one process, the kit's
# own tests), and a new target must not be given a finished one's sandbox.
_FOUND: WeakKeyDictionary[Target, Sandbox] = WeakKeyDictionary()


def sandbox(target: Target) -> Sandbox:
    """The target's sandbox; a `kit_setup` check fails when there is none to work in."""
    if target in _FOUND:
        return _FOUND[target]
    workspace = target.sandbox_workspace()
    target.check("kit_setup", workspace, "no sandbox workspace to create in", operation=ARTIFACTS)
    listed = target.get("/orchestration/artifacts", params={"workspaceId": workspace, "limit": 100})
    try:
        items = listed.json().get("items", []) if listed.status_code == 200 else []
    except (ValueError, AttributeError):
        items = []
    target.check("kit_setup", items, f"the sandbox workspace holds no artifact to make a task of: {describe(listed)}",
                 response=listed, operation=ARTIFACTS)
    # A standard job when there is one: it runs on its own, with the defaults a task gets.
    artifact = next((item for item in items if item.get("type") == "standard"), items[0])
    environment = ((artifact.get("workspace") or {}).get("environment") or {}).get("id")
    if environment is None:
        spaces = target.get("/orchestration/workspaces")
        environment = next((ws["environment"]["id"] for ws in spaces.json() if ws.get("id") == workspace), None) \
            if spaces.status_code == 200 else None
        target.check("kit_setup", environment, f"cannot tell the sandbox's environment: {describe(spaces)}",
                     response=spaces, operation="GET /orchestration/workspaces")
    # target.check raised (KitFailure) unless both the workspace and the environment were found.
    _FOUND[target] = Sandbox(cast(str, workspace), cast(str, environment),
                                 {"id": artifact["id"], "version": artifact["versions"][-1]})
    return _FOUND[target]
