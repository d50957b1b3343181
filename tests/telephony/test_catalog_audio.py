"""Every catalog template runs in audio mode on the simulator: its prompts go out as frames, the
subscriber answers each with "1" pressed as in-band tones, and the run ends as scenarios do."""

from __future__ import annotations

import httpx
import pytest

from voicebox.engine import EngineConfig, run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.scenarios.catalog import TEMPLATES, scenario_from_template
from voicebox.telephony.base import Prompt, VirtualClock
from voicebox.telephony.media_leg import MediaKit
from voicebox.telephony.simulated import SimulatedGateway

SIMULATION = {"seed": 5, "default": {"result": "answer", "answerDelay": 2,
                                     "inputs": ["1"] * 10}}
VARIABLES = {"phone": "+79990000001", "name": "Анна", "amount": "1500", "date": "15 января",
             "code": "1234", "order": "42"}


def http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"ok": True, "status": "1"})))


async def run(body: ScenarioBody, *, audio: bool, prompts, played: list[Prompt] | None = None):
    clock = VirtualClock()
    gateway = SimulatedGateway(clock=clock, audio=audio, media=MediaKit(prompts=prompts))
    call = gateway.outbound(to=VARIABLES["phone"], options={
        "simulation": {**SIMULATION, "audio": audio}})
    if played is not None:
        call.on_play(played.append)
    async with http_client() as http:
        outcome = await run_scenario(body, call, variables=VARIABLES, clock=call.clock, http=http,
                                     config=EngineConfig(ring_seconds=30))
    return outcome, call


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["id"] for t in TEMPLATES])
async def test_catalog_template_runs_in_audio_mode(template, prompts):
    body = ScenarioBody.model_validate(scenario_from_template(template))
    played: list[Prompt] = []
    text_outcome, _ = await run(body, audio=False, prompts=prompts, played=played)
    for prompt in played:
        await prompts.render(prompt)  # warm: the audio run then spends no real time on speech

    outcome, call = await run(body, audio=True, prompts=prompts)
    assert outcome.answered and outcome.error is None, outcome.to_json()
    assert outcome.reason in ("released", "transferred", "remote_hangup"), outcome.reason
    assert call.subscriber.heard_prompts >= 1  # prompts arrived as audio frames
    heard = [record.heard for record in outcome.trace if record.heard]
    if any(h for h in heard):
        assert any("1" in h for h in heard)  # the tones were read back as the digit
    assert text_outcome.reason == outcome.reason or outcome.reason == "released"
