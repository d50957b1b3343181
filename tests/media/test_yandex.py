"""The SpeechKit adapter against a local HTTP server that plays SpeechKit's part."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import numpy as np
import pytest
import uvicorn

from tests.media.conftest import dominant_frequency
from voicebox.errors import MediaError
from voicebox.media.audio import SAMPLE_RATE, duration, from_float, read_prompt
from voicebox.media.base import SpeechSettings
from voicebox.media.espeak import EspeakEngine
from voicebox.media.tts import SpeechService
from voicebox.media.yandex import YandexEngine

TONE = from_float(0.5 * np.sin(2 * np.pi * 600 * np.arange(SAMPLE_RATE) / SAMPLE_RATE))


class FakeSpeechKit:
    """ASGI app: records each request; answers LPCM, or an error when `fail` is set."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.fail: tuple[int, bytes, str] | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.requests.append((headers | {"path": scope["path"]}, fields))
        status, payload, kind = self.fail or (200, TONE, "audio/x-pcm")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode())]})
        await send({"type": "http.response.body", "body": payload})


@pytest.fixture(scope="module")
async def speechkit() -> AsyncIterator[tuple[FakeSpeechKit, str]]:
    app = FakeSpeechKit()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    yield app, f"http://127.0.0.1:{port}/speech/v1/tts:synthesize"
    server.should_exit = True
    await task


@pytest.fixture
async def yandex(speechkit) -> AsyncIterator[YandexEngine]:
    app, url = speechkit
    app.requests.clear()
    app.fail = None
    engine = YandexEngine(api_key="k-123", folder_id="b1g-folder", url=url)
    yield engine
    await engine.close()


async def test_request_carries_the_scenario_settings(speechkit, yandex: YandexEngine) -> None:
    app, _ = speechkit
    pcm = await yandex.synthesize("Привет", SpeechSettings("zahar", 150, "evil"), "ru")
    assert pcm == TONE
    headers, fields = app.requests[-1]
    assert headers["path"] == "/speech/v1/tts:synthesize"
    assert headers["authorization"] == "Api-Key k-123"
    assert fields == {"text": "Привет", "lang": "ru-RU", "voice": "zahar", "emotion": "evil",
                      "speed": "1.50", "format": "lpcm", "sampleRateHertz": "8000",
                      "folderId": "b1g-folder"}


async def test_unknown_voice_and_iam_token(speechkit) -> None:
    app, url = speechkit
    engine = YandexEngine(iam_token="t1.iam", url=url)
    await engine.synthesize("Hello", SpeechSettings("espeak", 1000, "good"), "en")
    headers, fields = app.requests[-1]
    assert headers["authorization"] == "Bearer t1.iam"
    assert (fields["voice"], fields["lang"], fields["speed"]) == ("john", "en-US", "3.00")
    assert "folderId" not in fields
    await engine.close()


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (401, b'{"error_code":"UNAUTHORIZED","error_message":"Unknown api key"}',
         "application/json", "401: Unknown api key"),
        (400, b'{"error_code":"BAD_REQUEST","error_message":"Too long text"}',
         "application/json", "400: Too long text"),
        (200, b'{"error_message":"quota"}', "application/json", "no audio: quota"),
        (200, b"", "audio/x-pcm", "no audio"),
    ],
)
async def test_errors_are_media_errors(speechkit, yandex, status, body, kind, message) -> None:
    app, _ = speechkit
    app.fail = (status, body, kind)
    with pytest.raises(MediaError, match=message):
        await yandex.synthesize("Привет", SpeechSettings(), "ru")


async def test_unreachable_and_unconfigured() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed: nothing listens
    engine = YandexEngine(api_key="k", url=f"http://127.0.0.1:{port}/x", timeout=2)
    with pytest.raises(MediaError, match="unreachable"):
        await engine.synthesize("Привет", SpeechSettings(), "ru")
    await engine.close()
    with pytest.raises(MediaError, match="VOICEBOX_YANDEX_API_KEY"):
        await YandexEngine().start()


async def test_service_prefers_the_cloud_for_speechkit_voices(speechkit, yandex, tmp_path) -> None:
    app, _ = speechkit
    tts = SpeechService([yandex, EspeakEngine()], cache_dir=tmp_path)
    await tts.start()
    path = await tts.synthesize("Добрый день", {"voice": "alena"})
    pcm = read_prompt(path)
    assert duration(pcm) == pytest.approx(1.0) and dominant_frequency(pcm) == pytest.approx(600, abs=2)
    assert app.requests[-1][1]["voice"] == "alena"
    assert tts.pick({"voice": "espeak"}, "ru").name == "espeak"
    # The cloud failing mid-call falls back to an offline engine.
    app.fail = (500, b"oops", "text/plain")
    fallback = read_prompt(await tts.synthesize("Другой текст", {"voice": "alena"}))
    assert duration(fallback) > 0.3 and dominant_frequency(fallback) != pytest.approx(600, abs=2)
