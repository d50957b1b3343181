"""Calling windows in the callee's local time, campaign dates, and the retry policy."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from voicebox.dialer.scheduling import (
    Schedule,
    Window,
    after_attempt,
    parse_hhmm,
)
from voicebox.phones import timezone_for_number
from voicebox.telephony.base import CallResult

MOSCOW = "+74951234567"
VLADIVOSTOK = "+74232123456"
KALININGRAD = "+74012123456"
MOBILE = "+79991234567"


def utc(hour: int, minute: int = 0, day: int = 15) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def test_landline_numbers_tell_their_zone_and_mobiles_do_not():
    assert timezone_for_number(MOSCOW) == "Europe/Moscow"
    assert timezone_for_number(VLADIVOSTOK) == "Asia/Vladivostok"
    assert timezone_for_number(KALININGRAD) == "Europe/Kaliningrad"
    assert timezone_for_number(MOBILE) is None
    assert timezone_for_number("not a number") is None


@pytest.mark.parametrize(
    ("number", "now", "allowed"),
    [
        # 06:00 UTC: 09:00 Moscow (open), 16:00 Vladivostok (open), 08:00 Kaliningrad (closed)
        (MOSCOW, utc(6), True),
        (VLADIVOSTOK, utc(6), True),
        (KALININGRAD, utc(6), False),
        # 11:30 UTC: 14:30 Moscow, 21:30 Vladivostok (closed), 13:30 Kaliningrad
        (MOSCOW, utc(11, 30), True),
        (VLADIVOSTOK, utc(11, 30), False),
        (KALININGRAD, utc(11, 30), True),
        # 23:00 UTC: 02:00 Moscow, 09:00 Vladivostok next day, 01:00 Kaliningrad
        (MOSCOW, utc(23), False),
        (VLADIVOSTOK, utc(23), True),
        (KALININGRAD, utc(23), False),
    ],
)
def test_default_window_is_9_to_21_in_the_callee_local_time(number, now, allowed):
    schedule = Schedule()
    assert schedule.allowed_now(now, timezone_for_number(number)) is allowed


def test_next_allowed_is_the_window_opening_in_local_time():
    schedule = Schedule()
    # 11:30 UTC is 21:30 in Vladivostok (UTC+10): next opening 09:00 local = 23:00 UTC.
    assert schedule.next_allowed(utc(11, 30), "Asia/Vladivostok") == utc(23)
    # 02:00 UTC is 05:00 in Moscow: opens at 09:00 local = 06:00 UTC the same day.
    assert schedule.next_allowed(utc(2), "Europe/Moscow") == utc(6)
    # Inside the window: now.
    assert schedule.next_allowed(utc(12), "Europe/Moscow") == utc(12)


def test_mobile_numbers_use_the_campaign_fallback_zone():
    schedule = Schedule(fallback_zone="Asia/Vladivostok")
    assert schedule.allowed_now(utc(23), timezone_for_number(MOBILE)) is True
    assert Schedule().allowed_now(utc(23), timezone_for_number(MOBILE)) is False


def test_window_crossing_midnight():
    night = Window.parse("22:00", "06:00")
    assert night.contains(time(23, 30)) and night.contains(time(2, 0))
    assert not night.contains(time(12, 0)) and not night.contains(time(6, 0))
    assert night.contains(time(22, 0))
    schedule = Schedule(window=night)
    # 12:00 UTC = 15:00 Moscow → opens 22:00 Moscow = 19:00 UTC
    assert schedule.next_allowed(utc(12), "Europe/Moscow") == utc(19)
    # 21:00 UTC = 00:00 Moscow: inside
    assert schedule.allowed_now(utc(21), "Europe/Moscow")


def test_equal_start_and_stop_is_all_day_and_bad_text_falls_back():
    assert Window.parse("00:00", "00:00").all_day
    assert Window.parse("00:00", "24:00").all_day
    assert parse_hhmm("25:00", time(9)) == time(9)
    assert parse_hhmm("8:30", time(9)) == time(8, 30)
    assert parse_hhmm(None, time(9)) == time(9)


def test_campaign_dates_bound_the_calls():
    start, stop = utc(10, day=20), utc(10, day=22)
    schedule = Schedule(window=Window.parse("00:00", "00:00"), start_at=start, stop_at=stop)
    assert not schedule.allowed_now(utc(12, day=19), "Europe/Moscow")
    assert schedule.next_allowed(utc(12, day=19), "Europe/Moscow") == start
    assert schedule.allowed_now(utc(12, day=21), "Europe/Moscow")
    assert schedule.next_allowed(utc(12, day=22), "Europe/Moscow") is None
    # A window opening after the stop date is no opening at all.
    late = Schedule(start_at=None, stop_at=utc(20, day=15))
    assert late.next_allowed(utc(19, day=15), "Europe/Moscow") is None


@pytest.mark.parametrize(
    ("result", "state"),
    [
        (CallResult.ANSWERED, "done"),
        (CallResult.BUSY, "pending"),
        (CallResult.NO_ANSWER, "pending"),
        (CallResult.FAILED, "pending"),
        (CallResult.UNREACHABLE, "failed"),
        (CallResult.CANCELLED, "cancelled"),
        (408, "pending"),  # real SIP codes: a timeout is a no-answer, retried
        (600, "pending"),  # busy everywhere
        (603, "failed"),  # declined: not retried
        (403, "failed"),
        (604, "failed"),  # does not exist anywhere
    ],
)
def test_retry_policy(result, state):
    schedule = Schedule(window=Window.parse("00:00", "00:00"), attempts=3,
                        interval=timedelta(minutes=10))
    verdict = after_attempt(int(result), attempts_made=1, schedule=schedule, now=utc(12),
                            zone_name=None)
    assert verdict.state == state
    if state == "pending":
        assert verdict.next_attempt_at == utc(12, 10)
    else:
        assert verdict.next_attempt_at is None


def test_no_retry_after_the_last_attempt_or_when_disabled():
    schedule = Schedule(attempts=2)
    assert after_attempt(486, attempts_made=2, schedule=schedule, now=utc(12),
                         zone_name=None).state == "failed"
    assert after_attempt(486, attempts_made=1, schedule=schedule, now=utc(12), zone_name=None,
                         retry=False).state == "failed"


def test_retry_lands_in_the_next_window():
    schedule = Schedule(attempts=3, interval=timedelta(hours=1))
    # 17:30 UTC + 1 h = 21:30 Moscow: closed → 09:00 Moscow next day = 06:00 UTC
    verdict = after_attempt(480, attempts_made=1, schedule=schedule, now=utc(17, 30),
                            zone_name="Europe/Moscow")
    assert verdict.next_attempt_at == utc(6, day=16)
