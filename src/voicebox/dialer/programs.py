"""Compiled scenarios cached per (scenario, version), and a campaign's schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.dialer.repository import dialer_repository
from voicebox.dialer.scheduling import Schedule, Window
from voicebox.engine import Program, compile_scenario
from voicebox.models import Campaign
from voicebox.scenarios.format import ScenarioBody


class ProgramCache:
    def __init__(self, size: int = 256):
        self._size = size
        self._items: dict[tuple[int, datetime | None], Program] = {}

    async def get(self, session: AsyncSession, scenario_id: int,
                  version: datetime | None) -> Program:
        key = (scenario_id, version)
        program = self._items.get(key)
        if program is None:
            body = await dialer_repository.scenario_body(session, scenario_id)
            program = compile_scenario(ScenarioBody.model_validate(body))
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = program
        return program


def schedule_of(campaign: Campaign, time_scale: float = 1.0) -> Schedule:
    """The campaign's schedule; the retry interval runs in simulated time (÷ the time scale),
    the calendar (dates, daily window) always in real time."""
    return Schedule(
        window=Window.parse(campaign.window_start, campaign.window_stop),
        start_at=campaign.start_at,
        stop_at=campaign.stop_at,
        attempts=max(1, campaign.attempts or 1),
        interval=timedelta(seconds=max(0, campaign.attempts_interval or 0) / time_scale),
        fallback_zone=campaign.timezone_fallback or "Europe/Moscow",
    )
