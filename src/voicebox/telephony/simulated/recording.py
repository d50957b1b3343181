"""How a text-mode simulated call feeds the recording tap every other call writes to.

A text-mode call carries no audio while it runs (that is what makes it cheap), so its prompts
and the subscriber's answers are noted on a `Timeline`; when the call ends the timeline is
rendered into the call's tap — prompts through the media kit's renderer (the speech service's
cache, uploaded files by their resolved path), the subscriber's speech in its own voice, key
presses as real DTMF tones — and the tap is closed, as an audio call's media leg closes it.

Audio is laid out at the timeline's offsets (call-clock seconds, so scaled or virtual time
becomes real audio time); where synthesised audio runs longer than the simulator assumed,
later audio moves back rather than overlap, and a prompt the subscriber barged into is cut.
"""

from __future__ import annotations

import asyncio
import logging

from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, SAMPLE_WIDTH, Pcm, silence
from voicebox.media.dtmf import dtmf_tones
from voicebox.media.tap import FRAME_SECONDS, RecordingTap
from voicebox.telephony.base import Heard, Prompt, Voice
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import PromptRenderer
from voicebox.telephony.simulated.call import SimulatedCall
from voicebox.telephony.simulated.timeline import Event, Timeline

log = logging.getLogger(__name__)

# The text mode's subscriber in its recordings: one cheap voice, never a robot's, so the sides
# stay apart (audio-mode subscribers speak in caller voices: simulated/subscriber.py).
SUBSCRIBER_VOICE = Voice(name="espeak:m3")
MISSING_PROMPT_SECONDS = 1.0
FRAME_BYTES = round(FRAME_SECONDS * SAMPLE_RATE) * SAMPLE_WIDTH
RENDERS_AT_ONCE = 2  # calls rendered at the same time per gateway (the rest wait their turn)


def seconds(pcm: Pcm) -> float:
    return len(pcm) / (SAMPLE_WIDTH * SAMPLE_RATE)


async def event_audio(event: Event, prompts: PromptRenderer) -> Pcm:
    """The audio of one event; a prompt that cannot be rendered becomes silence (logged)."""
    try:
        if event.prompt is not None:
            return await prompts.render(event.prompt)
        heard = event.heard
        assert heard is not None
        if heard.dtmf:
            return dtmf_tones(heard.dtmf)
        return await prompts.render(Prompt(text=heard.speech, voice=SUBSCRIBER_VOICE))
    except MediaError as error:
        log.warning("recording: %s; silence instead", error.message)
        return silence(MISSING_PROMPT_SECONDS)


def layout(events: list[Event], audio: list[Pcm]) -> tuple[list[tuple[str, float, Pcm]], float]:
    """(side, start seconds, audio) for each event, and how far later audio was pushed back."""
    placed: list[tuple[str, float, Pcm]] = []
    cursor = shift = 0.0
    for index, (event, pcm) in enumerate(zip(events, audio, strict=True)):
        start = event.at + shift
        if event.heard is not None:
            start -= seconds(pcm)  # an input is reported when it ends
        start = max(start, 0.0)
        if start < cursor:
            shift += cursor - start
            start = cursor
        nxt = events[index + 1] if index + 1 < len(events) else None
        if event.prompt is not None and nxt is not None and nxt.heard is not None \
                and nxt.heard.barged_in:
            heard_at = nxt.at + shift - seconds(audio[index + 1])
            keep = max(heard_at - start, 0.3)
            pcm = pcm[: round(keep * SAMPLE_RATE) * SAMPLE_WIDTH]
        placed.append((event.side, start, pcm))
        cursor = start + seconds(pcm)
    return placed, shift


async def render_into(timeline: Timeline, tap: RecordingTap, prompts: PromptRenderer) -> None:
    """Write the call's audio into `tap` (its media time: seconds since the answer), close it."""
    shift = 0.0
    try:
        audio = [await event_audio(event, prompts) for event in timeline.events]
        placed, shift = layout(timeline.events, audio)
        for side, start, pcm in placed:
            put = tap.robot if side == "robot" else tap.subscriber
            first = round(start / FRAME_SECONDS)  # on the tap's 20 ms grid: no two in a slot
            for index, offset in enumerate(range(0, len(pcm), FRAME_BYTES)):
                frame = pcm[offset:offset + FRAME_BYTES]
                if len(frame) < FRAME_BYTES:
                    frame += bytes(FRAME_BYTES - len(frame))
                put(frame, (first + index) * FRAME_SECONDS)
    finally:
        tap.close(until=timeline.duration + shift)


class TextRecording:
    """Listens to one text-mode call (`on_play` / `on_input`) and, once it has ended answered,
    renders it into a tap from `kit.taps` in a task the gateway holds (`tasks`)."""

    def __init__(self, call: SimulatedCall, kit: MediaKit, tasks: set[asyncio.Task[None]],
                 turns: asyncio.Semaphore):
        self.call = call
        self.kit = kit
        self.tasks = tasks
        self.turns = turns
        self.timeline = Timeline(call.id)
        call.on_play(self._played)
        call.on_input(self._heard)

    def _played(self, prompt: Prompt) -> None:
        self.timeline.played(self.call.elapsed(), prompt)

    def _heard(self, heard: Heard) -> None:
        self.timeline.heard(self.call.elapsed(), heard)

    def ended(self) -> None:
        """The call is over: render it if it was answered."""
        self.timeline.duration = self.call.elapsed()
        if self.kit.taps is None or (self.timeline.duration <= 0 and not self.timeline.events):
            return
        tap = self.kit.taps(self.call.id, 0.0)  # opened now: the call's row points to it
        if tap is None:
            return
        task = asyncio.get_running_loop().create_task(self._render(tap))
        self.tasks.add(task)
        task.add_done_callback(self._done)

    async def _render(self, tap: RecordingTap) -> None:
        async with self.turns:
            await render_into(self.timeline, tap, self.kit.prompts)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("recording call %s failed: %r", self.call.id, task.exception())
