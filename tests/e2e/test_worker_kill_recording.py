"""Recordings are written live: a `voicebox worker` killed with SIGKILL in the middle of audio
calls leaves a playable stereo WAV of each call up to that moment, and once the next worker has
closed the lost calls their history says `callRecord` and the file is served."""

from __future__ import annotations

import asyncio
import signal
import wave

import pytest
from sqlalchemy import select

from tests.dialer.conftest import all_final, insert_campaign, wait_until
from tests.e2e.workers import env_for, start_worker
from tests.recordings.support import audible_seconds, channels
from voicebox.models import Call

pytestmark = pytest.mark.slow

PHONES = [f"+7999000020{n}" for n in range(4)]
LONG = ("Здравствуйте! Это длинное сообщение, чтобы звонок шёл, пока работника не остановят. "
        "Мы повторяем его несколько раз, чтобы запись была достаточно длинной. ") * 3


def talking_scenario() -> dict:
    edge = lambda target: {"title": "", "newState": target}  # noqa: E731
    return {"title": "Долгий", "type": "outgoing", "states": [
        {"type": "Initial", "name": "start", "success": edge("call")},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
         "success": edge("talk"), "error": edge("end")},
        {"type": "VoiceMessage", "name": "talk",
         "announcement": {"type": "text", "text": LONG}, "success": edge("end")},
        {"type": "ReleaseCall", "name": "end"},
    ]}


async def test_sigkill_mid_call_leaves_playable_recordings(app, make_tenant, settings, tmp_path):
    tenant = await make_tenant(balance="100000")
    campaign = await insert_campaign(
        app, tenant.id, phones=PHONES, body=talking_scenario(), attempts=1,
        simulation={"audio": True, "default": {"result": "answer", "answerDelay": 1}})
    env = env_for(settings.database_url, settings.data_dir, VOICEBOX_SIM_AUDIO="true",
                  VOICEBOX_TTS_ENGINES="espeak", VOICEBOX_DIALER_LEASE_SECONDS="3",
                  VOICEBOX_DIALER_POLL_SECONDS="0.05")
    log = tmp_path / "workers.log"
    victim = start_worker(env, "--id", "victim", log=log)
    try:
        paths = await wait_until(lambda: _recording_paths(app, campaign.id), limit=90, every=0.2)
        # Let each call's prompt play for a while (the file also holds the ringing, the callee's
        # greeting and, under load, silence while the prompt renders), then kill mid-prompt.
        await wait_until(lambda: _robot_spoke(settings.data_dir, paths, 1.5), limit=90,
                         every=0.2)
    finally:
        victim.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.wait, 10)
    for relative in paths:
        with wave.open(str(settings.data_dir / relative)) as source:  # the header is valid
            assert source.getnchannels() == 2 and source.getframerate() == 8000
            robot, _ = channels(source.readframes(source.getnframes()), 2)
        assert audible_seconds(robot) > 1.0, relative  # the prompt as far as it played
    async with app.state.sessionmaker() as session:
        states = set((await session.scalars(
            select(Call.state).where(Call.campaign_id == campaign.id))).all())
    assert "ended" not in states, "the calls were cut by the kill, not finished"

    heir = start_worker(env, "--id", "heir", log=log)
    try:
        await wait_until(lambda: all_final(app, campaign.id), limit=60, every=0.2)
    finally:
        heir.send_signal(signal.SIGTERM)
        await asyncio.to_thread(heir.wait, 20)
    async with app.state.sessionmaker() as session:
        calls = (await session.scalars(select(Call).where(Call.campaign_id == campaign.id))).all()
    lost = [c for c in calls if c.error == "worker lost during the call"]
    assert len(lost) == len(PHONES)
    assert all(c.state == "ended" and c.record_path in paths for c in lost)


async def _recording_paths(app, campaign_id: int) -> list[str] | bool:
    async with app.state.sessionmaker() as session:
        paths = (await session.scalars(select(Call.record_path).where(
            Call.campaign_id == campaign_id, Call.record_path.is_not(None)))).all()
    return list(paths) if len(paths) == len(PHONES) else False


async def _robot_spoke(data_dir, paths: list[str], seconds: float) -> bool:
    """Every file already holds more than `seconds` of the robot's audible speech."""
    for relative in paths:
        try:
            with wave.open(str(data_dir / relative)) as source:
                if source.getnchannels() != 2:
                    return False
                robot, _ = channels(source.readframes(source.getnframes()), 2)
        except (OSError, EOFError, wave.Error):  # not created yet, or its header not yet written
            return False
        if audible_seconds(robot) <= seconds:
            return False
    return True
