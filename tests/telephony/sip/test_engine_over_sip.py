"""A scenario in the service's format run by the engine on a real SIP call (sipp as the trunk):
dial with digest, an Input of digits typed as RFC 4733 events and INFO, a prompt, a transfer by
REFER. Prompts are the stand-in media's beeps until the shared media leg lands."""

from __future__ import annotations

from pathlib import Path

from tests.telephony.sip.conftest import Sipp, gateway_for, needs_sipp
from tests.telephony.sip.rtp_capture import rtp_stream, write_pcap
from voicebox.engine import run_scenario
from voicebox.scenarios.format import ScenarioBody
from voicebox.telephony.base import CallState, RealClock

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
