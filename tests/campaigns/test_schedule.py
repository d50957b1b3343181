"""Schedule fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from voicebox.campaigns.schedule import parse_clock, parse_count, parse_schedule
from voicebox.periods import parse_instant


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1_800_000_000, datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        ("1800000000", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        ("2027-01-15T11:00:00+03:00", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        ("2027-01-15T08:00:00Z", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        ("2027-01-15 08:00", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
    ],
)
def test_instants(raw, expected):
    assert parse_instant(raw) == expected


@pytest.mark.parametrize("raw", ["soon", True, None, 10**20, "1e30", "1899-01-01", [1]])
def test_bad_instants(raw):
    with pytest.raises(ValueError):
        parse_instant(raw)


def test_clock_and_counts():
    assert parse_clock("9:05") == "09:05"
    assert parse_clock("23:59:30") == "23:59"
    for bad in ("24:00", "9", "09:60", 900):
        with pytest.raises(ValueError):
            parse_clock(bad)
    assert parse_count("3", 1, 20) == 3
    assert parse_count(4.0, 1, 20) == 4
    for bad in ("3.5", "x", True, 0, 21):
        with pytest.raises(ValueError):
            parse_count(bad, 1, 20)


def test_defaults_and_an_all_day_window():
    problems = []
    schedule = parse_schedule({}, problems)
    assert (schedule.window_start, schedule.window_stop, schedule.attempts) == ("09:00", "21:00", 3)
    assert schedule.attempts_interval == 1800 and problems == []
    all_day = parse_schedule(
        {"scheduleCallingCycleStart": "0:00", "scheduleCallingCycleStop": "00:00"}, problems
    )
    assert (all_day.window_start, all_day.window_stop, problems) == ("00:00", "00:00", [])
    parse_schedule({"scheduleStartDate": 1_900_000_000, "scheduleStopDate": "2030-01-01"},
                   problems)
    assert [p.name for p in problems] == ["scheduleStopDate"]


def test_campaign_statuses_are_defined_once() -> None:
    """The OpenAPI Literal spells out the one definition in models/campaign.py."""
    from typing import get_args

    from voicebox.campaigns.schemas import CampaignStatus
    from voicebox.models.campaign import STATUSES

    assert get_args(CampaignStatus) == STATUSES
