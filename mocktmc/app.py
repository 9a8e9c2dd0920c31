"""create_app: wires blueprints, per-request hooks and the one place errors are rendered."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask.sansio.app import App
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface
from flask.wrappers import Request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.sansio.response import Response as BaseResponse

from .api import access_log, context, throttle
from .api.authorization import check_permissions
from .control import access as control_access, faults, journal, state_dir
from .api.context import MockState
from .control.contracts import bp as contracts_bp
from .proxy.report import bp as proxy_report_bp
from .control.dashboard import bp as dashboard_bp
from .control.pages import bp as pages_bp
from .api.legacy import install as install_legacy
from .control.routes import bp as control_bp
from .control.permissions import bp as control_permissions_bp
from .control.runs import bp as control_runs_bp
from .control.state import StateLimitRequest, bp as control_state_bp
from .api.monitoring.history import bp as history_bp
from .api.monitoring.logs import bp as logs_bp
from .api.monitoring.metrics import bp as metrics_bp
from .api.orchestration.artifacts import bp as artifacts_bp
from .api.orchestration.connections import bp as connections_bp
from .api.orchestration.environments import bp as environments_bp
from .api.orchestration.events import bp as events_bp
from .api.orchestration.plans import bp as plans_bp
from .api.orchestration.projects import bp as projects_bp
from .api.orchestration.promotions import bp as promotions_bp
from .api.orchestration.resources import bp as resources_bp
from .api.orchestration.run_configs import bp as run_configs_bp
from .api.orchestration.schedules import bp as schedules_bp
from .api.orchestration.tasks import bp as tasks_bp
from .api.orchestration.workspaces import bp as workspaces_bp
from .api.body_fields import contract_fields
from .api.request_checks import check_request, operation_rules
from .api.request_limits import check_request_limits
from .api.processing.clusters import bp as clusters_bp
from .api.processing.engines import bp as engines_bp
from .api.processing.pipeline_engines import bp as pipeline_engines_bp
from .api.processing.run_profiles import bp as run_profiles_bp
from .api.processing.executions import bp as executions_bp
from .api.processing.plan_executions import bp as plan_executions_bp
from .api.processing.promotion_executions import bp as promotion_executions_bp
from .api.account import bp as account_bp
from .api.audit import bp as audit_bp, record_change
from .api.security import bp as security_bp
from .api.security_permissions import bp as security_permissions_bp
from .clock import VirtualClock
from .config import Settings
from .defects import install as install_defects
from .domain.accounts import Accounts
from .domain.fixtures import WorldSpec, load_fixture
from .domain.world_templates import WorldTemplates
from .errors import InternalError, NotImplementedYet, TMCError, error_for_status
from .inventory import NOT_IMPLEMENTED_HEADER, published_route
from .quirks import QUIRKS, in_effect
from .families import ContractViolation

log = logging.getLogger("mocktmc")

# Paths served to TMC clients with a bearer token; the token endpoint (/security/oauth/token, client credentials)
# and the control plane are not.
API_PREFIXES = ("/orchestration/", "/processing/", "/monitoring/", "/tmc/", "/account/", "/security/workspaces/",
                "/security/permissions", "/security/service-accounts/", "/security/audit/")
BLUEPRINTS = (
    # Orchestration
    environments_bp, workspaces_bp, artifacts_bp, connections_bp, tasks_bp, run_configs_bp, plans_bp,
    promotions_bp, projects_bp, resources_bp, events_bp, schedules_bp,
    # Processing, Monitoring, Security
    executions_bp, plan_executions_bp, promotion_executions_bp, engines_bp, clusters_bp, run_profiles_bp,
    pipeline_engines_bp, logs_bp, history_bp, metrics_bp, security_bp, security_permissions_bp,
    account_bp, audit_bp,
    # mocktmc's own
    control_bp, control_state_bp, control_runs_bp, control_permissions_bp, contracts_bp, faults.bp, journal.bp,
    pages_bp, dashboard_bp,  # the landing page and the API browser; the dashboard
    proxy_report_bp,  # what a proxy (serve --proxy) found; a 404 on the mock
)


class _JSONProvider(DefaultJSONProvider):
    sort_keys = False  # keep the published field order

    def __init__(self, app: App) -> None:
        super().__init__(app)
        # One encoder for every answer (json.dumps with arguments makes a new one per call), compact as Flask
        # writes it out of debug mode, whatever the mode.
        self._encoder = json.JSONEncoder(default=self.default, ensure_ascii=self.ensure_ascii,
                                         sort_keys=self.sort_keys, separators=(",", ":"))

    def response(self, *args: Any, **kwargs: Any) -> BaseResponse:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(f"{self._encoder.encode(obj)}\n", mimetype=self.mimetype)


class _LazyBuilderRule(Rule):
    """A URL rule whose two URL builders are compiled when first used. Werkzeug compiles them (Python code made
    and compiled per rule) when a rule is added: for mocktmc's 351 rules that was more than half of create_app
    and a quarter of a cold start, for builders only url_for uses, which the mock hardly does."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: Callable[..., tuple[str, str]] | None = None

        def build(*args: Any, **kwargs: Any) -> tuple[str, str]:  # bound to the rule by werkzeug, as its own is
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(self, append_unknown)
            return compiled(*args, **kwargs)
        return build


