"""One contract over `CallLeg`, run on every implementation: the scripted call, the simulator in
text mode and in audio mode (frames through a `MediaLeg`), and SIP: our `SipCall` to a sipp
UAS on loopback that answers and talks (RTP from a pcap timed from the answer: a short
"hello", digits as RFC 4733 events, spoken words as speech), over the same `MediaLeg`.
SIP calls run in real time: the tests read time from the call's own clock."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.telephony.sip.conftest import (
    AFTER_ACK_HANGS_UP,
    AFTER_ACK_WAITS,
    SIPP,
    Sipp,
    gateway_for,
    render_scenario,
)
from tests.telephony.sip.rtp_capture import rtp_timeline, write_pcap
from voicebox.media.asr import Transcript
from voicebox.telephony.base import (
    SILENCE,
    CallLeg,
    CallResult,
    CallState,
    Prompt,
    RemoteHangup,
    TransferTarget,
    VirtualClock,
    Voice,
)
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.scripted import ScriptedCall
from voicebox.telephony.simulated import SimulatedGateway, as_heard
from voicebox.telephony.simulated.subscriber import subscriber_says

NUMBER = "+79990000001"
VOICE = Voice("espeak")
LONG = Prompt(text="Здравствуйте! Это автоматический звонок. Пожалуйста, ответьте на вопрос.",
              voice=VOICE)
SHORT = Prompt(text="Добрый день.", voice=VOICE)


@dataclass
class Script:
    """What the far end does: `inputs` in order (digits, words, "" for nothing)."""

    inputs: tuple[str, ...] = ()
    barge_in: bool = False
    hangup_after: float | None = None


class ScriptedRecognizer:
    """A unit-test recogniser: the n-th utterance it is given means the script's n-th spoken
    input (it is told the script, never what the far end attached to its audio)."""

    name = "scripted"

    def __init__(self, words: list[str]):
        self.words = words

    async def transcribe(self, pcm: bytes, *, language: str = "ru", hints=()) -> Transcript:
        assert len(pcm) > 1600, f"an utterance is audio, not {len(pcm)} bytes"
        return Transcript(self.words.pop(0) if self.words else "", 0.9)


Factory = Callable[[VirtualClock, Script], Awaitable[CallLeg]]


async def scripted(clock: VirtualClock, script: Script) -> CallLeg:
    answers = [as_heard(text) for text in script.inputs]
    if script.barge_in:
        answers = [type(a)(a.dtmf, a.speech, a.confidence, True) for a in answers]
    return ScriptedCall(clock, answers, hangup_after=script.hangup_after, ring_seconds=2.0)


def _simulation(script: Script, audio: bool) -> dict:
    behaviour: dict = {"result": "answer", "answerDelay": 2, "inputs": list(script.inputs),
                       "bargeIn": script.barge_in}
    if script.hangup_after is not None:
        behaviour["hangupAfter"] = script.hangup_after
    return {"default": behaviour, "audio": audio}


async def simulated_text(clock: VirtualClock, script: Script) -> CallLeg:
    gateway = SimulatedGateway(clock=clock)
    return gateway.outbound(to=NUMBER, options={"simulation": _simulation(script, False)})


def simulated_audio(prompts) -> Factory:
    async def make(clock: VirtualClock, script: Script) -> CallLeg:
        words = [t for t in script.inputs if t and t.strip("0123456789*#").strip() != ""]
        kit = MediaKit(prompts=prompts, recognizer=ScriptedRecognizer(words))
        gateway = SimulatedGateway(clock=clock, audio=True, media=kit)
        return gateway.outbound(to=NUMBER, options={"simulation": _simulation(script, True)})
    return make


HELLO = (0.2, 0.6)  # one short word, then quiet: the timing detector says human at ~1.4 s


async def _talk(script: Script, prompts) -> list[tuple[float, bytes]]:
    """What sipp sends from the answer on: "hello", then the script's inputs (digits at 2 s,
    typed ahead of the prompt or over it; speech — the words spoken in the subscriber's voice —
    over the long prompt when it barges in, after the short one when it does not)."""
    voice = []
    digits = ""
    for text in script.inputs:
        if text and text.strip("0123456789*#") == "":
            digits += text
        elif text:
            pcm = await subscriber_says(text, 0.5, random.Random(text))
            voice.append((2.5 if script.barge_in else 3.8, pcm))
    return rtp_timeline(12.0, loud=(HELLO,), voice=tuple(voice), digits=digits, digits_at=2.0)


def sip_calls(prompts, tmp_path: Path, cleanup: list) -> Factory:
    async def make(clock: VirtualClock, script: Script) -> CallLeg:
        words = [t for t in script.inputs if t and t.strip("0123456789*#").strip() != ""]
        for prompt in (LONG, SHORT):
            await prompts.render(prompt)  # warm: rendering takes no time off the call
        write_pcap(tmp_path / "talk.pcap", await _talk(script, prompts))
        after = (AFTER_ACK_WAITS if script.hangup_after is None else
                 AFTER_ACK_HANGS_UP.replace("@MS@", str(round(script.hangup_after * 1000))))
        name = render_scenario("uas_contract.xml", tmp_path, after_ack=after)
        sipp = await Sipp(name, tmp_path).start()
        gateway = gateway_for(sipp.port, username=None, password=None)
        gateway.media = MediaKit(prompts=prompts, recognizer=ScriptedRecognizer(words))
        await gateway.start()
        cleanup.append((sipp, gateway))
        return gateway.outbound(to=NUMBER, caller="+74951112233")
    return make


@pytest.fixture(params=["scripted", "text", "audio",
                        pytest.param("sip", marks=pytest.mark.skipif(
                            SIPP is None, reason="sipp (Debian sip-tester) is not installed"))])
async def make_call(request, prompts, tmp_path) -> AsyncIterator[Factory]:
    if request.param != "sip":
        yield {"scripted": scripted, "text": simulated_text,
               "audio": simulated_audio(prompts)}[request.param]
        return
    cleanup: list = []
    yield sip_calls(prompts, tmp_path, cleanup)
    for sipp, gateway in cleanup:
        await gateway.stop()
        try:
            assert await sipp.wait(30) == 0, sipp.log()  # the far end saw the call it expected
        finally:
            sipp.kill()


async def answered(make_call: Factory, script: Script) -> tuple[CallLeg, object]:
    """An answered call whose far end has said hello, and the clock the call runs on."""
    call = await make_call(VirtualClock(), script)
    assert await call.dial(NUMBER, ring_seconds=30) is CallResult.ANSWERED
    assert call.state is CallState.ANSWERED
    await call.detect_machine(listen_seconds=3)  # the far end's "hello" is over
    return call, call.clock


async def test_play_to_the_end(make_call):
    call, clock = await answered(make_call, Script())
    began = clock.now()
    assert await call.play(SHORT) == SILENCE
    assert clock.now() > began
    await call.hangup()


async def test_barge_in_by_digit(make_call):
    call, _ = await answered(make_call, Script(inputs=("5",), barge_in=True))
    heard = await call.play(LONG, barge_in_dtmf=True)
    assert heard.barged_in and heard.dtmf == "5"
    await call.hangup()


async def test_barge_in_by_speech(make_call):
    # A whole phrase: the Silero VAD does not take espeak's clipped «да» alone for speech.
    call, _ = await answered(make_call, Script(inputs=("да, конечно",), barge_in=True))
    heard = await call.play(LONG, barge_in_speech=True)
    assert heard.barged_in and heard.speech == "да, конечно"
    await call.hangup()


async def test_prompt_without_barge_in_plays_through_and_the_answer_follows(make_call):
    call, _ = await answered(make_call, Script(inputs=("7",)))
    assert await call.play(SHORT) == SILENCE
    heard = await call.collect(wait_seconds=5, max_digits=1)
    assert heard.dtmf == "7" and not heard.barged_in
    await call.hangup()


@pytest.mark.parametrize(("typed", "max_digits", "expected"),
                         [("12#", 5, "12"), ("12345", 3, "123")])
async def test_collect_ends_at_terminator_or_max_digits(make_call, typed, max_digits, expected):
    call, _ = await answered(make_call, Script(inputs=(typed,)))
    await call.play(SHORT)
    heard = await call.collect(wait_seconds=5, max_digits=max_digits, terminator="#")
    assert heard.dtmf == expected
    await call.hangup()


async def test_collect_times_out_to_silence(make_call):
    call, clock = await answered(make_call, Script(inputs=("",)))
    await call.play(SHORT)
    began = clock.now()
    assert await call.collect(wait_seconds=4) == SILENCE
    assert clock.now() - began >= 4
    await call.hangup()


async def test_collect_hears_speech(make_call):
    call, _ = await answered(make_call, Script(inputs=("нет",)))
    await call.play(SHORT)
    heard = await call.collect(dtmf=False, speech=True, wait_seconds=5)
    assert heard.speech == "нет"
    await call.hangup()


async def test_remote_hangup_during_play(make_call):
    call, _ = await answered(make_call, Script(hangup_after=4.0))
    hung_up = []
    call.on_hangup(lambda: hung_up.append(True))
    with pytest.raises(RemoteHangup):
        for _ in range(3):
            await call.play(LONG)
    assert hung_up == [True] and call.state is CallState.ENDED


async def test_remote_hangup_during_collect(make_call):
    call, _ = await answered(make_call, Script(hangup_after=5.0))
    with pytest.raises(RemoteHangup):
        await call.collect(wait_seconds=30)
    with pytest.raises(RemoteHangup):
        await call.play(SHORT)


async def test_hangup_during_dial_cancels_it(make_call):
    call = await make_call(VirtualClock(), Script())
    dialling = asyncio.ensure_future(call.dial(NUMBER, ring_seconds=30))
    await call.clock.sleep(0.5)
    await call.hangup(CallResult.CANCELLED)
    assert await dialling is CallResult.CANCELLED
    assert call.state is CallState.ENDED


async def test_transfer_is_answered(make_call):
    call, _ = await answered(make_call, Script())
    result = await call.transfer(TransferTarget(number="+74950000000"), ring_seconds=30)
    assert result is CallResult.ANSWERED
    await call.hangup()


async def test_hangup_is_idempotent_and_runs_no_remote_callbacks(make_call):
    call, _ = await answered(make_call, Script())
    called = []
    call.on_hangup(lambda: called.append(True))
    await call.hangup()
    await call.hangup()
    assert call.state is CallState.ENDED and called == []
    assert call.elapsed() > 0
