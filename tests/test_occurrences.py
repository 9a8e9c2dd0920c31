"""When triggers fire: ordering, time zones, daylight saving, intervals, cron years."""
from datetime import datetime, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from mocktmc.domain.scheduling.occurrences import occurrences, to_utc

UTC = timezone.utc


def first(trigger, after, n=5):
    return [o.isoformat() for o in islice(occurrences(trigger, datetime.fromisoformat(after)), n)]


def test_daily_in_paris_across_spring_forward():
    trigger = {"type": "DAILY", "interval": 1, "startDate": "2024-03-01", "timeZone": "Europe/Paris",
               "atTimes": {"type": "AT_TIME", "time": "02:30"}}
    assert first(trigger, "2024-03-30T00:00:00+00:00", 3) == [
        "2024-03-30T01:30:00+00:00",   # 02:30 CET
        "2024-03-31T01:00:00+00:00",   # 02:30 does not exist: the first valid instant, 03:00 CEST
        "2024-04-01T00:30:00+00:00"]   # 02:30 CEST


def test_a_repeated_autumn_time_fires_once():
    trigger = {"type": "DAILY", "startDate": "2024-10-26", "timeZone": "Europe/Paris",
               "atTimes": {"type": "AT_TIME", "time": "02:30"}}
    assert first(trigger, "2024-10-26T12:00:00+00:00", 2) == ["2024-10-27T00:30:00+00:00",
                                                              "2024-10-28T01:30:00+00:00"]


def test_weekly_every_other_week_and_monthly_on_the_31st():
    weekly = {"type": "WEEKLY", "interval": 2, "startDate": "2024-03-01", "timeZone": "UTC",
              "atDays": {"type": "DAY_OF_WEEK", "days": ["MONDAY"]}, "atTimes": {"type": "AT_TIME", "time": "09:00"}}
    assert first(weekly, "2024-03-01T00:00:00+00:00", 3) == ["2024-03-11T09:00:00+00:00", "2024-03-25T09:00:00+00:00",
                                                             "2024-04-08T09:00:00+00:00"]
    monthly = {"type": "MONTHLY", "interval": 1, "startDate": "2024-01-01", "timeZone": "UTC",
               "atDays": {"type": "DAY_OF_MONTH", "day": 31}, "atTimes": {"type": "AT_TIME", "time": "06:00"}}
    assert [o[:10] for o in first(monthly, "2024-01-01T00:00:00+00:00", 4)] == ["2024-01-31", "2024-03-31",
                                                                                "2024-05-31", "2024-07-31"]


def test_once_with_intervals_and_start_time():
    trigger = {"type": "ONCE", "startDate": "2024-04-02", "startTime": "10:30", "timeZone": "UTC",
               "atTimes": {"type": "AT_INTERVALS", "startTime": "10:00", "endTime": "11:00", "interval": 20}}
    assert first(trigger, "2024-01-01T00:00:00+00:00", 9) == ["2024-04-02T10:40:00+00:00", "2024-04-02T11:00:00+00:00"]


def test_cron_with_a_year_and_with_question_marks():
    trigger = {"type": "CRON", "cronExpression": "*/30 9 15 * ? 2027", "startDate": "2022-01-26",
               "timeZone": "Europe/Paris"}
    assert first(trigger, "2024-01-01T00:00:00+00:00", 3) == ["2027-01-15T08:00:00+00:00", "2027-01-15T08:30:00+00:00",
                                                              "2027-02-15T08:00:00+00:00"]
    past = {**trigger, "cronExpression": "0 9 * * ? 2022"}
    assert first(past, "2024-01-01T00:00:00+00:00") == []


def test_manual_webhook_and_multiple_never_fire_on_their_own():
    for kind in ("MANUAL", "WEBHOOK", "MULTIPLE"):
        assert first({"type": kind, "startDate": "2024-01-01", "timeZone": "UTC"}, "2024-01-01T00:00:00+00:00") == []


zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata"])
clock_times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")


@settings(max_examples=60, deadline=None)
@given(zone=zones, at=clock_times, interval=st.integers(1, 3), start=st.dates(min_value=datetime(2023, 1, 1).date(),
                                                                               max_value=datetime(2026, 1, 1).date()))
def test_daily_occurrences_are_ordered_spaced_and_at_their_local_time(zone, at, interval, start):
    trigger = {"type": "DAILY", "interval": interval, "startDate": start.isoformat(), "timeZone": zone,
               "atTimes": {"type": "AT_TIME", "time": at}}
    after = datetime(2024, 1, 1, tzinfo=UTC)
    found = list(islice(occurrences(trigger, after), 40))
    assert len(found) == 40 and all(o > after for o in found)
    assert all(a < b for a, b in zip(found, found[1:]))
    for instant in found:
        local = instant.astimezone(ZoneInfo(zone))
        # At the configured local time, unless daylight saving skipped it (then at most an hour later).
        wanted = local.replace(hour=int(at[:2]), minute=int(at[3:]))
        assert timedelta(0) <= local.replace(tzinfo=None) - wanted.replace(tzinfo=None) <= timedelta(hours=1)
    for a, b in zip(found, found[1:]):
        assert abs((b - a) - timedelta(days=interval)) <= timedelta(hours=1)  # a day may be 23 or 25 hours


@given(local=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31)), zone=zones)
def test_to_utc_never_goes_back_in_local_time(local, zone):
    tz = ZoneInfo(zone)
    instant = to_utc(local.replace(second=0, microsecond=0), tz)
    assert instant.astimezone(tz).replace(tzinfo=None) >= local.replace(second=0, microsecond=0)
