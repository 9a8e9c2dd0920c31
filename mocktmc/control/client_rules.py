"""Judge the client: one catalog of rules over the request journal (journal.py) of one account or one token.

Plain Python over entry dicts (no Flask): an entry is what the journal keeps, its `time` a datetime or the
ISO text the journal lists. Every time is MOCK time, the time the request arrived at on the account's clock: a
client that paces itself with real sleeps while the mock clock is frozen looks, to these rules, as if it did
not wait at all (pace against the mock clock, or let it run). Each rule is quiet when the client is right, and
each finding names the journal `seq`s that show it and says how to fix the client.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from ..contract_documents import TMC_CONTRACTS, contract, operations_in
from ..inventory import published_route

Entry = dict[str, Any]

POLL_LIMIT = 10  # requests a second per endpoint the real service answers before it throttles (429)
METRICS_LIMIT = 5  # component-metrics queries a minute (the published text of that operation)
LATE_POLLS = 3  # polls of a run after it was seen terminal that are forgiven (a last confirming read or two)
RETRY_GAP = 1.0  # seconds a client should wait before retrying a 429 or 5xx that named no Retry-After
SHORT_TOKENS = 3  # tokens used for at most TOKEN_USES calls each, beyond which a client fetches a token per call
TOKEN_USES = 2
DUPLICATE_WINDOW = 300.0  # seconds in which a second start or creation repeats an unanswered one
BACKOFF_RETRIES = 3  # retries of refused calls after which a wait that never grew is no backoff
LOG_REREADS = 3  # reads of one run's log from its first line that are forgiven (a client may look again)
# A task run's or plan run's non-terminal statuses (TMC-API-NOTES §9.3, §9.14): every other status is an end.
RUNNING = frozenset({"dispatching", "executing"})
# A poll of one task run or one plan run (not the plan-runs collection); a page of a run's log. The journal keeps
# runStatus and a log page's items for the requests these match (journal.py).
RUN_POLL = re.compile(r"^/processing/executions/(?:plans/[^/]+|(?!plans$)[^/]+)$")
LOG_PAGE = re.compile(r"^/monitoring/executions/[^/]+/logs$")
_STARTS = ("/processing/executions", "/processing/executions/plans")
_DOWNLOAD = "/_mocktmc/downloads/"  # where the mock serves what a logs status calls presignedURL
# Answers that depend on the request alone: sending it unchanged gets the same answer (TMC-API-NOTES §9.9).
REQUEST_ERRORS = frozenset({400, 401, 403, 405, 409, 413, 415, 422})


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    seqs: tuple[int, ...]
    message: str

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "seqs": list(self.seqs), "message": self.message}


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str  # error, warning or info
    detects: str
    why: str
    evidence: str  # a TMC-API-NOTES section, a quirk name, or the published text
    fix: str
    check: Callable[[list[Entry]], Iterator[tuple[tuple[int, ...], str]]]

    def as_json(self) -> dict:
        return {"name": self.name, "severity": self.severity, "detects": self.detects, "why": self.why,
                "evidence": self.evidence, "fix": self.fix}


def _time(entry: Entry) -> datetime:
    return _instant(entry["time"])


def _seconds(later: Entry, earlier: Entry) -> float:
    return (_time(later) - _time(earlier)).total_seconds()


def _api(entries: Iterable[Entry]) -> list[Entry]:
    """The TMC API calls among the entries (the control plane is the test's, not the client's)."""
    return [entry for entry in entries if not entry["path"].startswith("/_mocktmc")]


def _groups(entries: Iterable[Entry], key: Callable[[Entry], Any]) -> dict[Any, list[Entry]]:
    found: dict[Any, list[Entry]] = {}
    for entry in entries:
        found.setdefault(key(entry), []).append(entry)
    return found


def _operation(entry: Entry) -> str:
    """The published operation an entry names (its template), else its own path: what 'the same call' means."""
    operation, _ = published_route(entry["path"], entry["method"])
    return f"{entry['method']} {operation.path if operation is not None else entry['path']}"


def _instant(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _refused(entry: Entry) -> bool:
    """A 429 or a 5xx, or no answer at all: a call a client may retry, after a wait."""
    status = entry["status"]
    return status is None or status == 429 or status >= 500


def _body_key(entry: Entry) -> str:
    """The request body as text that equal bodies share (keys sorted): what "the same body" means."""
    return json.dumps(entry.get("body"), sort_keys=True, default=str)


def _first_query(entry: Entry, name: str) -> str | None:
    values = entry.get("query", {}).get(name)
    return values[0] if values else None


# --- the rules ---------------------------------------------------------------------------------------------
# What the service lets a client call how often, per path: (method, paths, calls, seconds, what it says).
_RATES = (
    ("GET", None, POLL_LIMIT, 1.0, f"the service throttles above {POLL_LIMIT} a second"),
    ("POST", re.compile(r"^/monitoring/executions/[^/]+/logs/status$"), POLL_LIMIT, 1.0,
     f"the service throttles above {POLL_LIMIT} a second"),
    ("POST", re.compile(r"^/monitoring/observability/metrics/component$"), METRICS_LIMIT, 60.0,
     f"the service allows {METRICS_LIMIT} queries a minute"),
)


def _polls_too_fast(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    calls = _api(entries)
    for method, paths, limit, seconds, allowed in _RATES:
        chosen = [entry for entry in calls
                  if entry["method"] == method and (paths is None or paths.match(entry["path"]))]
        for path, same in _groups(chosen, lambda entry: entry["path"]).items():
            start = 0
            while start < len(same):
                end = start
                while end + 1 < len(same) and _seconds(same[end + 1], same[start]) < seconds:
                    end += 1
                if end - start + 1 > limit:
                    window = same[start:end + 1]
                    span = "one second" if seconds == 1.0 else f"{seconds:g} seconds"
                    yield (tuple(entry["seq"] for entry in window),
                           f"{len(window)} {method} {path} within {span} of mock time ({allowed})")
                    start = end + 1  # one finding per burst
                else:
                    start += 1


def _polls_after_the_end(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    polls = [entry for entry in _api(entries) if entry["method"] == "GET" and RUN_POLL.match(entry["path"])]
    for path, calls in _groups(polls, lambda entry: entry["path"]).items():
        end = next((i for i, entry in enumerate(calls)
                    if entry.get("runStatus") is not None and entry["runStatus"] not in RUNNING), None)
        if end is None:
            continue
        after = calls[end + 1:]
        if len(after) > LATE_POLLS:
            yield ((calls[end]["seq"],) + tuple(entry["seq"] for entry in after),
                   f"GET {path} answered status {calls[end]['runStatus']!r} (terminal) at seq {calls[end]['seq']}, "
                   f"and was polled {len(after)} more times")


def _ignores_retry_after(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    calls = _api(entries)
    for operation, same in _groups(calls, _operation).items():
        for refused, retry in zip(same, same[1:]):
            status = refused["status"]
            if status is None or not (status == 429 or status >= 500):
                continue
            waited = _seconds(retry, refused)
            wait = refused.get("retryAfter")
            if wait is not None and waited < wait:
                yield ((refused["seq"], retry["seq"]),
                       f"{operation} answered {status} with Retry-After {wait:g} s at seq {refused['seq']}; the "
                       f"client called it again {waited:g} s later (seq {retry['seq']})")
            elif wait is None and waited < RETRY_GAP:
                yield ((refused["seq"], retry["seq"]),
                       f"{operation} answered {status} at seq {refused['seq']}; the client retried {waited:g} s "
                       f"later (seq {retry['seq']}), without backing off")


def _no_backoff(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    for operation, same in _groups(_api(entries), _operation).items():
        chain: list[tuple[Entry, Entry]] = []  # refused calls (no Retry-After) each retried, in a row
        for call, retry in zip(same, same[1:] + [None]):
            if retry is not None and _refused(call) and call.get("retryAfter") is None:
                chain.append((call, retry))
                continue
            yield from _waits_never_grew(operation, chain)
            chain = []


def _waits_never_grew(operation: str, chain: list[tuple[Entry, Entry]]) -> Iterator[tuple[tuple[int, ...], str]]:
    waits = [_seconds(retry, call) for call, retry in chain]
    # Retries at once are ignores_retry_after's; this rule is for a client that waits, but always as long.
    if len(chain) >= BACKOFF_RETRIES and min(waits) >= RETRY_GAP and waits[-1] < 2 * waits[0]:
        seqs = tuple(sorted({entry["seq"] for pair in chain for entry in pair}))
        yield (seqs, f"{operation} was refused {len(chain)} times in a row and retried after "
                     f"{', '.join(f'{wait:g}' for wait in waits)} s: the wait never grew")


def _token_per_call(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    bearer = [entry for entry in _api(entries) if (entry.get("authorization") or "").startswith("Bearer ")
              and not entry["path"].startswith("/security/")]
    tokens = _groups(bearer, lambda entry: entry["authorization"])
    short = [calls for calls in tokens.values() if len(calls) <= TOKEN_USES]
    if len(short) > SHORT_TOKENS:
        fetched = [entry["seq"] for entry in entries if entry["path"] == "/security/oauth/token"]
        seqs = sorted(fetched + [entry["seq"] for calls in short for entry in calls])
        yield (tuple(seqs), f"{len(short)} bearer tokens were each used for at most {TOKEN_USES} calls")


def _token_past_expiry(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    issued = {entry["issued"]["token"]: entry for entry in entries if entry.get("issued")}
    late: dict[str, list[Entry]] = {}
    for entry in _api(entries):
        grant = issued.get(entry.get("authorization") or "")
        if grant is not None and entry["seq"] > grant["seq"] and _time(entry) >= _instant(grant["issued"]["expires"]):
            late.setdefault(grant["issued"]["token"], []).append(entry)
    for token, calls in late.items():
        if len(calls) <= 1:
            continue  # one call, refused with 401, then a new token: the way to renew on a 401
        grant = issued[token]
        yield ((grant["seq"],) + tuple(entry["seq"] for entry in calls),
               f"the token issued at seq {grant['seq']} expired at {grant['issued']['expires']} (mock time) and "
               f"was used {len(calls)} more times, from seq {calls[0]['seq']}: the service answers those 401")


def _is_first_page(entry: Entry) -> bool:
    return entry["method"] == "GET" and entry.get("total") is not None and entry["total"] > entry.get("items", 0) \
        and (_first_query(entry, "offset") or "0") == "0"


def _first_page_only(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    calls = _api(entries)
    for index, entry in enumerate(calls):
        later = calls[index + 1:]
        if _is_first_page(entry):
            if not any(other["path"] == entry["path"] and (_first_query(other, "offset") or "0") != "0"
                       for other in later):
                yield ((entry["seq"],), f"GET {entry['path']} read {entry['items']} of {entry['total']} items "
                                        f"(seq {entry['seq']}) and never asked for a later page")
        elif entry["method"] == "GET" and entry.get("nextIndex") is not None and entry["status"] == 200:
            following = str(entry["nextIndex"])
            if not any(other["path"] == entry["path"] and _first_query(other, "startIndex") == following
                       for other in later):
                yield ((entry["seq"],), f"GET {entry['path']} named nextIndex {following} (seq {entry['seq']}) "
                                        "and the client never read that page")


def _rereads_logs(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    reads = [entry for entry in _api(entries) if entry["method"] == "GET" and LOG_PAGE.match(entry["path"])
             and (_first_query(entry, "startIndex") or "0") == "0"
             and (_first_query(entry, "order") or "ASC").upper() == "ASC"
             and entry["status"] == 200 and entry.get("items", 1) > 0]  # an empty log read again waits for a line
    for path, same in _groups(reads, lambda entry: entry["path"]).items():
        if len(same) > LOG_REREADS:
            yield (tuple(entry["seq"] for entry in same),
                   f"GET {path} was read from its first line {len(same)} times")


def _presigned_url_with_authorization(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    sent = [entry for entry in entries if entry["method"] == "GET" and entry["path"].startswith(_DOWNLOAD)
            and entry.get("authorization")]
    if sent:
        yield (tuple(entry["seq"] for entry in sent),
               f"{len(sent)} GETs of a log download address (a logs status's presignedURL) sent an Authorization "
               "header")


def _retries_client_error(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    def same_request(entry: Entry) -> tuple:
        query = json.dumps(entry.get("query") or {}, sort_keys=True)
        return entry["method"], entry["path"], query, _body_key(entry), entry.get("authorization")

    refused: dict[tuple, list[Entry]] = {}
    for entry in _api(entries):
        if entry["status"] in REQUEST_ERRORS:
            refused.setdefault((same_request(entry), entry["status"]), []).append(entry)
    for (request, status), same in refused.items():
        if len(same) > 1:
            yield (tuple(entry["seq"] for entry in same),
                   f"{request[0]} {request[1]} was sent unchanged {len(same)} times and refused with {status} each "
                   f"time (seqs {', '.join(str(entry['seq']) for entry in same)})")


def _lost(entry: Entry) -> bool:
    return entry["status"] is None or entry["status"] >= 500


def _repeats(entries: list[Entry], chosen: Callable[[Entry], bool], key: Callable[[Entry], Any],
             looked: Callable[[Entry, Entry], bool]) -> Iterator[tuple[Entry, Entry]]:
    """(first, again): a chosen POST that got no answer or a 5xx, sent again with the same key within
    DUPLICATE_WINDOW, without a GET between them that `looked(first, get)` at whether the first one took effect."""
    calls = _api(entries)
    posts = [(index, entry) for index, entry in enumerate(calls) if entry["method"] == "POST" and chosen(entry)]
    for position, (index, first) in enumerate(posts):
        if not _lost(first):
            continue
        for later_index, again in posts[position + 1:]:
            if _seconds(again, first) > DUPLICATE_WINDOW:
                break
            if again["path"] != first["path"] or key(again) != key(first):
                continue
            between = calls[index + 1:later_index]
            if not any(call["method"] == "GET" and looked(first, call) for call in between):
                yield first, again
            break


def _got(entry: Entry) -> str:
    return "no answer" if entry["status"] is None else f"a {entry['status']}"


def _repeated_start(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    def executable(entry: Entry) -> Any:
        return entry["body"].get("executable")

    def looked(first: Entry, get: Entry) -> bool:  # at the executable's runs (or the executable)
        return executable(first) is not None and str(executable(first)) in get["path"]
    starts = _repeats(entries, lambda entry: entry["path"] in _STARTS and isinstance(entry.get("body"), dict),
                      executable, looked)
    for first, again in starts:
        yield ((first["seq"], again["seq"]),
               f"POST {first['path']} of {executable(first)} got {_got(first)} (seq {first['seq']}) and was sent "
               f"again (seq {again['seq']}) without checking whether the first one started a run")


def _repeated_create(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    def creates(entry: Entry) -> bool:
        if entry["path"] in _STARTS or entry.get("body") is None:
            return False
        operation, _ = published_route(entry["path"], "POST")
        return operation is not None and created_by("POST", operation.path)

    def looked(first: Entry, get: Entry) -> bool:  # at the collection it creates in, or something in it
        return get["path"] == first["path"] or get["path"].startswith(first["path"] + "/")
    for first, again in _repeats(entries, creates, _body_key, looked):
        yield ((first["seq"], again["seq"]),
               f"POST {first['path']} got {_got(first)} (seq {first['seq']}) and the same body was sent again "
               f"(seq {again['seq']}) without looking whether the first one created it")


_LEGACY = re.compile(r"^/tmc/v[12]\.\d+(/.*)$")
_PRODUCTS = ("/orchestration", "/processing", "/monitoring")


def _shape(path: str) -> str:
    """A path with its parameters blanked: '/executions/{id}/logs' and '/executions/{x}/logs' are one shape."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@lru_cache(maxsize=None)
