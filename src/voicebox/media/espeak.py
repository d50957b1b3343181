"""espeak-ng: always-available fallback for Russian and English (robotic but intelligible)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncGenerator
from contextlib import aclosing

from voicebox.errors import MediaError
from voicebox.media.audio import (
    Pcm,
    parse_wav_stream,
    run_tool,
    stream_tool,
    stream_transform,
    transform,
    wav_stream_body,
)
from voicebox.media.base import SpeechSettings

FEMALE_VOICES = frozenset({"oksana", "jane", "alena", "omazh", "marina", "julia", "lera", "masha",
                           "dasha"})
_LANG_VOICE = {"ru": "ru", "en": "en-us"}
_PITCH = {"good": 65, "neutral": 50, "evil": 35}  # espeak -p, 0-99
_BASE_WPM = 165


class EspeakEngine:
    """One `espeak-ng` subprocess per phrase (it starts in milliseconds); `speed` → `-s` words
    per minute, `emotion` → `-p` pitch, female SpeechKit voices → the `f3` variant."""

    name = "espeak"
    languages = frozenset({"ru", "en"})

    def __init__(self, binary: str = "espeak-ng"):
        self.binary = binary

    async def start(self) -> None:
        if shutil.which(self.binary) is None:
            raise MediaError(f"TTS engine espeak: {self.binary} not found (apt-get install espeak-ng)")

    def _voice(self, settings: SpeechSettings, language: str) -> str:
        engine, _, variant = settings.voice.partition(":")
        if engine in ("espeak", "espeak-ng") and variant:
            return variant if "+" in variant or variant in _LANG_VOICE.values() else (
                f"{_LANG_VOICE[language]}+{variant}")
        gender = "f3" if settings.voice in FEMALE_VOICES else "m3"
        return f"{_LANG_VOICE[language]}+{gender}"

    def cache_key(self, settings: SpeechSettings, language: str) -> str:
        return f"espeak/{self._voice(settings, language)}/{settings.speed}/{settings.emotion}"

    def _args(self, settings: SpeechSettings, language: str) -> list[str]:
        wpm = min(max(round(_BASE_WPM * settings.rate), 80), 450)
        return [self.binary, "-v", self._voice(settings, language), "-s", str(wpm),
                "-p", str(_PITCH[settings.emotion]), "--stdin", "--stdout"]

    async def synthesize(self, text: str, settings: SpeechSettings, language: str) -> Pcm:
        out = await run_tool(self._args(settings, language), text.encode(),
                             what="espeak-ng failed")
        pcm, rate = parse_wav_stream(out, what="espeak-ng output")
        return await transform(pcm, rate=rate)

    async def stream(self, text: str, settings: SpeechSettings, language: str
                     ) -> AsyncGenerator[Pcm, None]:
        """espeak-ng writes its WAV to the pipe clause by clause: resampled as it comes, the
        first audio is out long before the last clause is spoken."""
        out = stream_tool(self._args(settings, language), text.encode(), what="espeak-ng failed")
        async with aclosing(out):  # also when the header never comes or the body never starts
            rate, body = await wav_stream_body(out, what="espeak-ng output")
            async with aclosing(stream_transform(body, rate=rate)) as pieces:
                async for pcm in pieces:
                    yield pcm

    async def close(self) -> None:
        return None
