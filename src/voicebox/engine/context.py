"""Per-call state the steps share: the call, the clock, variables, templating and detection."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from voicebox.engine.config import EngineConfig
from voicebox.engine.trace import StepRecord
from voicebox.scenario_language.format import Announcement, Settings
from voicebox.scenario_language.placeholders import placeholders, render
from voicebox.telephony.base import (
    CallLeg,
    CallResult,
    CallState,
    Clock,
    Detection,
    Prompt,
    Voice,
)

if TYPE_CHECKING:
    import httpx


_DYNAMIC = frozenset({"now", "today", "duration"})


@lru_cache(maxsize=4096)
def _dynamic(text: str) -> bool:
    """Whether a template needs the clock-derived variables refreshed."""
    return not _DYNAMIC.isdisjoint(placeholders(text))


def voice_of(settings: Settings) -> Voice:
    """The voice every prompt of a scenario is spoken in."""
    return Voice(settings.voice, settings.speed, settings.emotion)


class NotAnswered(Exception):
    """The call could not be brought up (dial failed or the caller left before the answer)."""

    def __init__(self, result: CallResult):
        super().__init__(result.label)
        self.result = result


class Context:
    """Everything a step may touch; a step never reaches into the runner."""

    __slots__ = (
        "_missing_seen",
        "call",
        "clock",
        "config",
        "detection",
        "dial_result",
        "files",
        "http",
        "record",
        "started",
        "transfer",
        "variables",
        "voice",
    )

    def __init__(
        self,
        *,
        call: CallLeg,
        clock: Clock,
        config: EngineConfig,
        variables: dict[str, str],
        settings: Settings,
        http: httpx.AsyncClient | None,
        files: Mapping[str, str] | None = None,
    ):
        self.call = call
        self.files = files or {}
        self.clock = clock
        self.config = config
        self.variables = variables
        self.voice = voice_of(settings)
        self.http = http
        self.detection: Detection | None = None
        self.dial_result: CallResult | None = None
        self.transfer: dict[str, object] | None = None
        self.record: StepRecord | None = None
        self.started = clock.now()

    def render(self, text: str | None) -> str:
        """`text` with its placeholders filled; missing names go into the current step's trace."""
        if not text:
            return ""
        if "{{" not in text:
            return text
        if _dynamic(text):
            self._refresh_dynamic()
        rendered, missing = render(text, self.variables)
        if missing and self.record is not None:
            known = self.record.missing or []
            self.record.missing = known + sorted(missing - set(known))
        return rendered

    def _refresh_dynamic(self) -> None:
        wall = self.clock.wall()
        self.variables["now"] = wall.isoformat(timespec="seconds")
        self.variables["today"] = wall.date().isoformat()
        self.variables["duration"] = str(int(self.call.elapsed()))

    def prompt(self, announcement: Announcement | None) -> Prompt | None:
        """The announcement ready to play (text rendered), or None when there is nothing to say."""
        if announcement is None:
            return None
        if announcement.type == "file" and announcement.file:
            if self.record is not None:
                self.record.said(f"file:{announcement.file}")
            return Prompt(file=announcement.file, voice=self.voice,
                          path=self.files.get(announcement.file))
        text = self.render(announcement.text).strip()
        if not text:
            return None
        if self.record is not None:
            self.record.said(text)
        return Prompt(text=text, voice=self.voice)

    def heard(self, text: str) -> None:
        self.variables["lastInput"] = text
        if self.record is not None:
            self.record.listened(text)

    async def ensure_answered(self) -> None:
        """Bring the call up before media: dial `{{phone}}` if nobody did, answer if ringing."""
        call = self.call
        state = call.state
        if state is CallState.ANSWERED:
            return
        if state is CallState.NEW:
            result = await call.dial(self.variables.get("phone", ""),
                                     ring_seconds=self.config.ring_seconds)
            self.dial_result = result
        elif state is CallState.RINGING:
            result = await call.answer()
            self.dial_result = result
        else:
            result = self.dial_result or CallResult.CANCELLED
        if result is not CallResult.ANSWERED:
            raise NotAnswered(result)

    async def detect(self) -> Detection:
        """Who answered, asked of the call once and remembered."""
        if self.detection is None:
            self.detection = await self.call.detect_machine(
                listen_seconds=self.config.detect_seconds
            )
        if self.record is not None:
            self.record.note(
                detected=self.detection.kind.value, confidence=self.detection.confidence
            )
            if self.detection.cause:
                self.record.note(detect_cause=self.detection.cause,
                                 decided_at=round(self.detection.decided_at, 2))
        return self.detection

    def robot_answered(self, detection: Detection) -> bool:
        return detection.is_robot and detection.confidence >= self.config.detect_min_confidence
