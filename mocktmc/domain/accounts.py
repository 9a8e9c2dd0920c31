"""Accounts registry: account id -> World, and bearer token -> (account, caller).

Auth modes:
- open: any well-formed bearer token; tokens the registry does not know use the default account.
- isolated: each unknown token gets a fresh account of its own, seeded from the fixture world, with a clock
  of its own (starting at the server's time and rate), so parallel test workers sharing one server never see
  each other's runs nor move each other's time.
- strict: only known tokens (fixture PATs, service-account tokens from /security/oauth/token);
  service-account tokens expire 30 minutes of mock time after they are issued.
A missing or malformed Authorization header is a 401 in every mode.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, NamedTuple

from ..clock import VirtualClock
from ..errors import NotFound, Unauthorized
from .common.timeutil import to_ms
from .fixtures import WorldSpec, build_world, fixture_account_id, personal_access_tokens
from .world_templates import WorldTemplates
from .model.definitions import Principal
from .model.ids import IdSource
from .world import World

SERVICE_TOKEN_LIFETIME = timedelta(minutes=30)
_BEARER = re.compile(r"^\s*bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$", re.IGNORECASE)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class TokenGrant:
    account_id: str
    principal: Principal
    expires: datetime | None = None


class IssuedToken(NamedTuple):
    """What the token endpoint issued: the token, its lifetime in seconds, and whose it is until when."""
    token: str
    expires_in: int
    account_id: str
    expires: datetime


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or a 401 that says what is wrong."""
    if not authorization:
        raise Unauthorized("Missing Authorization header: send 'Authorization: Bearer <token>'",
                           headers=_CHALLENGE)
    match = _BEARER.match(authorization)
    if not match:
        raise Unauthorized("The Authorization header must read 'Bearer <token>'", headers=_CHALLENGE)
    return match.group(1)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Accounts:
    def __init__(self, spec: WorldSpec, clock: VirtualClock, auth: str = "open", seed: int = 0,
                 defects: Iterable[str] = (), quirks: Iterable[str] = (), retention: timedelta | None = None,
                 templates: WorldTemplates | None = None) -> None:
        self.spec = spec
        self.clock = clock
        self.auth = auth
        self.seed = seed
        self.defects = frozenset(defects)  # the server's deliberate bugs; every world of every account has them
        self.quirks = frozenset(quirks)  # the observed behaviours in effect (mocktmc/quirks.py); every world's too
        self.retention = retention  # how long every world keeps ended runs (None: for ever)
        # Fixture worlds built once and copied; an app passes the same templates to the Accounts of every reset.
        self.templates = templates or WorldTemplates()
        self._lock = threading.Lock()
        self._worlds: dict[str, World] = {}
        self._tokens: dict[str, TokenGrant] = {}
        self._declared_behaviors: dict[str, dict] | None = None  # task id -> fixture behavior, built on demand
        self._request_ids = IdSource(f"{seed}:requests")
        self._token_ids = IdSource(f"{seed}:tokens")
        self._signing_key = IdSource(f"{seed}:signing-key").secret()
        self.default_account_id = fixture_account_id(spec, seed)
        self._create(self.default_account_id)

    def _create(self, account_id: str, own_clock: bool = False) -> World:
        world = self._install(account_id, self._built(account_id, self.spec, self.clock.fork() if own_clock else None))
        for token, user_ref in personal_access_tokens(self.spec):
            if token in self._tokens:
                continue  # fixture PATs belong to the account created first (the default one)
            user = world.users.get(user_ref) or next(u for u in world.users.values() if u.login == user_ref)
            self._tokens[token] = TokenGrant(account_id, Principal(user.id, "HUMAN"))
        return world

    def _install(self, account_id: str, world: World) -> World:
        """The one way a world becomes an account's (created, reset, loaded, restored): it gets the server's defects,
        quirks and retention."""
        world.defects = self.defects
        world.quirks = self.quirks
        world.retention = self.retention
        self._worlds[account_id] = world
        return world

    # --- time ----------------------------------------------------------------------------------
    def clock_of(self, world: World) -> VirtualClock:
        """The clock an account's time reads: its own, or the server's it follows."""
        return world.clock or self.clock

    def clock_if_own(self, account_id: str) -> VirtualClock | None:
        """The account's own clock, None when it follows the server's (or there is no such account)."""
        world = self._worlds.get(account_id)  # one dict read: the journal asks for every request it records
        return world.clock if world is not None else None

    def own_clock(self, world: World) -> VirtualClock:
        """The account's own clock, given now (at the server's time and rate) if it followed the server's."""
        with world.lock:
            if world.clock is None:
                world.clock = self.clock.fork()
            return world.clock

    def _built(self, account_id: str, spec: WorldSpec, clock: VirtualClock | None) -> World:
        """A world built from a fixture world at the time of `clock` (None: the server's), which it keeps."""
        world = self.templates.build(spec, account_id, (clock or self.clock).now(), self.seed)
        world.clock = clock
        return world

    # --- lookups -----------------------------------------------------------------------------
    def world(self, account_id: str) -> World:
        with self._lock:
            try:
                return self._worlds[account_id]
            except KeyError:
                raise NotFound(f"Account {account_id} not found") from None

    def worlds(self) -> list[World]:
        with self._lock:
            return list(self._worlds.values())

    @property
    def default_world(self) -> World:
        return self.world(self.default_account_id)

    def world_holding(self, holds: Callable[[World], bool], missing: str) -> World:
        """The world an address without a token belongs to (a log download, a webhook): the address is
        the credential."""
        with self._lock:
            worlds = list(self._worlds.values())
        for world in worlds:
            with world.lock:
                if holds(world):
                    return world
        raise NotFound(missing)

    def next_request_id(self) -> str:
        with self._lock:
            return self._request_ids.uuid()

    # --- authentication ----------------------------------------------------------------------
    # --- the control plane's account operations ----------------------------------------------
    def reset(self, account_id: str | None = None) -> list[str]:
        """Every account back to the fixture world (accounts made for isolated tokens are dropped), or one."""
        with self._lock:
            if account_id is None:
                self._worlds.clear()
                self._tokens = {t: g for t, g in self._tokens.items() if g.account_id == self.default_account_id
                                and g.expires is None and t in dict(personal_access_tokens(self.spec))}
                self._create(self.default_account_id)
            else:
                if account_id not in self._worlds:
                    raise NotFound(f"Account {account_id} not found")
                self._install(account_id, self._built(account_id, self.spec, self._worlds[account_id].clock))
            return list(self._worlds)

    def use_spec(self, spec: WorldSpec, account_id: str | None = None) -> list[str]:
        """Load a fixture world: for one account, or as the server's world (every account reset to it)."""
        with self._lock:
            if account_id is not None:
                if account_id not in self._worlds:
                    raise NotFound(f"Account {account_id} not found")
                self._install(account_id, self._built(account_id, spec, self._worlds[account_id].clock))
                return [account_id]
            self.spec = spec
            self._declared_behaviors = None
            self.default_account_id = fixture_account_id(spec, self.seed)
            self._tokens = {}
        return self.reset()

    def declared_behavior(self, task_id: str) -> dict:
        """The behavior the fixture world gives a task (empty, the default, for tasks it does not declare).

        Worked out once per fixture world: generated task ids depend only on it and the seed.
        """
        with self._lock:
            if self._declared_behaviors is None:
                built = build_world(self.spec, self.default_account_id, self.clock.now(), self.seed)
                self._declared_behaviors = {t.id: t.behavior.to_dict() for t in built.tasks.values()}
            return self._declared_behaviors.get(task_id, {})

    def replace(self, account_id: str, world: World) -> None:
        """Put a restored world in the place of an account's."""
        with self._lock:
            if account_id not in self._worlds:
                raise NotFound(f"Account {account_id} not found")
            self._install(account_id, world)

    # --- the state dir (control/state_dir.py): what the registry holds beside its worlds -----------
    def saved(self) -> tuple[dict, list[World]]:
        """The tokens, the id sources and the default account as JSON data, and the worlds they go with (taken
        together, so that every token's account is among them)."""
        with self._lock:
            return {"defaultAccount": self.default_account_id, "accounts": list(self._worlds),
                    "tokens": [{"token": token, "account": g.account_id, "userId": g.principal.user_id,
                                "userType": g.principal.user_type,
                                "expires": None if g.expires is None else g.expires.isoformat()}
                               for token, g in self._tokens.items()],
                    "requestIds": list(self._request_ids.state()), "tokenIds": list(self._token_ids.state())
                    }, list(self._worlds.values())

    def restore_saved(self, saved: dict, worlds: list[World], clock: VirtualClock) -> None:
        """The accounts, tokens and id sources `saved` (and the worlds) held, on `clock`; ValueError when the
        parts do not fit together (a token of an account that is not there)."""
        by_id = {world.account_id: world for world in worlds}
        if saved["defaultAccount"] not in by_id:
            raise ValueError(f"the default account {saved['defaultAccount']} has no saved world")
        tokens = {}
        for grant in saved["tokens"]:
            if grant["account"] not in by_id:
                raise ValueError(f"a token of account {grant['account']}, which has no saved world")
            tokens[grant["token"]] = TokenGrant(grant["account"], Principal(grant["userId"], grant["userType"]),
                                                grant["expires"])
        with self._lock:
            self.clock = clock
            self._worlds = {}
            for world in worlds:
                self._install(world.account_id, world)
            self.default_account_id = saved["defaultAccount"]
            self._tokens = tokens
            self._request_ids = IdSource.from_state(*saved["requestIds"])
            self._token_ids = IdSource.from_state(*saved["tokenIds"])

    def account_of(self, token: str) -> World:
        """The account a bearer token maps to, made on first use in isolated mode (as a TMC call would)."""
        world, _ = self.authenticate(f"Bearer {token}")
        return world

    def account_named_by(self, token: str) -> str:
        """The account a token names, for addressing it (X-Mocktmc-Token on the control plane), not for acting
        with it: a token the registry knows names its account even once expired (a client renewing its token
        still addresses the same account); any other token, the account account_of gives it."""
        with self._lock:
            grant = self._tokens.get(token)
            if grant is not None:
                return grant.account_id
        return self.account_of(token).account_id

    def token_holder(self, token: str) -> tuple[str, Principal] | None:
        """The account and principal of a token the registry knows (None for any other string)."""
        with self._lock:
            grant = self._tokens.get(token)
            return None if grant is None else (grant.account_id, grant.principal)

    def issue_personal_token(self, account_id: str, user_ref: str | None) -> tuple[str, str]:
        """A new personal access token for a user of the account (its first user by default): (token, user id)."""
        with self._lock:
            world = self._worlds.get(account_id)
            if world is None:
                raise NotFound(f"Account {account_id} not found")
            user = world.users.get(user_ref or world.default_user_id) or next(
                (u for u in world.users.values() if u.login == user_ref), None)
            if user is None:
                raise NotFound(f"No user {user_ref!r} in account {account_id}")
            token = f"mocktmc-pat-{self._token_ids.uuid().replace('-', '')}"
            self._tokens[token] = TokenGrant(account_id, Principal(user.id, "HUMAN"))
            return token, user.id

    def authenticate(self, authorization: str | None) -> tuple[World, Principal]:
        world, principal, _ = self.identify(authorization)
        return world, principal

    def identify(self, authorization: str | None) -> tuple[World, Principal, bool]:
        """The caller's world and principal, and whether its roles and permissions apply: they do to every token
        the registry knows (fixture PATs, issued tokens), in every mode; a token it does not know (open and
        isolated modes) acts as an administrator, so clients that send any token keep working."""
        token = bearer_token(authorization)
        with self._lock:
            grant = self._tokens.get(token)
            if grant is not None:
                world = self._worlds[grant.account_id]
                expired = grant.expires is not None and grant.expires <= self.clock_of(world).now()
                if self.auth == "strict" and expired:
                    raise Unauthorized("The access token has expired; request a new one from "
                                       "/security/oauth/token", headers=_CHALLENGE)
                if grant.principal.user_type == "SERVICE" and grant.principal.user_id not in world.service_accounts:
                    # Its service account was deleted (DELETE /account/service-accounts/{id}): so is its token,
                    # in every mode (an unknown token would act as an administrator in the open ones).
                    raise Unauthorized("The access token's service account no longer exists", headers=_CHALLENGE)
                return world, grant.principal, True
            if self.auth == "strict":
                raise Unauthorized("Unknown access token (auth mode 'strict' accepts only tokens this "
                                   "mock issued or the fixture declares)", headers=_CHALLENGE)
            if self.auth == "isolated":
                account_id = IdSource(f"{self.seed}:account:{token}").uuid()
                world = self._worlds.get(account_id) or self._create(account_id, own_clock=True)
            else:
                world = self._worlds[self.default_account_id]
            return world, Principal(world.default_user_id, "HUMAN"), False

    def issue_service_token(self, client_id: str, client_secret: str, audience: str) -> IssuedToken:
        """A JWT for a service account's client credentials, valid 30 minutes of its account's mock time."""
        with self._lock:
            for world in self._worlds.values():
                account = world.service_accounts.get(client_id)
                if account is not None:
                    break
            else:
                account = None
            if account is None or not account.secret_matches(client_secret):
                raise Unauthorized("The ClientId or Secret is missing or invalid")
            now = self.clock_of(world).now()
            expires = now + SERVICE_TOKEN_LIFETIME
            claims = {"iss": "mocktmc", "sub": account.id, "aud": audience, "account": world.account_id,
                      "iat": to_ms(now) // 1000, "exp": to_ms(expires) // 1000, "jti": self._token_ids.uuid()}
            signing_input = (_b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." +
                             _b64url(json.dumps(claims, separators=(",", ":")).encode()))
            signature = hmac.new(self._signing_key, signing_input.encode(), hashlib.sha256).digest()
            token = signing_input + "." + _b64url(signature)
            self._tokens[token] = TokenGrant(world.account_id, Principal(account.id, "SERVICE"), expires)
            return IssuedToken(token, int(SERVICE_TOKEN_LIFETIME.total_seconds()), world.account_id, expires)
