"""When may an abonent be called: campaign dates, the daily window in the callee's local time,
and the retry policy. Pure functions of their arguments (no clock, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voicebox.campaigns.schedule import clock_time
from voicebox.telephony.base import REFUSED, CallResult

RETRIED = frozenset({CallResult.BUSY, CallResult.NO_ANSWER, CallResult.FAILED})


@lru_cache(maxsize=1024)
def zone(name: str | None, fallback: str = "Europe/Moscow") -> ZoneInfo:
    for candidate in (name, fallback, "Europe/Moscow"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    raise AssertionError("unreachable")  # pragma: no cover - Europe/Moscow always exists


def parse_hhmm(text: str | None, default: time) -> time:
    """A stored window bound (`campaigns.schedule.parse_clock` validated it); "24:00" is the
    end of the day; anything else → default."""
    if not text:
        return default
    if str(text).strip() in ("24:00", "24:00:00"):
        return time(0, 0)
    try:
        return clock_time(text)
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class Window:
    """A daily calling window in local time; `stop <= start` crosses midnight, equal = all day."""

    start: time = time(9, 0)
    stop: time = time(21, 0)

    @classmethod
    def parse(cls, start: str | None, stop: str | None) -> Window:
        return cls(parse_hhmm(start, time(9, 0)), parse_hhmm(stop, time(21, 0)))

    @property
    def all_day(self) -> bool:
        return self.start == self.stop

    def contains(self, local: time) -> bool:
        if self.all_day:
            return True
        if self.start < self.stop:
            return self.start <= local < self.stop
        return local >= self.start or local < self.stop


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the dialer needs of a campaign to place calls in time."""

    window: Window = Window()
    start_at: datetime | None = None
    stop_at: datetime | None = None
    attempts: int = 3
    interval: timedelta = timedelta(minutes=30)
    fallback_zone: str = "Europe/Moscow"

    def expired(self, now: datetime) -> bool:
        return self.stop_at is not None and now >= self.stop_at

    def next_allowed(self, now: datetime, zone_name: str | None) -> datetime | None:
        """The earliest instant ≥ `now` inside the dates and the local window; None if none."""
        moment = max(now, self.start_at) if self.start_at else now
        if self.expired(moment):
            return None
        tz = zone(zone_name, self.fallback_zone)
        local = moment.astimezone(tz)
        if not self.window.contains(local.timetz().replace(tzinfo=None)):
            opening = datetime.combine(local.date(), self.window.start, tzinfo=tz)
            if opening <= local:
                opening = datetime.combine(local.date() + timedelta(days=1), self.window.start,
                                           tzinfo=tz)
            # Round-trip through UTC so a DST gap resolves to a real instant.
            moment = opening.astimezone(now.tzinfo or tz)
        if self.expired(moment):
            return None
        return moment

    def allowed_now(self, now: datetime, zone_name: str | None) -> bool:
        if (self.start_at is not None and now < self.start_at) or self.expired(now):
            return False
        local = now.astimezone(zone(zone_name, self.fallback_zone))
        return self.window.contains(local.timetz().replace(tzinfo=None))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What happens to an abonent after an attempt: a final state, or the next attempt's time."""

    state: str  # "done" | "failed" | "pending"
    next_attempt_at: datetime | None = None


def after_attempt(
    result: int, *, attempts_made: int, schedule: Schedule, now: datetime, zone_name: str | None,
    retry: bool = True, code: int | None = None,
) -> Verdict:
    """Retry busy / no answer / failed while attempts remain (never an answered call, nor one
    the callee or the network refused: `result` or the real final SIP `code` 603 / 403)."""
    kind = CallResult.classify(result)
    if kind is CallResult.ANSWERED:
        return Verdict("done")
    if kind is CallResult.CANCELLED:
        return Verdict("cancelled")
    if (not retry or kind not in RETRIED or result in REFUSED or code in REFUSED
            or attempts_made >= schedule.attempts):
        return Verdict("failed")
    when = schedule.next_allowed(now + schedule.interval, zone_name)
    if when is None:
        return Verdict("failed")
    return Verdict("pending", when)
