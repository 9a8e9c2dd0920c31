"""What the control plane's faults and journal need to know about a request: its API family, its account, and
whether the dashboard sent it to look.

The dashboard (/_mocktmc/ui) watches the mock without being watched: the requests it makes to read (its polls
of runs, the clock, the journal itself) carry `X-Mocktmc-Dashboard: read`, and such a request is neither
journaled nor met by a fault rule, so the journal shows what the client under test sent and a rule counted in
`times` fires for the client, not for the page. What the dashboard changes (the clock, a pause, a rule) is sent
without the header and journaled like any client's request."""
from __future__ import annotations

from typing import Any

from flask import g, request

from ..api import context
from ..errors import TMCError
from ..families import family_of

# Families whose requests carry a TMC bearer token (the token endpoint takes Basic credentials).
_BEARER_FAMILIES = ("orchestration", "processing", "monitoring", "legacy")


DASHBOARD_HEADER = "X-Mocktmc-Dashboard"
_DASHBOARD_ENVIRON = "HTTP_X_MOCKTMC_DASHBOARD"


def dashboard_read(environ: dict) -> bool:
    """Whether the request is one of the dashboard's reads (`environ`: the request's WSGI environ)."""
    return environ.get(_DASHBOARD_ENVIRON) == "read"


def is_api_path(path: str) -> bool:
    """A path of the TMC API (/orchestration/, /processing/, /monitoring/, /tmc/, /security/, /account/), not the
    control plane."""
    return family_of(path) not in (None, "control")


def account_id(flags: Any = None) -> str | None:
    """The account the request's bearer token resolves to; None off the bearer families or without a valid token.

    A request that entered its world says so; one a fault stopped first is authenticated here, the
    way app.py would have (in auth mode isolated that makes a new token's account, as its first
    call would: no existing world changes).
    """
    world = (g if flags is None else flags).get("mocktmc_world")  # flags: the request's `g`, when at hand
    if world is not None:
        return world.account_id
    if "mocktmc_account" not in g:
        g.mocktmc_account = None
        if family_of(request.path) in _BEARER_FAMILIES:
            try:
                g.mocktmc_account = context.state().accounts.authenticate(
                    request.headers.get("Authorization"))[0].account_id
            except TMCError:
                pass  # a 401 has no account
    return g.mocktmc_account
