"""A page of a run's log: the entries a reader may see, in a time window, in order, and where the next
page starts while more entries follow (clients loop on nextIndex until it is gone)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model.executions import LogEntry, TaskExecution


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    visible: int  # every entry written by now (totalSize)
    selected: int  # those within the window (totalSizeFiltered)
    next_index: int | None  # where the next page starts; None on the last page


def log_page(run: TaskExecution, now: datetime, *, start_index: int, count: int, descending: bool,
             start: datetime | None = None, end: datetime | None = None) -> LogPage:
    visible = run.visible_logs(now)
    selected = [entry for entry in visible
                if (start is None or entry.timestamp >= start) and (end is None or entry.timestamp <= end)]
    if descending:
        selected.reverse()
    entries = selected[start_index:start_index + count]
    following = start_index + len(entries)
    return LogPage(entries, len(visible), len(selected), following if following < len(selected) else None)
