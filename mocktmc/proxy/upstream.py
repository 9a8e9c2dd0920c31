"""The proxy's side as a client of the real service: a `requests` session with a connection pool, forwarding a
request as the caller sent it and reading the answer up to a size limit."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError

from ..errors import TMCError

# Hop-by-hop headers (RFC 9110 section 7.6.1) are the connection's, not the message's: never passed on.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade"})
# Not passed to the service: the host is the service's; the length is recomputed; `requests` asks for the
# encodings it decodes; the proxy's server already answered any `Expect: 100-continue`; mocktmc's own headers
# are for the mock.
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "accept-encoding", "expect"}
# Not passed back to the caller: the body comes back decoded and is measured again; the proxy's server
# writes its own date and name.
_NOT_RETURNED = HOP_BY_HOP | {"content-length", "content-encoding", "date", "server"}
CHUNK = 64 * 1024


class UpstreamError(TMCError):
    """The service gave no answer the proxy can pass on: rendered as a TMC error (502 or 504)."""


class Unreachable(UpstreamError):
    status = 502
    message = "Bad Gateway"


class TimedOut(UpstreamError):
    status = 504
    message = "Gateway Timeout"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]  # as the caller gets them: hop-by-hop and recomputed ones left out
    content: bytes
    duration_ms: float

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


class _AsSent(requests.auth.AuthBase):
    """The caller's Authorization goes as it came: no credentials from ~/.netrc are put in its place."""

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        return prepared


def forwarded_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The request headers passed to the service: every end-to-end header the caller sent, mocktmc's own aside."""
    kept: dict[str, str] = {}
    named = _connection_options(headers)
    for name, value in headers:
        lower = name.lower()
        if lower in _NOT_FORWARDED or lower in named or lower.startswith("x-mocktmc-"):
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


def _connection_options(headers: list[tuple[str, str]]) -> frozenset[str]:
    """The headers a Connection header names: hop-by-hop too (RFC 9110 section 7.6.1)."""
    return frozenset(option.strip().lower() for name, value in headers if name.lower() == "connection"
                     for option in value.split(",") if option.strip())


def returned_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The service's response headers passed back to the caller: its end-to-end ones but the length, encoding,
    date and server name, which the proxy's own server writes for the body it sends."""
    named = _connection_options(headers)
    return [(name, value) for name, value in headers if name.lower() not in _NOT_RETURNED | named]


class Upstream:
    """The service at `url`; `connections` is the pool's size (the server's worker threads), `timeout` the seconds
    a connection or a read may take, `body_limit` the largest answer body passed on."""

    def __init__(self, url: str, *, connections: int, timeout: float, body_limit: int) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.body_limit = body_limit
        self._session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, connections), max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def forward(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        """Send the request and read the answer; raise Unreachable or TimedOut, with a sentence saying why, when
        the service gives none."""
        url = f"{self.url}{path}{'?' + query if query else ''}"
        started = time.perf_counter()
        try:
            with self._session.request(method, url, headers=headers, data=body or None, stream=True,
                                       allow_redirects=False, timeout=self.timeout, auth=_AsSent()) as response:
                content = self._read(response, url)
                answer_headers = returned_headers(list(response.raw.headers.items()))
                status = response.status_code
        except requests.exceptions.Timeout:
            raise TimedOut(f"The upstream {self.url} did not answer {method} {path} within {self.timeout:g} s "
                           f"(--proxy-timeout)") from None
        except requests.exceptions.ConnectionError as exc:
            if any(isinstance(arg, ReadTimeoutError) for arg in exc.args):  # timed out while reading the body
                raise TimedOut(f"The upstream {self.url} stopped sending its answer to {method} {path} for "
                               f"{self.timeout:g} s (--proxy-timeout)") from None
            raise Unreachable(f"The upstream {self.url} could not be reached or closed the connection without an "
                              f"answer to {method} {path}: {_reason(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise Unreachable(f"The upstream {self.url} gave no usable answer to {method} {path}: "
                              f"{_reason(exc)}") from None
        return Answer(status, answer_headers, content, round((time.perf_counter() - started) * 1000, 3))

    def _read(self, response: requests.Response, url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > self.body_limit:
                raise Unreachable(f"The upstream's answer to {response.request.method} {url} is larger than "
                                  f"{self.body_limit} bytes, the most the proxy passes on")
            chunks.append(chunk)
        return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    """The innermost cause's words, without urllib3's object addresses."""
    reason = exc
    while reason.args and isinstance(reason.args[0], BaseException):
        reason = reason.args[0]
    text = str(getattr(reason, "reason", None) or reason)
    return _CONNECTION_PREFIX.sub("", text)


# urllib3 starts its messages with the connection object ("<urllib3.connection.HTTPConnection object at 0x...>: "
# in 1.26, "HTTPConnection(host='h', port=1): " in 2.x): the detail names the upstream already.
_CONNECTION_PREFIX = re.compile(r"^(<[^>]*>|\w*Connection(Pool)?\([^)]*\)): ")
