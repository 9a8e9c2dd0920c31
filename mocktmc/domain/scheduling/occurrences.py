"""When a trigger fires: a lazy, ordered stream of UTC instants, in the trigger's own time zone.

Days come from dateutil's rrule (DAILY, WEEKLY, MONTHLY with their interval) and cron
expressions from cronsim; times of day from atTimes. Daylight-saving transitions behave like
cron: a local time skipped in spring fires at the first valid instant after the gap, and a
local time repeated in autumn fires once (the first time it occurs).
"""
from __future__ import annotations

import bisect
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import islice
from typing import Iterable, Iterator, Literal, Mapping
from zoneinfo import ZoneInfo

from cronsim import CronSim
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday

_WEEKDAYS = {name: weekday(i) for i, name in enumerate(
    ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"))}
# rrule takes its frequency as one of its literal constants, not any int.
_FREQUENCIES: dict[str, Literal[1, 2, 3]] = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY}
FIRING_TYPES = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "CRON")  # MANUAL, WEBHOOK, MULTIPLE never fire on their own
_MS = timedelta(milliseconds=1)


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


def times_of_day(at_times: Mapping | None) -> tuple[time, ...]:
    """The times of day of an atTimes, in order; streams of equal definitions share one tuple."""
    if not at_times:
        return ()
    return _times_of_day(at_times.get("type"), at_times.get("time"), tuple(at_times.get("times") or ()),
                         at_times.get("startTime"), at_times.get("endTime"), at_times.get("interval"))


