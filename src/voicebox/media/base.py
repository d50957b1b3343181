"""The speech contract: `SpeechSettings` (what a scenario asks for) and `SpeechSynthesizer`
(one TTS engine). `voicebox.media.tts.SpeechService` picks an engine and caches its output."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from voicebox.media.audio import Pcm

EMOTIONS = ("good", "neutral", "evil")
DEFAULT_VOICE = "oksana"
MIN_SPEED, MAX_SPEED = 10, 300
# Engines without a native pitch control shift the pitch (sox) by this many cents.
EMOTION_PITCH_CENTS = {"good": 150, "neutral": 0, "evil": -150}


@dataclass(frozen=True, slots=True)
class SpeechSettings:
    """A scenario's `settings`: `voice` (a SpeechKit name, an engine name or `engine:voice`),
    `speed` in percent (100 = normal), `emotion` good / neutral / evil."""

    voice: str = DEFAULT_VOICE
    speed: int = 100
    emotion: str = "neutral"

    @classmethod
    def of(cls, value: Any) -> SpeechSettings:
        """From None, a dict, a scenario `Settings` (`voice`) or a telephony `Voice` (`name`)."""
        if value is None:
            return cls()
        if isinstance(value, SpeechSettings):
            return value
        get: Callable[[str], Any] = value.get if isinstance(value, dict) else lambda key: getattr(value, key, None)
        voice = get("voice") or get("name") or DEFAULT_VOICE
        try:
            speed = int(get("speed") or 100)
        except (TypeError, ValueError):
            speed = 100
        emotion = str(get("emotion") or "neutral").lower()
        return cls(
            voice=str(voice).strip().lower(),
            speed=min(max(speed, MIN_SPEED), MAX_SPEED),
            emotion=emotion if emotion in EMOTIONS else "neutral",
        )

    @property
    def rate(self) -> float:
        """Speed as a multiplier (1.0 = normal)."""
        return self.speed / 100


@runtime_checkable
class SpeechSynthesizer(Protocol):
    """One TTS engine. Implementations never block the event loop and are safe to call
    concurrently (they serialise internally where the engine needs it)."""

    name: str
    languages: frozenset[str]

    async def start(self) -> None:
        """Check the engine is usable (binary, voice, model, key); MediaError saying what is
        missing and how to install it otherwise. Idempotent."""

    async def synthesize(self, text: str, settings: SpeechSettings, language: str) -> Pcm:
        """Speak `text` (`language` "ru" or "en") as telephony PCM (8 kHz mono 16-bit).

        Raises:
            MediaError: the engine failed for this text.
        """

    def cache_key(self, settings: SpeechSettings, language: str) -> str:
        """What, besides the text, makes this engine's output differ (voice, rate, pitch)."""

    async def close(self) -> None: ...


@runtime_checkable
class StreamingSynthesizer(SpeechSynthesizer, Protocol):
    """An engine that speaks as it goes: the `SpeechService` plays an uncached prompt from its
    first chunk (engines without `stream` are rendered whole first)."""

    def stream(self, text: str, settings: SpeechSettings, language: str) -> AsyncGenerator[Pcm, None]:
        """`synthesize` as telephony PCM pieces, yielded as the engine produces them; closing
        the iterator early stops the engine. MediaError as `synthesize`."""
        ...
