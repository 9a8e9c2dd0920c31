"""Pages of the {items, limit, offset, total} shape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    limit: int
    offset: int
    total: int


def paginate(items: Sequence[T], offset: int, limit: int) -> Page[T]:
    return Page(list(items[offset:offset + limit]), limit, offset, len(items))
