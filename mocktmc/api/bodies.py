"""JSON request bodies: media type, encoding, syntax, and field-level checks with clear 400s."""
from __future__ import annotations

import json
import re
from typing import Any, TypeVar, overload

from flask import request

from . import body_fields
from ..errors import BadRequest, UnsupportedMediaType

T = TypeVar("T")


def has_body(req) -> bool:
    """Whether a request carries a body, without reading it (reading it first would empty a parsed form)."""
    environ = req.environ
    if "CONTENT_LENGTH" not in environ and "HTTP_TRANSFER_ENCODING" not in environ:
        return False  # most requests (every GET): no header to parse
    return bool(req.content_length) or req.headers.get("Transfer-Encoding", "").lower() == "chunked"


def is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def parse_json(raw: bytes, mimetype: str) -> Any:
    """A JSON request body: present, of a JSON media type, UTF-8, and well formed; else 400/415."""
    if not raw.strip():
        raise BadRequest("A JSON request body is required")
    if not is_json(mimetype):
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {mimetype or 'none'}")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc.msg} "
                         f"(line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BadRequest("The request body nests too deeply") from None


# A word that is not JSON by itself: a token a client sent without its quotes.
_BARE_WORD = re.compile(r"[A-Za-z0-9._~+/=-]{1,1024}")


def json_string(raw: bytes, mimetype: str) -> str:
    """A body that is a JSON string. A public client sends its log download token unquoted (with
    Content-Type: application/json); a bare word like that is not JSON, so it can only mean itself."""
    try:
        value = parse_json(raw, mimetype)
    except BadRequest:
        text = raw.decode("utf-8", "replace").strip()
        if _BARE_WORD.fullmatch(text):
            return text
        raise
    text = raw.decode("utf-8").strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _BARE_WORD.fullmatch(text):
        return text  # a token of digits only reads as a JSON number
    if not isinstance(value, str):
        raise BadRequest(f"The request body must be a JSON string, got {type(value).__name__}")
    return value


def json_object() -> dict[str, Any]:
    """The body as a JSON object, with the fields its contract operation names (body_fields.served()).

    TMC rejects fields it does not know, so this does too; and it takes a required field sent as ""
    for a missing one (a blank name is no name), save where body_fields.DEPARTURES says "" is a value."""
    fields = body_fields.served()
    body = parse_json(request.get_data(cache=True), request.mimetype)
    if not isinstance(body, dict):
        raise BadRequest(f"The request body must be a JSON object, got {type(body).__name__}")
    unknown = sorted(set(body) - fields.allowed)
    if unknown:
        raise BadRequest(f"Unrecognized field: {unknown[0]!r}; known fields: {', '.join(sorted(fields.allowed))}")
    missing = sorted(name for name in fields.required
                     if body.get(name) is None or (body[name] == "" and name not in fields.blank))
    if missing:
        raise BadRequest(f"Missing required field: {missing[0]!r}")
    return body


def nested_object(body: dict, name: str) -> dict[str, Any]:
    """An object-valued field (absent or null is empty), holding only the fields its contract schema names."""
    value = mapping(body, name) or {}
    unknown = sorted(set(value) - body_fields.served().nested[name])
    if unknown:
        raise BadRequest(f"Unrecognized {name} field: {unknown[0]!r}")
    return value


def _typed(body: dict, name: str, kind: type, label: str):
    value = body.get(name)
    if value is not None and not isinstance(value, kind):
        raise BadRequest(f"Field {name!r} must be {label}, got {type(value).__name__}")
    return value


def string(body: dict, name: str) -> str | None:
    return _typed(body, name, str, "a string")


def mapping(body: dict, name: str) -> dict | None:
    return _typed(body, name, dict, "an object")


def boolean(body: dict, name: str) -> bool | None:
    return _typed(body, name, bool, "true or false")


def choice(body: dict, name: str, values: tuple[str, ...]) -> str | None:
    value = string(body, name)
    if value is not None and value not in values:
        raise BadRequest(f"Field {name!r} must be one of {', '.join(values)}, got {value!r}")
    return value


# With an int default, the field always has a value: the overloads tell callers so.
@overload
def integer(body: dict, name: str, default: int) -> int: ...


@overload
def integer(body: dict, name: str, default: None = None) -> int | None: ...


def integer(body: dict, name: str, default: int | None = None) -> int | None:
    """A JSON integer within int32, or `default` when absent or null; range rules belong to the domain."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"Field {name!r} must be an integer, got {json.dumps(value)}")
    if not -2**31 <= value <= 2**31 - 1:
        raise BadRequest(f"Field {name!r} must be a 32-bit integer, got {value}")
    return value


# The required_* readers are for fields json_object() has already found (the contract requires them): they read
# them typed
# as present, and answer json_object's own 400 should one be read that was not required.
def _present(value: T | None, name: str) -> T:
    if value is None:
        raise BadRequest(f"Missing required field: {name!r}")
    return value


def required_string(body: dict, name: str) -> str:
    return _present(string(body, name), name)


def required_mapping(body: dict, name: str) -> dict:
    return _present(mapping(body, name), name)


def required_choice(body: dict, name: str, values: tuple[str, ...]) -> str:
    return _present(choice(body, name, values), name)


def strings(body: dict, name: str) -> list[str]:
    """An array of strings; absent or null is empty."""
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest(f"Field {name!r} must be an array of strings")
    return value
