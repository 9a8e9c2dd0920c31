"""Who may use the control plane: anyone, unless the server was started with a control token.

With `--control-token`, a shared server's control plane (reset, state, behaviors, faults, the
request journal, tokens, the clock) answers only requests bearing that token. The addresses that
stand in for TMC's own public URLs (health, contracts, log downloads, webhooks) stay open.
"""
from __future__ import annotations

import hmac

from flask import request

from ..api import context
from ..domain.accounts import bearer_token
from ..errors import Unauthorized

OPEN_PREFIXES = ("/_mocktmc/health", "/_mocktmc/contracts", "/_mocktmc/downloads/", "/_mocktmc/webhooks/")


def require_control_token() -> None:
    """A Blueprint.before_request hook for every control-plane blueprint."""
    expected = context.state().settings.control_token
    if not expected or request.path.startswith(OPEN_PREFIXES):
        return
    if not hmac.compare_digest(bearer_token(request.headers.get("Authorization")).encode(), expected.encode()):
        raise Unauthorized("The control plane needs the control token this server was started with",
                           headers={"WWW-Authenticate": "Bearer"})
