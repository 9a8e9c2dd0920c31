"""mocktmc: a faithful, stateful, in-memory Talend Management Console API, and a contract kit."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .testing import MockTMC

__all__ = ["MockTMC", "__version__"]


def __getattr__(name: str) -> Any:
    """`from mocktmc import MockTMC` without making `import mocktmc` load Flask (the pytest plugin imports us)."""
    if name == "MockTMC":
        from .testing import MockTMC
        return MockTMC
    raise AttributeError(f"module 'mocktmc' has no attribute {name!r}")
