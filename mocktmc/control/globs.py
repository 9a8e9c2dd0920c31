"""Path patterns the control plane takes (fault rules, journal filters).

`*` matches within one path segment (no `/`), `**` matches anything, `/` included; every other
character is literal, so a pattern without `*` is an exact path. The query string is never part of it.
"""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part) for part in parts)
    return re.compile(regex + r"\Z", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """Whether a request path matches a pattern (the whole path, not a prefix of it)."""
    return _compiled(pattern).match(path) is not None
