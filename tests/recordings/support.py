"""A shared speech service (engines load once) and dialers that record through the real
recorder on the test database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
import pytest

from voicebox.dialer.worker import Dialer
from voicebox.media.audio import SAMPLE_RATE
from voicebox.media.tts import SpeechService, offline_engines
from voicebox.recordings.gateway import RecordingGateway
from voicebox.recordings.live import live_taps
from voicebox.recordings.recorder import Recorder
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway

SCALE = 200.0


@pytest.fixture(scope="session")
async def speech(tmp_path_factory) -> AsyncIterator[SpeechService]:
    service = SpeechService(offline_engines(), cache_dir=tmp_path_factory.mktemp("tts"))
    await service.start()
    yield service
    await service.close()


@pytest.fixture
async def recording_dialer(app, settings, speech) -> AsyncIterator[Callable[..., Any]]:
    """`await make(**settings)` → (Dialer, RecordingGateway), started; stopped after the test."""
    started: list[Dialer] = []

    async def make(**overrides: Any) -> tuple[Dialer, RecordingGateway]:
        fast = settings.model_copy(update={"dialer_poll_seconds": 0.02, **overrides})
        recorder = Recorder(app.state.sessionmaker, fast, speech=speech)
        kit = MediaKit(prompts=SpeechPrompts(speech), taps=live_taps(recorder))
        gateway = RecordingGateway(SimulatedGateway(time_scale=SCALE, media=kit), recorder)
        dialer = Dialer(app.state.sessionmaker, gateway=gateway, settings=fast,  # type: ignore[arg-type]
                        worker_id=f"rec-{uuid.uuid4().hex[:6]}")
        await dialer.start()
        started.append(dialer)
        return dialer, gateway

    yield make
    for dialer in started:
        await dialer.stop()


def channels(pcm: bytes, count: int) -> list[np.ndarray]:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768
    return [samples[index::count] for index in range(count)]


def loud_frames(samples: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Per 20 ms frame: is something audible."""
    frame = SAMPLE_RATE // 50
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    return np.sqrt((frames**2).mean(axis=1)) > threshold


def audible_seconds(samples: np.ndarray) -> float:
    return float(loud_frames(samples).sum()) / 50
