"""Parity: replay a recording of the real TMC against a mock and say, field by field, where the mock answers
differently (`mocktmc diff`; LocalStack's parity snapshots are the model).

A recording (mocktmc/cassette.py) holds what a client sent and what the service answered. Replaying the requests in
order against a mock built from the same world must give the same answers, except where a difference is legitimate:

- ids the service makes (run ids, request ids, ids of created objects) are its own on each side. An id seen for the
  first time in a recorded answer, where the replayed answer holds another id seen for the first time, is mapped
  (recorded -> replayed) and later requests are rewritten with the map, so a recorded poll of a run started earlier
  polls the replayed run. Strings built from a mapped id (a plan step's "<id>-on-failure", a pod named after a run
  id's first group) are compared through the map too.
- times: the mock's clock follows the recording's (it is frozen, set to the first request's time, and moved to each
  request's time before it is replayed), but answers still carry times the two services pick themselves (when a run
  started, log lines). ISO date-times and epoch-milliseconds fields are compared by presence and type, and, with a
  tolerance, by value too.
- what the recording redacted ("[redacted]") is only checked for presence; the mock's answers are redacted by the
  same rules (mocktmc/control/redaction.py) before they are compared.
- of the headers, only those a client acts on: content-type (its media type), location (its path, through the id
  map), retry-after (present and a number of seconds or a date on both sides).

Like the contract kit, this judges the mock from outside, through the public API and the control plane only.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

import requests

from .cassette import CassetteError, read_cassette
from .control import globs, redaction
from .testing import IN_PROCESS_URL, Control, MockTMC, MockTMCError, WSGITransport, connect

REDACTED = "[redacted]"
# DIR/cassette-<UTC start>-<pid>.jsonl: sorting the names sorts a directory's sessions by their start.
CASSETTE_GLOB = "cassette-*.jsonl"
Interaction = dict[str, Any]  # one line of a cassette, as read_cassette gives it
# What a replayed request keeps of the recorded headers; the credentials are the replay's own.
SENT_HEADERS = ("content-type", "accept")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_OBJECT_ID = r"[0-9a-fA-F]{24}"  # TMC's definition ids (MongoDB object ids)
_ID = re.compile(rf"(?:{_UUID}|{_OBJECT_ID})\Z")
_IDS_IN_TEXT = re.compile(rf"(?<![0-9a-fA-F-])(?:{_UUID}|{_OBJECT_ID})(?![0-9a-fA-F-])")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")
# Epoch milliseconds from 2000 to 2100, in a field whose name says it is a time: a row count is never mistaken.
_EPOCH_MS = (946_684_800_000, 4_102_444_800_000)
_TIME_NAME = re.compile(r"time|date|modified|created|updated|since|until|At\Z|Ms\Z")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


class ParityError(Exception):
    """The replay cannot be made (a mock that cannot be built or reached, a bad --ignore): bad usage."""


class _Absent:
    """A field one side has and the other has not (None would be JSON null)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT = _Absent()
PathToken = Union[str, int]


@dataclass(frozen=True)
class Difference:
    """One place where the mock answered otherwise: `where` is "status", "headers.<name>" or a JSON path ($...)."""
    where: str
    recorded: Any
    mock: Any

    def as_json(self) -> dict[str, Any]:
        """Absent values are left out, so that JSON null stays a value."""
        out: dict[str, Any] = {"path": self.where}
        if self.recorded is not ABSENT:
            out["recorded"] = self.recorded
        if self.mock is not ABSENT:
            out["mock"] = self.mock
        return out

    def text(self) -> str:
        return f"{self.where}: recorded {_shown(self.recorded)}, mock {_shown(self.mock)}"


@dataclass
class InteractionResult:
    file: str
    seq: int
    method: str
    path: str  # as recorded
    replayed_path: str  # after the id map
    differences: list[Difference]


