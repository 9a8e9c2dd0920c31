from datetime import datetime, timedelta, timezone

import pytest

from mocktmc.clock import SystemClock, VirtualClock, parse_clock_mode, truncate_ms
from mocktmc.errors import BadRequest, Conflict

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


class FakeMonotonic:
    def __init__(self):
        self.value = 100.0

    def __call__(self):
        return self.value


def test_frozen_clock_does_not_move_with_real_time():
    real = FakeMonotonic()
    clock = VirtualClock(start=T0, rate=0, monotonic=real)
    real.value += 3600
    assert clock.now() == T0
    assert clock.frozen


def test_rate_clock_runs_at_its_rate():
    real = FakeMonotonic()
    clock = VirtualClock(start=T0, rate=60, monotonic=real)
    real.value += 2
    assert clock.now() == T0 + timedelta(minutes=2)


def test_advance_and_advance_to():
    clock = VirtualClock(start=T0)
    assert clock.advance(90) == T0 + timedelta(seconds=90)
    assert clock.advance_to(T0 + timedelta(hours=1)) == T0 + timedelta(hours=1)
    assert clock.now() == T0 + timedelta(hours=1)


def test_clock_refuses_to_go_backwards_and_changes_nothing():
    clock = VirtualClock(start=T0)
    with pytest.raises(Conflict):
        clock.advance(-1)
    with pytest.raises(Conflict):
        clock.advance_to(T0 - timedelta(seconds=1))
    with pytest.raises(BadRequest):
        clock.set_rate(-1)
    assert clock.now() == T0 and clock.frozen


def test_resume_goes_back_to_the_rate_before_the_freeze():
    real = FakeMonotonic()
    clock = VirtualClock(start=T0, rate=60, monotonic=real)
    clock.freeze()
    real.value += 10
    clock.resume()
    real.value += 1
    assert clock.rate == 60 and clock.now() == T0 + timedelta(seconds=60)
    clock.resume()  # already running: nothing changes
    assert clock.rate == 60
    never_ran = VirtualClock(start=T0, rate=0, monotonic=real)
    never_ran.resume()
    assert never_ran.rate == 1


def test_rate_change_keeps_current_time():
    real = FakeMonotonic()
    clock = VirtualClock(start=T0, rate=1, monotonic=real)
    real.value += 10
    clock.freeze()
    real.value += 1000
    assert clock.now() == T0 + timedelta(seconds=10)
    clock.set_rate(2)
    real.value += 5
    assert clock.now() == T0 + timedelta(seconds=20)


def test_time_is_kept_at_millisecond_precision():
    clock = VirtualClock(start=T0 + timedelta(microseconds=123456))
    assert clock.now().microsecond == 123000
    clock.advance(0.0004567)
    assert clock.now().microsecond % 1000 == 0
    assert SystemClock().now().microsecond % 1000 == 0
    assert truncate_ms(T0.replace(microsecond=999999)).microsecond == 999000


@pytest.mark.parametrize("mode, rate", [("real", 1.0), ("frozen", 0.0), ("rate:10", 10.0), ("RATE:0.5", 0.5)])
def test_clock_modes(mode, rate):
    assert parse_clock_mode(mode) == rate


@pytest.mark.parametrize("mode", ["", "fast", "rate:", "rate:-1", "rate:abc", "rate:inf"])
def test_bad_clock_modes(mode):
    with pytest.raises(ValueError):
        parse_clock_mode(mode)
