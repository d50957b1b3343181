"""The recorder through the real path: an uploaded audio file played by a scenario is heard in
the recording, the compressed copy is served when configured, retention purges old recordings
(function and CLI), and recording can be switched off."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from tests.api.test_audio import make_audio
from tests.campaigns.helpers import RICH, buy
from tests.dialer.conftest import all_final, wait_until
from tests.dialer.scenarios import edge
from tests.recordings import support
from tests.recordings.support import channels, loud_frames
from voicebox.media.audio import SAMPLE_RATE
from voicebox.models import Call
from voicebox.recordings.gateway import RecordingGateway, with_recordings
from voicebox.recordings.recorder import recording_path
from voicebox.recordings.retention import purge_recordings
from voicebox.storage import open_storage
from voicebox.telephony.simulated import SimulatedGateway

speech = support.speech
recording_dialer = support.recording_dialer
PHONE = "+79990000031"


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant(balance=RICH)


async def campaign_playing(app, client, tenant, audio_id: int) -> int:
    scenario = {
        "title": "Файл", "type": "outgoing",
        "states": [
            {"type": "Initial", "name": "start", "success": edge("call")},
            {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
             "success": edge("jingle"), "error": edge("end")},
            {"type": "VoiceMessage", "name": "jingle",
             "announcement": {"type": "file", "file": str(audio_id)}, "success": edge("end")},
            {"type": "ReleaseCall", "name": "end"},
        ],
    }
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=scenario,
                                headers=tenant.headers)
    assert created.status_code == 201, created.text
    body = {"name": "Файл", "campaignType": "outbound",
            "scenario": {"id": str(created.json()["id"])},
            "callerNumber": {"id": await buy(app, client, tenant)},
            "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59",
            "simulation": {"default": {"result": "answer", "answerDelay": 1}},
            "abonents": [{"phone": PHONE}]}
    campaign = await client.post(f"/v1/customers/{tenant.id}/campaigns", json=body,
                                 headers=tenant.headers)
    assert campaign.status_code == 201, campaign.text
    return int(campaign.json()["id"])


def band_share(samples: np.ndarray, low: float, high: float) -> float:
    """Share of the signal's energy between `low` and `high` Hz."""
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / SAMPLE_RATE)
    return float(power[(freqs >= low) & (freqs <= high)].sum() / (power.sum() + 1e-12))


async def test_uploaded_file_is_heard_and_ogg_copy_served(app, client, tenant, tmp_path,
                                                          recording_dialer):
    upload = await client.post(
        f"/v1/customers/{tenant.id}/audio", headers=tenant.headers,
        files={"file": ("jingle.mp3", make_audio(tmp_path, "mp3", seconds=2.0), "audio/mpeg")})
    assert upload.status_code == 201, upload.text
    campaign_id = await campaign_playing(app, client, tenant, upload.json()["id"])
    _, gateway = await recording_dialer(recording_format="ogg")
    await wait_until(lambda: all_final(app, campaign_id), limit=60)
    await asyncio.sleep(0.3)
    await gateway.recorder.drain()
    async with app.state.sessionmaker() as session:
        call = await session.scalar(select(Call).where(Call.campaign_id == campaign_id))
    assert call.status == 200 and call.record_path
    wav = await client.get("/v1/callRecord", params={"call_id": call.call_id},
                           headers=tenant.headers)
    assert wav.status_code == 200
    path = tmp_path / "call.wav"
    path.write_bytes(wav.content)
    with wave.open(str(path)) as reader:
        robot, subscriber = channels(reader.readframes(reader.getnframes()), 2)
    loud = loud_frames(robot)
    assert 1.9 <= loud.sum() / 50 <= 2.1  # the 2 s file, all of it, once
    mask = np.repeat(loud, SAMPLE_RATE // 50)
    audible = robot[: mask.size][mask]
    assert band_share(audible, 430, 450) > 0.9  # and it is the uploaded 440 Hz tone
    assert not loud_frames(subscriber).any()

    ogg = await client.get("/v1/callRecord", params={"call_id": call.call_id, "format": "ogg"},
                           headers=tenant.headers)
    assert ogg.status_code == 200 and ogg.headers["content-type"] == "audio/ogg"
    assert ogg.content[:4] == b"OggS" and len(ogg.content) < len(wav.content) / 4
    by_accept = await client.get("/v1/callRecord", params={"call_id": call.call_id},
                                 headers={**tenant.headers, "Accept": "audio/ogg"})
    assert by_accept.content == ogg.content
    mp3 = await client.get("/v1/callRecord", params={"call_id": call.call_id, "format": "mp3"},
                           headers=tenant.headers)
    assert mp3.status_code == 404 and mp3.json()[0]["name"] == "format"


async def _recorded_call(app, tenant, data_dir: Path, call_id: str, when: datetime) -> Path:
    relative = recording_path(call_id, when)
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"RIFF....WAVE")
    target.with_suffix(".ogg").write_bytes(b"OggS")
    async with app.state.sessionmaker() as session:
        session.add(Call(call_id=call_id, customer_id=tenant.id, call_type="outbound",
                         started_at=when, state="ended", status=200, answered=True,
                         record_path=relative.as_posix()))
        await session.commit()
    return target


