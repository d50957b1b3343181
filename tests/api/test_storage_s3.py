"""The API on S3-compatible storage (a real moto server): uploaded audio goes to the bucket and
comes back with byte ranges; a recording a worker on another machine put in the bucket plays
through `GET /v1/callRecord`, each range fetched with one ranged GET, never the whole object."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.campaigns.helpers import RICH
from tests.conftest import app_settings, http_client, running_app
from tests.dialer.conftest import all_final, calls_of, insert_campaign, wait_until
from tests.s3server import ACCESS_KEY, SECRET_KEY

from voicebox.config import Settings
from voicebox.dialer.runtime import build_dialer
from voicebox.models import Call
from voicebox.recordings.recorder import Recorder
from voicebox.storage import Storage, open_storage
from voicebox.storage import s3 as s3_module

RECORDING = bytes(range(256)) * 400  # 102,400 bytes


@pytest.fixture(scope="module")
def s3_settings(database_url: str, s3_server, tmp_path_factory) -> Settings:
    bucket = s3_server.make_bucket()
    return app_settings(
        database_url, tmp_path_factory.mktemp("s3-api"), storage_url=f"s3://{bucket}/vb",
        s3_endpoint=s3_server.endpoint, s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY)


@pytest.fixture(scope="module")
async def s3_app(s3_settings: Settings):
    async with running_app(s3_settings) as application:
        yield application


@pytest.fixture
async def s3_client(s3_app) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(s3_app) as http:
        yield http


@pytest.fixture
def storage(s3_settings: Settings) -> Storage:
    backend = open_storage(s3_settings)
    assert backend.name == "s3"
    return backend


@pytest.fixture
def ranged_gets(monkeypatch) -> list[dict]:
    """The options of every GET the S3 backend sends."""
    seen: list[dict] = []
    real = s3_module.obstore.get_async

    async def spy(store, path, *, options=None):
        seen.append(dict(options or {}))
        return await real(store, path, options=options)

    monkeypatch.setattr(s3_module.obstore, "get_async", spy)
    return seen


def tone_wav(seconds: float = 0.5) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x10\x00\xf0\xff" * int(4000 * seconds))
    return out.getvalue()


async def test_uploaded_audio_lives_in_the_bucket(s3_client, app, tenant, storage, ranged_gets):
    base = f"/v1/customers/{tenant.id}/audio"
    created = await s3_client.post(base, headers=tenant.headers,
                                   files={"file": ("hello.wav", tone_wav(), "audio/wav")})
    assert created.status_code == 201, created.text
    audio = created.json()
    keys = [key async for key in storage.list(f"audio/{tenant.id}/")]
    assert len(keys) == 1
    assert await storage.size(keys[0]) == audio["size"]
    assert not (Path(app.state.settings.data_dir) / keys[0]).exists()  # not on the API's disk

    whole = await s3_client.get(f"{base}/{audio['id']}/download", headers=tenant.headers)
    assert whole.status_code == 200 and len(whole.content) == audio["size"]
    assert whole.content.startswith(b"RIFF")
    part = await s3_client.get(f"{base}/{audio['id']}/download",
                               headers={**tenant.headers, "Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == whole.content[4:12]
    assert part.headers["Content-Range"] == f"bytes 4-11/{audio['size']}"
    assert ranged_gets[-1] == {"range": (4, 12)}

    deleted = await s3_client.delete(f"{base}/{audio['id']}", headers=tenant.headers)
    assert deleted.status_code == 204
    assert [key async for key in storage.list(f"audio/{tenant.id}/")] == []


async def test_call_record_from_the_bucket_with_ranges(s3_client, app, tenant, storage,
                                                     ranged_gets):
    key = "recordings/2026/11/30/s3call.wav"
    await storage.put(key, RECORDING)
    async with app.state.sessionmaker() as session:
        session.add(Call(call_id="s3call", customer_id=tenant.id, call_type="outbound",
                         started_at=datetime.now(UTC), state="ended", status=200,
                         answered=True, record_path=key))
        await session.commit()
    url = "/v1/callRecord?call_id=s3call"

    whole = await s3_client.get(url, headers=tenant.headers)
    assert whole.status_code == 200 and whole.content == RECORDING
    assert whole.headers["Content-Type"] == "audio/wav"

    part = await s3_client.get(url, headers={**tenant.headers, "Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == RECORDING[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(RECORDING)}"
    tail = await s3_client.get(url, headers={**tenant.headers, "Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == RECORDING[-100:]
    assert ranged_gets[-2:] == [{"range": (1000, 2000)},
                                {"range": (len(RECORDING) - 100, len(RECORDING))}]

    past = await s3_client.get(url, headers={**tenant.headers, "Range": "bytes=999999-"})
    assert past.status_code == 416
    assert past.headers["Content-Range"] == f"bytes */{len(RECORDING)}"
    reversed_period = await s3_client.get(url + "&date_from=2026-02-01&date_to=2026-01-01",
                                          headers=tenant.headers)
    assert reversed_period.status_code == 400  # as in call history (one period parser)
    assert reversed_period.json()[0] == {"name": "date_to", "status": 400,
                                         "message": "must not be before date_from"}
    ogg = await s3_client.get(url + "&format=ogg", headers=tenant.headers)
    assert ogg.status_code == 404 and ogg.json()[0]["name"] == "format"

    await storage.delete(key)  # the row says there is one, the bucket has none: 404, not 500
    gone = await s3_client.get(url, headers=tenant.headers)
    assert gone.status_code == 404 and gone.json()[0]["name"] == "call_id"


async def test_another_customers_recording_is_not_found(s3_client, app, make_tenant, storage):
    owner, other = await make_tenant(), await make_tenant()
    key = "recordings/2026/11/30/private.wav"
    await storage.put(key, b"RIFF-private")
    async with app.state.sessionmaker() as session:
        session.add(Call(call_id="private", customer_id=owner.id, call_type="outbound",
                         started_at=datetime.now(UTC), state="ended", status=200,
                         answered=True, record_path=key))
        await session.commit()
    answer = await s3_client.get("/v1/callRecord?call_id=private", headers=other.headers)
    assert answer.status_code == 404


async def test_live_recordings_go_to_the_bucket(s3_client, s3_settings, app, make_tenant,
                                                storage, ranged_gets):
    """An audio-mode campaign on the simulator, its worker on S3 storage: each recording is
    written locally while the call runs, then put into the bucket under `record_path` and
    removed from the worker's disk; `GET /v1/callRecord` plays it from the bucket by range."""
    tenant = await make_tenant(balance=RICH)
    simulation = {"seed": 5, "audio": True,
                  "default": {"result": "answer", "answerDelay": 1, "inputs": ["1"]}}
    campaign = await insert_campaign(app, tenant.id, phones=["+79990000201"],
                                     simulation=simulation)
    dialer = build_dialer(app.state.sessionmaker, s3_settings.model_copy(update={
        "sim_audio": True, "sim_time_scale": 2.0, "tts_engines": "espeak",
        "dialer_poll_seconds": 0.02}))
    await dialer.start()
    try:
        await wait_until(lambda: all_final(app, campaign.id), limit=120, every=0.2)
    finally:
        await dialer.stop()  # drains the recorder: the upload is done
    [call] = await calls_of(app, campaign.id)
    assert call.state == "ended" and call.record_path is not None
    assert not (s3_settings.data_dir / call.record_path).exists()  # removed locally
    size = await storage.size(call.record_path)
    assert size > 44

    url = f"/v1/callRecord?call_id={call.call_id}"
    whole = await s3_client.get(url, headers=tenant.headers)
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF" and len(whole.content) == size
    with wave.open(io.BytesIO(whole.content)) as played:
        assert played.getnchannels() == 2 and played.getframerate() == 8000
    part = await s3_client.get(url, headers={**tenant.headers, "Range": "bytes=0-43"})
    assert part.status_code == 206 and part.content == whole.content[:44]
    assert ranged_gets[-1] == {"range": (0, 44)}


async def test_recordings_left_by_a_killed_worker_are_uploaded(s3_settings, app, tenant,
                                                               storage):
    """A worker killed mid-call leaves its live WAV on the machine's disk; once the call is
    closed (by the reaper) the next recorder there uploads it. A live call's file stays."""
    left = {"ended": "recordings/2026/11/29/killed.wav",
            "live": "recordings/2026/11/29/running.wav"}
    async with app.state.sessionmaker() as session:
        for state, key in left.items():
            path = s3_settings.data_dir / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"RIFF" + state.encode())
            session.add(Call(call_id=Path(key).stem, customer_id=tenant.id,
                             call_type="outbound", started_at=datetime.now(UTC),
                             state=state if state == "ended" else "talking",
                             answered=True, record_path=key))
        await session.commit()
    recorder = Recorder(app.state.sessionmaker, s3_settings, speech=object())
    assert recorder.uploads
    assert await recorder.upload_leftovers() == 1
    assert [chunk async for chunk in storage.read(left["ended"])] == [b"RIFFended"]
    assert not (s3_settings.data_dir / left["ended"]).exists()
    assert (s3_settings.data_dir / left["live"]).exists()
    assert not await storage.exists(left["live"])