class _NoSessions(SessionInterface):
    """TMC clients carry bearer tokens, never cookies: no session is opened or saved (Flask would make a null
    session for every request, as no secret key is set)."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def make_null_session(self, app: Flask) -> None:  # type: ignore[override]
        return None

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


class _MockTMCFlask(Flask):
    """OPTIONS is not a published operation: it gets the 405 whose Allow lists the published methods, not
    Flask's automatic answer, which merges every rule the path happens to match. Refused per rule, because
    Flask 3.0 has no PROVIDE_AUTOMATIC_OPTIONS setting (3.1 added it) and mocktmc supports both."""

    json_provider_class = _JSONProvider
    request_class = StateLimitRequest  # the state endpoint's body limit is its own (--state-limit)
    url_rule_class = _LazyBuilderRule
    session_interface = _NoSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks, for every hook and view of every request, whether it is a coroutine function (about a
        tenth of a poll's time in inspect); the answer for a function never changes."""
        try:
            return self._sync[func]
        except (KeyError, TypeError):  # TypeError: an unhashable callable, asked each time as Flask does
            synced = super().ensure_sync(func)
        try:
            self._sync[func] = synced
        except TypeError:
            pass
        return synced

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options=False, **options)


def create_app(settings: Settings | None = None, *, clock: VirtualClock | None = None,
               spec: WorldSpec | None = None) -> Flask:
    """The mock TMC as a WSGI app: `clock` and `spec` (the parsed fixture world) default to what the settings say.

    reset_app puts an app back to how this left it, so that one app can serve test after test."""
    settings = settings or Settings()
    spec = spec or load_fixture(settings.fixtures)
    app = _MockTMCFlask("mocktmc")
    # No body may be larger than an upload (or a JSON body, should that limit be the larger) plus room for its
    # multipart framing (413 above it); JSON bodies have their own, smaller limit (api/request_limits.py).
    app.config["MAX_CONTENT_LENGTH"] = max(settings.upload_limit, settings.json_limit) + 1024 * 1024
    quirks = in_effect(settings.fidelity)
    if "quirks_reversed" in settings.defects:  # a deliberate bug: the behaviour the fidelity does not say
        quirks = frozenset(QUIRKS) - quirks

    templates = WorldTemplates()  # kept across resets: a reset app copies the worlds it built before

    def fresh_state(given_clock: VirtualClock | None = None) -> MockState:
        ticking = given_clock or VirtualClock(start=settings.start, rate=settings.clock_rate)
        return MockState(settings, ticking, Accounts(spec, ticking, settings.auth, settings.seed, settings.defects,
                                                     quirks, retention=settings.retention_window,
                                                     templates=templates))

    # A clock given here is the built app's; a reset app gets a new one, as the settings say.
    context.keep_fresh(app, "mocktmc", fresh_state, first=fresh_state(clock) if clock is not None else None)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    install_legacy(app)  # after the 2021-03 handlers it delegates to
    # The access log, the journal and faults come first: a fault acts before authentication, validation and
    # the world. After-hooks run in reverse order, so the access log's and the journal's run last and see
    # what the client got.
    app.after_request(_depart)  # registered first, so it runs last, on the answer as it leaves
    app.before_request(_arrive)
    if settings.throttle:
        throttle.install(app, settings.throttle)
        app.before_request(throttle.check)
    contract_fields()  # what the handlers read bodies by, whatever --validate says: now, not on the first request
    if settings.validate != "off":
        operation_rules()  # compile the checks now, not on the first request
        app.before_request(_check_request)
    app.before_request(_check_permissions)  # after the contract checks: a malformed request is a 400 first
    if settings.defects:
        # Deliberate bugs (defects.py): their before-hook runs once the world is locked and the request checked;
        # their after-hook is registered before _check_response, so it runs after it: --validate all checks
        # the world's own answer, and the defect's answer reaches the client as the defect made it, not as a
        # 500 "contract broken". The journal's hook, registered first, still runs last and records it.
        install_defects(app, settings.defects)
    if settings.validate == "all":
        app.after_request(_check_response)
    app.after_request(_record_change)  # runs before the response check: it records what the world answered
    app.teardown_request(_leave_world)
    app.register_error_handler(TMCError, _render_tmc_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(Exception, _render_unexpected)
    if settings.proxy:  # a validating proxy: the TMC API is the service's (mocktmc/proxy/), called from _arrive
        from .proxy import forwarding as proxy_forwarding  # requests: imported by a proxy only
        proxy_forwarding.install(app, settings.proxy, connections=settings.threads, timeout=settings.proxy_timeout,
                                 body_limit=app.config["MAX_CONTENT_LENGTH"], record=settings.record)
    if settings.state_dir:  # last: its after-hook runs first, while the request's world is still known
        state_dir.attach(app, settings.state_dir, settings.state_interval)
    return app


def reset_app(app: Flask) -> None:
    """Put an app create_app built back to how it left it, as if it had just been built with the same settings.

    The accounts get their fixture world again (as `POST /_mocktmc/reset` gives it, on the world the app was
    built with even after `POST /_mocktmc/fixtures`), with no tokens but the fixture's and request ids from
    the start; the clock is back at the configured start and rate; the journal is empty and numbered from 1;
    no fault rule, throttle count or defect ghost is left. What is costly to build and never changes while
    serving (the URL map, the hooks, the compiled contract checks) is kept: that is what makes it worth
    reusing one app across tests. Not while the app is answering requests."""
    context.reset_state(app)


_PHRASES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def _arrive() -> Response | None:
    """before_request, first of all: the access log's start and the journal's arrival time, then the control
    plane's caller (access.py), then a fault rule (which may delay, answer or drop the request before
    authentication), then the limits every request is held to (a JSON body's size, a URL that is UTF-8), then the
    caller's world; on a proxy (--proxy), the service's answer in place of the world's."""
    flags, req, extensions = g._get_current_object(), _current_request(), current_app.extensions  # one lookup each
    mock: MockState = extensions["mocktmc"]
    access_log.note_start(flags)
    journal.note_arrival(flags, mock.clock.now())
    control_access.check_caller(req, flags, mock)  # the control token before anything reads the request
    answer = faults.inject(extensions[faults.REGISTRY])
    if answer is not None:
        return answer
    check_request_limits(req, mock.settings.json_limit)
    if mock.settings.proxy:  # a proxy answers the TMC API with the service's answer, never the world's
        from .proxy import forwarding as proxy_forwarding
        forwarded = proxy_forwarding.answer(req, flags)
        if forwarded is not None:
            return forwarded
    _enter_world(flags, req, mock)
    return None


def _depart(response: Response) -> Response:
    """after_request, last of all: the fault's name on the answer, then the journal and the access log record
    the request as the client gets it, with its standard head."""
    flags, req = g._get_current_object(), _current_request()  # one lookup each
    response = journal.record(faults.mark_faulted(response, flags), flags, req)
    return _standard_head(access_log.record(response))


def _standard_head(response):
    """The status line clients print: the standard reason phrase ("400 Bad Request"; Werkzeug writes it in
    capitals); and no Content-Type on an answer without a body (Flask would say text/html)."""
    standard = _PHRASES.get(response.status_code)
    if standard is not None and response.status != standard:
        response.status = standard
    if response.is_sequence and not any(response.response) and response.mimetype == "text/html":
        del response.headers["Content-Type"]
    return response


def _enter_world(flags: Any, req: Request, mock: MockState) -> None:
    """Authenticate the caller, lock its world, and settle the world to the request's mock time."""
    if not req.path.startswith(API_PREFIXES):
        return
    accounts = mock.accounts
    world, principal, checked = accounts.identify(req.environ.get("HTTP_AUTHORIZATION"))
    world.lock.acquire()
    flags.mocktmc_world = world
    flags.mocktmc_principal = principal
    flags.mocktmc_checked = checked  # whether its roles and permissions apply (api/authorization.py)
    flags.mocktmc_now = now = accounts.clock_of(world).now()
    world.settle(now)


def _check_request() -> None:
    check_request(_current_request())


def _record_change(response: Response) -> Response:
    record_change(_current_request(), response)
    return response


def _check_permissions() -> None:
    check_permissions(_current_request())


def _current_request() -> Request:
    """The request itself, not its proxy: a hook that reads it often pays the context lookup once."""
    return request._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as a Request


def _check_response(response):
    """--validate all: a response that breaks its contract is a bug in mocktmc; say so instead."""
    if NOT_IMPLEMENTED_HEADER in response.headers or faults.replaced_response() or g.get("mocktmc_proxied"):
        return response  # an unbuilt operation, a fault's answer, or the service's (the proxy checks it)
    try:
        from .validation import check_response  # openapi-core: imported only by a server that checks responses
        check_response(request.method, request.path, request.query_string.decode("latin-1"), response)
    except ContractViolation as violation:
        log.error("response breaks its contract: %s", violation)
        return _render_tmc_error(InternalError(f"mocktmc's response broke its contract: {violation}"[:2000]))
    return response


def _leave_world(_exc: BaseException | None) -> None:
    world = g._get_current_object().pop("mocktmc_world", None)  # one context lookup, not two
    if world is not None:
        world.lock.release()


def _render_tmc_error(err: TMCError):
    legacy = request.path.startswith("/tmc/")
    body = err.body(context.state().accounts.next_request_id(), legacy=legacy, url=request.path)
    response = jsonify(body)
    response.status_code = err.status
    response.headers.update(err.headers)
    return response


def _render_http_exception(exc: HTTPException):
    """Routing errors (unknown path, wrong method, ...) in the TMC error shape, never HTML.

    A request no handler takes but that names a published operation is a 501 that says so; a
    method neither the handlers nor the published documents have for a path is a 405.
    """
    if exc.code not in (404, 405):
        return _render_tmc_error(error_for_status(exc.code or 500, exc.description or ""))
    operation, published_methods = published_route(request.path, request.method)
    if operation is not None:
        return _render_tmc_error(NotImplementedYet(
            f"{operation.method} {operation.path} ({operation.operation_id}) is part of the published TMC "
            f"API but mocktmc does not simulate it yet; see the implemented-operations table",
            headers={NOT_IMPLEMENTED_HEADER: operation.operation_id}))
    # A published path advertises its published methods; /tasks/search, say, also matches the
    # /tasks/{taskId} rule, whose methods it does not publish.
    allowed = sorted(published_methods or set(getattr(exc, "valid_methods", None) or ()))
    if not allowed:
        return _render_tmc_error(error_for_status(404, f"No operation at {request.method} {request.path}"))
    err = error_for_status(405, f"{request.method} is not allowed on {request.path}; allowed: {', '.join(allowed)}")
    err.headers["Allow"] = ", ".join(allowed)
    return _render_tmc_error(err)


def _render_unexpected(exc: Exception):
    log.exception("unexpected error handling %s %s", request.method, request.path)
    return _render_tmc_error(InternalError("An unexpected error occurred in mocktmc; "
                                           "the server log has the details"))
