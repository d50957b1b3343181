"""A prompt's audio for the media leg: synthesised text through the `SpeechService` (cached on
disk by text and voice) or an uploaded file already resolved to its path, the most recent ones
kept in memory so a thousand calls playing one prompt read it once.

A player asks for `stream`: an uncached text prompt then comes piece by piece as the engine
speaks it (when the engine can stream), so its first frame goes out before the rest exists."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import aclosing
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


async def stream_of(prompts: PromptRenderer, prompt: Prompt) -> AsyncGenerator[Pcm, None]:
    """The prompt as PCM pieces: the renderer's `stream` when it has one, else its whole
    `render` in one piece."""
    stream = getattr(prompts, "stream", None)
    if stream is None:
        yield await prompts.render(prompt)
        return
    async with aclosing(stream(prompt)) as pieces:
        async for pcm in pieces:
            yield pcm


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
        self._keep(key, pcm)
        return pcm

    async def stream(self, prompt: Prompt) -> AsyncGenerator[Pcm, None]:
        """`render` piece by piece: an uncached text prompt as the `SpeechService` streams it
        (kept in memory once complete), anything else whole."""
        key = (prompt.path, prompt.file, prompt.text, prompt.voice)
        speak = getattr(self.speech, "stream", None)
        if key in self._pcm or prompt.path or prompt.file or speak is None:
            yield await self.render(prompt)
            return
        parts: list[Pcm] = []
        async with aclosing(speak(prompt.text or "", prompt.voice)) as pieces:
            async for pcm in pieces:
                parts.append(pcm)
                yield pcm
        self._keep(key, b"".join(parts))

    def _keep(self, key: tuple[Any, ...], pcm: Pcm) -> None:
        self._pcm[key] = pcm
        if len(self._pcm) > self.keep:
            self._pcm.popitem(last=False)
