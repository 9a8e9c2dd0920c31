"""The target a kit run talks to: the in-process mock, a mocktmc server, or the real TMC.

Every suite is written once against `Target` and runs unchanged on all three. What differs is said by
the target, not by the suites: whether it can move time (a mock advances its clock; the real API is
polled with a deadline), whether it may be written to (a real account only inside the sandbox workspace
named by --allow-writes), and how a failing request is shown again (a curl command).
"""
from __future__ import annotations

import base64
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from ..testing import IN_PROCESS_URL, BaseURLSession, Control, MockTMC, MockTMCError, connect
from .checks import check as record_check, curl_of, family_of, json_or_none
from .command import PHASES
from .report import RECORD

log = logging.getLogger("mocktmc.kit")
T = TypeVar("T")

# What the kit names the things it creates, so that people (and a later clean-up) recognise them.
NAME_PREFIX = "mocktmc-kit-"
# The address curl commands show for the in-process mock: where `mocktmc serve` listens by default.
SERVED_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class TargetOptions:
    url: str | None = None  # None: a mock in this process
    token: str | None = None
    restricted_token: str | None = None  # the authorization suite's token with fewer rights
    client_id: str | None = None
    client_secret: str | None = None
    allow_writes: str | None = None  # the sandbox workspace id, on a target that is not a mock
    control_token: str | None = None  # a mocktmc server whose control plane is closed
    defects: tuple[str, ...] = ()  # the in-process mock's deliberate bugs (the kit's own tests)
    fidelity: str = "observed"  # the in-process mock's: the service as observed, or as documented
    fixtures: str = "default"  # the in-process mock's world
    seed: int = 0
    # The schemathesis suite's phases and, if any are named, its only operations.
    phases: tuple[str, ...] = PHASES
    operations: tuple[str, ...] = ()
    poll_deadline: float = 600.0  # real target: how long a run or a scheduled start may take to show
    poll_interval: float = 5.0
    budget_ends: float | None = None  # time.monotonic() when the run's --budget is spent; None: no budget


