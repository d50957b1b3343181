"""Done-when of the SIP driver (issue 13): a campaign runs over SIP against a real peer through
the real dialer and API. `VOICEBOX_TELEPHONY=sip` with the trunk pointing at a sipp UAS on
loopback that answers 20 abonents, says "hello" (a 100 ms 1 kHz burst) and presses 1 as an RFC 4733
event; every call follows the survey to "yes", history has the real statuses and numbers, and
each live recording holds sipp's audio on its right channel. Beside it, in the same process, a
campaign carrying a `simulation` runs on the simulator (the GatewayRouter), sped up by
`VOICEBOX_SIM_TIME_SCALE` while the SIP calls keep real time."""

from __future__ import annotations

import io
import wave

import numpy as np

from tests.campaigns.helpers import NUMBERS, RICH
from tests.dialer.conftest import calls_of, wait_until
from tests.dialer.scenarios import survey
from tests.e2e.sip_support import (
    history_of,
    outbound_campaign,
    recording,
    running_dialer,
    sip_settings,
)
from tests.recordings.support import audible_seconds, channels
from tests.telephony.sip.conftest import AFTER_ACK_WAITS, needs_sipp
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_timeline

pytestmark = needs_sipp

ABONENTS = 20
PHONES = [f"+7916{n:07d}" for n in range(1, ABONENTS + 1)]
HELLO = (0.2, 0.3)  # what sipp says, seconds from its answer: a click of tone, too short
# for a voicemail beep (≥ 150 ms), so the machine detector does not take the callee for one
SIMULATED = {"seed": 7, "default": {"result": "answer", "answerDelay": 5, "inputs": ["2"]}}


def _main_hz(samples: np.ndarray) -> float:
    """The strongest frequency of a channel (silence adds nothing to the spectrum)."""
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * 8000 / samples.size)


async def test_twenty_abonents_over_sip_and_a_simulated_campaign_beside(
        app, client, make_tenant, settings, sipp) -> None:
    trunk = await sipp("uas_contract.xml", fill={"after_ack": AFTER_ACK_WAITS}, calls=ABONENTS,
                       talk=rtp_timeline(8.0, loud=(HELLO,), digits="1", digits_at=2.5),
                       extra=["-l", "10", "-timeout", "170s"])
    tenant = await make_tenant(balance=RICH)
    async with running_dialer(app, sip_settings(settings, trunk.port, sim_time_scale=50.0)):
        real = await outbound_campaign(app, client, tenant, program=survey(), phones=PHONES,
                                       number=NUMBERS[0])
        simulated = await outbound_campaign(
            app, client, tenant, program=survey(), phones=["+79990000301", "+79990000302"],
            number=NUMBERS[1], simulation=SIMULATED)
        sim_rows = await wait_until(lambda: history_of(client, tenant, simulated["id"], count=2),
                                    limit=120, every=0.5)
        sip_rows = await wait_until(
            lambda: history_of(client, tenant, real["id"], count=ABONENTS), limit=180, every=0.5)
        assert await trunk.wait(60) == 0, trunk.log()

    # The simulated campaign ran beside, on virtual subscribers, sped up (5 s to answer each).
    assert sorted(row["cdPN"] for row in sim_rows) == ["+79990000301", "+79990000302"]
    assert all(row["status"] == 200 for row in sim_rows)

    caller = f"+{NUMBERS[0]}"
    assert sorted(row["cdPN"] for row in sip_rows) == PHONES
    invites = trunk.log()
    for row in sip_rows:
        assert row["status"] == 200 and row["cgPN"] == caller, row
        assert row["callType"] == "outbound" and row["callRecord"] is True, row
        assert row["callDuration"] >= 2, row  # real time: hello, greeting, question, thanks
    assert f"From: <sip:{caller}@127.0.0.1>" in invites  # the campaign's number, not the trunk

    calls = {call.cd_pn: call for call in await calls_of(app, real["id"])}
    for phone in PHONES:
        steps = [step["state"] for step in calls[phone].trace]
        assert steps[-2:] == ["yes", "end"], (phone, steps)  # the digit sipp sent was heard
        audio = await recording(client, tenant, calls[phone].call_id)
        with wave.open(io.BytesIO(audio)) as reader:
            assert reader.getnchannels() == 2
            robot, far = channels(reader.readframes(reader.getnframes()), 2)
        # Our prompts on the left. How much of them depends on how soon they were synthesised:
        # sipp's digit comes at 2.5 s whatever we did, and under CI's load one call of twenty
        # had only 0.46 s of its prompts out before the digit and the end (about 2.5 s alone).
        assert audible_seconds(robot) > 0.3, phone
        hello = HELLO[1] - HELLO[0]
        assert hello - 0.2 <= audible_seconds(far) <= hello + 0.2, phone  # sipp's, on the right
        assert abs(_main_hz(far) - TONE_HZ) < 20, phone
