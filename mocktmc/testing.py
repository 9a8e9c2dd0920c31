"""mocktmc from Python: a mock TMC in your test process, scripted through its control plane.

`MockTMC()` builds the Flask app in-process; `.client()` is a `requests.Session` whose calls the app
answers without a socket, and `.serve()` puts the same app on a free loopback port for clients that
need a real URL. Everything a test scripts (clock, behaviors, faults, journal, reset, snapshots,
tokens) goes through the HTTP control plane (`/_mocktmc/...`) with the same names as over HTTP, so
the Python API and the HTTP API cannot drift apart, and `connect(url)` drives a remote server the
same way.
"""
from __future__ import annotations

import io
import json as jsonlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from .control import globs

# The header a token-bound control sends its token in (control/access.py's ROUTE_HEADER, which the server reads;
# held equal by tests/test_fleet.py): plain text here, so that this module does not import the Flask side.
ROUTE_HEADER = "X-Mocktmc-Token"

if TYPE_CHECKING:
    from .config import Settings

IN_PROCESS_URL = "http://mocktmc.local"
DEFAULT_TOKEN = "mocktmc-test"

__all__ = ["IN_PROCESS_URL", "Control", "MockTMC", "MockTMCError", "connect"]


class MockTMCError(Exception):
    """A control-plane call that did not succeed, with the TMC error body's detail.

    The control plane answers errors in the TMC shape ({status, message, detail, requestId}); the
    detail names what was wrong, so it is what the exception says first.
    """

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method, self.path, self.status, self.body = method, path, status, body
        if isinstance(body, Mapping):
            self.detail = str(body.get("detail") or body.get("details") or body.get("message") or "")
        else:
            self.detail = str(body or "")
        super().__init__(f"{method} {path} answered {status}: {self.detail or '(no detail)'}")


# --- the in-process transport ------------------------------------------------------------------

class WSGITransport(HTTPAdapter):
    """A requests transport adapter that hands each request to a WSGI app in this process.

    It builds a urllib3 response so that requests' own `build_response` fills in headers, encoding,
    cookies and the URL exactly as it does for a real connection.
    """

    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        url = urlsplit(request.url or "")
        # A header value given as bytes goes on the wire as those bytes, which a server reads as latin-1 text;
        # werkzeug would take str() of it ("b'...'"), so it is decoded here as a server would.
        sent = [(name, value.decode("latin-1") if isinstance(value, bytes) else value)
                for name, value in request.headers.items()]
        builder = EnvironBuilder(path=url.path or "/", base_url=f"{url.scheme}://{url.netloc}",
                                 query_string=url.query, method=request.method or "GET",
                                 headers=sent, data=_body_bytes(request.body))
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        try:
            app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        except ConnectionAbortedError as dropped:  # a `drop` fault: what a network client sees
            raise requests.ConnectionError(f"the mock dropped the connection: {dropped}", request=request) from None
        code, _, reason = status.partition(" ")
        # A list of (name, value) pairs keeps repeated headers (Set-Cookie); urllib3 takes one as its
        # HTTPHeaderDict does, though its annotation names only mappings.
        raw = HTTPResponse(body=io.BytesIO(b"".join(app_iter)), headers=list(headers.items()),  # type: ignore[arg-type]
                           status=int(code), reason=reason, preload_content=False, decode_content=False)
        return self.build_response(request, raw)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        return body.read()
    return b"".join(chunk.encode() if isinstance(chunk, str) else chunk for chunk in body)


