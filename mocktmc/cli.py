"""The command line: `mocktmc serve`, `routes`, `health`, `defects`, `contract`, `report`, `import`, `diff`,
`quirks`. Serve options also read MOCKTMC_*."""
from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import urllib.request

import click

from . import __version__, server_log
from .kit.command import contract as contract_command
from .config import AUTH_MODES, VALIDATE_MODES, Settings, is_loopback, waitress_limits
from . import client_report as reports
from .quirks import FIDELITIES, QUIRKS
from .defect_catalog import DEFECTS
from .domain.fixtures import FixtureError
from .domain.common.timeutil import parse_iso


class _ClockMode(click.ParamType):
    name = "real|frozen|rate:N"

    def convert(self, value, param, ctx):
        try:
            Settings(clock=value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return value


class _Rate(click.ParamType):
    name = "N/s"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().removesuffix("/s")
        try:
            rate = float(text)
            Settings(throttle=rate)
        except ValueError:
            self.fail(f"{value!r} is not a rate such as 10/s (0 switches throttling off)", param, ctx)
        return rate


class _Timestamp(click.ParamType):
    name = "ISO-8601"

    def convert(self, value, param, ctx):
        try:
            return parse_iso(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 date-time (e.g. 2024-01-31T09:00:00Z)", param, ctx)


def _option(*names, envvar: str, **kwargs):
    return click.option(*names, envvar=envvar, show_envvar=True, show_default=True, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mocktmc")
def main() -> None:
    """mocktmc: a faithful, stateful, in-memory Talend Management Console API."""


@main.command()
@_option("--host", envvar="MOCKTMC_HOST", default="127.0.0.1", help="Interface to listen on.")
@_option("--port", envvar="MOCKTMC_PORT", default=8080, type=click.IntRange(0, 65535),
         help="Port to listen on; 0 picks a free port (the URL is printed).")
@_option("--fixtures", envvar="MOCKTMC_FIXTURES", default="default",
         help="Fixture world: a YAML file, or a bundled world name (default, empty).")
@_option("--clock", envvar="MOCKTMC_CLOCK", default="real", type=_ClockMode(),
         help="Mock time: real (1x, still movable), frozen, or rate:N (N x real time).")
@_option("--start", envvar="MOCKTMC_START", default=None, type=_Timestamp(),
         help="Mock time at start-up; default: now.")
@_option("--auth", envvar="MOCKTMC_AUTH", default="open", type=click.Choice(AUTH_MODES),
         help="open: any bearer token; isolated: an account per token; strict: known tokens only.")
@_option("--seed", envvar="MOCKTMC_SEED", default=0, type=int, help="Seed for generated ids.")
@_option("--threads", envvar="MOCKTMC_THREADS", default=8, type=click.IntRange(1, 256),
         help="Worker threads serving requests.")
@_option("--connection-limit", envvar="MOCKTMC_CONNECTION_LIMIT", default=1000, type=click.IntRange(1),
         help="Open connections accepted at once; past it new ones wait in the listen backlog.")
@_option("--channel-timeout", envvar="MOCKTMC_CHANNEL_TIMEOUT", default=60, type=click.IntRange(1),
         help="Seconds an idle or half-sent connection is kept open.")
@_option("--validate", envvar="MOCKTMC_VALIDATE", default="requests", type=click.Choice(VALIDATE_MODES),
         help="Check requests (and with 'all' also responses) against the contracts.")
@_option("--upload-limit", envvar="MOCKTMC_UPLOAD_LIMIT", default=10 * 1024 * 1024, type=click.IntRange(1),
         help="Largest resource file an upload may carry, in bytes (413 above it).")
@_option("--json-limit", envvar="MOCKTMC_JSON_LIMIT", default=1024 * 1024, type=click.IntRange(1),
         help="Largest JSON request body, in bytes (413 above it); snapshots and fixture worlds excepted.")
@_option("--control-token", envvar="MOCKTMC_CONTROL_TOKEN", default=None,
         help="Close the control plane (/_mocktmc) behind this bearer token; beyond loopback one is made up.")
@_option("--open-control-plane", envvar="MOCKTMC_OPEN_CONTROL_PLANE", is_flag=True,
         help="Beyond loopback, leave the control plane open to whoever reaches the port (no control token).")
@_option("--defect", "defects", envvar="MOCKTMC_DEFECTS", multiple=True, type=click.Choice(list(DEFECTS)),
         help="Switch on a deliberate bug (for testing the contract kit); repeatable. `mocktmc defects` lists them.")
@_option("--fidelity", envvar="MOCKTMC_FIDELITY", default="observed", type=click.Choice(FIDELITIES),
         help="observed: the service as clients see it (every quirk, `mocktmc quirks`); documented: the letter.")
@_option("--throttle", envvar="MOCKTMC_THROTTLE", default="0", type=_Rate(),
         help="Answer 429 above N requests a second of mock time per account and endpoint, e.g. 10/s; 0 is off.")
@_option("--retention", envvar="MOCKTMC_RETENTION", default=60.0, type=click.FloatRange(0, 36_500),
         help="Days ended runs are kept (history reaches 60); 0 keeps them for ever.")
@_option("--state-dir", envvar="MOCKTMC_STATE_DIR", default=None, type=click.Path(file_okay=False),
         help="Keep the server's state in this directory across restarts (saved every --state-interval seconds).")
@_option("--state-interval", envvar="MOCKTMC_STATE_INTERVAL", default=2.0, type=click.FloatRange(0.05, 3600),
         help="Seconds of real time between two saves to --state-dir (a clean stop saves too).")
@_option("--state-limit", envvar="MOCKTMC_STATE_LIMIT", default=512 * 1024 * 1024, type=click.IntRange(1),
         help="Largest snapshot PUT /_mocktmc/state takes, in bytes (413 above it).")
@_option("--proxy", envvar="MOCKTMC_PROXY", default=None, metavar="URL",
         help="Be a validating proxy: forward the TMC API to the service at URL, check and journal each exchange.")
@_option("--record", envvar="MOCKTMC_RECORD", default=None, type=click.Path(file_okay=False),
         help="With --proxy: write each exchange, redacted, to a cassette file in this directory.")
@_option("--proxy-timeout", envvar="MOCKTMC_PROXY_TIMEOUT", default=30.0, type=click.FloatRange(0.1, 3600),
         help="With --proxy: seconds to wait for the service to connect or to send more (504 past it).")
@_option("--log-level", envvar="MOCKTMC_LOG_LEVEL", default="warning", type=click.Choice(server_log.LEVELS),
         help="info adds a line per request (method, path, status, duration, account) to standard error.")
@_option("--log-format", envvar="MOCKTMC_LOG_FORMAT", default="text", type=click.Choice(server_log.FORMATS),
         help="Log lines as text, or as one JSON object each.")
def serve(host: str, port: int, fixtures: str, clock: str, start, auth: str, seed: int, threads: int,
          validate: str, upload_limit: int, json_limit: int, control_token: str | None, open_control_plane: bool,
          defects: tuple[str, ...], fidelity: str, throttle: float, retention: float, state_dir: str | None,
          state_interval: float, state_limit: int, log_level: str, log_format: str, connection_limit: int,
          channel_timeout: int, proxy: str | None, record: str | None, proxy_timeout: float) -> None:
    """Serve the mock TMC over HTTP until Ctrl-C or SIGTERM."""
    from waitress.server import create_server

    from .app import create_app
    from .control.state_dir import StateDirError, close as close_state_dir
    from .proxy.report import close as close_proxy

    server_log.configure(log_level, log_format)
    if control_token and open_control_plane:
        raise click.UsageError("--control-token and --open-control-plane contradict each other: choose one")
    # Reachable by others: closed unless opened on purpose, with a token made up and printed (as Jupyter does).
    made_up = not control_token and not open_control_plane and not is_loopback(host)
    control_token = secrets.token_urlsafe(24) if made_up else control_token or None
    try:
        settings = Settings(host=host, port=port, fixtures=fixtures, clock=clock, start=start, auth=auth,
                            seed=seed, threads=threads, validate=validate, upload_limit=upload_limit,
                            json_limit=json_limit, control_token=control_token, defects=defects, fidelity=fidelity,
                            throttle=throttle, retention=retention, state_dir=state_dir,
                            state_interval=state_interval, state_limit=state_limit, proxy=proxy, record=record,
                            proxy_timeout=proxy_timeout)
    except ValueError as exc:  # the control token or the proxy's: every other value was checked as it was read
        hint = "--proxy" if "proxy" in str(exc) or "record" in str(exc) else "--control-token"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    try:
        app = create_app(settings)
    except FixtureError as exc:
        click.echo(f"mocktmc: cannot load the fixture world: {exc}", err=True)
        sys.exit(2)
    except StateDirError as exc:
        click.echo(f"mocktmc: cannot use the state dir: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # --record: the cassette's directory or file cannot be made
        click.echo(f"mocktmc: cannot write the cassette in {record}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    try:  # waitress' own body limit (1 GB by default) must not be below the state endpoint's
        server = create_server(app, host=host, port=port, threads=threads, ident="mocktmc",
                               max_request_body_size=max(state_limit, upload_limit + 1024 * 1024),
                               **waitress_limits(connection_limit, channel_timeout))
    except OSError as exc:
        close_state_dir(app)
        close_proxy(app)
        click.echo(f"mocktmc: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    shown_host = f"[{host}]" if ":" in host else host
    # One host and port: create_server answers a TcpWSGIServer, which has the effective_port types-waitress leaves out.
    click.echo(f"mocktmc {__version__} serving http://{shown_host}:{server.effective_port} "  # type: ignore[union-attr]
               f"(fixtures: {fixtures}, auth: {auth}, clock: {clock}, validate: {validate}, fidelity: {fidelity}"
               f"{f', throttle: {throttle:g}/s' if throttle else ''}"
               f"{', control plane behind a token' if control_token else ''})", nl=True)
    if made_up:  # after the URL line, which scripts read first
        click.echo(f"mocktmc: control token (made up, as {host} is beyond loopback): {control_token}")
    if proxy:  # after the URL line, which scripts read first
        from .proxy.report import cassette_path
        click.echo(f"mocktmc: PROXY to {proxy}: TMC API requests are forwarded, checked and journaled"
                   f"{f'; recording to {cassette_path(app)}' if record else ''}")
    if settings.defects:  # after the URL line, which scripts read first; loud, so nobody mistakes it for TMC
        click.echo(f"mocktmc: DEFECTS ON: {', '.join(settings.defects)} (deliberate bugs: do not trust this server)")
    sys.stdout.flush()

    def _stop(_signum, _frame):
        raise SystemExit(0)  # waitress' run loop catches it and shuts its workers down

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        close_state_dir(app)  # the last save
        close_proxy(app)  # the proxy's connections and its cassette
    click.echo("mocktmc stopped")


@main.command()
@click.option("--summary", is_flag=True, help="Only the count per family, not every operation.")
def routes(summary: bool) -> None:
    """Print the operations table (OPERATIONS.md, Markdown), generated from the contracts and the app's routes."""
    from .app import create_app
    from .inventory import operations_document, summary_table

    app = create_app(Settings(clock="frozen", fixtures="empty"))
    click.echo((summary_table if summary else operations_document)(app.url_map), nl=False)


@main.command()
@click.option("--url", default=None, metavar="URL",
              help="The server to ask. Default: http://127.0.0.1:$MOCKTMC_PORT (8080 when unset).")
@click.option("--timeout", default=3.0, show_default=True, type=click.FloatRange(0.1), help="Seconds to wait.")
def health(url: str | None, timeout: float) -> None:
    """Ask a mocktmc server whether it is up (exit 0 when it is, 1 when not): the image's health check."""
    url = (url or f"http://127.0.0.1:{os.environ.get('MOCKTMC_PORT') or 8080}").rstrip("/")
    try:
        with urllib.request.urlopen(f"{url}/_mocktmc/health", timeout=timeout) as response:
            body = json.load(response)
    except (OSError, ValueError) as exc:  # refused, timed out, an HTTP error, or not JSON
        click.echo(f"mocktmc at {url} is not healthy: {getattr(exc, 'reason', None) or exc}", err=True)
        sys.exit(1)
    if body.get("status") != "UP":
        click.echo(f"mocktmc at {url} is not healthy: status {body.get('status')!r}", err=True)
        sys.exit(1)
    click.echo(f"mocktmc {body.get('version')} at {url} is UP (auth {body.get('auth')})")


@main.command("quirks")
@click.option("--json", "as_json", is_flag=True, help="The catalog as JSON.")
def list_quirks(as_json: bool) -> None:
    """List the quirks: where the observed service differs from its documents, with the evidence."""
    if as_json:
        click.echo(json.dumps([quirk.as_json() for quirk in QUIRKS.values()], indent=2))
        return
    for quirk in QUIRKS.values():
        click.echo(f"{quirk.name}: {quirk.title}")
        click.echo(f"  documents: {quirk.documented}")
        click.echo(f"  service:   {quirk.observed}")
        for evidence in quirk.evidence:
            click.echo(f"  evidence:  {evidence.source}: \"{evidence.quote}\"")
        click.echo(f"  mocktmc --fidelity observed (default): {quirk.mock_observed}")
        click.echo(f"  mocktmc --fidelity documented: {quirk.mock_documented}")
        click.echo(f"  kit check: {quirk.check}")
        click.echo("")


@main.command("import")
@click.option("--url", required=True, metavar="URL", help="The TMC API's base URL, e.g. https://api.eu.cloud.talend.com.")
@click.option("--token", envvar="TMC_TOKEN", default=None, help="A personal access token (or $TMC_TOKEN).")
@click.option("--client-id", envvar="TMC_CLIENT_ID", default=None, help="A service account's client id.")
@click.option("--client-secret", envvar="TMC_CLIENT_SECRET", default=None,
              help="Its secret (or $TMC_CLIENT_SECRET), exchanged at /security/oauth/token.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The fixture world to write.")
@click.option("--include", multiple=True, metavar="ENV|WS",
              help="Import only this environment or workspace (id or name); repeatable.")
@click.option("--exclude", multiple=True, metavar="ENV|WS",
              help="Leave out this environment or workspace (id or name); repeatable.")
@click.option("--history-days", default=0, type=click.IntRange(0, 60), help="Copy the runs of the last N days.")
@click.option("--rate", default=8.0, show_default=True, type=click.FloatRange(0),
              help="Requests a second at most; 0 does not pace.")
@click.option("--retries", default=5, show_default=True, type=click.IntRange(0, 20),
              help="Retries of a request answered 429 or 5xx (or not answered), with exponential backoff.")
@click.option("--quiet", is_flag=True, help="No progress lines on standard error.")
def import_world(url: str, token: str | None, client_id: str | None, client_secret: str | None, output: str,
                 include: tuple[str, ...], exclude: tuple[str, ...], history_days: int, rate: float, retries: int,
                 quiet: bool) -> None:
    """Read a TMC account (GETs only) and write it as a fixture world that `serve --fixtures` loads."""
    from pathlib import Path

    from .tenant_import import ImportOptions, TenantError, UsageProblem, import_tenant, summary

    options = ImportOptions(url=url, output=Path(output), token=token, client_id=client_id,
                            client_secret=client_secret, include=include, exclude=exclude,
                            history_days=history_days, rate=rate, retries=retries, quiet=quiet)
    try:
        outcome = import_tenant(options)
    except UsageProblem as exc:
        click.echo(f"mocktmc import: {exc}", err=True)
        sys.exit(2)
    except TenantError as exc:
        click.echo(f"mocktmc import: {exc}", err=True)
        sys.exit(1)
    click.echo(summary(outcome, options))


@main.command("defects")
def list_defects() -> None:
    """List the deliberate bugs `serve --defect` can switch on, each with what it breaks."""
    width = max(map(len, DEFECTS))
    for name, description in DEFECTS.items():
        click.echo(f"{name:<{width}}  {description}")


# `mocktmc contract`: the contract kit, run from the installed package.
main.add_command(contract_command)


@main.command("report")
@click.option("--url", required=True, metavar="URL", help="The mocktmc server whose clients to judge.")
@click.option("--account", default=None, help="Judge this account's requests only.")
@click.option("--token", default=None, help="Judge only the requests that bore this bearer token.")
@click.option("--since", default=None, type=click.IntRange(0), metavar="SEQ",
              help="Judge only the requests after this journal seq.")
@click.option("--control-token", envvar="MOCKTMC_CONTROL_TOKEN", default=None,
              help="The server's control token, when it has one (or $MOCKTMC_CONTROL_TOKEN).")
@click.option("--json", "as_json", is_flag=True, help="The report as the server gave it (JSON).")
@click.option("--junit", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write a JUnit XML file: a test case per finding, one per rule that found nothing.")
@click.option("--fail-on", default="error", show_default=True, type=click.Choice([*reports.SEVERITIES[::-1], "never"]),
              help="Exit 1 when a finding is this severe or more.")
def client_report(url: str, account: str | None, token: str | None, since: int | None, control_token: str | None,
                  as_json: bool, junit: str | None, fail_on: str) -> None:
    """Judge what clients did on a mocktmc server: its client report (GET /_mocktmc/report), each finding with
    its rule, the requests that show it and how to fix the client. Exit 0 when no finding is --fail-on severe,
    1 when one is, 2 when the report could not be had."""
    try:
        report = reports.fetch(url, account=account, token=token, since=since, control_token=control_token)
    except reports.ReportError as exc:
        click.echo(f"mocktmc report: {exc}", err=True)
        sys.exit(2)
    if junit:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(junit)), exist_ok=True)
            with open(junit, "w", encoding="utf-8") as out:
                out.write(reports.junit(report, fail_on))
        except OSError as exc:
            click.echo(f"mocktmc report: cannot write {junit}: {exc.strerror or exc}", err=True)
            sys.exit(2)
    click.echo(json.dumps(report, indent=2) if as_json else reports.text(report, fail_on), nl=as_json)
    sys.exit(1 if any(reports.at_least(finding["severity"], fail_on) for finding in report["findings"]) else 0)


@main.command("diff")
@click.argument("cassette", metavar="DIR_OR_FILE")
@click.option("--fixtures", default=None, metavar="WORLD",
              help="Replay against a mock built here from this fixture world (a YAML file or a bundled name).")
@click.option("--url", default=None, metavar="URL", help="Replay against a mocktmc server running at URL.")
@click.option("--token", default=None,
              help="The bearer token the replay sends (default: a personal access token of the mock's first user, "
                   "made through its control plane).")
@click.option("--control-token", default=None, help="The --url server's control token, when it has one.")
@click.option("--ignore", "ignores", multiple=True, metavar="[METHOD] [/PATH] JSONPATH",
              help="Accept a known difference: a JSON path of the body ($.items[*].id, $..requestId), or status, "
                   "or headers.NAME; optionally only for one method and path glob. Repeatable.")
@click.option("--time-tolerance", default=None, type=click.FloatRange(0), metavar="SECONDS",
              help="Also compare times by value, within this many seconds (default: by presence and type only).")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def diff(cassette: str, fixtures: str | None, url: str | None, token: str | None, control_token: str | None,
         ignores: tuple[str, ...], time_tolerance: float | None, as_json: bool) -> None:
    """Replay a recording (`serve --proxy --record`) against a mock and report where its answers differ.

    Exit status: 0 no difference, 1 differences, 2 bad usage or an unreadable cassette.
    """
    from typing import NoReturn

    import requests

    from . import parity
    from .cassette import CassetteError
    from .testing import MockTMCError

    def fail(message: str) -> NoReturn:
        click.echo(f"mocktmc diff: {message}", err=True)
        sys.exit(2)

    if (fixtures is None) == (url is None):
        fail("give exactly one of --fixtures WORLD (a mock built here) or --url URL (a running mock)")
    if control_token and url is None:
        fail("--control-token is for a --url server")
    try:
        accepted = [parity.parse_ignore(text) for text in ignores]
        files, interactions, notes = parity.load(cassette)
        start = parity.first_time(interactions)
        if fixtures is not None:
            target = parity.Target.from_fixtures(fixtures, start, token)
        else:
            assert url is not None
            target = parity.Target.from_url(url, token, control_token, start, notes)
    except (CassetteError, parity.ParityError) as exc:
        fail(str(exc))
    for note in notes:
        click.echo(f"mocktmc diff: warning: {note}", err=True)
    try:
        report = parity.replay(interactions, target, ignores=accepted, tolerance=time_tolerance, cassettes=files,
                               warnings=notes)
    except (MockTMCError, requests.RequestException) as exc:  # the clock refused a move, or the server went away
        fail(f"the replay stopped: {exc}")
    finally:
        target.close()
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else report.text(), nl=as_json)
    sys.exit(1 if report.results else 0)
