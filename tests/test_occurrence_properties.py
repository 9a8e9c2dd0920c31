"""Trigger occurrences against an independent expansion of the trigger rules.

Random ONCE, DAILY, WEEKLY, MONTHLY and CRON triggers (and MANUAL/WEBHOOK ones, which never fire),
in zones with and without daylight saving (Lord Howe's half-hour shift and Santiago's midnight
shift included), over ranges of up to 40 days that often straddle a transition of the zone:

- the instants `occurrences` lists in [start, end] are those of an oracle written here, which walks
  the local calendar a day at a time, decides from the trigger's rules whether the day fires, and
  converts each local time with zoneinfo folds (a skipped time fires when the gap ends, a repeated
  one at its first occurrence, each instant once); `count_between` gives their number;
- the stream is strictly increasing, strictly after `after`, and started again from any instant it
  produced (or from any moment in between) it goes on with the same instants.

The oracle uses neither dateutil's rrule, cronsim nor the private helpers of the module under test.
Cron fields follow cronsim: `?` is `*`, weekdays run 0-7 with 0 and 7 both Sunday, `a/n` steps up to
the field's maximum, and day-of-month and day-of-week are OR-ed unless either starts with `*`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings, strategies as st

from mocktmc.domain.scheduling.occurrences import count_between, occurrences
from mocktmc.domain.scheduling.triggers import check_trigger
from mocktmc.errors import BadRequest

UTC = timezone.utc
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago",
         "Asia/Kolkata")
DAY_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
FIRING = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "CRON")
CRON_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7), (1970, 2099))
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2030, 12, 31)
ONE_DAY = timedelta(days=1)


def _transition_between(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant, to the second, at which the offset of `before` becomes that of `after`."""
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + timedelta(seconds=(after - before) // timedelta(seconds=1) // 2)
        before, after = (before, middle) if middle.astimezone(zone).utcoffset() == offset_after else (middle, after)
    return after


def _transitions(zone_name: str) -> list[datetime]:
    """The instants, in 2023-2030, at which the zone's offset changes."""
    zone, found = ZoneInfo(zone_name), []
    noon = datetime.combine(FIRST_DAY, time(12), UTC)
    while noon.date() < LAST_DAY:
        if noon.astimezone(zone).utcoffset() != (noon + ONE_DAY).astimezone(zone).utcoffset():
            found.append(_transition_between(zone, noon, noon + ONE_DAY))
        noon += ONE_DAY
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time as UTC: a repeated one at its first occurrence, a skipped one when its gap ends."""
    earlier, later = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() >= later.utcoffset():
        return earlier.astimezone(UTC)
    return _transition_between(zone, later.astimezone(UTC), earlier.astimezone(UTC))


def clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def cron_values(field: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span in ("*", "?"):
            first, last = low, high
        elif "-" in span:
            first, last = (int(bound) for bound in span.split("-"))
        else:
            first = int(span)
            last = high if step else first
        values.update(range(first, last + 1, int(step or 1)))
    return values


class Cron:
    """A cron expression as the minutes of the day it fires at and a test of the days it fires on."""

    def __init__(self, expression: str):
        fields = expression.split()
        minutes, hours, self.days, self.months, weekdays = (
            cron_values(field, *bounds) for field, bounds in zip(fields[:5], CRON_BOUNDS))
        self.minutes_of_day = [hour * 60 + minute for hour in hours for minute in minutes]
        self.weekdays = {weekday % 7 for weekday in weekdays}
        self.years = cron_values(fields[5], *CRON_BOUNDS[5]) if len(fields) == 6 else None
        self.either_day = not fields[2].startswith(("*", "?")) and not fields[4].startswith(("*", "?"))

    def fires_on(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        by_date, by_weekday = day.day in self.days, (day.weekday() + 1) % 7 in self.weekdays
        return by_date or by_weekday if self.either_day else by_date and by_weekday


@lru_cache(maxsize=None)
def parse_cron(expression: str) -> Cron:
    return Cron(expression)


def minutes_of_day(trigger: dict) -> list[int]:
    if trigger["type"] == "CRON":
        return parse_cron(trigger["cronExpression"]).minutes_of_day
    at_times = trigger["atTimes"]
    if at_times["type"] == "AT_TIME":
        return [clock(at_times["time"])]
    if at_times["type"] == "AT_SPECIFIC_TIMES":
        return [clock(text) for text in at_times["times"]]
    found, minute = [], clock(at_times["startTime"])
    while minute <= clock(at_times["endTime"]):
        found.append(minute)
        minute += at_times["interval"]
    return found


def fires_on(trigger: dict, day: date) -> bool:
    kind, first = trigger["type"], date.fromisoformat(trigger["startDate"])
    if kind == "CRON":
        return parse_cron(trigger["cronExpression"]).fires_on(day)
    if kind == "ONCE" or day < first:
        return day == first
    interval = trigger.get("interval") or 1
    if kind == "DAILY":
        return (day - first).days % interval == 0
    if kind == "WEEKLY":
        weeks = ((day - timedelta(days=day.weekday())) - (first - timedelta(days=first.weekday()))).days // 7
        return DAY_NAMES[day.weekday()] in trigger["atDays"]["days"] and weeks % interval == 0
    months = (day.year - first.year) * 12 + day.month - first.month
    return day.day == trigger["atDays"]["day"] and months % interval == 0


def expected_between(trigger: dict, start: datetime, end: datetime) -> list[datetime]:
    if trigger["type"] not in FIRING:
        return []
    zone = ZoneInfo(trigger["timeZone"])
    start_time = timedelta(minutes=clock(trigger.get("startTime", "00:00")))
    active_from = datetime.fromisoformat(trigger["startDate"]) + start_time
    minutes = sorted(set(minutes_of_day(trigger)))
    found: set[datetime] = set()
    day, last_day = start.astimezone(zone).date() - ONE_DAY, end.astimezone(zone).date() + ONE_DAY
    while day <= last_day:
        if fires_on(trigger, day):
            for minute in minutes:
                local = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
                if local >= active_from and start <= (instant := local_to_utc(local, zone)) <= end:
                    found.add(instant)
        day += ONE_DAY
    return sorted(found)


def listed_between(trigger: dict, start: datetime, end: datetime) -> list[datetime]:
    return list(takewhile(lambda instant: instant <= end, occurrences(trigger, start - timedelta(microseconds=1))))


def _shifted_span(zone: ZoneInfo, instant: datetime) -> tuple[datetime, datetime]:
    """The local wall times [first, last) that the transition at `instant` skips or repeats."""
    offsets = ((instant - timedelta(seconds=1)).astimezone(zone).utcoffset(), instant.astimezone(zone).utcoffset())
    first, last = sorted(instant.astimezone(timezone(offset)).replace(tzinfo=None) for offset in offsets)
    return first, last


def _shifted_minutes(zone_name: str) -> list[tuple[int, int]]:
    """The spans of minutes of the day (first, last) that a transition of the zone skips or repeats."""
    spans = set()
    for instant in TRANSITIONS[zone_name]:
        first, last = _shifted_span(ZoneInfo(zone_name), instant)
        start = first.hour * 60 + first.minute
        spans.add((start, start + (last - first) // timedelta(minutes=1) - 1))
    return sorted(spans)


SHIFTED = {zone: _shifted_minutes(zone) for zone in ZONES}


def transition_day(zone: str, instant: datetime) -> date:
    """The local day whose times a transition skips or repeats."""
    return _shifted_span(ZoneInfo(zone), instant)[0].date()


def shifted_minutes(zone: str):
    return st.one_of(*(st.integers(first, last) for first, last in SHIFTED[zone] or [(0, 1439)]))


def clock_minutes(zone: str):
    """Minutes of the day, half the time within a span that daylight saving skips or repeats in the zone."""
    return st.one_of(shifted_minutes(zone), st.integers(0, 1439))


def hh_mm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def intervals(draw, zone: str) -> dict:
    """AT_INTERVALS, its endTime half the time one of its steps."""
    first, step = draw(clock_minutes(zone)), draw(st.one_of(st.integers(1, 60), st.integers(61, 720)))
    if first + step <= 1439 and draw(st.booleans()):
        last = first + step * draw(st.integers(1, (1439 - first) // step))
    else:
        last = draw(clock_minutes(zone).filter(lambda minute: minute != first))
    first, last = sorted((first, last))
    return {"type": "AT_INTERVALS", "startTime": hh_mm(first), "endTime": hh_mm(last), "interval": step}


def at_times(zone: str):
    times = clock_minutes(zone)
    return st.one_of(
        times.map(lambda minute: {"type": "AT_TIME", "time": hh_mm(minute)}),
        st.one_of(st.lists(shifted_minutes(zone), min_size=2, max_size=4), st.lists(times, min_size=1, max_size=6)).map(
            lambda chosen: {"type": "AT_SPECIFIC_TIMES", "times": [hh_mm(minute) for minute in chosen]}),
        intervals(zone))


def cron_field(value, max_step: int, *wildcards: str):
    """`*`, `?`, or a list of values, ranges `a-b`, and steps `*/n`, `a/n`, `a-b/n`.

    Ranges may be a single value (`a-a/n` is a alone).
    """
    span = st.lists(value, min_size=2, max_size=2).map(lambda pair: f"{min(pair)}-{max(pair)}")
    step = st.integers(1, max_step)
    part = st.one_of(value.map(str), span, st.builds(lambda n: f"*/{n}", step),
                     st.builds(lambda start, n: f"{start}/{n}", value, step),
                     st.builds(lambda first, n: f"{first}/{n}", span, step))
    return st.one_of(st.sampled_from(wildcards), st.lists(part, min_size=1, max_size=3).map(",".join))


def year_field(near: int):
    """`a-b/n` (which mostly leaves `near` out), `a/n` (to 2099), `*`, a year, `a-b` or a list of years, around
    the year `near`."""
    year = st.integers(near - 2, near + 2)
    stepped = st.builds(lambda first, length, n: f"{first}-{first + length}/{n}", st.integers(near - 3, near - 1),
                        st.integers(3, 6), st.integers(2, 3))
    open_ended = st.builds(lambda first, n: f"{first}/{n}", st.integers(near - 3, near), st.integers(1, 3))
    return st.one_of(stepped, open_ended, st.just("*"), year.map(str),
                     st.builds(lambda first, length: f"{first}-{first + length}", year, st.integers(0, 4)),
                     st.lists(year, min_size=2, max_size=3).map(lambda years: ",".join(map(str, years))))


@st.composite
def cron_expressions(draw, zone: str, near: date) -> str:
    hours = clock_minutes(zone).map(lambda minute: minute // 60)
    fields = [draw(cron_field(st.integers(0, 59), 30, "*")), draw(cron_field(hours, 12, "*")),
              draw(cron_field(st.one_of(st.integers(1, 31), st.just(near.day)), 15, "*", "?")),
              draw(cron_field(st.one_of(st.integers(1, 12), st.just(near.month)), 6, "*", "?")),
              draw(cron_field(st.one_of(st.integers(0, 7), st.just((near.weekday() + 1) % 7)), 3, "*", "?"))]
    if draw(st.sampled_from((True, False))):
        fields.append(draw(year_field(near.year)))
    assume(len(Cron(" ".join(fields)).minutes_of_day) <= 360)
    return " ".join(fields)


def _months_before(day: date, months: int, day_of_month: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, day_of_month)


@st.composite
def first_days(draw, kind: str, interval: int, start: datetime, end: datetime, anchor: date | None) -> date:
    """startDate: for a trigger anchored on a day, one from which the trigger runs on that day."""
    if anchor is None or kind in ("MANUAL", "WEBHOOK"):
        near, days = start.date(), (end.date() - start.date()).days
        if kind == "ONCE":
            return near + timedelta(days=draw(st.integers(-1, days + 1)))
        return near + timedelta(days=draw(st.one_of(st.integers(-3, days + 1), st.integers(-1000, 0))))
    if kind == "ONCE":
        return anchor
    if kind in ("DAILY", "CRON"):
        return anchor - timedelta(days=interval * draw(st.integers(0, 400)))
    periods = draw(st.integers(0, 40))
    if kind == "WEEKLY":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday - timedelta(weeks=interval * periods) + timedelta(
            days=draw(st.integers(0, 6 if periods else anchor.weekday())))
    return _months_before(anchor, interval * periods, draw(st.integers(1, 28 if periods else min(anchor.day, 28))))


@st.composite
def triggers(draw, zone: str, start: datetime, end: datetime, anchor: date | None = None) -> dict:
    """A valid trigger that starts before or within [start, end] (a ONCE trigger within it, give or take a day).

    With an anchor, the trigger runs on that day (a cron expression only sometimes).
    """
    kind = draw(st.sampled_from(("DAILY", "WEEKLY", "MONTHLY", "CRON") * 3 + ("ONCE", "ONCE", "MANUAL", "WEBHOOK")))
    interval = draw(st.one_of(st.none(), st.integers(1, 3))) if kind in ("DAILY", "WEEKLY", "MONTHLY") else None
    first = draw(first_days(kind, interval or 1, start, end, anchor))
    trigger = {"type": kind, "startDate": first.isoformat(), "timeZone": zone}
    if draw(st.sampled_from((True, False))):
        trigger["startTime"] = hh_mm(draw(clock_minutes(zone)))
    if interval is not None:
        trigger["interval"] = interval
    if kind in ("ONCE", "DAILY", "WEEKLY", "MONTHLY"):
        trigger["atTimes"] = draw(at_times(zone))
    if kind == "WEEKLY":
        days = set(draw(st.lists(st.sampled_from(DAY_NAMES), min_size=0 if anchor else 1, max_size=7)))
        trigger["atDays"] = {"type": "DAY_OF_WEEK",
                             "days": sorted(days | ({DAY_NAMES[anchor.weekday()]} if anchor else set()))}
    if kind == "MONTHLY":
        day = anchor.day if anchor else draw(st.one_of(st.integers(1, 31), st.integers(28, 31)))
        trigger["atDays"] = {"type": "DAY_OF_MONTH", "day": day}
    if kind == "CRON":
        trigger["cronExpression"] = draw(cron_expressions(zone, anchor or start.date()))
    if kind == "WEBHOOK":
        trigger["webhook"] = {"name": "hook"}
    try:
        return check_trigger(trigger)
    except BadRequest:
        assume(False)


def _minutes(bound: int):
    """Up to `bound` minutes, a day or more half the time (so that what Hypothesis deems simplest spans a day)."""
    return st.one_of(st.integers(1440, bound), st.integers(1, 1439)).map(lambda minutes: timedelta(minutes=minutes))


def _seconds(moment: datetime):
    return st.one_of(st.just(0), st.integers(0, 59)).map(lambda second: moment.replace(second=second, microsecond=0))


@st.composite
def cases(draw) -> tuple[dict, datetime, datetime]:
    """(trigger, start, end): up to 40 days in 2023-2030, mostly around a transition of the zone with a trigger
    that runs on the day of the transition."""
    zone = draw(st.sampled_from(ZONES))
    if TRANSITIONS[zone] and draw(st.sampled_from((True, True, False))):
        transition = draw(st.sampled_from(TRANSITIONS[zone]))
        start = draw(_seconds(transition - draw(_minutes(20 * 1440))))
        end = transition + draw(_minutes(20 * 1440))
        return draw(triggers(zone, start, end, transition_day(zone, transition))), start, end
    start = draw(_seconds(draw(st.datetimes(datetime(2023, 1, 1), datetime(2030, 11, 15))).replace(tzinfo=UTC)))
    end = start + draw(_minutes(40 * 1440))
    return draw(triggers(zone, start, end)), start, end


@settings(max_examples=600, deadline=None)
@given(case=cases(), data=st.data())
def test_occurrences_and_counts_in_a_range_match_the_oracle(case, data):
    trigger, start, end = case
    expected = expected_between(trigger, start, end)
    if expected and data.draw(st.booleans(), label="bounds on occurrences"):
        start = data.draw(st.sampled_from(expected), label="start")
        end = data.draw(st.sampled_from([instant for instant in expected if instant >= start]), label="end")
        expected = [instant for instant in expected if start <= instant <= end]
    assert listed_between(trigger, start, end) == expected
    assert count_between(trigger, start, end) == len(expected)


@settings(max_examples=250, deadline=None)
@given(case=cases(), data=st.data())
def test_the_stream_increases_and_resumes_from_any_instant(case, data):
    trigger, start, _ = case
    after = start + timedelta(microseconds=data.draw(st.integers(0, 999_999), label="microseconds"))
    stream = list(islice(occurrences(trigger, after), 40))
    assert all(instant.utcoffset() == timedelta(0) for instant in stream)
    assert all(instant > after for instant in stream)
    assert all(earlier < later for earlier, later in zip(stream, stream[1:]))
    if not stream:
        return
    resume = data.draw(st.integers(0, len(stream) - 1), label="resume at")
    rest = stream[resume + 1:]
    assert list(islice(occurrences(trigger, stream[resume]), len(rest))) == rest
    if rest:
        between = stream[resume] + (rest[0] - stream[resume]) * data.draw(st.floats(0, 0.999), label="fraction")
        assert list(islice(occurrences(trigger, between), len(rest))) == rest
