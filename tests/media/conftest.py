"""Real engines, started once per test session (festival and piper take seconds to load)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest

from voicebox.media.audio import SAMPLE_RATE, Pcm, to_array
from voicebox.media.espeak import EspeakEngine
from voicebox.media.festival import FestivalEngine
from voicebox.media.piper import PiperEngine

RU_TEXT = "Здравствуйте! Это автоматический звонок из банка."
EN_TEXT = "Hello! This is an automated call from your bank."


@pytest.fixture(scope="session")
async def festival() -> AsyncIterator[FestivalEngine]:
    engine = FestivalEngine()
    await engine.start()
    yield engine
    await engine.close()


@pytest.fixture(scope="session")
async def piper() -> AsyncIterator[PiperEngine]:
    engine = PiperEngine()
    await engine.start()
    yield engine
    await engine.close()


@pytest.fixture(scope="session")
async def espeak() -> EspeakEngine:
    engine = EspeakEngine()
    await engine.start()
    return engine


def speech_seconds(pcm: Pcm, threshold: float = 0.01) -> float:
    """Seconds of 20 ms frames louder than `threshold` RMS: how long something is audible."""
    samples = to_array(pcm).astype(np.float64) / 32768
    frame = SAMPLE_RATE // 50
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    loud = np.sqrt((frames**2).mean(axis=1)) > threshold
    return float(loud.sum()) / 50


def dominant_frequency(pcm: Pcm, rate: int = SAMPLE_RATE) -> float:
    samples = to_array(pcm).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])