def successors() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, pattern of a path below /tmc/vN.M, the 2021-03 operation) for every 2021-03 operation whose
    path, without its product segment, is the legacy path of the same resource (TMC-API-NOTES §7, §9.11:
    /tmc/v2.6/executions/{id} is /processing/executions/{id}). Longest first, so that a fixed segment wins
    over a parameter ('/executions/plans' before '/executions/{id}')."""
    found: dict[tuple[str, str], tuple[str, re.Pattern[str], str]] = {}
    for family in ("orchestration", "processing", "monitoring"):
        for path, _item, verb, _operation in operations_in(contract(family)):
            product = next((prefix for prefix in _PRODUCTS if path.startswith(prefix + "/")), None)
            if product is None:
                continue
            rest = path[len(product):]
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(rest)) + "$")
            found.setdefault((verb.upper(), _shape(rest)), (verb.upper(), pattern, f"{verb.upper()} {path}"))
    return tuple(sorted(found.values(), key=lambda row: (-row[1].pattern.count("/"), "[^/]+" in row[1].pattern,
                                                          row[1].pattern)))


def _successor(method: str, path: str) -> str | None:
    legacy = _LEGACY.match(path)
    if legacy is None:
        return None
    return next((name for verb, pattern, name in successors() if verb == method and pattern.match(legacy[1])), None)


def _deprecated_path(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    found: dict[str, list[int]] = {}
    for entry in _api(entries):
        successor = _successor(entry["method"], entry["path"])
        if successor is not None:
            found.setdefault(successor, []).append(entry["seq"])
    for successor, seqs in found.items():
        yield (tuple(seqs), f"{len(seqs)} legacy /tmc/v1.x or v2.x calls where {successor} does the same")


@lru_cache(maxsize=None)
def _contract_operation(method: str, template: str) -> tuple[dict, dict, dict] | None:
    """(document, path item, operation) of a published operation, by method and path template."""
    for family in TMC_CONTRACTS:
        doc = contract(family)
        for path, item, verb, operation in operations_in(doc):
            if path == template and verb.upper() == method:
                return doc, item, operation
    return None


def _follow(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@lru_cache(maxsize=None)
def declared_query(method: str, template: str) -> frozenset[str] | None:
    """The query parameters a contract operation declares (its path item's and its own); None if unknown."""
    found = _contract_operation(method, template)
    if found is None:
        return None
    doc, item, operation = found
    nodes = (_follow(doc, node) for node in list(item.get("parameters", [])) + list(operation.get("parameters", [])))
    return frozenset(node["name"] for node in nodes if node.get("in") == "query")


@lru_cache(maxsize=None)
def created_by(method: str, template: str) -> bool:
    """Whether a published operation creates something: it answers 201 (a start, a new task, a new schedule)."""
    found = _contract_operation(method, template)
    return found is not None and "201" in {str(status) for status in found[2].get("responses", {})}


def _unknown_query_parameter(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    found: dict[tuple[str, str], list[int]] = {}
    for entry in _api(entries):
        if not entry.get("query"):
            continue
        operation, _ = published_route(entry["path"], entry["method"])
        if operation is None:
            continue  # not a published operation: nothing says which parameters it takes
        declared = declared_query(entry["method"], operation.path)
        for name in entry["query"]:
            if declared is not None and name not in declared:
                found.setdefault((f"{entry['method']} {operation.path}", name), []).append(entry["seq"])
    for (label, name), seqs in found.items():
        yield (tuple(seqs), f"{label} was sent query parameter {name!r}, which its contract does not declare")


CATALOG: tuple[Rule, ...] = (
    Rule("polls_too_fast", "error",
         f"More than {POLL_LIMIT} GETs of one path (one run's status, say) within one second of mock time, or as "
         f"many POSTs of one log-download status; more than {METRICS_LIMIT} component-metrics queries in a minute.",
         "The real service throttles about 10 requests a second per endpoint with a 429 that names no Retry-After, "
         f"and allows {METRICS_LIMIT} component-metrics queries a minute: a tight loop fails in production although "
         "it passes against an unthrottled mock.",
         "TMC-API-NOTES §9.13 and §1 (rate limits); quirk throttle_without_retry_after; the published text of "
         "POST /monitoring/observability/metrics/component",
         "Sleep between polls (a second or more for a run's status), back off when the run is long, and keep "
         "component-metrics queries under the published rate.",
         _polls_too_fast),
    Rule("polls_after_the_end", "warning",
         f"More than {LATE_POLLS} polls of a task run or a plan run after an answer said it was terminal "
         "(status neither dispatching nor executing; execution_misfired is an end too).",
         "A loop that does not see the end (it reads the wrong field, only executionStatus, or takes a misfired "
         "plan run for a running one) polls until its own timeout, spends the rate limit of every other call and "
         "reports a finished run as hung.",
         "TMC-API-NOTES §9.3 and §9.14",
         "Stop polling once status is not dispatching or executing (or finishTimestamp is present).",
         _polls_after_the_end),
    Rule("ignores_retry_after", "error",
         "A call made again within the Retry-After a 429 or 503 gave, or less than "
         f"{RETRY_GAP:g} s after a 429 or 5xx that gave none.",
         "Retrying at once keeps the endpoint throttled (or the failing service loaded) and turns one refusal "
         "into a burst of them.",
         "TMC-API-NOTES §9.9 (429 with optional Retry-After); quirk throttle_without_retry_after",
         "Honour Retry-After; without it back off (exponentially, from a second) before retrying.",
         _ignores_retry_after),
    Rule("no_backoff", "warning",
         f"{BACKOFF_RETRIES} or more retries in a row of one operation refused (429, 5xx or no answer) without a "
         "Retry-After, whose wait never grew (the last less than twice the first).",
         "A fixed retry interval keeps a throttled or failing service at the same load: the refusals go on as "
         "long as the client's patience, where a growing wait lets the service recover.",
         "TMC-API-NOTES §9.9 and §9.13; quirk throttle_without_retry_after (the service names no wait)",
         "Back off exponentially (1 s, 2 s, 4 s ... with jitter) and give up after a bound.",
         _no_backoff),
    Rule("token_per_call", "warning",
         f"More than {SHORT_TOKENS} bearer tokens each used for at most {TOKEN_USES} API calls.",
         "A token lives for expires_in seconds: fetching one per call doubles the traffic, meets the token "
         "endpoint's own limits and makes every call wait for it.",
         "TMC-API-NOTES §9.1 (clients read access_token and expires_in)",
         "Keep the token and reuse it until shortly before expires_in runs out (or until a 401).",
         _token_per_call),
    Rule("token_past_expiry", "error",
         "More than one call that bore a token from the token endpoint at or after the expiry it was issued with "
         "(30 minutes of mock time).",
         "The service refuses an expired token with 401: a client that never renews works for half an hour, "
         "then fails every call of a long job (a mock in its open auth modes still answers them).",
         "TMC-API-NOTES §1 (service-account token lifetime: 30 minutes)",
         "Renew the token before expires_in runs out (or on a 401, once), and use the new one.",
         _token_past_expiry),
    Rule("first_page_only", "warning",
         "A list read at offset 0 whose total exceeded its items with no later page read, or a log page that "
         "named nextIndex whose page was never read.",
         "Real accounts have more tasks, runs and log lines than a page holds: a client that reads one page "
         "silently misses the rest.",
         "TMC-API-NOTES §9.5 and §9.8",
         "Page with offset/limit until offset >= total (or a short page); follow nextIndex while present.",
         _first_page_only),
    Rule("rereads_logs", "info",
         f"More than {LOG_REREADS} reads of one run's log from its first line (no startIndex, ascending) that "
         "found lines.",
         "A client that tails a running job's log by reading it whole again each time moves the log over and "
         "over, and meets the rate limit as the log grows.",
         "TMC-API-NOTES §9.8 (clients follow nextIndex)",
         "Keep the last nextIndex and read on from it (startIndex=nextIndex).",
         _rereads_logs),
    Rule("presigned_url_with_authorization", "error",
         "A GET of a log download address (the presignedURL of a logs status) that sent an Authorization header.",
         "The real address is a presigned storage URL whose query string is the credential: a request that also "
         "sends the bearer token carries two credentials, and the storage refuses it.",
         "TMC-API-NOTES §9.8 (the client GETs presignedURL without an Authorization header)",
         "Fetch presignedURL with a plain client that sends no Authorization header (not the API session).",
         _presigned_url_with_authorization),
    Rule("retries_client_error", "warning",
         "The same request (method, path, query, body and token) sent again after a "
         f"{', '.join(str(status) for status in sorted(REQUEST_ERRORS))}, and refused the same way again.",
         "Those answers depend on the request alone: repeating it unchanged cannot succeed, hides the real error "
         "behind a retry loop and spends the rate limit.",
         "TMC-API-NOTES §9.9 (clients branch on 400, 401, 403, 404, 409 and 429)",
         "Retry only 429, 5xx and lost answers; on a 4xx fix the request (or the token, on a 401) and report "
         "the error's message.",
         _retries_client_error),
    Rule("repeated_start", "error",
         "Two starts (POST /processing/executions or /processing/executions/plans) of one executable within "
         f"{DUPLICATE_WINDOW:g} s where the first got no answer or a 5xx, with no look at the executable's runs "
         "between them.",
         "A start whose answer was lost may still have started the run: sending it again runs the job twice.",
         "TMC-API-NOTES §9.2",
         "After a lost or failed start, list the executable's recent runs before starting it again.",
         _repeated_start),
    Rule("repeated_create", "error",
         "The same body POSTed again within "
         f"{DUPLICATE_WINDOW:g} s to an operation that creates (answers 201) after the first got no answer or "
         "a 5xx, with no GET of that collection between them.",
         "A creation whose answer was lost may have happened: sending it again leaves a duplicate (or a 409 the "
         "client does not expect).",
         "The published contracts (201 on creation); TMC-API-NOTES §9.9",
         "After a lost or failed creation, look the object up (list or search by name) before creating it again.",
         _repeated_create),
    Rule("deprecated_path", "info",
         "Calls to /tmc/v1.x or /tmc/v2.x where a 2021-03 operation does the same (the same path below its "
         "product segment).",
         "The legacy prefixes are kept for old clients only; the 2021-03 API is the one Talend documents.",
         "TMC-API-NOTES §7 and §9.11",
         "Call the 2021-03 operation named in the finding (with talend-version: 2021-03).",
         _deprecated_path),
    Rule("unknown_query_parameter", "warning",
         "Query parameters the operation's published contract does not declare.",
         "The service ignores (or refuses) a parameter it does not know: the filter or page the client meant "
         "is not applied.",
         "The published contracts (contracts/*.yaml)",
         "Send only the parameters the operation declares; check their spelling and case.",
         _unknown_query_parameter),
)
RULES = {rule.name: rule for rule in CATALOG}


def judge(entries: Iterable[Entry]) -> list[Finding]:
    """Every rule's findings over the entries (one account's or one token's, oldest first)."""
    ordered = sorted(entries, key=lambda entry: entry["seq"])
    return [Finding(rule.name, rule.severity, seqs, f"{message}. Fix: {rule.fix}")
            for rule in CATALOG for seqs, message in rule.check(ordered)]
