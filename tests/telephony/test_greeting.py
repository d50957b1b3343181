"""The callee's «Алло?» at the answer is not an answer: it neither barges into the first prompt
nor is heard as the reply to a question not yet asked (the media leg, for every driver); and
`immediate` ends an utterance at its first pause."""

from __future__ import annotations

import asyncio
import random

import numpy as np

from voicebox.media.asr import Transcript
from voicebox.media.audio import from_float
from voicebox.media.caller_voices import caller_says
from voicebox.telephony.base import SILENCE, Prompt, VirtualClock
from voicebox.telephony.media_leg import MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.simulated.subscriber import HELLO, subscriber_says
from voicebox.telephony.transport import FRAME_BYTES


def tone(seconds: float) -> bytes:
    t = np.arange(round(seconds * 8000)) / 8000
    return from_float(0.3 * np.sin(2 * np.pi * 300 * t))


class Fixed:
    def __init__(self, pcm: bytes):
        self.pcm = pcm

    async def render(self, prompt: Prompt) -> bytes:
        return self.pcm


class Heard:
    """A recogniser that says "да" and keeps what it was given."""

    name = "heard"

    def __init__(self) -> None:
        self.given: list[bytes] = []

    async def transcribe(self, pcm: bytes, *, language: str = "ru", hints=()) -> Transcript:
        self.given.append(pcm)
        return Transcript("да", 0.9)


class Far:
    def __init__(self, link: MemoryLink):
        self.out = b""
        link.b.set_source(self.next)
        link.b.on_frame(lambda frame, at: None)

    def next(self, at: float) -> bytes | None:
        if not self.out:
            return None
        frame, self.out = self.out[:FRAME_BYTES], self.out[FRAME_BYTES:]
        return frame.ljust(FRAME_BYTES, b"\0")


def trimmed(pcm: bytes) -> bytes:
    """Without the synthesiser's silence at either end."""
    samples = np.frombuffer(pcm, "<i2")
    loud = np.flatnonzero(np.abs(samples.astype(int)) > 300)
    return samples[loud[0]:loud[-1] + 1].tobytes()


async def said(text: str) -> bytes:
    return await subscriber_says(text, 0.1, random.Random(text))


async def test_the_callees_hello_does_not_barge_in_and_is_not_the_answer():
    hello, yes = await said(HELLO), await said("Да, оплачу.")
    clock = VirtualClock()
    link = MemoryLink(clock)
    recogniser = Heard()
    leg = MediaLeg(link.a, prompts=Fixed(tone(4.0)), recognizer=recogniser)
    far = Far(link)
    far.out = hello  # picked up, said hello while the question starts
    heard = await leg.play(Prompt(text="question"), barge_in_speech=True)
    assert heard == SILENCE and recogniser.given == []  # the question was played to its end
    clock.call_later(1.0, lambda: setattr(far, "out", yes))
    heard = await leg.collect(dtmf=False, speech=True, wait_seconds=5)
    assert heard.speech == "да" and len(recogniser.given) == 1
    leg.end()


async def test_a_reply_to_a_short_first_prompt_is_heard_even_soon_after_the_answer():
    yes = await said("Да.")
    clock = VirtualClock()
    link = MemoryLink(clock)
    recogniser = Heard()
    leg = MediaLeg(link.a, prompts=Fixed(tone(0.4)), recognizer=recogniser)
    far = Far(link)
    await leg.play(Prompt(text="Да?"))
    clock.call_later(0.2, lambda: setattr(far, "out", yes))
    heard = await leg.collect(dtmf=False, speech=True, wait_seconds=5)
    assert heard.speech == "да" and len(recogniser.given) == 1  # inside the greeting window
    leg.end()


async def test_immediate_ends_the_utterance_at_its_first_pause():
    first, second = [trimmed((await caller_says(text, "ru", random.Random(1)))[1])
                     for text in ("Да.", "Оплачу сегодня вечером.")]
    pause = bytes(round(0.45 * 16000))  # a pause, not the end of the answer
    speech = pause + first + pause + second + pause * 3
    lengths = []
    for immediate in (False, True):
        clock = VirtualClock()
        link = MemoryLink(clock)
        recogniser = Heard()
        leg = MediaLeg(link.a, prompts=Fixed(b""), recognizer=recogniser)
        await clock.sleep(3.0)  # past the greeting
        far = Far(link)
        far.out = speech
        heard = await leg.collect(dtmf=False, speech=True, wait_seconds=5, immediate=immediate)
        assert heard.speech == "да"
        lengths.append(len(recogniser.given[0]))
        leg.end()
        await asyncio.sleep(0)
    whole, cut = lengths
    assert whole - cut > len(second) // 2  # the second phrase was left out