@lru_cache(maxsize=4096)
def _times_of_day(kind: str, at: str, times: tuple, start: str, end: str, step: int) -> tuple[time, ...]:
    if kind == "AT_TIME":
        return (_hh_mm(at),)
    if kind == "AT_SPECIFIC_TIMES":
        return tuple(sorted({_hh_mm(t) for t in times}))
    if kind == "AT_INTERVALS":
        first, last = _hh_mm(start), _hh_mm(end)
        return tuple(time(m // 60, m % 60)
                     for m in range(first.hour * 60 + first.minute, last.hour * 60 + last.minute + 1, step))
    return ()


def _rebased(kind: str, first: date, interval: int, from_day: date) -> date:
    """A start for the recurrence, whole periods after `first`, that yields the same days from `from_day` on.

    rrule walks every period from its start, so a trigger set up years ago would otherwise be
    replayed day by day on each query. The start stays at least one period before `from_day`, so a
    period that rrule cuts short at its start never reaches the days asked for.
    """
    if kind == "DAILY":
        periods = (from_day - first).days // interval
        return first + timedelta(days=interval * periods) if periods > 0 else first
    if kind == "WEEKLY":
        periods = (from_day - first).days // (7 * interval) - 1
        return first + timedelta(weeks=interval * periods) if periods > 0 else first
    months = (from_day.year - first.year) * 12 + from_day.month - first.month
    periods = months // interval - 1
    return first + relativedelta(months=interval * periods) if periods > 0 else first


def _days(trigger: Mapping, first: date, from_day: date) -> Iterator[date]:
    """The days the trigger runs on, from `from_day` (or earlier) on."""
    kind = trigger["type"]
    if kind == "ONCE":
        yield first
        return
    at_days = trigger.get("atDays") or {}
    interval = trigger.get("interval") or 1
    start = datetime.combine(_rebased(kind, first, interval, from_day), time())
    # Weekdays narrow only WEEKLY and the day of the month only MONTHLY; None is rrule's own default.
    weekdays = [_WEEKDAYS[d] for d in at_days.get("days", [])] if kind == "WEEKLY" else None
    month_day = at_days.get("day") if kind == "MONTHLY" else None
    for day in rrule(_FREQUENCIES[kind], dtstart=start, interval=interval, byweekday=weekdays, bymonthday=month_day):
        yield day.date()


def _single_ranges(field: str) -> str:
    """`a-a/n` means a alone; cronsim would read it as `a/n` (every n from a up to the field's end)."""
    parts = []
    for part in field.split(","):
        span, slash, step = part.partition("/")
        low, dash, high = span.partition("-")
        parts.append(low if dash and slash and low == high else part)
    return ",".join(parts)


def cron_fields(expression: str) -> list[str]:
    """The fields of a Quartz-style expression without seconds, as cronsim reads them: `?` is any."""
    return ["*" if f == "?" else _single_ranges(f) for f in expression.split()]


@lru_cache(maxsize=4096)
def _cron_times(minutes: str, hours: str) -> tuple[time, ...]:
    """The times of day a cron expression fires at: its minute and hour fields, on any day."""
    day = datetime(2000, 1, 1)
    times = []
    for moment in CronSim(f"{minutes} {hours} * * *", day - timedelta(minutes=1)):
        if moment.date() != day.date():
            break
        times.append(moment.time())
    return tuple(times)


def _cron_days(fields: list[str], from_day: date) -> Iterator[date]:
    """The days a cron expression fires on, from `from_day`: its day, month, weekday and year fields.

    A cron time matches when its minute and hour do and its day does, so the days come from the
    same expression at midnight and the times of day from the expression on any day.
    """
    years = _years(fields[5]) if len(fields) == 6 else None
    if years is not None and (not years or from_day.year > max(years)):
        return
    midnights = CronSim(" ".join(["0", "0"] + fields[2:5]), datetime.combine(from_day, time()) - timedelta(minutes=1))
    for moment in midnights:
        if years is not None and moment.year > max(years):
            return
        if years is None or moment.year in years:
            yield moment.date()


LAST_CRON_YEAR = 2099  # Quartz's year field ends here; `2024/2` means every other year up to it


def _years(field: str) -> set[int] | None:
    if field == "*":
        return None
    found: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        low, _, high = span.partition("-")
        last = int(high) if high else (LAST_CRON_YEAR if step else int(low))
        found.update(range(int(low), last + 1, int(step or 1)))
    return found


def _active_from(trigger: Mapping) -> datetime:
    first_day = date.fromisoformat(trigger["startDate"])
    return datetime.combine(first_day, _hh_mm(trigger["startTime"]) if trigger.get("startTime") else time())


def _instants(days: Iterable[tuple[date, tuple[time, ...]]], zone: ZoneInfo, active_from: datetime,
              after: datetime) -> Iterator[datetime]:
    """The local times of these days, from `active_from` on, as UTC instants strictly after `after`, each
    instant once. Leading days are cut by bisection: a local time's instant never decreases as it grows."""
    previous = None
    leading = True
    for day, times in days:
        first = 0
        if leading:
            first = bisect.bisect_right(times, after, key=lambda t: to_utc(datetime.combine(day, t), zone))
            if first == len(times):
                continue
            leading = False
        for t in islice(times, first, None):
            local = datetime.combine(day, t)
            if local < active_from:
                continue
            instant = to_utc(local, zone)
            if instant <= after or instant == previous:  # two skipped times can land on one instant
                continue
            previous = instant
            yield instant


def _day_times(trigger: Mapping, zone: ZoneInfo, after: datetime) -> Iterator[tuple[date, tuple[time, ...]]]:
    """(day, its times of day) of a trigger, from the day before `after` on."""
    from_day = after.astimezone(zone).date() - timedelta(days=1)
    if trigger["type"] == "CRON":
        fields = cron_fields(trigger["cronExpression"])
        times, days = _cron_times(fields[0], fields[1]), _cron_days(fields, from_day)
    else:
        times = times_of_day(trigger.get("atTimes"))
        days = _days(trigger, date.fromisoformat(trigger["startDate"]), from_day)
    if not times:
        return
    for day in days:
        if day >= from_day:
            yield day, times


def occurrences(trigger: Mapping, after: datetime) -> Iterator[datetime]:
    """UTC instants strictly after `after` when `trigger` fires, in order, without end for recurring ones."""
    if trigger.get("type") not in FIRING_TYPES:
        return iter(())
    zone = ZoneInfo(trigger["timeZone"])
    return _instants(_day_times(trigger, zone, after), zone, _active_from(trigger), after)


def _steady(zone: ZoneInfo, first: datetime, last: datetime) -> bool:
    """True when the zone's offset is the same, and unambiguous, from `first` to `last` of one day."""
    offsets = {moment.replace(tzinfo=zone, fold=fold).utcoffset() for moment in (first, last) for fold in (0, 1)}
    return len(offsets) == 1


def count_between(trigger: Mapping, start: datetime, end: datetime) -> int:
    """How many occurrences fall in [start, end], the same ones `occurrences` lists.

    Counted a day at a time: a day inside the range with no daylight-saving change between its
    first and last time counts all its times without converting each one.
    """
    kind = trigger.get("type")
    if kind not in FIRING_TYPES or end < start:
        return 0
    after = start - _MS
    zone = ZoneInfo(trigger["timeZone"])
    active_from = _active_from(trigger)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    total = 0
    for day, times in _day_times(trigger, zone, after):
        if day > last_day:
            break
        first, last = datetime.combine(day, times[0]), datetime.combine(day, times[-1])
        if first >= active_from and _steady(zone, first, last):
            low, high = to_utc(first, zone), to_utc(last, zone)
            if high <= after or low > end:
                continue
            if low > after and high <= end:
                total += len(times)
                continue
        total += sum(1 for instant in _instants(((day, times),), zone, active_from, after) if instant <= end)
    return total
