"""Who is assigned to something (users to promotions and projects, groups to projects)."""
from __future__ import annotations

from ...errors import Conflict, NotFound


def assign(members: list[str], member_id: str, known: bool, label: str, *, conflict: bool) -> None:
    """Add a member; assigning twice is a 409 where the operation publishes one, else changes nothing."""
    if not known:
        raise NotFound(f"{label} {member_id} not found")
    if member_id in members:
        if conflict:
            raise Conflict(f"{label} {member_id} is already assigned")
        return
    members.append(member_id)


def unassign(members: list[str], member_id: str, label: str) -> None:
    if member_id not in members:
        raise NotFound(f"{label} {member_id} is not assigned")
    members.remove(member_id)
