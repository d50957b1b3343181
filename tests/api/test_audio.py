"""Audio files (extension) through HTTP: WAV / MP3 / OGG uploads converted to 8 kHz mono,
corrupt, empty, too large and non-audio files refused, list / get / download with byte ranges,
delete refused while a scenario plays the file, and another customer sees nothing."""

from __future__ import annotations

import io
import subprocess
import wave
from pathlib import Path

import pytest
from tests.media.ogg import claim_duration, silent_ogg

from voicebox.media.audio import rms
from voicebox.media.decode import probe_format


def url(tenant, suffix: str = "") -> str:
    return f"/v1/customers/{tenant.id}/audio{suffix}"


def make_audio(tmp_path: Path, suffix: str, seconds: float = 1.5, rate: int = 44100) -> bytes:
    """A 440 Hz tone made by sox (WAV, OGG, FLAC) or ffmpeg (MP3) at CD rate, stereo."""
    path = tmp_path / f"tone.{suffix}"
    if suffix == "mp3":
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
               f"sine=frequency=440:duration={seconds}:sample_rate={rate}", "-ac", "2",
               str(path)]
    else:
        cmd = ["sox", "-n", "-r", str(rate), "-c", "2", str(path), "synth", str(seconds),
               "sine", "440"]
    subprocess.run(cmd, check=True)
    return path.read_bytes()


def assert_errors(response, status: int) -> list[dict]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(item) == {"name", "message", "status"} for item in body)
    return body


async def upload(client, tenant, content: bytes, filename: str, **form):
    return await client.post(url(tenant), headers=tenant.headers, data=form,
                             files={"file": (filename, content, "application/octet-stream")})


