"""The default backend: a folder (`VOICEBOX_DATA_DIR`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from stat import S_ISREG

import anyio

from voicebox.storage.base import CHUNK, ObjectMissing, check_key


def _temp_beside(target: Path) -> tuple[int, str]:
    """A new temporary file in `target`'s folder, made if need be; retried when a concurrent
    `delete` removes the folder it just emptied between the two steps."""
    for attempt in range(3):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            return tempfile.mkstemp(prefix=".part-", dir=target.parent)
        except FileNotFoundError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _write_atomically(target: Path, chunks: list[bytes] | None, source: Path | None) -> int:
    fd, tmp = _temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as out:
            if source is not None:
                with source.open("rb") as handle:
                    while block := handle.read(CHUNK):
                        out.write(block)
            for chunk in chunks or ():
                out.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _unlink(path: str) -> None:
    Path(path).unlink(missing_ok=True)


async def write_stream_atomically(target: Path, chunks: AsyncIterable[bytes]) -> None:
    """Write `chunks` to a temporary file beside `target`, then rename it into place."""
    fd, tmp = await anyio.to_thread.run_sync(_temp_beside, target)
    os.close(fd)
    try:
        async with await anyio.open_file(tmp, "wb") as out:
            async for chunk in chunks:
                await out.write(chunk)
        await anyio.to_thread.run_sync(os.replace, tmp, target)
    except BaseException:
        await anyio.to_thread.run_sync(_unlink, tmp)
        raise


class LocalStorage:
    """Objects as files under `root`; writes go through a temporary file and a rename."""

    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> int:
        target = self.path(key)
        if isinstance(data, bytes | bytearray | memoryview):
            return await anyio.to_thread.run_sync(_write_atomically, target, [bytes(data)], None)
        await write_stream_atomically(target, data)
        return await self.size(key)

    async def put_file(self, key: str, path: Path) -> int:
        return await anyio.to_thread.run_sync(_write_atomically, self.path(key), None, Path(path))

    async def size(self, key: str) -> int:
        target = self.path(key)
        try:
            stat = await anyio.to_thread.run_sync(target.stat)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectMissing(f"no stored object {key}") from None
        if not S_ISREG(stat.st_mode):
            raise ObjectMissing(f"no stored object {key}")
        return stat.st_size

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self.path(key).is_file)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        target = self.path(key)
        try:
            handle = await anyio.open_file(target, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectMissing(f"no stored object {key}") from None
        async with handle:
            await handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = await handle.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    break
                if left is not None:
                    left -= len(chunk)
                yield chunk

    async def delete(self, key: str) -> None:
        """Remove the file and the folders it leaves empty (dated folders do not pile up)."""
        def remove() -> None:
            path = self.path(key)
            path.unlink(missing_ok=True)
            for folder in path.parents:
                if folder == self.root or self.root not in folder.parents:
                    break
                try:
                    folder.rmdir()
                except OSError:
                    break

        await anyio.to_thread.run_sync(remove)

    async def list(self, prefix: str = "") -> AsyncIterator[str]:
        """Lazily, one folder read at a time: a caller that stops early (retention, at the first
        recording young enough to keep) never walks the rest of the tree."""
        def entries(folder: Path) -> list[tuple[str, bool]]:
            try:
                found = [(entry.name, entry.is_dir()) for entry in os.scandir(folder)]
            except (FileNotFoundError, NotADirectoryError):
                return []
            # a folder's keys all start with "name/": sorting it as such keeps key order
            return sorted(found, key=lambda item: item[0] + "/" if item[1] else item[0])

        async def walk(relative: str) -> AsyncIterator[str]:
            folder = self.root / relative if relative else self.root
            for name, is_dir in await anyio.to_thread.run_sync(entries, folder):
                key = f"{relative}/{name}" if relative else name
                if is_dir:
                    if key.startswith(prefix) or prefix.startswith(key + "/"):
                        async for inner in walk(key):
                            yield inner
                elif key.startswith(prefix) and not name.startswith(".part-"):
                    yield key

        start = prefix.rpartition("/")[0]
        async for key in walk(start):
            yield key

    async def local_path(self, key: str) -> Path:
        if not await self.exists(key):
            raise ObjectMissing(f"no stored object {key}")
        return self.path(key)

    async def close(self) -> None:
        return None


def is_folder(storage: object, folder: Path) -> bool:
    """Whether `storage` is the local folder `folder` itself (its files already are the
    objects: nothing to upload, nothing to share)."""
    return isinstance(storage, LocalStorage) and storage.root.resolve() == Path(folder).resolve()
