"""Finding a definition by id, or the 404 that names what was not found."""
from __future__ import annotations

from typing import Mapping, TypeVar

from ...errors import NotFound

T = TypeVar("T")


def find(items: Mapping[str, T], key: str, label: str) -> T:
    try:
        return items[key]
    except KeyError:
        raise NotFound(f"{label} {key} not found") from None