@dataclass
class ParityReport:
    cassettes: list[str]
    target: str
    replayed: int = 0
    results: list[InteractionResult] = field(default_factory=list)  # those with differences only
    skipped: list[dict[str, Any]] = field(default_factory=list)
    id_map: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def difference_count(self) -> int:
        return sum(len(result.differences) for result in self.results)

    def as_json(self) -> dict[str, Any]:
        return {"cassettes": self.cassettes, "target": self.target, "replayed": self.replayed,
                "interactionsDiffering": len(self.results), "differences": self.difference_count,
                "results": [{"file": r.file, "seq": r.seq, "method": r.method, "path": r.path,
                             "replayedPath": r.replayed_path, "differences": [d.as_json() for d in r.differences]}
                            for r in self.results],
                "skipped": self.skipped, "idMap": self.id_map, "warnings": self.warnings}

    def text(self) -> str:
        several = len(self.cassettes) > 1
        lines = []
        for result in self.results:
            where = f"{Path(result.file).name} " if several else ""
            lines.append(f"{where}#{result.seq} {result.method} {result.path}")
            lines += [f"  {difference.text()}" for difference in result.differences]
        for skipped in self.skipped:
            where = f"{Path(skipped['file']).name} " if several else ""
            lines.append(f"{where}#{skipped['seq']} {skipped['method']} {skipped['path']}: "
                         f"not replayed ({skipped['reason']})")
        lines.append(f"{self.replayed} interaction(s) replayed against {self.target}: "
                     + (f"{len(self.results)} with differences ({self.difference_count} in all)" if self.results
                        else "no difference")
                     + f"; {len(self.id_map)} id(s) mapped; {len(self.skipped)} not replayed")
        return "\n".join(lines) + "\n"


# --- --ignore: JSON paths (and status / headers.NAME), optionally for one operation ------------------------------

@dataclass(frozen=True)
class Ignore:
    """An accepted difference: `[METHOD] [/path/glob] WHERE`, WHERE a JSON path ($.a[*].b, $..id, $['x y']; a path
    covers everything under it) or `status` or `headers.NAME`."""
    text: str
    method: str | None
    path_glob: str | None
    tokens: tuple[tuple[str, Any], ...] | None  # None: a non-body place, compared as text
    place: str

    def covers(self, method: str, path: str, where: str, tokens: tuple[PathToken, ...] | None) -> bool:
        if self.method and self.method != method.upper():
            return False
        if self.path_glob and not globs.matches(self.path_glob, path):
            return False
        if self.tokens is None or tokens is None:
            return self.tokens is None and where.lower() == self.place.lower()
        return _matches(self.tokens, tokens)


def parse_ignore(text: str) -> Ignore:
    parts = text.split()
    method = parts.pop(0).upper() if len(parts) > 1 and parts[0].upper() in METHODS else None
    path_glob = parts.pop(0) if len(parts) > 1 and parts[0].startswith("/") else None
    if len(parts) != 1:
        raise ParityError(f"--ignore {text!r}: expected [METHOD] [/path] followed by a JSON path ($...), "
                          f"'status' or 'headers.NAME'")
    place = parts[0]
    if place.startswith("$"):
        return Ignore(text, method, path_glob, _parse_json_path(place, text), place)
    if place.lower() == "status" or place.lower().startswith("headers.") and len(place) > len("headers."):
        return Ignore(text, method, path_glob, None, place)
    raise ParityError(f"--ignore {text!r}: {place!r} is neither a JSON path ($...) nor 'status' nor 'headers.NAME'")


_STEP = re.compile(r"\.\.|\.\*|\.([A-Za-z_][A-Za-z0-9_-]*)|\[\*\]|\[(\d+)\]|\[(['\"])(.*?)\3\]")


