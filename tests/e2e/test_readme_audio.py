"""The README's campaign, through the HTTP API, with the simulator in audio mode: prompts are
played as frames, "1" arrives as DTMF tones, every answered call is recorded live with both
voices, and `/v1/callRecord` serves the recording."""

from __future__ import annotations

import io
import json
import wave

import pytest
from sqlalchemy import select

from tests.campaigns.helpers import RICH, buy, scenario, url
from tests.dialer.conftest import wait_until
from tests.readme_scenario import README_SCENARIO
from tests.recordings.support import audible_seconds, channels
from voicebox.dialer.runtime import build_dialer
from voicebox.models import Call

CSV = ("phone,fio,amount\n8 916 123-45-67,Иван Петров,1500\n+79161234568,Анна Смирнова,320\n"
       "+79161234569,Олег,99\n")


@pytest.fixture
async def audio_worker(app, settings):
    dialer = build_dialer(app.state.sessionmaker, settings.model_copy(update={
        "sim_audio": True, "sim_time_scale": 2.0, "tts_engines": "espeak",
        "dialer_poll_seconds": 0.05}))
    await dialer.start()
    yield dialer
    await dialer.stop()


async def test_the_readme_campaign_in_audio_mode(app, client, make_tenant, audio_worker):
    tenant = await make_tenant(balance=RICH)
    campaign = {
        "name": "Долги, ноябрь", "campaignType": "Исходящая",
        "scenario": {"id": await scenario(client, tenant, README_SCENARIO)},
        "callerNumber": {"id": await buy(app, client, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "00:00",
        "scheduleAttempts": 1, "scheduleAttemptsInterval": 1,
        "simulation": {"seed": 1, "audio": True,
                       "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]},
                       "rules": [{"match": "+79161234568", "result": "busy"}]}}
    created = await client.post(url(tenant), headers=tenant.headers, files={
        "campaign": (None, json.dumps(campaign), "application/json"),
        "abonents": ("contacts.csv", CSV.encode(), "text/csv")})
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]

    async def calls():
        response = await client.get(
            f"/v1/customers/{tenant.id}/callhistory?campaignId={campaign_id}",
            headers={**tenant.headers, "Range": "callhistory=0-9"})
        rows = response.json()
        return rows if len(rows) == 3 and all(
            r["status"] != 200 or r["callRecord"] for r in rows) else None

    rows = await wait_until(calls, limit=120, every=0.5)
    answered = [r for r in rows if r["status"] == 200]
    assert len(answered) == 2 and [r["status"] for r in rows if r not in answered] == [486]
    for row in answered:
        got = await client.get("/v1/callRecord",
                               params={"call_id": row["callId"]}, headers=tenant.headers)
        assert got.status_code == 200, got.text
        with wave.open(io.BytesIO(got.content)) as source:
            robot, subscriber = channels(source.readframes(source.getnframes()), 2)
        assert audible_seconds(robot) > 2.0  # the IVR question and "Спасибо!"
        assert audible_seconds(subscriber) > 0.2  # "Алло?" and the tones of "1"
    async with app.state.sessionmaker() as session:
        traces = (await session.scalars(select(Call.trace).where(
            Call.campaign_id == campaign_id, Call.status == 200))).all()
    assert all([s["state"] for s in trace][-2:] == ["thanks", "end"] for trace in traces)
