"""The request journal's store: the last `capacity` entries, numbered, safe to use from waitress' threads."""
from __future__ import annotations

import threading
from collections import deque
from typing import Callable

DEFAULT_CAPACITY = 10_000


class Journal:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._entries: deque[dict] = deque(maxlen=capacity)  # the oldest entry falls out first
        self._seq = 0  # never reset, so `since` stays meaningful across clears

    @property
    def capacity(self) -> int:
        return self._capacity

    def append(self, entry: dict) -> int:
        """Store an entry (never changed afterwards) under the next sequence number, which it returns. The entry
        is kept as given, its "seq" set (first among its keys when the caller put one there to be set)."""
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            return self._seq

    def entries(self, keep: Callable[[dict], bool] = lambda _entry: True) -> list[dict]:
        """The kept entries, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return [entry for entry in snapshot if keep(entry)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
