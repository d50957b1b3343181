"""Recognisers beside the TTS engines. Until the speech issue brings a real one, `NullRecognizer`
understands nothing: audio-mode callers answer with digits, text mode keeps spoken answers."""

from __future__ import annotations

from voicebox.media.audio import Pcm
from voicebox.media.base import Recognition


class NullRecognizer:
    """Implements `media.base.Recognizer`: every utterance is heard, none is understood."""

    name = "null"

    async def recognize(self, pcm: Pcm, *, language: str = "ru") -> Recognition:
        return Recognition()