class BaseURLSession(requests.Session):
    """A session that accepts paths ('/processing/executions') as well as full URLs.

    Tests read better without the base URL on every line; full URLs still work unchanged.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        return super().request(method, url, *args, **kwargs)


# --- the control plane, as Python --------------------------------------------------------------

def _iso(moment: datetime | str | int) -> str | int:
    """A time as the control plane takes it: ISO-8601 UTC (naive datetimes are UTC), or epoch ms as is."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _camel(name: str) -> str:
    """processed_rows -> processedRows: Python keywords, the control plane's JSON names."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    return {_camel(key): value for key, value in values.items() if value is not None}


class Control:
    """The control plane of one mocktmc server, optionally bound to one account.

    A bound control (`for_account`, `for_token`) sends `?account=` on every account-scoped call and
    keeps its faults and journal to that account, so tests sharing a server cannot disturb each other.
    """

    def __init__(self, session: requests.Session, url: str, *, account: str | None = None,
                 control_token: str | None = None, route_token: str | None = None) -> None:
        self._session = session
        self.url = url.rstrip("/")
        self.account = account
        self.control_token = control_token
        # The TMC token a token-bound control (for_token) sends as X-Mocktmc-Token: the key a balancer in front
        # of a fleet routes by, so that its control calls reach the server that holds the token's account.
        self.route_token = route_token
        self.clock = ClockControl(self)
        self.behaviors = Behaviors(self)
        self.faults = Faults(self)
        self.journal = Journal(self)
        self.tokens = Tokens(self)
        self.permissions = Permissions(self)

    # The one way every control call is made.
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                data: str | bytes | None = None, headers: Mapping[str, str] | None = None,
                account: bool = False) -> Any:
        """Call `/_mocktmc{path}`; the parsed JSON answer (None for 204), or MockTMCError for a non-2xx.

        `account=True` adds this control's `?account=` when it is bound to one.
        """
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if account and self.account is not None:
            query.setdefault("account", self.account)
        sent = dict(headers or {})
        if self.control_token:
            sent["Authorization"] = f"Bearer {self.control_token}"
        if self.route_token:
            sent[ROUTE_HEADER] = self.route_token
        response = self._session.request(method, f"{self.url}/_mocktmc{path}", params=query or None, json=json,
                                         data=data, headers=sent, timeout=30)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        if not 200 <= response.status_code < 300:
            raise MockTMCError(method, f"/_mocktmc{path}", response.status_code, body)
        return body

    def health(self) -> dict:
        return self.request("GET", "/health")

    def reset(self) -> list[str]:
        """Back to the fixture world: every account (isolated ones dropped), or only the bound one."""
        return self.request("POST", "/reset", account=True)["accounts"]

    def snapshot(self, secrets: bool = False) -> dict:
        """The account's whole state; `restore` it later to get the same answers again. Its secrets read
        "[redacted]" unless `secrets` (which needs the control token on a server that has one)."""
        return self.request("GET", "/state", params={"secrets": "include" if secrets else None}, account=True)

    def restore(self, state: Mapping[str, Any]) -> None:
        self.request("PUT", "/state", json=state, account=True)

    def load_fixtures(self, world: Mapping[str, Any] | str | os.PathLike[str]) -> dict:
        """A fixture world (a dict, YAML text, or a YAML file) for the bound account, else for the server."""
        if isinstance(world, Mapping):
            return self.request("POST", "/fixtures", json=dict(world), account=True)
        text = Path(world).read_text(encoding="utf-8") if isinstance(world, os.PathLike) else world
        return self.request("POST", "/fixtures", data=text.encode("utf-8"),
                            headers={"Content-Type": "application/yaml"}, account=True)

    def account_of(self, token: str) -> str:
        """The account a TMC bearer token maps to (in isolated mode, its own, made on first use)."""
        return self.request("POST", "/accounts", json={"token": token}, headers={ROUTE_HEADER: token})["id"]

    def for_account(self, account_id: str | None) -> Control:
        """The same server's control plane, bound to one account (None: the server's default)."""
        return Control(self._session, self.url, account=account_id, control_token=self.control_token)

    def for_token(self, token: str) -> Control:
        """Bound to the account a TMC token maps to: what a test needs on a server in isolated mode. Its calls
        carry the token as X-Mocktmc-Token too, so that behind a balancer (a fleet, deploy/) they reach the
        server that holds the account, as the token's own TMC calls do."""
        return Control(self._session, self.url, account=self.account_of(token), control_token=self.control_token,
                       route_token=token)

    def report(self, *, token: str | None = None, since: int | None = None) -> dict:
        """The client report (GET /_mocktmc/report): {findings: [{rule, severity, seqs, message}], rules, ...}
        over this control's account (or the server's whole journal when unbound), or over one bearer `token`'s
        calls, after seq `since` (a bound journal's clear() point when not given)."""
        return self.request("GET", "/report", params={"token": token,
                                                      "since": since if since is not None else self.journal._since},
                            account=True)

    def close(self) -> None:
        """Close the HTTP connections this control keeps open."""
        self._session.close()

    def __repr__(self) -> str:
        bound = f", account={self.account!r}" if self.account else ""
        return f"{type(self).__name__}({self.url!r}{bound})"


