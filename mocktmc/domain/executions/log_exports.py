"""Log files of a run, prepared for download: a token valid one hour, a file ready a moment later,
and a download address that works without a bearer token for 60 minutes."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from ...errors import BadRequest, NotFound
from ..common.timeutil import to_iso, to_ms
from ..model.executions import LogExport, TaskExecution
from ..world import World

TOKEN_LIFETIME = timedelta(hours=1)
URL_LIFETIME = timedelta(minutes=60)
PREPARATION = timedelta(seconds=2)  # IN_PROGRESS this long, then READY
MAX_ENTRIES = 100_000  # a larger log is cut there, and the answer is 206


def create_export(world: "World", run: TaskExecution, at: datetime, *, file_format: str,
                  start: datetime | None, end: datetime | None, new_file_name: bool) -> LogExport:
    entries = [e for e in run.visible_logs(at) if (start is None or e.timestamp >= start)
               and (end is None or e.timestamp <= end)]
    truncated = len(entries) > MAX_ENTRIES
    next_end = None
    if truncated and "log_export_keeps_last" in world.quirks:  # the service keeps the newest entries
        next_end = entries[-MAX_ENTRIES - 1].timestamp
        entries = entries[-MAX_ENTRIES:]
    else:  # as the documents leave it: the first entries
        entries = entries[:MAX_ENTRIES]
    if file_format == "JSON":
        # One entry per line, each encoded by json's C encoder (an indented whole takes its pure-Python one,
        # several times slower on a 100,000-entry log).
        content = ("[\n" + ",\n".join(json.dumps({"logTimestamp": to_ms(e.timestamp), "severity": e.severity,
                                                   "logType": e.log_type, "logMessage": e.message})
                                        for e in entries) + "\n]\n").encode()
        media_type = "application/json"
    else:
        content = "".join(f"{to_iso(e.timestamp)} {e.severity} {e.message}\n" for e in entries).encode()
        media_type = "text/plain"
    name = f"{run.task_id}_{run.id}.log" if new_file_name else f"{run.id}.log"
    export = LogExport(world.ids.hex24() + world.ids.hex24(), run.id, at, name, media_type, content, len(entries),
                       truncated, world.ids.hex24() + world.ids.hex24(), next_end=next_end)
    world.log_exports[export.token] = export
    return export


def export_status(world: "World", run: TaskExecution, token: str, at: datetime) -> LogExport | None:
    """The export if it is ready (its address then valid 60 minutes), None while it is being prepared."""
    export = world.log_exports.get(token)
    if export is None or export.execution_id != run.id or at > export.created + TOKEN_LIFETIME:
        raise NotFound("Unknown or expired log download token")
    if at < export.created + PREPARATION:
        return None
    if export.url_expires is None:
        export.url_expires = at + URL_LIFETIME
    return export


def download(world: "World", download_id: str, at: datetime) -> LogExport:
    export = next((e for e in world.log_exports.values() if e.download_id == download_id), None)
    if export is None or export.url_expires is None or at > export.url_expires:
        raise NotFound("Unknown or expired download address")
    return export


def delete_logs(world: "World", execution_id: str) -> None:
    """Execution ids are UUIDs; anything else is a 400, as published."""
    try:
        uuid.UUID(execution_id)
    except ValueError:
        raise BadRequest("execution ID is not a UUID") from None
    run = world.execution(execution_id)
    run.logs = [entry for entry in run.logs if entry.timestamp > world.now]  # output still to come stays
    for token in [t for t, e in world.log_exports.items() if e.execution_id == run.id]:
        del world.log_exports[token]
