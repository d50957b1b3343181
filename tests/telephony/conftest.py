"""A real offline speech service for audio-mode tests (espeak-ng: fast, both languages)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.telephony.prompts import SpeechPrompts


@pytest.fixture(scope="session")
async def speech(tmp_path_factory) -> AsyncIterator[SpeechService]:
    service = SpeechService([EspeakEngine()], cache_dir=tmp_path_factory.mktemp("tts"),
                            order={"ru": ("espeak",), "en": ("espeak",)})
    await service.start()
    yield service
    await service.close()


@pytest.fixture
def prompts(speech) -> SpeechPrompts:
    return SpeechPrompts(speech)