class ClockControl:
    """The mock clock. A control bound to an account (`for_account`, `for_token`, the plugin's `mocktmc_control`)
    reads and moves that account's clock only: moving it gives the account a clock of its own, so tests sharing a
    server never move each other's time. An unbound control moves the server clock, which every account follows
    until it has its own."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def get(self) -> dict:
        """{now, nowMs, rate, frozen}."""
        return self._control.request("GET", "/clock", account=True)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.get()["now"].replace("Z", "+00:00"))

    def advance(self, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0, *,
                to: datetime | str | int | None = None) -> dict:
        """Move mock time forward (or `to` a moment); the answer counts runsStarted and misfires."""
        if to is not None:
            return self._control.request("POST", "/clock/advance", json={"to": _iso(to)}, account=True)
        total = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days).total_seconds()
        return self._control.request("POST", "/clock/advance", json={"seconds": total}, account=True)

    def set(self, now: datetime | str | int | None = None, rate: float | None = None) -> dict:
        """Set the time (forward only) and/or the rate (mock seconds per real second; 0 freezes)."""
        return self._control.request("PUT", "/clock", json=_fields({"now": None if now is None else _iso(now),
                                                                    "rate": rate}), account=True)

    def freeze(self) -> dict:
        return self._control.request("POST", "/clock/freeze", account=True)

    def resume(self) -> dict:
        return self._control.request("POST", "/clock/resume", account=True)


class Behaviors:
    """What a task's next runs do: outcome, phase durations, rows, error, log lines, a sequence."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def set(self, task_id: str, outcome: str | None = None, *, durations: Mapping[str, float] | None = None,
            processed_rows: int | None = None, rejected_rows: int | None = None, error_type: str | None = None,
            error_message: str | None = None, log_lines: list[Any] | None = None,
            sequence: list[Mapping[str, Any]] | None = None, **more: Any) -> dict:
        """Store a behavior; snake_case keywords (also inside `sequence` items) become the JSON's camelCase."""
        body = _fields({"outcome": outcome, "durations": durations, "processed_rows": processed_rows,
                        "rejected_rows": rejected_rows, "error_type": error_type, "error_message": error_message,
                        "log_lines": log_lines, **more})
        if sequence is not None:
            body["sequence"] = [_fields(step) for step in sequence]
        return self._control.request("PUT", f"/behaviors/tasks/{task_id}", json=body, account=True)

    def get(self, task_id: str) -> dict:
        return self._control.request("GET", f"/behaviors/tasks/{task_id}", account=True)

    def clear(self, task_id: str) -> None:
        """Back to the behavior the fixture world gives the task."""
        self._control.request("DELETE", f"/behaviors/tasks/{task_id}", account=True)


class Faults:
    """Injected failures: a status (429 with Retry-After, 500, ...), latency or a dropped connection."""

    def __init__(self, control: Control) -> None:
        self._control = control
        self.added: list[str] = []  # ids of the rules this object added and has not removed

    def add(self, method: str | None = None, path: str | None = None, status: int | None = None, *,
            retry_after: int | None = None, latency: float | None = None, drop: bool | None = None,
            probability: float | None = None, times: int | None = None, seed: int | None = None,
            account: str | None = None, **more: Any) -> dict:
        """Add a rule (`path`: exact, or `*` for one segment, `**` for any); the answer carries its `id`, and
        `status=429, retry_after=N` is the rate limit clients must honour. A bound control scopes it to its account."""
        body = _fields({"method": method, "path": path, "status": status, "retry_after": retry_after,
                        "latency": latency, "drop": drop, "probability": probability, "times": times,
                        "seed": seed, "account": account or self._control.account, **more})
        rule = self._control.request("POST", "/faults", json=body)
        self.added.append(rule["id"])
        return rule

    def list(self) -> list[dict]:
        rules = self._control.request("GET", "/faults")
        if self._control.account is None:
            return rules
        return [rule for rule in rules if rule.get("account") == self._control.account]

    def remove(self, fault_id: str) -> None:
        self._control.request("DELETE", f"/faults/{fault_id}")
        if fault_id in self.added:
            self.added.remove(fault_id)

    def clear(self) -> None:
        """Every rule; a bound control removes only its account's, leaving other tests' rules alone."""
        if self._control.account is None:
            self._control.request("DELETE", "/faults")
            self.added.clear()
            return
        for rule in self.list():
            self.remove(rule["id"])


