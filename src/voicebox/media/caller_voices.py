"""Voices of simulated callers, never the robot's: the offline TTS engines shifted in pitch and
tempo with sox, sent through μ-law with line noise and leading silence, as a phone would.

The simulator's audio mode, the recogniser's tests and `bench/asr.py` speak through these, so
recognition is measured on voices the robot itself does not use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from voicebox.media import g711
from voicebox.media.audio import Pcm, transform
from voicebox.media.base import SpeechSettings, SpeechSynthesizer
from voicebox.media.espeak import EspeakEngine
from voicebox.media.festival import FestivalEngine
from voicebox.media.piper import PiperEngine


@dataclass(frozen=True, slots=True)
class CallerVoice:
    """An engine's voice (`engine:variant`) moved `pitch_cents` and sped up by `tempo`."""

    engine: str  # festival | espeak
    variant: str = ""
    pitch_cents: int = 0
    tempo: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.variant}{self.pitch_cents:+d}c×{self.tempo:.2f}"


# Festival (ru) and piper (en) are the robot's default voices: callers get them only shifted well
# away. espeak-ng's Russian is too poor to stand for a person (Whisper hears little of it).
CALLER_VOICES: dict[str, tuple[CallerVoice, ...]] = {
    "ru": (
        CallerVoice("festival", "", 250, 1.1),
        CallerVoice("festival", "", -200, 0.95),
        CallerVoice("festival", "", 400, 1.0),
        CallerVoice("festival", "", -350, 1.05),
    ),
    "en": (
        CallerVoice("piper", "", 300, 1.05),
        CallerVoice("piper", "", -300, 0.95),
        CallerVoice("espeak", "en-us+m2", 0, 0.9),
        CallerVoice("espeak", "en-gb+f3", 100, 0.9),
    ),
}


class CallerSpeech:
    """Renders callers' phrases (one Festival process and espeak-ng, shared)."""

    def __init__(self) -> None:
        self._engines: dict[str, SpeechSynthesizer] = {
            "festival": FestivalEngine(), "espeak": EspeakEngine(),
            "piper": PiperEngine(noise=0.0)}  # noiseless: the same phrase, the same audio

    async def say(self, text: str, language: str, voice: CallerVoice) -> Pcm:
        """`text` in `voice`: clean telephony PCM (no line effects yet)."""
        engine = self._engines[voice.engine]
        settings = SpeechSettings(voice=f"espeak:{voice.variant}" if voice.variant else "")
        pcm = await engine.synthesize(text, settings, language)
        return await transform(pcm, rate=8000, tempo=voice.tempo, pitch_cents=voice.pitch_cents)

    async def close(self) -> None:
        for engine in self._engines.values():
            await engine.close()


def over_the_line(pcm: Pcm, rng: random.Random, *, snr_db: float = 25.0,
                  lead_seconds: float | None = None, gain: float = 1.0) -> Pcm:
    """`pcm` as heard from a phone: leading silence (0.2–0.8 s unless given), hiss at `snr_db`
    below the speech, scaled by `gain`, and a μ-law round trip."""
    lead = rng.uniform(0.2, 0.8) if lead_seconds is None else lead_seconds
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * gain
    samples = np.concatenate([np.zeros(round(lead * 8000)), samples, np.zeros(1600)])
    speech_rms = float(np.sqrt(np.mean(samples[samples != 0] ** 2))) if samples.any() else 100.0
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(
        0.0, speech_rms / 10 ** (snr_db / 20), len(samples))
    mixed = np.clip(samples + noise, -32768, 32767).astype("<i2").tobytes()
    return g711.decode(g711.encode(mixed, "ulaw"), "ulaw")


_shared: CallerSpeech | None = None
_rendered: dict[tuple[str, str, CallerVoice], Pcm] = {}
_RENDERED_MAX = 512


async def caller_says(text: str, language: str, rng: random.Random) -> tuple[CallerVoice, Pcm]:
    """`text` in a voice picked with `rng`, clean (the simulator adds the line itself); one
    process-wide set of engines, and phrases kept once rendered (a campaign's callers repeat)."""
    global _shared
    voices = CALLER_VOICES.get(language) or CALLER_VOICES["ru"]
    voice = voices[rng.randrange(len(voices))]
    key = (text, language, voice)
    if key not in _rendered:
        if _shared is None:
            _shared = CallerSpeech()
        if len(_rendered) >= _RENDERED_MAX:
            _rendered.pop(next(iter(_rendered)))
        _rendered[key] = await _shared.say(text, language, voice)
    return voice, _rendered[key]
