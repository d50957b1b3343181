"""A call's timeline → audio: prompts through the TTS (cached) or the uploaded file, the
subscriber's speech in another voice, key presses as real DTMF tones, silence in between.

Audio is laid out at the timeline's offsets (call-clock seconds, so scaled or virtual time
becomes real audio time); where synthesised audio runs longer than the simulator assumed, later
audio moves back rather than overlap, and a prompt the subscriber barged into is cut there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, SAMPLE_WIDTH, Pcm, read_prompt, silence
from voicebox.media.base import SpeechSettings
from voicebox.media.dtmf import dtmf_tones
from voicebox.media.recording import RecordingWriter, Side
from voicebox.recordings.timeline import Event, Timeline

if TYPE_CHECKING:
    from voicebox.media.tts import SpeechService

log = logging.getLogger(__name__)

# The subscriber speaks with a voice the robot never uses, so the two sides are told apart.
SUBSCRIBER_VOICE = SpeechSettings(voice="espeak:m3")
MISSING_PROMPT_SECONDS = 1.0
FileResolver = Callable[[str], Awaitable[Path | None]]


def seconds(pcm: Pcm) -> float:
    return len(pcm) / (SAMPLE_WIDTH * SAMPLE_RATE)


async def event_audio(event: Event, speech: SpeechService, resolve_file: FileResolver) -> Pcm:
    """The audio of one event; a prompt that cannot be rendered becomes silence (logged)."""
    try:
        if event.prompt is not None:
            prompt = event.prompt
            if prompt.file:
                path = Path(prompt.path) if prompt.path else await resolve_file(prompt.file)
                if path is None:
                    raise MediaError(f"audio file {prompt.file} not found")
                return await asyncio.to_thread(read_prompt, path)
            return await speech.synthesize_pcm(prompt.text or "", prompt.voice)
        heard = event.heard
        assert heard is not None
        if heard.dtmf:
            return dtmf_tones(heard.dtmf)
        return await speech.synthesize_pcm(heard.speech, SUBSCRIBER_VOICE)
    except MediaError as error:
        log.warning("recording: %s; silence instead", error.message)
        return silence(MISSING_PROMPT_SECONDS)


def layout(events: list[Event], audio: list[Pcm]) -> tuple[list[tuple[Side, float, Pcm]], float]:
    """(side, start seconds, audio) for each event, and how far later audio was pushed back."""
    placed: list[tuple[Side, float, Pcm]] = []
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


async def render(
    timeline: Timeline,
    path: Path,
    *,
    speech: SpeechService,
    resolve_file: FileResolver,
    stereo: bool = True,
    compressed: str | None = None,
) -> RecordingWriter:
    """Write the call's recording to `path` (and a compressed copy when asked)."""
    audio = [await event_audio(event, speech, resolve_file) for event in timeline.events]
    placed, shift = layout(timeline.events, audio)
    writer = RecordingWriter(path, stereo=stereo, compressed=compressed)
    for side, start, pcm in placed:
        writer.add(side, pcm, start)
    await writer.close(total_seconds=timeline.duration + shift)
    return writer
