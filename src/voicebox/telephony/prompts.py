"""A prompt's audio for the media leg: synthesised text through the `SpeechService` (cached on
disk by text and voice) or an uploaded file already resolved to its path, the most recent ones
kept in memory so a thousand calls playing one prompt read it once."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, read_prompt
from voicebox.telephony.base import Prompt

if TYPE_CHECKING:
    from voicebox.media.tts import SpeechService


class PromptRenderer(Protocol):
    async def render(self, prompt: Prompt) -> Pcm:
        """The prompt as telephony PCM; MediaError when it cannot be had."""
        ...


class SpeechPrompts:
    """Implements `PromptRenderer` over a `SpeechService` (anything with `synthesize`). A prompt
    already in memory is returned without awaiting anything, so a warmed-up renderer is
    deterministic under a virtual clock."""

    def __init__(self, speech: SpeechService, *, keep: int = 512):
        self.speech = speech
        self.keep = keep
        self._pcm: OrderedDict[tuple[Any, ...], Pcm] = OrderedDict()

    async def render(self, prompt: Prompt) -> Pcm:
        key = (prompt.path, prompt.file, prompt.text, prompt.voice)
        pcm = self._pcm.get(key)
        if pcm is not None:
            self._pcm.move_to_end(key)
            return pcm
        if prompt.path:
            path = Path(prompt.path)
        elif prompt.file:
            raise MediaError(f"audio file {prompt.file} was not resolved for this call",
                             name="file")
        else:
            path = await self.speech.synthesize(prompt.text or "", prompt.voice)
        try:
            pcm = await asyncio.to_thread(read_prompt, path)
        except OSError as error:
            raise MediaError(f"cannot read prompt audio {path.name}: {error}") from error
        self._pcm[key] = pcm
        if len(self._pcm) > self.keep:
            self._pcm.popitem(last=False)
        return pcm