class Journal:
    """The requests the server answered (TMC API and control plane alike), to check what a client did."""

    def __init__(self, control: Control) -> None:
        self._control = control
        self._since: int | None = None  # a bound journal's clear(): only entries after this seq are shown

    def requests(self, method: str | None = None, path: str | None = None, status: int | None = None,
                 account: str | None = None) -> list[dict]:
        """Entries {seq, time, method, path, query, status, fault, account, body, ...}, oldest first, filtered by
        the server (`path`: exact or a pattern, `*` one segment, `**` any); a bound journal shows its account."""
        return self._control.request("GET", "/requests", params={
            "method": method, "path": path, "status": status, "account": account or self._control.account,
            "since": self._since})

    def assert_called(self, method: str, path: str, times: int | None = None, json: Any = None) -> list[dict]:
        """The calls matching `method` and `path` (exact or a pattern), with `json` as body if given: `times` of
        them, or at least one. On failure the AssertionError lists what was called instead, which is what one
        needs to see to fix the client or the test (the control plane's own calls left out)."""
        seen = [entry for entry in self.requests()
                if not entry["path"].startswith("/_mocktmc/") or path.startswith("/_mocktmc/")]
        matching = [entry for entry in seen if entry["method"].upper() == method.upper()
                    and globs.matches(path, entry["path"]) and (json is None or entry.get("body") == json)]
        if (len(matching) == times) if times is not None else bool(matching):
            return matching
        wanted = f"{method.upper()} {path}" + (f" with body {jsonlib.dumps(json)}" if json is not None else "")
        count = f"{times} time(s)" if times is not None else "at least once"
        lines = [f"expected {wanted} {count}, found {len(matching)}; the journal holds {len(seen)} request(s):"]
        lines += [f"  #{entry['seq']} {_journal_line(entry)}" for entry in seen]
        raise AssertionError("\n".join(lines))

    def clear(self) -> None:
        """Forget what was received. A bound journal only moves past its entries so far: the server's journal is
        shared with other tests, whose entries must stay."""
        if self._control.account is None:
            self._control.request("DELETE", "/requests")
            return
        self._since = max((entry["seq"] for entry in self.requests()), default=self._since or 0)


def _journal_line(entry: Mapping[str, Any]) -> str:
    query = entry.get("query")
    if isinstance(query, Mapping):
        query = urlencode(query, doseq=True)
    outcome = "dropped" if entry.get("status") is None else str(entry["status"])
    body = entry.get("body")
    return (f"{entry['method']} {entry['path']}{'?' + query if query else ''} -> {outcome}"
            + (f" {jsonlib.dumps(body)}" if body not in (None, "") else ""))


class Tokens:
    """Credentials the account accepts, for testing clients against `auth='strict'`."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def personal(self, user: str | None = None) -> dict:
        """A personal access token for a user (login or id; default: the account's first): {token, accountId,
        userId}."""
        return self._control.request("POST", "/tokens", json=_fields({"user": user}), account=True)

    def service_account(self, name: str) -> dict:
        """A service account whose {clientId, clientSecret} /security/oauth/token exchanges for a token."""
        return self._control.request("POST", "/service-accounts", json={"name": name}, account=True)


class Permissions:
    """Roles and workspace permissions, so that a client's handling of 403 can be tested in one line:
    `mock.permissions.revoke(token, workspace=ws)` and the next call on that workspace is refused.

    `principal` is a user (id or login), a service account (id or name), or a token the mock issued or the
    fixture declares. Roles are TMC_* names (TMC_OPERATOR, ...); permissions VIEW, EXECUTE, AUTHOR, MANAGE,
    PUBLISH on one workspace. Each call answers what the principal may do afterwards."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def grant(self, principal: str, *, roles: Sequence[str] = (), workspace: str | None = None,
              permissions: Sequence[str] = (), administrator: bool = False) -> dict:
        """Give roles, permission types on `workspace`, or (administrator=True) everything."""
        return self._control.request("POST", "/permissions", json=_fields({
            "principal": principal, "roles": list(roles), "workspace": workspace,
            "permissions": list(permissions), "administrator": administrator or None}), account=True)

    def revoke(self, principal: str, *, roles: Sequence[str] = (), workspace: str | None = None,
               permissions: Sequence[str] | None = None, administrator: bool = False) -> dict:
        """Take roles, permission types on `workspace` (all of them when `permissions` is None), or the
        administrator's everything away."""
        return self._control.request("DELETE", "/permissions", json=_fields({
            "principal": principal, "roles": list(roles), "workspace": workspace,
            "permissions": None if permissions is None else list(permissions),
            "administrator": administrator or None}), account=True)

    def get(self, principal: str | None = None) -> list[dict]:
        """What every principal of the account (or the one named) may do."""
        return self._control.request("GET", "/permissions", params={"principal": principal}, account=True)

    def table(self) -> dict[str, dict]:
        """The server's permissions table: operationId -> {roles (any of), permission, locate, target, evidence}."""
        return self._control.request("GET", "/permissions/table")


