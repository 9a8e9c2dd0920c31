"""Which contract family a path belongs to, and the error a response that breaks its contract raises.

Apart from mocktmc/validation.py so that what every request needs does not import openapi-core, which only
`--validate all` and the tests use (importing it is a fifth of a cold start)."""
from __future__ import annotations

# Path prefix -> contract family.
FAMILY_PREFIXES = (("/orchestration/", "orchestration"), ("/processing/", "processing"),
                   ("/monitoring/", "monitoring"), ("/security/", "security"),
                   ("/account/", "security"), ("/tmc/", "legacy"), ("/_mocktmc/", "control"))


class ContractViolation(AssertionError):
    """A response that breaks its contract."""


def family_of(path: str) -> str | None:
    return next((family for prefix, family in FAMILY_PREFIXES if path.startswith(prefix)), None)
