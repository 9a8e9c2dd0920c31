"""Checks at the door, before a request reaches a world: the size of a JSON body, and a URL that is not text.

What passes here may still be refused by its handler; what is refused here changes nothing.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Request

from ..errors import BadRequest, PayloadTooLarge
from .bodies import is_json

# Not held to the JSON limit: a snapshot restore (PUT /_mocktmc/state) legitimately carries tens of MB of
# JSON, under a limit of its own (--state-limit, control/state.py); a fixture world has limits of its own
# (domain/fixtures.py), as YAML or as JSON, under the limit every other body has (app.py's MAX_CONTENT_LENGTH).
JSON_LIMIT_EXEMPT = ("/_mocktmc/state", "/_mocktmc/fixtures")


def check_request_limits(req: Request, json_limit: int) -> None:
    _check_url_text(req)
    if is_json(req.mimetype) and not req.path.startswith(JSON_LIMIT_EXEMPT):
        _check_json_size(req, json_limit)


def _check_url_text(req: Request) -> None:
    """Werkzeug reads a path or query that is not UTF-8 with U+FFFD in place of the bad bytes: a name the client
    never sent would be searched for, stored or echoed. Refused instead. (A lone surrogate cannot come this way:
    UTF-8 has no encoding of one, and headers are Latin-1 text, which always encodes.)"""
    environ = req.environ
    path = environ.get("PATH_INFO", "")  # WSGI: the path's bytes, as Latin-1
    if not path.isascii():
        try:
            path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise BadRequest("The request path is not UTF-8 text (percent-encode UTF-8 bytes only)") from None
    query = environ.get("QUERY_STRING", "")
    if "%" in query or not query.isascii():
        try:
            unquote_to_bytes(query.encode("latin-1")).decode("utf-8")
        except UnicodeError:
            raise BadRequest("The query string is not UTF-8 text (percent-encode UTF-8 bytes only)") from None


def _check_json_size(req: Request, json_limit: int) -> None:
    size = req.content_length
    if size is None and req.headers.get("Transfer-Encoding", "").lower() == "chunked":
        size = len(req.get_data(cache=True))  # no length given: read (as far as MAX_CONTENT_LENGTH) and count
    if size is not None and size > json_limit:
        raise PayloadTooLarge(f"The JSON body has {size} bytes; JSON bodies are limited to {json_limit} bytes "
                              f"(mocktmc serve --json-limit, MOCKTMC_JSON_LIMIT)")