def _parse_json_path(place: str, text: str) -> tuple[tuple[str, Any], ...]:
    tokens: list[tuple[str, Any]] = []
    at = 1
    while at < len(place):
        match = _STEP.match(place, at)
        if match is None:
            raise ParityError(f"--ignore {text!r}: cannot read the JSON path from {place[at:]!r}")
        step = match.group(0)
        if step == "..":
            tokens.append(("descend", None))
            # `$..name` and `$..[0]`: the step after `..` comes without its own dot
            name = re.match(r"[A-Za-z_][A-Za-z0-9_-]*|\*", place[match.end():])
            if name:
                tokens.append(("any", None) if name.group(0) == "*" else ("key", name.group(0)))
                at = match.end() + name.end()
                continue
        elif step in (".*", "[*]"):
            tokens.append(("any", None))
        elif match.group(1) is not None:
            tokens.append(("key", match.group(1)))
        elif match.group(2) is not None:
            tokens.append(("index", int(match.group(2))))
        else:
            tokens.append(("key", match.group(4)))
        at = match.end()
    if tokens and tokens[-1][0] == "descend":
        raise ParityError(f"--ignore {text!r}: a JSON path cannot end with '..'")
    return tuple(tokens)


def _matches(pattern: tuple[tuple[str, Any], ...], path: tuple[PathToken, ...]) -> bool:
    """Whether the pattern matches the path or a path above it (ignoring $.a ignores $.a.b)."""
    if not pattern:
        return True
    kind, value = pattern[0]
    if kind == "descend":
        return any(_matches(pattern[1:], path[start:]) for start in range(len(path) + 1))
    if not path:
        return False
    step = path[0]
    if kind == "any" or (kind == "key" and step == value) or (kind == "index" and step == value
                                                              and isinstance(step, int)):
        return _matches(pattern[1:], path[1:])
    return False


def json_path(tokens: Iterable[PathToken]) -> str:
    out = "$"
    for token in tokens:
        if isinstance(token, int):
            out += f"[{token}]"
        elif _PLAIN_NAME.match(token):
            out += f".{token}"
        else:
            out += "['" + token.replace("'", "\\'") + "']"
    return out


# --- the id map -------------------------------------------------------------------------------------------------

class IdMap:
    """Recorded ids -> the ids the mock made in their place, learnt while comparing answers.

    An id is mapped only when it is new on both sides: the recorded one appears nowhere earlier in the recording and
    the mock's nowhere earlier in the replay. An id the client already knew (it was in an earlier request or answer)
    that comes back different is a difference, not a new name.
    """

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        self._targets: set[str] = set()
        self._recorded_seen: set[str] = set()
        self._replay_seen: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._replacements: dict[str, str] = {}

    def learn(self, recorded: str, mock: str) -> bool:
        if not (_ID.match(recorded) and _ID.match(mock)) or recorded in self.mapping or mock in self._targets:
            return False
        if recorded in self._recorded_seen or mock in self._replay_seen:
            return False
        self.mapping[recorded] = mock
        self._targets.add(mock)
        # Both count as seen now: within one answer, the same id met again must match through the map.
        self._recorded_seen.add(recorded)
        self._replay_seen.add(mock)
        self._pattern = None
        return True

    def saw(self, recorded: Any, replayed: Any) -> None:
        """Note the ids in a recorded value and in its replayed counterpart (requests and answers alike)."""
        self._recorded_seen.update(_ids_in(recorded))
        self._replay_seen.update(_ids_in(replayed))

    def translate(self, text: str) -> str:
        """A recorded string with every mapped id (and a mapped run id's first group, which names pods and files)
        replaced by the mock's."""
        if not self.mapping:
            return text
        if self._pattern is None:
            replacements = dict(self.mapping)
            for recorded, mock in self.mapping.items():
                if re.fullmatch(_UUID, recorded):
                    replacements.setdefault(recorded.split("-")[0], mock.split("-")[0])
            keys = sorted(replacements, key=len, reverse=True)
            self._pattern = re.compile(r"(?<![0-9a-fA-F])(?:" + "|".join(map(re.escape, keys)) + r")(?![0-9a-fA-F])")
            self._replacements = replacements
        return self._pattern.sub(lambda match: self._replacements[match.group(0)], text)

    def rewrite(self, value: Any) -> Any:
        """A recorded request value (path, query, JSON body) with the mapped ids replaced, at any depth."""
        if isinstance(value, str):
            return self.translate(value)
        if isinstance(value, list):
            return [self.rewrite(item) for item in value]
        if isinstance(value, dict):
            return {key: self.rewrite(item) for key, item in value.items()}
        return value


