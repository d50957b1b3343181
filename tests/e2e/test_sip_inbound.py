"""Inbound SIP calls through the real dialer and API (issue 13, items 3 and 9): sipp calls an
inbound campaign's number, talks (a second of tone) and presses 1, 2 (RFC 4733) and 3 (INFO);
the scenario takes the three digits as a code, thanks the caller and hangs up. History has the
call with its numbers and `GET /v1/callRecord` serves a stereo WAV with sipp's audio on the
right channel and ours on the left."""

from __future__ import annotations

import io
import wave

import numpy as np

from tests.campaigns.helpers import NUMBERS, RICH, inbound_campaign
from tests.dialer.conftest import calls_of, wait_until
from tests.dialer.scenarios import edge
from tests.e2e.sip_support import (
    history_of,
    recording,
    running_dialer,
    sip_settings,
)
from tests.recordings.support import audible_seconds, channels
from tests.telephony.sip.conftest import needs_sipp
from tests.telephony.sip.rtp_capture import TONE_HZ, rtp_stream

pytestmark = needs_sipp

CODE = {
    "title": "Код", "type": "incoming",
    "states": [
        {"type": "Initial", "name": "start", "success": edge("code")},
        {"type": "Input", "name": "code",
         "announcement": {"type": "text", "text": "Введите код."},
         "awaitingTime": 15, "inputMaxLength": 3, "keyboardInput": True, "variable": "code",
         "onNoInput": edge("end"), "success": edge("thanks")},
        {"type": "VoiceMessage", "name": "thanks",
         "announcement": {"type": "text", "text": "Спасибо, код {{code}}."},
         "success": edge("end")},
        {"type": "ReleaseCall", "name": "end"},
    ],
}


def _main_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * 8000 / samples.size)


async def test_an_inbound_sip_call_is_answered_recorded_and_in_history(
        app, client, make_tenant, settings, sipp) -> None:
    tenant = await make_tenant(balance=RICH)
    number = NUMBERS[0]  # 74951234589, dialled the national way: 8 495 …
    fast = sip_settings(settings, 9)  # inbound only: the trunk's address does not matter
    async with running_dialer(app, fast):
        campaign = await inbound_campaign(app, client, tenant, program=CODE, number=number)
        bind = fast.sip_bind.rsplit(":", 1)
        caller = await sipp("uac_talk.xml", talk=rtp_stream(tone_seconds=1.0, digits="12", pt=0),
                            remote=f"{bind[0]}:{bind[1]}", extra=["-s", "8" + number[1:]])
        assert await caller.wait() == 0, caller.log()  # answered PCMU, took our BYE
        [row] = await wait_until(lambda: history_of(client, tenant, campaign["id"]), limit=60)

    assert row["callType"] == "inbound" and row["status"] == 200, row
    assert row["cdPN"] == f"+{number}" and row["cgPN"] == "+79160000001", row  # P-Asserted-Id
    assert row["callDuration"] >= 4, row  # the INFO digit comes 4 s after the answer
    [call] = await calls_of(app, campaign["id"])
    assert call.variables["code"] == "123"  # RFC 4733 "1", "2" and INFO "3"
    audio = await wait_until(lambda: _recorded(client, tenant, row["callId"]), limit=30)
    with wave.open(io.BytesIO(audio)) as reader:
        assert reader.getnchannels() == 2
        ours, theirs = channels(reader.readframes(reader.getnframes()), 2)
    assert 0.7 <= audible_seconds(theirs) <= 1.3  # sipp's second of tone, on the right
    assert abs(_main_hz(theirs) - TONE_HZ) < 20
    assert audible_seconds(ours) > 1.0  # our prompts, on the left


async def _recorded(client, tenant, call_id: str) -> bytes | None:
    rows = await history_of(client, tenant)
    if not rows or not any(r["callId"] == call_id and r["callRecord"] for r in rows):
        return None
    return await recording(client, tenant, call_id)
