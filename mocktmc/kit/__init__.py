"""The contract kit: suites that tell whether a TMC target - the in-process mock, a mocktmc server, or
the real API - behaves as the contracts say. The suites live in `mocktmc.contracts` (the repository's
`contracts/`, next to the documents they check); this package is what they stand on: the target they
talk to, the named checks they record, and the report they print.
"""
from __future__ import annotations

from .checks import KitFailure, check
from .target import Target, TargetOptions, open_target

__all__ = ["KitFailure", "Target", "TargetOptions", "check", "open_target"]
