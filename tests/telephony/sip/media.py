"""Media kits for SIP tests: prompts rendered by a plain function (a beep by default) and a
recording tap that keeps what the far end sent, to check the audio that reached us."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import numpy as np

from voicebox.media.audio import from_float
from voicebox.telephony.base import Prompt
from voicebox.telephony.media_leg import MediaKit

Renderer = Callable[[Prompt], Awaitable[bytes]]
MAX_HEARD_BYTES = 60 * 8000 * 2  # a minute of received audio


async def beep(prompt: Prompt) -> bytes:
    """Half a second of 440 Hz per prompt: a placeholder for speech."""
    t = np.arange(4000) / 8000
    return from_float(0.3 * np.sin(2 * np.pi * 440 * t))


class FunctionPrompts:
    """Implements `PromptRenderer` with `render_fn` (swappable per test)."""

    def __init__(self, render_fn: Renderer = beep):
        self.render_fn = render_fn

    async def render(self, prompt: Prompt) -> bytes:
        return await self.render_fn(prompt)


class HearingTap:
    """A `RecordingTap` stand-in in memory: the far end's frames, in order."""

    def __init__(self) -> None:
        self.heard = bytearray()
        self.sent = 0
        self.closed = False

    def robot(self, frame: bytes, at: float) -> None:
        self.sent += 1

    def subscriber(self, frame: bytes, at: float) -> None:
        if len(self.heard) < MAX_HEARD_BYTES:
            self.heard += frame

    def close(self, until: float | None = None) -> None:
        self.closed = True


def sip_media_kit(render: Renderer = beep) -> MediaKit:
    return MediaKit(prompts=FunctionPrompts(render),
                    taps=lambda call_id, start: HearingTap())  # type: ignore[arg-type,return-value]


def set_render(gateway: object, render: Renderer) -> None:
    """Make `gateway`'s prompts sound like `render`."""
    gateway.media.prompts.render_fn = render  # type: ignore[attr-defined]