def _ids_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from _IDS_IN_TEXT.findall(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _ids_in(key)
            yield from _ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _ids_in(item)


# --- comparing one answer ---------------------------------------------------------------------------------------

@dataclass
class Comparison:
    """How one recorded answer is compared with the mock's."""
    ids: IdMap
    ignores: list[Ignore]
    method: str
    path: str  # the recorded path, which --ignore's path globs match
    tolerance: float | None  # seconds; None: times are compared by presence and type only
    shift: timedelta  # how far the mock's clock runs ahead of the recording's (when it could not be set back)
    found: list[Difference] = field(default_factory=list)

    def differ(self, where: str, recorded: Any, mock: Any, tokens: tuple[PathToken, ...] | None = None) -> None:
        if not any(ignore.covers(self.method, self.path, where, tokens) for ignore in self.ignores):
            self.found.append(Difference(where, recorded, mock))

    def status(self, recorded: Any, mock: int) -> None:
        if recorded != mock:
            self.differ("status", recorded, mock)

    def headers(self, recorded: Mapping[str, str], mock: Mapping[str, str]) -> None:
        def media(value: str) -> str:
            return value.split(";")[0].strip().lower()

        self._header("content-type", recorded, mock, lambda r, m: media(r) == media(m))
        self._header("location", recorded, mock, lambda r, m: _url_path(self.ids.translate(r)) == _url_path(m))
        self._header("retry-after", recorded, mock, lambda r, m: _is_retry_after(r) and _is_retry_after(m))

    def _header(self, name: str, recorded: Mapping[str, str], mock: Mapping[str, str], same) -> None:
        mine, theirs = recorded.get(name, ABSENT), mock.get(name, ABSENT)
        if mine is ABSENT and theirs is ABSENT:
            return
        if mine is ABSENT or theirs is ABSENT or not same(mine, theirs):
            self.differ(f"headers.{name}", mine, theirs)

    def body(self, recorded: Any, mock: Any, tokens: tuple[PathToken, ...] = (), name: str = "") -> None:
        # An ignored place is still compared, only not reported: the ids in it must still be learnt, or an ignored
        # creation would leave every later request about what it created unmapped.
        if recorded == REDACTED:
            return  # present on both sides (an absent member is found by the object above)
        if isinstance(recorded, dict) and isinstance(mock, dict):
            for key, value in recorded.items():
                if key in mock:
                    self.body(value, mock[key], (*tokens, key), key)
                else:
                    self.differ(json_path((*tokens, key)), value, ABSENT, (*tokens, key))
            for key in (key for key in mock if key not in recorded):  # in the mock's order: a stable report
                self.differ(json_path((*tokens, key)), ABSENT, mock[key], (*tokens, key))
            return
        if isinstance(recorded, list) and isinstance(mock, list):
            for index, (mine, theirs) in enumerate(zip(recorded, mock)):
                self.body(mine, theirs, (*tokens, index), name)
            for index in range(len(mock), len(recorded)):
                self.differ(json_path((*tokens, index)), recorded[index], ABSENT, (*tokens, index))
            for index in range(len(recorded), len(mock)):
                self.differ(json_path((*tokens, index)), ABSENT, mock[index], (*tokens, index))
            return
        if not self._same_scalar(recorded, mock, name):
            self.differ(json_path(tokens), recorded, mock, tokens)

    def _same_scalar(self, recorded: Any, mock: Any, name: str) -> bool:
        if type(recorded) is type(mock) and recorded == mock:  # True is no 1, nor 1.0 a "1"
            return True
        if isinstance(recorded, str) and isinstance(mock, str):
            if self.ids.translate(recorded) == mock:
                return True
            if _ISO_DATETIME.match(recorded) and _ISO_DATETIME.match(mock):
                return self._close(_parse_iso(recorded), _parse_iso(mock))
            return self.ids.learn(recorded, mock)
        if _is_epoch_ms(recorded, name) and _is_epoch_ms(mock, name):
            return self._close(_from_ms(recorded), _from_ms(mock))
        if _is_number(recorded) and _is_number(mock):
            return recorded == mock  # 2 and 2.0 are one JSON number
        return False

    def _close(self, recorded: datetime | None, mock: datetime | None) -> bool:
        if self.tolerance is None:
            return True
        if recorded is None or mock is None:
            return False
        return abs((mock - self.shift - recorded).total_seconds()) <= self.tolerance


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_epoch_ms(value: Any, name: str) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and _EPOCH_MS[0] <= value <= _EPOCH_MS[1]
            and bool(_TIME_NAME.search(name) or _TIME_NAME.search(name.lower())))


