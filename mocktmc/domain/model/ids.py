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

    def state(self) -> tuple[int, list[int], float | None]:
        """The generator's whole state (version, numbers, pending gauss), for snapshots."""
        version, numbers, gauss = self._rng.getstate()
        return version, list(numbers), gauss

    @classmethod
    def from_state(cls, version: int, numbers: list[int], gauss: float | None) -> "IdSource":
        """A source that goes on exactly where the one whose `state()` this was stopped."""
        restored = cls("")
        restored._rng.setstate((version, tuple(numbers), gauss))
        return restored

    def secret(self, nbytes: int = 32) -> bytes:
        return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
