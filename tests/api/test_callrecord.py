"""A whole simulated campaign through the real path (HTTP API → dialer with the recorder at a
high time scale), then `GET /v1/callRecord`: the robot's prompts are audible and as long as
their synthesised text, the subscriber's key presses decode back to the digits (Goertzel), the
spoken answer is heard, byte ranges work, and another customer's recordings do not exist."""

from __future__ import annotations

import asyncio
import io
import wave

import numpy as np
import pytest
from sqlalchemy import func, select
from tests.campaigns.helpers import RICH, buy
from tests.dialer.scenarios import edge
from tests.recordings import support
from tests.recordings.support import audible_seconds, channels

from voicebox.media.audio import SAMPLE_RATE
from voicebox.media.dtmf import decode_dtmf
from voicebox.models import Abonent

speech = support.speech  # fixtures shared with tests/recordings
recording_dialer = support.recording_dialer
PHONES = ["+79990000001", "+79990000002", "+79990000003"]


def survey() -> dict:
    return {
        "title": "Опрос с записью",
        "type": "outgoing",
        "customVariables": ["name"],
        "settings": {"voice": "oksana", "speed": 100, "emotion": "neutral"},
        "states": [
            {"type": "Initial", "name": "start", "success": edge("call")},
            {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
             "success": edge("greet"), "error": edge("end")},
            {"type": "VoiceMessage", "name": "greet",
             "announcement": {"type": "text", "text": "Здравствуйте, {{name}}! Это опрос."},
             "success": edge("ask")},
            {"type": "IVR", "name": "ask",
             "announcement": {"type": "text", "text": "Нажмите один или скажите да."},
             "awaitingTime": 5, "repeatCount": 1, "voiceInput": True, "keyboardInput": True,
             "inputAnalysis": [{"dtmf": "1", "words": "да", "success": edge("code")}],
             "onNoInput": edge("end"), "onInvalidInput": edge("end"), "success": edge("end")},
            {"type": "Input", "name": "code",
             "announcement": {"type": "text", "text": "Введите код и решётку."},
             "awaitingTime": 5, "keyboardInput": True, "variable": "code",
             "onNoInput": edge("yes"), "success": edge("yes")},
            {"type": "VoiceMessage", "name": "yes",
             "announcement": {"type": "text", "text": "Спасибо, ваш ответ записан."},
             "success": edge("end")},
            {"type": "ReleaseCall", "name": "end"},
        ],
    }


SIMULATION = {
    "default": {"result": "answer", "answerDelay": 2},
    "rules": [
        {"match": PHONES[0], "inputs": ["1", "4321#"]},
        {"match": PHONES[1], "inputs": ["да"]},
        {"match": PHONES[2], "result": "busy"},
    ],
}


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


async def run_campaign(app, client, tenant, recording_dialer) -> tuple[dict, dict[str, dict]]:
    """Create scenario and campaign over HTTP, dial everyone, wait for the recordings."""
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=survey(),
                                headers=tenant.headers)
    assert created.status_code == 201, created.text
    body = {
        "name": "Записи", "campaignType": "outbound",
        "scenario": {"id": str(created.json()["id"])},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59",
        "scheduleAttempts": 1, "simulation": SIMULATION,
        "abonents": [{"phone": p, "name": n} for p, n in zip(PHONES, ("Анна", "Борис", "Вера"),
                                                             strict=True)],
    }
    campaign = await client.post(f"/v1/customers/{tenant.id}/campaigns", json=body,
                                 headers=tenant.headers)
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    _, gateway = await recording_dialer()
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        async with app.state.sessionmaker() as session:
            pending = await session.scalar(select(func.count()).select_from(Abonent).where(
                Abonent.campaign_id == int(campaign_id),
                Abonent.state.notin_(("done", "failed", "cancelled"))))
        if pending == 0:
            break
        assert asyncio.get_running_loop().time() < deadline, "campaign did not finish"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the persister's last batch
    await gateway.recorder.drain()
    assert gateway.recorder.failed == 0
    history = await client.get(f"/v1/customers/{tenant.id}/callhistory",
                               params={"campaignId": campaign_id}, headers=tenant.headers)
    calls = {item["cdPN"]: item for item in history.json()}
    return campaign.json(), calls


def wav_of(response) -> tuple[list[np.ndarray], float]:
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (SAMPLE_RATE, 2, 2)
        frames = wav.readframes(wav.getnframes())
        return channels(frames, 2), wav.getnframes() / SAMPLE_RATE


