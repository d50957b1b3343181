"""Audio mode under a scaled clock: the real seconds spent on the simulator's own work (a prompt
synthesised for the first time, the subscriber's words, recognition) are not call time, so an
answered call lasts about as long as in text mode however slow the synthesiser is."""

from __future__ import annotations

from tests.readme_scenario import README_SCENARIO
from voicebox.engine import EngineConfig, run_scenario
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.prompts import SpeechPrompts
from voicebox.telephony.simulated import SimulatedGateway

SIMULATION = {"seed": 1, "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}


async def answered_seconds(*, audio: bool, cache) -> float:
    speech = SpeechService([EspeakEngine()], cache_dir=cache,
                           order={"ru": ("espeak",), "en": ("espeak",)})
    await speech.start()
    try:
        gateway = SimulatedGateway(time_scale=60, audio=audio,
                                   media=MediaKit(prompts=SpeechPrompts(speech)))
        call = gateway.outbound(to="+79161234569",
                                options={"simulation": {**SIMULATION, "audio": audio}})
        outcome = await run_scenario(ScenarioBody.model_validate(README_SCENARIO), call,
                                     variables={"phone": "+79161234569", "fio": "Олег",
                                                "amount": "99"}, clock=call.clock,
                                     config=EngineConfig(ring_seconds=30))
        assert [r.state for r in outcome.trace][-2:] == ["thanks", "end"], outcome.to_json()
        return outcome.duration
    finally:
        await speech.close()


async def test_first_time_synthesis_is_not_call_time_at_scale_60(tmp_path):
    text = await answered_seconds(audio=False, cache=tmp_path / "text")
    audio = await answered_seconds(audio=True, cache=tmp_path / "audio")  # nothing cached
    # Without holding the call's clock a first render (~0.1–1 s of real time, far more on a
    # busy machine) comes back as 6–60 s of call time at this scale, and the call lasted ~75 s.
    assert audio < text * 2 + 5, (audio, text)
