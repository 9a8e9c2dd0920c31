"""The FIQL filter of a list endpoint: published as `query` on some, `_s` on others; both are accepted."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from ..domain import fiql
from . import params


def fiql_filter(getters: Mapping[str, Callable[[Any], Any]]) -> Callable[[Any], bool]:
    return fiql.compile_filter(params.text("query") or params.text("_s"), getters)
