"""`mocktmc import`: read a TMC account through its public API and write it as a fixture world.

The import is a client like any other (DESIGN: no second path into a world): it sends GETs only, pages
through every list, paces itself and retries what a busy service refuses, and maps what it read onto the
fixture format `mocktmc serve --fixtures` loads (mocktmc/domain/fixtures.py), keeping ids, names and the
links between objects. What the format cannot hold is listed in the summary with the reason, and secrets
never reach the file: encrypted connection parameters, parameters whose name says they hold a secret and
engines' pre-authorized keys are replaced by a marker.
"""
from __future__ import annotations

import base64
import email.utils
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import requests
import yaml

from .domain.definitions.artifacts import ARTIFACT_TYPES
from .domain.definitions.environments import WORKSPACE_TYPES
from .domain.executables.plans import STEP_CONDITIONS
from .domain.fixtures import FixtureError, parse_fixture
from .domain.model.executables import LOG_LEVELS, RUNTIME_TYPES
from .domain.model.runtimes import RUN_PROFILE_TYPES
from .domain.runtimes.pipeline_engines import PROFILE_TYPES
from .domain.scheduling.schedules import SCHEDULE_TRIGGER_TYPES
from .domain.scheduling.triggers import check_trigger
from .errors import TMCError

# What a secret's value reads in the written world, so that a person sees at once what to fill in.
REDACTED = "REDACTED-BY-MOCKTMC-IMPORT"
# Parameter names that hold a secret even when the service does not flag them as encrypted.
_SECRET_NAME = re.compile(r"pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
                          r"credential", re.IGNORECASE)
PAGE_LIMIT = 100  # the largest page every paged list of the 2021-03 families takes
MAX_HISTORY_DAYS = 60  # how far back the run lists reach, and what a fixture's history may span
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A chart step's status is the condition under which the plan goes on (api/serialize.py writes the same table).
_CONDITION_OF_STATUS = {"SUCCESS": "ALL_SUCCEEDED", "PARTIAL_SUCCESS": "AT_LEAST_ONE_SUCCEEDED",
                        "PROCEED": "ALWAYS_PROCEED_ON"}


class UsageProblem(ValueError):
    """Options that cannot work (exit 2)."""


class TenantError(RuntimeError):
    """The TMC could not be reached, refused us, or kept failing after every retry (exit 1)."""


@dataclass(frozen=True)
class ImportOptions:
    url: str
    output: Path
    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    history_days: int = 0
    rate: float = 8.0  # requests a second; 0 sends as fast as the service answers
    retries: int = 5
    max_wait: float = 60.0  # the longest single wait before a retry, whatever Retry-After asks
    timeout: float = 30.0
    quiet: bool = False


