"""IVR and detectAI through the simulator in audio mode: the robot's prompts go out as frames,
the virtual subscriber answers in a caller's voice, and the real Listener, recogniser and
machine detector hear it (virtual time: recognition runs while the clock stands still)."""

from __future__ import annotations

import random

import pytest

from tests.media.conftest import whisper, whisper_dir  # noqa: F401 (session fixtures)
from voicebox.engine import EngineConfig, run_scenario
from voicebox.media.asr import RecognitionService
from voicebox.media.caller_voices import caller_says, over_the_line
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import Prompt, VirtualClock
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway
from voicebox.telephony.simulated.subscriber import (
    HELLO,
    MACHINE_GREETING,
    SUBSCRIBER_VOICE,
)
from voicebox.text import detect_language

ANSWER = "Нет, мне это не интересно."


class CallerPrompts:
    """The robot speaks through espeak-ng; the subscriber in a caller's voice (Festival shifted),
    every phrase rendered before the run so virtual time never waits on a synthesiser."""

    def __init__(self, robot: SpeechPrompts):
        self.robot = robot
        self.caller: dict[str, bytes] = {}

    async def warm(self, *texts: str) -> None:
        for text in texts:
            _voice, pcm = await caller_says(text, detect_language(text), random.Random(text))
            self.caller[text] = over_the_line(pcm, random.Random(1), lead_seconds=0.2)

    async def render(self, prompt: Prompt) -> bytes:
        if prompt.voice == SUBSCRIBER_VOICE and prompt.text in self.caller:
            return self.caller[prompt.text]
        return await self.robot.render(prompt)


@pytest.fixture(scope="module")
async def prompts(tmp_path_factory):
    speech = SpeechService([EspeakEngine()], cache_dir=tmp_path_factory.mktemp("tts"),
                           order={"ru": ("espeak",), "en": ("espeak",)})
    await speech.start()
    renderer = CallerPrompts(SpeechPrompts(speech))
    await renderer.warm(HELLO, MACHINE_GREETING, ANSWER)
    yield renderer
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
    await prompts.robot.render(Prompt(text="Оплатите счёт до пятницы?"))
    outcome = await run_scenario(scenario(), call, variables={"phone": "+79990000001"},
                                 clock=clock, config=EngineConfig(detect_seconds=6))
    return outcome


async def test_a_spoken_refusal_is_heard_and_matched(prompts, whisper):  # noqa: F811
    outcome = await run(prompts, whisper, {"result": "answer", "inputs": [ANSWER]})
    step = outcome.trace[1]
    assert step.detail["detected"] == "human", step.detail
    assert step.next_state == "no", step.to_json()
    assert "интересно" in step.detail["text"].lower() and step.detail["asr_ms"] > 0
    assert step.detail["confidence"] >= 0.4


async def test_a_voicemail_is_detected_by_listening(prompts, whisper):  # noqa: F811
    outcome = await run(prompts, whisper, {"result": "machine"})
    step = outcome.trace[1]
    assert step.detail["detected"] == "machine", step.detail
    assert step.detail["detect_cause"] in ("voicemail_words", "beep")
    assert step.next_state == "robot"