def connect(url: str, *, control_token: str | None = None, account: str | None = None) -> Control:
    """The control plane of a mocktmc server running elsewhere (`mocktmc serve`, the Docker image)."""
    return Control(requests.Session(), url, account=account, control_token=control_token)


class _Server(Protocol):
    """What serve() uses of the server waitress' create_server answers for one host and port (a TcpWSGIServer).
    types-waitress types it as MultiSocketServer | BaseWSGIServer, leaves out effective_port, and types
    active_channels and trigger wrongly (they are a dict of channels and a trigger object)."""
    effective_port: int
    active_channels: dict[int, Any]
    trigger: Any
    task_dispatcher: Any

    def run(self) -> None: ...

    def close(self) -> None: ...


class MockTMC(Control):
    """A mock TMC in this process: a fresh world per instance, its clock frozen unless asked otherwise.

    Other keyword arguments are Settings fields; `MockTMC(defects=["wrong_type"])` switches on deliberate
    bugs (`mocktmc defects` lists them), to prove that a contract suite catches them.

    `build_app` makes the app from the Settings (default: `mocktmc.app.create_app`). A suite that makes many
    mocks can pass one that lends an app built earlier with the same settings and put back as new with
    `mocktmc.app.reset_app`: building the URL map is most of what a new mock costs.
    """

    def __init__(self, fixtures: str | os.PathLike[str] | Mapping[str, Any] = "default", clock: str = "frozen",
                 seed: int = 0, auth: str = "open", start: datetime | str | None = None,
                 validate: str = "requests", *, token: str = DEFAULT_TOKEN,
                 build_app: Callable[[Settings], Any] | None = None, **settings: Any) -> None:
        from .app import create_app
        from .config import Settings

        if isinstance(start, str):
            from .domain.common.timeutil import parse_iso
            start = parse_iso(start)
        world, source = (fixtures, "empty") if isinstance(fixtures, Mapping) else (None, os.fspath(fixtures))
        self.settings = Settings(fixtures=source, clock=clock, seed=seed, auth=auth, start=start, validate=validate,
                                 **settings)
        self.app = (build_app or create_app)(self.settings)
        self.token = token
        session = requests.Session()
        session.mount(IN_PROCESS_URL + "/", WSGITransport(self.app))
        super().__init__(session, IN_PROCESS_URL, control_token=self.settings.control_token)
        if world is not None:
            self.load_fixtures(world)

    def client(self, token: str | None = None) -> requests.Session:
        """A requests session the in-process app answers, sending `Authorization: Bearer <token>`.

        Paths ('/processing/executions') are taken relative to `.url`. In auth='isolated' mode each token is
        its own account: use `for_token(token)` to script that account.
        """
        session = BaseURLSession(self.url)
        session.mount(self.url + "/", WSGITransport(self.app))
        session.headers["Authorization"] = f"Bearer {token or self.token}"
        return session

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0, threads: int = 4, *, connection_limit: int = 1000,
              channel_timeout: int = 60) -> Iterator[str]:
        """This same app on a real socket (a free port by default), for clients that need a URL.

        Yields the base URL; the server stops when the block ends. Control calls keep going in-process and
        act on the same state. `connection_limit` and `channel_timeout` are `mocktmc serve`'s options.
        """
        from waitress.server import create_server

        from .config import waitress_limits
        from .control.faults import set_workers

        set_workers(self.app, threads)
        server = cast(_Server, create_server(self.app, host=host, port=port, threads=threads, ident="mocktmc",
                                             **waitress_limits(connection_limit, channel_timeout)))
        thread = threading.Thread(target=server.run, name=f"mocktmc-{server.effective_port}", daemon=True)
        thread.start()
        shown = f"[{host}]" if ":" in host else host
        try:
            yield f"http://{shown}:{server.effective_port}"
        finally:
            # Closed from the server's own loop, which the trigger wakes at once: the workers first (a worker
            # finishing a request pulls the trigger, which server.close() closes), then the listener and the
            # kept-alive connections (server.close() alone leaves those, and run() would go on serving them).
            def stop() -> None:
                server.task_dispatcher.shutdown()
                server.close()
                for channel in list(server.active_channels.values()):
                    channel.close()

            server.trigger.pull_trigger(stop)
            thread.join(timeout=10)
