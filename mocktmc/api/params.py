"""Query parameters, checked against the published bounds; anything off is a 400 naming the parameter."""
from __future__ import annotations

from datetime import datetime
from typing import overload

from flask import request

from ..domain.common.timeutil import from_ms, parse_iso
from ..errors import BadRequest


def only(names: tuple[str, ...], noun: str = "parameters") -> None:
    """A 400 naming the first query parameter not among `names`: a call that takes few refuses a typo."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        raise BadRequest(f"Unknown query parameter {unknown[0]!r}; the {noun} are {', '.join(names)}")


def text(name: str) -> str | None:
    return request.args.get(name)


# With an int default, the parameter always has a value: the overloads tell callers so.
@overload
def integer(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int: ...


@overload
def integer(name: str, default: None = None, minimum: int | None = None, maximum: int | None = None) -> int | None:
    ...


def integer(name: str, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    bounds = f" in [{minimum}, {maximum}]" if minimum is not None and maximum is not None else \
        f" >= {minimum}" if minimum is not None else ""
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be an integer{bounds}, got {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise BadRequest(f"Query parameter '{name}' must be an integer{bounds}, got {value}")
    return value


def choice(name: str, values: tuple[str, ...] | list[str], *, ignore_case: bool = False) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    for value in values:
        if raw == value or (ignore_case and raw.lower() == value.lower()):
            return value
    raise BadRequest(f"Query parameter '{name}' must be one of {', '.join(values)}, got {raw!r}")


def epoch_ms(name: str) -> datetime | None:
    value = integer(name, minimum=0, maximum=253402300799999)  # up to 9999-12-31
    return None if value is None else from_ms(value)


def date_time(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be an ISO-8601 date-time such as "
                         f"2024-01-31T12:00:00.000Z, got {raw!r}") from None


def page_bounds(default_limit: int = 100, max_limit: int = 100) -> tuple[int, int]:
    """(offset, limit) with the published rules: offset >= 0, limit in [1, max] (default 100)."""
    return integer("offset", 0, minimum=0, maximum=2**31 - 1), integer("limit", default_limit, 1, max_limit)
