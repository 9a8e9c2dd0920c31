"""The request journal: every request the server answers (TMC API and control plane alike, faulted or
not) is recorded, with its secrets redacted (redaction.py), and listed at /_mocktmc/requests.

An entry: seq (1, 2, ... never reused, not even after a clear), time (the mock time the request
arrived at), method, path, query (a dict of lists, as the query string gave it), status (null when
the request was dropped), dropped, fault (the id of the rule that fired, or null), account (the account
the bearer token resolved to; on the token endpoint the account of the service account a token was issued
to, on a log download the account of the log; null on the rest of the control plane and without a valid token),
authorization (scheme and fingerprint), contentType, body and bodyTruncated. A JSON body is kept
as parsed JSON when its text has at most BODY_LIMIT characters, else as its redacted JSON text cut
to BODY_LIMIT characters; a form body as its urlencoded text; other UTF-8 text as text, cut there
too; multipart and binary bodies as a note of their size. A request a proxy (`serve --proxy`) forwarded adds
proxied (true), operation, response ({status, contentType, body, bodyTruncated}, its body kept as a request's;
null when the service gave no answer), error, violations and quirks. What the client report (client_rules.py)
needs of an answer is kept too, only where it applies: retryAfter (seconds, of a 429 or 503 that sent
Retry-After), total and items (a 200 list page {items, total}: its total and how many items it held; a log page:
items, how many lines it held), nextIndex (a log page that named a next one), runStatus (a task run's or plan
run's status, as a poll was told it) and issued (on the token endpoint's 200: the issued token's fingerprint and
its expiry, {token, expires}). The journal
keeps the last DEFAULT_CAPACITY entries. DELETE /_mocktmc/requests empties it and is not recorded itself.
"""
from __future__ import annotations

import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Blueprint, Request, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ..api import bodies, context, params
from . import access, caller, client_rules, faults, globs, redaction
from .journal_store import Journal
from ..domain.common.timeutil import to_iso

bp = Blueprint("journal", __name__, url_prefix="/_mocktmc")

_JOURNAL = "mocktmc.journal"
# The journal is run state: a reset app has an empty one, numbered from 1 again (context.keep_fresh).
bp.record_once(lambda setup: context.keep_fresh(setup.app, _JOURNAL, Journal))

BODY_LIMIT = 4096  # characters of a body the journal keeps
FILTERS = ("method", "path", "status", "account", "since")


def journal() -> Journal:
    return current_app.extensions[_JOURNAL]


@bp.get("/requests")
def list_requests():
    """Entries oldest first, filtered: method, path (exact or glob), status, account, since (a seq)."""
    params.only(FILTERS, "filters")
    method = (params.text("method") or "").upper()
    path = params.text("path")
    status = params.integer("status", minimum=100, maximum=599)
    # A bearer token in isolated mode: its account's only; X-Mocktmc-Token names an account too.
    account = access.permitted(access.routed(params.text("account")))
    since = params.integer("since", 0, minimum=0)

    def keep(entry: dict) -> bool:
        return (entry["seq"] > since and (not method or entry["method"] == method)
                and (path is None or globs.matches(path, entry["path"]))
                and (status is None or entry["status"] == status)
                and (account is None or entry["account"] == account))
    return jsonify([{**entry, "time": to_iso(entry["time"])} for entry in journal().entries(keep)])


REPORT_FILTERS = ("account", "token", "since")


