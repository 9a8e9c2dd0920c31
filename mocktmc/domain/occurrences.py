"""When a trigger fires: a lazy, ordered stream of UTC instants, in the trigger's own time zone.

Days come from dateutil's rrule (DAILY, WEEKLY, MONTHLY with their interval) and cron
expressions from cronsim; times of day from atTimes. Daylight-saving transitions behave like
cron: a local time skipped in spring fires at the first valid instant after the gap, and a
local time repeated in autumn fires once (the first time it occurs).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator, Mapping
from zoneinfo import ZoneInfo

from cronsim import CronSim
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday

_WEEKDAYS = {name: weekday(i) for i, name in enumerate(
    ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"))}
_FREQUENCIES = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY}


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time as a UTC instant: the first of a repeated time, the end of a skipped one."""
    instant = local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    if instant.astimezone(zone).replace(tzinfo=None) == local:
        return instant
    # Skipped (spring forward): walk to the first instant whose local time is not before `local`.
    candidate = min(instant, local.replace(tzinfo=zone, fold=1).astimezone(timezone.utc))
    while candidate.astimezone(zone).replace(tzinfo=None) < local:
        candidate += timedelta(minutes=1)
    return candidate


def _hh_mm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def times_of_day(at_times: Mapping | None) -> list[time]:
    if not at_times:
        return []
    kind = at_times.get("type")
    if kind == "AT_TIME":
        return [_hh_mm(at_times["time"])]
    if kind == "AT_SPECIFIC_TIMES":
        return sorted({_hh_mm(t) for t in at_times.get("times", [])})
    if kind == "AT_INTERVALS":
        start, end = _hh_mm(at_times["startTime"]), _hh_mm(at_times["endTime"])
        step, minute, last = at_times["interval"], start.hour * 60 + start.minute, end.hour * 60 + end.minute
        return [time(m // 60, m % 60) for m in range(minute, last + 1, step)]
    return []


def _days(trigger: Mapping, first: date) -> Iterator[date]:
    kind = trigger["type"]
    if kind == "ONCE":
        yield first
        return
    at_days = trigger.get("atDays") or {}
    options = {"freq": _FREQUENCIES[kind], "interval": trigger.get("interval") or 1,
               "dtstart": datetime.combine(first, time())}
    if kind == "WEEKLY":
        options["byweekday"] = [_WEEKDAYS[d] for d in at_days.get("days", [])]
    if kind == "MONTHLY":
        options["bymonthday"] = at_days.get("day")
    for day in rrule(**options):
        yield day.date()


def _cron_local_times(expression: str, start: datetime) -> Iterator[datetime]:
    fields = expression.split()
    years = _years(fields[5]) if len(fields) == 6 else None
    cron = " ".join("*" if f == "?" else f for f in fields[:5])
    if years is not None and (not years or start.year > max(years)):
        return
    for local in CronSim(cron, start - timedelta(minutes=1)):
        if years is not None and local.year > max(years):
            return
        if years is None or local.year in years:
            yield local


def _years(field: str) -> set[int] | None:
    if field == "*":
        return None
    found: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        low, _, high = span.partition("-")
        found.update(range(int(low), int(high or low) + 1, int(step or 1)))
    return found


def occurrences(trigger: Mapping, after: datetime) -> Iterator[datetime]:
    """UTC instants strictly after `after` when `trigger` fires, in order, without end for recurring ones."""
    kind = trigger.get("type")
    if kind not in ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "CRON"):
        return  # MANUAL, WEBHOOK, MULTIPLE: nothing fires on its own
    zone = ZoneInfo(trigger["timeZone"])
    first_day = date.fromisoformat(trigger["startDate"])
    active_from = datetime.combine(first_day, _hh_mm(trigger["startTime"]) if trigger.get("startTime") else time())
    after_local = after.astimezone(zone).replace(tzinfo=None)
    previous = None
    if kind == "CRON":
        local_times = _cron_local_times(trigger["cronExpression"], max(active_from, after_local.replace(second=0,
                                                                                                    microsecond=0)))
    else:
        times = times_of_day(trigger.get("atTimes"))
        local_times = (datetime.combine(day, t) for day in _days(trigger, first_day) for t in times)
    for local in local_times:
        if local < active_from:
            continue
        instant = to_utc(local, zone)
        if instant <= after or instant == previous:  # two skipped times can land on one instant
            continue
        previous = instant
        yield instant