def _parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def _url_path(url: str) -> str:
    """A location without its scheme and host: the recording's host is the real service's, the mock's is its own."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _is_retry_after(value: str) -> bool:
    """Seconds or an HTTP date: the value itself depends on when each side was asked."""
    if value.strip().isdigit():
        return True
    try:
        return parsedate_to_datetime(value) is not None
    except (TypeError, ValueError):
        return False


# --- the mock a recording is replayed against --------------------------------------------------------------------

class Target:
    """A mock to replay against: a session for the TMC API, a control plane (for its clock), a token."""

    def __init__(self, name: str, session: requests.Session, base_url: str, token: str,
                 control: Control | None, server: Control | None = None) -> None:
        self.name, self.session, self.base_url, self.token, self.control = name, session, base_url, token, control
        self._server = server  # the unbound control plane of a --url server, whose connections close with this
        self.shift = timedelta(0)
        self._resume_after = False
        self._now: datetime | None = None

    @classmethod
    def from_fixtures(cls, fixtures: str, start: datetime | None, token: str | None = None) -> Target:
        """A mock built here, as `mocktmc serve --fixtures` builds it, but with a frozen clock set to the recording's
        first request: the replay moves it to each request's time, so runs progress as they did in the recording."""
        from .domain.fixtures import FixtureError  # the one domain name needed: what a bad world raises

        try:
            mock = MockTMC(fixtures=fixtures, clock="frozen", start=start)
        except FixtureError as exc:
            raise ParityError(f"cannot load the fixture world {fixtures}: {exc}") from None
        # A token of the world (its first user's personal access token), so that answers naming the caller agree.
        token = token or mock.tokens.personal()["token"]
        # A session of its own, not mock.client()'s: that one sends the token on every request, and a request the
        # client made without credentials must be replayed without them.
        session = requests.Session()
        session.mount(IN_PROCESS_URL + "/", WSGITransport(mock.app))
        target = cls(f"a mock of {fixtures}", session, IN_PROCESS_URL, token, mock)
        target._now = start
        return target

    @classmethod
    def from_url(cls, url: str, token: str | None, control_token: str | None, start: datetime | None,
                 warnings: list[str]) -> Target:
        """A mock running elsewhere; the replay's account gets a clock of its own, frozen and moved to the recording's
        times (forward only: when the mock is already later, the recording's times are kept apart by `shift`)."""
        url = url.rstrip("/")
        server = connect(url, control_token=control_token)
        try:
            server.health()
        except requests.RequestException as exc:
            raise ParityError(f"cannot reach the mock at {url}: {exc}") from None
        except MockTMCError as exc:
            raise ParityError(f"{url} does not answer as a mocktmc server: {exc}") from None
        control: Control | None = None
        try:
            if token is None:
                token = server.tokens.personal()["token"]
            control = server.for_token(token)
        except MockTMCError as exc:
            if token is None:
                raise ParityError(f"cannot make a token through {url}/_mocktmc/tokens ({exc.status}: {exc.detail}): "
                                  f"give --token, or --control-token for a closed control plane") from None
            warnings.append(f"the control plane answered {exc.status} ({exc.detail}): the mock's clock is left as it "
                            f"is, so runs and times may not line up with the recording")
        target = cls(url, requests.Session(), url, token, control, server)
        if control is not None and start is not None:
            try:
                target._align(start, warnings)
            except (MockTMCError, requests.RequestException) as exc:
                target.close()
                raise ParityError(f"cannot set the mock's clock to the recording's: {exc}") from None
        return target

    def _align(self, start: datetime, warnings: list[str]) -> None:
        assert self.control is not None
        clock = self.control.clock.get()
        self._resume_after = not clock["frozen"]
        self.control.clock.freeze()
        now = self.control.clock.now()
        if now > start:
            self.shift = now - start
            warnings.append(f"the mock's clock ({_iso(now)}) is past the recording's start ({_iso(start)}) and only "
                            f"moves forward: the replay keeps the recording's intervals, {self.shift} later")
        self._now = now
        self.move_to(start)

    def move_to(self, recorded: datetime) -> None:
        """The mock's time for a request recorded at `recorded` (forward only: answers may be out of order)."""
        if self.control is None:
            return
        moment = recorded + self.shift
        if self._now is None or moment > self._now:
            self.control.clock.advance(to=moment)
            self._now = moment

    def close(self) -> None:
        """Set a clock the replay froze running again (a mock built here just goes)."""
        try:
            if self.control is not None and self._resume_after:
                self.control.clock.resume()
        except (MockTMCError, requests.RequestException):
            pass  # a server gone (or closed) mid-replay: there is no clock left to set running, and the error was told
        finally:
            self.session.close()
            if self._server is not None:
                self._server.close()


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the replay -------------------------------------------------------------------------------------------------

