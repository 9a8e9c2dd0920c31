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
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings, strategies as st

from mocktmc.domain.occurrences import count_between, occurrences
from mocktmc.domain.triggers import check_trigger
from mocktmc.errors import BadRequest

UTC = timezone.utc
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago",
         "Asia/Kolkata")
DAY_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
FIRING = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "CRON")
CRON_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7), (1970, 2099))
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2030, 12, 31)
ONE_DAY = timedelta(days=1)


def _transitions(zone_name: str) -> list[datetime]:
    """The instants, in 2023-2030, at which the zone's offset changes."""
    zone, found = ZoneInfo(zone_name), []
    noon = datetime.combine(FIRST_DAY, time(12), UTC)
    while noon.date() < LAST_DAY:
        before, after = noon, noon + ONE_DAY
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            offset_after = after.astimezone(zone).utcoffset()
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (before, middle) if middle.astimezone(zone).utcoffset() == offset_after else (middle,
                                                                                                              after)
            found.append(after.replace(microsecond=0))
        noon += ONE_DAY
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    earlier, later = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() >= later.utcoffset():
        return earlier.astimezone(UTC)
    before_gap, after_gap = later.astimezone(UTC), earlier.astimezone(UTC)
    offset_after = later.utcoffset()
    while after_gap - before_gap > timedelta(seconds=1):
        middle = before_gap + timedelta(seconds=(after_gap - before_gap).total_seconds() // 2)
        if middle.astimezone(zone).utcoffset() == offset_after:
            after_gap = middle
        else:
            before_gap = middle
    return after_gap


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


def minutes_of_day(trigger: dict) -> list[int]:
    if trigger["type"] == "CRON":
        return Cron(trigger["cronExpression"]).minutes_of_day
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
        return Cron(trigger["cronExpression"]).fires_on(day)
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
    active_from = datetime.fromisoformat(trigger["startDate"]) + timedelta(minutes=clock(trigger.get("startTime",
                                                                                                     "00:00")))
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


hours = st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 2, 3, 23]))
minutes = st.one_of(st.sampled_from([0, 15, 30, 45, 59]), st.integers(0, 59))
clock_minutes = st.builds(lambda hour, minute: hour * 60 + minute, hours, minutes)


def hh_mm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def at_times():
    return st.one_of(
        clock_minutes.map(lambda minute: {"type": "AT_TIME", "time": hh_mm(minute)}),
        st.lists(clock_minutes, min_size=1, max_size=6).map(
            lambda chosen: {"type": "AT_SPECIFIC_TIMES", "times": [hh_mm(minute) for minute in chosen]}),
        st.builds(lambda bounds, interval: {"type": "AT_INTERVALS", "startTime": hh_mm(min(bounds)),
                                            "endTime": hh_mm(max(bounds)), "interval": interval},
                  st.lists(clock_minutes, min_size=2, max_size=2, unique=True),
                  st.one_of(st.integers(1, 60), st.integers(61, 720))))


def cron_field(low: int, high: int, max_step: int, *wildcards: str):
    value = st.integers(low, high)
    span = st.lists(value, min_size=2, max_size=2).map(lambda pair: f"{min(pair)}-{max(pair)}")
    step = st.integers(1, max_step)
    part = st.one_of(value.map(str), span, st.builds(lambda n: f"*/{n}", step),
                     st.builds(lambda start, n: f"{start}/{n}", value, step),
                     st.builds(lambda first, n: f"{first}/{n}", span, step))
    return st.one_of(st.sampled_from(wildcards), st.lists(part, min_size=1, max_size=3).map(",".join))


year = st.integers(2022, 2031)
year_field = st.one_of(
    st.just("*"), year.map(str), st.lists(year, min_size=2, max_size=2).map(lambda pair: f"{min(pair)}-{max(pair)}"),
    st.builds(lambda pair, n: f"{min(pair)}-{max(pair)}/{n}", st.lists(year, min_size=2, max_size=2),
              st.integers(1, 3)),
    st.lists(year, min_size=2, max_size=3).map(lambda years: ",".join(map(str, years))))


