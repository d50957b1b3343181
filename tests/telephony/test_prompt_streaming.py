"""An uncached text prompt streamed from the real espeak-ng engine to the in-memory transport:
it starts before its render ends, plays exactly what is then cached, and a prompt cut short
leaves nothing in the cache. Order of events is observed through hooks, never wall-clock time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from voicebox.media.audio import Pcm, read_prompt
from voicebox.media.base import SpeechSettings
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.telephony.base import Prompt, VirtualClock, Voice
from voicebox.telephony.media_leg import MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.transport import FRAME_BYTES, SILENT_FRAME

VOICE = Voice("espeak")
TEXT = " ".join(f"This is sentence number {n} of a long prompt that nobody has heard yet."
                for n in range(1, 31))  # about 80 s of speech
LIMIT = 120  # seconds: a generous guard against a hang, not a timing assertion


class Hooked(EspeakEngine):
    """The real espeak-ng engine, reporting what its stream does; with `gate`, it waits after
    its first piece until the gate opens (so the order of events is forced, not raced)."""

    def __init__(self, events: list[str], gate: asyncio.Event | None = None):
        super().__init__()
        self.events = events
        self.gate = gate
        self.renders = 0

    async def stream(self, text: str, settings: SpeechSettings, language: str
                     ) -> AsyncIterator[Pcm]:
        self.renders += 1
        first = True
        try:
            async with aclosing(super().stream(text, settings, language)) as pieces:
                async for pcm in pieces:
                    yield pcm
                    if first and self.gate is not None:
                        await self.gate.wait()
                    first = False
            self.events.append("render complete")
        finally:
            self.events.append("engine closed")


class Ear:
    """The far end: keeps every prompt frame it hears (underrun silence is `SILENT_FRAME`
    itself), and can press a key once the prompt has started."""

    def __init__(self, link: MemoryLink, events: list[str], *, key: str | None = None):
        self.frames: list[bytes] = []
        self.events = events
        self.key = key
        self.link = link
        self.started = asyncio.Event()
        link.b.on_frame(self.hear)

    def hear(self, frame: bytes, at: float) -> None:
        if frame is SILENT_FRAME:
            return
        if not self.frames:
            self.events.append("first frame")
            self.started.set()
            if self.key:
                self.link.b.send_dtmf(self.key)
        self.frames.append(frame)


async def service(tmp_path, engine: EspeakEngine) -> SpeechService:
    speech = SpeechService([engine], cache_dir=tmp_path, order={"en": ("espeak",)})
    await speech.start()
    return speech


def cached(tmp_path) -> list:
    return sorted(tmp_path.rglob("*.wav"))


async def streaming_leg(tmp_path, gate: asyncio.Event | None = None
                        ) -> tuple[list[str], Hooked, SpeechService, MemoryLink, MediaLeg]:
    """A media leg on an in-memory link, speaking through a hooked espeak engine (held at `gate`
    after its first piece when one is given); the events list records what happened when."""
    events: list[str] = []
    engine = Hooked(events, gate)
    speech = await service(tmp_path, engine)
    link = MemoryLink(VirtualClock())
    return events, engine, speech, link, MediaLeg(link.a, prompts=SpeechPrompts(speech))


async def test_the_first_frame_goes_out_before_the_render_completes(tmp_path):
    gate = asyncio.Event()
    events, engine, _speech, link, leg = await streaming_leg(tmp_path, gate)
    ear = Ear(link, events)
    playing = asyncio.ensure_future(leg.play(Prompt(text=TEXT, voice=VOICE)))
    await asyncio.wait_for(ear.started.wait(), LIMIT)  # rendering whole first would hang here
    assert "render complete" not in events and cached(tmp_path) == []
    gate.set()
    await asyncio.wait_for(playing, LIMIT)
    assert events.index("first frame") < events.index("render complete")
    assert len(cached(tmp_path)) == 1 and engine.renders == 1
    leg.end()


async def test_the_streamed_audio_is_what_the_cache_then_holds(tmp_path):
    events, engine, speech, link, leg = await streaming_leg(tmp_path)
    ear = Ear(link, events)
    await asyncio.wait_for(leg.play(Prompt(text=TEXT, voice=VOICE)), LIMIT)
    leg.end()
    path = await speech.synthesize(TEXT, VOICE)  # a cache hit: no second render
    assert engine.renders == 1 and speech.cache.misses == 1
    pcm = read_prompt(path)
    assert len(pcm) > 60 * 16000  # the whole prompt, not its first piece
    assert b"".join(ear.frames) == pcm.ljust(-(-len(pcm) // FRAME_BYTES) * FRAME_BYTES, b"\0")


async def test_barge_in_mid_stream_stops_the_engine_and_caches_nothing(tmp_path):
    events, engine, speech, link, leg = await streaming_leg(tmp_path, asyncio.Event())  # never opened: the render stays unfinished
    Ear(link, events, key="5")
    heard = await asyncio.wait_for(
        leg.play(Prompt(text=TEXT, voice=VOICE), barge_in_dtmf=True), LIMIT)
    assert heard.barged_in and heard.dtmf == "5"
    assert "engine closed" in events and "render complete" not in events
    assert cached(tmp_path) == [] and speech.cache.rendering == 0
    # The next play renders it afresh, whole this time, and caches it.
    engine.gate = None
    await asyncio.wait_for(leg.play(Prompt(text=TEXT, voice=VOICE)), LIMIT)
    assert len(cached(tmp_path)) == 1 and engine.renders == 2
    leg.end()


async def test_concurrent_first_plays_share_one_render(tmp_path):
    events: list[str] = []
    engine = Hooked(events)
    speech = await service(tmp_path, engine)
    clock = VirtualClock()
    prompts = SpeechPrompts(speech)
    legs, ears = [], []
    for _ in range(2):
        link = MemoryLink(clock)
        legs.append(MediaLeg(link.a, prompts=prompts))
        ears.append(Ear(link, events))
    text = TEXT[:600]
    await asyncio.wait_for(asyncio.gather(
        *(leg.play(Prompt(text=text, voice=VOICE)) for leg in legs)), LIMIT)
    assert engine.renders == 1 and len(cached(tmp_path)) == 1
    assert ears[0].frames == ears[1].frames and ears[0].frames
    for leg in legs:
        leg.end()


@pytest.mark.parametrize("gone", ["cancelled", "hung up"])
async def test_a_prompt_cancelled_or_hung_up_mid_stream_caches_nothing(tmp_path, gone):
    events, _engine, _speech, link, leg = await streaming_leg(tmp_path, asyncio.Event())
    ear = Ear(link, events)
    playing = asyncio.ensure_future(leg.play(Prompt(text=TEXT, voice=VOICE)))
    await asyncio.wait_for(ear.started.wait(), LIMIT)
    if gone == "cancelled":
        playing.cancel()
    else:
        leg.end()
    await asyncio.gather(playing, return_exceptions=True)
    assert "engine closed" in events and cached(tmp_path) == []
    leg.end()
