"""The far end of an audio-mode simulated call: a virtual subscriber who listens to the robot's
audio and answers with audio of its own.

It hears the robot as frames (a prompt is playing while real frames arrive), answers each
prompt once it has ended (or barges in a second into it, when its behaviour says so) with the
next scripted input: digits as dual tones in the audio or as out-of-band events, words spoken
in a caller's voice (`media.caller_voices`: Festival, piper or espeak-ng shifted away from the
robot's voices, ones the recogniser understands) over a phone line (μ-law, hiss, a lead-in). An answering machine plays a greeting and a beep; an AI
assistant a long screening sentence. Listening and answering happen on pacer ticks; the only
task a subscriber has renders its phrases, while the phone rings.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import deque

import numpy as np

from voicebox.media.audio import from_float
from voicebox.media.caller_voices import caller_says, over_the_line
from voicebox.media.dtmf import dtmf_tones
from voicebox.telephony.simulated.behaviour import Behaviour
from voicebox.telephony.transport import FRAME_BYTES, SILENT_FRAME, FrameTransport
from voicebox.text import detect_language

HELLO = "Алло?"
MACHINE_GREETING = ("Здравствуйте, вы позвонили по номеру абонента. Сейчас я не могу ответить. "
                    "Оставьте, пожалуйста, сообщение после сигнала.")
ASSISTANT_GREETING = ("Здравствуйте, я голосовой помощник абонента. Скажите, пожалуйста, "
                      "как вас зовут и по какому вы вопросу, я передам.")
BARGE_IN_FRAMES = 125  # a subscriber who barges in does so 2.5 s into the prompt (after
# the time a hello at the answer is taken for a greeting: see MediaLeg)
_DIGITS = re.compile(r"^[0-9*#A-D]+$")


def opening_of(behaviour: Behaviour) -> str:
    """What the subscriber says once the line is up (a caller too: robots answer in silence)."""
    return {"machine": MACHINE_GREETING, "assistant": ASSISTANT_GREETING}.get(
        behaviour.result, HELLO)


async def render_phrases(behaviour: Behaviour, rng: random.Random) -> dict[str, bytes]:
    """Every phrase this subscriber will say, as heard down the line: one caller's voice (picked
    with `rng`) per language. Started while the phone rings; the line goes up once they are
    ready (the call's clock is held meanwhile), so synthesis never delays the greeting."""
    texts = [t.strip() for t in behaviour.inputs if t.strip() and not _DIGITS.match(t.strip())]
    texts.append(opening_of(behaviour))
    voice_seed = rng.random()  # the same person says every phrase
    return {text: await subscriber_says(text, voice_seed, rng) for text in dict.fromkeys(texts)}


async def subscriber_says(text: str, voice_seed: float, rng: random.Random) -> bytes:
    """`text` said by the caller `voice_seed` picks, as heard down the line (noise from `rng`)."""
    _, pcm = await caller_says(text, detect_language(text), random.Random(voice_seed))
    return over_the_line(pcm, rng)


def beep(seconds: float = 0.5, freq: float = 1000.0) -> bytes:
    t = np.arange(round(seconds * 8000)) / 8000
    return from_float(0.4 * np.sin(2 * np.pi * freq * t))


class VirtualSubscriber:
    """Acts out `behaviour` on `transport` (the far end of the link)."""

    def __init__(self, transport: FrameTransport, behaviour: Behaviour, *,
                 phrases: asyncio.Future[dict[str, bytes]], rng: random.Random):
        self.transport = transport
        self.behaviour = behaviour
        self.rng = rng
        self._inputs: deque[str] = deque(text.strip() for text in behaviour.inputs)
        self._audio: dict[str, bytes] = {}  # rendered speech by text
        self._out: bytes | None = None  # what it is saying
        self._pos = 0
        self._robot_frames = 0  # frames of the current prompt heard so far
        self._quiet = 0  # silent frames since the robot last spoke
        self._reply_after = self._next_pause()
        self.heard_prompts = 0
        self.said: list[str] = []
        transport.set_source(self._next_frame)
        transport.on_frame(self._robot_frame)
        transport.on_dtmf(lambda event: None)
        self._ready = asyncio.ensure_future(self._prepare(phrases))

    def _next_pause(self) -> int:
        return round(self.rng.uniform(0.8, 2.5) / 0.02)

    async def _prepare(self, phrases: asyncio.Future[dict[str, bytes]]) -> None:
        self._audio = await phrases
        opening = opening_of(self.behaviour)
        if not self.transport_closed:
            audio = self._audio[opening]
            if self.behaviour.result == "machine":
                audio += bytes(8000) + beep()
            self._say(audio)

    @property
    def transport_closed(self) -> bool:
        return bool(getattr(self.transport, "closed", False))

    def stop(self) -> None:
        if not self._ready.done():
            self._ready.cancel()

    # -- talking -------------------------------------------------------------------------------
    def _say(self, audio: bytes) -> None:
        self._out, self._pos = audio, 0

    def _next_frame(self, at: float) -> bytes | None:
        out = self._out
        if out is None:
            return None
        frame = out[self._pos:self._pos + FRAME_BYTES]
        self._pos += FRAME_BYTES
        if self._pos >= len(out):
            self._out = None
            frame = frame.ljust(FRAME_BYTES, b"\0")
        return frame

    # -- listening -----------------------------------------------------------------------------
    def _robot_frame(self, frame: bytes, at: float) -> None:
        if self.behaviour.result in ("machine", "assistant") or not self._inputs:
            return
        if frame is not SILENT_FRAME:
            if self._robot_frames == 0:
                self.heard_prompts += 1
            self._robot_frames += 1
            self._quiet = 0
            if self.behaviour.barge_in and self._robot_frames >= BARGE_IN_FRAMES:
                self._answer()
            return
        if self._robot_frames:
            self._quiet += 1
            if self._quiet >= self._reply_after:
                self._answer()

    def _answer(self) -> None:
        """Reply to the prompt just heard with the next scripted input."""
        if self._out is not None or not self._ready.done():
            return  # still talking, or still getting its words ready
        self._robot_frames = self._quiet = 0
        self._reply_after = self._next_pause()
        text = self._inputs.popleft()
        self.said.append(text)
        if not text:
            return  # says nothing this time
        if _DIGITS.match(text):
            if self.behaviour.dtmf == "events":
                self.transport.send_dtmf(text)
            else:
                self._say(dtmf_tones(text))
        else:
            self._say(self._audio[text])