@pytest.mark.parametrize("suffix", ["wav", "mp3", "ogg"])
async def test_upload_converts_to_telephony_wav(client, tenant, tmp_path, suffix):
    response = await upload(client, tenant, make_audio(tmp_path, suffix), f"Привет.{suffix}",
                            name="Greeting")
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["name"] == "Greeting" and item["format"] == suffix
    assert item["fileName"] == f"Привет.{suffix}"
    assert abs(item["duration"] - 1.5) < 0.1

    download = await client.get(url(tenant, f"/{item['id']}/download"), headers=tenant.headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(download.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        pcm = wav.readframes(wav.getnframes())
    assert rms(pcm) > 0.03  # the tone survived (ffmpeg's sine is at 1/8 of full scale)
    assert item["size"] == len(download.content)


async def test_list_get_range_and_delete(client, tenant, tmp_path):
    first = (await upload(client, tenant, make_audio(tmp_path, "wav"), "a.wav")).json()
    second = (await upload(client, tenant, make_audio(tmp_path, "ogg"), "b.ogg")).json()
    listed = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert listed[0]["name"] == "a"
    got = await client.get(url(tenant, f"/{second['id']}"), headers=tenant.headers)
    assert got.json() == second

    whole = (await client.get(url(tenant, f"/{first['id']}/download"),
                              headers=tenant.headers)).content
    part = await client.get(url(tenant, f"/{first['id']}/download"),
                            headers={**tenant.headers, "Range": "bytes=0-43"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-43/{len(whole)}"
    assert part.content == whole[:44] and part.content.startswith(b"RIFF")
    tail = await client.get(url(tenant, f"/{first['id']}/download"),
                            headers={**tenant.headers, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole[-10:]
    beyond = await client.get(url(tenant, f"/{first['id']}/download"),
                              headers={**tenant.headers, "Range": f"bytes={len(whole)}-"})
    assert_errors(beyond, 416)
    assert beyond.headers["content-range"] == f"bytes */{len(whole)}"

    deleted = await client.delete(url(tenant, f"/{first['id']}"), headers=tenant.headers)
    assert deleted.status_code == 204
    assert_errors(await client.get(url(tenant, f"/{first['id']}"), headers=tenant.headers), 404)
    listed = (await client.get(url(tenant), headers=tenant.headers)).json()
    assert [a["id"] for a in listed] == [second["id"]]


@pytest.mark.parametrize(
    ("content", "filename", "needle"),
    [
        (b"", "empty.wav", "empty"),
        (b"this is plain text, not audio at all\n" * 20, "notes.mp3", "not"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage-garbage", "broken.wav", "broken"),
    ],
)
async def test_bad_files_are_refused(client, tenant, content, filename, needle):
    errors = assert_errors(await upload(client, tenant, content, filename), 400)
    assert errors[0]["name"] == "file"
    assert needle in errors[0]["message"].lower() or filename in errors[0]["message"]
    assert (await client.get(url(tenant), headers=tenant.headers)).json() == []


async def test_truncated_mp3_and_other_formats_are_refused(client, tenant, tmp_path):
    mp3 = make_audio(tmp_path, "mp3", seconds=3)
    response = await upload(client, tenant, mp3[: len(mp3) // 3] + b"\x00garbage" * 500, "cut.mp3")
    # A cut MP3 either decodes partially (accepted, shorter) or is refused as corrupt.
    if response.status_code == 201:
        assert response.json()["duration"] < 3
    else:
        assert_errors(response, 400)
    flac = make_audio(tmp_path, "flac")
    errors = assert_errors(await upload(client, tenant, flac, "tone.flac"), 400)
    assert "unsupported audio format" in errors[0]["message"]


async def test_too_large_and_wrong_request(client, tenant, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app.state.settings, "audio_max_bytes", 10_000)
    big = make_audio(tmp_path, "wav", seconds=1)
    errors = assert_errors(await upload(client, tenant, big, "big.wav"), 413)
    assert "10000 bytes" in errors[0]["message"]
    no_file = await client.post(url(tenant), headers=tenant.headers, data={"name": "x"},
                                files={"other": ("a.txt", b"x")})
    assert assert_errors(no_file, 400)[0]["name"] == "file"
    as_json = await client.post(url(tenant), headers=tenant.headers, json={"file": "x"})
    assert_errors(as_json, 415)


async def test_delete_refused_while_a_scenario_plays_it(client, tenant, tmp_path):
    audio = (await upload(client, tenant, make_audio(tmp_path, "wav"), "hello.wav")).json()
    scenario = {
        "title": "Plays a file",
        "type": "outgoing",
        "states": [
            {"type": "Initial", "name": "start", "success": "hello"},
            {"type": "VoiceMessage", "name": "hello",
             "announcement": {"type": "file", "file": str(audio["id"])}, "success": "bye"},
            {"type": "ReleaseCall", "name": "bye"},
        ],
    }
    created = await client.post(f"/v1/customers/{tenant.id}/scenarios", json=scenario,
                                headers=tenant.headers)
    assert created.status_code == 201, created.text
    errors = assert_errors(await client.delete(url(tenant, f"/{audio['id']}"),
                                               headers=tenant.headers), 409)
    assert "Plays a file" in errors[0]["message"]
    await client.delete(f"/v1/customers/{tenant.id}/scenarios/{created.json()['id']}",
                        headers=tenant.headers)
    assert (await client.delete(url(tenant, f"/{audio['id']}"),
                                headers=tenant.headers)).status_code == 204


async def test_another_customers_files_are_invisible(client, tenant, make_tenant, tmp_path):
    audio = (await upload(client, tenant, make_audio(tmp_path, "wav"), "mine.wav")).json()
    other = await make_tenant()
    for path in (f"/{audio['id']}", f"/{audio['id']}/download"):
        assert_errors(await client.get(url(tenant, path), headers=other.headers), 404)
    assert_errors(await client.delete(url(tenant, f"/{audio['id']}"), headers=other.headers), 404)
    assert_errors(await client.get(url(other, f"/{audio['id']}"), headers=other.headers), 404)
    assert (await client.get(url(other), headers=other.headers)).json() == []
    assert_errors(await client.get(url(tenant), headers=other.headers), 404)
    assert (await client.get(url(tenant), headers={"Authorization": "Bearer x"})).status_code == 401


async def test_scenarios_must_name_existing_files_of_their_customer(client, tenant, make_tenant,
                                                                    tmp_path):
    other = await make_tenant()
    theirs = (await upload(client, other, make_audio(tmp_path, "wav"), "theirs.wav")).json()
    scenarios = f"/v1/customers/{tenant.id}/scenarios"

    def body(file_ref: str) -> dict:
        return {"title": "Файл", "type": "outgoing", "states": [
            {"type": "Initial", "name": "start", "success": "hello"},
            {"type": "VoiceMessage", "name": "hello",
             "announcement": {"type": "file", "file": file_ref}, "success": "bye"},
            {"type": "ReleaseCall", "name": "bye"}]}

    for ref in ("424242", str(theirs["id"]), "hello.wav"):
        draft = await client.post(scenarios, json=body(ref), headers=tenant.headers)
        assert draft.status_code == 201 and draft.json()["isValid"] == "false"
        errors = assert_errors(await client.post(scenarios + "/validate", json=body(ref),
                                                 headers=tenant.headers), 400)
        assert [e["name"] for e in errors] == ["states[1].announcement.file"]
        assert "does not exist" in errors[0]["message"]
    mine = (await upload(client, tenant, make_audio(tmp_path, "wav"), "mine.wav")).json()
    valid = await client.post(scenarios, json=body(str(mine["id"])), headers=tenant.headers)
    assert valid.json()["isValid"] == "true"
    ok = await client.post(scenarios + "/validate", json=body(str(mine["id"])),
                           headers=tenant.headers)
    assert ok.status_code == 200


async def test_long_silence_is_refused_on_its_probed_duration(client, tenant, tmp_path):
    """A tiny file of 700 s of silence is refused before it is decoded (issue 10, decode bomb)."""
    bomb = silent_ogg(tmp_path / "silence.ogg", 700).read_bytes()
    assert len(bomb) < 20_000
    errors = assert_errors(await upload(client, tenant, bomb, "silence.ogg"), 400)
    assert errors[0]["name"] == "file"
    assert "longer than 600 s" in errors[0]["message"] and "700 s" in errors[0]["message"]
    assert (await client.get(url(tenant), headers=tenant.headers)).json() == []


async def test_a_container_lying_about_its_duration_is_still_capped(client, tenant, tmp_path):
    """Probed at 10 s, it decodes to 700 s: the capped decoder stops and the upload is refused."""
    liar = claim_duration(silent_ogg(tmp_path / "long.ogg", 700), tmp_path / "liar.ogg", 10)
    assert (await probe_format(liar))[1] == pytest.approx(10, abs=1)
    errors = assert_errors(await upload(client, tenant, liar.read_bytes(), "liar.ogg"), 400)
    assert errors[0]["message"] == "liar.ogg: longer than 600 s (its header says 10 s)"
    assert errors[0]["name"] == "file"
    assert (await client.get(url(tenant), headers=tenant.headers)).json() == []
    honest = claim_duration(silent_ogg(tmp_path / "short.ogg", 20), tmp_path / "ok.ogg", 20)
    response = await upload(client, tenant, honest.read_bytes(), "ok.ogg")
    assert response.status_code == 201 and response.json()["duration"] == pytest.approx(20, abs=0.1)
