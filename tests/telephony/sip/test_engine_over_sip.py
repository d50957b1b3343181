"""A scenario in the service's format run by the engine on a real SIP call (sipp as the trunk):
dial with digest, an Input of digits typed as RFC 4733 events and INFO, a prompt, a transfer by
REFER. Prompts (beeps here) play through the shared media leg over the RTP transport."""

from __future__ import annotations

from pathlib import Path

from tests.telephony.sip.conftest import (
    AFTER_ACK_WAITS,
    Sipp,
    gateway_for,
    needs_sipp,
    render_scenario,
)
from tests.telephony.sip.media import set_render
from tests.telephony.sip.rtp_capture import rtp_stream, rtp_timeline, tone, write_pcap
from voicebox.engine import run_scenario
from voicebox.scenario_language.format import ScenarioBody
from voicebox.telephony.base import CallState, Prompt, RealClock

pytestmark = needs_sipp

SCENARIO = {
    "title": "code then transfer",
    "states": [
        {"type": "Initial", "name": "start", "success": "dial"},
        {"type": "OutgoingCall", "name": "dial", "success": "code", "error": "failed"},
        {"type": "Input", "name": "code", "announcement": {"text": "Введите код"},
         "variable": "code", "inputMaxLength": 3, "awaitingTime": 15,
         "onNoInput": "failed", "success": "say"},
        {"type": "VoiceMessage", "name": "say", "announcement": {"text": "Код {{code}}"},
         "success": "transfer"},
        {"type": "Redirection", "name": "transfer", "numberB": "+74950000000",
         "error": "failed"},
        {"type": "ReleaseCall", "name": "failed"},
    ],
}


async def test_scenario_runs_over_sip(tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_stream(tone_seconds=1.0, digits="12"))
    sipp = await Sipp("uas_trunk.xml", tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        outcome = await run_scenario(ScenarioBody.model_validate(SCENARIO), call,
                                     variables={"phone": "+79161234567"}, clock=RealClock())
        assert [step.state for step in outcome.trace] == ["start", "dial", "code", "say",
                                                          "transfer"]
        assert outcome.variables["code"] == "123"
        assert outcome.reason == "transferred"
        assert call.state is CallState.ENDED
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()


IVR_OVER_PROMPT = {
    "title": "a two-digit branch typed over the prompt",
    "states": [
        {"type": "Initial", "name": "start", "success": "dial"},
        {"type": "OutgoingCall", "name": "dial", "success": "ask", "error": "end"},
        {"type": "IVR", "name": "ask", "announcement": {"text": "Нажмите 1 или 12"},
         "keyboardInput": True, "awaitingTime": 5,
         "inputAnalysis": [{"dtmf": "1", "success": "one"}, {"dtmf": "12", "success": "twelve"}],
         "onNoInput": "end", "onInvalidInput": "end", "success": "end"},
        {"type": "ReleaseCall", "name": "one"},
        {"type": "ReleaseCall", "name": "twelve"},
        {"type": "ReleaseCall", "name": "end"},
    ],
}


async def _three_seconds_of_tone(prompt: Prompt) -> bytes:
    return tone(3.0, 440)


async def test_two_digits_typed_over_a_prompt_reach_the_two_digit_branch(
        tmp_path: Path, sipp_runner: list[Sipp]) -> None:
    # sipp presses 1 and 2 as RFC 4733 events 1.0 s and 1.3 s after its answer, over our prompt.
    write_pcap(tmp_path / "talk.pcap", rtp_timeline(4.0, digits="12", digits_at=1.0))
    sipp = await Sipp(render_scenario("uas_contract.xml", tmp_path, after_ack=AFTER_ACK_WAITS),
                      tmp_path).start()
    sipp_runner.append(sipp)
    gateway = gateway_for(sipp.port, username=None, password=None)
    set_render(gateway, _three_seconds_of_tone)
    await gateway.start()
    try:
        call = gateway.outbound(to="+79161234567", caller="+74951112233")
        outcome = await run_scenario(ScenarioBody.model_validate(IVR_OVER_PROMPT), call,
                                     variables={"phone": "+79161234567"}, clock=RealClock())
        ask = outcome.trace[2]
        assert ask.state == "ask" and ask.next_state == "twelve", ask
        assert await sipp.wait() == 0, sipp.log()
    finally:
        await gateway.stop()
