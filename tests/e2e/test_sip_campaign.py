"""Done-when of the SIP driver (issue 13): a campaign runs over SIP against a real peer through
the real dialer and API. `VOICEBOX_TELEPHONY=sip` with the trunk pointing at a sipp UAS on
loopback that answers 20 abonents, says "hello" (a 100 ms 1 kHz burst) and presses 1 as an RFC 4733
event; every call follows the survey to "yes", history has the real statuses and numbers, and
each live recording holds sipp's audio on its right channel. Beside it, in the same process, a
campaign carrying a `simulation` runs on the simulator (the GatewayRouter), sped up by
`VOICEBOX_SIM_TIME_SCALE` while the SIP calls keep real time."""

from __future__ import annotations

import io
import json
import wave

import numpy as np
import pytest

from tests.campaigns.helpers import NUMBERS, RICH, buy, scenario, url
from tests.dialer.conftest import calls_of, wait_until
from tests.dialer.scenarios import survey
from tests.recordings.support import audible_seconds, channels
from tests.telephony.sip.conftest import (
    AFTER_ACK_WAITS,
    SIPP,
    Sipp,
    free_udp_port,
    render_scenario,
)
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_timeline, write_pcap
from voicebox.dialer.runtime import build_dialer

pytestmark = pytest.mark.skipif(SIPP is None, reason="sipp (Debian sip-tester) is not installed")

ABONENTS = 20
PHONES = [f"+7916{n:07d}" for n in range(1, ABONENTS + 1)]
HELLO = (0.2, 0.3)  # what sipp says, seconds from its answer: a click of tone, too short
# for a voicemail beep (≥ 150 ms), so the machine detector does not take the callee for one
SIMULATED = {"seed": 7, "default": {"result": "answer", "answerDelay": 5, "inputs": ["2"]}}


async def _campaign(app, client, tenant, *, phones: list[str], number: str,
                    simulation: dict | None = None) -> dict:
    body = {
        "name": "SIP" if simulation is None else "Симуляция", "campaignType": "outbound",
        "status": "Active", "scenario": {"id": await scenario(client, tenant, survey())},
        "callerNumber": {"id": await buy(app, client, tenant, number)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59:59",
        "scheduleAttempts": "1", "scheduleMaxPhoneLines": "5",
    }
    if simulation is not None:
        body["simulation"] = simulation
    csv = "phone,name\n" + "".join(f"{phone},Клиент\n" for phone in phones)
    created = await client.post(url(tenant), headers=tenant.headers, files={
        "campaign": (None, json.dumps(body), "application/json"),
        "abonents": ("abonents.csv", csv.encode(), "text/csv")})
    assert created.status_code == 201, created.text
    return created.json()


async def _history(client, tenant, campaign_id: str) -> list[dict]:
    response = await client.get(f"/v1/customers/{tenant.id}/callhistory",
                                params={"campaignId": campaign_id},
                                headers={**tenant.headers, "Range": "callhistory=0-99"})
    assert response.status_code in (200, 206), response.text
    return response.json()


def _main_hz(samples: np.ndarray) -> float:
    """The strongest frequency of a channel (silence adds nothing to the spectrum)."""
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * 8000 / samples.size)


async def test_twenty_abonents_over_sip_and_a_simulated_campaign_beside(
        app, client, make_tenant, settings, tmp_path) -> None:
    write_pcap(tmp_path / "talk.pcap", rtp_timeline(8.0, loud=(HELLO,), digits="1",
                                                    digits_at=2.5))
    sipp = await Sipp(render_scenario("uas_contract.xml", tmp_path, after_ack=AFTER_ACK_WAITS),
                      tmp_path, calls=ABONENTS, extra=["-l", "10", "-timeout", "170s"]).start()
    rtp = free_udp_port(even=True)
    fast = settings.model_copy(update={
        "telephony": "sip", "sip_trunk": f"sip:alice:secret@127.0.0.1:{sipp.port}",
        "sip_bind": "127.0.0.1:0", "rtp_ports": f"{rtp}-{rtp + 200}",
        "tts_engines": "espeak", "sim_time_scale": 50.0, "dialer_poll_seconds": 0.05})
    tenant = await make_tenant(balance=RICH)
    dialer = build_dialer(app.state.sessionmaker, fast)
    await dialer.start()
    try:
        real = await _campaign(app, client, tenant, phones=PHONES, number=NUMBERS[0])
        simulated = await _campaign(app, client, tenant, phones=["+79990000301", "+79990000302"],
                                    number=NUMBERS[1], simulation=SIMULATED)

        async def done(campaign: dict, count: int):
            rows = await _history(client, tenant, campaign["id"])
            return rows if len(rows) >= count else None

        sim_rows = await wait_until(lambda: done(simulated, 2), limit=120, every=0.5)
        sip_rows = await wait_until(lambda: done(real, ABONENTS), limit=180, every=0.5)
        assert await sipp.wait(60) == 0, sipp.log()
    finally:
        await dialer.stop()
        sipp.kill()

    # The simulated campaign ran beside, on virtual subscribers, sped up (5 s to answer each).
    assert sorted(row["cdPN"] for row in sim_rows) == ["+79990000301", "+79990000302"]
    assert all(row["status"] == 200 for row in sim_rows)

    caller = f"+{NUMBERS[0]}"
    assert sorted(row["cdPN"] for row in sip_rows) == PHONES
    invites = sipp.log()
    for row in sip_rows:
        assert row["status"] == 200 and row["cgPN"] == caller, row
        assert row["callType"] == "outbound" and row["callRecord"] is True, row
        assert row["callDuration"] >= 2, row  # real time: hello, greeting, question, thanks
    assert f"From: <sip:{caller}@127.0.0.1>" in invites  # the campaign's number, not the trunk

    calls = {call.cd_pn: call for call in await calls_of(app, real["id"])}
    for phone in PHONES:
        steps = [step["state"] for step in calls[phone].trace]
        assert steps[-2:] == ["yes", "end"], (phone, steps)  # the digit sipp sent was heard
        audio = await client.get("/v1/callRecord", params={"call_id": calls[phone].call_id},
                                 headers=tenant.headers)
        assert audio.status_code == 200, audio.text
        with wave.open(io.BytesIO(audio.content)) as reader:
            assert reader.getnchannels() == 2
            robot, far = channels(reader.readframes(reader.getnframes()), 2)
        assert audible_seconds(robot) > 1.0, phone  # our prompts on the left
        hello = HELLO[1] - HELLO[0]
        assert hello - 0.2 <= audible_seconds(far) <= hello + 0.2, phone  # sipp's, on the right
        assert abs(_main_hz(far) - TONE_HZ) < 20, phone