def cassette_files(path: str | Path) -> list[Path]:
    """A file as itself; a directory as its cassettes, oldest session first."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob(CASSETTE_GLOB))
        if not files:
            raise CassetteError(f"{path} holds no cassette ({CASSETTE_GLOB})")
        return files
    if not path.exists():
        raise CassetteError(f"{path}: no such file or directory")
    return [path]


def load(path: str | Path) -> tuple[list[str], list[tuple[str, Interaction]], list[str]]:
    """The cassette files under `path`, their interactions (session after session, each in file order) and what was
    skipped on the way: lines the reader could not parse, interactions without what a replay needs."""
    files = cassette_files(path)
    interactions: list[tuple[str, Interaction]] = []
    with _warnings_of(logging.getLogger("mocktmc.cassette")) as notes:
        for file in files:
            try:
                _header, found = read_cassette(file)
            except OSError as exc:  # a reader may leave reading errors as they are; here they are the usage's
                raise CassetteError(f"cannot read {file}: {exc.strerror or exc}") from None
            for interaction in found:
                problem = _replay_problem(interaction)
                if problem:
                    notes.append(f"{file}: seq {interaction.get('seq')!r} skipped: {problem}")
                else:
                    interactions.append((str(file), interaction))
    return [str(file) for file in files], interactions, notes


@contextmanager
def _warnings_of(logger: logging.Logger) -> Iterator[list[str]]:
    """The logger's warnings, collected instead of printed (they belong in the report)."""
    notes: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield notes
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _replay_problem(value: Interaction) -> str | None:
    """What makes an interaction impossible to replay, or None: the format's fields a replay reads, of their type."""
    request = value.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("method"), str) \
            or not isinstance(request.get("path"), str):
        return "no request with a method and a path"
    query = request.get("query")
    if query is not None and not (isinstance(query, dict) and all(
            isinstance(values, list) and all(isinstance(item, str) for item in values) for values in query.values())):
        return "a query that is not a dict of lists of strings"
    if not isinstance(request.get("headers") or {}, dict):
        return "request headers that are not an object"
    if not isinstance(value.get("time"), str) or not isinstance(value.get("seq"), int):
        return "no seq or time"
    response = value.get("response")
    if response is not None and not (isinstance(response, dict) and isinstance(response.get("headers") or {}, dict)):
        return "a response that is not an object with an object of headers"
    return None


