"""Compiled scenarios cached per (scenario, version), and a campaign's schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from voicebox.audiofiles.service import audio_file_service
from voicebox.dialer.repository import dialer_repository
from voicebox.dialer.scheduling import Schedule, Window
from voicebox.dialer.warmup import PromptWarmer
from voicebox.engine import Program, compile_scenario
from voicebox.models import Campaign
from voicebox.scenario_language.format import ScenarioBody
from voicebox.storage import Storage


def played_files(body: ScenarioBody) -> set[str]:
    """The audio file ids a scenario's announcements play."""
    found = set()
    for state in body.states:
        announcement = getattr(state, "announcement", None)
        if announcement is not None and announcement.type == "file" and announcement.file:
            found.add(announcement.file)
    return found


class ProgramCache:
    """With a `warmer`, a scenario version compiled here has its fixed prompts synthesised in
    the background."""

    def __init__(self, size: int = 256, *, storage: Storage | None = None,
                 warmer: PromptWarmer | None = None):
        self._size = size
        self.storage = storage
        self.warmer = warmer
        self._items: dict[tuple[int, datetime | None], Program] = {}

    async def get(self, session: AsyncSession, scenario_id: int,
                  version: datetime | None, *, customer_id: int) -> Program:
        """The compiled scenario, its audio files resolved for `customer_id` (a file the
        customer does not have stays unresolved: playing it is a media error)."""
        key = (scenario_id, version)
        program = self._items.get(key)
        if program is None:
            body = ScenarioBody.model_validate(
                await dialer_repository.scenario_body(session, scenario_id))
            files = {}
            if self.storage is not None:
                for ref in played_files(body):
                    path = await audio_file_service.resolve(session, customer_id, ref,
                                                            storage=self.storage)
                    if path is not None:
                        files[ref] = str(path)
            program = compile_scenario(body, files=files)
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = program
            if self.warmer is not None:
                self.warmer.warm(key, program)
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