async def _record_path(app, call_id: str) -> str | None:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(Call.record_path).where(Call.call_id == call_id))


async def test_retention_purges_old_recordings(app, tenant, settings):
    now = datetime.now(UTC)
    old = await _recorded_call(app, tenant, settings.data_dir, "old1", now - timedelta(days=40))
    recent = await _recorded_call(app, tenant, settings.data_dir, "new1", now - timedelta(days=2))
    assert await purge_recordings(app.state.sessionmaker, open_storage(settings), 0) == {
        "files": 0, "calls": 0}
    result = await purge_recordings(app.state.sessionmaker, open_storage(settings), 30)
    assert result == {"files": 1, "calls": 1}
    assert not old.exists() and not old.with_suffix(".ogg").exists()
    assert not old.parent.exists()  # the emptied day folder goes too
    assert recent.exists() and await _record_path(app, "new1") is not None
    assert await _record_path(app, "old1") is None


def _cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOICEBOX_DATA_DIR": str(settings.data_dir),
           "VOICEBOX_DATABASE_URL": settings.resolved_database_url,
           "VOICEBOX_SEED_NUMBERS": "false"}
    return subprocess.run([str(Path(sys.executable).parent / "voicebox"), "admin", "purge-recordings",
                           *args], env=env, capture_output=True, text=True, timeout=120)


async def test_purge_cli(app, tenant, settings):
    now = datetime.now(UTC)
    old = await _recorded_call(app, tenant, settings.data_dir, "old2", now - timedelta(days=9))
    refused = await asyncio.to_thread(_cli, settings)
    assert refused.returncode != 0 and "retention is off" in refused.stderr
    done = await asyncio.to_thread(_cli, settings, "--days", "7")
    assert done.returncode == 0, done.stderr
    assert '"files": 1' in done.stdout and not old.exists()
    async with app.state.sessionmaker() as session:
        await session.execute(update(Call).values(record_path=None))
        await session.commit()


async def test_recordings_can_be_switched_off(app, settings):
    plain = SimulatedGateway()
    off = with_recordings(plain, app.state.sessionmaker,
                          settings.model_copy(update={"recordings": "off"}))
    assert off is plain
    on = with_recordings(plain, app.state.sessionmaker, settings)
    assert isinstance(on, RecordingGateway) and on.name == "sim" and on.clock is plain.clock


async def test_the_dialer_runs_retention_and_the_recording_decorator_runs_no_job(
        app, tenant, settings):
    old = await _recorded_call(app, tenant, settings.data_dir, "old3",
                               datetime.now(UTC) - timedelta(days=9))
    keeping = settings.model_copy(update={"recording_retention_days": 7,
                                          "dialer_poll_seconds": 0.05})
    gateway = with_recordings(SimulatedGateway(), app.state.sessionmaker, keeping)
    before = set(asyncio.all_tasks())
    await gateway.start()
    started = {t for t in asyncio.all_tasks() - before if "purge" in repr(t.get_coro())}
    await gateway.stop()
    assert started == set() and old.exists()  # a decorator is no place for periodic jobs

    from voicebox.dialer.worker import Dialer

    dialer = Dialer(app.state.sessionmaker, gateway=SimulatedGateway(), settings=keeping)
    await dialer.start()
    try:
        await wait_until(lambda: _record_path_cleared(app, "old3"), limit=20)
    finally:
        await dialer.stop()
    assert not old.exists()


async def _record_path_cleared(app, call_id: str) -> bool:
    return await _record_path(app, call_id) is None
