"""Who may use the control plane, and which accounts a caller may steer: the one rule, checked here.

- Without a control token (a server on loopback, or one opened on purpose) the control plane is open.
- With `--control-token` (`mocktmc serve` makes one up when it listens beyond loopback), a request bearing
  it may do anything; any other request is a 401 naming the control token, checked before anything
  else the request would meet (validation, its body), so a stranger learns nothing and changes nothing.
- In auth mode isolated a TMC bearer token (not the control token) steers only its own account: leaving
  `?account=` out means its account, naming another is a 403, and what acts on every account (reset
  or fixtures for all, the account list, every fault rule, the whole journal) is a 403 too. Workers
  sharing one server cannot reset, read or script each other's accounts.

A control call names its account by `?account=`, or by the TMC token whose account it is, in the header
X-Mocktmc-Token: the key a balancer in front of a fleet of servers routes by (deploy/: every call of a token, API
and control alike, reaches the server that holds its account).

The addresses that stand in for TMC's own public URLs (health, contracts, log downloads, webhooks)
stay open: their address is the credential. So do the pages a browser opens (the landing page, the API browser,
the dashboard), which hold no data.
"""
from __future__ import annotations

import hmac
from typing import Any

from flask import Request, current_app, g, request

from ..errors import BadRequest, Forbidden, Unauthorized

CONTROL_PREFIX = "/_mocktmc/"
OPEN_PREFIXES = ("/_mocktmc/health", "/_mocktmc/contracts", "/_mocktmc/downloads/", "/_mocktmc/webhooks/")
# The pages a browser opens (pages.py: the landing page, the API browser, its contracts and assets; dashboard.py:
# the dashboard and its assets, whose script asks for the control token): a browser navigating sends no bearer
# token, and they hold nothing the open contracts and health do not. Exact paths, and the pages' own folders, so
# that no other control route opens with them.
OPEN_PAGES = frozenset({"/_mocktmc", "/_mocktmc/", "/_mocktmc/docs", "/_mocktmc/ui", "/_mocktmc/ui/"})
OPEN_PAGE_PREFIXES = ("/_mocktmc/docs/", "/_mocktmc/ui/static/")
_ANY = "*"  # g.mocktmc_control_scope of a caller that may name any account
OWN_ACCOUNT_RULE = ("In auth mode isolated a bearer token steers only its own account on the control plane; "
                    "the control token may name any account")


def _bearer(authorization: str | None) -> str | None:
    """The credentials of `Bearer <credentials>`, taken as they are (a control token may hold '$', '!' or
    spaces, which RFC 6750's token68 syntax leaves out); None without such a header."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def check_caller(req: Request, flags: Any, mock: Any) -> None:
    """before_request, ahead of every hook that reads the request: who the control-plane caller is.

    Leaves on the request's `g` (`flags`) the account the caller is limited to, or `_ANY`."""
    path = req.path
    if not path.startswith(CONTROL_PREFIX) or path.startswith(OPEN_PREFIXES) or path in OPEN_PAGES \
            or path.startswith(OPEN_PAGE_PREFIXES):
        return
    expected = mock.settings.control_token
    authorization = req.environ.get("HTTP_AUTHORIZATION")
    token = _bearer(authorization)
    if expected and token is not None and hmac.compare_digest(token.encode(), expected.encode()):
        flags.mocktmc_control_scope = _ANY
    elif mock.settings.auth == "isolated" and token is not None:
        # A TMC bearer token: its account (made now if new, as its first TMC call would make it).
        flags.mocktmc_control_scope = mock.accounts.authenticate(authorization)[0].account_id
    elif expected:
        said = "The" if authorization else "Missing Authorization header: the"
        raise Unauthorized(f"{said} control plane needs the control token this server was started with "
                           "(Authorization: Bearer <control token>)", headers={"WWW-Authenticate": "Bearer"})
    else:
        flags.mocktmc_control_scope = _ANY  # an open control plane


def own_account() -> str | None:
    """The account the caller is limited to; None when it may name any."""
    scope = g.get("mocktmc_control_scope", _ANY)
    return None if scope == _ANY else scope


def permitted(named: str | None, *, every: str | None = None) -> str | None:
    """The account a control call acts on, given the one it names (None: none named).

    A caller limited to its own account gets its own when it names none, and a 403 when it names another;
    `every` says what the call does without an account ("resets every account", say): a limited caller
    then gets a 403 saying so, instead of its own account."""
    own = own_account()
    if own is None or named == own:
        return named
    if named is not None:
        raise Forbidden(f"{OWN_ACCOUNT_RULE}: account {named} is not this token's")
    if every is not None:
        raise Forbidden(f"{OWN_ACCOUNT_RULE}: this call {every}, which needs the control token")
    return own


ROUTE_HEADER = "X-Mocktmc-Token"
_ROUTE_ENVIRON = "HTTP_X_MOCKTMC_TOKEN"


def routed(named: str | None) -> str | None:
    """The account a control call names: `named` (its `?account=`), else the account of the TMC token in
    X-Mocktmc-Token (made now if new in isolated mode, as its first TMC call would make it; an expired token still
    names its account); both must agree."""
    token = request.environ.get(_ROUTE_ENVIRON, "").strip()
    if not token:
        return named
    account = current_app.extensions["mocktmc"].accounts.account_named_by(token)
    if named is not None and named != account:
        raise BadRequest(f"?account={named} and {ROUTE_HEADER} (whose account is {account}) name different "
                         "accounts; send one of them")
    return account


def account_named(*, every: str | None = None) -> str | None:
    """`permitted` for the account the request names (`?account=`, or X-Mocktmc-Token's)."""
    return permitted(routed(request.args.get("account") or None), every=every)


def account_or_default() -> str:
    """The account a control call acts on: the one it names, else the server's default account."""
    return account_named() or current_app.extensions["mocktmc"].accounts.default_account_id


def require_every_account(what: str) -> None:
    """A call that only acts on every account (listing them, say): the control token or an open control plane."""
    permitted(None, every=what)
