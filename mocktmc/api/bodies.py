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
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8") from None
    return loads(text)


# The longest number a JSON body may hold, in characters: Jackson's default (StreamReadConstraints
# maxNumberLength), which TMC's Java services parse with. Python's own int limit (4,300 digits) would be a
# ValueError that no JSON error names.
MAX_NUMBER_LENGTH = 1000
# A \u escape of a UTF-16 surrogate: JSON's only way to put one in a string, lone or in a pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _NumberTooLong(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _number(convert):
    def bounded(literal: str):
        if len(literal) > MAX_NUMBER_LENGTH:
            raise _NumberTooLong(literal)
        return convert(literal)
    return bounded


_INT, _FLOAT = _number(int), _number(float)


def loads(text: str) -> Any:
    """JSON text as Python values, or a 400 naming what is wrong: its syntax, a number too long, a string that
    is not text (a lone surrogate: it would break every later answer that encodes it, a CSV or a log)."""
    try:
        value = json.loads(text, parse_int=_INT, parse_float=_FLOAT)
        where = _lone_surrogate(value, ()) if _SURROGATE_ESCAPE.search(text) else None  # rare: then every string
    except _NumberTooLong as exc:
        at = text.find(exc.literal)
        line = text.count("\n", 0, at) + 1
        column = at - text.rfind("\n", 0, at)
        raise BadRequest(f"The request body has a number of {len(exc.literal)} characters at line {line}, "
                         f"column {column}; numbers are limited to {MAX_NUMBER_LENGTH} characters") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc.msg} "
                         f"(line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise BadRequest("The request body nests too deeply") from None
    if where is not None:
        raise BadRequest(f"Field {field_path(where) or '(the body)'!r} holds a lone UTF-16 surrogate (a \\u "
                         f"escape in D800-DFFF without its pair), which is not text")
    return value


def field_path(path) -> str:
    """A JSON path as errors name it: parameters.name, steps[0].taskId."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _lone_surrogate(value: Any, path: tuple) -> tuple | None:
    """The path of the first string (key or value) holding a lone surrogate, or None."""
    if isinstance(value, str):
        return path if _LONE_SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _LONE_SURROGATE.search(key):
                return path + (key,)
            found = _lone_surrogate(item, path + (key,))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _lone_surrogate(item, path + (index,))
            if found is not None:
                return found
    return None


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
