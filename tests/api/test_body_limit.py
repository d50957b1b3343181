"""Bodies over `max_body_bytes` answer 413 in the spec's error array however they arrive: with a
Content-Length, or chunked (no length: counted as read) — through the ASGI app and through a real
`voicebox serve` (uvicorn) process. Nothing is stored, and a chunked body under the limit works."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tests.api_support import assert_errors
from tests.e2e.workers import env_for, start_server
from tests.netns import stop
from tests.ports import free_port
from tests.scenarios.samples import minimal

from voicebox.app import create_app

LIMIT = 64 * 1024
CHUNK = 8 * 1024
BOUNDARY = "limit-test"
FILE_PART = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"'
             '\r\nContent-Type: application/octet-stream\r\n\r\n').encode()


@pytest.fixture
async def small(settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built with a 64 KiB body limit (same database as `client`)."""
    application = create_app(settings.model_copy(update={"max_body_bytes": LIMIT}))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def chunked(head: bytes, total: int) -> Iterator[bytes]:
    """`head`, then filler to `total` bytes, in 8 KiB chunks (a generator: no Content-Length)."""
    yield head
    sent = len(head)
    while sent < total:
        yield b" " * CHUNK
        sent += CHUNK


async def achunked(head: bytes, total: int) -> AsyncIterator[bytes]:
    for chunk in chunked(head, total):
        yield chunk


def requests(tenant) -> list[tuple[str, str, bytes]]:
    """(path, content type, first bytes) of bodies that are fine until they grow too large."""
    base = f"/v1/customers/{tenant.id}"
    scenario = json.dumps(minimal()).encode()[:-1] + b', "comment": "'
    return [
        (f"{base}/scenarios", "application/json", scenario),
        (f"{base}/scenarios/validate", "application/json", scenario),
        (f"{base}/audio", f"multipart/form-data; boundary={BOUNDARY}", FILE_PART),
        ("/oauth/token", "application/x-www-form-urlencoded", b"grant_type=password&username="),
    ]


async def test_chunked_body_over_the_limit_is_413_through_the_app(small, tenant):
    for path, media, head in requests(tenant):
        response = await small.post(path, content=achunked(head, 2 * LIMIT),
                                    headers=tenant.headers | {"Content-Type": media})
        assert "content-length" not in response.request.headers
        [error] = assert_errors(response, 413)
        assert error["name"] == "payload_too_large" and str(LIMIT) in error["message"], path
    listed = await small.get(f"/v1/customers/{tenant.id}/scenarios", headers=tenant.headers)
    assert listed.json() == []
    assert (await small.get(f"/v1/customers/{tenant.id}/audio", headers=tenant.headers)).json() == []


async def test_chunked_body_under_the_limit_is_read(small, tenant):
    body = json.dumps(minimal()).encode()
    response = await small.post(f"/v1/customers/{tenant.id}/scenarios",
                                content=achunked(body, len(body)),
                                headers=tenant.headers | {"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


async def test_chunked_body_over_the_limit_is_413_through_uvicorn(database_url, tmp_path, tenant):
    port = free_port()
    env = env_for(database_url, tmp_path, VOICEBOX_MAX_BODY_BYTES=str(LIMIT))
    server = start_server(env, port, log=tmp_path / "serve.log")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if (await http.get("/openapi.json")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, (
                    (tmp_path / "serve.log").read_text())
                await asyncio.sleep(0.2)
            for path, media, head in requests(tenant):
                response = await http.post(path, content=achunked(head, 2 * LIMIT),
                                           headers=tenant.headers | {"Content-Type": media})
                [error] = assert_errors(response, 413)
                assert error["name"] == "payload_too_large", path
    finally:
        stop(server, timeout=30)
