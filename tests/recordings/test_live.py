"""Audio mode through the real dialer: the survey campaign runs as audio frames (prompts played,
digits pressed as tones, machines greeting with a beep) and each answered call is recorded live:
a stereo WAV with the robot on the left and the subscriber on the right."""

from __future__ import annotations

import wave

import pytest

from tests.campaigns.helpers import RICH
from tests.dialer.conftest import all_final, calls_of, insert_campaign, wait_until
from tests.recordings.support import audible_seconds, channels
from voicebox.dialer.runtime import build_dialer

SIMULATION = {
    "seed": 3, "audio": True,
    "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]},
    "rules": [{"match": "+79990000102", "result": "answer", "answerDelay": 1, "inputs": ["2"],
               "dtmf": "events"},
              {"match": "+79990000103", "result": "machine", "answerDelay": 1,
               "hangupAfter": 12}],
}


@pytest.fixture
async def audio_dialer(app, settings):
    started = []

    async def make():
        dialer = build_dialer(app.state.sessionmaker, settings.model_copy(update={
            "sim_audio": True, "sim_time_scale": 2.0, "tts_engines": "espeak",
            "dialer_poll_seconds": 0.02}))
        await dialer.start()
        started.append(dialer)
        return dialer

    yield make
    for dialer in started:
        await dialer.stop()


async def test_audio_campaign_is_heard_and_recorded_live(app, make_tenant, settings,
                                                         audio_dialer):
    tenant = await make_tenant(balance=RICH)
    phones = ["+79990000101", "+79990000102", "+79990000103"]
    campaign = await insert_campaign(app, tenant.id, phones=phones, simulation=SIMULATION)
    await audio_dialer()
    await wait_until(lambda: all_final(app, campaign.id), limit=120, every=0.2)
    calls = {call.cd_pn: call for call in await calls_of(app, campaign.id)}
    paths = {phone: [step["state"] for step in calls[phone].trace] for phone in phones}
    assert paths["+79990000101"][-2:] == ["yes", "end"]  # "1" pressed as in-band tones
    assert paths["+79990000102"][-2:] == ["no", "end"]  # "2" sent as an out-of-band event
    assert "robot" in paths["+79990000103"]  # the machine's long greeting
    for phone, call in calls.items():
        assert call.record_path is not None and call.state == "ended", phone
        wav = settings.data_dir / call.record_path
        await wait_until(lambda wav=wav: _closed(wav), limit=10)
        with wave.open(str(wav)) as source:
            assert source.getnchannels() == 2 and source.getframerate() == 8000
            robot, subscriber = channels(source.readframes(source.getnframes()), 2)
        assert audible_seconds(robot) > 0.5, phone  # the prompts, as played
        assert audible_seconds(subscriber) > 0.1, phone  # "Алло?", tones or the greeting
        assert abs(robot.size / 8000 - call.duration) <= 2, phone


async def _closed(path) -> bool:
    with wave.open(str(path)) as source:
        return source.getnframes() > 0
