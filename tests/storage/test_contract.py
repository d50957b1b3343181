"""One contract for every storage backend: the local folder and S3 (a real moto server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.s3server import ACCESS_KEY, SECRET_KEY, S3Server
from voicebox.storage import ObjectMissing, Storage, storage_from_url
from voicebox.storage.local import LocalStorage

BLOB = bytes(range(256)) * 1000  # 256,000 bytes: several read chunks


@pytest.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "local":
        backend = storage_from_url(None, data_dir=tmp_path)
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        bucket = await asyncio.to_thread(server.make_bucket)
        backend = storage_from_url(f"s3://{bucket}/some/prefix", data_dir=tmp_path,
                                   endpoint=server.endpoint, access_key_id=ACCESS_KEY,
                                   secret_access_key=SECRET_KEY)
    assert isinstance(backend, Storage)
    yield backend
    await backend.close()


async def read_all(storage: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def test_put_bytes_then_read_size_exists(storage: Storage) -> None:
    assert await storage.put("audio/1/a.wav", BLOB) == len(BLOB)
    assert await storage.exists("audio/1/a.wav")
    assert await storage.size("audio/1/a.wav") == len(BLOB)
    assert await read_all(storage, "audio/1/a.wav") == BLOB


async def test_put_stream(storage: Storage) -> None:
    assert await storage.put("recordings/x.wav", chunks(BLOB, 10_000)) == len(BLOB)
    assert await read_all(storage, "recordings/x.wav") == BLOB


async def test_put_file(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(BLOB[:1000])
    assert await storage.put_file("audio/2/b.wav", source) == 1000
    assert await read_all(storage, "audio/2/b.wav") == BLOB[:1000]


async def test_put_replaces(storage: Storage) -> None:
    await storage.put("k/v", b"old contents")
    await storage.put("k/v", b"new")
    assert await read_all(storage, "k/v") == b"new"
    assert await storage.size("k/v") == 3


@pytest.mark.parametrize(("start", "end"), [(0, 0), (10, 99), (70_000, 200_000),
                                            (255_999, None), (1000, None), (0, 255_999)])
async def test_byte_ranges(storage: Storage, start: int, end: int | None) -> None:
    await storage.put("r/blob", BLOB)
    expected = BLOB[start : None if end is None else end + 1]
    assert await read_all(storage, "r/blob", start, end) == expected


async def test_missing_object(storage: Storage) -> None:
    assert not await storage.exists("no/such")
    with pytest.raises(ObjectMissing):
        await storage.size("no/such")
    with pytest.raises(ObjectMissing):
        await read_all(storage, "no/such")
    with pytest.raises(ObjectMissing):
        await storage.local_path("no/such")
    await storage.delete("no/such")  # not an error


async def test_delete(storage: Storage) -> None:
    await storage.put("d/one", b"1")
    await storage.delete("d/one")
    assert not await storage.exists("d/one")


async def test_list_by_prefix(storage: Storage) -> None:
    for key in ("audio/1/a.wav", "audio/1/b.wav", "audio/12/c.wav", "recordings/2026/x.wav"):
        await storage.put(key, b"x")
    assert [key async for key in storage.list("audio/1/")] == ["audio/1/a.wav", "audio/1/b.wav"]
    assert [key async for key in storage.list("audio/1")] == [
        "audio/1/a.wav", "audio/1/b.wav", "audio/12/c.wav"]
    assert len([key async for key in storage.list("")]) == 4
    assert [key async for key in storage.list("nothing/")] == []


async def test_local_path_has_the_bytes(storage: Storage) -> None:
    await storage.put("audio/3/p.wav", BLOB)
    path = await storage.local_path("audio/3/p.wav")
    assert path.read_bytes() == BLOB
    assert await storage.local_path("audio/3/p.wav") == path  # cached, not fetched again


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a/./b", "", "a/../../b"])
async def test_unsafe_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        await storage.put(key, b"x")


def test_local_is_the_default(tmp_path: Path) -> None:
    backend = storage_from_url(None, data_dir=tmp_path)
    assert isinstance(backend, LocalStorage) and backend.root == tmp_path
    assert storage_from_url("file:///srv/vb", data_dir=tmp_path).root == Path("/srv/vb")


@pytest.mark.parametrize("url", ["s3://", "ftp://host/x", "gs://bucket"])
def test_unknown_urls_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        storage_from_url(url, data_dir=tmp_path)
