"""Reading the schedule fields: dates (unix seconds or ISO 8601), "HH:MM" windows, counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voicebox.errors import Problem
from voicebox.periods import parse_instant

DEFAULT_WINDOW = ("09:00", "21:00")
DEFAULT_ATTEMPTS = 3
DEFAULT_INTERVAL_MINUTES = 30
DEFAULT_MAX_LINES = 10
DEFAULT_TIMEZONE = "Europe/Moscow"
_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


def parse_clock(value: Any) -> str:
    """The one reading of a time of day: "H:MM", "HH:MM" or "HH:MM:SS" → "HH:MM" (seconds
    dropped); ValueError for anything else."""
    match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError('must be a time of day "HH:MM"')
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def clock_time(value: Any) -> time:
    """`parse_clock` as a `datetime.time`."""
    hour, minute = parse_clock(value).split(":")
    return time(int(hour), int(minute))


def parse_count(value: Any, low: int, high: int) -> int:
    """An integer given as a number or a numeric string, within [low, high]."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    try:
        number = float(value) if isinstance(value, str) else value
    except ValueError as error:
        raise ValueError("must be a whole number") from error
    if not isinstance(number, int | float) or number != int(number):
        raise ValueError("must be a whole number")
    if not low <= int(number) <= high:
        raise ValueError(f"must be between {low} and {high}")
    return int(number)


def parse_zone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError('must be an IANA time zone such as "Europe/Moscow"')
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError('must be an IANA time zone such as "Europe/Moscow"') from error
    return value.strip()


@dataclass
class Schedule:
    start_at: datetime | None = None
    stop_at: datetime | None = None
    window_start: str = DEFAULT_WINDOW[0]
    window_stop: str = DEFAULT_WINDOW[1]
    attempts: int = DEFAULT_ATTEMPTS
    attempts_interval: int = DEFAULT_INTERVAL_MINUTES * 60  # seconds
    max_lines: int = DEFAULT_MAX_LINES
    timezone_fallback: str = DEFAULT_TIMEZONE


# spec field → (Schedule attribute, parser)
_FIELDS: dict[str, tuple[str, Any]] = {
    "scheduleStartDate": ("start_at", parse_instant),
    "scheduleStopDate": ("stop_at", parse_instant),
    "scheduleCallingCycleStart": ("window_start", parse_clock),
    "scheduleCallingCycleStop": ("window_stop", parse_clock),
    "scheduleAttempts": ("attempts", lambda v: parse_count(v, 1, 20)),
    "scheduleAttemptsInterval": ("attempts_interval", lambda v: parse_count(v, 1, 10080) * 60),
    "scheduleMaxPhoneLines": ("max_lines", lambda v: parse_count(v, 1, 1000)),
    "scheduleTimezone": ("timezone_fallback", parse_zone),
}


def parse_schedule(data: dict[str, Any], problems: list[Problem]) -> Schedule:
    """The schedule from a create body; unset or empty fields keep their defaults."""
    schedule = Schedule()
    for name, (attribute, parser) in _FIELDS.items():
        value = data.get(name)
        if value is None or value == "":
            continue
        try:
            setattr(schedule, attribute, parser(value))
        except ValueError as error:
            problems.append(Problem(name, str(error)))
    if schedule.start_at and schedule.stop_at and schedule.stop_at <= schedule.start_at:
        problems.append(Problem("scheduleStopDate", "must be after scheduleStartDate"))
    return schedule
