"""IVR and detectAI through the simulator in audio mode: the robot's prompts go out as frames,
the virtual subscriber answers in a caller's voice, and the real Listener, recogniser and
machine detector hear it (synthesis and recognition hold the call's clock)."""

from __future__ import annotations

import json

import pytest

from tests.media.conftest import whisper, whisper_dir  # noqa: F401 (session fixtures)
from voicebox.engine import EngineConfig, run_scenario
from voicebox.media.asr import RecognitionService
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import VirtualClock
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway

ANSWER = "Нет, мне это не интересно."


@pytest.fixture(scope="module")
async def prompts(tmp_path_factory):
    """The robot speaks through espeak-ng; the subscriber in a caller's voice (its own)."""
    speech = SpeechService([EspeakEngine()], cache_dir=tmp_path_factory.mktemp("tts"),
                           order={"ru": ("espeak",), "en": ("espeak",)})
    await speech.start()
    yield SpeechPrompts(speech)
    await speech.close()


def scenario() -> ScenarioBody:
    ask = {"type": "IVR", "name": "ask", "announcement": {"text": "Оплатите счёт до пятницы?"},
           "detectAI": True, "onDetectAI": "robot", "voiceInput": True, "keyboardInput": True,
           "awaitingTime": 6, "repeatCount": 1,
           "inputAnalysis": [{"keywords": [{"id": "1"}], "success": "yes"},
                             {"keywords": [{"id": "2"}], "success": "no"}],
           "onNoInput": "silent", "onInvalidInput": "invalid"}
    ends = [{"type": "ReleaseCall", "name": name}
            for name in ("yes", "no", "silent", "invalid", "robot")]
    return ScenarioBody.model_validate({"title": "speech", "states": [
        {"type": "Initial", "name": "start", "success": "ask"}, ask, *ends]})


async def run(prompts, whisper, behaviour):  # noqa: F811
    clock = VirtualClock()
    kit = MediaKit(prompts=prompts, recognizer=RecognitionService(whisper, timeout=60))
    gateway = SimulatedGateway(clock=clock, audio=True, media=kit)
    call = gateway.outbound(to="+79990000001", options={"simulation": {
        "seed": 3, "audio": True, "default": {"answerDelay": 1, **behaviour}}})
    outcome = await run_scenario(scenario(), call, variables={"phone": "+79990000001"},
                                 clock=call.clock, config=EngineConfig(detect_seconds=6))
    return outcome


async def test_a_spoken_refusal_is_heard_and_matched(prompts, whisper):  # noqa: F811
    outcome = await run(prompts, whisper, {"result": "answer", "inputs": [ANSWER]})
    step = outcome.trace[1]
    assert step.detail["detected"] == "human", step.detail
    assert step.next_state == "no", json.dumps([s.to_json() for s in outcome.trace], ensure_ascii=False)
    assert "интересно" in step.detail["text"].lower() and step.detail["asr_ms"] > 0
    assert step.detail["confidence"] >= 0.4


async def test_a_voicemail_is_detected_by_listening(prompts, whisper):  # noqa: F811
    outcome = await run(prompts, whisper, {"result": "machine"})
    step = outcome.trace[1]
    assert step.detail["detected"] == "machine", step.detail
    assert step.detail["detect_cause"] in ("voicemail_words", "beep")
    assert step.next_state == "robot"