class Target:
    """One TMC the suites talk to, with a bearer token, and what it allows."""

    def __init__(self, options: TargetOptions, session: requests.Session, base_url: str, kind: str,
                 control: Control | None, mock: MockTMC | None = None) -> None:
        self.options = options
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.kind = kind  # "mock" (in this process), "mocktmc" (a server), "tmc" (the real API)
        self.control = control
        self._bound: tuple[str, Control] | None = None  # (token, the control bound to its account)
        self.mock = mock
        self.shown_url = SERVED_URL if kind == "mock" else self.base_url
        self._names = itertools.count(1)
        self._cleanup: list[tuple[str, str]] = []  # (method path) of everything the kit created, in order
        self._sandbox: str | None = options.allow_writes
        self._fidelity: str | None = None
        self._auth: str | None = None
        # Seconds the kit moved each account's clock (account id, or "" for the in-process mock's).
        self.time_moved: dict[str, float] = {}

    # --- what the target allows ------------------------------------------------------------------
    @property
    def is_mocktmc(self) -> bool:
        return self.control is not None

    @property
    def moves_time(self) -> bool:
        """A mock advances its clock; the real TMC must be waited for, in real time."""
        return self.control is not None

    @property
    def fidelity(self) -> str | None:
        """Which way a mock behaves where the service and its documents differ (its quirks); None for the real
        TMC, whose ways the quirk checks only tell."""
        if self.kind == "mock":
            return self.options.fidelity
        if self.control is not None and self._fidelity is None:
            self._fidelity = self.control.health().get("fidelity", "observed")
        return self._fidelity

    @property
    def auth_mode(self) -> str | None:
        """A mock's auth mode (open, strict, isolated: `mocktmc serve --auth`); None for the real TMC."""
        if self.kind == "mock":
            return "strict"
        if self.control is not None and self._auth is None:
            self._auth = str(self.control.health().get("auth", "strict"))
        return self._auth

    @property
    def enforces_auth(self) -> bool:
        """Whether a request without valid credentials is refused: not by a mocktmc server in auth mode open,
        which takes any token (so that nothing needs one), by design."""
        return self.auth_mode != "open"

    @property
    def writes(self) -> bool:
        """A mock may always be written to; a real account only when --allow-writes names a sandbox."""
        return self.kind != "tmc" or self.options.allow_writes is not None

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.session.headers["Authorization"]}

    def account_state(self) -> dict | None:
        """A mock's snapshot of the account the kit's token acts in (None on the real TMC)."""
        if self.control is None:
            return None
        return self._account_control().snapshot(secrets=True)  # restored as it was, credentials and all

    def restore_account(self, state: dict) -> None:
        """Put the account back as `account_state` found it (a mock only)."""
        if self.control is not None:
            self._account_control().restore(state)

    def account_control(self) -> Control | None:
        """A mock's control plane, bound to the account the kit's token acts in (None on the real TMC)."""
        return None if self.control is None else self._account_control()

    def _account_control(self) -> Control:
        """The control plane bound to the account the kit's current token acts in (its clock is that account's:
        on a shared server in isolated mode the kit moves only its own time)."""
        assert self.control is not None
        token = self.auth_headers["Authorization"].split(" ", 1)[1]
        if self._bound is None or self._bound[0] != token:
            self._bound = (token, self.control.for_token(token))
        return self._bound[1]

    def renew_token(self) -> bool:
        """Get a new token when the target was opened with client credentials; False when it was not."""
        renew = getattr(self.session, "renew", None)
        if renew is None:
            return False
        renew()
        return True

    def describe(self) -> str:
        where = {"mock": "the in-process mock", "mocktmc": f"mocktmc at {self.base_url}",
                 "tmc": f"TMC at {self.base_url}"}[self.kind]
        if self.options.defects:
            where += f" (defects: {', '.join(self.options.defects)})"
        if self.kind == "mocktmc":
            where += f", auth {self.auth_mode}"
        mode = "writes allowed" if self.writes else "read-only"
        if self.kind == "tmc" and self.writes:
            mode += f" in workspace {self.options.allow_writes}"
        return f"{where}, {mode}"

    # --- the run's budget (--budget) -----------------------------------------------------------------
    def within_budget(self, what: str) -> None:
        """Skip `what` (a test, or the rest of one: its next request) once the run's budget is spent; listed in
        the report. The checks it made before stay recorded."""
        ends = self.options.budget_ends
        if ends is not None and time.monotonic() >= ends:
            import pytest  # the kit's engine; `mocktmc` itself (the CLI, serving) must import without it

            RECORD.exempt(f"{what}: not run, or cut short", "the run's --budget was spent")
            pytest.skip("the run's --budget is spent")

    def _budget_left(self) -> float:
        ends = self.options.budget_ends
        return float("inf") if ends is None else max(0.0, ends - time.monotonic())

    # --- requests --------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.options.budget_ends is not None:
            self.within_budget(RECORD.current_test or f"{method} {path}")
            kwargs.setdefault("timeout", min(60.0, max(1.0, self._budget_left())))
        kwargs.setdefault("timeout", 60)
        began = time.perf_counter()
        response = self.session.request(method, self.base_url + path, **kwargs)
        if not path.startswith("/_mocktmc"):  # the mock's control plane is not the API the report times
            RECORD.answered(family_of(urlsplit(path).path), time.perf_counter() - began)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def curl(self, response: requests.Response | None) -> str | None:
        if response is None:
            return None
        return curl_of(response.request, self.base_url, self.shown_url, self.secrets())

    def secrets(self) -> dict[str, str]:
        """The kit's own credentials as an Authorization header carries them -> the shell variable a reproduction
        reads instead: the bearer token ($TMC_TOKEN), the restricted one ($TMC_RESTRICTED_TOKEN), the client
        credentials ($TMC_BASIC)."""
        shown = {self.auth_headers["Authorization"].partition(" ")[2]: "TMC_TOKEN"}
        if self.options.restricted_token:  # the authorization suite's second token
            shown[self.options.restricted_token] = "TMC_RESTRICTED_TOKEN"
        if self.options.client_id and self.options.client_secret:
            basic = base64.b64encode(f"{self.options.client_id}:{self.options.client_secret}".encode()).decode()
            shown[basic] = "TMC_BASIC"
        return shown

    def check(self, name: str, holds: Any, message: str, *, response: requests.Response | None = None,
              operation: str | None = None, family: str | None = None) -> None:
        """A named check; a failure carries the curl command of `response`'s request."""
        if family is None:
            path = operation.split(" ", 1)[-1] if operation else (
                urlsplit(response.request.url or "").path if response is not None and response.request else "")
            family = family_of(path)
        record_check(name, holds, message, family=family, operation=operation, curl=self.curl(response))

    # --- time ------------------------------------------------------------------------------------
    def now(self) -> datetime:
        if self.control is not None:
            return self._account_control().clock.now()
        return datetime.now(timezone.utc)

    def elapsed(self) -> float:
        """Seconds of target time the kit has seen pass: on a mock, what it moved the clock by (a clock that
        also runs by itself only adds to that); on the real TMC, real seconds. What pacing a client counts by."""
        if self.control is not None:
            return sum(self.time_moved.values())
        return time.monotonic()

    def pass_time(self, seconds: float) -> None:
        """Let `seconds` pass: at once on a mock, in real time on the real TMC."""
        if seconds <= 0:
            return
        if self.control is not None:
            self._advance(seconds)
        else:
            time.sleep(seconds)

    def _advance(self, seconds: float) -> None:
        """Move the clock of the kit's account (only it: on a server, the control is bound to that account)."""
        control = self._account_control()
        moved = control.clock.advance(seconds=seconds)
        account = str(moved.get("account") or control.account or "") if isinstance(moved, dict) else ""
        self.time_moved[account] = self.time_moved.get(account, 0.0) + seconds

    def changes(self) -> list[str]:
        """What the kit changed on the target beyond what it created and deleted: whose clock it moved."""
        lines = []
        for account, seconds in sorted(self.time_moved.items()):
            whose = f"account {account}'s clock" if account else "the mock's clock"
            lines.append(f"moved {whose} forward by {_duration(seconds)}"
                         + (" (that account's own clock: the server's and other accounts' stay where they were)"
                            if self.kind == "mocktmc" else ""))
        if self.kind == "mocktmc" and self.auth_mode == "open" and self.time_moved:
            lines.append("auth mode open: every client of this server shares that account, and sees its time moved; "
                         "serve with --auth isolated to give the kit an account of its own")
        return lines

    def wait_for(self, probe: Callable[[], T | None], *, within: float, step: float = 30.0) -> T | None:
        """Call `probe` until it answers something other than None, for at most `within` seconds of target
        time (a mock's clock moves `step` seconds between probes; the real TMC is polled every
        poll_interval up to min(within, poll_deadline) seconds). None if it never did."""
        found = probe()
        if found is not None:
            return found
        if self.control is not None:
            waited = 0.0
            while waited < within:
                move = min(step, within - waited)
                self._advance(move)
                waited += move
                found = probe()
                if found is not None:
                    return found
            return None
        deadline = time.monotonic() + min(within, self.options.poll_deadline, self._budget_left())
        while time.monotonic() < deadline:
            time.sleep(self.options.poll_interval)
            found = probe()
            if found is not None:
                return found
        return None

    # --- what the kit creates --------------------------------------------------------------------
    def name(self, label: str) -> str:
        """A recognisable name for something the kit creates: mocktmc-kit-<seed>-<label>-<n>."""
        return f"{NAME_PREFIX}{self.options.seed}-{label}-{next(self._names)}"

    def created(self, delete_path: str) -> None:
        """Remember something the kit made, to delete it at the end even when a test failed."""
        self._cleanup.append(("DELETE", delete_path))

    def forget(self, delete_path: str) -> None:
        """The kit deleted it itself."""
        self._cleanup = [entry for entry in self._cleanup if entry[1] != delete_path]

    def cleanup(self) -> list[str]:
        """Delete what the kit created, newest first; what could not be deleted is returned and logged."""
        left = []
        while self._cleanup:
            method, path = self._cleanup.pop()
            try:
                answer = self.request(method, path)
            except requests.RequestException as exc:
                left.append(f"{method} {path}: {exc}")
                continue
            if answer.status_code not in (200, 204, 404):
                left.append(f"{method} {path}: {answer.status_code}")
        for entry in left:
            log.warning("the kit could not delete what it created: %s", entry)
        return left

    def sandbox_workspace(self) -> str | None:
        """The workspace the kit may create in: --allow-writes, or on a mock the first workspace that holds
        an artifact (tasks need one). None on a read-only target."""
        if self._sandbox is None and self.writes:
            answer = self.get("/orchestration/artifacts", params={"limit": 100})
            body = json_or_none(answer) if answer.status_code == 200 else None
            # A listing of the wrong shape leaves no sandbox; the suites' own checks say what was wrong.
            items = body.get("items") if isinstance(body, dict) else None
            for artifact in items if isinstance(items, list) else []:
                workspace = ((artifact.get("workspace") if isinstance(artifact, dict) else None) or {}).get("id")
                if workspace:
                    self._sandbox = workspace
                    break
        return self._sandbox

    def close(self) -> None:
        self.session.close()


