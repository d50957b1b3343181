"""S3-compatible object storage (AWS S3, MinIO, Ceph, Yandex Object Storage…) through obstore."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from voicebox.storage.base import ObjectMissing, StorageError, check_key
from voicebox.storage.local import write_stream_atomically

if TYPE_CHECKING:  # obstore's option types exist in its stubs only
    from obstore import GetOptions
    from obstore.store import ClientConfig, S3Config

# Chunks handed to the HTTP response while a ranged GET streams; obstore's default is 10 MB.
READ_CHUNK = 64 * 1024


def _failed(key: str, error: Exception) -> StorageError:
    if isinstance(error, NotFoundError | FileNotFoundError):
        return ObjectMissing(f"no stored object {key}")
    return StorageError(f"object storage failed on {key}: {error}")


class S3Storage:
    """Objects in `bucket` under `prefix`; local copies for `local_path` in `cache_dir`."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        cache_dir: Path,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.cache_dir = Path(cache_dir)
        options: S3Config = {"region": region}
        if endpoint:
            options["endpoint"] = endpoint
            # A self-hosted endpoint names the bucket in the path, not in the host name.
            options["virtual_hosted_style_request"] = False
        if access_key_id:
            options["access_key_id"] = access_key_id
        if secret_access_key:
            options["secret_access_key"] = secret_access_key
        client: ClientConfig | None = (
            {"allow_http": True} if endpoint and endpoint.startswith("http://") else None)
        self.store = S3Store(bucket, prefix=self.prefix or None, client_options=client,
                             **options)  # type: ignore[misc]  # S3Config has "bucket"; ours is set apart

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int:
        check_key(key)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                await obstore.put_async(self.store, key, bytes(data))
            else:
                await obstore.put_async(self.store, key, data)
        except Exception as error:
            raise _failed(key, error) from error
        return await self.size(key)

    async def put_file(self, key: str, path: Path) -> int:
        check_key(key)
        try:
            await obstore.put_async(self.store, key, Path(path))
        except Exception as error:
            raise _failed(key, error) from error
        return await self.size(key)

    async def size(self, key: str) -> int:
        check_key(key)
        try:
            meta = await obstore.head_async(self.store, key)
        except Exception as error:
            raise _failed(key, error) from error
        return int(meta["size"])

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectMissing:
            return False
        return True

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        check_key(key)
        try:
            result = await obstore.get_async(self.store, key,
                                             options=_range_options(start, end))
            async for chunk in result.stream(min_chunk_size=READ_CHUNK):
                yield bytes(chunk)
        except StorageError:
            raise
        except Exception as error:
            raise _failed(key, error) from error

    async def delete(self, key: str) -> None:
        check_key(key)
        try:
            await obstore.delete_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return
        except Exception as error:
            raise _failed(key, error) from error

    async def list(self, prefix: str = "") -> AsyncIterator[str]:
        keys: list[str] = []
        try:
            # obstore matches whole path segments: list the folder, then filter by the prefix.
            folder = prefix.rpartition("/")[0] or None
            async for batch in obstore.list(self.store, prefix=folder):
                keys.extend(str(meta["path"]) for meta in batch)
        except Exception as error:
            raise _failed(prefix, error) from error
        for key in sorted(key for key in keys if key.startswith(prefix)):
            yield key

    async def local_path(self, key: str) -> Path:
        target = self.cache_dir / check_key(key)
        if await anyio.to_thread.run_sync(target.is_file):
            return target
        await write_stream_atomically(target, self.read(key))
        return target

    async def close(self) -> None:
        return None


def _range_options(start: int, end: int | None) -> GetOptions:
    """obstore's GetOptions for bytes `start` … `end` inclusive (its ranges end exclusive)."""
    if end is None:
        return {"range": {"offset": start}} if start else {}
    return {"range": (start, end + 1)}
