"""Judge the client: one catalog of rules over the request journal (journal.py) of one account or one token.

Plain Python over entry dicts (no Flask): an entry is what the journal keeps, its `time` a datetime or the
ISO text the journal lists. Every time is MOCK time, the time the request arrived at on the account's clock: a
client that paces itself with real sleeps while the mock clock is frozen looks, to these rules, as if it did
not wait at all (pace against the mock clock, or let it run). Each rule is quiet when the client is right, and
each finding names the journal `seq`s that show it and says how to fix the client.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

from ..contract_documents import TMC_CONTRACTS, contract, operations_in
from ..inventory import published_route

Entry = dict[str, Any]

POLL_LIMIT = 10  # requests a second per endpoint the real service answers before it throttles (429)
LATE_POLLS = 3  # polls of a run after it was seen terminal that are forgiven (a last confirming read or two)
RETRY_GAP = 1.0  # seconds a client should wait before retrying a 429 or 5xx that named no Retry-After
SHORT_TOKENS = 3  # tokens used for at most TOKEN_USES calls each, beyond which a client fetches a token per call
TOKEN_USES = 2
DUPLICATE_WINDOW = 300.0  # seconds in which a second start of an executable repeats an unanswered one
RUNNING = frozenset({"dispatching", "executing"})  # a task run's non-terminal statuses (TMC-API-NOTES §9.3)
_RUN_POLL = re.compile(r"^/processing/executions/(?!plans/)[^/]+$")
_STARTS = ("/processing/executions", "/processing/executions/plans")


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
    value = entry["time"]
    return value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))


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


def _first_query(entry: Entry, name: str) -> str | None:
    values = entry.get("query", {}).get(name)
    return values[0] if values else None


# --- the rules ---------------------------------------------------------------------------------------------
def _polls_too_fast(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    gets = [entry for entry in _api(entries) if entry["method"] == "GET"]
    for path, calls in _groups(gets, lambda entry: entry["path"]).items():
        start = 0
        while start < len(calls):
            end = start
            while end + 1 < len(calls) and _seconds(calls[end + 1], calls[start]) < 1.0:
                end += 1
            if end - start + 1 > POLL_LIMIT:
                window = calls[start:end + 1]
                yield (tuple(entry["seq"] for entry in window),
                       f"{len(window)} GET {path} within one second of mock time (the service throttles above "
                       f"{POLL_LIMIT} a second)")
                start = end + 1  # one finding per burst
            else:
                start += 1


def _polls_after_the_end(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    polls = [entry for entry in _api(entries) if entry["method"] == "GET" and _RUN_POLL.match(entry["path"])]
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


def _token_per_call(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    bearer = [entry for entry in _api(entries) if (entry.get("authorization") or "").startswith("Bearer ")
              and not entry["path"].startswith("/security/")]
    tokens = _groups(bearer, lambda entry: entry["authorization"])
    short = [calls for calls in tokens.values() if len(calls) <= TOKEN_USES]
    if len(short) > SHORT_TOKENS:
        fetched = [entry["seq"] for entry in entries if entry["path"] == "/security/oauth/token"]
        seqs = sorted(fetched + [entry["seq"] for calls in short for entry in calls])
        yield (tuple(seqs), f"{len(short)} bearer tokens were each used for at most {TOKEN_USES} calls")


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


def _repeated_start(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    calls = _api(entries)
    starts = [(index, entry) for index, entry in enumerate(calls)
              if entry["method"] == "POST" and entry["path"] in _STARTS and isinstance(entry.get("body"), dict)]
    for position, (index, first) in enumerate(starts):
        if not (first["status"] is None or first["status"] >= 500):
            continue
        executable = first["body"].get("executable")
        for later_index, again in starts[position + 1:]:
            if _seconds(again, first) > DUPLICATE_WINDOW:
                break
            if again["path"] != first["path"] or again["body"].get("executable") != executable:
                continue
            # A client that looked at the executable's runs between the two knew whether the first one started.
            looked = any(executable is not None and str(executable) in between["path"] and between["method"] == "GET"
                         for between in calls[index + 1:later_index])
            if not looked:
                got = "no answer" if first["status"] is None else f"a {first['status']}"
                yield ((first["seq"], again["seq"]),
                       f"POST {first['path']} of {executable} got {got} (seq {first['seq']}) and was sent again "
                       f"(seq {again['seq']}) without checking whether the first one started a run")
            break


# Legacy operations and the 2021-03 operation that does the same (TMC-API-NOTES §11).
_SUCCESSORS = (
    ("POST", re.compile(r"^/tmc/v[12]\.\d+/executions$"), "POST /processing/executions"),
    ("GET", re.compile(r"^/tmc/v[12]\.\d+/executions/[^/]+$"), "GET /processing/executions/{id}"),
    ("GET", re.compile(r"^/tmc/v2\.\d+/executables/tasks$"), "GET /orchestration/executables/tasks"),
    ("GET", re.compile(r"^/tmc/v2\.\d+/workspaces$"), "GET /orchestration/workspaces"),
    ("GET", re.compile(r"^/tmc/v2\.\d+/environments$"), "GET /orchestration/environments"),
)


def _deprecated_path(entries: list[Entry]) -> Iterator[tuple[tuple[int, ...], str]]:
    found: dict[str, list[int]] = {}
    for entry in _api(entries):
        for method, pattern, successor in _SUCCESSORS:
            if entry["method"] == method and pattern.match(entry["path"]):
                found.setdefault(successor, []).append(entry["seq"])
    for successor, seqs in found.items():
        yield (tuple(seqs), f"{len(seqs)} legacy /tmc/v1.x or v2.x calls where {successor} does the same")


@lru_cache(maxsize=None)
def declared_query(method: str, template: str) -> frozenset[str] | None:
    """The query parameters a contract operation declares (its path item's and its own); None if unknown."""
    for family in TMC_CONTRACTS:
        doc = contract(family)
        for path, item, verb, operation in operations_in(doc):
            if path != template or verb.upper() != method:
                continue
            names = set()
            for node in list(item.get("parameters", [])) + list(operation.get("parameters", [])):
                while "$ref" in node:
                    parts = node["$ref"].removeprefix("#/").split("/")
                    target: Any = doc
                    for part in parts:
                        target = target[part]
                    node = target
                if node.get("in") == "query":
                    names.add(node["name"])
            return frozenset(names)
    return None


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
         f"More than {POLL_LIMIT} GETs of one path (one run's status, say) within one second of mock time.",
         "The real service throttles about 10 requests a second per endpoint with a 429 that names no Retry-After: "
         "a tight poll loop fails in production although it passes against an unthrottled mock.",
         "TMC-API-NOTES §9.13; quirk throttle_without_retry_after",
         "Sleep between polls (a second or more for a run's status), and back off when the run is long.",
         _polls_too_fast),
    Rule("polls_after_the_end", "warning",
         f"More than {LATE_POLLS} polls of a task run after an answer said it was terminal "
         "(status neither dispatching nor executing).",
         "A loop that does not see the end (it reads the wrong field, or only executionStatus) polls until its own "
         "timeout, spends the rate limit of every other call and reports a finished run as hung.",
         "TMC-API-NOTES §9.3",
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
    Rule("token_per_call", "warning",
         f"More than {SHORT_TOKENS} bearer tokens each used for at most {TOKEN_USES} API calls.",
         "A token lives for expires_in seconds: fetching one per call doubles the traffic, meets the token "
         "endpoint's own limits and makes every call wait for it.",
         "TMC-API-NOTES §9.1 (clients read access_token and expires_in)",
         "Keep the token and reuse it until shortly before expires_in runs out (or until a 401).",
         _token_per_call),
    Rule("first_page_only", "warning",
         "A list read at offset 0 whose total exceeded its items with no later page read, or a log page that "
         "named nextIndex whose page was never read.",
         "Real accounts have more tasks, runs and log lines than a page holds: a client that reads one page "
         "silently misses the rest.",
         "TMC-API-NOTES §9.5 and §9.8",
         "Page with offset/limit until offset >= total (or a short page); follow nextIndex while present.",
         _first_page_only),
    Rule("repeated_start", "error",
         "Two starts (POST /processing/executions or /processing/executions/plans) of one executable within "
         f"{DUPLICATE_WINDOW:g} s where the first got no answer or a 5xx, with no look at the executable's runs "
         "between them.",
         "A start whose answer was lost may still have started the run: sending it again runs the job twice.",
         "TMC-API-NOTES §9.2",
         "After a lost or failed start, list the executable's recent runs before starting it again.",
         _repeated_start),
    Rule("deprecated_path", "info",
         "Calls to /tmc/v1.x or /tmc/v2.x where a 2021-03 operation does the same.",
         "The legacy prefixes are kept for old clients only; the 2021-03 API is the one Talend documents.",
         "TMC-API-NOTES §9.11",
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