_CURRENT: list[Target] = []


def current_target() -> Target:
    """The target of the running kit session. Hypothesis builds state machines itself, with no arguments,
    so that is how they reach it."""
    if not _CURRENT:
        raise RuntimeError("no kit target is open: run the kit with pytest (contracts/) or `mocktmc contract`")
    return _CURRENT[-1]


def use_target(target: Target | None) -> None:
    """Make `target` the current one (None: there is none any more)."""
    _CURRENT.clear()
    if target is not None:
        _CURRENT.append(target)


def _service_token(base_url: str, client_id: str, client_secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    answer = requests.post(base_url + "/security/oauth/token", timeout=60,
                           headers={"Authorization": f"Basic {basic}"},
                           json={"grant_type": "client_credentials", "audience": base_url})
    if answer.status_code != 200:
        raise ValueError(f"the token endpoint refused the client credentials: {answer.status_code} {answer.text[:300]}")
    return answer.json()["access_token"]


class RenewingSession(BaseURLSession):
    """A service account's token expires (after 30 minutes on TMC; of mock time on a mock whose clock the
    kit moves): a 401 gets a new token from the client credentials and the request is sent once more."""

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        super().__init__(base_url)
        self._credentials = (client_id, client_secret)
        self.renew()

    def renew(self) -> None:
        self.headers["Authorization"] = f"Bearer {_service_token(self.base_url, *self._credentials)}"

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        answer = super().request(method, url, *args, **kwargs)
        if answer.status_code == 401 and "Authorization" not in (kwargs.get("headers") or {}):
            self.renew()
            answer = super().request(method, url, *args, **kwargs)
        return answer


def open_target(options: TargetOptions) -> Target:
    """The target the options name: no URL means a fresh mock in this process (the demo world, strict auth,
    a frozen clock, and its own personal access token)."""
    if options.url is None:
        # A healthy mock is built without the defects setting at all: nothing of it is switched on.
        broken: dict[str, Any] = {"defects": tuple(options.defects)} if options.defects else {}
        mock = MockTMC(fixtures=options.fixtures, clock="frozen", auth="strict", seed=options.seed,
                       fidelity=options.fidelity, **broken)
        token = mock.tokens.personal()["token"]
        return Target(options, mock.client(token), IN_PROCESS_URL, "mock", mock, mock)
    if options.defects:
        raise ValueError("defects switch on bugs in the in-process mock; for a server use `mocktmc serve --defect`")
    if options.fidelity != "observed":
        raise ValueError("--fidelity sets the in-process mock's; for a server use `mocktmc serve --fidelity`")
    base_url = options.url.rstrip("/")
    session: BaseURLSession
    if options.token:
        session = BaseURLSession(base_url)
        session.headers["Authorization"] = f"Bearer {options.token}"
    elif options.client_id and options.client_secret:
        session = RenewingSession(base_url, options.client_id, options.client_secret)
    else:
        raise ValueError("a target URL needs a token: --token, or --client-id with --client-secret")
    control = _mocktmc_control(base_url, options.control_token)
    kind = "mocktmc" if control is not None else "tmc"
    return Target(options, session, base_url, kind, control)


def _mocktmc_control(base_url: str, control_token: str | None) -> Control | None:
    """The control plane when the URL is a mocktmc server that lets the kit move its clock, else None."""
    control = connect(base_url, control_token=control_token)
    try:
        control.clock.get()
    except (MockTMCError, requests.RequestException, ValueError):
        control.close()
        return None
    return control


def _duration(seconds: float) -> str:
    """1 d 6 h 5 min, 45 s: how far a clock moved, for people."""
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else "",
             f"{secs} s" if secs or not whole else ""]
    return " ".join(part for part in parts if part)