def check_options(options: ImportOptions) -> None:
    """Refuse contradictory or incomplete options before a single request."""
    parts = urlsplit(options.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageProblem(f"--url must be the API's base URL, e.g. https://api.eu.cloud.talend.com, "
                           f"not {options.url!r}")
    if options.token and (options.client_id or options.client_secret):
        raise UsageProblem("give either --token or --client-id/--client-secret, not both")
    if not options.token and not (options.client_id and options.client_secret):
        if options.client_id or options.client_secret:
            raise UsageProblem("--client-id and --client-secret go together: give both")
        raise UsageProblem("a credential is needed: --token, or --client-id with --client-secret")
    if not 0 <= options.history_days <= MAX_HISTORY_DAYS:
        raise UsageProblem(f"--history-days is between 0 and {MAX_HISTORY_DAYS} (how far the run lists reach)")
    if options.rate < 0:
        raise UsageProblem("--rate is a number of requests a second, 0 for no pacing")
    if options.output.is_dir():
        raise UsageProblem(f"-o {options.output} is a directory; give the file to write")


# --- the HTTP client -------------------------------------------------------------------------------------

class TMCReader:
    """GETs against a TMC: bearer auth (renewed before a service-account token runs out), pacing, retries."""

    def __init__(self, options: ImportOptions, *, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 log: Callable[[str], None] = lambda _: None) -> None:
        self.base = options.url.rstrip("/")
        self.options = options
        self.session = session or requests.Session()  # tests hand in one an in-process mock answers
        self.session.headers["Accept"] = "application/json"
        self.sleep, self.clock, self.log = sleep, clock, log
        self.requests = 0  # every request sent, retries and token requests included
        self.retried = 0
        self._next_slot = 0.0
        self._token = options.token
        self._token_expires: float | None = None  # monotonic time; None for a token we were given

    # Pacing: one request every 1/rate seconds, so a long import stays under the service's per-endpoint limit.
    def _pace(self) -> None:
        if self.options.rate <= 0:
            return
        now = self.clock()
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + 1.0 / self.options.rate

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request with retries on 429, 5xx and broken connections, waiting as Retry-After asks (bounded)."""
        url = f"{self.base}{path}"
        for attempt in range(self.options.retries + 1):
            self._pace()
            self.requests += 1
            try:
                response = self.session.request(method, url, timeout=self.options.timeout, **kwargs)
            except requests.RequestException as exc:
                if attempt == self.options.retries:
                    raise TenantError(f"cannot reach {self.base}: {_reason(exc)}") from None
                wait = self._backoff(attempt)
                self.log(f"{method} {path}: {_reason(exc)}; retrying in {wait:g} s")
            else:
                if response.status_code not in RETRY_STATUSES or attempt == self.options.retries:
                    return response
                wait = min(self.options.max_wait, _retry_after(response) or self._backoff(attempt))
                self.log(f"{method} {path}: {response.status_code}; retrying in {wait:g} s")
            self.retried += 1
            self.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        return min(self.options.max_wait, 0.5 * 2 ** attempt)

    def _authorization(self) -> str:
        if self.options.token:
            return f"Bearer {self.options.token}"
        # Renewed a minute before it runs out (service-account tokens last 30 minutes), never mid-request.
        if self._token is None or (self._token_expires is not None and self.clock() >= self._token_expires - 60):
            self._fetch_token()
        return f"Bearer {self._token}"

    def _fetch_token(self) -> None:
        """Client credentials for a service-account token at /security/oauth/token (a POST that changes nothing)."""
        basic = base64.b64encode(f"{self.options.client_id}:{self.options.client_secret}".encode()).decode()
        response = self._send("POST", "/security/oauth/token", headers={"Authorization": f"Basic {basic}"},
                              json={"grant_type": "client_credentials", "audience": self.base})
        if response.status_code != 200:
            raise TenantError(f"the TMC refused the client credentials: {_status_line(response)}")
        try:
            body = response.json()
            self._token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 1800))  # a number or a string, depending on the service
        except (ValueError, KeyError, TypeError):
            raise TenantError("the token endpoint answered without an access_token") from None
        self._token_expires = self.clock() + expires_in
        self.log(f"service-account token obtained (valid {expires_in:g} s)")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON body of a 200; TenantError for anything else (a 401 or 403 named as such)."""
        response = self._send("GET", path, params=params, headers={"Authorization": self._authorization()})
        if response.status_code == 401 and self._token_expires is not None:
            self._token = None  # expired early, or revoked: one more try with a fresh token
            response = self._send("GET", path, params=params, headers={"Authorization": self._authorization()})
        if response.status_code != 200:
            raise Refused(path, response)
        try:
            return response.json()
        except ValueError:
            raise TenantError(f"GET {path} answered {response.status_code} without a JSON body") from None

    def items(self, path: str, params: dict[str, Any] | None = None,
              progress: Callable[[int, int | None], None] | None = None) -> Iterator[dict]:
        """Every item of a list: a bare array, or {items, limit, offset, total} paged until total is reached."""
        offset = 0
        while True:
            body = self.get(path, {**(params or {}), "offset": offset, "limit": PAGE_LIMIT})
            if isinstance(body, list):
                yield from body
                if progress:
                    progress(len(body), len(body))
                return
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise TenantError(f"GET {path} answered neither a list nor a page")
            page = body["items"]
            yield from page
            offset += len(page)
            total = body.get("total")
            if progress:
                progress(offset, total if isinstance(total, int) else None)
            # Stop at the total; an empty page ends a list whose total is missing or wrong.
            if not page or (isinstance(total, int) and offset >= total):
                return


class Refused(TenantError):
    """A GET answered with an error status (after retries)."""

    def __init__(self, path: str, response: requests.Response) -> None:
        self.path, self.status = path, response.status_code
        super().__init__(f"GET {path} answered {_status_line(response)}")


def _status_line(response: requests.Response) -> str:
    names = {401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found", 429: "429 Too Many Requests"}
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("detail") or body.get("message") or body.get("error_description") or "")
    except ValueError:
        pass
    head = names.get(response.status_code, f"{response.status_code} {response.reason or ''}".strip())
    return f"{head}{': ' + detail if detail else ''}"


def _reason(exc: Exception) -> str:
    text = str(exc)
    # requests nests urllib3's reason deep in its message; the last clause is the one a person needs.
    match = re.search(r"\[Errno -?\d+\] ([^')\"]+)|(Connection refused)|(timed out)", text)
    return next((g for g in match.groups() if g), text) if match else text.split(":")[-1].strip() or text


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# --- the mapping ---------------------------------------------------------------------------------------

@dataclass
class Report:
    """What was read, what could not be mapped (and why), which secrets were left out."""
    read: Counter = field(default_factory=Counter)
    unmapped: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def skip(self, what: str, why: str) -> None:
        self.unmapped.append(f"{what}: {why}")


def _label(kind: str, item: dict, key: str = "id") -> str:
    name = item.get("name")
    return f"{kind} {name!r} ({item.get(key)})" if name else f"{kind} {item.get(key)}"


def _is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def _redact(value: Any, where: str, report: Report) -> Any:
    """A copy of a JSON value with every value under a secret-looking key replaced by the marker."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if _is_secret(str(key)) and item not in (None, "", [], {}):
                report.secrets.append(f"{where} field {key}")
                out[key] = REDACTED
            else:
                out[key] = _redact(item, where, report)
        return out
    if isinstance(value, list):
        return [_redact(item, where, report) for item in value]
    return value


def _extra(kind_label: str, item: dict, handled: set[str], report: Report,
           defaults: dict[str, Any] | None = None) -> None:
    """List every field the fixture format has no place for, unless it holds its default (nothing lost)."""
    defaults = defaults or {}
    for key, value in item.items():
        if key in handled or value in (None, "", [], {}) or defaults.get(key, object()) == value:
            continue
        # The summary is output too: a field that looks like a secret is named, never shown.
        shown = "a secret, not shown" if _is_secret(str(key)) else f"value {_short(value)}"
        report.skip(f"{kind_label} field {key}", f"the fixture format has no place for it ({shown})")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Fields that the service computes or repeats from elsewhere: not lost when a served world recomputes them.
_DERIVED = {"createDate", "updateDate", "workspace", "workspaceInfo", "environment", "environmentId", "executable"}


class Importer:
    """Reads the account kind by kind (environments first: include/exclude are decided on them) and builds the
    fixture document."""

    def __init__(self, reader: TMCReader, options: ImportOptions, progress: Callable[[str], None]) -> None:
        self.reader, self.options, self.say = reader, options, progress
        self.report = Report()
        self.envs: dict[str, dict] = {}  # id -> fixture environment
        self.workspaces: dict[str, dict] = {}  # id -> fixture workspace
        self.ws_env: dict[str, str] = {}  # workspace id -> environment id
        self.artifacts: dict[str, tuple[str, dict]] = {}  # id -> (workspace id, fixture artifact)
        self.connections: dict[str, str] = {}  # id -> workspace id
        self.tasks: dict[str, str] = {}  # id -> workspace id
        self.plans: dict[str, str] = {}  # id -> workspace id
        self.engines: dict[str, tuple[str, dict]] = {}  # id -> (environment id, fixture engine)
        self.users: dict[str, dict] = {}  # login -> fixture user
        self.projects: list[dict] = []
        # REMOTE_ENGINE runtimes of tasks (label, workspace id, runtime), settled once engines are read.
        self.engine_runtimes: list[tuple[str, str, dict]] = []
        # What --include/--exclude left out: objects there are skipped without a word (they were asked out).
        self.filtered_envs: set[str] = set()
        self.filtered_ws: set[str] = set()

    def count(self, kind: str, n: int = 1) -> None:
        self.report.read[kind] += n

    def listing(self, kind: str, path: str, params: dict | None = None) -> Iterator[dict]:
        def progress(done: int, total: int | None) -> None:
            self.say(f"{kind}: {done}/{total}" if total is not None else f"{kind}: {done}")
        for item in self.reader.items(path, params, progress):
            self.count(kind)
            yield item

    def optional(self, kind: str, read: Callable[[], None]) -> None:
        """A kind the token may not be allowed to read (403) or the tenant may not have (404): the rest goes on."""
        try:
            read()
        except Refused as exc:
            if exc.status in (401,):
                raise
            self.report.skip(f"every {kind}", f"not read: {exc}")

    def run(self) -> dict:
        self.read_environments()
        for kind, read in (("artifact", self.read_artifacts), ("connection", self.read_connections),
                           ("resource", self.read_resources), ("task", self.read_tasks),
                           ("plan", self.read_plans), ("remote engine", self.read_remote_engines),
                           ("cluster", self.read_clusters), ("pipeline engine", self.read_pipeline_engines),
                           ("schedule", self.read_schedules), ("project", self.read_projects)):
            self.optional(kind, read)
        promotions: list[dict] = []
        self.optional("promotion", lambda: promotions.extend(self.read_promotions()))
        history: dict | None = None
        if self.options.history_days:
            runs: list[dict] = []
            self.optional("run", lambda: runs.extend(self.read_history()))
            history = {"days": self.options.history_days, "runs": runs}
        document: dict[str, Any] = {}
        if self.users:
            document["users"] = list(self.users.values())
        document["environments"] = list(self.envs.values())
        if promotions:
            document["promotions"] = promotions
        if self.projects:
            document["projects"] = self.projects
        if history is not None:
            document["history"] = history
        return document

    # -- environments and workspaces, and what include/exclude keep --------------------------------------

    def read_environments(self) -> None:
        environments = list(self.listing("environments", "/orchestration/environments"))
        workspaces = list(self.listing("workspaces", "/orchestration/workspaces"))
        env_by_id = {e["id"]: e for e in environments}
        for value in (*self.options.include, *self.options.exclude):
            if not any(value in (x.get("id"), x.get("name")) for x in (*environments, *workspaces)):
                raise UsageProblem(f"--include/--exclude {value!r} names no environment or workspace of this account")

        def named(item: dict, values: tuple[str, ...]) -> bool:
            return item.get("id") in values or item.get("name") in values

        kept_ws = []
        for ws in workspaces:
            env = env_by_id.get((ws.get("environment") or {}).get("id"))
            if env is None:
                self.report.skip(_label("workspace", ws), "its environment is not among the environments listed")
                continue
            if (self.options.include and not (named(ws, self.options.include) or named(env, self.options.include))) \
                    or named(ws, self.options.exclude) or named(env, self.options.exclude):
                self.filtered_ws.add(ws["id"])
                continue
            kept_ws.append((ws, env))
        kept_env_ids = {env["id"] for _, env in kept_ws}
        for env in environments:
            whole = (not self.options.include or named(env, self.options.include)) \
                and not named(env, self.options.exclude)
            if not whole and env["id"] not in kept_env_ids:
                self.filtered_envs.add(env["id"])
                continue
            item = {"id": env["id"], "name": env["name"]}
            for key in ("description", "default", "maxCloudContainers"):
                if env.get(key) not in (None, ""):
                    item[key] = env[key]
            _extra(_label("environment", env), env, {"id", "name", "description", "default",
                                                     "maxCloudContainers"}, self.report)
            self.envs[env["id"]] = item
        if self.filtered_envs or self.filtered_ws:
            self.report.skip(f"{len(self.filtered_envs)} environment(s) and {len(self.filtered_ws)} workspace(s), "
                             "with what is in them", "left out by --include/--exclude")
        for ws, env in kept_ws:
            item = {"id": ws["id"], "name": ws["name"]}
            if ws.get("type") in WORKSPACE_TYPES:
                item["type"] = ws["type"]
            elif ws.get("type"):
                self.report.skip(_label("workspace", ws) + " field type", f"{ws['type']!r} is not a workspace type "
                                 f"mocktmc knows ({', '.join(WORKSPACE_TYPES)}); imported as custom")
            if ws.get("description"):
                item["description"] = ws["description"]
            if ws.get("owner"):
                item["owner"] = self.user(ws["owner"])
            if ws.get("protectedArtifactUpdate"):
                item["protectedArtifactUpdate"] = True
            _extra(_label("workspace", ws), ws, _DERIVED | {"id", "name", "type", "description", "owner",
                                                           "protectedArtifactUpdate"}, self.report)
            self.envs[env["id"]].setdefault("workspaces", []).append(item)
            self.workspaces[ws["id"]] = item
            self.ws_env[ws["id"]] = env["id"]

    def user(self, login: str) -> str:
        """Users are known by login only (the public API lists none); an owner becomes a user of the world."""
        self.users.setdefault(login, {"login": login})
        return login

    def workspace_of(self, item: dict, key: str = "workspace") -> str | None:
        """The id of the item's workspace when it is imported; None (the item skipped) when excluded."""
        ws = item.get(key) or {}
        return ws.get("id") if ws.get("id") in self.workspaces else None

    def excluded(self, item: dict, key: str = "workspace") -> bool:
        """True for an item of a workspace left out by --include/--exclude (not reported: it was asked for)."""
        return (item.get(key) or {}).get("id") in self.filtered_ws

    # -- workspace contents ------------------------------------------------------------------------------

    def read_artifacts(self) -> None:
        for art in list(self.listing("artifacts", "/orchestration/artifacts")):
            ws_id = self.workspace_of(art)
            if ws_id is None:
                if not self.excluded(art):
                    self.report.skip(_label("artifact", art), "its workspace is not imported")
                continue
            versions = []
            description = ""
            for version in art.get("versions") or []:
                detail = self.reader.get(f"/orchestration/artifacts/{art['id']}/versions/{version}")
                self.count("artifact versions")
                description = detail.get("description") or description
                parameters = {}
                for p in detail.get("parameters") or []:
                    if p.get("value") is None:
                        continue
                    if _is_secret(str(p.get("name", ""))):
                        self.report.secrets.append(f"{_label('artifact', art)} version {version} parameter {p['name']}")
                        parameters[p["name"]] = REDACTED
                    else:
                        parameters[p["name"]] = str(p["value"])
                versions.append({"version": version, "parameters": parameters} if parameters else version)
            if not versions:
                self.report.skip(_label("artifact", art), "it has no version; a fixture artifact needs one")
                continue
            item: dict[str, Any] = {"id": art["id"], "name": art["name"]}
            if art.get("type") in ARTIFACT_TYPES:
                item["type"] = art["type"]
            elif art.get("type"):
                self.report.skip(_label("artifact", art) + " field type",
                                 f"{art['type']!r} is not an artifact type mocktmc knows; imported as standard")
            if description:
                item["description"] = description
            item["versions"] = versions
            _extra(_label("artifact", art), art, _DERIVED | {"id", "name", "type", "versions", "description"},
                   self.report)
            self.workspaces[ws_id].setdefault("artifacts", []).append(item)
            self.artifacts[art["id"]] = (ws_id, item)

    def read_connections(self) -> None:
        for conn in self.listing("connections", "/orchestration/connections"):
            ws_id = self.workspace_of(conn)
            if ws_id is None:
                if not self.excluded(conn):
                    self.report.skip(_label("connection", conn), "its workspace is not imported")
                continue
            parameters = []
            for p in conn.get("parameters") or []:
                name = str(p.get("name", ""))
                out: dict[str, Any] = {"name": name}
                if p.get("encrypted") or _is_secret(name):
                    # Never copied, even when the service sends it; the marker says what to fill in.
                    self.report.secrets.append(f"{_label('connection', conn)} parameter {name}")
                    out.update(value=REDACTED, encrypted=True)
                elif p.get("value") is not None:
                    out["value"] = str(p["value"])
                parameters.append(out)
            item: dict[str, Any] = {"id": conn["id"], "name": conn["name"], "app": conn.get("app") or "unknown"}
            if not conn.get("app"):
                self.report.skip(_label("connection", conn) + " field app", "missing; imported as 'unknown'")
            if parameters:
                item["parameters"] = parameters
            _extra(_label("connection", conn), conn, _DERIVED | {"id", "name", "app", "parameters"}, self.report)
            self.workspaces[ws_id].setdefault("connections", []).append(item)
            self.connections[conn["id"]] = ws_id

    def read_resources(self) -> None:
        for res in self.listing("resources", "/orchestration/resources"):
            ws_id = self.workspace_of(res, "workspaceInfo")
            if ws_id is None:
                if not self.excluded(res, "workspaceInfo"):
                    self.report.skip(_label("resource", res), "its workspace is not imported")
                continue
            item = {"id": res["id"], "name": res["name"]}
            if res.get("description"):
                item["description"] = res["description"]
            # The public API uploads a resource's file but has no operation that downloads it.
            self.report.skip(_label("resource", res) + " content",
                             "the public API cannot download a resource's file; imported empty")
            _extra(_label("resource", res), res, _DERIVED | {"id", "name", "description", "file"}, self.report)
            self.workspaces[ws_id].setdefault("resources", []).append(item)

    def read_tasks(self) -> None:
        extracts = list(self.listing("tasks", "/orchestration/executables/tasks"))
        done = 0
        for extract in extracts:
            done += 1
            if done % 100 == 0:
                self.say(f"task details: {done}/{len(extracts)}")
            task_id = str(extract.get("id") or extract.get("executable"))
            ws_id = self.workspace_of(extract)
            if ws_id is None:
                if not self.excluded(extract):
                    self.report.skip(_label("task", extract, "executable"), "its workspace is not imported")
                continue
            detail = self.reader.get(f"/orchestration/executables/tasks/{task_id}")
            config = self.reader.get(f"/orchestration/executables/tasks/{task_id}/run-config")
            self.count("task run-configs")
            item = self.task(task_id, ws_id, detail, config)
            if item is not None:
                self.workspaces[ws_id].setdefault("tasks", []).append(item)
                self.tasks[task_id] = ws_id

    def task(self, task_id: str, ws_id: str, detail: dict, config: dict) -> dict | None:
        label = _label("task", {**detail, "id": task_id})
        artifact = detail.get("artifact") or {}
        if artifact.get("id") not in self.artifacts or self.artifacts[artifact["id"]][0] != ws_id:
            self.report.skip(label, f"its artifact {artifact.get('id')} is not imported in its workspace")
            return None
        item: dict[str, Any] = {"id": task_id, "name": detail["name"]}
        if detail.get("description"):
            item["description"] = detail["description"]
        if detail.get("version"):
            item["version"] = detail["version"]
        item["artifact"] = artifact["id"]
        if artifact.get("version"):
            item["artifactVersion"] = artifact["version"]
        if detail.get("tags"):
            item["tags"] = list(detail["tags"])
        parameters = {}
        for key, value in (detail.get("parameters") or {}).items():
            if _is_secret(key):
                self.report.secrets.append(f"{label} parameter {key}")
                parameters[key] = REDACTED
            else:
                parameters[key] = str(value)
        if parameters:
            item["parameters"] = parameters
        connections = {}
        for key, conn_id in (detail.get("connections") or {}).items():
            if self.connections.get(conn_id) == ws_id:
                connections[key] = conn_id
            else:
                self.report.skip(f"{label} connection {key}", f"connection {conn_id} is not imported in its workspace")
        if connections:
            item["connections"] = connections
        if detail.get("resources"):
            item["resources"] = {k: str(v) for k, v in detail["resources"].items()}
        auto = detail.get("autoUpgradeInfo") or {}
        if auto.get("autoUpgradable"):
            item["autoUpgradable"] = True
        if auto.get("overrideWithDefaultParameters"):
            self.report.skip(f"{label} field autoUpgradeInfo.overrideWithDefaultParameters",
                             "the fixture format has no place for it (value True)")
        pause = detail.get("taskPauseDetails") or {}
        if pause.get("pause"):
            item["paused"] = {"pauseContext": pause["pauseContext"]} if pause.get("pauseContext") else True
            if pause.get("user"):
                self.report.skip(f"{label} pause user", f"{pause['user']} is a user id the public API gives no login "
                                                        "for; the served world's first user paused it")
        _extra(label, detail, _DERIVED | {"id", "name", "description", "version", "artifact", "tags", "parameters",
                                         "connections", "resources", "autoUpgradeInfo", "taskPauseDetails"},
               self.report)
        runtime = self.runtime(label, ws_id, config.get("runtime") or {"type": "CLOUD"})
        if runtime != {"type": "CLOUD"}:
            item["runtime"] = runtime
        if config.get("logLevel") in LOG_LEVELS and config["logLevel"] != "WARN":
            item["logLevel"] = config["logLevel"]
        elif config.get("logLevel") not in (None, "WARN"):
            self.report.skip(f"{label} field logLevel", f"{config['logLevel']!r} is not a level mocktmc knows")
        if config.get("parallelExecutionAllowed"):
            item["parallelExecutionAllowed"] = True
        if isinstance(config.get("timeout"), int) and config["timeout"] >= 1:
            item["timeout"] = config["timeout"]
        trigger = self.trigger(label, config.get("trigger"))
        if trigger is not None:
            item["trigger"] = trigger
        _extra(f"{label} run-config", config, {"trigger", "runtime", "logLevel", "parallelExecutionAllowed",
                                               "timeout"}, self.report,
               defaults={"deploymentStrategy": "PARALLEL", "lineage": False})
        return item

    def runtime(self, label: str, ws_id: str, runtime: dict) -> dict:
        kind = runtime.get("type")
        if kind not in RUNTIME_TYPES:
            self.report.skip(f"{label} runtime", f"{kind!r} is not a runtime mocktmc simulates; imported as CLOUD")
            return {"type": "CLOUD"}
        out = {k: runtime[k] for k in ("type", "id", "runProfileId") if runtime.get(k)}
        # A remote engine is checked when the world loads; engines are read after tasks, so a REMOTE_ENGINE
        # runtime is settled once they are (see settle_engine_runtimes).
        if kind == "REMOTE_ENGINE":
            self.engine_runtimes.append((label, ws_id, out))
        return out

    def trigger(self, label: str, trigger: dict | None) -> dict | None:
        """A task's or plan's own trigger, as the loader checks it. MULTIPLE says a schedule is linked, which the
        schedule's own import restores. MANUAL is kept when it carries a start date: the service dates a manual
        trigger from the task's creation, which a served world would otherwise date from the day it was built."""
        if not trigger or trigger.get("type") == "MULTIPLE" or (trigger.get("type") == "MANUAL"
                                                                and not trigger.get("startDate")):
            return None
        out = dict(trigger)
        if isinstance(out.get("webhook"), dict):
            out["webhook"] = {k: v for k, v in out["webhook"].items() if k != "url"}  # the server's own address
        try:
            check_trigger(out)
        except TMCError as exc:
            self.report.skip(f"{label} trigger", f"the mock cannot take it: {exc.detail}")
            return None
        return out

    def read_plans(self) -> None:
        extracts = list(self.listing("plans", "/orchestration/executables/plans"))
        for extract in extracts:
            plan_id = str(extract.get("executable") or extract.get("id"))
            ws_id = self.workspace_of(extract)
            label = _label("plan", {**extract, "id": plan_id})
            if ws_id is None:
                if not self.excluded(extract):
                    self.report.skip(label, "its workspace is not imported")
                continue
            detail = self.reader.get(f"/orchestration/executables/plans/{plan_id}")
            config = self.reader.get(f"/orchestration/executables/plans/{plan_id}/run-config")
            steps = []
            node = detail.get("chart")
            missing = None
            while node:
                step: dict[str, Any] = {"id": node.get("abstractStepId") or node["id"], "name": node["name"],
                                        "tasks": list(node.get("taskIds") or [])}
                condition = _CONDITION_OF_STATUS.get(node.get("status", "SUCCESS"))
                if condition not in STEP_CONDITIONS:
                    missing = f"step {node['name']!r} has a status {node.get('status')!r} mocktmc does not know"
                elif condition != "ALL_SUCCEEDED":
                    step["condition"] = condition
                handler = node.get("stepOnException") or {}
                if handler.get("taskIds"):
                    step["onFailure"] = list(handler["taskIds"])
                if node.get("note"):
                    step["note"] = node["note"]
                for task_id in (*step["tasks"], *step.get("onFailure", [])):
                    if self.tasks.get(task_id) != ws_id:
                        missing = f"its task {task_id} (step {node['name']!r}) is not imported in its workspace"
                steps.append(step)
                node = node.get("nextStep")
            if missing or not steps:
                self.report.skip(label, missing or "it has no step; a fixture plan needs one")
                continue
            item: dict[str, Any] = {"id": plan_id, "name": detail["name"]}
            if detail.get("description"):
                item["description"] = detail["description"]
            item["steps"] = steps
            trigger = self.trigger(label, config.get("trigger"))
            if trigger is not None:
                item["trigger"] = trigger
            if config.get("parallelExecutionAllowed"):
                item["parallelExecutionAllowed"] = True
            if (detail.get("planPauseDetails") or {}).get("pause"):
                self.report.skip(f"{label} pause", "a fixture plan cannot be paused; imported running")
            _extra(label, detail, _DERIVED | {"name", "description", "chart", "planPauseDetails"}, self.report)
            _extra(f"{label} run-config", config, {"trigger", "parallelExecutionAllowed"}, self.report)
            self.workspaces[ws_id].setdefault("plans", []).append(item)
            self.plans[plan_id] = ws_id

    # -- environment-level objects -----------------------------------------------------------------------

    def read_remote_engines(self) -> None:
        engines = list(self.listing("remote engines", "/processing/runtimes/remote-engines"))
        # An engine outside every workspace names no environment; asking per environment places it.
        homeless = [e for e in engines if not (e.get("workspace") or {}).get("id")]
        env_of: dict[str, str] = {}
        if homeless:
            for home in self.envs:
                for e in self.reader.items("/processing/runtimes/remote-engines",
                                           {"query": f"environmentId=={home}"}):
                    env_of[e["id"]] = home
        for engine in engines:
            label = _label("remote engine", engine)
            ws = engine.get("workspace") or {}
            env_id: str | None = (ws.get("environment") or {}).get("id") or env_of.get(engine["id"])
            if env_id not in self.envs:
                if env_id not in self.filtered_envs:
                    self.report.skip(label, "its environment is not imported" if env_id else
                                     "its environment cannot be told")
                continue
            item = self.engine_item(label, engine, ws)
            if ws.get("id") and ws["id"] not in self.workspaces:
                self.report.skip(f"{label} workspace", f"workspace {ws['id']} is not imported; imported without one")
            profiles_types = [t for t in engine.get("runProfiles") or [] if t in RUN_PROFILE_TYPES]
            if engine.get("runProfiles") is not None and sorted(profiles_types) != sorted(RUN_PROFILE_TYPES):
                item["runProfiles"] = profiles_types
            profiles = self.run_profiles(label, f"/processing/runtimes/remote-engines/{engine['id']}/run-profiles",
                                         item.get("runProfiles", RUN_PROFILE_TYPES))
            if profiles:
                item["profiles"] = profiles
            _extra(label, engine, _DERIVED | {"id", "name", "description", "status", "runProfiles", "preAuthorizedKey",
                                             "runtimeId", "availability", "managed", "clusterId"}, self.report)
            self.envs[env_id].setdefault("remoteEngines", []).append(item)
            self.engines[engine["id"]] = (env_id, item)
        self.settle_engine_runtimes()

    def settle_engine_runtimes(self) -> None:
        """A task on an engine that is not imported in its environment would stop the world loading: CLOUD."""
        for label, ws_id, runtime in self.engine_runtimes:
            engine = self.engines.get(runtime.get("id", ""))
            if engine is None or engine[0] != self.ws_env[ws_id]:
                self.report.skip(f"{label} runtime", f"remote engine {runtime.get('id')} is not imported in its "
                                                     "environment; imported as CLOUD")
                runtime.clear()
                runtime["type"] = "CLOUD"
        self.engine_runtimes = []

    def run_profiles(self, owner_label: str, path: str, types: list[str] | tuple[str, ...]) -> list[dict]:
        out = []
        for profile in self.reader.items(path):
            self.count("run profiles")
            label = f"{owner_label} {_label('run profile', profile)}"
            kind = profile.get("type") or profile.get("runProfileType")
            if kind not in types:
                self.report.skip(label, f"type {kind!r} is not one its owner takes in mocktmc")
                continue
            item: dict[str, Any] = {"id": profile["id"], "name": profile["name"], "type": kind}
            if profile.get("description"):
                item["description"] = profile["description"]
            if profile.get("jvmArguments"):
                item["jvmArguments"] = [str(a) for a in profile["jvmArguments"]]
            _extra(label, profile, _DERIVED | {"id", "name", "type", "description", "jvmArguments", "runtimeId",
                                              "version", "processorId", "processorType", "runProfileType",
                                              "scopeId", "workspaceId"}, self.report)
            out.append(item)
        return out

    def read_clusters(self) -> None:
        for cluster in list(self.listing("clusters", "/processing/runtimes/remote-engine-clusters")):
            label = _label("cluster", cluster)
            ws_id = self.workspace_of(cluster)
            if ws_id is None:  # said even when --exclude asked for it: its engines are imported without it
                self.report.skip(label, "its workspace is not imported (a fixture cluster needs one)")
                continue
            env_id = self.ws_env[ws_id]
            detail = self.reader.get(f"/processing/runtimes/remote-engine-clusters/{cluster['id']}")
            members = [e for e in detail.get("engines") or [] if e in self.engines and self.engines[e][0] == env_id]
            if len(members) != len(detail.get("engines") or []):
                self.report.skip(f"{label} engines", "some member engines are not imported in its environment")
            if not members:
                self.report.skip(label, "none of its engines is imported; a fixture cluster needs one")
                continue
            item: dict[str, Any] = {"id": cluster["id"], "name": cluster["name"]}
            if cluster.get("description"):
                item["description"] = cluster["description"]
            item["workspace"] = ws_id
            item["engines"] = members
            self.report.skip(f"{label} field runtimeId", "the fixture format generates its own")
            profiles = self.run_profiles(label, f"/processing/runtimes/remote-engine-clusters/{cluster['id']}"
                                                f"/run-profiles", RUN_PROFILE_TYPES)
            if profiles:
                item["profiles"] = profiles
            _extra(label, cluster, _DERIVED | {"id", "name", "description", "runtimeId", "availability", "managed",
                                              "engines"}, self.report)
            self.envs[env_id].setdefault("clusters", []).append(item)

    def engine_item(self, label: str, engine: dict, ws: dict) -> dict[str, Any]:
        """What a remote and a pipeline engine share in the fixture: id, name, description, workspace (when
        imported), whether paired; their pre-authorized key and runtimeId are left out, and the summary says so."""
        item: dict[str, Any] = {"id": engine["id"], "name": engine["name"]}
        if engine.get("description"):
            item["description"] = engine["description"]
        if ws.get("id") in self.workspaces:
            item["workspace"] = ws["id"]
        if engine.get("status") == "NOT_PAIRED":
            item["paired"] = False
        if engine.get("preAuthorizedKey"):
            self.report.secrets.append(f"{label} preAuthorizedKey (the served engine gets a new one)")
        self.report.skip(f"{label} field runtimeId", "the fixture format generates its own")
        return item

    def read_pipeline_engines(self) -> None:
        for engine in list(self.listing("pipeline engines", "/processing/runtimes/pipeline-engines")):
            label = _label("pipeline engine", engine)
            ws = engine.get("workspace") or {}
            env_id = (ws.get("environment") or {}).get("id")
            if env_id not in self.envs:
                if env_id not in self.filtered_envs:
                    self.report.skip(label, "its environment is not imported" if env_id else
                                     "it is in no workspace, so its environment cannot be told")
                continue
            item = self.engine_item(label, engine, ws)
            profiles = []
            for profile in self.reader.items(f"/processing/runtimes/pipeline-engines/{engine['id']}/run-profiles"):
                self.count("pipeline run profiles")
                kind = profile.get("type")
                if kind not in PROFILE_TYPES:
                    self.report.skip(f"{label} {_label('run profile', profile)}", f"type {kind!r} is unknown")
                    continue
                detail = self.reader.get(f"/processing/runtimes/pipeline-engines/{engine['id']}/run-profiles/"
                                         f"{kind}/{profile['id']}")
                fields = {k: v for k, v in detail.items()
                          if k not in ("id", "type", "engineId", "createDate", "updateDate")}
                fields = _redact(fields, f"{label} {_label('run profile', profile)}", self.report)
                profiles.append({"id": profile["id"], "type": kind, **fields, "name": profile["name"]})
            if profiles:
                item["profiles"] = profiles
            _extra(label, engine, _DERIVED | {"id", "name", "description", "status", "preAuthorizedKey", "runtimeId",
                                             "availability", "managed", "cloudRunner", "runStatus"}, self.report)
            self.envs[env_id].setdefault("pipelineEngines", []).append(item)

    def read_schedules(self) -> None:
        for schedule in list(self.listing("schedules", "/orchestration/schedules")):
            label = _label("schedule", schedule)
            env_id = schedule.get("environmentId")
            if env_id not in self.envs:
                if env_id not in self.filtered_envs:
                    self.report.skip(label, "its environment is not imported")
                continue
            detail = self.reader.get(f"/orchestration/schedules/{schedule['id']}")
            triggers = []
            for trigger in detail.get("triggers") or []:
                if trigger.get("type") not in SCHEDULE_TRIGGER_TYPES:
                    self.report.skip(f"{label} trigger {trigger.get('name')!r}",
                                     f"type {trigger.get('type')!r} is not a schedule trigger mocktmc knows")
                    continue
                try:
                    check_trigger({"timeZone": "UTC", **trigger})
                except TMCError as exc:
                    self.report.skip(f"{label} trigger {trigger.get('name')!r}", f"the mock cannot take it: "
                                                                                  f"{exc.detail}")
                    continue
                triggers.append(dict(trigger))
            if not triggers:
                self.report.skip(label, "none of its triggers can be imported; a fixture schedule needs one")
                continue
            item: dict[str, Any] = {"id": schedule["id"]}
            if detail.get("description"):
                item["description"] = detail["description"]
            item["triggers"] = triggers
            executable, kind = detail.get("executableId"), str(detail.get("executableType") or "").lower()
            known = {"task": self.tasks, "plan": self.plans}.get(kind, {})
            if executable and known.get(executable) and self.ws_env[known[executable]] == env_id:
                item[kind] = executable
            elif executable:
                self.report.skip(f"{label} link", f"its {kind or 'executable'} {executable} is not imported in its "
                                                  "environment; imported unlinked")
            _extra(label, detail, _DERIVED | {"id", "description", "triggers", "executableId", "executableType"},
                   self.report)
            self.envs[env_id].setdefault("schedules", []).append(item)

    def read_promotions(self) -> list[dict]:
        out = []
        for promotion in self.listing("promotions", "/orchestration/executables/promotions"):
            label = _label("promotion", promotion, "executable")
            source = (promotion.get("sourceEnvironment") or {}).get("id")
            target = (promotion.get("targetEnvironment") or {}).get("id")
            if source not in self.envs or target not in self.envs:
                if not {source, target} & self.filtered_envs:
                    self.report.skip(label, "its source or target environment is not imported")
                continue
            item = {"id": promotion["executable"], "name": promotion["name"]}
            if promotion.get("description"):
                item["description"] = promotion["description"]
            item.update(source=source, target=target)
            _extra(label, promotion, _DERIVED | {"name", "description", "sourceEnvironment", "targetEnvironment"},
                   self.report)
            out.append(item)
        return out

    def read_projects(self) -> None:
        for project in list(self.listing("projects", "/orchestration/projects")):
            label = _label("project", project)
            if not project.get("url"):
                self.report.skip(label, "it has no repository url; a fixture project needs one")
                continue
            item: dict[str, Any] = {"id": project["id"], "name": project["name"]}
            if project.get("description"):
                item["description"] = project["description"]
            if project.get("owner"):
                item["owner"] = self.user(project["owner"])
            item["url"] = project["url"]
            groups = self.reader.get(f"/orchestration/projects/{project['id']}/groups").get("groupIds") or []
            if groups:
                item["groups"] = list(groups)
            users = self.reader.get(f"/orchestration/projects/{project['id']}/users").get("userIds") or []
            if users:
                self.report.skip(f"{label} users", f"{len(users)} user ids: the public API does not say their "
                                                   "logins, which a fixture user needs")
            _extra(label, project, _DERIVED | {"id", "name", "description", "owner", "url", "author",
                                              "technicalLabel", "projectType", "repoType"}, self.report)
            self.projects.append(item)

    # -- history -----------------------------------------------------------------------------------------

    def read_history(self) -> list[dict]:
        """Runs a person or a client started; scheduled and plan-started runs come back by themselves when the
        served world replays its schedules, triggers and plans, so they are counted, not copied."""
        today = datetime.now(timezone.utc)
        days = self.options.history_days
        runs: list[tuple[str, dict]] = []
        skipped: Counter = Counter()
        for kind, path, key in (("task", "/processing/executables/tasks/executions", "taskId"),
                                ("plan", "/processing/executables/plans/executions", "planId")):
            known = self.tasks if kind == "task" else self.plans
            for run in self.listing(f"{kind} runs", path, {"lastDays": days}):
                started = run.get("triggerTimestamp") or run.get("startTimestamp")
                if run.get("executionType") in ("SCHEDULED", "PLAN"):
                    skipped[f"{kind} runs started by a schedule, trigger or plan (the served world replays them)"] += 1
                    continue
                if run.get(key) not in known:
                    skipped[f"{kind} runs of a {kind} that is not imported"] += 1
                    continue
                if not started:
                    skipped[f"{kind} runs without a start time"] += 1
                    continue
                at = datetime.fromisoformat(str(started).replace("Z", "+00:00"))
                days_ago = (today.date() - at.date()).days
                if not 0 <= days_ago < days:
                    skipped[f"{kind} runs outside the last {days} days"] += 1
                    continue
                runs.append((str(started), {kind: run[key], "daysAgo": days_ago, "at": at.strftime("%H:%M")}))
        for why, n in sorted(skipped.items()):
            self.report.skip(f"{n} {why}", "not copied into history.runs")
        if runs:
            self.report.skip("run outcomes", "a replayed run takes its task's behavior (success unless set), not "
                             "the outcome it had; promotion runs are not listed by the public API")
        return [run for _, run in sorted(runs, key=lambda entry: entry[0])]


# --- the command --------------------------------------------------------------------------------------

def render(document: dict, options: ImportOptions, report: Report) -> str:
    header = [f"# Imported by `mocktmc import` from {options.url} on "
              f"{datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}.",
              "# Serve it with: mocktmc serve --fixtures <this file>   (any bearer token is accepted in the default",
              "# --auth open mode: no token or secret of the account is copied).",
              f"# Secrets are not copied: {len(report.secrets)} value(s) read {REDACTED}; set them by hand if a "
              "client needs them."]
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    return "\n".join(header) + "\n" + body


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Outcome:
    report: Report
    requests: int
    retried: int
    seconds: float


def import_tenant(options: ImportOptions, *, err: TextIO = sys.stderr, session: requests.Session | None = None,
                  sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Read the account, write the world, check that it loads; UsageProblem or TenantError otherwise."""
    check_options(options)
    started = time.monotonic()

    def say(line: str) -> None:
        if not options.quiet:
            print(f"mocktmc import: {line}", file=err, flush=True)

    reader = TMCReader(options, session=session, sleep=sleep, log=say)
    importer = Importer(reader, options, say)
    try:
        document = importer.run()
    except Refused as exc:
        if exc.status in (401, 403):
            raise TenantError(f"the TMC at {reader.base} refused the credential: {exc}") from None
        raise
    text = render(document, options, importer.report)
    try:
        parse_fixture(text, str(options.output))
    except FixtureError as exc:  # a mapping this module got wrong: say so rather than write a world that cannot load
        raise TenantError(f"the imported world would not load (please report it): {exc}") from None
    write_atomically(options.output, text)
    return Outcome(importer.report, reader.requests, reader.retried, time.monotonic() - started)


def summary(outcome: Outcome, options: ImportOptions) -> str:
    report = outcome.report
    rate = outcome.requests / outcome.seconds if outcome.seconds else 0.0
    lines = [f"mocktmc import: wrote {options.output} from {options.url} in {outcome.seconds:.1f} s "
             f"({outcome.requests} requests, {outcome.retried} retried, {rate:.1f}/s)", "read:"]
    width = max((len(kind) for kind in report.read), default=0)
    lines += [f"  {kind:<{width}}  {n}" for kind, n in report.read.items()]
    lines.append(f"secrets not copied ({len(report.secrets)}; they read {REDACTED}):")
    lines += [f"  {item}" for item in report.secrets] or ["  none"]
    lines.append(f"not mapped ({len(report.unmapped)}):")
    lines += [f"  {item}" for item in report.unmapped] or ["  nothing"]
    return "\n".join(lines)
