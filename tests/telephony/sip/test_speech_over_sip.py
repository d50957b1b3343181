"""Speech over a real SIP call: sipp (a pcap of G.711 RTP) or baresip (a WAV file it encodes
itself) answers our call, or calls our number, and speaks in a caller's voice; the SIP driver's
media leg hears it (Silero VAD), Whisper recognises it in the IVR prompt's language (Russian or
English) and the scenario's IVR takes the branch it means, or detectAI tells a voicemail
greeting from a person.

The voices are rendered at test time (caller voices, a fixed line-noise seed: the same audio
every run) into a pcap or WAV made per test; nothing here is recorded audio.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.media.conftest import caller_phrases, whisper, whisper_dir  # noqa: F401 (fixtures)
from tests.telephony.sip.conftest import (
    AFTER_ACK_WAITS,
    CALLEE,
    CALLER,
    StartGateway,
    StartSipp,
    TrunkCall,
    gateway_for,
    needs_sipp,
)
from tests.telephony.sip.rtp_capture import rtp_timeline, tone
from tests.telephony.sip.test_baresip import BARESIP, Baresip
from voicebox.engine import EngineConfig, Outcome, run_scenario
from voicebox.media.asr import RecognitionService
from voicebox.media.audio import Pcm, duration, silence, write_wav
from voicebox.media.caller_voices import over_the_line
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallLeg, CallState, RealClock
from voicebox.telephony.sip import SipGateway

needs_baresip = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed")

# After the answer: past the greeting window (2 s) and our 0.5 s prompt, so it is an answer and
# not the callee's hello, however late the prompt starts.
SPEAKS_AT = 2.5
AFTER = 2.0  # seconds of quiet after the voice ends the utterance (0.7 s) with time to spare


def _states(ask: dict[str, Any], *ends: tuple[str, str], incoming: bool = False
            ) -> dict[str, Any]:
    """start → dial → `ask` (an incoming scenario: start → `ask`, which answers the call); each
    end a prompt of its own, then the hang-up."""
    messages = [{"type": "VoiceMessage", "name": name, "announcement": {"text": text},
                 "success": "end"} for name, text in ends]
    dial = [] if incoming else [
        {"type": "OutgoingCall", "name": "dial", "success": ask["name"], "error": "end"}]
    return {"title": ask["name"], "type": "incoming" if incoming else "outgoing", "states": [
        {"type": "Initial", "name": "start", "success": "dial" if dial else ask["name"]},
        *dial, ask, *messages, {"type": "ReleaseCall", "name": "end"}]}


def _menu(question: str, digit: str) -> dict[str, Any]:
    """An IVR asking `question` (its language is the recogniser's): agree, refuse or `digit`,
    spoken or typed."""
    return {"type": "IVR", "name": "ask", "announcement": {"text": question},
            "voiceInput": True, "keyboardInput": True, "awaitingTime": 6, "repeatCount": 0,
            "inputAnalysis": [{"keywords": [{"id": "1"}], "success": "agreed"},
                              {"keywords": [{"id": "2"}], "success": "refused"},
                              {"dtmf": digit, "success": "digit"}],
            "onNoInput": "silent", "onInvalidInput": "unclear"}


RU_MENU = _menu("Вы согласны? Скажите да или нет, или назовите цифру два.", "2")
RU_ENDS = (("agreed", "Спасибо за согласие."), ("refused", "Жаль, до свидания."),
           ("digit", "Вы выбрали два."), ("silent", "Вас не слышно."), ("unclear", "Не понял."))
ASK = _states(RU_MENU, *RU_ENDS)
ASK_INCOMING = _states(RU_MENU, *RU_ENDS, incoming=True)
ASK_EN = _states(
    _menu("Do you agree? Say yes or no, or say the digit three.", "3"),
    ("agreed", "Thank you."), ("refused", "Sorry to hear that. Goodbye."),
    ("digit", "You chose three."), ("silent", "I cannot hear you."),
    ("unclear", "Sorry, I did not understand."))

DETECT = _states(
    {"type": "IVR", "name": "ask", "announcement": {"text": "Вы согласны?"},
     "detectAI": True, "onDetectAI": "robot", "voiceInput": True, "awaitingTime": 2,
     "repeatCount": 0,
     "inputAnalysis": [{"keywords": [{"id": "1"}], "success": "agreed"}],
     "onNoInput": "silent", "onInvalidInput": "silent"},
    ("robot", "Перезвоним позже."), ("agreed", "Спасибо."), ("silent", "Вас не слышно."))


def on_the_line(pcm: Pcm, seed: int = 11) -> Pcm:
    """`pcm` as a phone sends it: μ-law, hiss 25 dB down; fixed seed and no random lead."""
    return over_the_line(pcm, random.Random(seed), lead_seconds=0.0)


async def call_and_run(trunk_call: TrunkCall, whisper_model: Any, states: dict[str, Any],
                       voice: tuple[tuple[float, Pcm], ...], seconds: float,
                       config: EngineConfig | None = None) -> Outcome:
    """sipp answers our call and plays `voice` ((start, PCM) from its answer on) in `seconds`
    of RTP, then waits for our BYE; the engine runs `states` with the real recogniser."""
    trunk, call = await trunk_call(
        "uas_contract.xml", fill={"after_ack": AFTER_ACK_WAITS},
        talk=rtp_timeline(seconds, voice=voice),
        gateway={"username": None, "password": None})
    call.gateway.media.recognizer = RecognitionService(whisper_model, timeout=60)
    outcome = await run_scenario(ScenarioBody.model_validate(states), call,
                                 variables={"phone": CALLEE}, clock=RealClock(),
                                 config=config)
    assert call.state is CallState.ENDED
    assert await trunk.wait() == 0, trunk.log()
    return outcome


def _trace(outcome: Outcome) -> str:
    return json.dumps([step.to_json() for step in outcome.trace], ensure_ascii=False)


def assert_took(outcome: Outcome, branch: str, matched: str, said: str, *,
                dialled: bool = True, log: str = "") -> None:
    """The IVR heard a confident answer (Whisper's text, in the trace) that took `branch`
    (`matched`: an intent's name, or "dtmf" for a digit branch), whose prompt was `said`;
    `log`: the peer's, for the failure message."""
    states = ["start", *(["dial"] if dialled else []), "ask", branch, "end"]
    assert [step.state for step in outcome.trace] == states, _trace(outcome) + log
    ask, reply = outcome.trace[-3], outcome.trace[-2]
    assert ask.detail is not None and ask.detail["matched"] == matched, _trace(outcome) + log
    assert ask.detail["text"] and ask.detail["confidence"] >= 0.4 and ask.detail["asr_ms"] > 0
    assert ask.heard == [ask.detail["text"]]
    assert reply.prompt == [said]


@needs_sipp
@pytest.mark.parametrize(("states", "phrase", "branch", "matched", "said"), [
    (ASK, "da", "agreed", "Согласие", "Спасибо за согласие."),
    (ASK, "neint", "refused", "Отказ", "Жаль, до свидания."),
    (ASK, "dva", "digit", "dtmf", "Вы выбрали два."),  # a number alone takes a digit branch
    # an English prompt: Whisper is told English, and English phrasings match
    (ASK_EN, "not_interested", "refused", "Отказ", "Sorry to hear that. Goodbye."),
    (ASK_EN, "three_espeak", "digit", "dtmf", "You chose three."),
], ids=["agree", "refuse", "spoken-digit", "en-refuse", "en-spoken-digit"])
async def test_a_spoken_answer_over_sip_takes_its_branch(
        trunk_call: TrunkCall, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
        states: dict[str, Any], phrase: str, branch: str, matched: str, said: str) -> None:
    speech = on_the_line(caller_phrases[phrase])
    outcome = await call_and_run(trunk_call, whisper, states, ((SPEAKS_AT, speech),),
                                 SPEAKS_AT + duration(speech) + AFTER)
    assert_took(outcome, branch, matched, said)


Answered = asyncio.Future[tuple[CallLeg, Outcome]]


async def answering_gateway(sip_gateway: StartGateway, whisper_model: Any,
                            states: dict[str, Any]) -> tuple[SipGateway, Answered]:
    """A gateway whose inbound calls the incoming scenario `states` answers with the real
    recogniser, as the dialer's inbound handler would; the future gives the call and its
    outcome."""
    ran: Answered = asyncio.get_running_loop().create_future()

    async def handler(call: CallLeg) -> None:
        try:
            outcome = await run_scenario(ScenarioBody.model_validate(states), call,
                                         variables={"phone": call.caller}, clock=RealClock())
        except Exception as error:  # fail the test now, not at its timeout
            ran.set_exception(error)
            raise
        ran.set_result((call, outcome))

    gateway = await sip_gateway(on_incoming=handler)
    gateway.media.recognizer = RecognitionService(whisper_model, timeout=60)
    return gateway, ran


async def answer_and_run(sipp: StartSipp, sip_gateway: StartGateway, whisper_model: Any,
                         states: dict[str, Any], voice: tuple[tuple[float, Pcm], ...],
                         seconds: float) -> Outcome:
    """sipp calls our number and plays `voice` ((start, PCM) from its ACK on) in `seconds` of
    PCMU RTP, then waits for our BYE; `answering_gateway` runs `states` on the call."""
    gateway, ran = await answering_gateway(sip_gateway, whisper_model, states)
    caller = await sipp("uac_speaks.xml", talk=rtp_timeline(seconds, voice=voice, pt=0),
                        calling=gateway, dialled="84951234567")
    exited = asyncio.ensure_future(caller.wait())
    await asyncio.wait((ran, exited), timeout=60, return_when=asyncio.FIRST_COMPLETED)
    assert ran.done(), caller.log()  # sipp failed, or the call never ended
    call, outcome = ran.result()
    assert call.state is CallState.ENDED and call.to == "+74951234567"
    assert await exited == 0, caller.log()
    return outcome


@needs_sipp
@pytest.mark.parametrize(("phrase", "branch", "matched", "said"), [
    ("neint", "refused", "Отказ", "Жаль, до свидания."),
    ("dva", "digit", "dtmf", "Вы выбрали два."),
], ids=["refuse", "spoken-digit"])
async def test_a_caller_who_rings_us_answers_our_question_by_voice(
        sipp: StartSipp, sip_gateway: StartGateway, whisper: Any,  # noqa: F811
        caller_phrases: dict[str, Pcm], phrase: str, branch: str, matched: str,  # noqa: F811
        said: str) -> None:
    """The inbound direction: the caller's RTP reaches the answered leg's listener."""
    speech = on_the_line(caller_phrases[phrase])
    outcome = await answer_and_run(sipp, sip_gateway, whisper, ASK_INCOMING,
                                   ((SPEAKS_AT, speech),), SPEAKS_AT + duration(speech) + AFTER)
    assert_took(outcome, branch, matched, said, dialled=False)


@needs_sipp
@pytest.mark.parametrize(("greeting", "causes"), [
    ("voicemail", ("voicemail_words", "beep")), ("no_giveaway", ("beep",))],
    ids=["voicemail-words", "beep-after-plain-words"])
async def test_detect_ai_over_sip_hears_a_voicemail_greeting_and_its_beep(
        trunk_call: TrunkCall, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
        greeting: str, causes: tuple[str, ...]) -> None:
    words = on_the_line(caller_phrases[greeting], 5)
    beep_at = 0.5 + duration(words) + 0.3
    outcome = await call_and_run(
        trunk_call, whisper, DETECT, ((0.5, words), (beep_at, tone(0.6, 1000))),
        beep_at + 1.5, EngineConfig(detect_seconds=10))
    ask = outcome.trace[2]
    assert ask.detail is not None and ask.detail["detected"] == "machine", _trace(outcome)
    assert ask.detail["detect_cause"] in causes, _trace(outcome)
    assert ask.next_state == "robot" and outcome.trace[3].prompt == ["Перезвоним позже."]


@needs_sipp
async def test_detect_ai_over_sip_hears_a_person_say_hello(
        trunk_call: TrunkCall, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
) -> None:
    hello = on_the_line(caller_phrases["hello"], 5)
    outcome = await call_and_run(trunk_call, whisper, DETECT, ((0.3, hello),),
                                 0.3 + duration(hello) + 4.0, EngineConfig(detect_seconds=10))
    ask = outcome.trace[2]
    assert ask.detail is not None and ask.detail["detected"] == "human", _trace(outcome)
    assert ask.detail["detect_cause"] == "short_greeting"
    assert ask.next_state == "silent"  # asked, and the silence after «Алло?» is no answer
    assert ask.prompt == ["Вы согласны?"]


def softphone_saying(workdir: Path, speech: Pcm) -> Baresip:
    """baresip whose microphone is a WAV: `speech` at SPEAKS_AT from the call's start (its own
    G.711 encoding and 20 ms pacing). It hangs up at the file's end: the quiet after the answer
    outlasts the call."""
    wav = write_wav(workdir / "answer.wav", silence(SPEAKS_AT) + speech + silence(20.0))
    return Baresip(workdir, speaks=wav)


@needs_baresip
async def test_a_softphone_speaks_a_refusal_and_the_refusal_branch_runs(
        tmp_path: Path, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
) -> None:
    """baresip answers our call and speaks: the same answer as above, from a real softphone."""
    phone = softphone_saying(tmp_path, on_the_line(caller_phrases["neint"]))
    await phone.start()
    gateway = gateway_for(phone.port, strip_plus=True)
    gateway.media.recognizer = RecognitionService(whisper, timeout=60)
    await gateway.start()
    try:
        call = gateway.outbound(to=CALLEE, caller=CALLER)
        outcome = await run_scenario(ScenarioBody.model_validate(ASK), call,
                                     variables={"phone": CALLEE}, clock=RealClock())
    finally:
        await gateway.stop()
        await phone.stop()
    assert_took(outcome, "refused", "Отказ", "Жаль, до свидания.", log=phone.log()[-3000:])
    assert call.state is CallState.ENDED


@needs_baresip
async def test_a_softphone_rings_us_and_speaks_a_refusal(
        tmp_path: Path, sip_gateway: StartGateway, whisper: Any,  # noqa: F811
        caller_phrases: dict[str, Pcm],  # noqa: F811
) -> None:
    """baresip dials our number and speaks once our incoming scenario has answered."""
    gateway, ran = await answering_gateway(sip_gateway, whisper, ASK_INCOMING)
    phone = softphone_saying(tmp_path, on_the_line(caller_phrases["neint"]))
    try:
        await phone.start(f"/dial sip:84951234567@127.0.0.1:{gateway.endpoint.port}")
        call, outcome = await asyncio.wait_for(ran, 60)
    finally:
        await phone.stop()
    assert_took(outcome, "refused", "Отказ", "Жаль, до свидания.", dialled=False,
                log=phone.log()[-3000:])
    assert call.state is CallState.ENDED and call.caller == "+79161234567"