@bp.get("/report")
def report():
    """The client report: the rules of client_rules.py over one account's (or one token's) journal entries."""
    params.only(REPORT_FILTERS, "filters")
    # A bearer token in isolated mode: its account's only; X-Mocktmc-Token names an account too.
    account = access.permitted(access.routed(params.text("account")))
    token = params.text("token")
    # The token as the journal writes it: its fingerprint, never the token itself.
    fingerprint = redaction.authorization(f"Bearer {token}") if token else None
    since = params.integer("since", 0, minimum=0)

    def keep(entry: dict) -> bool:
        # A token's calls include the token endpoint's answer that issued it (token_past_expiry reads it there).
        return (entry["seq"] > since and (account is None or entry["account"] == account)
                and (fingerprint is None or entry["authorization"] == fingerprint
                     or (entry.get("issued") or {}).get("token") == fingerprint))
    entries = journal().entries(keep)
    findings = client_rules.judge(entries)
    return jsonify({"account": account, "token": fingerprint, "since": since, "entries": len(entries),
                    "seqs": [entries[0]["seq"], entries[-1]["seq"]] if entries else None,
                    "findings": [finding.as_json() for finding in findings],
                    "rules": [rule.as_json() for rule in client_rules.CATALOG]})


@bp.delete("/requests")
def clear_requests():
    access.require_every_account("empties every account's journal")
    journal().clear()
    g.mocktmc_journaled = True  # "cleared" reads as empty: this request is not left in it
    return "", 204


# --- the request hooks (registered by app.py) -----------------------------------------------------
def note_arrival(flags: Any, now: datetime) -> None:
    """before_request, first of all: the mock time the request arrived at (before a fault's latency), on the
    request's `g` (app.py's arrival hook reads the server clock and `g` once for every step)."""
    flags.mocktmc_arrival = now


def record(response: Response, flags: Any, req: Request) -> Response:
    """after_request, last of all: what the client got (`flags` is the request's `g`, `req` the request)."""
    if flags.get("mocktmc_journaled"):  # Flask runs the hooks again for an error raised in one: record it once
        return response
    flags.mocktmc_journaled = True
    proxied = flags.get("mocktmc_proxied")  # an exchange a proxy forwarded (mocktmc/proxy/forwarding.py)
    if caller.dashboard_read(req.environ):  # the dashboard's reads are not the client's (caller.py)
        if proxied is not None:
            proxied.journaled(None)
        return response
    rule = faults.injected(flags)
    dropped = isinstance(response, faults.DroppedResponse)
    body, truncated = _body() if bodies.has_body(req) else (None, False)
    environ = req.environ
    account = caller.account_id(flags)
    entry = {
        "seq": 0,  # the journal numbers it; first, as listed
        # Kept as a datetime and written out when listed: formatting is the dearest part of an entry.
        "time": _arrival(flags, account),
        "method": req.method, "path": req.path,
        "query": redaction.query(req.args.to_dict(flat=False)) if req.query_string else {},
        "status": None if dropped else response.status_code, "dropped": dropped,
        "fault": rule.id if rule is not None else None,
        "account": account,
        "authorization": redaction.authorization(environ.get("HTTP_AUTHORIZATION")),
        "contentType": (req.mimetype or None) if environ.get("CONTENT_TYPE") else None,
        "body": body, "bodyTruncated": truncated}
    if not dropped:
        entry.update(_answer_fields(response, req))
        issued = flags.get("mocktmc_issued")  # the token endpoint issued a token (api/security.py)
        if issued is not None and response.status_code == 200:
            entry["issued"] = {"token": redaction.authorization(f"Bearer {issued[0]}"), "expires": to_iso(issued[1])}
    if proxied is not None:  # what the service answered, and what the proxy found: then reported and recorded
        entry.update(proxied.journal_fields())
    seq = journal().append(entry)
    if proxied is not None:
        proxied.journaled(seq)
    return response


def _arrival(flags: Any, account: str | None) -> datetime:
    """The mock time the request arrived at, on its account's clock: an account with a clock of its own (moved
    apart from the server's) is judged in its own time, which is the time its client lives in. The arrival was
    read on the server's clock; an own clock is read now and set back by what the server's clock moved since
    (nothing, when it stands still), so that a fault's latency is not counted."""
    mock = context.state()
    arrival = flags.get("mocktmc_arrival") or mock.clock.now()
    if account is None:
        return arrival
    clock = mock.accounts.clock_if_own(account)
    return arrival if clock is None else clock.now() - (mock.clock.now() - arrival)