async def test_recordings_of_a_campaign(app, client, tenant, make_tenant, recording_dialer,
                                        speech):
    _, calls = await run_campaign(app, client, tenant, recording_dialer)
    assert calls[PHONES[0]]["status"] == 200 and calls[PHONES[0]]["callRecord"] is True
    assert calls[PHONES[1]]["callRecord"] is True
    assert calls[PHONES[2]]["status"] == 486 and calls[PHONES[2]]["callRecord"] is False

    pressed = await client.get("/v1/callRecord", params={"call_id": calls[PHONES[0]]["callId"]},
                               headers=tenant.headers)
    assert pressed.status_code == 200, pressed.text
    assert pressed.headers["content-type"] == "audio/wav"
    (robot, subscriber), length = wav_of(pressed)

    # The robot's prompts are audible, and as long as the same texts synthesised on their own.
    texts = ["Здравствуйте, Анна! Это опрос.", "Нажмите один или скажите да.",
             "Введите код и решётку.", "Спасибо, ваш ответ записан."]
    alone = [await speech.synthesize_pcm(t, {"voice": "oksana"}) for t in texts]
    expected = sum(audible_seconds(channels(pcm, 1)[0]) for pcm in alone)
    assert expected > 2.0
    assert abs(audible_seconds(robot) - expected) < 0.15 * expected
    assert length >= sum(len(pcm) / 2 / SAMPLE_RATE for pcm in alone)
    # The subscriber pressed 1, then 4321 (the simulator reports digits without the `#`
    # terminator): real dual tones on the subscriber's side, in order.
    assert decode_dtmf((subscriber * 32768).astype("<i2").tobytes()) == "14321"
    assert decode_dtmf((robot * 32768).astype("<i2").tobytes()) == ""
    assert audible_seconds(subscriber) < 1.2

    spoken = await client.get("/v1/callRecord", params={"call_id": calls[PHONES[1]]["callId"]},
                              headers=tenant.headers)
    (robot2, subscriber2), _ = wav_of(spoken)
    said = audible_seconds(channels(await speech.synthesize_pcm("да", {"voice": "espeak:m3"}),
                                    1)[0])
    assert said > 0.1 and abs(audible_seconds(subscriber2) - said) < 0.3
    assert decode_dtmf((subscriber2 * 32768).astype("<i2").tobytes()) == ""
    assert audible_seconds(robot2) > 2.0

    # Byte ranges.
    whole = pressed.content
    part = await client.get("/v1/callRecord", params={"call_id": calls[PHONES[0]]["callId"]},
                            headers={**tenant.headers, "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert part.content == whole[100:200]
    past = await client.get("/v1/callRecord", params={"call_id": calls[PHONES[0]]["callId"]},
                            headers={**tenant.headers, "Range": f"bytes={len(whole) + 5}-"})
    assert past.status_code == 416 and past.json()[0]["status"] == 416

    # date_from / date_to narrow the search.
    started = calls[PHONES[0]]["startCallDT"]
    inside = {"call_id": calls[PHONES[0]]["callId"], "date_from": started - 60,
              "date_to": started + 60}
    assert (await client.get("/v1/callRecord", params=inside,
                             headers=tenant.headers)).status_code == 200
    before = {**inside, "date_from": started - 7200, "date_to": started - 3600}
    missing = await client.get("/v1/callRecord", params=before, headers=tenant.headers)
    assert missing.status_code == 404
    bad = await client.get("/v1/callRecord", params={**inside, "date_from": "yesterday"},
                           headers=tenant.headers)
    assert bad.status_code == 400 and bad.json()[0]["name"] == "date_from"

    # 404 in the spec's format: unknown call, a call without recording, another customer's call.
    other = await make_tenant()
    for headers, call_id in ((tenant.headers, "nope"), (tenant.headers,
                             calls[PHONES[2]]["callId"]), (other.headers,
                             calls[PHONES[0]]["callId"])):
        response = await client.get("/v1/callRecord", params={"call_id": call_id},
                                    headers=headers)
        assert response.status_code == 404
        [error] = response.json()
        assert set(error) == {"name", "message", "status"} and error["status"] == 404
    assert (await client.get("/v1/callRecord", params={"call_id": "x"})).status_code == 401

    # Extension: the token as `access_token` (an <audio> element sends no header), here only.
    token = tenant.headers["Authorization"].split()[1]
    by_query = {"call_id": calls[PHONES[0]]["callId"], "access_token": token}
    ranged = await client.get("/v1/callRecord", params=by_query, headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206 and ranged.content == whole[100:200]
    for wrong in ({**by_query, "access_token": "forged"},
                  {**by_query, "call_id": calls[PHONES[0]]["callId"] + "x"}):
        assert (await client.get("/v1/callRecord", params=wrong)).status_code in (401, 404)
    assert (await client.get("/v1/callRecord", params={**by_query, "access_token": "forged"})
            ).status_code == 401
    other_token = {"call_id": calls[PHONES[0]]["callId"],
                   "access_token": other.headers["Authorization"].split()[1]}
    assert (await client.get("/v1/callRecord", params=other_token)).status_code == 404
    me = await client.get("/v1/me", params={"access_token": token})
    assert me.status_code == 401  # no other route reads the query parameter
