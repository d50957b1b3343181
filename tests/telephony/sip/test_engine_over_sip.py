"""A scenario in the service's format run by the engine on a real SIP call (sipp as the trunk):
dial with digest, an Input of digits typed as RFC 4733 events and INFO, a prompt, a transfer by
REFER. Prompts (beeps here) play through the shared media leg over the RTP transport."""

from __future__ import annotations

from tests.telephony.sip.conftest import (
    AFTER_ACK_WAITS,
    TRUNK,
    TrunkCall,
    needs_sipp,
)
from tests.telephony.sip.rtp_capture import rtp_stream, rtp_timeline, tone
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


async def test_scenario_runs_over_sip(trunk_call: TrunkCall) -> None:
    trunk, call = await trunk_call("uas_trunk.xml", fill=TRUNK,
                                   talk=rtp_stream(tone_seconds=1.0, digits="12"))
    outcome = await run_scenario(ScenarioBody.model_validate(SCENARIO), call,
                                 variables={"phone": "+79161234567"}, clock=RealClock())
    assert [step.state for step in outcome.trace] == ["start", "dial", "code", "say", "transfer"]
    assert outcome.variables["code"] == "123"
    assert outcome.reason == "transferred"
    assert call.state is CallState.ENDED
    assert await trunk.wait() == 0, trunk.log()


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
        trunk_call: TrunkCall) -> None:
    # sipp presses 1 and 2 as RFC 4733 events 1.0 s and 1.3 s after its answer, over our prompt.
    trunk, call = await trunk_call(
        "uas_contract.xml", fill={"after_ack": AFTER_ACK_WAITS},
        talk=rtp_timeline(4.0, digits="12", digits_at=1.0),
        gateway={"username": None, "password": None, "render": _three_seconds_of_tone})
    outcome = await run_scenario(ScenarioBody.model_validate(IVR_OVER_PROMPT), call,
                                 variables={"phone": "+79161234567"}, clock=RealClock())
    ask = outcome.trace[2]
    assert ask.state == "ask" and ask.next_state == "twelve", ask
    assert await trunk.wait() == 0, trunk.log()