def first_time(interactions: Iterable[tuple[str, Interaction]]) -> datetime | None:
    times = [moment for _file, interaction in interactions if (moment := _parse_iso(interaction["time"]))]
    return min(times) if times else None


def replay(interactions: list[tuple[str, Interaction]], target: Target, *, ignores: Iterable[Ignore] = (),
           tolerance: float | None = None, cassettes: list[str] | None = None,
           warnings: list[str] | None = None) -> ParityReport:
    """Replay every answered interaction against `target`, in order, comparing each answer with the recorded one."""
    report = ParityReport(cassettes or sorted({file for file, _ in interactions}), target.name,
                          warnings=list(warnings or []))
    ids = IdMap()
    ignores = list(ignores)
    for file, interaction in interactions:
        request = interaction["request"]
        response = interaction.get("response")
        if response is None or response.get("status") is None:
            # The service never answered: nothing to compare, and the request may never have reached it.
            report.skipped.append({"file": file, "seq": interaction["seq"], "method": request["method"],
                                   "path": request["path"],
                                   "reason": f"no recorded answer: {interaction.get('error') or 'unknown error'}"})
            continue
        moment = _parse_iso(interaction["time"])
        if moment is not None:
            target.move_to(moment)
        sent_path = ids.translate(request["path"])
        query = ids.rewrite(request.get("query") or {})
        body = ids.rewrite(request.get("body"))
        ids.saw({"path": request["path"], "query": request.get("query"), "body": request.get("body")},
                {"path": sent_path, "query": query, "body": body})
        comparison = Comparison(ids, ignores, request["method"], request["path"], tolerance, target.shift)
        try:
            answer = _send(target, request, sent_path, query, body)
        except requests.RequestException as exc:
            comparison.differ("status", response.get("status"), f"no answer: {exc}")
        else:
            mock_body = _parsed_body(answer)
            comparison.body(response.get("body"), mock_body)
            comparison.status(response.get("status"), answer.status_code)
            comparison.headers(response.get("headers") or {},
                               {name.lower(): value for name, value in answer.headers.items()})
            ids.saw(response.get("body"), mock_body)
        report.replayed += 1
        if comparison.found:
            # The body is compared first (it teaches the id map the location header needs); shown last.
            found = sorted(comparison.found, key=lambda difference: difference.where.startswith("$"))
            report.results.append(InteractionResult(file, interaction["seq"], request["method"], request["path"],
                                                    sent_path, found))
    report.id_map = dict(ids.mapping)
    return report


def _send(target: Target, request: Mapping[str, Any], path: str, query: Mapping[str, list[str]],
          body: Any) -> requests.Response:
    recorded_headers = request.get("headers") or {}
    headers = {name: recorded_headers[name] for name in SENT_HEADERS if name in recorded_headers}
    # The recording holds a fingerprint, never the credential: the replay authenticates as itself, and sends no
    # credentials where the client sent none (a recorded 401 must stay one). Other schemes (Basic, for the token
    # endpoint) cannot be replayed: nothing is sent, and the answers will differ.
    authorization = recorded_headers.get("authorization")
    if authorization and authorization.lower().startswith("bearer "):
        headers["authorization"] = f"Bearer {target.token}"
    data: bytes | None = None
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif body is not None:
        data = json.dumps(body).encode("utf-8")
        headers.setdefault("content-type", "application/json")
    params = [(key, value) for key, values in query.items() for value in values]
    return target.session.request(request["method"], target.base_url + path, params=params or None, data=data,
                                  headers=headers, allow_redirects=False, timeout=60)


def _parsed_body(answer: requests.Response) -> Any:
    """The mock's answer as the recording keeps one: parsed JSON, else text, else null; redacted alike."""
    if not answer.content:
        return None
    try:
        return redaction.json_value(answer.json())
    except ValueError:
        return redaction.text(answer.text)
