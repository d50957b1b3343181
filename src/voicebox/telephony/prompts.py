"""A prompt's audio for the media leg: synthesised text through the `SpeechService` (cached on
disk by text and voice) or an uploaded file already resolved to its path, the most recent ones
kept in memory so a thousand calls playing one prompt read it once."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from voicebox.errors import MediaError
from voicebox.media.audio import Pcm, read_prompt
from voicebox.telephony.base import Prompt


class PromptRenderer(Protocol):
    async def render(self, prompt: Prompt) -> Pcm:
        """The prompt as telephony PCM; MediaError when it cannot be had."""
        ...


class SpeechPrompts:
    """Implements `PromptRenderer` over a `SpeechService` (anything with `synthesize`)."""

    def __init__(self, speech: Any, *, keep: int = 512):
        self.speech = speech
        self.keep = keep
        self._pcm: OrderedDict[Path, Pcm] = OrderedDict()

    async def render(self, prompt: Prompt) -> Pcm:
        if prompt.path:
            path = Path(prompt.path)
        elif prompt.file:
            raise MediaError(f"audio file {prompt.file} was not resolved for this call",
                             name="file")
        else:
            path = await self.speech.synthesize(prompt.text or "", prompt.voice)
        pcm = self._pcm.get(path)
        if pcm is None:
            try:
                pcm = await asyncio.to_thread(read_prompt, path)
            except OSError as error:
                raise MediaError(f"cannot read prompt audio {path.name}: {error}") from error
            self._pcm[path] = pcm
            if len(self._pcm) > self.keep:
                self._pcm.popitem(last=False)
        else:
            self._pcm.move_to_end(path)
        return pcm
