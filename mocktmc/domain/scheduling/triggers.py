"""Triggers of run configurations: what a schedule says, checked when it is set.

Stored as the client sent them (normalized), so GET gives back what PUT received; the scheduler
turns them into occurrences.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from ...errors import BadRequest
from .occurrences import cron_fields

TRIGGER_TYPES = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "WEBHOOK", "MANUAL", "CRON", "MULTIPLE")
DAYS_OF_WEEK = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_YEAR_FIELD = re.compile(r"\*|\d{4}(-\d{4})?(/\d+)?(,\d{4}(-\d{4})?)*")


def manual_trigger(created: datetime) -> dict:
    """What a task or plan never scheduled answers: it runs when asked."""
    return {"type": "MANUAL", "startDate": created.date().isoformat(), "timeZone": "UTC"}


def _fail(field: str, message: str) -> BadRequest:
    return BadRequest(f"trigger.{field}: {message}")


def _time(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _HH_MM.fullmatch(value):
        raise _fail(field, f"must be a time HH:mm, got {value!r}")
    return value


def check_cron(expression: Any) -> str:
    """Quartz-style, without seconds: minute hour day-of-month month day-of-week [year]; '?' means any."""
    if not isinstance(expression, str) or not expression.strip():
        raise _fail("cronExpression", "is required for a CRON trigger")
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise _fail("cronExpression", f"needs 5 fields (minute hour day month weekday) and an optional year, "
                                      f"got {len(fields)}: {expression!r}")
    if len(fields) == 6 and not _YEAR_FIELD.fullmatch(fields[5]):
        raise _fail("cronExpression", f"bad year field {fields[5]!r}")
    try:
        CronSim(" ".join(cron_fields(expression)[:5]), datetime(2000, 1, 1))
    except CronSimError as exc:
        raise _fail("cronExpression", f"{exc} in {expression!r}") from None
    return expression


def check_trigger(raw: Mapping[str, Any], *, allow_multiple: bool = False, today: date | None = None) -> dict:
    """The trigger as stored, or the 400 that names what is wrong. A MANUAL or WEBHOOK trigger, which has no
    occurrences, may leave out its start date and time zone (clients send {"type": "MANUAL"}): they are
    `today` and UTC then."""
    if not isinstance(raw, Mapping):
        raise BadRequest("trigger must be an object")
    trigger = dict(raw)
    kind = trigger.get("type")
    if kind not in TRIGGER_TYPES:
        raise _fail("type", f"must be one of {', '.join(TRIGGER_TYPES)}, got {kind!r}")
    if kind == "MULTIPLE" and not allow_multiple:
        raise _fail("type", "MULTIPLE means a linked schedule: link one with PUT .../schedule")
    if kind in ("MANUAL", "WEBHOOK") and today is not None:
        trigger = {"startDate": today.isoformat(), "timeZone": "UTC", **trigger}
    try:
        date.fromisoformat(str(trigger.get("startDate")))
    except ValueError:
        raise _fail("startDate", f"must be a date YYYY-MM-DD, got {trigger.get('startDate')!r}") from None
    try:
        ZoneInfo(str(trigger.get("timeZone")))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail("timeZone", f"must be a time zone such as Europe/Paris, got {trigger.get('timeZone')!r}") from None
    if "startTime" in trigger:
        _time(trigger["startTime"], "startTime")
    interval = trigger.get("interval", 1)
    if kind in ("DAILY", "WEEKLY", "MONTHLY") and (isinstance(interval, bool) or not isinstance(interval, int)
                                                   or interval < 1):
        raise _fail("interval", f"must be a whole number >= 1, got {interval!r}")
    if kind == "CRON":
        check_cron(trigger.get("cronExpression"))
    if kind == "WEBHOOK":
        _check_webhook(trigger.get("webhook"))
    if kind in ("ONCE", "DAILY", "WEEKLY", "MONTHLY"):
        _check_times(trigger.get("atTimes"))
    if kind == "WEEKLY":
        days = (trigger.get("atDays") or {}).get("days") or []
        if (trigger.get("atDays") or {}).get("type") != "DAY_OF_WEEK" or not days or \
                any(day not in DAYS_OF_WEEK for day in days):
            raise _fail("atDays", "a WEEKLY trigger needs atDays {type: DAY_OF_WEEK, days: [MONDAY, ...]}")
    if kind == "MONTHLY":
        day = (trigger.get("atDays") or {}).get("day")
        if (trigger.get("atDays") or {}).get("type") != "DAY_OF_MONTH" or not isinstance(day, int) \
                or not 1 <= day <= 31:
            raise _fail("atDays", "a MONTHLY trigger needs atDays {type: DAY_OF_MONTH, day: 1..31}")
    return trigger


def _check_webhook(webhook: Any) -> None:
    if not (isinstance(webhook, Mapping) and isinstance(webhook.get("name"), str) and webhook["name"].strip()):
        raise _fail("webhook", "a WEBHOOK trigger needs webhook.name")
    for name in ("triggerCalls", "triggerTimeout"):
        value = webhook.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise _fail(f"webhook.{name}", f"must be a whole number >= 1, got {value!r}")


def _check_times(at_times: Any) -> None:
    if at_times is None:
        raise _fail("atTimes", "is required for ONCE, DAILY, WEEKLY and MONTHLY triggers")
    kind = at_times.get("type")
    if kind == "AT_TIME":
        _time(at_times.get("time"), "atTimes.time")
    elif kind == "AT_SPECIFIC_TIMES":
        times = at_times.get("times") or []
        if not times:
            raise _fail("atTimes.times", "needs at least one time")
        for value in times:
            _time(value, "atTimes.times")
    elif kind == "AT_INTERVALS":
        start, end = _time(at_times.get("startTime"), "atTimes.startTime"), _time(at_times.get("endTime"),
                                                                                   "atTimes.endTime")
        if end <= start:
            raise _fail("atTimes.endTime", "must be after startTime")
        if not isinstance(at_times.get("interval"), int) or at_times["interval"] < 1:
            raise _fail("atTimes.interval", "must be a number of minutes >= 1")
    else:
        raise _fail("atTimes.type", f"must be AT_TIME, AT_SPECIFIC_TIMES or AT_INTERVALS, got {kind!r}")