@st.composite
def cron_expressions(draw) -> str:
    fields = [draw(cron_field(0, 59, 30, "*")), draw(cron_field(0, 23, 12, "*")),
              draw(cron_field(1, 31, 15, "*", "?")), draw(cron_field(1, 12, 6, "*", "?")),
              draw(cron_field(0, 7, 3, "*", "?"))]
    if draw(st.booleans()):
        fields.append(draw(year_field))
    assume(len(Cron(" ".join(fields)).minutes_of_day) <= 360)
    return " ".join(fields)


@st.composite
def triggers(draw, zone: str, start: datetime, end: datetime) -> dict:
    """A valid trigger that starts before or within [start, end] (a ONCE trigger within it, give or take a day)."""
    kind = draw(st.sampled_from(FIRING + FIRING[1:] + ("MANUAL", "WEBHOOK")))
    near, days = start.date(), (end.date() - start.date()).days
    if kind == "ONCE":
        first = near + timedelta(days=draw(st.integers(-1, days + 1)))
    else:
        first = near + timedelta(days=draw(st.one_of(st.integers(-1000, 0), st.integers(-3, days + 1))))
    trigger = {"type": kind, "startDate": first.isoformat(), "timeZone": zone}
    if draw(st.booleans()):
        trigger["startTime"] = hh_mm(draw(clock_minutes))
    if kind in ("DAILY", "WEEKLY", "MONTHLY") and draw(st.booleans()):
        trigger["interval"] = draw(st.integers(1, 3))
    if kind in ("ONCE", "DAILY", "WEEKLY", "MONTHLY"):
        trigger["atTimes"] = draw(at_times())
    if kind == "WEEKLY":
        trigger["atDays"] = {"type": "DAY_OF_WEEK",
                             "days": draw(st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=7, unique=True))}
    if kind == "MONTHLY":
        trigger["atDays"] = {"type": "DAY_OF_MONTH", "day": draw(st.one_of(st.integers(1, 31), st.integers(28, 31)))}
    if kind == "CRON":
        trigger["cronExpression"] = draw(cron_expressions())
    if kind == "WEBHOOK":
        trigger["webhook"] = {"name": "hook"}
    try:
        return check_trigger(trigger)
    except BadRequest:
        assume(False)


@st.composite
def moments(draw, zone: str) -> datetime:
    """A UTC moment in 2023-2030, half the time at most two days before one of the zone's transitions."""
    if TRANSITIONS[zone] and draw(st.booleans()):
        moment = draw(st.sampled_from(TRANSITIONS[zone])) - timedelta(
            minutes=draw(st.one_of(st.integers(0, 360), st.integers(0, 2 * 1440))))
    else:
        moment = datetime.combine(FIRST_DAY, time(), UTC) + timedelta(
            minutes=draw(st.integers(0, ((LAST_DAY - FIRST_DAY).days - 45) * 1440)))
    return moment + timedelta(seconds=draw(st.one_of(st.just(0), st.integers(0, 59))))


long_spans = st.builds(lambda days, minutes: timedelta(days=days, minutes=minutes), st.integers(0, 40),
                       st.integers(0, 1439))
spans = st.one_of(st.integers(0, 360).map(lambda minutes: timedelta(minutes=minutes)), long_spans, long_spans)


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_occurrences_and_counts_in_a_range_match_the_oracle(data):
    zone = data.draw(st.sampled_from(ZONES), label="zone")
    start = data.draw(moments(zone), label="start")
    end = start + data.draw(spans, label="span")
    trigger = data.draw(triggers(zone, start, end), label="trigger")
    expected = expected_between(trigger, start, end)
    if expected and data.draw(st.booleans(), label="bounds on occurrences"):
        start = data.draw(st.sampled_from(expected), label="start")
        end = data.draw(st.sampled_from([instant for instant in expected if instant >= start]), label="end")
        expected = [instant for instant in expected if start <= instant <= end]
    assert listed_between(trigger, start, end) == expected
    assert count_between(trigger, start, end) == len(expected)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_the_stream_increases_and_resumes_from_any_instant(data):
    zone = data.draw(st.sampled_from(ZONES), label="zone")
    after = data.draw(moments(zone), label="after") + timedelta(microseconds=data.draw(st.integers(0, 999_999)))
    trigger = data.draw(triggers(zone, after, after + timedelta(days=10)), label="trigger")
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
