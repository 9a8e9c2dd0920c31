"""The audit log: every change made through the API, recorded as it is answered, and read back as the
published GET /security/audit/logs reads it (newest first, a date or id window, pages).

A change is a request of a method other than GET or HEAD that the API answered with a 2xx (POST searches
included: the service cannot tell a read from a write by its method, and the published log records requests).
The log keeps AUDIT_KEPT entries and shows the last HOT_PERIOD of them: the published "hot period defined by
your license", which the mock does not vary by license.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from ..errors import BadRequest
from .model.definitions import AuditEntry, Principal
from .world import World

HOT_PERIOD = timedelta(days=30)
AUDIT_KEPT = 10_000  # a bound on memory: a long-running server's log does not grow without end
# Ids are made from the account and the entry's number, not from the world's id stream, so that recording
# a change does not move the ids of what the next requests create.
_NAMESPACE = uuid.UUID("5b1f6c1e-3d0a-4c55-9a63-0e2d3f4a7b81")
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def username(world: World, principal: Principal) -> str:
    """A user's login or a service account's name ("" for one the world no longer has)."""
    if principal.user_type == "SERVICE":
        account = world.service_accounts.get(principal.user_id)
        return account.name if account is not None else ""
    user = world.users.get(principal.user_id)
    return user.login if user is not None else ""


def record(world: World, at: datetime, principal: Principal, operation_id: str, family: str, method: str, url: str,
           status: int, created_id: str = "", client_ip: str = "", user_agent: str = "") -> AuditEntry:
    """Add one change to the log."""
    world.audit_seq += 1
    entry = AuditEntry(str(uuid.uuid5(_NAMESPACE, f"{world.account_id}:{world.audit_seq}")), at,
                       principal.user_id, principal.user_type, username(world, principal), operation_id, family,
                       method, url, status, created_id, client_ip, user_agent)
    world.audit_log.append(entry)
    if len(world.audit_log) > AUDIT_KEPT:
        del world.audit_log[:len(world.audit_log) - AUDIT_KEPT]
    return entry


def window(world: World, now: datetime, from_date: datetime | None = None, to_date: datetime | None = None,
           from_id: str | None = None) -> list[AuditEntry]:
    """The entries of the published window, newest first: from `from_date` (or the entry `from_id`, when no
    date is given) to `to_date`, within the hot period and up to now. The 400s are the published ones."""
    if from_date is not None and from_date > now:
        raise BadRequest("fromDate must be before the current date")
    if from_date is not None and to_date is not None and from_date > to_date:
        raise BadRequest("fromDate must be before toDate (toDate must not be before fromDate)")
    if from_id is not None:
        try:
            uuid.UUID(from_id)
        except ValueError:
            raise BadRequest(f"fromId must be a log id (a UUID), got {from_id!r}") from None
    oldest = max(from_date, now - HOT_PERIOD) if from_date is not None else now - HOT_PERIOD
    newest = min(to_date, now) if to_date is not None else now
    entries = world.audit_log
    if from_date is None and from_id is not None:
        start = next((i for i, entry in enumerate(entries) if entry.log_id == from_id), None)
        if start is None:
            return []  # published: an id that does not exist gives an empty array
        entries = entries[start:]
    return [entry for entry in reversed(entries) if oldest <= entry.timestamp <= newest]
