"""Deterministic identifiers: the same seed gives the same ids, run after run."""
from __future__ import annotations

import random
import uuid


class IdSource:
    """24-hex ids for definitions (tasks, workspaces, ...) and UUIDs for runs, like the real service."""

    def __init__(self, seed: str) -> None:
        # random.Random seeds a str through SHA-512, so equal strings give equal sequences.
        self._rng = random.Random(seed)

    def hex24(self) -> str:
        return f"{self._rng.getrandbits(96):024x}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def secret(self, nbytes: int = 32) -> bytes:
        return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
