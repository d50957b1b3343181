"""Done-when of issue 11: a second machine runs `voicebox worker` against the same PostgreSQL and
bucket, and its calls' recordings play through the API on the first.

Machine A is this host: `voicebox serve --no-dialer` on loopback, PostgreSQL and the S3 server
(moto) on loopback. Machine B is a network namespace with its own mount namespace
(tests/netns.py): it reaches PostgreSQL and the bucket only through the host's end of a veth
pair, its data folder is a tmpfs A never sees, and A's data folder shows empty in it. The
campaign is made and started through A's HTTP API, its prompt a tone uploaded to A; only B dials
(A has no dialer), playing the prompt it fetched from the bucket; the recording B made is played
by A from the bucket, whole and by byte range, and the tone is heard in it."""

from __future__ import annotations

import io
import json
import os
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy.engine import make_url

from tests.campaigns.helpers import RICH, buy, scenario, url
from tests.dialer.conftest import wait_until
from tests.e2e.workers import VOICEBOX, env_for, start_server, wait_serving
from tests.netns import Machine, stop
from tests.ports import free_port
from tests.recordings.support import audible_seconds, channels
from tests.s3server import ACCESS_KEY, SECRET_KEY
from tests.scenarios.samples import edge
from voicebox.config import Settings
from voicebox.storage import open_storage

pytestmark = pytest.mark.slow

PHONE = "+79990000301"
SIMULATION = {"seed": 11, "audio": True,
              "default": {"result": "answer", "answerDelay": 1}}
TONE_HZ = 440


