"""`MediaLeg` details the contract suite does not reach, the audio-mode subscriber's greetings,
and the `GatewayRouter`."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from voicebox.errors import TelephonyError
from voicebox.media.asr import Transcript
from voicebox.media.audio import from_float
from voicebox.telephony.base import CallResult, Detected, Prompt, VirtualClock
from voicebox.telephony.media_leg import MediaKit, MediaLeg
from voicebox.telephony.memory import MemoryLink
from voicebox.telephony.router import GatewayRouter
from voicebox.telephony.simulated import SimulatedGateway
from voicebox.telephony.transport import FRAME_BYTES


def tone(seconds: float, freq: float = 300.0) -> bytes:
    t = np.arange(round(seconds * 8000)) / 8000
    return from_float(0.3 * np.sin(2 * np.pi * freq * t))


class Fixed:
    def __init__(self, pcm: bytes):
        self.pcm = pcm

    async def render(self, prompt: Prompt) -> bytes:
        return self.pcm


class Talker:
    """A far end that says `pcm` when told to."""

    def __init__(self, link: MemoryLink):
        self.out: bytes | None = None
        self.heard = 0
        link.b.set_source(self.next)
        link.b.on_frame(self.hear)

    def say(self, pcm: bytes) -> None:
        self.out = pcm

    def next(self, at: float) -> bytes | None:
        if not self.out:
            return None
        frame, self.out = self.out[:FRAME_BYTES], self.out[FRAME_BYTES:]
        return frame.ljust(FRAME_BYTES, b"\0")

    def hear(self, frame: bytes, at: float) -> None:
        self.heard += any(frame)


async def test_a_cancelled_prompt_stops_sending_at_once():
    clock = VirtualClock()
    link = MemoryLink(clock)
    leg = MediaLeg(link.a, prompts=Fixed(tone(5.0)))
    far = Talker(link)
    playing = asyncio.ensure_future(leg.play(Prompt(text="x")))
    await clock.sleep(1.0)
    heard = far.heard
    playing.cancel()
    await asyncio.gather(playing, return_exceptions=True)
    await clock.sleep(1.0)
    assert 45 <= heard <= 55 and far.heard - heard <= 1
    leg.end()


async def test_digits_typed_ahead_end_the_next_prompt_before_it_starts():
    clock = VirtualClock()
    link = MemoryLink(clock)
    leg = MediaLeg(link.a, prompts=Fixed(tone(3.0)))
    link.b.send_dtmf("42")
    await clock.sleep(0.5)
    began = clock.now()
    heard = await leg.play(Prompt(text="x"), barge_in_dtmf=True)
    assert heard.dtmf == "42" and heard.barged_in and clock.now() == began
    leg.end()


async def test_a_failing_recogniser_means_not_understood():
    class Broken:
        name = "broken"

        async def transcribe(self, pcm: bytes, *, language: str = "ru", hints=()) -> Transcript:
            raise RuntimeError("model crashed")

    clock = VirtualClock()
    link = MemoryLink(clock)
    leg = MediaLeg(link.a, prompts=Fixed(tone(1.0)), recognizer=Broken())
    far = Talker(link)
    clock.call_later(0.5, lambda: far.say(tone(0.8, 200)))
    heard = await leg.collect(dtmf=False, speech=True, wait_seconds=3)
    assert heard.empty and not heard.barged_in
    leg.end()


@pytest.mark.parametrize(("result", "listen", "kind", "cause"), [
    ("answer", 4, Detected.HUMAN, "short_greeting"),
    # Without a recogniser a long greeting is never called a robot on timing alone.
    ("machine", 4, Detected.UNKNOWN, "long_greeting"),
    ("assistant", 4, Detected.UNKNOWN, "long_greeting"),
])
async def test_audio_subscribers_greet_as_people_machines_and_assistants(
        prompts, result, listen, kind, cause):
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock, audio=True, media=MediaKit(prompts=prompts))
    call = gateway.outbound(to="+79990000001", options={"simulation": {
        "default": {"result": result, "answerDelay": 1}}})
    assert await call.dial("+79990000001") is CallResult.ANSWERED
    detection = await call.detect_machine(listen_seconds=listen)
    assert (detection.kind, detection.cause) == (kind, cause)
    await call.hangup()


async def test_the_machine_greeting_ends_with_a_beep(prompts):
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock, audio=True, media=MediaKit(prompts=prompts))
    call = gateway.outbound(to="+79990000001", options={"simulation": {
        "default": {"result": "machine", "answerDelay": 1}}})
    await call.dial("+79990000001")
    heard: list[bytes] = []
    call.media.transport.on_frame(lambda frame, at: heard.append(frame))  # listen in
    await clock.sleep(20)
    samples = np.frombuffer(b"".join(heard), "<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(samples[-8000 * 12:]))
    assert abs(np.fft.rfftfreq(8000 * 12, 1 / 8000)[spectrum.argmax()] - 1000) < 5
    await call.hangup()


class Trunk:
    """A stand-in for a real driver: just counts the legs asked of it."""

    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.asked: list[str] = []
        self.handlers: list = []

    def outbound(self, *, to, caller=None, call_id=None, options=None):
        self.asked.append(to)
        return SimulatedGateway(clock=self.clock).outbound(to=to)

    def on_incoming(self, handler) -> None:
        self.handlers.append(handler)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def test_the_router_sends_simulated_calls_to_the_simulator_and_the_rest_to_the_trunk():
    trunk, simulator = Trunk(), SimulatedGateway()
    router = GatewayRouter({"sip": trunk, "sim": simulator}, default="sip")
    router.outbound(to="+79990000001", options={"attempt": 1})
    simulated = router.outbound(to="+79990000002", options={"simulation": {}})
    assert trunk.asked == ["+79990000001"] and simulator.live_calls == 1
    assert simulated.clock is simulator.clock and router.clock is trunk.clock
    router.outbound(to="+79990000003", options={"driver": "sim"})
    assert simulator.live_calls == 2
    with pytest.raises(TelephonyError, match="no telephony driver"):
        router.outbound(to="+79990000004", options={"driver": "carrier-pigeon"})
    router.on_incoming(lambda call: None)
    assert len(trunk.handlers) == 1


async def test_an_inbound_audio_call_is_answered_and_heard(prompts):
    from tests.dialer.scenarios import inbound
    from voicebox.engine import run_scenario
    from voicebox.scenario_language.format import ScenarioBody

    body = ScenarioBody.model_validate(inbound())
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock, audio=True, media=MediaKit(prompts=prompts))
    for state in body.states:  # warm every prompt the scenario can say
        announcement = getattr(state, "announcement", None)
        if announcement is not None and announcement.text and "{{" not in announcement.text:
            await prompts.render(Prompt(text=announcement.text, voice=_voice(body)))
    done: asyncio.Future = asyncio.get_running_loop().create_future()

    async def answer(call) -> None:
        done.set_result(await run_scenario(body, call, clock=call.clock))

    gateway.on_incoming(answer)
    call = gateway.incoming(to="+74950000000", inputs=["1"])
    outcome = await done
    assert outcome.answered and call.to == "+74950000000"
    assert [r.state for r in outcome.trace][-2:] == ["yes", "end"]


def _voice(body):
    from voicebox.telephony.base import Voice

    return Voice(body.settings.voice, body.settings.speed, body.settings.emotion)
