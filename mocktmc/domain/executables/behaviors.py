"""What a run does: its outcome, how long it spends in each phase, rows, error, and log lines.

A task carries a BehaviorPlan: an optional sequence used one entry per run ("fail, then
succeed"), then its base behavior for every run after that. Sequence entries inherit every
field they do not set from the base.
"""
from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any, Mapping

from ..model import lifecycle as lc
from ..model.executables import DEFAULT_DURATIONS, Behavior, BehaviorPlan, GeneratedLines, LogLine

SEVERITIES = ("DEBUG", "INFO", "WARN", "ERROR")
# logLinesGenerated: at most this many lines a run (ten times what a log export keeps), each message at most
# this long: a behavior is a few fields, and must not become gigabytes of log.
MAX_GENERATED_LINES = 1_000_000
MAX_GENERATED_MESSAGE = 1000

# Seconds a run spends in each phase unless its behavior says otherwise: "succeed after a few seconds".

DEFAULT_ERRORS = {
    lc.FAILED: ("JobExecutionException", "The job ended with an error"),
    lc.DEPLOY_FAILED: ("DeploymentException", "The task could not be deployed to the processor"),
}


class BehaviorError(ValueError):
    """A behavior description that does not make sense; `path` names the offending field."""

    def __init__(self, path: tuple, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


_FIELDS = {"outcome", "durations", "processedRows", "rejectedRows", "errorType", "errorMessage", "logLines",
           "logLinesGenerated"}


def _non_negative_int(value: Any, path: tuple) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BehaviorError(path, f"must be a whole number >= 0, got {value!r}")
    return value


def _parse_one(spec: Any, path: tuple, inherit: Behavior, allowed: set[str] = _FIELDS) -> Behavior:
    if not isinstance(spec, Mapping):
        raise BehaviorError(path, f"must be a mapping, got {type(spec).__name__}")
    unknown = set(spec) - allowed
    if unknown:
        raise BehaviorError(path + (sorted(unknown)[0],),
                            f"unknown field; known fields: {', '.join(sorted(allowed))}")
    changes: dict[str, Any] = {}
    if "outcome" in spec:
        if spec["outcome"] not in lc.OUTCOMES:
            raise BehaviorError(path + ("outcome",), f"must be one of {', '.join(lc.OUTCOMES)}, "
                                                     f"got {spec['outcome']!r}")
        changes["outcome"] = spec["outcome"]
    if "durations" in spec:
        durations = spec["durations"]
        if not isinstance(durations, Mapping):
            raise BehaviorError(path + ("durations",), "must be a mapping of phase to seconds")
        merged = dict(inherit.durations)
        for phase, seconds in durations.items():
            if phase not in DEFAULT_DURATIONS:
                raise BehaviorError(path + ("durations", phase),
                                    f"unknown phase; phases: {', '.join(DEFAULT_DURATIONS)}")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < 10**9:
                raise BehaviorError(path + ("durations", phase), f"must be seconds >= 0, got {seconds!r}")
            merged[phase] = float(seconds)
        changes["durations"] = merged
    if "processedRows" in spec:
        changes["processed_rows"] = _non_negative_int(spec["processedRows"], path + ("processedRows",))
    if "rejectedRows" in spec:
        changes["rejected_rows"] = _non_negative_int(spec["rejectedRows"], path + ("rejectedRows",))
    for key, attr in (("errorType", "error_type"), ("errorMessage", "error_message")):
        if key in spec:
            if not isinstance(spec[key], str):
                raise BehaviorError(path + (key,), "must be a string")
            changes[attr] = spec[key]
    if "logLines" in spec:
        lines = spec["logLines"]
        if not isinstance(lines, list):
            raise BehaviorError(path + ("logLines",), "must be a list")
        parsed = []
        for i, line in enumerate(lines):
            if isinstance(line, str):
                parsed.append(LogLine("INFO", line))
            elif isinstance(line, Mapping) and isinstance(line.get("message"), str):
                severity = str(line.get("severity", "INFO")).upper()
                if severity not in SEVERITIES:
                    raise BehaviorError(path + ("logLines", i, "severity"),
                                        f"must be one of {', '.join(SEVERITIES)}")
                parsed.append(LogLine(severity, line["message"]))
            else:
                raise BehaviorError(path + ("logLines", i),
                                    "must be a string or a mapping with 'message' (and 'severity')")
        changes["log_lines"] = tuple(parsed)
    if "logLinesGenerated" in spec:
        changes["generated_lines"] = _generated(spec["logLinesGenerated"], path + ("logLinesGenerated",))
    behavior = replace(inherit, **changes)
    if behavior.outcome == lc.REJECTED and behavior.rejected_rows == 0:
        # A rejected run is one that has rejected rows.
        behavior = replace(behavior, rejected_rows=1)
    return behavior


def _generated(spec: Any, path: tuple) -> GeneratedLines | None:
    if spec is None:
        return None  # none generated (a sequence entry's way to drop its base's)
    if not isinstance(spec, Mapping):
        raise BehaviorError(path, "must be a mapping with 'count' (and 'message', 'severity')")
    unknown = set(spec) - {"count", "message", "severity"}
    if unknown:
        raise BehaviorError(path + (sorted(unknown)[0],), "unknown field; known fields: count, message, severity")
    if "count" not in spec:
        raise BehaviorError(path + ("count",), "is required")
    count = _non_negative_int(spec["count"], path + ("count",))
    if count > MAX_GENERATED_LINES:
        raise BehaviorError(path + ("count",), f"must be at most {MAX_GENERATED_LINES:,}, got {count}")
    message = spec.get("message", GeneratedLines.message)
    if not isinstance(message, str) or len(message) > MAX_GENERATED_MESSAGE:
        raise BehaviorError(path + ("message",), f"must be a string of at most {MAX_GENERATED_MESSAGE} characters")
    severity = str(spec.get("severity", "INFO")).upper()
    if severity not in SEVERITIES:
        raise BehaviorError(path + ("severity",), f"must be one of {', '.join(SEVERITIES)}")
    return GeneratedLines(count, message, severity)


def parse_behavior_plan(spec: Any, path: tuple = ()) -> BehaviorPlan:
    """Parse {outcome, durations, ..., sequence: [...]} into a BehaviorPlan."""
    base = _parse_one(spec, path, Behavior(), _FIELDS | {"sequence"})
    sequence = spec.get("sequence", [])
    if not isinstance(sequence, list):
        raise BehaviorError(path + ("sequence",), "must be a list of behaviors")
    return BehaviorPlan(base, deque(_parse_one(item, path + ("sequence", i), base)
                                    for i, item in enumerate(sequence)))
