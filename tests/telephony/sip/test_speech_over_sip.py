"""Speech over a real SIP call: sipp (a pcap of G.711 RTP) or baresip (a WAV file it encodes
itself) answers our call and speaks in a caller's voice; the SIP driver's media leg hears it
(Silero VAD), Whisper recognises it and the scenario's IVR takes the branch it means, or
detectAI tells a voicemail greeting from a person.

The voices are rendered at test time (caller voices, a fixed line-noise seed: the same audio
every run) into a pcap or WAV made per test; nothing here is recorded audio.
"""

from __future__ import annotations

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
from voicebox.telephony.base import CallState, RealClock

needs_baresip = pytest.mark.skipif(BARESIP is None, reason="baresip is not installed")

# After the answer: past the greeting window (2 s) and our 0.5 s prompt, so it is an answer and
# not the callee's hello, however late the prompt starts.
SPEAKS_AT = 2.5
AFTER = 2.0  # seconds of quiet after the voice ends the utterance (0.7 s) with time to spare


def _states(ask: dict[str, Any], *ends: tuple[str, str]) -> dict[str, Any]:
    """start → dial → `ask`; each end a prompt of its own, then the hang-up."""
    messages = [{"type": "VoiceMessage", "name": name, "announcement": {"text": text},
                 "success": "end"} for name, text in ends]
    return {"title": ask["name"], "states": [
        {"type": "Initial", "name": "start", "success": "dial"},
        {"type": "OutgoingCall", "name": "dial", "success": ask["name"], "error": "end"},
        ask, *messages, {"type": "ReleaseCall", "name": "end"}]}


ASK = _states(
    {"type": "IVR", "name": "ask",
     "announcement": {"text": "Вы согласны? Скажите да или нет, или назовите цифру два."},
     "voiceInput": True, "keyboardInput": True, "awaitingTime": 6, "repeatCount": 0,
     "inputAnalysis": [{"keywords": [{"id": "1"}], "success": "agreed"},
                       {"keywords": [{"id": "2"}], "success": "refused"},
                       {"dtmf": "2", "success": "two"}],
     "onNoInput": "silent", "onInvalidInput": "unclear"},
    ("agreed", "Спасибо за согласие."), ("refused", "Жаль, до свидания."),
    ("two", "Вы выбрали два."), ("silent", "Вас не слышно."), ("unclear", "Не понял."))

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


@needs_sipp
@pytest.mark.parametrize(("phrase", "branch", "matched", "said"), [
    ("da", "agreed", "Согласие", "Спасибо за согласие."),
    ("neint", "refused", "Отказ", "Жаль, до свидания."),
    ("dva", "two", "dtmf", "Вы выбрали два."),  # a number-only answer takes a digit branch
], ids=["agree", "refuse", "spoken-digit"])
async def test_a_spoken_answer_over_sip_takes_its_branch(
        trunk_call: TrunkCall, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
        phrase: str, branch: str, matched: str, said: str) -> None:
    speech = on_the_line(caller_phrases[phrase])
    outcome = await call_and_run(trunk_call, whisper, ASK, ((SPEAKS_AT, speech),),
                                 SPEAKS_AT + duration(speech) + AFTER)
    assert [step.state for step in outcome.trace] == ["start", "dial", "ask", branch, "end"], \
        _trace(outcome)
    ask, reply = outcome.trace[2], outcome.trace[3]
    assert ask.detail is not None and ask.detail["matched"] == matched, _trace(outcome)
    assert ask.detail["text"] and ask.detail["confidence"] >= 0.4 and ask.detail["asr_ms"] > 0
    assert ask.heard == [ask.detail["text"]]
    assert reply.prompt == [said]


NO_GIVEAWAY = "Добрый день, это квартира Смирновых, мы сейчас далеко от телефона."


@pytest.fixture(scope="module")
async def no_giveaway() -> Pcm:
    """A greeting whose words say nothing of voicemail: only its beep gives it away."""
    from voicebox.media.caller_voices import CALLER_VOICES, CallerSpeech

    speech = CallerSpeech()
    try:
        return await speech.say(NO_GIVEAWAY, "ru", CALLER_VOICES["ru"][2])
    finally:
        await speech.close()


@needs_sipp
@pytest.mark.parametrize(("greeting", "causes"), [
    ("voicemail", ("voicemail_words", "beep")), ("no_giveaway", ("beep",))],
    ids=["voicemail-words", "beep-after-plain-words"])
async def test_detect_ai_over_sip_hears_a_voicemail_greeting_and_its_beep(
        trunk_call: TrunkCall, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
        no_giveaway: Pcm, greeting: str, causes: tuple[str, ...]) -> None:
    words = on_the_line(no_giveaway if greeting == "no_giveaway" else caller_phrases[greeting], 5)
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


@needs_baresip
async def test_a_softphone_speaks_a_refusal_and_the_refusal_branch_runs(
        tmp_path: Path, whisper: Any, caller_phrases: dict[str, Pcm],  # noqa: F811
) -> None:
    """baresip answers our call and sends a WAV as its microphone (its own G.711 encoding and
    20 ms pacing): the same answer as above, from a real softphone."""
    speech = on_the_line(caller_phrases["neint"])
    # baresip hangs up at the file's end: the quiet after the answer outlasts the call
    wav = write_wav(tmp_path / "answer.wav", silence(SPEAKS_AT) + speech + silence(20.0))
    phone = Baresip(tmp_path, speaks=wav)
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
    assert [step.state for step in outcome.trace] == ["start", "dial", "ask", "refused", "end"], \
        _trace(outcome) + phone.log()[-3000:]
    ask = outcome.trace[2]
    assert ask.detail is not None and ask.detail["matched"] == "Отказ"
    assert ask.detail["confidence"] >= 0.4 and ask.heard == [ask.detail["text"]]
    assert call.state is CallState.ENDED