ANSWER_LIMIT = 256 * 1024  # bytes of a JSON answer read for the report's fields: larger ones are not parsed


def retry_after_seconds(value: str | None, date: str | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds (as mocktmc sends it), or an HTTP date (RFC 9110 allows both; a
    proxied service may send one), counted from the answer's own Date header (the service's clock, not this
    machine's). None if absent or unreadable, or a date without a Date to count from."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    if not date:
        return None
    try:
        until, sent = parsedate_to_datetime(value), parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if until.tzinfo is None or sent.tzinfo is None:  # an HTTP date is GMT; a date without a zone is not one
        return None
    return max((until - sent).total_seconds(), 0.0)


def _answer_fields(response: Response, req: Request) -> dict[str, Any]:
    """The few facts of an answer the client report judges by (see the module's text); {} for most answers.

    Cheap on purpose: only a GET's 200 JSON answer is looked at, and parsed only when it names a field kept."""
    fields: dict[str, Any] = {}
    status = response.status_code
    if status in (429, 503):
        wait = retry_after_seconds(response.headers.get("Retry-After"), response.headers.get("Date"))
        if wait is not None:
            fields["retryAfter"] = wait
        return fields
    if status != 200 or req.method != "GET" or response.is_streamed or req.path.startswith(access.CONTROL_PREFIX) \
            or not bodies.is_json(response.mimetype or ""):
        return fields
    data = response.get_data()
    log_page = client_rules.LOG_PAGE.match(req.path) is not None
    if len(data) > ANSWER_LIMIT or not data.startswith(b"{") \
            or not (log_page or b'"total"' in data or b'"nextIndex"' in data or b'"status"' in data):
        return fields
    try:
        value = json.loads(data)
    except ValueError:
        return fields
    if not isinstance(value, dict):
        return fields
    if isinstance(value.get("total"), int) and isinstance(value.get("items"), list):
        fields.update(total=value["total"], items=len(value["items"]))
    if log_page and isinstance(value.get("data"), list):
        fields["items"] = len(value["data"])
    if isinstance(value.get("nextIndex"), int):
        fields["nextIndex"] = value["nextIndex"]
    if client_rules.RUN_POLL.match(req.path) and isinstance(value.get("status"), str):
        fields["runStatus"] = value["status"]
    return fields


def _cut(text: str) -> tuple[str, bool]:
    return text[:BODY_LIMIT], len(text) > BODY_LIMIT


def _body() -> tuple[Any, bool]:
    """(the request body as the journal keeps it, whether it was cut)."""
    size = f"{request.content_length} bytes" if request.content_length is not None else "chunked"
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        return f"[multipart/form-data body, {size}, not recorded]", False
    if request.path == "/_mocktmc/state":  # a snapshot: up to --state-limit, which redacting whole took seconds
        return f"[state body, {size}, not recorded]", False
    try:
        if mimetype == "application/x-www-form-urlencoded":
            # The form, not the raw data: a handler that read the form has consumed the stream.
            return _cut(redaction.form(request.form.items(multi=True)))
        raw = request.get_data(cache=True)
    except HTTPException:  # too large, or the client went away mid-body
        return f"[body, {size}, not recorded]", False
    if not raw:
        return None, False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"[binary body, {len(raw)} bytes, not recorded]", False
    if bodies.is_json(mimetype) and len(raw) > context.state().settings.json_limit:
        # Refused at the door (413), or a snapshot: parsing it only to keep 4 KB would hold it many times over.
        return f"[JSON body, {len(raw)} bytes, over the JSON limit: not recorded]", False
    if bodies.is_json(mimetype):
        try:
            value = redaction.json_value(json.loads(text))
        except (ValueError, RecursionError):
            pass  # not JSON after all: kept as text
        else:
            if len(text) <= BODY_LIMIT:
                return value, False
            return _cut(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return _cut(redaction.text(text))