@pytest.fixture
def on_postgresql(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("two machines share one PostgreSQL: runs on the PostgreSQL pass "
                    "(VOICEBOX_TEST_DATABASE_URL)")
    return database_url


async def test_a_worker_on_another_machine_records_and_the_api_plays_it(
        on_postgresql, app, make_tenant, s3_server, second_machine: Machine, tmp_path):
    bucket = s3_server.make_bucket()
    storage = {"VOICEBOX_STORAGE_URL": f"s3://{bucket}/vb", "VOICEBOX_S3_ACCESS_KEY_ID": ACCESS_KEY,
               "VOICEBOX_S3_SECRET_ACCESS_KEY": SECRET_KEY}
    data_a, data_b = tmp_path / "machine-a", tmp_path / "machine-b"
    data_a.mkdir()

    # Machine A: the API alone, on loopback.
    port = free_port()
    env_a = env_for(on_postgresql, data_a, VOICEBOX_S3_ENDPOINT=s3_server.endpoint, **storage)
    server = start_server(env_a, port, log=tmp_path / "machine-a.log")
    # Machine B: the worker, reaching PostgreSQL and the bucket over the veth pair.
    database = make_url(on_postgresql)
    database_b = database.set(host=second_machine.host_address,
                              port=second_machine.forward(database.port or 5432))
    s3_port = second_machine.forward(int(s3_server.endpoint.rsplit(":", 1)[1]))
    env_b = env_for(database_b.render_as_string(hide_password=False), data_b,
                    VOICEBOX_S3_ENDPOINT=f"http://{second_machine.host_address}:{s3_port}",
                    VOICEBOX_SIM_AUDIO="true", VOICEBOX_SIM_TIME_SCALE="2",
                    VOICEBOX_TTS_ENGINES="espeak", VOICEBOX_ASR="off",
                    VOICEBOX_DIALER_POLL_SECONDS="0.2", **storage)
    worker = second_machine.run([*VOICEBOX, "worker", "--id", "machine-b"], env=env_b,
                                hidden=[data_a], private=[data_b],
                                log=tmp_path / "machine-b.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
            await wait_serving(api, server, tmp_path / "machine-a.log")
            tenant = await make_tenant(balance=RICH)
            campaign = await _start_campaign(app, api, tenant)

            async def played() -> tuple[dict, httpx.Response] | None:
                """The call once it ended and its recording is in the bucket (the upload follows
                the end of the call by a moment: until then `callRecord` answers 404)."""
                assert worker.poll() is None, _logs(tmp_path)
                page = await api.get(f"/v1/customers/{tenant.id}/callhistory"
                                     f"?campaignId={campaign}",
                                     headers={**tenant.headers, "Range": "callhistory=0-9"})
                calls = page.json() if page.status_code in (200, 206) else []
                if len(calls) != 1 or not calls[0]["callRecord"]:
                    return None
                answer = await api.get(f"/v1/callRecord?call_id={calls[0]['callId']}",
                                       headers=tenant.headers)
                return (calls[0], answer) if answer.status_code == 200 else None

            call, whole = await wait_until(played, limit=240, every=0.5)
            assert call["status"] == 200 and call["cdPN"] == PHONE
            assert whole.headers["Content-Type"] == "audio/wav"
            with wave.open(io.BytesIO(whole.content)) as wav:
                assert wav.getnchannels() == 2 and wav.getframerate() == 8000
                robot, _ = channels(wav.readframes(wav.getnframes()), 2)
            assert audible_seconds(robot) > 1.0  # the uploaded prompt B fetched and played
            assert abs(_dominant_hz(robot) - TONE_HZ) < 10
            part = await api.get(f"/v1/callRecord?call_id={call['callId']}",
                                 headers={**tenant.headers, "Range": "bytes=0-43"})
            assert part.status_code == 206 and part.content == whole.content[:44]
            assert part.headers["Content-Range"] == f"bytes 0-43/{len(whole.content)}"
    finally:
        stop(worker)
        stop(server)

    # The recording lives in the bucket only: not on A's disk, and B's disk was its own.
    assert not (data_a / "recordings").exists()
    assert not any(data_b.iterdir()), "machine B's files leaked onto the host"
    bucket_view = open_storage(Settings(data_dir=tmp_path / "check", database_url=on_postgresql,
                                        storage_url=f"s3://{bucket}/vb",
                                        s3_endpoint=s3_server.endpoint,
                                        s3_access_key_id=ACCESS_KEY,
                                        s3_secret_access_key=SECRET_KEY))
    keys = [key async for key in bucket_view.list("recordings/")]
    assert any(key.endswith(f"{call['callId']}.wav") for key in keys), keys


async def _start_campaign(app, api: httpx.AsyncClient, tenant) -> int:
    """A one-abonent audio campaign on the simulator whose prompt is a tone the customer uploads,
    made and activated through A's API."""
    uploaded = await api.post(f"/v1/customers/{tenant.id}/audio", headers=tenant.headers,
                              files={"file": ("tone.wav", _tone_wav(1.5), "audio/wav")})
    assert uploaded.status_code == 201, uploaded.text
    body = {"title": "Тон", "type": "outgoing", "states": [
        {"type": "Initial", "name": "start", "success": edge("call")},
        {"type": "OutgoingCall", "name": "call", "phone": "{{phone}}",
         "success": edge("tone"), "error": edge("end")},
        {"type": "VoiceMessage", "name": "tone",
         "announcement": {"type": "file", "file": str(uploaded.json()["id"])},
         "success": edge("end")},
        {"type": "ReleaseCall", "name": "end"},
    ]}
    campaign_body = {
        "name": "Два сервера", "campaignType": "outbound", "status": "Paused",
        "scenario": {"id": await scenario(api, tenant, body)},
        "callerNumber": {"id": await buy(app, api, tenant)},
        "scheduleCallingCycleStart": "00:00", "scheduleCallingCycleStop": "23:59:59",
        "scheduleAttempts": "1", "scheduleMaxPhoneLines": "1", "simulation": SIMULATION,
    }
    created = await api.post(url(tenant), headers=tenant.headers, files={
        "campaign": (None, json.dumps(campaign_body), "application/json"),
        "abonents": ("contacts.csv", f"phone\n{PHONE}\n".encode(), "text/csv")})
    assert created.status_code == 201, created.text
    campaign = created.json()["id"]
    activated = await api.patch(url(tenant, f"/{campaign}/statuses"), headers=tenant.headers,
                                json={"status": "Active"})
    assert activated.status_code == 200, activated.text
    return campaign


def _tone_wav(seconds: float) -> bytes:
    """A 440 Hz tone, 8 kHz mono 16-bit."""
    time_axis = np.arange(int(8000 * seconds)) / 8000
    samples = (0.3 * 32767 * np.sin(2 * np.pi * TONE_HZ * time_axis)).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def _dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / 8000)[int(spectrum[1:].argmax()) + 1])


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {name}\n{(folder / name).read_text(errors='replace')[-4000:]}"
                     for name in ("machine-a.log", "machine-b.log")
                     if os.path.exists(folder / name))
